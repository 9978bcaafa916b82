//! Message sources. Each one hands out batches of raw messages and is told, after the
//! batch is committed to the database, to acknowledge it (for IMAP: move it to the
//! processed folder). A source never decides that a message is done on its own: that is
//! what makes a crash between fetch and commit lose nothing.

use chrono::{DateTime, Utc};
use std::future::Future;

/// Where a raw message came from; with the content hash, its identity for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A message in an IMAP folder. A UID only means something with its UIDVALIDITY.
    Imap {
        account: String,
        mailbox: String,
        uid_validity: u32,
        uid: u32,
    },
    /// A message read from an archive (mbox file, Maildir, `.eml` folder).
    Archive {
        /// The archive's path as given.
        archive: String,
        /// The file within a folder, or the message's position in an mbox file.
        item: String,
    },
}

impl Origin {
    /// The mailbox or archive label to show on a case.
    pub fn mailbox_label(&self) -> String {
        match self {
            Origin::Imap {
                account, mailbox, ..
            } => format!("{account}/{mailbox}"),
            Origin::Archive { archive, .. } => archive.clone(),
        }
    }
}

/// Raw bytes as fetched, before any parsing.
#[derive(Debug, Clone)]
pub struct RawMessage {
    pub origin: Origin,
    pub bytes: Vec<u8>,
    /// The server's INTERNALDATE or the file's modification time, when known.
    pub received_at: Option<DateTime<Utc>>,
    /// `Some(size)` when the message (`size` bytes at its source) is over the size limit
    /// and `bytes` holds only its header section.
    pub oversized: Option<u64>,
}

/// Why a source failed. `retryable` tells a worker whether to reconnect and go on
/// (network, server restart) or to stop and report (bad configuration, bad credentials).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("connection to {server} failed: {reason}")]
    Connect { server: String, reason: String },
    #[error("TLS with {server} failed: {reason}")]
    Tls { server: String, reason: String },
    #[error("login as {user} failed: {reason}")]
    Login { user: String, reason: String },
    /// No OAuth access token: the token endpoint is down (`temporary`) or refused.
    #[error("OAuth token for {account}: {reason}")]
    Token {
        account: String,
        reason: String,
        temporary: bool,
    },
    #[error("IMAP command {command} failed: {reason}")]
    Command { command: String, reason: String },
    #[error("IMAP command {command} timed out after {seconds}s")]
    Timeout { command: String, seconds: u64 },
    #[error("reading {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("configuration: {0}")]
    Config(String),
}

impl SourceError {
    /// True when trying again later (after a reconnect) can succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            SourceError::Connect { .. }
                | SourceError::Command { .. }
                | SourceError::Timeout { .. }
                | SourceError::Tls { .. }
                | SourceError::Token {
                    temporary: true,
                    ..
                }
        )
    }
}

/// A source of raw messages.
pub trait Source: Send {
    /// The next batch of at most `max` messages; an empty batch means nothing is waiting now.
    fn next_batch(
        &mut self,
        max: usize,
    ) -> impl Future<Output = Result<Vec<RawMessage>, SourceError>> + Send;

    /// Called only after the batch's messages are committed to the database.
    fn acknowledge(
        &mut self,
        origins: &[Origin],
    ) -> impl Future<Output = Result<(), SourceError>> + Send;
}
pub mod archive;
pub mod imap;
