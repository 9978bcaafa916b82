//! IMAP source: fetches new messages by UID from one folder and, once the pipeline has
//! committed them, moves them to a processed folder.
//!
//! The protocol (see the design's delivery guarantees):
//! - messages are read with `BODY.PEEK[]`, so fetching never sets `\Seen`;
//! - every message is keyed by (account, folder, UIDVALIDITY, UID);
//! - nothing is moved until [`Source::acknowledge`] is called after the commit;
//! - a [`MailboxCursor`] (the highest committed UID, stored in the same transaction as the
//!   messages) lets a restarted worker move what was committed but not yet moved, without
//!   fetching it again.
//!
//! async-imap only has a timeout on IDLE, so every command here runs under
//! `command_timeout`; after a timeout or an I/O error the connection is considered unusable
//! and every later call fails with a retryable error until the caller reconnects.

use super::{Origin, RawMessage, Source, SourceError};
use crate::oauth::{BearerExchange, OAuthError, SaslMechanism, TokenSource};
use crate::secret::Secret;
use crate::tls;
use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::Fetch;
use async_imap::{Client, Session};
use chrono::Utc;
use futures::TryStreamExt;
use rustls_pki_types::ServerName;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// What a fetch asks for: the UID to key it, the size and arrival date, and the whole
/// message without touching its flags.
const FETCH_ITEMS: &str = "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[])";

/// What is fetched of a message over the size limit: its header section only.
const HEADER_ITEMS: &str = "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])";

/// Sizes first, so that the batch can be cut by bytes and oversized messages told apart
/// before anything large is downloaded.
const SIZE_ITEMS: &str = "(UID RFC822.SIZE)";

/// UIDs per MOVE/COPY/STORE command, to keep command lines short even when UIDs are sparse.
const UIDS_PER_COMMAND: usize = 500;

/// How long an IDLE connection may stay completely silent before it is taken for dead.
/// Servers send keepalives far more often (Dovecot every 2 minutes by default).
pub const IDLE_SILENCE_LIMIT: Duration = Duration::from_secs(5 * 60);

/// How a read-only source reads its folder.
#[derive(Debug, Clone, Copy)]
struct ReadOnly {
    since: Option<chrono::NaiveDate>,
}

/// How an [`ImapSource::idle`] wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported a change (new mail, expunge, flags): look for new messages.
    Changed,
    /// Nothing happened within the wait; IDLE should be re-issued.
    TimedOut,
    /// The caller asked to stop.
    Cancelled,
}

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (usually port 993).
    Implicit,
    /// Plain connection upgraded with STARTTLS before login (usually port 143). If the
    /// server refuses STARTTLS the connection fails; it never falls back to plain text.
    StartTls,
    /// No encryption. Only for servers on the same machine or in tests.
    None,
}

/// How a mailbox logs in.
#[derive(Debug, Clone)]
pub enum ImapAuth {
    /// IMAP LOGIN with a password.
    Login(Secret),
    /// SASL AUTHENTICATE with an OAuth 2.0 access token from `tokens`, which is shared by
    /// every connection of the mailbox so that a reconnect reuses a token still good.
    OAuth {
        mechanism: SaslMechanism,
        tokens: Arc<TokenSource>,
    },
}

/// One IMAP account and folder to watch.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// The account's name in the configuration; it is the `account` of every [`Origin`].
    pub name: String,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    /// How to log in: LOGIN with a password, or a SASL mechanism with an OAuth token.
    pub auth: ImapAuth,
    /// The folder to read, e.g. `INBOX`.
    pub folder: String,
    /// Where acknowledged messages are moved; created at connect when missing.
    pub processed_folder: String,
    /// Extra CA certificates (PEM) to trust besides the web PKI roots.
    pub ca_file: Option<PathBuf>,
    /// Limit for every network step: connect, TLS handshake, greeting, login, each command.
    pub command_timeout: Duration,
    /// Most messages asked for in one `UID FETCH`; `next_batch(max)` uses the smaller.
    pub fetch_batch: usize,
    /// A message larger than this on the server is not downloaded: only its header
    /// section is fetched, and [`RawMessage::oversized`] says so. It never blocks the
    /// folder, and it never fills the worker's memory.
    pub max_message_bytes: u64,
    /// A fetch stops adding messages once their sizes add up to this (at least one
    /// message is always fetched), so a batch of large messages stays bounded in memory.
    pub max_batch_bytes: u64,
}

impl ImapConfig {
    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn validate(&self) -> Result<(), SourceError> {
        for (what, value) in [
            ("folder", &self.folder),
            ("processed folder", &self.processed_folder),
        ] {
            if value.is_empty() || value.contains(['\r', '\n']) {
                return Err(SourceError::Config(format!(
                    "account {}: {what} {value:?} is not a valid mailbox name",
                    self.name
                )));
            }
        }
        if self.folder == self.processed_folder {
            return Err(SourceError::Config(format!(
                "account {}: the processed folder must differ from the folder read ({})",
                self.name, self.folder
            )));
        }
        if self.command_timeout.is_zero() {
            return Err(SourceError::Config(format!(
                "account {}: command timeout must be above zero",
                self.name
            )));
        }
        Ok(())
    }
}

