//! The directory against real data and against attackers' permutations.
//!
//! - CISA's register (`../shared/data/dotgov/current-full.csv`): row count, domain types,
//!   lookups.
//! - Every dnstwist-style permutation of every built-in agency domain is flagged as a
//!   look-alike (exhaustively), and random compositions of agency names with words,
//!   separators and suffixes are too (proptest).
//! - No directory domain (built-in or CISA), nor a subdomain of one, is flagged.

use lea_classifier::directory::normalize::domain_forms;
use lea_classifier::sender::assess_sender;
use lea_classifier::{ClassifierConfig, Directory, Verdict};
use lea_ingest::{Mailbox, Message};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::sync::LazyLock;

const CISA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/dotgov/current-full.csv"
);

static FULL: LazyLock<Directory> = LazyLock::new(|| {
    let mut directory = Directory::builtin();
    let csv = std::fs::read_to_string(CISA).expect("CISA register");
    directory.import_cisa_csv(&csv).expect("CISA import");
    directory
});

#[test]
fn cisa_register_imports_every_row_with_its_type() {
    let csv = std::fs::read_to_string(CISA).expect("CISA register");
    let mut directory = Directory::builtin();
    let before = directory.domain_count();
    let summary = directory.import_cisa_csv(&csv).expect("import");
    assert_eq!(summary.rows, 16_539);
    let total: usize = summary.domain_types.values().sum();
    assert_eq!(total, 16_539);
    for (kind, count) in [
        ("City", 8_978),
        ("County", 2_639),
        ("State or territory", 1_409),
        ("Federal - Executive", 1_174),
        ("Tribal", 286),
        ("Federal - Judicial", 24),
    ] {
        assert_eq!(summary.domain_types.get(kind), Some(&count), "{kind}");
    }
    assert_eq!(summary.domain_types.len(), 16);
    // Agency domains that CISA also lists are counted once.
    assert!(directory.domain_count() > before + 16_000);
    assert!(directory.domain_count() < before + 16_539);

    let m = directory
        .domain_match("records.29palms.gov")
        .expect("29palms.gov");
    assert_eq!(m.domain, "29palms.gov");
    assert_eq!(m.record.domain_type.as_deref(), Some("City"));
    assert_eq!(
        m.record.organization.as_deref(),
        Some("City of Twentynine Palms")
    );
    let fbi = directory.domain_match("fbi.gov").expect("fbi.gov");
    assert_eq!(
        fbi.record.organization.as_deref(),
        Some("Federal Bureau of Investigation (Department of Justice)")
    );
    assert_eq!(
        directory
            .agencies_for_domain("fbi.gov")
            .first()
            .map(|a| a.id.as_str()),
        Some("us-fbi"),
        "the built-in agency stays"
    );
    let sheriff = directory
        .agency_ref_for_domain("baltimorecitysheriff.gov", &[])
        .expect("an organisation");
    assert_eq!(
        (sheriff.name.as_str(), sheriff.country.as_str()),
        ("Baltimore City Sheriff's Office", "US")
    );
}

/// One character look-alikes from other scripts, as dnstwist's homoglyph fuzzer uses.
fn unicode_glyphs(c: char) -> &'static [char] {
    match c {
        'a' => &['а', 'à', 'á', 'ɑ'],
        'c' => &['с'],
        'e' => &['е', 'é', 'ё'],
        'i' => &['і', 'í', 'ı'],
        'o' => &['о', 'ο', 'ó'],
        'p' => &['р', 'ρ'],
        's' => &['ѕ'],
        'x' => &['х'],
        'y' => &['у'],
        'b' => &['ь'],
        'd' => &['ԁ'],
        'h' => &['һ'],
        'j' => &['ј'],
        'k' => &['κ'],
        'n' => &['ո'],
        'u' => &['υ'],
        'w' => &['ԝ'],
        _ => &[],
    }
}

/// ASCII look-alikes (`l`/`1`, `o`/`0`, `m`/`rn`).
fn ascii_glyphs(c: char) -> &'static [&'static str] {
    match c {
        'i' => &["1", "l"],
        'l' => &["1", "i"],
        'o' => &["0"],
        'm' => &["rn"],
        'w' => &["vv"],
        'd' => &["cl"],
        _ => &[],
    }
}

const SUFFIXES: &[&str] = &[
    "com", "net", "org", "us", "co", "info", "io", "online", "co.uk",
];
const WORDS: &[&str] = &[
    "gov", "secure", "login", "portal", "records", "mail", "online", "support", "official",
];

