//! End to end over the request fixture corpus (fixtures/requests): `lea-intake classify
//! --json` parses every message, reads PDF letters in the isolated child process, and
//! must produce every expected field of `request` and every expected target, including
//! for messages whose details are only in the PDF.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/requests")
}

fn expected() -> Vec<Value> {
    let path = corpus_dir().join("expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("expected.json: {e}"));
    doc["messages"].as_array().cloned().unwrap_or_default()
}

fn classify(files: &[PathBuf]) -> HashMap<String, Value> {
    let workdir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let output = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .arg("classify")
        .arg("--json")
        .args(files)
        .current_dir(workdir.path())
        .env_remove("LEA_INTAKE_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("running lea-intake classify: {e}"));
    assert!(
        output.status.success(),
        "classify failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut by_file = HashMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let name = Path::new(value["file"].as_str().unwrap_or(""))
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        by_file.insert(name, value);
    }
    by_file
}

fn targets(list: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["kind"].as_str().unwrap_or("").to_string(),
                t["value"].as_str().unwrap_or("").to_string(),
                t["source"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn classify_reads_every_fixture_and_its_pdf_letter() {
    let expected = expected();
    let files: Vec<PathBuf> = expected
        .iter()
        .map(|e| corpus_dir().join(e["file"].as_str().unwrap_or("")))
        .collect();
    let results = classify(&files);
    assert_eq!(results.len(), expected.len(), "one output per message");

    let mut failures = Vec::new();
    let mut pdfs = 0;
    for exp in &expected {
        let file = exp["file"].as_str().unwrap_or("");
        let Some(got) = results.get(file) else {
            failures.push(format!("{file}: no output"));
            continue;
        };
        let request = &got["request"];
        for field in [
            "kind",
            "urgent",
            "deadline",
            "deadline_text",
            "agency_reference",
            "jurisdiction",
            "language",
        ] {
            if request[field] != exp[field] {
                failures.push(format!(
                    "{file}: {field}: got {}, want {}",
                    request[field], exp[field]
                ));
            }
        }
        let (got_targets, want_targets) = (targets(&got["targets"]), targets(&exp["targets"]));
        if got_targets != want_targets {
            failures.push(format!(
                "{file}: targets: got {got_targets:?}, want {want_targets:?}"
            ));
        }
        let invalid = got["sender"]["signals"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["code"] == "invalid_identifiers")
            .and_then(|s| s["detail"].as_str())
            .and_then(|d| d.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if Some(invalid) != exp["invalid_identifiers"].as_u64() {
            failures.push(format!(
                "{file}: invalid_identifiers: got {invalid}, want {}",
                exp["invalid_identifiers"]
            ));
        }
        if exp["has_pdf"] == true {
            pdfs += 1;
            let pdf = got["attachments"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["content_type"] == "application/pdf");
            match pdf {
                Some(a) if a["error"].is_null() && a["text_chars"].as_u64() > Some(100) => {}
                other => failures.push(format!("{file}: PDF text not extracted: {other:?}")),
            }
        }
    }
    assert!(pdfs >= 7, "only {pdfs} PDF letters");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
