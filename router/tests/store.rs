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

/// Row counts the `Store` trait does not expose.
trait Tables {
    async fn count(&self, table: &str) -> i64;
}

impl Tables for SqliteStore {
    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(self.pool())
            .await
            .unwrap()
    }
}

impl Tables for PostgresStore {
    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(self.pool())
            .await
            .unwrap()
    }
}

fn summary(events: &[CaseEvent]) -> Vec<(String, String, i64)> {
    events
        .iter()
        .map(|e| {
            (
                e.event.clone(),
                e.case.reference.clone(),
                e.case.message_count,
            )
        })
        .collect()
}

fn opened(reference: &str, count: i64) -> (String, String, i64) {
    ("case.opened".into(), reference.into(), count)
}

fn updated(reference: &str, count: i64) -> (String, String, i64) {
    ("case.updated".into(), reference.into(), count)
}

both!(a_reply_joins_a_case_opened_earlier_in_the_same_batch);
async fn a_reply_joins_a_case_opened_earlier_in_the_same_batch<S: Store>(store: S) {
    let year = Utc::now().format("%Y").to_string();
    let r = |n: u32| format!("LEA-{year}-{n:06}");
    let batch = [
        incoming(&mail("a@fbi.gov", "", "Subpoena 1"), imap(1)),
        incoming(&mail("b@fbi.gov", "", "Subpoena 2"), imap(2)),
        incoming(
            &mail("c@fbi.gov", "In-Reply-To: <a@fbi.gov>\n", "Re: Subpoena 1"),
            imap(3),
        ),
        // References name the thread, latest last: this one continues c, hence a's case.
        incoming(
            &mail(
                "d@fbi.gov",
                "References: <zzz@elsewhere> <c@fbi.gov>\n",
                "Re: Re: Subpoena 1",
            ),
            imap(4),
        ),
        // A subject quoting a reference opened by this very batch.
        incoming(
            &mail("e@fbi.gov", "", &format!("Re: [{}] documents", r(2))),
            imap(5),
        ),
        incoming(&mail("f@fbi.gov", "", "Unrelated"), imap(6)),
    ];
    let out = store
        .commit_batch(&batch, &CaseOptions::default())
        .await
        .unwrap();
    assert_eq!((out.stored, out.cases_opened, out.cases_updated), (6, 3, 3));
    assert_eq!(
        summary(&pending_events(&store).await),
        vec![
            opened(&r(1), 1),
            opened(&r(2), 1),
            updated(&r(1), 2),
            updated(&r(1), 3),
            updated(&r(2), 2),
            opened(&r(3), 1),
        ]
    );
    assert_eq!(store.stats().await.unwrap().cases, 3);

    // The stored counts agree with the events: a later reply counts on from them.
    let later = incoming(
        &mail("g@fbi.gov", "In-Reply-To: <d@fbi.gov>\n", "Re: Subpoena 1"),
        imap(7),
    );
    store
        .commit_batch(&[later], &CaseOptions::default())
        .await
        .unwrap();
    let events = pending_events(&store).await;
    assert_eq!(summary(&events[6..]), vec![updated(&r(1), 4)]);
}

both!(the_same_message_twice_in_a_batch_is_stored_once);
async fn the_same_message_twice_in_a_batch_is_stored_once<S: Store + Tables>(store: S) {
    let m = mail("twice@fbi.gov", "", "Subpoena");
    let archived = Origin::Archive {
        archive: "old.mbox".into(),
        item: "1".into(),
    };
    let out = store
        .commit_batch(
            &[
                incoming(&m, imap(1)),
                incoming(&m, archived),
                incoming(&m, imap(1)),
            ],
            &CaseOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!((out.stored, out.duplicates, out.cases_opened), (1, 2, 1));
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (
            stats.raw_messages,
            stats.messages,
            stats.locations,
            stats.cases,
            stats.outbox_pending
        ),
        (1, 1, 2, 1, 1)
    );
    assert_eq!(store.count("case_targets").await, 0);
}