/// How far a folder has been committed: the UIDVALIDITY and the highest UID stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxCursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// An IMAP folder as a [`Source`].
pub struct ImapSource {
    config: ImapConfig,
    session: Session<Transport>,
    uid_validity: u32,
    /// Highest UID handed out by `next_batch` (or committed, per the cursor).
    last_uid: u32,
    /// UIDs found by the last search and not yet fetched, ascending.
    pending: VecDeque<u32>,
    uid_validity_changed: Option<(u32, u32)>,
    moved_at_connect: usize,
    has_move: bool,
    has_uidplus: bool,
    has_idle: bool,
    /// Reading an archive folder of a live account: EXAMINE, nothing moved or changed.
    read_only: Option<ReadOnly>,
    /// Set after a timeout or I/O failure: the protocol state is unknown from then on.
    broken: Option<String>,
}

impl fmt::Debug for ImapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSource")
            .field("account", &self.config.name)
            .field("server", &self.config.server())
            .field("folder", &self.config.folder)
            .field("uid_validity", &self.uid_validity)
            .field("last_uid", &self.last_uid)
            .finish_non_exhaustive()
    }
}

impl ImapSource {
    /// Connects, logs in, selects the folder and makes sure the processed folder exists.
    ///
    /// With a cursor whose UIDVALIDITY matches, messages up to `cursor.last_uid` that are
    /// still in the folder were committed before a crash but never moved: they are moved
    /// now and not fetched again. With a different UIDVALIDITY the folder is read from the
    /// start (the database deduplicates by content hash) and
    /// [`ImapSource::uid_validity_changed`] reports it.
    pub async fn connect(
        config: ImapConfig,
        cursor: Option<MailboxCursor>,
    ) -> Result<ImapSource, SourceError> {
        Self::open(config, cursor, None).await
    }

    /// Connects to read a folder without changing anything on the server (for importing
    /// the archive folders of a live account): the folder is EXAMINEd, no processed folder
    /// is created, acknowledging moves nothing. Only messages with an internal date on or
    /// after `since` are read, when given. A cursor makes a second run resume after the
    /// last committed UID.
    pub async fn connect_read_only(
        config: ImapConfig,
        cursor: Option<MailboxCursor>,
        since: Option<chrono::NaiveDate>,
    ) -> Result<ImapSource, SourceError> {
        Self::open(config, cursor, Some(ReadOnly { since })).await
    }

    async fn open(
        config: ImapConfig,
        cursor: Option<MailboxCursor>,
        read_only: Option<ReadOnly>,
    ) -> Result<ImapSource, SourceError> {
        config.validate()?;
        let session = open_session(&config).await?;
        let mut source = ImapSource {
            config,
            session,
            uid_validity: 0,
            last_uid: 0,
            pending: VecDeque::new(),
            uid_validity_changed: None,
            moved_at_connect: 0,
            has_move: false,
            has_uidplus: false,
            has_idle: false,
            read_only,
            broken: None,
        };
        source.prepare(cursor).await?;
        Ok(source)
    }

    async fn prepare(&mut self, cursor: Option<MailboxCursor>) -> Result<(), SourceError> {
        let limit = self.config.command_timeout;
        let capabilities = within(limit, self.session.capabilities()).await;
        let capabilities = self.check("CAPABILITY", capabilities)?;
        self.has_move = capabilities.has_str("MOVE");
        self.has_uidplus = capabilities.has_str("UIDPLUS");
        self.has_idle = capabilities.has_str("IDLE");

        let folder = self.config.folder.clone();
        let selected = if self.read_only.is_some() {
            within(limit, self.session.examine(&folder)).await
        } else {
            self.ensure_processed_folder().await?;
            within(limit, self.session.select(&folder)).await
        };
        let mailbox = match selected {
            Err(Failure::Imap(ImapError::No(reason))) => {
                return Err(SourceError::Config(format!(
                    "account {}: folder {folder:?} cannot be selected: {reason}",
                    self.config.name
                )));
            }
            other => self.check("SELECT", other)?,
        };
        self.uid_validity = mailbox.uid_validity.ok_or_else(|| SourceError::Command {
            command: "SELECT".into(),
            reason: format!("server sent no UIDVALIDITY for {folder:?}"),
        })?;

        match cursor {
            Some(cursor) if cursor.uid_validity == self.uid_validity => {
                self.last_uid = cursor.last_uid;
                if self.read_only.is_none() {
                    self.move_committed_leftovers().await?;
                }
            }
            Some(cursor) => {
                tracing::warn!(
                    account = %self.config.name,
                    folder = %folder,
                    old = cursor.uid_validity,
                    new = self.uid_validity,
                    "UIDVALIDITY changed: reading the whole folder again"
                );
                self.uid_validity_changed = Some((cursor.uid_validity, self.uid_validity));
            }
            None => {}
        }
        Ok(())
    }

    async fn ensure_processed_folder(&mut self) -> Result<(), SourceError> {
        let limit = self.config.command_timeout;
        let name = self.config.processed_folder.clone();
        let pattern = quote(&name);
        let listed = within(limit, async {
            let names = self.session.list(Some(""), Some(&pattern)).await?;
            names.try_collect::<Vec<_>>().await
        })
        .await;
        let exists = self
            .check("LIST", listed)?
            .iter()
            .any(|listed| listed.name() == name);
        if exists {
            return Ok(());
        }
        let created = within(limit, self.session.create(&name)).await;
        match created {
            // Another worker may have created it between LIST and CREATE.
            Err(Failure::Imap(ImapError::No(reason)))
                if reason.to_ascii_uppercase().contains("ALREADYEXISTS") => {}
            other => self.check("CREATE", other)?,
        }
        // Subscribing only makes the folder visible in mail clients; failure is harmless.
        let subscribed = within(limit, self.session.subscribe(&name)).await;
        if let Err(Failure::Imap(ImapError::No(reason) | ImapError::Bad(reason))) = &subscribed {
            tracing::debug!(folder = %name, %reason, "SUBSCRIBE refused");
        } else {
            self.check("SUBSCRIBE", subscribed)?;
        }
        Ok(())
    }

