//! Targets: the identifiers a request is about, validated so that a typo never sends a
//! reviewer to the wrong customer. Strings that look like identifiers but fail their
//! checksum are not targets; they are counted in an `invalid_identifiers` signal.
//!
//! Sources are read in the order subject, new body text, attachments (and attached
//! messages), quoted text; a value found twice keeps its first source.

pub mod crypto;
pub mod iban;
pub mod phone;
mod scan;

use crate::ClassifierConfig;
use crate::assessment::{RequestAssessment, SenderAssessment, Severity, Signal, Target};
use crate::text::{ReplySplit, bounded, contact_zones, split_reply};
use lea_ingest::Message;
use regex::{Regex, RegexBuilder};
use std::borrow::Cow;
use std::collections::HashSet;

pub use scan::{Candidate, Invalid};

/// Compiled account-ID patterns are bounded so a pattern from config cannot blow up.
const ACCOUNT_PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// A pattern from `account_id_patterns` that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("account ID pattern {pattern:?} is not usable: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

/// Finds and validates targets. Built once (patterns compiled here), shared freely.
pub struct TargetExtractor {
    own_domains: Vec<String>,
    account_patterns: Vec<Regex>,
    pattern_errors: Vec<PatternError>,
}

/// Where a piece of text comes from, and what kind of text it is.
struct Section<'a> {
    /// Long texts are read as their head and tail ([`crate::text::bounds`]).
    text: Cow<'a, str>,
    source: String,
    /// Letters (attachments) have a letterhead with the writer's own details.
    letter: bool,
}

