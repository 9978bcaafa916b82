//! The security team's decisions about senders, and how they change an assessment.
//!
//! A decision names an address or a domain (a domain covers its subdomains). The most
//! specific decision wins: an address cleared on a blocked domain is cleared. Decisions
//! apply to every later message and are re-applied to the open cases they change; the
//! classifier's own assessment is stored unchanged, so a decision can be revoked.

use chrono::{DateTime, Utc};
use lea_classifier::directory::normalize::domain_forms;
use lea_classifier::sender::{codes, risk_score};
use lea_classifier::{SenderAssessment, Severity, Signal, Verdict};
use serde::{Deserialize, Serialize};

/// Signal codes added by decisions.
pub mod decision_codes {
    pub const CONFIRMED_IMPERSONATION: &str = "confirmed_impersonation";
    pub const CLEARED_BY_SECURITY_TEAM: &str = "cleared_by_security_team";
    pub const VERIFIED_AGENT: &str = "verified_agent";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Confirmed impersonator: every message from it is impersonation.
    Impersonation,
    /// Reviewed and legitimate: the classifier's impersonation verdict is overruled,
    /// except for a message whose trusted authentication shows a spoof.
    Cleared,
    /// A known, verified agent of an agency (addresses only).
    VerifiedAgent,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Impersonation => "impersonation",
            Decision::Cleared => "cleared",
            Decision::VerifiedAgent => "verified_agent",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "impersonation" => Some(Decision::Impersonation),
            "cleared" => Some(Decision::Cleared),
            "verified_agent" => Some(Decision::VerifiedAgent),
            _ => None,
        }
    }
}

/// One decision as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderDecision {
    /// A lower-case address (`agent@fbi.gov`) or domain (`fbi-gov.com`), Unicode labels.
    pub subject: String,
    pub decision: Decision,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubjectError {
    #[error("{0:?} is neither an e-mail address nor a domain")]
    Malformed(String),
    #[error("a verified agent is an address, not a domain: {0:?}")]
    AgentNeedsAddress(String),
}

/// The stored form of an address or domain given on the command line: lower-case, with
/// Unicode labels (punycode is decoded), as the classifier writes `sender.address` and
/// `sender.domain`.
pub fn normalize_subject(input: &str, decision: Decision) -> Result<String, SubjectError> {
    let trimmed = input.trim().trim_matches(|c| c == '<' || c == '>').trim();
    let malformed = || SubjectError::Malformed(input.to_string());
    let (local, domain) = match trimmed.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !local.contains(char::is_whitespace) => {
            (Some(local.to_lowercase()), domain)
        }
        Some(_) => return Err(malformed()),
        None => (None, trimmed),
    };
    let forms = domain_forms(domain);
    if forms.unicode.is_empty()
        || !forms.unicode.contains('.')
        || forms
            .unicode
            .contains(|c: char| c.is_whitespace() || c == '@' || c == '/')
    {
        return Err(malformed());
    }
    match local {
        Some(local) => Ok(format!("{local}@{}", forms.unicode)),
        None if decision == Decision::VerifiedAgent => {
            Err(SubjectError::AgentNeedsAddress(input.to_string()))
        }
        None => Ok(forms.unicode),
    }
}

/// The subjects a sender falls under, most specific first: the address, its domain, then
/// each parent domain (`a@x.fbi.gov`, `x.fbi.gov`, `fbi.gov`, `gov`).
pub fn subjects_of(sender: &SenderAssessment) -> Vec<String> {
    let mut subjects = Vec::new();
    if sender.address.contains('@') {
        subjects.push(sender.address.clone());
    }
    let mut domain = sender.domain.as_str();
    while !domain.is_empty() {
        subjects.push(domain.to_string());
        domain = domain.split_once('.').map(|(_, rest)| rest).unwrap_or("");
    }
    subjects
}

/// The decision that governs a sender: the one on its most specific subject.
pub fn governing<'d>(
    sender: &SenderAssessment,
    lookup: impl Fn(&str) -> Option<&'d SenderDecision>,
) -> Option<&'d SenderDecision> {
    subjects_of(sender).iter().find_map(|s| lookup(s))
}

fn has(sender: &SenderAssessment, code: &str) -> bool {
    sender.signals.iter().any(|s| s.code == code)
}

