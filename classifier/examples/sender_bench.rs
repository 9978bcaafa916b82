//! Throughput of `Classifier::assess` with the full directory loaded.
//!
//! cargo run --release -p lea-classifier --example sender_bench [-- CISA_CSV [MIME_CORPUS_DIR]]
//!
//! Defaults (from the repository root): ../shared/data/dotgov/current-full.csv and
//! ../shared/data/mime-corpus. PDF extraction is disabled: this measures the classifier.

use lea_classifier::{Classifier, ClassifierConfig, Directory, Verdict};
use lea_ingest::Limits;
use lea_ingest::extract::TextExtractor;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let csv_path = args
        .next()
        .unwrap_or_else(|| "../shared/data/dotgov/current-full.csv".to_string());
    let corpus = args
        .next()
        .unwrap_or_else(|| "../shared/data/mime-corpus".to_string());

    let csv =
        std::fs::read_to_string(&csv_path).map_err(|e| format!("cannot read {csv_path}: {e}"))?;
    let started = Instant::now();
    let builtin = Directory::builtin();
    let builtin_time = started.elapsed();
    let started = Instant::now();
    let mut directory = builtin;
    let summary = directory.import_cisa_csv(&csv)?;
    let import_time = started.elapsed();
    println!(
        "directory: built-in in {:.2} ms, CISA import of {} rows in {:.1} ms; {} agencies, {} domains",
        builtin_time.as_secs_f64() * 1e3,
        summary.rows,
        import_time.as_secs_f64() * 1e3,
        directory.agencies().len(),
        directory.domain_count()
    );

    let mut paths = Vec::new();
    files(Path::new(&corpus), &mut paths);
    let limits = Limits::default();
    let extractor = TextExtractor::disabled();
    let messages: Vec<_> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|raw| lea_ingest::parse_message(&raw, &limits, &extractor))
        .collect();
    println!("corpus: {} messages from {corpus}", messages.len());

    let config = ClassifierConfig {
        trusted_authserv_ids: vec!["mx.exchange.example".to_string()],
        ..ClassifierConfig::default()
    };
    let classifier = Classifier::new(directory, config);
    let now = chrono::Utc::now();

    let mut counts = [0usize; 3];
    for m in &messages {
        let a = classifier.assess(m, now);
        let slot = match a.sender.verdict {
            Verdict::Verified => 0,
            Verdict::Unverified => 1,
            Verdict::Impersonation => 2,
        };
        if let Some(c) = counts.get_mut(slot) {
            *c += 1;
        }
    }
    println!(
        "verdicts: {} verified, {} unverified, {} impersonation",
        counts[0], counts[1], counts[2]
    );

    for (name, run_full) in [
        ("sender::assess_sender", false),
        ("Classifier::assess", true),
    ] {
        let rounds = 40;
        let started = Instant::now();
        let mut risk_sum = 0u64;
        for _ in 0..rounds {
            for m in &messages {
                if run_full {
                    risk_sum += u64::from(classifier.assess(m, now).sender.risk);
                } else {
                    risk_sum += u64::from(
                        lea_classifier::sender::assess_sender(
                            m,
                            classifier.directory(),
                            classifier.config(),
                        )
                        .risk,
                    );
                }
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        let total = rounds * messages.len();
        println!(
            "{name}: {total} assessments in {elapsed:.3} s = {:.0} messages/s on one core ({:.1} µs each; checksum {risk_sum})",
            total as f64 / elapsed,
            elapsed * 1e6 / total as f64
        );
    }
    Ok(())
}
