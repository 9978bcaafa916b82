//! HTML to text, for HTML bodies and HTML attachments alike: one conversion, so that a
//! letter reads the same whichever way it was sent.
//!
//! mail-parser's converter already drops `<head>`, `<style>`, `<script>`, `<template>`
//! and comments. Before it runs, elements a reader never sees are cut out: those with
//! the `hidden` attribute or a style of `display:none`, `visibility:hidden` or
//! `mso-hide:all`. Hidden text is where decoy identifiers are put, and what nobody saw
//! is not part of the request.

/// The visible text of an HTML document.
pub fn html_to_text(html: &str) -> String {
    mail_parser::decoders::html::html_to_text(&strip_hidden(html))
}

/// Elements with no content and no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose content is not markup: a `<` inside them is not a tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp"];

/// `html` without its hidden elements. A hidden element that is never closed hides the
/// rest of the document, as it would in a browser.
pub(crate) fn strip_hidden(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    while let Some(lt) = html[pos..].find('<').map(|i| pos + i) {
        let rest = &html[lt..];
        let Some(tag) = Tag::parse(rest) else {
            // Not a tag ("a < b"): text.
            out.push_str(&html[pos..lt + 1]);
            pos = lt + 1;
            continue;
        };
        let (name, closing, self_closing, hidden, len) = match tag {
            Tag::Comment(len) => {
                out.push_str(&html[pos..lt + len]);
                pos = lt + len;
                continue;
            }
            Tag::Element {
                name,
                closing,
                self_closing,
                hidden,
                len,
            } => (name, closing, self_closing, hidden, len),
        };
        let tag_end = lt + len;
        if !closing && hidden {
            out.push_str(&html[pos..lt]);
            pos = if self_closing || VOID.contains(&name.as_str()) {
                tag_end
            } else {
                find_close(html, tag_end, &name).unwrap_or(html.len())
            };
            continue;
        }
        out.push_str(&html[pos..tag_end]);
        pos = tag_end;
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            // Copy the raw text and its end tag as they are.
            let end = find_end_tag(html, pos, &name).map_or(html.len(), |(_, e)| e);
            out.push_str(&html[pos..end]);
            pos = end;
        }
    }
    out.push_str(&html[pos..]);
    out
}

enum Tag {
    /// `<!-- ... -->`, `<!DOCTYPE ...>`, `<? ... >`: length in bytes.
    Comment(usize),
    Element {
        name: String,
        closing: bool,
        self_closing: bool,
        hidden: bool,
        len: usize,
    },
}

impl Tag {
    /// The tag at the start of `s` (which starts with `<`).
    fn parse(s: &str) -> Option<Tag> {
        if let Some(body) = s.strip_prefix("<!--") {
            return Some(Tag::Comment(
                body.find("-->").map_or(s.len(), |i| 4 + i + 3),
            ));
        }
        if s.starts_with("<!") || s.starts_with("<?") {
            return Some(Tag::Comment(s.find('>').map_or(s.len(), |i| i + 1)));
        }
        let (closing, after) = match s[1..].strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, &s[1..]),
        };
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
            .unwrap_or(after.len());
        if name_len == 0 || !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let name = after[..name_len].to_ascii_lowercase();
        let start = s.len() - after.len() + name_len;
        let end = tag_end(s, start)?;
        let attrs = &s[start..end];
        Some(Tag::Element {
            name,
            closing,
            self_closing: attrs.trim_end().ends_with('/'),
            hidden: !closing && is_hidden(attrs),
            len: end + 1,
        })
    }
}

/// Index of the `>` that ends a tag, skipping quoted attribute values.
fn tag_end(s: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// Attributes as (lower-case name, value) pairs.
fn attributes(attrs: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = attrs.trim_start_matches(['/', ' ', '\t', '\r', '\n']);
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/' || c == '>')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let (v, remaining) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &r[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = r.find(|c: char| c.is_ascii_whitespace()).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            value = v.to_string();
            rest = remaining;
        } else if name_len == 0 {
            // A stray character: skip it rather than loop.
            let skip = rest.chars().next().map_or(0, char::len_utf8);
            rest = &rest[skip..];
        }
        if !name.is_empty() {
            out.push((name, value));
        }
        rest = rest.trim_start_matches(['/', ' ', '\t', '\r', '\n']);
    }
    out
}

