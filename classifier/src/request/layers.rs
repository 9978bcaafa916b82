//! The texts of a message in the order they speak for the request: what the writer
//! wrote now (subject and new body), the letters attached, then the quoted history.

use super::{jurisdiction, kind, reference, urgency};
use crate::text::{PatternSet, ReplySplit, SetUnion, UnionMatches, bounded, split_reply};
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
    text: String,
    /// The text scanned once by every pattern set of request understanding.
    scanned: UnionMatches<'static>,
}

/// The pattern sets that read every piece, searched together ([`SetUnion`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum SetMember {
    Kind,
    Reference,
    Jurisdiction,
    Urgency,
}

impl SetMember {
    const ALL: [SetMember; 4] = [
        SetMember::Kind,
        SetMember::Reference,
        SetMember::Jurisdiction,
        SetMember::Urgency,
    ];

    fn set(self) -> &'static PatternSet {
        match self {
            SetMember::Kind => kind::pattern_set(),
            SetMember::Reference => reference::pattern_set(),
            SetMember::Jurisdiction => jurisdiction::pattern_set(),
            SetMember::Urgency => urgency::pattern_set(),
        }
    }
}

static REQUEST_SETS: LazyLock<SetUnion> =
    LazyLock::new(|| SetUnion::new(&SetMember::ALL.map(SetMember::set)));

impl Piece {
    pub fn new(layer: Layer, text: String) -> Piece {
        let scanned = REQUEST_SETS.scan(&text);
        Piece {
            layer,
            text,
            scanned,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The patterns of `member`'s set that match somewhere in this text, in list order,
    /// with their index: what `member`'s own [`PatternSet::matching`] would give.
    pub(super) fn matching(
        &self,
        member: SetMember,
    ) -> impl Iterator<Item = (usize, &'static Regex)> + '_ {
        member
            .set()
            .matching_scanned(&self.scanned, member as usize)
    }
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
            pieces.push(Piece::new(Layer::Subject, clean));
        }
        pieces.push(Piece::new(Layer::NewBody, split.new_text.clone()));
        attachments(message, &mut pieces, 0);
        pieces.push(Piece::new(Layer::Quoted, split.quoted_text.clone()));
        Texts { pieces }
    }

    /// The texts of some layers, in order.
    pub fn of_layers<'a>(&'a self, layers: &'a [Layer]) -> impl Iterator<Item = &'a str> + 'a {
        self.pieces_of(layers).map(Piece::text)
    }

    /// The pieces of some layers, in order.
    pub fn pieces_of<'a>(&'a self, layers: &'a [Layer]) -> impl Iterator<Item = &'a Piece> + 'a {
        self.pieces
            .iter()
            .filter(move |p| layers.contains(&p.layer))
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
            pieces.push(Piece::new(Layer::Attachment, bounded(text).into_owned()));
        }
        if let Some(inner) = &attachment.message
            && depth < MAX_DEPTH
        {
            // A forwarded request is the request: read it like a letter.
            let mut text = inner.subject.clone().unwrap_or_default();
            text.push('\n');
            text.push_str(&bounded(&inner.body_text));
            pieces.push(Piece::new(Layer::Attachment, text));
            attachments(inner, pieces, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_gives_each_set_what_it_would_find_alone() {
        let texts = [
            "Grand Jury Subpoena\nCase No. 2026-GJ-114\nFederal Bureau of Investigation",
            "Réquisition judiciaire\nProcédure n° 2026/118\nGendarmerie nationale",
            "Sehr geehrte Damen und Herren, Az. 123 Js 4567/25, Bundeskriminalamt. EILT!",
            "nothing to see here",
        ];
        for text in texts {
            let piece = Piece::new(Layer::NewBody, text.to_string());
            for member in SetMember::ALL {
                let alone: Vec<usize> = member.set().matching(text).map(|(i, _)| i).collect();
                let shared: Vec<usize> = piece.matching(member).map(|(i, _)| i).collect();
                assert_eq!(alone, shared, "{member:?} on {text:?}");
            }
        }
        // The texts above exercise every member.
        let piece = Piece::new(Layer::NewBody, texts.join("\n"));
        for member in SetMember::ALL {
            assert!(piece.matching(member).next().is_some(), "{member:?}");
        }
    }

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