both!(a_batch_mixing_stored_and_new_messages);
async fn a_batch_mixing_stored_and_new_messages<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let year = Utc::now().format("%Y").to_string();
    let r = |n: u32| format!("LEA-{year}-{n:06}");
    let a = mail("a@fbi.gov", "", "Subpoena 1");
    let b = mail("b@fbi.gov", "", "Subpoena 2");
    store
        .commit_batch(&[incoming(&a, imap(1)), incoming(&b, imap(2))], &opts)
        .await
        .unwrap();
    let batch = [
        incoming(&a, imap(1)),
        incoming(
            &mail("c@fbi.gov", "In-Reply-To: <a@fbi.gov>\n", "Re: Subpoena 1"),
            imap(3),
        ),
        incoming(&b, imap(2)),
        incoming(&mail("d@fbi.gov", "", "Subpoena 3"), imap(4)),
        incoming(
            &mail("e@fbi.gov", "In-Reply-To: <a@fbi.gov>\n", "Re: Subpoena 1"),
            imap(5),
        ),
        // The same Message-ID as a stored message but other bytes: a redelivery with
        // other trace headers joins the case it opened.
        incoming(
            &mail("b@fbi.gov", "X-Trace: again\n", "Subpoena 2"),
            imap(6),
        ),
    ];
    let out = store.commit_batch(&batch, &opts).await.unwrap();
    assert_eq!(
        (
            out.stored,
            out.duplicates,
            out.cases_opened,
            out.cases_updated
        ),
        (4, 2, 1, 3)
    );
    assert_eq!(
        summary(&pending_events(&store).await),
        vec![
            opened(&r(1), 1),
            opened(&r(2), 1),
            updated(&r(1), 2),
            opened(&r(3), 1),
            updated(&r(1), 3),
            updated(&r(2), 2),
        ]
    );
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.messages, stats.cases, stats.locations), (6, 3, 6));
}

both!(targets_repeated_within_a_batch_are_linked_once);
async fn targets_repeated_within_a_batch_are_linked_once<S: Store + Tables>(store: S) {
    let target = |kind: &str, value: &str| lea_classifier::Target {
        kind: kind.into(),
        value: value.into(),
        source: "body".into(),
    };
    let mut first = incoming(&mail("a@fbi.gov", "", "Subpoena"), imap(1));
    first.assessment.targets = vec![
        target("email", "x@example.com"),
        target("email", "x@example.com"),
        target("phone", "+15550100"),
    ];
    let mut reply = incoming(
        &mail("b@fbi.gov", "In-Reply-To: <a@fbi.gov>\n", "Re: Subpoena"),
        imap(2),
    );
    reply.assessment.targets = vec![
        target("email", "x@example.com"),
        target("iban", "DE89370400440532013000"),
    ];
    let mut other = incoming(&mail("c@fbi.gov", "", "Other"), imap(3));
    other.assessment.targets = vec![target("email", "x@example.com")];
    let out = store
        .commit_batch(&[first, reply, other], &CaseOptions::default())
        .await
        .unwrap();
    assert_eq!((out.stored, out.cases_opened), (3, 2));
    // Case 1: the e-mail address, the phone, the IBAN; case 2: the e-mail address.
    assert_eq!(store.count("case_targets").await, 4);
    let events = pending_events(&store).await;
    assert_eq!(
        events[0].targets.len(),
        3,
        "events keep the targets as found"
    );
}

