//! Request understanding: what is asked, by whom, by when. Reads the subject, the new
//! body text, the attached letters and the quoted history, in that order of authority.
//!
//! - [`kind`]: the legal process, by the main action asked for.
//! - [`urgency`]: emergencies and explicit urgency.
//! - [`language`]: the language of the new text.
//! - [`dates`] and [`deadline`]: the answer-by date, or a relative deadline as text.
//! - [`reference`]: the agency's own case number, with its label.
//! - [`jurisdiction`]: the requesting (or imitated) agency's country.

pub mod dates;
pub mod deadline;
pub mod jurisdiction;
pub mod kind;
pub mod language;
pub mod layers;
pub mod reference;
pub mod urgency;

use crate::Directory;
use crate::assessment::{RequestAssessment, RequestKind, SenderAssessment};
use layers::{Layer, Texts};
use lea_ingest::Message;

/// Understand one message. `now` anchors dates written without a year when the message
/// has no date of its own.
pub fn understand(
    message: &Message,
    sender: &SenderAssessment,
    directory: &Directory,
    now: chrono::DateTime<chrono::Utc>,
) -> RequestAssessment {
    understand_texts(message, &Texts::of(message), sender, directory, now)
}

/// [`understand`] with the message's texts already split into layers.
pub fn understand_texts(
    message: &Message,
    texts: &Texts,
    sender: &SenderAssessment,
    directory: &Directory,
    now: chrono::DateTime<chrono::Utc>,
) -> RequestAssessment {
    let kind = kind::classify(texts);
    let jurisdiction = jurisdiction::find(sender, directory, texts);
    let anchor = message.date.unwrap_or(now).date_naive();
    let deadline = deadline::find(texts, dates::month_first(jurisdiction.as_deref()), anchor);
    let urgent = kind == RequestKind::EmergencyDisclosure
        || texts
            .pieces_of(&[Layer::Subject, Layer::NewBody, Layer::Attachment])
            .any(urgency::piece_says_urgent);
    RequestAssessment {
        kind,
        urgent,
        deadline: deadline.date,
        deadline_text: deadline.text,
        agency_reference: reference::find(texts),
        jurisdiction,
        language: language::detect(texts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Verdict;
    use chrono::NaiveDate;

    fn understand_body(subject: &str, body: &str, domain: &str) -> RequestAssessment {
        let message = Message {
            subject: Some(subject.to_string()),
            body_text: body.to_string(),
            ..Message::default()
        };
        let sender = SenderAssessment {
            address: format!("officer@{domain}"),
            display_name: None,
            domain: domain.to_string(),
            verdict: Verdict::Unverified,
            agency: None,
            risk: 0,
            signals: Vec::new(),
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        understand(&message, &sender, &Directory::builtin(), now)
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn subpoena_form_fields() {
        let r = understand_body(
            "Subpoena to produce documents",
            "Date: March 1, 2026\n\nYOU ARE COMMANDED to produce the documents listed in Attachment A.\n\nDate and Time: 03/20/2026 10:00 am\n",
            "usdoj.gov",
        );
        assert_eq!(r.kind, RequestKind::Subpoena);
        assert_eq!(r.deadline, day(2026, 3, 20));
        assert_eq!(r.jurisdiction.as_deref(), Some("US"));
        assert_eq!(r.language.as_deref(), Some("en"));
    }

    #[test]
    fn deadline_labels_in_german_and_french() {
        let r = understand_body(
            "Auskunftsersuchen",
            "Sehr geehrte Damen und Herren, wir bitten um Auskunft zu dem Konto.\nFrist: 31.03.2026\n",
            "polizei.sachsen.de",
        );
        assert_eq!(r.deadline, day(2026, 3, 31));
        assert_eq!(r.jurisdiction.as_deref(), Some("DE"));
        let r = understand_body(
            "Demande d'informations",
            "Madame, Monsieur, merci de nous communiquer les informations demandées.\nDate limite de réponse : 30/04/2026\n",
            "interieur.gouv.fr",
        );
        assert_eq!(r.kind, RequestKind::InformationRequest);
        assert_eq!(r.deadline, day(2026, 4, 30));
        assert_eq!(r.language.as_deref(), Some("fr"));
    }

    #[test]
    fn spelled_out_relative_deadline() {
        let r = understand_body(
            "Request for information",
            "Please provide the information within ten (10) business days of receipt of this letter.",
            "example.org",
        );
        assert_eq!(r.deadline, None);
        assert_eq!(
            r.deadline_text.as_deref(),
            Some("within ten (10) business days of receipt of this letter")
        );
    }

    #[test]
    fn quoted_deadline_counts_when_the_new_text_has_none() {
        let r = understand_body(
            "Re: Preservation request",
            "Any news?\n\nOn Mon, 2 Mar 2026, Agent <a@b.gov> wrote:\n> Please preserve the account and confirm by March 9, 2026.\n",
            "b.gov",
        );
        assert_eq!(r.kind, RequestKind::PreservationRequest);
        assert_eq!(r.deadline, day(2026, 3, 9));
    }

    #[test]
    fn our_reference_beats_your_reference() {
        let r = understand_body(
            "Request",
            "Your reference: EXA-LER-77\nOur reference: 2026/123-CY\nPlease send the data.",
            "example.org",
        );
        assert_eq!(
            r.agency_reference.as_deref(),
            Some("Our reference: 2026/123-CY")
        );
    }
}

#[cfg(test)]
mod hostile_input {
    use super::*;
    use crate::{Classifier, ClassifierConfig};

    /// A long text without line breaks, dense with labels, dates and candidates: every
    /// look-around is bounded, so this stays linear (run it with --release to see).
    #[test]
    fn one_long_line_of_lookalikes_is_handled() {
        let unit = "Ref. 12/34 Case No. 55-1 by 03/04/2026 from 1.1.2025 bis 2.2.2025 +49 151 2345678 tel 0151 2345 \
                    1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb a@b.co 10.0.0.1 DE89370400440532013001 ";
        let body = unit.repeat(4000);
        let message = Message {
            body_text: body,
            ..Message::default()
        };
        let classifier = Classifier::new(Directory::builtin(), ClassifierConfig::default());
        let assessment = classifier.assess(&message, chrono::Utc::now());
        assert_eq!(
            assessment.request.agency_reference.as_deref(),
            Some("Case No. 55-1")
        );
        assert!(assessment.targets.iter().any(|t| t.kind == "email"));
    }
}
