//! Is the request urgent? Emergencies always are; otherwise the writer says so in the
//! subject, the new text or the letter ("urgent", "dringend", "urgente", "spoed"...).

use super::layers::{Piece, SetMember};
use crate::text::PatternSet;
use regex::Regex;
use std::sync::LazyLock;

/// One pattern, kept as a set so that it joins the one scan of each piece
/// ([`SetMember`]): most texts say nothing of urgency.
static URGENT: LazyLock<PatternSet> = LazyLock::new(|| {
    PatternSet::new(&[
        r"(?i)\b(?:urgent|urgently|urgency|asap|as\s+soon\s+as\s+possible|immediately|time[\s-]sensitive|without\s+delay|high\s+priority|dringend|dringlich|eilt|eilig|eilsache|sofort|unverzüglich|urgence|urgente?s?|immédiatement|sans\s+délai|de\s+toute\s+urgencia|urgencia|inmediato|inmediatamente|de\s+inmediato|sin\s+demora|urgenza|urgentissim[oaie]|al\s+più\s+presto|quanto\s+prima|so\s+schnell\s+wie\s+möglich|umgehend|dans\s+les\s+meilleurs\s+délais|dès\s+que\s+possible|lo\s+antes\s+posible|a\s+la\s+mayor\s+brevedad|zo\s+spoedig\s+mogelijk|zo\s+snel\s+mogelijk|o\s+mais\s+rapidamente\s+possível|com\s+a\s+maior\s+brevidade|immediatamente|subito|senza\s+indugio|spoed|spoedeisend|dringende?|onmiddellijk|onverwijld|urgência|imediatamente|com\s+a\s+máxima\s+urgência|sem\s+demora)\b",
    ])
    .unwrap_or_else(|e| panic!("urgency regex: {e}"))
});

/// The urgency pattern, for the one scan of each piece ([`SetMember`]).
pub(super) fn pattern_set() -> &'static PatternSet {
    &URGENT
}

/// "not urgent", "nicht dringend", "pas urgent", "no es urgente", "non urgente", "niet
/// dringend", "não é urgente": the word is there and says the opposite.
static NOT_URGENT: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?i)\b(?:not|no|non|nicht|kein|pas|niet|não|nao)\s+(?:(?:es|é|e|ist|is|est|très|sehr|so)\s+)?(?:urgent|urgente|dringend|eilig|spoed|urgência)\b",
    )
    .unwrap_or_else(|e| panic!("not-urgent regex: {e}"))
});

/// True when the text asks for urgency.
pub fn says_urgent(text: &str) -> bool {
    urgent_unless_negated(text, URGENT.matching(text).next().map(|(_, re)| re))
}

/// [`says_urgent`] on a piece, which has been scanned already.
pub fn piece_says_urgent(piece: &Piece) -> bool {
    urgent_unless_negated(
        piece.text(),
        piece.matching(SetMember::Urgency).next().map(|(_, re)| re),
    )
}

/// `urgent` is the urgency regex when the text matches it somewhere.
fn urgent_unless_negated(text: &str, urgent: Option<&Regex>) -> bool {
    // Most texts say nothing of urgency: the negations are only looked for when needed.
    let Some(urgent) = urgent else {
        return false;
    };
    let negated: Vec<_> = NOT_URGENT.find_iter(text).map(|m| m.range()).collect();
    urgent.find_iter(text).any(|m| {
        !negated
            .iter()
            .any(|n| n.start <= m.start() && m.end() <= n.end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_words_and_negation() {
        assert!(says_urgent("EILT! Bitte sofort bearbeiten"));
        assert!(says_urgent("Richiesta urgente"));
        assert!(says_urgent("Spoed: verzoek"));
        assert!(!says_urgent("This is not urgent."));
        assert!(!says_urgent("Dit is niet dringend."));
        assert!(!says_urgent("Please reply by March 3."));
        for text in [
            "EILT! Bitte sofort bearbeiten",
            "This is not urgent.",
            "Please reply by March 3.",
        ] {
            let piece = Piece::new(super::super::layers::Layer::NewBody, text.to_string());
            assert_eq!(piece_says_urgent(&piece), says_urgent(text), "{text}");
        }
    }
}