both!(references_stay_consecutive_across_batches);
async fn references_stay_consecutive_across_batches<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let year = Utc::now().format("%Y").to_string();
    let first: Vec<_> = (1..=3)
        .map(|i| incoming(&mail(&format!("{i}@x"), "", "s"), imap(i)))
        .collect();
    store.commit_batch(&first, &opts).await.unwrap();
    let second = [
        incoming(&mail("4@x", "", "s"), imap(4)),
        incoming(&mail("5@x", "In-Reply-To: <2@x>\n", "s"), imap(5)),
        incoming(&mail("6@x", "", "s"), imap(6)),
    ];
    store.commit_batch(&second, &opts).await.unwrap();
    // An imported message of another year numbers from 1 in its year, without a gap in
    // this one.
    let raw = "From: Agent <agent@fbi.gov>\nMessage-ID: <old@x>\nDate: Tue, 3 Mar 2020 10:00:00 +0000\nSubject: Old\n\nbody\n";
    let mut old = incoming(
        raw,
        Origin::Archive {
            archive: "a".into(),
            item: "1".into(),
        },
    );
    old.imported = true;
    store
        .commit_batch(&[old, incoming(&mail("7@x", "", "s"), imap(7))], &opts)
        .await
        .unwrap();
    let refs: Vec<String> = pending_events(&store)
        .await
        .into_iter()
        .map(|e| e.case.reference)
        .collect();
    let r = |n: u32| format!("LEA-{year}-{n:06}");
    assert_eq!(
        refs,
        vec![
            r(1),
            r(2),
            r(3),
            r(4),
            r(2),
            r(5),
            "LEA-2020-000001".to_string(),
            r(6)
        ]
    );
}

both!(a_mailbox_lease_has_one_holder_until_it_expires_or_is_released);
async fn a_mailbox_lease_has_one_holder_until_it_expires_or_is_released<S: Store>(store: S) {
    let ttl = Duration::from_secs(60);
    let t0 = Utc::now();
    let later = |secs: i64| t0 + chrono::Duration::seconds(secs);
    assert!(store.acquire_lease("lea", "a", ttl, t0).await.unwrap());
    // A second holder cannot take a live lease, and it stays the first one's.
    assert!(
        !store
            .acquire_lease("lea", "b", ttl, later(30))
            .await
            .unwrap()
    );
    let lease = store.lease("lea").await.unwrap().unwrap();
    assert_eq!(lease.holder, "a");
    // Renewing keeps it, with the first acquisition time and a later expiry.
    assert!(
        store
            .acquire_lease("lea", "a", ttl, later(40))
            .await
            .unwrap()
    );
    let renewed = store.lease("lea").await.unwrap().unwrap();
    assert_eq!(renewed.holder, "a");
    assert_eq!(
        renewed.acquired_at.timestamp_micros(),
        lease.acquired_at.timestamp_micros()
    );
    assert_eq!(
        renewed.expires_at.timestamp_micros(),
        later(100).timestamp_micros()
    );
    // Just before the renewed expiry b still cannot have it; after it, b can.
    assert!(
        !store
            .acquire_lease("lea", "b", ttl, later(99))
            .await
            .unwrap()
    );
    assert!(
        store
            .acquire_lease("lea", "b", ttl, later(101))
            .await
            .unwrap()
    );
    let taken = store.lease("lea").await.unwrap().unwrap();
    assert_eq!(taken.holder, "b");
    assert_eq!(
        taken.acquired_at.timestamp_micros(),
        later(101).timestamp_micros()
    );
    // The old holder has lost it: its renewal fails and its release frees nothing.
    assert!(
        !store
            .acquire_lease("lea", "a", ttl, later(102))
            .await
            .unwrap()
    );
    assert!(!store.release_lease("lea", "a").await.unwrap());
    assert_eq!(store.lease("lea").await.unwrap().unwrap().holder, "b");
    // A release frees it at once, long before it would run out.
    assert!(store.release_lease("lea", "b").await.unwrap());
    assert!(store.lease("lea").await.unwrap().is_none());
    assert!(
        store
            .acquire_lease("lea", "a", ttl, later(103))
            .await
            .unwrap()
    );
    // Leases are per mailbox.
    assert!(
        store
            .acquire_lease("other", "b", ttl, later(103))
            .await
            .unwrap()
    );
    // Two holders racing for a free mailbox: exactly one gets it.
    let (x, y) = tokio::join!(
        store.acquire_lease("race", "x", ttl, t0),
        store.acquire_lease("race", "y", ttl, t0)
    );
    assert!(x.unwrap() ^ y.unwrap());
}

