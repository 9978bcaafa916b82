//! Several `lea-intake run` processes on one PostgreSQL database, against the real
//! Dovecot: a mailbox is worked by one process at a time under a lease; when its holder
//! is killed, the other process takes the mailbox over within about the lease time; every
//! message is stored, moved and published exactly once; SIGTERM releases the lease. And
//! `status --json` reports what the database knows per mailbox.

#[path = "support/imap.rs"]
mod imap;
#[path = "support/services.rs"]
mod services;

use services::TestDatabase;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const LEASE_SECS: u64 = 6;

/// A mailbox on the test server, as a `[[mailboxes]]` entry.
fn mailbox_entry(name: &str, user: &str, port: u16) -> String {
    format!(
        r#"
[[mailboxes]]
name = "{name}"
host = "{host}"
port = {port}
tls = "starttls"
ca_file = "{ca}"
username = "{user}"
password_env = "LEA_TEST_IMAP_PASSWORD"
command_timeout_secs = 10
"#,
        host = imap::host(),
        ca = imap::ca_file().display(),
    )
}

/// A config with a JSON-lines sink relative to each process's working folder, so two
/// processes sharing the file still write their own cases files.
fn write_config(dir: &Path, database_url: &str, mailboxes: &str) -> PathBuf {
    let config = dir.join("lea-intake.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[database]
url = "{database_url}"
[sink]
kind = "jsonl"
path = "cases.jsonl"
[pipeline]
lease_secs = {LEASE_SECS}
{mailboxes}"#
        ),
    )
    .expect("write config");
    config
}

fn lea_intake(config: &Path, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lea-intake"));
    command
        .arg("--config")
        .arg(config)
        .current_dir(dir)
        .env("LEA_TEST_IMAP_PASSWORD", imap::PASSWORD)
        .env("RUST_LOG", "info");
    command
}

fn start_service(config: &Path, dir: &Path) -> Child {
    lea_intake(config, dir)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("service.log")).expect("log file"))
        .spawn()
        .expect("start lea-intake run")
}

