//! lea-ingest: everything between a mailbox and a parsed [`Message`].
//!
//! - [`source`]: where raw messages come from (IMAP, mbox, Maildir, folders of `.eml`),
//!   behind one small trait so the pipeline does not care which.
//! - [`parse`]: raw bytes to a [`Message`] with mail-parser, under [`Limits`]. Never panics
//!   on input: a message that cannot be parsed comes back marked `parsed = false`.
//! - [`extract`]: attachment text. PDF extraction runs in a child process with memory,
//!   CPU and wall-clock limits, because the PDF library can panic, hang or abort.
//!   DOCX and ODT are read in-process by [`office`] over the bounded reader in [`zip`];
//!   zip archives are only listed; HTML becomes text through [`html`].
//! - [`tls`]: the TLS client configuration (web PKI roots plus configured CA files).
//! - [`oauth`]: OAuth 2.0 access tokens for IMAP login (XOAUTH2, OAUTHBEARER).
//! - [`secret`]: a string type for passwords that never prints its value.
//! - [`model`]: the parsed message that the classifier and the router consume.

pub mod extract;
pub mod html;
pub mod model;
pub mod oauth;
pub mod office;
pub mod parse;
pub mod secret;
pub mod source;
pub mod tls;
pub mod zip;

pub use model::{Attachment, Mailbox, Message, Problem};
pub use parse::{Limits, parse_message};
pub use secret::Secret;
pub use source::archive::{ArchiveKind, ArchiveSource, ReadProgress};
pub use source::imap::{IdleOutcome, ImapAuth, ImapConfig, ImapSource, MailboxCursor, TlsMode};
pub use source::{Origin, RawMessage, Source, SourceError};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of some bytes: the content key for raw messages and attachments.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
