//! Storage: one trait, two databases.
//!
//! Both implementations run the same case logic ([`crate::case::commit_batch`]) over a
//! handful of batch-level SQL primitives ([`crate::case::CaseTx`]); only the SQL differs. Queries are
//! runtime-checked (`query(..).bind(..)`), so no database is needed to build.

mod postgres;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::case::CaseOptions;
use crate::feedback::SenderDecision;
use crate::notices::{DecisionOutcome, NoticeOutcome};
use chrono::{DateTime, Utc};
use lea_classifier::Assessment;
use lea_ingest::{Message, Origin};
use std::future::Future;
use std::time::Duration;

/// A message ready to be stored: raw bytes, where they came from, what they say.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub origin: Origin,
    pub raw: Vec<u8>,
    /// INTERNALDATE or file time; falls back to the Date header, then to now.
    pub received_at: Option<DateTime<Utc>>,
    pub message: Message,
    pub assessment: Assessment,
    /// From an archive import rather than a live mailbox.
    pub imported: bool,
}

/// What one committed batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Messages stored for the first time.
    pub stored: usize,
    /// Messages already stored (same raw SHA-256): nothing changed but their location.
    pub duplicates: usize,
    pub cases_opened: usize,
    pub cases_updated: usize,
    /// Links made between cases sharing a target (each pair counted once per target).
    pub links: usize,
}

/// A stored decision row, checked.
pub(crate) fn decision_row(
    subject: String,
    decision: String,
    note: Option<String>,
    decided_by: Option<String>,
    decided_at: DateTime<Utc>,
) -> Result<crate::feedback::SenderDecision, StoreError> {
    let parsed = crate::feedback::Decision::parse(&decision).ok_or_else(|| {
        StoreError::Unexpected(format!(
            "unknown sender decision {decision:?} for {subject}"
        ))
    })?;
    Ok(crate::feedback::SenderDecision {
        subject,
        decision: parsed,
        note,
        decided_by,
        decided_at,
    })
}

/// The last committed UID of an IMAP folder, valid only with its UIDVALIDITY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// An outbox event claimed for publishing.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub event_id: uuid::Uuid,
    pub routing_key: String,
    pub payload: String,
}

/// Row counts, for `status`, tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub raw_messages: i64,
    pub messages: i64,
    pub locations: i64,
    pub cases: i64,
    pub outbox_pending: i64,
    pub outbox_sent: i64,
}

/// Who works a mailbox, and until when (see [`Store::acquire_lease`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxLease {
    pub holder: String,
    pub acquired_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The committed cursor of one folder of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderCursor {
    pub folder: String,
    pub cursor: StoredCursor,
}

/// Everything the database knows about one mailbox, for `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxState {
    /// The configured mailbox name (the `account` of its IMAP origins).
    pub mailbox: String,
    pub lease: Option<MailboxLease>,
    pub last_fetch_at: Option<DateTime<Utc>>,
    /// Messages found waiting in the folder at the last fetch, not counting the batch
    /// then in hand.
    pub backlog: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// One per folder ever read under this name (normally just the configured one).
    pub cursors: Vec<FolderCursor>,
}

