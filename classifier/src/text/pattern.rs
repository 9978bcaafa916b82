//! Compiling the built-in patterns.

use regex::{Regex, RegexSet, RegexSetBuilder};
use std::sync::OnceLock;

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
    /// One per pattern, as written: what [`SetUnion`] puts in its own set.
    filters: Vec<String>,
    /// Built on the first [`PatternSet::matching`]: a set read only through a
    /// [`SetUnion`] is never built on its own. `None` when it could not be built: then
    /// every pattern is run.
    set: OnceLock<Option<RegexSet>>,
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
        // Without one filter per pattern there is no set: every pattern is run.
        let filters: Vec<String> = if filters.len() == patterns.len() {
            filters.iter().map(|f| f.as_ref().to_string()).collect()
        } else {
            Vec::new()
        };
        Ok(PatternSet {
            regexes,
            filters,
            set: OnceLock::new(),
        })
    }

    /// Whether there is one filter per pattern, so that a set can rule patterns out.
    fn is_filtered(&self) -> bool {
        !self.filters.is_empty()
    }

    /// The patterns that match somewhere in `text`, in list order, with their index.
    pub fn matching<'a>(&'a self, text: &str) -> impl Iterator<Item = (usize, &'a Regex)> + 'a {
        let set = self.set.get_or_init(|| {
            self.is_filtered()
                .then(|| compile_set(&self.filters).ok())
                .flatten()
        });
        let matched = set.as_ref().map(|set| set.matches(text));
        self.regexes
            .iter()
            .enumerate()
            .filter(move |(i, _)| matched.as_ref().is_none_or(|m| m.matched(*i)))
    }

    /// [`PatternSet::matching`] on a text already scanned by a [`SetUnion`] that holds
    /// this set as its member `member`.
    pub fn matching_scanned<'a, 's>(
        &'a self,
        scanned: &'s UnionMatches<'_>,
        member: usize,
    ) -> impl Iterator<Item = (usize, &'a Regex)> + 's
    where
        'a: 's,
    {
        self.regexes
            .iter()
            .enumerate()
            .filter(move |(i, _)| scanned.matched(member, *i))
    }
}

/// Several [`PatternSet`]s searched in one pass. Modules that read the same texts with
/// their own sets pay one scan of each text between them instead of one each (the
/// scan's cost is per byte of text, almost whatever the number of patterns); each then
/// runs, as before, only the patterns whose filter matched.
pub struct SetUnion {
    /// `None` when a member has no set, or the union could not be built: then every
    /// pattern of every member is run.
    set: Option<RegexSet>,
    /// Where each member's patterns start in `set`.
    starts: Vec<usize>,
}

/// Which filters of a [`SetUnion`] matched one text.
#[derive(Debug, Clone)]
pub struct UnionMatches<'u> {
    matches: Option<regex::SetMatches>,
    starts: &'u [usize],
}

impl SetUnion {
    pub fn new(members: &[&PatternSet]) -> SetUnion {
        let mut starts = Vec::with_capacity(members.len());
        let mut filters: Vec<&str> = Vec::new();
        for member in members {
            starts.push(filters.len());
            filters.extend(member.filters.iter().map(String::as_str));
        }
        // A member without filters cannot rule anything out; a filter that does not
        // compile leaves the union unbuilt. Either way every pattern is run.
        let complete = members
            .iter()
            .all(|m| m.is_filtered() || m.regexes.is_empty());
        let set = complete.then(|| compile_set(&filters).ok()).flatten();
        SetUnion { set, starts }
    }

    /// One pass over `text`.
    pub fn scan(&self, text: &str) -> UnionMatches<'_> {
        UnionMatches {
            matches: self.set.as_ref().map(|set| set.matches(text)),
            starts: &self.starts,
        }
    }
}

impl UnionMatches<'_> {
    /// Whether pattern `index` of member `member` may match (always, without a set).
    pub fn matched(&self, member: usize, index: usize) -> bool {
        match (&self.matches, self.starts.get(member)) {
            (Some(matches), Some(start)) => matches.matched(start + index),
            _ => true,
        }
    }
}

/// A pattern anchored at the start of the text (`^...`), searched line by line, with the
/// bytes a match can begin with worked out once from the pattern itself: most lines
/// cannot start a match, and a table look-up then replaces a regex call (whose fixed
/// cost, paid on every line of every message, was a measured part of reading replies and
/// signatures). A pattern not anchored at the start, or one that can match the empty
/// string, is always run.
pub struct LinePattern {
    regex: Regex,
    /// `None`: no gate, run the regex.
    first_bytes: Option<[bool; 256]>,
}

