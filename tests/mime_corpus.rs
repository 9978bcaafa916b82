//! Every file of the third-party MIME corpus (../shared/data/mime-corpus: test messages
//! of other mail projects, many of them deliberately broken) goes through `classify`:
//! the process exits 0 and prints exactly one JSON object per file, and no file makes the
//! MIME parser panic.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn classify_gives_one_object_for_every_corpus_file() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mime-corpus");
    let mut files = BTreeSet::new();
    let mut stack = vec![corpus.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if !name.starts_with('.') && !name.ends_with(".md") {
                files.insert(path.canonicalize().unwrap());
            }
        }
    }
    assert_eq!(files.len(), 485, "the corpus as described in its SOURCE.md");

    let workdir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args(["classify", "--json"])
        .arg(&corpus)
        .current_dir(workdir.path())
        .env_remove("LEA_INTAKE_CONFIG")
        .output()
        .expect("lea-intake runs");
    assert!(
        output.status.success(),
        "classify failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen = BTreeSet::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let object: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let file = Path::new(object["file"].as_str().expect("file"))
            .canonicalize()
            .unwrap();
        assert!(
            seen.insert(file.clone()),
            "{} printed twice",
            file.display()
        );
        assert!(
            object["sender"].is_object() || !object["problems"].as_array().unwrap().is_empty(),
            "{}: neither an assessment nor a problem",
            file.display()
        );
        assert!(object["request"].is_object() || object["request"].is_null());
        // The parser copes with every one of them: a caught panic would still give an
        // object, but one for a message that was not read.
        let panics: Vec<&Value> = object["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p.as_str().is_some_and(|d| d.contains("panicked")))
            .collect();
        assert!(panics.is_empty(), "{}: {panics:?}", file.display());
    }
    assert_eq!(seen, files, "one output object per corpus file");
}
