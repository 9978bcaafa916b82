//! Routing rules: the `[[routing.rules]]` of the configuration, which choose the routing
//! key a case is published with and the extra queues lea-intake declares for it.
//!
//! Every case key starts `case.<verdict>.<kind>`. The first rule that matches the case
//! may add one more word, its route: `case.<verdict>.<kind>.<route>`. A case no rule
//! matches (the implied final catch-all) keeps the three-word key, so without rules the
//! keys are exactly those documented before rules existed.
//!
//! Rules add destinations, they never take one away: the built-in queues are bound to
//! every key of their verdicts and kinds, with or without a route (see
//! [`crate::sink::Topology::with_rules`]). That keeps `review` the complete record of
//! genuine cases and `security` the place of every suspected impersonation, whatever the
//! rules say, and an event can never become unroutable because of a rule.

use lea_classifier::{Assessment, RequestKind, Verdict};
use serde::Deserialize;

use crate::event;

/// Every verdict, in the order the documentation lists them.
pub const VERDICTS: [Verdict; 3] = [
    Verdict::Verified,
    Verdict::Unverified,
    Verdict::Impersonation,
];

/// Every request kind, in the order the documentation lists them.
pub const KINDS: [RequestKind; 9] = [
    RequestKind::Subpoena,
    RequestKind::CourtOrder,
    RequestKind::SearchWarrant,
    RequestKind::PreservationRequest,
    RequestKind::EmergencyDisclosure,
    RequestKind::FreezeRequest,
    RequestKind::InformationRequest,
    RequestKind::Mlat,
    RequestKind::Other,
];

/// Longest route word: keys stay far below the 255 bytes AMQP allows.
const MAX_ROUTE_LEN: usize = 64;
/// AMQP short strings (queue names) hold at most 255 bytes.
const MAX_QUEUE_NAME_LEN: usize = 255;

/// One `[[routing.rules]]` table as written in the configuration. Every match field is
/// optional; a rule matches a case when all the fields it sets match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A label for error messages and logs; rules are otherwise known by position.
    pub name: Option<String>,
    /// `verified`, `unverified`, `impersonation`.
    pub verdict: Option<Vec<String>>,
    /// Request kinds (`subpoena`, `emergency_disclosure`, ...).
    pub kind: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 codes (or `EU`, `INT`) of the request's jurisdiction.
    pub jurisdiction: Option<Vec<String>>,
    /// Whether the request asks for urgent handling.
    pub urgent: Option<bool>,
    /// Agency names or country codes, compared case-insensitively with the sender's agency.
    pub agency: Option<Vec<String>>,
    /// Signal codes: the rule matches when any of them is on the sender or the case.
    pub signals: Option<Vec<String>>,
    /// A queue lea-intake declares and binds to this rule's keys.
    pub queue: Option<String>,
    /// The routing-key suffix; by default the last dot-separated word of `queue`.
    pub route: Option<String>,
}

/// A configured rule that is not usable, with the rule it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("routing rule {rule}: {reason}")]
    Rule { rule: String, reason: String },
    #[error("AMQP queue names: {0}")]
    Names(String),
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    label: String,
    verdicts: Option<Vec<Verdict>>,
    kinds: Option<Vec<RequestKind>>,
    /// Upper-case.
    jurisdictions: Option<Vec<String>>,
    urgent: Option<bool>,
    /// Lower-case.
    agencies: Option<Vec<String>>,
    signals: Option<Vec<String>>,
    queue: Option<String>,
    route: String,
}

impl RoutingRule {
    /// `1` or `1 (name)`: how errors and logs name the rule.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// The queue the rule feeds, if it names one.
    pub fn queue(&self) -> Option<&str> {
        self.queue.as_deref()
    }
    /// The routing-key suffix of the cases it matches.
    pub fn route(&self) -> &str {
        &self.route
    }
    /// The verdicts it is restricted to; `None`: any.
    pub fn verdicts(&self) -> Option<&[Verdict]> {
        self.verdicts.as_deref()
    }
    /// The request kinds it is restricted to; `None`: any.
    pub fn kinds(&self) -> Option<&[RequestKind]> {
        self.kinds.as_deref()
    }

    /// Whether the rule sets no condition at all, so it matches every case.
    fn is_catch_all(&self) -> bool {
        self.verdicts.is_none()
            && self.kinds.is_none()
            && self.jurisdictions.is_none()
            && self.urgent.is_none()
            && self.agencies.is_none()
            && self.signals.is_none()
    }

