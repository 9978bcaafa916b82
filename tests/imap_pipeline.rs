//! The whole pipeline against the real services: messages APPENDed to Dovecot, then
//! `lea-intake run --once` over implicit TLS into PostgreSQL and RabbitMQ. Every message
//! must be stored once, moved to the processed folder, and its case must arrive on the
//! broker; a second run changes nothing; a crash between the database commit and the
//! IMAP move, followed by a restart, creates no duplicate.

#[path = "support/imap.rs"]
mod imap;
#[path = "support/services.rs"]
mod services;

use lea_router::sink::Topology;
use serde_json::Value;
use services::TestDatabase;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Short, so that a restart after the simulated crash need not wait long for the dead
/// run's mailbox lease to run out.
const LEASE_SECS: u64 = 3;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every message file under `dir` (recursively; SOURCE.md and expected files skipped).
fn message_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                stack.push(path);
            } else if !name.starts_with('.')
                && !name.ends_with(".md")
                && !name.ends_with(".toml")
                && !name.ends_with(".json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The request fixtures (PDF letters included), the sender fixtures (impersonation
/// included) and the third-party MIME corpus.
fn realistic_messages() -> Vec<Vec<u8>> {
    let corpus = repo().join("../shared/data/mime-corpus");
    assert!(
        corpus.is_dir(),
        "{} is missing: the shared data folder must sit beside the clone",
        corpus.display()
    );
    message_files(&repo().join("fixtures/requests"))
        .into_iter()
        .chain(message_files(&repo().join("fixtures/sender")))
        .chain(message_files(&corpus))
        .map(|path| std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        // A mailbox cannot hold an empty message (Dovecot refuses to APPEND one), so the
        // corpus's empty file is covered by the classify and import tests instead.
        .filter(|raw| !raw.is_empty())
        .collect()
}

/// A config for one mailbox on the test Dovecot (implicit TLS, its private CA), one
/// PostgreSQL database and one exchange.
fn write_config(
    dir: &Path,
    user: &str,
    database_url: &str,
    exchange: &str,
    batch: usize,
) -> PathBuf {
    write_config_with(dir, user, database_url, exchange, batch, "")
}

/// [`write_config`] with `extra` TOML sections added.
fn write_config_with(
    dir: &Path,
    user: &str,
    database_url: &str,
    exchange: &str,
    batch: usize,
    extra: &str,
) -> PathBuf {
    let path = dir.join("lea-intake.toml");
    let text = format!(
        r#"
{extra}
[database]
url = "{database_url}"
[sink]
kind = "amqp"
[amqp]
url = "{amqp}"
exchange = "{exchange}"
[classifier]
trusted_authserv_ids = ["mx.example.com"]
[pipeline]
batch_size = {batch}
lease_secs = {LEASE_SECS}
[[mailboxes]]
name = "lea-inbox"
host = "{host}"
port = {port}
tls = "implicit"
ca_file = "{ca}"
username = "{user}"
password_env = "LEA_TEST_IMAP_PASSWORD"
folder = "INBOX"
processed_folder = "Processed"
command_timeout_secs = 30
"#,
        amqp = services::amqp_url(),
        host = imap::host(),
        port = imap::tls_port(),
        ca = imap::ca_file().display(),
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn run_once(config: &Path, failpoint: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lea-intake"));
    command
        .args(["run", "--once", "--config"])
        .arg(config)
        .current_dir(config.parent().expect("config folder"))
        .env("LEA_TEST_IMAP_PASSWORD", imap::PASSWORD)
        .env_remove("LEA_INTAKE_FAILPOINT")
        .env_remove("RUST_LOG");
    if let Some(point) = failpoint {
        command.env("LEA_INTAKE_FAILPOINT", point);
    }
    command.output().expect("lea-intake runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Case events on the broker, by event id (a redelivered event counted once). Every
/// routing key reaches exactly one of the security and review queues (the urgent queue
/// holds copies of emergency requests).
async fn published_events(exchange: &str) -> BTreeMap<String, Value> {
    let topology = Topology::named(exchange);
    let (_connection, channel) = services::amqp_admin().await;
    let mut events = BTreeMap::new();
    for queue in topology
        .queues
        .iter()
        .filter(|q| q.name.ends_with(".security") || q.name.ends_with(".review"))
    {
        for delivery in services::drain_queue(&channel, &queue.name).await {
            let id = delivery
                .properties
                .message_id()
                .as_ref()
                .map(|id| id.to_string())
                .expect("every case message carries a message_id");
            let event: Value = serde_json::from_slice(&delivery.data).expect("JSON case message");
            assert_eq!(
                event["event_id"].as_str(),
                Some(id.as_str()),
                "message_id is the event id"
            );
            // Delivery is at least once: a run that dies between the broker's confirm and
            // marking the event sent publishes it again after the restart. A repeat must be
            // the same event, which consumers drop by message_id; a second case for the
            // same message would be a new event id, and the callers count those.
            if let Some(earlier) = events.insert(id.clone(), event.clone()) {
                assert_eq!(earlier, event, "event {id} was delivered twice, changed");
            }
        }
    }
    events
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of every message in a folder as the server holds it (Dovecot may rewrite
/// line endings, so hashes are taken from what IMAP returns, as the service sees it).
async fn folder_hashes(user: &str, folder: &str) -> Vec<String> {
    imap::bodies(user, folder)
        .await
        .into_iter()
        .map(|(_, body)| sha256_hex(&body))
        .collect()
}

async fn stored_hashes(database: &TestDatabase) -> BTreeSet<String> {
    let mut connection = database.connect().await;
    let rows: Vec<String> = sqlx::query_scalar("SELECT sha256 FROM messages")
        .fetch_all(&mut connection)
        .await
        .expect("read stored messages");
    rows.into_iter().collect()
}

/// The message of every arrival event (`case.opened`, `case.updated`); events about a
/// stored case (`case.linked` when a later case shares a target) are left out.
fn event_hashes(events: &BTreeMap<String, Value>) -> Vec<String> {
    events
        .values()
        .filter(|e| e["event"] == "case.opened" || e["event"] == "case.updated")
        .map(|e| {
            e["message"]["sha256"]
                .as_str()
                .expect("message.sha256 in every case message")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn run_once_stores_moves_and_routes_every_message_exactly_once() {
    let user = imap::fresh_user();
    let messages = realistic_messages();
    assert!(messages.len() >= 500, "{} messages", messages.len());
    imap::append(&user, "INBOX", &messages).await;
    let inbox = folder_hashes(&user, "INBOX").await;
    assert_eq!(
        inbox.len(),
        messages.len(),
        "Dovecot holds every appended message"
    );
    let distinct: BTreeSet<String> = inbox.iter().cloned().collect();

    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &user, &database.url, &exchange, 100);

    let first = run_once(&config, None);
    assert!(
        first.status.success(),
        "run --once failed:\n{}",
        stderr(&first)
    );

    assert_eq!(imap::count(&user, "INBOX").await, 0, "the inbox is emptied");
    let processed = folder_hashes(&user, "Processed").await;
    assert_eq!(
        processed.len(),
        inbox.len(),
        "every message sits in Processed"
    );
    assert_eq!(
        stored_hashes(&database).await,
        distinct,
        "every message stored once"
    );
    assert_eq!(
        database
            .count("SELECT count(*) FROM message_locations")
            .await,
        i64::try_from(inbox.len()).unwrap(),
        "every IMAP location recorded"
    );
    assert_eq!(
        database
            .count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .await,
        0,
        "the outbox is drained"
    );

    let events = published_events(&exchange).await;
    let mut routed = event_hashes(&events);
    routed.sort();
    let routed_distinct: BTreeSet<String> = routed.iter().cloned().collect();
    assert_eq!(
        routed.len(),
        routed_distinct.len(),
        "one case message per stored message"
    );
    assert_eq!(
        routed_distinct, distinct,
        "every stored message's case reached the broker"
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/case-message.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for event in events.values() {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in {event}");
        assert_eq!(event["schema"], "lea-intake.case.v1");
        assert_eq!(event["message"]["mailbox"], "lea-inbox/INBOX");
        assert!(
            event["case"]["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("LEA-"))
        );
    }
    let security = events
        .values()
        .filter(|e| e["sender"]["verdict"] == "impersonation")
        .count();
    assert!(
        security > 20,
        "the sender fixtures' impersonations were routed: {security}"
    );

    let second = run_once(&config, None);
    assert!(
        second.status.success(),
        "second run failed:\n{}",
        stderr(&second)
    );
    assert_eq!(
        stored_hashes(&database).await.len(),
        distinct.len(),
        "nothing new stored"
    );
    assert_eq!(
        imap::count(&user, "Processed").await as usize,
        inbox.len(),
        "nothing moved twice"
    );
    assert!(
        published_events(&exchange).await.is_empty(),
        "nothing published again"
    );

    services::delete_topology(&exchange).await;
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_commit_and_move_creates_no_duplicate() {
    let user = imap::fresh_user();
    let messages: Vec<Vec<u8>> = (0..60)
        .map(|n| {
            imap::message(
                &format!("Preservation request {n}"),
                "Please preserve the records.",
            )
        })
        .collect();
    imap::append(&user, "INBOX", &messages).await;

    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &user, &database.url, &exchange, 25);

    // Abort right after the second batch is committed, before it is moved.
    let crashed = run_once(&config, Some("after_commit:2"));
    assert!(
        !crashed.status.success(),
        "the failpoint must abort the run"
    );
    assert!(
        stderr(&crashed).contains("failpoint after_commit reached"),
        "{}",
        stderr(&crashed)
    );
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 50);
    assert_eq!(
        imap::count(&user, "Processed").await,
        25,
        "only the first batch was moved"
    );
    assert_eq!(
        imap::count(&user, "INBOX").await,
        35,
        "the committed second batch is still in the inbox"
    );

    // The crashed run still holds the mailbox's lease until it runs out: a restart in
    // the meantime leaves the mailbox alone, as it would for a live process elsewhere.
    let refused = run_once(&config, None);
    assert!(!refused.status.success(), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("being worked by another process"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(imap::count(&user, "INBOX").await, 35);
    tokio::time::sleep(Duration::from_secs(LEASE_SECS)).await;

    let restarted = run_once(&config, None);
    assert!(
        restarted.status.success(),
        "restart failed:\n{}",
        stderr(&restarted)
    );
    assert_eq!(
        database.count("SELECT count(*) FROM messages").await,
        60,
        "no duplicate stored"
    );
    assert_eq!(database.count("SELECT count(*) FROM cases").await, 60);
    assert_eq!(imap::count(&user, "INBOX").await, 0);
    assert_eq!(imap::count(&user, "Processed").await, 60);

    let events = published_events(&exchange).await;
    let hashes = event_hashes(&events);
    let distinct: BTreeSet<&String> = hashes.iter().collect();
    assert_eq!(hashes.len(), 60, "one case message per message");
    assert_eq!(distinct.len(), 60, "no message routed twice");

    services::delete_topology(&exchange).await;
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_message_becomes_a_flagged_case_and_never_blocks_the_mailbox() {
    let user = imap::fresh_user();
    let big_body = "0123456789abcdef\r\n".repeat(20_000); // about 360 KB
    let messages = vec![
        imap::message("before", "small"),
        imap::message("the big one", &big_body),
        imap::message("after", "small"),
    ];
    imap::append(&user, "INBOX", &messages).await;

    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &user,
        &database.url,
        &exchange,
        100,
        "[limits]\nmax_message_bytes = 100000",
    );
    let run = run_once(&config, None);
    assert!(run.status.success(), "run --once failed:\n{}", stderr(&run));
    assert_eq!(imap::count(&user, "INBOX").await, 0);
    assert_eq!(
        imap::count(&user, "Processed").await,
        3,
        "the big message is moved on too"
    );

    let events = published_events(&exchange).await;
    assert_eq!(events.len(), 3);
    let big = events
        .values()
        .find(|e| e["message"]["subject"] == "the big one")
        .expect("the oversized message has a case");
    let problems = big["message"]["problems"].to_string();
    assert!(problems.contains("message_too_large"), "{problems}");
    let mut connection = database.connect().await;
    let stored: i64 = sqlx::query_scalar(
        "SELECT size FROM raw_messages r JOIN messages m USING (sha256) WHERE m.subject = $1",
    )
    .bind("the big one")
    .fetch_one(&mut connection)
    .await
    .expect("the oversized message is stored");
    assert!(
        stored < 10_000,
        "only its headers were fetched and kept: {stored} bytes"
    );
    for small in ["before", "after"] {
        let event = events
            .values()
            .find(|e| e["message"]["subject"] == small)
            .unwrap();
        assert_eq!(
            event["message"]["problems"],
            serde_json::json!([]),
            "{small}"
        );
    }

    services::delete_topology(&exchange).await;
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_imported_from_an_archive_and_then_seen_live_is_stored_once() {
    // Archives keep bare LF line endings; IMAP delivers CRLF. Both are the same message.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    let message = String::from_utf8(imap::message("Preservation request", "Please preserve."))
        .unwrap()
        .replace("\r\n", "\n");
    std::fs::write(archive.join("old.eml"), &message).unwrap();

    let user = imap::fresh_user();
    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let config = write_config(dir.path(), &user, &database.url, &exchange, 100);
    let import = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args(["import", "--no-relay", "--config"])
        .arg(&config)
        .arg(&archive)
        .current_dir(dir.path())
        .output()
        .expect("lea-intake import");
    assert!(
        import.status.success(),
        "import failed:\n{}",
        stderr(&import)
    );
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 1);

    imap::append(&user, "INBOX", &[message.into_bytes()]).await;
    let run = run_once(&config, None);
    assert!(run.status.success(), "run --once failed:\n{}", stderr(&run));
    assert_eq!(
        database.count("SELECT count(*) FROM messages").await,
        1,
        "the live copy is recognised as the imported message"
    );
    assert_eq!(
        database
            .count("SELECT count(*) FROM message_locations")
            .await,
        2,
        "both places it was seen are recorded"
    );
    assert_eq!(
        imap::count(&user, "Processed").await,
        1,
        "and it is moved on"
    );

    services::delete_topology(&exchange).await;
    database.drop_now().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_reads_an_imap_folder_without_changing_it_and_resumes() {
    let user = imap::fresh_user();
    let folder = "Archive/2023";
    let messages: Vec<Vec<u8>> = (0..7)
        .map(|n| imap::message(&format!("Archived request {n}"), "Old request."))
        .collect();
    imap::append(&user, folder, &messages).await;

    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &user, &database.url, &exchange, 3);
    let import = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lea-intake"))
            .args([
                "import",
                "--imap",
                "lea-inbox",
                "--folder",
                folder,
                "--config",
            ])
            .arg(&config)
            .args(extra)
            .current_dir(dir.path())
            .env("LEA_TEST_IMAP_PASSWORD", imap::PASSWORD)
            .output()
            .expect("lea-intake import")
    };

    // Received today, so a --since in the future selects nothing.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let none = import(&["--since", &tomorrow.to_string()]);
    assert!(none.status.success(), "{}", stderr(&none));
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 0);

    let first = import(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 7);
    assert_eq!(
        imap::count(&user, folder).await,
        7,
        "nothing is moved out of the folder"
    );
    assert!(
        imap::search(&user, folder, "SEEN").await.is_empty(),
        "nothing marked read"
    );

    let events = published_events(&exchange).await;
    assert_eq!(events.len(), 7);
    assert!(
        events.values().all(|e| e["case"]["imported"] == true),
        "historic cases say so"
    );

    imap::append(
        &user,
        folder,
        &[imap::message("Archived late", "One more.")],
    )
    .await;
    let second = import(&[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let summary = String::from_utf8_lossy(&second.stdout);
    assert!(
        summary.contains("imported 1 messages"),
        "resumes after the last UID: {summary}"
    );
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 8);

    services::delete_topology(&exchange).await;
    database.drop_now().await;
}

/// The case messages waiting in one of the exchange's queues (`security`, `urgent`,
/// `review`), drained, oldest first.
async fn queue_events(exchange: &str, queue: &str) -> Vec<Value> {
    let (_connection, channel) = services::amqp_admin().await;
    services::drain_queue(&channel, &format!("{exchange}.{queue}"))
        .await
        .iter()
        .map(|d| serde_json::from_slice(&d.data).expect("JSON case message"))
        .collect()
}

fn request_mail(from: &str, id: &str, headers: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: LEA desk <lea@exchange.example>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n{headers}Subject: {subject}\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn with_event<'e>(events: &'e [Value], name: &str) -> Vec<&'e Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

/// `[acknowledgements]` sending through the test Postfix (`scripts/postfix.sh`), which
/// delivers into the test Dovecot over LMTP.
fn acknowledgement_config() -> String {
    format!(
        r#"
[acknowledgements]
enabled = true
retry_secs = 1
max_retry_secs = 1
[acknowledgements.smtp]
host = "127.0.0.1"
port = {port}
tls = "starttls"
ca_file = "{ca}"
from = "LEA Intake <intake@lea-intake.test>"
timeout_secs = 20
"#,
        port = services::smtp_port(),
        ca = imap::ca_file().display(),
    )
}

/// Threads, related requests, impersonation routing, acknowledgements and the security
/// team's decision, end to end: Dovecot → PostgreSQL → RabbitMQ and Postfix → Dovecot,
/// with a crash after the first commit.
#[tokio::test(flavor = "multi_thread")]
async fn threads_links_and_decisions_reach_the_right_queues() {
    const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let user = imap::fresh_user();
    // Senders with mailboxes of their own in the test Dovecot, where Postfix delivers our
    // acknowledgements.
    let agent = imap::fresh_address_at("fbi.gov");
    let investigator = imap::fresh_address_at("bka.bund.de");
    let impostor = imap::fresh_address_at("fbi-gov.com");
    let from_agent = format!("Agent <{agent}>");
    let thread = [
        request_mail(
            &from_agent,
            "t1@fbi.gov",
            "",
            "Grand jury subpoena",
            &format!("You are commanded to produce all records of the wallet {WALLET}."),
        ),
        request_mail(
            &from_agent,
            "t2@fbi.gov",
            "In-Reply-To: <t1@fbi.gov>\r\nReferences: <t1@fbi.gov>\r\n",
            "Re: Grand jury subpoena",
            "Adding the date range: January to March 2026.",
        ),
        request_mail(
            &from_agent,
            "t3@fbi.gov",
            "In-Reply-To: <t2@fbi.gov>\r\nReferences: <t1@fbi.gov> <t2@fbi.gov>\r\n",
            "Re: Re: Grand jury subpoena",
            "Please confirm receipt.",
        ),
    ];
    // Another agency, another country, the same wallet written in lower case.
    let bka = request_mail(
        &format!("Ermittler <{investigator}>"),
        "b1@bka.bund.de",
        "",
        "Auskunftsersuchen",
        &format!(
            "Wir bitten um Auskunft zur Adresse {}.",
            WALLET.to_ascii_lowercase()
        ),
    );
    let fake = request_mail(
        &format!("FBI Emergency <{impostor}>"),
        "f1@fbi-gov.com",
        "",
        "EMERGENCY disclosure request",
        "This is an emergency disclosure request: a child's life is in imminent danger. Send the account holder's data within the hour.",
    );
    let mut all = thread.to_vec();
    all.push(bka);
    all.push(fake);
    imap::append(&user, "INBOX", &all).await;

    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &user,
        &database.url,
        &exchange,
        2,
        &acknowledgement_config(),
    );

    // The first batch is committed, then the process dies before moving or publishing.
    let crashed = run_once(&config, Some("after_commit"));
    assert!(!crashed.status.success(), "{}", stderr(&crashed));
    tokio::time::sleep(Duration::from_secs(LEASE_SECS)).await;
    let run = run_once(&config, None);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 5);
    assert_eq!(database.count("SELECT count(*) FROM cases").await, 3);

    // One acknowledgement per genuine case, none to the impostor, none sent twice although
    // the first run died after committing the first cases.
    assert_eq!(
        database
            .count("SELECT count(*) FROM acknowledgements WHERE status = 'sent'")
            .await,
        2
    );
    assert_eq!(
        database
            .count(
                "SELECT count(*) FROM acknowledgements \
                 WHERE status = 'skipped' AND reason LIKE '%impersonation%'"
            )
            .await,
        1
    );
    for address in [&agent, &investigator] {
        imap::wait_for_count(address, "INBOX", 1).await;
    }
    // Postfix has delivered the other two by now; give a stray third a moment more.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(imap::count(&agent, "INBOX").await, 1, "exactly one");
    assert_eq!(imap::count(&investigator, "INBOX").await, 1, "exactly one");
    assert_eq!(
        imap::count(&impostor, "INBOX").await,
        0,
        "none to the impostor"
    );

    let review = queue_events(&exchange, "review").await;
    let security = queue_events(&exchange, "security").await;
    let urgent = queue_events(&exchange, "urgent").await;
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/case-message.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for event in review.iter().chain(&security) {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?} in {event}");
    }

    // The thread: one case, opened once and updated twice, nothing published twice.
    let opened = with_event(&review, "case.opened");
    assert_eq!(opened.len(), 2, "{review:#?}");
    let fbi = opened
        .iter()
        .find(|e| e["message"]["message_id"] == "t1@fbi.gov")
        .expect("the subpoena's case");
    let reference = fbi["case"]["reference"].as_str().unwrap().to_string();
    let updates = with_event(&review, "case.updated");
    assert_eq!(updates.len(), 2);
    assert!(
        updates
            .iter()
            .all(|e| e["case"]["reference"] == reference.as_str())
    );
    let mut counts: Vec<i64> = updates
        .iter()
        .map(|e| e["case"]["message_count"].as_i64().unwrap())
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![2, 3]);
    assert_eq!(fbi["case"]["signals"][0]["code"], "first_contact");

    // The two agencies' requests are linked both ways.
    let german = opened
        .iter()
        .find(|e| e["message"]["message_id"] == "b1@bka.bund.de")
        .unwrap();
    assert_eq!(german["related_cases"][0]["reference"], reference.as_str());
    assert_eq!(
        german["related_cases"][0]["shared_targets"][0]["value"],
        WALLET
    );
    // The earlier case hears of the link: by its own update when the later case arrives
    // in the same batch, by a `case.linked` event otherwise.
    let told: Vec<&Value> = review
        .iter()
        .filter(|e| e["case"]["reference"] == reference.as_str())
        .filter(|e| {
            e["related_cases"].as_array().is_some_and(|r| {
                r.iter()
                    .any(|r| r["reference"] == german["case"]["reference"])
            })
        })
        .collect();
    assert_eq!(told.len(), 1, "{review:#?}");
    // The fake emergency reaches the security team only, never the urgent queue.
    assert_eq!(security.len(), 1, "{security:#?}");
    assert_eq!(security[0]["message"]["message_id"], "f1@fbi-gov.com");
    assert_eq!(security[0]["sender"]["verdict"], "impersonation");
    assert!(urgent.is_empty(), "{urgent:#?}");

    // The security team finds the FBI mailbox compromised: its open case moves to them.
    let decided = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args([
            "sender",
            "confirm-impersonation",
            &agent.replace("fbi.gov", "FBI.gov"),
            "--note",
            "mailbox compromised",
            "--by",
            "secops",
            "--config",
        ])
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(decided.status.success(), "{}", stderr(&decided));
    let said = String::from_utf8_lossy(&decided.stdout);
    assert!(said.contains(&reference), "{said}");
    let security = queue_events(&exchange, "security").await;
    assert_eq!(security.len(), 1, "{security:#?}");
    assert_eq!(security[0]["event"], "case.reassessed");
    assert_eq!(security[0]["case"]["reference"], reference.as_str());
    assert_eq!(security[0]["case"]["impersonation_confirmed"], true);
    assert!(queue_events(&exchange, "review").await.is_empty());

    // Due dates: both open cases are due within 31 days, none is overdue yet.
    let due = Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args(["cases", "due", "--within", "31", "--json", "--config"])
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(due.status.code(), Some(0), "{}", stderr(&due));
    let listed: Vec<Value> = String::from_utf8_lossy(&due.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert!(listed.iter().all(|c| c["state"] == "due"));
}
