//! `lea-intake classify`: judge messages on disk without a database or a network.
//! One output per input, always, in input order, also for input that cannot be parsed.

use crate::pipeline::Analyzer;
use anyhow::Result;
use lea_classifier::{Assessment, Severity};
use lea_ingest::Message;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// Trust Authentication-Results headers from this authserv-id (repeatable); adds to
    /// `classifier.trusted_authserv_ids` of the config.
    #[arg(long = "trusted-authserv-id", value_name = "ID")]
    pub trusted_authserv_ids: Vec<String>,
    /// One JSON object per input per line, instead of a readable summary.
    #[arg(long)]
    pub json: bool,
    /// Threads to use (default: all cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// .eml files, or folders of them (read recursively; hidden and .md files skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Serialize)]
struct Output<'a> {
    file: String,
    sha256: Option<&'a str>,
    message_id: Option<&'a str>,
    subject: Option<&'a str>,
    parsed: bool,
    problems: Vec<String>,
    sender: Option<&'a lea_classifier::SenderAssessment>,
    request: Option<&'a lea_classifier::RequestAssessment>,
    targets: &'a [lea_classifier::Target],
    attachments: &'a [lea_classifier::AttachmentSummary],
}

enum Outcome {
    Assessed(Box<(Message, Assessment)>),
    Unreadable(String),
}

/// Every file named, or found under a folder named, in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with(".md") {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

pub fn run(args: ClassifyArgs, analyzer: Analyzer) -> Result<i32> {
    let files = collect_files(&args.paths)?;
    let analyzer = Arc::new(analyzer);
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut unreadable = 0usize;
    // Windows of files keep memory bounded for large folders and the output in order.
    for window in files.chunks(256 * jobs) {
        let per_thread = window.len().div_ceil(jobs).max(1);
        let results: Vec<Outcome> = std::thread::scope(|scope| {
            let handles: Vec<_> = window
                .chunks(per_thread)
                .map(|chunk| {
                    let analyzer = &analyzer;
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|f| classify_file(analyzer, f))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for (file, outcome) in window.iter().zip(&results) {
            if matches!(outcome, Outcome::Unreadable(_)) {
                unreadable += 1;
            }
            if args.json {
                serde_json::to_writer(&mut out, &output(file, outcome))?;
                out.write_all(b"\n")?;
            } else {
                write_summary(&mut out, file, outcome)?;
            }
        }
    }
    out.flush()?;
    Ok(if unreadable > 0 { 1 } else { 0 })
}

fn classify_file(analyzer: &Analyzer, file: &Path) -> Outcome {
    match std::fs::read(file) {
        Ok(raw) => Outcome::Assessed(Box::new(analyzer.analyze(&raw))),
        Err(e) => Outcome::Unreadable(format!("io: {e}")),
    }
}

fn output<'a>(file: &Path, outcome: &'a Outcome) -> Output<'a> {
    let file = file.display().to_string();
    match outcome {
        Outcome::Assessed(both) => {
            let (m, a) = both.as_ref();
            Output {
                file,
                sha256: Some(&m.sha256),
                message_id: m.message_id.as_deref(),
                subject: m.subject.as_deref(),
                parsed: m.parsed,
                problems: m.problems.iter().map(ToString::to_string).collect(),
                sender: Some(&a.sender),
                request: Some(&a.request),
                targets: &a.targets,
                attachments: &a.attachments,
            }
        }
        Outcome::Unreadable(reason) => Output {
            file,
            sha256: None,
            message_id: None,
            subject: None,
            parsed: false,
            problems: vec![reason.clone()],
            sender: None,
            request: None,
            targets: &[],
            attachments: &[],
        },
    }
}

fn write_summary(out: &mut impl Write, file: &Path, outcome: &Outcome) -> std::io::Result<()> {
    writeln!(out, "{}", file.display())?;
    let (m, a) = match outcome {
        Outcome::Assessed(both) => (&both.0, &both.1),
        Outcome::Unreadable(reason) => return writeln!(out, "  could not be read: {reason}\n"),
    };
    let s = &a.sender;
    let name = s
        .display_name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let agency = s
        .agency
        .as_ref()
        .map(|ag| format!(", agency {} ({})", ag.name, ag.country))
        .unwrap_or_default();
    writeln!(
        out,
        "  subject:  {}",
        m.subject.as_deref().unwrap_or("(none)")
    )?;
    writeln!(
        out,
        "  sender:   {}{name}: {} (risk {}){agency}",
        if s.address.is_empty() {
            "(no From)"
        } else {
            &s.address
        },
        s.verdict.as_str().to_uppercase(),
        s.risk
    )?;
    for sig in &s.signals {
        let mark = match sig.severity {
            Severity::Critical | Severity::High => "!",
            Severity::Medium => "*",
            Severity::Low | Severity::Info => "-",
        };
        writeln!(out, "    {mark} {}: {}", sig.code, sig.detail)?;
    }
    let r = &a.request;
    let mut request = vec![r.kind.as_str().to_string()];
    if r.urgent {
        request.push("URGENT".into());
    }
    if let Some(d) = r.deadline {
        request.push(format!("due {d}"));
    } else if let Some(t) = &r.deadline_text {
        request.push(format!("due {t}"));
    }
    if let Some(x) = &r.agency_reference {
        request.push(format!("ref {x}"));
    }
    if let Some(x) = &r.jurisdiction {
        request.push(format!("jurisdiction {x}"));
    }
    if let Some(x) = &r.language {
        request.push(format!("language {x}"));
    }
    writeln!(out, "  request:  {}", request.join(", "))?;
    for t in &a.targets {
        writeln!(out, "  target:   {} {} ({})", t.kind, t.value, t.source)?;
    }
    for at in &a.attachments {
        let status = match &at.error {
            Some(e) => format!("no text: {e}"),
            None => format!("{} characters of text", at.text_chars),
        };
        writeln!(
            out,
            "  attached: {} [{}, {} bytes] {status}",
            at.filename.as_deref().unwrap_or("(unnamed)"),
            at.content_type,
            at.size
        )?;
    }
    for p in &m.problems {
        writeln!(out, "  problem:  {p}")?;
    }
    writeln!(out)
}
