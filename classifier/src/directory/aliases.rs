//! Finding agency names in text: display names, signatures, letterheads.
//!
//! Aliases are matched as whole words on folded tokens (case, accents and confusable
//! letters folded), so `BKA` never matches inside `Bkash` and `Вundeskriminalamt` with a
//! Cyrillic В still matches. Short aliases (up to five characters without a space, such
//! as `FBI`, `BKA`, `BaFin`) keep their case in running text, where `ice` and `sec` are
//! ordinary words; in a display name they match in any case. Aliases in scripts without
//! word spaces (`警察庁`) match as substrings.

use super::normalize::{Token, any_folded_word, fold_phrase, tokens};
use crate::text::hash::FastMap;

/// Where a text comes from, which decides how strict matching is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A display name: short, about identity. Short aliases match with their case or in
    /// capitals; ordinary-word aliases (`display_aliases`) count here.
    Identity,
    /// Running text: a signature, a letterhead.
    Prose,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Folded tokens after the first.
    rest: Vec<String>,
    agency: usize,
    alias: String,
    /// Short alias: in prose, its tokens must match with their case.
    cased: Option<Vec<String>>,
    /// An ordinary word in prose ("politie"): identity texts only.
    identity_only: bool,
}

/// Agency aliases, indexed by their first folded token.
#[derive(Debug, Clone, Default)]
pub struct AliasIndex {
    /// First folded word → aliases starting with it; looked up for every word of a
    /// signature and letterhead, hence the fast hash.
    by_first: FastMap<String, Vec<Entry>>,
    /// Aliases written without word spaces (CJK), matched as substrings.
    unspaced: Vec<(String, usize)>,
}

/// An agency named in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasMatch {
    pub agency: usize,
    /// The alias as listed in the directory.
    pub alias: String,
}

/// German and Dutch inflect names (`des Bundeskriminalamtes`): long words may carry
/// one of these endings.
const INFLECTIONS: &[&str] = &["es", "s", "en", "n", "e"];

impl AliasIndex {
    /// Index `alias` for agency number `agency`.
    pub fn add(&mut self, alias: &str, agency: usize, identity_only: bool) {
        let alias = alias.trim();
        if alias.is_empty() {
            return;
        }
        if alias.chars().any(is_unspaced_script) {
            self.unspaced.push((alias.to_string(), agency));
            return;
        }
        let folded: Vec<Token> = fold_phrase(alias);
        let Some((first, rest)) = folded.split_first() else {
            return;
        };
        let short = folded.len() == 1 && first.cased.chars().count() <= 5;
        // Dotted acronyms ("F.B.I.") fold into one token per letter: keep their case too.
        let acronym = folded.iter().all(|t| t.cased.chars().count() == 1);
        let entry = Entry {
            rest: rest.iter().map(|t| t.folded.clone()).collect(),
            agency,
            alias: alias.to_string(),
            cased: (short || acronym).then(|| folded.iter().map(|t| t.cased.clone()).collect()),
            identity_only,
        };
        let list = self.by_first.entry(first.folded.clone()).or_default();
        if !list
            .iter()
            .any(|e| e.agency == agency && e.rest == entry.rest && e.cased == entry.cased)
        {
            list.push(entry);
        }
    }

    /// Agencies named in `text`, in order of appearance, each once.
    pub fn find(&self, text: &str, kind: TextKind) -> Vec<AliasMatch> {
        // Most texts name no agency: the words are folded one by one without keeping
        // the tokens, and only a text with a word that can start an alias is tokenised.
        // An unspaced (CJK, Thai) alias is not a word, and never in ASCII text.
        let may_name_one = any_folded_word(text, |word| self.lookup_first(word).is_some())
            || (!text.is_ascii()
                && self
                    .unspaced
                    .iter()
                    .any(|(alias, _)| text.contains(alias.as_str())));
        if !may_name_one {
            return Vec::new();
        }
        let mut out: Vec<AliasMatch> = Vec::new();
        let words = tokens(text);
        for (i, word) in words.iter().enumerate() {
            let Some(entries) = self.lookup_first(&word.folded) else {
                continue;
            };
            for entry in entries {
                if entry.identity_only && kind == TextKind::Prose {
                    continue;
                }
                if !rest_matches(&words, i, entry) {
                    continue;
                }
                if let Some(cased) = &entry.cased
                    && !cased
                        .iter()
                        .zip(words.get(i..).into_iter().flatten())
                        .all(|(c, w)| case_matches(c, &w.cased, kind))
                {
                    continue;
                }
                if !out.iter().any(|m| m.agency == entry.agency) {
                    out.push(AliasMatch {
                        agency: entry.agency,
                        alias: entry.alias.clone(),
                    });
                }
            }
        }
        for (alias, agency) in &self.unspaced {
            if text.contains(alias.as_str()) && !out.iter().any(|m| m.agency == *agency) {
                out.push(AliasMatch {
                    agency: *agency,
                    alias: alias.clone(),
                });
            }
        }
        out
    }

