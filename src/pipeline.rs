//! Raw messages to committed cases: parse and classify in parallel on blocking threads,
//! then commit the whole batch in one transaction. Only after the commit may a source
//! acknowledge the batch (for IMAP: move it to the processed folder).

use crate::failpoint;
use anyhow::{Context, Result};
use chrono::Utc;
use lea_classifier::Classifier;
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Message, RawMessage, Source, parse_message};
use lea_router::{BatchOutcome, CaseOptions, Incoming, Store};
use std::sync::Arc;
use std::time::Duration;

/// Everything needed to turn bytes into assessed messages. Shared by all workers.
pub struct Analyzer {
    pub classifier: Classifier,
    pub extractor: TextExtractor,
    pub limits: Limits,
}

impl Analyzer {
    /// Parse and assess one message. Never fails: bad input is flagged, not dropped.
    pub fn analyze(&self, raw: &[u8]) -> (Message, lea_classifier::Assessment) {
        self.analyze_source(raw, None)
    }

    /// [`Analyzer::analyze`] for what a source delivered: a message the source found
    /// too large arrives as its headers only, and says so on the case.
    fn analyze_source(
        &self,
        raw: &[u8],
        oversized: Option<u64>,
    ) -> (Message, lea_classifier::Assessment) {
        let mut message = parse_message(raw, &self.limits, &self.extractor);
        if let Some(size) = oversized {
            message.problems.push(lea_ingest::Problem::new(
                "message_too_large",
                format!(
                    "{size} bytes is over the limit of {} bytes: only the headers were \
                     fetched and stored; the full message stays in the mailbox's processed folder",
                    self.limits.max_message_bytes
                ),
            ));
        }
        let assessment = self.classifier.assess(&message, Utc::now());
        (message, assessment)
    }

