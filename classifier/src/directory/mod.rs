//! The verified-agency directory: restricted government namespaces, agencies with their
//! aliases and mail domains, the CISA .gov register, free-mail and disposable providers,
//! operator-verified agent addresses and blocked senders, plus the indexes that answer
//! "which agency is this" and "what does this domain imitate" per message without
//! scanning.
//!
//! Built-in data lives in `classifier/data/` and is compiled in. Operators add to it:
//! - [`Directory::import_cisa_csv`]: CISA's .gov register ([`cisa`]).
//! - [`Directory::import_operator_toml`]: extra agencies, namespaces, verified addresses,
//!   blocked senders and domains, providers ([`operator`] documents the format).
//!
//! Lookups (all take a domain in either spelling, UTF-8 or punycode):
//! - [`Directory::restricted_namespace`] / [`Directory::namespace`]: the namespace a
//!   domain falls under, with its country.
//! - [`Directory::domain_match`]: the directory domain a domain is, or is a subdomain of,
//!   with its agencies or CISA organisation.
//! - [`Directory::agencies_for_domain`], [`Directory::agency_by_id`], [`Directory::agencies`].
//! - [`Directory::is_free_mail`], [`Directory::is_disposable`], [`Directory::is_blocked_address`],
//!   [`Directory::is_blocked_domain`], [`Directory::verified_address`].
//! - [`Directory::lookalikes`]: directory domains a domain imitates, and how.
//! - [`Directory::find_agencies`]: agencies named in a text.
//! - [`Directory::describe`]: everything the directory knows about a domain or address.

pub mod aliases;
pub mod cisa;
pub mod lookalike;
pub mod normalize;
pub mod operator;

pub use aliases::{AliasMatch, TextKind};
pub use lookalike::{Resemblance, Technique};

use crate::assessment::AgencyRef;
use aliases::AliasIndex;
use lookalike::{LookalikeIndex, Tier};
use normalize::{DomainForms, domain_forms};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

const BUILTIN_NAMESPACES: &str = include_str!("../../data/namespaces.toml");
const BUILTIN_AGENCIES: &str = include_str!("../../data/agencies.toml");
const BUILTIN_FREE_MAIL: &str = include_str!("../../data/freemail.txt");
const BUILTIN_DISPOSABLE: &str = include_str!("../../data/disposable.txt");

/// Why a directory file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("not a valid directory file: {0}")]
    Toml(String),
    #[error("CSV line {line}: {reason}")]
    Csv { line: usize, reason: String },
    #[error("the CSV has no {0:?} column (is it CISA's current-full.csv?)")]
    MissingColumn(&'static str),
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
}

fn invalid(what: impl Into<String>, reason: impl Into<String>) -> DirectoryError {
    DirectoryError::Invalid {
        what: what.into(),
        reason: reason.into(),
    }
}

/// What an import added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Data rows read (CSV rows, or entries of an operator file).
    pub rows: usize,
    pub agencies: usize,
    pub domains: usize,
    pub namespaces: usize,
    pub verified_addresses: usize,
    pub blocked: usize,
    pub providers: usize,
    /// CSV rows per CISA domain type.
    pub domain_types: BTreeMap<String, usize>,
}

/// A law-enforcement or financial-crime body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2, `EU` or `INT`.
    pub country: String,
    pub aliases: Vec<String>,
    /// Aliases that are ordinary words in prose; matched in display names only.
    pub display_aliases: Vec<String>,
    /// Canonical ASCII mail domains; subdomains belong to the agency too.
    pub domains: Vec<String>,
    /// `builtin`, or the import it came from.
    pub source: String,
}

impl Agency {
    pub fn reference(&self) -> AgencyRef {
        AgencyRef {
            name: self.name.clone(),
            country: self.country.clone(),
        }
    }
}

/// A government-restricted namespace (`gov`, `police.uk`, `gouv.fr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Namespace {
    pub suffix: String,
    pub country: String,
    pub name: String,
}

