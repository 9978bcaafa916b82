use super::*;
use lea_classifier::{Classifier, ClassifierConfig, Directory};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, Origin, parse_message};

fn incoming(raw: &str) -> Incoming {
    let raw = raw.replace('\n', "\r\n").into_bytes();
    let message = parse_message(&raw, &Limits::default(), &TextExtractor::disabled());
    let classifier = Classifier::new(Directory::builtin(), ClassifierConfig::default());
    let mut assessment = classifier.assess(&message, Utc::now());
    // The rules here are about headers; the verdict is set by each test that needs it
    // (the Reply-To below alone makes the classifier suspicious).
    assessment.sender.verdict = Verdict::Unverified;
    Incoming {
        origin: Origin::Archive {
            archive: "t".into(),
            item: "1".into(),
        },
        raw,
        received_at: None,
        message,
        assessment,
        imported: false,
    }
}

fn options() -> AckOptions {
    AckOptions {
        min_interval: Duration::from_secs(3600),
        texts: HashMap::from([
            (
                "en".to_string(),
                "Ref {reference} for {subject}".to_string(),
            ),
            ("de".to_string(), "Aktenzeichen {reference}".to_string()),
        ]),
        from_address: "intake@exchange.example".into(),
        domain: "exchange.example".into(),
    }
}

fn mail(headers: &str) -> String {
    format!(
        "From: Agent <Agent@Police.example>\nReply-To: other@elsewhere.example\n\
         To: lea@exchange.example\nMessage-ID: <orig-1@police.example>\n\
         References: <older@police.example>\n{headers}Subject: Preservation  request\n\n\
         Please preserve the records.\n"
    )
}

#[test]
fn the_sender_is_answered_never_the_reply_to() {
    assert_eq!(
        assess(&incoming(&mail("")), &options()),
        Ok("agent@police.example".to_string())
    );
}

#[test]
fn machines_lists_and_bounces_are_never_answered() {
    let cases = [
        ("Auto-Submitted: auto-replied\n", "automatic"),
        ("Auto-Submitted: auto-generated; owner=x\n", "automatic"),
        ("Precedence: bulk\n", "automatic"),
        ("Precedence: junk\n", "automatic"),
        ("List-Id: <requests.police.example>\n", "automatic"),
        ("List-Unsubscribe: <mailto:u@police.example>\n", "automatic"),
        ("X-Auto-Response-Suppress: All\n", "automatic"),
        ("X-Lea-Intake-Ack: acknowledgement\n", "own_acknowledgement"),
        ("Return-Path: <>\n", "bounce"),
    ];
    for (header, reason) in cases {
        let m = incoming(&mail(header));
        let Err(skip) = assess(&m, &options()) else {
            panic!(
                "{header}: answered; return path {:?}, automation {:?}",
                m.message.return_path, m.message.automation_headers
            );
        };
        assert!(skip.reason().starts_with(reason), "{header}: {skip:?}");
    }
    // "no" is a person writing.
    assert!(assess(&incoming(&mail("Auto-Submitted: no\n")), &options()).is_ok());
    let daemon = mail("").replace("Agent@Police.example", "MAILER-DAEMON@police.example");
    assert_eq!(assess(&incoming(&daemon), &options()), Err(Skip::Bounce));
    let ours = mail("").replace(
        "orig-1@police.example",
        "ack.LEA-2026-000001@exchange.example",
    );
    assert_eq!(
        assess(&incoming(&ours), &options()),
        Err(Skip::OwnAcknowledgement)
    );
}

#[test]
fn impersonators_are_never_answered() {
    let mut fake = incoming(&mail(""));
    fake.assessment.sender.verdict = Verdict::Impersonation;
    assert_eq!(assess(&fake, &options()), Err(Skip::Impersonation));
}

#[test]
fn imports_are_never_answered() {
    let mut old = incoming(&mail(""));
    old.imported = true;
    assert_eq!(assess(&old, &options()), Err(Skip::Imported));
}

#[test]
fn the_acknowledgement_threads_and_quotes_the_reference() {
    let at = DateTime::parse_from_rfc3339("2026-03-01T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let r = render(&incoming(&mail("")), "LEA-2026-000042", at, &options());
    assert_eq!(r.subject, "[LEA-2026-000042] Preservation request");
    assert_eq!(r.body, "Ref LEA-2026-000042 for Preservation request");
    assert_eq!(r.message_id, "ack.LEA-2026-000042@exchange.example");
    assert_eq!(r.in_reply_to.as_deref(), Some("orig-1@police.example"));
    assert_eq!(
        r.references.as_deref(),
        Some("<older@police.example> <orig-1@police.example>")
    );
}

#[test]
fn the_text_follows_the_request_language_with_english_as_fallback() {
    let at = Utc::now();
    let mut german = incoming(&mail(""));
    german.assessment.request.language = Some("de".into());
    assert_eq!(
        render(&german, "R-1", at, &options()).body,
        "Aktenzeichen R-1"
    );
    german.assessment.request.language = Some("fr".into());
    assert!(
        render(&german, "R-1", at, &options())
            .body
            .starts_with("Ref R-1")
    );
    let mut bare = options();
    bare.texts.clear();
    let body = render(&german, "R-1", at, &bare).body;
    assert!(body.contains("under the reference R-1"), "{body}");
}

#[test]
fn message_ids_hold_only_allowed_characters() {
    assert_eq!(
        ack_message_id("CASE 7/2027", "x.example"),
        "ack.CASE-7/2027@x.example"
    );
}

#[test]
fn odd_message_ids_are_left_out_of_our_headers() {
    let mut odd = incoming(&mail(""));
    odd.message.message_id = Some("a b\r\nBcc: x@evil.example".into());
    odd.message.references = vec!["ok@police.example".into(), "<nested>".into()];
    let r = render(&odd, "R-1", Utc::now(), &options());
    assert_eq!(r.in_reply_to, None);
    assert_eq!(r.references.as_deref(), Some("<ok@police.example>"));
}
