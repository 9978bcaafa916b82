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
    let candidates: [&[Layer]; 4] = [
        &[Layer::NewBody],
        &[Layer::Subject, Layer::NewBody],
        &[Layer::Attachment],
        &[Layer::Quoted],
    ];
    for layers in candidates {
        // Counted piece by piece, and only as far as needed: the texts are joined (and
        // cut to their head) only for the one the detector reads.
        if !has_letters(texts.of_layers(layers), MIN_LETTERS) {
            continue;
        }
        let text = joined_head(texts, layers);
        if let Some(info) = detector.detect(head(&text)) {
            return LANGUAGES
                .iter()
                .find(|(l, _)| *l == info.lang())
                .map(|(_, code)| code.to_string());
        }
    }
    None
}

/// Whether `texts` hold at least `min` letters between them.
fn has_letters<'a>(texts: impl Iterator<Item = &'a str>, min: usize) -> bool {
    let mut count = 0usize;
    for text in texts {
        for c in text.chars() {
            if c.is_alphabetic() {
                count += 1;
                if count >= min {
                    return true;
                }
            }
        }
    }
    false
}

/// The start of `texts.joined(layers)`: enough of it for [`head`] to cut the same text.
fn joined_head(texts: &Texts, layers: &[Layer]) -> String {
    let mut out = String::new();
    for text in texts.of_layers(layers) {
        // A character runs at most 4 bytes past the cut; beyond that nothing is read.
        if out.len() > MAX_BYTES + 4 {
            break;
        }
        if !text.trim().is_empty() {
            out.push_str(
                text.get(..floor_boundary(text, MAX_BYTES + 8))
                    .unwrap_or(text),
            );
            out.push_str("\n\n");
        }
    }
    out
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut end = text.len().min(at);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}
