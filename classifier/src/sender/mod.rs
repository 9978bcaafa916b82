//! Sender verification: is the sender the agency it appears to be? A verdict, the agency,
//! a risk score and the signals behind them.
//!
//! # Verdict rules
//!
//! - `impersonation` when any of: the From domain imitates a directory domain
//!   (`lookalike_domain`); a directory agency is named (display name, address, signature,
//!   letterhead) while the From domain is outside the directory and the restricted
//!   namespaces (`agency_claim_mismatch`); a trusted Authentication-Results shows the From
//!   of a directory domain or restricted namespace forged (`auth_spoof`); a Reply-To
//!   diverts the answer away from a directory domain or restricted namespace
//!   (`reply_to_diversion`); a blocked address or domain (`blocked_address`,
//!   `blocked_domain`).
//! - `verified` when the From domain is a directory domain (or a subdomain of one), lies
//!   under a restricted namespace, or the address was verified by the operator, and none
//!   of the above holds.
//! - `unverified` otherwise: manual verification.
//!
//! `agency` names the sender's agency when verified (for a restricted namespace without
//! a known agency: the CISA organisation, or the namespace's government), and the agency
//! imitated for impersonation.
//!
//! # Risk score
//!
//! 0 to 100, for sorting. A base per verdict (verified 5, unverified 30, impersonation
//! 80) plus a weight per signal severity (info 0, low 2, medium 6, high 12, critical 20),
//! clamped to a band per verdict (verified 0–40, unverified 10–75, impersonation 70–100),
//! so every impersonation sorts above every other message.
//!
//! # Signals
//!
//! | code | severity | meaning |
//! |---|---|---|
//! | `directory_domain` | info | From is a directory domain or a subdomain of one; names the agency or CISA organisation and the country |
//! | `restricted_namespace` | info | From lies under a government-restricted namespace (`gov`, `police.uk`, `gouv.fr`, ...); names the country |
//! | `verified_address` | info | the operator verified this exact address |
//! | `unknown_domain` | low | From is neither a directory domain nor under a restricted namespace |
//! | `missing_from` | high | no usable From address |
//! | `lookalike_domain` | critical | From imitates a directory domain (homograph, suffix swap, typing error, hyphenation, added words, embedding); names the domain and the technique |
//! | `idn_domain` | low | From is an internationalised (Unicode/punycode) domain outside the directory; shows both spellings |
//! | `mixed_script_domain` | high | a label of the From domain mixes scripts (Latin with Cyrillic, ...) |
//! | `agency_claim_mismatch` | critical | a directory agency is named while From is outside the directory and the restricted namespaces; names the agency, the alias and where it was found |
//! | `free_mail` | medium | From is a free-mail provider |
//! | `disposable_mail` | high | From is a disposable-mailbox provider |
//! | `blocked_address` | critical | the operator blocked this address |
//! | `blocked_domain` | critical | the operator blocked this domain (or a parent) |
//! | `auth_pass` | info | trusted Authentication-Results: DMARC (or DKIM/SPF) passes |
//! | `auth_spoof` | critical (high outside the directory) | trusted Authentication-Results: `dmarc=fail`, or SPF and DKIM both failing |
//! | `auth_partial_fail` | low | trusted Authentication-Results: one of SPF or DKIM fails, not a spoof |
//! | `auth_untrusted_header` | low | Authentication-Results from authserv-ids we do not trust, ignored for the verdict |
//! | `auth_missing` | low | no trusted Authentication-Results (an archive import, or no trusted authserv-id configured) |
//! | `reply_to_diversion` | high (medium outside the directory) | a Reply-To outside the sender's organisation, the directory and the restricted namespaces |
//! | `urgent_language` | low | urgency wording ("urgent", "dringend", "sans délai", "至急", ...) |
//! | `threat_to_life_language` | medium | threat-to-life wording ("imminent danger", "Gefahr für Leib und Leben", ...) |

pub mod auth;
pub mod language;

