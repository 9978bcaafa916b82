//! Case rules, shared by every database: which case a message belongs to, how a new case
//! is numbered, and which event it produces. The databases provide only the SQL
//! primitives of [`CaseTx`], each working on a whole batch.

use crate::due::{CaseDates, DuePolicy};
use crate::event::{
    CaseEvent, CaseSummary, MessageSummary, RelatedCase, SCHEMA_VERSION, SharedTarget, event_names,
};
use crate::feedback::{self, Decision, SenderDecision};
use crate::store::{BatchOutcome, Incoming, StoreError, StoredCursor};
use chrono::{DateTime, Datelike, Utc};
use lea_classifier::{Assessment, SenderAssessment, Severity, Signal, Verdict};
use lea_ingest::{Message, Origin};
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
    pub due: DuePolicy,
    /// The configured routing rules; none: `case.<verdict>.<kind>` for every case.
    pub routing: crate::routing::RoutingRules,
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
    pub message_count: i64,
    /// The verdict the case was opened (or last re-assessed) with.
    pub verdict: String,
    /// The address that opened the case.
    pub sender_address: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub imported: bool,
    pub impersonation_confirmed: bool,
    /// Where the case's events go.
    pub routing_key: Option<String>,
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
    /// The opening message's verdict, the security team's decisions applied.
    pub verdict: Verdict,
    pub sender_address: &'a str,
    pub dates: CaseDates,
    pub routing_key: &'a str,
    pub impersonation_confirmed: bool,
}

pub struct NewMessage<'a> {
    pub case_id: i64,
    pub received_at: DateTime<Utc>,
    pub mailbox: &'a str,
    pub message_json: String,
    /// The assessment as classified; decisions are applied when events are made.
    pub assessment_json: String,
    pub case_signals_json: String,
    /// The verdict it was routed with.
    pub verdict: Verdict,
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

/// How many cases one target links a new case to, at most.
pub const MAX_CASES_PER_TARGET: i64 = 50;

/// How many links (related case and shared target) an event lists, at most, the latest
/// first: a case linked to hundreds of others would otherwise make every event about it
/// as large.
pub const MAX_LINKS_PER_EVENT: i64 = 100;

/// A sender address seen writing for an agency.
pub struct NewKnownSender<'a> {
    pub address: &'a str,
    pub agency: &'a str,
    pub first_seen_at: DateTime<Utc>,
    pub first_case_id: i64,
}

/// One target a case shares with a related case.
#[derive(Debug, Clone)]
pub struct RelatedRow {
    pub case_id: i64,
    pub reference: String,
    pub verdict: String,
    pub impersonation_confirmed: bool,
    /// Opened by an archive import.
    pub imported: bool,
    pub kind: String,
    pub value: String,
}

/// A case with its latest message, to publish a notice about it.
#[derive(Debug, Clone)]
pub struct CaseDocument {
    pub case: CaseRow,
    pub message_json: String,
    pub assessment_json: String,
    pub case_signals_json: String,
    pub received_at: DateTime<Utc>,
    pub mailbox: String,
}

/// A notice due on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    DueSoon,
    Overdue,
}

