//! The same case and outbox behaviour, proven on both databases: the embedded SQLite and
//! a real PostgreSQL (a fresh database per test, created and dropped here).

use chrono::Utc;
use lea_classifier::{Classifier, ClassifierConfig, Directory};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Origin, parse_message};
use lea_router::store::{PostgresStore, SqliteStore};
use lea_router::{CaseEvent, CaseOptions, Incoming, Store, StoredCursor};
use sqlx::Connection;
use std::time::Duration;

fn classifier() -> Classifier {
    Classifier::new(Directory::builtin(), ClassifierConfig::default())
}

fn incoming(raw: &str, origin: Origin) -> Incoming {
    let raw = raw.replace('\n', "\r\n").into_bytes();
    let message = parse_message(&raw, &Limits::default(), &TextExtractor::disabled());
    let assessment = classifier().assess(&message, Utc::now());
    Incoming {
        origin,
        raw,
        received_at: None,
        message,
        assessment,
        imported: false,
    }
}

fn imap(uid: u32) -> Origin {
    Origin::Imap {
        account: "lea".into(),
        mailbox: "INBOX".into(),
        uid_validity: 7,
        uid,
    }
}

fn mail(id: &str, extra: &str, subject: &str) -> String {
    format!(
        "From: Agent <agent@fbi.gov>\nTo: lea@exchange.example\nMessage-ID: <{id}>\n{extra}Subject: {subject}\n\nPlease preserve the records.\n"
    )
}

/// The events waiting in the outbox, decoded, oldest first.
async fn pending_events<S: Store>(store: &S) -> Vec<CaseEvent> {
    let rows = store
        .claim_outbox(1000, Duration::from_secs(60))
        .await
        .unwrap();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    store
        .release(
            &ids.iter()
                .map(|i| (*i, "peek".to_string()))
                .collect::<Vec<_>>(),
            Duration::ZERO,
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str(&r.payload).unwrap())
        .collect()
}

async fn sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    (store, dir)
}

/// A fresh PostgreSQL database; dropped by the next run's cleanup if a test fails.
async fn postgres() -> PostgresStore {
    let admin_url = std::env::var("LEA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is not reachable at {admin_url} ({e}); start it (see scripts/services.sh)")
    });
    let name = format!("lea_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let store = PostgresStore::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let (store, _dir) = super::sqlite().await;
                super::$name(store).await;
            }
            #[tokio::test]
            async fn postgres() {
                let store = super::postgres().await;
                super::$name(store).await;
            }
        }
    };
}

both!(a_message_seen_twice_is_stored_once);
async fn a_message_seen_twice_is_stored_once<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let m = mail("one@fbi.gov", "", "Preservation request");
    let first = store
        .commit_batch(&[incoming(&m, imap(1))], &opts)
        .await
        .unwrap();
    assert_eq!(
        (first.stored, first.duplicates, first.cases_opened),
        (1, 0, 1)
    );
    // Re-fetched at the same place, and found again in an archive.
    let again = store
        .commit_batch(&[incoming(&m, imap(1))], &opts)
        .await
        .unwrap();
    let archived = Origin::Archive {
        archive: "old.mbox".into(),
        item: "message 3".into(),
    };
    let elsewhere = store
        .commit_batch(&[incoming(&m, archived)], &opts)
        .await
        .unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 1));
    assert_eq!((elsewhere.stored, elsewhere.duplicates), (0, 1));
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (
            stats.raw_messages,
            stats.messages,
            stats.cases,
            stats.outbox_pending
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        stats.locations, 2,
        "both places the message was seen are recorded"
    );
}

both!(duplicates_inside_one_batch_are_stored_once);
async fn duplicates_inside_one_batch_are_stored_once<S: Store>(store: S) {
    let m = mail("dup@fbi.gov", "", "Subpoena");
    let out = store
        .commit_batch(
            &[incoming(&m, imap(1)), incoming(&m, imap(2))],
            &CaseOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!((out.stored, out.duplicates), (1, 1));
}

both!(replies_join_their_thread_and_references_are_sequential);
async fn replies_join_their_thread_and_references_are_sequential<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let year = Utc::now().format("%Y").to_string();
    let first = incoming(&mail("a@fbi.gov", "", "Subpoena 1"), imap(1));
    let other = incoming(&mail("b@fbi.gov", "", "Unrelated request"), imap(2));
    store.commit_batch(&[first, other], &opts).await.unwrap();
    let reply = incoming(
        &mail("c@fbi.gov", "In-Reply-To: <a@fbi.gov>\n", "Re: Subpoena 1"),
        imap(3),
    );
    let out = store.commit_batch(&[reply], &opts).await.unwrap();
    assert_eq!((out.cases_opened, out.cases_updated), (0, 1));
    // An agency answering our acknowledgement quotes the case reference in the subject.
    let by_reference = incoming(
        &mail(
            "d@fbi.gov",
            "",
            &format!("Re: [LEA-{year}-000002] documents"),
        ),
        imap(4),
    );
    store.commit_batch(&[by_reference], &opts).await.unwrap();

    let events = pending_events(&store).await;
    let refs: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e.event.as_str(),
                e.case.reference.clone(),
                e.case.message_count,
            )
        })
        .collect();
    assert_eq!(
        refs,
        vec![
            ("case.opened", format!("LEA-{year}-000001"), 1),
            ("case.opened", format!("LEA-{year}-000002"), 1),
            ("case.updated", format!("LEA-{year}-000001"), 2),
            ("case.updated", format!("LEA-{year}-000002"), 2),
        ]
    );
    assert_eq!(store.stats().await.unwrap().cases, 2);
    let e = &events[0];
    assert_eq!(e.schema, "lea-intake.case.v1");
    assert_eq!(
        e.routing_key,
        format!(
            "case.{}.{}",
            e.sender.verdict.as_str(),
            e.request.kind.as_str()
        )
    );
    assert!(e.routing_key.starts_with("case.verified."));
    assert_eq!(e.message.message_id.as_deref(), Some("a@fbi.gov"));
}

