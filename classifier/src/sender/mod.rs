//! Sender verification. (First version: restricted namespaces only.)

use crate::assessment::{SenderAssessment, Verdict};
use crate::{ClassifierConfig, Directory};
use lea_ingest::Message;

pub fn assess_sender(
    message: &Message,
    directory: &Directory,
    _config: &ClassifierConfig,
) -> SenderAssessment {
    let (address, display_name) = match &message.from {
        Some(m) => (m.address.to_lowercase(), m.display_name.clone()),
        None => (String::new(), None),
    };
    let domain = message.from_domain();
    let verdict = if directory.restricted_namespace(&domain).is_some() {
        Verdict::Verified
    } else {
        Verdict::Unverified
    };
    SenderAssessment {
        address,
        display_name,
        domain,
        verdict,
        agency: None,
        risk: 0,
        signals: Vec::new(),
    }
}
