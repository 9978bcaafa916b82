//! The RabbitMQ topology the AMQP sink publishes into: one durable topic exchange,
//! durable quorum work queues with a dead-letter exchange and a delivery limit, and a
//! dead-letter queue. See docs/routing.md for the routing keys and why each binding exists.
//!
//! Declarations are idempotent: declaring the same topology again succeeds, while
//! declaring a queue that already exists with other arguments fails with
//! PRECONDITION_FAILED (an operator must migrate it; the sink never deletes queues).

use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, ShortString},
};

use lea_classifier::Verdict;

use super::SinkError;
use crate::routing::{RoutingError, RoutingRules};

/// A work queue and the topic patterns that feed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueBinding {
    pub name: String,
    pub binding_keys: Vec<String>,
}

/// Exchanges, queues and bindings, declared on every (re)connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Durable topic exchange the events are published to.
    pub exchange: String,
    /// Fanout exchange that receives what work queues reject or give up on.
    pub dead_letter_exchange: String,
    /// Durable quorum queue bound to the dead-letter exchange.
    pub dead_letter_queue: String,
    /// Work queues (durable, quorum), each dead-lettering to `dead_letter_exchange`.
    pub queues: Vec<QueueBinding>,
    /// Deliveries after which a quorum queue dead-letters a message that keeps
    /// coming back (a consumer crashing on it). `None`: the broker's default.
    pub delivery_limit: Option<u32>,
}

/// Routing-key verdict segment for a sender verified against the agency directory.
pub const VERDICT_VERIFIED: &str = "verified";
/// Routing-key verdict segment for a sender neither verified nor suspicious.
pub const VERDICT_UNVERIFIED: &str = "unverified";
/// Routing-key verdict segment for suspected impersonation.
pub const VERDICT_IMPERSONATION: &str = "impersonation";

/// The request kinds that appear as the third routing-key segment.
pub const REQUEST_KINDS: [&str; 9] = [
    "subpoena",
    "court_order",
    "search_warrant",
    "preservation_request",
    "emergency_disclosure",
    "freeze_request",
    "information_request",
    "mlat",
    "other",
];

/// Deliveries of one message before a work queue dead-letters it.
pub const DEFAULT_DELIVERY_LIMIT: u32 = 5;

/// The names of the exchanges and built-in queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyNames {
    pub exchange: String,
    /// Receives every suspected impersonation.
    pub security: String,
    /// Receives genuine emergency disclosure requests.
    pub urgent: String,
    /// Receives every case that is not a suspected impersonation.
    pub review: String,
    pub dead_letter_exchange: String,
    pub dead_letter_queue: String,
}

impl TopologyNames {
    /// `base` for the exchange, `base.security`, `base.urgent`, `base.review`,
    /// `base.dlx`, `base.dead` for the rest.
    pub fn under(base: &str) -> Self {
        TopologyNames {
            exchange: base.to_owned(),
            security: format!("{base}.security"),
            urgent: format!("{base}.urgent"),
            review: format!("{base}.review"),
            dead_letter_exchange: format!("{base}.dlx"),
            dead_letter_queue: format!("{base}.dead"),
        }
    }

    fn check(&self) -> Result<(), RoutingError> {
        let fail = |reason: String| Err(RoutingError::Names(reason));
        let all = [
            ("exchange", &self.exchange),
            ("security queue", &self.security),
            ("urgent queue", &self.urgent),
            ("review queue", &self.review),
            ("dead-letter exchange", &self.dead_letter_exchange),
            ("dead-letter queue", &self.dead_letter_queue),
        ];
        for (what, name) in all {
            if name.trim().is_empty() {
                return fail(format!("the {what} name is empty"));
            }
            if name.starts_with("amq.") {
                return fail(format!(
                    "the {what} {name:?}: names starting with `amq.` belong to the broker"
                ));
            }
        }
        let queues = &all[1..4];
        for (i, (what, name)) in queues.iter().enumerate() {
            if let Some((other, _)) = queues[i + 1..]
                .iter()
                .chain([&all[5]])
                .find(|(_, n)| n == name)
            {
                return fail(format!("the {what} and the {other} are both {name:?}"));
            }
        }
        if self.exchange == self.dead_letter_exchange {
            return fail(format!(
                "the exchange and the dead-letter exchange are both {:?}",
                self.exchange
            ));
        }
        Ok(())
    }
}

impl Default for Topology {
    fn default() -> Self {
        Topology::named("lea.cases")
    }
}