    fn lookup_first(&self, folded: &str) -> Option<&Vec<Entry>> {
        if let Some(found) = self.by_first.get(folded) {
            return Some(found);
        }
        if folded.chars().count() < 8 {
            return None;
        }
        INFLECTIONS
            .iter()
            .filter_map(|ending| folded.strip_suffix(ending))
            .find_map(|stem| self.by_first.get(stem))
    }
}

/// A short alias keeps its case in prose (`ICE`, not `ice`); a display name may also
/// shout it (`BAFIN`), but `Dea Miller` and `IT Sec Team` name no agency.
fn case_matches(alias: &str, word: &str, kind: TextKind) -> bool {
    alias == word
        || (kind == TextKind::Identity
            && word.chars().all(|c| !c.is_lowercase())
            && word.chars().any(char::is_alphabetic))
}

fn rest_matches(words: &[Token], start: usize, entry: &Entry) -> bool {
    entry.rest.iter().enumerate().all(|(k, expected)| {
        words
            .get(start + 1 + k)
            .is_some_and(|w| w.folded == *expected)
    })
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{9FFF}' // CJK ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{0E00}'..='\u{0E7F}' // Thai
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> AliasIndex {
        let mut index = AliasIndex::default();
        index.add("FBI", 0, false);
        index.add("Federal Bureau of Investigation", 0, false);
        index.add("Bundeskriminalamt", 1, false);
        index.add("BKA", 1, false);
        index.add("Politie", 2, true);
        index.add("警察庁", 3, false);
        index.add("F.B.I.", 0, false);
        index
    }

    fn agencies(text: &str, kind: TextKind) -> Vec<usize> {
        index()
            .find(text, kind)
            .into_iter()
            .map(|m| m.agency)
            .collect()
    }

    #[test]
    fn ascii_texts_without_a_first_word_are_skipped_and_others_are_read() {
        // Inflected first words still reach the token path; CJK text never skips it.
        for (text, want) in [
            ("Ermittlungen des Bundeskriminalamtes", vec![1]),
            ("Regards, Jane Roe, Compliance", vec![]),
            ("警察庁 Tokyo", vec![3]),
        ] {
            assert_eq!(agencies(text, TextKind::Prose), want, "{text}");
        }
    }

    #[test]
    fn matches_whole_words_only() {
        assert_eq!(agencies("Special Agent, FBI Boston", TextKind::Prose), [0]);
        assert!(agencies("FBIS report", TextKind::Prose).is_empty());
        assert!(agencies("bkash payments", TextKind::Prose).is_empty());
    }

    #[test]
    fn short_aliases_keep_case_in_prose_only() {
        assert!(agencies("the fbi said", TextKind::Prose).is_empty());
        assert_eq!(agencies("FBI agent", TextKind::Identity), [0]);
        assert_eq!(agencies("BKA Wiesbaden", TextKind::Identity), [1]);
        assert!(agencies("Fbi fan club", TextKind::Identity).is_empty());
        assert_eq!(agencies("F.B.I. Field Office", TextKind::Prose), [0]);
    }

    #[test]
    fn folds_case_accents_confusables_and_inflection() {
        assert_eq!(
            agencies("FEDERAL BUREAU OF INVESTIGATION", TextKind::Prose),
            [0]
        );
        assert_eq!(
            agencies("im Auftrag des Вundeskriminalamtes", TextKind::Prose),
            [1]
        );
    }

    #[test]
    fn identity_only_aliases_stay_out_of_prose() {
        assert!(agencies("aangifte bij de politie", TextKind::Prose).is_empty());
        assert_eq!(agencies("Politie Amsterdam", TextKind::Identity), [2]);
    }

    #[test]
    fn unspaced_scripts_match_as_substrings() {
        assert_eq!(agencies("警察庁生活安全局", TextKind::Prose), [3]);
    }
}
