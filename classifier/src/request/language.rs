//! The language of the new text (ISO 639-1). Short replies ("see attached") say too
//! little; then the letter attached, then the quoted text, decide.

use super::layers::{Layer, Texts};
use crate::text::hash::FastMap;
use std::sync::LazyLock;
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
        if let Some(code) = detect_text(head(&text)) {
            return Some(code.to_string());
        }
    }
    None
}

/// The language of one text as [`detect`] reads it: the function-word count when it is
/// decisive, the statistical detector otherwise.
pub fn detect_text(text: &str) -> Option<&'static str> {
    function_words(text).or_else(|| statistical(text))
}

/// The statistical detector (whatlang's trigrams) alone, restricted to [`LANGUAGES`].
pub fn statistical(text: &str) -> Option<&'static str> {
    let info = DETECTOR.detect(text)?;
    LANGUAGES
        .iter()
        .find(|(l, _)| *l == info.lang())
        .map(|(_, code)| *code)
}

static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::with_allowlist(LANGUAGES.iter().map(|(l, _)| *l).collect()));

/// Function words (and a few words every request uses: account, data, request) of the
/// seven languages requests mostly arrive in, each chosen to be frequent in its language
/// and rare in every other language of [`LANGUAGES`] ("la", "que", "de", "en", "die"...
/// are shared, so they are not here). Lower case, under 64 per language.
const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the",
            "and",
            "of",
            "to",
            "that",
            "with",
            "this",
            "you",
            "are",
            "be",
            "not",
            "it",
            "we",
            "your",
            "from",
            "or",
            "please",
            "which",
            "would",
            "can",
            "our",
            "they",
            "has",
            "been",
            "were",
            "there",
            "their",
            "what",
            "if",
            "any",
            "these",
            "should",
            "may",
            "about",
            "account",
            "request",
            "regarding",
            "provide",
            "records",
            "thank",
            "sincerely",
            "regards",
            "user",
            "but",
            "his",
            "she",
            "them",
            "could",
            "when",
            "who",
            "how",
            "just",
            "more",
            "only",
            "some",
            "than",
            "then",
            "very",
            "because",
            "into",
            "its",
        ],
    ),
    (
        "de",
        &[
            "und", "nicht", "ist", "zu", "sich", "auf", "für", "ein", "eine", "einer", "einen",
            "einem", "auch", "werden", "aus", "hat", "dass", "sie", "nach", "wird", "bei", "noch",
            "wie", "über", "zum", "zur", "haben", "nur", "oder", "aber", "bis", "mehr", "durch",
            "sind", "wir", "ihr", "ihre", "uns", "bitte", "sehr", "ich", "diese", "dieser", "vom",
            "wurde", "können",
        ],
    ),
    (
        "fr",
        &[
            "le",
            "les",
            "et",
            "est",
            "une",
            "dans",
            "pour",
            "pas",
            "sur",
            "au",
            "avec",
            "nous",
            "vous",
            "sont",
            "par",
            "aux",
            "cette",
            "été",
            "être",
            "leur",
            "votre",
            "notre",
            "merci",
            "je",
            "elle",
            "ces",
            "avons",
            "ont",
            "tout",
            "faire",
            "compte",
            "données",
            "concernant",
            "ainsi",
            "auprès",
            "délai",
            "qu",
            "demande",
            "afin",
            "cordialement",
            "utilisateur",
            "titulaire",
            "après",
        ],
    ),
    (
        "es",
        &[
            "el",
            "los",
            "las",
            "y",
            "sus",
            "más",
            "pero",
            "muy",
            "también",
            "usted",
            "ustedes",
            "hay",
            "fue",
            "estos",
            "estas",
            "nuestra",
            "nuestro",
            "cuando",
            "porque",
            "donde",
            "según",
            "cuenta",
            "cuentas",
            "datos",
            "información",
            "solicitud",
            "usuario",
            "dicha",
            "dicho",
            "atentamente",
            "saludos",
            "hasta",
            "cual",
            "cuales",
            "ese",
            "esa",
            "eso",
            "aquí",
            "están",
            "deberá",
        ],
    ),
    (
        "it",
        &[
            "di",
            "che",
            "è",
            "della",
            "delle",
            "dei",
            "degli",
            "alla",
            "gli",
            "nel",
            "nella",
            "anche",
            "questo",
            "questa",
            "sono",
            "essere",
            "stato",
            "molto",
            "loro",
            "hanno",
            "più",
            "sul",
            "sulla",
            "dal",
            "dalla",
            "cui",
            "ogni",
            "agli",
            "dello",
            "nelle",
            "dati",
            "conto",
            "richiesta",
            "cordiali",
            "saluti",
            "entro",
            "relativi",
            "relativo",
            "seguenti",
            "vostro",
            "vostra",
            "vostri",
            "codesta",
            "inoltre",
            "pertanto",
            "utente",
        ],
    ),
    (
        "nl",
        &[
            "het",
            "een",
            "van",
            "dat",
            "op",
            "voor",
            "niet",
            "zijn",
            "ook",
            "bij",
            "door",
            "naar",
            "maar",
            "wordt",
            "worden",
            "deze",
            "heeft",
            "hebben",
            "uw",
            "wij",
            "onze",
            "kunnen",
            "zou",
            "nog",
            "aan",
            "geen",
            "hun",
            "wat",
            "gegevens",
            "verzoek",
            "rekening",
            "hierbij",
            "betreffende",
            "graag",
            "verzoeken",
            "vriendelijke",
            "groet",
            "alstublieft",
            "gebruiker",
        ],
    ),
    (
        "pt",
        &[
            "em",
            "uma",
            "não",
            "são",
            "também",
            "você",
            "pela",
            "muito",
            "seu",
            "sua",
            "ao",
            "nas",
            "aos",
            "às",
            "isso",
            "foi",
            "pelos",
            "pelas",
            "já",
            "então",
            "conta",
            "contas",
            "dados",
            "informação",
            "informações",
            "solicitação",
            "prazo",
            "referente",
            "atenciosamente",
            "cumprimentos",
            "até",
            "após",
            "ainda",
            "utilizador",
            "usuário",
            "deverá",
            "esse",
            "essa",
            "estão",
            "nosso",
            "nossa",
        ],
    ),
];

