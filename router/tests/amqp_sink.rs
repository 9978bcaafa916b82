//! The AMQP sink against the real RabbitMQ at LEA_TEST_AMQP_URL
//! (default amqp://guest:guest@127.0.0.1:5672/%2f). Each test declares its own
//! exchanges and queues under a random name and deletes them at the end, pass or fail.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::process::Command;
use std::time::Duration;

use futures::FutureExt;
use lapin::{
    Channel, Connection, ConnectionProperties,
    message::Delivery as AmqpDelivery,
    options::{
        BasicGetOptions, BasicNackOptions, ExchangeDeleteOptions, QueueBindOptions,
        QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};
use lea_router::sink::topology::{
    REQUEST_KINDS, VERDICT_IMPERSONATION, VERDICT_UNVERIFIED, VERDICT_VERIFIED,
};
use lea_router::sink::{
    AmqpConfig, AmqpSink, Delivery, OutboundEvent, Sink, SinkError, Topology, amqp::redact_url,
};
use uuid::Uuid;

const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

fn amqp_url() -> String {
    std::env::var("LEA_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

fn unique_base() -> String {
    let id = Uuid::new_v4().simple().to_string();
    format!("lea-test-{}.cases", id.get(..12).unwrap_or(&id))
}

/// A channel for the test's own checks; fails the test loudly when RabbitMQ is down.
async fn admin() -> (Connection, Channel) {
    let url = amqp_url();
    let connection = match Connection::connect(&url, ConnectionProperties::default()).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "RabbitMQ is not reachable at {} ({error}); start it (`rabbitmq-server -detached`) \
             or point LEA_TEST_AMQP_URL at a broker",
            redact_url(&url)
        ),
    };
    let channel = connection.create_channel().await.expect("admin channel");
    (connection, channel)
}

fn config(topology: &Topology) -> AmqpConfig {
    AmqpConfig::new(amqp_url(), topology.clone(), CONFIRM_TIMEOUT)
}

fn event(routing_key: &str, n: usize) -> OutboundEvent {
    OutboundEvent {
        outbox_id: i64::try_from(n).unwrap_or(i64::MAX),
        event_id: Uuid::new_v4(),
        routing_key: routing_key.to_owned(),
        payload: format!(r#"{{"schema":"lea.case/1","n":{n},"routing_key":"{routing_key}"}}"#)
            .into_bytes(),
    }
}

/// Runs `body`, then deletes the topology's queues and exchanges whatever happened.
async fn with_topology<F, Fut>(topology: &Topology, body: F)
where
    F: FnOnce(Topology) -> Fut,
    Fut: Future<Output = ()>,
{
    let outcome = AssertUnwindSafe(body(topology.clone()))
        .catch_unwind()
        .await;
    let (_connection, channel) = admin().await;
    let queues = topology
        .queues
        .iter()
        .map(|q| q.name.clone())
        .chain([topology.dead_letter_queue.clone()]);
    for queue in queues {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [&topology.exchange, &topology.dead_letter_exchange] {
        let _ = channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn get(channel: &Channel, queue: &str) -> Option<AmqpDelivery> {
    channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .expect("basic.get")
        .map(|message| message.delivery)
}

async fn drain(channel: &Channel, queue: &str) -> Vec<AmqpDelivery> {
    let mut out = Vec::new();
    while let Some(delivery) = get(channel, queue).await {
        out.push(delivery);
    }
    out
}

fn message_id(delivery: &AmqpDelivery) -> String {
    delivery
        .properties
        .message_id()
        .as_ref()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

fn all_confirmed(deliveries: &[Delivery]) -> bool {
    deliveries.iter().all(Delivery::is_confirmed)
}

#[tokio::test]
async fn consumers_read_persistent_json_messages_keyed_by_event_id() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        let events: Vec<OutboundEvent> = (0..50)
            .map(|n| event("case.verified.subpoena", n))
            .collect();

        let deliveries = sink.publish(&events).await.expect("publish");
        assert_eq!(deliveries, vec![Delivery::Confirmed; events.len()]);

        let (_connection, channel) = admin().await;
        let review = &topology.queues[2].name;
        assert!(review.ends_with(".review"));
        let received = drain(&channel, review).await;
        assert_eq!(received.len(), events.len());
        for (sent, got) in events.iter().zip(&received) {
            assert_eq!(message_id(got), sent.event_id.to_string());
            assert_eq!(
                got.properties.content_type().as_ref().map(|t| t.as_str()),
                Some("application/json")
            );
            assert_eq!(got.properties.delivery_mode(), &Some(2), "not persistent");
            assert!(got.properties.timestamp().is_some());
            assert_eq!(got.routing_key.as_str(), sent.routing_key);
            assert_eq!(got.data, sent.payload);
        }
        for other in &topology.queues[..2] {
            assert!(get(&channel, &other.name).await.is_none(), "{}", other.name);
        }
        sink.close().await;
    })
    .await;
}

#[tokio::test]
async fn unroutable_events_are_rejected_and_the_rest_confirmed() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        let events = vec![
            event("case.verified.mlat", 0),
            event("audit.nothing.here", 1),
            event("case.due_soon", 2),
            event("case.impersonation.subpoena", 3),
        ];
        let deliveries = sink.publish(&events).await.expect("publish");
        assert_eq!(deliveries[0], Delivery::Confirmed);
        for returned in &deliveries[1..3] {
            match returned {
                Delivery::Rejected { reason } => assert!(reason.contains("unroutable"), "{reason}"),
                Delivery::Confirmed => panic!("an unroutable event was reported confirmed"),
            }
        }
        assert_eq!(deliveries[3], Delivery::Confirmed);

        // A return does not spoil the channel: the next call publishes normally.
        let again = sink
            .publish(&[event("case.unverified.other", 4)])
            .await
            .expect("publish after a return");
        assert_eq!(again, vec![Delivery::Confirmed]);
        sink.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_broker_nack_is_rejected_not_success() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        // A full queue with reject-publish overflow makes the broker nack what is routed to it.
        let (_connection, channel) = admin().await;
        let full = format!("{}.full", topology.exchange);
        let mut args = FieldTable::default();
        args.insert("x-max-length".into(), AMQPValue::LongLongInt(0));
        args.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        channel
            .queue_declare(
                full.as_str().into(),
                QueueDeclareOptions {
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                args,
            )
            .await
            .expect("declare full queue");
        channel
            .queue_bind(
                full.as_str().into(),
                topology.exchange.as_str().into(),
                "case.verified.freeze_request".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind full queue");

        let deliveries = sink
            .publish(&[
                event("case.verified.freeze_request", 0),
                event("case.verified.subpoena", 1),
            ])
            .await
            .expect("publish");
        let _ = channel
            .queue_delete(full.as_str().into(), QueueDeleteOptions::default())
            .await;
        match &deliveries[0] {
            Delivery::Rejected { reason } => assert!(reason.contains("nack"), "{reason}"),
            Delivery::Confirmed => panic!("a nacked event was reported confirmed"),
        }
        assert_eq!(deliveries[1], Delivery::Confirmed);
        sink.close().await;
    })
    .await;
}

#[tokio::test]
async fn every_case_key_reaches_exactly_the_documented_queues() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        let mut events = Vec::new();
        for verdict in [VERDICT_VERIFIED, VERDICT_UNVERIFIED, VERDICT_IMPERSONATION] {
            for kind in REQUEST_KINDS {
                events.push(event(&format!("case.{verdict}.{kind}"), events.len()));
            }
        }
        let deliveries = sink.publish(&events).await.expect("publish");
        assert!(all_confirmed(&deliveries), "{deliveries:?}");

        let (_connection, channel) = admin().await;
        for queue in &topology.queues {
            let got: BTreeSet<String> = drain(&channel, &queue.name)
                .await
                .iter()
                .map(|d| d.routing_key.to_string())
                .collect();
            let expected: BTreeSet<String> = events
                .iter()
                .filter(|e| {
                    topology
                        .queues_for(&e.routing_key)
                        .contains(&queue.name.as_str())
                })
                .map(|e| e.routing_key.clone())
                .collect();
            assert_eq!(got, expected, "queue {}", queue.name);
            if queue.name.ends_with(".urgent") {
                assert!(!got.contains("case.impersonation.emergency_disclosure"));
            }
            if queue.name.ends_with(".security") {
                assert!(got.contains("case.impersonation.emergency_disclosure"));
            }
        }
        sink.close().await;
    })
    .await;
}