impl Topology {
    /// The standard shape with every name under `base` (`lea.cases` in production;
    /// tests and benchmarks use a unique base so they never touch real queues).
    pub fn named(base: &str) -> Self {
        Topology::standard(&TopologyNames::under(base), Some(DEFAULT_DELIVERY_LIMIT))
    }

    /// The built-in queues only: the routing of a configuration without rules.
    pub fn standard(names: &TopologyNames, delivery_limit: Option<u32>) -> Self {
        let queue = |name: &str, keys: &[&str]| QueueBinding {
            name: name.to_owned(),
            binding_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        };
        // Every pattern ends in `#` so that a key with a route suffix
        // (`case.verified.subpoena.<route>`) still reaches the queue its verdict and
        // kind reach without one: rules add destinations, they never remove one.
        Topology {
            exchange: names.exchange.clone(),
            dead_letter_exchange: names.dead_letter_exchange.clone(),
            dead_letter_queue: names.dead_letter_queue.clone(),
            queues: vec![
                queue(&names.security, &["case.impersonation.#"]),
                // Not `case.*.emergency_disclosure.#`: a suspected impersonation goes to
                // security instead, never to the people who act fast on urgent requests
                // (a fake emergency request is the attack itself).
                queue(
                    &names.urgent,
                    &[
                        "case.verified.emergency_disclosure.#",
                        "case.unverified.emergency_disclosure.#",
                    ],
                ),
                queue(&names.review, &["case.verified.#", "case.unverified.#"]),
            ],
            delivery_limit,
        }
    }

    /// The built-in queues plus the queues the routing rules name, each bound to the
    /// keys of its rules (see [`crate::routing::RoutingRule::binding_keys`]).
    ///
    /// Refused: names that collide, a rule sending suspected impersonation to `urgent` or
    /// `review`, and a rule feeding any other queue but `security` that does not list its
    /// verdicts (a rule matching an agency name would otherwise hand the impersonators of
    /// that agency to the people who deal with it).
    pub fn with_rules(
        names: &TopologyNames,
        delivery_limit: Option<u32>,
        rules: &RoutingRules,
    ) -> Result<Self, RoutingError> {
        names.check()?;
        let mut topology = Topology::standard(names, delivery_limit);
        for rule in rules.rules() {
            let Some(queue) = rule.queue() else { continue };
            let fail = |reason: String| RoutingError::Rule {
                rule: rule.label().to_owned(),
                reason,
            };
            let may_impersonate = rule
                .verdicts()
                .is_none_or(|v| v.contains(&Verdict::Impersonation));
            if queue == names.dead_letter_queue {
                return Err(fail(format!(
                    "queue {queue:?} is the dead-letter queue; it only receives what work queues give up on"
                )));
            }
            if (queue == names.urgent || queue == names.review) && may_impersonate {
                return Err(fail(format!(
                    "queue {queue:?} must never receive a suspected impersonation: \
                     set verdict = [\"verified\", \"unverified\"] (or one of them)"
                )));
            }
            if queue != names.security && rule.verdicts().is_none() {
                return Err(fail(format!(
                    "queue {queue:?}: list the verdicts it receives (`verdict = [...]`); a \
                     suspected impersonation reaches a queue only when its rule names \
                     \"impersonation\""
                )));
            }
            let keys = rule.binding_keys();
            match topology.queues.iter_mut().find(|q| q.name == queue) {
                Some(existing) => {
                    for key in keys {
                        if !existing.binding_keys.contains(&key) {
                            existing.binding_keys.push(key);
                        }
                    }
                }
                None => topology.queues.push(QueueBinding {
                    name: queue.to_owned(),
                    binding_keys: keys,
                }),
            }
        }
        Ok(topology)
    }

    /// Names of the queues a message with `routing_key` reaches, by the same topic
    /// rules the broker applies (used to document and test the bindings offline).
    pub fn queues_for(&self, routing_key: &str) -> Vec<&str> {
        self.queues
            .iter()
            .filter(|q| q.binding_keys.iter().any(|b| topic_matches(b, routing_key)))
            .map(|q| q.name.as_str())
            .collect()
    }

