//! CISA's register of .gov domains (the `current-full.csv` it publishes at
//! github.com/cisagov/dotgov-data): one row per domain with its type and organisation.
//!
//! Header row: `Domain name,Domain type,Organization name,Suborganization name,City,
//! State,Security contact email`. Columns are found by name, so a reordered or widened
//! file still imports; the first three are required.

use super::DirectoryError;

/// One row of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CisaRow {
    pub domain: String,
    /// `Federal - Executive`, `City`, `County`, `State or territory`, ...
    pub domain_type: String,
    pub organization: String,
    pub suborganization: Option<String>,
}

/// True when `text` starts with the register's header row.
pub fn looks_like_cisa_csv(text: &str) -> bool {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let lower = first.to_ascii_lowercase();
    lower.contains("domain name") && lower.contains("domain type")
}

/// Parse the register. Rows with an empty or invalid domain are errors with their line
/// number: a file that half-imports silently would be worse than none.
pub fn parse(text: &str) -> Result<Vec<CisaRow>, DirectoryError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| DirectoryError::Csv {
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let domain_col = column("Domain name").ok_or(DirectoryError::MissingColumn("Domain name"))?;
    let type_col = column("Domain type").ok_or(DirectoryError::MissingColumn("Domain type"))?;
    let org_col = column("Organization name")
        .or_else(|| column("Organization"))
        .ok_or(DirectoryError::MissingColumn("Organization name"))?;
    let suborg_col = column("Suborganization name");

    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| DirectoryError::Csv {
            line,
            reason: e.to_string(),
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or("");
        let domain = super::normalize::canonical_domain(field(domain_col));
        if !super::operator::valid_domain(&domain) || !domain.contains('.') {
            return Err(DirectoryError::Csv {
                line,
                reason: format!("invalid domain name {:?}", field(domain_col)),
            });
        }
        let suborganization = suborg_col
            .map(field)
            .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("(blank)"))
            .map(str::to_string);
        rows.push(CisaRow {
            domain,
            domain_type: field(type_col).to_string(),
            organization: field(org_col).to_string(),
            suborganization,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Domain name,Domain type,Organization name,Suborganization name,City,State,Security contact email\n\
        FBI.GOV,Federal - Executive,Department of Justice,Federal Bureau of Investigation,Washington,DC,x@usdoj.gov\n\
        29palms.gov,City,City of Twentynine Palms,,Twentynine Palms,CA,(blank)\n";

    #[test]
    fn parses_rows_by_column_name() {
        assert!(looks_like_cisa_csv(SAMPLE));
        let rows = parse(SAMPLE).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].domain, "fbi.gov");
        assert_eq!(
            rows[0].suborganization.as_deref(),
            Some("Federal Bureau of Investigation")
        );
        assert_eq!(rows[1].suborganization, None);
    }

    #[test]
    fn rejects_a_file_without_the_columns() {
        assert!(matches!(
            parse("name,type\nfbi.gov,x\n"),
            Err(DirectoryError::MissingColumn("Domain name"))
        ));
        assert!(!looks_like_cisa_csv("name,type\n"));
    }

    #[test]
    fn reports_the_line_of_a_bad_row() {
        let bad =
            "Domain name,Domain type,Organization name\nfbi.gov,City,X\nnot a domain,City,Y\n";
        assert!(matches!(
            parse(bad),
            Err(DirectoryError::Csv { line: 3, .. })
        ));
    }
}