/// Function word → its language and its place in that language's list (under 64).
/// The least evidence [`function_words`] decides on.
const MIN_WORDS: usize = 12;
const MIN_DISTINCT: u32 = 5;

static FUNCTION_WORD_INDEX: LazyLock<FastMap<&'static str, (usize, u32)>> = LazyLock::new(|| {
    let mut index = FastMap::default();
    for (language, (_, words)) in FUNCTION_WORDS.iter().enumerate() {
        for (place, word) in words.iter().enumerate() {
            index.insert(*word, (language, place as u32));
        }
    }
    index
});

/// The language of `text` when its function words leave no doubt: enough words, most
/// letters Latin (the statistical detector goes by script first), of the words
/// function words of one language
/// (an eighth of at least twelve, five different ones) and three times as many as of any other. Otherwise
/// `None`, and the statistical detector decides. The thresholds are where this agreed
/// with the statistical detector on every fixture and every message of the MIME corpus
/// (see the language tests); it saves that detector's time on the usual request.
pub fn function_words(text: &str) -> Option<&'static str> {
    let mut hits = [0usize; FUNCTION_WORDS.len()];
    // Which function words were seen, per language: a text repeating one or two of them
    // ("Move ... to ... to ...") is not evidence.
    let mut distinct = [0u64; FUNCTION_WORDS.len()];
    let (mut words, mut latin, mut letters) = (0usize, 0usize, 0usize);
    let mut lower = String::new();
    for word in Words::new(text) {
        words += 1;
        letters += word.letters;
        latin += word.latin;
        if word.text.len() > 8 {
            continue;
        }
        let key = if word.needs_lowering {
            lower.clear();
            if word.text.is_ascii() {
                lower.push_str(word.text);
                lower.make_ascii_lowercase();
            } else {
                lower.extend(word.text.chars().flat_map(char::to_lowercase));
            }
            lower.as_str()
        } else {
            word.text
        };
        if let Some(&(language, place)) = FUNCTION_WORD_INDEX.get(key)
            && let (Some(h), Some(d)) = (hits.get_mut(language), distinct.get_mut(language))
        {
            *h += 1;
            *d |= 1u64.checked_shl(place).unwrap_or(0);
        }
    }
    let (best, &top) = hits.iter().enumerate().max_by_key(|(_, h)| **h)?;
    let second = hits
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, h)| *h)
        .max()
        .unwrap_or(0);
    let decisive = words >= MIN_WORDS
        && latin * 10 >= letters * 9
        && top >= MIN_DISTINCT as usize
        && distinct.get(best).map_or(0, |d| d.count_ones()) >= MIN_DISTINCT
        && top * 8 >= words
        && top >= second * 3;
    decisive
        .then(|| FUNCTION_WORDS.get(best).map(|(code, _)| *code))
        .flatten()
}