/// What the directory holds about one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DomainRecord {
    /// Indexes into [`Directory::agencies`].
    #[serde(skip)]
    pub agencies: Vec<usize>,
    /// The CISA organisation (and suborganisation) owning it.
    pub organization: Option<String>,
    pub domain_type: Option<String>,
    pub country: Option<String>,
}

/// A domain found in the directory: the directory entry it is, or is under.
#[derive(Debug, Clone, Copy)]
pub struct DomainMatch<'a> {
    /// The directory domain matched (`fbi.gov` for `ic.fbi.gov`).
    pub domain: &'a str,
    pub record: &'a DomainRecord,
}

/// An address an operator has verified out of band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedAddress {
    pub address: String,
    pub agency: Option<usize>,
    pub note: Option<String>,
}

/// Agencies, their domains and the restricted government namespaces.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    namespaces: HashMap<String, Namespace>,
    agencies: Vec<Agency>,
    agency_ids: HashMap<String, usize>,
    domains: HashMap<String, DomainRecord>,
    free_mail: HashSet<String>,
    disposable: HashSet<String>,
    verified: HashMap<String, VerifiedAddress>,
    blocked_addresses: HashSet<String>,
    blocked_domains: HashSet<String>,
    aliases: AliasIndex,
    lookalikes: LookalikeIndex,
}

static BUILTIN: LazyLock<Directory> = LazyLock::new(|| {
    let mut directory = Directory::default();
    // The built-in data is checked by the tests; a failure here cannot come from input.
    let loaded = directory
        .load_operator(BUILTIN_NAMESPACES, "builtin")
        .and_then(|_| directory.load_operator(BUILTIN_AGENCIES, "builtin"));
    if let Err(e) = loaded {
        panic!("built-in directory data is invalid: {e}");
    }
    directory.add_providers(BUILTIN_FREE_MAIL, false);
    directory.add_providers(BUILTIN_DISPOSABLE, true);
    directory
});

impl Directory {
    /// The directory shipped with lea-intake: namespaces, agencies, providers. Built once
    /// per process; each call returns a copy to import into.
    pub fn builtin() -> Self {
        BUILTIN.clone()
    }

    /// Import CISA's .gov register (`current-full.csv`). Every domain becomes a directory
    /// domain with its organisation; domains already held keep their agencies.
    pub fn import_cisa_csv(&mut self, text: &str) -> Result<ImportSummary, DirectoryError> {
        let rows = cisa::parse(text)?;
        let mut summary = ImportSummary {
            rows: rows.len(),
            ..ImportSummary::default()
        };
        for row in rows {
            *summary
                .domain_types
                .entry(row.domain_type.clone())
                .or_default() += 1;
            let organization = match &row.suborganization {
                Some(sub) => format!("{sub} ({})", row.organization),
                None => row.organization.clone(),
            };
            let country = self.restricted_namespace(&row.domain).map(str::to_string);
            let record = self.domains.entry(row.domain.clone()).or_default();
            if record.organization.is_none() {
                summary.domains += 1;
            }
            record.organization = Some(organization);
            record.domain_type = Some(row.domain_type);
            record.country = record.country.clone().or(country).or(Some("US".into()));
            let namespace = self.namespace_suffix(&row.domain).map(str::to_string);
            self.lookalikes
                .add(&row.domain, namespace.as_deref(), Tier::Registry);
        }
        Ok(summary)
    }

    /// Import an operator file (TOML; see [`operator`]). Validated whole before anything
    /// is added, so a bad file changes nothing.
    pub fn import_operator_toml(&mut self, text: &str) -> Result<ImportSummary, DirectoryError> {
        let mut candidate = self.clone();
        let summary = candidate.load_operator(text, "operator")?;
        *self = candidate;
        Ok(summary)
    }

