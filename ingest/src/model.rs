//! The parsed message: what the classifier reads and the router stores.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A name and an address from an address header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    /// The address as written (not lower-cased: the classifier normalises).
    pub address: String,
    pub display_name: Option<String>,
}

impl Mailbox {
    /// The part after the last `@`, lower-cased; empty when there is none.
    pub fn domain(&self) -> String {
        self.address
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_lowercase())
            .unwrap_or_default()
    }
}

/// Something wrong with the input that the reader of a case should know: a limit hit,
/// a part that could not be decoded, an extraction failure. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable machine code, e.g. `unparsed`, `attachment_limit`, `pdf_extraction_failed`.
    pub code: String,
    /// What happened, for a person.
    pub detail: String,
}

impl Problem {
    pub fn new(code: &str, detail: impl Into<String>) -> Self {
        Problem {
            code: code.to_string(),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

/// One attachment (or inline non-text part) of a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: Option<String>,
    /// `type/subtype`, lower-case.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// Hex SHA-256 of the decoded bytes.
    pub sha256: String,
    /// Extracted text, when there is any.
    pub text: Option<String>,
    /// Why no text could be extracted, when extraction was attempted and failed.
    pub error: Option<String>,
    /// A `message/rfc822` attachment, parsed (bounded depth).
    pub message: Option<Box<Message>>,
}

/// A parsed e-mail. Every field is best-effort: hostile input yields empty fields and
/// [`Problem`]s, never a panic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Hex SHA-256 of the raw bytes: the message's identity.
    pub sha256: String,
    /// Raw size in bytes.
    pub size: usize,
    /// False when mail-parser could not make a message of the bytes at all.
    pub parsed: bool,
    pub problems: Vec<Problem>,

    pub from: Option<Mailbox>,
    pub sender: Option<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    /// The Return-Path address; `<>` for the null return path of a bounce.
    pub return_path: Option<String>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: Option<String>,
    pub date: Option<DateTime<Utc>>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Raw values of every `Authentication-Results` header, in header order.
    pub authentication_results: Vec<String>,
    /// Number of `Received` headers (hops; also a loop signal).
    pub received_count: usize,
    /// Headers that mark automatic mail (`Auto-Submitted`, `Precedence`, `List-Id`, ...),
    /// as (lower-case name, value), so no reply is ever sent to a machine.
    pub automation_headers: Vec<(String, String)>,

    /// The body as plain text (HTML converted where there is no plain part).
    pub body_text: String,
    /// True when `body_text` was converted from HTML.
    pub body_from_html: bool,
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// A message made of bytes that could not be parsed: kept, flagged, routed.
    pub fn unparsed(raw: &[u8], detail: impl Into<String>) -> Self {
        Message {
            sha256: crate::sha256_hex(raw),
            size: raw.len(),
            parsed: false,
            problems: vec![Problem::new("unparsed", detail)],
            ..Message::default()
        }
    }

    /// The From address's domain, lower-case, or empty.
    pub fn from_domain(&self) -> String {
        self.from.as_ref().map(Mailbox::domain).unwrap_or_default()
    }
}
