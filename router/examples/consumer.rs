//! A consumer of lea-intake case events, for a reviewer system to start from.
//!
//! ```text
//! LEA_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f \
//!     cargo run -p lea-router --example consumer -- lea.cases.review [PREFETCH]
//! ```
//!
//! What it shows (docs/routing.md explains why):
//! - manual acknowledgements and a prefetch: at most PREFETCH messages are unacknowledged
//!   at a time, and a message is acked only after it was handled;
//! - the `schema` check: a document of an unknown version is not guessed at;
//! - duplicates dropped by the AMQP `message_id` (the event id): lea-intake delivers at
//!   least once, so the same event can arrive twice;
//! - what cannot be read is rejected without requeueing, which dead-letters it to
//!   `lea.cases.dead` for a person to look at, instead of blocking the queue.
//!
//! lea-intake declares the queues; the consumer only reads from one.

use std::collections::{HashSet, VecDeque};

use futures::StreamExt;
use lapin::{
    Connection, ConnectionProperties,
    message::Delivery,
    options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions},
    types::FieldTable,
};
use serde::Deserialize;

/// The schema version this consumer understands.
pub const SCHEMA: &str = "lea-intake.case.v1";

/// The fields this consumer uses. Unknown fields are ignored on purpose: lea-intake adds
/// fields within a schema version but never renames or removes one.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseMessage {
    pub schema: String,
    pub event_id: String,
    /// `case.opened`, `case.updated`, and the later events of a case.
    pub event: String,
    pub routing_key: String,
    pub case: CaseRef,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CaseRef {
    pub reference: String,
    pub status: String,
}

/// What became of one delivery.
#[derive(Debug)]
pub enum Outcome {
    /// Handled, then acknowledged.
    Handled(CaseMessage),
    /// Seen before: acknowledged without handling it again.
    Duplicate(String),
    /// Unreadable or of an unknown schema: rejected without requeue (dead-lettered).
    Rejected(String),
    /// Handling failed: requeued. The queue's delivery limit dead-letters a message that
    /// keeps failing, so one bad message cannot loop forever.
    Retried(String),
}

/// The ids of the most recent messages, at most `capacity` of them.
///
/// Memory only: it forgets on restart and only catches duplicates that arrive close
/// together. A real consumer records the `message_id` in a database table with a unique
/// key, in the same transaction as the work the message causes, and skips the message
/// when that insert conflicts; then a duplicate is caught whenever it comes.
pub struct RecentIds {
    order: VecDeque<String>,
    ids: HashSet<String>,
    capacity: usize,
}

impl RecentIds {
    pub fn new(capacity: usize) -> Self {
        RecentIds {
            order: VecDeque::with_capacity(capacity),
            ids: HashSet::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn insert(&mut self, id: String) {
        if self.ids.contains(&id) {
            return;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        self.ids.insert(id.clone());
        self.order.push_back(id);
    }
}

/// Read the delivery, decide, and acknowledge accordingly. `work` is the reviewer
/// system's own handling of a new case event.
pub async fn handle(
    delivery: &Delivery,
    seen: &mut RecentIds,
    work: impl FnOnce(&CaseMessage) -> Result<(), String>,
) -> Result<Outcome, lapin::Error> {
    let message = match serde_json::from_slice::<CaseMessage>(&delivery.data) {
        Ok(message) if message.schema == SCHEMA => message,
        Ok(message) => {
            return reject(delivery, format!("unknown schema {:?}", message.schema)).await;
        }
        Err(error) => return reject(delivery, format!("not a case message: {error}")).await,
    };
    // lea-intake sets message_id to the event id; the body's copy covers a message that
    // reached the queue some other way.
    let id = delivery
        .properties
        .message_id()
        .as_ref()
        .map_or_else(|| message.event_id.clone(), |id| id.to_string());
    if seen.contains(&id) {
        delivery.acker.ack(BasicAckOptions::default()).await?;
        return Ok(Outcome::Duplicate(id));
    }
    if let Err(reason) = work(&message) {
        delivery
            .acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await?;
        return Ok(Outcome::Retried(reason));
    }
    // Remembered before the ack: if the ack is lost with the connection, the broker
    // delivers the message again and it is recognised.
    seen.insert(id);
    delivery.acker.ack(BasicAckOptions::default()).await?;
    Ok(Outcome::Handled(message))
}

async fn reject(delivery: &Delivery, reason: String) -> Result<Outcome, lapin::Error> {
    // requeue = false: the queue dead-letters it (x-dead-letter-exchange), it is not lost.
    delivery
        .acker
        .nack(BasicNackOptions {
            multiple: false,
            requeue: false,
        })
        .await?;
    Ok(Outcome::Rejected(reason))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("LEA_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
    let mut args = std::env::args().skip(1);
    let queue = args.next().unwrap_or_else(|| "lea.cases.review".to_owned());
    let prefetch: u16 = match args.next() {
        Some(n) => n.parse().map_err(|e| format!("PREFETCH {n:?}: {e}"))?,
        None => 32,
    };

    let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    // The broker sends at most `prefetch` messages ahead of the acks: enough to keep the
    // consumer busy, few enough that another consumer of the queue gets its share.
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let mut deliveries = channel
        .basic_consume(
            queue.as_str().into(),
            "lea-example-consumer".into(),
            // no_ack = false: nothing leaves the queue until it is acknowledged.
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    println!("consuming {queue} (prefetch {prefetch})");

    let mut seen = RecentIds::new(100_000);
    while let Some(delivery) = deliveries.next().await {
        let delivery = delivery?;
        let outcome = handle(&delivery, &mut seen, |case| {
            println!(
                "{} {} {} ({})",
                case.event, case.case.reference, case.case.status, case.routing_key
            );
            Ok(())
        })
        .await?;
        match outcome {
            Outcome::Handled(_) => {}
            Outcome::Duplicate(id) => println!("duplicate {id} dropped"),
            Outcome::Rejected(reason) => println!("dead-lettered: {reason}"),
            Outcome::Retried(reason) => println!("requeued: {reason}"),
        }
    }
    Ok(())
}
