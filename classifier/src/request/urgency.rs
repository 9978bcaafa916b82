//! Is the request urgent? Emergencies always are; otherwise the writer says so in the
//! subject, the new text or the letter ("urgent", "dringend", "urgente", "spoed"...).

use regex::Regex;
use std::sync::LazyLock;

static URGENT: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?i)\b(?:urgent|urgently|urgency|asap|as\s+soon\s+as\s+possible|immediately|time[\s-]sensitive|without\s+delay|high\s+priority|dringend|dringlich|eilt|eilig|eilsache|sofort|unverzüglich|urgence|urgente?s?|immédiatement|sans\s+délai|de\s+toute\s+urgencia|urgencia|inmediato|inmediatamente|de\s+inmediato|sin\s+demora|urgenza|urgentissim[oaie]|al\s+più\s+presto|quanto\s+prima|so\s+schnell\s+wie\s+möglich|umgehend|dans\s+les\s+meilleurs\s+délais|dès\s+que\s+possible|lo\s+antes\s+posible|a\s+la\s+mayor\s+brevedad|zo\s+spoedig\s+mogelijk|zo\s+snel\s+mogelijk|o\s+mais\s+rapidamente\s+possível|com\s+a\s+maior\s+brevidade|immediatamente|subito|senza\s+indugio|spoed|spoedeisend|dringende?|onmiddellijk|onverwijld|urgência|imediatamente|com\s+a\s+máxima\s+urgência|sem\s+demora)\b",
    )
    .unwrap_or_else(|e| panic!("urgency regex: {e}"))
});

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
    // Most texts say nothing of urgency: the negations are only looked for when needed.
    if !URGENT.is_match(text) {
        return false;
    }
    let negated: Vec<_> = NOT_URGENT.find_iter(text).map(|m| m.range()).collect();
    URGENT.find_iter(text).any(|m| {
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
    }
}
