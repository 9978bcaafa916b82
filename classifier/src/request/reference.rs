//! The agency's own case or file number, with its label, as written: "Case No. …",
//! "FBI File No. …", "Az. …", "Procédure n° …". Labels that point at the exchange's
//! numbering ("your ref", "Ihr Zeichen", "Ticket") are never the agency's reference.

use super::layers::{Layer, SetMember, Texts};
use crate::text::PatternSet;
use regex::Regex;
use std::sync::LazyLock;

/// Labels, most specific first. The index is the label's rank: lower wins.
const LABELS: &[&str] = &[
    // Agency file numbers.
    r"(?:FBI|DEA|HSI|IRS(?:-CI)?|USSS|ATF|CBP|NCA|OIG|FinCEN|BKA|LKA)\s+(?:File|Case|Aktenzeichen)\s*(?:No\.?|Number|#|Nr\.?)",
    r"Grand\s+Jury\s+(?:No\.?|Number|#)|GJ\s+(?:No\.?|#)",
    r"(?:Criminal\s+)?Case\s+(?:No\.?|Number|#|ID)|Docket\s+(?:No\.?|Number)|Matter\s+(?:No\.?|Number)|Investigation\s+(?:No\.?|Number)|Subpoena\s+(?:No\.?|Number)|Crime\s+Reference(?:\s+Number)?|Incident\s+(?:No\.?|Number)|File\s+(?:No\.?|Number|#)",
    r"Az\.?|Aktenzeichen|Geschäftszeichen|Geschäftszahl|GZ|Gz\.|Tgb\.?-?Nr\.?|Vorgangs(?:nummer|-Nr\.?)|Ermittlungsverfahren\s+(?:Az\.?|Nr\.?)?",
    r"Procédure\s+n\s?[°o]\.?|N\s?[°o]\s+de\s+(?:procédure|parquet|dossier)|PV\s+n\s?[°o]|Dossier\s+n\s?[°o]|N\s?[°o]\s+Parquet",
    r"Diligencias\s+(?:Previas|de\s+Investigación)(?:\s+(?:n\.?\s?[º°o]\.?|núm\.?))?|(?:N\.?\s?[º°]|Núm\.?|Número)\s+de\s+(?:procedimiento|expediente|atestado|diligencias)|Expediente(?:\s+n\.?\s?[º°o]\.?)?|Atestado(?:\s+n\.?\s?[º°o]\.?)?",
    r"Proc\.\s*pen\.\s*n\.?|Procedimento\s+penale\s+n\.?|R\.G\.N\.R\.\s+n\.?|RGNR\s+n\.?|Fascicolo\s+n\.?",
    r"Zaaknummer|Parketnummer|Parketnr\.?|BVH-nummer|Registratienummer|Dossiernummer|Proces-verbaalnummer|PV-nummer",
    r"NUIPC|Inquérito\s+n\.?\s?[º°o]?|Processo\s+n\.?\s?[º°o]?|Proc\.\s*n\.?\s?[º°o]?|N\.?\s?[º°]\s+(?:do\s+)?(?:processo|inquérito)",
    // Generic labels: used when nothing more specific is written.
    r"Our\s+ref(?:erence)?\.?|Unser\s+Zeichen|Notre\s+référence|Nuestra\s+referencia|Nostro\s+riferimento|Ons\s+kenmerk|Nossa\s+referência",
    r"Reference(?:\s+(?:No\.?|Number))?|Ref\.?|Référence|Réf\.?|Referencia|Riferimento|Rif\.?|Kenmerk|Referência|Procedimiento(?:\s+n\.?\s?[º°o]\.?)?|Procedimento\s+n\.?",
];

/// Rank from which a label is generic.
const GENERIC_FROM: usize = 9;

/// A value is a run of tokens that starts with a token holding a digit; German files
/// put a register between numbers ("123 Js 4567/25"), Italian ones end with a register.
const VALUE: &str = r"[\p{L}\p{N}][\p{L}\p{N}\-/\.:_]*(?:[ ](?:[A-Z][a-zA-Z]{0,3}[ ]){0,2}\p{N}[\p{L}\p{N}\-/\.:_]*)*(?:[ ](?:R\.G\.N\.R\.|RGNR|R\.G\.))?";

/// One pattern per label, as a set: most texts hold no labelled reference at all.
static REFERENCE: LazyLock<PatternSet> = LazyLock::new(|| {
    let patterns: Vec<String> = LABELS
        .iter()
        .map(|label| {
            format!(r"(?P<label>\b(?i:{label}))(?P<sep>[ \t]*[:#]?[ \t]*)(?P<value>{VALUE})")
        })
        .collect();
    // A reference needs its label: the labels alone tell which patterns can match.
    let labels: Vec<String> = LABELS
        .iter()
        .map(|label| format!(r"\b(?i:{label})"))
        .collect();
    PatternSet::with_filters(&patterns, &labels)
        .unwrap_or_else(|e| panic!("reference patterns: {e}"))
});

