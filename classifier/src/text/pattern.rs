//! Compiling the built-in patterns.

use regex::Regex;

/// Compile a built-in pattern with ASCII word boundaries: `\b` becomes `(?-u:\b)`.
///
/// A Unicode word boundary makes the regex engine leave its fast lazy DFA for a
/// backtracker or the PikeVM on any text with a non-ASCII character, which requests in
/// French, German, Spanish or Portuguese always have (measured: most of the time spent
/// in request understanding went there). The cost is that a boundary next to a non-ASCII
/// letter is not seen, so no pattern here puts a boundary right beside one.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)"))
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
}
