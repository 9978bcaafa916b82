//! The language of the new text (ISO 639-1). Short replies ("see attached") say too
//! little; then the letter attached, then the quoted text, decide.

use super::layers::{Layer, Texts};
use whatlang::{Detector, Lang};

/// Languages told apart, with their ISO 639-1 codes. Restricting the detector to
/// languages requests arrive in keeps short texts from being read as a neighbour.
const LANGUAGES: &[(Lang, &str)] = &[
    (Lang::Eng, "en"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Spa, "es"),
    (Lang::Ita, "it"),
    (Lang::Nld, "nl"),
    (Lang::Por, "pt"),
    (Lang::Pol, "pl"),
    (Lang::Ron, "ro"),
    (Lang::Ces, "cs"),
    (Lang::Swe, "sv"),
    (Lang::Dan, "da"),
    (Lang::Fin, "fi"),
    (Lang::Hun, "hu"),
    (Lang::Tur, "tr"),
    (Lang::Rus, "ru"),
    (Lang::Ukr, "uk"),
    (Lang::Ell, "el"),
    (Lang::Jpn, "ja"),
    (Lang::Kor, "ko"),
    (Lang::Cmn, "zh"),
    (Lang::Ara, "ar"),
    (Lang::Heb, "he"),
];

/// Below this many letters a text is too short to tell its language.
const MIN_LETTERS: usize = 25;
/// Detection reads at most this many bytes: a few paragraphs settle the language, and
/// long texts (a forwarded thread, a 40-page letter) would only cost time.
const MAX_BYTES: usize = 4096;

fn head(text: &str) -> &str {
    let mut end = text.len().min(MAX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

pub fn detect(texts: &Texts) -> Option<String> {
    let detector = Detector::with_allowlist(LANGUAGES.iter().map(|(l, _)| *l).collect());
    let candidates = [
        texts.joined(&[Layer::NewBody]),
        texts.joined(&[Layer::Subject, Layer::NewBody]),
        texts.joined(&[Layer::Attachment]),
        texts.joined(&[Layer::Quoted]),
    ];
    for text in candidates {
        if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
            continue;
        }
        if let Some(info) = detector.detect(head(&text)) {
            return LANGUAGES
                .iter()
                .find(|(l, _)| *l == info.lang())
                .map(|(_, code)| code.to_string());
        }
    }
    None
}
