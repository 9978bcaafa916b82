//! The deadline: the date the agency asks to be answered by. A date is a deadline when
//! the words just before it say so ("no later than", "bis zum", "avant le", "antes del",
//! "entro il", "uiterlijk", "até"); a letter date, a range of records ("from ... to ...")
//! or a meeting is not. Relative deadlines ("within 10 business days") are kept as text.
//! The new text is read first, then the letters, then the quoted history: a follow-up's
//! new deadline wins over the one in the request it quotes.

use super::dates::{FoundDate, find_dates};
use super::layers::{Layer, Texts};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deadline {
    pub date: Option<NaiveDate>,
    pub text: Option<String>,
}

/// Words that make the date right after them a deadline.
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?ix)(?:
            \bby(?:\s+close\s+of\s+business\s+(?:on)?)?|\bbefore|\bno\s+later\s+than|\bnot\s+later\s+than|\bon\s+or\s+before|\buntil|\bdeadline|\bdue(?:\s+date)?|\breturn\s+date|\brespond\s+by|\bcompliance\s+date|\bprior\s+to|\bdate\s+and\s+time|\bproduce\s+(?:\w+\s+){0,4}on
            |\bbis(?:\s+(?:zum|spätestens|spaetestens|am))?|\bspätestens(?:\s+(?:am|bis))?|\bspaetestens|\bfrist|\bantwort\s+bis
            |\bavant\s+le|\bau\s+plus\s+tard(?:\s+le)?|\bd['’]ici\s+(?:au|le)|\bjusqu['’]au|\bdate\s+limite|\bdélai|échéance[^\n.]{0,30}|\bpour\s+le
            |\bantes\s+del?|\ba\s+más\s+tardar(?:\s+el)?|\bhasta\s+el|\bfecha\s+límite|\bplazo|\bno\s+más\s+tarde\s+del?
            |\bentro\s+(?:e\s+non\s+oltre\s+)?(?:il|l['’])?|\bnon\s+oltre\s+il|\bscadenza|\btermine
            |\buiterlijk(?:\s+op)?|\bvóór|\bvoor|\btot\s+en\s+met|\btermijn
            |\baté(?:\s+(?:ao?|o\s+dia))?|\bprazo|\bdata\s+limite|\bo\s+mais\s+tardar|\bantes\s+de
            |\b(?:deadline|due\s+date|return\s+date|frist|antwortfrist|délai|date\s+limite|plazo|fecha\s+límite|scadenza|termine|termijn|prazo|data\s+limite)\b[^\n.]{0,30}
        )[\s:,]*(?:(?:the|le|el|il|dem|den|de|o|dia|day|op|het|on|am|zum)\s+)?[\s:,]*$",
    )
    .unwrap_or_else(|e| panic!("deadline cue regex: {e}"))
});

/// Words that make the date after them something else: a letter date, the start of a
/// record range, a meeting.
static NOT_CUE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(
        r"(?ix)\b(?:
            dated|datum|vom|from|since|between|seit|depuis|desde|sinds|dall?['’]|period|zeitraum|période|periodo|periode|período
            |meeting|call|conference|hearing|réunion|besprechung|termin|reunión|riunione|vergadering|reunião|videoconferenc\w*|telefonat|appel
            |issued|signed|erlassen|ausgestellt|emitido|firmado|emesso|firmato|afgegeven|ondertekend|assinado
            |born|geboren|nacido|nato|nascido
        )\b[^\n]{0,25}$",
    )
    .unwrap_or_else(|e| panic!("deadline negative regex: {e}"))
});

/// Connectors between the two dates of a range.
static RANGE_JOIN: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::compile(r"(?i)^\s*(?:-|–|—|to|through|thru|until|and|bis|und|au|et|jusqu['’]au|al|a|y|hasta|e|fino\s+al|tot(?:\s+en\s+met)?|t/m|en|até|ao)\s*(?:the|le|el|il|dem|den|de|o|het)?\s*$")
        .unwrap_or_else(|e| panic!("range regex: {e}"))
});

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    let n = r"(?:\d{1,3}|one|two|three|four|five|seven|ten|fourteen|fifteen|twenty|thirty|ein(?:em|er)?|zwei|drei|fünf|sieben|zehn|vierzehn|dreißig|un|deux|trois|cinq|huit|dix|quinze|trente|uno|dos|tres|cinco|diez|quince|treinta|due|tre|dieci|quindici|trenta|één|twee|drie|vijf|tien|veertien|dertig|um|dois|três|dez|quinze|trinta)(?:\s*\(\d{1,3}\))?";
    let pattern = format!(
        r"(?ix)\b(?:
            within\s+{n}\s+(?:business\s+|working\s+|calendar\s+)?(?:days?|hours?|weeks?)(?:\s+(?:of|from|after)\s+(?:receipt|the\s+date|service)(?:\s+of\s+this\s+(?:letter|request|order|subpoena))?)?
            |(?:innerhalb|binnen)\s+(?:von\s+)?{n}\s+(?:werk|arbeits|kalender)?(?:tagen|tage|stunden|wochen)(?:\s+nach\s+(?:erhalt|zugang|zustellung))?
            |(?:dans\s+un\s+délai\s+de|sous|sous\s+un\s+délai\s+de)\s+{n}\s+(?:jours|heures|semaines)(?:\s+(?:ouvrés|ouvrables|calendaires))?(?:\s+à\s+compter\s+de\s+(?:la\s+)?(?:réception|présente))?
            |(?:plazo|prazo)\s*:\s*{n}\s+(?:días|dias|horas)(?:\s+(?:hábiles|naturales|úteis))?
            |(?:(?:en|con)\s+un\s+plazo\s+(?:máximo\s+)?de|dentro\s+de\s+(?:los\s+)?(?:próximos\s+)?)\s*{n}\s+(?:días|horas|semanas)(?:\s+(?:hábiles|naturales))?
            |entro\s+{n}\s+(?:giorni|ore|settimane)(?:\s+(?:lavorativi|dalla\s+ricezione|dal\s+ricevimento))?
            |binnen\s+{n}\s+(?:werk)?(?:dagen|uur|weken)(?:\s+na\s+ontvangst)?
            |(?:no\s+prazo\s+(?:máximo\s+)?de|dentro\s+de|em)\s+{n}\s+(?:dias|horas|semanas)(?:\s+úteis)?
        )"
    );
    crate::text::compile(&pattern).unwrap_or_else(|e| panic!("relative deadline regex: {e}"))
});

