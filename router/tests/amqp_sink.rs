//! The AMQP sink against the real RabbitMQ at LEA_TEST_AMQP_URL
//! (default amqp://guest:guest@127.0.0.1:5672/%2f). Each test declares its own
//! exchanges and queues under a random name and deletes them at the end, pass or fail.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::process::Command;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use lapin::{
    Channel, Connection, ConnectionProperties,
    message::Delivery as AmqpDelivery,
    options::{
        BasicConsumeOptions, BasicGetOptions, BasicNackOptions, BasicQosOptions,
        ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};
use lea_classifier::{
    AgencyRef, Assessment, RequestAssessment, RequestKind, SenderAssessment, Verdict,
};
use lea_router::routing::{KINDS, VERDICTS};
use lea_router::sink::topology::{
    DEFAULT_DELIVERY_LIMIT, REQUEST_KINDS, VERDICT_IMPERSONATION, VERDICT_UNVERIFIED,
    VERDICT_VERIFIED,
};
use lea_router::sink::{
    AmqpConfig, AmqpSink, Delivery, OutboundEvent, Sink, SinkError, Topology, TopologyNames,
    amqp::redact_url,
};
use lea_router::{RoutingRules, RuleSpec};
use uuid::Uuid;

// The example consumer's handling function, run here against the real broker; its
// `main` is only used when it runs as an example.
#[allow(dead_code)]
#[path = "../examples/consumer.rs"]
mod consumer;

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

        assert_dead_lettered(&channel, &topology, &sent, &security).await;
        sink.close().await;
    })
    .await;
}

