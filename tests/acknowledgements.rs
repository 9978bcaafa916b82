//! Acknowledgements end to end, against the real services: requests APPENDed to the test
//! Dovecot, `lea-intake run --once` over IMAP into SQLite or PostgreSQL, acknowledgements
//! sent over SMTP (STARTTLS) to the test Postfix (`scripts/postfix.sh`), which delivers
//! them over LMTP into the sender's Dovecot mailbox, where they are read back over IMAP.

#[path = "support/imap.rs"]
mod imap;
#[path = "support/services.rs"]
mod services;

use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Message, parse_message};
use services::TestDatabase;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Short, so that a restart after a simulated crash need not wait long for the dead run's
/// mailbox lease.
const LEASE_SECS: u64 = 3;
/// Our From address; its domain is that of our Message-IDs.
const FROM: &str = "intake@lea-intake.test";

/// The database of one test: an SQLite file or a PostgreSQL database of its own.
enum Db {
    Sqlite(PathBuf),
    Postgres(TestDatabase),
}

impl Db {
    async fn new(postgres: bool, dir: &Path) -> Db {
        if postgres {
            Db::Postgres(TestDatabase::create().await)
        } else {
            Db::Sqlite(dir.join("lea.db"))
        }
    }

    fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite://{}", path.display()),
            Db::Postgres(db) => db.url.clone(),
        }
    }

    /// The first column of the first row of `sql`, as a number.
    async fn count(&self, sql: &str) -> i64 {
        match self {
            Db::Postgres(db) => db.count(sql).await,
            Db::Sqlite(path) => {
                let mut c =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("open the SQLite database");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_one(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// `status` and `reason` of every acknowledgement, in case order.
    async fn acks(&self) -> Vec<(String, Option<String>)> {
        let sql = "SELECT status, reason FROM acknowledgements ORDER BY case_id";
        match self {
            Db::Postgres(db) => {
                let mut c = db.connect().await;
                sqlx::query_as(sql).fetch_all(&mut c).await.expect(sql)
            }
            Db::Sqlite(path) => {
                let mut c =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .expect("open the SQLite database");
                sqlx::query_as(sql).fetch_all(&mut c).await.expect(sql)
            }
        }
    }

    async fn finish(self) {
        if let Db::Postgres(db) = self {
            db.drop_now().await;
        }
    }
}

/// A run of `lea-intake` on one intake mailbox, with acknowledgements on.
struct Setup {
    dir: tempfile::TempDir,
    intake: String,
    db: Db,
    config: PathBuf,
}

impl Setup {
    async fn new(postgres: bool) -> Setup {
        Setup::with_smtp_port(postgres, services::smtp_port()).await
    }

    async fn with_smtp_port(postgres: bool, port: u16) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::new(postgres, dir.path()).await;
        let intake = imap::fresh_user();
        let config = dir.path().join("lea-intake.toml");
        let text = format!(
            r#"
[database]
url = "{url}"
[sink]
kind = "jsonl"
path = "{cases}"
[classifier]
trusted_authserv_ids = ["mx.exchange.example"]
[pipeline]
lease_secs = {LEASE_SECS}
poll_interval_secs = 1
[[mailboxes]]
name = "lea-inbox"
host = "{host}"
port = {imaps}
tls = "implicit"
ca_file = "{ca}"
username = "{intake}"
password_env = "LEA_TEST_IMAP_PASSWORD"
command_timeout_secs = 30
[acknowledgements]
enabled = true
retry_secs = 1
max_retry_secs = 1
[acknowledgements.texts]
en = "Registered as {{reference}}: {{subject}} ({{received}})."
de = "Aktenzeichen {{reference}}."
[acknowledgements.smtp]
host = "127.0.0.1"
port = {port}
tls = "starttls"
ca_file = "{ca}"
from = "LEA Intake <{FROM}>"
timeout_secs = 20
"#,
            url = db.url(),
            cases = dir.path().join("cases.jsonl").display(),
            host = imap::host(),
            imaps = imap::tls_port(),
            ca = imap::ca_file().display(),
        );
        std::fs::write(&config, text).expect("write config");
        Setup {
            dir,
            intake,
            db,
            config,
        }
    }

    fn lea_intake(&self, args: &[&str], failpoint: Option<&str>) -> Output {
        let mut command = lea_intake(&self.config, args);
        if let Some(point) = failpoint {
            command.env("LEA_INTAKE_FAILPOINT", point);
        }
        command.output().expect("lea-intake runs")
    }

    fn run_once(&self) -> Output {
        self.lea_intake(&["run", "--once"], None)
    }

    fn run_once_ok(&self) {
        let out = self.run_once();
        assert!(out.status.success(), "run --once failed:\n{}", stderr(&out));
    }

    async fn receive(&self, messages: &[Vec<u8>]) {
        imap::append(&self.intake, "INBOX", messages).await;
    }
}

/// `lea-intake ARGS --config CONFIG`, in the config's folder.
fn lea_intake(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lea-intake"));
    command
        .args(args)
        .arg("--config")
        .arg(config)
        .current_dir(config.parent().expect("config folder"))
        .env("LEA_TEST_IMAP_PASSWORD", imap::PASSWORD)
        .env_remove("LEA_INTAKE_FAILPOINT")
        .env_remove("RUST_LOG");
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A request from `from` as our MX would hand it over: authenticated (SPF, DKIM, DMARC
/// pass, as stamped by the trusted `mx.exchange.example`).
fn request(from: &str, subject: &str, extra_headers: &str) -> Vec<u8> {
    let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    let id = format!("{}@{domain}", imap::fresh_user().replace('@', "."));
    format!(
        "Authentication-Results: mx.exchange.example; spf=pass smtp.mailfrom={domain}; \
         dkim=pass header.d={domain}; dmarc=pass header.from={domain}\r\n\
         From: \"Special Agent Jane Roe\" <{from}>\r\n\
         To: lea-requests@exchange.example\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
         Message-ID: <{id}>\r\n\
         {extra_headers}\
         \r\n\
         Please preserve all records for the account user-4471 for 90 days.\r\n"
    )
    .into_bytes()
}

fn parse(raw: &[u8]) -> Message {
    parse_message(raw, &Limits::default(), &TextExtractor::disabled())
}

/// The messages in `user`'s inbox once there are `n` (Postfix delivers a moment after it
/// accepted them); fails if they have not all arrived within a minute.
async fn delivered(user: &str, n: usize) -> Vec<Message> {
    imap::wait_for_count(user, "INBOX", u32::try_from(n).unwrap_or(u32::MAX)).await;
    let bodies = imap::bodies(user, "INBOX").await;
    bodies.iter().map(|(_, raw)| parse(raw)).collect()
}

fn header<'m>(message: &'m Message, name: &str) -> Option<&'m str> {
    message
        .automation_headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

async fn verified_request_gets_one_acknowledgement_and_the_reply_joins_the_case(postgres: bool) {
    let setup = Setup::new(postgres).await;
    let agent = imap::fresh_address_at("fbi.gov");
    let original = request(&agent, "Preservation request", "");
    let original_id = parse(&original).message_id.expect("a Message-ID");
    setup.receive(&[original]).await;
    setup.run_once_ok();

    assert_eq!(
        setup
            .db
            .count("SELECT count(*) FROM messages WHERE verdict = 'verified'")
            .await,
        1,
        "the request is from a verified sender"
    );
    assert_eq!(setup.db.acks().await, vec![("sent".to_string(), None)]);
    let inbox = delivered(&agent, 1).await;
    assert_eq!(inbox.len(), 1);
    let ack = &inbox[0];
    let reference = format!("LEA-{}-000001", chrono::Utc::now().format("%Y"));
    assert_eq!(
        ack.subject.as_deref(),
        Some(format!("[{reference}] Preservation request").as_str())
    );
    assert_eq!(ack.in_reply_to, vec![original_id.clone()]);
    assert_eq!(ack.references, vec![original_id.clone()]);
    assert_eq!(header(ack, "auto-submitted"), Some("auto-replied"));
    assert!(header(ack, "x-lea-intake-ack").is_some(), "marked as ours");
    assert_eq!(
        ack.message_id.as_deref(),
        Some(format!("ack.{reference}@lea-intake.test").as_str())
    );
    assert_eq!(ack.from.as_ref().map(|f| f.address.as_str()), Some(FROM));
    assert!(
        ack.body_text.starts_with(&format!(
            "Registered as {reference}: Preservation request ("
        )),
        "{}",
        ack.body_text
    );

    // The agency answers the acknowledgement: the reply joins the case, and is not
    // acknowledged again.
    let reply = format!(
        "Authentication-Results: mx.exchange.example; spf=pass smtp.mailfrom=fbi.gov; \
         dkim=pass header.d=fbi.gov; dmarc=pass header.from=fbi.gov\r\n\
         From: <{agent}>\r\nTo: {FROM}\r\nSubject: Re: [{reference}] Preservation request\r\n\
         Message-ID: <reply.{}>\r\nIn-Reply-To: <ack.{reference}@lea-intake.test>\r\n\r\n\
         The subpoena is attached.\r\n",
        agent.replace('@', ".")
    );
    setup.receive(&[reply.into_bytes()]).await;
    setup.run_once_ok();
    assert_eq!(setup.db.count("SELECT count(*) FROM cases").await, 1);
    assert_eq!(setup.db.count("SELECT count(*) FROM messages").await, 2);
    assert_eq!(setup.db.acks().await.len(), 1, "no second acknowledgement");
    setup.run_once_ok();
    assert_eq!(imap::count(&agent, "INBOX").await, 1);
    setup.db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_request_gets_one_acknowledgement_sqlite() {
    verified_request_gets_one_acknowledgement_and_the_reply_joins_the_case(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_request_gets_one_acknowledgement_postgres() {
    verified_request_gets_one_acknowledgement_and_the_reply_joins_the_case(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn impersonators_machines_lists_and_bounces_get_none() {
    let setup = Setup::new(false).await;
    let impostor = imap::fresh_address_at("fbi-gov.com");
    let responder = imap::fresh_address_at("fbi.gov");
    let list = imap::fresh_address_at("fbi.gov");
    let bouncer = imap::fresh_address_at("fbi.gov");
    let daemon = format!(
        "MAILER-DAEMON@{}",
        imap::fresh_address_at("fbi.gov").replace('@', ".")
    );
    let person = imap::fresh_address_at("fbi.gov");
    let mut impersonation = request(&impostor, "Emergency disclosure request", "");
    // No authentication from a lookalike domain.
    impersonation.drain(..impersonation.iter().position(|b| *b == b'\n').unwrap() + 1);
    setup
        .receive(&[
            impersonation,
            request(
                &responder,
                "Out of office",
                "Auto-Submitted: auto-replied\r\n",
            ),
            request(&list, "Digest", "List-Id: <requests.fbi.gov>\r\n"),
            request(&bouncer, "Undeliverable", "Return-Path: <>\r\n"),
            request(&daemon, "Delivery failure", ""),
            request(&person, "Preservation request", ""),
        ])
        .await;
    setup.run_once_ok();
    assert_eq!(
        setup
            .db
            .count("SELECT count(*) FROM messages WHERE verdict = 'impersonation'")
            .await,
        1
    );
    let acks = setup.db.acks().await;
    let reasons: Vec<Option<&str>> = acks.iter().map(|(_, r)| r.as_deref()).collect();
    assert_eq!(
        reasons,
        vec![
            Some("impersonation"),
            Some("automatic: auto-submitted: auto-replied"),
            Some("automatic: list-id: <requests.fbi.gov>"),
            Some("bounce"),
            Some("bounce"),
            None,
        ]
    );
    assert_eq!(acks[5].0, "sent");
    let status = setup.lea_intake(&["status", "--json"], None);
    assert!(status.status.success(), "{}", stderr(&status));
    let report: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(report["acknowledgements"]["skipped"], 5, "{report}");
    assert_eq!(report["acknowledgements"]["sent"], 1, "{report}");
    // Postfix delivers in order: once the last one is in, nothing else is on its way.
    delivered(&person, 1).await;
    for nobody in [&impostor, &responder, &list, &bouncer] {
        assert_eq!(imap::count(nobody, "INBOX").await, 0, "{nobody}");
    }
    setup.db.finish().await;
}

async fn one_acknowledgement_per_interval(postgres: bool) {
    let setup = Setup::new(postgres).await;
    let agent = imap::fresh_address_at("fbi.gov");
    setup
        .receive(&[
            request(&agent, "Preservation request", ""),
            request(&agent, "Subpoena", ""),
        ])
        .await;
    setup.run_once_ok();
    setup
        .receive(&[request(&agent, "Search warrant", "")])
        .await;
    setup.run_once_ok();
    assert_eq!(setup.db.count("SELECT count(*) FROM cases").await, 3);
    let statuses: Vec<(String, Option<String>)> = setup.db.acks().await;
    assert_eq!(
        statuses,
        vec![
            ("sent".to_string(), None),
            ("skipped".to_string(), Some("rate_limited".to_string())),
            ("skipped".to_string(), Some("rate_limited".to_string())),
        ]
    );
    assert_eq!(delivered(&agent, 1).await.len(), 1);
    setup.db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_gets_one_acknowledgement_per_interval_sqlite() {
    one_acknowledgement_per_interval(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_gets_one_acknowledgement_per_interval_postgres() {
    one_acknowledgement_per_interval(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_import_gets_none() {
    let setup = Setup::new(false).await;
    let agent = imap::fresh_address_at("fbi.gov");
    let archive = setup.dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    std::fs::write(
        archive.join("old.eml"),
        request(&agent, "Old preservation request", ""),
    )
    .unwrap();
    let import = setup.lea_intake(&["import", "--no-relay", archive.to_str().unwrap()], None);
    assert!(import.status.success(), "{}", stderr(&import));
    setup.run_once_ok();
    assert_eq!(
        setup.db.acks().await,
        vec![("skipped".to_string(), Some("imported".to_string()))]
    );
    assert_eq!(imap::count(&agent, "INBOX").await, 0);
    setup.db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_after_the_commit_then_a_rerun_sends_exactly_one() {
    let setup = Setup::new(true).await;
    let agent = imap::fresh_address_at("fbi.gov");
    setup
        .receive(&[request(&agent, "Preservation request", "")])
        .await;
    let crashed = setup.lea_intake(&["run", "--once"], Some("after_commit"));
    assert!(
        !crashed.status.success(),
        "the failpoint must abort the run"
    );
    assert!(
        stderr(&crashed).contains("failpoint after_commit reached"),
        "{}",
        stderr(&crashed)
    );
    assert_eq!(setup.db.acks().await, vec![("pending".to_string(), None)]);
    assert_eq!(
        imap::count(&setup.intake, "INBOX").await,
        1,
        "committed, not yet moved"
    );
    // The dead run's mailbox lease runs out first.
    tokio::time::sleep(Duration::from_secs(LEASE_SECS)).await;
    setup.run_once_ok();
    setup.run_once_ok();
    assert_eq!(setup.db.count("SELECT count(*) FROM messages").await, 1);
    assert_eq!(setup.db.acks().await, vec![("sent".to_string(), None)]);
    assert_eq!(delivered(&agent, 1).await.len(), 1);
    assert_eq!(imap::count(&agent, "INBOX").await, 1, "exactly one");
    setup.db.finish().await;
}

/// Forwards connections on `listener` to the test Postfix until dropped.
async fn forward_to_postfix(listener: tokio::net::TcpListener) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            if let Ok(mut outbound) =
                tokio::net::TcpStream::connect(("127.0.0.1", services::smtp_port())).await
            {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_up_the_acknowledgement_is_retried_and_delivered_once() {
    // A port where nothing listens: the SMTP server is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let setup = Setup::with_smtp_port(false, port).await;
    let agent = imap::fresh_address_at("fbi.gov");
    setup
        .receive(&[request(&agent, "Preservation request", "")])
        .await;
    let down = setup.run_once();
    assert!(!down.status.success(), "an acknowledgement is left unsent");
    assert!(
        stderr(&down).contains("acknowledgements waiting for a retry"),
        "{}",
        stderr(&down)
    );
    assert_eq!(setup.db.acks().await, vec![("pending".to_string(), None)]);
    assert_eq!(
        setup
            .db
            .count("SELECT count(*) FROM acknowledgements WHERE last_error IS NOT NULL AND attempts = 1")
            .await,
        1,
        "the error is recorded"
    );

    // The server comes back on the same port.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free again");
    let forwarder = tokio::spawn(forward_to_postfix(listener));
    // retry_secs = 1: the retry is due a second after the failure.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let config = setup.config.clone();
    let up = tokio::task::spawn_blocking(move || {
        lea_intake(&config, &["run", "--once"])
            .output()
            .expect("lea-intake runs")
    })
    .await
    .unwrap();
    assert!(up.status.success(), "{}", stderr(&up));
    assert_eq!(setup.db.acks().await, vec![("sent".to_string(), None)]);
    assert_eq!(
        setup
            .db
            .count(
                "SELECT count(*) FROM acknowledgements WHERE attempts = 2 AND last_error IS NULL"
            )
            .await,
        1
    );
    assert_eq!(delivered(&agent, 1).await.len(), 1);
    setup.run_once_ok();
    assert_eq!(imap::count(&agent, "INBOX").await, 1, "delivered once");
    forwarder.abort();
    setup.db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_refusal_is_marked_failed_and_not_retried() {
    let setup = Setup::new(false).await;
    // The test Postfix refuses every recipient at refused.test with a 554.
    let agent = imap::fresh_address_at("refused.test");
    setup
        .receive(&[request(&agent, "Preservation request", "")])
        .await;
    setup.run_once_ok();
    assert_eq!(setup.db.acks().await, vec![("failed".to_string(), None)]);
    assert_eq!(
        setup
            .db
            .count(
                "SELECT count(*) FROM acknowledgements
                 WHERE attempts = 1 AND last_error LIKE '%554%'"
            )
            .await,
        1,
        "the server's answer is kept"
    );
    setup.run_once_ok();
    assert_eq!(
        setup
            .db
            .count("SELECT count(*) FROM acknowledgements WHERE attempts = 1")
            .await,
        1,
        "never tried again"
    );
    setup.db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_service_sends_acknowledgements_as_cases_open() {
    let setup = Setup::new(true).await;
    let mut service = lea_intake(&setup.config, &["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lea-intake run starts");
    let agent = imap::fresh_address_at("fbi.gov");
    setup
        .receive(&[request(&agent, "Preservation request", "")])
        .await;
    let inbox = delivered(&agent, 1).await;
    assert!(
        inbox[0]
            .subject
            .as_deref()
            .is_some_and(|s| s.ends_with("] Preservation request")),
        "{:?}",
        inbox[0].subject
    );
    let status = services::terminate(&mut service);
    assert!(status.success(), "{status:?}");
    assert_eq!(setup.db.acks().await, vec![("sent".to_string(), None)]);
    setup.db.finish().await;
}
