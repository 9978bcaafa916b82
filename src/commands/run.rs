//! `lea-intake run`: a worker per configured mailbox, plus the outbox relay.
//!
//! Each mailbox is read by its own task: a failure in one (a refused login, a server
//! down) is logged and retried with backoff there, and never stops the others. With
//! `--once`, everything waiting is processed, every case is relayed, and the command
//! exits: 0 if every mailbox was read, 1 otherwise.

use crate::commands::{analyzer, open_sink};
use crate::config::{MailboxSettings, Settings, TlsSetting};
use crate::pipeline::{Pipeline, Totals};
use crate::store::with_store;
use anyhow::{Context, Result};
use lea_ingest::{IdleOutcome, ImapConfig, ImapSource, MailboxCursor, Secret, TlsMode};
use lea_router::relay::{self, RelayOptions};
use lea_router::{CaseOptions, ReferenceFormat, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(settings: Settings, once: bool) -> Result<i32> {
    with_store!(&settings.database.url, store => run_with(store, settings, once).await)
}

async fn run_with<S: Store>(store: S, settings: Settings, once: bool) -> Result<i32> {
    store.migrate().await.context("migrating the database")?;
    let pipeline = Arc::new(Pipeline {
        store: store.clone(),
        analyzer: Arc::new(analyzer(&settings)?),
        case_options: CaseOptions {
            reference_format: ReferenceFormat::parse(&settings.cases.reference_format)?,
        },
        imported: false,
        committed: Default::default(),
    });
    let settings = Arc::new(settings);
    if settings.mailboxes.is_empty() {
        tracing::warn!("no [[mailboxes]] configured: only the outbox relay runs");
    }

    if once {
        let mut failed = 0;
        let tasks: Vec<_> = settings
            .mailboxes
            .iter()
            .cloned()
            .map(|mailbox| {
                let pipeline = Arc::clone(&pipeline);
                let settings = Arc::clone(&settings);
                tokio::spawn(async move {
                    let name = mailbox.name.clone();
                    (name, drain_mailbox(&pipeline, &settings, &mailbox).await)
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
        let mut sink = open_sink(&settings).await?;
        let pass = relay::drain(&store, &mut sink, &relay_options(&settings)).await?;
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
        return Ok(if failed > 0 { 1 } else { 0 });
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for mailbox in settings.mailboxes.iter().cloned() {
        let pipeline = Arc::clone(&pipeline);
        let settings = Arc::clone(&settings);
        let stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            watch_mailbox(pipeline, settings, mailbox, stop).await
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

/// The IMAP settings of a mailbox, with its password resolved.
pub fn imap_config(mailbox: &MailboxSettings, settings: &Settings) -> Result<ImapConfig> {
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
        password: Secret::new(mailbox.password()?),
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
) -> Result<ImapSource> {
    let config = imap_config(mailbox, settings)?;
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

/// Connect, process everything waiting, disconnect.
async fn drain_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
) -> Result<Totals> {
    let mut source = connect_mailbox(pipeline, settings, mailbox).await?;
    let mut totals = Totals::default();
    pipeline
        .drain(&mut source, settings.pipeline.batch_size, &mut totals)
        .await?;
    let _ = source.logout().await;
    Ok(totals)
}

/// A mailbox worker for the life of the process: one connection that drains the folder,
/// then waits for new mail (IDLE where offered, polling otherwise), and drains again.
/// Any failure drops the connection and reconnects after a backoff with jitter.
async fn watch_mailbox<S: Store>(
    pipeline: Arc<Pipeline<S>>,
    settings: Arc<Settings>,
    mailbox: MailboxSettings,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
    while !*stop.borrow() {
        match serve_mailbox(&pipeline, &settings, &mailbox, &stop, &mut backoff).await {
            Ok(()) => return,
            Err(e) => {
                let wait = backoff.next_wait();
                tracing::error!(
                    mailbox = %mailbox.name, error = format!("{e:#}"), retry_in = ?wait,
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

/// One connection's life. Returns Ok only when asked to stop.
async fn serve_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
    stop: &watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<()> {
    let mut source = connect_mailbox(pipeline, settings, mailbox).await?;
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
                &mut source,
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