    /// Arguments of every work queue: quorum, dead-lettering at least once.
    pub fn work_queue_arguments(&self) -> FieldTable {
        let mut args = quorum_arguments();
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.dead_letter_exchange.as_str().into()),
        );
        // At-least-once dead-lettering keeps a message in its queue until the dead
        // queue has it; the broker requires reject-publish overflow for that strategy.
        args.insert(
            "x-dead-letter-strategy".into(),
            AMQPValue::LongString("at-least-once".into()),
        );
        args.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        if let Some(limit) = self.delivery_limit {
            args.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongLongInt(i64::from(limit)),
            );
        }
        args
    }

    /// Declare everything on `channel`. Safe to call on every reconnection.
    pub async fn declare(&self, channel: &Channel) -> Result<(), SinkError> {
        let durable_exchange = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let durable_queue = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };

        channel
            .exchange_declare(
                self.dead_letter_exchange.as_str().into(),
                ExchangeKind::Fanout,
                durable_exchange,
                FieldTable::default(),
            )
            .await
            .map_err(|source| topology_error("exchange", &self.dead_letter_exchange, source))?;
        channel
            .queue_declare(
                self.dead_letter_queue.as_str().into(),
                durable_queue,
                quorum_arguments(),
            )
            .await
            .map_err(|source| topology_error("queue", &self.dead_letter_queue, source))?;
        channel
            .queue_bind(
                self.dead_letter_queue.as_str().into(),
                self.dead_letter_exchange.as_str().into(),
                ShortString::from(""),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|source| topology_error("binding", &self.dead_letter_queue, source))?;

        channel
            .exchange_declare(
                self.exchange.as_str().into(),
                ExchangeKind::Topic,
                durable_exchange,
                FieldTable::default(),
            )
            .await
            .map_err(|source| topology_error("exchange", &self.exchange, source))?;
        let arguments = self.work_queue_arguments();
        for queue in &self.queues {
            channel
                .queue_declare(queue.name.as_str().into(), durable_queue, arguments.clone())
                .await
                .map_err(|source| topology_error("queue", &queue.name, source))?;
            for key in &queue.binding_keys {
                channel
                    .queue_bind(
                        queue.name.as_str().into(),
                        self.exchange.as_str().into(),
                        key.as_str().into(),
                        QueueBindOptions::default(),
                        FieldTable::default(),
                    )
                    .await
                    .map_err(|source| {
                        topology_error("binding", &format!("{} <- {key}", queue.name), source)
                    })?;
            }
        }
        Ok(())
    }
}

fn quorum_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

fn topology_error(kind: &str, name: &str, source: lapin::Error) -> SinkError {
    SinkError::Topology {
        what: format!("{kind} {name}"),
        source,
    }
}

/// AMQP topic matching: words split on '.', `*` is exactly one word, `#` zero or more.
pub fn topic_matches(pattern: &str, routing_key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = routing_key.split('.').collect();
    matches_words(&pattern, &key)
}

