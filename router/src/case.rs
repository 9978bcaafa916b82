//! Case rules, shared by every database: which case a message belongs to, how a new case
//! is numbered, and which event it produces. The databases provide only the SQL
//! primitives of [`CaseTx`].

use crate::event::{CaseEvent, CaseSummary, MessageSummary, SCHEMA_VERSION, routing_key};
use crate::store::{BatchOutcome, Incoming, StoreError, StoredCursor};
use chrono::{DateTime, Datelike, Utc};
use lea_ingest::Origin;
use regex::Regex;
use std::collections::HashMap;
use std::future::Future;

/// How case references look: a template with `{year}` and `{seq}` (or `{seq:06}` for a
/// zero-padded width). The default is `LEA-{year}-{seq:06}`, e.g. `LEA-2026-000042`.
#[derive(Debug, Clone)]
pub struct ReferenceFormat {
    template: String,
    width: usize,
    pattern: Regex,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid case reference format {template:?}: {reason}")]
pub struct ReferenceFormatError {
    template: String,
    reason: String,
}

impl ReferenceFormat {
    pub fn parse(template: &str) -> Result<Self, ReferenceFormatError> {
        let err = |reason: &str| ReferenceFormatError {
            template: template.to_string(),
            reason: reason.to_string(),
        };
        let seq = Regex::new(r"\{seq(?::0?(\d+))?\}").map_err(|e| err(&e.to_string()))?;
        let caps = seq
            .captures(template)
            .ok_or_else(|| err("it needs {seq}"))?;
        if seq.find_iter(template).count() != 1 {
            return Err(err("{seq} must appear exactly once"));
        }
        let width = match caps.get(1) {
            Some(w) => w.as_str().parse().map_err(|_| err("bad {seq} width"))?,
            None => 1,
        };
        if !(1..=12).contains(&width) {
            return Err(err("the {seq} width must be 1 to 12"));
        }
        let normalised = seq.replace(template, "{seq}").to_string();
        // A reference quoted in a subject ("Re: [LEA-2026-000042] ...") is found with a
        // pattern built from the same template.
        let mut pattern = String::from(r"\b");
        let mut rest = normalised.as_str();
        while let Some(pos) = rest.find('{') {
            pattern.push_str(&regex::escape(&rest[..pos]));
            rest = &rest[pos..];
            if let Some(r) = rest.strip_prefix("{year}") {
                pattern.push_str(r"\d{4}");
                rest = r;
            } else if let Some(r) = rest.strip_prefix("{seq}") {
                pattern.push_str(&format!(r"\d{{{width},}}"));
                rest = r;
            } else {
                return Err(err("only {year} and {seq} are placeholders"));
            }
        }
        pattern.push_str(&regex::escape(rest));
        pattern.push_str(r"\b");
        let pattern = Regex::new(&pattern).map_err(|e| err(&e.to_string()))?;
        Ok(ReferenceFormat {
            template: normalised,
            width,
            pattern,
        })
    }

    pub fn format(&self, year: i32, seq: i64) -> String {
        self.template
            .replace("{year}", &year.to_string())
            .replace("{seq}", &format!("{seq:0width$}", width = self.width))
    }

    /// References of this format found in a text, in order.
    pub fn find_all<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        self.pattern.find_iter(text).map(|m| m.as_str())
    }
}

impl Default for ReferenceFormat {
    fn default() -> Self {
        ReferenceFormat::parse("LEA-{year}-{seq:06}").expect("the default format is valid")
    }
}

/// Settings of the case rules.
#[derive(Debug, Clone, Default)]
pub struct CaseOptions {
    pub reference_format: ReferenceFormat,
}

/// A case as the rules need it.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub reference: String,
    pub opened_at: DateTime<Utc>,
    pub status: String,
}

pub struct NewCase<'a> {
    pub reference: &'a str,
    pub opened_at: DateTime<Utc>,
    pub incoming: &'a Incoming,
}

pub struct NewMessage<'a> {
    pub case_id: i64,
    pub received_at: DateTime<Utc>,
    pub mailbox: &'a str,
    pub message_json: &'a str,
    pub assessment_json: &'a str,
    pub incoming: &'a Incoming,
}