/// `sent` arrived in the dead-letter queue, rejected by `from_queue`.
async fn assert_dead_lettered(
    channel: &Channel,
    topology: &Topology,
    sent: &OutboundEvent,
    from_queue: &str,
) {
    // Dead-lettering is asynchronous inside the broker: poll, bounded.
    let mut dead = None;
    for _ in 0..100 {
        dead = get(channel, &topology.dead_letter_queue).await;
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
        Some(AMQPValue::LongString(from_queue.into()))
    );
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

fn strings(values: &[&str]) -> Option<Vec<String>> {
    Some(values.iter().map(|v| (*v).to_owned()).collect())
}

fn assessment(verdict: Verdict, kind: RequestKind, agency: &str) -> Assessment {
    Assessment {
        sender: SenderAssessment {
            address: "officer@agency.example".to_owned(),
            display_name: None,
            domain: "agency.example".to_owned(),
            verdict,
            agency: Some(AgencyRef {
                name: agency.to_owned(),
                country: "DE".to_owned(),
            }),
            risk: 0,
            signals: Vec::new(),
        },
        request: RequestAssessment {
            kind,
            urgent: false,
            deadline: None,
            deadline_text: None,
            agency_reference: None,
            jurisdiction: Some("DE".to_owned()),
            language: None,
        },
        targets: Vec::new(),
        attachments: Vec::new(),
    }
}

/// Publishes `events` and checks that each queue of `topology` received exactly the
/// keys `expected` names for it (and `queues_for` agrees).
async fn assert_routed(
    topology: &Topology,
    events: &[OutboundEvent],
    expected: impl Fn(&str) -> BTreeSet<String>,
) {
    let mut sink = AmqpSink::connect(config(topology)).await.expect("connect");
    let deliveries = sink.publish(events).await.expect("publish");
    assert!(all_confirmed(&deliveries), "{deliveries:?}");
    let (_connection, channel) = admin().await;
    for queue in &topology.queues {
        let got: BTreeSet<String> = drain(&channel, &queue.name)
            .await
            .iter()
            .map(|d| d.routing_key.to_string())
            .collect();
        let by_bindings: BTreeSet<String> = events
            .iter()
            .filter(|e| {
                topology
                    .queues_for(&e.routing_key)
                    .contains(&queue.name.as_str())
            })
            .map(|e| e.routing_key.clone())
            .collect();
        assert_eq!(got, expected(&queue.name), "queue {}", queue.name);
        assert_eq!(got, by_bindings, "queue {} against queues_for", queue.name);
    }
    sink.close().await;
}

/// The topology a configuration with `specs` as its rules declares, all under `base`.
fn configured(base: &str, specs: &[RuleSpec]) -> (TopologyNames, RoutingRules, Topology) {
    let names = TopologyNames::under(base);
    let rules = RoutingRules::new(specs).expect("rules");
    let topology =
        Topology::with_rules(&names, Some(DEFAULT_DELIVERY_LIMIT), &rules).expect("topology");
    (names, rules, topology)
}

/// A rule for `verdicts` (and `kinds`, when given) feeding `queue`.
fn queue_rule(verdicts: &[&str], kinds: Option<&[&str]>, queue: &str) -> RuleSpec {
    RuleSpec {
        verdict: strings(verdicts),
        kind: kinds.and_then(strings),
        queue: Some(queue.to_owned()),
        ..RuleSpec::default()
    }
}

#[tokio::test]
async fn every_case_key_reaches_exactly_the_documented_queues() {
    let (names, _, topology) = configured(&unique_base(), &[]);
    with_topology(&topology, |topology| async move {
        let rules = RoutingRules::default();
        let mut events = Vec::new();
        for verdict in VERDICTS {
            for kind in KINDS {
                let key = rules.routing_key(&assessment(verdict, kind, "Any agency"), &[]);
                events.push(event(&key, events.len()));
            }
        }
        // The table of docs/routing.md, written out rather than derived from the bindings.
        let documented = |queue: &str| -> BTreeSet<String> {
            let mut keys = BTreeSet::new();
            for verdict in [VERDICT_VERIFIED, VERDICT_UNVERIFIED, VERDICT_IMPERSONATION] {
                for kind in REQUEST_KINDS {
                    let genuine = verdict != VERDICT_IMPERSONATION;
                    let wanted = if queue == names.security {
                        !genuine
                    } else if queue == names.urgent {
                        genuine && kind == "emergency_disclosure"
                    } else {
                        genuine
                    };
                    if wanted {
                        keys.insert(format!("case.{verdict}.{kind}"));
                    }
                }
            }
            keys
        };
        assert_routed(&topology, &events, documented).await;
    })
    .await;
}

#[tokio::test]
async fn custom_rules_route_to_their_queues_and_the_built_in_ones_still() {
    let base = unique_base();
    let freeze_queue = format!("{base}.freeze");
    let security = TopologyNames::under(&base).security;
    let (names, rules, topology) = configured(
        &base,
        &[
            queue_rule(
                &["verified", "unverified"],
                Some(&["freeze_request"]),
                &freeze_queue,
            ),
            RuleSpec {
                verdict: strings(&["verified"]),
                agency: strings(&["federal bureau"]),
                route: Some("fbi".to_owned()),
                ..RuleSpec::default()
            },
            RuleSpec {
                signals: strings(&["related_to_impersonation"]),
                queue: Some(security),
                route: Some("related".to_owned()),
                ..RuleSpec::default()
            },
        ],
    );
    with_topology(&topology, |topology| async move {
        let cases: [(Verdict, RequestKind, &str, &[&str]); 6] = [
            (
                Verdict::Verified,
                RequestKind::FreezeRequest,
                "Some police",
                &[],
            ),
            (
                Verdict::Impersonation,
                RequestKind::FreezeRequest,
                "Some police",
                &[],
            ),
            (
                Verdict::Verified,
                RequestKind::EmergencyDisclosure,
                "Federal Bureau",
                &[],
            ),
            (
                Verdict::Unverified,
                RequestKind::Subpoena,
                "Federal Bureau",
                &[],
            ),
            (
                Verdict::Unverified,
                RequestKind::Subpoena,
                "Some police",
                &["related_to_impersonation"],
            ),
            (
                Verdict::Impersonation,
                RequestKind::EmergencyDisclosure,
                "Federal Bureau",
                &[],
            ),
        ];
        let events: Vec<OutboundEvent> = cases
            .iter()
            .enumerate()
            .map(|(n, (verdict, kind, agency, signals))| {
                event(
                    &rules.routing_key(&assessment(*verdict, *kind, agency), signals),
                    n,
                )
            })
            .collect();
        let keys: Vec<&str> = events.iter().map(|e| e.routing_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "case.verified.freeze_request.freeze",
                "case.impersonation.freeze_request",
                "case.verified.emergency_disclosure.fbi",
                "case.unverified.subpoena",
                "case.unverified.subpoena.related",
                "case.impersonation.emergency_disclosure",
            ]
        );
        let expected = |queue: &str| -> BTreeSet<String> {
            let keys: &[&str] = if queue == freeze_queue {
                &["case.verified.freeze_request.freeze"]
            } else if queue == names.security {
                &[
                    "case.impersonation.freeze_request",
                    "case.unverified.subpoena.related",
                    "case.impersonation.emergency_disclosure",
                ]
            } else if queue == names.urgent {
                &["case.verified.emergency_disclosure.fbi"]
            } else {
                &[
                    "case.verified.freeze_request.freeze",
                    "case.verified.emergency_disclosure.fbi",
                    "case.unverified.subpoena",
                    "case.unverified.subpoena.related",
                ]
            };
            keys.iter().map(|k| (*k).to_owned()).collect()
        };
        assert_routed(&topology, &events, expected).await;
    })
    .await;
}

