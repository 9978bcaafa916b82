//! The requesting agency's jurisdiction (ISO 3166-1 alpha-2, `EU`, `INT`): from the
//! sender verdict's agency (for an impersonation, the agency imitated), else the
//! restricted government namespace of the sender's domain, else the letter itself (a
//! state or agency named in the letterhead), else the country-code domain of the sender.

use super::layers::{Layer, Piece, SetMember, Texts};
use crate::Directory;
use crate::assessment::SenderAssessment;
use crate::text::PatternSet;
use std::sync::LazyLock;

/// Names of states and agencies that place a letter in a jurisdiction (cut before a
/// final accented letter, where an ASCII word boundary would not be seen). Checked on the
/// text in order; the earliest mention in a text wins, the longest at equal positions.
const MARKERS: &[(&str, &str)] = &[
    (
        "INT",
        r"INTERPOL|International\s+Criminal\s+Police\s+Organi[sz]ation",
    ),
    (
        "EU",
        r"Europol|Eurojust|European\s+Public\s+Prosecutor|EPPO|OLAF",
    ),
    (
        "US",
        r"United\s+States\s+(?:of\s+America|Department|District\s+Court|Attorney|Secret\s+Service)|U\.\s?S\.\s+(?:Department|District\s+Court|Attorney|Secret\s+Service)|Federal\s+Bureau\s+of\s+Investigation|FBI|Drug\s+Enforcement\s+Administration|Homeland\s+Security\s+Investigations|IRS[- ]CI|Internal\s+Revenue\s+Service|Commodity\s+Futures\s+Trading\s+Commission|Securities\s+and\s+Exchange\s+Commission",
    ),
    (
        "GB",
        r"National\s+Crime\s+Agency|Metropolitan\s+Police\s+Service|Police\s+Scotland|Crown\s+Prosecution\s+Service|Serious\s+Fraud\s+Office|City\s+of\s+London\s+Police|United\s+Kingdom",
    ),
    (
        "AT",
        r"Republik\s+Österreich|Bundeskriminalamt\s+(?:Wien|Österreich)|Staatsanwaltschaft\s+(?:Wien|Graz|Linz|Innsbruck|Salzburg|Klagenfurt)|Landespolizeidirektion",
    ),
    (
        "CH",
        r"Schweizerische\s+Eidgenossenschaft|Confédération\s+suisse|Bundesamt\s+für\s+Polizei|Kantonspolizei|Police\s+cantonale",
    ),
    (
        "DE",
        r"Bundesrepublik\s+Deutschland|Bundeskriminalamt|Landeskriminalamt|Polizeipräsidium|Polizeidirektion|Generalstaatsanwaltschaft|Staatsanwaltschaft|Amtsgericht|Landgericht|Zollfahndungsamt|Kriminalpolizei",
    ),
    (
        "BE",
        r"Royaume\s+de\s+Belgique|Koninkrijk\s+Belgi|Police\s+fédérale|Federale\s+Politie|Parquet\s+(?:de\s+)?(?:Bruxelles|Liège|Anvers)",
    ),
    (
        "FR",
        r"République\s+française|Police\s+nationale|Gendarmerie\s+nationale|Tribunal\s+judiciaire|Parquet\s+(?:de\s+Paris|national)|Office\s+anti-cybercriminalit|Brigade\s+de\s+répression|Direction\s+(?:centrale|générale)\s+de\s+la\s+police\s+judiciaire|DGDDI|Douane\s+française",
    ),
    (
        "ES",
        r"Reino\s+de\s+España|Guardia\s+Civil|Policía\s+Nacional|Cuerpo\s+Nacional\s+de\s+Policía|Juzgado\s+(?:Central\s+)?de\s+Instrucción|Audiencia\s+Nacional|Mossos\s+d['’]Esquadra|Ertzaintza",
    ),
    (
        "IT",
        r"Repubblica\s+Italiana|Guardia\s+di\s+Finanza|Carabinieri|Polizia\s+(?:di\s+Stato|Postale)|Procura\s+della\s+Repubblica|Tribunale\s+(?:di|ordinario)",
    ),
    (
        "NL",
        r"Koninkrijk\s+der\s+Nederlanden|Politie\s+(?:Nederland|Eenheid|Landelijke)|Nationale\s+Politie|Openbaar\s+Ministerie|FIOD|Rechtbank|Landelijk\s+Parket|Functioneel\s+Parket",
    ),
    (
        "PT",
        r"República\s+Portuguesa|Polícia\s+Judiciária|DCIAP|Tribunal\s+Judicial\s+da\s+Comarca|Procuradoria-Geral\s+da\s+República|Guarda\s+Nacional\s+Republicana|Polícia\s+de\s+Segurança\s+Pública",
    ),
    (
        "BR",
        r"República\s+Federativa\s+do\s+Brasil|Polícia\s+Federal|Ministério\s+Público\s+Federal",
    ),
];