impl LinePattern {
    /// Compile `pattern` as [`compile`] does.
    pub fn new(pattern: &str) -> Result<LinePattern, regex::Error> {
        let pattern = ascii_boundaries(pattern);
        let regex = Regex::new(&pattern)?;
        let first_bytes = regex_syntax::parse(&pattern)
            .ok()
            .and_then(|hir| anchored_first_bytes(&hir));
        Ok(LinePattern { regex, first_bytes })
    }

    /// Whether lines are checked against the first bytes before the regex runs.
    #[cfg(test)]
    pub fn is_gated(&self) -> bool {
        self.first_bytes.is_some()
    }

    /// The regex's `is_match(line)`, without the call when `line` cannot start a match.
    pub fn is_match(&self, line: &str) -> bool {
        if let Some(first) = &self.first_bytes {
            let Some(&byte) = line.as_bytes().first() else {
                return false;
            };
            if !first[byte as usize] {
                return false;
            }
        }
        self.regex.is_match(line)
    }
}

/// For a pattern that must match at the start of the text and cannot match the empty
/// string: every byte its matches can begin with (over-approximated: any non-ASCII
/// character allows every non-ASCII byte). `None` when the pattern is not of that form.
fn anchored_first_bytes(hir: &regex_syntax::hir::Hir) -> Option<[bool; 256]> {
    use regex_syntax::hir::{HirKind, Look};
    // The pattern must begin with `^` (start of text), possibly inside groups.
    fn starts_anchored(hir: &regex_syntax::hir::Hir) -> bool {
        match hir.kind() {
            HirKind::Look(Look::Start) => true,
            HirKind::Capture(capture) => starts_anchored(&capture.sub),
            HirKind::Concat(items) => items.first().is_some_and(starts_anchored),
            HirKind::Alternation(branches) => branches.iter().all(starts_anchored),
            _ => false,
        }
    }
    if !starts_anchored(hir) {
        return None;
    }
    let mut first = [false; 256];
    let nullable = first_bytes(hir, &mut first);
    (!nullable).then_some(first)
}

/// Mark in `first` the bytes a match of `hir` can begin with; true when `hir` can match
/// the empty string (then what follows it can begin a match too).
fn first_bytes(hir: &regex_syntax::hir::Hir, first: &mut [bool; 256]) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => match literal.0.first() {
            Some(&byte) => {
                mark(first, byte);
                false
            }
            None => true,
        },
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.iter() {
                for c in range.start()..=range.end() {
                    if c.is_ascii() {
                        mark(first, c as u8);
                    } else {
                        // Every non-ASCII character: all lead bytes (and, for safety,
                        // every byte above ASCII).
                        first[0x80..].iter_mut().for_each(|b| *b = true);
                        break;
                    }
                }
            }
            class.iter().next().is_none()
        }
        HirKind::Class(Class::Bytes(class)) => {
            for range in class.iter() {
                for byte in range.start()..=range.end() {
                    mark(first, byte);
                }
            }
            class.iter().next().is_none()
        }
        HirKind::Repetition(repetition) => {
            let nullable = first_bytes(&repetition.sub, first);
            nullable || repetition.min == 0
        }
        HirKind::Capture(capture) => first_bytes(&capture.sub, first),
        HirKind::Concat(items) => {
            for item in items {
                if !first_bytes(item, first) {
                    return false;
                }
            }
            true
        }
        HirKind::Alternation(branches) => {
            let mut nullable = false;
            for branch in branches {
                nullable |= first_bytes(branch, first);
            }
            nullable
        }
    }
}

