//! The look-alike index: which directory domain does a domain imitate, and how.
//!
//! Built once when domains are added, queried per message with a handful of hash
//! lookups; never a scan of the directory. Every directory domain is a *target* with
//! a *core*: the labels left of its public suffix (or of its restricted namespace), with
//! dots and hyphens dropped (`fbi.gov` → `fbi`, `ice.dhs.gov` → `icedhs`,
//! `polizei.berlin.de` → `polizeiberlin`). Cores are compared by their visual key
//! ([`super::normalize::visual_key`]).
//!
//! Two tiers of targets:
//! - **agency** domains (built-in and operator agencies) get every check: same name under
//!   another suffix (TLD swap), homographs, edit distance 1 (2 for names of 8 or more
//!   characters) through a symmetric deletion index, hyphenation and concatenation, added
//!   words (`fbi-records-portal.com`, `secretservice-gov.net`) and embedding.
//! - **registry** domains (the 16,000 CISA .gov names, many of them ordinary words such
//!   as `data.gov` or `login.gov`) get only the checks that an honest domain cannot
//!   trip: homographs of the whole name, the name with a government word glued on
//!   (`cityofx-gov.com`), and embedding (`cityofx.gov.example.com`). A county sheriff
//!   that owns both `xsheriff.gov` and `xsheriff.org` is not flagged for it.

use super::normalize::{DomainForms, visual_key, visual_key_single};
use crate::text::hash::{FastMap, FastSet};
use std::collections::HashSet;

/// How much a target is trusted to be imitated on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    Agency,
    Registry,
}

/// How a domain resembles a directory domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// The directory domain appears whole inside a longer one (`fbi.gov.records-portal.com`).
    Embedded,
    /// Same visual form with different characters (`fbі.gov` with a Cyrillic і, `rn` for `m`).
    Homograph,
    /// The same name under another suffix (`fbi.us`).
    SuffixSwap,
    /// The same name split or joined by hyphens or dots (`f-bi.com`, `ice-dhs.com`).
    Hyphenation,
    /// Words added before or after the name (`fbi-gov.com`, `secretservice-gov.net`).
    AddedWords,
    /// One or two characters changed, added, removed or swapped.
    EditDistance,
}

impl Technique {
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Embedded => "embedded",
            Technique::Homograph => "homograph",
            Technique::SuffixSwap => "suffix_swap",
            Technique::Hyphenation => "hyphenation",
            Technique::AddedWords => "added_words",
            Technique::EditDistance => "edit_distance",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Technique::Embedded => "contains the directory domain inside a longer name",
            Technique::Homograph => "looks the same but uses different characters",
            Technique::SuffixSwap => "the same name under another suffix",
            Technique::Hyphenation => "the same name split or joined by hyphens or dots",
            Technique::AddedWords => "the name with words added",
            Technique::EditDistance => "differs by a typing error",
        }
    }
}

/// One resemblance found: the directory domain imitated and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resemblance {
    pub domain: String,
    pub technique: Technique,
    /// Edit distance between the visual keys (0 unless `EditDistance`).
    pub distance: u8,
}

impl Resemblance {
    pub fn explain(&self) -> String {
        match self.technique {
            Technique::EditDistance => format!(
                "resembles {} ({}: {} character edit{})",
                self.domain,
                self.technique.explain(),
                self.distance,
                if self.distance == 1 { "" } else { "s" }
            ),
            t => format!("resembles {} ({})", self.domain, t.explain()),
        }
    }
}

#[derive(Debug, Clone)]
struct Target {
    domain: String,
    /// The registrable domain (or namespace-relative name) the core was cut from.
    registrable: String,
    /// (visual key, plain spelling) of the core and of its agency-specific first label.
    keys: Vec<(String, String)>,
}

/// Words glued to an agency name by impersonators; stripped to find the name.
const ADDED_WORDS: &[&str] = &[
    "gov",
    "govt",
    "gouv",
    "gob",
    "police",
    "polizei",
    "www",
    "mail",
    "email",
    "secure",
    "login",
    "portal",
    "online",
    "official",
    "records",
    "request",
    "requests",
    "support",
    "verify",
    "verification",
    "dept",
    "department",
    "agency",
    "office",
    "team",
    "us",
    "usa",
    "uk",
    "eu",
    "int",
    "hq",
    "service",
    "services",
    "desk",
    "legal",
    "lawenforcement",
    "leo",
    "data",
    "report",
    "cyber",
    "unit",
    "center",
    "centre",
    "intl",
    "org",
    "net",
];

