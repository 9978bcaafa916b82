//! `lea-intake import`: archives, or a folder of a live IMAP account, through the same
//! pipeline as live mail, streamed, with a progress bar on a terminal and a summary at
//! the end. Resumable: what is stored already is recognised by its content hash (and an
//! IMAP folder resumes after its last committed UID) and skipped.

use crate::commands::analyzer;
use crate::config::Settings;
use crate::pipeline::{Pipeline, Totals};
use crate::store::with_store;
use anyhow::{Context, Result};
use lea_ingest::{ArchiveSource, ImapSource, MailboxCursor, ReadProgress, Source};
use lea_router::Store;
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
        case_options: settings.case_options()?,
        imported: true,
        committed: Default::default(),
    };
    let started = Instant::now();
    let mut totals = Totals::default();
    let batch = settings.pipeline.batch_size;
    match input {
        Input::Archives(paths) => {
            let mut source = ArchiveSource::open_many(&paths)?;
            let goal = Goal::Bytes {
                total: source.total_bytes(),
                read: source.progress(),
            };
            drain_showing_progress(&pipeline, &mut source, goal, batch, &mut totals, started)
                .await?;
        }
        Input::Imap {
            mailbox,
            folder,
            since,
        } => {
            let mut source = connect_folder(&pipeline, &settings, &mailbox, &folder, since).await?;
            let goal = Goal::Messages(source.pending_count() as u64);
            drain_showing_progress(&pipeline, &mut source, goal, batch, &mut totals, started)
                .await?;
            let _ = source.logout().await;
        }
    }
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
        return super::publish_pending(&store, &settings).await;
    }
    Ok(0)
}

/// Runs `source` through the pipeline to its end, showing progress towards `goal`.
async fn drain_showing_progress<S: Store, Src: Source>(
    pipeline: &Pipeline<S>,
    source: &mut Src,
    goal: Goal,
    batch: usize,
    totals: &mut Totals,
    started: Instant,
) -> Result<()> {
    let progress = Progress::new(goal);
    let drained = pipeline
        .drain_reporting(
            source,
            batch,
            totals,
            || false,
            |t| progress.update(t, started),
        )
        .await;
    progress.finish();
    drained
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
    let auth = crate::commands::run::Credentials::default().auth(entry)?;
    let mut config = crate::commands::run::imap_config(entry, settings, auth)?;
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

/// What the import moves towards: the archives' bytes (a message count is not known
/// before an mbox is read through) or, for an IMAP folder, its messages.
enum Goal {
    Bytes { total: u64, read: ReadProgress },
    Messages(u64),
}

impl Goal {
    /// The goal, in its unit.
    fn total(&self) -> u64 {
        match self {
            Goal::Bytes { total, .. } | Goal::Messages(total) => *total,
        }
    }

    /// How far along, in the goal's unit.
    fn done(&self, totals: &Totals) -> u64 {
        let done = match self {
            Goal::Bytes { read, .. } => read.bytes(),
            Goal::Messages(_) => totals.fetched as u64,
        };
        done.min(self.total())
    }
}

/// A progress bar with rate and ETA on a terminal; a log line every few seconds
/// otherwise (with the same rate and ETA).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    goal: Goal,
    last_log: std::cell::Cell<Instant>,
}

impl Progress {
    fn new(goal: Goal) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(goal.total());
            let amount = match goal {
                Goal::Bytes { .. } => "{binary_bytes}/{binary_total_bytes}",
                Goal::Messages(_) => "{pos}/{len} messages",
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{elapsed_precise}} [{{bar:30}}] {amount} ETA {{eta}} {{msg}}"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            goal,
            last_log: std::cell::Cell::new(Instant::now()),
        }
    }

    fn update(&self, totals: &Totals, started: Instant) {
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        let rate = totals.fetched as f64 / seconds;
        let msg = format!(
            "{} messages ({rate:.0}/s): {} new, {} duplicates, {} flagged",
            totals.fetched, totals.stored, totals.duplicates, totals.flagged
        );
        let (done, total) = (self.goal.done(totals), self.goal.total());
        match &self.bar {
            Some(bar) => {
                bar.set_position(done);
                bar.set_message(msg);
            }
            None if self.last_log.get().elapsed().as_secs() >= 5 => {
                self.last_log.set(Instant::now());
                tracing::info!(
                    percent = format!("{:.1}", percent(done, total)),
                    eta = eta(done, total, seconds),
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

fn percent(done: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        done as f64 * 100.0 / total as f64
    }
}

/// The time left at the rate so far, as `1h02m03s`; `unknown` before anything is done.
fn eta(done: u64, total: u64, seconds: f64) -> String {
    if done == 0 {
        return "unknown".into();
    }
    let left = (total.saturating_sub(done) as f64 * seconds / done as f64).round() as u64;
    format!("{}h{:02}m{:02}s", left / 3600, left / 60 % 60, left % 60)
}

#[cfg(test)]
mod tests {
    use super::eta;

    #[test]
    fn eta_extrapolates_the_rate_so_far() {
        assert_eq!(eta(0, 100, 5.0), "unknown");
        // A quarter in 10 s: 30 s left.
        assert_eq!(eta(25, 100, 10.0), "0h00m30s");
        assert_eq!(eta(1, 3601, 1.0), "1h00m00s");
        assert_eq!(eta(100, 100, 7.0), "0h00m00s");
    }
}