both!(mailbox_states_join_lease_status_and_cursor);
async fn mailbox_states_join_lease_status_and_cursor<S: Store>(store: S) {
    let opts = CaseOptions::default();
    store
        .commit_batch(
            &[incoming(&mail("s1@fbi.gov", "", "Status"), imap(42))],
            &opts,
        )
        .await
        .unwrap();
    let t0 = Utc::now();
    store
        .acquire_lease("lea", "host:1:x", Duration::from_secs(60), t0)
        .await
        .unwrap();
    store.record_mailbox_fetch("lea", t0, 7).await.unwrap();
    store
        .record_mailbox_error("lea", t0, "connection refused")
        .await
        .unwrap();
    let t1 = t0 + chrono::Duration::seconds(5);
    store.record_mailbox_fetch("lea", t1, 0).await.unwrap();
    store
        .record_mailbox_error("quiet", t1, "login refused")
        .await
        .unwrap();

    let states = store.mailbox_states().await.unwrap();
    let names: Vec<&str> = states.iter().map(|s| s.mailbox.as_str()).collect();
    assert_eq!(names, ["lea", "quiet"]);
    let lea = &states[0];
    assert_eq!(lea.lease.as_ref().unwrap().holder, "host:1:x");
    assert_eq!(
        lea.last_fetch_at.unwrap().timestamp_micros(),
        t1.timestamp_micros()
    );
    assert_eq!(lea.backlog, Some(0));
    // A later success does not erase the last error: its time says how old it is.
    assert_eq!(lea.last_error.as_deref(), Some("connection refused"));
    assert_eq!(
        lea.last_error_at.unwrap().timestamp_micros(),
        t0.timestamp_micros()
    );
    assert_eq!(lea.cursors.len(), 1);
    assert_eq!(lea.cursors[0].folder, "INBOX");
    assert_eq!(
        lea.cursors[0].cursor,
        StoredCursor {
            uid_validity: 7,
            last_uid: 42
        }
    );
    let quiet = &states[1];
    assert!(quiet.lease.is_none() && quiet.cursors.is_empty());
    assert_eq!(quiet.last_fetch_at, None);
    assert_eq!(quiet.last_error.as_deref(), Some("login refused"));
}

/// A request from `from` naming `body` (targets, deadline), received at `at`.
fn request(from: &str, id: &str, subject: &str, body: &str, at: chrono::DateTime<Utc>) -> Incoming {
    let raw = format!(
        "From: {from}\nTo: lea@exchange.example\nMessage-ID: <{id}>\nSubject: {subject}\n\n{body}\n"
    );
    let mut i = incoming(&raw, imap(0));
    i.origin = Origin::Archive {
        archive: "test".into(),
        item: id.into(),
    };
    i.received_at = Some(at);
    i
}

fn events_named<'e>(events: &'e [CaseEvent], name: &str) -> Vec<&'e CaseEvent> {
    events.iter().filter(|e| e.event == name).collect()
}

fn signal_codes(event: &CaseEvent) -> Vec<&str> {
    event.case.signals.iter().map(|s| s.code.as_str()).collect()
}

const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

