//! Sinks (contract only; implementations arrive with the sink modules).

use std::future::Future;

pub struct OutboundEvent {
    pub outbox_id: i64,
    pub event_id: uuid::Uuid,
    pub routing_key: String,
    pub payload: Vec<u8>,
}

pub enum Delivery {
    Confirmed,
    Rejected { reason: String },
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(String);

impl SinkError {
    pub fn retryable(&self) -> bool {
        true
    }
}

pub trait Sink: Send {
    fn publish(
        &mut self,
        events: &[OutboundEvent],
    ) -> impl Future<Output = Result<Vec<Delivery>, SinkError>> + Send;
}