    fn load_operator(&mut self, text: &str, source: &str) -> Result<ImportSummary, DirectoryError> {
        let file: operator::OperatorFile =
            toml::from_str(text).map_err(|e| DirectoryError::Toml(e.to_string()))?;
        let mut summary = ImportSummary::default();
        for ns in file.namespace {
            let suffix = normalize::canonical_domain(&ns.suffix);
            if !operator::valid_domain(&suffix) || !operator::valid_country(&ns.country) {
                return Err(invalid(
                    format!("namespace {:?}", ns.suffix),
                    "needs a valid suffix and a country code such as US, EU or INT",
                ));
            }
            let name = ns
                .name
                .unwrap_or_else(|| format!("{} government ({suffix})", ns.country));
            self.namespaces.insert(
                suffix.clone(),
                Namespace {
                    suffix,
                    country: ns.country,
                    name,
                },
            );
            summary.namespaces += 1;
        }
        for provider in &file.free_mail {
            self.free_mail.insert(normalize::canonical_domain(provider));
            summary.providers += 1;
        }
        for provider in &file.disposable {
            self.disposable
                .insert(normalize::canonical_domain(provider));
            summary.providers += 1;
        }
        for def in file.agency {
            self.add_agency(def, source, &mut summary)?;
        }
        for def in file.verified_address {
            let (local, domain) = operator::split_address(&def.address).ok_or_else(|| {
                invalid(
                    format!("verified address {:?}", def.address),
                    "not an e-mail address",
                )
            })?;
            let agency = match &def.agency {
                Some(wanted) => Some(self.find_agency(wanted).ok_or_else(|| {
                    invalid(
                        format!("verified address {:?}", def.address),
                        format!("unknown agency {wanted:?}"),
                    )
                })?),
                None => None,
            };
            let address = format!("{local}@{domain}");
            self.verified.insert(
                address.clone(),
                VerifiedAddress {
                    address,
                    agency,
                    note: def.note,
                },
            );
            summary.verified_addresses += 1;
        }
        for address in &file.blocked.addresses {
            let (local, domain) = operator::split_address(address).ok_or_else(|| {
                invalid(
                    format!("blocked address {address:?}"),
                    "not an e-mail address",
                )
            })?;
            self.blocked_addresses.insert(format!("{local}@{domain}"));
            summary.blocked += 1;
        }
        for domain in &file.blocked.domains {
            let canonical = normalize::canonical_domain(domain);
            if !operator::valid_domain(&canonical) {
                return Err(invalid(
                    format!("blocked domain {domain:?}"),
                    "not a domain name",
                ));
            }
            self.blocked_domains.insert(canonical);
            summary.blocked += 1;
        }
        summary.rows = summary.agencies
            + summary.namespaces
            + summary.verified_addresses
            + summary.blocked
            + summary.providers;
        Ok(summary)
    }

