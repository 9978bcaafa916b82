//! Driving the `lea-intake` binary with the embedded default (SQLite and a JSON-lines
//! sink in a test's own folder): write a config, run it once or as a service, read the
//! cases it wrote and its `status`.
//!
//! Include it with `#[path = "support/lea.rs"] mod lea;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Writes `lea-intake.toml` in `dir`: SQLite and `cases.jsonl` there, `extra` sections
/// (e.g. `[pipeline]`) and then `mailboxes` (`[[mailboxes]]` tables).
pub fn write_config(dir: &Path, extra: &str, mailboxes: &str) -> PathBuf {
    let path = dir.join("lea-intake.toml");
    let text = format!(
        "[database]\nurl = \"sqlite://lea-intake.db\"\n[sink]\nkind = \"jsonl\"\npath = \"cases.jsonl\"\n{extra}\n{mailboxes}\n"
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn command(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lea-intake"));
    command
        .args(args)
        .arg("--config")
        .arg(config)
        .current_dir(config.parent().expect("config folder"))
        .env_remove("LEA_INTAKE_FAILPOINT")
        .env_remove("LEA_INTAKE_CONFIG")
        .env("RUST_LOG", "info");
    command
}

/// `lea-intake run --once`.
pub fn run_once(config: &Path) -> Output {
    command(config, &["run", "--once"])
        .output()
        .expect("lea-intake runs")
}

/// `lea-intake status --json`.
pub fn status(config: &Path) -> serde_json::Value {
    let output = command(config, &["status", "--json"])
        .output()
        .expect("lea-intake status runs");
    assert!(
        output.status.success(),
        "status failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("status --json prints JSON")
}

/// The entry of `mailbox` in a status report.
pub fn mailbox_status<'a>(status: &'a serde_json::Value, mailbox: &str) -> &'a serde_json::Value {
    status["mailboxes"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["name"] == mailbox))
        .unwrap_or_else(|| panic!("no mailbox {mailbox} in {status}"))
}

/// `lea-intake run` as a service, its log in `service.log` beside the config.
pub fn spawn_run(config: &Path) -> Child {
    let log = config.with_file_name("service.log");
    command(config, &["run"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("start lea-intake run")
}

/// What the service has logged so far.
pub fn service_log(config: &Path) -> String {
    std::fs::read_to_string(config.with_file_name("service.log")).unwrap_or_default()
}

/// The subjects of the case events written to `cases.jsonl` beside the config, in order.
pub fn case_subjects(config: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(config.with_file_name("cases.jsonl")).unwrap_or_default();
    text.lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("JSON case event");
            event["message"]["subject"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Waits until `subject` is among the cases; panics with the service log after `limit`.
pub async fn wait_for_case(config: &Path, subject: &str, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if case_subjects(config).iter().any(|s| s == subject) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no case {subject:?} within {limit:?}; cases: {:?}\n{}",
        case_subjects(config),
        service_log(config)
    );
}

/// Panics if any of `secrets` appears in `text` (a log, a status report).
pub fn assert_no_secrets(text: &str, secrets: &[String], what: &str) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!text.contains(secret.as_str()), "{what} shows a secret");
    }
}