use crate::assessment::{AgencyRef, SenderAssessment, Severity, Signal, Verdict};
use crate::directory::normalize::{DomainForms, domain_forms};
use crate::directory::{AliasMatch, TextKind};
use crate::{ClassifierConfig, Directory};
use lea_ingest::Message;
use unicode_security::MixedScript;

/// Stable signal codes (see the table above).
pub mod codes {
    pub const DIRECTORY_DOMAIN: &str = "directory_domain";
    pub const RESTRICTED_NAMESPACE: &str = "restricted_namespace";
    pub const VERIFIED_ADDRESS: &str = "verified_address";
    pub const UNKNOWN_DOMAIN: &str = "unknown_domain";
    pub const MISSING_FROM: &str = "missing_from";
    pub const LOOKALIKE_DOMAIN: &str = "lookalike_domain";
    pub const IDN_DOMAIN: &str = "idn_domain";
    pub const MIXED_SCRIPT_DOMAIN: &str = "mixed_script_domain";
    pub const AGENCY_CLAIM_MISMATCH: &str = "agency_claim_mismatch";
    pub const FREE_MAIL: &str = "free_mail";
    pub const DISPOSABLE_MAIL: &str = "disposable_mail";
    pub const BLOCKED_ADDRESS: &str = "blocked_address";
    pub const BLOCKED_DOMAIN: &str = "blocked_domain";
    pub const AUTH_PASS: &str = "auth_pass";
    pub const AUTH_SPOOF: &str = "auth_spoof";
    pub const AUTH_PARTIAL_FAIL: &str = "auth_partial_fail";
    pub const AUTH_UNTRUSTED_HEADER: &str = "auth_untrusted_header";
    pub const AUTH_MISSING: &str = "auth_missing";
    pub const REPLY_TO_DIVERSION: &str = "reply_to_diversion";
    pub const URGENT_LANGUAGE: &str = "urgent_language";
    pub const THREAT_TO_LIFE_LANGUAGE: &str = "threat_to_life_language";
}

/// How much of the end of the body is read as the signature.
const SIGNATURE_CHARS: usize = 1_200;
/// How much of the start of an attachment's text is read as the letterhead.
const LETTERHEAD_CHARS: usize = 1_500;

pub fn assess_sender(
    message: &Message,
    directory: &Directory,
    config: &ClassifierConfig,
) -> SenderAssessment {
    let (raw_address, display_name) = match &message.from {
        Some(m) => (m.address.trim().to_string(), m.display_name.clone()),
        None => (String::new(), None),
    };
    let forms = domain_forms(&message.from_domain());
    let address = match raw_address.rsplit_once('@') {
        Some((local, _)) if !forms.ascii.is_empty() => {
            format!("{}@{}", local.to_lowercase(), forms.unicode)
        }
        _ => raw_address.to_lowercase(),
    };
    let mut judge = Judge {
        directory,
        signals: Vec::new(),
        impersonation: false,
        imitated: None,
    };

    if forms.ascii.is_empty() || !address.contains('@') {
        judge.signal(
            codes::MISSING_FROM,
            Severity::High,
            "the message has no usable From address".to_string(),
        );
    }

    let membership = judge.membership(&forms, &address);
    let official = membership.official();
    judge.blocks(&forms, &address);
    judge.lookalike(&forms, official);
    judge.providers(&forms);
    let claims = judge.claims(message, display_name.as_deref(), &raw_address, official);
    judge.authentication(message, config, &forms, official);
    judge.reply_to(message, &forms, official);
    judge.pressure(message);

    let verdict = if judge.impersonation {
        Verdict::Impersonation
    } else if official {
        Verdict::Verified
    } else {
        Verdict::Unverified
    };
    let claimed: Vec<usize> = claims.iter().map(|c| c.agency).collect();
    let agency = match verdict {
        Verdict::Verified => membership
            .verified_agency
            .and_then(|i| directory.agency(i))
            .map(|a| a.reference())
            .or_else(|| directory.agency_ref_for_domain(&forms.ascii, &claimed)),
        Verdict::Impersonation => claimed
            .first()
            .and_then(|i| directory.agency(*i))
            .map(|a| a.reference())
            .or(judge.imitated.clone())
            .or_else(|| {
                official
                    .then(|| directory.agency_ref_for_domain(&forms.ascii, &[]))
                    .flatten()
            }),
        Verdict::Unverified => None,
    };
    let risk = risk_score(verdict, &judge.signals);
    SenderAssessment {
        address,
        display_name,
        domain: forms.unicode.clone(),
        verdict,
        agency,
        risk,
        signals: judge.signals,
    }
}