pub struct NewOutbox<'a> {
    pub event_id: uuid::Uuid,
    pub case_id: i64,
    pub routing_key: &'a str,
    pub payload: &'a str,
}

/// A location key: (account, mailbox, UIDVALIDITY, item).
pub fn location_key(origin: &Origin) -> (String, String, i64, String) {
    match origin {
        Origin::Imap {
            account,
            mailbox,
            uid_validity,
            uid,
        } => (
            account.clone(),
            mailbox.clone(),
            i64::from(*uid_validity),
            uid.to_string(),
        ),
        Origin::Archive { archive, item } => {
            ("archive".to_string(), archive.clone(), 0, item.clone())
        }
    }
}

/// The SQL primitives a database provides, inside one open transaction.
pub trait CaseTx: Send {
    fn insert_raw(
        &mut self,
        sha256: &str,
        raw: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn insert_location(
        &mut self,
        origin: &Origin,
        sha256: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn message_exists(
        &mut self,
        sha256: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The case of the first stored message whose Message-ID is one of `ids`.
    fn case_by_message_ids(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Option<CaseRow>, StoreError>> + Send;
    fn case_by_reference(
        &mut self,
        reference: &str,
    ) -> impl Future<Output = Result<Option<CaseRow>, StoreError>> + Send;
    /// The next sequence number for `year`, unique across workers.
    fn next_sequence(&mut self, year: i32) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn insert_case(
        &mut self,
        case: &NewCase<'_>,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// Count one more message on the case; returns the new message count.
    fn touch_case(
        &mut self,
        case_id: i64,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    fn insert_message(
        &mut self,
        message: &NewMessage<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn insert_target(
        &mut self,
        case_id: i64,
        kind: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn insert_outbox(
        &mut self,
        event: &NewOutbox<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Move an IMAP folder's cursor forward (never back, unless UIDVALIDITY changed).
    fn advance_cursor(
        &mut self,
        account: &str,
        mailbox: &str,
        cursor: StoredCursor,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The case logic for one batch, inside the caller's transaction.
pub async fn commit_batch<T: CaseTx>(
    tx: &mut T,
    batch: &[Incoming],
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let mut outcome = BatchOutcome::default();
    let mut cursors: HashMap<(String, String), StoredCursor> = HashMap::new();
    for incoming in batch {
        if let Origin::Imap {
            account,
            mailbox,
            uid_validity,
            uid,
        } = &incoming.origin
        {
            let entry = cursors
                .entry((account.clone(), mailbox.clone()))
                .or_insert(StoredCursor {
                    uid_validity: *uid_validity,
                    last_uid: 0,
                });
            entry.uid_validity = *uid_validity;
            entry.last_uid = entry.last_uid.max(*uid);
        }
        store_one(tx, incoming, options, now, &mut outcome).await?;
    }
    for ((account, mailbox), cursor) in cursors {
        tx.advance_cursor(&account, &mailbox, cursor).await?;
    }
    Ok(outcome)
}

async fn store_one<T: CaseTx>(
    tx: &mut T,
    incoming: &Incoming,
    options: &CaseOptions,
    now: DateTime<Utc>,
    outcome: &mut BatchOutcome,
) -> Result<(), StoreError> {
    let message = &incoming.message;
    let sha256 = message.sha256.as_str();
    tx.insert_raw(sha256, &incoming.raw).await?;
    tx.insert_location(&incoming.origin, sha256).await?;
    if tx.message_exists(sha256).await? {
        outcome.duplicates += 1;
        return Ok(());
    }
    let received_at = incoming.received_at.or(message.date).unwrap_or(now);

    let thread = find_thread(tx, incoming, options).await?;
    let (case, message_count, event_name) = match thread {
        Some(case) => {
            let count = tx.touch_case(case.id, now).await?;
            outcome.cases_updated += 1;
            (case, count, "case.updated")
        }
        None => {
            // Imported cases open at the message's own date, so due dates and
            // reference years reflect when the request really arrived.
            let opened_at = if incoming.imported { received_at } else { now };
            let year = opened_at.year();
            let seq = tx.next_sequence(year).await?;
            let reference = options.reference_format.format(year, seq);
            let id = tx
                .insert_case(&NewCase {
                    reference: &reference,
                    opened_at,
                    incoming,
                })
                .await?;
            outcome.cases_opened += 1;
            (
                CaseRow {
                    id,
                    reference,
                    opened_at,
                    status: "open".to_string(),
                },
                1,
                "case.opened",
            )
        }
    };

    let mailbox = incoming.origin.mailbox_label();
    tx.insert_message(&NewMessage {
        case_id: case.id,
        received_at,
        mailbox: &mailbox,
        message_json: &serde_json::to_string(message)?,
        assessment_json: &serde_json::to_string(&incoming.assessment)?,
        incoming,
    })
    .await?;
    for target in &incoming.assessment.targets {
        tx.insert_target(case.id, &target.kind, &target.value)
            .await?;
    }

    let assessment = &incoming.assessment;
    let key = routing_key(assessment.sender.verdict, assessment.request.kind);
    let event = CaseEvent {
        schema: SCHEMA_VERSION.to_string(),
        event_id: uuid::Uuid::now_v7(),
        event: event_name.to_string(),
        occurred_at: now,
        routing_key: key.clone(),
        case: CaseSummary {
            reference: case.reference.clone(),
            opened_at: case.opened_at,
            status: case.status.clone(),
            message_count,
            imported: incoming.imported,
        },
        message: MessageSummary {
            message_id: message.message_id.clone(),
            sha256: sha256.to_string(),
            subject: message.subject.clone(),
            from: message.from.as_ref().map(|m| m.address.clone()),
            received_at,
            mailbox,
            parsed: message.parsed,
            problems: message.problems.iter().map(ToString::to_string).collect(),
        },
        sender: assessment.sender.clone(),
        request: assessment.request.clone(),
        targets: assessment.targets.clone(),
        attachments: assessment.attachments.clone(),
    };
    let payload = serde_json::to_string(&event)?;
    tx.insert_outbox(&NewOutbox {
        event_id: event.event_id,
        case_id: case.id,
        routing_key: &key,
        payload: &payload,
    })
    .await?;
    outcome.stored += 1;
    Ok(())
}

/// The case a message continues: by In-Reply-To/References, else by a case reference
/// in its subject (an agency answering our acknowledgement).
async fn find_thread<T: CaseTx>(
    tx: &mut T,
    incoming: &Incoming,
    options: &CaseOptions,
) -> Result<Option<CaseRow>, StoreError> {
    let message = &incoming.message;
    // Its own Message-ID first: the same message delivered again with other trace
    // headers (so another SHA-256) belongs to the case it already opened.
    let mut ids: Vec<String> = message.message_id.iter().cloned().collect();
    ids.extend(message.in_reply_to.iter().cloned());
    ids.extend(message.references.iter().rev().cloned());
    ids.retain(|id| !id.is_empty());
    if !ids.is_empty()
        && let Some(case) = tx.case_by_message_ids(&ids).await?
    {
        return Ok(Some(case));
    }
    if let Some(subject) = &message.subject {
        for reference in options.reference_format.find_all(subject) {
            if let Some(case) = tx.case_by_reference(reference).await? {
                return Ok(Some(case));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_reference_format() {
        let f = ReferenceFormat::default();
        assert_eq!(f.format(2026, 42), "LEA-2026-000042");
        assert_eq!(f.format(2026, 1_234_567), "LEA-2026-1234567");
    }

    #[test]
    fn references_are_found_in_subjects() {
        let f = ReferenceFormat::default();
        let found: Vec<_> = f
            .find_all("Re: [LEA-2026-000042] Subpoena; see also LEA-2025-000007")
            .collect();
        assert_eq!(found, vec!["LEA-2026-000042", "LEA-2025-000007"]);
        assert_eq!(f.find_all("XLEA-2026-000042").count(), 0);
    }

    #[test]
    fn custom_formats_round_trip() {
        let f = ReferenceFormat::parse("CASE/{seq:04}/{year}").unwrap();
        let r = f.format(2027, 5);
        assert_eq!(r, "CASE/0005/2027");
        assert_eq!(
            f.find_all(&format!("about {r}.")).collect::<Vec<_>>(),
            vec![r.as_str()]
        );
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(ReferenceFormat::parse("LEA-{year}").is_err());
        assert!(ReferenceFormat::parse("{seq}-{seq}").is_err());
        assert!(ReferenceFormat::parse("{seq}-{month}").is_err());
    }
}