/// dnstwist's fuzzers applied to `name` (the labels left of the suffix, joined).
/// Names of up to four letters only get the fuzzers that do not turn them into other
/// ordinary short names (see `allowed_distance` in the look-alike index).
fn permutations(name: &str) -> BTreeSet<String> {
    let chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    let mut names = BTreeSet::new();
    let with = |f: &dyn Fn(&mut Vec<char>)| {
        let mut c = chars.clone();
        f(&mut c);
        c.into_iter().collect::<String>()
    };
    for i in 0..n {
        let c = chars[i];
        for g in unicode_glyphs(c) {
            names.insert(with(&|v| v[i] = *g));
        }
        for g in ascii_glyphs(c) {
            let mut s: String = chars[..i].iter().collect();
            s.push_str(g);
            s.extend(&chars[i + 1..]);
            names.insert(s);
        }
        // repetition
        names.insert(with(&|v| v.insert(i, c)));
        if i + 1 < n {
            // transposition
            names.insert(with(&|v| v.swap(i, i + 1)));
        }
        if i > 0 {
            // hyphenation
            names.insert(with(&|v| v.insert(i, '-')));
        }
    }
    if n > 4 {
        for i in 0..n {
            let c = chars[i];
            // omission
            names.insert(with(&|v| {
                v.remove(i);
            }));
            // replacement and insertion with every letter (covers keyboard neighbours)
            for r in 'a'..='z' {
                if r != c {
                    names.insert(with(&|v| v[i] = r));
                }
                names.insert(with(&|v| v.insert(i, r)));
            }
            // bitsquatting
            for bit in 0..8 {
                let flipped = (c as u32) ^ (1 << bit);
                if let Some(f) = char::from_u32(flipped)
                    && (f.is_ascii_lowercase() || f.is_ascii_digit())
                {
                    names.insert(with(&|v| v[i] = f));
                }
            }
            // vowel swap
            if "aeiou".contains(c) {
                for v2 in "aeiou".chars().filter(|v2| *v2 != c) {
                    names.insert(with(&|v| v[i] = v2));
                }
            }
        }
        // addition
        for r in 'a'..='z' {
            names.insert(format!("{name}{r}"));
        }
    }
    // added words and concatenation
    for w in WORDS {
        names.insert(format!("{name}-{w}"));
        names.insert(format!("{name}{w}"));
        names.insert(format!("{w}-{name}"));
    }
    names.insert(format!("www{name}"));
    names.remove(name);
    names
        .into_iter()
        .filter(|s| !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"))
        .collect()
}

/// The labels left of the suffix (or namespace), joined with dots as written.
fn split(directory: &Directory, domain: &str) -> (String, String) {
    let suffix = directory
        .namespace(domain)
        .map(|ns| ns.suffix.clone())
        .or_else(|| psl::suffix_str(domain).map(str::to_string))
        .unwrap_or_default();
    let left = domain
        .strip_suffix(&format!(".{suffix}"))
        .unwrap_or(domain)
        .to_string();
    (left, suffix)
}

fn flagged_or_exempt(directory: &Directory, candidate: &str) -> Result<(), String> {
    let forms = domain_forms(candidate);
    if directory.domain_match(&forms.ascii).is_some() {
        return Ok(()); // a real directory domain (ice.gov from ic3.gov)
    }
    if !forms.is_idn && directory.namespace(&forms.ascii).is_some() {
        return Ok(()); // only that government can register it
    }
    if directory.lookalikes(candidate).is_empty() {
        Err(candidate.to_string())
    } else {
        Ok(())
    }
}

#[test]
fn every_permutation_of_every_builtin_agency_domain_is_flagged() {
    let directory = &*FULL;
    let mut missed = Vec::new();
    let mut checked = 0usize;
    for agency in Directory::builtin().agencies() {
        for domain in &agency.domains {
            let (left, suffix) = split(directory, domain);
            if left.is_empty() || left == *domain {
                continue;
            }
            let joined = left.replace('.', "");
            let mut candidates = BTreeSet::new();
            if joined.chars().count() < 3 {
                // Two-letter names: only whole-name homographs are meaningful.
                for (i, c) in joined.char_indices() {
                    for g in unicode_glyphs(c) {
                        let mut name = joined.clone();
                        name.replace_range(i..i + c.len_utf8(), &g.to_string());
                        candidates.insert(format!("{name}.{suffix}"));
                    }
                }
            }
            for p in permutations(&joined)
                .into_iter()
                .filter(|_| joined.chars().count() >= 3)
            {
                candidates.insert(format!("{p}.com"));
                candidates.insert(format!("{p}.{suffix}"));
            }
            for s in SUFFIXES.iter().filter(|_| joined.chars().count() >= 3) {
                candidates.insert(format!("{left}.{s}"));
                candidates.insert(format!("{joined}.{s}"));
            }
            // subdomain fuzzer and embedding
            if joined.chars().count() > 2 {
                let (a, b) = joined.split_at(1);
                candidates.insert(format!("{a}.{b}.com"));
            }
            candidates.insert(format!("{domain}.secure-portal.com"));
            candidates.insert(format!("{}.records.net", domain.replace('.', "-")));
            for candidate in candidates {
                checked += 1;
                if let Err(m) = flagged_or_exempt(directory, &candidate) {
                    missed.push(format!("{m} (from {domain})"));
                }
            }
        }
    }
    assert!(checked > 20_000, "{checked} permutations");
    assert!(
        missed.is_empty(),
        "{} of {checked} permutations not flagged: {:?}",
        missed.len(),
        &missed[..missed.len().min(40)]
    );
}

fn message_from(address: &str) -> Message {
    Message {
        parsed: true,
        from: Some(Mailbox {
            address: address.to_string(),
            display_name: None,
        }),
        body_text: "Please find attached our request.".to_string(),
        ..Message::default()
    }
}

#[test]
fn no_directory_domain_is_flagged() {
    let directory = &*FULL;
    let config = ClassifierConfig::default();
    let mut domains: Vec<String> = directory
        .agencies()
        .iter()
        .flat_map(|a| a.domains.clone())
        .collect();
    let csv = std::fs::read_to_string(CISA).expect("CISA register");
    domains.extend(
        csv.lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::to_lowercase),
    );
    let mut flagged = Vec::new();
    for domain in &domains {
        for candidate in [domain.clone(), format!("mail.{domain}")] {
            if !directory.lookalikes(&candidate).is_empty() {
                flagged.push(candidate.clone());
                continue;
            }
            let got = assess_sender(
                &message_from(&format!("agent@{candidate}")),
                directory,
                &config,
            );
            if got.verdict != Verdict::Verified {
                flagged.push(format!("{candidate}: {:?}", got.signals));
            }
        }
    }
    assert!(domains.len() > 16_000);
    assert!(
        flagged.is_empty(),
        "{:?}",
        &flagged[..flagged.len().min(20)]
    );
}