/// The risk score; see the module documentation.
pub fn risk_score(verdict: Verdict, signals: &[Signal]) -> u8 {
    let (base, low, high) = match verdict {
        Verdict::Verified => (5u32, 0u32, 40u32),
        Verdict::Unverified => (30, 10, 75),
        Verdict::Impersonation => (80, 70, 100),
    };
    let weight: u32 = signals
        .iter()
        .map(|s| match s.severity {
            Severity::Info => 0,
            Severity::Low => 2,
            Severity::Medium => 6,
            Severity::High => 12,
            Severity::Critical => 20,
        })
        .sum();
    (base + weight).clamp(low, high) as u8
}

struct Membership {
    directory_domain: bool,
    namespace: bool,
    verified_address: bool,
    verified_agency: Option<usize>,
}

impl Membership {
    fn official(&self) -> bool {
        self.directory_domain || self.namespace || self.verified_address
    }
}

struct Judge<'a> {
    directory: &'a Directory,
    signals: Vec<Signal>,
    impersonation: bool,
    imitated: Option<AgencyRef>,
}

impl Judge<'_> {
    fn signal(&mut self, code: &str, severity: Severity, detail: String) {
        self.signals.push(Signal::new(code, severity, detail));
    }

    fn membership(&mut self, forms: &DomainForms, address: &str) -> Membership {
        let directory = self.directory;
        let mut m = Membership {
            directory_domain: false,
            namespace: false,
            verified_address: false,
            verified_agency: None,
        };
        if forms.ascii.is_empty() {
            return m;
        }
        if let Some(found) = directory.domain_match(&forms.ascii) {
            m.directory_domain = true;
            let who = directory
                .agency_ref_for_domain(found.domain, &[])
                .map(|a| format!("{} ({})", a.name, a.country))
                .unwrap_or_else(|| "a directory entry".to_string());
            let relation = if found.domain == forms.ascii {
                "is".to_string()
            } else {
                format!("is a subdomain of {}, which is", found.domain)
            };
            self.signal(
                codes::DIRECTORY_DOMAIN,
                Severity::Info,
                format!("{} {relation} the directory domain of {who}", forms.unicode),
            );
        }
        // .gov and its kind allow no internationalised names: an IDN there is a trick.
        if !forms.is_idn
            && let Some(ns) = directory.namespace(&forms.ascii)
        {
            m.namespace = true;
            self.signal(
                codes::RESTRICTED_NAMESPACE,
                Severity::Info,
                format!(
                    "{} is under the restricted namespace {} ({}, {})",
                    forms.ascii, ns.suffix, ns.name, ns.country
                ),
            );
        }
        if let Some(v) = directory.verified_address(address) {
            m.verified_address = true;
            m.verified_agency = v.agency;
            let agency = v
                .agency
                .and_then(|i| directory.agency(i))
                .map(|a| format!(" of {} ({})", a.name, a.country))
                .unwrap_or_default();
            let note = v
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            self.signal(
                codes::VERIFIED_ADDRESS,
                Severity::Info,
                format!("{address} is an agent address{agency} verified by the operator{note}"),
            );
        }
        if !m.official() && !forms.ascii.is_empty() {
            self.signal(
                codes::UNKNOWN_DOMAIN,
                Severity::Low,
                format!(
                    "{} is neither a directory domain nor under a restricted government namespace",
                    forms.unicode
                ),
            );
        }
        m
    }

    fn blocks(&mut self, forms: &DomainForms, address: &str) {
        if self.directory.is_blocked_address(address) {
            self.impersonation = true;
            self.signal(
                codes::BLOCKED_ADDRESS,
                Severity::Critical,
                format!("{address} is on the operator's block list"),
            );
        }
        if !forms.ascii.is_empty() && self.directory.is_blocked_domain(&forms.ascii) {
            self.impersonation = true;
            self.signal(
                codes::BLOCKED_DOMAIN,
                Severity::Critical,
                format!("{} is on the operator's block list", forms.unicode),
            );
        }
    }

    fn lookalike(&mut self, forms: &DomainForms, official: bool) {
        if forms.ascii.is_empty() {
            return;
        }
        if forms.is_idn && !official {
            self.signal(
                codes::IDN_DOMAIN,
                Severity::Low,
                format!(
                    "internationalised domain: shown as {}, registered as {}",
                    forms.unicode, forms.ascii
                ),
            );
        }
        if forms.is_idn {
            let mixed: Vec<&str> = forms
                .unicode
                .split('.')
                .filter(|label| !label.is_single_script())
                .collect();
            if !mixed.is_empty() {
                self.signal(
                    codes::MIXED_SCRIPT_DOMAIN,
                    Severity::High,
                    format!("the label {:?} mixes scripts", mixed.join(".")),
                );
            }
        }
        if official {
            return;
        }
        let found = self.directory.lookalikes_of(forms);
        let Some(best) = found.first() else {
            return;
        };
        self.impersonation = true;
        if self.imitated.is_none() {
            self.imitated = self.directory.agency_ref_for_domain(&best.domain, &[]);
        }
        let who = self
            .directory
            .agency_ref_for_domain(&best.domain, &[])
            .map(|a| format!(", the domain of {} ({})", a.name, a.country))
            .unwrap_or_default();
        let others: Vec<&str> = found
            .iter()
            .skip(1)
            .take(3)
            .map(|r| r.domain.as_str())
            .collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!("; also resembles {}", others.join(", "))
        };
        self.signal(
            codes::LOOKALIKE_DOMAIN,
            Severity::Critical,
            format!("{} {}{who}{also}", forms.unicode, best.explain()),
        );
    }

    fn providers(&mut self, forms: &DomainForms) {
        if forms.ascii.is_empty() {
            return;
        }
        if self.directory.is_disposable(&forms.ascii) {
            self.signal(
                codes::DISPOSABLE_MAIL,
                Severity::High,
                format!("{} is a disposable-mailbox provider", forms.unicode),
            );
        } else if self.directory.is_free_mail(&forms.ascii) {
            self.signal(
                codes::FREE_MAIL,
                Severity::Medium,
                format!(
                    "{} is a free-mail provider: anyone can open an account there",
                    forms.unicode
                ),
            );
        }
    }

    fn claims(
        &mut self,
        message: &Message,
        display_name: Option<&str>,
        raw_address: &str,
        official: bool,
    ) -> Vec<AliasMatch> {
        let directory = self.directory;
        let mut found: Vec<(AliasMatch, &'static str)> = Vec::new();
        let mut add = |matches: Vec<AliasMatch>, place: &'static str| {
            for m in matches {
                if !found.iter().any(|(f, _)| f.agency == m.agency) {
                    found.push((m, place));
                }
            }
        };
        if let Some(name) = display_name {
            add(
                directory.find_agencies(name, TextKind::Identity),
                "the display name",
            );
        }
        if let Some((local, _)) = raw_address.rsplit_once('@') {
            add(find_in_local_part(directory, local), "the address");
        }
        let signature = signature_text(&message.body_text);
        add(
            directory.find_agencies(signature, TextKind::Prose),
            "the signature",
        );
        for attachment in &message.attachments {
            if let Some(text) = &attachment.text {
                add(
                    directory.find_agencies(head(text, LETTERHEAD_CHARS), TextKind::Prose),
                    "the letterhead of an attachment",
                );
            }
        }
        if official {
            // A prosecutor's office writing for the FBI, a task force: normal.
            return found.into_iter().map(|(m, _)| m).collect();
        }
        if let Some((first, place)) = found.first() {
            self.impersonation = true;
            let agency = directory
                .agency(first.agency)
                .map(|a| format!("{} ({})", a.name, a.country))
                .unwrap_or_default();
            let others: Vec<String> = found
                .iter()
                .skip(1)
                .filter_map(|(m, _)| directory.agency(m.agency).map(|a| a.name.clone()))
                .collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!("; also names {}", others.join(", "))
            };
            self.signal(
                codes::AGENCY_CLAIM_MISMATCH,
                Severity::Critical,
                format!(
                    "{place} names {agency} as {:?}, but the sender's domain is not a directory domain or restricted namespace{also}",
                    first.alias
                ),
            );
        }
        found.into_iter().map(|(m, _)| m).collect()
    }

    fn authentication(
        &mut self,
        message: &Message,
        config: &ClassifierConfig,
        forms: &DomainForms,
        official: bool,
    ) {
        let summary = auth::AuthSummary::from_headers(
            &message.authentication_results,
            &config.trusted_authserv_ids,
            &forms.ascii,
        );
        if !summary.untrusted_ids.is_empty() {
            self.signal(
                codes::AUTH_UNTRUSTED_HEADER,
                Severity::Low,
                format!(
                    "ignored Authentication-Results from untrusted authserv-id {}: anyone can write these headers",
                    summary.untrusted_ids.join(", ")
                ),
            );
        }
        if summary.trusted == 0 {
            let detail = if config.trusted_authserv_ids.is_empty() {
                "no trusted authserv-id is configured, so SPF, DKIM and DMARC are unknown"
                    .to_string()
            } else {
                format!(
                    "no Authentication-Results from a trusted server ({}): an archive import, or mail that did not pass our MX",
                    config.trusted_authserv_ids.join(", ")
                )
            };
            self.signal(codes::AUTH_MISSING, Severity::Low, detail);
            return;
        }
        if let Some(reason) = summary.spoof_reason() {
            let severity = if official {
                self.impersonation = true;
                Severity::Critical
            } else {
                Severity::High
            };
            self.signal(
                codes::AUTH_SPOOF,
                severity,
                format!(
                    "our mail server found the From {} forged: {reason}",
                    forms.unicode
                ),
            );
        } else {
            if summary.passed() {
                let what = match summary.dmarc.as_deref() {
                    Some("pass") => "DMARC passes",
                    _ => "SPF or DKIM passes (no DMARC result)",
                };
                self.signal(
                    codes::AUTH_PASS,
                    Severity::Info,
                    format!("our mail server authenticated {}: {what}", forms.unicode),
                );
            }
            if let Some(reason) = summary.partial_failure() {
                self.signal(
                    codes::AUTH_PARTIAL_FAIL,
                    Severity::Low,
                    format!("{reason}, but the message is not shown forged"),
                );
            }
        }
    }

    fn reply_to(&mut self, message: &Message, from: &DomainForms, official: bool) {
        if from.ascii.is_empty() {
            return;
        }
        let from_org = psl::domain_str(&from.ascii).unwrap_or(&from.ascii);
        for mailbox in &message.reply_to {
            let reply = domain_forms(&mailbox.domain());
            if reply.ascii.is_empty() {
                continue;
            }
            let reply_org = psl::domain_str(&reply.ascii).unwrap_or(&reply.ascii);
            if reply_org == from_org
                || self.directory.domain_match(&reply.ascii).is_some()
                || (!reply.is_idn && self.directory.namespace(&reply.ascii).is_some())
            {
                continue;
            }
            let severity = if official {
                self.impersonation = true;
                Severity::High
            } else {
                Severity::Medium
            };
            let provider = if self.directory.is_free_mail(&reply.ascii)
                || self.directory.is_disposable(&reply.ascii)
            {
                " (a public mail provider)"
            } else {
                ""
            };
            self.signal(
                codes::REPLY_TO_DIVERSION,
                severity,
                format!(
                    "replies would go to {}{provider}, outside {} and the directory",
                    mailbox.address.trim().to_lowercase(),
                    from.unicode
                ),
            );
            return;
        }
    }

    fn pressure(&mut self, message: &Message) {
        let subject = message.subject.as_deref().unwrap_or("");
        let mut found = language::scan(subject);
        let body = language::scan(&message.body_text);
        found.urgency = found.urgency.or(body.urgency);
        found.threat_to_life = found.threat_to_life.or(body.threat_to_life);
        if let Some(phrase) = found.urgency {
            self.signal(
                codes::URGENT_LANGUAGE,
                Severity::Low,
                format!("urgency wording: {phrase:?}"),
            );
        }
        if let Some(phrase) = found.threat_to_life {
            self.signal(
                codes::THREAT_TO_LIFE_LANGUAGE,
                Severity::Medium,
                format!("threat-to-life wording: {phrase:?}"),
            );
        }
    }
}

