//! The embedded default end to end: `import` a folder into SQLite and a JSON-lines file,
//! every case valid against the published schema; a second import changes nothing.

use std::path::Path;
use std::process::Command;

fn lea(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args(args)
        .current_dir(dir)
        .env_remove("LEA_INTAKE_CONFIG")
        .output()
        .expect("lea-intake runs")
}

#[test]
fn import_into_sqlite_and_jsonl_is_idempotent_and_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures/requests");
    let dir = tempfile::tempdir().unwrap();
    let out = lea(dir.path(), &["import", fixtures.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = std::fs::read_dir(&fixtures)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count();
    let cases = std::fs::read_to_string(dir.path().join("cases.jsonl")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("docs/case-message.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let lines: Vec<serde_json::Value> = cases
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        files,
        "one case event per message, none for README.md or expected.json"
    );
    for event in &lines {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in {event}");
    }
    let again = lea(dir.path(), &["import", fixtures.to_str().unwrap()]);
    assert!(again.status.success());
    let after = std::fs::read_to_string(dir.path().join("cases.jsonl")).unwrap();
    assert_eq!(
        after.lines().count(),
        lines.len(),
        "a second import publishes nothing"
    );
}

#[test]
fn an_import_killed_midway_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("archive.mbox");
    let mut text = String::new();
    for n in 0..23 {
        text.push_str(&format!(
            "From archive@example.test Mon Feb 12 10:00:00 2024\n\
             From: Agent <agent{n}@example.test>\nSubject: Request {n}\n\
             Message-ID: <request-{n}@example.test>\n\nPlease preserve account {n}.\n\n"
        ));
    }
    std::fs::write(&mbox, text).unwrap();
    let import = |failpoint: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lea-intake"));
        command
            .args(["import", "--no-relay"])
            .arg(&mbox)
            .current_dir(dir.path())
            .env_remove("LEA_INTAKE_CONFIG")
            .env("LEA_INTAKE_PIPELINE__BATCH_SIZE", "5");
        if let Some(point) = failpoint {
            command.env("LEA_INTAKE_FAILPOINT", point);
        }
        command.output().expect("lea-intake runs")
    };
    let killed = import(Some("after_commit:2"));
    assert!(!killed.status.success(), "the failpoint aborts the import");
    let resumed = import(None);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let summary = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        summary.contains("13 new, 10 already stored"),
        "the two committed batches are recognised: {summary}"
    );
    let again = import(None);
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(summary.contains("0 new, 23 already stored"), "{summary}");
}

#[test]
fn configured_routing_rules_choose_the_routing_keys() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures/requests");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lea.toml"),
        r#"
[[routing.rules]]
name = "German-speaking"
jurisdiction = ["DE", "AT"]
route = "dach"

[[routing.rules]]
verdict = ["verified", "unverified"]
kind = ["freeze_request"]
queue = "lea.cases.holds"
"#,
    )
    .unwrap();
    let out = lea(
        dir.path(),
        &["--config", "lea.toml", "import", fixtures.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = std::fs::read_to_string(dir.path().join("cases.jsonl")).unwrap();
    let mut routed = [0, 0];
    for line in cases.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        let verdict = event["sender"]["verdict"].as_str().unwrap();
        let kind = event["request"]["kind"].as_str().unwrap();
        let jurisdiction = event["request"]["jurisdiction"].as_str().unwrap_or("");
        let base = format!("case.{verdict}.{kind}");
        let expected = if ["DE", "AT"].contains(&jurisdiction) {
            routed[0] += 1;
            format!("{base}.dach")
        } else if verdict != "impersonation" && kind == "freeze_request" {
            routed[1] += 1;
            format!("{base}.holds")
        } else {
            base
        };
        assert_eq!(event["routing_key"], expected.as_str(), "{line}");
    }
    assert!(
        routed[0] > 0 && routed[1] > 0,
        "the fixtures exercise both rules: {routed:?}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[routing.rules]]\nkind = [\"warrant\"]\nroute = \"x\"\n",
    )
    .unwrap();
    let out = lea(
        dir.path(),
        &["--config", "bad.toml", "import", fixtures.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("routing rule 1: unknown kind \"warrant\""),
        "{stderr}"
    );
}
