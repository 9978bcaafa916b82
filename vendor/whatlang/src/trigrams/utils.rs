use hashbrown::HashMap;

use super::TEXT_TRIGRAMS_SIZE;
use super::Trigram;
use crate::core::LowercaseText;
use crate::utils::is_stop_char;

pub struct TrigramsWithPositions {
    pub(crate) _total_trigrams: u32,
    /// Patched (see PATCH.md): each trigram with its position, in rank order. Upstream
    /// kept them in a HashMap, which the detection only iterates.
    pub(crate) trigram_positions: Vec<(Trigram, u32)>,
}

#[inline]
pub fn get_trigrams_with_positions(text: &LowercaseText) -> TrigramsWithPositions {
    let CountResult {
        total_trigrams,
        trigram_occurances,
    } = count(text);
    let trigram_positions = trigram_occurances_to_positions(trigram_occurances);
    TrigramsWithPositions {
        _total_trigrams: total_trigrams,
        trigram_positions,
    }
}

#[inline]
fn trigram_occurances_to_positions(
    trigram_occurances: HashMap<Trigram, u32>,
) -> Vec<(Trigram, u32)> {
    // Sort in descending order by number of occurrences and trigrams.
    // Patched (see PATCH.md): the (count, trigram) order is one integer per trigram,
    // compared in one instruction; and only the first TEXT_TRIGRAMS_SIZE are kept, so
    // they are selected first and only they are sorted. (count, trigram) pairs are
    // distinct, so the order, and the positions, are the ones a full sort gives.
    let mut count_vec: Vec<u128> = trigram_occurances
        .into_iter()
        .map(|(trigram, count)| rank_key(count, trigram))
        .collect();
    if count_vec.len() > TEXT_TRIGRAMS_SIZE {
        count_vec.select_nth_unstable_by(TEXT_TRIGRAMS_SIZE - 1, |a, b| b.cmp(a));
        count_vec.truncate(TEXT_TRIGRAMS_SIZE);
    }
    count_vec.sort_unstable_by(|a, b| b.cmp(a));

    count_vec
        .into_iter()
        .take(TEXT_TRIGRAMS_SIZE) // we're interested only in the first 600 (2 * MAX_TRIGRAM_DISTANCE)
        .enumerate()
        .map(|(i, key)| (key_trigram(key), i as u32))
        .collect()
}

/// (count, trigram) as one integer that orders as the tuple does: a `char` is below
/// 2^21, so the three characters fill the low 63 bits in their order.
#[inline]
fn rank_key(count: u32, Trigram(a, b, c): Trigram) -> u128 {
    (u128::from(count) << 64) | (u128::from(a) << 42) | (u128::from(b) << 21) | u128::from(c)
}

/// The trigram of a [`rank_key`].
#[inline]
fn key_trigram(key: u128) -> Trigram {
    // Each field holds a `char` that `rank_key` put there, so none is invalid.
    let field = |shift: u32| char::from_u32(((key >> shift) & 0x1f_ffff) as u32).unwrap_or(' ');
    Trigram(field(42), field(21), field(0))
}

struct CountResult {
    total_trigrams: u32,
    trigram_occurances: HashMap<Trigram, u32>,
}

#[inline]
fn count(text: &LowercaseText) -> CountResult {
    let hash_capacity = calculate_initial_hash_capacity(text);
    let mut trigram_occurances: HashMap<Trigram, u32> = HashMap::with_capacity(hash_capacity);
    let mut total_trigrams = 0;

    // iterate through the string and count trigrams
    let mut chars_iter = text
        .chars()
        .map(to_trigram_char)
        //.flat_map(char::to_lowercase)
        .chain(Some(' '));
    let mut c1 = ' ';
    // unwrap is safe, because we always chain a space character on the end of the iterator
    let mut c2 = chars_iter.next().unwrap();
    for cur_char in chars_iter {
        let c3 = cur_char;
        if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
            let trigram = Trigram(c1, c2, c3);
            let count = trigram_occurances.entry(trigram).or_insert(0);
            *count += 1;
            total_trigrams += 1;
        }
        c1 = c2;
        c2 = c3;
    }

    CountResult {
        total_trigrams,
        trigram_occurances,
    }
}

// Convert punctuations and digits to a space.
#[inline]
fn to_trigram_char(ch: char) -> char {
    if is_stop_char(ch) { ' ' } else { ch }
}

