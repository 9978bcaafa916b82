//! PostgreSQL, for production: several workers and relays share one database.

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
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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

/// PostgreSQL text cannot hold NUL; hostile headers can. Strip it from column values
/// (the JSON columns escape it, so the stored message keeps it exactly).
fn text(value: &str) -> Cow<'_, str> {
    if value.contains('\0') {
        Cow::Owned(value.replace('\0', ""))
    } else {
        Cow::Borrowed(value)
    }
}

fn opt_text(value: Option<&str>) -> Option<Cow<'_, str>> {
    value.map(text)
}

/// The columns [`case_row`] reads, of a `cases` table aliased `c` (a macro, so queries
/// stay static strings).
macro_rules! case_columns {
    () => {
        "c.id, c.reference, c.opened_at, c.status, c.message_count, c.verdict, \
         c.sender_address, c.due_at, c.expires_at, c.imported, c.impersonation_confirmed, \
         c.routing_key"
    };
}

/// A related case and one target it shares (columns id, reference, verdict,
/// impersonation_confirmed, imported, kind, value).
fn related_row(r: &sqlx::postgres::PgRow) -> Result<RelatedRow, StoreError> {
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

fn case_row(row: &sqlx::postgres::PgRow) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        id: row.try_get("id")?,
        reference: row.try_get("reference")?,
        opened_at: row.try_get("opened_at")?,
        status: row.try_get("status")?,
        message_count: i64::from(row.try_get::<i32, _>("message_count")?),
        verdict: row.try_get("verdict")?,
        sender_address: row.try_get("sender_address")?,
        due_at: row.try_get("due_at")?,
        expires_at: row.try_get("expires_at")?,
        imported: row.try_get("imported")?,
        impersonation_confirmed: row.try_get("impersonation_confirmed")?,
        routing_key: row.try_get("routing_key")?,
    })
}

