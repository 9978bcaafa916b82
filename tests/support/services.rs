//! Test support for PostgreSQL and RabbitMQ, as started by `scripts/services.sh`.
//!
//! Each test gets its own PostgreSQL database and its own exchange and queues under a
//! random name, removed again when the guard drops, so tests never see each other's data
//! and never touch a real deployment's names. When a service is not reachable the
//! helpers panic with a message that says how to start it: a test fails, never skips.
//!
//! Include it with `#[path = "support/services.rs"] mod services;`.
#![allow(dead_code)]

use lapin::options::{BasicGetOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Channel, Connection, ConnectionProperties};
use lea_router::sink::Topology;
use sqlx::Connection as _;

/// The database tests connect to for administration (default: db `test` on loopback).
pub fn postgres_admin_url() -> String {
    std::env::var("LEA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The test Postfix (`scripts/postfix.sh`), which delivers into the test Dovecot.
pub fn smtp_port() -> u16 {
    std::env::var("LEA_TEST_SMTP_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(2525)
}

pub fn amqp_url() -> String {
    std::env::var("LEA_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A database of its own for one test, dropped with the guard.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let admin_url = postgres_admin_url();
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is not reachable at {admin_url} ({e}); run scripts/services.sh")
            });
        let name = format!("lea_test_{}", uuid::Uuid::new_v4().simple());
        // A database name cannot be a bind parameter; this one is generated above.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .expect("URL with a database");
        TestDatabase {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// The first column of the first row of `sql`, as a number.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut connection = self.connect().await;
        let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut connection)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        value
    }

    /// Drops the database; call at the end of a test (async drop does not exist).
    pub async fn drop_now(self) {
        let admin_url = postgres_admin_url();
        if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// A unique exchange base name (`lea-test-<id>.cases`).
pub fn unique_exchange() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("lea-test-{}.cases", &id[..12])
}

/// A channel for the test's own checks.
pub async fn amqp_admin() -> (Connection, Channel) {
    let url = amqp_url();
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("RabbitMQ is not reachable ({e}); run scripts/services.sh"));
    let channel = connection.create_channel().await.expect("AMQP channel");
    (connection, channel)
}

/// Every message waiting in `queue`, taken off it.
pub async fn drain_queue(channel: &Channel, queue: &str) -> Vec<lapin::message::Delivery> {
    let mut out = Vec::new();
    while let Some(message) = channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap_or_else(|e| panic!("basic.get {queue}: {e}"))
    {
        out.push(message.delivery);
    }
    out
}

/// Deletes every queue and exchange of the standard topology under `base`.
pub async fn delete_topology(base: &str) {
    let topology = Topology::named(base);
    let (_connection, channel) = amqp_admin().await;
    let queues = topology
        .queues
        .iter()
        .map(|q| q.name.clone())
        .chain([topology.dead_letter_queue.clone()]);
    for queue in queues {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [&topology.exchange, &topology.dead_letter_exchange] {
        let _ = channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
}

/// Sends SIGTERM to a service process and waits for it to exit (at most 30 s, then it is
/// killed and the test fails).
pub fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    use std::time::{Duration, Instant};
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait for lea-intake") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("lea-intake did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
