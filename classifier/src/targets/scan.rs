//! Finding identifier candidates in one piece of text and validating them. Candidates
//! are claimed by the most specific kind first so that one string is never two targets.

use super::crypto::{self, Base58Kind, EthError, SegwitChain};
use super::{iban, phone};
use regex::{Regex, RegexSet};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

/// A validated identifier found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: &'static str,
    pub value: String,
    pub start: usize,
    /// Inside a signature block or letterhead: the writer's own contact details.
    pub in_contact_zone: bool,
}

/// A string that looks like an identifier but fails its checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub kind: &'static str,
    pub written: String,
}

#[derive(Debug, Default)]
pub struct Found {
    pub valid: Vec<Candidate>,
    pub invalid: Vec<Invalid>,
}

fn re(pattern: &str) -> Regex {
    crate::text::compile(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?}: {e}"))
}

const BASE58_PATTERN: &str = r"\b[13LMTr][1-9A-HJ-NP-Za-km-z]{24,34}\b";
static BASE58: LazyLock<Regex> = LazyLock::new(|| re(BASE58_PATTERN));
const BECH32_PATTERN: &str = r"(?i)\b(?:bc|ltc)1[02-9ac-hj-np-z]{6,87}\b";
static BECH32: LazyLock<Regex> = LazyLock::new(|| re(BECH32_PATTERN));
const ETH_PATTERN: &str = r"\b0x[0-9a-fA-F]{40}\b";
static ETH: LazyLock<Regex> = LazyLock::new(|| re(ETH_PATTERN));
const TX_PATTERN: &str = r"\b(?:0[xX])?[0-9a-fA-F]{64}\b";
static TX: LazyLock<Regex> = LazyLock::new(|| re(TX_PATTERN));
const SOLANA_PATTERN: &str = r"\b[1-9A-HJ-NP-Za-km-z]{32,44}\b";
static SOLANA: LazyLock<Regex> = LazyLock::new(|| re(SOLANA_PATTERN));
static SOLANA_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bsolana\b|\bSOL\b"));
static FILE_HASH_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)sha-?(?:1|256|512)|md5|fingerprint|checksum|hashwert|empreinte"));
const IBAN_PATTERN: &str = r"\b[A-Z]{2}[0-9]{2}(?:[ \u{a0}]?[A-Z0-9]){11,31}\b";
static IBAN: LazyLock<Regex> = LazyLock::new(|| re(IBAN_PATTERN));
const EMAIL_PATTERN: &str = r"(?i)\b[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*\.[a-z]{2,24}\b";
static EMAIL: LazyLock<Regex> = LazyLock::new(|| re(EMAIL_PATTERN));
const IPV4_PATTERN: &str = r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b";
static IPV4: LazyLock<Regex> = LazyLock::new(|| re(IPV4_PATTERN));
/// "version 1.2.5.1", "v10.0.0.1": a dotted quad that is a version number.
static VERSION_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?:\bversion|\brelease|\bbuild|\bv)\s*$"));
const IPV6_PATTERN: &str = r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}";
static IPV6: LazyLock<Regex> = LazyLock::new(|| re(IPV6_PATTERN));
const PHONE_INTERNATIONAL_PATTERN: &str = r"(?:\+|\b00)[1-9][0-9 ()\-./\u{a0}]{6,22}[0-9]";
static PHONE_INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| re(PHONE_INTERNATIONAL_PATTERN));
const PHONE_NATIONAL_PATTERN: &str = r"\(?\b[0-9][0-9 ()\-./\u{a0}]{5,18}[0-9]";
static PHONE_NATIONAL: LazyLock<Regex> = LazyLock::new(|| re(PHONE_NATIONAL_PATTERN));
static PHONE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:phone|telephone|tel|mobile|cell(?:phone)?|handy|telefon|telefonnummer|rufnummer|mobilnummer|mobilfunknummer|t[ée]l[ée]phone|portable|t[ée]l|tel[ée]fono|m[óo]vil|cellulare|telefoon|telefoonnummer|mobiel|telem[óo]vel|telefone|celular|whatsapp|signal|telegram)\b",
    )
});
/// A line where the writer gives their own details, wherever it sits.
static OWN_CONTACT_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:fax|reach\s+me|contact\s+me|call\s+me|my\s+(?:direct\s+)?(?:line|number|phone|cell|mobile|e-?mail)|erreichen\s+sie\s+mich|mich\s+erreichen|me\s+joindre|me\s+contacter|contactarme|contattarmi|bereikbaar|contactar-me|contacte-me|durchwahl|direct\s+(?:all\s+)?(?:future\s+)?(?:correspondence|communications?|productions?)|send\s+(?:all\s+)?(?:future\s+)?(?:correspondence|productions?))\b",
    )
});

