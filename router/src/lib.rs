//! lea-router: from assessed messages to cases, stored and routed.
//!
//! - [`store`]: one storage trait, two databases (PostgreSQL for production, SQLite as the
//!   embedded default). One transaction per batch holds the raw bytes, the parsed message,
//!   its assessment, the case change and the outbox event.
//! - [`case`]: case rules shared by both databases: threads, reference numbers.
//! - [`event`]: the versioned JSON case message (`lea-intake.case.v1`) and its routing key.
//! - [`sink`]: where events go: RabbitMQ with publisher confirms, or a JSON-lines file.
//! - [`routing`]: the configured routing rules that choose each case's routing key.
//! - [`relay`]: the outbox relay, which marks an event sent only once the sink confirmed it.
//! - [`ack`]: acknowledgements to the senders of new cases, queued with the case and sent
//!   over SMTP.

pub mod ack;
pub mod case;
pub mod due;
pub mod event;
pub mod feedback;
pub mod notices;
pub mod relay;
pub mod routing;
pub mod sink;
pub mod store;

pub use case::{CaseOptions, ReferenceFormat};
pub use event::{CaseEvent, SCHEMA_VERSION, routing_key};
pub use routing::{RoutingError, RoutingRules, RuleSpec};
pub use store::{
    BatchOutcome, FolderCursor, Incoming, MailboxLease, MailboxState, OutboxRow, Store, StoreError,
    StoreStats, StoredCursor,
};
