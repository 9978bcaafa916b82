//! lea-classifier: from a parsed message and a directory of agencies to an [`Assessment`].
//!
//! Pure code: no I/O, no async, no clock except the one passed in. That keeps the heart
//! of the product fast, testable with plain unit tests and safe to fuzz.
//!
//! - [`directory`]: verified agencies, their domains, restricted government namespaces,
//!   free-mail providers, and the importers that build it from data.
//! - [`sender`]: is the sender who it claims to be? A verdict with its reasons.
//! - [`request`]: what is asked (kind, deadline, agency reference, jurisdiction, language).
//! - [`targets`]: the identifiers the request is about, validated by their checksums.
//! - [`assessment`]: the result, serialised as the `classify --json` contract.

pub mod assessment;
pub mod directory;
pub mod request;
pub mod sender;
pub mod targets;
pub mod text;

pub use assessment::{
    AgencyRef, Assessment, AttachmentSummary, RequestAssessment, RequestKind, SenderAssessment,
    Severity, Signal, Target, Verdict,
};
pub use directory::Directory;

use lea_ingest::Message;

/// Settings that change how messages are judged; from the `[classifier]` config section.
#[derive(Debug, Clone, Default)]
pub struct ClassifierConfig {
    /// `authserv-id`s whose Authentication-Results headers are trusted (our own MX).
    pub trusted_authserv_ids: Vec<String>,
    /// The exchange's own domains: never targets, never the requester.
    pub own_domains: Vec<String>,
    /// Regular expressions that match the exchange's account identifiers.
    pub account_id_patterns: Vec<String>,
}

/// A ready classifier: the directory plus the settings. Cheap to share between threads.
pub struct Classifier {
    directory: Directory,
    config: ClassifierConfig,
    targets: targets::TargetExtractor,
}

impl Classifier {
    pub fn new(directory: Directory, config: ClassifierConfig) -> Self {
        let targets = targets::TargetExtractor::new(&config);
        Classifier {
            directory,
            config,
            targets,
        }
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn config(&self) -> &ClassifierConfig {
        &self.config
    }

    /// Judge one message. `now` anchors relative dates (a letter without a year).
    pub fn assess(&self, message: &Message, now: chrono::DateTime<chrono::Utc>) -> Assessment {
        let sender = sender::assess_sender(message, &self.directory, &self.config);
        // Request understanding and target extraction read the same split of the body.
        let split = text::split_reply(&message.body_text);
        let texts = request::layers::Texts::with_split(message, &split);
        let request = request::understand_texts(message, &texts, &sender, &self.directory, now);
        let mut signals = Vec::new();
        let targets = self
            .targets
            .extract_split(message, &split, &sender, &request, &mut signals);
        let mut sender = sender;
        sender.signals.extend(signals);
        Assessment {
            sender,
            request,
            targets,
            attachments: assessment::summarise_attachments(message),
        }
    }
}
