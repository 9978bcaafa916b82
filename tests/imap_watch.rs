//! `lea-intake run` as a long-running service against the real Dovecot, PostgreSQL and
//! RabbitMQ: new mail is announced by IDLE and reaches the broker within about a second
//! (polling is set to ten minutes, so only IDLE can be that fast); a connection cut during
//! IDLE is survived without losing or duplicating mail; SIGTERM stops it cleanly.

#[path = "support/imap.rs"]
mod imap;
#[path = "support/services.rs"]
mod services;

use lapin::options::BasicGetOptions;
use lea_router::sink::Topology;
use services::TestDatabase;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start_service(dir: &Path, user: &str, database_url: &str, exchange: &str) -> Child {
    let config = dir.join("lea-intake.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[database]
url = "{database_url}"
[sink]
kind = "amqp"
[amqp]
url = "{amqp}"
exchange = "{exchange}"
[pipeline]
poll_interval_secs = 600
[[mailboxes]]
name = "watched"
host = "{host}"
port = {port}
tls = "starttls"
ca_file = "{ca}"
username = "{user}"
password_env = "LEA_TEST_IMAP_PASSWORD"
command_timeout_secs = 10
"#,
            amqp = services::amqp_url(),
            host = imap::host(),
            port = imap::port(),
            ca = imap::ca_file().display(),
        ),
    )
    .expect("write config");
    Command::new(env!("CARGO_BIN_EXE_lea-intake"))
        .args(["run", "--config"])
        .arg(&config)
        .current_dir(dir)
        .env("LEA_TEST_IMAP_PASSWORD", imap::PASSWORD)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("service.log")).expect("log file"))
        .spawn()
        .expect("start lea-intake run")
}

/// Waits for the next case message on `queue`; returns its subject and how long it took.
async fn next_case(channel: &lapin::Channel, queue: &str, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get")
        {
            let event: serde_json::Value =
                serde_json::from_slice(&message.delivery.data).expect("JSON case message");
            let subject = event["message"]["subject"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            return (subject, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no case arrived on {queue} within {limit:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_delivers_new_mail_fast_and_survives_a_cut_connection() {
    let user = imap::fresh_user();
    imap::append(
        &user,
        "INBOX",
        &[imap::message("waiting before start", "one")],
    )
    .await;
    let database = TestDatabase::create().await;
    let exchange = services::unique_exchange();
    let topology = Topology::named(&exchange);
    let (_connection, channel) = services::amqp_admin().await;
    topology
        .declare(&channel)
        .await
        .expect("declare the topology");
    let review = format!("{exchange}.review");
    let dir = tempfile::tempdir().unwrap();
    let mut service = start_service(dir.path(), &user, &database.url, &exchange);
    let log = || std::fs::read_to_string(dir.path().join("service.log")).unwrap_or_default();

    let (subject, _) = next_case(&channel, &review, Duration::from_secs(60)).await;
    assert_eq!(subject, "waiting before start", "{}", log());

    // Let the worker settle into IDLE, then deliver and time the arrival on the broker.
    let mut latencies = Vec::new();
    for n in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let appended = Instant::now();
        let subject = format!("live {n}");
        imap::append(&user, "INBOX", &[imap::message(&subject, "new")]).await;
        let (got, _) = next_case(&channel, &review, Duration::from_secs(20)).await;
        assert_eq!(got, subject, "{}", log());
        latencies.push(appended.elapsed());
    }
    println!("IDLE delivery latency, mailbox to broker: {latencies:?}");

    // Cut the connection in the middle of IDLE: the worker reconnects and misses nothing.
    imap::kick(&user);
    imap::append(&user, "INBOX", &[imap::message("after the cut", "two")]).await;
    let (got, took) = next_case(&channel, &review, Duration::from_secs(30)).await;
    assert_eq!(got, "after the cut", "{}", log());
    println!("delivered {took:?} after a cut connection");

    let status = services::terminate(&mut service);
    assert!(
        status.success(),
        "SIGTERM must end the service with 0: {status}\n{}",
        log()
    );
    assert_eq!(database.count("SELECT count(*) FROM messages").await, 5);
    assert_eq!(
        database
            .count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .await,
        0
    );
    assert_eq!(imap::count(&user, "INBOX").await, 0);
    assert_eq!(imap::count(&user, "Processed").await, 5);
    assert!(
        channel
            .basic_get(review.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get")
            .is_none(),
        "nothing delivered twice"
    );
    services::delete_topology(&exchange).await;
    database.drop_now().await;
}
