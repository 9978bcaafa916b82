//! Throughput of request understanding and target extraction, on parsed messages
//! (bodies and text attachments; PDF text is not extracted here).
//!
//! cargo run --release -p lea-classifier --example request_bench -- [CORPUS_DIR...]
//!
//! Without arguments: the request fixtures (fixtures/requests) and the shared MIME
//! corpus (../shared/data/mime-corpus, relative to the repository root).

use lea_classifier::targets::TargetExtractor;
use lea_classifier::{ClassifierConfig, Directory, request, sender};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Message, parse_message};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

fn bench(name: &str, dir: &Path) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let messages: Vec<Message> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .map(|raw| parse_message(&raw, &Limits::default(), &TextExtractor::disabled()))
        .collect();
    if messages.is_empty() {
        println!("{name}: no messages under {}", dir.display());
        return;
    }
    let directory = Directory::builtin();
    let config = ClassifierConfig {
        own_domains: vec!["exchange.example".to_string()],
        account_id_patterns: vec![r"\bEXA-[0-9]{8}\b".to_string()],
        ..ClassifierConfig::default()
    };
    let extractor = TargetExtractor::new(&config);
    let senders: Vec<_> = messages
        .iter()
        .map(|m| sender::assess_sender(m, &directory, &config))
        .collect();
    let text_bytes: usize = messages
        .iter()
        .map(|m| {
            m.body_text.len()
                + m.attachments
                    .iter()
                    .map(|a| a.text.as_ref().map_or(0, String::len))
                    .sum::<usize>()
        })
        .sum();
    let now = chrono::Utc::now();

    // Repeat small corpora so each measurement runs for a while.
    let rounds = (2000 / messages.len()).max(1);
    let mut best = Duration::MAX;
    let mut targets = 0usize;
    for _ in 0..5 {
        let start = Instant::now();
        targets = 0;
        for _ in 0..rounds {
            for (message, sender) in messages.iter().zip(&senders) {
                let assessment = request::understand(message, sender, &directory, now);
                let mut signals = Vec::new();
                targets += extractor
                    .extract(message, sender, &assessment, &mut signals)
                    .len();
            }
        }
        best = best.min(start.elapsed());
    }
    let n = messages.len() * rounds;
    let secs = best.as_secs_f64();
    println!(
        "{name}: {} messages ({:.1} KiB of text each on average), {rounds} round(s): {:.0} messages/s, {:.1} MB/s of text, {:.1} us/message, {} targets per round",
        messages.len(),
        text_bytes as f64 / messages.len() as f64 / 1024.0,
        n as f64 / secs,
        (text_bytes * rounds) as f64 / secs / 1e6,
        secs * 1e6 / n as f64,
        targets / rounds,
    );
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        bench("request fixtures", &root.join("fixtures/requests"));
        bench("mime-corpus", &root.join("../shared/data/mime-corpus"));
    } else {
        for dir in &args {
            bench(&dir.display().to_string(), dir);
        }
    }
}