    fn add_agency(
        &mut self,
        def: operator::AgencyDef,
        source: &str,
        summary: &mut ImportSummary,
    ) -> Result<(), DirectoryError> {
        let what = format!("agency {:?}", def.name);
        if def.name.trim().is_empty() {
            return Err(invalid(what, "has no name"));
        }
        if !operator::valid_country(&def.country) {
            return Err(invalid(
                what,
                format!(
                    "country {:?} is not a code such as US, EU or INT",
                    def.country
                ),
            ));
        }
        let mut domains = Vec::new();
        for raw in &def.domains {
            let domain = normalize::canonical_domain(raw);
            if !operator::valid_domain(&domain) || !domain.contains('.') {
                return Err(invalid(what, format!("{raw:?} is not a domain name")));
            }
            if self.is_free_mail(&domain) || self.is_disposable(&domain) {
                // Anyone can have an address there: it would verify every sender.
                return Err(invalid(what, format!("{raw:?} is a public mail provider")));
            }
            domains.push(domain);
        }
        let id = def
            .id
            .clone()
            .unwrap_or_else(|| operator::id_from_name(&def.country, &def.name));
        let index = match self.agency_ids.get(&id) {
            Some(&existing) => existing,
            None => {
                self.agencies.push(Agency {
                    id: id.clone(),
                    name: def.name.trim().to_string(),
                    country: def.country.clone(),
                    aliases: Vec::new(),
                    display_aliases: Vec::new(),
                    domains: Vec::new(),
                    source: source.to_string(),
                });
                let index = self.agencies.len() - 1;
                self.agency_ids.insert(id, index);
                summary.agencies += 1;
                index
            }
        };
        let name = def.name.trim().to_string();
        self.aliases.add(&name, index, false);
        for alias in &def.aliases {
            self.aliases.add(alias, index, false);
        }
        for alias in &def.display_aliases {
            self.aliases.add(alias, index, true);
        }
        for domain in domains {
            let namespace = self.namespace_suffix(&domain).map(str::to_string);
            let record = self.domains.entry(domain.clone()).or_default();
            if record.agencies.is_empty() && record.organization.is_none() {
                summary.domains += 1;
            }
            if !record.agencies.contains(&index) {
                record.agencies.push(index);
            }
            record.country.get_or_insert_with(|| def.country.clone());
            self.lookalikes
                .add(&domain, namespace.as_deref(), Tier::Agency);
            if let Some(agency) = self.agencies.get_mut(index)
                && !agency.domains.contains(&domain)
            {
                agency.domains.push(domain);
            }
        }
        if let Some(agency) = self.agencies.get_mut(index) {
            for alias in def.aliases {
                if !agency.aliases.contains(&alias) {
                    agency.aliases.push(alias);
                }
            }
            for alias in def.display_aliases {
                if !agency.display_aliases.contains(&alias) {
                    agency.display_aliases.push(alias);
                }
            }
        }
        Ok(())
    }

    fn add_providers(&mut self, list: &str, disposable: bool) {
        for line in list.lines() {
            let entry = line.split('#').next().unwrap_or("").trim();
            if entry.is_empty() {
                continue;
            }
            let domain = normalize::canonical_domain(entry);
            if disposable {
                self.disposable.insert(domain);
            } else {
                self.free_mail.insert(domain);
            }
        }
    }

    /// An agency by id, or by name or alias (case-insensitive).
    fn find_agency(&self, wanted: &str) -> Option<usize> {
        if let Some(&i) = self.agency_ids.get(wanted) {
            return Some(i);
        }
        let lower = wanted.to_lowercase();
        self.agencies.iter().position(|a| {
            a.name.to_lowercase() == lower || a.aliases.iter().any(|x| x.to_lowercase() == lower)
        })
    }