/// The candidate patterns that a scan runs over the whole text, as one set: a text
/// usually holds few kinds of identifier, and one pass tells which.
const SCANNED: [&str; 11] = [
    ETH_PATTERN,
    TX_PATTERN,
    BECH32_PATTERN,
    BASE58_PATTERN,
    SOLANA_PATTERN,
    IBAN_PATTERN,
    EMAIL_PATTERN,
    IPV4_PATTERN,
    IPV6_PATTERN,
    PHONE_INTERNATIONAL_PATTERN,
    PHONE_NATIONAL_PATTERN,
];

static SCANNED_SET: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| crate::text::compile_set(&SCANNED).ok());

/// Which of [`SCANNED`] match somewhere in `text` (all of them if the set is missing).
fn present(text: &str) -> [bool; SCANNED.len()] {
    let mut out = [true; SCANNED.len()];
    if let Some(set) = SCANNED_SET.as_ref() {
        let matches = set.matches(text);
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = matches.matched(i);
        }
    }
    out
}

/// Scan `text` for identifiers. `country` reads national phone numbers; `zones` are the
/// writer's contact blocks; `accounts` are the exchange's account-ID patterns.
pub fn scan(
    text: &str,
    country: Option<&str>,
    zones: &[Range<usize>],
    accounts: &[Regex],
) -> Found {
    let mut scanner = Scanner {
        text,
        zones,
        present: present(text),
        claimed: BTreeMap::new(),
        invalid_seen: HashSet::new(),
        found: Found::default(),
    };
    scanner.crypto();
    scanner.iban();
    scanner.emails();
    scanner.accounts(accounts);
    scanner.ips();
    scanner.phones(country);
    scanner.found.valid.sort_by_key(|c| c.start);
    scanner.found
}

struct Scanner<'a> {
    text: &'a str,
    zones: &'a [Range<usize>],
    /// Which of [`SCANNED`] occur in the text at all.
    present: [bool; SCANNED.len()],
    /// Claimed ranges by start; they never overlap, so the last one starting before
    /// a range's end is the only one that can overlap it.
    claimed: BTreeMap<usize, usize>,
    invalid_seen: HashSet<(&'static str, String)>,
    found: Found,
}

