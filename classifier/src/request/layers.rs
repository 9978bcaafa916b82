//! The texts of a message in the order they speak for the request: what the writer
//! wrote now (subject and new body), the letters attached, then the quoted history.

use crate::text::{ReplySplit, bounded, split_reply};
use lea_ingest::Message;
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Subject,
    NewBody,
    Attachment,
    Quoted,
}

/// One text with where it comes from.
#[derive(Debug, Clone)]
pub struct Piece {
    pub layer: Layer,
    pub text: String,
}

/// All the text of a message, split by layer.
#[derive(Debug, Clone, Default)]
pub struct Texts {
    pub pieces: Vec<Piece>,
}

static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)^\s*(?:(?:re|aw|wg|fw|fwd|tr|rv|r|i|rif|antw|doorst|enc|res|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+")
        .unwrap_or_else(|e| panic!("reply prefix regex: {e}"))
});

/// Nested messages deeper than this are not read for the request.
const MAX_DEPTH: usize = 4;

impl Texts {
    pub fn of(message: &Message) -> Texts {
        Texts::with_split(message, &split_reply(&message.body_text))
    }

    /// [`Texts::of`] with the body already split into new and quoted text.
    pub fn with_split(message: &Message, split: &ReplySplit) -> Texts {
        let mut pieces = Vec::new();
        if let Some(subject) = &message.subject {
            let clean = REPLY_PREFIX.replace(subject, "").into_owned();
            pieces.push(Piece {
                layer: Layer::Subject,
                text: clean,
            });
        }
        pieces.push(Piece {
            layer: Layer::NewBody,
            text: split.new_text.clone(),
        });
        attachments(message, &mut pieces, 0);
        pieces.push(Piece {
            layer: Layer::Quoted,
            text: split.quoted_text.clone(),
        });
        Texts { pieces }
    }

    /// The texts of some layers, in order.
    pub fn of_layers<'a>(&'a self, layers: &'a [Layer]) -> impl Iterator<Item = &'a str> + 'a {
        self.pieces
            .iter()
            .filter(move |p| layers.contains(&p.layer))
            .map(|p| p.text.as_str())
    }

    /// The texts of some layers joined by blank lines.
    pub fn joined(&self, layers: &[Layer]) -> String {
        let mut out = String::new();
        for text in self.of_layers(layers) {
            if !text.trim().is_empty() {
                out.push_str(text);
                out.push_str("\n\n");
            }
        }
        out
    }
}

fn attachments(message: &Message, pieces: &mut Vec<Piece>, depth: usize) {
    for attachment in &message.attachments {
        if let Some(text) = &attachment.text {
            pieces.push(Piece {
                layer: Layer::Attachment,
                text: bounded(text).into_owned(),
            });
        }
        if let Some(inner) = &attachment.message
            && depth < MAX_DEPTH
        {
            // A forwarded request is the request: read it like a letter.
            let mut text = inner.subject.clone().unwrap_or_default();
            text.push('\n');
            text.push_str(&bounded(&inner.body_text));
            pieces.push(Piece {
                layer: Layer::Attachment,
                text,
            });
            attachments(inner, pieces, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_prefixes_are_removed() {
        assert_eq!(
            REPLY_PREFIX.replace("RE: AW: Fwd: Subpoena", ""),
            "Subpoena"
        );
        assert_eq!(REPLY_PREFIX.replace("TR : Réquisition", ""), "Réquisition");
        assert_eq!(REPLY_PREFIX.replace("Reminder", ""), "Reminder");
    }
}