/// The words in [`ADDED_WORDS`] that make a registry (CISA) name into an impostor.
const GOVERNMENT_WORDS: &[&str] = &["gov", "govt", "gouv", "gob", "us", "usa"];

/// Generic first labels that say nothing about which agency a domain belongs to.
const GENERIC_LABELS: &[&str] = &[
    "police", "polizei", "policia", "politie", "mail", "www", "ec", "pec",
];

#[derive(Debug, Clone, Default)]
pub struct LookalikeIndex {
    targets: Vec<Target>,
    seen: HashSet<String>,
    /// Visual key of the whole registrable domain → targets (homographs, any tier).
    by_full: FastMap<String, Vec<u32>>,
    /// Visual key of the core → agency targets (with the index of the key).
    by_core: FastMap<String, Vec<(u32, u8)>>,
    /// Visual key of the core → registry targets (government-word variants only).
    registry_core: FastMap<String, Vec<u32>>,
    /// Deletion neighbourhood of agency cores → agency targets.
    deletions: FastMap<String, Vec<(u32, u8)>>,
    max_key_len: usize,
}

/// The part of `ascii` that names the organisation: its registrable domain, and the
/// labels left of the suffix. `namespace` is the restricted namespace it falls under.
pub(crate) fn split_domain<'a>(
    ascii: &'a str,
    namespace: Option<&str>,
) -> Option<(&'a str, &'a str)> {
    let suffix_len = match namespace {
        Some(ns) if ascii.len() > ns.len() => ns.len(),
        _ => icann_suffix(ascii).filter(|s| s.len() < ascii.len())?.len(),
    };
    let left = ascii.get(..ascii.len() - suffix_len - 1)?;
    let registrable = psl::domain_str(ascii).unwrap_or(ascii);
    Some((registrable, left))
}

/// The public suffix run by a registry (`com`), not a private one sold under it
/// (`gr.com`, `sa.com`): `f.gr.com` is still the name `fgr` under `.com`.
fn icann_suffix(ascii: &str) -> Option<&str> {
    let mut rest = ascii;
    loop {
        let suffix = psl::suffix(rest.as_bytes())?;
        let text = std::str::from_utf8(suffix.as_bytes()).ok()?;
        if suffix.typ() != Some(psl::Type::Private) {
            return ascii.get(ascii.len() - text.len()..);
        }
        rest = text.split_once('.')?.1;
    }
}

fn decode_label_text(left: &str) -> String {
    if left.split('.').any(|l| l.starts_with("xn--")) {
        idna::domain_to_unicode(left).0
    } else {
        left.to_string()
    }
}

/// Edits tolerated on a name of `key_len` characters. Single edits of three- and
/// four-letter names are mostly other real names (`gmx` and `gmp`, `me` and `met`), so
/// those only count as a swap of two neighbours or a doubled letter
/// ([`short_name_edit`]).
fn allowed_distance(key_len: usize) -> usize {
    match key_len {
        0..=2 => 0,
        3..=8 => 1,
        _ => 2,
    }
}

const SHORT_NAME: usize = 4;

/// For short names: `query` is `target` with two neighbours swapped or a letter doubled.
fn short_name_edit(query: &str, target: &str) -> bool {
    let q: Vec<char> = query.chars().collect();
    let t: Vec<char> = target.chars().collect();
    if q.len() == t.len() {
        let diff: Vec<usize> = (0..q.len()).filter(|i| q.get(*i) != t.get(*i)).collect();
        return match diff.as_slice() {
            [a, b] => *b == a + 1 && q.get(*a) == t.get(*b) && q.get(*b) == t.get(*a),
            _ => false,
        };
    }
    if q.len() == t.len() + 1 {
        return (1..q.len()).any(|i| {
            q.get(i) == q.get(i - 1) && {
                let mut without = q.clone();
                without.remove(i);
                without == t
            }
        });
    }
    false
}

