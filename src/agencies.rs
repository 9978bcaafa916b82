//! `lea-intake agencies`: import directory files, check a domain or address, list agencies.
//!
//! The directory is the built-in data plus every file imported into the directory folder
//! (`[directory] path`): CISA registers (`*.csv`) and operator files (`*.toml`), loaded
//! in file-name order. `import` validates a file against the current directory before
//! copying it there, so a bad file never reaches `run` or `classify`.

use anyhow::Context;
use lea_classifier::Directory;
use lea_classifier::directory::{DomainReport, ImportSummary, cisa};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file name a CISA register is stored under: a fresh download replaces the old one.
const CISA_FILE: &str = "cisa-dotgov.csv";

#[derive(Debug, clap::Subcommand)]
pub enum AgenciesCommand {
    /// Validate a directory file and add it to the directory used by `run` and `classify`.
    ///
    /// FILE is CISA's .gov register (current-full.csv from github.com/cisagov/dotgov-data,
    /// recognised by its header row; it replaces any earlier register) or an operator file
    /// in TOML with [[agency]], [[namespace]], [[verified_address]] and [blocked] entries
    /// (stored under its own file name; importing it again replaces it).
    Import {
        file: PathBuf,
        /// The file's format; `auto` recognises it by its content.
        #[arg(long, value_enum, default_value_t = ImportFormat::Auto)]
        format: ImportFormat,
    },
    /// Show what the directory knows about a domain or an address: agency, country,
    /// restricted namespace, free-mail, blocked, and the directory domains it resembles.
    ///
    /// Exit code 0: nothing against it; 1: it resembles a directory domain or is blocked;
    /// 2: not a domain or an address.
    Check {
        domain_or_address: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the directory's agencies.
    List {
        /// Only agencies of this country (ISO 3166-1 alpha-2, EU, INT).
        #[arg(long)]
        country: Option<String>,
        /// Only agencies whose name, alias or domain contains this text.
        #[arg(long)]
        search: Option<String>,
        /// Print JSON (one array).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    Auto,
    Cisa,
    Operator,
}

/// Built-in directory plus every file previously imported into `dir` (missing dir =
/// built-in only).
pub fn load_directory(dir: &Path) -> anyhow::Result<Directory> {
    let mut directory = Directory::builtin();
    for path in directory_files(dir)? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let result = if is_csv(&path) {
            directory.import_cisa_csv(&text)
        } else {
            directory.import_operator_toml(&text)
        };
        result.with_context(|| format!("invalid directory file {}", path.display()))?;
    }
    Ok(directory)
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn is_toml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// The directory files in `dir`, sorted by name; none when `dir` does not exist.
fn directory_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        if path.is_file() && (is_csv(&path) || is_toml(&path)) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs the command; returns the process exit code (0 ok; 1 when `check` finds a
/// look-alike or a blocked sender; 2 bad input).
pub fn run(command: AgenciesCommand, dir: &Path) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    match command {
        AgenciesCommand::Import { file, format } => import(&file, format, dir, &mut out, &mut err),
        AgenciesCommand::Check {
            domain_or_address,
            json,
        } => {
            let directory = load_directory(dir)?;
            check(&directory, &domain_or_address, json, &mut out, &mut err)
        }
        AgenciesCommand::List {
            country,
            search,
            json,
        } => {
            let directory = load_directory(dir)?;
            list(
                &directory,
                country.as_deref(),
                search.as_deref(),
                json,
                &mut out,
            )?;
            Ok(0)
        }
    }
}

fn import(
    file: &Path,
    format: ImportFormat,
    dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let text = match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                writeln!(err, "{}: not UTF-8 text", file.display())?;
                return Ok(2);
            }
        },
        Err(e) => {
            writeln!(err, "cannot read {}: {e}", file.display())?;
            return Ok(2);
        }
    };
    let format = match format {
        ImportFormat::Auto if cisa::looks_like_cisa_csv(&text) => ImportFormat::Cisa,
        ImportFormat::Auto if is_csv(file) => {
            writeln!(
                err,
                "{}: a CSV without CISA's header row (Domain name, Domain type, Organization name, ...)",
                file.display()
            )?;
            return Ok(2);
        }
        ImportFormat::Auto => ImportFormat::Operator,
        other => other,
    };
    // Validate against the directory as it is, so the file also loads beside the others.
    let mut directory = load_directory(dir)?;
    let imported = match format {
        ImportFormat::Cisa => directory.import_cisa_csv(&text),
        _ => directory.import_operator_toml(&text),
    };
    let summary = match imported {
        Ok(summary) => summary,
        Err(e) => {
            writeln!(err, "{}: {e}", file.display())?;
            return Ok(2);
        }
    };
    let name = match format {
        ImportFormat::Cisa => CISA_FILE.to_string(),
        _ => operator_file_name(file),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let target = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, &text)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    writeln!(
        out,
        "imported {} into {}: {}",
        file.display(),
        target.display(),
        describe_summary(&summary)
    )?;
    Ok(0)
}