// In order to improve performance, define the initial capacity for trigrams hash map,
// based on the size of the input text.
#[inline]
fn calculate_initial_hash_capacity(text: &str) -> usize {
    const MAX_INITIAL_HASH_CAPACITY: usize = 2048;

    let len = text.len();
    if len > MAX_INITIAL_HASH_CAPACITY {
        MAX_INITIAL_HASH_CAPACITY
    } else {
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upstream's ranking: every trigram sorted, then the first TEXT_TRIGRAMS_SIZE kept.
    fn upstream_positions(occurances: &HashMap<Trigram, u32>) -> HashMap<Trigram, u32> {
        let mut count_vec: Vec<_> = occurances.iter().map(|(t, c)| (*c, *t)).collect();
        count_vec.sort_unstable_by(|a, b| b.cmp(a));
        count_vec
            .into_iter()
            .take(TEXT_TRIGRAMS_SIZE)
            .enumerate()
            .map(|(i, (_, trigram))| (trigram, i as u32))
            .collect()
    }

    #[test]
    fn patched_selection_ranks_as_a_full_sort() {
        // Texts of growing length with many distinct trigrams and many equal counts,
        // from a small deterministic generator (xorshift).
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyzäöüéß ".chars().collect();
        for len in [0, 10, 500, 2_000, 5_000, 20_000] {
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    letters[(state % letters.len() as u64) as usize]
                })
                .collect();
            let CountResult {
                trigram_occurances, ..
            } = count(&LowercaseText::new(&text));
            let expected = upstream_positions(&trigram_occurances);
            let positions = trigram_occurances_to_positions(trigram_occurances);
            // In rank order, each trigram with its upstream position.
            assert!(
                positions
                    .iter()
                    .enumerate()
                    .all(|(i, (_, p))| *p == i as u32)
            );
            assert_eq!(positions.len(), expected.len(), "length {len}");
            assert_eq!(
                positions.into_iter().collect::<HashMap<_, _>>(),
                expected,
                "length {len}"
            );
        }
    }

    fn assert_valuable_trigram_chars(chars: &[char]) {
        for &ch in chars.iter() {
            assert_eq!(to_trigram_char(ch), ch);
        }
    }

    fn assert_not_valuable_trigram_chars(chars: &[char]) {
        for &ch in chars.iter() {
            assert_eq!(to_trigram_char(ch), ' ');
        }
    }

    #[test]
    fn test_to_trigram_char() {
        // valuable chars, that matters
        assert_valuable_trigram_chars(&['a', 'z', 'A', 'Z', 'Ж', 'ß']);

        // punctuations, digits, etc..
        //
        // 0x00 - 0x40
        assert_not_valuable_trigram_chars(&['\t', '\n', ' ', '.', '0', '9', ',', '@']);
        // 0x5B - 0x60
        assert_not_valuable_trigram_chars(&['[', ']', '^', '\\', '`']);
        // 0x7B - 0x7E
        assert_not_valuable_trigram_chars(&['[', '|', '{', '}', '~']);
    }

    fn assert_count(text: &str, pairs: &[(&str, u32)]) {
        let lowercase_text = LowercaseText::new(text);
        let CountResult {
            total_trigrams: _,
            trigram_occurances,
        } = count(&lowercase_text);
        for &(trigram_str, expected_n) in pairs.iter() {
            let chars: Vec<char> = trigram_str.chars().collect();
            let trigram = Trigram(chars[0], chars[1], chars[2]);
            let actual_n = trigram_occurances[&trigram];
            assert_eq!(
                actual_n, expected_n,
                "trigram '{:?}' expected to occur {} times, got {}",
                trigram, expected_n, actual_n
            );
        }
        assert_eq!(trigram_occurances.len(), pairs.len());
    }

    #[test]
    fn test_count() {
        assert_count("", &[]);
        assert_count(",", &[]);
        assert_count("a", &[(" a ", 1)]);
        assert_count("-a-", &[(" a ", 1)]);
        assert_count("yes", &[(" ye", 1), ("yes", 1), ("es ", 1)]);
        assert_count(
            "Give - IT...",
            &[
                (" gi", 1),
                ("giv", 1),
                ("ive", 1),
                ("ve ", 1),
                (" it", 1),
                ("it ", 1),
            ],
        );
    }

    #[test]
    fn test_get_trigrams_with_positions() {
        let lowercase_text = LowercaseText::new("xaaaaabbbb    d");
        let TrigramsWithPositions {
            _total_trigrams,
            trigram_positions,
        } = get_trigrams_with_positions(&lowercase_text);

        let trigram_positions: HashMap<Trigram, u32> = trigram_positions.into_iter().collect();
        assert_eq!(trigram_positions[&Trigram('a', 'a', 'a')], 0);
        assert_eq!(trigram_positions[&Trigram('b', 'b', 'b')], 1);
        assert_eq!(_total_trigrams, 11);
    }
}