fn matches_words(pattern: &[&str], key: &[&str]) -> bool {
    match pattern.split_first() {
        None => key.is_empty(),
        Some((&"#", rest)) => (0..=key.len()).any(|skip| {
            key.get(skip..)
                .is_some_and(|tail| matches_words(rest, tail))
        }),
        Some((word, rest)) => match key.split_first() {
            Some((first, key_rest)) => {
                (*word == "*" || word == first) && matches_words(rest, key_rest)
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(verdict: &str, kind: &str) -> String {
        format!("case.{verdict}.{kind}")
    }

    #[test]
    fn topic_matching_follows_amqp_rules() {
        assert!(topic_matches("case.#", "case.verified.mlat"));
        assert!(topic_matches("case.#", "case"));
        assert!(topic_matches("#", "anything.at.all"));
        assert!(topic_matches("case.*.mlat", "case.verified.mlat"));
        assert!(!topic_matches("case.*.mlat", "case.mlat"));
        assert!(!topic_matches("case.*", "case.verified.mlat"));
        assert!(topic_matches("case.#.mlat", "case.mlat"));
        assert!(topic_matches("case.#.mlat", "case.a.b.mlat"));
        assert!(!topic_matches("case.verified.#", "case.unverified.mlat"));
    }

    #[test]
    fn impersonation_reaches_security_only_even_when_urgent() {
        let topology = Topology::default();
        for kind in REQUEST_KINDS {
            assert_eq!(
                topology.queues_for(&key(VERDICT_IMPERSONATION, kind)),
                vec!["lea.cases.security"],
                "{kind}"
            );
        }
    }

    #[test]
    fn genuine_emergency_requests_reach_urgent_and_review() {
        let topology = Topology::default();
        for verdict in [VERDICT_VERIFIED, VERDICT_UNVERIFIED] {
            assert_eq!(
                topology.queues_for(&key(verdict, "emergency_disclosure")),
                vec!["lea.cases.urgent", "lea.cases.review"]
            );
        }
    }

    #[test]
    fn every_case_key_reaches_at_least_one_queue() {
        let topology = Topology::default();
        for verdict in [VERDICT_VERIFIED, VERDICT_UNVERIFIED, VERDICT_IMPERSONATION] {
            for kind in REQUEST_KINDS {
                assert!(!topology.queues_for(&key(verdict, kind)).is_empty());
            }
        }
        // Later events of a case (due soon, overdue) carry the case's own key; a key
        // outside `case.<verdict>.<kind>[.<route>]` reaches nothing.
        assert!(topology.queues_for("case.due_soon").is_empty());
    }

    #[test]
    fn work_queues_are_quorum_with_dead_lettering_and_a_limit() {
        let args = Topology::default().work_queue_arguments();
        let inner = args.inner();
        assert_eq!(
            inner.get("x-queue-type"),
            Some(&AMQPValue::LongString("quorum".into()))
        );
        assert_eq!(
            inner.get("x-dead-letter-exchange"),
            Some(&AMQPValue::LongString("lea.cases.dlx".into()))
        );
        assert_eq!(
            inner.get("x-delivery-limit"),
            Some(&AMQPValue::LongLongInt(5))
        );
    }

    fn rule(verdicts: Option<&[&str]>, queue: &str) -> crate::routing::RuleSpec {
        crate::routing::RuleSpec {
            verdict: verdicts.map(|v| v.iter().map(|s| (*s).to_owned()).collect()),
            kind: Some(vec!["freeze_request".to_owned()]),
            queue: Some(queue.to_owned()),
            ..Default::default()
        }
    }

    fn with(specs: &[crate::routing::RuleSpec]) -> Result<Topology, RoutingError> {
        let rules = RoutingRules::new(specs)?;
        Topology::with_rules(
            &TopologyNames::under("lea.cases"),
            Some(DEFAULT_DELIVERY_LIMIT),
            &rules,
        )
    }

    #[test]
    fn without_rules_the_topology_is_the_standard_one() {
        assert_eq!(with(&[]).unwrap(), Topology::default());
    }

    #[test]
    fn routed_keys_reach_the_rule_queue_and_the_built_in_ones() {
        let topology = with(&[rule(Some(&["verified"]), "lea.cases.freeze")]).unwrap();
        assert_eq!(
            topology.queues_for("case.verified.freeze_request.freeze"),
            vec!["lea.cases.review", "lea.cases.freeze"]
        );
        assert_eq!(
            topology.queues_for("case.verified.emergency_disclosure.freeze"),
            vec!["lea.cases.urgent", "lea.cases.review"]
        );
        assert_eq!(
            topology.queues_for("case.impersonation.freeze_request.freeze"),
            vec!["lea.cases.security"]
        );
        assert_eq!(
            topology.queues_for("case.verified.freeze_request"),
            vec!["lea.cases.review"]
        );
    }

    #[test]
    fn impersonation_never_reaches_urgent_or_review_through_a_rule() {
        for queue in ["lea.cases.urgent", "lea.cases.review"] {
            for verdicts in [None, Some(&["verified", "impersonation"][..])] {
                let error = with(&[rule(verdicts, queue)]).unwrap_err().to_string();
                assert!(
                    error.contains("must never receive a suspected impersonation"),
                    "{error}"
                );
            }
        }
        let urgent = with(&[rule(Some(&["verified"]), "lea.cases.urgent")]).unwrap();
        assert_eq!(
            urgent.queues_for("case.verified.freeze_request.urgent"),
            vec!["lea.cases.urgent", "lea.cases.review"]
        );
    }

    #[test]
    fn a_rule_queue_lists_its_verdicts_unless_it_is_security() {
        let error = with(&[rule(None, "lea.cases.bka")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("list the verdicts it receives"), "{error}");
        assert!(with(&[rule(None, "lea.cases.security")]).is_ok());
        let error = with(&[rule(Some(&["verified"]), "lea.cases.dead")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("dead-letter queue"), "{error}");
    }

    #[test]
    fn colliding_names_are_refused() {
        let names = TopologyNames {
            urgent: "lea.cases.review".to_owned(),
            ..TopologyNames::under("lea.cases")
        };
        let error = Topology::with_rules(&names, None, &RoutingRules::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "AMQP queue names: the urgent queue and the review queue are both \"lea.cases.review\""
        );
    }
}
