//! Publishing throughput of the AMQP sink: N persistent 1 KiB events with publisher
//! confirms, BATCH per publish call, into a throw-away topology that is deleted afterwards.
//!
//! cargo run --release -p lea-router --example publish_bench -- N BATCH
//! Broker: LEA_TEST_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/%2f).

use std::error::Error;
use std::time::{Duration, Instant};

use lapin::{
    Connection, ConnectionProperties,
    options::{ExchangeDeleteOptions, QueueDeleteOptions},
};
use lea_router::sink::{AmqpConfig, AmqpSink, OutboundEvent, Sink, Topology};

const PAYLOAD_BYTES: usize = 1024;

fn usage() -> String {
    "usage: publish_bench N BATCH   (N events in publish calls of BATCH events)".to_owned()
}

fn arg(args: &[String], index: usize) -> Result<usize, String> {
    args.get(index)
        .ok_or_else(usage)?
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(usage)
}

fn payload(n: usize) -> Vec<u8> {
    let head = format!(r#"{{"schema":"lea.case/1","n":{n},"pad":""#);
    let tail = r#""}"#;
    let pad = PAYLOAD_BYTES.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(pad)).into_bytes()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let total = arg(&args, 1)?;
    let batch = arg(&args, 2)?;
    let url = std::env::var("LEA_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());

    let base = format!("lea-bench-{}.cases", uuid::Uuid::new_v4().simple());
    let topology = Topology::named(&base);
    let config = AmqpConfig::new(url.clone(), topology.clone(), Duration::from_secs(60));
    let mut sink = AmqpSink::connect(config).await?;

    let events: Vec<OutboundEvent> = (0..total)
        .map(|n| OutboundEvent {
            outbox_id: i64::try_from(n).unwrap_or(i64::MAX),
            event_id: uuid::Uuid::new_v4(),
            routing_key: "case.verified.subpoena".to_owned(),
            payload: payload(n),
        })
        .collect();

    let started = Instant::now();
    let mut confirmed = 0usize;
    let mut rejected = 0usize;
    for chunk in events.chunks(batch) {
        for delivery in sink.publish(chunk).await? {
            if delivery.is_confirmed() {
                confirmed += 1;
            } else {
                rejected += 1;
            }
        }
    }
    let elapsed = started.elapsed();
    sink.close().await;

    let rate = confirmed as f64 / elapsed.as_secs_f64();
    println!(
        "{total} events of {PAYLOAD_BYTES} B, batch {batch}: {confirmed} confirmed, {rejected} rejected \
         in {:.3} s = {rate:.0} events/s",
        elapsed.as_secs_f64()
    );

    let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    for queue in topology
        .queues
        .iter()
        .map(|q| q.name.as_str())
        .chain([topology.dead_letter_queue.as_str()])
    {
        channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await?;
    }
    for exchange in [&topology.exchange, &topology.dead_letter_exchange] {
        channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await?;
    }
    Ok(())
}
