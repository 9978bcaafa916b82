//! Normal forms that make look-alike spellings compare equal: domains in their ASCII
//! (punycode) and Unicode spellings, visual keys for homograph matching, and folded word
//! tokens for finding agency names in text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_security::confusable_detection::skeleton;

/// A domain as found in a header, in both spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainForms {
    /// Lower-case, punycode for internationalised labels: the form the directory stores.
    pub ascii: String,
    /// Lower-case, Unicode labels: what a person sees.
    pub unicode: String,
    /// True when a label is internationalised (raw UTF-8 or `xn--`).
    pub is_idn: bool,
}

/// Both spellings of `raw` (`fbі.gov` and `xn--fb-...gov` give the same forms). Invalid
/// IDN labels are kept as written so that nothing is lost.
pub fn domain_forms(raw: &str) -> DomainForms {
    let trimmed = raw
        .trim()
        .trim_matches(|c| c == '<' || c == '>' || c == '[' || c == ']')
        .trim_end_matches('.')
        .to_lowercase();
    if trimmed.is_ascii() && !trimmed.split('.').any(|l| l.starts_with("xn--")) {
        return DomainForms {
            ascii: trimmed.clone(),
            unicode: trimmed,
            is_idn: false,
        };
    }
    let (unicode, decoded) = idna::domain_to_unicode(&trimmed);
    let unicode = if decoded.is_ok() {
        unicode
    } else {
        trimmed.clone()
    };
    let ascii = idna::domain_to_ascii(&unicode).unwrap_or_else(|_| trimmed.clone());
    DomainForms {
        ascii,
        unicode,
        is_idn: true,
    }
}

/// Canonical stored form of a domain from data files: lower-case ASCII (punycode).
pub fn canonical_domain(raw: &str) -> String {
    domain_forms(raw).ascii
}

/// True when `domain` is `parent` or a subdomain of it.
pub fn is_same_or_subdomain(domain: &str, parent: &str) -> bool {
    domain == parent
        || (domain.len() > parent.len()
            && domain.ends_with(parent)
            && domain.as_bytes().get(domain.len() - parent.len() - 1) == Some(&b'.'))
}

/// The visual key of a name: what it looks like, not how it is spelt. Accents dropped,
/// confusable characters mapped to their TR39 skeleton, lower-cased, and the ASCII
/// look-alikes typosquatters use (`rn`/`m`, `vv`/`w`, `cl`/`d`, `0`/`o`, `1`/`i`/`l`)
/// merged. Dots and hyphens are dropped: they are the hyphenation and subdomain tricks.
pub fn visual_key(name: &str) -> String {
    ascii_lookalikes(&fold_visual(name))
}

/// Accents dropped, confusables mapped to their skeleton, lower-cased; no separators.
fn fold_visual(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '.' || c == '-' {
            continue;
        }
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
            continue;
        }
        let mut buffer = [0u8; 4];
        for d in c.encode_utf8(&mut buffer).nfkd() {
            if is_combining_mark(d) {
                continue;
            }
            if d.is_ascii() {
                folded.push(d.to_ascii_lowercase());
            } else {
                let mut inner = [0u8; 4];
                for s in skeleton(d.encode_utf8(&mut inner)) {
                    folded.extend(s.to_lowercase().map(latin_lookalike));
                }
            }
        }
    }
    folded
}

/// The visual key without the two-letter merges (`rn`/`m`, `cl`/`d`, `vv`/`w`): an
/// ordinary typing error next to such a pair must still be one edit away.
pub fn visual_key_single(name: &str) -> String {
    fold_visual(name)
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            other => other,
        })
        .collect()
}

/// Skeleton outputs that are still not ASCII but read as a Latin letter.
fn latin_lookalike(c: char) -> char {
    match c {
        'ƅ' => 'b',
        'ĸ' => 'k',
        'ı' => 'i',
        other => other,
    }
}

fn ascii_lookalikes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let pair = (bytes.get(i).copied(), bytes.get(i + 1).copied());
        match pair {
            (Some(b'r'), Some(b'n')) => {
                out.push('m');
                i += 2;
                continue;
            }
            (Some(b'v'), Some(b'v')) => {
                out.push('w');
                i += 2;
                continue;
            }
            (Some(b'c'), Some(b'l')) => {
                out.push('d');
                i += 2;
                continue;
            }
            _ => {}
        }
        // `s` may hold non-ASCII (scripts without a Latin skeleton); copy those whole.
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        out.push(match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            other => other,
        });
        i += c.len_utf8();
    }
    out
}

/// One word of a text, folded for alias matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Accents dropped, confusables mapped, lower-cased.
    pub folded: String,
    /// Accents dropped and confusables mapped, case kept (for case-sensitive acronyms).
    pub cased: String,
}

/// Split `text` into words (letters and digits), folding accents and confusable letters
/// so that `Bundeskriminalamt`, `BUNDESKRIMINALAMT` and `Вundeskriminalamt` (Cyrillic В)
/// give the same `folded` token. ASCII passes through untouched, which keeps long
/// letters cheap.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_word(text, |cased| {
        out.push(Token {
            folded: cased.to_lowercase(),
            cased: std::mem::take(cased),
        });
        true
    });
    out
}

