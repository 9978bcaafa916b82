//! Where a writer's own contact details sit: the signature block after the closing
//! phrase, and (in letters) the letterhead before the salutation. E-mail addresses and
//! phone numbers there belong to officers, not to the accounts a request is about.

use super::LinePattern;
use std::ops::Range;
use std::sync::LazyLock;

static CLOSING: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(
        r"(?ix)^\s*(?:
            --\s*$
            |(?:best|kind|warm)?\s*regards\b.*|sincerely\b.*|respectfully\b.*|yours\s+(?:faithfully|truly|sincerely)\b.*
            |thank\s+you\b[^.?!]{0,40}[,.]?\s*$|thanks\b[^.?!]{0,30}[,.]?\s*$|best\s*,?\s*$
            |mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en\b.*|freundliche\s+gr(?:ü|ue)(?:ß|ss)e\b.*|hochachtungsvoll\b.*|im\s+auftrag\b.*
            |cordialement\b.*|bien\s+cordialement\b.*|veuillez\s+agr[ée]er\b.*|salutations\s+distingu[ée]es\b.*
            |(?:un\s+)?saludos?\b.*|atentamente\b.*|cordiales\s+saludos\b.*
            |cordiali\s+saluti\b.*|distinti\s+saluti\b.*|saluti\b.*
            |met\s+vriendelijke\s+groet(?:en)?\b.*|hoogachtend\b.*|vriendelijke\s+groet(?:en)?\b.*
            |atenciosamente\b.*|com\s+os\s+melhores\s+cumprimentos\b.*|cumprimentos\b.*|melhores\s+cumprimentos\b.*
        )$",
    )
    .unwrap_or_else(|e| panic!("closing regex: {e}"))
});

static SALUTATION: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(
        r"(?i)^\s*(?:dear\b|to\s+whom\s+it\s+may\s+concern|sehr\s+geehrte|guten\s+tag|madame|monsieur|mesdames|estimad[oa]s?\b|muy\s+señor|señores|gentil[ei]\b|egregi\b|spettabile|geachte\b|exm[oa]s?\.?\b|caros?\b|prezad[oa]s?\b)",
    )
    .unwrap_or_else(|e| panic!("salutation regex: {e}"))
});

/// Headings that end a signature block: attachments listing accounts follow signatures.
static ANNEX: LazyLock<LinePattern> = LazyLock::new(|| {
    LinePattern::new(
        r"(?i)^\s*(?:attachment|exhibit|schedule|annex|appendix|anlage|annexe|anexo|allegato|bijlage)\b",
    )
    .unwrap_or_else(|e| panic!("annex regex: {e}"))
});

/// Signature blocks are short: this many lines after the closing phrase at most.
const SIGNATURE_LINES: usize = 10;
/// A letterhead ends within this many lines, or the salutation is not a salutation.
const LETTERHEAD_LINES: usize = 25;

/// Byte ranges of `text` holding the writer's contact details. `letter` adds the
/// letterhead (for attachments, which are letters with a header block).
pub fn contact_zones(text: &str, letter: bool) -> Vec<Range<usize>> {
    let mut zones = Vec::new();
    let mut offset = 0usize;
    let mut signature_left = 0usize;
    let mut zone_start: Option<usize> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let end = offset + line.len();
        if letter && index < LETTERHEAD_LINES && SALUTATION.is_match(line) && zones.is_empty() {
            zones.push(0..offset);
        }
        if signature_left > 0 && ANNEX.is_match(line) {
            signature_left = 0;
            if let Some(start) = zone_start.take() {
                zones.push(start..offset);
            }
        }
        if CLOSING.is_match(line.trim_end()) {
            if zone_start.is_none() {
                zone_start = Some(offset);
            }
            signature_left = SIGNATURE_LINES + 1;
        }
        if signature_left > 0 {
            signature_left -= 1;
            if signature_left == 0
                && let Some(start) = zone_start.take()
            {
                zones.push(start..end);
            }
        }
        offset = end;
    }
    if let Some(start) = zone_start {
        zones.push(start..text.len());
    }
    zones.retain(|z| !z.is_empty());
    merge(zones)
}

/// Sorted, non-overlapping ranges, so that a position can be looked up by bisection.
fn merge(mut zones: Vec<Range<usize>>) -> Vec<Range<usize>> {
    zones.sort_by_key(|z| z.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(zones.len());
    for zone in zones {
        match merged.last_mut() {
            Some(last) if zone.start <= last.end => last.end = last.end.max(zone.end),
            _ => merged.push(zone),
        }
    }
    merged
}

/// Whether `at` lies in one of `zones` (as returned by [`contact_zones`]).
pub fn in_zones(zones: &[Range<usize>], at: usize) -> bool {
    let after = zones.partition_point(|z| z.start <= at);
    after
        .checked_sub(1)
        .and_then(|i| zones.get(i))
        .is_some_and(|z| z.contains(&at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_pattern_skips_lines_that_cannot_match() {
        for pattern in [&*CLOSING, &*SALUTATION, &*ANNEX] {
            assert!(pattern.is_gated());
        }
    }

    #[test]
    fn signature_block_is_a_zone_until_an_annex() {
        let text = "Please provide records for bob@example.com.\n\nRegards,\nSA Jane Roe\njroe@fbi.gov\nTel: 202-555-0143\n\nAttachment A\nalice@example.com\n";
        let zones = contact_zones(text, false);
        assert_eq!(zones.len(), 1);
        let zone = &text[zones[0].clone()];
        assert!(zone.contains("jroe@fbi.gov"));
        assert!(!zone.contains("alice@example.com"));
        assert!(!zone.contains("bob@example.com"));
    }

    #[test]
    fn letterhead_is_a_zone_in_letters_only() {
        let text = "Polizeipräsidium Berlin\nTel. 030 4664 0\n\nSehr geehrte Damen und Herren,\nAuskunft zu x@y.de\n";
        let zones = contact_zones(text, true);
        assert!(text[zones[0].clone()].contains("030 4664 0"));
        assert!(contact_zones(text, false).is_empty());
    }
}