impl TargetExtractor {
    /// Build the extractor; unusable account patterns are skipped and kept in
    /// [`TargetExtractor::pattern_errors`] so the caller can report them.
    pub fn new(config: &ClassifierConfig) -> Self {
        let mut account_patterns = Vec::new();
        let mut pattern_errors = Vec::new();
        for pattern in &config.account_id_patterns {
            match RegexBuilder::new(pattern)
                .size_limit(ACCOUNT_PATTERN_SIZE_LIMIT)
                .dfa_size_limit(ACCOUNT_PATTERN_SIZE_LIMIT)
                .build()
            {
                Ok(re) => account_patterns.push(re),
                Err(e) => pattern_errors.push(PatternError {
                    pattern: pattern.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        TargetExtractor {
            own_domains: config
                .own_domains
                .iter()
                .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            account_patterns,
            pattern_errors,
        }
    }

    /// Like [`TargetExtractor::new`], but refuses a configuration with a bad pattern.
    pub fn try_new(config: &ClassifierConfig) -> Result<Self, PatternError> {
        let extractor = Self::new(config);
        match extractor.pattern_errors.first() {
            Some(e) => Err(e.clone()),
            None => Ok(extractor),
        }
    }

    pub fn pattern_errors(&self) -> &[PatternError] {
        &self.pattern_errors
    }

    pub fn extract(
        &self,
        message: &Message,
        sender: &SenderAssessment,
        request: &RequestAssessment,
        signals: &mut Vec<Signal>,
    ) -> Vec<Target> {
        let split = split_reply(&message.body_text);
        self.extract_split(message, &split, sender, request, signals)
    }

    /// [`TargetExtractor::extract`] with the body already split into new and quoted text.
    pub fn extract_split(
        &self,
        message: &Message,
        split: &ReplySplit,
        sender: &SenderAssessment,
        request: &RequestAssessment,
        signals: &mut Vec<Signal>,
    ) -> Vec<Target> {
        let subject = message.subject.as_deref().unwrap_or_default();
        let mut sections = vec![
            Section {
                text: Cow::Borrowed(subject),
                source: "subject".to_string(),
                letter: false,
            },
            Section {
                text: Cow::Borrowed(&split.new_text),
                source: "body".to_string(),
                letter: false,
            },
        ];
        let mut nested_splits = Vec::new();
        collect_attachment_sections(message, &mut sections, &mut nested_splits, 0);
        for (source, nested) in &nested_splits {
            sections.push(Section {
                text: Cow::Borrowed(nested),
                source: source.clone(),
                letter: false,
            });
        }
        sections.push(Section {
            text: Cow::Borrowed(&split.quoted_text),
            source: "quoted".to_string(),
            letter: false,
        });

        let country = request.jurisdiction.as_deref();
        let exclusions = self.exclusions(message, sender);
        let mut seen = HashSet::new();
        let mut targets = Vec::new();
        let mut invalid: Vec<Invalid> = Vec::new();
        let mut invalid_seen = HashSet::new();
        for section in &sections {
            let zones = contact_zones(&section.text, section.letter);
            let found = scan::scan(&section.text, country, &zones, &self.account_patterns);
            for candidate in found.valid {
                if exclusions.excludes(&candidate) {
                    continue;
                }
                if seen.insert((candidate.kind, candidate.value.clone())) {
                    targets.push(Target {
                        kind: candidate.kind.to_string(),
                        value: candidate.value,
                        source: section.source.clone(),
                    });
                }
            }
            for bad in found.invalid {
                if invalid_seen.insert((bad.kind, bad.written.clone())) {
                    invalid.push(bad);
                }
            }
        }
        if let Some(signal) = invalid_signal(&invalid) {
            signals.push(signal);
        }
        targets
    }

    fn exclusions(&self, message: &Message, sender: &SenderAssessment) -> Exclusions {
        let mut addresses: Vec<String> = Vec::new();
        if !sender.address.is_empty() {
            addresses.push(sender.address.clone());
        }
        for mailbox in message
            .from
            .iter()
            .chain(message.sender.iter())
            .chain(message.reply_to.iter())
        {
            addresses.push(mailbox.address.trim().to_ascii_lowercase());
        }
        let mut domains = self.own_domains.clone();
        // Colleagues share the agency's domain; a free-mail sender's domain says nothing.
        if sender.verdict == crate::Verdict::Verified && !sender.domain.is_empty() {
            domains.push(sender.domain.clone());
        }
        Exclusions { addresses, domains }
    }
}

/// Contact details that are never targets.
struct Exclusions {
    addresses: Vec<String>,
    domains: Vec<String>,
}

impl Exclusions {
    fn excludes(&self, candidate: &Candidate) -> bool {
        if candidate.in_contact_zone && matches!(candidate.kind, "email" | "phone") {
            return true;
        }
        if candidate.kind != "email" {
            return false;
        }
        if self.addresses.contains(&candidate.value) {
            return true;
        }
        let domain = candidate
            .value
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or_default();
        self.domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
    }
}

fn collect_attachment_sections<'a>(
    message: &'a Message,
    sections: &mut Vec<Section<'a>>,
    nested: &mut Vec<(String, String)>,
    depth: usize,
) {
    for attachment in &message.attachments {
        let name = attachment
            .filename
            .clone()
            .unwrap_or_else(|| attachment.content_type.clone());
        let source = format!("attachment:{name}");
        // Header dumps (bounce reports) list mail hops, not anything a request is about.
        let headers_only = matches!(
            attachment.content_type.as_str(),
            "text/rfc822-headers" | "message/delivery-status" | "message/disposition-notification"
        );
        if let Some(text) = attachment.text.as_ref().filter(|_| !headers_only) {
            sections.push(Section {
                text: bounded(text),
                source: source.clone(),
                letter: true,
            });
        }
        if let Some(inner) = &attachment.message
            && depth < 8
        {
            let mut text = inner.subject.clone().unwrap_or_default();
            text.push('\n');
            text.push_str(&bounded(&inner.body_text));
            nested.push((source, text));
            collect_attachment_sections(inner, sections, nested, depth + 1);
        }
    }
}

fn invalid_signal(invalid: &[Invalid]) -> Option<Signal> {
    if invalid.is_empty() {
        return None;
    }
    let severity = if invalid.len() >= 3 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let listed: Vec<String> = invalid
        .iter()
        .take(10)
        .map(|i| format!("{} {}", i.kind, i.written))
        .collect();
    Some(Signal::new(
        "invalid_identifiers",
        severity,
        format!(
            "{} string(s) look like identifiers but fail their checksum: {}",
            invalid.len(),
            listed.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{RequestKind, Verdict};
    use lea_ingest::{Attachment, Mailbox};

    fn sender(address: &str, verdict: Verdict) -> SenderAssessment {
        SenderAssessment {
            address: address.to_string(),
            display_name: None,
            domain: address.rsplit('@').next().unwrap_or("").to_string(),
            verdict,
            agency: None,
            risk: 0,
            signals: Vec::new(),
        }
    }

    fn request(jurisdiction: Option<&str>) -> RequestAssessment {
        RequestAssessment {
            kind: RequestKind::Subpoena,
            urgent: false,
            deadline: None,
            deadline_text: None,
            agency_reference: None,
            jurisdiction: jurisdiction.map(str::to_string),
            language: None,
        }
    }

    fn config(patterns: &[&str]) -> ClassifierConfig {
        ClassifierConfig {
            own_domains: vec!["exchange.example".to_string()],
            account_id_patterns: patterns.iter().map(|p| p.to_string()).collect(),
            ..ClassifierConfig::default()
        }
    }

    #[test]
    fn own_domains_sender_and_colleagues_are_never_targets() {
        let message = Message {
            from: Some(Mailbox {
                address: "Agent@FBI.gov".to_string(),
                display_name: None,
            }),
            reply_to: vec![Mailbox {
                address: "case-desk@example.org".to_string(),
                display_name: None,
            }],
            body_text: "Records for bad.guy@gmail.com, not lers@exchange.example nor \
                        support@mail.exchange.example; copy colleague@fbi.gov and \
                        case-desk@example.org and agent@fbi.gov.\n"
                .to_string(),
            ..Message::default()
        };
        let extractor = TargetExtractor::new(&config(&[]));
        let mut signals = Vec::new();
        let targets = extractor.extract(
            &message,
            &sender("agent@fbi.gov", Verdict::Verified),
            &request(Some("US")),
            &mut signals,
        );
        let values: Vec<&str> = targets.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(values, vec!["bad.guy@gmail.com"]);
        assert!(signals.is_empty());
    }

    #[test]
    fn account_patterns_use_their_first_group_and_bad_patterns_are_reported() {
        let extractor = TargetExtractor::new(&config(&[r"\bUID[- ]?([0-9]{8})\b", "(unclosed"]));
        assert_eq!(extractor.pattern_errors().len(), 1);
        assert!(TargetExtractor::try_new(&config(&["(unclosed"])).is_err());
        let message = Message {
            body_text: "Please report on UID 12345678 and UID-87654321.".to_string(),
            ..Message::default()
        };
        let mut signals = Vec::new();
        let targets = extractor.extract(
            &message,
            &sender("x@police.example", Verdict::Unverified),
            &request(None),
            &mut signals,
        );
        let values: Vec<(&str, &str)> = targets
            .iter()
            .map(|t| (t.kind.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(
            values,
            vec![("account_id", "12345678"), ("account_id", "87654321")]
        );
    }

    #[test]
    fn first_source_wins_and_lookalikes_make_one_signal() {
        let address = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
        let message = Message {
            subject: Some(format!("Wallet {address}")),
            body_text: format!(
                "Wallet {address} and the mistyped 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb.\n"
            ),
            attachments: vec![Attachment {
                filename: Some("letter.pdf".to_string()),
                text: Some(format!("Dear Sir,\nwallet {address}\n")),
                ..Attachment::default()
            }],
            ..Message::default()
        };
        let extractor = TargetExtractor::new(&config(&[]));
        let mut signals = Vec::new();
        let targets = extractor.extract(
            &message,
            &sender("x@police.example", Verdict::Unverified),
            &request(None),
            &mut signals,
        );
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].source, "subject");
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0].code, "invalid_identifiers");
        assert!(signals[0].detail.starts_with("1 "));
    }
}