both!(two_agencies_naming_one_wallet_are_linked_both_ways);
async fn two_agencies_naming_one_wallet_are_linked_both_ways<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let fbi = request(
        "Agent <agent@fbi.gov>",
        "a@fbi.gov",
        "Subpoena",
        &format!("Please produce all records for the wallet {WALLET}."),
        now,
    );
    store.commit_batch(&[fbi], &opts).await.unwrap();
    // The same address written in lower case, from another agency and country.
    let bka = request(
        "Ermittler <ermittler@bka.bund.de>",
        "b@bka.bund.de",
        "Auskunftsersuchen",
        &format!(
            "Wir bitten um Auskunft zur Adresse {}.",
            WALLET.to_ascii_lowercase()
        ),
        now,
    );
    let outcome = store.commit_batch(&[bka], &opts).await.unwrap();
    assert_eq!(outcome.links, 1);

    let events = pending_events(&store).await;
    let opened = events_named(&events, "case.opened");
    assert_eq!(opened.len(), 2);
    let (first, second) = (opened[0], opened[1]);
    assert!(first.targets.iter().any(|t| t.value == WALLET));
    assert!(
        second.targets.iter().any(|t| t.value == WALLET),
        "{:?}",
        second.targets
    );
    assert!(first.related_cases.is_empty());
    assert_eq!(second.related_cases.len(), 1);
    let related = &second.related_cases[0];
    assert_eq!(related.reference, first.case.reference);
    assert_eq!(related.shared_targets.len(), 1);
    assert_eq!(related.shared_targets[0].value, WALLET);
    // The earlier case hears of the link, routed where it was.
    let linked = events_named(&events, "case.linked");
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].case.reference, first.case.reference);
    assert_eq!(linked[0].routing_key, first.routing_key);
    assert_eq!(linked[0].related_cases[0].reference, second.case.reference);

    // A third case naming it again links to both; the earlier two are told.
    let third = request(
        "Agent <other@fbi.gov>",
        "c@fbi.gov",
        "Preservation",
        &format!("Preserve records of {WALLET}."),
        now,
    );
    store.commit_batch(&[third], &opts).await.unwrap();
    let events = pending_events(&store).await;
    let opened = events_named(&events, "case.opened");
    assert_eq!(opened[2].related_cases.len(), 2);
    assert_eq!(events_named(&events, "case.linked").len(), 3);
}

both!(an_imported_case_is_listed_but_not_told_of_a_new_link);
async fn an_imported_case_is_listed_but_not_told_of_a_new_link<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let mut old = request(
        "Agent <agent@fbi.gov>",
        "old@fbi.gov",
        "Subpoena",
        &format!("Please produce all records for the wallet {WALLET}."),
        now - chrono::Duration::days(400),
    );
    old.imported = true;
    store.commit_batch(&[old], &opts).await.unwrap();
    let live = request(
        "Agent <agent@fbi.gov>",
        "live@fbi.gov",
        "Freeze",
        &format!("Freeze the wallet {WALLET}."),
        now,
    );
    let outcome = store.commit_batch(&[live], &opts).await.unwrap();
    assert_eq!(outcome.links, 1);

    let events = pending_events(&store).await;
    let opened = events_named(&events, "case.opened");
    assert_eq!(opened.len(), 2);
    assert!(opened[0].case.imported);
    // The new case names the archived one ...
    assert_eq!(opened[1].related_cases.len(), 1);
    assert_eq!(
        opened[1].related_cases[0].reference,
        opened[0].case.reference
    );
    // ... but the archived case, a record rather than work, is not re-published.
    assert!(events_named(&events, "case.linked").is_empty());
}

