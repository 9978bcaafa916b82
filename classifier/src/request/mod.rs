//! Request understanding. (First version: kind from keywords.)

use crate::Directory;
use crate::assessment::{RequestAssessment, RequestKind, SenderAssessment};
use lea_ingest::Message;

pub fn understand(
    message: &Message,
    _sender: &SenderAssessment,
    directory: &Directory,
    _now: chrono::DateTime<chrono::Utc>,
) -> RequestAssessment {
    let text = format!(
        "{} {}",
        message.subject.as_deref().unwrap_or(""),
        message.body_text
    )
    .to_lowercase();
    let kind = if text.contains("emergency") {
        RequestKind::EmergencyDisclosure
    } else if text.contains("subpoena") {
        RequestKind::Subpoena
    } else if text.contains("preserv") {
        RequestKind::PreservationRequest
    } else {
        RequestKind::Other
    };
    RequestAssessment {
        kind,
        urgent: kind == RequestKind::EmergencyDisclosure,
        deadline: None,
        deadline_text: None,
        agency_reference: None,
        jurisdiction: directory
            .restricted_namespace(&message.from_domain())
            .map(str::to_string),
        language: None,
    }
}
