//! Case rules, shared by every database: which case a message belongs to, how a new case
//! is numbered, and which event it produces. The databases provide only the SQL
//! primitives of [`CaseTx`], each working on a whole batch.

use crate::event::{CaseEvent, CaseSummary, MessageSummary, SCHEMA_VERSION, routing_key};
use crate::store::{BatchOutcome, Incoming, StoreError, StoredCursor};
use chrono::{DateTime, Datelike, Utc};
use lea_ingest::Origin;
use regex::Regex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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
    /// Acknowledgements to the senders of new cases; `None`: never.
    pub acknowledgements: Option<crate::ack::AckOptions>,
}

/// A case as the rules need it.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: i64,
    pub reference: String,
    pub opened_at: DateTime<Utc>,
    pub status: String,
}

/// A stored message found by Message-ID, with its case.
#[derive(Debug, Clone)]
pub struct ThreadMatch {
    /// The Message-ID as stored.
    pub message_id: String,
    /// The message's row id: the earliest stored message of a thread wins.
    pub message_row: i64,
    pub case: CaseRow,
}

/// Raw bytes to keep, once per SHA-256.
pub struct NewRaw<'a> {
    pub sha256: &'a str,
    pub bytes: &'a [u8],
}

/// One place a message was seen.
pub struct NewLocation<'a> {
    pub origin: &'a Origin,
    pub sha256: &'a str,
}

pub struct NewCase<'a> {
    pub reference: &'a str,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The opening message plus the replies to it later in the same batch.
    pub message_count: i64,
    pub incoming: &'a Incoming,
}

pub struct NewMessage<'a> {
    pub case_id: i64,
    pub received_at: DateTime<Utc>,
    pub mailbox: &'a str,
    pub message_json: String,
    pub assessment_json: String,
    pub incoming: &'a Incoming,
}

pub struct NewTarget<'a> {
    pub case_id: i64,
    pub kind: &'a str,
    pub value: &'a str,
}

pub struct NewOutbox {
    pub event_id: uuid::Uuid,
    pub case_id: i64,
    pub routing_key: String,
    pub payload: String,
}

