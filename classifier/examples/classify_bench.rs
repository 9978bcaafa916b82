//! Single-thread throughput of `lea-intake classify` without PDF extraction: parsing
//! (`lea_ingest::parse_message` with extraction disabled) plus `Classifier::assess`, with
//! the directory loaded the way the binary loads it (built-in agencies plus CISA's .gov
//! register) and the default `[classifier]` settings.
//!
//! cargo run --release -p lea-classifier --example classify_bench
//!
//! Times are this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) where available, so that
//! other work on a shared machine counts less; wall-clock time otherwise.
//!
//! Options (all optional, defaults relative to the repository root):
//!   --cisa FILE     CISA register (../shared/data/dotgov/current-full.csv)
//!   --passes N      timed passes per measurement (7); best and median are reported
//!   --detail        also time each part of request understanding
//!   --dump FILE     write every assessment as one JSON line (for comparing two builds)
//!   --slowest N     also list the N messages that take longest to parse and assess
//!   DIR...          corpora (fixtures/requests and ../shared/data/mime-corpus)
//!
//! Last measured (2-core shared machine, one thread, best of 9 passes; µs per message):
//!
//! | corpus | parse + assess | parse | sender | request | targets | language |
//! |---|---|---|---|---|---|---|
//! | requests (69) | 14,469 msg/s, 69.1 | 5.1 | 12.2 | 29.5 | 7.9 | 13.2 |
//! | mime-corpus (485) | 10,434 msg/s, 95.8 (median 10,320) | 31.9 | 11.3 | 34.0 | 8.2 | 16.5 |
//!
//! The same build on a slower 2-core machine (2.3 GHz Xeon, 2026-12-06): requests
//! 10,573 msg/s (94.6 µs; language 20.3), MIME corpus 7,405 msg/s (135.0 µs: parse 46.4,
//! sender 16.5, request 48.4 of which language 23.7, targets 11.3). Every stage takes about
//! 1.4 times as long there, so compare numbers only from one machine. On that machine,
//! with whatlang's profiles merged into one trigram index (vendor/whatlang/PATCH.md;
//! byte-identical `--dump`): requests 11,451 msg/s (87.3 µs; language 12.2), MIME corpus
//! 7,700 msg/s (129.9 µs: parse 47.4, sender 16.5, request 40.2 of which language 14.4,
//! targets 11.3).
//!
//! On another 2-core machine (Xeon, 2026-12-06 later; its timings vary by a third from
//! run to run, so these are the best of five interleaved runs of 15 passes), the build
//! above against one with mail-parser's HTML and single-byte conversion patched
//! (vendor/mail-parser/PATCH.md), three more whatlang patches, an attached message hashed
//! once, a cheaper alias pre-check, line patterns gated by their first bytes
//! (`text::LinePattern`) and mimalloc: MIME corpus 127.3 -> 107.9 µs per message
//! (7,855 -> 9,268 msg/s; parse 45.3 -> 34.0, assess 74.0 -> 66.9); requests 87.9 ->
//! 81.3 µs (11,377 -> 12,300 msg/s). `--slowest` now shows parse and assess apart: the
//! three largest messages went from 19 ms of parse to about 10 ms.
//!
//! On the same kind of machine (2026-12-06, third session), with times now read from
//! `CLOCK_THREAD_CPUTIME_ID` (the schedstat counter read before advanced in 4 ms ticks,
//! so a pass of about 50 ms could read a tenth high or low), best of six interleaved runs
//! of 15 passes: the build above (57ce28e) 108.3 µs per message on the MIME corpus
//! (9,234 msg/s; parse 34.9, assess 66.1), this build 93.1 µs (10,741 msg/s; parse 33.6,
//! assess 51.7). The changes: one set scan per piece for kind, reference, jurisdiction and
//! urgency together (`text::SetUnion`), word counting for the language in one pass,
//! whatlang's ranking on integer keys, and `memmem` for the end of style and script
//! blocks. Runs of both corpora with `--detail` gave the MIME corpus 94.5 to 103.2 µs
//! (the requests 71.4 to 80.9): a neighbour's load still moves a whole run.
//!
//! Earlier builds gave 8,789 msg/s (113.8 µs) on the requests and
//! 3,474 msg/s (287.9 µs: parse 39.6, sender 40.1, request 155.5 of which language 33.2
//! and deadline 42.0, targets 42.1) on the MIME corpus. Most of the MIME corpus's time
//! went to three messages of half a megabyte to a megabyte, now read as a head and a tail
//! (`lea_classifier::text::bounds`); the rest came from the look-alike index (deletion
//! variants and SipHash), the trigram language detector (now behind a function-word
//! count) and mail-parser's reading of `Received` headers. What remains is mostly MIME
//! parsing (mail-parser's HTML conversion of the large HTML bodies, SHA-256 of the raw
//! bytes) and the trigram detector on short texts. `--slowest N` lists the messages that
//! cost most.

use lea_classifier::targets::TargetExtractor;
use lea_classifier::{Classifier, ClassifierConfig, Directory, request, sender};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Message, parse_message};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The binary's allocator, so that the numbers are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, out);
        } else if path
            .extension()
            .is_none_or(|e| e != "json" && e != "md" && e != "py")
        {
            out.push(path);
        }
    }
}