/// The sender as the decision makes it; `None` leaves it as classified.
pub fn apply(sender: &SenderAssessment, decision: Option<&SenderDecision>) -> SenderAssessment {
    let mut sender = sender.clone();
    let Some(decision) = decision else {
        return sender;
    };
    let when = decision.decided_at.format("%Y-%m-%d");
    let note = decision
        .note
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    match decision.decision {
        Decision::Impersonation => {
            sender.verdict = Verdict::Impersonation;
            sender.signals.push(Signal::new(
                decision_codes::CONFIRMED_IMPERSONATION,
                Severity::Critical,
                format!(
                    "the security team confirmed {} as an impersonator on {when}{note}",
                    decision.subject
                ),
            ));
        }
        Decision::Cleared => {
            // A spoof shown by our own mail server is about this message, not the sender:
            // whoever forged it is not the party that was cleared.
            if sender.verdict == Verdict::Impersonation && !has(&sender, codes::AUTH_SPOOF) {
                sender.verdict = if has(&sender, codes::DIRECTORY_DOMAIN)
                    || has(&sender, codes::RESTRICTED_NAMESPACE)
                {
                    Verdict::Verified
                } else {
                    Verdict::Unverified
                };
            }
            sender.signals.push(Signal::new(
                decision_codes::CLEARED_BY_SECURITY_TEAM,
                Severity::Info,
                format!(
                    "the security team cleared {} on {when}{note}",
                    decision.subject
                ),
            ));
        }
        Decision::VerifiedAgent => {
            sender.signals.push(Signal::new(
                decision_codes::VERIFIED_AGENT,
                Severity::Info,
                format!(
                    "the security team verified {} as an agent on {when}{note}",
                    decision.subject
                ),
            ));
        }
    }
    sender.risk = risk_score(sender.verdict, &sender.signals);
    sender
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(address: &str, verdict: Verdict, codes_: &[&str]) -> SenderAssessment {
        SenderAssessment {
            address: address.to_string(),
            display_name: None,
            domain: address.rsplit_once('@').unwrap().1.to_string(),
            verdict,
            agency: None,
            risk: 50,
            signals: codes_
                .iter()
                .map(|c| Signal::new(c, Severity::High, "x"))
                .collect(),
        }
    }

    fn decision(subject: &str, decision: Decision) -> SenderDecision {
        SenderDecision {
            subject: subject.to_string(),
            decision,
            note: Some("call-back failed".to_string()),
            decided_by: None,
            decided_at: Utc::now(),
        }
    }

    #[test]
    fn subjects_go_from_the_address_to_the_top_domain() {
        let s = sender("a@x.fbi.gov", Verdict::Verified, &[]);
        assert_eq!(
            subjects_of(&s),
            vec!["a@x.fbi.gov", "x.fbi.gov", "fbi.gov", "gov"]
        );
    }

    #[test]
    fn command_line_subjects_are_normalised() {
        let d = Decision::Impersonation;
        assert_eq!(
            normalize_subject(" <Agent@FBI.gov> ", d).unwrap(),
            "agent@fbi.gov"
        );
        assert_eq!(normalize_subject("FBI-GOV.com.", d).unwrap(), "fbi-gov.com");
        assert_eq!(normalize_subject("xn--fb-ioc.gov", d).unwrap(), "fbі.gov");
        assert!(normalize_subject("fbi", d).is_err());
        assert!(normalize_subject("@fbi.gov", d).is_err());
        assert_eq!(
            normalize_subject("fbi.gov", Decision::VerifiedAgent),
            Err(SubjectError::AgentNeedsAddress("fbi.gov".to_string()))
        );
    }

    #[test]
    fn the_most_specific_decision_governs() {
        let blocked = decision("evil.example", Decision::Impersonation);
        let cleared = decision("ok@evil.example", Decision::Cleared);
        let lookup = |s: &str| [&blocked, &cleared].into_iter().find(|d| d.subject == s);
        let a = sender("ok@evil.example", Verdict::Unverified, &[]);
        assert_eq!(governing(&a, lookup).unwrap().decision, Decision::Cleared);
        let b = sender("other@mail.evil.example", Verdict::Unverified, &[]);
        assert_eq!(
            governing(&b, lookup).unwrap().decision,
            Decision::Impersonation
        );
        let c = sender("x@fine.example", Verdict::Unverified, &[]);
        assert!(governing(&c, lookup).is_none());
    }

    #[test]
    fn confirmed_impersonation_overrides_a_verified_sender() {
        // A compromised real mailbox: verified by the directory, confirmed fake by people.
        let s = sender(
            "cop@police.example.gov",
            Verdict::Verified,
            &[codes::DIRECTORY_DOMAIN],
        );
        let out = apply(
            &s,
            Some(&decision("cop@police.example.gov", Decision::Impersonation)),
        );
        assert_eq!(out.verdict, Verdict::Impersonation);
        assert!(out.risk >= 80);
        assert!(has(&out, decision_codes::CONFIRMED_IMPERSONATION));
    }

    #[test]
    fn clearing_overrules_the_classifier_but_not_a_spoof() {
        let lookalike = sender(
            "a@fbi-gov.com",
            Verdict::Impersonation,
            &["lookalike_domain"],
        );
        let out = apply(
            &lookalike,
            Some(&decision("fbi-gov.com", Decision::Cleared)),
        );
        assert_eq!(out.verdict, Verdict::Unverified);
        assert!(has(&out, decision_codes::CLEARED_BY_SECURITY_TEAM));

        let spoofed = sender(
            "a@fbi.gov",
            Verdict::Impersonation,
            &[codes::DIRECTORY_DOMAIN, codes::AUTH_SPOOF],
        );
        let out = apply(&spoofed, Some(&decision("fbi.gov", Decision::Cleared)));
        assert_eq!(out.verdict, Verdict::Impersonation);

        let reply_to = sender(
            "a@fbi.gov",
            Verdict::Impersonation,
            &[codes::DIRECTORY_DOMAIN, codes::REPLY_TO_DIVERSION],
        );
        let out = apply(&reply_to, Some(&decision("a@fbi.gov", Decision::Cleared)));
        assert_eq!(out.verdict, Verdict::Verified);
    }

    #[test]
    fn a_verified_agent_is_a_signal_not_a_verdict() {
        let s = sender(
            "agent@fbi.gov",
            Verdict::Verified,
            &[codes::DIRECTORY_DOMAIN],
        );
        let out = apply(
            &s,
            Some(&decision("agent@fbi.gov", Decision::VerifiedAgent)),
        );
        assert_eq!(out.verdict, Verdict::Verified);
        assert!(has(&out, decision_codes::VERIFIED_AGENT));
        let none = apply(&s, None);
        assert_eq!(none, s);
    }
}
