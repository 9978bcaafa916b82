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
    let texts = Texts::of(message);
    let kind = kind::classify(&texts);
    let jurisdiction = jurisdiction::find(sender, directory, &texts);
    let anchor = message.date.unwrap_or(now).date_naive();
    let deadline = deadline::find(&texts, dates::month_first(jurisdiction.as_deref()), anchor);
    let urgent = kind == RequestKind::EmergencyDisclosure
        || texts
            .of_layers(&[Layer::Subject, Layer::NewBody, Layer::Attachment])
            .any(urgency::says_urgent);
    RequestAssessment {
        kind,
        urgent,
        deadline: deadline.date,
        deadline_text: deadline.text,
        agency_reference: reference::find(&texts),
        jurisdiction,
        language: language::detect(&texts),
    }
}