both!(a_target_shared_with_an_impersonation_is_flagged);
async fn a_target_shared_with_an_impersonation_is_flagged<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let fake = request(
        "FBI <agent@fbi-gov.com>",
        "fake@fbi-gov.com",
        "Emergency freeze",
        &format!("Freeze the wallet {WALLET} immediately."),
        now,
    );
    store.commit_batch(&[fake], &opts).await.unwrap();
    let genuine = request(
        "Agent <agent@fbi.gov>",
        "real@fbi.gov",
        "Subpoena",
        &format!("Produce the records of {WALLET}."),
        now,
    );
    store.commit_batch(&[genuine], &opts).await.unwrap();
    let events = pending_events(&store).await;
    let opened = events_named(&events, "case.opened");
    assert_eq!(
        opened[0].sender.verdict,
        lea_classifier::Verdict::Impersonation
    );
    let signal = opened[1]
        .case
        .signals
        .iter()
        .find(|s| s.code == "related_to_impersonation")
        .expect("the later case says it shares a target with an impersonation");
    assert_eq!(signal.severity, lea_classifier::Severity::Medium);
    assert!(signal.detail.contains(&opened[0].case.reference));

    // Once the security team confirms the fake, a new case naming the wallet says so.
    let decision = lea_router::feedback::SenderDecision {
        subject: "fbi-gov.com".into(),
        decision: lea_router::feedback::Decision::Impersonation,
        note: Some("call-back to the FBI: not theirs".into()),
        decided_by: Some("security".into()),
        decided_at: now,
    };
    let outcome = store.decide_sender(&decision, &opts, now).await.unwrap();
    assert_eq!(outcome.republished, vec![opened[0].case.reference.clone()]);
    let later = request(
        "Ermittler <ermittler@bka.bund.de>",
        "later@bka.bund.de",
        "Auskunft",
        &format!("Auskunft zu {WALLET}."),
        now,
    );
    store.commit_batch(&[later], &opts).await.unwrap();
    let events = pending_events(&store).await;
    let last = events_named(&events, "case.opened").pop().unwrap().clone();
    let signal = last
        .case
        .signals
        .iter()
        .find(|s| s.code == "related_to_impersonation")
        .unwrap();
    assert_eq!(signal.severity, lea_classifier::Severity::High);
    let confirmed = last
        .related_cases
        .iter()
        .find(|r| r.reference == opened[0].case.reference)
        .unwrap();
    assert!(confirmed.impersonation_confirmed);
}

both!(due_dates_follow_the_request_and_notices_go_out_once);
async fn due_dates_follow_the_request_and_notices_go_out_once<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let day = chrono::Duration::days(1);
    let subpoena = request(
        "Agent <agent@fbi.gov>",
        "s@fbi.gov",
        "Grand jury subpoena",
        "You are commanded to produce the records.",
        now,
    );
    let emergency = request(
        "Agent <agent@fbi.gov>",
        "e@fbi.gov",
        "Emergency disclosure request",
        "This is an emergency disclosure request: a life is at risk.",
        now,
    );
    let preservation = request(
        "Agent <agent@fbi.gov>",
        "p@fbi.gov",
        "Preservation request",
        "Please preserve all records pursuant to 18 U.S.C. 2703(f).",
        now,
    );
    let mut imported = request(
        "Agent <agent@fbi.gov>",
        "old@fbi.gov",
        "Subpoena",
        "You are commanded to produce the records.",
        now - day * 400,
    );
    imported.imported = true;
    store
        .commit_batch(&[subpoena, emergency, preservation, imported], &opts)
        .await
        .unwrap();
    let events = pending_events(&store).await;
    let by_id = |id: &str| {
        events
            .iter()
            .find(|e| e.message.message_id.as_deref() == Some(id))
            .unwrap()
            .clone()
    };
    let (s, e, p) = (by_id("s@fbi.gov"), by_id("e@fbi.gov"), by_id("p@fbi.gov"));
    assert_eq!(s.request.kind, lea_classifier::RequestKind::Subpoena);
    assert_eq!(s.case.due_at, Some(now + day * 30));
    assert_eq!(
        e.request.kind,
        lea_classifier::RequestKind::EmergencyDisclosure
    );
    assert_eq!(e.case.due_at, Some(now + chrono::Duration::hours(24)));
    assert_eq!(
        p.request.kind,
        lea_classifier::RequestKind::PreservationRequest
    );
    assert_eq!(p.case.expires_at, Some(now + day * 90));
    assert!(s.case.expires_at.is_none());

    // The listing: all four are open; only the live ones are notified.
    let due = store.cases_due(now + day * 31).await.unwrap();
    assert_eq!(due.len(), 4);
    assert_eq!(due[0].reference, by_id("old@fbi.gov").case.reference);
    let in_two_days = store.cases_due(now + day * 2).await.unwrap();
    assert_eq!(in_two_days.len(), 2, "the imported case and the emergency");

    let n = store.queue_due_notices(&opts, now).await.unwrap();
    assert_eq!((n.due_soon, n.overdue), (0, 0));
    // 20 hours on, the emergency (24 h, warned in its last quarter) is due soon.
    let n = store
        .queue_due_notices(&opts, now + chrono::Duration::hours(20))
        .await
        .unwrap();
    assert_eq!((n.due_soon, n.overdue), (1, 0));
    let n = store
        .queue_due_notices(&opts, now + chrono::Duration::hours(21))
        .await
        .unwrap();
    assert_eq!((n.due_soon, n.overdue), (0, 0), "each notice goes out once");
    // 31 days on: the emergency and the subpoena are overdue, the preservation (30 days
    // to answer too) as well; none is told "due soon" after being overdue.
    let n = store
        .queue_due_notices(&opts, now + day * 31)
        .await
        .unwrap();
    assert_eq!((n.due_soon, n.overdue), (0, 3));
    let events = pending_events(&store).await;
    let overdue = events_named(&events, "case.overdue");
    assert_eq!(overdue.len(), 3);
    assert!(overdue.iter().all(|e| !e.case.imported));
    let soon = events_named(&events, "case.due_soon");
    assert_eq!(soon.len(), 1);
    assert_eq!(soon[0].case.reference, e.case.reference);
    assert_eq!(soon[0].routing_key, e.routing_key);
}