fn agency_names() -> Vec<(String, String)> {
    let directory = Directory::builtin();
    directory
        .agencies()
        .iter()
        .flat_map(|a| a.domains.iter())
        .map(|d| split(&directory, d))
        .collect()
}

static NAMES: LazyLock<Vec<(String, String)>> = LazyLock::new(agency_names);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// An agency name with words glued on, under any suffix, is a look-alike.
    #[test]
    fn agency_names_with_added_words_are_flagged(
        index in 0usize..1_000,
        prefix in proptest::option::of(prop::sample::select(WORDS)),
        suffix_word in proptest::option::of(prop::sample::select(WORDS)),
        separator in prop::sample::select(&["-", ""][..]),
        tld in prop::sample::select(SUFFIXES),
    ) {
        let (left, _) = &NAMES[index % NAMES.len()];
        prop_assume!(left.replace('.', "").chars().count() >= 3);
        let name = left.replace('.', separator);
        let mut label = name.clone();
        if let Some(p) = prefix {
            label = format!("{p}{separator}{label}");
        }
        if let Some(s) = suffix_word {
            label = format!("{label}{separator}{s}");
        }
        let candidate = format!("{label}.{tld}");
        prop_assert!(flagged_or_exempt(&FULL, &candidate).is_ok(), "{candidate}");
    }

    /// A directory domain with any subdomain is verified and never a look-alike.
    #[test]
    fn subdomains_of_directory_domains_are_verified(
        index in 0usize..1_000,
        sub in "[a-z][a-z0-9-]{0,10}[a-z0-9]",
    ) {
        let directory = &*FULL;
        let domains: Vec<&String> = directory.agencies().iter().flat_map(|a| a.domains.iter()).collect();
        let domain = domains[index % domains.len()];
        let candidate = format!("{sub}.{domain}");
        prop_assert!(directory.lookalikes(&candidate).is_empty());
        let got = assess_sender(&message_from(&format!("x@{candidate}")), directory, &ClassifierConfig::default());
        prop_assert_eq!(got.verdict, Verdict::Verified);
    }
}