    /// Analyze many messages on all cores (PDF children run concurrently too).
    pub fn analyze_all(self: &Arc<Self>, raws: Vec<RawMessage>, imported: bool) -> Vec<Incoming> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .max(2);
        let chunk = raws.len().div_ceil(threads).max(1);
        let mut slots: Vec<Vec<RawMessage>> = Vec::new();
        let mut iter = raws.into_iter().peekable();
        while iter.peek().is_some() {
            slots.push(iter.by_ref().take(chunk).collect());
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = slots
                .into_iter()
                .map(|slot| {
                    scope.spawn(move || {
                        slot.into_iter()
                            .map(|raw| {
                                let (message, assessment) =
                                    self.analyze_source(&raw.bytes, raw.oversized);
                                Incoming {
                                    origin: raw.origin,
                                    raw: raw.bytes,
                                    received_at: raw.received_at,
                                    message,
                                    assessment,
                                    imported,
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                // A panic here would be a bug in our own code, not in input handling:
                // parse_message catches parser panics. Propagate it loudly.
                .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }
}

/// Turns batches of raw messages into committed cases.
pub struct Pipeline<S: Store> {
    pub store: S,
    pub analyzer: Arc<Analyzer>,
    pub case_options: CaseOptions,
    pub imported: bool,
    /// Woken after every commit, so the outbox relay publishes new cases at once instead
    /// of at its next poll.
    pub committed: Arc<tokio::sync::Notify>,
}

/// Totals over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub fetched: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub unparsed: usize,
    pub flagged: usize,
    pub cases_opened: usize,
    pub cases_updated: usize,
}

impl Totals {
    fn merge(&mut self, other: &Totals) {
        self.fetched += other.fetched;
        self.stored += other.stored;
        self.duplicates += other.duplicates;
        self.unparsed += other.unparsed;
        self.flagged += other.flagged;
        self.cases_opened += other.cases_opened;
        self.cases_updated += other.cases_updated;
    }

    fn add(&mut self, outcome: &BatchOutcome) {
        self.stored += outcome.stored;
        self.duplicates += outcome.duplicates;
        self.cases_opened += outcome.cases_opened;
        self.cases_updated += outcome.cases_updated;
    }
}

impl<S: Store> Pipeline<S> {
    /// Parse and classify a batch on the blocking pool.
    async fn analyze(&self, raws: Vec<RawMessage>, totals: &mut Totals) -> Result<Vec<Incoming>> {
        if raws.is_empty() {
            return Ok(Vec::new());
        }
        totals.fetched += raws.len();
        let analyzer = Arc::clone(&self.analyzer);
        let imported = self.imported;
        let started = std::time::Instant::now();
        let batch = tokio::task::spawn_blocking(move || analyzer.analyze_all(raws, imported))
            .await
            .context("the analysis thread failed")?;
        tracing::debug!(
            messages = batch.len(),
            analyze_ms = started.elapsed().as_millis() as u64,
            "batch analyzed"
        );
        totals.unparsed += batch.iter().filter(|i| !i.message.parsed).count();
        totals.flagged += batch
            .iter()
            .filter(|i| i.assessment.sender.verdict == lea_classifier::Verdict::Impersonation)
            .count();
        Ok(batch)
    }

    /// Commit an analyzed batch and wake the relay.
    async fn store_batch(&self, batch: &[Incoming], totals: &mut Totals) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let outcome = self.commit(batch).await?;
        tracing::debug!(
            messages = batch.len(),
            commit_ms = started.elapsed().as_millis() as u64,
            "batch committed"
        );
        totals.add(&outcome);
        self.committed.notify_one();
        Ok(())
    }

    /// Commit with retries for passing failures. A batch that fails for a reason a retry
    /// cannot fix is committed message by message, and a message that still fails is
    /// stored in its degraded form (raw bytes and the reason), so that one bad message
    /// can never block a mailbox, and nothing is acknowledged that is not stored.
    async fn commit(&self, batch: &[Incoming]) -> Result<BatchOutcome> {
        match self.commit_with_retry(batch).await {
            Ok(outcome) => Ok(outcome),
            Err(e) if batch.len() > 1 && !e.retryable() => {
                tracing::warn!(error = %e, size = batch.len(), "batch commit failed; committing one by one");
                let mut total = BatchOutcome::default();
                for one in batch {
                    let outcome = match self.commit_with_retry(std::slice::from_ref(one)).await {
                        Ok(o) => o,
                        Err(e) if !e.retryable() => self.commit_degraded(one, &e).await?,
                        Err(e) => return Err(e.into()),
                    };
                    total.stored += outcome.stored;
                    total.duplicates += outcome.duplicates;
                    total.cases_opened += outcome.cases_opened;
                    total.cases_updated += outcome.cases_updated;
                }
                Ok(total)
            }
            Err(e) if !e.retryable() => {
                let one = &batch[0];
                self.commit_degraded(one, &e).await
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn commit_degraded(
        &self,
        one: &Incoming,
        error: &lea_router::StoreError,
    ) -> Result<BatchOutcome> {
        tracing::error!(sha256 = %one.message.sha256, %error, "storing the message in degraded form");
        let message = Message::unparsed(
            &one.raw,
            format!("the parsed message could not be stored: {error}"),
        );
        let assessment = self.analyzer.classifier.assess(&message, Utc::now());
        let degraded = Incoming {
            message,
            assessment,
            ..one.clone()
        };
        self.commit_with_retry(std::slice::from_ref(&degraded))
            .await
            .context("storing a message even in degraded form failed")
    }

    async fn commit_with_retry(
        &self,
        batch: &[Incoming],
    ) -> Result<BatchOutcome, lea_router::StoreError> {
        let mut delay = Duration::from_millis(100);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.store.commit_batch(batch, &self.case_options).await {
                Ok(outcome) => {
                    failpoint::hit("after_commit");
                    return Ok(outcome);
                }
                Err(e) if e.retryable() && attempt < 5 => {
                    tracing::warn!(error = %e, attempt, "commit failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Drain a source: fetch, commit, acknowledge, until it has nothing waiting.
    pub async fn drain<Src: Source>(
        &self,
        source: &mut Src,
        batch_size: usize,
        totals: &mut Totals,
    ) -> Result<()> {
        self.drain_until(source, batch_size, totals, || false).await
    }

    /// [`Pipeline::drain`], stopping between batches once `stop()` says so: a shutdown
    /// finishes the batches in hand (commit and acknowledge) and leaves the rest waiting.
    ///
    /// Two batches are in flight: while one is committed, the next is fetched and
    /// analyzed, so the database and the CPU work at the same time. The order that makes
    /// delivery safe holds for each batch: fetch, commit, then acknowledge.
    pub async fn drain_until<Src: Source>(
        &self,
        source: &mut Src,
        batch_size: usize,
        totals: &mut Totals,
        stop: impl Fn() -> bool,
    ) -> Result<()> {
        self.drain_reporting(source, batch_size, totals, stop, |_| {})
            .await
    }

    /// [`Pipeline::drain_until`], calling `report` with the running totals after each
    /// batch is acknowledged (for a progress bar).
    pub async fn drain_reporting<Src: Source>(
        &self,
        source: &mut Src,
        batch_size: usize,
        totals: &mut Totals,
        stop: impl Fn() -> bool,
        mut report: impl FnMut(&Totals),
    ) -> Result<()> {
        let mut analyzed: Vec<Incoming> = Vec::new();
        loop {
            let raws = if stop() {
                Vec::new()
            } else {
                source.next_batch(batch_size).await?
            };
            let origins: Vec<_> = analyzed.iter().map(|i| i.origin.clone()).collect();
            let mut commit_totals = Totals::default();
            let (committed, next) = tokio::join!(
                self.store_batch(&analyzed, &mut commit_totals),
                self.analyze(raws, totals)
            );
            totals.merge(&commit_totals);
            committed?;
            if !origins.is_empty() {
                source.acknowledge(&origins).await?;
                report(totals);
            }
            analyzed = next?;
            if analyzed.is_empty() {
                return Ok(());
            }
        }
    }
}
