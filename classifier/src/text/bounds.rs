//! How much of a long text the classifier reads: its head and its tail.
//!
//! Requests put what they are (the title, the legal basis), by when (the deadline), the
//! agency's reference and the accounts concerned in their first pages, and the signature
//! at the end. A text longer than [`HEAD_BYTES`] + [`TAIL_BYTES`] (a forwarded mailing
//! list digest, a megabyte of generated HTML) is read as its first [`HEAD_BYTES`] and its
//! last [`TAIL_BYTES`], cut at line ends and joined by a blank line, so that no stage's
//! cost grows with the size of the message. What lies between is not read: not for the
//! kind, deadline, reference, jurisdiction or language, and not for targets.
//!
//! The bound applies to the body (before it is split into new and quoted text), to each
//! attachment's text and to each attached message's body. Every request fixture and
//! every letter of the test corpus is far below it.

use std::borrow::Cow;

/// Bytes read from the start of a long text.
pub const HEAD_BYTES: usize = 16 * 1024;
/// Bytes read from the end of a long text.
pub const TAIL_BYTES: usize = 4 * 1024;
/// How far a cut moves to reach a line end; past this it cuts inside the line.
const LINE_SLACK: usize = 1024;

/// `text` itself when short enough; otherwise its head and tail (see the module).
pub fn bounded(text: &str) -> Cow<'_, str> {
    if text.len() <= HEAD_BYTES + TAIL_BYTES {
        return Cow::Borrowed(text);
    }
    let head_end = floor_boundary(text, HEAD_BYTES);
    let head = text.get(..head_end).unwrap_or("");
    let head = match head.rfind('\n') {
        Some(i) if head_end - i <= LINE_SLACK => head.get(..i + 1).unwrap_or(head),
        _ => head,
    };
    let tail_start = ceil_boundary(text, text.len() - TAIL_BYTES);
    let tail = text.get(tail_start..).unwrap_or("");
    let tail = match tail.find('\n') {
        Some(i) if i < LINE_SLACK => tail.get(i + 1..).unwrap_or(tail),
        _ => tail,
    };
    let mut out = String::with_capacity(head.len() + tail.len() + 2);
    out.push_str(head);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(tail);
    Cow::Owned(out)
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_read_whole() {
        let text = "line\n".repeat((HEAD_BYTES + TAIL_BYTES) / 5);
        assert!(matches!(bounded(&text), Cow::Borrowed(_)));
    }

    #[test]
    fn long_texts_keep_whole_lines_of_head_and_tail() {
        let mut text = String::from("Subpoena\n");
        for i in 0..20_000 {
            text.push_str(&format!("filler line number {i} é\n"));
        }
        text.push_str("Regards,\nSA Jane Roe\n");
        let read = bounded(&text);
        assert!(read.len() <= HEAD_BYTES + TAIL_BYTES + 2);
        assert!(read.starts_with("Subpoena\n"));
        assert!(read.ends_with("Regards,\nSA Jane Roe\n"));
        assert!(read.contains("\n\n"));
        assert!(
            read.lines()
                .all(|l| l.is_empty() || l.starts_with("filler") || !l.contains("number")),
            "a line was cut"
        );
        // One long line: cut inside it, on character boundaries.
        let line = "é".repeat(HEAD_BYTES);
        let read = bounded(&line);
        assert!(read.len() <= HEAD_BYTES + TAIL_BYTES + 2);
    }
}