/// The markers as one set: a text names few jurisdictions, usually none.
static MARKER_RES: LazyLock<PatternSet> = LazyLock::new(|| {
    let patterns: Vec<String> = MARKERS
        .iter()
        .map(|(_, pattern)| format!(r"(?i)\b(?:{pattern})\b"))
        .collect();
    PatternSet::new(&patterns).unwrap_or_else(|e| panic!("jurisdiction markers: {e}"))
});

/// The marker patterns, for the one scan of each piece ([`SetMember`]).
pub(super) fn pattern_set() -> &'static PatternSet {
    &MARKER_RES
}

/// Country-code top-level domains that are not the country they spell.
const GENERIC_CCTLDS: &[&str] = &[
    "io", "co", "me", "tv", "ai", "ly", "cc", "ws", "fm", "am", "to", "gg",
];

pub fn find(sender: &SenderAssessment, directory: &Directory, texts: &Texts) -> Option<String> {
    if let Some(agency) = &sender.agency
        && !agency.country.is_empty()
    {
        return Some(agency.country.clone());
    }
    if let Some(country) = directory.restricted_namespace(&sender.domain) {
        return Some(country.to_string());
    }
    let display = sender.display_name.clone().unwrap_or_default();
    let ordered: [&[Layer]; 3] = [
        &[Layer::Attachment],
        &[Layer::Subject, Layer::NewBody],
        &[Layer::Quoted],
    ];
    for layers in ordered {
        for piece in texts.pieces_of(layers) {
            if let Some(code) = from_piece(piece) {
                return Some(code.to_string());
            }
        }
    }
    if let Some(code) = from_letter(&display) {
        return Some(code.to_string());
    }
    country_tld(&sender.domain)
}

/// The jurisdiction a text names first.
pub fn from_letter(text: &str) -> Option<&'static str> {
    earliest(text, MARKER_RES.matching(text))
}

/// [`from_letter`] on a piece, which has been scanned already.
fn from_piece(piece: &Piece) -> Option<&'static str> {
    earliest(piece.text(), piece.matching(SetMember::Jurisdiction))
}

/// The jurisdiction of the earliest (then longest) match of the `matching` markers.
fn earliest<'r>(
    text: &str,
    matching: impl Iterator<Item = (usize, &'r regex::Regex)>,
) -> Option<&'static str> {
    let mut best: Option<(usize, usize, &'static str)> = None;
    for (i, re) in matching {
        let Some((code, _)) = MARKERS.get(i) else {
            continue;
        };
        if let Some(m) = re.find(text) {
            let key = (m.start(), usize::MAX - m.len());
            if best.is_none_or(|(s, l, _)| key < (s, l)) {
                best = Some((key.0, key.1, code));
            }
        }
    }
    best.map(|(_, _, code)| code)
}

fn country_tld(domain: &str) -> Option<String> {
    let tld = domain.rsplit('.').next()?;
    if tld.len() != 2
        || !tld.bytes().all(|b| b.is_ascii_alphabetic())
        || GENERIC_CCTLDS.contains(&tld)
    {
        return None;
    }
    Some(match tld {
        "uk" => "GB".to_string(),
        other => other.to_ascii_uppercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterhead_names_the_country() {
        assert_eq!(from_letter("Bundeskriminalamt\nWiesbaden"), Some("DE"));
        assert_eq!(from_letter("Bundeskriminalamt Wien\n"), Some("AT"));
        assert_eq!(from_letter("GUARDIA CIVIL"), Some("ES"));
        assert_eq!(from_letter("Guardia Civil - Unidad Central"), Some("ES"));
        assert_eq!(
            from_letter("Federal Bureau of Investigation, with Europol"),
            Some("US")
        );
        assert_eq!(country_tld("politie.nl").as_deref(), Some("NL"));
        assert_eq!(country_tld("police.uk").as_deref(), Some("GB"));
        assert_eq!(country_tld("gmail.com"), None);
    }
}