fn is_precondition_failed(error: &lapin::Error) -> bool {
    error.to_string().contains("PRECONDITION") || error.to_string().contains("406")
}

#[tokio::test]
async fn topology_is_idempotent_quorum_and_dead_letters() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let (connection, channel) = admin().await;
        topology.declare(&channel).await.expect("first declaration");
        topology
            .declare(&channel)
            .await
            .expect("second declaration");
        // A sink connecting declares it a third time.
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");

        // The broker refuses a declaration that disagrees with the queue's arguments:
        // proof that the queue is quorum and carries the dead-letter settings.
        let security = topology.queues[0].name.clone();
        assert!(security.ends_with(".security"));
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let mut classic = FieldTable::default();
        classic.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("classic".into()),
        );
        let mut quorum_without_dlx = FieldTable::default();
        quorum_without_dlx.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        let without_limit = Topology {
            delivery_limit: None,
            ..topology.clone()
        }
        .work_queue_arguments();
        for (what, args) in [
            ("classic", classic),
            ("quorum without dead-lettering", quorum_without_dlx),
            ("quorum without a delivery limit", without_limit),
        ] {
            let probe = connection.create_channel().await.expect("probe channel");
            match probe
                .queue_declare(security.as_str().into(), durable, args)
                .await
            {
                Err(error) => assert!(is_precondition_failed(&error), "{what}: {error}"),
                Ok(_) => panic!("declaring the queue as {what} was accepted"),
            }
        }
        let probe = connection.create_channel().await.expect("probe channel");
        probe
            .queue_declare(
                security.as_str().into(),
                durable,
                topology.work_queue_arguments(),
            )
            .await
            .expect("same arguments are accepted");

        // A consumer giving up on a message sends it to the dead-letter queue.
        let sent = event("case.impersonation.freeze_request", 0);
        let deliveries = sink
            .publish(std::slice::from_ref(&sent))
            .await
            .expect("publish");
        assert_eq!(deliveries, vec![Delivery::Confirmed]);
        let message = channel
            .basic_get(security.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .expect("basic.get")
            .expect("message in the security queue");
        message
            .delivery
            .acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: false,
            })
            .await
            .expect("nack");

        // Dead-lettering is asynchronous inside the broker: poll, bounded.
        let mut dead = None;
        for _ in 0..100 {
            dead = get(&channel, &topology.dead_letter_queue).await;
            if dead.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let dead = dead.expect("the rejected message reached the dead-letter queue");
        assert_eq!(message_id(&dead), sent.event_id.to_string());
        assert_eq!(dead.data, sent.payload);
        let first_death_queue = dead
            .properties
            .headers()
            .as_ref()
            .and_then(|headers| headers.inner().get("x-first-death-queue").cloned());
        assert_eq!(
            first_death_queue,
            Some(AMQPValue::LongString(security.as_str().into()))
        );
        sink.close().await;
    })
    .await;
}

