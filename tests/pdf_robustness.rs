//! No PDF can crash, hang or exhaust the service. Every PDF of the robustness corpus
//! (/work/shared/data/pdf-robustness: real files on which pdf-extract panics or fails)
//! is attached to a request whose body names a wallet, and the whole folder goes through
//! `lea-intake classify --json`. Each message must come out, its PDF attachment listed
//! with text or a recorded error (an error for every file the corpus lists as a panic
//! or an error), and the wallet in the body still found.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const WALLET: &str = "1Enuef2YFz3UTfSbQVkHXKuC35g15ZeHvU";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pdf-robustness")
}

fn pdfs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            pdfs(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
        {
            out.push(path);
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 38 + 4);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn message(i: usize, pdf_name: &str, pdf: &[u8]) -> String {
    format!(
        "From: \"Agent Dana Whitfield\" <dana.whitfield@fbi.gov>\r\n\
To: lawenforcement@exchange.example\r\n\
Subject: Grand Jury Subpoena - FBI File No. 305A-WF-{i:07}\r\n\
Date: Mon, 02 Feb 2026 09:14:00 -0500\r\n\
Message-ID: <pdf-robustness-{i}@fbi.gov>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b0undary\"\r\n\
\r\n\
--b0undary\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Dear Custodian of Records,\r\n\
\r\n\
Please produce all subscriber records for the following identifier:\r\n\
\r\n\
Bitcoin address: {WALLET}\r\n\
\r\n\
The subpoena is attached.\r\n\
\r\n\
Special Agent Dana Whitfield\r\n\
Federal Bureau of Investigation\r\n\
--b0undary\r\n\
Content-Type: application/pdf; name=\"{pdf_name}\"\r\n\
Content-Disposition: attachment; filename=\"{pdf_name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{}\r\n\
--b0undary--\r\n",
        base64(pdf)
    )
}

/// Corpus files (relative paths) listed with outcome PANIC or ERR.
fn known_failures(dir: &Path) -> Vec<String> {
    let path = dir.join("pdf-extract-0.12.1-results.tsv");
    let tsv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let outcome = cols.next()?;
            let file = cols.next()?;
            matches!(outcome, "PANIC" | "ERR").then(|| file.to_string())
        })
        .collect()
}

#[test]
fn every_broken_pdf_ends_as_a_recorded_failure_and_the_message_is_processed() {
    let dir = corpus_dir();
    let mut files = Vec::new();
    pdfs(&dir, &mut files);
    assert!(
        files.len() >= 95,
        "only {} PDFs in {}",
        files.len(),
        dir.display()
    );

    // message file name -> corpus-relative PDF path
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let messages = work.path().join("messages");
    std::fs::create_dir(&messages).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let mut by_message = HashMap::new();
    for (i, pdf) in files.iter().enumerate() {
        let relative = pdf
            .strip_prefix(&dir)
            .unwrap_or(pdf)
            .to_string_lossy()
            .into_owned();
        let name = pdf
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        let eml = format!("{i:03}.eml");
        std::fs::write(messages.join(&eml), message(i, &name, &bytes))
            .unwrap_or_else(|e| panic!("write {eml}: {e}"));
        by_message.insert(eml, relative);
    }

    let output = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .arg("classify")
        .arg("--json")
        .arg(&messages)
        .current_dir(work.path())
        .env_remove("LEA_INTAKE_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("running lea-intake classify: {e}"));
    assert!(
        output.status.success(),
        "classify failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut results: HashMap<String, Value> = HashMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let name = Path::new(value["file"].as_str().unwrap_or(""))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        results.insert(name, value);
    }
    assert_eq!(results.len(), files.len(), "one object per message");

    let must_fail = known_failures(&dir);
    assert_eq!(
        must_fail.len(),
        95,
        "the results file lists 43 panics and 52 errors"
    );
    let mut failures = Vec::new();
    let (mut errors, mut texts) = (0, 0);
    for (eml, pdf) in &by_message {
        let Some(got) = results.get(eml) else {
            failures.push(format!("{pdf}: no output"));
            continue;
        };
        if got["parsed"] != true {
            failures.push(format!("{pdf}: message not parsed: {}", got["problems"]));
        }
        let attachment = got["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["content_type"] == "application/pdf");
        match attachment {
            None => failures.push(format!("{pdf}: attachment missing")),
            Some(a) if !a["error"].is_null() => errors += 1,
            Some(a) if a["text_chars"].as_u64() > Some(0) => {
                texts += 1;
                if must_fail.contains(pdf) {
                    failures.push(format!(
                        "{pdf}: listed as failing, but has text and no error"
                    ));
                }
            }
            Some(a) => failures.push(format!("{pdf}: neither text nor error: {a}")),
        }
        let wallet_found = got["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["value"] == WALLET && t["source"] == "body");
        if !wallet_found {
            failures.push(format!(
                "{pdf}: the wallet in the body was not found: {}",
                got["targets"]
            ));
        }
    }
    eprintln!(
        "{} PDFs: {errors} recorded errors, {texts} with text",
        files.len()
    );
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