    fn namespace_suffix(&self, ascii: &str) -> Option<&str> {
        let mut rest = ascii;
        loop {
            if let Some(ns) = self.namespaces.get(rest) {
                return Some(ns.suffix.as_str());
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// The restricted namespace `domain` is, or is under.
    pub fn namespace(&self, domain: &str) -> Option<&Namespace> {
        let forms = domain_forms(domain);
        let suffix = self.namespace_suffix(&forms.ascii)?;
        self.namespaces.get(suffix)
    }

    /// The country of the restricted namespace `domain` falls under, if any.
    pub fn restricted_namespace(&self, domain: &str) -> Option<&str> {
        self.namespace(domain).map(|ns| ns.country.as_str())
    }

    /// All restricted namespaces, sorted by suffix.
    pub fn namespaces(&self) -> Vec<&Namespace> {
        let mut all: Vec<&Namespace> = self.namespaces.values().collect();
        all.sort_by(|a, b| a.suffix.cmp(&b.suffix));
        all
    }

    /// The directory domain `domain` is, or is a subdomain of (nearest first).
    pub fn domain_match(&self, domain: &str) -> Option<DomainMatch<'_>> {
        let forms = domain_forms(domain);
        self.domain_match_ascii(&forms.ascii)
    }

    fn domain_match_ascii(&self, ascii: &str) -> Option<DomainMatch<'_>> {
        let mut rest = ascii;
        loop {
            if let Some((key, record)) = self.domains.get_key_value(rest) {
                return Some(DomainMatch {
                    domain: key.as_str(),
                    record,
                });
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// True when `domain` (canonical ASCII) is exactly a directory domain.
    pub fn is_directory_domain(&self, ascii: &str) -> bool {
        self.domains.contains_key(ascii)
    }

    /// Agencies owning `domain` (or a parent of it).
    pub fn agencies_for_domain(&self, domain: &str) -> Vec<&Agency> {
        self.domain_match(domain)
            .map(|m| {
                m.record
                    .agencies
                    .iter()
                    .filter_map(|i| self.agencies.get(*i))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn agencies(&self) -> &[Agency] {
        &self.agencies
    }

    pub fn agency(&self, index: usize) -> Option<&Agency> {
        self.agencies.get(index)
    }

    pub fn agency_by_id(&self, id: &str) -> Option<&Agency> {
        self.agency_ids.get(id).and_then(|i| self.agencies.get(*i))
    }

    /// Number of directory domains (agency and CISA).
    pub fn domain_count(&self) -> usize {
        self.domains.len()
    }

    fn registrable(ascii: &str) -> &str {
        psl::domain_str(ascii).unwrap_or(ascii)
    }

    /// A free-mail provider's domain (or a subdomain of one).
    pub fn is_free_mail(&self, domain: &str) -> bool {
        let ascii = domain_forms(domain).ascii;
        self.free_mail.contains(&ascii) || self.free_mail.contains(Self::registrable(&ascii))
    }

    /// A disposable-mailbox provider's domain (or a subdomain of one).
    pub fn is_disposable(&self, domain: &str) -> bool {
        let ascii = domain_forms(domain).ascii;
        self.disposable.contains(&ascii) || self.disposable.contains(Self::registrable(&ascii))
    }

    /// The address (lower-case) is on the operator's block list.
    pub fn is_blocked_address(&self, address: &str) -> bool {
        operator::split_address(address)
            .is_some_and(|(l, d)| self.blocked_addresses.contains(&format!("{l}@{d}")))
    }

    /// The domain, or a parent of it, is on the operator's block list.
    pub fn is_blocked_domain(&self, domain: &str) -> bool {
        let ascii = domain_forms(domain).ascii;
        let mut rest = ascii.as_str();
        loop {
            if self.blocked_domains.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, r)) => rest = r,
                None => return false,
            }
        }
    }

    /// The operator's record of a verified agent address.
    pub fn verified_address(&self, address: &str) -> Option<&VerifiedAddress> {
        let (l, d) = operator::split_address(address)?;
        self.verified.get(&format!("{l}@{d}"))
    }

    /// Directory domains that `domain` imitates, best evidence first. Empty for a
    /// directory domain or a subdomain of one, and for a plain ASCII name inside a
    /// restricted namespace: only that government can register there, and many real
    /// agencies have similar short names (ice.gov, ic3.gov).
    pub fn lookalikes(&self, domain: &str) -> Vec<Resemblance> {
        self.lookalikes_of(&domain_forms(domain))
    }

    pub(crate) fn lookalikes_of(&self, forms: &DomainForms) -> Vec<Resemblance> {
        if forms.ascii.is_empty() || self.domain_match_ascii(&forms.ascii).is_some() {
            return Vec::new();
        }
        let namespace = self.namespace_suffix(&forms.ascii);
        if namespace.is_some() && !forms.is_idn {
            return Vec::new();
        }
        let is_directory = |d: &str| self.domains.contains_key(d);
        self.lookalikes
            .resemblances(forms, namespace, &is_directory)
    }

    /// Agencies named in `text`.
    pub fn find_agencies(&self, text: &str, kind: TextKind) -> Vec<AliasMatch> {
        self.aliases.find(text, kind)
    }

    /// The agency (or organisation) a verified sender from `domain` belongs to.
    /// `preferred` picks among several agencies sharing a domain.
    pub fn agency_ref_for_domain(&self, domain: &str, preferred: &[usize]) -> Option<AgencyRef> {
        let forms = domain_forms(domain);
        if let Some(m) = self.domain_match_ascii(&forms.ascii) {
            let chosen = m
                .record
                .agencies
                .iter()
                .find(|i| preferred.contains(i))
                .or(m.record.agencies.first());
            if let Some(agency) = chosen.and_then(|i| self.agencies.get(*i)) {
                return Some(agency.reference());
            }
            if let Some(org) = &m.record.organization {
                let country = m
                    .record
                    .country
                    .clone()
                    .or_else(|| self.restricted_namespace(&forms.ascii).map(str::to_string))
                    .unwrap_or_else(|| "US".to_string());
                return Some(AgencyRef {
                    name: org.clone(),
                    country,
                });
            }
        }
        let ns = self.namespace(&forms.ascii)?;
        Some(AgencyRef {
            name: ns.name.clone(),
            country: ns.country.clone(),
        })
    }

    /// Everything the directory knows about a domain or an address, for `agencies check`.
    pub fn describe(&self, domain_or_address: &str) -> DomainReport {
        let input = domain_or_address.trim();
        let (address, domain_text) = match input.rsplit_once('@') {
            Some((_, d)) => (Some(input.to_lowercase()), d),
            None => (None, input),
        };
        let forms = domain_forms(domain_text);
        let matched = self.domain_match_ascii(&forms.ascii);
        let namespace = if forms.is_idn {
            None
        } else {
            self.namespace(&forms.ascii).cloned()
        };
        DomainReport {
            input: input.to_string(),
            domain: forms.ascii.clone(),
            unicode: forms.unicode.clone(),
            directory_domain: matched.map(|m| m.domain.to_string()),
            agencies: matched
                .map(|m| {
                    m.record
                        .agencies
                        .iter()
                        .filter_map(|i| self.agencies.get(*i))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            organization: matched.and_then(|m| m.record.organization.clone()),
            domain_type: matched.and_then(|m| m.record.domain_type.clone()),
            namespace,
            free_mail: self.is_free_mail(&forms.ascii),
            disposable: self.is_disposable(&forms.ascii),
            blocked: self.is_blocked_domain(&forms.ascii)
                || address
                    .as_deref()
                    .is_some_and(|a| self.is_blocked_address(a)),
            verified_address: address
                .as_deref()
                .and_then(|a| self.verified_address(a))
                .map(|v| v.address.clone()),
            resembles: self
                .lookalikes_of(&forms)
                .into_iter()
                .map(|r| ResemblanceReport {
                    explanation: r.explain(),
                    domain: r.domain,
                    technique: r.technique,
                    distance: r.distance,
                })
                .collect(),
        }
    }
}

/// What [`Directory::describe`] reports.
#[derive(Debug, Clone, Serialize)]
pub struct DomainReport {
    pub input: String,
    /// Canonical ASCII (punycode) form.
    pub domain: String,
    pub unicode: String,
    pub directory_domain: Option<String>,
    pub agencies: Vec<Agency>,
    pub organization: Option<String>,
    pub domain_type: Option<String>,
    pub namespace: Option<Namespace>,
    pub free_mail: bool,
    pub disposable: bool,
    pub blocked: bool,
    pub verified_address: Option<String>,
    pub resembles: Vec<ResemblanceReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResemblanceReport {
    pub domain: String,
    pub technique: Technique,
    pub distance: u8,
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_the_required_namespaces_and_agencies() {
        let d = Directory::builtin();
        for (ns, country) in [
            ("gov", "US"),
            ("mil", "US"),
            ("fed.us", "US"),
            ("gov.uk", "GB"),
            ("police.uk", "GB"),
            ("mod.uk", "GB"),
            ("gc.ca", "CA"),
            ("gov.au", "AU"),
            ("govt.nz", "NZ"),
            ("gouv.fr", "FR"),
            ("europa.eu", "EU"),
            ("int", "INT"),
            ("gov.br", "BR"),
            ("gob.mx", "MX"),
            ("gob.es", "ES"),
            ("go.jp", "JP"),
            ("gov.sg", "SG"),
            ("gov.in", "IN"),
            ("nic.in", "IN"),
            ("gov.za", "ZA"),
            ("admin.ch", "CH"),
            ("gv.at", "AT"),
            ("gov.ie", "IE"),
        ] {
            assert_eq!(d.restricted_namespace(ns), Some(country), "{ns}");
            assert_eq!(
                d.restricted_namespace(&format!("x.{ns}")),
                Some(country),
                "{ns}"
            );
        }
        assert_eq!(d.restricted_namespace("notgov"), None);
        assert_eq!(d.restricted_namespace("gov.example.com"), None);
        assert!(d.agencies().len() >= 60);
        let countries: HashSet<&str> = d.agencies().iter().map(|a| a.country.as_str()).collect();
        for c in [
            "US", "GB", "DE", "FR", "NL", "CA", "AU", "BR", "JP", "SG", "CH", "EU", "INT",
        ] {
            assert!(countries.contains(c), "{c}");
        }
    }

    #[test]
    fn domain_lookups() {
        let d = Directory::builtin();
        let m = d.domain_match("MAIL.FBI.GOV").map(|m| m.domain.to_string());
        assert_eq!(m.as_deref(), Some("fbi.gov"));
        let names: Vec<&str> = d
            .agencies_for_domain("bka.bund.de")
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(names, ["de-bka"]);
        assert!(
            d.agencies_for_domain("nypd.org")
                .iter()
                .any(|a| a.country == "US")
        );
        assert!(d.is_free_mail("gmail.com") && d.is_free_mail("mail.yahoo.co.jp"));
        assert!(d.is_disposable("mailinator.com") && !d.is_disposable("gmail.com"));
        assert!(d.domain_match("gmail.com").is_none());
    }

    #[test]
    fn operator_file_adds_agencies_addresses_and_blocks() {
        let mut d = Directory::builtin();
        let summary = d.import_operator_toml(
            r#"
            [[agency]]
            name = "Lake County Sheriff's Office"
            country = "US"
            aliases = ["LCSO"]
            domains = ["lakecountysheriff.org"]

            [[verified_address]]
            address = "Task.Force@County-DA.org"
            agency = "Lake County Sheriff's Office"

            [blocked]
            addresses = ["emergency.fbi@gmail.com"]
            domains = ["fbi-gov.com"]
            "#,
        );
        let summary = match summary {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            (
                summary.agencies,
                summary.verified_addresses,
                summary.blocked
            ),
            (1, 1, 2)
        );
        assert_eq!(
            d.agency_ref_for_domain("mail.lakecountysheriff.org", &[])
                .map(|a| a.name),
            Some("Lake County Sheriff's Office".to_string())
        );
        assert!(d.verified_address("task.force@county-da.org").is_some());
        assert!(d.is_blocked_address("Emergency.FBI@gmail.com"));
        assert!(d.is_blocked_domain("mx.fbi-gov.com"));
        assert!(!d.lookalikes("lakecountysherif.org").is_empty());
    }

    #[test]
    fn a_bad_operator_file_changes_nothing() {
        let mut d = Directory::builtin();
        let before = d.agencies().len();
        let bad = r#"
            [[agency]]
            name = "Good"
            country = "US"
            domains = ["good.example"]
            [[agency]]
            name = "Bad"
            country = "US"
            domains = ["gmail.com"]
        "#;
        assert!(matches!(
            d.import_operator_toml(bad),
            Err(DirectoryError::Invalid { .. })
        ));
        assert_eq!(d.agencies().len(), before);
        assert!(d.import_operator_toml("[[agency]]\nname = 1").is_err());
        assert!(d.import_operator_toml("unknown = true").is_err());
    }

    #[test]
    fn describe_reports_lookalikes() {
        let d = Directory::builtin();
        let report = d.describe("agent@fbi-gov.com");
        assert!(report.directory_domain.is_none());
        assert!(report.resembles.iter().any(|r| r.domain == "fbi.gov"));
        let report = d.describe("fbi.gov");
        assert_eq!(
            report.agencies.first().map(|a| a.id.as_str()),
            Some("us-fbi")
        );
        assert!(report.resembles.is_empty());
    }
}