    async fn move_committed_leftovers(&mut self) -> Result<(), SourceError> {
        if self.last_uid == 0 {
            return Ok(());
        }
        let limit = self.config.command_timeout;
        let query = format!("UID 1:{}", self.last_uid);
        let found = within(limit, self.session.uid_search(&query)).await;
        let mut uids: Vec<u32> = self
            .check("UID SEARCH", found)?
            .into_iter()
            .filter(|uid| *uid <= self.last_uid)
            .collect();
        uids.sort_unstable();
        if !uids.is_empty() {
            tracing::info!(
                account = %self.config.name,
                folder = %self.config.folder,
                count = uids.len(),
                "moving messages committed before a restart"
            );
            self.move_uids(&uids).await?;
        }
        self.moved_at_connect = uids.len();
        Ok(())
    }

    /// The folder's UIDVALIDITY as selected.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// `(stored, current)` when the cursor given to `connect` had another UIDVALIDITY.
    pub fn uid_validity_changed(&self) -> Option<(u32, u32)> {
        self.uid_validity_changed
    }

    /// How many committed-but-unmoved messages `connect` moved because of the cursor.
    pub fn moved_at_connect(&self) -> usize {
        self.moved_at_connect
    }

    /// The account name, as in every [`Origin::Imap`] this source produces.
    pub fn account(&self) -> &str {
        &self.config.name
    }

    pub fn folder(&self) -> &str {
        &self.config.folder
    }

    /// UIDVALIDITY and the highest UID handed out so far. The position to persist is the
    /// highest *committed* UID, which the caller knows; this is the source's own view.
    pub fn cursor(&self) -> MailboxCursor {
        MailboxCursor {
            uid_validity: self.uid_validity,
            last_uid: self.last_uid,
        }
    }

    /// Messages the last search found in the folder and not yet fetched: the backlog as
    /// of the last look (0 once a fetch came back empty).
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Whether the server offers IDLE (RFC 2177), so that [`ImapSource::idle`] can wait
    /// for new mail instead of the caller polling.
    pub fn supports_idle(&self) -> bool {
        self.has_idle
    }

