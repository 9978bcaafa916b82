//! The operator file: agencies, namespaces, verified agent addresses and blocked senders
//! that an exchange adds to the built-in directory. TOML; the built-in data uses the
//! same format.
//!
//! ```toml
//! free_mail = ["mail.example"]         # extra free-mail providers (before any table)
//! disposable = ["trash.example"]       # extra disposable providers
//!
//! [[agency]]
//! id = "us-lake-county-so"            # optional; derived from the name
//! name = "Lake County Sheriff's Office"
//! country = "US"                       # ISO 3166-1 alpha-2, EU or INT
//! aliases = ["Lake County Sheriff", "LCSO"]
//! display_aliases = []                 # ordinary words: count in display names only
//! domains = ["lakecountysheriff.org"]
//!
//! [[namespace]]
//! suffix = "gov.example"
//! country = "XX"
//! name = "Example government"
//!
//! [[verified_address]]
//! address = "j.doe@county-da.org"
//! agency = "us-lake-county-so"         # optional: an agency id or name
//! note = "confirmed by phone 2026-03-02"
//!
//! [blocked]
//! addresses = ["emergency.fbi@gmail.com"]
//! domains = ["fbi-gov.com"]
//! ```

use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperatorFile {
    #[serde(default)]
    pub agency: Vec<AgencyDef>,
    #[serde(default)]
    pub namespace: Vec<NamespaceDef>,
    #[serde(default)]
    pub verified_address: Vec<VerifiedDef>,
    #[serde(default)]
    pub blocked: BlockedDef,
    #[serde(default)]
    pub free_mail: Vec<String>,
    #[serde(default)]
    pub disposable: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgencyDef {
    pub id: Option<String>,
    pub name: String,
    pub country: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub display_aliases: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NamespaceDef {
    pub suffix: String,
    pub country: String,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifiedDef {
    pub address: String,
    pub agency: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlockedDef {
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
}

/// True for `US`, `GB`, `EU`, `INT`: what a country field may hold.
pub(crate) fn valid_country(country: &str) -> bool {
    country == "INT" || (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
}

/// True when `domain` (canonical ASCII) can be a mail domain: two or more labels of
/// letters, digits and hyphens.
pub(crate) fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && !labels.is_empty()
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A simple check of an address: one `@`, a local part, a valid domain.
pub(crate) fn split_address(address: &str) -> Option<(String, String)> {
    let address = address.trim().trim_matches(|c| c == '<' || c == '>');
    let (local, domain) = address.rsplit_once('@')?;
    if local.is_empty() || local.contains(char::is_whitespace) {
        return None;
    }
    let domain = super::normalize::canonical_domain(domain);
    valid_domain(&domain).then(|| (local.to_lowercase(), domain))
}

/// An id from a name: lower-case words joined by hyphens.
pub(crate) fn id_from_name(country: &str, name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{}-{}", country.to_lowercase(), words.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc: String = include_str!("operator.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let file: Result<OperatorFile, _> = toml::from_str(&doc);
        let file = file.map_err(|e| e.to_string());
        assert!(file.is_ok(), "{file:?}");
        let file = file.unwrap_or_default();
        assert_eq!(file.free_mail, ["mail.example"]);
        assert_eq!(file.blocked.domains, ["fbi-gov.com"]);
        assert_eq!(file.agency.len(), 1);
    }

    #[test]
    fn validates_fields() {
        assert!(valid_country("US") && valid_country("INT") && valid_country("EU"));
        assert!(!valid_country("usa") && !valid_country("U"));
        assert!(valid_domain("fbi.gov") && valid_domain("xn--fb-ndb.gov"));
        assert!(!valid_domain("fbi..gov") && !valid_domain("-x.com") && !valid_domain("a b.com"));
        assert_eq!(
            split_address("<J.Doe@FBI.GOV>"),
            Some(("j.doe".to_string(), "fbi.gov".to_string()))
        );
        assert_eq!(split_address("nobody"), None);
        assert_eq!(
            id_from_name("US", "Lake County Sheriff's Office"),
            "us-lake-county-sheriff-s-office"
        );
    }
}
