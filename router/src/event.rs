//! The case message: a versioned JSON document, published with the routing key
//! `case.<verdict>.<kind>`. Its JSON Schema is `docs/case-message.schema.json`; field names
//! are a contract with the reviewer system: add fields, never rename or remove them.

use chrono::{DateTime, Utc};
use lea_classifier::{
    AttachmentSummary, RequestAssessment, RequestKind, SenderAssessment, Signal, Target, Verdict,
};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: &str = "lea-intake.case.v1";

/// `case.<verdict>.<kind>`, e.g. `case.impersonation.emergency_disclosure`: the key of a
/// case no routing rule matches. [`crate::routing::RoutingRules::routing_key`] adds the
/// matching rule's route.
pub fn routing_key(verdict: Verdict, kind: RequestKind) -> String {
    format!("case.{}.{}", verdict.as_str(), kind.as_str())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub schema: String,
    /// Unique per event; also the AMQP `message_id`, so consumers can drop duplicates.
    pub event_id: uuid::Uuid,
    /// What happened to the case (see [`event_names`]).
    pub event: String,
    pub occurred_at: DateTime<Utc>,
    pub routing_key: String,
    pub case: CaseSummary,
    pub message: MessageSummary,
    pub sender: SenderAssessment,
    pub request: RequestAssessment,
    pub targets: Vec<Target>,
    pub attachments: Vec<AttachmentSummary>,
    /// Other cases naming one of this case's targets, with the targets they share.
    #[serde(default)]
    pub related_cases: Vec<RelatedCase>,
}

/// The values of [`CaseEvent::event`].
pub mod event_names {
    /// A message opened a new case.
    pub const OPENED: &str = "case.opened";
    /// A message joined the case (a reply, a follow-up, a reference in the subject).
    pub const UPDATED: &str = "case.updated";
    /// Another case now shares a target with this one; `related_cases` lists it.
    pub const LINKED: &str = "case.linked";
    /// The security team decided about a sender of the case; `sender` is re-assessed.
    pub const REASSESSED: &str = "case.reassessed";
    /// The case is due soon (once per case and due date).
    pub const DUE_SOON: &str = "case.due_soon";
    /// The case is past its due date (once per case and due date).
    pub const OVERDUE: &str = "case.overdue";
}

/// A case related to the event's case through shared targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedCase {
    pub reference: String,
    /// The related case's verdict.
    pub verdict: Verdict,
    /// True when the security team confirmed the related case's sender as an impersonator.
    pub impersonation_confirmed: bool,
    /// The targets both cases name (normalised `kind` and `value`).
    pub shared_targets: Vec<SharedTarget>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SharedTarget {
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub reference: String,
    pub opened_at: DateTime<Utc>,
    pub status: String,
    /// Messages in the case, this one included.
    pub message_count: i64,
    /// True when the message came from an archive import rather than a live mailbox.
    pub imported: bool,
    /// When the case is due: the request's deadline, or receipt plus the period for its
    /// kind.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// Preservation requests: when the preservation lapses unless extended.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The case's sender was confirmed as an impersonator by the security team.
    #[serde(default)]
    pub impersonation_confirmed: bool,
    /// Signals about the case rather than the message alone: `first_contact`,
    /// `thread_sender_changed`, `related_to_impersonation`.
    #[serde(default)]
    pub signals: Vec<Signal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// The RFC 5322 Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// SHA-256 of the raw bytes, which are kept.
    pub sha256: String,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub received_at: DateTime<Utc>,
    /// `account/folder` for IMAP, the archive path for imports.
    pub mailbox: String,
    pub parsed: bool,
    /// Problems met while reading the message (`code: detail`).
    pub problems: Vec<String>,
}