impl Scanner<'_> {
    fn free(&self, range: &Range<usize>) -> bool {
        self.claimed
            .range(..range.end)
            .next_back()
            .is_none_or(|(_, &end)| end <= range.start)
    }

    fn accept(&mut self, kind: &'static str, value: String, range: Range<usize>) {
        if !self.free(&range) {
            return;
        }
        let in_contact_zone = crate::text::in_zones(self.zones, range.start)
            || OWN_CONTACT_CONTEXT.is_match(self.line_before(range.start));
        self.claimed.insert(range.start, range.end);
        self.found.valid.push(Candidate {
            kind,
            value,
            start: range.start,
            in_contact_zone,
        });
    }

    fn reject(&mut self, kind: &'static str, written: &str, range: Range<usize>) {
        if !self.free(&range) {
            return;
        }
        self.claimed.insert(range.start, range.end);
        if self.invalid_seen.insert((kind, written.to_string())) {
            self.found.invalid.push(Invalid {
                kind,
                written: written.to_string(),
            });
        }
    }

    /// The line around `at`, from its start to its end, at most [`CONTEXT`] bytes
    /// either side (so that text without line breaks stays linear to scan).
    fn line_of(&self, at: usize) -> &str {
        let start = self.line_start(at);
        let limit = floor_boundary(self.text, at.saturating_add(CONTEXT).min(self.text.len()));
        let end = self
            .text
            .get(at..limit)
            .and_then(|t| t.find('\n'))
            .map_or(limit, |i| at + i);
        self.text.get(start..end).unwrap_or("")
    }

    /// The line up to `at` (at most [`CONTEXT`] bytes of it).
    fn line_before(&self, at: usize) -> &str {
        self.text.get(self.line_start(at)..at).unwrap_or("")
    }

    fn line_start(&self, at: usize) -> usize {
        let from = ceil_boundary(self.text, at.saturating_sub(CONTEXT));
        self.text
            .get(from..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(from, |i| from + i + 1)
    }

    fn crypto(&mut self) {
        let text = self.text;
        for m in when(self.present[0], &ETH, text) {
            match crypto::eth_address(m.as_str()) {
                Ok(value) => self.accept("eth_address", value, m.range()),
                Err(EthError::BadChecksum) => self.reject("eth_address", m.as_str(), m.range()),
                Err(EthError::Malformed) => {}
            }
        }
        for m in when(self.present[1], &TX, text) {
            if !self.free(&m.range()) || FILE_HASH_CONTEXT.is_match(self.line_of(m.start())) {
                continue;
            }
            if crypto::tx_hash(m.as_str()) {
                self.accept("tx_hash", m.as_str().to_string(), m.range());
            }
        }
        for m in when(self.present[2], &BECH32, text) {
            match crypto::segwit_address(m.as_str()) {
                Some((SegwitChain::Bitcoin, value)) => self.accept("btc_address", value, m.range()),
                Some((SegwitChain::Litecoin, value)) => {
                    self.accept("ltc_address", value, m.range())
                }
                None if m.as_str().len() >= 26 => {
                    let kind = if m.as_str().to_ascii_lowercase().starts_with("ltc") {
                        "ltc_address"
                    } else {
                        "btc_address"
                    };
                    self.reject(kind, m.as_str(), m.range());
                }
                None => {}
            }
        }
        for m in when(self.present[3], &BASE58, text) {
            if !self.free(&m.range()) {
                continue;
            }
            let s = m.as_str();
            if s.starts_with('r') {
                if crypto::xrp_address(s) {
                    self.accept("xrp_address", s.to_string(), m.range());
                } else if looks_random(s) {
                    self.reject("xrp_address", s, m.range());
                }
                continue;
            }
            match crypto::base58_address(s) {
                Some(Base58Kind::Bitcoin) => self.accept("btc_address", s.to_string(), m.range()),
                Some(Base58Kind::Litecoin) => self.accept("ltc_address", s.to_string(), m.range()),
                Some(Base58Kind::Tron) => self.accept("tron_address", s.to_string(), m.range()),
                None if looks_random(s) => {
                    let kind = match s.chars().next() {
                        Some('T') => "tron_address",
                        Some('L' | 'M') => "ltc_address",
                        _ => "btc_address",
                    };
                    self.reject(kind, s, m.range());
                }
                None => {}
            }
        }
        for m in when(self.present[4], &SOLANA, text) {
            if self.free(&m.range())
                && SOLANA_CONTEXT.is_match(self.line_of(m.start()))
                && looks_random(m.as_str())
                && crypto::solana_address(m.as_str())
            {
                self.accept("sol_address", m.as_str().to_string(), m.range());
            }
        }
    }

    fn iban(&mut self) {
        let text = self.text;
        for m in when(self.present[5], &IBAN, text) {
            if !self.free(&m.range()) {
                continue;
            }
            let written = m.as_str();
            match best_iban(written) {
                Some((value, written_len)) => {
                    self.accept("iban", value, m.start()..m.start() + written_len)
                }
                None => {
                    let country = written.get(..2).unwrap_or("");
                    if iban::country_length(country).is_some() {
                        self.reject("iban", written, m.range());
                    }
                }
            }
        }
    }

    fn emails(&mut self) {
        let text = self.text;
        for m in when(self.present[6], &EMAIL, text) {
            if self.free(&m.range()) {
                self.accept("email", m.as_str().to_ascii_lowercase(), m.range());
            }
        }
    }

    fn accounts(&mut self, accounts: &[Regex]) {
        let text = self.text;
        for pattern in accounts {
            for caps in pattern.captures_iter(text) {
                let Some(m) = caps.get(1).or_else(|| caps.get(0)) else {
                    continue;
                };
                if !m.is_empty() && self.free(&m.range()) {
                    self.accept("account_id", m.as_str().to_string(), m.range());
                }
            }
        }
    }

    fn ips(&mut self) {
        let text = self.text;
        for m in when(self.present[7], &IPV4, text) {
            let before = text.get(..m.start()).and_then(|t| t.chars().next_back());
            let after = text
                .get(m.end()..)
                .map(|t| t.chars().take(2).collect::<String>());
            let dotted_more = before == Some('.')
                || after.as_deref().is_some_and(|a| {
                    a.starts_with('.') && a.chars().nth(1).is_some_and(|c| c.is_ascii_digit())
                });
            if dotted_more
                || !self.free(&m.range())
                || VERSION_BEFORE.is_match(self.line_before(m.start()))
            {
                continue;
            }
            if let Ok(ip) = m.as_str().parse::<std::net::Ipv4Addr>()
                && !(ip.is_unspecified() || ip.is_broadcast() || ip.is_loopback())
            {
                self.accept("ip_address", ip.to_string(), m.range());
            }
        }
        for m in when(self.present[8], &IPV6, text) {
            if !m.as_str().contains("::") && m.as_str().matches(':').count() < 7 {
                continue;
            }
            if !self.free(&m.range()) {
                continue;
            }
            if let Ok(ip) = m.as_str().parse::<std::net::Ipv6Addr>()
                && !(ip.is_unspecified() || ip.is_loopback())
            {
                self.accept("ip_address", ip.to_string(), m.range());
            }
        }
    }

    fn phones(&mut self, country: Option<&str>) {
        let text = self.text;
        for m in when(self.present[9], &PHONE_INTERNATIONAL, text) {
            if !self.free(&m.range()) || preceded_by_word_char(text, m.start()) {
                continue;
            }
            if let Some(value) = phone::to_e164(m.as_str(), None) {
                self.accept("phone", value, m.range());
            }
        }
        for m in when(self.present[10], &PHONE_NATIONAL, text) {
            if !self.free(&m.range()) || preceded_by_word_char(text, m.start()) {
                continue;
            }
            let line = self.line_before(m.start());
            let labelled = PHONE_LABEL
                .find_iter(line)
                .last()
                .is_some_and(|label| line.len() - label.end() <= 40);
            if !labelled {
                continue;
            }
            if let Some(value) = phone::to_e164(m.as_str(), country) {
                self.accept("phone", value, m.range());
            }
        }
    }
}