    fn matches(&self, assessment: &Assessment, case_signals: &[&str]) -> bool {
        let sender = &assessment.sender;
        let request = &assessment.request;
        self.verdicts
            .as_ref()
            .is_none_or(|v| v.contains(&sender.verdict))
            && self
                .kinds
                .as_ref()
                .is_none_or(|k| k.contains(&request.kind))
            && self.urgent.is_none_or(|u| u == request.urgent)
            && self.jurisdictions.as_ref().is_none_or(|codes| {
                request
                    .jurisdiction
                    .as_deref()
                    .is_some_and(|j| codes.iter().any(|c| c.eq_ignore_ascii_case(j)))
            })
            && self.agencies.as_ref().is_none_or(|wanted| {
                sender.agency.as_ref().is_some_and(|agency| {
                    let name = agency.name.to_lowercase();
                    let country = agency.country.to_lowercase();
                    wanted.iter().any(|w| *w == name || *w == country)
                })
            })
            && self.signals.as_ref().is_none_or(|codes| {
                codes.iter().any(|code| {
                    sender.signals.iter().any(|s| s.code == *code)
                        || case_signals.iter().any(|s| s == code)
                })
            })
    }

    /// The topic patterns that select exactly this rule's keys among all case keys.
    pub fn binding_keys(&self) -> Vec<String> {
        let verdicts: Vec<&str> = match &self.verdicts {
            Some(v) => v.iter().map(|v| v.as_str()).collect(),
            None => vec!["*"],
        };
        let kinds: Vec<&str> = match &self.kinds {
            Some(k) => k.iter().map(|k| k.as_str()).collect(),
            None => vec!["*"],
        };
        verdicts
            .iter()
            .flat_map(|v| {
                kinds
                    .iter()
                    .map(move |k| format!("case.{v}.{k}.{}", self.route))
            })
            .collect()
    }
}

/// The configured rules, in order; empty means the documented default routing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingRules {
    rules: Vec<RoutingRule>,
}

impl RoutingRules {
    /// Check the rules as written and keep them in order.
    pub fn new(specs: &[RuleSpec]) -> Result<Self, RoutingError> {
        let mut rules: Vec<RoutingRule> = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let rule = compile(index + 1, spec)?;
            if let Some(earlier) = rules.iter().find(|r| r.is_catch_all()) {
                return Err(RoutingError::Rule {
                    rule: rule.label,
                    reason: format!(
                        "can never match: rule {} before it sets no condition and takes every case",
                        earlier.label
                    ),
                });
            }
            // A route is bound by the verdicts and kinds of the rules that use it, so
            // two rules sharing a route with different queues would leak cases of one
            // into the other's queue.
            if let Some(other) = rules
                .iter()
                .find(|r| r.route == rule.route && r.queue != rule.queue)
            {
                return Err(RoutingError::Rule {
                    rule: rule.label,
                    reason: format!(
                        "route {:?} is also used by rule {} with {}; a route feeds one queue \
                         (set `route` to tell them apart)",
                        rule.route,
                        other.label,
                        other
                            .queue
                            .as_deref()
                            .map_or("no queue".to_owned(), |q| format!("queue {q:?}"))
                    ),
                });
            }
            rules.push(rule);
        }
        Ok(RoutingRules { rules })
    }

    pub fn rules(&self) -> &[RoutingRule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule matching the case, if any.
    pub fn matching(&self, assessment: &Assessment, case_signals: &[&str]) -> Option<&RoutingRule> {
        self.rules
            .iter()
            .find(|r| r.matches(assessment, case_signals))
    }

    /// The routing key of a case: `case.<verdict>.<kind>`, followed by `.<route>` when a
    /// rule matches. `case_signals` are case-level signal codes (such as
    /// `related_to_impersonation`) that rules may match besides the sender's.
    pub fn routing_key(&self, assessment: &Assessment, case_signals: &[&str]) -> String {
        let key = event::routing_key(assessment.sender.verdict, assessment.request.kind);
        match self.matching(assessment, case_signals) {
            Some(rule) => format!("{key}.{}", rule.route),
            None => key,
        }
    }
}