/// A safe file name for an operator file: its own name, always ending in `.toml`.
fn operator_file_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("operator");
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_string();
    // Never the CISA register's name, never empty.
    if clean.is_empty() {
        "operator.toml".to_string()
    } else {
        format!("{clean}.toml")
    }
}

fn describe_summary(s: &ImportSummary) -> String {
    if !s.domain_types.is_empty() {
        let types: Vec<String> = s
            .domain_types
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        return format!(
            "{} rows, {} new domains ({})",
            s.rows,
            s.domains,
            types.join(", ")
        );
    }
    format!(
        "{} agencies, {} domains, {} namespaces, {} verified addresses, {} blocked entries, {} providers",
        s.agencies, s.domains, s.namespaces, s.verified_addresses, s.blocked, s.providers
    )
}

fn check(
    directory: &Directory,
    input: &str,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let domain_part = input.trim().rsplit('@').next().unwrap_or("");
    if domain_part.is_empty() || !domain_part.contains('.') || domain_part.contains(' ') {
        writeln!(err, "{input:?} is not a domain or an e-mail address")?;
        return Ok(2);
    }
    let report = directory.describe(input);
    if json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_report(directory, &report, out)?;
    }
    Ok(if report.blocked || !report.resembles.is_empty() {
        1
    } else {
        0
    })
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn write_report(
    directory: &Directory,
    report: &DomainReport,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if report.unicode != report.domain {
        writeln!(out, "{} ({})", report.unicode, report.domain)?;
    } else {
        writeln!(out, "{}", report.domain)?;
    }
    match &report.directory_domain {
        Some(d) if *d == report.domain => writeln!(out, "  directory domain: yes")?,
        Some(d) => writeln!(out, "  directory domain: under {d}")?,
        None => writeln!(out, "  directory domain: no")?,
    }
    for agency in &report.agencies {
        writeln!(
            out,
            "  agency: {} ({}) [{}]",
            agency.name, agency.country, agency.id
        )?;
    }
    if let Some(org) = &report.organization {
        let kind = report.domain_type.as_deref().unwrap_or("");
        writeln!(out, "  CISA organisation: {org} ({kind})")?;
    }
    match &report.namespace {
        Some(ns) => writeln!(
            out,
            "  restricted namespace: {} ({}, {})",
            ns.suffix, ns.name, ns.country
        )?,
        None => writeln!(out, "  restricted namespace: none")?,
    }
    writeln!(
        out,
        "  free-mail: {}  disposable: {}  blocked: {}",
        yes_no(report.free_mail),
        yes_no(report.disposable),
        yes_no(report.blocked)
    )?;
    if let Some(address) = &report.verified_address {
        writeln!(out, "  verified address: {address}")?;
    }
    if report.resembles.is_empty() {
        writeln!(out, "  resembles: nothing in the directory")?;
    } else {
        writeln!(out, "  resembles:")?;
        for r in &report.resembles {
            let owner = directory
                .agency_ref_for_domain(&r.domain, &[])
                .map(|a| format!(" - {} ({})", a.name, a.country))
                .unwrap_or_default();
            writeln!(
                out,
                "    {}: {}{owner}",
                r.technique.as_str(),
                r.explanation
            )?;
        }
    }
    Ok(())
}

/// The agencies matching the filters, in directory order.
fn matching<'a>(
    directory: &'a Directory,
    country: Option<&str>,
    search: Option<&str>,
) -> Vec<&'a lea_classifier::directory::Agency> {
    let search = search.map(str::to_lowercase);
    directory
        .agencies()
        .iter()
        .filter(|a| country.is_none_or(|c| a.country.eq_ignore_ascii_case(c)))
        .filter(|a| {
            search.as_deref().is_none_or(|s| {
                a.name.to_lowercase().contains(s)
                    || a.id.contains(s)
                    || a.aliases.iter().any(|x| x.to_lowercase().contains(s))
                    || a.domains.iter().any(|d| d.contains(s))
            })
        })
        .collect()
}