/// The matches of `re` in `text`, or none without looking when `on` is false.
fn when<'t>(on: bool, re: &Regex, text: &'t str) -> impl Iterator<Item = regex::Match<'t>> {
    on.then(|| re.find_iter(text)).into_iter().flatten()
}

/// How far around a candidate its line is read for context words.
const CONTEXT: usize = 200;

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn preceded_by_word_char(text: &str, at: usize) -> bool {
    text.get(..at)
        .and_then(|t| t.chars().next_back())
        .is_some_and(|c| c.is_alphanumeric() || c == '+' || c == '-' || c == '/')
}

/// Real addresses mix digits and both cases; words that merely fit the alphabet do not.
/// Only such strings count as mistyped identifiers.
fn looks_random(s: &str) -> bool {
    let digits = s.chars().skip(1).any(|c| c.is_ascii_digit());
    let upper = s.chars().skip(1).any(|c| c.is_ascii_uppercase());
    let lower = s.chars().skip(1).any(|c| c.is_ascii_lowercase());
    digits && upper && lower
}

/// The valid IBAN at the start of `written` (which may run on into following words),
/// with how many bytes of `written` it spans.
fn best_iban(written: &str) -> Option<(String, usize)> {
    // Candidate ends: after each space-separated group, longest first.
    let mut ends: Vec<usize> = written
        .char_indices()
        .filter(|(_, c)| *c == ' ' || *c == '\u{a0}')
        .map(|(i, _)| i)
        .collect();
    ends.push(written.len());
    for &end in ends.iter().rev() {
        let part = written.get(..end)?;
        let compact: String = part.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if iban::valid(&compact) {
            return Some((compact, end));
        }
    }
    // Unspaced IBANs run straight into nothing; spaced ones may have a 2-char last group.
    let compact: String = written
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let len = iban::country_length(compact.get(..2)?)?;
    let head = compact.get(..len)?;
    if iban::valid(head) {
        // Map `len` alphanumerics back to a byte length in `written`.
        let mut count = 0;
        for (i, c) in written.char_indices() {
            if c.is_ascii_alphanumeric() {
                count += 1;
                if count == len {
                    return Some((head.to_string(), i + c.len_utf8()));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, country: Option<&str>) -> Vec<(String, String)> {
        scan(text, country, &[], &[])
            .valid
            .into_iter()
            .map(|c| (c.kind.to_string(), c.value))
            .collect()
    }

    #[test]
    fn finds_each_kind() {
        let text = "Wallets 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4, \
            ETH 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed, Tron TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, \
            IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX, mail Suspect@Example.COM, \
            IP 203.0.113.7, phone +49 151 23456789.";
        let found = kinds(text, None);
        let expect = [
            ("btc_address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
            ("btc_address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
            ("eth_address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            ("tron_address", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
            ("iban", "DE89370400440532013000"),
            ("email", "suspect@example.com"),
            ("ip_address", "203.0.113.7"),
            ("phone", "+4915123456789"),
        ];
        assert_eq!(
            found,
            expect
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn lookalikes_are_counted_not_found() {
        let text = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD DE89370400440532013001";
        let found = scan(text, None, &[], &[]);
        assert!(found.valid.is_empty(), "{:?}", found.valid);
        assert_eq!(found.invalid.len(), 3);
    }

    #[test]
    fn national_phone_needs_a_label_and_a_country() {
        assert_eq!(
            kinds("Mobilnummer: 0151 23456789", Some("DE")),
            vec![("phone".to_string(), "+4915123456789".to_string())]
        );
        assert!(kinds("Aktenzeichen 0151 23456789", Some("DE")).is_empty());
        assert!(kinds("Mobilnummer: 0151 23456789", None).is_empty());
    }

    #[test]
    fn file_hashes_and_version_numbers_are_not_targets() {
        let h = "a".repeat(64);
        assert!(kinds(&format!("SHA-256 of the export: {h}"), None).is_empty());
        assert_eq!(kinds(&format!("tx {h}"), None).len(), 1);
        assert!(kinds("version 1.2.3.4.5", None).is_empty());
        assert!(kinds("Mutt version 1.2.5.1 (2000-07-28)", None).is_empty());
        assert!(kinds("build v10.0.0.1", None).is_empty());
        assert_eq!(kinds("from 10.0.0.1", None).len(), 1);
    }

    #[test]
    fn ipv6_is_compressed() {
        assert_eq!(
            kinds("login from 2001:DB8:0:0:0:0:0:1 at 10:30:00", None),
            vec![("ip_address".to_string(), "2001:db8::1".to_string())]
        );
    }
}