both!(the_cursor_only_moves_forward_within_a_uidvalidity);
async fn the_cursor_only_moves_forward_within_a_uidvalidity<S: Store>(store: S) {
    let opts = CaseOptions::default();
    assert_eq!(store.cursor("lea", "INBOX").await.unwrap(), None);
    store
        .commit_batch(
            &[
                incoming(&mail("1@x", "", "a"), imap(5)),
                incoming(&mail("2@x", "", "b"), imap(9)),
            ],
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(
        store.cursor("lea", "INBOX").await.unwrap(),
        Some(StoredCursor {
            uid_validity: 7,
            last_uid: 9
        })
    );
    store
        .commit_batch(&[incoming(&mail("3@x", "", "c"), imap(4))], &opts)
        .await
        .unwrap();
    assert_eq!(
        store
            .cursor("lea", "INBOX")
            .await
            .unwrap()
            .unwrap()
            .last_uid,
        9
    );
    let renumbered = Origin::Imap {
        account: "lea".into(),
        mailbox: "INBOX".into(),
        uid_validity: 8,
        uid: 2,
    };
    store
        .commit_batch(&[incoming(&mail("4@x", "", "d"), renumbered)], &opts)
        .await
        .unwrap();
    assert_eq!(
        store.cursor("lea", "INBOX").await.unwrap(),
        Some(StoredCursor {
            uid_validity: 8,
            last_uid: 2
        })
    );
}

both!(outbox_claims_leases_and_confirmations);
async fn outbox_claims_leases_and_confirmations<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let batch: Vec<_> = (1..=5)
        .map(|i| incoming(&mail(&format!("{i}@x"), "", "s"), imap(i)))
        .collect();
    store.commit_batch(&batch, &opts).await.unwrap();
    let claimed = store
        .claim_outbox(3, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(
        claimed.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first"
    );
    // Claimed events are invisible to another relay until the lease runs out.
    let rest = store
        .claim_outbox(10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert!(
        store
            .claim_outbox(10, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .mark_sent(&[claimed[0].id, claimed[1].id])
        .await
        .unwrap();
    // A refused event waits for its retry time, then comes back.
    store
        .release(&[(claimed[2].id, "nack".into())], Duration::from_secs(3600))
        .await
        .unwrap();
    store
        .release(&[(rest[0].id, "returned".into())], Duration::ZERO)
        .await
        .unwrap();
    let again = store
        .claim_outbox(10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![rest[0].id]
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.outbox_sent, stats.outbox_pending), (2, 3));
}

both!(hostile_and_unparsable_messages_are_kept);
async fn hostile_and_unparsable_messages_are_kept<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let nul = incoming(
        "From: a\u{0}b@evil.example\nSubject: bad\u{0}subject\nMessage-ID: <n\u{0}ul@x>\n\nbody\n",
        imap(1),
    );
    let empty = incoming("", imap(2));
    let out = store
        .commit_batch(&[nul, empty.clone()], &opts)
        .await
        .unwrap();
    assert_eq!(out.stored, 2);
    assert!(!empty.message.parsed);
    let raw = store.raw_message(&empty.message.sha256).await.unwrap();
    assert_eq!(
        raw,
        Some(Vec::new()),
        "the raw bytes of an unparsable message are kept"
    );
    let events = pending_events(&store).await;
    assert!(!events[1].message.parsed);
    assert_eq!(
        events[1].message.problems,
        vec!["unparsed: the message is empty".to_string()]
    );
}

both!(imported_cases_open_at_the_message_date);
async fn imported_cases_open_at_the_message_date<S: Store>(store: S) {
    let raw = "From: Agent <agent@fbi.gov>\nMessage-ID: <old@fbi.gov>\nDate: Tue, 3 Mar 2020 10:00:00 +0000\nSubject: Old subpoena\n\nbody\n";
    let mut old = incoming(
        raw,
        Origin::Archive {
            archive: "a".into(),
            item: "1".into(),
        },
    );
    old.imported = true;
    store
        .commit_batch(&[old], &CaseOptions::default())
        .await
        .unwrap();
    let events = pending_events(&store).await;
    assert_eq!(events[0].case.reference, "LEA-2020-000001");
    assert!(events[0].case.imported);
    assert_eq!(
        events[0].case.opened_at.to_rfc3339(),
        "2020-03-03T10:00:00+00:00"
    );
}