/// Whether any word of `text`, folded as [`tokens`] folds it, satisfies `wanted`: the
/// same words without building every token (most texts name no agency at all).
pub fn any_folded_word(text: &str, mut wanted: impl FnMut(&str) -> bool) -> bool {
    let mut folded = String::new();
    if text.is_ascii() {
        // Most signatures and letterheads: a word is a run of ASCII letters and digits,
        // and folding it is lower-casing it (what `for_each_word` does, without its
        // per-character work).
        return text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .any(|word| {
                folded.clear();
                folded.push_str(word);
                folded.make_ascii_lowercase();
                wanted(&folded)
            });
    }
    let mut found = false;
    for_each_word(text, |cased| {
        folded.clear();
        if cased.is_ascii() {
            folded.extend(cased.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            // `str::to_lowercase`, as `tokens` uses: it treats a final sigma apart.
            folded.push_str(&cased.to_lowercase());
        }
        cased.clear();
        found = wanted(&folded);
        !found
    });
    found
}

/// Call `on_word` with each word of `text` (accents dropped, confusables mapped, case
/// kept), in a buffer it may take or clear; it returns false to stop.
fn for_each_word(text: &str, mut on_word: impl FnMut(&mut String) -> bool) {
    let mut cased = String::new();
    let mut emit = |cased: &mut String| -> bool {
        if cased.is_empty() {
            return true;
        }
        let go_on = on_word(cased);
        cased.clear();
        go_on
    };
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                cased.push(c);
            } else if !emit(&mut cased) {
                return;
            }
            continue;
        }
        if !c.is_alphanumeric() && !is_combining_mark(c) {
            if !emit(&mut cased) {
                return;
            }
            continue;
        }
        let mut buffer = [0u8; 4];
        for d in c.encode_utf8(&mut buffer).nfkd() {
            if is_combining_mark(d) {
                continue;
            }
            if d.is_ascii() || !d.is_alphabetic() {
                cased.push(d);
                continue;
            }
            let mut inner = [0u8; 4];
            let mapped: String = skeleton(d.encode_utf8(&mut inner)).collect();
            // Only take the skeleton when it is a plain letter: `ß` must not become `B`.
            if mapped.chars().all(|m| m.is_ascii_alphabetic()) && !is_latin_letter(d) {
                cased.push_str(&mapped);
            } else {
                cased.push(d);
            }
        }
    }
    emit(&mut cased);
}

fn is_latin_letter(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// Fold a whole alias the way [`tokens`] folds text.
pub fn fold_phrase(text: &str) -> Vec<Token> {
    tokens(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_folds_as_the_tokens_do() {
        let text = "Вundeskriminalamt: ΟΔΟΣ Σ στο FBI\u{0301} — Ärger ß 日本 x1; end";
        let mut scanned = Vec::new();
        let found = any_folded_word(text, |word| {
            scanned.push(word.to_string());
            false
        });
        assert!(!found);
        let folded: Vec<String> = tokens(text).into_iter().map(|t| t.folded).collect();
        assert_eq!(scanned, folded);
        assert!(folded.contains(&"bundeskriminalamt".to_string()));
        // It stops at the first word wanted.
        let mut seen = 0;
        assert!(any_folded_word(text, |word| {
            seen += 1;
            word == "fbi"
        }));
        assert_eq!(
            seen,
            folded.iter().position(|w| w == "fbi").map_or(0, |p| p + 1)
        );
        // ASCII texts take a shorter path to the same words.
        for text in [
            "",
            "Special Agent J. Doe, FBI-Boston; tel 617-555-0100 (x12)",
            "__a__B9__ c\td\r\nE\x7f F",
            "   ",
        ] {
            let mut scanned = Vec::new();
            assert!(!any_folded_word(text, |word| {
                scanned.push(word.to_string());
                false
            }));
            let folded: Vec<String> = tokens(text).into_iter().map(|t| t.folded).collect();
            assert_eq!(scanned, folded, "{text:?}");
        }
    }

    #[test]
    fn punycode_and_utf8_give_the_same_forms() {
        let raw = domain_forms("fbі.gov");
        assert!(raw.is_idn);
        let puny = domain_forms(&raw.ascii);
        assert_eq!(raw, puny);
        assert!(raw.ascii.starts_with("xn--"));
    }

    #[test]
    fn ascii_domains_pass_through() {
        let f = domain_forms(" FBI.GOV. ");
        assert_eq!(f.ascii, "fbi.gov");
        assert!(!f.is_idn);
    }

    #[test]
    fn visual_key_merges_homoglyphs() {
        assert_eq!(visual_key("fbі"), visual_key("fbi"));
        assert_eq!(visual_key("fbl"), visual_key("fbi"));
        assert_eq!(visual_key("rnet-police"), visual_key("metpolice"));
        assert_eq!(visual_key("pοlice"), visual_key("police"));
        assert_ne!(visual_key("fbi"), visual_key("dea"));
        assert_eq!(visual_key("fьi"), visual_key("fbi"));
        assert_eq!(visual_key_single("fincrn"), "flncrn");
    }

    #[test]
    fn subdomain_test_needs_a_label_boundary() {
        assert!(is_same_or_subdomain("ic.fbi.gov", "fbi.gov"));
        assert!(is_same_or_subdomain("fbi.gov", "fbi.gov"));
        assert!(!is_same_or_subdomain("notfbi.gov", "fbi.gov"));
    }

    #[test]
    fn tokens_fold_case_accents_and_confusables() {
        let t = tokens("Вundeskriminalamt, Polícia-Judiciária!");
        let folded: Vec<_> = t.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(folded, ["bundeskriminalamt", "policia", "judiciaria"]);
        assert_eq!(tokens("FBI")[0].cased, "FBI");
        assert_eq!(tokens("Straße")[0].folded, "straße");
    }
}
