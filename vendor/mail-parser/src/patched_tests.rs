//! Tests of this copy's patches (PATCH.md): each patched function against upstream's
//! original, kept here unchanged as the reference.

use crate::MessageParser;
use crate::PartType;
use crate::decoders::html::html_to_text;

/// Upstream mail-parser 0.11.9's `html_to_text`, unchanged.
#[allow(clippy::all)]
pub(crate) fn upstream_html_to_text(input: &str) -> String {
    let mut result = String::with_capacity(input.len());
    let input = input.as_bytes();

    let mut in_tag = false;
    let mut in_head = false;
    let mut in_style = false;
    let mut in_script = false;
    let mut in_template = false;
    let mut in_comment = false;

    let mut is_token_start = true;
    let mut is_after_space = false;
    let mut is_tag_close = false;
    let mut is_new_line = true;

    let mut token_start = 0;
    let mut token_end = 0;

    let mut tag_token_pos = 0;
    let mut comment_pos = 0;

    for (pos, ch) in input.iter().enumerate() {
        if !in_comment {
            match ch {
                b'<' => {
                    if !in_tag
                        && !in_head
                        && !in_style
                        && !in_script
                        && !in_template
                        && !is_token_start
                    {
                        crate::decoders::html::add_html_token(
                            &mut result,
                            &input[token_start..token_end + 1],
                            is_after_space,
                        );
                        is_after_space = false;
                    }

                    tag_token_pos = 0;
                    in_tag = true;
                    is_token_start = true;
                    is_tag_close = false;
                    continue;
                }
                b'>' if in_tag => {
                    if tag_token_pos == 1 {
                        match input.get(token_start..token_end + 1) {
                            Some(tag)
                                if tag.eq_ignore_ascii_case(b"br")
                                    || (tag.eq_ignore_ascii_case(b"p") && is_tag_close) =>
                            {
                                result.push('\n');
                                is_after_space = false;
                                is_new_line = true;
                            }
                            Some(tag) if tag.eq_ignore_ascii_case(b"head") => {
                                in_head = !is_tag_close;
                            }
                            Some(tag) if tag.eq_ignore_ascii_case(b"style") => {
                                in_style = !is_tag_close;
                            }
                            Some(tag) if tag.eq_ignore_ascii_case(b"script") => {
                                in_script = !is_tag_close;
                            }
                            Some(tag) if tag.eq_ignore_ascii_case(b"template") => {
                                in_template = !is_tag_close;
                            }
                            _ => (),
                        }
                    }

                    in_tag = false;
                    is_token_start = true;

                    continue;
                }
                b'/' if in_tag => {
                    if tag_token_pos == 0 {
                        is_tag_close = true;
                    }
                    continue;
                }
                b'!' if in_tag && tag_token_pos == 0 => {
                    if let Some(b"--") = input.get(pos + 1..pos + 3) {
                        in_comment = true;
                        continue;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    if !in_tag && !in_head && !in_style && !in_script && !in_template {
                        if !is_token_start {
                            crate::decoders::html::add_html_token(
                                &mut result,
                                &input[token_start..token_end + 1],
                                is_after_space && !is_new_line,
                            );
                            is_new_line = false;
                        }
                        is_after_space = true;
                    }

                    is_token_start = true;

                    continue;
                }
                b'&' if !in_tag && !is_token_start && !in_head => {
                    if in_style || in_script || in_template {
                        continue;
                    }
                    crate::decoders::html::add_html_token(
                        &mut result,
                        &input[token_start..token_end + 1],
                        is_after_space && !is_new_line,
                    );
                    is_new_line = false;
                    is_token_start = true;
                    is_after_space = false;
                }
                b';' if !in_tag && !is_token_start && !in_head => {
                    if in_style || in_script || in_template {
                        continue;
                    }
                    crate::decoders::html::add_html_token(
                        &mut result,
                        &input[token_start..pos + 1],
                        is_after_space && !is_new_line,
                    );
                    is_token_start = true;
                    is_after_space = false;
                    is_new_line = false;
                    continue;
                }
                _ => (),
            }
            if is_token_start {
                token_start = pos;
                is_token_start = false;
                if in_tag {
                    tag_token_pos += 1;
                }
            }
            token_end = pos;
        } else {
            match ch {
                b'-' => comment_pos += 1,
                b'>' if comment_pos == 2 => {
                    comment_pos = 0;
                    in_comment = false;
                    in_tag = false;
                    is_token_start = true;
                }
                _ => comment_pos = 0,
            }
        }
    }

    if !in_tag && !is_token_start && !in_head && !in_style && !in_script && !in_template {
        crate::decoders::html::add_html_token(
            &mut result,
            &input[token_start..token_end + 1],
            is_after_space && !is_new_line,
        );
    }

    result.shrink_to_fit();
    result
}

/// A small deterministic generator (xorshift), so that a failure can be rerun.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces HTML is made of, with the ones the converter treats specially over-represented.
const HTML_PIECES: &[&str] = &[
    "<",
    ">",
    "/",
    "!",
    "<!--",
    "-->",
    "--",
    "-",
    " ",
    "  ",
    "\t",
    "\r\n",
    "\n",
    "&",
    ";",
    "&amp;",
    "&lt;",
    "&#65;",
    "&#x42;",
    "&nosuch;",
    "&#xZZ;",
    "<br>",
    "<br/>",
    "</p>",
    "<p>",
    "<head>",
    "</head>",
    "<style>",
    "</style>",
    "<script>",
    "</script>",
    "<template>",
    "</template>",
    "<HEAD>",
    "</SCRIPT>",
    "<a href=\"x.html\">",
    "</a>",
    "<div style=\"a:b\">",
    "<img src=x/>",
    "word",
    "Wörter",
    "日本語",
    "é",
    "x",
    "=",
    "\"",
    "'",
    "<b",
    "b>",
    "p",
    "br",
    "head",
    "style",
];

fn random_html(rng: &mut Rng) -> String {
    let len = rng.below(40);
    (0..len)
        .map(|_| HTML_PIECES[rng.below(HTML_PIECES.len())])
        .collect()
}

#[test]
fn patched_html_to_text_matches_upstream_on_random_markup() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..200_000 {
        let html = random_html(&mut rng);
        assert_eq!(
            html_to_text(&html),
            upstream_html_to_text(&html),
            "case {case}: {html:?}"
        );
    }
}

