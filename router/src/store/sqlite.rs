//! SQLite, the embedded default: one process, one file, nothing to install.
//!
//! WAL journal with `synchronous = FULL`: a committed batch survives a power cut, and
//! one transaction per batch keeps the fsyncs few. Timestamps are stored as fixed-width
//! RFC 3339 text (microseconds, `Z`), so they compare correctly as strings.

use super::{
    BatchOutcome, DueCase, FolderCursor, Incoming, MailboxLease, MailboxState, OutboxRow, Store,
    StoreError, StoreStats, StoredCursor, decision_row, notices_until_done,
};
use crate::case::{
    self, CaseDocument, CaseOptions, CaseRow, CaseTx, CursorUpdate, MAX_CASES_PER_TARGET,
    MAX_LINKS_PER_EVENT, NewCase, NewKnownSender, NewLink, NewLocation, NewMessage, NewOutbox,
    NewRaw, NewTarget, Notice, Reassessment, RelatedRow, ThreadMatch,
};
use crate::due::CaseDates;
use crate::feedback::SenderDecision;
use crate::notices::{self, DecisionOutcome, NoticeOutcome};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

/// Rows per multi-row INSERT: each statement is one hand-off to SQLite's worker thread,
/// so a batch is written in a few statements; 100 rows of at most 15 columns stays far
/// below SQLite's limit on bound parameters.
const ROWS_PER_STATEMENT: usize = 100;

#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Open (creating if missing) the database at a `sqlite://` URL.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // Checkpoint every 64 MiB of WAL instead of every 4 MiB: a batch writes a few
            // MiB (raw bytes and JSON), and checkpointing after nearly every batch doubled
            // the cost of an import. Durability is unchanged: commits still sync the WAL.
            .pragma("wal_autocheckpoint", "16384")
            // Larger page cache for the indexes touched by every batch (64 MiB).
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The one timestamp format of this database.
fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn parse_ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

type LiteTx<'c> = Transaction<'c, Sqlite>;

/// The columns [`case_row`] reads, of a `cases` table aliased `c` (a macro, so queries
/// stay static strings).
macro_rules! case_columns {
    () => {
        "c.id, c.reference, c.opened_at, c.status, c.message_count, c.verdict, \
         c.sender_address, c.due_at, c.expires_at, c.imported, c.impersonation_confirmed, \
         c.routing_key"
    };
}

fn opt_ts(
    row: &sqlx::sqlite::SqliteRow,
    column: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(row
        .try_get::<Option<String>, _>(column)?
        .map(|t| parse_ts(&t)))
}

/// A related case and one target it shares (columns id, reference, verdict,
/// impersonation_confirmed, imported, kind, value).
fn related_row(r: &sqlx::sqlite::SqliteRow) -> Result<RelatedRow, StoreError> {
    Ok(RelatedRow {
        case_id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        verdict: r.try_get("verdict")?,
        impersonation_confirmed: r.try_get("impersonation_confirmed")?,
        imported: r.try_get("imported")?,
        kind: r.try_get("kind")?,
        value: r.try_get("value")?,
    })
}

fn case_row(row: &sqlx::sqlite::SqliteRow) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        opened_at: parse_ts(row.try_get("opened_at")?),
        status: row.try_get("status")?,
        message_count: row.try_get("message_count")?,
        verdict: row.try_get("verdict")?,
        sender_address: row.try_get("sender_address")?,
        due_at: opt_ts(row, "due_at")?,
        expires_at: opt_ts(row, "expires_at")?,
        imported: row.try_get("imported")?,
        impersonation_confirmed: row.try_get("impersonation_confirmed")?,
        routing_key: row.try_get("routing_key")?,
    })
}