fn compile(position: usize, spec: &RuleSpec) -> Result<RoutingRule, RoutingError> {
    let label = match spec.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("{position} ({name})"),
        _ => position.to_string(),
    };
    let fail = |reason: String| RoutingError::Rule {
        rule: label.clone(),
        reason,
    };

    let verdicts = list(&spec.verdict, "verdict", &fail)?
        .map(|names| {
            names
                .iter()
                .map(|n| named(n, &VERDICTS, Verdict::as_str, "verdict", &fail))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let kinds = list(&spec.kind, "kind", &fail)?
        .map(|names| {
            names
                .iter()
                .map(|n| named(n, &KINDS, RequestKind::as_str, "kind", &fail))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let jurisdictions = list(&spec.jurisdiction, "jurisdiction", &fail)?
        .map(|codes| {
            codes
                .iter()
                .map(|code| {
                    let code = code.trim().to_ascii_uppercase();
                    let known = (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()))
                        || code == "EU"
                        || code == "INT";
                    if known {
                        Ok(code)
                    } else {
                        Err(fail(format!(
                            "jurisdiction {code:?} is not a two-letter country code, EU or INT"
                        )))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let agencies = words(&spec.agency, "agency", &fail)?
        .map(|names| names.iter().map(|n| n.to_lowercase()).collect());
    let signals = words(&spec.signals, "signals", &fail)?.map(<[String]>::to_vec);

    let queue = match spec.queue.as_deref().map(str::trim) {
        None => None,
        Some("") => return Err(fail("`queue` is empty".to_owned())),
        Some(q) if q.len() > MAX_QUEUE_NAME_LEN => {
            return Err(fail(format!(
                "queue name is longer than {MAX_QUEUE_NAME_LEN} bytes"
            )));
        }
        // The broker reserves `amq.` names and refuses to declare them.
        Some(q) if q.starts_with("amq.") => {
            return Err(fail(format!(
                "queue {q:?}: names starting with `amq.` belong to the broker"
            )));
        }
        Some(q) => Some(q.to_owned()),
    };
    let route = match (spec.route.as_deref(), &queue) {
        (Some(route), _) => route.trim().to_owned(),
        (None, Some(queue)) => route_from_queue(queue),
        (None, None) => {
            return Err(fail(
                "names neither a `queue` nor a `route`: say where its cases go".to_owned(),
            ));
        }
    };
    if let Err(reason) = check_route(&route) {
        return Err(fail(if spec.route.is_some() {
            format!("route {route:?} {reason}")
        } else {
            format!("the route derived from the queue name, {route:?}, {reason}: set `route`")
        }));
    }

    Ok(RoutingRule {
        label,
        verdicts,
        kinds,
        jurisdictions,
        urgent: spec.urgent,
        agencies,
        signals,
        queue,
        route,
    })
}

/// A set match field; an empty list is refused because it could never match.
fn list<'a>(
    values: &'a Option<Vec<String>>,
    field: &str,
    fail: &impl Fn(String) -> RoutingError,
) -> Result<Option<&'a [String]>, RoutingError> {
    match values {
        None => Ok(None),
        Some(v) if v.is_empty() => Err(fail(format!(
            "`{field}` is an empty list, so the rule can never match; leave it out to match any"
        ))),
        Some(v) => Ok(Some(v.as_slice())),
    }
}

/// Like [`list`], and no entry may be blank.
fn words<'a>(
    values: &'a Option<Vec<String>>,
    field: &str,
    fail: &impl Fn(String) -> RoutingError,
) -> Result<Option<&'a [String]>, RoutingError> {
    let values = list(values, field, fail)?;
    if values.is_some_and(|v| v.iter().any(|w| w.trim().is_empty())) {
        return Err(fail(format!("`{field}` holds an empty name")));
    }
    Ok(values)
}

fn named<T: Copy>(
    name: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    field: &str,
    fail: &impl Fn(String) -> RoutingError,
) -> Result<T, RoutingError> {
    let wanted = name.trim();
    all.iter()
        .copied()
        .find(|v| as_str(*v) == wanted)
        .ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
            fail(format!(
                "unknown {field} {name:?} (known: {})",
                known.join(", ")
            ))
        })
}

/// `lea.cases.fraud` -> `fraud`: the last word of the queue name, as a key word.
fn route_from_queue(queue: &str) -> String {
    let last = queue.rsplit('.').next().unwrap_or(queue);
    last.chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One topic word that needs no quoting anywhere: no `.`, `*` or `#`.
fn check_route(route: &str) -> Result<(), String> {
    if route.is_empty() {
        return Err("is empty".to_owned());
    }
    if route.len() > MAX_ROUTE_LEN {
        return Err(format!("is longer than {MAX_ROUTE_LEN} characters"));
    }
    let valid = route
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !valid {
        return Err(
            "may hold only a-z, 0-9, `_` and `-` (it is one word of the routing key)".to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lea_classifier::{AgencyRef, RequestAssessment, SenderAssessment, Severity, Signal};

    fn assessment(verdict: Verdict, kind: RequestKind) -> Assessment {
        Assessment {
            sender: SenderAssessment {
                address: "officer@police.example".into(),
                display_name: None,
                domain: "police.example".into(),
                verdict,
                agency: Some(AgencyRef {
                    name: "Bundeskriminalamt".into(),
                    country: "DE".into(),
                }),
                risk: 0,
                signals: vec![Signal::new("dmarc_pass", Severity::Info, "")],
            },
            request: RequestAssessment {
                kind,
                urgent: false,
                deadline: None,
                deadline_text: None,
                agency_reference: None,
                jurisdiction: Some("DE".into()),
                language: None,
            },
            targets: Vec::new(),
            attachments: Vec::new(),
        }
    }

    fn rules(toml_rules: &[RuleSpec]) -> Result<RoutingRules, RoutingError> {
        RoutingRules::new(toml_rules)
    }

    fn spec() -> RuleSpec {
        RuleSpec::default()
    }

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| (*s).to_owned()).collect())
    }

    fn reason(result: Result<RoutingRules, RoutingError>) -> String {
        match result {
            Err(e) => e.to_string(),
            Ok(r) => panic!("accepted: {r:?}"),
        }
    }

    #[test]
    fn without_rules_keys_are_verdict_and_kind() {
        let none = RoutingRules::default();
        for verdict in VERDICTS {
            for kind in KINDS {
                assert_eq!(
                    none.routing_key(&assessment(verdict, kind), &[]),
                    format!("case.{}.{}", verdict.as_str(), kind.as_str())
                );
            }
        }
    }

    #[test]
    fn kinds_and_verdicts_agree_with_the_documented_lists() {
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, crate::sink::topology::REQUEST_KINDS);
        let verdicts: Vec<&str> = VERDICTS.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            verdicts,
            [
                crate::sink::topology::VERDICT_VERIFIED,
                crate::sink::topology::VERDICT_UNVERIFIED,
                crate::sink::topology::VERDICT_IMPERSONATION
            ]
        );
    }

    #[test]
    fn the_first_matching_rule_wins_and_the_rest_fall_through() {
        let r = rules(&[
            RuleSpec {
                verdict: strings(&["verified"]),
                kind: strings(&["freeze_request"]),
                queue: Some("lea.cases.freeze".into()),
                ..spec()
            },
            RuleSpec {
                agency: strings(&["de"]),
                route: Some("germany".into()),
                ..spec()
            },
        ])
        .unwrap();
        let freeze = assessment(Verdict::Verified, RequestKind::FreezeRequest);
        assert_eq!(
            r.routing_key(&freeze, &[]),
            "case.verified.freeze_request.freeze"
        );
        let subpoena = assessment(Verdict::Verified, RequestKind::Subpoena);
        assert_eq!(
            r.routing_key(&subpoena, &[]),
            "case.verified.subpoena.germany"
        );
        let mut elsewhere = assessment(Verdict::Unverified, RequestKind::Mlat);
        elsewhere.sender.agency = None;
        assert_eq!(r.routing_key(&elsewhere, &[]), "case.unverified.mlat");
    }

    #[test]
    fn every_condition_must_hold() {
        let r = rules(&[RuleSpec {
            jurisdiction: strings(&["de", "AT"]),
            urgent: Some(true),
            agency: strings(&["BUNDESKRIMINALAMT"]),
            signals: strings(&["first_contact", "dmarc_pass"]),
            route: Some("bka-urgent".into()),
            ..spec()
        }])
        .unwrap();
        let mut a = assessment(Verdict::Verified, RequestKind::Subpoena);
        assert_eq!(
            r.routing_key(&a, &[]),
            "case.verified.subpoena",
            "not urgent"
        );
        a.request.urgent = true;
        assert_eq!(r.routing_key(&a, &[]), "case.verified.subpoena.bka-urgent");
        a.request.jurisdiction = Some("FR".into());
        assert!(r.matching(&a, &[]).is_none(), "other jurisdiction");
        a.request.jurisdiction = Some("at".into());
        assert!(r.matching(&a, &[]).is_some());
        a.sender.signals.clear();
        assert!(r.matching(&a, &[]).is_none(), "no signal");
        assert!(r.matching(&a, &["first_contact"]).is_some(), "case signal");
        a.sender.agency = None;
        assert!(r.matching(&a, &["first_contact"]).is_none(), "no agency");
    }

    #[test]
    fn rules_are_checked_with_clear_errors() {
        let cases: Vec<(RuleSpec, &str)> = vec![
            (
                RuleSpec {
                    verdict: strings(&["trusted"]),
                    route: Some("x".into()),
                    ..spec()
                },
                "unknown verdict \"trusted\" (known: verified, unverified, impersonation)",
            ),
            (
                RuleSpec {
                    kind: strings(&["warrant"]),
                    route: Some("x".into()),
                    ..spec()
                },
                "unknown kind \"warrant\"",
            ),
            (
                RuleSpec {
                    queue: Some("  ".into()),
                    ..spec()
                },
                "`queue` is empty",
            ),
            (
                RuleSpec {
                    kind: Some(Vec::new()),
                    route: Some("x".into()),
                    ..spec()
                },
                "`kind` is an empty list",
            ),
            (
                RuleSpec {
                    urgent: Some(true),
                    ..spec()
                },
                "names neither a `queue` nor a `route`",
            ),
            (
                RuleSpec {
                    urgent: Some(true),
                    route: Some("a.b".into()),
                    ..spec()
                },
                "route \"a.b\" may hold only",
            ),
            (
                RuleSpec {
                    jurisdiction: strings(&["Germany"]),
                    route: Some("x".into()),
                    ..spec()
                },
                "jurisdiction \"GERMANY\" is not a two-letter country code",
            ),
            (
                RuleSpec {
                    name: Some("amq".into()),
                    queue: Some("amq.fraud".into()),
                    ..spec()
                },
                "routing rule 1 (amq): queue \"amq.fraud\"",
            ),
        ];
        for (rule, expected) in cases {
            let got = reason(rules(&[rule]));
            assert!(got.contains(expected), "{got:?} lacks {expected:?}");
        }
    }

    #[test]
    fn a_rule_after_a_catch_all_is_refused() {
        let got = reason(rules(&[
            RuleSpec {
                route: Some("all".into()),
                ..spec()
            },
            RuleSpec {
                kind: strings(&["mlat"]),
                route: Some("mlat".into()),
                ..spec()
            },
        ]));
        assert_eq!(
            got,
            "routing rule 2: can never match: rule 1 before it sets no condition and takes every case"
        );
    }

    #[test]
    fn one_route_feeds_one_queue() {
        let got = reason(rules(&[
            RuleSpec {
                verdict: strings(&["verified"]),
                queue: Some("a.fraud".into()),
                ..spec()
            },
            RuleSpec {
                verdict: strings(&["unverified"]),
                queue: Some("b.fraud".into()),
                ..spec()
            },
        ]));
        assert!(
            got.contains("route \"fraud\" is also used by rule 1"),
            "{got}"
        );
    }

    #[test]
    fn bindings_follow_the_rule_verdicts_and_kinds() {
        let r = rules(&[
            RuleSpec {
                verdict: strings(&["verified", "unverified"]),
                kind: strings(&["freeze_request"]),
                agency: strings(&["DE"]),
                queue: Some("lea.cases.Freeze Team".into()),
                ..spec()
            },
            RuleSpec {
                signals: strings(&["related_to_impersonation"]),
                queue: Some("lea.cases.security".into()),
                route: Some("related".into()),
                ..spec()
            },
        ])
        .unwrap();
        assert_eq!(r.rules()[0].route(), "freeze_team");
        assert_eq!(
            r.rules()[0].binding_keys(),
            vec![
                "case.verified.freeze_request.freeze_team",
                "case.unverified.freeze_request.freeze_team"
            ]
        );
        assert_eq!(r.rules()[1].binding_keys(), vec!["case.*.*.related"]);
    }
}
