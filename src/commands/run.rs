//! `lea-intake run`: a worker per configured mailbox, plus the outbox relay.
//!
//! Each mailbox is read by its own task: a failure in one (a refused login, a server
//! down) is logged and retried with backoff there, and never stops the others. With
//! `--once`, everything waiting is processed, every case is relayed, and the command
//! exits: 0 if every mailbox was read, 1 otherwise.
//!
//! Several processes may share one database: a mailbox is worked only under a lease in
//! the database (`pipeline.lease_secs`), renewed every third of its time. A process that
//! dies stops renewing, and another one takes the mailbox over once the lease ran out.
//! A process that loses its lease (it stalled past the expiry and someone took over)
//! finishes at most the batch in hand and lets the mailbox go; the store deduplicates
//! that batch should the new holder fetch it too.

use crate::commands::{analyzer, open_sink};
use crate::config::{AuthSetting, MailboxSettings, Settings, TlsSetting};
use crate::pipeline::{Pipeline, Totals};
use crate::store::with_store;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use lea_ingest::oauth::{SaslMechanism, TokenSource};
use lea_ingest::{IdleOutcome, ImapAuth, ImapConfig, ImapSource, MailboxCursor, Secret, TlsMode};
use lea_ingest::{RawMessage, Source, SourceError};
use lea_router::Store;
use lea_router::ack::AckStore;
use lea_router::relay::{self, RelayOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

pub async fn run(settings: Settings, once: bool) -> Result<i32> {
    with_store!(&settings.database.url, store => run_with(store, settings, once).await)
}

async fn run_with<S: AckStore>(store: S, settings: Settings, once: bool) -> Result<i32> {
    store.migrate().await.context("migrating the database")?;
    // SMTP settings that cannot work (a password variable unset, a missing CA file) stop
    // the start, not the first acknowledgement.
    settings.acknowledgements.mailer()?;
    let pipeline = Arc::new(Pipeline {
        store: store.clone(),
        analyzer: Arc::new(analyzer(&settings)?),
        case_options: settings.case_options()?,
        imported: false,
        committed: Default::default(),
    });
    let settings = Arc::new(settings);
    if settings.mailboxes.is_empty() {
        tracing::warn!("no [[mailboxes]] configured: only the outbox relay runs");
    }
    let lease = LeaseSpec {
        holder: holder_id().into(),
        ttl: Duration::from_secs(settings.pipeline.lease_secs),
    };
    tracing::info!(holder = %lease.holder, lease_secs = settings.pipeline.lease_secs, "worker started");

    if once {
        let mut failed = 0;
        // Cases are published while the mailboxes are still being read; the final
        // drain below only picks up what is left.
        let (relay_stop, relay_stop_rx) = watch::channel(false);
        let relay_task = tokio::spawn(relay_loop(
            store.clone(),
            Arc::clone(&settings),
            Arc::clone(&pipeline.committed),
            relay_stop_rx,
        ));
        let tasks: Vec<_> = settings
            .mailboxes
            .iter()
            .cloned()
            .map(|mailbox| {
                let pipeline = Arc::clone(&pipeline);
                let settings = Arc::clone(&settings);
                let lease = lease.clone();
                tokio::spawn(async move {
                    let name = mailbox.name.clone();
                    (
                        name,
                        drain_mailbox(&pipeline, &settings, &mailbox, &lease).await,
                    )
                })
            })
            .collect();
        for task in tasks {
            let (name, result) = task.await.context("a mailbox task failed")?;
            match result {
                Ok(totals) => tracing::info!(
                    mailbox = %name, fetched = totals.fetched, stored = totals.stored,
                    duplicates = totals.duplicates, flagged = totals.flagged, "mailbox drained"
                ),
                Err(e) => {
                    failed += 1;
                    tracing::error!(mailbox = %name, error = format!("{e:#}"), "mailbox failed");
                }
            }
        }
        let _ = relay_stop.send(true);
        relay_task.await.context("the relay task failed")?;
        let notices = store
            .queue_due_notices(&pipeline.case_options, chrono::Utc::now())
            .await?;
        if notices.due_soon + notices.overdue > 0 {
            tracing::info!(
                due_soon = notices.due_soon,
                overdue = notices.overdue,
                "due notices queued"
            );
        }
        let mut sink = open_sink(&settings).await?;
        let options = relay_options(&settings);
        let mut pass = relay::drain(&store, &mut sink, &options).await?;
        // Events claimed by a relay that died (a crash right after a commit) come free
        // when its claim runs out: wait for that rather than leave them behind.
        let deadline = tokio::time::Instant::now() + options.lease + Duration::from_secs(2);
        while failed == 0
            && pass.refused == 0
            && store.stats().await?.outbox_pending > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let next = relay::drain(&store, &mut sink, &options).await?;
            pass.confirmed += next.confirmed;
            pass.refused += next.refused;
        }
        tracing::info!(
            published = pass.confirmed,
            refused = pass.refused,
            "outbox drained"
        );
        let pending = store.stats().await?.outbox_pending;
        if pending > 0 {
            tracing::error!(pending, "events still waiting in the outbox");
            return Ok(1);
        }
        if let Some(acks) = crate::acknowledgements::drain(&store, &settings).await? {
            tracing::info!(
                sent = acks.sent,
                failed = acks.failed,
                deferred = acks.deferred,
                "acknowledgements sent"
            );
            if acks.deferred > 0 {
                tracing::error!(
                    deferred = acks.deferred,
                    "acknowledgements waiting for a retry"
                );
                return Ok(1);
            }
        }
        return Ok(if failed > 0 { 1 } else { 0 });
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for mailbox in settings.mailboxes.iter().cloned() {
        let pipeline = Arc::clone(&pipeline);
        let settings = Arc::clone(&settings);
        let stop = stop_rx.clone();
        let lease = lease.clone();
        tasks.push(tokio::spawn(async move {
            watch_mailbox(pipeline, settings, mailbox, lease, stop).await
        }));
    }
    {
        let settings = Arc::clone(&settings);
        let store = store.clone();
        let stop = stop_rx.clone();
        let committed = Arc::clone(&pipeline.committed);
        tasks.push(tokio::spawn(async move {
            relay_loop(store, settings, committed, stop).await
        }));
    }
    {
        let settings = Arc::clone(&settings);
        let pipeline = Arc::clone(&pipeline);
        let stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            notice_loop(pipeline, settings, stop).await
        }));
    }
    tasks.push(tokio::spawn(crate::acknowledgements::sender_loop(
        store.clone(),
        Arc::clone(&settings),
        stop_rx.clone(),
    )));
    shutdown_signal().await;
    tracing::info!("stopping: finishing the batches in hand");
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(0)
}

