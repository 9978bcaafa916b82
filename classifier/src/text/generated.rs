//! Generated test inputs: texts joined from a few given pieces, in a fixed pseudo-random
//! order (xorshift), so that a failure names a text that a rerun makes again.

/// An endless run of texts, each of fewer than `most` pieces.
pub(crate) struct Joins<'a> {
    pieces: &'a [&'a str],
    most: u64,
    state: u64,
}

pub(crate) fn joins<'a>(pieces: &'a [&'a str], most: u64) -> Joins<'a> {
    Joins {
        pieces,
        most,
        state: 0x9e37_79b9_7f4a_7c15,
    }
}

impl Joins<'_> {
    fn step(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }
}

impl Iterator for Joins<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let mut text = String::new();
        for _ in 0..(self.state % self.most) {
            let pick = self.step() % self.pieces.len() as u64;
            text.push_str(self.pieces.get(pick as usize).copied().unwrap_or_default());
        }
        self.step();
        Some(text)
    }
}