#[test]
fn patched_html_to_text_matches_upstream_on_documents() {
    let documents = [
        "",
        "plain text",
        "<html><head><title>T</title><style>p { x: 1 }</style></head><body><p>One &amp; two</p><br>three</body></html>",
        "<div title=\"a > b\">x</div>",
        "<p class=a id=b data-x='<y>'>text</p> tail",
        "<script>if (a < b && c > d) { x(); }</script>after",
        "<!-- a <b> comment --> visible <!-- unterminated",
        "<head>never closed <p>hidden",
        "<a href=\"http://example.com/?a=1&b=2\">link text</a>",
        "<template><p>t</p></template><p>shown</p>",
        "&#x1F600; &#99999999; &unknown; & ; &;",
        "<img src=x alt=y",
    ];
    for html in documents {
        assert_eq!(html_to_text(html), upstream_html_to_text(html), "{html:?}");
    }
}

/// Every HTML part of every message of the shared MIME corpus, when it is beside the
/// repository (it is in the project's CI).
#[test]
fn patched_html_to_text_matches_upstream_on_the_mime_corpus() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mime-corpus");
    let mut files = Vec::new();
    let mut dirs = vec![corpus];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut html_parts = 0;
    for file in files {
        let Ok(raw) = std::fs::read(&file) else {
            continue;
        };
        // A debug build stops on upstream's debug assertions for a few broken messages.
        let parsed = std::panic::catch_unwind(|| {
            MessageParser::new().parse(&raw).map(|message| {
                message
                    .parts
                    .iter()
                    .filter_map(|part| match &part.body {
                        PartType::Html(html) => Some(html.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
        });
        for html in parsed.ok().flatten().unwrap_or_default() {
            html_parts += 1;
            assert_eq!(
                html_to_text(&html),
                upstream_html_to_text(&html),
                "{}",
                file.display()
            );
        }
    }
    assert!(html_parts == 0 || html_parts > 20, "{html_parts}");
    eprintln!("{html_parts} HTML parts compared");
}
