//! Dates as agencies write them: "March 3, 2026", "03/15/2026", "2026-03-20",
//! "15.04.2026", "27. Januar 2026", "2 mai 2026", "30 de abril de 2026", "12 mei 2026".
//! Slashed numeric dates are month-first for the United States (and its territories),
//! day-first everywhere else, unless one of the numbers can only be a day.

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// A date found in text, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub range: Range<usize>,
}

/// Month names and abbreviations in English, German, French, Spanish, Italian, Dutch
/// and Portuguese.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januar", 1),
    ("jänner", 1),
    ("janvier", 1),
    ("enero", 1),
    ("gennaio", 1),
    ("januari", 1),
    ("janeiro", 1),
    ("february", 2),
    ("feb", 2),
    ("februar", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("febrero", 2),
    ("febbraio", 2),
    ("februari", 2),
    ("fevereiro", 2),
    ("march", 3),
    ("mar", 3),
    ("märz", 3),
    ("maerz", 3),
    ("mars", 3),
    ("marzo", 3),
    ("maart", 3),
    ("março", 3),
    ("marco", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("abril", 4),
    ("aprile", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("maggio", 5),
    ("mei", 5),
    ("maio", 5),
    ("june", 6),
    ("jun", 6),
    ("juni", 6),
    ("juin", 6),
    ("junio", 6),
    ("giugno", 6),
    ("junho", 6),
    ("july", 7),
    ("jul", 7),
    ("juli", 7),
    ("juillet", 7),
    ("julio", 7),
    ("luglio", 7),
    ("julho", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("settembre", 9),
    ("setembro", 9),
    ("october", 10),
    ("oct", 10),
    ("oktober", 10),
    ("okt", 10),
    ("octobre", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("outubro", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("december", 12),
    ("dec", 12),
    ("dezember", 12),
    ("dez", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("diciembre", 12),
    ("dicembre", 12),
    ("dezembro", 12),
];

fn month_alternation() -> String {
    let mut names: Vec<&str> = MONTHS.iter().map(|(n, _)| *n).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.dedup();
    names.join("|")
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == lower).map(|(_, m)| *m)
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let months = month_alternation();
    let pattern = format!(
        r"(?ix)
        (?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})\b)
        |(?P<num>\b(?P<n1>\d{{1,2}})(?P<sep>[./-])(?P<n2>\d{{1,2}})[./-](?P<ny>\d{{4}}|\d{{2}})\b)
        |(?P<mdy>\b(?P<m1>{months})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}})\b)?)
        |(?P<dmy>\b(?P<d2>\d{{1,2}})(?:\.|st|nd|rd|th|er|º|°|ª)?\s*(?:of\s+|de\s+)?(?P<m2>{months})\b\.?(?:,?\s*(?:de\s+)?(?P<y2>\d{{4}})\b)?)
        "
    );
    crate::text::compile(&pattern).unwrap_or_else(|e| panic!("date regex: {e}"))
});

/// Countries that write numeric dates month-first.
const MONTH_FIRST: &[&str] = &["US", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "PH"];

/// Whether slashed numeric dates of this jurisdiction are month-first.
pub fn month_first(jurisdiction: Option<&str>) -> bool {
    jurisdiction.is_some_and(|j| MONTH_FIRST.contains(&j))
}

/// Every date in `text`. `anchor` completes dates written without a year: the first
/// such date not more than a month before the anchor.
pub fn find_dates(text: &str, month_first: bool, anchor: NaiveDate) -> Vec<FoundDate> {
    let mut out = Vec::new();
    for caps in DATE.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
        let date = if caps.name("iso").is_some() {
            ymd(num("iy").map(|y| y as i32), num("im"), num("id"))
        } else if caps.name("num").is_some() {
            let year = num("ny").map(expand_year);
            let (a, b) = (num("n1"), num("n2"));
            let dotted = caps.name("sep").is_some_and(|s| s.as_str() == ".");
            match (a, b) {
                (Some(a), Some(b)) => {
                    // Dotted dates are day-first everywhere; a number above 12 can
                    // only be the day; otherwise the country decides.
                    let day_first = dotted || a > 12 || (b <= 12 && !month_first);
                    let (month, day) = if day_first { (b, a) } else { (a, b) };
                    ymd(year, Some(month), Some(day))
                }
                _ => None,
            }
        } else if caps.name("mdy").is_some() {
            let month = caps.name("m1").and_then(|m| month_number(m.as_str()));
            with_year(num("y1").map(|y| y as i32), month, num("d1"), anchor)
        } else {
            let month = caps.name("m2").and_then(|m| month_number(m.as_str()));
            with_year(num("y2").map(|y| y as i32), month, num("d2"), anchor)
        };
        if let Some(date) = date
            && (2000..=2100).contains(&date.year())
        {
            out.push(FoundDate {
                date,
                range: whole.range(),
            });
        }
    }
    out
}

fn expand_year(y: u32) -> i32 {
    if y < 100 { 2000 + y as i32 } else { y as i32 }
}

fn ymd(year: Option<i32>, month: Option<u32>, day: Option<u32>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year?, month?, day?)
}

fn with_year(
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    anchor: NaiveDate,
) -> Option<NaiveDate> {
    if year.is_some() {
        return ymd(year, month, day);
    }
    let this_year = ymd(Some(anchor.year()), month, day)?;
    if this_year < anchor - chrono::Duration::days(31) {
        ymd(Some(anchor.year() + 1), month, day)
    } else {
        Some(this_year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn dates(text: &str, month_first: bool) -> Vec<NaiveDate> {
        find_dates(text, month_first, d(2026, 2, 1))
            .into_iter()
            .map(|f| f.date)
            .collect()
    }

    #[test]
    fn formats_in_the_brief() {
        assert_eq!(dates("March 3, 2026", false), vec![d(2026, 3, 3)]);
        assert_eq!(dates("03/15/2026", false), vec![d(2026, 3, 15)]);
        assert_eq!(dates("2026-03-20", false), vec![d(2026, 3, 20)]);
        assert_eq!(dates("15.04.2026", true), vec![d(2026, 4, 15)]);
        assert_eq!(dates("27. Januar 2026", false), vec![d(2026, 1, 27)]);
        assert_eq!(dates("2 mai 2026", false), vec![d(2026, 5, 2)]);
        assert_eq!(dates("30 de abril de 2026", false), vec![d(2026, 4, 30)]);
        assert_eq!(dates("12 mei 2026", false), vec![d(2026, 5, 12)]);
        assert_eq!(dates("1er mars 2026", false), vec![d(2026, 3, 1)]);
        assert_eq!(dates("3 de março de 2026", false), vec![d(2026, 3, 3)]);
        assert_eq!(dates("30 aprile 2026", false), vec![d(2026, 4, 30)]);
    }

    #[test]
    fn slashed_dates_follow_the_country() {
        assert_eq!(dates("04/03/2026", true), vec![d(2026, 4, 3)]);
        assert_eq!(dates("04/03/2026", false), vec![d(2026, 3, 4)]);
        assert_eq!(dates("04/03/26", false), vec![d(2026, 3, 4)]);
    }

    #[test]
    fn missing_year_comes_from_the_anchor() {
        assert_eq!(dates("by March 3", false), vec![d(2026, 3, 3)]);
        assert_eq!(dates("by 10 January", false), vec![d(2026, 1, 10)]);
        assert_eq!(dates("by 10 December", false), vec![d(2026, 12, 10)]);
        // Not a date: a number and a word that is not a month.
        assert!(dates("3 Mayday", false).is_empty());
        assert!(dates("31/02/2026", false).is_empty());
    }
}
