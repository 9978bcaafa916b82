//! Acknowledgements: a short automatic reply (RFC 3834) to the sender of a request that
//! opened a case, quoting the case reference so that the agency's answer threads back.
//!
//! - this module: who gets one ([`assess`]), what it says ([`render`]), and queueing it
//!   in the transaction that opens the case ([`queue`]);
//! - [`sql`]: the SQL of both databases (the queue, the rate limit, the sender's claims);
//! - [`smtp`]: sending over SMTP with lettre (rustls with ring);
//! - [`relay`]: claim due rows, send them, mark them sent, retry or give up.
//!
//! The row is written with the case, in one transaction: a crash after the commit makes
//! the mailbox deliver the message again, which is then found stored and queues nothing,
//! so a sender never gets two acknowledgements for one case. Acknowledgements are off
//! unless configured: they need an SMTP server.

pub mod relay;
pub mod smtp;
pub mod sql;

use crate::case::{CaseOptions, CaseTx};
use crate::store::{Incoming, StoreError};
use chrono::{DateTime, Utc};
use lea_classifier::Verdict;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub use relay::{AckPass, AckRelayOptions};
pub use smtp::{AckMailer, SmtpConfig, SmtpTls};
pub use sql::{AckCounts, AckStore, PendingAck};

/// The header that marks our own acknowledgements, so that one coming back (a forward,
/// a misconfigured alias) is never answered. The parser lists it among the automation
/// headers of a message.
pub const MARKER_HEADER: &str = "X-Lea-Intake-Ack";

/// The English text used when no text is configured for the request's language.
pub const DEFAULT_TEXT: &str = "Your message \"{subject}\" received on {received} has been \
registered under the reference {reference}.\n\nPlease quote {reference} in the subject of \
any message about this request.\n\nThis is an automatic acknowledgement of receipt. It does \
not confirm that the request is valid or complete.\n";

/// What acknowledgements say and when they are sent.
#[derive(Debug, Clone)]
pub struct AckOptions {
    /// A sender gets at most one acknowledgement per this interval.
    pub min_interval: Duration,
    /// Texts by ISO 639-1 language code (lower-case), with `{reference}`, `{subject}`
    /// and `{received}` placeholders; `en` is the fallback.
    pub texts: HashMap<String, String>,
    /// Our From address: mail from it is our own and never answered.
    pub from_address: String,
    /// The right-hand side of our Message-IDs (`<ack.REFERENCE@domain>`).
    pub domain: String,
}

/// Why a case got no acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The sender was judged an impersonator: never answer an attacker.
    Impersonation,
    /// From an archive import: the request is old and was answered back then.
    Imported,
    /// Sent by a machine (Auto-Submitted, Precedence, a mailing list...): the header.
    Automatic(String),
    /// A bounce: empty Return-Path or a MAILER-DAEMON / postmaster sender.
    Bounce,
    /// One of our own acknowledgements, come back.
    OwnAcknowledgement,
    /// No usable From address.
    NoSender,
    /// The sender had an acknowledgement less than the minimum interval ago.
    RateLimited,
}

impl Skip {
    /// The reason as stored in the `reason` column.
    pub fn reason(&self) -> String {
        match self {
            Skip::Impersonation => "impersonation".into(),
            Skip::Imported => "imported".into(),
            Skip::Automatic(header) => format!("automatic: {header}"),
            Skip::Bounce => "bounce".into(),
            Skip::OwnAcknowledgement => "own_acknowledgement".into(),
            Skip::NoSender => "no_sender".into(),
            Skip::RateLimited => "rate_limited".into(),
        }
    }
}