/// A case's verdict after the security team's decision.
pub struct Reassessment<'a> {
    pub case_id: i64,
    pub verdict: Verdict,
    pub impersonation_confirmed: bool,
    pub routing_key: &'a str,
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
    /// The security team's decisions on any of these subjects (addresses and domains).
    fn sender_decisions(
        &mut self,
        subjects: &[String],
    ) -> impl Future<Output = Result<HashMap<String, SenderDecision>, StoreError>> + Send;
    /// Which of these addresses were seen writing for an agency before.
    fn known_senders(
        &mut self,
        addresses: &[String],
    ) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;
    /// Remember senders; an address already known is left alone.
    fn insert_known_senders(
        &mut self,
        senders: &[NewKnownSender<'_>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// New due dates of existing cases (a follow-up stating a deadline); a moved due
    /// date may be notified again.
    fn update_due_dates(
        &mut self,
        updates: &[(i64, CaseDates)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The cases naming any of these `(kind, value)` targets: at most
    /// [`MAX_CASES_PER_TARGET`] per target, the latest first, so that a target every
    /// request names (an exchange's own hot wallet) cannot make linking quadratic.
    fn cases_by_targets(
        &mut self,
        targets: &[(String, String)],
    ) -> impl Future<Output = Result<Vec<RelatedRow>, StoreError>> + Send;
    /// Store links; returns the pairs `(case, related case)` linked for the first time.
    fn insert_links(
        &mut self,
        links: &[NewLink<'_>],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<(i64, i64)>, StoreError>> + Send;
    /// The links of these cases, at most [`MAX_LINKS_PER_EVENT`] per case, the latest
    /// related cases first: `(case id, the related case and one shared target)`.
    fn related_cases(
        &mut self,
        case_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<(i64, RelatedRow)>, StoreError>> + Send;
    /// These cases, each with its latest message.
    fn case_documents(
        &mut self,
        case_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<CaseDocument>, StoreError>> + Send;
    /// Up to `limit` open cases owing a notice at `now`, locked (skipping those another
    /// process holds) until the transaction ends. Imported cases and suspected
    /// impersonation get none.
    fn due_notices(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<(i64, Notice)>, StoreError>> + Send;
    /// Record that these notices were queued.
    fn mark_notices(
        &mut self,
        notices: &[(i64, Notice)],
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Store a decision (replacing the subject's previous one) and log it.
    fn record_decision(
        &mut self,
        decision: &SenderDecision,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Open cases with a message from `subject`: the address, or any address of the
    /// domain or its subdomains.
    fn open_cases_from(
        &mut self,
        subject: &str,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
    /// Set re-assessed verdicts.
    fn reassess_cases(
        &mut self,
        updates: &[Reassessment<'_>],
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
    /// The opening message's position in `Plan::messages`.
    opener: usize,
    /// Later messages of this batch joining the case.
    joined: i64,
}

struct PlannedMessage<'a> {
    incoming: &'a Incoming,
    slot: Slot,
    received_at: DateTime<Utc>,
    /// 1 for the first message of this batch on its case, 2 for the next...
    nth_on_case: i64,
    /// The sender with the security team's decisions applied.
    sender: SenderAssessment,
    /// The governing decision confirms the sender as an impersonator.
    confirmed: bool,
    /// Signals about the case: first contact, a reply from another sender, a target
    /// shared with an impersonation.
    case_signals: Vec<Signal>,
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

    let senders = effective_senders(tx, fresh).await?;
    let mut agents: Vec<String> = senders
        .iter()
        .filter(|(s, _)| first_contact_applies(s))
        .map(|(s, _)| s.address.clone())
        .collect();
    agents.sort_unstable();
    agents.dedup();
    let mut known = if agents.is_empty() {
        HashSet::new()
    } else {
        tx.known_senders(&agents).await?
    };

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

    for ((position, incoming), (sender, confirmed)) in fresh.iter().enumerate().zip(senders) {
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
                    opener: messages.len(),
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
        let mut case_signals = Vec::new();
        if first_contact_applies(&sender) && known.insert(sender.address.clone()) {
            case_signals.push(first_contact(&sender));
        }
        let opener = match slot {
            Slot::Existing(i) => existing[i]
                .row
                .sender_address
                .clone()
                .map(|a| (a, existing[i].row.verdict.clone())),
            Slot::Opened(i) if nth_on_case > 1 => {
                let first: &PlannedMessage<'_> = &messages[opened[i].opener];
                Some((
                    first.sender.address.clone(),
                    first.sender.verdict.as_str().to_string(),
                ))
            }
            Slot::Opened(_) => None,
        };
        if let Some((address, verdict)) = opener {
            case_signals.extend(thread_sender_changed(&sender, &address, &verdict));
        }
        messages.push(PlannedMessage {
            incoming,
            slot,
            received_at: received_at(incoming, now),
            nth_on_case,
            sender,
            confirmed,
            case_signals,
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

/// Codes of the signals about cases (in `case.signals` of the routed message).
pub mod case_signal_codes {
    /// The sender's address never wrote for this agency before.
    pub const FIRST_CONTACT: &str = "first_contact";
    /// A reply joined the case from another domain than the one that opened it, and is
    /// less trustworthy than the case.
    pub const THREAD_SENDER_CHANGED: &str = "thread_sender_changed";
    /// The case names a target that a suspected or confirmed impersonation named too.
    pub const RELATED_TO_IMPERSONATION: &str = "related_to_impersonation";
}

/// The routing key of an event about a case, from the assessment it is routed with.
pub fn route(options: &CaseOptions, assessment: &Assessment, case_signals: &[Signal]) -> String {
    let codes: Vec<&str> = case_signals.iter().map(|s| s.code.as_str()).collect();
    options.routing.routing_key(assessment, &codes)
}

/// Each message's sender with the security team's decisions applied, and whether the
/// governing decision confirms an impersonation.
async fn effective_senders<T: CaseTx>(
    tx: &mut T,
    fresh: &[&Incoming],
) -> Result<Vec<(SenderAssessment, bool)>, StoreError> {
    let senders: Vec<&SenderAssessment> = fresh.iter().map(|i| &i.assessment.sender).collect();
    let decisions = decisions_for(tx, &senders).await?;
    Ok(senders
        .into_iter()
        .map(|s| effective_sender(s, &decisions))
        .collect())
}

pub(crate) async fn decisions_for<T: CaseTx>(
    tx: &mut T,
    senders: &[&SenderAssessment],
) -> Result<HashMap<String, SenderDecision>, StoreError> {
    let mut subjects: Vec<String> = senders
        .iter()
        .flat_map(|s| feedback::subjects_of(s))
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    if subjects.is_empty() {
        return Ok(HashMap::new());
    }
    tx.sender_decisions(&subjects).await
}

pub(crate) fn effective_sender(
    sender: &SenderAssessment,
    decisions: &HashMap<String, SenderDecision>,
) -> (SenderAssessment, bool) {
    let decision = feedback::governing(sender, |s| decisions.get(s));
    (
        feedback::apply(sender, decision),
        decision.is_some_and(|d| d.decision == Decision::Impersonation),
    )
}

fn first_contact_applies(sender: &SenderAssessment) -> bool {
    sender.agency.is_some()
        && sender.verdict != Verdict::Impersonation
        && sender.address.contains('@')
}

fn first_contact(sender: &SenderAssessment) -> Signal {
    let agency = sender
        .agency
        .as_ref()
        .map(|a| a.name.as_str())
        .unwrap_or("this agency");
    Signal::new(
        case_signal_codes::FIRST_CONTACT,
        Severity::Medium,
        format!(
            "{} has not written for {agency} before: confirm the requester through a known \
             channel before disclosing data",
            sender.address
        ),
    )
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// A reply from another domain than the case's opener is flagged when it is less
/// trustworthy than the case: a thread is easy to join (a lookalike domain quoting a
/// genuine request), so it must never lend its trust.
fn thread_sender_changed(
    sender: &SenderAssessment,
    opener_address: &str,
    opener_verdict: &str,
) -> Option<Signal> {
    if domain_of(&sender.address) == domain_of(opener_address) {
        return None;
    }
    let severity = if sender.verdict == Verdict::Impersonation {
        Severity::High
    } else if opener_verdict == Verdict::Verified.as_str() && sender.verdict != Verdict::Verified {
        Severity::Medium
    } else {
        return None;
    };
    Some(Signal::new(
        case_signal_codes::THREAD_SENDER_CHANGED,
        severity,
        format!(
            "this reply comes from {} ({}), but the case was opened by {opener_address} \
             ({opener_verdict}); the thread alone does not make it trustworthy",
            if sender.address.is_empty() {
                "no address"
            } else {
                sender.address.as_str()
            },
            sender.verdict.as_str()
        ),
    ))
}

/// A case holding a target, as the linking of one batch sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CaseKey {
    Stored(i64),
    Opened(usize),
}

#[derive(Debug, Clone)]
struct Holder {
    key: CaseKey,
    reference: String,
    suspected: bool,
    confirmed: bool,
    imported: bool,
}

fn related_to_impersonation(holders: &[(&Holder, &str, &str)]) -> Option<Signal> {
    let confirmed: Vec<String> = holders
        .iter()
        .filter(|(h, _, _)| h.confirmed)
        .map(|(h, kind, value)| format!("{} ({kind} {value})", h.reference))
        .collect();
    let suspected: Vec<String> = holders
        .iter()
        .filter(|(h, _, _)| h.suspected && !h.confirmed)
        .map(|(h, kind, value)| format!("{} ({kind} {value})", h.reference))
        .collect();
    let (severity, detail) = if !confirmed.is_empty() {
        (
            Severity::High,
            format!(
                "shares targets with cases confirmed as impersonation: {}",
                confirmed.join(", ")
            ),
        )
    } else if !suspected.is_empty() {
        (
            Severity::Medium,
            format!(
                "shares targets with suspected impersonation: {}",
                suspected.join(", ")
            ),
        )
    } else {
        return None;
    };
    Some(Signal::new(
        case_signal_codes::RELATED_TO_IMPERSONATION,
        severity,
        detail,
    ))
}

fn case_key(slot: Slot, existing: &[ExistingCase]) -> CaseKey {
    match slot {
        Slot::Existing(i) => CaseKey::Stored(existing[i].row.id),
        Slot::Opened(i) => CaseKey::Opened(i),
    }
}

/// The effective assessment of a planned message: the classifier's, with the sender as
/// the security team's decisions make it.
fn effective_assessment(m: &PlannedMessage<'_>) -> Assessment {
    Assessment {
        sender: m.sender.clone(),
        ..m.incoming.assessment.clone()
    }
}

/// Write a batch's plan: counters, cases, messages, targets, links, events.
async fn write<T: CaseTx>(
    tx: &mut T,
    mut plan: Plan<'_>,
    options: &CaseOptions,
    now: DateTime<Utc>,
    outcome: &mut BatchOutcome,
) -> Result<(), StoreError> {
    if !plan.used.is_empty() {
        tx.advance_sequences(&plan.used).await?;
    }

    // Stored cases naming the batch's targets, then the batch's own cases in order: each
    // message is related to every other case that named one of its targets before it.
    let mut pairs: Vec<(String, String)> = plan
        .messages
        .iter()
        .flat_map(|m| m.incoming.assessment.targets.iter())
        .map(|t| (t.kind.clone(), t.value.clone()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut holders: HashMap<(String, String), Vec<Holder>> = HashMap::new();
    if !pairs.is_empty() {
        for row in tx.cases_by_targets(&pairs).await? {
            holders
                .entry((row.kind.clone(), row.value.clone()))
                .or_default()
                .push(Holder {
                    key: CaseKey::Stored(row.case_id),
                    reference: row.reference,
                    suspected: row.verdict == Verdict::Impersonation.as_str(),
                    confirmed: row.impersonation_confirmed,
                    imported: row.imported,
                });
        }
    }
    let mut assessments = Vec::with_capacity(plan.messages.len());
    // (this message's case, the related case, message index, target index)
    let mut links: Vec<(CaseKey, CaseKey, usize, usize)> = Vec::new();
    for (index, m) in plan.messages.iter_mut().enumerate() {
        let own = case_key(m.slot, &plan.existing);
        let mut shared = Vec::new();
        for (t, target) in m.incoming.assessment.targets.iter().enumerate() {
            let key = (target.kind.clone(), target.value.clone());
            let list = holders.entry(key).or_default();
            for h in list.iter().filter(|h| h.key != own) {
                shared.push((h.clone(), t));
            }
            if !list.iter().any(|h| h.key == own) {
                list.push(Holder {
                    key: own,
                    reference: match m.slot {
                        Slot::Existing(i) => plan.existing[i].row.reference.clone(),
                        Slot::Opened(i) => plan.opened[i].reference.clone(),
                    },
                    suspected: m.sender.verdict == Verdict::Impersonation,
                    confirmed: m.confirmed,
                    imported: m.incoming.imported,
                });
            }
        }
        let described: Vec<(&Holder, &str, &str)> = shared
            .iter()
            .map(|(h, t)| {
                let target = &m.incoming.assessment.targets[*t];
                (h, target.kind.as_str(), target.value.as_str())
            })
            .collect();
        if let Some(signal) = related_to_impersonation(&described) {
            m.case_signals.push(signal);
        }
        links.extend(shared.iter().map(|(h, t)| (own, h.key, index, *t)));
        let assessment = effective_assessment(m);
        let key = route(options, &assessment, &m.case_signals);
        assessments.push((assessment, key));
    }

    let opened_dates: Vec<CaseDates> = plan
        .opened
        .iter()
        .map(|c| {
            let request = &c.incoming.assessment.request;
            let received = plan.messages[c.opener].received_at;
            options.due.dates(request.kind, request.deadline, received)
        })
        .collect();
    let opened_ids = if plan.opened.is_empty() {
        Vec::new()
    } else {
        let cases: Vec<NewCase<'_>> = plan
            .opened
            .iter()
            .zip(&opened_dates)
            .map(|(c, dates)| {
                let first = &plan.messages[c.opener];
                NewCase {
                    reference: &c.reference,
                    opened_at: c.opened_at,
                    // A case joined within its own batch was updated by the batch.
                    updated_at: if c.joined > 0 { now } else { c.opened_at },
                    message_count: 1 + c.joined,
                    incoming: c.incoming,
                    verdict: first.sender.verdict,
                    sender_address: &first.sender.address,
                    dates: *dates,
                    routing_key: &assessments[c.opener].1,
                    impersonation_confirmed: first.confirmed,
                }
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
    let case_id = |key: CaseKey| match key {
        CaseKey::Stored(id) => id,
        CaseKey::Opened(i) => opened_ids[i],
    };

    // A follow-up that states a deadline moves the case's due date.
    let mut due_updates: HashMap<i64, CaseDates> = HashMap::new();
    for m in &plan.messages {
        if let (Slot::Existing(i), Some(deadline)) =
            (m.slot, m.incoming.assessment.request.deadline)
        {
            let case = &mut plan.existing[i].row;
            let kind = m.incoming.assessment.request.kind;
            let dates = options.due.dates(kind, Some(deadline), m.received_at);
            case.due_at = Some(dates.due_at);
            due_updates.insert(case.id, dates);
        }
    }
    if !due_updates.is_empty() {
        let mut updates: Vec<(i64, CaseDates)> = due_updates.into_iter().collect();
        updates.sort_by_key(|(id, _)| *id);
        tx.update_due_dates(&updates).await?;
    }

    // The rows of the cases as the events describe them.
    let mut rows: Vec<CaseRow> = Vec::with_capacity(plan.messages.len());
    for m in &plan.messages {
        rows.push(match m.slot {
            Slot::Existing(i) => plan.existing[i].row.clone(),
            Slot::Opened(i) => {
                let c = &plan.opened[i];
                let first = &plan.messages[c.opener];
                let dates = &opened_dates[i];
                CaseRow {
                    id: opened_ids[i],
                    reference: c.reference.clone(),
                    opened_at: c.opened_at,
                    status: "open".to_string(),
                    message_count: 1 + c.joined,
                    verdict: first.sender.verdict.as_str().to_string(),
                    sender_address: Some(first.sender.address.clone()),
                    due_at: Some(dates.due_at),
                    expires_at: dates.expires_at,
                    imported: c.incoming.imported,
                    impersonation_confirmed: first.confirmed,
                    routing_key: Some(assessments[c.opener].1.clone()),
                }
            }
        });
    }

    let mailboxes: Vec<String> = plan
        .messages
        .iter()
        .map(|m| m.incoming.origin.mailbox_label())
        .collect();
    let mut messages = Vec::with_capacity(plan.messages.len());
    let mut targets = Vec::new();
    let mut senders = Vec::new();
    for ((m, mailbox), row) in plan.messages.iter().zip(&mailboxes).zip(&rows) {
        let incoming = m.incoming;
        messages.push(NewMessage {
            case_id: row.id,
            received_at: m.received_at,
            mailbox,
            message_json: serde_json::to_string(&incoming.message)?,
            assessment_json: serde_json::to_string(&incoming.assessment)?,
            case_signals_json: serde_json::to_string(&m.case_signals)?,
            verdict: m.sender.verdict,
            incoming,
        });
        targets.extend(incoming.assessment.targets.iter().map(|t| NewTarget {
            case_id: row.id,
            kind: &t.kind,
            value: &t.value,
        }));
        if first_contact_applies(&m.sender)
            && let Some(agency) = &m.sender.agency
        {
            senders.push(NewKnownSender {
                address: &m.sender.address,
                agency: &agency.name,
                first_seen_at: m.received_at,
                first_case_id: row.id,
            });
        }
    }
    tx.insert_messages(&messages).await?;
    if !targets.is_empty() {
        tx.insert_targets(&targets).await?;
    }
    if !senders.is_empty() {
        tx.insert_known_senders(&senders).await?;
    }

    // Links both ways; a stored case that gains a link hears of it.
    let mut link_rows: Vec<NewLink<'_>> = Vec::new();
    for (own, other, message, target) in &links {
        let target = &plan.messages[*message].incoming.assessment.targets[*target];
        let (a, b) = (case_id(*own), case_id(*other));
        for (case_id, related_case_id) in [(a, b), (b, a)] {
            link_rows.push(NewLink {
                case_id,
                related_case_id,
                kind: &target.kind,
                value: &target.value,
            });
        }
    }
    let batch_cases: HashSet<i64> = rows.iter().map(|r| r.id).collect();
    // Cases opened by an archive import are records, not work: like due notices, they
    // get no `case.linked` (the new case lists them in its own `related_cases`).
    let imported: HashSet<i64> = holders
        .values()
        .flatten()
        .filter(|h| h.imported)
        .filter_map(|h| match h.key {
            CaseKey::Stored(id) => Some(id),
            CaseKey::Opened(_) => None,
        })
        .collect();
    let mut notified: Vec<i64> = Vec::new();
    if !link_rows.is_empty() {
        for (case, _) in tx.insert_links(&link_rows, now).await? {
            if !batch_cases.contains(&case)
                && !imported.contains(&case)
                && !notified.contains(&case)
            {
                notified.push(case);
            }
        }
        outcome.links += link_rows.len() / 2;
    }
    let mut wanted: Vec<i64> = batch_cases
        .iter()
        .copied()
        .chain(notified.iter().copied())
        .collect();
    wanted.sort_unstable();
    let related = related_by_case(tx, &wanted).await?;

    let mut events = Vec::with_capacity(plan.messages.len() + notified.len());
    for (((m, mailbox), row), (assessment, key)) in plan
        .messages
        .iter()
        .zip(&mailboxes)
        .zip(&rows)
        .zip(assessments)
    {
        let (message_count, name) = match m.slot {
            Slot::Existing(i) => {
                let c = &plan.existing[i];
                // The count after the whole batch, less the batch's later messages.
                let total = counts.get(&c.row.id).copied().ok_or_else(|| {
                    StoreError::Unexpected(format!("case {} was not updated", c.row.id))
                })?;
                outcome.cases_updated += 1;
                (total - c.joined + m.nth_on_case, event_names::UPDATED)
            }
            Slot::Opened(_) if m.nth_on_case == 1 => {
                outcome.cases_opened += 1;
                (1, event_names::OPENED)
            }
            Slot::Opened(_) => {
                outcome.cases_updated += 1;
                (m.nth_on_case, event_names::UPDATED)
            }
        };
        let mut row = row.clone();
        row.message_count = message_count;
        events.push(outbox_row(
            row.id,
            &build_event(EventParts {
                name,
                case: &row,
                message: &m.incoming.message,
                assessment,
                received_at: m.received_at,
                mailbox,
                case_signals: m.case_signals.clone(),
                related: related.get(&row.id).cloned().unwrap_or_default(),
                routing_key: key,
                now,
            }),
        )?);
        outcome.stored += 1;
    }
    if !notified.is_empty() {
        let documents = tx.case_documents(&notified).await?;
        events.extend(
            document_events(tx, &documents, event_names::LINKED, options, &related, now).await?,
        );
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
            verdict: plan.messages[c.opener].sender.verdict,
        });
    crate::ack::queue(tx, opened.collect(), options, now).await?;
    Ok(())
}

/// One link to store: `case_id` shares (`kind`, `value`) with `related_case_id`.
pub struct NewLink<'a> {
    pub case_id: i64,
    pub related_case_id: i64,
    pub kind: &'a str,
    pub value: &'a str,
}

/// The related cases of each of `case_ids`, grouped by related case.
pub(crate) async fn related_by_case<T: CaseTx>(
    tx: &mut T,
    case_ids: &[i64],
) -> Result<HashMap<i64, Vec<RelatedCase>>, StoreError> {
    let mut grouped: HashMap<i64, Vec<RelatedCase>> = HashMap::new();
    if case_ids.is_empty() {
        return Ok(grouped);
    }
    for (case_id, row) in tx.related_cases(case_ids).await? {
        let list = grouped.entry(case_id).or_default();
        let target = SharedTarget {
            kind: row.kind,
            value: row.value,
        };
        match list.iter_mut().find(|r| r.reference == row.reference) {
            Some(related) => related.shared_targets.push(target),
            None => list.push(RelatedCase {
                reference: row.reference,
                verdict: parse_verdict(&row.verdict),
                impersonation_confirmed: row.impersonation_confirmed,
                shared_targets: vec![target],
            }),
        }
    }
    for list in grouped.values_mut() {
        list.sort_by(|a, b| a.reference.cmp(&b.reference));
        for related in list.iter_mut() {
            related.shared_targets.sort();
            related.shared_targets.dedup();
        }
    }
    Ok(grouped)
}

pub(crate) fn parse_verdict(text: &str) -> Verdict {
    match text {
        "verified" => Verdict::Verified,
        "impersonation" => Verdict::Impersonation,
        _ => Verdict::Unverified,
    }
}

/// Events about stored cases (linked, due, re-assessed), each describing the case with
/// its latest message and the security team's current decisions.
pub(crate) async fn document_events<T: CaseTx>(
    tx: &mut T,
    documents: &[CaseDocument],
    name: &str,
    options: &CaseOptions,
    related: &HashMap<i64, Vec<RelatedCase>>,
    now: DateTime<Utc>,
) -> Result<Vec<NewOutbox>, StoreError> {
    let mut events = Vec::with_capacity(documents.len());
    for (document, message, assessment, case_signals) in reassessed_documents(tx, documents).await?
    {
        let key = document
            .case
            .routing_key
            .clone()
            .unwrap_or_else(|| route(options, &assessment, &case_signals));
        events.push(outbox_row(
            document.case.id,
            &build_event(EventParts {
                name,
                case: &document.case,
                message: &message,
                assessment,
                received_at: document.received_at,
                mailbox: &document.mailbox,
                case_signals,
                related: related.get(&document.case.id).cloned().unwrap_or_default(),
                routing_key: key,
                now,
            }),
        )?);
    }
    Ok(events)
}

/// Stored documents parsed, their senders re-assessed with the current decisions.
pub(crate) async fn reassessed_documents<'d, T: CaseTx>(
    tx: &mut T,
    documents: &'d [CaseDocument],
) -> Result<Vec<(&'d CaseDocument, Message, Assessment, Vec<Signal>)>, StoreError> {
    let mut parsed = Vec::with_capacity(documents.len());
    for document in documents {
        let message: Message = serde_json::from_str(&document.message_json)?;
        let assessment: Assessment = serde_json::from_str(&document.assessment_json)?;
        let case_signals: Vec<Signal> = serde_json::from_str(&document.case_signals_json)?;
        parsed.push((document, message, assessment, case_signals));
    }
    let senders: Vec<&SenderAssessment> = parsed.iter().map(|(_, _, a, _)| &a.sender).collect();
    let decisions = decisions_for(tx, &senders).await?;
    for (_, _, assessment, _) in parsed.iter_mut() {
        assessment.sender = effective_sender(&assessment.sender, &decisions).0;
    }
    Ok(parsed)
}

fn outbox_row(case_id: i64, event: &CaseEvent) -> Result<NewOutbox, StoreError> {
    Ok(NewOutbox {
        event_id: event.event_id,
        case_id,
        routing_key: event.routing_key.clone(),
        payload: serde_json::to_string(event)?,
    })
}

struct EventParts<'a> {
    name: &'a str,
    case: &'a CaseRow,
    message: &'a Message,
    assessment: Assessment,
    received_at: DateTime<Utc>,
    mailbox: &'a str,
    case_signals: Vec<Signal>,
    related: Vec<RelatedCase>,
    routing_key: String,
    now: DateTime<Utc>,
}

fn build_event(parts: EventParts<'_>) -> CaseEvent {
    let EventParts {
        name,
        case,
        message,
        assessment,
        received_at,
        mailbox,
        case_signals,
        related,
        routing_key,
        now,
    } = parts;
    CaseEvent {
        schema: SCHEMA_VERSION.to_string(),
        event_id: uuid::Uuid::now_v7(),
        event: name.to_string(),
        occurred_at: now,
        routing_key,
        case: CaseSummary {
            reference: case.reference.clone(),
            opened_at: case.opened_at,
            status: case.status.clone(),
            message_count: case.message_count,
            imported: case.imported,
            due_at: case.due_at,
            expires_at: case.expires_at,
            impersonation_confirmed: case.impersonation_confirmed,
            signals: case_signals,
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
        sender: assessment.sender,
        request: assessment.request,
        targets: assessment.targets,
        attachments: assessment.attachments,
        related_cases: related,
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