impl CaseTx for PgTx<'_> {
    fn stored_text(value: &str) -> Cow<'_, str> {
        text(value)
    }

    async fn insert_raws(&mut self, raws: &[NewRaw<'_>]) -> Result<(), StoreError> {
        let sha256s: Vec<&str> = raws.iter().map(|r| r.sha256).collect();
        let sizes: Vec<i64> = raws.iter().map(|r| r.bytes.len() as i64).collect();
        let bytes: Vec<&[u8]> = raws.iter().map(|r| r.bytes).collect();
        sqlx::query(
            "INSERT INTO raw_messages (sha256, size, bytes)
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[])
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256s)
        .bind(&sizes)
        .bind(&bytes)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_locations(&mut self, locations: &[NewLocation<'_>]) -> Result<(), StoreError> {
        let mut accounts = Vec::with_capacity(locations.len());
        let mut mailboxes = Vec::with_capacity(locations.len());
        let mut uid_validities = Vec::with_capacity(locations.len());
        let mut items = Vec::with_capacity(locations.len());
        let mut sha256s = Vec::with_capacity(locations.len());
        for location in locations {
            let (account, mailbox, uid_validity, item) = case::location_key(location.origin);
            accounts.push(text(&account).into_owned());
            mailboxes.push(text(&mailbox).into_owned());
            uid_validities.push(uid_validity);
            items.push(text(&item).into_owned());
            sha256s.push(location.sha256);
        }
        sqlx::query(
            "INSERT INTO message_locations (account, mailbox, uid_validity, item, sha256)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
             ON CONFLICT DO NOTHING",
        )
        .bind(&accounts)
        .bind(&mailboxes)
        .bind(&uid_validities)
        .bind(&items)
        .bind(&sha256s)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn existing_messages(&mut self, sha256s: &[&str]) -> Result<HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT sha256 FROM messages WHERE sha256 = ANY($1)")
            .bind(sha256s)
            .fetch_all(&mut **self)
            .await?;
        rows.iter()
            .map(|r| r.try_get("sha256").map_err(StoreError::from))
            .collect()
    }

    async fn cases_by_message_ids(
        &mut self,
        ids: &[String],
    ) -> Result<Vec<ThreadMatch>, StoreError> {
        let mut ids: Vec<String> = ids.iter().map(|i| text(i).into_owned()).collect();
        ids.sort_unstable();
        ids.dedup();
        // One index probe per Message-ID for its first stored message (see migration 0003).
        let rows = sqlx::query(concat!(
            "SELECT ids.message_id, m.id AS message_row, ",
            case_columns!(),
            "
             FROM unnest($1::text[]) AS ids(message_id)
             CROSS JOIN LATERAL (SELECT id, case_id FROM messages
                                 WHERE message_id = ids.message_id
                                 ORDER BY id LIMIT 1) m
             JOIN cases c ON c.id = m.case_id"
        ))
        .bind(&ids)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ThreadMatch {
                    message_id: r.try_get("message_id")?,
                    message_row: r.try_get("message_row")?,
                    case: case_row(r)?,
                })
            })
            .collect()
    }

    async fn cases_by_references(
        &mut self,
        references: &[String],
    ) -> Result<Vec<CaseRow>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            case_columns!(),
            " FROM cases c WHERE c.reference = ANY($1)"
        ))
        .bind(references)
        .fetch_all(&mut **self)
        .await?;
        rows.iter().map(case_row).collect()
    }

    async fn lock_sequences(&mut self, years: &[i32]) -> Result<HashMap<i32, i64>, StoreError> {
        // The no-op update locks an existing row; a missing one is created at 0, which
        // numbers from 1 as before.
        let rows = sqlx::query(
            "INSERT INTO reference_counters (year, last)
             SELECT y, 0 FROM UNNEST($1::int[]) AS y ORDER BY y
             ON CONFLICT (year) DO UPDATE SET last = reference_counters.last
             RETURNING year, last",
        )
        .bind(years)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("year")?, r.try_get("last")?)))
            .collect()
    }

    async fn advance_sequences(&mut self, used: &[(i32, i64)]) -> Result<(), StoreError> {
        let years: Vec<i32> = used.iter().map(|(y, _)| *y).collect();
        let counts: Vec<i64> = used.iter().map(|(_, n)| *n).collect();
        sqlx::query(
            "UPDATE reference_counters SET last = reference_counters.last + u.n
             FROM UNNEST($1::int[], $2::bigint[]) AS u(year, n)
             WHERE reference_counters.year = u.year",
        )
        .bind(&years)
        .bind(&counts)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_cases(&mut self, cases: &[NewCase<'_>]) -> Result<Vec<i64>, StoreError> {
        let n = cases.len();
        let mut references = Vec::with_capacity(n);
        let mut opened = Vec::with_capacity(n);
        let mut updated = Vec::with_capacity(n);
        let mut counts = Vec::with_capacity(n);
        let mut verdicts = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let mut jurisdictions = Vec::with_capacity(n);
        let mut agency_references = Vec::with_capacity(n);
        let mut deadlines = Vec::with_capacity(n);
        let mut subjects = Vec::with_capacity(n);
        let mut due = Vec::with_capacity(n);
        let mut due_soon = Vec::with_capacity(n);
        let mut expires = Vec::with_capacity(n);
        let mut imported = Vec::with_capacity(n);
        let mut senders = Vec::with_capacity(n);
        let mut keys = Vec::with_capacity(n);
        let mut confirmed = Vec::with_capacity(n);
        for case in cases {
            let a = &case.incoming.assessment;
            due.push(case.dates.due_at);
            due_soon.push(case.dates.due_soon_at);
            expires.push(case.dates.expires_at);
            imported.push(case.incoming.imported);
            senders.push(text(case.sender_address).into_owned());
            keys.push(case.routing_key);
            confirmed.push(case.impersonation_confirmed);
            references.push(case.reference);
            opened.push(case.opened_at);
            updated.push(case.updated_at);
            counts.push(case.message_count);
            verdicts.push(case.verdict.as_str());
            kinds.push(a.request.kind.as_str());
            jurisdictions.push(opt_text(a.request.jurisdiction.as_deref()).map(Cow::into_owned));
            agency_references
                .push(opt_text(a.request.agency_reference.as_deref()).map(Cow::into_owned));
            deadlines.push(a.request.deadline);
            subjects.push(opt_text(case.incoming.message.subject.as_deref()).map(Cow::into_owned));
        }
        let rows = sqlx::query(
            "INSERT INTO cases (reference, opened_at, updated_at, message_count, verdict, kind,
                                jurisdiction, agency_reference, deadline, subject, due_at,
                                due_soon_at, expires_at, imported, sender_address, routing_key,
                                impersonation_confirmed)
             SELECT r, o, u, c, v, k, j, a, d, s, du, ds, ex, im, sa, rk, ic
             FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[], $4::bigint[],
                         $5::text[], $6::text[], $7::text[], $8::text[], $9::date[], $10::text[],
                         $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::bool[],
                         $15::text[], $16::text[], $17::bool[])
                  WITH ORDINALITY AS n(r, o, u, c, v, k, j, a, d, s, du, ds, ex, im, sa, rk, ic,
                                       ord)
             ORDER BY ord
             RETURNING id, reference",
        )
        .bind(&references)
        .bind(&opened)
        .bind(&updated)
        .bind(&counts)
        .bind(&verdicts)
        .bind(&kinds)
        .bind(&jurisdictions)
        .bind(&agency_references)
        .bind(&deadlines)
        .bind(&subjects)
        .bind(&due)
        .bind(&due_soon)
        .bind(&expires)
        .bind(&imported)
        .bind(&senders)
        .bind(&keys)
        .bind(&confirmed)
        .fetch_all(&mut **self)
        .await?;
        // References are unique, so ids are matched by reference rather than trusting the
        // order of RETURNING.
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        for r in &rows {
            ids.insert(r.try_get("reference")?, r.try_get("id")?);
        }
        references
            .iter()
            .map(|reference| {
                ids.get(*reference).copied().ok_or_else(|| {
                    StoreError::Unexpected(format!("no id returned for case {reference}"))
                })
            })
            .collect()
    }

    async fn touch_cases(
        &mut self,
        touches: &[(i64, i64)],
        at: DateTime<Utc>,
    ) -> Result<HashMap<i64, i64>, StoreError> {
        let ids: Vec<i64> = touches.iter().map(|(id, _)| *id).collect();
        let counts: Vec<i64> = touches.iter().map(|(_, n)| *n).collect();
        let rows = sqlx::query(
            "UPDATE cases SET updated_at = $3, message_count = cases.message_count + t.n
             FROM UNNEST($1::bigint[], $2::bigint[]) AS t(id, n)
             WHERE cases.id = t.id
             RETURNING cases.id, cases.message_count",
        )
        .bind(&ids)
        .bind(&counts)
        .bind(at)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    i64::from(r.try_get::<i32, _>("message_count")?),
                ))
            })
            .collect()
    }

    async fn insert_messages(&mut self, messages: &[NewMessage<'_>]) -> Result<(), StoreError> {
        let n = messages.len();
        let mut sha256s = Vec::with_capacity(n);
        let mut case_ids = Vec::with_capacity(n);
        let mut message_ids = Vec::with_capacity(n);
        let mut subjects = Vec::with_capacity(n);
        let mut froms = Vec::with_capacity(n);
        let mut received = Vec::with_capacity(n);
        let mut mailboxes = Vec::with_capacity(n);
        let mut parsed = Vec::with_capacity(n);
        let mut verdicts = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let mut message_jsons = Vec::with_capacity(n);
        let mut assessment_jsons = Vec::with_capacity(n);
        let mut signal_jsons = Vec::with_capacity(n);
        let mut sender_addresses = Vec::with_capacity(n);
        let mut sender_domains = Vec::with_capacity(n);
        for m in messages {
            let msg = &m.incoming.message;
            let a = &m.incoming.assessment;
            sha256s.push(msg.sha256.as_str());
            case_ids.push(m.case_id);
            message_ids.push(opt_text(msg.message_id.as_deref()).map(Cow::into_owned));
            subjects.push(opt_text(msg.subject.as_deref()).map(Cow::into_owned));
            froms
                .push(opt_text(msg.from.as_ref().map(|f| f.address.as_str())).map(Cow::into_owned));
            received.push(m.received_at);
            mailboxes.push(m.mailbox);
            parsed.push(msg.parsed);
            verdicts.push(m.verdict.as_str());
            kinds.push(a.request.kind.as_str());
            message_jsons.push(m.message_json.as_str());
            assessment_jsons.push(m.assessment_json.as_str());
            signal_jsons.push(m.case_signals_json.as_str());
            sender_addresses.push(text(&a.sender.address).into_owned());
            sender_domains.push(text(&a.sender.domain).into_owned());
        }
        // ORDER BY ord: row ids are drawn in batch order, as when inserted one by one.
        sqlx::query(
            "INSERT INTO messages (sha256, case_id, message_id, subject, from_address, received_at,
                                   mailbox, parsed, verdict, kind, message_json, assessment_json,
                                   case_signals_json, sender_address, sender_domain)
             SELECT h, c, i, s, f, r, mb, p, v, k, mj, aj, cs, sa, sd
             FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                         $6::timestamptz[], $7::text[], $8::bool[], $9::text[], $10::text[],
                         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
                  WITH ORDINALITY AS n(h, c, i, s, f, r, mb, p, v, k, mj, aj, cs, sa, sd, ord)
             ORDER BY ord",
        )
        .bind(&sha256s)
        .bind(&case_ids)
        .bind(&message_ids)
        .bind(&subjects)
        .bind(&froms)
        .bind(&received)
        .bind(&mailboxes)
        .bind(&parsed)
        .bind(&verdicts)
        .bind(&kinds)
        .bind(&message_jsons)
        .bind(&assessment_jsons)
        .bind(&signal_jsons)
        .bind(&sender_addresses)
        .bind(&sender_domains)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<(), StoreError> {
        let case_ids: Vec<i64> = targets.iter().map(|t| t.case_id).collect();
        let kinds: Vec<String> = targets.iter().map(|t| text(t.kind).into_owned()).collect();
        let values: Vec<String> = targets.iter().map(|t| text(t.value).into_owned()).collect();
        sqlx::query(
            "INSERT INTO case_targets (case_id, kind, value)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[])
             ON CONFLICT DO NOTHING",
        )
        .bind(&case_ids)
        .bind(&kinds)
        .bind(&values)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn insert_outbox(&mut self, events: &[NewOutbox]) -> Result<(), StoreError> {
        let event_ids: Vec<uuid::Uuid> = events.iter().map(|e| e.event_id).collect();
        let case_ids: Vec<i64> = events.iter().map(|e| e.case_id).collect();
        let keys: Vec<&str> = events.iter().map(|e| e.routing_key.as_str()).collect();
        let payloads: Vec<&str> = events.iter().map(|e| e.payload.as_str()).collect();
        // ORDER BY ord: the outbox is published in id order, which must be batch order.
        sqlx::query(
            "INSERT INTO outbox (event_id, case_id, routing_key, payload)
             SELECT e, c, k, p
             FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::text[])
                  WITH ORDINALITY AS n(e, c, k, p, ord)
             ORDER BY ord",
        )
        .bind(&event_ids)
        .bind(&case_ids)
        .bind(&keys)
        .bind(&payloads)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn recent_acknowledgements(
        &mut self,
        recipients: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        crate::ack::sql::postgres::recent(self, recipients, since).await
    }

    async fn insert_acknowledgements(
        &mut self,
        acks: &[crate::ack::NewAck<'_>],
    ) -> Result<(), StoreError> {
        crate::ack::sql::postgres::insert(self, acks).await
    }

    async fn advance_cursors(&mut self, cursors: &[CursorUpdate]) -> Result<(), StoreError> {
        let accounts: Vec<&str> = cursors.iter().map(|c| c.account.as_str()).collect();
        let mailboxes: Vec<&str> = cursors.iter().map(|c| c.mailbox.as_str()).collect();
        let validities: Vec<i64> = cursors
            .iter()
            .map(|c| i64::from(c.cursor.uid_validity))
            .collect();
        let uids: Vec<i64> = cursors
            .iter()
            .map(|c| i64::from(c.cursor.last_uid))
            .collect();
        sqlx::query(
            "INSERT INTO mailbox_cursors (account, mailbox, uid_validity, last_uid)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[])
             ON CONFLICT (account, mailbox) DO UPDATE SET
               last_uid = CASE WHEN mailbox_cursors.uid_validity = EXCLUDED.uid_validity
                               THEN GREATEST(mailbox_cursors.last_uid, EXCLUDED.last_uid)
                               ELSE EXCLUDED.last_uid END,
               uid_validity = EXCLUDED.uid_validity,
               updated_at = now()",
        )
        .bind(&accounts)
        .bind(&mailboxes)
        .bind(&validities)
        .bind(&uids)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn sender_decisions(
        &mut self,
        subjects: &[String],
    ) -> Result<HashMap<String, SenderDecision>, StoreError> {
        let subjects: Vec<String> = subjects.iter().map(|s| text(s).into_owned()).collect();
        let rows = sqlx::query(
            "SELECT subject, decision, note, decided_by, decided_at FROM sender_decisions
             WHERE subject = ANY($1)",
        )
        .bind(&subjects)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                let d = decision_row(
                    r.try_get("subject")?,
                    r.try_get("decision")?,
                    r.try_get("note")?,
                    r.try_get("decided_by")?,
                    r.try_get("decided_at")?,
                )?;
                Ok((d.subject.clone(), d))
            })
            .collect()
    }

    async fn known_senders(&mut self, addresses: &[String]) -> Result<HashSet<String>, StoreError> {
        let addresses: Vec<String> = addresses.iter().map(|s| text(s).into_owned()).collect();
        let rows = sqlx::query("SELECT address FROM known_senders WHERE address = ANY($1)")
            .bind(&addresses)
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
        let addresses: Vec<String> = senders
            .iter()
            .map(|s| text(s.address).into_owned())
            .collect();
        let agencies: Vec<String> = senders
            .iter()
            .map(|s| text(s.agency).into_owned())
            .collect();
        let seen: Vec<DateTime<Utc>> = senders.iter().map(|s| s.first_seen_at).collect();
        let cases: Vec<i64> = senders.iter().map(|s| s.first_case_id).collect();
        sqlx::query(
            "INSERT INTO known_senders (address, agency, first_seen_at, first_case_id)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::bigint[])
             ON CONFLICT DO NOTHING",
        )
        .bind(&addresses)
        .bind(&agencies)
        .bind(&seen)
        .bind(&cases)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn update_due_dates(&mut self, updates: &[(i64, CaseDates)]) -> Result<(), StoreError> {
        let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
        let due: Vec<DateTime<Utc>> = updates.iter().map(|(_, d)| d.due_at).collect();
        let soon: Vec<DateTime<Utc>> = updates.iter().map(|(_, d)| d.due_soon_at).collect();
        sqlx::query(
            "UPDATE cases SET
               due_soon_notice_at = CASE WHEN cases.due_at IS NOT DISTINCT FROM u.due
                                         THEN cases.due_soon_notice_at END,
               overdue_notice_at = CASE WHEN cases.due_at IS NOT DISTINCT FROM u.due
                                        THEN cases.overdue_notice_at END,
               due_at = u.due, due_soon_at = u.soon
             FROM UNNEST($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS u(id, due, soon)
             WHERE cases.id = u.id",
        )
        .bind(&ids)
        .bind(&due)
        .bind(&soon)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn cases_by_targets(
        &mut self,
        targets: &[(String, String)],
    ) -> Result<Vec<RelatedRow>, StoreError> {
        let kinds: Vec<String> = targets.iter().map(|(k, _)| text(k).into_owned()).collect();
        let values: Vec<String> = targets.iter().map(|(_, v)| text(v).into_owned()).collect();
        // One bounded backward scan of case_targets (kind, value, case_id) per target.
        let rows = sqlx::query(
            "SELECT t.kind, t.value, c.id, c.reference, c.verdict, c.impersonation_confirmed, c.imported
             FROM UNNEST($1::text[], $2::text[]) AS t(kind, value)
             CROSS JOIN LATERAL (SELECT case_id FROM case_targets
                                 WHERE kind = t.kind AND value = t.value
                                 ORDER BY case_id DESC LIMIT $3) h
             JOIN cases c ON c.id = h.case_id",
        )
        .bind(&kinds)
        .bind(&values)
        .bind(MAX_CASES_PER_TARGET)
        .fetch_all(&mut **self)
        .await?;
        rows.iter().map(related_row).collect()
    }

    async fn insert_links(
        &mut self,
        links: &[NewLink<'_>],
        at: DateTime<Utc>,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let cases: Vec<i64> = links.iter().map(|l| l.case_id).collect();
        let related: Vec<i64> = links.iter().map(|l| l.related_case_id).collect();
        let kinds: Vec<String> = links.iter().map(|l| text(l.kind).into_owned()).collect();
        let values: Vec<String> = links.iter().map(|l| text(l.value).into_owned()).collect();
        let rows = sqlx::query(
            "INSERT INTO case_links (case_id, related_case_id, kind, value, linked_at)
             SELECT c, r, k, v, $5
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS l(c, r, k, v)
             ON CONFLICT DO NOTHING
             RETURNING case_id, related_case_id",
        )
        .bind(&cases)
        .bind(&related)
        .bind(&kinds)
        .bind(&values)
        .bind(at)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("case_id")?, r.try_get("related_case_id")?)))
            .collect()
    }

    async fn related_cases(
        &mut self,
        case_ids: &[i64],
    ) -> Result<Vec<(i64, RelatedRow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT k.case_id AS of_case, c.id, c.reference, c.verdict,
                    c.impersonation_confirmed, c.imported, l.kind, l.value
             FROM unnest($1::bigint[]) AS k(case_id)
             CROSS JOIN LATERAL (SELECT related_case_id, kind, value FROM case_links
                                 WHERE case_id = k.case_id
                                 ORDER BY related_case_id DESC LIMIT $2) l
             JOIN cases c ON c.id = l.related_case_id
             ORDER BY k.case_id, c.id",
        )
        .bind(case_ids)
        .bind(MAX_LINKS_PER_EVENT)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("of_case")?, related_row(r)?)))
            .collect()
    }

    async fn case_documents(&mut self, case_ids: &[i64]) -> Result<Vec<CaseDocument>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            case_columns!(),
            ", m.message_json, m.assessment_json, m.case_signals_json,
                    m.received_at, m.mailbox
             FROM cases c
             CROSS JOIN LATERAL (SELECT * FROM messages WHERE case_id = c.id
                                 ORDER BY id DESC LIMIT 1) m
             WHERE c.id = ANY($1)
             ORDER BY c.id"
        ))
        .bind(case_ids)
        .fetch_all(&mut **self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseDocument {
                    case: case_row(r)?,
                    message_json: r.try_get("message_json")?,
                    assessment_json: r.try_get("assessment_json")?,
                    case_signals_json: r.try_get("case_signals_json")?,
                    received_at: r.try_get("received_at")?,
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
        // SKIP LOCKED: two processes queueing notices at once take different cases, and a
        // case is marked in the same transaction that queues its notice.
        let rows = sqlx::query(
            "SELECT id, due_at <= $1 AS overdue FROM cases
             WHERE status = 'open' AND NOT imported AND verdict <> 'impersonation'
               AND ((due_at <= $1 AND overdue_notice_at IS NULL)
                    OR (due_soon_at <= $1 AND due_at > $1 AND due_soon_notice_at IS NULL))
             ORDER BY due_at LIMIT $2
             FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
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
        let ids: Vec<i64> = notices.iter().map(|(id, _)| *id).collect();
        let overdue: Vec<bool> = notices.iter().map(|(_, n)| *n == Notice::Overdue).collect();
        // An overdue case needs no "due soon" notice any more.
        sqlx::query(
            "UPDATE cases SET
               due_soon_notice_at = coalesce(cases.due_soon_notice_at, $3),
               overdue_notice_at = CASE WHEN n.overdue THEN $3 ELSE cases.overdue_notice_at END
             FROM UNNEST($1::bigint[], $2::bool[]) AS n(id, overdue)
             WHERE cases.id = n.id",
        )
        .bind(&ids)
        .bind(&overdue)
        .bind(at)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn record_decision(&mut self, decision: &SenderDecision) -> Result<(), StoreError> {
        let subject = text(&decision.subject);
        let note = opt_text(decision.note.as_deref());
        let by = opt_text(decision.decided_by.as_deref());
        sqlx::query(
            "WITH logged AS (
               INSERT INTO sender_decision_log (subject, decision, note, decided_by, decided_at)
               VALUES ($1, $2, $3, $4, $5))
             INSERT INTO sender_decisions (subject, decision, note, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (subject) DO UPDATE SET decision = excluded.decision,
               note = excluded.note, decided_by = excluded.decided_by,
               decided_at = excluded.decided_at",
        )
        .bind(subject.as_ref())
        .bind(decision.decision.as_str())
        .bind(note.as_deref())
        .bind(by.as_deref())
        .bind(decision.decided_at)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn open_cases_from(&mut self, subject: &str) -> Result<Vec<i64>, StoreError> {
        let subject = text(subject);
        let rows = sqlx::query(
            "SELECT DISTINCT m.case_id FROM messages m JOIN cases c ON c.id = m.case_id
             WHERE c.status = 'open'
               AND (m.sender_address = $1 OR m.sender_domain = $1
                    OR right(m.sender_domain, length($1) + 1) = '.' || $1)
             ORDER BY m.case_id",
        )
        .bind(subject.as_ref())
        .fetch_all(&mut **self)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("case_id")?)).collect()
    }

    async fn reassess_cases(&mut self, updates: &[Reassessment<'_>]) -> Result<(), StoreError> {
        let ids: Vec<i64> = updates.iter().map(|u| u.case_id).collect();
        let verdicts: Vec<&str> = updates.iter().map(|u| u.verdict.as_str()).collect();
        let confirmed: Vec<bool> = updates.iter().map(|u| u.impersonation_confirmed).collect();
        let keys: Vec<&str> = updates.iter().map(|u| u.routing_key).collect();
        sqlx::query(
            "UPDATE cases SET verdict = u.v, impersonation_confirmed = u.c, routing_key = u.k
             FROM UNNEST($1::bigint[], $2::text[], $3::bool[], $4::text[]) AS u(id, v, c, k)
             WHERE cases.id = u.id",
        )
        .bind(&ids)
        .bind(&verdicts)
        .bind(&confirmed)
        .bind(&keys)
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

    async fn acquire_lease(
        &self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let expires = super::lease_expiry(now, ttl);
        // The conflict update runs on the locked existing row and only where the WHERE
        // holds, so of two processes racing for an expired lease one updates and the
        // other sees the winner's live lease and gets no row back.
        let row = sqlx::query(
            "INSERT INTO mailbox_leases (mailbox, holder, acquired_at, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (mailbox) DO UPDATE SET
               acquired_at = CASE WHEN mailbox_leases.holder = EXCLUDED.holder
                                  THEN mailbox_leases.acquired_at
                                  ELSE EXCLUDED.acquired_at END,
               holder = EXCLUDED.holder,
               expires_at = EXCLUDED.expires_at
             WHERE mailbox_leases.holder = EXCLUDED.holder
                OR mailbox_leases.expires_at <= EXCLUDED.acquired_at
             RETURNING holder",
        )
        .bind(text(mailbox))
        .bind(text(holder))
        .bind(now)
        .bind(expires)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, mailbox: &str, holder: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM mailbox_leases WHERE mailbox = $1 AND holder = $2")
            .bind(text(mailbox))
            .bind(text(holder))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn lease(&self, mailbox: &str) -> Result<Option<MailboxLease>, StoreError> {
        let row = sqlx::query(
            "SELECT holder, acquired_at, expires_at FROM mailbox_leases WHERE mailbox = $1",
        )
        .bind(text(mailbox))
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
               last_fetch_at = EXCLUDED.last_fetch_at,
               backlog = EXCLUDED.backlog,
               updated_at = EXCLUDED.updated_at",
        )
        .bind(text(mailbox))
        .bind(at)
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
               last_error = EXCLUDED.last_error,
               last_error_at = EXCLUDED.last_error_at,
               updated_at = EXCLUDED.updated_at",
        )
        .bind(text(mailbox))
        .bind(text(error))
        .bind(at)
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
        let statuses = sqlx::query(
            "SELECT mailbox, last_fetch_at, backlog, last_error, last_error_at FROM mailbox_status",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MailboxState {
                mailbox: r.try_get("mailbox")?,
                last_fetch_at: r.try_get("last_fetch_at")?,
                backlog: r.try_get("backlog")?,
                last_error: r.try_get("last_error")?,
                last_error_at: r.try_get("last_error_at")?,
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
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueCase {
                    reference: r.try_get("reference")?,
                    kind: r.try_get("kind")?,
                    verdict: r.try_get("verdict")?,
                    subject: r.try_get("subject")?,
                    opened_at: r.try_get("opened_at")?,
                    due_at: r.try_get("due_at")?,
                    expires_at: r.try_get("expires_at")?,
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
                    r.try_get("decided_at")?,
                )
            })
            .collect()
    }
}

fn lease_row(row: &sqlx::postgres::PgRow) -> Result<MailboxLease, StoreError> {
    Ok(MailboxLease {
        holder: row.try_get("holder")?,
        acquired_at: row.try_get("acquired_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}
