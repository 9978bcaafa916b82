//! The acknowledgement sender: claim due rows under a lease, send each, mark it sent
//! once the SMTP server took it. A failure that may pass is retried with exponential
//! backoff and its error kept on the row; a permanent refusal (5xx) marks the row
//! failed, so it is not tried forever.
//!
//! The one window left: a crash (or a lost database) after the server's 250 and before
//! the row is marked sent. The lease then runs out and the row is sent again, under the
//! same Message-ID (`<ack.REFERENCE@domain>`), so the recipient's mail system or reader
//! can recognise the duplicate. SMTP offers no way to close that window: the server's
//! acceptance and our database write cannot be one transaction.

use super::smtp::{AckMailer, SendError};
use super::sql::AckStore;
use crate::store::StoreError;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AckRelayOptions {
    /// Rows claimed at once (sent one after another over pooled connections).
    pub batch: usize,
    /// How long a claim lasts; must outlast sending a whole batch.
    pub lease: Duration,
    /// The wait before the first retry; it doubles with each failed attempt...
    pub retry_min: Duration,
    /// ...up to this.
    pub retry_max: Duration,
}

impl Default for AckRelayOptions {
    fn default() -> Self {
        AckRelayOptions {
            batch: 50,
            lease: Duration::from_secs(600),
            retry_min: Duration::from_secs(60),
            retry_max: Duration::from_secs(3600),
        }
    }
}

impl AckRelayOptions {
    /// The wait after the `attempts`-th failed attempt.
    pub fn retry_after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        self.retry_min
            .saturating_mul(1u32 << doublings)
            .min(self.retry_max)
            .max(self.retry_min)
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AckPass {
    pub claimed: usize,
    pub sent: usize,
    /// Failed for now; tried again later.
    pub deferred: usize,
    /// Refused for good.
    pub failed: usize,
}

impl AckPass {
    fn add(&mut self, other: &AckPass) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.deferred += other.deferred;
        self.failed += other.failed;
    }
}

/// Claim one batch of due acknowledgements and send them.
pub async fn send_once<S: AckStore>(
    store: &S,
    mailer: &AckMailer,
    options: &AckRelayOptions,
) -> Result<AckPass, StoreError> {
    let rows = store.claim_acks(options.batch, options.lease).await?;
    let mut pass = AckPass {
        claimed: rows.len(),
        ..AckPass::default()
    };
    for ack in &rows {
        match mailer.send(ack).await {
            Ok(()) => {
                // The window described above: sent, not yet marked.
                store.ack_sent(ack.id).await?;
                pass.sent += 1;
                tracing::info!(case_id = ack.case_id, message_id = %ack.message_id, "acknowledgement sent");
            }
            Err(SendError::Permanent(error)) => {
                store.ack_failed(ack.id, &error).await?;
                pass.failed += 1;
                tracing::error!(case_id = ack.case_id, %error, "acknowledgement refused for good");
            }
            Err(SendError::Transient(error)) => {
                let wait = options.retry_after(ack.attempts);
                store.ack_retry(ack.id, &error, wait).await?;
                pass.deferred += 1;
                tracing::warn!(
                    case_id = ack.case_id, attempts = ack.attempts, retry_in = ?wait, %error,
                    "acknowledgement not sent; will retry"
                );
            }
        }
    }
    Ok(pass)
}

/// Send until nothing is due (or everything due failed). For `run --once`.
pub async fn drain<S: AckStore>(
    store: &S,
    mailer: &AckMailer,
    options: &AckRelayOptions,
) -> Result<AckPass, StoreError> {
    let mut total = AckPass::default();
    loop {
        let pass = send_once(store, mailer, options).await?;
        total.add(&pass);
        if pass.claimed == 0 || pass.sent + pass.failed == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let options = AckRelayOptions {
            retry_min: Duration::from_secs(10),
            retry_max: Duration::from_secs(100),
            ..Default::default()
        };
        let waits: Vec<u64> = (1..=6).map(|n| options.retry_after(n).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 100, 100]);
        assert_eq!(options.retry_after(i64::MAX).as_secs(), 100);
        assert_eq!(options.retry_after(0).as_secs(), 10);
    }
}