    /// Waits in IDLE until the server reports a change to the folder, `max` passes, or
    /// `cancel` completes; then ends IDLE so the session can be used again.
    ///
    /// `max` should stay well below 29 minutes (RFC 2177: servers may drop an idle client
    /// after 30). Keepalives (`* OK Still here`) do not end the wait; a connection that
    /// sends nothing at all for [`IDLE_SILENCE_LIMIT`] is taken for dead, so a half-open
    /// connection is noticed within minutes. Any failure leaves the source unusable:
    /// the caller reconnects.
    pub async fn idle(
        mut self,
        max: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<(ImapSource, IdleOutcome), SourceError> {
        self.usable()?;
        if !self.has_idle {
            return Err(SourceError::Command {
                command: "IDLE".into(),
                reason: "the server does not offer IDLE".into(),
            });
        }
        self.drain_unsolicited();
        let limit = self.config.command_timeout;
        let ImapSource {
            config,
            session,
            uid_validity,
            last_uid,
            pending,
            uid_validity_changed,
            moved_at_connect,
            has_move,
            has_uidplus,
            has_idle,
            read_only,
            broken,
        } = self;
        let idle_error =
            |failure: Failure, command: &str| failure.into_source_error(command, &config).0;

        let mut handle = session.idle();
        within(limit, handle.init())
            .await
            .map_err(|f| idle_error(f, "IDLE"))?;
        let mut warning = None;
        let outcome = {
            let (wait, _interrupt) = handle.wait_with_timeout(IDLE_SILENCE_LIMIT.min(max));
            tokio::select! {
                response = tokio::time::timeout(max, wait) => match response {
                    Err(_) | Ok(Ok(async_imap::extensions::idle::IdleResponse::Timeout)) => {
                        IdleOutcome::TimedOut
                    }
                    Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(data))) => {
                        warning = server_warning(data.parsed());
                        IdleOutcome::Changed
                    }
                    Ok(Ok(_)) => IdleOutcome::Changed,
                    Ok(Err(error)) => return Err(idle_error(Failure::Imap(error), "IDLE")),
                },
                () = cancel => IdleOutcome::Cancelled,
            }
        };
        let session = within(limit, handle.done())
            .await
            .map_err(|f| idle_error(f, "DONE"))?;
        let mut source = ImapSource {
            config,
            session,
            uid_validity,
            last_uid,
            pending,
            uid_validity_changed,
            moved_at_connect,
            has_move,
            has_uidplus,
            has_idle,
            read_only,
            broken,
        };
        source.drain_unsolicited();
        if let Some(warning) = warning {
            // An untagged NO in IDLE is how Dovecot reports that the selected folder was
            // deleted (and maybe made again) under the session: from then on it answers
            // every sync with it and never shows the new folder's mail; STATUS even gives
            // the old UIDVALIDITY. Only a new session SELECTs the folder as it is now, so
            // the connection is given up; the reconnect handles a UIDVALIDITY change.
            tracing::warn!(
                account = %source.config.name, folder = %source.config.folder, %warning,
                "the server warned during IDLE; reconnecting to see the folder afresh"
            );
            source.broken = Some(format!("the server warned during IDLE: {warning}"));
        }
        Ok((source, outcome))
    }

    /// Says goodbye to the server. Dropping the source without it is also fine.
    pub async fn logout(mut self) -> Result<(), SourceError> {
        self.usable()?;
        let result = within(self.config.command_timeout, self.session.logout()).await;
        self.check("LOGOUT", result)
    }

    /// The next messages above the last UID handed out, in UID order.
    pub async fn fetch_next(&mut self, max: usize) -> Result<Vec<RawMessage>, SourceError> {
        self.usable()?;
        let max = max.min(self.config.fetch_batch.max(1));
        if max == 0 {
            return Ok(Vec::new());
        }
        if self.pending.is_empty() {
            self.search_new().await?;
        }
        let candidates: Vec<u32> = self.pending.iter().take(max).copied().collect();
        let Some(&last_candidate) = candidates.last() else {
            return Ok(Vec::new());
        };
        let sizes = self.fetch_sizes(&candidates).await?;
        let plan = plan_batch(
            &candidates,
            &sizes,
            self.config.max_message_bytes,
            self.config.max_batch_bytes,
        );
        let highest = plan.taken.last().copied().unwrap_or(last_candidate);
        self.pending.drain(..plan.taken.len());

        let mut messages = self.fetch_items(&plan.whole, FETCH_ITEMS).await?;
        if !plan.headers_only.is_empty() {
            let mut heads = self.fetch_items(&plan.headers_only, HEADER_ITEMS).await?;
            for head in &mut heads {
                let uid = match head.origin {
                    Origin::Imap { uid, .. } => uid,
                    Origin::Archive { .. } => 0,
                };
                head.oversized = sizes.get(&uid).map(|size| u64::from(*size));
                tracing::warn!(
                    account = %self.config.name, uid, size = ?head.oversized,
                    limit = self.config.max_message_bytes,
                    "message over the size limit: only its headers are fetched"
                );
            }
            messages.append(&mut heads);
        }
        messages.sort_by_key(|message| match message.origin {
            Origin::Imap { uid, .. } => uid,
            Origin::Archive { .. } => 0,
        });
        messages.dedup_by_key(|message| message.origin.clone());
        // A wanted UID missing from the answer was expunged meanwhile: it is gone either way.
        self.last_uid = self.last_uid.max(highest);
        Ok(messages)
    }

    /// RFC822.SIZE of each UID still in the folder.
    async fn fetch_sizes(&mut self, uids: &[u32]) -> Result<HashMap<u32, u32>, SourceError> {
        let fetched = self.uid_fetch(uids, SIZE_ITEMS).await?;
        Ok(fetched
            .iter()
            .filter_map(|fetch| Some((fetch.uid?, fetch.size?)))
            .filter(|(uid, _)| uids.binary_search(uid).is_ok())
            .collect())
    }

    /// Fetches `items` of `uids` (ascending) and turns the answers into raw messages.
    async fn fetch_items(
        &mut self,
        uids: &[u32],
        items: &str,
    ) -> Result<Vec<RawMessage>, SourceError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetched = self.uid_fetch(uids, items).await?;
        Ok(fetched
            .iter()
            .filter_map(|fetch| self.raw_message(fetch, uids))
            .collect())
    }

    /// One guarded `UID FETCH` of `items` for `uids`, every answer collected.
    async fn uid_fetch(&mut self, uids: &[u32], items: &str) -> Result<Vec<Fetch>, SourceError> {
        let set = uid_set(uids);
        let fetched = within(self.config.command_timeout, async {
            let fetches = self.session.uid_fetch(&set, items).await?;
            fetches.try_collect::<Vec<Fetch>>().await
        })
        .await;
        let fetched = self.check("UID FETCH", fetched)?;
        self.drain_unsolicited();
        Ok(fetched)
    }

    fn raw_message(&self, fetch: &Fetch, wanted: &[u32]) -> Option<RawMessage> {
        // Unsolicited FETCH responses (flag changes by other clients) carry no body.
        let uid = fetch.uid?;
        if wanted.binary_search(&uid).is_err() {
            return None;
        }
        let Some(body) = fetch.body().or_else(|| fetch.header()) else {
            tracing::warn!(account = %self.config.name, uid, "FETCH answer without a body");
            return None;
        };
        Some(RawMessage {
            origin: Origin::Imap {
                account: self.config.name.clone(),
                mailbox: self.config.folder.clone(),
                uid_validity: self.uid_validity,
                uid,
            },
            bytes: body.to_vec(),
            received_at: fetch.internal_date().map(|date| date.with_timezone(&Utc)),
            oversized: None,
        })
    }

    async fn search_new(&mut self) -> Result<(), SourceError> {
        let Some(first) = self.last_uid.checked_add(1) else {
            return Ok(());
        };
        // A server may hold back messages delivered since the last sync from a selected
        // folder's view (Dovecot does, for SEARCH); NOOP makes it catch up.
        let synced = within(self.config.command_timeout, self.session.noop()).await;
        self.check("NOOP", synced)?;
        let query = match self.read_only.as_ref().and_then(|r| r.since) {
            // RFC 3501 date format, e.g. 1-Feb-2024; SINCE compares internal dates.
            Some(since) => format!("UID {first}:* SINCE {}", since.format("%-d-%b-%Y")),
            None => format!("UID {first}:*"),
        };
        let found = within(self.config.command_timeout, self.session.uid_search(&query)).await;
        let found = self.check("UID SEARCH", found)?;
        self.drain_unsolicited();
        // `n:*` always matches the highest message, even when its UID is below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid >= first).collect();
        uids.sort_unstable();
        self.pending = uids.into();
        Ok(())
    }

    /// Moves acknowledged messages of this folder and UIDVALIDITY to the processed folder.
    /// Origins of another account, folder or UIDVALIDITY are ignored with a warning: their
    /// UIDs mean nothing here.
    pub async fn acknowledge_origins(&mut self, origins: &[Origin]) -> Result<(), SourceError> {
        self.usable()?;
        if self.read_only.is_some() {
            return Ok(());
        }
        let mut uids = Vec::with_capacity(origins.len());
        for origin in origins {
            match origin {
                Origin::Imap {
                    account,
                    mailbox,
                    uid_validity,
                    uid,
                } if *account == self.config.name
                    && *mailbox == self.config.folder
                    && *uid_validity == self.uid_validity =>
                {
                    uids.push(*uid)
                }
                other => tracing::warn!(
                    account = %self.config.name,
                    origin = ?other,
                    "acknowledgement for a message this source did not hand out; ignored"
                ),
            }
        }
        uids.sort_unstable();
        uids.dedup();
        if uids.is_empty() {
            return Ok(());
        }
        self.move_uids(&uids).await
    }

    /// Moves messages with UID MOVE when the server has it. Without MOVE: UID COPY, then
    /// `\Deleted`, then UID EXPUNGE of exactly those UIDs (UIDPLUS). A server with neither
    /// gets a plain EXPUNGE, which also removes messages that someone else had flagged
    /// `\Deleted` and not yet expunged; that is what any mail client's "compact" does, and
    /// the alternative (leaving copies behind) would move them again after every restart.
    async fn move_uids(&mut self, uids: &[u32]) -> Result<(), SourceError> {
        let limit = self.config.command_timeout;
        let target = self.config.processed_folder.clone();
        for chunk in uids.chunks(UIDS_PER_COMMAND) {
            let set = uid_set(chunk);
            if self.has_move {
                let moved = within(limit, self.session.uid_mv(&set, &target)).await;
                self.check("UID MOVE", moved)?;
            } else {
                let copied = within(limit, self.session.uid_copy(&set, &target)).await;
                self.check("UID COPY", copied)?;
                let flagged = within(limit, async {
                    let answers = self
                        .session
                        .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                        .await?;
                    answers.try_collect::<Vec<_>>().await
                })
                .await;
                self.check("UID STORE", flagged)?;
                let expunged = if self.has_uidplus {
                    within(limit, async {
                        let answers = self.session.uid_expunge(&set).await?;
                        answers.try_collect::<Vec<_>>().await
                    })
                    .await
                } else {
                    within(limit, async {
                        let answers = self.session.expunge().await?;
                        answers.try_collect::<Vec<_>>().await
                    })
                    .await
                };
                self.check("EXPUNGE", expunged)?;
            }
            self.drain_unsolicited();
        }
        Ok(())
    }

    /// Unsolicited responses (EXPUNGE, EXISTS...) are not needed here: UIDs are searched
    /// afresh. Draining keeps async-imap's bounded channel from filling up.
    fn drain_unsolicited(&mut self) {
        while self.session.unsolicited_responses.try_recv().is_ok() {}
    }

    fn usable(&self) -> Result<(), SourceError> {
        match &self.broken {
            Some(reason) => Err(SourceError::Connect {
                server: self.config.server(),
                reason: format!(
                    "connection unusable after an earlier failure ({reason}); reconnect"
                ),
            }),
            None => Ok(()),
        }
    }

    /// Turns a command's outcome into the source's error, marking the connection unusable
    /// when the failure leaves the protocol state unknown.
    fn check<T>(&mut self, command: &str, result: Result<T, Failure>) -> Result<T, SourceError> {
        result.map_err(|failure| {
            let (error, fatal) = failure.into_source_error(command, &self.config);
            if fatal {
                self.broken = Some(error.to_string());
            }
            error
        })
    }
}