/// Body and attachment text of a message and of the messages attached to it.
fn text_bytes(message: &Message) -> usize {
    message.body_text.len()
        + message.subject.as_ref().map_or(0, String::len)
        + message
            .attachments
            .iter()
            .map(|a| {
                a.text.as_ref().map_or(0, String::len) + a.message.as_deref().map_or(0, text_bytes)
            })
            .sum::<usize>()
}

/// This thread's CPU time, so that time spent waiting for a core on a shared machine is
/// not counted as time spent classifying. (`/proc/thread-self/schedstat`, read before,
/// advances only at scheduler ticks: 4 ms steps made a pass's time jump by a tenth.)
struct Clock {
    wall: Instant,
    cpu: Option<Duration>,
}

fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| {
        Duration::new(
            u64::try_from(now.tv_sec).unwrap_or(0),
            u32::try_from(now.tv_nsec).unwrap_or(0),
        )
    })
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: thread_cpu_time(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu_time()) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => self.wall.elapsed(),
        }
    }
}

/// Best and median of `passes` runs of `f`, which handles `n` messages per run.
fn time(passes: usize, n: usize, mut f: impl FnMut() -> usize) -> (f64, f64, usize) {
    // Repeat small corpora inside a pass so each measurement runs for a while.
    let rounds = (4000 / n.max(1)).max(1);
    let mut times: Vec<Duration> = Vec::new();
    let mut check = 0usize;
    for _ in 0..passes {
        let start = Clock::start();
        check = 0;
        for _ in 0..rounds {
            check = check.wrapping_add(std::hint::black_box(f()));
        }
        times.push(start.elapsed() / rounds as u32);
    }
    times.sort();
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let best = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    (rate(best), rate(median), check)
}

fn report(stage: &str, (best, median, _): (f64, f64, usize)) {
    println!(
        "  {stage:<16} {best:>9.0} msg/s best {median:>9.0} msg/s median  ({:.1} us/msg best)",
        1e6 / best
    );
}

