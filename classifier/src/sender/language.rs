//! Pressure in the wording: urgency and threat-to-life claims, the levers of fake
//! emergency requests. English, German, French, Spanish, Portuguese, Italian, Dutch and
//! Japanese. These raise the risk score; they never decide a verdict alone, since real
//! emergency requests use the same words.

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// Enough text to cover a letter; pressure words sit at its start.
const SCAN_LIMIT: usize = 20_000;

static URGENCY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    build(&[
        // en
        r"\burgent(?:ly)?\b",
        r"\bemergency\b",
        r"\bimmediate(?:ly)?\b",
        r"\bwithout delay\b",
        r"\btime[- ]sensitive\b",
        r"\bas soon as possible\b",
        r"\basap\b",
        r"\bwithin (?:the next )?(?:\d{1,2}|one|two|twenty[- ]four) hours?\b",
        // de
        r"\bdringend\b",
        r"\beilt\b",
        r"\beilig\b",
        r"\bunverzüglich\b",
        r"\bsofort(?:ig)?\b",
        r"\bnotfall\b",
        // fr
        r"\burgente?s?\b",
        r"\burgence\b",
        r"\bimmédiatement\b",
        r"\bsans délai\b",
        // es, pt, it
        r"\burgentes?\b",
        r"\bemergencia\b",
        r"\bemergência\b",
        r"\bemergenza\b",
        r"\binmediata(?:mente)?\b",
        r"\bimediatamente\b",
        r"\bimmediatamente\b",
        // nl
        r"\bspoed(?:eisend)?\b",
        r"\bonmiddellijk\b",
        // ja
        r"緊急",
        r"至急",
    ])
});

static THREAT_TO_LIFE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    build(&[
        // en
        r"\bthreat to (?:human )?life\b",
        r"\b(?:imminent|immediate) (?:danger|threat|risk)\b",
        r"\brisk of (?:death|serious (?:bodily|physical) (?:injury|harm))\b",
        r"\bserious (?:bodily|physical) (?:injury|harm)\b",
        r"\blife[- ]threatening\b",
        r"\bkidnapp(?:ed|ing)\b",
        r"\babduct(?:ed|ion)\b",
        r"\bsuicid(?:e|al)\b",
        r"\bhostage\b",
        // de
        r"\bgefahr für leib(?:,| und) leben\b",
        r"\blebensgefahr\b",
        r"\bentführ(?:ung|t)\b",
        r"\bsuizid\w*\b",
        // fr
        r"\bdanger (?:de mort|imminent|pour la vie)\b",
        r"\bmenace (?:pour|sur) la vie\b",
        r"\benlèvement\b",
        // es
        r"\bpeligro (?:de muerte|inminente|para la vida)\b",
        r"\briesgo para la vida\b",
        r"\bsecuestr(?:o|ado|ada)\b",
        // pt
        r"\brisco de (?:vida|morte)\b",
        r"\bperigo (?:de morte|iminente)\b",
        r"\bsequestr(?:o|ado|ada)\b",
        // it
        r"\bpericolo di (?:vita|morte)\b",
        r"\brischio per la vita\b",
        r"\bsequestro di persona\b",
        // nl
        r"\blevensgevaar(?:lijk)?\b",
        r"\bontvoer(?:ing|d)\b",
        // ja
        r"生命の危険",
        r"誘拐",
    ])
});

fn build(patterns: &[&str]) -> Option<Regex> {
    // ASCII word boundaries keep the regex on its DFA: a Unicode `\b` falls back to a
    // much slower engine on non-ASCII text. No pattern starts or ends with a non-ASCII
    // letter, so the ASCII boundary is the same test here.
    let joined = patterns.join("|").replace(r"\b", r"(?-u:\b)");
    // Built from the constants above; a failure would be caught by the tests.
    RegexBuilder::new(&joined)
        .case_insensitive(true)
        .build()
        .ok()
}

/// The pressure found in a text: the first urgency phrase and threat-to-life phrase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pressure {
    pub urgency: Option<String>,
    pub threat_to_life: Option<String>,
}

pub fn scan(text: &str) -> Pressure {
    let end = (0..=SCAN_LIMIT.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let text = text.get(..end).unwrap_or("");
    let first = |re: &Option<Regex>| {
        re.as_ref()
            .and_then(|r| r.find(text))
            .map(|m| m.as_str().to_string())
    };
    Pressure {
        urgency: first(&URGENCY),
        threat_to_life: first(&THREAT_TO_LIFE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(URGENCY.is_some());
        assert!(THREAT_TO_LIFE.is_some());
    }

    #[test]
    fn finds_pressure_in_several_languages() {
        for text in [
            "URGENT: emergency disclosure",
            "Bitte dringend beantworten",
            "réponse immédiatement svp, c'est urgent",
            "solicitud urgente",
            "至急ご対応ください",
        ] {
            assert!(scan(text).urgency.is_some(), "{text}");
        }
        for text in [
            "there is an imminent danger to a child",
            "Es besteht Gefahr für Leib und Leben",
            "danger de mort",
            "peligro de muerte",
            "risco de vida",
            "pericolo di vita",
            "levensgevaar",
        ] {
            assert!(scan(text).threat_to_life.is_some(), "{text}");
        }
    }

    #[test]
    fn ordinary_text_is_calm() {
        let p = scan("Please find attached our subpoena; respond within 30 days.");
        assert_eq!(p, Pressure::default());
    }
}