fn mark(first: &mut [bool; 256], byte: u8) {
    first[byte as usize] = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_pattern_is_gated_only_when_it_is_anchored() {
        let greeting =
            LinePattern::new(r"(?i)^\s*(?:dear|to\s+whom)\b").unwrap_or_else(|e| panic!("{e}"));
        assert!(greeting.first_bytes.is_some());
        assert!(greeting.is_match("Dear Sir"));
        assert!(greeting.is_match("  TO WHOM it may concern"));
        assert!(greeting.is_match("\u{a0}dear madam"));
        assert!(!greeting.is_match("Hello"));
        assert!(!greeting.is_match(""));
        // `(?i)` folds the Kelvin sign into `k`: a non-ASCII first byte is never gated.
        let kind = LinePattern::new(r"(?i)^kind").unwrap_or_else(|e| panic!("{e}"));
        assert!(kind.is_match("\u{212a}ind"));
        // Not anchored, or able to match nothing: always run.
        for pattern in [r"(?i)wrote:\s*$", r"^\s*", r"^(?:a|)", r"x|^y"] {
            let p = LinePattern::new(pattern).unwrap_or_else(|e| panic!("{e}"));
            assert!(p.first_bytes.is_none(), "{pattern}");
        }
        let wrote = LinePattern::new(r"(?i)wrote:\s*$").unwrap_or_else(|e| panic!("{e}"));
        assert!(wrote.is_match("Jane wrote:"));
    }

    /// The gate never turns away a line its regex matches, on generated lines.
    #[test]
    fn the_gate_never_rejects_a_match() {
        let patterns = [
            r"(?i)^\s*(?:on|am|le|el|il|op|em|a)\s\S.*$",
            r"(?i)^\s*\*?(?:from|von|de|da|van|remitente)\s*:\*?\s*\S",
            r"(?ix)^\s*(?: -{2,}\s*(?:original\s+message)\s*-{2,}\s*$ |_{20,}\s*$ |begin\s+forwarded\s+message:\s*$ )",
            r"(?i)^\s*(?:(?:best|kind)?\s*regards\b.*|(?:un\s+)?saludos?\b.*|--\s*$)",
        ];
        let pieces = [
            "",
            " ",
            "\t",
            "\u{a0}",
            "*",
            "-",
            "--",
            "_",
            "on",
            "On",
            "ON",
            "a",
            "am",
            "de",
            "De",
            "from",
            "From:",
            ":",
            " x",
            "wrote",
            "regards",
            "Best",
            "kind",
            "\u{212a}",
            "un ",
            "saludos",
            "begin forwarded message:",
            "original message",
            "é",
            "日",
            "1",
            "ſ",
        ];
        let mut lines = crate::text::generated::joins(&pieces, 6);
        for pattern in patterns {
            let gated = LinePattern::new(pattern).unwrap_or_else(|e| panic!("{e}"));
            assert!(gated.first_bytes.is_some(), "{pattern}");
            let plain = compile(pattern).unwrap_or_else(|e| panic!("{e}"));
            for line in lines.by_ref().take(20_000) {
                assert_eq!(
                    gated.is_match(&line),
                    plain.is_match(&line),
                    "{pattern} on {line:?}"
                );
            }
        }
    }

    #[test]
    fn boundaries_still_separate_words_in_accented_text() {
        let re = compile(r"(?i)\bréquisition\b").unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match("Objet : Réquisition judiciaire"));
        assert!(!re.is_match("préréquisitions"));
    }

    #[test]
    fn a_union_tells_each_member_what_its_own_set_would() {
        let animals =
            PatternSet::new(&[r"(?i)\bcat\b", r"dog", r"\bbird"]).unwrap_or_else(|e| panic!("{e}"));
        let labels = PatternSet::with_filters(
            &[r"(?i)\bcase\s+no\.?\s*\d+", r"(?i)\bref\s*\d+"],
            &[r"(?i)\bcase\s+no", r"(?i)\bref"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let union = SetUnion::new(&[&animals, &labels]);
        assert!(union.set.is_some());
        for text in [
            "",
            "a Dog and a CAT",
            "dog, bird, concat",
            "Case No. 12 about a cat",
            "ref: none, case no",
            "REF 7 bird",
        ] {
            let scanned = union.scan(text);
            for (member, set) in [&animals, &labels].into_iter().enumerate() {
                let own: Vec<usize> = set.matching(text).map(|(i, _)| i).collect();
                let shared: Vec<usize> = set
                    .matching_scanned(&scanned, member)
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(own, shared, "member {member} on {text:?}");
            }
        }
        // A member without a set: nothing can be ruled out, every pattern is run.
        let unfiltered =
            PatternSet::with_filters(&[r"x", r"y"], &[r"x"]).unwrap_or_else(|e| panic!("{e}"));
        let union = SetUnion::new(&[&animals, &unfiltered]);
        let scanned = union.scan("nothing here");
        assert_eq!(animals.matching_scanned(&scanned, 0).count(), 3);
        assert_eq!(unfiltered.matching_scanned(&scanned, 1).count(), 2);
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
