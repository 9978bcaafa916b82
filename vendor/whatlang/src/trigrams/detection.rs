use hashbrown::HashMap;
use std::sync::OnceLock;

#[cfg(test)]
use super::LangProfile;
use super::LangProfileList;
use super::utils::{TrigramsWithPositions, get_trigrams_with_positions};
use super::{ARABIC_LANGS, CYRILLIC_LANGS, DEVANAGARI_LANGS, HEBREW_LANGS, LATIN_LANGS};
use super::{MAX_TOTAL_DISTANCE, MAX_TRIGRAM_DISTANCE, Trigram};
use crate::Lang;
use crate::core::{FilterList, Info, InternalQuery, Text, calculate_confidence};
use crate::scripts::grouping::MultiLangScript;

#[derive(Debug)]
pub struct RawOutcome {
    pub trigrams_count: usize,
    #[allow(dead_code)]
    pub raw_distances: Vec<(Lang, u32)>,
    pub scores: Vec<(Lang, f64)>,
}

#[inline]
pub fn detect(iquery: &InternalQuery) -> Option<Info> {
    let raw_outcome = raw_detect(iquery);
    let RawOutcome {
        trigrams_count,
        scores,
        ..
    } = raw_outcome;

    let mut raw_scores_iter = scores.into_iter();

    let opt_lang_score1 = raw_scores_iter.next();
    let opt_lang_score2 = raw_scores_iter.next();

    // TODO: Logic is duplicated in alphabets. Consider refactoring
    opt_lang_score1.map(|(lang1, score1)| {
        let script = iquery.multi_lang_script.to_script();
        let confidence = if let Some((_, score2)) = opt_lang_score2 {
            calculate_confidence(score1, score2, trigrams_count)
        } else {
            1.0
        };
        Info::new(script, lang1, confidence)
    })
}

#[inline]
pub fn raw_detect(iquery: &InternalQuery) -> RawOutcome {
    let merged = merged_profiles(iquery.multi_lang_script);
    calculate_scores_in_profiles(&iquery.text, iquery.filter_list, merged)
}

/// The profiles of one script merged into one index: each trigram with the languages
/// whose profile holds it and its rank there. A text's distances to every language then
/// take one lookup per text trigram instead of one per profile trigram and language; the
/// sums are the same, term for term, as [`calculate_distance`] computes them.
struct MergedProfiles {
    /// The languages in profile-list order, with their profile's length.
    langs: Vec<(Lang, u32)>,
    /// Trigram → its run in `entries`.
    index: HashMap<Trigram, (u32, u32)>,
    /// (index into `langs`, rank in that language's profile), grouped by trigram: one
    /// compact array, so that a text's lookups touch few cache lines.
    entries: Vec<(u8, u16)>,
}

impl MergedProfiles {
    fn new(list: LangProfileList) -> Self {
        let mut by_trigram: HashMap<Trigram, Vec<(u8, u16)>> = HashMap::new();
        let mut langs = Vec::with_capacity(list.len());
        for (lang_index, &(lang, profile)) in list.iter().enumerate() {
            langs.push((lang, profile.len() as u32));
            // A script has fewer than 256 languages and a profile 300 trigrams.
            let lang_index = u8::try_from(lang_index).expect("fewer than 256 languages");
            for (rank, &trigram) in profile.iter().enumerate() {
                let rank = u16::try_from(rank).expect("profiles are short");
                by_trigram
                    .entry(trigram)
                    .or_default()
                    .push((lang_index, rank));
            }
        }
        let mut index = HashMap::with_capacity(by_trigram.len());
        let mut entries = Vec::new();
        for (trigram, held) in by_trigram {
            let start = entries.len() as u32;
            entries.extend(held);
            index.insert(trigram, (start, entries.len() as u32));
        }
        MergedProfiles {
            langs,
            index,
            entries,
        }
    }
}

fn merged_profiles(script: MultiLangScript) -> &'static MergedProfiles {
    static MERGED: [OnceLock<MergedProfiles>; 5] = [const { OnceLock::new() }; 5];
    use MultiLangScript as MLS;
    let slot = match script {
        MLS::Latin => 0,
        MLS::Cyrillic => 1,
        MLS::Arabic => 2,
        MLS::Devanagari => 3,
        MLS::Hebrew => 4,
    };
    MERGED[slot].get_or_init(|| MergedProfiles::new(script_to_lang_profile_list(script)))
}

fn script_to_lang_profile_list(script: MultiLangScript) -> LangProfileList {
    use MultiLangScript as MLS;
    match script {
        MLS::Latin => LATIN_LANGS,
        MLS::Cyrillic => CYRILLIC_LANGS,
        MLS::Arabic => ARABIC_LANGS,
        MLS::Devanagari => DEVANAGARI_LANGS,
        MLS::Hebrew => HEBREW_LANGS,
    }
}