impl Source for ImapSource {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<RawMessage>, SourceError> {
        self.fetch_next(max).await
    }

    async fn acknowledge(&mut self, origins: &[Origin]) -> Result<(), SourceError> {
        self.acknowledge_origins(origins).await
    }
}

/// Why a guarded command did not succeed.
enum Failure {
    Timeout(Duration),
    Imap(ImapError),
}

impl Failure {
    /// The error to report and whether the connection is unusable afterwards.
    fn into_source_error(self, command: &str, config: &ImapConfig) -> (SourceError, bool) {
        match self {
            Failure::Timeout(limit) => (
                SourceError::Timeout {
                    command: command.to_owned(),
                    seconds: limit.as_secs().max(1),
                },
                true,
            ),
            Failure::Imap(ImapError::No(reason) | ImapError::Bad(reason)) => (
                SourceError::Command {
                    command: command.to_owned(),
                    reason,
                },
                false,
            ),
            Failure::Imap(ImapError::Validate(error)) => (
                SourceError::Config(format!(
                    "account {}: {command} argument is not allowed: {error}",
                    config.name
                )),
                false,
            ),
            Failure::Imap(ImapError::ConnectionLost) => (
                SourceError::Connect {
                    server: config.server(),
                    reason: format!("connection lost during {command}"),
                },
                true,
            ),
            Failure::Imap(other) => (
                SourceError::Command {
                    command: command.to_owned(),
                    reason: other.to_string(),
                },
                true,
            ),
        }
    }
}

