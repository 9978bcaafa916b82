//! The sender fixture corpus: every message's verdict, exact signal codes and agency.

use lea_classifier::sender::assess_sender;
use lea_classifier::{ClassifierConfig, Directory, Verdict};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Attachment, Limits, Mailbox, Message};
use serde::Deserialize;
use std::collections::BTreeSet;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/sender");
const CISA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/dotgov/current-full.csv"
);

#[derive(Deserialize)]
struct Expected {
    message: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    #[allow(dead_code)]
    note: Option<String>,
    verdict: Verdict,
    signals: Vec<String>,
    agency: Option<String>,
    country: Option<String>,
}

fn directory() -> Directory {
    let mut directory = Directory::builtin();
    let csv = std::fs::read_to_string(CISA).expect("CISA register");
    directory.import_cisa_csv(&csv).expect("CISA import");
    let operator =
        std::fs::read_to_string(format!("{FIXTURES}/operator.toml")).expect("operator file");
    directory
        .import_operator_toml(&operator)
        .expect("operator import");
    directory
}

fn config() -> ClassifierConfig {
    ClassifierConfig {
        trusted_authserv_ids: vec!["mx.exchange.example".to_string()],
        ..ClassifierConfig::default()
    }
}

#[test]
fn every_fixture_gets_its_verdict_reasons_and_agency() {
    let expected: Expected = toml::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/expected.toml")).expect("manifest"),
    )
    .expect("valid manifest");
    assert!(
        expected.message.len() >= 60,
        "the corpus has at least 60 messages"
    );
    let directory = directory();
    let config = config();
    let mut failures = Vec::new();
    let mut verdicts = BTreeSet::new();
    for case in &expected.message {
        let raw = std::fs::read(format!("{FIXTURES}/{}", case.file)).expect("fixture file");
        let message =
            lea_ingest::parse_message(&raw, &Limits::default(), &TextExtractor::disabled());
        let got = assess_sender(&message, &directory, &config);
        verdicts.insert(got.verdict.as_str());
        let codes: BTreeSet<&str> = got.signals.iter().map(|s| s.code.as_str()).collect();
        let want: BTreeSet<&str> = case.signals.iter().map(String::as_str).collect();
        let agency = got.agency.as_ref().map(|a| a.name.as_str());
        let country = got.agency.as_ref().map(|a| a.country.as_str());
        if got.verdict != case.verdict
            || codes != want
            || agency != case.agency.as_deref()
            || country != case.country.as_deref()
        {
            failures.push(format!(
                "{}: got {:?} {:?} agency {:?}/{:?}; want {:?} {:?} agency {:?}/{:?}\n  details: {:#?}",
                case.file,
                got.verdict,
                codes,
                agency,
                country,
                case.verdict,
                want,
                case.agency,
                case.country,
                got.signals
            ));
        }
        for s in &got.signals {
            assert!(
                !s.detail.is_empty(),
                "{}: {} has no detail",
                case.file,
                s.code
            );
        }
        let risk_band = match got.verdict {
            Verdict::Verified => 0..=40,
            Verdict::Unverified => 10..=75,
            Verdict::Impersonation => 70..=100,
        };
        assert!(
            risk_band.contains(&got.risk),
            "{}: risk {}",
            case.file,
            got.risk
        );
    }
    assert_eq!(verdicts.len(), 3, "the corpus covers every verdict");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn letter(from: &str, display: &str, pdf_text: &str) -> Message {
    Message {
        parsed: true,
        from: Some(Mailbox {
            address: from.to_string(),
            display_name: Some(display.to_string()),
        }),
        authentication_results: vec![format!(
            "mx.exchange.example; dmarc=pass header.from={}",
            from.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
        )],
        body_text: "Please see the attached letter.\n".to_string(),
        attachments: vec![Attachment {
            filename: Some("request.pdf".to_string()),
            content_type: "application/pdf".to_string(),
            text: Some(pdf_text.to_string()),
            ..Attachment::default()
        }],
        ..Message::default()
    }
}

#[test]
fn a_pdf_letterhead_naming_an_agency_from_free_mail_is_impersonation() {
    let directory = Directory::builtin();
    let message = letter(
        "m.rossi.1980@libero.it",
        "Marco Rossi",
        "GUARDIA DI FINANZA\nNucleo Speciale Tutela Privacy e Frodi Tecnologiche\nRoma, 2 marzo 2026\n\nOggetto: richiesta dati",
    );
    let got = assess_sender(&message, &directory, &config());
    assert_eq!(got.verdict, Verdict::Impersonation);
    assert_eq!(got.agency.map(|a| a.country), Some("IT".to_string()));
    let claim = got
        .signals
        .iter()
        .find(|s| s.code == "agency_claim_mismatch")
        .expect("a claim signal");
    assert!(claim.detail.contains("letterhead"), "{}", claim.detail);
}

#[test]
fn the_same_letterhead_from_the_agency_is_verified() {
    let directory = Directory::builtin();
    let message = letter(
        "nucleo.privacy@gdf.it",
        "Guardia di Finanza",
        "GUARDIA DI FINANZA\nNucleo Speciale Tutela Privacy e Frodi Tecnologiche\n",
    );
    let got = assess_sender(&message, &directory, &config());
    assert_eq!(got.verdict, Verdict::Verified);
    assert_eq!(
        got.agency.map(|a| a.name),
        Some("Guardia di Finanza".to_string())
    );
}

#[test]
fn no_configured_authserv_id_means_no_header_is_believed() {
    let directory = Directory::builtin();
    let message = letter("nucleo.privacy@gdf.it", "GdF", "");
    let got = assess_sender(&message, &directory, &ClassifierConfig::default());
    let codes: Vec<&str> = got.signals.iter().map(|s| s.code.as_str()).collect();
    assert!(codes.contains(&"auth_untrusted_header"));
    assert!(codes.contains(&"auth_missing"));
    assert!(!codes.contains(&"auth_pass"));
}