/// The broker's process ids of the connections carrying `name`.
fn connection_pids(name: &str) -> Vec<String> {
    // The plain table prints pids in the form `close_connection` accepts (JSON does not).
    let output = Command::new("rabbitmqctl")
        .args([
            "-q",
            "list_connections",
            "--no-table-headers",
            "pid",
            "client_properties",
        ])
        .output()
        .expect("run rabbitmqctl (RabbitMQ's CLI must be installed and usable)");
    assert!(
        output.status.success(),
        "rabbitmqctl list_connections failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(name))
        .filter_map(|line| line.split('\t').next().map(str::to_owned))
        .collect()
}

fn close_connection(pid: &str) {
    let output = Command::new("rabbitmqctl")
        .args(["-q", "close_connection", pid, "closed by the sink test"])
        .output()
        .expect("run rabbitmqctl");
    assert!(
        output.status.success(),
        "rabbitmqctl close_connection failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn survives_the_broker_closing_its_connection() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let name = format!("lea-sink-test-{}", Uuid::new_v4().simple());
        let mut sink = AmqpSink::connect_as(config(&topology), &name)
            .await
            .expect("connect");
        let first: Vec<OutboundEvent> = (0..10).map(|n| event("case.verified.mlat", n)).collect();
        assert!(all_confirmed(
            &sink.publish(&first).await.expect("first publish")
        ));

        let before = connection_pids(&name);
        assert_eq!(
            before.len(),
            1,
            "our connection in the broker's list: {before:?}"
        );
        close_connection(&before[0]);

        let second: Vec<OutboundEvent> = (10..20).map(|n| event("case.verified.mlat", n)).collect();
        let mut confirmed: Vec<&OutboundEvent> = first.iter().collect();
        match sink.publish(&second).await {
            Ok(deliveries) if all_confirmed(&deliveries) => confirmed.extend(&second),
            Ok(deliveries) => {
                eprintln!("second publish after the close: {deliveries:?}");
                confirmed.extend(
                    second
                        .iter()
                        .zip(&deliveries)
                        .filter(|(_, d)| d.is_confirmed())
                        .map(|(e, _)| e),
                );
            }
            Err(error) => {
                eprintln!("second publish after the close: {error}");
                assert!(
                    error.retryable(),
                    "a closed connection must be retryable: {error}"
                );
            }
        }
        let third: Vec<OutboundEvent> = (20..30).map(|n| event("case.verified.mlat", n)).collect();
        let deliveries = sink.publish(&third).await.expect("third publish");
        assert!(all_confirmed(&deliveries), "{deliveries:?}");
        confirmed.extend(&third);

        let after = connection_pids(&name);
        assert_eq!(
            after.len(),
            1,
            "one live connection after reconnecting: {after:?}"
        );
        assert_ne!(after, before, "the sink kept using the closed connection");

        // Every event reported confirmed is really in the queue.
        let (_connection, channel) = admin().await;
        let in_queue: BTreeSet<String> = drain(&channel, &topology.queues[2].name)
            .await
            .iter()
            .map(message_id)
            .collect();
        for event in confirmed {
            assert!(
                in_queue.contains(&event.event_id.to_string()),
                "lost {}",
                event.event_id
            );
        }
        sink.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_broker_is_a_retryable_error_without_the_password() {
    let topology = Topology::named(&unique_base());
    let config = AmqpConfig::new(
        "amqp://guest:s3cret@127.0.0.1:1/%2f",
        topology,
        Duration::from_secs(5),
    );
    let error: SinkError = match AmqpSink::connect(config.clone()).await {
        Err(error) => error,
        Ok(_) => panic!("connected to a port where nothing listens"),
    };
    assert!(error.retryable(), "{error}");
    assert!(!error.to_string().contains("s3cret"), "{error}");
    assert!(!format!("{error:?}").contains("s3cret"), "{error:?}");

    // Started without a broker, the sink fails each publish, retryably, until it can connect.
    let mut sink = AmqpSink::lazy(config, "lea-sink-test").expect("configuration is valid");
    for _ in 0..2 {
        match sink.publish(&[event("case.verified.other", 0)]).await {
            Err(error) => assert!(error.retryable(), "{error}"),
            Ok(deliveries) => panic!("published without a broker: {deliveries:?}"),
        }
    }
}

#[tokio::test]
async fn a_lazily_started_sink_connects_on_its_first_publish() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let mut sink = AmqpSink::lazy(config(&topology), "lea-sink-test").expect("lazy");
        let deliveries = sink
            .publish(&[event("case.unverified.subpoena", 0)])
            .await
            .expect("publish");
        assert_eq!(deliveries, vec![Delivery::Confirmed]);
        sink.close().await;
    })
    .await;
}