/// The text of an untagged NO or BAD (a server warning), which IDLE hands over as news.
/// An `[ALERT]` is a message for the user (a quota warning), not a broken session.
fn server_warning(response: &Response<'_>) -> Option<String> {
    match response {
        Response::Data {
            status: Status::No | Status::Bad,
            outcome,
        } if !matches!(
            outcome.code,
            Some(async_imap::imap_proto::ResponseCode::Alert)
        ) =>
        {
            Some(
                outcome
                    .information
                    .as_deref()
                    .unwrap_or("no text")
                    .to_owned(),
            )
        }
        _ => None,
    }
}

/// Runs one IMAP step under the time limit.
async fn within<T, F>(limit: Duration, step: F) -> Result<T, Failure>
where
    F: Future<Output = Result<T, ImapError>>,
{
    match tokio::time::timeout(limit, step).await {
        Ok(result) => result.map_err(Failure::Imap),
        Err(_) => Err(Failure::Timeout(limit)),
    }
}

/// Runs a pre-login step (connect, handshake, greeting) under the time limit.
async fn before_login<T, F>(config: &ImapConfig, step: &str, work: F) -> Result<T, SourceError>
where
    F: Future<Output = Result<T, SourceError>>,
{
    match tokio::time::timeout(config.command_timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(SourceError::Timeout {
            command: step.to_owned(),
            seconds: config.command_timeout.as_secs().max(1),
        }),
    }
}

async fn open_session(config: &ImapConfig) -> Result<Session<Transport>, SourceError> {
    let server = config.server();
    let connect_error = |reason: String| SourceError::Connect {
        server: server.clone(),
        reason,
    };
    let tcp = before_login(config, "connect", async {
        TcpStream::connect((config.host.as_str(), config.port))
            .await
            .map_err(|error| connect_error(error.to_string()))
    })
    .await?;
    // Mail commands are small request/response exchanges; Nagle only adds latency.
    let _ = tcp.set_nodelay(true);

    let client = match config.tls {
        TlsMode::None => {
            let mut client = Client::new(Transport::Plain(tcp));
            read_greeting(config, &mut client).await?;
            client
        }
        TlsMode::Implicit => {
            let tls = tls_handshake(config, tcp).await?;
            let mut client = Client::new(Transport::Tls(Box::new(tls)));
            read_greeting(config, &mut client).await?;
            client
        }
        TlsMode::StartTls => {
            let mut client = Client::new(Transport::Plain(tcp));
            read_greeting(config, &mut client).await?;
            before_login(config, "STARTTLS", async {
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|error| SourceError::Tls {
                        server: server.clone(),
                        reason: format!("STARTTLS refused or failed: {error}"),
                    })
            })
            .await?;
            let Transport::Plain(tcp) = client.into_inner() else {
                return Err(SourceError::Tls {
                    server,
                    reason: "connection was already encrypted before STARTTLS".into(),
                });
            };
            // RFC 3501: no new greeting after STARTTLS.
            let tls = tls_handshake(config, tcp).await?;
            Client::new(Transport::Tls(Box::new(tls)))
        }
    };

    login(config, client).await
}

