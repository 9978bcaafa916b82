//! The case message: a versioned JSON document, published with the routing key
//! `case.<verdict>.<kind>`. Its JSON Schema is `docs/case-message.schema.json`; field names
//! are a contract with the reviewer system: add fields, never rename or remove them.

use chrono::{DateTime, Utc};
use lea_classifier::{
    AttachmentSummary, RequestAssessment, RequestKind, SenderAssessment, Target, Verdict,
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
    /// `case.opened` or `case.updated`.
    pub event: String,
    pub occurred_at: DateTime<Utc>,
    pub routing_key: String,
    pub case: CaseSummary,
    pub message: MessageSummary,
    pub sender: SenderAssessment,
    pub request: RequestAssessment,
    pub targets: Vec<Target>,
    pub attachments: Vec<AttachmentSummary>,
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