fn relay_options(settings: &Settings) -> RelayOptions {
    let defaults = RelayOptions::default();
    // A claim must outlive the wait for the broker's confirms, or a second relay could
    // take over events that are still being confirmed and publish them twice.
    let confirm = Duration::from_secs(settings.amqp.confirm_timeout_secs);
    RelayOptions {
        batch: 500,
        lease: defaults.lease.max(confirm * 2),
        ..defaults
    }
}

/// A mailbox's login for the life of one worker. A password is read afresh at every
/// connect, so a replaced password file is picked up; an OAuth token source is made once
/// and kept, so reconnects reuse its access token until that nears its expiry. After the
/// token endpoint refused the client, the source is made again at the next connect, with
/// the secrets read again (an operator may have fixed them meanwhile).
#[derive(Debug, Default)]
pub struct Credentials {
    tokens: Option<Arc<TokenSource>>,
}

impl Credentials {
    pub fn auth(&mut self, mailbox: &MailboxSettings) -> Result<ImapAuth> {
        let mechanism = match mailbox.auth {
            AuthSetting::Login => return Ok(ImapAuth::Login(Secret::new(mailbox.password()?))),
            AuthSetting::Xoauth2 => SaslMechanism::XOAuth2,
            AuthSetting::Oauthbearer => SaslMechanism::OAuthBearer,
        };
        let tokens = match &self.tokens {
            Some(tokens) => Arc::clone(tokens),
            None => {
                let tokens = Arc::new(
                    TokenSource::new(mailbox.oauth_config()?)
                        .with_context(|| format!("mailbox {}", mailbox.name))?,
                );
                self.tokens = Some(Arc::clone(&tokens));
                tokens
            }
        };
        Ok(ImapAuth::OAuth { mechanism, tokens })
    }

    /// Called with a worker's failure: a refusal by the token endpoint drops the source.
    fn failed(&mut self, error: &anyhow::Error) {
        if let Some(SourceError::Token {
            temporary: false, ..
        }) = error.downcast_ref::<SourceError>()
        {
            self.tokens = None;
        }
    }
}