/// The new cursor of one IMAP folder.
pub struct CursorUpdate {
    pub account: String,
    pub mailbox: String,
    pub cursor: StoredCursor,
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

/// The SQL primitives a database provides, inside one open transaction. Each works on a
/// whole batch, so a database that pays a round trip per statement (PostgreSQL) issues a
/// handful of statements per batch rather than per message. Callers never pass an empty
/// slice.
pub trait CaseTx: Send {
    /// A text value as the database will store and compare it (PostgreSQL drops NUL), so
    /// that Message-IDs within a batch match exactly as they would once stored.
    fn stored_text(value: &str) -> Cow<'_, str> {
        Cow::Borrowed(value)
    }
    /// Keep raw bytes; a SHA-256 already stored is left alone.
    fn insert_raws(
        &mut self,
        raws: &[NewRaw<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Record where messages were seen; a location already recorded is left alone.
    fn insert_locations(
        &mut self,
        locations: &[NewLocation<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Which of these SHA-256s already have a stored message.
    fn existing_messages(
        &mut self,
        sha256s: &[&str],
    ) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;
    /// For each of `ids` some stored message has, the first such message and its case.
    fn cases_by_message_ids(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<ThreadMatch>, StoreError>> + Send;
    /// The cases with these references (those that exist).
    fn cases_by_references(
        &mut self,
        references: &[String],
    ) -> impl Future<Output = Result<Vec<CaseRow>, StoreError>> + Send;
    /// Lock the reference counters of `years` (distinct, ascending) until the transaction
    /// ends, so no other worker numbers cases of those years meanwhile; returns the last
    /// number used per year (0 for a year without cases yet).
    fn lock_sequences(
        &mut self,
        years: &[i32],
    ) -> impl Future<Output = Result<HashMap<i32, i64>, StoreError>> + Send;
    /// Record that `(year, count)` more numbers were used, after [`CaseTx::lock_sequences`].
    fn advance_sequences(
        &mut self,
        used: &[(i32, i64)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Insert cases; returns their ids, in the order given.
    fn insert_cases(
        &mut self,
        cases: &[NewCase<'_>],
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
    /// Count `(case id, n)` more messages on existing cases and set their update time;
    /// returns each case's new message count by case id.
    fn touch_cases(
        &mut self,
        touches: &[(i64, i64)],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<HashMap<i64, i64>, StoreError>> + Send;
    /// Insert messages; their row ids follow the order given.
    fn insert_messages(
        &mut self,
        messages: &[NewMessage<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Link targets to cases; a link already made is left alone.
    fn insert_targets(
        &mut self,
        targets: &[NewTarget<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Queue events; their row ids (the publishing order) follow the order given.
    fn insert_outbox(
        &mut self,
        events: &[NewOutbox],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Of these senders (distinct, sorted), those with an acknowledgement queued or sent
    /// after `since`; on PostgreSQL they stay locked until the transaction ends.
    fn recent_acknowledgements(
        &mut self,
        recipients: &[String],
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;
    /// Queue acknowledgements, and record the skipped ones with their reason.
    fn insert_acknowledgements(
        &mut self,
        acks: &[crate::ack::NewAck<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Move IMAP folders' cursors forward (never back, unless UIDVALIDITY changed).
    fn advance_cursors(
        &mut self,
        cursors: &[CursorUpdate],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Which case a message of the batch goes to.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// A case stored before this batch (index into `Plan::existing`).
    Existing(usize),
    /// A case this batch opens (index into `Plan::opened`).
    Opened(usize),
}

struct ExistingCase {
    row: CaseRow,
    /// Messages of this batch joining the case.
    joined: i64,
}

struct OpenedCase<'a> {
    reference: String,
    opened_at: DateTime<Utc>,
    incoming: &'a Incoming,
    /// Later messages of this batch joining the case.
    joined: i64,
}

struct PlannedMessage<'a> {
    incoming: &'a Incoming,
    slot: Slot,
    received_at: DateTime<Utc>,
    /// 1 for the first message of this batch on its case, 2 for the next...
    nth_on_case: i64,
}

/// The case logic for one batch, inside the caller's transaction. The result is the same
/// as storing the messages one by one in batch order: a message may continue a case
/// opened earlier in the same batch, and references are numbered in batch order.
pub async fn commit_batch<T: CaseTx>(
    tx: &mut T,
    batch: &[Incoming],
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let mut outcome = BatchOutcome::default();
    if batch.is_empty() {
        return Ok(outcome);
    }

    // Raw bytes once per SHA-256; every place a message was seen, duplicates included.
    let mut raws = Vec::new();
    let mut distinct = HashSet::new();
    for incoming in batch {
        let sha256 = incoming.message.sha256.as_str();
        if distinct.insert(sha256) {
            raws.push(NewRaw {
                sha256,
                bytes: &incoming.raw,
            });
        }
    }
    tx.insert_raws(&raws).await?;
    let locations: Vec<NewLocation<'_>> = batch
        .iter()
        .map(|incoming| NewLocation {
            origin: &incoming.origin,
            sha256: &incoming.message.sha256,
        })
        .collect();
    tx.insert_locations(&locations).await?;

    // A message already stored, or seen earlier in this batch, changes nothing else.
    let sha256s: Vec<&str> = raws.iter().map(|r| r.sha256).collect();
    let stored = tx.existing_messages(&sha256s).await?;
    let mut taken = HashSet::new();
    let mut fresh = Vec::new();
    for incoming in batch {
        let sha256 = incoming.message.sha256.as_str();
        if stored.contains(sha256) || !taken.insert(sha256) {
            outcome.duplicates += 1;
        } else {
            fresh.push(incoming);
        }
    }

    if !fresh.is_empty() {
        let plan = plan::<T>(tx, &fresh, options, now).await?;
        write(tx, plan, options, now, &mut outcome).await?;
    }

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
    }
    if !cursors.is_empty() {
        let mut updates: Vec<CursorUpdate> = cursors
            .into_iter()
            .map(|((account, mailbox), cursor)| CursorUpdate {
                account,
                mailbox,
                cursor,
            })
            .collect();
        // A fixed order, so workers sharing folders lock their cursor rows alike.
        updates.sort_by(|a, b| (&a.account, &a.mailbox).cmp(&(&b.account, &b.mailbox)));
        tx.advance_cursors(&updates).await?;
    }
    Ok(outcome)
}

/// The decisions for the new messages of a batch: which case each joins, which cases
/// open and with which reference.
struct Plan<'a> {
    messages: Vec<PlannedMessage<'a>>,
    existing: Vec<ExistingCase>,
    opened: Vec<OpenedCase<'a>>,
    /// Reference numbers used per year, ascending by year.
    used: Vec<(i32, i64)>,
}

/// The Message-IDs a message may continue: its own first (the same message delivered again with other trace headers, so another SHA-256,
/// belongs to the case it already opened), then In-Reply-To, then References, latest first.
fn thread_ids<T: CaseTx>(incoming: &Incoming) -> Vec<String> {
    let message = &incoming.message;
    message
        .message_id
        .iter()
        .chain(message.in_reply_to.iter())
        .chain(message.references.iter().rev())
        .filter(|id| !id.is_empty())
        .map(|id| T::stored_text(id).into_owned())
        .collect()
}

fn subject_references(incoming: &Incoming, options: &CaseOptions) -> Vec<String> {
    incoming
        .message
        .subject
        .as_deref()
        .map(|s| {
            options
                .reference_format
                .find_all(s)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn received_at(incoming: &Incoming, now: DateTime<Utc>) -> DateTime<Utc> {
    incoming
        .received_at
        .or(incoming.message.date)
        .unwrap_or(now)
}

/// Imported cases open at the message's own date, so due dates and reference years
/// reflect when the request really arrived.
fn opened_at(incoming: &Incoming, now: DateTime<Utc>) -> DateTime<Utc> {
    if incoming.imported {
        received_at(incoming, now)
    } else {
        now
    }
}

async fn plan<'a, T: CaseTx>(
    tx: &mut T,
    fresh: &[&'a Incoming],
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<Plan<'a>, StoreError> {
    let ids: Vec<Vec<String>> = fresh.iter().map(|i| thread_ids::<T>(i)).collect();
    let references: Vec<Vec<String>> = fresh
        .iter()
        .map(|i| subject_references(i, options))
        .collect();

    // Everything stored before this batch that the batch may continue, in two queries.
    let mut wanted_ids: Vec<String> = ids.iter().flatten().cloned().collect();
    wanted_ids.sort();
    wanted_ids.dedup();
    let mut by_message_id: HashMap<String, (i64, CaseRow)> = HashMap::new();
    if !wanted_ids.is_empty() {
        for m in tx.cases_by_message_ids(&wanted_ids).await? {
            by_message_id.insert(m.message_id, (m.message_row, m.case));
        }
    }
    let mut wanted_refs: Vec<String> = references.iter().flatten().cloned().collect();
    wanted_refs.sort();
    wanted_refs.dedup();
    let mut by_reference: HashMap<String, CaseRow> = HashMap::new();
    if !wanted_refs.is_empty() {
        for case in tx.cases_by_references(&wanted_refs).await? {
            by_reference.insert(case.reference.clone(), case);
        }
    }

    // Any new message may open a case, so the counters of their years are locked first:
    // a subject may quote a reference opened earlier in this very batch.
    let mut years: Vec<i32> = fresh.iter().map(|i| opened_at(i, now).year()).collect();
    years.sort_unstable();
    years.dedup();
    let locked = tx.lock_sequences(&years).await?;
    let mut last: HashMap<i32, i64> = years
        .iter()
        .map(|y| (*y, locked.get(y).copied().unwrap_or(0)))
        .collect();

    let mut existing: Vec<ExistingCase> = Vec::new();
    let mut existing_index: HashMap<i64, usize> = HashMap::new();
    let mut opened: Vec<OpenedCase<'a>> = Vec::new();
    // Messages and references of this batch, as later messages of the batch see them:
    // Message-ID -> (position of the first message with it, its case).
    let mut batch_ids: HashMap<String, (usize, Slot)> = HashMap::new();
    let mut batch_refs: HashMap<String, usize> = HashMap::new();
    let mut messages = Vec::with_capacity(fresh.len());

    for (position, incoming) in fresh.iter().enumerate() {
        let mut existing_slot = |case: &CaseRow| {
            let index = *existing_index.entry(case.id).or_insert_with(|| {
                existing.push(ExistingCase {
                    row: case.clone(),
                    joined: 0,
                });
                existing.len() - 1
            });
            Slot::Existing(index)
        };
        // The earliest stored message wins; messages stored before the batch come before
        // any of the batch.
        let mut slot = ids[position]
            .iter()
            .filter_map(|id| by_message_id.get(id))
            .min_by_key(|(row, _)| *row)
            .map(|(_, case)| existing_slot(case));
        if slot.is_none() {
            slot = ids[position]
                .iter()
                .filter_map(|id| batch_ids.get(id))
                .min_by_key(|(first, _)| *first)
                .map(|(_, slot)| *slot);
        }
        if slot.is_none() {
            // An agency answering our acknowledgement quotes the case reference in the
            // subject.
            slot = references[position].iter().find_map(|r| {
                by_reference
                    .get(r)
                    .map(&mut existing_slot)
                    .or_else(|| batch_refs.get(r).map(|i| Slot::Opened(*i)))
            });
        }

        let nth_on_case = match slot {
            Some(Slot::Existing(i)) => {
                existing[i].joined += 1;
                existing[i].joined
            }
            Some(Slot::Opened(i)) => {
                opened[i].joined += 1;
                opened[i].joined + 1
            }
            None => 1,
        };
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let opened_at = opened_at(incoming, now);
                let year = opened_at.year();
                let seq = last.entry(year).or_insert(0);
                *seq += 1;
                let reference = options.reference_format.format(year, *seq);
                batch_refs.insert(reference.clone(), opened.len());
                opened.push(OpenedCase {
                    reference,
                    opened_at,
                    incoming,
                    joined: 0,
                });
                Slot::Opened(opened.len() - 1)
            }
        };
        if let Some(id) = &incoming.message.message_id {
            batch_ids
                .entry(T::stored_text(id).into_owned())
                .or_insert((position, slot));
        }
        messages.push(PlannedMessage {
            incoming,
            slot,
            received_at: received_at(incoming, now),
            nth_on_case,
        });
    }

    let used = years
        .iter()
        .map(|y| {
            let before = locked.get(y).copied().unwrap_or(0);
            (*y, last.get(y).copied().unwrap_or(before) - before)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(Plan {
        messages,
        existing,
        opened,
        used,
    })
}

/// Write a batch's plan: counters, cases, messages, targets, events.
async fn write<T: CaseTx>(
    tx: &mut T,
    plan: Plan<'_>,
    options: &CaseOptions,
    now: DateTime<Utc>,
    outcome: &mut BatchOutcome,
) -> Result<(), StoreError> {
    if !plan.used.is_empty() {
        tx.advance_sequences(&plan.used).await?;
    }
    let opened_ids = if plan.opened.is_empty() {
        Vec::new()
    } else {
        let cases: Vec<NewCase<'_>> = plan
            .opened
            .iter()
            .map(|c| NewCase {
                reference: &c.reference,
                opened_at: c.opened_at,
                // A case joined within its own batch was updated by the batch.
                updated_at: if c.joined > 0 { now } else { c.opened_at },
                message_count: 1 + c.joined,
                incoming: c.incoming,
            })
            .collect();
        tx.insert_cases(&cases).await?
    };
    if opened_ids.len() != plan.opened.len() {
        return Err(StoreError::Unexpected(format!(
            "{} cases inserted, {} ids returned",
            plan.opened.len(),
            opened_ids.len()
        )));
    }
    let counts = if plan.existing.is_empty() {
        HashMap::new()
    } else {
        let touches: Vec<(i64, i64)> = plan.existing.iter().map(|c| (c.row.id, c.joined)).collect();
        tx.touch_cases(&touches, now).await?
    };

    let mut messages = Vec::with_capacity(plan.messages.len());
    let mut targets = Vec::new();
    let mut events = Vec::with_capacity(plan.messages.len());
    let mailboxes: Vec<String> = plan
        .messages
        .iter()
        .map(|m| m.incoming.origin.mailbox_label())
        .collect();
    for (m, mailbox) in plan.messages.iter().zip(&mailboxes) {
        let (case_id, case, message_count, event_name) = match m.slot {
            Slot::Existing(i) => {
                let c = &plan.existing[i];
                // The count after the whole batch, less the batch's later messages.
                let total = counts.get(&c.row.id).copied().ok_or_else(|| {
                    StoreError::Unexpected(format!("case {} was not updated", c.row.id))
                })?;
                let count = total - c.joined + m.nth_on_case;
                outcome.cases_updated += 1;
                (c.row.id, c.row.clone(), count, "case.updated")
            }
            Slot::Opened(i) => {
                let c = &plan.opened[i];
                let row = CaseRow {
                    id: opened_ids[i],
                    reference: c.reference.clone(),
                    opened_at: c.opened_at,
                    status: "open".to_string(),
                };
                if m.nth_on_case == 1 {
                    outcome.cases_opened += 1;
                    (row.id, row, 1, "case.opened")
                } else {
                    outcome.cases_updated += 1;
                    (row.id, row, m.nth_on_case, "case.updated")
                }
            }
        };
        let incoming = m.incoming;
        messages.push(NewMessage {
            case_id,
            received_at: m.received_at,
            mailbox,
            message_json: serde_json::to_string(&incoming.message)?,
            assessment_json: serde_json::to_string(&incoming.assessment)?,
            incoming,
        });
        targets.extend(incoming.assessment.targets.iter().map(|t| NewTarget {
            case_id,
            kind: &t.kind,
            value: &t.value,
        }));
        let event = case_event(
            incoming,
            &case,
            message_count,
            event_name,
            m.received_at,
            mailbox,
            now,
        );
        events.push(NewOutbox {
            event_id: event.event_id,
            case_id,
            routing_key: event.routing_key.clone(),
            payload: serde_json::to_string(&event)?,
        });
        outcome.stored += 1;
    }
    tx.insert_messages(&messages).await?;
    if !targets.is_empty() {
        tx.insert_targets(&targets).await?;
    }
    tx.insert_outbox(&events).await?;
    let opened = plan
        .opened
        .iter()
        .zip(&opened_ids)
        .map(|(c, id)| crate::ack::Opened {
            case_id: *id,
            reference: &c.reference,
            incoming: c.incoming,
            received_at: received_at(c.incoming, now),
        });
    crate::ack::queue(tx, opened.collect(), options, now).await?;
    Ok(())
}

fn case_event(
    incoming: &Incoming,
    case: &CaseRow,
    message_count: i64,
    event_name: &str,
    received_at: DateTime<Utc>,
    mailbox: &str,
    now: DateTime<Utc>,
) -> CaseEvent {
    let message = &incoming.message;
    let assessment = &incoming.assessment;
    let key = routing_key(assessment.sender.verdict, assessment.request.kind);
    CaseEvent {
        schema: SCHEMA_VERSION.to_string(),
        event_id: uuid::Uuid::now_v7(),
        event: event_name.to_string(),
        occurred_at: now,
        routing_key: key,
        case: CaseSummary {
            reference: case.reference.clone(),
            opened_at: case.opened_at,
            status: case.status.clone(),
            message_count,
            imported: incoming.imported,
        },
        message: MessageSummary {
            message_id: message.message_id.clone(),
            sha256: message.sha256.clone(),
            subject: message.subject.clone(),
            from: message.from.as_ref().map(|m| m.address.clone()),
            received_at,
            mailbox: mailbox.to_string(),
            parsed: message.parsed,
            problems: message.problems.iter().map(ToString::to_string).collect(),
        },
        sender: assessment.sender.clone(),
        request: assessment.request.clone(),
        targets: assessment.targets.clone(),
        attachments: assessment.attachments.clone(),
    }
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
