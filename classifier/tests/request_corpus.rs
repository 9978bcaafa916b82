//! The request fixture corpus (fixtures/requests), messages without PDF letters: every
//! field of the request and every target asserted against fixtures/requests/expected.json.
//! (Messages whose details sit in a PDF letter are checked end to end through the
//! `lea-intake classify` binary, which runs the isolated PDF reader.)

use lea_classifier::{Classifier, ClassifierConfig, Directory, Target};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, parse_message};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/requests")
}

fn expected() -> Vec<Value> {
    let path = corpus_dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("expected.json: {e}"));
    doc["messages"].as_array().cloned().unwrap_or_default()
}

fn classifier() -> Classifier {
    Classifier::new(
        Directory::builtin(),
        ClassifierConfig {
            own_domains: vec!["exchange.example".to_string()],
            ..ClassifierConfig::default()
        },
    )
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn sorted_targets(
    targets: impl IntoIterator<Item = (String, String, String)>,
) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = targets.into_iter().collect();
    v.sort();
    v
}

#[test]
fn corpus_is_large_and_multilingual() {
    let messages = expected();
    assert!(messages.len() >= 60, "{} messages", messages.len());
    for lang in ["en", "de", "fr", "es", "it", "nl", "pt"] {
        assert!(
            messages.iter().filter(|m| m["language"] == lang).count() >= 8,
            "too few {lang} messages"
        );
    }
    assert!(messages.iter().filter(|m| m["has_pdf"] == true).count() >= 7);
}

#[test]
fn every_field_of_every_message_without_a_pdf() {
    let classifier = classifier();
    let mut failures = Vec::new();
    let mut checked = 0;
    for exp in expected() {
        if exp["has_pdf"] == true {
            continue;
        }
        let file = exp["file"].as_str().unwrap_or_default().to_string();
        let raw = std::fs::read(corpus_dir().join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let message = parse_message(&raw, &Limits::default(), &TextExtractor::disabled());
        let assessment = classifier.assess(&message, now());
        let r = &assessment.request;
        let mut check = |field: &str, got: String, want: String| {
            if got != want {
                failures.push(format!("{file}: {field}: got {got}, want {want}"));
            }
        };
        check(
            "kind",
            r.kind.as_str().to_string(),
            exp["kind"].as_str().unwrap_or("").to_string(),
        );
        check("urgent", r.urgent.to_string(), exp["urgent"].to_string());
        check(
            "deadline",
            format!("{:?}", r.deadline.map(|d| d.to_string())),
            format!("{:?}", opt_str(&exp["deadline"])),
        );
        check(
            "deadline_text",
            format!("{:?}", r.deadline_text),
            format!("{:?}", opt_str(&exp["deadline_text"])),
        );
        check(
            "agency_reference",
            format!("{:?}", r.agency_reference),
            format!("{:?}", opt_str(&exp["agency_reference"])),
        );
        check(
            "jurisdiction",
            format!("{:?}", r.jurisdiction),
            format!("{:?}", opt_str(&exp["jurisdiction"])),
        );
        check(
            "language",
            format!("{:?}", r.language),
            format!("{:?}", opt_str(&exp["language"])),
        );
        let got = sorted_targets(
            assessment
                .targets
                .iter()
                .map(|t: &Target| (t.kind.clone(), t.value.clone(), t.source.clone())),
        );
        let want = sorted_targets(exp["targets"].as_array().into_iter().flatten().map(|t| {
            (
                t["kind"].as_str().unwrap_or("").to_string(),
                t["value"].as_str().unwrap_or("").to_string(),
                t["source"].as_str().unwrap_or("").to_string(),
            )
        }));
        check("targets", format!("{got:?}"), format!("{want:?}"));
        let invalid = assessment
            .sender
            .signals
            .iter()
            .find(|s| s.code == "invalid_identifiers")
            .and_then(|s| {
                s.detail
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .unwrap_or(0);
        check(
            "invalid_identifiers",
            invalid.to_string(),
            exp["invalid_identifiers"].to_string(),
        );
        checked += 1;
    }
    assert!(checked >= 55, "only {checked} messages checked");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