both!(a_follow_up_with_a_deadline_moves_the_due_date);
async fn a_follow_up_with_a_deadline_moves_the_due_date<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let first = request(
        "Agent <agent@fbi.gov>",
        "d1@fbi.gov",
        "Subpoena",
        "You are commanded to produce the records.",
        now,
    );
    store.commit_batch(&[first], &opts).await.unwrap();
    let deadline = (now + chrono::Duration::days(10)).date_naive();
    let raw = format!(
        "From: Agent <agent@fbi.gov>\nTo: lea@exchange.example\nMessage-ID: <d2@fbi.gov>\nIn-Reply-To: <d1@fbi.gov>\nSubject: Re: Subpoena\n\nPlease respond no later than {}.\n",
        deadline.format("%B %-d, %Y")
    );
    let mut reply = incoming(&raw, imap(0));
    reply.received_at = Some(now);
    assert_eq!(reply.assessment.request.deadline, Some(deadline));
    store.commit_batch(&[reply], &opts).await.unwrap();
    let events = pending_events(&store).await;
    let updated = events_named(&events, "case.updated");
    assert_eq!(updated.len(), 1);
    let due = updated[0].case.due_at.unwrap();
    assert_eq!(due.date_naive(), deadline);
    let listed = store
        .cases_due(now + chrono::Duration::days(11))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].due_at, due);
}