/// The IMAP settings of a mailbox, logging in with `auth`.
pub fn imap_config(
    mailbox: &MailboxSettings,
    settings: &Settings,
    auth: ImapAuth,
) -> Result<ImapConfig> {
    Ok(ImapConfig {
        name: mailbox.name.clone(),
        host: mailbox.host.clone(),
        port: mailbox.port,
        tls: match mailbox.tls {
            TlsSetting::Implicit => TlsMode::Implicit,
            TlsSetting::Starttls => TlsMode::StartTls,
            TlsSetting::None => TlsMode::None,
        },
        username: mailbox.username.clone(),
        auth,
        folder: mailbox.folder.clone(),
        processed_folder: mailbox.processed_folder.clone(),
        ca_file: mailbox.ca_file.clone(),
        command_timeout: Duration::from_secs(mailbox.command_timeout_secs),
        fetch_batch: settings.pipeline.batch_size,
        max_message_bytes: settings.limits.max_message_bytes as u64,
        max_batch_bytes: settings.pipeline.max_batch_bytes,
    })
}

/// Connects with the committed cursor: messages committed before an interruption but not
/// yet moved are moved now, and a UIDVALIDITY change is reported.
async fn connect_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
    credentials: &mut Credentials,
) -> Result<ImapSource> {
    let config = imap_config(mailbox, settings, credentials.auth(mailbox)?)?;
    let cursor = pipeline
        .store
        .cursor(&mailbox.name, &mailbox.folder)
        .await?
        .map(|c| MailboxCursor {
            uid_validity: c.uid_validity,
            last_uid: c.last_uid,
        });
    let source = ImapSource::connect(config, cursor).await?;
    if let Some((old, new)) = source.uid_validity_changed() {
        tracing::warn!(
            mailbox = %mailbox.name, folder = %mailbox.folder, old, new,
            "UIDVALIDITY changed: re-reading the folder; stored messages are recognised by content"
        );
    }
    if source.moved_at_connect() > 0 {
        tracing::info!(
            mailbox = %mailbox.name, moved = source.moved_at_connect(),
            "moved messages committed before an interruption"
        );
    }
    Ok(source)
}

/// Connect, process everything waiting, disconnect; under the mailbox's lease, which is
/// refused while another live process holds it.
async fn drain_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
    lease: &LeaseSpec,
) -> Result<Totals> {
    let store = &pipeline.store;
    let taken = store
        .acquire_lease(&mailbox.name, &lease.holder, lease.ttl, Utc::now())
        .await
        .context("taking the mailbox lease")?;
    if !taken {
        let holder = store.lease(&mailbox.name).await.ok().flatten();
        bail!(
            "mailbox {} is being worked by another process ({}); not read",
            mailbox.name,
            holder
                .map(|h| format!("{} until {}", h.holder, h.expires_at.to_rfc3339()))
                .unwrap_or_else(|| "it has just let go: try again".into())
        );
    }
    // Nothing stops a --once drain early but the loss of its lease.
    let (_never, no_stop) = watch::channel(false);
    let (held, halt) = hold_lease(store.clone(), mailbox.name.clone(), lease.clone(), no_stop);
    let result = async {
        let mut source =
            connect_mailbox(pipeline, settings, mailbox, &mut Credentials::default()).await?;
        let mut totals = Totals::default();
        pipeline
            .drain(
                &mut Observed::new(&mut source, store, &mailbox.name, &halt),
                settings.pipeline.batch_size,
                &mut totals,
            )
            .await?;
        let _ = source.logout().await;
        Ok::<_, anyhow::Error>(totals)
    }
    .await;
    let lost = held.finish().await;
    if !lost {
        release_lease(store, &mailbox.name, lease).await;
    }
    let result = match result {
        Ok(_) if lost => Err(anyhow::anyhow!(
            "mailbox {}: the lease was lost while draining; the rest is left to its new holder",
            mailbox.name
        )),
        other => other,
    };
    if let Err(e) = &result {
        record_error(store, &mailbox.name, e).await;
    }
    result
}

