//! Targets: identifiers the request is about. (First version: none.)

use crate::ClassifierConfig;
use crate::assessment::{RequestAssessment, SenderAssessment, Signal, Target};
use lea_ingest::Message;

pub struct TargetExtractor {}

impl TargetExtractor {
    pub fn new(_config: &ClassifierConfig) -> Self {
        TargetExtractor {}
    }

    pub fn extract(
        &self,
        _message: &Message,
        _sender: &SenderAssessment,
        _request: &RequestAssessment,
        _signals: &mut Vec<Signal>,
    ) -> Vec<Target> {
        Vec::new()
    }
}