fn list(
    directory: &Directory,
    country: Option<&str>,
    search: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let agencies = matching(directory, country, search);
    if json {
        serde_json::to_writer_pretty(&mut *out, &agencies)?;
        writeln!(out)?;
        return Ok(());
    }
    for a in &agencies {
        writeln!(
            out,
            "{:<4} {:<20} {}  [{}]",
            a.country,
            a.id,
            a.name,
            a.domains.join(", ")
        )?;
    }
    writeln!(
        out,
        "{} agencies; {} directory domains in all",
        agencies.len(),
        directory.domain_count()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPERATOR: &str = r#"
        [[agency]]
        name = "Lake County Sheriff's Office"
        country = "US"
        aliases = ["LCSO"]
        domains = ["lakecountysheriff.org"]

        [blocked]
        domains = ["fbi-gov.com"]
    "#;

    const CISA_SAMPLE: &str = "Domain name,Domain type,Organization name,Suborganization name,City,State,Security contact email\n\
        examplecounty.gov,County,Example County,,Somewhere,CA,(blank)\n";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    fn run_import(file: &Path, dir: &Path) -> (i32, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = import(file, ImportFormat::Auto, dir, &mut out, &mut err).expect("import");
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    }

    fn run_check(directory: &Directory, input: &str, json: bool) -> (i32, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = check(directory, input, json, &mut out, &mut err).expect("check");
        (code, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn a_missing_directory_is_the_builtin_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let directory = load_directory(&tmp.path().join("absent")).expect("load");
        assert_eq!(
            directory.agencies().len(),
            Directory::builtin().agencies().len()
        );
    }

    #[test]
    fn imported_files_are_loaded_by_later_runs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("directory");
        let operator = write(tmp.path(), "local agencies.toml", OPERATOR);
        let (code, out, _) = run_import(&operator, &dir);
        assert_eq!(code, 0);
        assert!(out.contains("1 agencies"), "{out}");
        assert!(dir.join("local_agencies.toml").is_file());

        let csv = write(tmp.path(), "current-full.csv", CISA_SAMPLE);
        let (code, out, _) = run_import(&csv, &dir);
        assert_eq!(code, 0);
        assert!(out.contains("County: 1"), "{out}");
        assert!(dir.join(CISA_FILE).is_file());

        let directory = load_directory(&dir).expect("load");
        assert!(directory.domain_match("lakecountysheriff.org").is_some());
        assert!(directory.domain_match("examplecounty.gov").is_some());
        assert!(directory.is_blocked_domain("fbi-gov.com"));
    }

    #[test]
    fn bad_files_are_refused_and_not_copied() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("directory");
        let bad = write(
            tmp.path(),
            "bad.toml",
            "[[agency]]\nname = \"X\"\ncountry = \"usa\"\n",
        );
        let (code, _, err) = run_import(&bad, &dir);
        assert_eq!(code, 2);
        assert!(err.contains("country"), "{err}");
        let csv = write(tmp.path(), "other.csv", "name,kind\nx.gov,City\n");
        assert_eq!(run_import(&csv, &dir).0, 2);
        let missing = tmp.path().join("nope.toml");
        assert_eq!(run_import(&missing, &dir).0, 2);
        assert!(!dir.exists() || directory_files(&dir).expect("list").is_empty());
    }

    #[test]
    fn check_reports_agencies_lookalikes_and_exit_codes() {
        let directory = Directory::builtin();
        let (code, out) = run_check(&directory, "agent@fbi.gov", false);
        assert_eq!(code, 0);
        assert!(
            out.contains("Federal Bureau of Investigation (US)"),
            "{out}"
        );
        assert!(out.contains("restricted namespace: gov"), "{out}");

        let (code, out) = run_check(&directory, "fbi-gov.com", false);
        assert_eq!(code, 1);
        assert!(out.contains("fbi.gov"), "{out}");

        let (code, out) = run_check(&directory, "xn--fb-ioc.gov", true);
        assert_eq!(code, 1);
        let json: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(json["unicode"], "fbі.gov");
        assert_eq!(json["resembles"][0]["domain"], "fbi.gov");

        let (code, out) = run_check(&directory, "someone@gmail.com", false);
        assert_eq!(code, 0);
        assert!(out.contains("free-mail: yes"), "{out}");

        assert_eq!(run_check(&directory, "not a domain", false).0, 2);
    }

    #[test]
    fn list_filters_by_country_and_text() {
        let directory = Directory::builtin();
        let german = matching(&directory, Some("de"), None);
        assert!(german.iter().all(|a| a.country == "DE"));
        assert!(german.iter().any(|a| a.id == "de-bka"));
        let found = matching(&directory, None, Some("bundeskriminalamt"));
        assert!(found.iter().any(|a| a.id == "de-bka"));
        assert!(found.iter().any(|a| a.id == "at-bk"));
        let mut out = Vec::new();
        list(&directory, Some("NL"), None, true, &mut out).expect("list");
        let json: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert!(json.as_array().is_some_and(|a| !a.is_empty()));
    }
}