/// The label patterns, for the one scan of each piece ([`SetMember`]).
pub(super) fn pattern_set() -> &'static PatternSet {
    &REFERENCE
}

/// Words right before a label that make it someone else's reference.
static NOT_OURS: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)(?:\byour|\bihr(?:e|er)?|\bvotre|\bsu|\bvuestra|\bvostro|\buw|\bvossa|\bsua|\bticket|\bexchange)\s*$")
        .unwrap_or_else(|e| panic!("not-ours regex: {e}"))
});

/// Values that are the exchange's ticket numbers, however labelled.
static TICKET_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)^(?:ticket|tkt|req|ler|lers|case-?id)[-#]")
        .unwrap_or_else(|e| panic!("ticket regex: {e}"))
});

/// Sentence punctuation after a value is not part of it; the dots of a trailing
/// register abbreviation ("R.G.N.R.") are.
fn trim_value(value: &str) -> &str {
    if value.ends_with("R.G.N.R.") || value.ends_with(" R.G.") {
        return value;
    }
    value.trim_end_matches(['.', ',', ';', ':', '/', '-'])
}

struct Hit {
    rank: usize,
    layer_order: usize,
    position: usize,
    text: String,
}

pub fn find(texts: &Texts) -> Option<String> {
    let order = |layer: Layer| match layer {
        Layer::Subject | Layer::NewBody => 0,
        Layer::Attachment => 1,
        Layer::Quoted => 2,
    };
    let mut best: Option<Hit> = None;
    for piece in &texts.pieces {
        let text = piece.text();
        for (rank, re) in piece.matching(SetMember::Reference) {
            for caps in re.captures_iter(text) {
                let (Some(whole), Some(label), Some(value)) =
                    (caps.get(0), caps.name("label"), caps.name("value"))
                else {
                    continue;
                };
                let value_text = trim_value(value.as_str());
                if !value_text.chars().any(|c| c.is_ascii_digit()) || value_text.len() < 3 {
                    continue;
                }
                let label_ends_in_word = label.as_str().ends_with(|c: char| c.is_alphanumeric());
                let glued = text
                    .get(label.end()..)
                    .and_then(|t| t.chars().next())
                    .is_some_and(char::is_alphanumeric);
                if label_ends_in_word && glued {
                    continue;
                }
                // Only the words just before the label matter ("your ref").
                let mut from = label.start().saturating_sub(24);
                while !text.is_char_boundary(from) {
                    from += 1;
                }
                let before = text.get(from..label.start()).unwrap_or("");
                if NOT_OURS.is_match(before) || TICKET_VALUE.is_match(value_text) {
                    continue;
                }
                let cut = value.start() + value_text.len();
                let written = text.get(whole.start()..cut).unwrap_or("");
                let text = written.split_whitespace().collect::<Vec<_>>().join(" ");
                let hit = Hit {
                    rank: usize::from(rank >= GENERIC_FROM),
                    layer_order: order(piece.layer),
                    position: whole.start(),
                    text,
                };
                let better = best.as_ref().is_none_or(|b| {
                    (hit.rank, hit.layer_order, hit.position) < (b.rank, b.layer_order, b.position)
                });
                if better {
                    best = Some(hit);
                }
            }
        }
    }
    best.map(|h| h.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::layers::Piece;

    fn reference(text: &str) -> Option<String> {
        find(&Texts {
            pieces: vec![Piece::new(Layer::NewBody, text.into())],
        })
    }

    #[test]
    fn labels_in_several_languages() {
        assert_eq!(
            reference("FBI File No. 305A-WF-3318902 regarding").as_deref(),
            Some("FBI File No. 305A-WF-3318902")
        );
        assert_eq!(
            reference("Case No. 2:26-mj-00123. Please").as_deref(),
            Some("Case No. 2:26-mj-00123")
        );
        assert_eq!(
            reference("Az.: 123 Js 4567/25 Sehr geehrte").as_deref(),
            Some("Az.: 123 Js 4567/25")
        );
        assert_eq!(
            reference("Procédure n° 2026/00123 du parquet").as_deref(),
            Some("Procédure n° 2026/00123")
        );
        assert_eq!(
            reference("Proc. pen. n. 12345/2025 R.G.N.R. Oggetto").as_deref(),
            Some("Proc. pen. n. 12345/2025 R.G.N.R.")
        );
        assert_eq!(
            reference("Parketnummer 10/123456-26\n").as_deref(),
            Some("Parketnummer 10/123456-26")
        );
        assert_eq!(
            reference("NUIPC 123/26.4JALSB\n").as_deref(),
            Some("NUIPC 123/26.4JALSB")
        );
    }

    #[test]
    fn specific_beats_generic_and_tickets_are_ignored() {
        assert_eq!(
            reference("Your ref: LER-2026-0042\nRef. 77/2026\nCase Number 26-CR-118").as_deref(),
            Some("Case Number 26-CR-118")
        );
        assert_eq!(reference("Ihr Zeichen: 4711-2026\nTicket #48213"), None);
        assert_eq!(reference("Case No. pending"), None);
    }
}