/// Whether the message that opened a case gets an acknowledgement, and to which address
/// (the From address, lower-case). Reply-To is never used: one outside the sender's
/// domain is a sign of impersonation, and an acknowledgement must not leak there.
pub fn assess(incoming: &Incoming, options: &AckOptions) -> Result<String, Skip> {
    let message = &incoming.message;
    if incoming.imported {
        return Err(Skip::Imported);
    }
    if incoming.assessment.sender.verdict == Verdict::Impersonation {
        return Err(Skip::Impersonation);
    }
    if is_own(message, options) {
        return Err(Skip::OwnAcknowledgement);
    }
    if let Some(header) = automation(&message.automation_headers) {
        return Err(Skip::Automatic(header));
    }
    let from = message
        .from
        .as_ref()
        .map(|f| f.address.trim().to_ascii_lowercase())
        .filter(|a| a.parse::<lettre::Address>().is_ok())
        .ok_or(Skip::NoSender)?;
    let local = from.rsplit_once('@').map(|(l, _)| l).unwrap_or_default();
    let null_return_path = message
        .return_path
        .as_deref()
        .is_some_and(|r| r.trim().trim_matches(['<', '>']).trim().is_empty());
    if null_return_path || local == "mailer-daemon" || local == "postmaster" {
        return Err(Skip::Bounce);
    }
    if from == options.from_address.to_ascii_lowercase() {
        return Err(Skip::OwnAcknowledgement);
    }
    Ok(from)
}

fn is_own(message: &lea_ingest::Message, options: &AckOptions) -> bool {
    let marker = MARKER_HEADER.to_ascii_lowercase();
    let own_id = format!("@{}", options.domain.to_ascii_lowercase());
    message
        .automation_headers
        .iter()
        .any(|(name, _)| *name == marker)
        || message.message_id.as_deref().is_some_and(|id| {
            let id = id.to_ascii_lowercase();
            id.starts_with("ack.") && id.ends_with(&own_id)
        })
}

/// The first header that marks a message as automatic (`name: value`), if any.
fn automation(headers: &[(String, String)]) -> Option<String> {
    headers.iter().find_map(|(name, value)| {
        let v = value.trim().to_ascii_lowercase();
        let automatic = match name.as_str() {
            // RFC 3834: anything but "no" (parameters may follow a semicolon).
            "auto-submitted" => v.split(';').next().map(str::trim) != Some("no"),
            "precedence" => matches!(
                v.as_str(),
                "bulk" | "list" | "junk" | "auto_reply" | "auto-reply"
            ),
            // Mailing lists, and senders that ask for no automatic replies at all.
            "list-id"
            | "list-unsubscribe"
            | "x-auto-response-suppress"
            | "x-autoreply"
            | "x-autorespond" => true,
            _ => false,
        };
        automatic.then(|| format!("{name}: {}", value.trim()))
    })
}

/// An acknowledgement as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    /// Without angle brackets.
    pub message_id: String,
    /// The original's Message-ID, without angle brackets.
    pub in_reply_to: Option<String>,
    /// `<id> <id>...`: the original's References, then its Message-ID.
    pub references: Option<String>,
}

/// The acknowledgement of the message that opened case `reference`.
pub fn render(
    incoming: &Incoming,
    reference: &str,
    received_at: DateTime<Utc>,
    options: &AckOptions,
) -> Rendered {
    let message = &incoming.message;
    let original = message
        .subject
        .as_deref()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let subject = if original.is_empty() {
        format!("[{reference}]")
    } else {
        format!("[{reference}] {original}")
    };
    let language = incoming
        .assessment
        .request
        .language
        .as_deref()
        .map(str::to_ascii_lowercase);
    let template = language
        .as_deref()
        .and_then(|l| options.texts.get(l))
        .or_else(|| options.texts.get("en"))
        .map(String::as_str)
        .unwrap_or(DEFAULT_TEXT);
    let body = template
        .replace("{reference}", reference)
        .replace("{subject}", &original)
        .replace(
            "{received}",
            &received_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
    let original_id = message
        .message_id
        .as_deref()
        .map(str::trim)
        .filter(|id| is_plain_id(id));
    let mut references: Vec<String> = message
        .references
        .iter()
        .map(|r| r.trim())
        .filter(|r| is_plain_id(r))
        .map(|r| format!("<{r}>"))
        .collect();
    if let Some(id) = original_id {
        references.push(format!("<{id}>"));
    }
    Rendered {
        subject,
        body,
        message_id: ack_message_id(reference, &options.domain),
        in_reply_to: original_id.map(str::to_string),
        references: (!references.is_empty()).then(|| references.join(" ")),
    }
}

/// A Message-ID that can be written back into a header as it is: printable ASCII, no
/// brackets, no spaces. Anything else in a stranger's header is left out of ours.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>')
}