/// When a lease taken at `now` for `ttl` runs out (saturating: a TTL is validated long
/// before it gets here).
pub(crate) fn lease_expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Assembles [`MailboxState`]s from the three tables' rows, ordered by name.
pub(crate) fn assemble_states(
    leases: Vec<(String, MailboxLease)>,
    statuses: Vec<MailboxState>,
    cursors: Vec<(String, FolderCursor)>,
) -> Vec<MailboxState> {
    let mut states: std::collections::BTreeMap<String, MailboxState> = Default::default();
    for status in statuses {
        states.insert(status.mailbox.clone(), status);
    }
    for (name, lease) in leases {
        let state = states.entry(name.clone()).or_default();
        state.mailbox = name;
        state.lease = Some(lease);
    }
    for (name, cursor) in cursors {
        let state = states.entry(name.clone()).or_default();
        state.mailbox = name;
        state.cursors.push(cursor);
    }
    states.into_values().collect()
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("encoding an event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("unsupported database URL {0:?} (use sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    /// The database answered something the statement cannot produce (a bug, not a
    /// transient failure).
    #[error("unexpected database result: {0}")]
    Unexpected(String),
}

impl StoreError {
    /// True for failures that a later attempt can get past: a lost connection, a pool
    /// timeout, a serialisation conflict, or a unique violation from a concurrent worker
    /// storing the same message (the retry then finds it stored).
    pub fn retryable(&self) -> bool {
        match self {
            StoreError::Database(e) => match e {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(db) => matches!(
                    db.code().as_deref(),
                    Some("23505" | "40001" | "40P01" | "57P01" | "5" | "6" | "2067" | "1555")
                ),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Where cases, messages and the outbox live.
pub trait Store: Clone + Send + Sync + 'static {
    /// Apply the embedded migrations (idempotent).
    fn migrate(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The last committed UID of an IMAP folder.
    fn cursor(
        &self,
        account: &str,
        mailbox: &str,
    ) -> impl Future<Output = Result<Option<StoredCursor>, StoreError>> + Send;

    /// Store a batch in one transaction: raw bytes, locations, messages, case changes,
    /// outbox events, and the IMAP cursor. A message already stored is a no-op.
    fn commit_batch(
        &self,
        batch: &[Incoming],
        options: &CaseOptions,
    ) -> impl Future<Output = Result<BatchOutcome, StoreError>> + Send;

    /// Claim up to `limit` unsent events, oldest first, for `lease`; events claimed by
    /// another relay whose lease has not run out are skipped.
    fn claim_outbox(
        &self,
        limit: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<OutboxRow>, StoreError>> + Send;

    /// The sink confirmed these events.
    fn mark_sent(&self, ids: &[i64]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The sink did not confirm these events: record why, and offer them again after
    /// `retry_after` (not at once, so a broker that refuses them is not hammered).
    fn release(
        &self,
        failures: &[(i64, String)],
        retry_after: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn stats(&self) -> impl Future<Output = Result<StoreStats, StoreError>> + Send;

    /// The raw bytes of a stored message.
    fn raw_message(
        &self,
        sha256: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Take or renew the lease on `mailbox` for `holder` until `now + ttl`: granted when
    /// there is none, when it ran out before `now`, or when `holder` has it already (a
    /// renewal keeps its `acquired_at`). One atomic statement, so two processes racing for
    /// a free mailbox cannot both get it. `now` comes from the caller's clock: processes
    /// sharing a database must have clocks that agree to well within `ttl`.
    fn acquire_lease(
        &self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Give the lease up, if `holder` still has it. True if it had.
    fn release_lease(
        &self,
        mailbox: &str,
        holder: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The lease on `mailbox`, live or expired, if any.
    fn lease(
        &self,
        mailbox: &str,
    ) -> impl Future<Output = Result<Option<MailboxLease>, StoreError>> + Send;

    /// A fetch from `mailbox` succeeded at `at`, leaving `backlog` messages waiting.
    fn record_mailbox_fetch(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        backlog: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Working `mailbox` failed at `at` with `error`.
    fn record_mailbox_error(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Lease, status and cursors of every mailbox the database knows, by name.
    fn mailbox_states(&self) -> impl Future<Output = Result<Vec<MailboxState>, StoreError>> + Send;

    /// Queue every due-soon and overdue notice due at `now`, in bounded transactions.
    fn queue_due_notices(
        &self,
        options: &CaseOptions,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<NoticeOutcome, StoreError>> + Send;
    /// Open cases due before `until`, the most urgent first.
    fn cases_due(
        &self,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<DueCase>, StoreError>> + Send;
    /// Record the security team's decision about a sender and re-publish the open cases
    /// it concerns, in one transaction.
    fn decide_sender(
        &self,
        decision: &SenderDecision,
        options: &CaseOptions,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DecisionOutcome, StoreError>> + Send;
    /// The current decisions, by subject.
    fn list_sender_decisions(
        &self,
    ) -> impl Future<Output = Result<Vec<SenderDecision>, StoreError>> + Send;
}

/// An open case and its dates, for `lea-intake cases due`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DueCase {
    pub reference: String,
    pub kind: String,
    pub verdict: String,
    pub subject: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub imported: bool,
}

/// Queue notices until none is left: each round is one bounded transaction.
pub(crate) async fn notices_until_done<F, Fut>(mut round: F) -> Result<NoticeOutcome, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<NoticeOutcome, StoreError>>,
{
    let mut total = NoticeOutcome::default();
    loop {
        let outcome = round().await?;
        total.due_soon += outcome.due_soon;
        total.overdue += outcome.overdue;
        let n = outcome.due_soon + outcome.overdue;
        if n < usize::try_from(crate::notices::NOTICES_PER_TRANSACTION).unwrap_or(usize::MAX) {
            return Ok(total);
        }
    }
}