fn deletion_variants(key: &str, depth: usize, out: &mut HashSet<String>) {
    if depth == 0 {
        return;
    }
    let chars: Vec<char> = key.chars().collect();
    for skip in 0..chars.len() {
        let variant: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| *c)
            .collect();
        if out.insert(variant.clone()) {
            deletion_variants(&variant, depth - 1, out);
        }
    }
}

impl LookalikeIndex {
    /// Index `domain` (canonical ASCII). `namespace` is the restricted namespace it lies
    /// in, when any. Adding a domain twice keeps the first tier.
    pub fn add(&mut self, domain: &str, namespace: Option<&str>, tier: Tier) {
        if !self.seen.insert(domain.to_string()) {
            return;
        }
        let Some((registrable, left)) = split_domain(domain, namespace) else {
            return;
        };
        let id = self.targets.len() as u32;
        let plain = left.replace(['.', '-'], "");
        let key = visual_key(&decode_label_text(left));
        let full_key = visual_key(&decode_label_text(domain));
        self.by_full.entry(full_key).or_default().push(id);
        let mut keys = vec![(key.clone(), plain)];
        match tier {
            Tier::Agency => {
                // `ice.dhs.gov` is also imitated as plain `ice`.
                if let Some((first, _)) = left.split_once('.')
                    && first.len() >= 3
                    && !GENERIC_LABELS.contains(&first)
                {
                    keys.push((
                        visual_key(&decode_label_text(first)),
                        first.replace('-', ""),
                    ));
                }
                // The same names without the two-letter merges, for typing errors.
                let singles: Vec<(String, String)> = keys
                    .iter()
                    .map(|(_, plain)| (visual_key_single(plain), plain.clone()))
                    .filter(|single| !keys.contains(single))
                    .collect();
                keys.extend(singles);
                for (n, (k, _)) in keys.iter().enumerate() {
                    self.add_agency_key(k, id, n as u8);
                }
            }
            Tier::Registry => {
                self.registry_core.entry(key).or_default().push(id);
            }
        }
        self.targets.push(Target {
            domain: domain.to_string(),
            registrable: registrable.to_string(),
            keys,
        });
    }