#[inline]
fn calculate_scores_in_profiles(
    text: &Text,
    filter_list: &FilterList,
    merged: &MergedProfiles,
) -> RawOutcome {
    let mut lang_distances: Vec<(Lang, u32)> = vec![];

    let TrigramsWithPositions {
        trigram_positions, ..
    } = get_trigrams_with_positions(&text.lowercase());
    let unique_trigrams_count = trigram_positions.len();

    // Per language: the distances of the profile trigrams found in the text, and how
    // many were found (each one not found counts MAX_TRIGRAM_DISTANCE).
    let mut found_distance = vec![0u32; merged.langs.len()];
    let mut found = vec![0u32; merged.langs.len()];
    for &(trigram, n) in &trigram_positions {
        if let Some(&(start, end)) = merged.index.get(&trigram) {
            for &(lang_index, rank) in &merged.entries[start as usize..end as usize] {
                let lang_index = lang_index as usize;
                found_distance[lang_index] += (n as i32 - rank as i32).unsigned_abs();
                found[lang_index] += 1;
            }
        }
    }
    let count = trigram_positions.len() as u32;
    for (lang_index, &(lang, profile_len)) in merged.langs.iter().enumerate() {
        if !filter_list.is_allowed(lang) {
            continue;
        }
        let total_dist =
            found_distance[lang_index] + (profile_len - found[lang_index]) * MAX_TRIGRAM_DISTANCE;
        lang_distances.push((lang, finish_distance(total_dist, count)));
    }

    // Sort languages by distance
    lang_distances.sort_unstable_by_key(|(_, dist)| *dist);

    let max_dist = unique_trigrams_count as u32 * MAX_TRIGRAM_DISTANCE;

    let raw_scores = lang_distances
        .iter()
        .map(|&(lang, distance)| (lang, distance_to_raw_score(distance, max_dist)))
        .collect();

    RawOutcome {
        trigrams_count: unique_trigrams_count,
        scores: raw_scores,
        raw_distances: lang_distances,
    }
}

/// The distance of one profile to a text, one profile trigram at a time: what the merged
/// index computes for all profiles at once (kept to test that they agree).
#[cfg(test)]
fn calculate_distance(lang_trigrams: LangProfile, text_trigrams: &HashMap<Trigram, u32>) -> u32 {
    let mut total_dist = 0u32;

    for (i, &trigram) in lang_trigrams.iter().enumerate() {
        let dist = match text_trigrams.get(&trigram) {
            Some(&n) => (n as i32 - i as i32).unsigned_abs(),
            None => MAX_TRIGRAM_DISTANCE,
        };
        total_dist += dist;
    }

    finish_distance(total_dist, text_trigrams.len() as u32)
}

/// The adjustment for texts with fewer than MAX_TRIGRAM_DISTANCE trigrams, and the clamp.
#[inline]
fn finish_distance(mut total_dist: u32, count: u32) -> u32 {
    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

#[inline]
fn distance_to_raw_score(distance: u32, max_distance: u32) -> f64 {
    let similarity = max_distance - distance;
    similarity as f64 / max_distance as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merged_index_gives_every_profile_its_own_distance() {
        let texts = [
            "Die Ordnung muss für immer in diesem Codebase bleiben",
            "Please preserve all records associated with the account below for ninety days.",
            "Nous vous prions de bien vouloir nous communiquer les informations suivantes.",
            "ab",
            "Solicitamos la congelación inmediata de los fondos de la cuenta indicada.",
        ];
        for script in [MultiLangScript::Latin, MultiLangScript::Cyrillic] {
            let merged = merged_profiles(script);
            let list = script_to_lang_profile_list(script);
            for text in texts {
                let TrigramsWithPositions {
                    trigram_positions, ..
                } = get_trigrams_with_positions(&Text::new(text).lowercase());
                let trigram_positions: HashMap<Trigram, u32> =
                    trigram_positions.into_iter().collect();
                let outcome =
                    calculate_scores_in_profiles(&Text::new(text), &FilterList::default(), merged);
                for &(lang, profile) in list {
                    let expected = calculate_distance(profile, &trigram_positions);
                    let got = outcome
                        .raw_distances
                        .iter()
                        .find(|(l, _)| *l == lang)
                        .map(|(_, d)| *d);
                    assert_eq!(got, Some(expected), "{lang:?} on {text:?}");
                }
            }
        }
    }

    #[test]
    fn test_when_german_is_given() {
        let text = "Die Ordnung muss für immer in diesem Codebase bleiben";
        let iq = InternalQuery {
            text: Text::new(text),
            filter_list: &FilterList::default(),
            multi_lang_script: MultiLangScript::Latin,
        };
        let raw_outcome = raw_detect(&iq);

        assert_eq!(raw_outcome.trigrams_count, 50);

        let &(first_lang, first_score) = raw_outcome.scores.first().unwrap();
        let &(_last_lang, last_score) = raw_outcome.scores.last().unwrap();

        assert_eq!(first_lang, Lang::Deu);

        assert!(first_score >= 0.0);
        assert!(first_score <= 1.0);

        assert!(last_score >= 0.0);
        assert!(last_score <= 1.0);
    }
}