/// Whether `texts` hold at least `min` letters between them.
fn has_letters<'a>(texts: impl Iterator<Item = &'a str>, min: usize) -> bool {
    let mut count = 0usize;
    for text in texts {
        for word in Words::new(text) {
            count += word.letters;
            if count >= min {
                return true;
            }
        }
    }
    false
}

/// A maximal run of letters (`char::is_alphabetic`) in a text.
struct Word<'a> {
    text: &'a str,
    /// Its letters (characters).
    letters: usize,
    /// Its letters of the Latin script (ASCII, U+00C0 to U+024F).
    latin: usize,
    /// Whether it holds an upper-case ASCII letter or any non-ASCII letter.
    needs_lowering: bool,
}

/// The words of a text, as `text.split(|c: char| !c.is_alphabetic())` gives them
/// without the empty ones, counted in one pass: ASCII bytes are classified without
/// decoding, which is most of every request.
struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Words { text, at: 0 }
    }

    /// The character at byte `at` when it is a letter, with its length in bytes.
    fn letter_at(&self, at: usize) -> Option<(char, usize)> {
        let byte = *self.text.as_bytes().get(at)?;
        if byte.is_ascii() {
            return byte.is_ascii_alphabetic().then_some((char::from(byte), 1));
        }
        let c = self.text.get(at..)?.chars().next()?;
        c.is_alphabetic().then(|| (c, c.len_utf8()))
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        let bytes = self.text.as_bytes();
        // Skip to the next letter.
        loop {
            let byte = *bytes.get(self.at)?;
            if byte.is_ascii() {
                if byte.is_ascii_alphabetic() {
                    break;
                }
                self.at += 1;
                continue;
            }
            let c = self.text.get(self.at..)?.chars().next()?;
            if c.is_alphabetic() {
                break;
            }
            self.at += c.len_utf8();
        }
        let start = self.at;
        let (mut letters, mut latin, mut needs_lowering) = (0usize, 0usize, false);
        loop {
            // A run of ASCII letters, byte by byte.
            let mut end = self.at;
            let mut upper = false;
            while let Some(&byte) = bytes.get(end) {
                if !byte.is_ascii_alphabetic() {
                    break;
                }
                upper |= byte.is_ascii_uppercase();
                end += 1;
            }
            needs_lowering |= upper;
            letters += end - self.at;
            latin += end - self.at;
            self.at = end;
            // Then one non-ASCII letter, or the end of the word.
            match self.letter_at(self.at) {
                Some((c, width)) => {
                    letters += 1;
                    needs_lowering = true;
                    if ('\u{c0}'..='\u{24f}').contains(&c) {
                        latin += 1;
                    }
                    self.at += width;
                }
                None => break,
            }
        }
        Some(Word {
            text: self.text.get(start..self.at)?,
            letters,
            latin,
            needs_lowering,
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The split `function_words` made before it counted words in one pass.
    fn split_words(text: &str) -> Vec<(&str, usize, usize, bool)> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let letters = w.chars().count();
                let latin = w
                    .chars()
                    .filter(|c| c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(c))
                    .count();
                let lowering = w.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80);
                (w, letters, latin, lowering)
            })
            .collect()
    }

    #[test]
    fn words_are_the_letter_runs_of_a_split() {
        let pieces = [
            "a", "Z", "the", "É", "été", "ß", "Σ", "日本", "ا", "\u{301}", "\u{345}", "1", " ",
            "\n", "-", "'", "’", "\u{a0}", "İ", "ǅ", "ª", "²", "😀", "x\u{308}",
        ];
        for text in crate::text::generated::joins(&pieces, 12).take(20_000) {
            let words: Vec<(&str, usize, usize, bool)> = Words::new(&text)
                .map(|w| (w.text, w.letters, w.latin, w.needs_lowering))
                .collect();
            assert_eq!(words, split_words(&text), "{text:?}");
        }
    }
}
