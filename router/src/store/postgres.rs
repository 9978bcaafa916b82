//! PostgreSQL, for production: several workers and relays share one database.

use super::{BatchOutcome, Incoming, OutboxRow, Store, StoreError, StoreStats, StoredCursor};
use crate::case::{self, CaseOptions, CaseRow, CaseTx, NewCase, NewMessage, NewOutbox};
use chrono::{DateTime, Utc};
use lea_ingest::Origin;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect(url)
            .await?;
        Ok(PostgresStore { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

type PgTx<'c> = Transaction<'c, Postgres>;

fn case_row(row: &sqlx::postgres::PgRow) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        opened_at: row.try_get("opened_at")?,
        status: row.try_get("status")?,
    })
}

impl CaseTx for PgTx<'_> {
    async fn insert_raw(&mut self, sha256: &str, raw: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO raw_messages (sha256, size, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(raw.len() as i64)
        .bind(raw)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_location(&mut self, origin: &Origin, sha256: &str) -> Result<(), StoreError> {
        let (account, mailbox, uid_validity, item) = case::location_key(origin);
        sqlx::query(
            "INSERT INTO message_locations (account, mailbox, uid_validity, item, sha256)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(account)
        .bind(mailbox)
        .bind(uid_validity)
        .bind(item)
        .bind(sha256)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn message_exists(&mut self, sha256: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM messages WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&mut **self)
            .await?;
        Ok(row.is_some())
    }

    async fn case_by_message_ids(&mut self, ids: &[String]) -> Result<Option<CaseRow>, StoreError> {
        let row = sqlx::query(
            "SELECT c.id, c.reference, c.opened_at, c.status
             FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.message_id = ANY($1) ORDER BY m.id LIMIT 1",
        )
        .bind(ids)
        .fetch_optional(&mut **self)
        .await?;
        row.as_ref().map(case_row).transpose()
    }

    async fn case_by_reference(&mut self, reference: &str) -> Result<Option<CaseRow>, StoreError> {
        let row =
            sqlx::query("SELECT id, reference, opened_at, status FROM cases WHERE reference = $1")
                .bind(reference)
                .fetch_optional(&mut **self)
                .await?;
        row.as_ref().map(case_row).transpose()
    }

    async fn next_sequence(&mut self, year: i32) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO reference_counters (year, last) VALUES ($1, 1)
             ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1
             RETURNING last",
        )
        .bind(year)
        .fetch_one(&mut **self)
        .await?;
        Ok(row.try_get("last")?)
    }

    async fn insert_case(&mut self, case: &NewCase<'_>) -> Result<i64, StoreError> {
        let a = &case.incoming.assessment;
        let row = sqlx::query(
            "INSERT INTO cases (reference, opened_at, updated_at, verdict, kind, jurisdiction,
                                agency_reference, deadline, subject)
             VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(case.reference)
        .bind(case.opened_at)
        .bind(a.sender.verdict.as_str())
        .bind(a.request.kind.as_str())
        .bind(a.request.jurisdiction.as_deref())
        .bind(a.request.agency_reference.as_deref())
        .bind(a.request.deadline)
        .bind(case.incoming.message.subject.as_deref())
        .fetch_one(&mut **self)
        .await?;
        Ok(row.try_get("id")?)
    }

    async fn touch_case(&mut self, case_id: i64, at: DateTime<Utc>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE cases SET updated_at = $2, message_count = message_count + 1
             WHERE id = $1 RETURNING message_count",
        )
        .bind(case_id)
        .bind(at)
        .fetch_one(&mut **self)
        .await?;
        Ok(i64::from(row.try_get::<i32, _>("message_count")?))
    }

    async fn insert_message(&mut self, m: &NewMessage<'_>) -> Result<(), StoreError> {
        let msg = &m.incoming.message;
        let a = &m.incoming.assessment;
        sqlx::query(
            "INSERT INTO messages (sha256, case_id, message_id, subject, from_address, received_at,
                                   mailbox, parsed, verdict, kind, message_json, assessment_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&msg.sha256)
        .bind(m.case_id)
        .bind(msg.message_id.as_deref())
        .bind(msg.subject.as_deref())
        .bind(msg.from.as_ref().map(|f| f.address.as_str()))
        .bind(m.received_at)
        .bind(m.mailbox)
        .bind(msg.parsed)
        .bind(a.sender.verdict.as_str())
        .bind(a.request.kind.as_str())
        .bind(m.message_json)
        .bind(m.assessment_json)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_target(
        &mut self,
        case_id: i64,
        kind: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO case_targets (case_id, kind, value) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(case_id)
        .bind(kind)
        .bind(value)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_outbox(&mut self, e: &NewOutbox<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (event_id, case_id, routing_key, payload) VALUES ($1, $2, $3, $4)",
        )
        .bind(e.event_id)
        .bind(e.case_id)
        .bind(e.routing_key)
        .bind(e.payload)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn advance_cursor(
        &mut self,
        account: &str,
        mailbox: &str,
        c: StoredCursor,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mailbox_cursors (account, mailbox, uid_validity, last_uid)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (account, mailbox) DO UPDATE SET
               last_uid = CASE WHEN mailbox_cursors.uid_validity = EXCLUDED.uid_validity
                               THEN GREATEST(mailbox_cursors.last_uid, EXCLUDED.last_uid)
                               ELSE EXCLUDED.last_uid END,
               uid_validity = EXCLUDED.uid_validity,
               updated_at = now()",
        )
        .bind(account)
        .bind(mailbox)
        .bind(i64::from(c.uid_validity))
        .bind(i64::from(c.last_uid))
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}

impl Store for PostgresStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("../migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn cursor(
        &self,
        account: &str,
        mailbox: &str,
    ) -> Result<Option<StoredCursor>, StoreError> {
        let row = sqlx::query(
            "SELECT uid_validity, last_uid FROM mailbox_cursors WHERE account = $1 AND mailbox = $2",
        )
        .bind(account)
        .bind(mailbox)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<StoredCursor, StoreError> {
            Ok(StoredCursor {
                uid_validity: u32::try_from(r.try_get::<i64, _>("uid_validity")?).unwrap_or(0),
                last_uid: u32::try_from(r.try_get::<i64, _>("last_uid")?).unwrap_or(0),
            })
        })
        .transpose()
    }

    async fn commit_batch(
        &self,
        batch: &[Incoming],
        options: &CaseOptions,
    ) -> Result<BatchOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let outcome = case::commit_batch(&mut tx, batch, options, Utc::now()).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn claim_outbox(
        &self,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
             WHERE id IN (
               SELECT id FROM outbox
               WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
               ORDER BY id LIMIT $1
               FOR UPDATE SKIP LOCKED)
             RETURNING id, event_id, routing_key, payload",
        )
        .bind(limit as i64)
        .bind(lease.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(|r| -> Result<OutboxRow, StoreError> {
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    event_id: r.try_get("event_id")?,
                    routing_key: r.try_get("routing_key")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    async fn mark_sent(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE outbox SET sent_at = now(), claimed_until = NULL, last_error = NULL
             WHERE id = ANY($1)",
        )
        .bind(ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release(
        &self,
        failures: &[(i64, String)],
        retry_after: Duration,
    ) -> Result<(), StoreError> {
        if failures.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = failures.iter().map(|(id, _)| *id).collect();
        let reasons: Vec<&str> = failures.iter().map(|(_, r)| r.as_str()).collect();
        sqlx::query(
            "UPDATE outbox SET claimed_until = now() + make_interval(secs => $3), last_error = f.reason
             FROM UNNEST($1::bigint[], $2::text[]) AS f(id, reason)
             WHERE outbox.id = f.id AND outbox.sent_at IS NULL",
        )
        .bind(&ids)
        .bind(&reasons)
        .bind(retry_after.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT count(*) FROM raw_messages) AS raw_messages,
                    (SELECT count(*) FROM messages) AS messages,
                    (SELECT count(*) FROM message_locations) AS locations,
                    (SELECT count(*) FROM cases) AS cases,
                    (SELECT count(*) FROM outbox WHERE sent_at IS NULL) AS outbox_pending,
                    (SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL) AS outbox_sent",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(StoreStats {
            raw_messages: r.try_get("raw_messages")?,
            messages: r.try_get("messages")?,
            locations: r.try_get("locations")?,
            cases: r.try_get("cases")?,
            outbox_pending: r.try_get("outbox_pending")?,
            outbox_sent: r.try_get("outbox_sent")?,
        })
    }

    async fn raw_message(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT bytes FROM raw_messages WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("bytes").map_err(StoreError::from))
            .transpose()
    }
}