/// A mailbox worker for the life of the process. It waits for the mailbox's lease, then
/// serves it (see [`serve_mailbox`]) while a background task renews the lease; when the
/// lease is lost it lets the mailbox go and waits again. Any failure drops the
/// connection and the lease, and tries again after a backoff with jitter.
async fn watch_mailbox<S: Store>(
    pipeline: Arc<Pipeline<S>>,
    settings: Arc<Settings>,
    mailbox: MailboxSettings,
    lease: LeaseSpec,
    mut stop: watch::Receiver<bool>,
) {
    let store = pipeline.store.clone();
    let name = mailbox.name.as_str();
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
    let mut credentials = Credentials::default();
    // Who else holds the mailbox is said once per wait, not at every retry.
    let mut said_waiting = false;
    while !*stop.borrow() {
        let wait = match store
            .acquire_lease(name, &lease.holder, lease.ttl, Utc::now())
            .await
        {
            Ok(true) => None,
            Ok(false) => {
                if !said_waiting {
                    said_waiting = true;
                    let holder = store.lease(name).await.ok().flatten();
                    tracing::info!(
                        mailbox = %name,
                        holder = holder.as_ref().map(|h| h.holder.as_str()).unwrap_or("?"),
                        until = holder.as_ref().map(|h| h.expires_at.to_rfc3339()).unwrap_or_default(),
                        "mailbox is worked by another process; waiting for its lease"
                    );
                }
                Some(lease.retry_interval())
            }
            Err(e) => {
                tracing::warn!(mailbox = %name, error = %e, "could not take the mailbox lease; retrying");
                Some(lease.retry_interval())
            }
        };
        if let Some(wait) = wait {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        said_waiting = false;
        tracing::info!(mailbox = %name, holder = %lease.holder, "mailbox lease taken");

        let (held, halt) = hold_lease(store.clone(), name.to_string(), lease.clone(), stop.clone());
        let result = serve_mailbox(
            &pipeline,
            &settings,
            &mailbox,
            &mut credentials,
            &halt,
            &mut backoff,
        )
        .await;
        let lost = held.finish().await;
        match result {
            Ok(()) if *stop.borrow() => {
                release_lease(&store, name, &lease).await;
                return;
            }
            Ok(()) => {
                // Halted by the loss of the lease: wait for it like any other process.
                tracing::warn!(mailbox = %name, "mailbox given up: its lease was lost");
            }
            Err(e) => {
                record_error(&store, name, &e).await;
                credentials.failed(&e);
                // Let go at once, so another process (maybe on a host that can reach the
                // server) can try without waiting for the lease to run out.
                if !lost {
                    release_lease(&store, name, &lease).await;
                }
                let wait = backoff.next_wait();
                tracing::error!(
                    mailbox = %name, error = format!("{e:#}"), retry_in = ?wait,
                    "mailbox failed; reconnecting"
                );
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// One connection's life: drain the folder, then wait for new mail (IDLE where offered,
/// polling otherwise), and drain again. Returns Ok only once `stop` is set (a shutdown,
/// or the loss of the lease): between batches, or at once while waiting.
async fn serve_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
    credentials: &mut Credentials,
    stop: &watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<()> {
    let mut source = connect_mailbox(pipeline, settings, mailbox, credentials).await?;
    backoff.reset();
    let use_idle = settings.pipeline.idle && source.supports_idle();
    tracing::info!(
        mailbox = %mailbox.name, folder = %mailbox.folder,
        waits_with = if use_idle { "IDLE" } else { "polling" },
        "mailbox connected"
    );
    let poll = Duration::from_secs(settings.pipeline.poll_interval_secs.max(1));
    let reissue = Duration::from_secs(settings.pipeline.idle_reissue_secs);
    loop {
        let mut totals = Totals::default();
        pipeline
            .drain_until(
                &mut Observed::new(&mut source, &pipeline.store, &mailbox.name, stop),
                settings.pipeline.batch_size,
                &mut totals,
                || *stop.borrow(),
            )
            .await?;
        if totals.fetched > 0 {
            tracing::info!(
                mailbox = %mailbox.name, fetched = totals.fetched, stored = totals.stored,
                duplicates = totals.duplicates, flagged = totals.flagged, "new mail processed"
            );
        }
        if *stop.borrow() {
            let _ = source.logout().await;
            return Ok(());
        }
        if use_idle {
            let mut stop = stop.clone();
            let stopped = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            let (back, outcome) = source.idle(reissue, stopped).await?;
            source = back;
            if outcome == IdleOutcome::Cancelled {
                let _ = source.logout().await;
                return Ok(());
            }
        } else {
            let mut stop = stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
        }
    }
}

/// This process's lease identity and the lease time.
#[derive(Debug, Clone)]
struct LeaseSpec {
    holder: Arc<str>,
    ttl: Duration,
}

impl LeaseSpec {
    /// How often a lease is renewed, and a held mailbox asked for again.
    fn retry_interval(&self) -> Duration {
        (self.ttl / 3).max(Duration::from_secs(1))
    }
}

/// `host:pid:random`. The pid tells which process on a host holds a mailbox; the random
/// part keeps a restarted process that got the same pid (containers often start at
/// pid 1) from taking its predecessor's lease for its own.
fn holder_id() -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{}:{}:{}", hostname(), std::process::id(), &suffix[..8])
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf, which outlives the call.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).replace(':', "-");
    if rc == 0 && !name.is_empty() {
        name
    } else {
        "localhost".to_string()
    }
}

/// A lease being renewed in the background; [`HeldLease::finish`] ends the renewals.
struct HeldLease {
    done: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<bool>,
}

impl HeldLease {
    /// Stops renewing. True if the lease was lost (taken by another holder, or not
    /// renewed in time): it must then not be released, it may be someone else's.
    async fn finish(self) -> bool {
        let _ = self.done.send(());
        self.task.await.unwrap_or(true)
    }
}

/// Starts renewing a lease just taken. The returned halt signal is set when `stop` is, or
/// when the lease is lost; the worker using the mailbox must then let it go.
fn hold_lease<S: Store>(
    store: S,
    mailbox: String,
    lease: LeaseSpec,
    stop: watch::Receiver<bool>,
) -> (HeldLease, watch::Receiver<bool>) {
    let (halt_tx, halt_rx) = watch::channel(*stop.borrow());
    let (done_tx, done_rx) = oneshot::channel();
    let task = tokio::spawn(renew_lease(store, mailbox, lease, stop, halt_tx, done_rx));
    (
        HeldLease {
            done: done_tx,
            task,
        },
        halt_rx,
    )
}

/// Renews every third of the lease time until `done`. Returns true if the lease was lost.
/// A failed renewal is retried every second while the lease has more than a third of its
/// time left; past that the mailbox is let go, since another process may take it over
/// as soon as it expires. After a stop the renewals go on until `done`: the batch in
/// hand is still being finished under the lease.
async fn renew_lease<S: Store>(
    store: S,
    mailbox: String,
    lease: LeaseSpec,
    mut stop: watch::Receiver<bool>,
    halt: watch::Sender<bool>,
    mut done: oneshot::Receiver<()>,
) -> bool {
    let interval = lease.retry_interval();
    let mut renewed = Instant::now();
    let mut next = interval;
    let mut stopping = *stop.borrow();
    loop {
        tokio::select! {
            _ = &mut done => return false,
            _ = tokio::time::sleep(next) => {}
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    let _ = halt.send(true);
                }
                continue;
            }
        }
        let attempt = Instant::now();
        match store
            .acquire_lease(&mailbox, &lease.holder, lease.ttl, Utc::now())
            .await
        {
            Ok(true) => {
                renewed = attempt;
                next = interval;
            }
            Ok(false) => {
                tracing::warn!(mailbox = %mailbox, "the mailbox lease was taken by another process");
                let _ = halt.send(true);
                return true;
            }
            Err(e) if renewed.elapsed() + interval < lease.ttl => {
                tracing::warn!(mailbox = %mailbox, error = %e, "renewing the mailbox lease failed; retrying");
                next = Duration::from_secs(1);
            }
            Err(e) => {
                tracing::error!(
                    mailbox = %mailbox, error = %e,
                    "the mailbox lease could not be renewed in time; letting the mailbox go"
                );
                let _ = halt.send(true);
                return true;
            }
        }
    }
}

async fn release_lease<S: Store>(store: &S, mailbox: &str, lease: &LeaseSpec) {
    match store.release_lease(mailbox, &lease.holder).await {
        Ok(_) => tracing::info!(mailbox = %mailbox, "mailbox lease released"),
        // It runs out by itself within the lease time.
        Err(e) => {
            tracing::warn!(mailbox = %mailbox, error = %e, "releasing the mailbox lease failed")
        }
    }
}

/// Keeps the last error for `status`. Status writes are best effort: a database that
/// cannot take them is reported by the work itself.
async fn record_error<S: Store>(store: &S, mailbox: &str, error: &anyhow::Error) {
    let mut text = format!("{error:#}");
    if text.len() > 2000 {
        let mut end = 2000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    if let Err(e) = store.record_mailbox_error(mailbox, Utc::now(), &text).await {
        tracing::warn!(mailbox = %mailbox, error = %e, "recording the mailbox error failed");
    }
}

/// An IMAP source that records each successful fetch and the backlog it left, for
/// `status`, and that has nothing more to give once `halt` is set: a drain then ends
/// between batches, with the batch in hand committed and acknowledged.
struct Observed<'a, S> {
    source: &'a mut ImapSource,
    store: &'a S,
    mailbox: &'a str,
    halt: &'a watch::Receiver<bool>,
}

impl<'a, S: Store> Observed<'a, S> {
    fn new(
        source: &'a mut ImapSource,
        store: &'a S,
        mailbox: &'a str,
        halt: &'a watch::Receiver<bool>,
    ) -> Self {
        Observed {
            source,
            store,
            mailbox,
            halt,
        }
    }
}

impl<S: Store> Source for Observed<'_, S> {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<RawMessage>, SourceError> {
        if *self.halt.borrow() {
            return Ok(Vec::new());
        }
        let batch = self.source.next_batch(max).await?;
        let backlog = self.source.pending_count() as u64;
        if let Err(e) = self
            .store
            .record_mailbox_fetch(self.mailbox, Utc::now(), backlog)
            .await
        {
            tracing::warn!(mailbox = %self.mailbox, error = %e, "recording the mailbox fetch failed");
        }
        Ok(batch)
    }

    async fn acknowledge(&mut self, origins: &[lea_ingest::Origin]) -> Result<(), SourceError> {
        self.source.acknowledge(origins).await
    }
}