/// Bindings of the broker whose source or destination starts with `base`, sorted.
fn bindings_under(base: &str) -> Vec<String> {
    let output = Command::new("rabbitmqctl")
        .args([
            "-q",
            "list_bindings",
            "--no-table-headers",
            "source_name",
            "destination_name",
            "routing_key",
        ])
        .output()
        .expect("run rabbitmqctl (RabbitMQ's CLI must be installed and usable)");
    assert!(output.status.success(), "rabbitmqctl list_bindings failed");
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(base))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn declaring_the_configured_topology_twice_changes_nothing() {
    let base = unique_base();
    let rule = queue_rule(
        &["verified"],
        Some(&["mlat", "court_order"]),
        &format!("{base}.mlat"),
    );
    let (names, _, topology) = configured(&base, &[rule]);
    with_topology(&topology, |topology| async move {
        let (_connection, channel) = admin().await;
        topology.declare(&channel).await.expect("first declaration");
        let bindings = bindings_under(&base);
        // Built-in queues (1 + 2 + 2 patterns), the rule's two keys, the dead-letter
        // binding, and the default exchange's binding of each of the five queues.
        assert_eq!(bindings.len(), 5 + 2 + 1 + 5, "{bindings:#?}");
        assert!(
            bindings
                .iter()
                .any(|b| b.ends_with("case.verified.mlat.mlat")),
            "{bindings:#?}"
        );

        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        let sent = event("case.verified.mlat.mlat", 0);
        let deliveries = sink
            .publish(std::slice::from_ref(&sent))
            .await
            .expect("publish");
        assert_eq!(deliveries, vec![Delivery::Confirmed]);

        topology
            .declare(&channel)
            .await
            .expect("second declaration");
        assert_eq!(bindings_under(&base), bindings);
        // The message published in between is still there, in both of its queues.
        for queue in [format!("{base}.mlat"), names.review.clone()] {
            let got = drain(&channel, &queue).await;
            assert_eq!(got.len(), 1, "{queue}");
            assert_eq!(message_id(&got[0]), sent.event_id.to_string());
        }
        sink.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_rule_queue_declared_otherwise_is_a_permanent_error() {
    let base = unique_base();
    let rule_queue = format!("{base}.freeze");
    let (_, _, topology) = configured(&base, &[queue_rule(&["verified"], None, &rule_queue)]);
    with_topology(&topology, |topology| async move {
        // Someone made the queue a classic one before lea-intake declared it.
        let (_connection, channel) = admin().await;
        channel
            .queue_declare(
                rule_queue.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declare a classic queue");
        match AmqpSink::connect(config(&topology)).await {
            Err(error) => {
                assert!(matches!(error, SinkError::Topology { .. }), "{error}");
                assert!(!error.retryable(), "{error}");
                assert!(error.to_string().contains(&rule_queue), "{error}");
            }
            Ok(_) => panic!("connected over a queue with other arguments"),
        }
        let _ = channel
            .queue_delete(rule_queue.as_str().into(), QueueDeleteOptions::default())
            .await;

        // A changed delivery limit is a different declaration, refused likewise.
        topology.declare(&channel).await.expect("declare");
        let changed = Topology {
            delivery_limit: Some(DEFAULT_DELIVERY_LIMIT + 2),
            ..topology.clone()
        };
        match AmqpSink::connect(config(&changed)).await {
            Err(error) => assert!(!error.retryable(), "{error}"),
            Ok(_) => panic!("a changed delivery limit was accepted"),
        }
    })
    .await;
}

#[tokio::test]
async fn the_example_consumer_handles_drops_duplicates_and_dead_letters_junk() {
    let topology = Topology::named(&unique_base());
    with_topology(&topology, |topology| async move {
        let review = topology.queues[2].name.clone();
        assert!(review.ends_with(".review"));
        let valid_id = Uuid::now_v7();
        let valid = OutboundEvent {
            outbox_id: 1,
            event_id: valid_id,
            routing_key: "case.verified.subpoena".to_owned(),
            payload: serde_json::json!({
                "schema": lea_router::SCHEMA_VERSION,
                "event_id": valid_id,
                "event": "case.opened",
                "occurred_at": "2026-03-02T10:00:00Z",
                "routing_key": "case.verified.subpoena",
                "case": {
                    "reference": "LEA-2026-000042",
                    "opened_at": "2026-03-02T10:00:00Z",
                    "status": "open",
                    "message_count": 1,
                    "imported": false
                },
                "a_field_added_later": true
            })
            .to_string()
            .into_bytes(),
        };
        let duplicate = OutboundEvent {
            outbox_id: 2,
            ..valid.clone()
        };
        let junk = OutboundEvent {
            outbox_id: 3,
            event_id: Uuid::now_v7(),
            routing_key: "case.verified.subpoena".to_owned(),
            payload: b"\x00 not json".to_vec(),
        };
        let mut sink = AmqpSink::connect(config(&topology)).await.expect("connect");
        let sent = [valid, duplicate, junk.clone()];
        let deliveries = sink.publish(&sent).await.expect("publish");
        assert!(all_confirmed(&deliveries), "{deliveries:?}");

        let (_connection, channel) = admin().await;
        channel
            .basic_qos(8, BasicQosOptions::default())
            .await
            .expect("qos");
        let mut consumer = channel
            .basic_consume(
                review.as_str().into(),
                "lea-consumer-test".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let mut seen = consumer::RecentIds::new(16);
        let mut handled = Vec::new();
        let mut outcomes = Vec::new();
        for _ in 0..sent.len() {
            // Bounded so a missing delivery fails the test instead of hanging it.
            let delivery = tokio::time::timeout(CONFIRM_TIMEOUT, consumer.next())
                .await
                .expect("a delivery within the confirm timeout")
                .expect("the consumer stream is open")
                .expect("a delivery");
            let outcome = consumer::handle(&delivery, &mut seen, |case| {
                handled.push(case.case.reference.clone());
                Ok(())
            })
            .await
            .expect("acknowledged");
            outcomes.push(outcome);
        }
        assert_eq!(handled, ["LEA-2026-000042"]);
        assert!(
            matches!(&outcomes[0], consumer::Outcome::Handled(m) if m.event == "case.opened"),
            "{outcomes:?}"
        );
        assert!(
            matches!(&outcomes[1], consumer::Outcome::Duplicate(id) if *id == valid_id.to_string()),
            "{outcomes:?}"
        );
        assert!(
            matches!(&outcomes[2], consumer::Outcome::Rejected(_)),
            "{outcomes:?}"
        );
        assert_dead_lettered(&channel, &topology, &junk, &review).await;
        sink.close().await;
    })
    .await;
}

#[test]
fn the_example_consumer_forgets_the_oldest_ids_first() {
    let mut seen = consumer::RecentIds::new(2);
    for id in ["a", "b", "a", "c"] {
        seen.insert(id.to_owned());
    }
    assert!(!seen.contains("a"));
    assert!(seen.contains("b") && seen.contains("c"));
}