fn bench(
    name: &str,
    dir: &Path,
    classifier: &Classifier,
    passes: usize,
    detail: bool,
    slowest: usize,
    dump: &mut Option<std::fs::File>,
) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let raws: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .filter_map(|f| std::fs::read(&f).ok().map(|raw| (f, raw)))
        .collect();
    if raws.is_empty() {
        println!("{name}: no messages under {}", dir.display());
        return;
    }
    let limits = Limits::default();
    let extractor = TextExtractor::disabled();
    let messages: Vec<Message> = raws
        .iter()
        .map(|(_, raw)| parse_message(raw, &limits, &extractor))
        .collect();
    // A fixed clock, so that dumps of two builds compare equal.
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    let n = messages.len();
    let bytes: usize = raws.iter().map(|(_, r)| r.len()).sum();
    let text: usize = messages.iter().map(text_bytes).sum();
    println!(
        "{name}: {n} messages, {:.1} KiB each on average, {:.1} KiB of text",
        bytes as f64 / n as f64 / 1024.0,
        text as f64 / n as f64 / 1024.0
    );

    if let Some(file) = dump.as_mut() {
        for ((path, _), message) in raws.iter().zip(&messages) {
            let assessment = classifier.assess(message, now);
            let line =
                serde_json::json!({ "file": path.display().to_string(), "assessment": assessment });
            if let Err(e) = writeln!(file, "{line}") {
                eprintln!("cannot write the dump: {e}");
            }
        }
    }

    let parse = time(passes, n, || {
        raws.iter()
            .map(|(_, raw)| parse_message(raw, &limits, &extractor).body_text.len())
            .sum()
    });
    let assess = time(passes, n, || {
        messages
            .iter()
            .map(|m| classifier.assess(m, now).targets.len())
            .sum()
    });
    let both = time(passes, n, || {
        raws.iter()
            .map(|(_, raw)| {
                let m = parse_message(raw, &limits, &extractor);
                classifier.assess(&m, now).targets.len()
            })
            .sum()
    });

    // Per stage, as `Classifier::assess` runs them.
    let directory = classifier.directory();
    let config = classifier.config();
    let targets = TargetExtractor::new(config);
    let senders: Vec<_> = messages
        .iter()
        .map(|m| sender::assess_sender(m, directory, config))
        .collect();
    let requests: Vec<_> = messages
        .iter()
        .zip(&senders)
        .map(|(m, s)| request::understand(m, s, directory, now))
        .collect();
    let sender_stage = time(passes, n, || {
        messages
            .iter()
            .map(|m| usize::from(sender::assess_sender(m, directory, config).risk))
            .sum()
    });
    let request_stage = time(passes, n, || {
        messages
            .iter()
            .zip(&senders)
            .map(|(m, s)| usize::from(request::understand(m, s, directory, now).urgent))
            .sum()
    });
    let target_stage = time(passes, n, || {
        messages
            .iter()
            .zip(&senders)
            .zip(&requests)
            .map(|((m, s), r)| targets.extract(m, s, r, &mut Vec::new()).len())
            .sum()
    });

    if slowest > 0 {
        // Where the time goes: a few large messages can weigh more than all the others.
        let limits = &limits;
        let extractor = &extractor;
        let best_of = |f: &dyn Fn()| {
            (0..passes.max(1))
                .map(|_| {
                    let start = Clock::start();
                    f();
                    start.elapsed()
                })
                .min()
                .unwrap_or_default()
                .as_secs_f64()
                * 1e6
        };
        let mut each: Vec<(f64, f64, &Path, usize)> = raws
            .iter()
            .zip(&messages)
            .map(|((path, raw), message)| {
                let parse = best_of(&|| {
                    std::hint::black_box(parse_message(raw, limits, extractor).size);
                });
                let assess = best_of(&|| {
                    std::hint::black_box(classifier.assess(message, now).targets.len());
                });
                (parse, assess, path.as_path(), raw.len())
            })
            .collect();
        each.sort_by(|a, b| (b.0 + b.1).total_cmp(&(a.0 + a.1)));
        let total: f64 = each.iter().map(|e| e.0 + e.1).sum();
        println!("  slowest (of {total:.0} us in all; parse and assess, best of each):");
        for (parse, assess, path, len) in each.iter().take(slowest) {
            println!(
                "    {parse:>9.1} + {assess:>8.1} us  {len:>8} bytes  {}",
                path.display()
            );
        }
    }

    report("parse", parse);
    report("assess", assess);
    report("parse + assess", both);
    report("  sender", sender_stage);
    report("  request", request_stage);
    report("  targets", target_stage);

    if detail {
        use lea_classifier::request::layers::{Layer, Texts};
        use lea_classifier::request::{
            dates, deadline, jurisdiction, kind, language, reference, urgency,
        };
        let texts: Vec<Texts> = messages.iter().map(Texts::of).collect();
        let anchor = now.date_naive();
        report(
            "    texts",
            time(passes, n, || {
                messages.iter().map(|m| Texts::of(m).pieces.len()).sum()
            }),
        );
        report(
            "    kind",
            time(passes, n, || {
                texts.iter().map(|t| kind::classify(t) as usize).sum()
            }),
        );
        report(
            "    jurisdiction",
            time(passes, n, || {
                texts
                    .iter()
                    .zip(&senders)
                    .map(|(t, s)| jurisdiction::find(s, directory, t).map_or(0, |j| j.len()))
                    .sum()
            }),
        );
        report(
            "    deadline",
            time(passes, n, || {
                texts
                    .iter()
                    .map(|t| {
                        usize::from(
                            deadline::find(t, dates::month_first(None), anchor)
                                .date
                                .is_some(),
                        )
                    })
                    .sum()
            }),
        );
        report(
            "    urgency",
            time(passes, n, || {
                texts
                    .iter()
                    .map(|t| {
                        usize::from(
                            t.pieces_of(&[Layer::Subject, Layer::NewBody, Layer::Attachment])
                                .any(urgency::piece_says_urgent),
                        )
                    })
                    .sum()
            }),
        );
        report(
            "    reference",
            time(passes, n, || {
                texts
                    .iter()
                    .map(|t| reference::find(t).map_or(0, |r| r.len()))
                    .sum()
            }),
        );
        report(
            "    language",
            time(passes, n, || {
                texts
                    .iter()
                    .map(|t| language::detect(t).map_or(0, |l| l.len()))
                    .sum()
            }),
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cisa = root.join("../shared/data/dotgov/current-full.csv");
    let mut passes = 7usize;
    let mut dump = None;
    let mut detail = false;
    let mut slowest = 0usize;
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cisa" => cisa = args.next().ok_or("--cisa needs a file")?.into(),
            "--passes" => passes = args.next().ok_or("--passes needs a number")?.parse()?,
            "--detail" => detail = true,
            "--slowest" => slowest = args.next().ok_or("--slowest needs a number")?.parse()?,
            "--dump" => {
                let path = args.next().ok_or("--dump needs a file")?;
                dump = Some(std::fs::File::create(&path).map_err(|e| format!("{path}: {e}"))?);
            }
            _ => dirs.push(PathBuf::from(arg)),
        }
    }
    if dirs.is_empty() {
        dirs.push(root.join("fixtures/requests"));
        dirs.push(root.join("../shared/data/mime-corpus"));
    }

    // As `lea-intake` builds it: the built-in directory, then the imported CISA register.
    let csv = std::fs::read_to_string(&cisa)
        .map_err(|e| format!("cannot read {}: {e}", cisa.display()))?;
    let mut directory = Directory::builtin();
    let summary = directory.import_cisa_csv(&csv)?;
    println!(
        "directory: {} CISA rows, {} agencies, {} domains",
        summary.rows,
        directory.agencies().len(),
        directory.domain_count()
    );
    let classifier = Classifier::new(directory, ClassifierConfig::default());

    for dir in &dirs {
        let name = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
        bench(&name, dir, &classifier, passes, detail, slowest, &mut dump);
    }
    Ok(())
}