    fn add_agency_key(&mut self, key: &str, id: u32, n: u8) {
        let len = key.chars().count();
        // Two-letter names (`ec`, `om`, `pj`) are only matched as whole-name homographs:
        // `om.com` or `gov-ec.com` say nothing about the agency.
        if len < 3 {
            return;
        }
        self.max_key_len = self.max_key_len.max(len);
        self.by_core
            .entry(key.to_string())
            .or_default()
            .push((id, n));
        let mut variants = HashSet::new();
        variants.insert(key.to_string());
        deletion_variants(key, allowed_distance(len), &mut variants);
        for v in variants {
            self.deletions.entry(v).or_default().push((id, n));
        }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Directory domains that `domain` imitates, best evidence first. `is_directory`
    /// answers whether a name is a directory domain (for embedding); the caller has
    /// already established that `domain` itself is not one.
    pub fn resemblances(
        &self,
        domain: &DomainForms,
        namespace: Option<&str>,
        is_directory: &dyn Fn(&str) -> bool,
    ) -> Vec<Resemblance> {
        let mut found: Vec<Resemblance> = Vec::new();
        // One resemblance per directory domain: the clearest technique.
        let push = |found: &mut Vec<Resemblance>, target: &Target, technique, distance| match found
            .iter_mut()
            .find(|r| r.domain == target.domain)
        {
            Some(existing) if (technique, distance) < (existing.technique, existing.distance) => {
                existing.technique = technique;
                existing.distance = distance;
            }
            Some(_) => {}
            None => found.push(Resemblance {
                domain: target.domain.clone(),
                technique,
                distance,
            }),
        };

        for (embedded, as_written) in embedded_directory_domains(&domain.ascii, is_directory) {
            // Only read with hyphens as dots (`fbi-gov.com`): words added to the name.
            let technique = if as_written {
                Technique::Embedded
            } else {
                Technique::AddedWords
            };
            found.push(Resemblance {
                domain: embedded,
                technique,
                distance: 0,
            });
        }

        let Some((registrable, left)) = split_domain(&domain.ascii, namespace) else {
            return found;
        };
        let own_registrable = |t: &Target| t.registrable == registrable || t.domain == registrable;

        // Homograph of the whole name, any tier.
        let full_key = visual_key(&domain.unicode);
        for id in self.by_full.get(&full_key).into_iter().flatten() {
            if let Some(t) = self.targets.get(*id as usize)
                && t.domain != domain.ascii
            {
                push(&mut found, t, Technique::Homograph, 0);
            }
        }

        let joined_key = visual_key(&decode_label_text(left));
        let plain = left.replace(['.', '-'], "");
        let registrable_label = left.rsplit('.').next().unwrap_or(left);
        let label_key = visual_key(&decode_label_text(registrable_label));
        let label_single = visual_key_single(&decode_label_text(registrable_label));
        let joined_single = visual_key_single(&decode_label_text(left));

        // Same name (visually) as an agency core.
        for key in [&label_key, &joined_key, &label_single, &joined_single] {
            for (id, n) in self.by_core.get(key).into_iter().flatten() {
                let Some(t) = self.targets.get(*id as usize) else {
                    continue;
                };
                if own_registrable(t) {
                    continue;
                }
                let spelt = t.keys.get(*n as usize).map_or("", |(_, p)| p.as_str());
                let technique = if domain.is_idn
                    || (spelt != plain && spelt != registrable_label.replace('-', ""))
                {
                    Technique::Homograph
                } else if spelt == registrable_label {
                    Technique::SuffixSwap
                } else {
                    Technique::Hyphenation
                };
                push(&mut found, t, technique, 0);
            }
        }

        // Registry names: only a homograph core or a glued government word.
        if domain.is_idn {
            for id in self.registry_core.get(&label_key).into_iter().flatten() {
                if let Some(t) = self.targets.get(*id as usize)
                    && !own_registrable(t)
                {
                    push(&mut found, t, Technique::Homograph, 0);
                }
            }
        }

        // A hyphenated name with an agency name as one of its words (`bka-de.com`).
        if registrable_label.contains('-') {
            for word in registrable_label.split('-').filter(|w| w.len() >= 3) {
                let key = visual_key(&decode_label_text(word));
                for (id, _) in self.by_core.get(&key).into_iter().flatten() {
                    if let Some(t) = self.targets.get(*id as usize)
                        && !own_registrable(t)
                    {
                        push(&mut found, t, Technique::AddedWords, 0);
                    }
                }
            }
        }

        // Keys already checked for typing errors.
        let mut typo_checked: Vec<String> = Vec::new();

        // Added words, hyphen-separated or glued.
        let mut stripped_variants = strip_added_words(registrable_label);
        if left.contains('.') {
            stripped_variants.extend(strip_added_words(&left.replace('.', "-")));
        }
        for (stripped, words) in stripped_variants {
            let key = visual_key(&decode_label_text(&stripped));
            for (id, _) in self.by_core.get(&key).into_iter().flatten() {
                if let Some(t) = self.targets.get(*id as usize)
                    && !own_registrable(t)
                {
                    push(&mut found, t, Technique::AddedWords, 0);
                }
            }
            if words.iter().any(|w| GOVERNMENT_WORDS.contains(w)) {
                for id in self.registry_core.get(&key).into_iter().flatten() {
                    if let Some(t) = self.targets.get(*id as usize)
                        && !own_registrable(t)
                    {
                        push(&mut found, t, Technique::AddedWords, 0);
                    }
                }
            }
            if key.chars().count() >= 5 && !typo_checked.contains(&key) {
                self.edit_distance_matches(&key, &mut |t, d| {
                    if !own_registrable(t) {
                        push(&mut found, t, Technique::EditDistance, d);
                    }
                });
                typo_checked.push(key);
            }
        }

        // Typing errors on the name. The same key checked twice finds the same targets
        // at the same distances, so each key is checked once.
        for key in [&label_key, &joined_key, &label_single, &joined_single] {
            if typo_checked.contains(key) {
                continue;
            }
            typo_checked.push(key.clone());
            self.edit_distance_matches(key, &mut |t, d| {
                if !own_registrable(t) {
                    push(&mut found, t, Technique::EditDistance, d);
                }
            });
        }

        found.sort_by_key(|r| (r.technique, r.distance));
        found
    }

    fn edit_distance_matches(&self, key: &str, on_match: &mut dyn FnMut(&Target, u8)) {
        let chars: Vec<char> = key.chars().collect();
        let len = chars.len();
        if len < 2 || len > self.max_key_len + 2 {
            return;
        }
        // The key and every variant with one or two characters deleted, looked up as
        // they are spelt into one buffer: no set of variants, no string per variant.
        // A target reached through several variants is judged once.
        let mut checked: FastSet<(u32, u8)> = FastSet::default();
        let mut visit = |variant: &str| {
            for &(id, n) in self.deletions.get(variant).into_iter().flatten() {
                if !checked.insert((id, n)) {
                    continue;
                }
                let Some(target) = self.targets.get(id as usize) else {
                    continue;
                };
                let Some((target_key, _)) = target.keys.get(n as usize) else {
                    continue;
                };
                let distance = strsim::osa_distance(key, target_key);
                let target_len = target_key.chars().count();
                let allowed = allowed_distance(target_len);
                let short_ok = target_len > SHORT_NAME || short_name_edit(key, target_key);
                if distance > 0 && distance <= allowed && short_ok {
                    on_match(target, distance as u8);
                }
            }
        };
        visit(key);
        let two = len > 2;
        let mut variant = String::with_capacity(key.len());
        for first in 0..len {
            spell_without(&chars, first, usize::MAX, &mut variant);
            visit(&variant);
            if two {
                for second in first + 1..len {
                    spell_without(&chars, first, second, &mut variant);
                    visit(&variant);
                }
            }
        }
    }
}

/// `chars` without the characters at `skip_a` and `skip_b`, into `out`.
fn spell_without(chars: &[char], skip_a: usize, skip_b: usize, out: &mut String) {
    out.clear();
    for (i, c) in chars.iter().enumerate() {
        if i != skip_a && i != skip_b {
            out.push(*c);
        }
    }
}

/// Variants of `label` with impersonators' words removed from either end, each with the
/// words removed. `fbi-records-portal` gives `fbi-records` and `fbi`.
fn strip_added_words(label: &str) -> Vec<(String, Vec<&'static str>)> {
    let mut out: Vec<(String, Vec<&'static str>)> = Vec::new();
    let mut frontier = vec![(label.to_string(), Vec::new())];
    for _ in 0..3 {
        let mut next = Vec::new();
        for (current, words) in &frontier {
            for word in ADDED_WORDS {
                for stripped in strip_once(current, word) {
                    if stripped.len() < 3 || out.iter().any(|(s, _)| *s == stripped) {
                        continue;
                    }
                    let mut w: Vec<&'static str> = words.clone();
                    w.push(word);
                    out.push((stripped.clone(), w.clone()));
                    next.push((stripped, w));
                }
            }
        }
        if next.is_empty() || out.len() > 24 {
            break;
        }
        frontier = next;
    }
    out
}

fn strip_once(label: &str, word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(rest) = label.strip_suffix(word) {
        out.push(rest.trim_end_matches('-').to_string());
    }
    if let Some(rest) = label.strip_prefix(word) {
        out.push(rest.trim_start_matches('-').to_string());
    }
    out
}

/// Directory domains that appear whole inside `ascii` without being its end:
/// `fbi.gov.records-portal.com` and `fbi-gov.records.com` embed `fbi.gov`.
fn embedded_directory_domains(
    ascii: &str,
    is_directory: &dyn Fn(&str) -> bool,
) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let labels: Vec<&str> = ascii.split('.').collect();
    for_each_span(&labels, &mut |candidate| {
        if is_directory(candidate) && !out.iter().any(|(c, _)| c == candidate) {
            out.push((candidate.to_string(), true));
        }
    });
    if ascii.contains('-') {
        // Hyphens read as dots, and every joining of up to four labels by dots or
        // hyphens, so `rcmp-grc-gc-ca.records.net` contains `rcmp-grc.gc.ca`.
        let dotted = ascii.replace('-', ".");
        let labels: Vec<&str> = dotted.split('.').collect();
        for_each_span(&labels, &mut |candidate| {
            let mut joins = vec![candidate.to_string()];
            let parts: Vec<&str> = candidate.split('.').collect();
            if parts.len() <= 4 {
                joins = (0..1usize << (parts.len() - 1))
                    .map(|mask| {
                        let mut joined = String::new();
                        for (k, part) in parts.iter().enumerate() {
                            if k > 0 {
                                joined.push(if mask & (1 << (k - 1)) != 0 { '-' } else { '.' });
                            }
                            joined.push_str(part);
                        }
                        joined
                    })
                    .collect();
            }
            for joined in joins {
                if is_directory(&joined) && !out.iter().any(|(c, _)| *c == joined) {
                    out.push((joined, false));
                }
            }
        });
    }
    out
}

/// Every run of two or more labels that has at least one label after it.
fn for_each_span(labels: &[&str], visit: &mut dyn FnMut(&str)) {
    let n = labels.len();
    for start in 0..n {
        for end in (start + 2)..n {
            if let Some(slice) = labels.get(start..end) {
                visit(&slice.join("."));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::normalize::domain_forms;

    fn index() -> LookalikeIndex {
        let mut index = LookalikeIndex::default();
        index.add("fbi.gov", Some("gov"), Tier::Agency);
        index.add("secretservice.gov", Some("gov"), Tier::Agency);
        index.add("ice.dhs.gov", Some("gov"), Tier::Agency);
        index.add("met.police.uk", Some("police.uk"), Tier::Agency);
        index.add("data.gov", Some("gov"), Tier::Registry);
        index
    }

    fn techniques(index: &LookalikeIndex, domain: &str) -> Vec<(String, Technique)> {
        let directory = ["fbi.gov", "secretservice.gov", "ice.dhs.gov", "data.gov"];
        let is_directory = |d: &str| directory.contains(&d);
        index
            .resemblances(&domain_forms(domain), None, &is_directory)
            .into_iter()
            .map(|r| (r.domain, r.technique))
            .collect()
    }

    #[test]
    fn finds_each_technique() {
        let i = index();
        let first = |d: &str| techniques(&i, d).first().cloned();
        assert_eq!(
            first("fbi.gov.records-portal.com"),
            Some(("fbi.gov".into(), Technique::Embedded))
        );
        assert_eq!(
            first("fbi.us"),
            Some(("fbi.gov".into(), Technique::SuffixSwap))
        );
        assert_eq!(first("fbі.com").map(|f| f.0), Some("fbi.gov".to_string()));
        assert_eq!(
            first("f-bi.com"),
            Some(("fbi.gov".into(), Technique::Hyphenation))
        );
        assert_eq!(
            first("secretservice-gov.net"),
            Some(("secretservice.gov".into(), Technique::AddedWords))
        );
        assert_eq!(
            first("secretservlce.com"),
            Some(("secretservice.gov".into(), Technique::Homograph))
        );
        assert_eq!(
            first("secretsevrice.com"),
            Some(("secretservice.gov".into(), Technique::EditDistance))
        );
        assert_eq!(
            first("fbigov.us"),
            Some(("fbi.gov".into(), Technique::AddedWords))
        );
        assert_eq!(
            first("ice-dhs.com").map(|f| f.0),
            Some("ice.dhs.gov".into())
        );
        assert_eq!(
            first("rnet.police.com").map(|f| f.0),
            Some("met.police.uk".into())
        );
    }

    #[test]
    fn registry_names_only_flag_glued_government_words() {
        let i = index();
        assert!(techniques(&i, "data.com").is_empty());
        assert!(techniques(&i, "dota.com").is_empty());
        assert_eq!(
            techniques(&i, "data-gov.com").first().map(|f| f.0.clone()),
            Some("data.gov".to_string())
        );
    }

    #[test]
    fn unrelated_domains_are_clean() {
        let i = index();
        for d in [
            "example.com",
            "gmail.com",
            "lawfirm-smith.com",
            "kraken.com",
        ] {
            assert!(techniques(&i, d).is_empty(), "{d}");
        }
    }
}