fn status_json(config: &Path, dir: &Path) -> serde_json::Value {
    let output = lea_intake(config, dir)
        .args(["status", "--json"])
        .output()
        .expect("run lea-intake status");
    assert!(output.status.success(), "status: {}", text(&output));
    serde_json::from_slice(&output.stdout).expect("status --json prints JSON")
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn lease_holder(database: &TestDatabase, mailbox: &str) -> Option<String> {
    let mut connection = database.connect().await;
    sqlx::query_scalar("SELECT holder FROM mailbox_leases WHERE mailbox = $1")
        .bind(mailbox)
        .fetch_optional(&mut connection)
        .await
        .expect("read the lease")
}

/// The pid in a `host:pid:random` holder.
fn holder_pid(holder: &str) -> u32 {
    holder
        .split(':')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in holder {holder:?}"))
}

/// Waits until every one of `n` messages is stored, moved and published.
async fn wait_for_all(
    database: &TestDatabase,
    user: &str,
    n: i64,
    limit: Duration,
    log: impl Fn() -> String,
) -> Duration {
    let started = Instant::now();
    loop {
        let stored = database.count("SELECT count(*) FROM messages").await;
        let unsent = database
            .count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .await;
        if stored == n && unsent == 0 && imap::count(user, "INBOX").await == 0 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{stored} of {n} messages stored, {unsent} unsent, after {limit:?}\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Subjects of the cases in a JSON-lines file, with how often each appears.
fn published(path: &Path, into: &mut BTreeMap<String, usize>) {
    let Ok(content) = std::fs::read_to_string(path) else {
        return;
    };
    for line in content.lines().filter(|l| !l.trim().is_empty()) {
        let event: serde_json::Value = serde_json::from_str(line).expect("a JSON case per line");
        let subject = event["message"]["subject"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        *into.entry(subject).or_default() += 1;
    }
}

fn subject_of(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or("")
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_a_mailbox_and_one_takes_over_when_the_other_dies() {
    let user = imap::fresh_user();
    let database = TestDatabase::create().await;
    let root = tempfile::tempdir().unwrap();
    let config = write_config(
        root.path(),
        &database.url,
        &mailbox_entry("leased", &user, imap::port()),
    );
    let dirs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|n| {
            let dir = root.path().join(n);
            std::fs::create_dir(&dir).unwrap();
            dir
        })
        .collect();
    // The schema first, so the checks below can read it from the start (both processes
    // would also migrate it, under the migrator's lock).
    let migrated = lea_intake(&config, root.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{}", text(&migrated));
    let mut children: Vec<Option<Child>> = dirs
        .iter()
        .map(|dir| Some(start_service(&config, dir)))
        .collect();
    let log = || {
        dirs.iter()
            .map(|d| {
                format!(
                    "--- {}\n{}",
                    d.display(),
                    std::fs::read_to_string(d.join("service.log")).unwrap_or_default()
                )
            })
            .collect::<String>()
    };

    let first: Vec<Vec<u8>> = (0..6)
        .map(|n| imap::message(&format!("first {n}"), "before"))
        .collect();
    imap::append(&user, "INBOX", &first).await;
    wait_for_all(&database, &user, 6, Duration::from_secs(60), &log).await;

    // One process holds the lease; status says the same.
    let holder = lease_holder(&database, "leased")
        .await
        .unwrap_or_else(|| panic!("no lease held\n{}", log()));
    let status = status_json(&config, root.path());
    assert_eq!(status["mailboxes"][0]["lease"]["holder"], holder.as_str());
    assert_eq!(status["mailboxes"][0]["lease"]["live"], true);
    let pid = holder_pid(&holder);
    let victim = children
        .iter()
        .position(|c| c.as_ref().is_some_and(|c| c.id() == pid))
        .unwrap_or_else(|| panic!("holder {holder} is neither process\n{}", log()));
    let survivor = 1 - victim;

    // Kill the holder without a chance to release, then deliver more mail.
    let mut dead = children[victim].take().unwrap();
    dead.kill().expect("kill -9 the lease holder");
    dead.wait().unwrap();
    let killed = Instant::now();
    let second: Vec<Vec<u8>> = (0..6)
        .map(|n| imap::message(&format!("second {n}"), "after"))
        .collect();
    imap::append(&user, "INBOX", &second).await;
    wait_for_all(&database, &user, 12, Duration::from_secs(60), &log).await;
    let took = killed.elapsed();
    println!("mailbox taken over and drained {took:?} after its holder was killed");
    // The lease runs out within LEASE_SECS; the survivor asks every third of it.
    assert!(
        took < Duration::from_secs(LEASE_SECS * 2 + 6),
        "takeover took {took:?}\n{}",
        log()
    );
    let new_holder = lease_holder(&database, "leased")
        .await
        .expect("a new holder");
    assert_eq!(
        holder_pid(&new_holder),
        children[survivor].as_ref().unwrap().id(),
        "{}",
        log()
    );

    // Every message exactly once: in the database, in Processed, and on the sinks.
    assert_eq!(
        database
            .count("SELECT count(DISTINCT subject) FROM messages")
            .await,
        12
    );
    assert_eq!(
        database
            .count("SELECT count(*) FROM message_locations")
            .await,
        12
    );
    let processed = imap::bodies(&user, "Processed").await;
    let mut moved: BTreeMap<String, usize> = BTreeMap::new();
    for (_, raw) in &processed {
        *moved.entry(subject_of(raw)).or_default() += 1;
    }
    assert_eq!(processed.len(), 12, "{moved:?}");
    assert!(moved.values().all(|n| *n == 1), "{moved:?}");
    let mut cases: BTreeMap<String, usize> = BTreeMap::new();
    for dir in &dirs {
        published(&dir.join("cases.jsonl"), &mut cases);
    }
    assert_eq!(cases.len(), 12, "{cases:?}");
    assert!(cases.values().all(|n| *n == 1), "{cases:?}");

    // The survivor waited once, and said so once, naming the holder.
    let survivor_log =
        std::fs::read_to_string(dirs[survivor].join("service.log")).unwrap_or_default();
    let waits: Vec<&str> = survivor_log
        .lines()
        .filter(|l| l.contains("waiting for its lease"))
        .collect();
    assert_eq!(waits.len(), 1, "{survivor_log}");
    assert!(waits[0].contains(&holder), "{survivor_log}");

    // SIGTERM: a clean exit that gives the mailbox up at once.
    let mut last = children[survivor].take().unwrap();
    let status = services::terminate(&mut last);
    assert!(
        status.success(),
        "SIGTERM must end with 0: {status}\n{}",
        log()
    );
    assert_eq!(lease_holder(&database, "leased").await, None, "{}", log());
    if std::env::var_os("LEA_TEST_SHOW_LOGS").is_some() {
        println!("{}", log());
    }
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn status_json_reports_lease_fetch_backlog_error_cursor_and_outbox() {
    let user = imap::fresh_user();
    imap::append(
        &user,
        "INBOX",
        &[imap::message("one", "a"), imap::message("two", "b")],
    )
    .await;
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of the loopback: "down" fails at once.
    let mailboxes = format!(
        "{}{}",
        mailbox_entry("good", &user, imap::port()),
        mailbox_entry("down", &user, 9)
    );
    let config = write_config(dir.path(), &database.url, &mailboxes);

    let once = lea_intake(&config, dir.path())
        .args(["run", "--once"])
        .output()
        .unwrap();
    assert_eq!(once.status.code(), Some(1), "{}", text(&once));

    let status = status_json(&config, dir.path());
    let mailboxes = status["mailboxes"].as_array().expect("mailboxes");
    assert_eq!(mailboxes.len(), 2, "{status:#}");
    for m in mailboxes {
        for field in [
            "name",
            "folder",
            "lease",
            "last_fetch_at",
            "backlog",
            "last_error",
            "last_error_at",
            "cursor",
        ] {
            assert!(m.get(field).is_some(), "no {field} in {m:#}");
        }
    }
    let good = &mailboxes[0];
    assert_eq!(good["name"], "good");
    assert_eq!(good["folder"], "INBOX");
    assert!(good["lease"].is_null(), "released after --once: {good:#}");
    assert!(good["last_fetch_at"].is_string(), "{good:#}");
    assert_eq!(good["backlog"], 0);
    assert!(good["last_error"].is_null(), "{good:#}");
    assert_eq!(
        good["cursor"]["uid_validity"],
        imap::uid_validity(&user, "INBOX").await
    );
    assert_eq!(good["cursor"]["last_uid"], 2);
    let down = &mailboxes[1];
    assert_eq!(down["name"], "down");
    assert!(down["last_fetch_at"].is_null() && down["cursor"].is_null());
    assert!(down["last_error"].is_string(), "{down:#}");
    assert!(down["last_error_at"].is_string(), "{down:#}");
    assert_eq!(status["outbox"]["pending"], 0);
    assert_eq!(status["outbox"]["sent"], 2);

    // A live lease of another process: --once leaves that mailbox alone and says why.
    let mut connection = database.connect().await;
    sqlx::query(
        "INSERT INTO mailbox_leases (mailbox, holder, acquired_at, expires_at)
         VALUES ('good', 'elsewhere:1:abcd', now(), now() + interval '1 hour')",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    imap::append(&user, "INBOX", &[imap::message("three", "c")]).await;
    let refused = lea_intake(&config, dir.path())
        .args(["run", "--once"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("being worked by another process (elsewhere:1:abcd"),
        "{}",
        text(&refused)
    );
    assert_eq!(imap::count(&user, "INBOX").await, 1);
    let status = status_json(&config, dir.path());
    assert_eq!(
        status["mailboxes"][0]["lease"]["holder"],
        "elsewhere:1:abcd"
    );
    assert_eq!(status["mailboxes"][0]["lease"]["live"], true);

    // The table by default.
    let table = lea_intake(&config, dir.path())
        .arg("status")
        .output()
        .unwrap();
    assert!(table.status.success());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.starts_with("MAILBOX"), "{table}");
    assert!(table.contains("elsewhere:1:abcd"), "{table}");
    assert!(table.contains("outbox: 0 pending, 2 sent"), "{table}");
    drop(connection);
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_process_that_loses_its_lease_lets_the_mailbox_go_until_it_gets_it_back() {
    let user = imap::fresh_user();
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &database.url,
        &mailbox_entry("leased", &user, imap::port()),
    );
    let migrated = lea_intake(&config, dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{}", text(&migrated));
    let mut service = start_service(&config, dir.path());
    let log = || std::fs::read_to_string(dir.path().join("service.log")).unwrap_or_default();
    imap::append(&user, "INBOX", &[imap::message("before", "a")]).await;
    wait_for_all(&database, &user, 1, Duration::from_secs(60), &log).await;

    // Another holder takes the lease over (as after a stall past the expiry): the worker
    // notices at its next renewal, leaves IDLE and touches the mailbox no more.
    let mut connection = database.connect().await;
    sqlx::query(
        "UPDATE mailbox_leases SET holder = 'thief:1:abcd', expires_at = now() + interval '1 hour'
         WHERE mailbox = 'leased'",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    let started = Instant::now();
    while !log().contains("mailbox given up") {
        assert!(
            started.elapsed() < Duration::from_secs(LEASE_SECS * 2),
            "the lost lease went unnoticed\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    imap::append(&user, "INBOX", &[imap::message("while taken", "b")]).await;
    tokio::time::sleep(Duration::from_secs(LEASE_SECS / 2 + 1)).await;
    assert_eq!(imap::count(&user, "INBOX").await, 1, "{}", log());
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 1);
    assert_eq!(
        lease_holder(&database, "leased").await.as_deref(),
        Some("thief:1:abcd")
    );

    // The other holder lets go: the worker takes the mailbox back and catches up.
    sqlx::query("DELETE FROM mailbox_leases WHERE mailbox = 'leased'")
        .execute(&mut connection)
        .await
        .unwrap();
    wait_for_all(&database, &user, 2, Duration::from_secs(30), &log).await;
    let status = services::terminate(&mut service);
    assert!(status.success(), "{status}\n{}", log());
    assert_eq!(lease_holder(&database, "leased").await, None, "{}", log());
    drop(connection);
    database.drop_now().await;
}
