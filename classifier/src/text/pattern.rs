//! Compiling the built-in patterns.

use regex::{Regex, RegexSet, RegexSetBuilder};

/// Compile a built-in pattern with ASCII word boundaries: `\b` becomes `(?-u:\b)`.
///
/// A Unicode word boundary makes the regex engine leave its fast lazy DFA for a
/// backtracker or the PikeVM on any text with a non-ASCII character, which requests in
/// French, German, Spanish or Portuguese always have (measured: most of the time spent
/// in request understanding went there). The cost is that a boundary next to a non-ASCII
/// letter is not seen, so no pattern here puts a boundary right beside one.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&ascii_boundaries(pattern))
}

fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// Compile built-in patterns as [`compile`] does, into one set.
pub fn compile_set<S: AsRef<str>>(patterns: &[S]) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(patterns.iter().map(|p| ascii_boundaries(p.as_ref())))
        .size_limit(SET_SIZE_LIMIT)
        .dfa_size_limit(SET_SIZE_LIMIT)
        .build()
}

/// Size limit of a combined set: it holds every pattern of a list at once.
const SET_SIZE_LIMIT: usize = 64 << 20;

/// A list of patterns searched one by one, with a set of all of them in front: one pass
/// over a text tells which patterns match it at all, and only those are run. Most texts
/// match few of the patterns of a list (a kind cue, a jurisdiction marker), so this
/// replaces one pass per pattern with one pass in all, and finds exactly what running
/// every pattern would.
pub struct PatternSet {
    regexes: Vec<Regex>,
    /// `None` when the set could not be built: then every pattern is run.
    set: Option<RegexSet>,
}

impl PatternSet {
    /// Compile `patterns` as [`compile`] does, and their set.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PatternSet, regex::Error> {
        Self::with_filters(patterns, patterns)
    }

    /// Like [`PatternSet::new`], but the set is built from `filters`: one per pattern,
    /// each matching wherever its pattern matches (say, its leading label alone). A
    /// simpler set is a faster pass; a pattern whose filter matches is run as before.
    pub fn with_filters<S: AsRef<str>, F: AsRef<str>>(
        patterns: &[S],
        filters: &[F],
    ) -> Result<PatternSet, regex::Error> {
        let regexes = patterns
            .iter()
            .map(|p| compile(p.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let set = (filters.len() == patterns.len())
            .then(|| compile_set(filters).ok())
            .flatten();
        Ok(PatternSet { regexes, set })
    }

    /// The patterns that match somewhere in `text`, in list order, with their index.
    pub fn matching<'a>(&'a self, text: &str) -> impl Iterator<Item = (usize, &'a Regex)> + 'a {
        let matched = self.set.as_ref().map(|set| set.matches(text));
        self.regexes
            .iter()
            .enumerate()
            .filter(move |(i, _)| matched.as_ref().is_none_or(|m| m.matched(*i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_still_separate_words_in_accented_text() {
        let re = compile(r"(?i)\bréquisition\b").unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match("Objet : Réquisition judiciaire"));
        assert!(!re.is_match("préréquisitions"));
    }

    #[test]
    fn a_set_yields_the_matching_patterns_in_order() {
        let set =
            PatternSet::new(&[r"(?i)\bcat\b", r"dog", r"\bbird"]).unwrap_or_else(|e| panic!("{e}"));
        let found: Vec<usize> = set.matching("a Dog and a CAT").map(|(i, _)| i).collect();
        assert_eq!(found, vec![0]);
        let found: Vec<usize> = set.matching("dog, bird, concat").map(|(i, _)| i).collect();
        assert_eq!(found, vec![1, 2]);
        assert_eq!(set.matching("").count(), 0);
    }
}
