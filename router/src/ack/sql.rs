//! The acknowledgement queue in both databases: the two primitives the case transaction
//! needs (see [`crate::case::CaseTx`]), and [`AckStore`] for the sender.

use super::NewAck;
use crate::store::{PostgresStore, SqliteStore, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder, Row, Sqlite, Transaction};
use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

/// A queued acknowledgement claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAck {
    pub id: i64,
    pub case_id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// Acknowledgements by status, for `status` and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// The sender's side of the acknowledgement queue.
pub trait AckStore: Store {
    /// Claim up to `limit` due acknowledgements for `lease`, oldest first; rows claimed
    /// by another sender whose lease has not run out are skipped.
    fn claim_acks(
        &self,
        limit: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<PendingAck>, StoreError>> + Send;

    /// The SMTP server accepted it.
    fn ack_sent(&self, id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sending failed for a reason that may pass: try again after `retry_after`.
    fn ack_retry(
        &self,
        id: i64,
        error: &str,
        retry_after: Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The SMTP server refused it for good (5xx): never tried again.
    fn ack_failed(
        &self,
        id: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn ack_counts(&self) -> impl Future<Output = Result<AckCounts, StoreError>> + Send;
}

/// The columns of a claimed row, in both databases.
const CLAIMED: &str = "id, case_id, recipient, subject, body, message_id, in_reply_to, \
                       thread_references, attempts";

fn pending_ack<R: Row>(row: &R) -> Result<PendingAck, StoreError>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    // Pending rows always have these; an empty one would be refused by lettre and the
    // row marked failed, never sent blank.
    let text = |column: &str| -> Result<String, StoreError> {
        Ok(row
            .try_get::<Option<String>, _>(column)?
            .unwrap_or_default())
    };
    Ok(PendingAck {
        id: row.try_get("id")?,
        case_id: row.try_get("case_id")?,
        recipient: text("recipient")?,
        subject: text("subject")?,
        body: text("body")?,
        message_id: text("message_id")?,
        in_reply_to: row.try_get("in_reply_to")?,
        references: row.try_get("thread_references")?,
        attempts: i64::from(row.try_get::<i32, _>("attempts")?),
    })
}

fn counts(rows: Vec<(String, i64)>) -> AckCounts {
    let mut counts = AckCounts::default();
    for (status, n) in rows {
        match status.as_str() {
            "pending" => counts.pending = n,
            "sent" => counts.sent = n,
            "failed" => counts.failed = n,
            "skipped" => counts.skipped = n,
            _ => {}
        }
    }
    counts
}

const COUNT_BY_STATUS: &str = "SELECT status, count(*) AS n FROM acknowledgements GROUP BY status";

/// SQLite: timestamps as fixed-width RFC 3339 text, like the rest of its schema.
pub mod sqlite {
    use super::*;

    fn ts(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    fn after(wait: Duration) -> String {
        ts(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
    }

    /// Rows per INSERT: 10 columns each, far below SQLite's limit on bound parameters.
    const ROWS_PER_STATEMENT: usize = 100;

    pub async fn recent(
        tx: &mut Transaction<'_, Sqlite>,
        recipients: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        // The write transaction already excludes other writers, so nothing can queue an
        // acknowledgement for these senders before this one commits.
        let rows = sqlx::query(
            "SELECT DISTINCT recipient FROM acknowledgements
             WHERE recipient IN (SELECT value FROM json_each($1))
               AND status IN ('pending', 'sent') AND created_at > $2",
        )
        .bind(serde_json::to_string(recipients)?)
        .bind(ts(since))
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| r.try_get("recipient").map_err(StoreError::from))
            .collect()
    }

    pub async fn insert(
        tx: &mut Transaction<'_, Sqlite>,
        acks: &[NewAck<'_>],
    ) -> Result<(), StoreError> {
        for chunk in acks.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO acknowledgements (case_id, message_sha256, recipient, status,
                   reason, message_id, subject, body, in_reply_to, thread_references,
                   created_at, next_attempt_at) ",
            );
            query.push_values(chunk, |mut row, a| {
                let r = a.rendered.as_ref();
                let created = ts(a.created_at);
                row.push_bind(a.case_id)
                    .push_bind(a.message_sha256)
                    .push_bind(a.recipient.as_deref())
                    .push_bind(a.status)
                    .push_bind(a.reason.as_deref())
                    .push_bind(r.map(|r| r.message_id.as_str()))
                    .push_bind(r.map(|r| r.subject.as_str()))
                    .push_bind(r.map(|r| r.body.as_str()))
                    .push_bind(r.and_then(|r| r.in_reply_to.as_deref()))
                    .push_bind(r.and_then(|r| r.references.as_deref()))
                    .push_bind(created.clone())
                    .push_bind(r.map(|_| created));
            });
            query.build().execute(&mut **tx).await?;
        }
        Ok(())
    }

    impl AckStore for SqliteStore {
        async fn claim_acks(
            &self,
            limit: usize,
            lease: Duration,
        ) -> Result<Vec<PendingAck>, StoreError> {
            let now = ts(Utc::now());
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE acknowledgements SET claimed_until = $1, attempts = attempts + 1
                 WHERE id IN (
                   SELECT id FROM acknowledgements
                   WHERE status = 'pending' AND next_attempt_at <= $2
                     AND (claimed_until IS NULL OR claimed_until < $2)
                   ORDER BY id LIMIT $3)
                 RETURNING {CLAIMED}"
            )))
            .bind(after(lease))
            .bind(&now)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?;
            let mut out = rows
                .iter()
                .map(pending_ack)
                .collect::<Result<Vec<_>, _>>()?;
            out.sort_by_key(|a| a.id);
            Ok(out)
        }

        async fn ack_sent(&self, id: i64) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements SET status = 'sent', sent_at = $1, claimed_until = NULL,
                   next_attempt_at = NULL, last_error = NULL
                 WHERE id = $2",
            )
            .bind(ts(Utc::now()))
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_retry(
            &self,
            id: i64,
            error: &str,
            retry_after: Duration,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements SET next_attempt_at = $1, claimed_until = NULL,
                   last_error = $2
                 WHERE id = $3 AND status = 'pending'",
            )
            .bind(after(retry_after))
            .bind(error)
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements SET status = 'failed', claimed_until = NULL,
                   next_attempt_at = NULL, last_error = $1
                 WHERE id = $2 AND status = 'pending'",
            )
            .bind(error)
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_counts(&self) -> Result<AckCounts, StoreError> {
            let rows: Vec<(String, i64)> = sqlx::query_as(COUNT_BY_STATUS)
                .fetch_all(self.pool())
                .await?;
            Ok(counts(rows))
        }
    }
}