/// Words that, next to a short agency name in an address, make it a role account:
/// `fbi.emergency@` claims the FBI, `dea.miller@` is a person called Dea.
const ROLE_WORDS: &[&str] = &[
    "agent",
    "agents",
    "emergency",
    "officer",
    "police",
    "dept",
    "unit",
    "legal",
    "request",
    "requests",
    "lawenforcement",
    "le",
    "leo",
    "task",
    "force",
    "taskforce",
    "investigation",
    "investigations",
    "cyber",
    "field",
    "office",
    "division",
    "hq",
    "special",
    "response",
    "notice",
    "liaison",
    "team",
    "desk",
    "records",
    "subpoena",
    "subpoenas",
];

/// Agencies named in an address's local part. Addresses are lower-case, so short
/// aliases (`fbi`) only count beside a role word; long ones (`interpol`) always do.
fn find_in_local_part(directory: &Directory, local: &str) -> Vec<AliasMatch> {
    let spaced = local.replace(['.', '_', '-', '+'], " ");
    let role = spaced
        .split_whitespace()
        .any(|w| ROLE_WORDS.contains(&w.to_lowercase().as_str()));
    if role {
        directory.find_agencies(&spaced.to_uppercase(), TextKind::Identity)
    } else {
        directory.find_agencies(&spaced, TextKind::Prose)
    }
}