/// `ack.REFERENCE@domain`: one per case, so a resend is recognisable as the same message.
/// Characters a Message-ID cannot hold are replaced.
pub fn ack_message_id(reference: &str, domain: &str) -> String {
    let safe: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("ack.{safe}@{domain}")
}

/// A case opened by a batch, as acknowledgements need it.
pub struct Opened<'a> {
    pub case_id: i64,
    pub reference: &'a str,
    pub incoming: &'a Incoming,
    pub received_at: DateTime<Utc>,
    /// The opening message's verdict with the security team's decisions applied: a
    /// sender confirmed as an impersonator gets no acknowledgement, whatever the
    /// classifier said.
    pub verdict: Verdict,
}

/// A row of the acknowledgement queue, pending or skipped.
pub struct NewAck<'a> {
    pub case_id: i64,
    pub message_sha256: &'a str,
    pub recipient: Option<String>,
    /// `pending` or `skipped`.
    pub status: &'static str,
    pub reason: Option<String>,
    pub rendered: Option<Rendered>,
    pub created_at: DateTime<Utc>,
}

/// Acknowledgements queued and skipped by one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckTally {
    pub queued: usize,
    pub skipped: usize,
}

/// Queue an acknowledgement for each case the batch opened, or record why not, inside
/// the batch's transaction. The rate limit is checked here too, against the committed
/// queue (on PostgreSQL with the senders locked) and against the batch itself.
pub async fn queue<T: CaseTx>(
    tx: &mut T,
    opened: Vec<Opened<'_>>,
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<AckTally, StoreError> {
    let mut tally = AckTally::default();
    if opened.is_empty() {
        return Ok(tally);
    }
    let Some(ack) = &options.acknowledgements else {
        tracing::debug!(
            cases = opened.len(),
            "acknowledgements are disabled: no acknowledgement queued"
        );
        return Ok(tally);
    };
    let decisions: Vec<Result<String, Skip>> = opened
        .iter()
        .map(|o| match o.verdict {
            Verdict::Impersonation => Err(Skip::Impersonation),
            _ => assess(o.incoming, ack),
        })
        .collect();
    let mut recipients: Vec<String> = decisions
        .iter()
        .filter_map(|d| d.as_ref().ok().cloned())
        .collect();
    recipients.sort();
    recipients.dedup();
    let mut recent = if recipients.is_empty() {
        HashSet::new()
    } else {
        let since = chrono::Duration::from_std(ack.min_interval)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        tx.recent_acknowledgements(&recipients, since).await?
    };
    let mut rows = Vec::with_capacity(opened.len());
    for (case, decision) in opened.iter().zip(decisions) {
        // A second new case from the same sender in this batch is rate limited too.
        let decision = decision.and_then(|to| {
            if recent.insert(to.clone()) {
                Ok(to)
            } else {
                Err(Skip::RateLimited)
            }
        });
        let sha256 = case.incoming.message.sha256.as_str();
        let row = match decision {
            Ok(to) => {
                tally.queued += 1;
                NewAck {
                    case_id: case.case_id,
                    message_sha256: sha256,
                    recipient: Some(to),
                    status: "pending",
                    reason: None,
                    rendered: Some(render(case.incoming, case.reference, case.received_at, ack)),
                    created_at: now,
                }
            }
            Err(skip) => {
                tally.skipped += 1;
                let reason = skip.reason();
                tracing::debug!(case = %case.reference, %reason, "no acknowledgement");
                NewAck {
                    case_id: case.case_id,
                    message_sha256: sha256,
                    recipient: case
                        .incoming
                        .message
                        .from
                        .as_ref()
                        .map(|f| f.address.trim().to_ascii_lowercase()),
                    status: "skipped",
                    reason: Some(reason),
                    rendered: None,
                    created_at: now,
                }
            }
        };
        rows.push(row);
    }
    tx.insert_acknowledgements(&rows).await?;
    Ok(tally)
}

#[cfg(test)]
mod tests;