both!(security_decisions_apply_to_later_mail_and_republish_open_cases);
async fn security_decisions_apply_to_later_mail_and_republish_open_cases<S: Store>(store: S) {
    use lea_classifier::Verdict;
    use lea_router::feedback::{Decision, SenderDecision};
    let opts = CaseOptions::default();
    let now = Utc::now();
    let first = request(
        "Detective <det@police.example.gov>",
        "f1@police.example.gov",
        "Subpoena",
        "You are commanded to produce the records.",
        now,
    );
    store.commit_batch(&[first], &opts).await.unwrap();
    let events = pending_events(&store).await;
    assert_eq!(events[0].sender.verdict, Verdict::Verified);
    let reference = events[0].case.reference.clone();

    // A compromised real mailbox: the directory says verified, people say otherwise.
    let decide = |decision| SenderDecision {
        subject: "det@police.example.gov".into(),
        decision,
        note: Some("mailbox compromised".into()),
        decided_by: None,
        decided_at: now,
    };
    let outcome = store
        .decide_sender(&decide(Decision::Impersonation), &opts, now)
        .await
        .unwrap();
    assert_eq!(outcome.republished, vec![reference.clone()]);
    let events = pending_events(&store).await;
    let re = events_named(&events, "case.reassessed");
    assert_eq!(re.len(), 1);
    assert_eq!(re[0].case.reference, reference);
    assert!(re[0].case.impersonation_confirmed);
    assert_eq!(re[0].sender.verdict, Verdict::Impersonation);
    assert!(re[0].routing_key.starts_with("case.impersonation."));
    assert!(
        re[0]
            .sender
            .signals
            .iter()
            .any(|s| s.code == "confirmed_impersonation" && s.detail.contains("compromised"))
    );

    // Later mail from it is impersonation at once; due notices stop for its case.
    let second = request(
        "Detective <det@police.example.gov>",
        "f2@police.example.gov",
        "Freeze request",
        "Freeze the account now.",
        now,
    );
    store.commit_batch(&[second], &opts).await.unwrap();
    let events = pending_events(&store).await;
    let opened = events_named(&events, "case.opened");
    let last = opened.last().unwrap();
    assert_eq!(last.sender.verdict, Verdict::Impersonation);
    assert!(last.case.impersonation_confirmed);
    let n = store
        .queue_due_notices(&opts, now + chrono::Duration::days(40))
        .await
        .unwrap();
    assert_eq!(n.overdue, 0);

    // Cleared after review: both open cases go back, and later mail is verified again.
    let outcome = store
        .decide_sender(&decide(Decision::Cleared), &opts, now)
        .await
        .unwrap();
    assert_eq!(outcome.republished.len(), 2);
    let events = pending_events(&store).await;
    let re = events_named(&events, "case.reassessed");
    assert!(re.iter().any(|e| e.sender.verdict == Verdict::Verified
        && !e.case.impersonation_confirmed
        && e.routing_key.starts_with("case.verified.")));
    let listed = store.list_sender_decisions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].decision, Decision::Cleared);
}

both!(first_contact_and_a_foreign_reply_in_a_thread_are_signalled);
async fn first_contact_and_a_foreign_reply_in_a_thread_are_signalled<S: Store>(store: S) {
    let opts = CaseOptions::default();
    let now = Utc::now();
    let first = request(
        "Agent <agent@fbi.gov>",
        "t1@fbi.gov",
        "Subpoena",
        "You are commanded to produce the records.",
        now,
    );
    let again = request(
        "Agent <agent@fbi.gov>",
        "t2@fbi.gov",
        "Another subpoena",
        "You are commanded to produce more records.",
        now,
    );
    store.commit_batch(&[first, again], &opts).await.unwrap();
    // A lookalike domain joining the genuine thread.
    let raw = "From: Agent <agent@fbi-gov.com>\nTo: lea@exchange.example\nMessage-ID: <t3@fbi-gov.com>\nIn-Reply-To: <t1@fbi.gov>\nSubject: Re: Subpoena\n\nSend the records to this address instead.\n";
    let reply = incoming(raw, imap(0));
    store.commit_batch(&[reply], &opts).await.unwrap();
    let events = pending_events(&store).await;
    assert_eq!(signal_codes(&events[0]), vec!["first_contact"]);
    assert!(signal_codes(&events[1]).is_empty(), "known after the first");
    let reply = &events[2];
    assert_eq!(reply.event, "case.updated");
    assert_eq!(reply.case.reference, events[0].case.reference);
    assert_eq!(reply.sender.verdict, lea_classifier::Verdict::Impersonation);
    assert!(reply.routing_key.starts_with("case.impersonation."));
    let flag = reply
        .case
        .signals
        .iter()
        .find(|s| s.code == "thread_sender_changed")
        .expect("a foreign reply is flagged");
    assert_eq!(flag.severity, lea_classifier::Severity::High);
}