async fn tls_handshake(
    config: &ImapConfig,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, SourceError> {
    let tls_error = |reason: String| SourceError::Tls {
        server: config.server(),
        reason,
    };
    let client_config = tls::client_config(config.ca_file.as_deref())
        .map_err(|error| SourceError::Config(error.to_string()))?;
    let name = ServerName::try_from(config.host.clone())
        .map_err(|error| SourceError::Config(format!("host {:?}: {error}", config.host)))?;
    before_login(config, "TLS handshake", async {
        TlsConnector::from(client_config)
            .connect(name, tcp)
            .await
            .map_err(|error| tls_error(error.to_string()))
    })
    .await
}

async fn read_greeting(
    config: &ImapConfig,
    client: &mut Client<Transport>,
) -> Result<(), SourceError> {
    let server = config.server();
    before_login(config, "greeting", async {
        let greeting = client
            .read_response()
            .await
            .map_err(|error| SourceError::Connect {
                server: server.clone(),
                reason: format!("reading the greeting: {error}"),
            })?
            .ok_or_else(|| SourceError::Connect {
                server: server.clone(),
                reason: "closed before the greeting".into(),
            })?;
        match greeting.parsed() {
            Response::Data {
                status: Status::Ok, ..
            } => Ok(()),
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Err(SourceError::Connect {
                server: server.clone(),
                reason: format!(
                    "server refused the connection: {}",
                    outcome.information.as_deref().unwrap_or("BYE")
                ),
            }),
            Response::Data {
                status: Status::PreAuth,
                ..
            } => Err(SourceError::Connect {
                server: server.clone(),
                reason: "server greeted with PREAUTH; login is required here".into(),
            }),
            _ => Err(SourceError::Connect {
                server: server.clone(),
                reason: "unexpected greeting".into(),
            }),
        }
    })
    .await
}

async fn login(
    config: &ImapConfig,
    client: Client<Transport>,
) -> Result<Session<Transport>, SourceError> {
    match &config.auth {
        ImapAuth::Login(password) => password_login(config, client, password).await,
        ImapAuth::OAuth { mechanism, tokens } => {
            oauth_login(config, client, *mechanism, tokens).await
        }
    }
}

async fn password_login(
    config: &ImapConfig,
    client: Client<Transport>,
    password: &Secret,
) -> Result<Session<Transport>, SourceError> {
    let attempt = tokio::time::timeout(
        config.command_timeout,
        client.login(&config.username, password.expose()),
    )
    .await;
    match attempt {
        Ok(Ok(session)) => Ok(session),
        Ok(Err((error, _client))) => Err(login_error(config, error)),
        Err(_) => Err(SourceError::Timeout {
            command: "LOGIN".into(),
            seconds: config.command_timeout.as_secs().max(1),
        }),
    }
}

/// AUTHENTICATE with an access token. A cached token the server refuses as expired or
/// revoked is replaced by a new one and tried once more; a token fetched just now that is
/// refused means the account or the grant is wrong, and is reported as it is.
async fn oauth_login(
    config: &ImapConfig,
    mut client: Client<Transport>,
    mechanism: SaslMechanism,
    tokens: &TokenSource,
) -> Result<Session<Transport>, SourceError> {
    let offered = before_login(config, "CAPABILITY", sasl_mechanisms(config, &mut client)).await?;
    if !offered
        .iter()
        .any(|name| name.eq_ignore_ascii_case(mechanism.name()))
    {
        return Err(SourceError::Login {
            user: config.username.clone(),
            reason: format!(
                "the server does not offer AUTH={} (it offers: {})",
                mechanism.name(),
                if offered.is_empty() {
                    "none".to_owned()
                } else {
                    offered.join(" ")
                }
            ),
        });
    }
    let mut retried = false;
    loop {
        let token = tokens
            .token()
            .await
            .map_err(|error| token_error(config, error))?;
        let mut exchange = BearerExchange::new(
            mechanism,
            &config.username,
            &config.host,
            config.port,
            &token.token,
        );
        let attempt = tokio::time::timeout(
            config.command_timeout,
            client.authenticate(mechanism.name(), &mut exchange),
        )
        .await;
        let (error, back) = match attempt {
            Ok(Ok(session)) => return Ok(session),
            Ok(Err(failed)) => failed,
            Err(_) => {
                return Err(SourceError::Timeout {
                    command: format!("AUTHENTICATE {}", mechanism.name()),
                    seconds: config.command_timeout.as_secs().max(1),
                });
            }
        };
        let looks_expired = exchange.token_rejected()
            || matches!(&error, ImapError::No(reason)
                if reason.to_ascii_uppercase().contains("AUTHENTICATIONFAILED"));
        if looks_expired && !token.fresh && !retried {
            tracing::info!(
                account = %config.name,
                "the server refused the cached OAuth token; getting a new one"
            );
            tokens.reject(&token.token).await;
            retried = true;
            client = back;
            continue;
        }
        return Err(
            match (login_error(config, error), exchange.server_error()) {
                (SourceError::Login { user, reason }, Some(report)) => SourceError::Login {
                    user,
                    reason: format!("{reason} (server report: {report})"),
                },
                (other, _) => other,
            },
        );
    }
}

/// The SASL mechanisms the server offers (`AUTH=` capabilities), asked for afresh: after
/// STARTTLS the greeting's list no longer counts (RFC 3501 6.2.1).
async fn sasl_mechanisms(
    config: &ImapConfig,
    client: &mut Client<Transport>,
) -> Result<Vec<String>, SourceError> {
    use async_imap::imap_proto::{Capability, RequestId};
    use tokio::io::AsyncWriteExt;
    // async-imap has no pre-login CAPABILITY; its tags are A1, A2..., so this one is apart.
    const TAG: &str = "L0";
    let failed = |reason: String| SourceError::Command {
        command: "CAPABILITY".into(),
        reason,
    };
    let stream = client.get_mut();
    stream
        .write_all(format!("{TAG} CAPABILITY\r\n").as_bytes())
        .await
        .map_err(|error| failed(error.to_string()))?;
    stream
        .flush()
        .await
        .map_err(|error| failed(error.to_string()))?;
    let mut mechanisms = Vec::new();
    loop {
        let response = client
            .read_response()
            .await
            .map_err(|error| failed(error.to_string()))?
            .ok_or_else(|| SourceError::Connect {
                server: config.server(),
                reason: "closed during CAPABILITY".into(),
            })?;
        match response.parsed() {
            Response::Capabilities(capabilities) => {
                mechanisms.extend(
                    capabilities
                        .iter()
                        .filter_map(|capability| match capability {
                            Capability::Auth(name) => Some(name.to_string()),
                            _ => None,
                        }),
                );
            }
            Response::Done {
                tag: RequestId(tag),
                status,
                outcome,
            } if tag == TAG => {
                return match status {
                    Status::Ok => Ok(mechanisms),
                    _ => Err(failed(
                        outcome
                            .information
                            .as_deref()
                            .unwrap_or("refused")
                            .to_owned(),
                    )),
                };
            }
            _ => {}
        }
    }
}

fn token_error(config: &ImapConfig, error: OAuthError) -> SourceError {
    SourceError::Token {
        account: config.name.clone(),
        temporary: error.retryable(),
        reason: error.to_string(),
    }
}

fn login_error(config: &ImapConfig, error: ImapError) -> SourceError {
    match error {
        // RFC 5530: UNAVAILABLE is a temporary failure of the server, not of the credentials.
        ImapError::No(reason) if reason.to_ascii_uppercase().contains("UNAVAILABLE") => {
            SourceError::Connect {
                server: config.server(),
                reason: format!("login temporarily unavailable: {reason}"),
            }
        }
        ImapError::No(reason) | ImapError::Bad(reason) => SourceError::Login {
            user: config.username.clone(),
            reason,
        },
        // The password itself is never part of the message: only which character was refused.
        ImapError::Validate(error) => SourceError::Config(format!(
            "account {}: user name or password holds a character IMAP cannot send: {error}",
            config.name
        )),
        other => SourceError::Connect {
            server: config.server(),
            reason: format!("during login: {other}"),
        },
    }
}

/// A sorted UID list as an IMAP sequence set with ranges, e.g. `1:3,7,9:10`.
/// Which of the candidate UIDs one fetch takes, and how.
#[derive(Debug, Default, PartialEq, Eq)]
struct BatchPlan {
    /// Every UID this fetch accounts for, ascending (including expunged ones).
    taken: Vec<u32>,
    /// Fetched whole.
    whole: Vec<u32>,
    /// Over the size limit: header section only.
    headers_only: Vec<u32>,
}

/// Takes candidates in order until the whole messages add up to `max_batch_bytes`
/// (always at least one). A UID without a size was expunged meanwhile and is skipped.
fn plan_batch(
    candidates: &[u32],
    sizes: &HashMap<u32, u32>,
    max_message_bytes: u64,
    max_batch_bytes: u64,
) -> BatchPlan {
    let mut plan = BatchPlan::default();
    let mut bytes = 0u64;
    for &uid in candidates {
        match sizes.get(&uid).map(|size| u64::from(*size)) {
            None => {}
            Some(size) if size > max_message_bytes => plan.headers_only.push(uid),
            Some(size) => {
                if !plan.whole.is_empty() && bytes + size > max_batch_bytes {
                    break;
                }
                bytes += size;
                plan.whole.push(uid);
            }
        }
        plan.taken.push(uid);
    }
    plan
}

fn uid_set(sorted_uids: &[u32]) -> String {
    let mut set = String::new();
    let mut iter = sorted_uids.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while let Some(&next) = iter.peek() {
            if next == end || Some(next) == end.checked_add(1) {
                end = next;
                iter.next();
            } else {
                break;
            }
        }
        if !set.is_empty() {
            set.push(',');
        }
        if start == end {
            set.push_str(&start.to_string());
        } else {
            set.push_str(&format!("{start}:{end}"));
        }
    }
    set
}

