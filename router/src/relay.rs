//! The outbox relay: claim unsent events, publish them, mark sent only what the sink
//! confirmed. A crash between publish and mark re-publishes the event later under the
//! same `event_id` (at-least-once); consumers drop duplicates by AMQP `message_id`.

use crate::sink::{Delivery, OutboundEvent, Sink, SinkError};
use crate::store::{Store, StoreError};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Events claimed and published at once (confirms are awaited together).
    pub batch: usize,
    /// How long a claim lasts: after that another relay may take the events over.
    pub lease: Duration,
    /// How long an event the sink refused waits before it is tried again.
    pub retry_after: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            batch: 500,
            lease: Duration::from_secs(60),
            retry_after: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sink: {0}")]
    Sink(#[from] SinkError),
}

impl RelayError {
    pub fn retryable(&self) -> bool {
        match self {
            RelayError::Store(e) => e.retryable(),
            RelayError::Sink(e) => e.retryable(),
        }
    }
}

/// What one relay pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayPass {
    pub claimed: usize,
    pub confirmed: usize,
    pub refused: usize,
}

/// Claim one batch, publish it, record the outcome.
pub async fn relay_once<S: Store, K: Sink>(
    store: &S,
    sink: &mut K,
    options: &RelayOptions,
) -> Result<RelayPass, RelayError> {
    let rows = store.claim_outbox(options.batch, options.lease).await?;
    if rows.is_empty() {
        return Ok(RelayPass::default());
    }
    let events: Vec<OutboundEvent> = rows
        .into_iter()
        .map(|r| OutboundEvent {
            outbox_id: r.id,
            event_id: r.event_id,
            routing_key: r.routing_key,
            payload: r.payload.into_bytes(),
        })
        .collect();
    let deliveries = match sink.publish(&events).await {
        Ok(d) => d,
        Err(e) => {
            let reason = e.to_string();
            let failures: Vec<(i64, String)> = events
                .iter()
                .map(|e| (e.outbox_id, reason.clone()))
                .collect();
            store.release(&failures, options.retry_after).await?;
            return Err(e.into());
        }
    };
    let mut confirmed = Vec::new();
    let mut refused = Vec::new();
    for (event, delivery) in events.iter().zip(deliveries) {
        match delivery {
            Delivery::Confirmed => confirmed.push(event.outbox_id),
            Delivery::Rejected { reason } => {
                tracing::warn!(event_id = %event.event_id, routing_key = %event.routing_key, %reason, "event not confirmed; will retry");
                refused.push((event.outbox_id, reason));
            }
        }
    }
    // A sink that answers for fewer events than it was given leaves the rest claimed;
    // they are offered again when the lease runs out.
    store.mark_sent(&confirmed).await?;
    store.release(&refused, options.retry_after).await?;
    Ok(RelayPass {
        claimed: events.len(),
        confirmed: confirmed.len(),
        refused: refused.len(),
    })
}

/// Relay until nothing is waiting (or only refused events remain). For `run --once`.
pub async fn drain<S: Store, K: Sink>(
    store: &S,
    sink: &mut K,
    options: &RelayOptions,
) -> Result<RelayPass, RelayError> {
    let mut total = RelayPass::default();
    loop {
        let pass = relay_once(store, sink, options).await?;
        total.claimed += pass.claimed;
        total.confirmed += pass.confirmed;
        total.refused += pass.refused;
        if pass.claimed == 0 || pass.confirmed == 0 {
            return Ok(total);
        }
    }
}
