//! Outbound sinks: where the outbox relay hands events after they are committed.
//!
//! - [`amqp`]: RabbitMQ with publisher confirms and `mandatory` (production).
//! - [`jsonl`]: an append-only JSON-lines file (the embedded, laptop default).
//! - [`topology`]: the exchanges, queues and bindings the AMQP sink declares.
//!
//! The relay marks an outbox row as sent only when the sink reports
//! [`Delivery::Confirmed`] for it; everything else is retried later, so a sink
//! must never report `Confirmed` for an event it cannot prove was stored.

pub mod amqp;
pub mod jsonl;
pub mod topology;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

pub use amqp::{AmqpConfig, AmqpSink};
pub use jsonl::JsonlSink;
pub use topology::{QueueBinding, Topology, TopologyNames};

/// One event to publish. `payload` is the JSON document (already serialised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundEvent {
    pub outbox_id: i64,
    pub event_id: uuid::Uuid,
    pub routing_key: String,
    pub payload: Vec<u8>,
}

/// The outcome for one event, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Stored by the destination (for RabbitMQ: acked and not returned).
    Confirmed,
    /// Not stored, or not provably stored: the relay must retry it later.
    Rejected { reason: String },
}

impl Delivery {
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Delivery::Confirmed)
    }
}

/// A failure of a whole publish call: no event of the call is confirmed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The configuration cannot work (bad URL, inconsistent names); retrying will not help.
    #[error("sink configuration: {0}")]
    Config(String),
    /// The broker could not be reached or refused the connection.
    #[error("cannot connect to AMQP broker at {url}: {source}")]
    Connect {
        /// Redacted: never carries the password.
        url: String,
        #[source]
        source: lapin::Error,
    },
    /// Declaring the exchanges, queues or bindings failed.
    #[error("declaring AMQP topology ({what}): {source}")]
    Topology {
        what: String,
        #[source]
        source: lapin::Error,
    },
    /// Opening the channel or enabling publisher confirms failed.
    #[error("AMQP channel ({what}): {source}")]
    Channel {
        what: &'static str,
        #[source]
        source: lapin::Error,
    },
    /// The broker did not answer in time.
    #[error("AMQP broker did not answer within {after:?} ({what})")]
    Timeout { what: &'static str, after: Duration },
    /// Writing the JSON-lines file failed.
    #[error("JSON-lines file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SinkError {
    /// Whether calling `publish` again later can succeed without anyone changing anything.
    pub fn retryable(&self) -> bool {
        match self {
            SinkError::Config(_) => false,
            SinkError::Connect { source, .. } | SinkError::Channel { source, .. } => {
                !is_permanent_amqp(source)
            }
            SinkError::Topology { source, .. } => !is_permanent_amqp(source),
            SinkError::Timeout { .. } => true,
            SinkError::Io { source, .. } => !matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::ReadOnlyFilesystem
                    | std::io::ErrorKind::IsADirectory
                    | std::io::ErrorKind::InvalidInput
            ),
        }
    }
}

/// Errors that repeat until an operator changes the broker or the configuration:
/// wrong credentials or permissions, or a queue already declared with other arguments.
fn is_permanent_amqp(error: &lapin::Error) -> bool {
    use lapin::ErrorKind;
    use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
    match error.kind() {
        ErrorKind::ProtocolError(amqp) => matches!(
            amqp.kind(),
            AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED)
                | AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED)
                | AMQPErrorKind::Hard(AMQPHardError::NOTALLOWED)
        ),
        ErrorKind::AuthProviderError(_)
        | ErrorKind::InvalidProtocolVersion(_)
        | ErrorKind::NoDefaultRuntime => true,
        _ => false,
    }
}

/// Where the relay sends events.
pub trait Sink: Send {
    /// Publish all events, pipelined (all in flight, then await all confirms), one
    /// [`Delivery`] each, in input order. `Err` means none of them is confirmed.
    fn publish(
        &mut self,
        events: &[OutboundEvent],
    ) -> impl Future<Output = Result<Vec<Delivery>, SinkError>> + Send;
}

/// Either sink, chosen at run time from the configuration.
// One long-lived value per relay: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum AnySink {
    Amqp(AmqpSink),
    Jsonl(JsonlSink),
}

impl Sink for AnySink {
    async fn publish(&mut self, events: &[OutboundEvent]) -> Result<Vec<Delivery>, SinkError> {
        match self {
            AnySink::Amqp(sink) => sink.publish(events).await,
            AnySink::Jsonl(sink) => sink.publish(events).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_tell_retryable_from_permanent() {
        let full = SinkError::Io {
            path: "x".into(),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        let denied = SinkError::Io {
            path: "x".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        assert!(full.retryable());
        assert!(!denied.retryable());
        assert!(!SinkError::Config("x".into()).retryable());
        assert!(
            SinkError::Timeout {
                what: "confirm",
                after: Duration::from_secs(1)
            }
            .retryable()
        );
    }
}