/// An IMAP quoted string (used where async-imap does not quote for us).
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The byte stream under the IMAP client: plain TCP or TLS over TCP.
enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Plain(_) => f.write_str("Transport::Plain"),
            Transport::Tls(_) => f.write_str("Transport::Tls"),
        }
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Transport::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_by_bytes_and_oversized_messages_fetch_headers_only() {
        let sizes: HashMap<u32, u32> = [(1, 400), (2, 5_000), (3, 300), (5, 400), (6, 400)]
            .into_iter()
            .collect();
        // UID 4 was expunged; 2 is over the 1,000-byte message limit; the batch limit
        // of 1,000 bytes stops before 6.
        let plan = plan_batch(&[1, 2, 3, 4, 5, 6], &sizes, 1_000, 1_000);
        assert_eq!(plan.whole, vec![1, 3]);
        assert_eq!(plan.headers_only, vec![2]);
        assert_eq!(plan.taken, vec![1, 2, 3, 4]);
        // One message larger than the batch limit (but under the message limit) still goes.
        let plan = plan_batch(&[5, 6], &sizes, 1_000, 100);
        assert_eq!(plan.whole, vec![5]);
        assert_eq!(plan.taken, vec![5]);
    }

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[1, 1, 2]), "1:2");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), "4294967294:4294967295");
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("Processed"), "\"Processed\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    fn config() -> ImapConfig {
        ImapConfig {
            name: "lea".into(),
            host: "127.0.0.1".into(),
            port: 1,
            tls: TlsMode::None,
            username: "u".into(),
            auth: ImapAuth::Login(Secret::new("p")),
            folder: "INBOX".into(),
            processed_folder: "Processed".into(),
            ca_file: None,
            command_timeout: Duration::from_secs(5),
            fetch_batch: 100,
            max_message_bytes: 1 << 20,
            max_batch_bytes: 8 << 20,
        }
    }

    #[test]
    fn config_rejects_same_folder_and_bad_names() {
        assert!(config().validate().is_ok());
        let mut same = config();
        same.processed_folder = "INBOX".into();
        assert!(matches!(same.validate(), Err(SourceError::Config(_))));
        let mut newline = config();
        newline.processed_folder = "a\r\nb".into();
        assert!(matches!(newline.validate(), Err(SourceError::Config(_))));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let mut config = config();
        config.auth = ImapAuth::Login(Secret::new("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn login_rejection_is_not_retryable_but_unavailable_is() {
        let config = config();
        let refused = login_error(&config, ImapError::No("[AUTHENTICATIONFAILED] no".into()));
        assert!(matches!(refused, SourceError::Login { .. }));
        assert!(!refused.retryable());
        let busy = login_error(&config, ImapError::No("[UNAVAILABLE] try later".into()));
        assert!(busy.retryable());
    }

    #[tokio::test]
    async fn refused_connection_is_a_retryable_connect_error() {
        // Port 1 on loopback: nothing listens there.
        let error = ImapSource::connect(config(), None).await.unwrap_err();
        assert!(matches!(error, SourceError::Connect { .. }), "{error}");
        assert!(error.retryable());
    }

    #[tokio::test]
    async fn silent_server_times_out_instead_of_hanging() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and then says nothing: the greeting never comes.
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(socket);
        });
        let mut config = config();
        config.port = port;
        config.command_timeout = Duration::from_millis(300);
        let error = ImapSource::connect(config, None).await.unwrap_err();
        assert!(
            matches!(&error, SourceError::Timeout { command, .. } if command == "greeting"),
            "{error}"
        );
        assert!(error.retryable());
        server.abort();
    }
}