/// PostgreSQL: several processes share the queue.
pub mod postgres {
    use super::*;

    /// PostgreSQL text cannot hold NUL; hostile subjects can.
    fn text(value: &str) -> String {
        value.replace('\0', "")
    }

    fn opt(value: Option<&str>) -> Option<String> {
        value.map(text)
    }

    pub async fn recent(
        tx: &mut Transaction<'_, Postgres>,
        recipients: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        let recipients: Vec<String> = recipients.iter().map(|r| text(r)).collect();
        // Lock each sender until the commit, so two workers opening cases for the same
        // sender at once cannot both find no recent acknowledgement. Sorted, so two
        // transactions take the locks in the same order.
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtextextended('lea-intake.ack:' || r, 0))
             FROM (SELECT r FROM unnest($1::text[]) AS r ORDER BY r) AS sorted",
        )
        .bind(&recipients)
        .execute(&mut **tx)
        .await?;
        let rows = sqlx::query(
            "SELECT DISTINCT recipient FROM acknowledgements
             WHERE recipient = ANY($1) AND status IN ('pending', 'sent') AND created_at > $2",
        )
        .bind(&recipients)
        .bind(since)
        .fetch_all(&mut **tx)
        .await?;
        rows.iter()
            .map(|r| r.try_get("recipient").map_err(StoreError::from))
            .collect()
    }

    pub async fn insert(
        tx: &mut Transaction<'_, Postgres>,
        acks: &[NewAck<'_>],
    ) -> Result<(), StoreError> {
        let n = acks.len();
        let mut case_ids = Vec::with_capacity(n);
        let mut sha256s = Vec::with_capacity(n);
        let mut recipients = Vec::with_capacity(n);
        let mut statuses = Vec::with_capacity(n);
        let mut reasons = Vec::with_capacity(n);
        let mut message_ids = Vec::with_capacity(n);
        let mut subjects = Vec::with_capacity(n);
        let mut bodies = Vec::with_capacity(n);
        let mut in_reply_tos = Vec::with_capacity(n);
        let mut references = Vec::with_capacity(n);
        let mut created = Vec::with_capacity(n);
        let mut due = Vec::with_capacity(n);
        for a in acks {
            let r = a.rendered.as_ref();
            case_ids.push(a.case_id);
            sha256s.push(a.message_sha256);
            recipients.push(opt(a.recipient.as_deref()));
            statuses.push(a.status);
            reasons.push(opt(a.reason.as_deref()));
            message_ids.push(opt(r.map(|r| r.message_id.as_str())));
            subjects.push(opt(r.map(|r| r.subject.as_str())));
            bodies.push(opt(r.map(|r| r.body.as_str())));
            in_reply_tos.push(opt(r.and_then(|r| r.in_reply_to.as_deref())));
            references.push(opt(r.and_then(|r| r.references.as_deref())));
            created.push(a.created_at);
            due.push(r.map(|_| a.created_at));
        }
        sqlx::query(
            "INSERT INTO acknowledgements (case_id, message_sha256, recipient, status, reason,
               message_id, subject, body, in_reply_to, thread_references, created_at,
               next_attempt_at)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
               $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
               $11::timestamptz[], $12::timestamptz[])",
        )
        .bind(&case_ids)
        .bind(&sha256s)
        .bind(&recipients)
        .bind(&statuses)
        .bind(&reasons)
        .bind(&message_ids)
        .bind(&subjects)
        .bind(&bodies)
        .bind(&in_reply_tos)
        .bind(&references)
        .bind(&created)
        .bind(&due)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    impl AckStore for PostgresStore {
        async fn claim_acks(
            &self,
            limit: usize,
            lease: Duration,
        ) -> Result<Vec<PendingAck>, StoreError> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE acknowledgements
                 SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
                 WHERE id IN (
                   SELECT id FROM acknowledgements
                   WHERE status = 'pending' AND next_attempt_at <= now()
                     AND (claimed_until IS NULL OR claimed_until < now())
                   ORDER BY id LIMIT $1
                   FOR UPDATE SKIP LOCKED)
                 RETURNING {CLAIMED}"
            )))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(lease.as_secs_f64())
            .fetch_all(self.pool())
            .await?;
            let mut out = rows
                .iter()
                .map(pending_ack)
                .collect::<Result<Vec<_>, _>>()?;
            out.sort_by_key(|a| a.id);
            Ok(out)
        }

        async fn ack_sent(&self, id: i64) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements SET status = 'sent', sent_at = now(),
                   claimed_until = NULL, next_attempt_at = NULL, last_error = NULL
                 WHERE id = $1",
            )
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_retry(
            &self,
            id: i64,
            error: &str,
            retry_after: Duration,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements
                 SET next_attempt_at = now() + make_interval(secs => $1), claimed_until = NULL,
                   last_error = $2
                 WHERE id = $3 AND status = 'pending'",
            )
            .bind(retry_after.as_secs_f64())
            .bind(text(error))
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE acknowledgements SET status = 'failed', claimed_until = NULL,
                   next_attempt_at = NULL, last_error = $1
                 WHERE id = $2 AND status = 'pending'",
            )
            .bind(text(error))
            .bind(id)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        async fn ack_counts(&self) -> Result<AckCounts, StoreError> {
            let rows: Vec<(String, i64)> = sqlx::query_as(COUNT_BY_STATUS)
                .fetch_all(self.pool())
                .await?;
            Ok(counts(rows))
        }
    }
}