/// Find the deadline. `month_first` reads slashed dates; `anchor` completes yearless ones.
pub fn find(texts: &Texts, month_first: bool, anchor: NaiveDate) -> Deadline {
    let groups: [&[Layer]; 3] = [
        &[Layer::Subject, Layer::NewBody],
        &[Layer::Attachment],
        &[Layer::Quoted],
    ];
    for layers in groups {
        let mut found = Deadline::default();
        for text in texts.of_layers(layers) {
            if found.date.is_none() {
                found.date = absolute(text, month_first, anchor);
            }
            if found.text.is_none() {
                found.text = RELATIVE
                    .find(text)
                    .map(|m| m.as_str().split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        if found.date.is_some() || found.text.is_some() {
            return found;
        }
    }
    Deadline::default()
}

/// The earliest date in `text` that its context marks as a deadline.
fn absolute(text: &str, month_first: bool, anchor: NaiveDate) -> Option<NaiveDate> {
    let dates = find_dates(text, month_first, anchor);
    let mut previous: Option<&FoundDate> = None;
    let mut deadlines = Vec::new();
    for found in &dates {
        let window_start = previous.map_or(0, |p| p.range.end);
        let between = text.get(window_start..found.range.start).unwrap_or("");
        let joined_to_previous = previous.is_some() && RANGE_JOIN.is_match(between);
        if joined_to_previous {
            // The end of a range: neither it nor its start is a deadline.
            if let (Some(p), Some(last)) = (previous, deadlines.last())
                && *last == p.date
            {
                deadlines.pop();
            }
        } else {
            let window = tail(between, 80);
            let cue = CUE.find(window).map(|m| m.start());
            let not_cue = NOT_CUE.find_iter(window).last().map(|m| m.start());
            let is_deadline = match (cue, not_cue) {
                (Some(c), Some(n)) => c > n,
                (Some(_), None) => true,
                _ => false,
            };
            if is_deadline && !range_starts_here(text, found) {
                deadlines.push(found.date);
            }
        }
        previous = Some(found);
    }
    deadlines.into_iter().next()
}

/// "by 3 March 2026 - 5 March 2026": a cue, but the date opens a range.
fn range_starts_here(text: &str, found: &FoundDate) -> bool {
    let after = text.get(found.range.end..).unwrap_or("");
    let next = after.get(..after.len().min(12)).unwrap_or("");
    let next = next.trim_start();
    next.starts_with('-')
        && after
            .trim_start()
            .trim_start_matches('-')
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
}

/// The last `n` bytes of `s` (on a character boundary), not reaching back over a
/// blank line.
fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    let t = s.get(start..).unwrap_or("");
    match t.rfind("\n\n") {
        Some(i) => t.get(i + 2..).unwrap_or(""),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::layers::Piece;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn one(text: &str, month_first: bool) -> Option<NaiveDate> {
        absolute(text, month_first, d(2026, 2, 1))
    }

    #[test]
    fn cues_make_deadlines() {
        assert_eq!(
            one("Please respond no later than March 3, 2026.", true),
            Some(d(2026, 3, 3))
        );
        assert_eq!(
            one("Antwort bitte bis zum 15.04.2026.", false),
            Some(d(2026, 4, 15))
        );
        assert_eq!(
            one("au plus tard le 2 mai 2026", false),
            Some(d(2026, 5, 2))
        );
        assert_eq!(
            one("antes del 30 de abril de 2026", false),
            Some(d(2026, 4, 30))
        );
        assert_eq!(one("uiterlijk 12 mei 2026", false), Some(d(2026, 5, 12)));
        assert_eq!(one("entro il 30 aprile 2026", false), Some(d(2026, 4, 30)));
    }

    #[test]
    fn letter_dates_ranges_and_meetings_are_not() {
        assert_eq!(one("Berlin, den 12.03.2026", false), None);
        assert_eq!(one("Dated: March 1, 2026", true), None);
        assert_eq!(
            one(
                "records from January 1, 2025 to December 31, 2025 by March 3, 2026",
                true
            ),
            Some(d(2026, 3, 3))
        );
        assert_eq!(one("Daten vom 01.01.2025 bis 31.12.2025", false), None);
        assert_eq!(one("We propose a meeting on March 10, 2026.", true), None);
    }

    #[test]
    fn new_text_wins_and_relative_is_text() {
        let texts = Texts {
            pieces: vec![
                Piece::new(
                    Layer::NewBody,
                    "Extended: please reply by March 20, 2026.".into(),
                ),
                Piece::new(Layer::Quoted, "Reply by March 3, 2026.".into()),
            ],
        };
        assert_eq!(find(&texts, true, d(2026, 2, 1)).date, Some(d(2026, 3, 20)));
        let texts = Texts {
            pieces: vec![Piece::new(
                Layer::NewBody,
                "Please respond within 10 business days.".into(),
            )],
        };
        assert_eq!(
            find(&texts, true, d(2026, 2, 1)),
            Deadline {
                date: None,
                text: Some("within 10 business days".into())
            }
        );
    }
}