// In-process calls are cheap, so each batch primitive is a loop of the same prepared
// statement.
impl CaseTx for LiteTx<'_> {
    async fn insert_raws(&mut self, raws: &[NewRaw<'_>]) -> Result<(), StoreError> {
        for chunk in raws.chunks(ROWS_PER_STATEMENT) {
            let mut query =
                QueryBuilder::<Sqlite>::new("INSERT INTO raw_messages (sha256, size, bytes) ");
            query.push_values(chunk, |mut row, raw| {
                row.push_bind(raw.sha256)
                    .push_bind(raw.bytes.len() as i64)
                    .push_bind(raw.bytes);
            });
            query.push(" ON CONFLICT (sha256) DO NOTHING");
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn insert_locations(&mut self, locations: &[NewLocation<'_>]) -> Result<(), StoreError> {
        let keys: Vec<_> = locations
            .iter()
            .map(|l| (case::location_key(l.origin), l.sha256))
            .collect();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO message_locations (account, mailbox, uid_validity, item, sha256) ",
            );
            query.push_values(
                chunk,
                |mut row, ((account, mailbox, uid_validity, item), sha256)| {
                    row.push_bind(account.as_str())
                        .push_bind(mailbox.as_str())
                        .push_bind(*uid_validity)
                        .push_bind(item.as_str())
                        .push_bind(*sha256);
                },
            );
            query.push(" ON CONFLICT DO NOTHING");
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn existing_messages(&mut self, sha256s: &[&str]) -> Result<HashSet<String>, StoreError> {
        // The whole list is one bound JSON array, unpacked by json_each: one statement,
        // still fully parameterised.
        let list = serde_json::to_string(sha256s)?;
        let rows = sqlx::query(
            "SELECT sha256 FROM messages WHERE sha256 IN (SELECT value FROM json_each($1))",
        )
        .bind(list)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|row| row.try_get::<String, _>("sha256").map_err(StoreError::from))
            .collect()
    }

    async fn cases_by_message_ids(
        &mut self,
        ids: &[String],
    ) -> Result<Vec<ThreadMatch>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The first stored message of each Message-ID, as the one-by-one lookup found it.
        let rows = sqlx::query(concat!(
            "SELECT m.message_id, m.id AS message_row, ",
            case_columns!(),
            "
             FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE m.id IN (SELECT min(id) FROM messages
                            WHERE message_id IN (SELECT value FROM json_each($1))
                            GROUP BY message_id)"
        ))
        .bind(serde_json::to_string(ids)?)
        .fetch_all(&mut **self)
        .await?;
        let mut by_id: HashMap<String, ThreadMatch> = HashMap::with_capacity(rows.len());
        for row in &rows {
            let message_id: String = row.try_get("message_id")?;
            by_id.insert(
                message_id.clone(),
                ThreadMatch {
                    message_id,
                    message_row: row.try_get("message_row")?,
                    case: case_row(row)?,
                },
            );
        }
        // In the order asked, as before.
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    async fn cases_by_references(
        &mut self,
        references: &[String],
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut found = Vec::new();
        for reference in references {
            let row = sqlx::query(concat!(
                "SELECT ",
                case_columns!(),
                " FROM cases c WHERE c.reference = $1"
            ))
            .bind(reference)
            .fetch_optional(&mut **self)
            .await?;
            if let Some(row) = row {
                found.push(case_row(&row)?);
            }
        }
        Ok(found)
    }

    async fn lock_sequences(&mut self, years: &[i32]) -> Result<HashMap<i32, i64>, StoreError> {
        // The write transaction already excludes other writers; the upsert only makes
        // sure each year has a counter (0 numbers from 1).
        let mut last = HashMap::new();
        for year in years {
            let row = sqlx::query(
                "INSERT INTO reference_counters (year, last) VALUES ($1, 0)
                 ON CONFLICT (year) DO UPDATE SET last = last
                 RETURNING last",
            )
            .bind(year)
            .fetch_one(&mut **self)
            .await?;
            last.insert(*year, row.try_get("last")?);
        }
        Ok(last)
    }

    async fn advance_sequences(&mut self, used: &[(i32, i64)]) -> Result<(), StoreError> {
        for (year, n) in used {
            sqlx::query("UPDATE reference_counters SET last = last + $1 WHERE year = $2")
                .bind(n)
                .bind(year)
                .execute(&mut **self)
                .await?;
        }
        Ok(())
    }

    async fn insert_cases(&mut self, cases: &[NewCase<'_>]) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::with_capacity(cases.len());
        for case in cases {
            let a = &case.incoming.assessment;
            let row = sqlx::query(
                "INSERT INTO cases (reference, opened_at, updated_at, message_count, verdict,
                                    kind, jurisdiction, agency_reference, deadline, subject,
                                    due_at, due_soon_at, expires_at, imported, sender_address,
                                    routing_key, impersonation_confirmed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                         $16, $17)
                 RETURNING id",
            )
            .bind(case.reference)
            .bind(ts(case.opened_at))
            .bind(ts(case.updated_at))
            .bind(case.message_count)
            .bind(case.verdict.as_str())
            .bind(a.request.kind.as_str())
            .bind(a.request.jurisdiction.as_deref())
            .bind(a.request.agency_reference.as_deref())
            .bind(a.request.deadline.map(|d| d.to_string()))
            .bind(case.incoming.message.subject.as_deref())
            .bind(ts(case.dates.due_at))
            .bind(ts(case.dates.due_soon_at))
            .bind(case.dates.expires_at.map(ts))
            .bind(case.incoming.imported)
            .bind(case.sender_address)
            .bind(case.routing_key)
            .bind(case.impersonation_confirmed)
            .fetch_one(&mut **self)
            .await?;
            ids.push(row.try_get("id")?);
        }
        Ok(ids)
    }

    async fn touch_cases(
        &mut self,
        touches: &[(i64, i64)],
        at: DateTime<Utc>,
    ) -> Result<HashMap<i64, i64>, StoreError> {
        let at = ts(at);
        let mut counts = HashMap::with_capacity(touches.len());
        for (case_id, n) in touches {
            let row = sqlx::query(
                "UPDATE cases SET updated_at = $1, message_count = message_count + $2
                 WHERE id = $3 RETURNING message_count",
            )
            .bind(&at)
            .bind(n)
            .bind(case_id)
            .fetch_one(&mut **self)
            .await?;
            counts.insert(*case_id, row.try_get("message_count")?);
        }
        Ok(counts)
    }

    async fn insert_messages(&mut self, messages: &[NewMessage<'_>]) -> Result<(), StoreError> {
        for chunk in messages.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO messages (sha256, case_id, message_id, subject, from_address,
                                       received_at, mailbox, parsed, verdict, kind,
                                       message_json, assessment_json, case_signals_json,
                                       sender_address, sender_domain) ",
            );
            // Rows go in batch order, so message ids grow in the order of the batch.
            query.push_values(chunk, |mut row, m| {
                let msg = &m.incoming.message;
                let a = &m.incoming.assessment;
                row.push_bind(msg.sha256.as_str())
                    .push_bind(m.case_id)
                    .push_bind(msg.message_id.as_deref())
                    .push_bind(msg.subject.as_deref())
                    .push_bind(msg.from.as_ref().map(|f| f.address.as_str()))
                    .push_bind(ts(m.received_at))
                    .push_bind(m.mailbox)
                    .push_bind(msg.parsed)
                    .push_bind(m.verdict.as_str())
                    .push_bind(a.request.kind.as_str())
                    .push_bind(m.message_json.as_str())
                    .push_bind(m.assessment_json.as_str())
                    .push_bind(m.case_signals_json.as_str())
                    .push_bind(a.sender.address.as_str())
                    .push_bind(a.sender.domain.as_str());
            });
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn insert_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<(), StoreError> {
        for chunk in targets.chunks(ROWS_PER_STATEMENT) {
            let mut query =
                QueryBuilder::<Sqlite>::new("INSERT INTO case_targets (case_id, kind, value) ");
            query.push_values(chunk, |mut row, t| {
                row.push_bind(t.case_id)
                    .push_bind(t.kind)
                    .push_bind(t.value);
            });
            query.push(" ON CONFLICT DO NOTHING");
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn insert_outbox(&mut self, events: &[NewOutbox]) -> Result<(), StoreError> {
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO outbox (event_id, case_id, routing_key, payload) ",
            );
            // Batch order, so the relay publishes in the order messages were committed.
            query.push_values(chunk, |mut row, e| {
                row.push_bind(e.event_id.to_string())
                    .push_bind(e.case_id)
                    .push_bind(e.routing_key.as_str())
                    .push_bind(e.payload.as_str());
            });
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn recent_acknowledgements(
        &mut self,
        recipients: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        crate::ack::sql::sqlite::recent(self, recipients, since).await
    }

    async fn insert_acknowledgements(
        &mut self,
        acks: &[crate::ack::NewAck<'_>],
    ) -> Result<(), StoreError> {
        crate::ack::sql::sqlite::insert(self, acks).await
    }

    async fn advance_cursors(&mut self, cursors: &[CursorUpdate]) -> Result<(), StoreError> {
        let now = ts(Utc::now());
        for c in cursors {
            sqlx::query(
                "INSERT INTO mailbox_cursors (account, mailbox, uid_validity, last_uid, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (account, mailbox) DO UPDATE SET
                   last_uid = CASE WHEN uid_validity = excluded.uid_validity
                                   THEN max(last_uid, excluded.last_uid)
                                   ELSE excluded.last_uid END,
                   uid_validity = excluded.uid_validity,
                   updated_at = excluded.updated_at",
            )
            .bind(&c.account)
            .bind(&c.mailbox)
            .bind(i64::from(c.cursor.uid_validity))
            .bind(i64::from(c.cursor.last_uid))
            .bind(&now)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }

    async fn sender_decisions(
        &mut self,
        subjects: &[String],
    ) -> Result<HashMap<String, SenderDecision>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, decision, note, decided_by, decided_at FROM sender_decisions
             WHERE subject IN (SELECT value FROM json_each($1))",
        )
        .bind(serde_json::to_string(subjects)?)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                let d = decision_row(
                    r.try_get("subject")?,
                    r.try_get("decision")?,
                    r.try_get("note")?,
                    r.try_get("decided_by")?,
                    parse_ts(r.try_get("decided_at")?),
                )?;
                Ok((d.subject.clone(), d))
            })
            .collect()
    }

    async fn known_senders(&mut self, addresses: &[String]) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT address FROM known_senders WHERE address IN (SELECT value FROM json_each($1))",
        )
        .bind(serde_json::to_string(addresses)?)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("address")?))
            .collect()
    }

    async fn insert_known_senders(
        &mut self,
        senders: &[NewKnownSender<'_>],
    ) -> Result<(), StoreError> {
        for chunk in senders.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO known_senders (address, agency, first_seen_at, first_case_id) ",
            );
            query.push_values(chunk, |mut row, s| {
                row.push_bind(s.address)
                    .push_bind(s.agency)
                    .push_bind(ts(s.first_seen_at))
                    .push_bind(s.first_case_id);
            });
            query.push(" ON CONFLICT DO NOTHING");
            query.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn update_due_dates(&mut self, updates: &[(i64, CaseDates)]) -> Result<(), StoreError> {
        for (case_id, dates) in updates {
            sqlx::query(
                "UPDATE cases SET
                   due_soon_notice_at = CASE WHEN due_at IS $1 THEN due_soon_notice_at END,
                   overdue_notice_at = CASE WHEN due_at IS $1 THEN overdue_notice_at END,
                   due_at = $1, due_soon_at = $2
                 WHERE id = $3",
            )
            .bind(ts(dates.due_at))
            .bind(ts(dates.due_soon_at))
            .bind(case_id)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }

    async fn cases_by_targets(
        &mut self,
        targets: &[(String, String)],
    ) -> Result<Vec<RelatedRow>, StoreError> {
        let mut found = Vec::new();
        for (kind, value) in targets {
            let rows = sqlx::query(
                "SELECT t.kind, t.value, c.id, c.reference, c.verdict, c.impersonation_confirmed, c.imported
                 FROM case_targets t JOIN cases c ON c.id = t.case_id
                 WHERE t.kind = $1 AND t.value = $2
                 ORDER BY t.case_id DESC LIMIT $3",
            )
            .bind(kind)
            .bind(value)
            .bind(MAX_CASES_PER_TARGET)
            .fetch_all(&mut **self)
            .await?;
            for r in &rows {
                found.push(related_row(r)?);
            }
        }
        Ok(found)
    }

    async fn insert_links(
        &mut self,
        links: &[NewLink<'_>],
        at: DateTime<Utc>,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let at = ts(at);
        let mut inserted = Vec::new();
        for chunk in links.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO case_links (case_id, related_case_id, kind, value, linked_at) ",
            );
            query.push_values(chunk, |mut row, l| {
                row.push_bind(l.case_id)
                    .push_bind(l.related_case_id)
                    .push_bind(l.kind)
                    .push_bind(l.value)
                    .push_bind(&at);
            });
            query.push(" ON CONFLICT DO NOTHING RETURNING case_id, related_case_id");
            for r in query.build().fetch_all(&mut **self).await? {
                inserted.push((r.try_get("case_id")?, r.try_get("related_case_id")?));
            }
        }
        Ok(inserted)
    }

    async fn related_cases(
        &mut self,
        case_ids: &[i64],
    ) -> Result<Vec<(i64, RelatedRow)>, StoreError> {
        let mut found = Vec::new();
        for case_id in case_ids {
            let rows = sqlx::query(
                "SELECT c.id, c.reference, c.verdict, c.impersonation_confirmed, c.imported,
                        l.kind, l.value
                 FROM (SELECT related_case_id, kind, value FROM case_links
                       WHERE case_id = $1 ORDER BY related_case_id DESC LIMIT $2) l
                 JOIN cases c ON c.id = l.related_case_id
                 ORDER BY c.id",
            )
            .bind(case_id)
            .bind(MAX_LINKS_PER_EVENT)
            .fetch_all(&mut **self)
            .await?;
            for r in &rows {
                found.push((*case_id, related_row(r)?));
            }
        }
        Ok(found)
    }

    async fn case_documents(&mut self, case_ids: &[i64]) -> Result<Vec<CaseDocument>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            case_columns!(),
            ", m.message_json, m.assessment_json, m.case_signals_json,
                    m.received_at, m.mailbox
             FROM cases c JOIN messages m
               ON m.id = (SELECT max(id) FROM messages WHERE case_id = c.id)
             WHERE c.id IN (SELECT value FROM json_each($1))
             ORDER BY c.id"
        ))
        .bind(serde_json::to_string(case_ids)?)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseDocument {
                    case: case_row(r)?,
                    message_json: r.try_get("message_json")?,
                    assessment_json: r.try_get("assessment_json")?,
                    case_signals_json: r.try_get("case_signals_json")?,
                    received_at: parse_ts(r.try_get("received_at")?),
                    mailbox: r.try_get("mailbox")?,
                })
            })
            .collect()
    }

    async fn due_notices(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(i64, Notice)>, StoreError> {
        // One writer at a time: the write transaction is the lock.
        let rows = sqlx::query(
            "SELECT id, due_at <= $1 AS overdue FROM cases
             WHERE status = 'open' AND NOT imported AND verdict <> 'impersonation'
               AND ((due_at <= $1 AND overdue_notice_at IS NULL)
                    OR (due_soon_at <= $1 AND due_at > $1 AND due_soon_notice_at IS NULL))
             ORDER BY due_at LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                let notice = if r.try_get::<bool, _>("overdue")? {
                    Notice::Overdue
                } else {
                    Notice::DueSoon
                };
                Ok((r.try_get("id")?, notice))
            })
            .collect()
    }

    async fn mark_notices(
        &mut self,
        notices: &[(i64, Notice)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = ts(at);
        for (case_id, notice) in notices {
            // An overdue case needs no "due soon" notice any more.
            let sql = match notice {
                Notice::DueSoon => "UPDATE cases SET due_soon_notice_at = $1 WHERE id = $2",
                Notice::Overdue => {
                    "UPDATE cases SET overdue_notice_at = $1,
                       due_soon_notice_at = coalesce(due_soon_notice_at, $1)
                     WHERE id = $2"
                }
            };
            sqlx::query(sql)
                .bind(&at)
                .bind(case_id)
                .execute(&mut **self)
                .await?;
        }
        Ok(())
    }

    async fn record_decision(&mut self, decision: &SenderDecision) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sender_decisions (subject, decision, note, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (subject) DO UPDATE SET decision = excluded.decision,
               note = excluded.note, decided_by = excluded.decided_by,
               decided_at = excluded.decided_at",
        )
        .bind(&decision.subject)
        .bind(decision.decision.as_str())
        .bind(&decision.note)
        .bind(&decision.decided_by)
        .bind(ts(decision.decided_at))
        .execute(&mut **self)
        .await?;
        sqlx::query(
            "INSERT INTO sender_decision_log (subject, decision, note, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&decision.subject)
        .bind(decision.decision.as_str())
        .bind(&decision.note)
        .bind(&decision.decided_by)
        .bind(ts(decision.decided_at))
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn open_cases_from(&mut self, subject: &str) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT m.case_id FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE c.status = 'open'
               AND (m.sender_address = $1 OR m.sender_domain = $1
                    OR substr(m.sender_domain, -length($1) - 1) = '.' || $1)
             ORDER BY m.case_id",
        )
        .bind(subject)
        .fetch_all(&mut **self)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("case_id")?)).collect()
    }

    async fn reassess_cases(&mut self, updates: &[Reassessment<'_>]) -> Result<(), StoreError> {
        for u in updates {
            sqlx::query(
                "UPDATE cases SET verdict = $1, impersonation_confirmed = $2, routing_key = $3
                 WHERE id = $4",
            )
            .bind(u.verdict.as_str())
            .bind(u.impersonation_confirmed)
            .bind(u.routing_key)
            .bind(u.case_id)
            .execute(&mut **self)
            .await?;
        }
        Ok(())
    }
}

impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("../migrations/sqlite")
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
        // BEGIN IMMEDIATE would be ideal; a deferred transaction that writes first is
        // equivalent here because the first statement is an INSERT.
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
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
             WHERE id IN (
               SELECT id FROM outbox
               WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2)
               ORDER BY id LIMIT $3)
             RETURNING id, event_id, routing_key, payload",
        )
        .bind(ts(until))
        .bind(ts(now))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(|r| -> Result<OutboxRow, StoreError> {
                let event_id: String = r.try_get("event_id")?;
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    event_id: uuid::Uuid::parse_str(&event_id).unwrap_or_default(),
                    routing_key: r.try_get("routing_key")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    async fn mark_sent(&self, ids: &[i64]) -> Result<(), StoreError> {
        let now = ts(Utc::now());
        let mut tx = self.pool.begin().await?;
        for id in ids {
            sqlx::query(
                "UPDATE outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn release(
        &self,
        failures: &[(i64, String)],
        retry_after: Duration,
    ) -> Result<(), StoreError> {
        let until = ts(Utc::now() + chrono::Duration::from_std(retry_after).unwrap_or_default());
        let mut tx = self.pool.begin().await?;
        for (id, reason) in failures {
            sqlx::query(
                "UPDATE outbox SET claimed_until = $1, last_error = $2 WHERE id = $3 AND sent_at IS NULL",
            )
            .bind(&until)
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
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

    async fn acquire_lease(
        &self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let expires = super::lease_expiry(now, ttl);
        // SQLite runs one writer at a time, so the upsert is atomic; the WHERE keeps a
        // live lease of another holder untouched and then no row comes back.
        let row = sqlx::query(
            "INSERT INTO mailbox_leases (mailbox, holder, acquired_at, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (mailbox) DO UPDATE SET
               acquired_at = CASE WHEN mailbox_leases.holder = excluded.holder
                                  THEN mailbox_leases.acquired_at
                                  ELSE excluded.acquired_at END,
               holder = excluded.holder,
               expires_at = excluded.expires_at
             WHERE mailbox_leases.holder = excluded.holder
                OR mailbox_leases.expires_at <= excluded.acquired_at
             RETURNING holder",
        )
        .bind(mailbox)
        .bind(holder)
        .bind(ts(now))
        .bind(ts(expires))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, mailbox: &str, holder: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM mailbox_leases WHERE mailbox = $1 AND holder = $2")
            .bind(mailbox)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn lease(&self, mailbox: &str) -> Result<Option<MailboxLease>, StoreError> {
        let row = sqlx::query(
            "SELECT holder, acquired_at, expires_at FROM mailbox_leases WHERE mailbox = $1",
        )
        .bind(mailbox)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| lease_row(&r)).transpose()
    }

    async fn record_mailbox_fetch(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        backlog: u64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mailbox_status (mailbox, last_fetch_at, backlog, updated_at)
             VALUES ($1, $2, $3, $2)
             ON CONFLICT (mailbox) DO UPDATE SET
               last_fetch_at = excluded.last_fetch_at,
               backlog = excluded.backlog,
               updated_at = excluded.updated_at",
        )
        .bind(mailbox)
        .bind(ts(at))
        .bind(i64::try_from(backlog).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_mailbox_error(
        &self,
        mailbox: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mailbox_status (mailbox, last_error, last_error_at, updated_at)
             VALUES ($1, $2, $3, $3)
             ON CONFLICT (mailbox) DO UPDATE SET
               last_error = excluded.last_error,
               last_error_at = excluded.last_error_at,
               updated_at = excluded.updated_at",
        )
        .bind(mailbox)
        .bind(error)
        .bind(ts(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mailbox_states(&self) -> Result<Vec<MailboxState>, StoreError> {
        let leases =
            sqlx::query("SELECT mailbox, holder, acquired_at, expires_at FROM mailbox_leases")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("mailbox")?, lease_row(r)?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
        let opt_ts = |r: &sqlx::sqlite::SqliteRow, column: &str| -> Result<_, StoreError> {
            Ok(r.try_get::<Option<String>, _>(column)?
                .as_deref()
                .map(parse_ts))
        };
        let statuses = sqlx::query(
            "SELECT mailbox, last_fetch_at, backlog, last_error, last_error_at FROM mailbox_status",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MailboxState {
                mailbox: r.try_get("mailbox")?,
                last_fetch_at: opt_ts(r, "last_fetch_at")?,
                backlog: r.try_get("backlog")?,
                last_error: r.try_get("last_error")?,
                last_error_at: opt_ts(r, "last_error_at")?,
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let cursors = sqlx::query(
            "SELECT account, mailbox, uid_validity, last_uid FROM mailbox_cursors
             ORDER BY account, mailbox",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("account")?,
                FolderCursor {
                    folder: r.try_get("mailbox")?,
                    cursor: StoredCursor {
                        uid_validity: u32::try_from(r.try_get::<i64, _>("uid_validity")?)
                            .unwrap_or(0),
                        last_uid: u32::try_from(r.try_get::<i64, _>("last_uid")?).unwrap_or(0),
                    },
                },
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(super::assemble_states(leases, statuses, cursors))
    }

    async fn queue_due_notices(
        &self,
        options: &CaseOptions,
        now: DateTime<Utc>,
    ) -> Result<NoticeOutcome, StoreError> {
        notices_until_done(|| async {
            let mut tx = self.pool.begin().await?;
            let outcome = notices::queue_due_notices(&mut tx, options, now).await?;
            tx.commit().await?;
            Ok(outcome)
        })
        .await
    }

    async fn cases_due(&self, until: DateTime<Utc>) -> Result<Vec<DueCase>, StoreError> {
        let rows = sqlx::query(
            "SELECT reference, kind, verdict, subject, opened_at, due_at, expires_at, imported
             FROM cases WHERE status = 'open' AND due_at <= $1
             ORDER BY due_at, id",
        )
        .bind(ts(until))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueCase {
                    reference: r.try_get("reference")?,
                    kind: r.try_get("kind")?,
                    verdict: r.try_get("verdict")?,
                    subject: r.try_get("subject")?,
                    opened_at: parse_ts(r.try_get("opened_at")?),
                    due_at: parse_ts(r.try_get("due_at")?),
                    expires_at: opt_ts(r, "expires_at")?,
                    imported: r.try_get("imported")?,
                })
            })
            .collect()
    }

    async fn decide_sender(
        &self,
        decision: &SenderDecision,
        options: &CaseOptions,
        now: DateTime<Utc>,
    ) -> Result<DecisionOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let outcome = notices::decide(&mut tx, decision, options, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn list_sender_decisions(&self) -> Result<Vec<SenderDecision>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, decision, note, decided_by, decided_at FROM sender_decisions
             ORDER BY subject",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                decision_row(
                    r.try_get("subject")?,
                    r.try_get("decision")?,
                    r.try_get("note")?,
                    r.try_get("decided_by")?,
                    parse_ts(r.try_get("decided_at")?),
                )
            })
            .collect()
    }
}

fn lease_row(row: &sqlx::sqlite::SqliteRow) -> Result<MailboxLease, StoreError> {
    Ok(MailboxLease {
        holder: row.try_get("holder")?,
        acquired_at: parse_ts(row.try_get("acquired_at")?),
        expires_at: parse_ts(row.try_get("expires_at")?),
    })
}
