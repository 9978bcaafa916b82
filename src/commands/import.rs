//! `lea-intake import`: archives, or a folder of a live IMAP account, through the same
//! pipeline as live mail, streamed, with a progress bar on a terminal and a summary at
//! the end. Resumable: what is stored already is recognised by its content hash (and an
//! IMAP folder resumes after its last committed UID) and skipped.

use crate::commands::{analyzer, open_sink};
use crate::config::Settings;
use crate::pipeline::{Pipeline, Totals};
use crate::store::with_store;
use anyhow::{Context, Result};
use lea_ingest::{ArchiveSource, ImapSource, MailboxCursor};
use lea_router::relay::{self, RelayOptions};
use lea_router::{CaseOptions, ReferenceFormat, Store};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What to import.
pub enum Input {
    Archives(Vec<PathBuf>),
    Imap {
        /// A configured mailbox's name: its server and credentials are used.
        mailbox: String,
        folder: String,
        since: Option<chrono::NaiveDate>,
    },
}

pub async fn run(settings: Settings, input: Input, no_relay: bool) -> Result<i32> {
    with_store!(&settings.database.url, store => import_with(store, settings, input, no_relay).await)
}

async fn import_with<S: Store>(
    store: S,
    settings: Settings,
    input: Input,
    no_relay: bool,
) -> Result<i32> {
    store.migrate().await.context("migrating the database")?;
    let pipeline = Pipeline {
        store: store.clone(),
        analyzer: Arc::new(analyzer(&settings)?),
        case_options: CaseOptions {
            reference_format: ReferenceFormat::parse(&settings.cases.reference_format)?,
            // Imported cases are never acknowledged; with acknowledgements on, each is
            // recorded as skipped (`imported`).
            acknowledgements: settings.acknowledgements.case_options()?,
        },
        imported: true,
        committed: Default::default(),
    };
    let progress = Progress::new();
    let started = Instant::now();
    let mut totals = Totals::default();
    let batch = settings.pipeline.batch_size;
    let report = |totals: &Totals| progress.update(totals, started);
    match input {
        Input::Archives(paths) => {
            let mut source = ArchiveSource::open_many(&paths)?;
            pipeline
                .drain_reporting(&mut source, batch, &mut totals, || false, report)
                .await?;
        }
        Input::Imap {
            mailbox,
            folder,
            since,
        } => {
            let mut source = connect_folder(&pipeline, &settings, &mailbox, &folder, since).await?;
            pipeline
                .drain_reporting(&mut source, batch, &mut totals, || false, report)
                .await?;
            let _ = source.logout().await;
        }
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported {} messages in {:.1} s ({:.0}/s): {} new, {} already stored, {} unparsed, {} flagged as impersonation; {} cases opened, {} updated",
        totals.fetched,
        seconds,
        totals.fetched as f64 / seconds.max(1e-9),
        totals.stored,
        totals.duplicates,
        totals.unparsed,
        totals.flagged,
        totals.cases_opened,
        totals.cases_updated
    );
    if !no_relay {
        let mut sink = open_sink(&settings).await?;
        let pass = relay::drain(&store, &mut sink, &RelayOptions::default()).await?;
        println!("published {} case events", pass.confirmed);
        if store.stats().await?.outbox_pending > 0 {
            eprintln!("some events could not be published; `lea-intake run` will retry them");
            return Ok(1);
        }
    }
    Ok(0)
}

/// A configured account's folder, read only, resuming after its last committed UID.
async fn connect_folder<S: Store>(
    pipeline: &Pipeline<S>,
    settings: &Settings,
    mailbox: &str,
    folder: &str,
    since: Option<chrono::NaiveDate>,
) -> Result<ImapSource> {
    let Some(entry) = settings.mailboxes.iter().find(|m| m.name == mailbox) else {
        anyhow::bail!("no [[mailboxes]] entry is named {mailbox:?} in the configuration");
    };
    let mut config = crate::commands::run::imap_config(entry, settings)?;
    config.folder = folder.to_owned();
    let cursor = pipeline
        .store
        .cursor(mailbox, folder)
        .await?
        .map(|c| MailboxCursor {
            uid_validity: c.uid_validity,
            last_uid: c.last_uid,
        });
    Ok(ImapSource::connect_read_only(config, cursor, since).await?)
}

/// A progress bar with rate on a terminal; periodic log lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_log: std::cell::Cell<Instant>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} {pos} messages ({per_sec}) {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        });
        Progress {
            bar,
            last_log: std::cell::Cell::new(Instant::now()),
        }
    }

    fn update(&self, totals: &Totals, started: Instant) {
        let msg = format!(
            "{} new, {} duplicates, {} flagged",
            totals.stored, totals.duplicates, totals.flagged
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(totals.fetched as u64);
                bar.set_message(msg);
            }
            None if self.last_log.get().elapsed().as_secs() >= 5 => {
                self.last_log.set(Instant::now());
                let rate = totals.fetched as f64 / started.elapsed().as_secs_f64().max(1e-9);
                tracing::info!(
                    messages = totals.fetched,
                    rate = format!("{rate:.0}/s"),
                    "{msg}"
                );
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
