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
use lea_ingest::{ImapConfig, ImapSource, MailboxCursor, Secret, TlsMode};
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
        tasks.push(tokio::spawn(async move {
            relay_loop(store, settings, stop).await
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
    })
}

/// Connect with the committed cursor, process everything waiting, disconnect.
async fn drain_mailbox<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &MailboxSettings,
) -> Result<Totals> {
    let config = imap_config(mailbox, settings)?;
    let cursor = pipeline
        .store
        .cursor(&mailbox.name, &mailbox.folder)
        .await?
        .map(|c| MailboxCursor {
            uid_validity: c.uid_validity,
            last_uid: c.last_uid,
        });
    let mut source = ImapSource::connect(config, cursor).await?;
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
    let mut totals = Totals::default();
    pipeline
        .drain(&mut source, settings.pipeline.batch_size, &mut totals)
        .await?;
    let _ = source.logout().await;
    Ok(totals)
}

/// A mailbox worker: drain, wait, repeat; reconnect with backoff after failures.
async fn watch_mailbox<S: Store>(
    pipeline: Arc<Pipeline<S>>,
    settings: Arc<Settings>,
    mailbox: MailboxSettings,
    mut stop: watch::Receiver<bool>,
) {
    let poll = Duration::from_secs(settings.pipeline.poll_interval_secs.max(1));
    let mut backoff = Duration::from_secs(1);
    while !*stop.borrow() {
        let wait = match drain_mailbox(&pipeline, &settings, &mailbox).await {
            Ok(totals) => {
                backoff = Duration::from_secs(1);
                if totals.fetched > 0 {
                    tracing::info!(mailbox = %mailbox.name, fetched = totals.fetched, stored = totals.stored, "batch done");
                }
                poll
            }
            Err(e) => {
                tracing::error!(mailbox = %mailbox.name, error = format!("{e:#}"), retry_in = ?backoff, "mailbox failed");
                let wait = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(300));
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn relay_loop<S: Store>(store: S, settings: Arc<Settings>, mut stop: watch::Receiver<bool>) {
    let options = relay_options(&settings);
    let idle = Duration::from_millis(500);
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