fn is_hidden(attrs: &str) -> bool {
    // Only a `hidden` or a `style` attribute can hide an element, and either name is
    // written out in the tag: most tags have neither, and are not split into attributes.
    if !contains_ignore_ascii_case(attrs, b"hidden") && !contains_ignore_ascii_case(attrs, b"style")
    {
        return false;
    }
    attributes(attrs)
        .iter()
        .any(|(name, value)| match name.as_str() {
            "hidden" => true,
            "style" => {
                let style: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                style.split(';').any(|decl| {
                    matches!(
                        decl.trim_end_matches("!important"),
                        "display:none" | "visibility:hidden" | "mso-hide:all"
                    )
                })
            }
            _ => false,
        })
}

fn contains_ignore_ascii_case(haystack: &str, needle: &[u8]) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Byte offset just past the end tag that closes an element `name` opened before
/// `from`, counting nested elements of the same name.
fn find_close(html: &str, from: usize, name: &str) -> Option<usize> {
    let mut depth = 1usize;
    let mut pos = from;
    while let Some(lt) = html[pos..].find('<').map(|i| pos + i) {
        match Tag::parse(&html[lt..]) {
            Some(Tag::Comment(len)) => pos = lt + len,
            Some(Tag::Element {
                name: n,
                closing,
                self_closing,
                len,
                ..
            }) => {
                pos = lt + len;
                if n == name && !self_closing {
                    if closing {
                        depth -= 1;
                        if depth == 0 {
                            return Some(pos);
                        }
                    } else {
                        depth += 1;
                    }
                } else if !closing && RAW_TEXT.contains(&n.as_str()) {
                    pos = find_end_tag(html, pos, &n).map_or(html.len(), |(_, e)| e);
                }
            }
            None => pos = lt + 1,
        }
    }
    None
}

/// The `</name>` at or after `from`, case-insensitively: (start, end) offsets.
fn find_end_tag(html: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let needle = format!("</{name}");
    let bytes = html.as_bytes();
    // A vectorised search for "</": style and script blocks run to many kilobytes.
    for i in memchr::memmem::find_iter(bytes.get(from..)?, b"</").map(|i| from + i) {
        let candidate = bytes.get(i..i + needle.len())?;
        if candidate.eq_ignore_ascii_case(needle.as_bytes()) {
            let end = memchr::memchr(b'>', bytes.get(i..)?).map_or(html.len(), |g| i + g + 1);
            return Some((i, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_elements_are_dropped() {
        let html = r#"<html><head><title>t</title><style>p{color:red}</style></head><body>
<p>Wallet <b>bc1qvisible</b></p>
<div style="display: none !important">bc1qhidden <div>nested</div> still hidden</div>
<span hidden>alsohidden</span><p style="visibility:hidden">invisible</p>
<script>var x = "<div hidden>";</script>
<p>after</p><img src=x style="display:none"><br/>end</body></html>"#;
        let text = html_to_text(html);
        assert!(text.contains("bc1qvisible"), "{text}");
        assert!(text.contains("after"), "{text}");
        assert!(text.contains("end"), "{text}");
        for hidden in [
            "bc1qhidden",
            "nested",
            "still",
            "alsohidden",
            "invisible",
            "color",
            "var x",
        ] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
    }

    #[test]
    fn unclosed_hidden_element_hides_the_rest_and_bad_markup_is_text() {
        assert_eq!(strip_hidden("a<div hidden>b<p>c"), "a");
        assert_eq!(strip_hidden("1 < 2 <3 <>"), "1 < 2 <3 <>");
        assert_eq!(strip_hidden("<p title='>' hidden>x</p>y"), "y");
        assert_eq!(
            strip_hidden("<!-- <div hidden> -->z"),
            "<!-- <div hidden> -->z"
        );
        assert_eq!(
            strip_hidden("<div aria-hidden=true>seen</div>"),
            "<div aria-hidden=true>seen</div>"
        );
        for s in ["<", "<a", "<a b='", "</", "<div hidden", "é<é>é", "<a =x>"] {
            let _ = html_to_text(s);
        }
    }
}