/// Exponential backoff with jitter, so that workers that failed together (a server
/// restart) do not all come back at the same instant.
struct Backoff {
    first: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            current: first,
        }
    }

    fn reset(&mut self) {
        self.current = self.first;
    }

    /// The next wait: between half and all of the current step, which then doubles.
    fn next_wait(&mut self) -> Duration {
        let step = self.current;
        self.current = (self.current * 2).min(self.max);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let fraction = 0.5 + f64::from(nanos % 1000) / 2000.0;
        step.mul_f64(fraction)
    }
}

/// Due-soon and overdue notices: every `cases.notice_interval_secs`, each case once.
async fn notice_loop<S: Store>(
    pipeline: Arc<Pipeline<S>>,
    settings: Arc<Settings>,
    mut stop: watch::Receiver<bool>,
) {
    let interval = Duration::from_secs(settings.cases.notice_interval_secs.max(1));
    while !*stop.borrow() {
        match pipeline
            .store
            .queue_due_notices(&pipeline.case_options, chrono::Utc::now())
            .await
        {
            Ok(n) if n.due_soon + n.overdue > 0 => {
                tracing::info!(
                    due_soon = n.due_soon,
                    overdue = n.overdue,
                    "due notices queued"
                );
                pipeline.committed.notify_one();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "queueing due notices failed; will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn relay_loop<S: Store>(
    store: S,
    settings: Arc<Settings>,
    committed: Arc<tokio::sync::Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let options = relay_options(&settings);
    // Commits wake the relay at once; the poll only catches events left for a retry.
    let idle = Duration::from_secs(settings.pipeline.poll_interval_secs.max(1));
    let mut sink = None;
    while !*stop.borrow() {
        if sink.is_none() {
            match open_sink(&settings).await {
                Ok(s) => sink = Some(s),
                Err(e) => tracing::error!(error = format!("{e:#}"), "sink unavailable"),
            }
        }
        let wait = match sink.as_mut() {
            Some(s) => match relay::relay_once(&store, s, &options).await {
                Ok(pass) if pass.claimed > 0 && pass.confirmed > 0 => Duration::ZERO,
                Ok(_) => idle,
                Err(e) => {
                    tracing::warn!(error = %e, "relay failed; will retry");
                    Duration::from_secs(2)
                }
            },
            None => Duration::from_secs(5),
        };
        if !wait.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = committed.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
        let waits: Vec<Duration> = (0..6).map(|_| backoff.next_wait()).collect();
        let steps = [1, 2, 4, 8, 8, 8];
        for (wait, step) in waits.iter().zip(steps) {
            let step = Duration::from_secs(step);
            assert!(
                *wait >= step / 2 && *wait <= step,
                "{wait:?} for a step of {step:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next_wait() <= Duration::from_secs(1));
    }
}