/// The end of the body, where the signature is, without a quoted earlier message.
static OWN_TEXT_END: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::text::compile(r"\n(?:>|-----Original Message-----)")
        .unwrap_or_else(|e| panic!("own text end regex: {e}"))
});

fn signature_text(body: &str) -> &str {
    // The own text ends at the first quote line ("\n>", which also finds "\n> ") or
    // Outlook separator: one vectorised literal search (`str::find` for the long
    // separator walked a megabyte body byte by byte).
    let end = OWN_TEXT_END.find(body).map_or(body.len(), |m| m.start());
    let own = body.get(..end).unwrap_or(body);
    tail(own, SIGNATURE_CHARS)
}

fn tail(text: &str, chars: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    text.get(start..).unwrap_or(text)
}

fn head(text: &str, chars: usize) -> &str {
    let end = text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i);
    text.get(..end).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_bands_keep_verdicts_apart() {
        let many = vec![Signal::new("x", Severity::Critical, ""); 10];
        assert_eq!(risk_score(Verdict::Verified, &many), 40);
        assert_eq!(risk_score(Verdict::Unverified, &many), 75);
        assert_eq!(risk_score(Verdict::Impersonation, &[]), 80);
        assert_eq!(risk_score(Verdict::Verified, &[]), 5);
    }

    #[test]
    fn tail_and_head_respect_characters() {
        assert_eq!(tail("abcdé", 2), "dé");
        assert_eq!(head("éabc", 2), "éa");
        assert_eq!(tail("ab", 10), "ab");
    }

    #[test]
    fn signature_stops_at_quoted_text() {
        let body = "Hello\n--\nJohn, FBI\n> quoted FBI text\n> more";
        assert!(signature_text(body).ends_with("John, FBI"));
    }
}
