//! The assessment of one message: the `sender`, `request`, `targets` and `attachments`
//! objects of `classify --json` and of the routed case message. Field names are a
//! published contract (see `docs/case-message.schema.json`): add fields, never rename.

use lea_ingest::Message;
use serde::{Deserialize, Serialize};

/// How far the sender can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A directory domain or a restricted government namespace, and nothing against it.
    Verified,
    /// Unknown sender claiming no known agency: manual verification.
    Unverified,
    /// Signs of impersonation: never auto-reply, route to the security team.
    Impersonation,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Unverified => "unverified",
            Verdict::Impersonation => "impersonation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// One reason behind a verdict: a stable code, how much it weighs, and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub code: String,
    pub severity: Severity,
    pub detail: String,
}

impl Signal {
    pub fn new(code: &str, severity: Severity, detail: impl Into<String>) -> Self {
        Signal {
            code: code.to_string(),
            severity,
            detail: detail.into(),
        }
    }
}

/// An agency as named on a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyRef {
    pub name: String,
    /// ISO 3166-1 alpha-2, or `EU` / `INT`.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SenderAssessment {
    /// The From address, lower-cased; empty when the message has none.
    pub address: String,
    pub display_name: Option<String>,
    pub domain: String,
    pub verdict: Verdict,
    /// For `verified`: the sender's agency. For `impersonation`: the agency imitated.
    pub agency: Option<AgencyRef>,
    /// 0 (no concern) to 100 (certain impersonation), for sorting.
    pub risk: u8,
    pub signals: Vec<Signal>,
}

/// The kind of legal process, chosen by the main action the message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Subpoena,
    CourtOrder,
    SearchWarrant,
    PreservationRequest,
    EmergencyDisclosure,
    FreezeRequest,
    InformationRequest,
    Mlat,
    Other,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Subpoena => "subpoena",
            RequestKind::CourtOrder => "court_order",
            RequestKind::SearchWarrant => "search_warrant",
            RequestKind::PreservationRequest => "preservation_request",
            RequestKind::EmergencyDisclosure => "emergency_disclosure",
            RequestKind::FreezeRequest => "freeze_request",
            RequestKind::InformationRequest => "information_request",
            RequestKind::Mlat => "mlat",
            RequestKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestAssessment {
    pub kind: RequestKind,
    pub urgent: bool,
    /// `YYYY-MM-DD`: the absolute date the agency asks to be answered by.
    pub deadline: Option<chrono::NaiveDate>,
    /// A relative deadline as written ("within 10 business days"), when there is one.
    pub deadline_text: Option<String>,
    /// The agency's own case or file number, with its label, as written.
    pub agency_reference: Option<String>,
    /// ISO 3166-1 alpha-2 of the requesting (or imitated) agency, `EU`, `INT`.
    pub jurisdiction: Option<String>,
    /// ISO 639-1 of the new text.
    pub language: Option<String>,
}

/// An identifier the request is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// `btc_address`, `eth_address`, `tron_address`, `tx_hash`, `email`, `phone`, `iban`, ...
    pub kind: String,
    /// Normalised value (EIP-55 for Ethereum, E.164 for phones, compact IBAN, ...).
    pub value: String,
    /// `body`, `subject`, `quoted`, or `attachment:NAME`.
    pub source: String,
}

/// What the case message says about each attachment (never its bytes or full text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentSummary {
    pub filename: Option<String>,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
    pub text_chars: usize,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub sender: SenderAssessment,
    pub request: RequestAssessment,
    pub targets: Vec<Target>,
    pub attachments: Vec<AttachmentSummary>,
}

/// Attachments of the message and of any attached messages, flattened.
pub fn summarise_attachments(message: &Message) -> Vec<AttachmentSummary> {
    let mut out = Vec::new();
    collect(message, &mut out);
    out
}

fn collect(message: &Message, out: &mut Vec<AttachmentSummary>) {
    for a in &message.attachments {
        out.push(AttachmentSummary {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            text_chars: a.text.as_deref().map_or(0, |t| t.chars().count()),
            error: a.error.clone(),
        });
        if let Some(inner) = &a.message {
            collect(inner, out);
        }
    }
}
