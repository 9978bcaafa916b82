//! The function-word count decides a language only where the statistical detector would
//! say the same: checked on every text of the request fixtures and, where it is on this
//! machine, of the third-party MIME corpus (../shared/data/mime-corpus).

use lea_classifier::request::language::{function_words, statistical};
use lea_classifier::request::layers::{Layer, Texts};
use lea_ingest::extract::TextExtractor;
use lea_ingest::{Limits, parse_message};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_none_or(|e| e != "json" && e != "md") {
            out.push(path);
        }
    }
}

/// The start of `text` that detection reads (4096 bytes), on a character boundary.
fn head(text: &str) -> &str {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

/// Every text detection may read from a message: each piece, and the layer groups joined.
fn texts_of(raw: &[u8]) -> Vec<String> {
    let message = parse_message(raw, &Limits::default(), &TextExtractor::disabled());
    let texts = Texts::of(&message);
    let mut out: Vec<String> = texts.pieces.iter().map(|p| p.text().to_string()).collect();
    for layers in [
        &[Layer::Subject, Layer::NewBody][..],
        &[Layer::Attachment][..],
        &[Layer::Quoted][..],
    ] {
        out.push(texts.joined(layers));
    }
    out
}

fn check(dir: &Path) -> (usize, usize) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    let (mut decided, mut all) = (0, 0);
    let mut disagreements = Vec::new();
    for file in files {
        let Ok(raw) = std::fs::read(&file) else {
            continue;
        };
        for text in texts_of(&raw) {
            let text = head(&text);
            all += 1;
            if let Some(fast) = function_words(text) {
                decided += 1;
                let slow = statistical(text);
                if slow != Some(fast) {
                    disagreements.push(format!(
                        "{}: function words say {fast}, the detector {slow:?}",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    (decided, all)
}

#[test]
fn function_words_agree_with_the_detector_on_the_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/requests");
    let (decided, all) = check(&dir);
    println!("function words decided {decided} of {all} texts");
    // The fast path must actually serve requests, not only be safe.
    assert!(decided > 0);
}

#[test]
fn function_words_agree_with_the_detector_on_the_mime_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/mime-corpus");
    if !dir.is_dir() {
        return;
    }
    let (decided, all) = check(&dir);
    println!("function words decided {decided} of {all} texts");
}

#[test]
fn short_or_mixed_texts_are_left_to_the_detector() {
    assert_eq!(function_words("Please see the attached letter."), None);
    let cyrillic = "Уважаемые коллеги, просим предоставить сведения о счёте. ".repeat(10)
        + "Please provide the data for the account and the wallet of the user.";
    assert_eq!(function_words(&cyrillic), None);
    let english = "We are writing to you about the account of the user. Please preserve \
                   the records that you hold, and send us any data that would be of use to \
                   the investigation. If you have any questions, please contact us.";
    assert_eq!(function_words(english), Some("en"));
    assert_eq!(statistical(english), Some("en"));
}
