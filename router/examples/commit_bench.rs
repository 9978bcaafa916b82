//! Storing throughput of `Store::commit_batch`: N synthetic messages (three targets each,
//! one in four a reply to an earlier message) committed in batches of BATCH, to a fresh
//! PostgreSQL database (dropped afterwards) and to SQLite in a temporary file.
//!
//! cargo run --release -p lea-router --example commit_bench -- N BATCH
//! PostgreSQL: LEA_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), an
//! existing database from which the bench database is created.

use std::error::Error;
use std::time::Instant;

use chrono::Utc;
use lea_classifier::{Classifier, ClassifierConfig, Directory, Target};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Origin, parse_message};
use lea_router::store::{PostgresStore, SqliteStore};
use lea_router::{CaseOptions, Incoming, Store};
use sqlx::Connection;

fn usage() -> String {
    "usage: commit_bench N BATCH   (N messages in batches of BATCH)".to_owned()
}

fn arg(args: &[String], index: usize, default: usize) -> Result<usize, String> {
    match args.get(index) {
        None => Ok(default),
        Some(a) => a.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(usage),
    }
}

/// Message `n`; one in four answers message `n - 3`, which is often in the same batch.
fn message(classifier: &Classifier, n: usize) -> Incoming {
    let reply = if n % 4 == 3 {
        format!("In-Reply-To: <bench-{}@fbi.gov>\n", n - 3)
    } else {
        String::new()
    };
    let raw = format!(
        "From: Agent <agent@fbi.gov>\nTo: lea@exchange.example\nMessage-ID: <bench-{n}@fbi.gov>\n\
         {reply}Date: Tue, 3 Mar 2026 10:00:00 +0000\nSubject: Preservation request {n}\n\n\
         Please preserve the records of the accounts below for 90 days.\n"
    )
    .replace('\n', "\r\n")
    .into_bytes();
    let message = parse_message(&raw, &Limits::default(), &TextExtractor::disabled());
    let mut assessment = classifier.assess(&message, Utc::now());
    // Targets are fixed here rather than extracted, so every message has the same number;
    // the e-mail target repeats across messages as related requests do.
    assessment.targets = vec![
        Target {
            kind: "email".into(),
            value: format!("suspect-{}@example.com", n % 50),
            source: "body".into(),
        },
        Target {
            kind: "phone".into(),
            value: format!("+1555{n:07}"),
            source: "body".into(),
        },
        Target {
            kind: "btc_address".into(),
            value: format!("bc1qbench{n:032}"),
            source: "body".into(),
        },
    ];
    let uid = u32::try_from(n + 1).unwrap_or(u32::MAX);
    Incoming {
        origin: Origin::Imap {
            account: "bench".into(),
            mailbox: "INBOX".into(),
            uid_validity: 1,
            uid,
        },
        raw,
        received_at: None,
        message,
        assessment,
        imported: false,
    }
}

async fn run<S: Store>(
    name: &str,
    store: &S,
    messages: &[Incoming],
    batch: usize,
) -> Result<(), Box<dyn Error>> {
    let options = CaseOptions::default();
    let started = Instant::now();
    let mut stored = 0usize;
    let mut opened = 0usize;
    let mut updated = 0usize;
    for chunk in messages.chunks(batch) {
        let outcome = store.commit_batch(chunk, &options).await?;
        stored += outcome.stored;
        opened += outcome.cases_opened;
        updated += outcome.cases_updated;
    }
    let elapsed = started.elapsed();
    let stats = store.stats().await?;
    println!(
        "{name}: {} messages, batch {batch}: {stored} stored, {opened} cases opened, {updated} updated \
         in {:.3} s = {:.0} messages/s ({:.2} ms per batch); rows: {} messages, {} cases, {} outbox",
        messages.len(),
        elapsed.as_secs_f64(),
        messages.len() as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / messages.len().div_ceil(batch) as f64,
        stats.messages,
        stats.cases,
        stats.outbox_pending,
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let total = arg(&args, 1, 4000)?;
    let batch = arg(&args, 2, 200)?;
    let classifier = Classifier::new(Directory::builtin(), ClassifierConfig::default());
    let messages: Vec<Incoming> = (0..total).map(|n| message(&classifier, n)).collect();

    let admin_url = std::env::var("LEA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    // Parameters after `?` (e.g. `host=/var/run/postgresql` for a Unix socket) apply to
    // the bench database too.
    let (path, params) = admin_url
        .split_once('?')
        .map_or((admin_url.as_str(), String::new()), |(p, q)| {
            (p, format!("?{q}"))
        });
    let base = path
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .ok_or("LEA_TEST_DATABASE_URL has no database name")?;
    let name = format!("lea_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
    // The name is generated above from a UUID, never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let result = async {
        let store = PostgresStore::connect(&format!("{base}/{name}{params}")).await?;
        store.migrate().await?;
        let outcome = run("postgres", &store, &messages, batch).await;
        store.pool().close().await;
        outcome
    }
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    result?;

    let dir = tempfile::tempdir()?;
    let store = SqliteStore::connect(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await?;
    store.migrate().await?;
    run("sqlite", &store, &messages, batch).await?;
    Ok(())
}
