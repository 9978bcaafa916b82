//! Raw bytes to [`Message`], under limits, never panicking.
//!
//! mail-parser is fuzzed and documented not to panic, but this is the one place where
//! bytes from strangers meet the most code, so the call is still wrapped in
//! `catch_unwind`: a panic becomes an `unparsed` message with its raw bytes kept.

use crate::extract::{AttachmentText, TextExtractor};
use crate::model::{Attachment, Mailbox, Message, Problem};
use crate::sha256_hex;
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

/// Limits on what one message may cost. Every limit hit becomes a [`Problem`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Above this raw size only the headers are parsed.
    pub max_message_bytes: usize,
    /// Attachments beyond this count are not read.
    pub max_attachments: usize,
    /// Attached messages nested deeper than this are not parsed.
    pub max_depth: usize,
    /// Body and attachment text is cut at this many bytes.
    pub max_text_bytes: usize,
    /// Attachments larger than this (decoded) get no text extraction.
    pub max_extract_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 * 1024 * 1024,
            max_attachments: 64,
            max_depth: 3,
            max_text_bytes: 2 * 1024 * 1024,
            max_extract_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Parse raw bytes into a [`Message`]. Always returns one: input that is not a message
/// comes back with `parsed = false` and an `unparsed` problem.
pub fn parse_message(raw: &[u8], limits: &Limits, extractor: &TextExtractor) -> Message {
    match catch_unwind(AssertUnwindSafe(|| {
        parse_checked(raw, None, limits, extractor, 0)
    })) {
        Ok(message) => message,
        Err(panic) => Message::unparsed(
            raw,
            format!("the MIME parser panicked: {}", panic_text(&panic)),
        ),
    }
}

pub(crate) fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// mail-parser's own choice of how to read each header, except `Received`: only its
/// count is used, and reading its structure was a measured part of every parse. Built
/// once (a parser is a table of header readers).
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    use mail_parser::HeaderName as H;
    type Reader = fn(MessageParser, H<'static>) -> MessageParser;
    let readers: [(Reader, &[H<'static>]); 6] = [
        (
            |p, h| p.header_text(h),
            &[
                H::Subject,
                H::Comments,
                H::ContentDescription,
                H::ContentLocation,
                H::ContentTransferEncoding,
            ],
        ),
        (
            |p, h| p.header_address(h),
            &[
                H::From,
                H::To,
                H::Cc,
                H::Bcc,
                H::ReplyTo,
                H::Sender,
                H::ResentTo,
                H::ResentFrom,
                H::ResentBcc,
                H::ResentCc,
                H::ResentSender,
                H::ListArchive,
                H::ListHelp,
                H::ListId,
                H::ListOwner,
                H::ListPost,
                H::ListSubscribe,
                H::ListUnsubscribe,
            ],
        ),
        (|p, h| p.header_date(h), &[H::Date, H::ResentDate]),
        (
            |p, h| p.header_id(h),
            &[
                H::MessageId,
                H::References,
                H::InReplyTo,
                H::ReturnPath,
                H::ContentId,
                H::ResentMessageId,
            ],
        ),
        (
            |p, h| p.header_comma_separated(h),
            &[H::Keywords, H::ContentLanguage],
        ),
        (
            |p, h| p.header_content_type(h),
            &[H::ContentType, H::ContentDisposition],
        ),
    ];
    let mut parser = MessageParser::new();
    for (reader, names) in readers {
        for name in names {
            parser = reader(parser, name.clone());
        }
    }
    // Everything else, `Received` and `MIME-Version` included, is kept raw.
    parser.default_header_raw()
});

/// `sha256` is the digest of `raw` when the caller has it already (an attached message's
/// bytes are hashed once, as the attachment): hashing is a measurable part of a parse.
fn parse_checked(
    raw: &[u8],
    sha256: Option<&str>,
    limits: &Limits,
    extractor: &TextExtractor,
    depth: usize,
) -> Message {
    let too_large = raw.len() > limits.max_message_bytes;
    let parser = &*PARSER;
    let parsed = if too_large {
        parser.parse_headers(raw)
    } else {
        parser.parse(raw)
    };
    let Some(parsed) = parsed else {
        let detail = if raw.is_empty() {
            "the message is empty".to_string()
        } else {
            "no header section could be read".to_string()
        };
        return Message::unparsed(raw, detail);
    };
    let mut message = convert(&parsed, raw, sha256, limits, extractor, depth);
    if too_large {
        message.problems.push(Problem::new(
            "message_too_large",
            format!(
                "{} bytes is over the limit of {}; only the headers were read",
                raw.len(),
                limits.max_message_bytes
            ),
        ));
    }
    message
}

fn convert(
    parsed: &mail_parser::Message<'_>,
    raw: &[u8],
    sha256: Option<&str>,
    limits: &Limits,
    extractor: &TextExtractor,
    depth: usize,
) -> Message {
    let mut problems = Vec::new();
    let (body_text, body_from_html) = body_text(parsed, limits, &mut problems);
    let attachments = attachments(parsed, limits, extractor, depth, &mut problems);
    Message {
        sha256: sha256.map_or_else(|| sha256_hex(raw), str::to_string),
        size: raw.len(),
        parsed: true,
        problems,
        from: first_mailbox(parsed.from()),
        sender: first_mailbox(parsed.sender()),
        reply_to: mailboxes(parsed.reply_to()),
        // `Return-Path: <>` (a bounce) has no address, and mail-parser would fall back to
        // the From address; it is kept as `<>`, the null return path.
        return_path: match parsed.header_raw("Return-Path") {
            Some(raw) if raw.replace(char::is_whitespace, "") == "<>" => Some("<>".to_string()),
            _ => parsed.return_address().map(str::to_string),
        },
        to: mailboxes(parsed.to()),
        cc: mailboxes(parsed.cc()),
        subject: parsed.subject().map(str::to_string),
        date: parsed
            .date()
            .and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0)),
        message_id: parsed.message_id().map(str::to_string),
        in_reply_to: id_list(parsed.in_reply_to()),
        references: id_list(parsed.references()),
        authentication_results: raw_header_values(parsed, "authentication-results"),
        received_count: parsed
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case("received"))
            .count(),
        automation_headers: automation_headers(parsed),
        body_text,
        body_from_html,
        attachments,
    }
}

fn to_mailbox(addr: &mail_parser::Addr<'_>) -> Option<Mailbox> {
    let address = addr.address()?.trim().to_string();
    Some(Mailbox {
        address,
        display_name: addr
            .name()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
    })
}

fn first_mailbox(address: Option<&Address<'_>>) -> Option<Mailbox> {
    address?.iter().find_map(to_mailbox)
}

fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    address
        .map(|a| a.iter().filter_map(to_mailbox).collect())
        .unwrap_or_default()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Raw (unfolded, trimmed) values of a header, in order. Authentication-Results must be
/// read raw: the classifier parses them itself and must see exactly what was written.
fn raw_header_values(parsed: &mail_parser::Message<'_>, name: &str) -> Vec<String> {
    parsed
        .headers_raw()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| unfold(v))
        .collect()
}

fn unfold(value: &str) -> String {
    value
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const AUTOMATION_HEADERS: &[&str] = &[
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "x-lea-intake-ack",
];

fn automation_headers(parsed: &mail_parser::Message<'_>) -> Vec<(String, String)> {
    parsed
        .headers_raw()
        .filter(|(n, _)| AUTOMATION_HEADERS.iter().any(|a| n.eq_ignore_ascii_case(a)))
        .map(|(n, v)| (n.to_ascii_lowercase(), unfold(v)))
        .collect()
}

fn body_text(
    parsed: &mail_parser::Message<'_>,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> (String, bool) {
    let mut text = String::new();
    let mut from_html = false;
    for (i, part) in parsed.text_bodies().enumerate() {
        let t = match &part.body {
            // The same conversion as HTML attachments, hidden elements dropped.
            PartType::Html(html) => {
                from_html = true;
                Some(crate::html::html_to_text(html))
            }
            _ => parsed.body_text(i).map(|t| t.into_owned()),
        };
        if let Some(t) = t {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&t);
        }
    }
    if truncate_at_char_boundary(&mut text, limits.max_text_bytes) {
        problems.push(Problem::new(
            "text_truncated",
            format!("the body text was cut at {} bytes", limits.max_text_bytes),
        ));
    }
    (text, from_html)
}

/// Cut `text` to at most `max` bytes on a character boundary; true if it was cut.
pub(crate) fn truncate_at_char_boundary(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    true
}

fn attachments(
    parsed: &mail_parser::Message<'_>,
    limits: &Limits,
    extractor: &TextExtractor,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Vec<Attachment> {
    let total = parsed.attachment_count();
    if total > limits.max_attachments {
        problems.push(Problem::new(
            "attachment_limit",
            format!(
                "{total} attachments; only the first {} were read",
                limits.max_attachments
            ),
        ));
    }
    parsed
        .attachments()
        .take(limits.max_attachments)
        .map(|part| attachment(part, limits, extractor, depth, problems))
        .collect()
}

fn attachment(
    part: &mail_parser::MessagePart<'_>,
    limits: &Limits,
    extractor: &TextExtractor,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| match part.body {
            PartType::Message(_) => "message/rfc822".to_string(),
            _ => "application/octet-stream".to_string(),
        })
        .to_ascii_lowercase();
    let bytes = part.contents();
    let filename = part.attachment_name().map(str::to_string);
    let mut attachment = Attachment {
        filename,
        content_type,
        size: bytes.len(),
        sha256: sha256_hex(bytes),
        ..Attachment::default()
    };
    let label = attachment
        .filename
        .clone()
        .unwrap_or_else(|| attachment.content_type.clone());

    // A message saved to a file and attached as one (`.eml`, often with a generic type)
    // is still a message: parse it like message/rfc822, under the same depth limit.
    let eml_file = matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_))
        && attachment
            .filename
            .as_deref()
            .is_some_and(|f| f.to_ascii_lowercase().ends_with(".eml"));
    if matches!(part.body, PartType::Message(_)) || eml_file {
        if depth + 1 > limits.max_depth {
            attachment.error = Some(format!(
                "attached message nested deeper than {} levels was not parsed",
                limits.max_depth
            ));
            problems.push(Problem::new(
                "depth_limit",
                format!("{label}: attached message too deeply nested"),
            ));
        } else if let PartType::Message(inner) = &part.body {
            // The attachment's bytes are the inner message's raw bytes: one digest for both.
            let nested = convert(
                inner,
                inner.raw_message(),
                Some(&attachment.sha256),
                limits,
                extractor,
                depth + 1,
            );
            attachment.message = Some(Box::new(nested));
        } else {
            let nested = parse_checked(
                bytes,
                Some(&attachment.sha256),
                limits,
                extractor,
                depth + 1,
            );
            if nested.parsed {
                attachment.message = Some(Box::new(nested));
            } else {
                let reason = "the attached .eml file is not a readable message".to_string();
                problems.push(Problem::new(
                    "extraction_failed",
                    format!("{label}: {reason}"),
                ));
                attachment.error = Some(reason);
            }
        }
        return attachment;
    }

    if bytes.len() > limits.max_extract_bytes {
        attachment.error = Some(format!(
            "{} bytes is over the extraction limit of {}",
            bytes.len(),
            limits.max_extract_bytes
        ));
        problems.push(Problem::new(
            "attachment_too_large",
            format!("{label}: no text extracted, {} bytes", bytes.len()),
        ));
        return attachment;
    }

    let inline_text = match &part.body {
        PartType::Text(t) => Some(t.to_string()),
        PartType::Html(h) => Some(crate::html::html_to_text(h)),
        _ => None,
    };
    let outcome = match inline_text {
        Some(t) => AttachmentText::Text(t),
        None => extractor.extract(
            &attachment.content_type,
            attachment.filename.as_deref(),
            bytes,
        ),
    };
    match outcome {
        AttachmentText::Text(mut text) => {
            if truncate_at_char_boundary(&mut text, limits.max_text_bytes) {
                problems.push(Problem::new(
                    "text_truncated",
                    format!("{label}: text cut at {} bytes", limits.max_text_bytes),
                ));
            }
            attachment.text = Some(text);
        }
        AttachmentText::Failed(reason) => {
            problems.push(Problem::new(
                "extraction_failed",
                format!("{label}: {reason}"),
            ));
            attachment.error = Some(reason);
        }
        AttachmentText::Described { mut text, note } => {
            truncate_at_char_boundary(&mut text, limits.max_text_bytes);
            problems.push(Problem::new(
                "archive_not_extracted",
                format!("{label}: {note}"),
            ));
            attachment.text = Some(text);
        }
        AttachmentText::NotApplicable => {}
    }
    attachment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Message {
        parse_message(raw, &Limits::default(), &TextExtractor::disabled())
    }

    #[test]
    fn empty_input_is_kept_as_unparsed() {
        let m = parse(b"");
        assert!(!m.parsed);
        assert_eq!(m.problems[0].code, "unparsed");
        assert_eq!(m.sha256, sha256_hex(b""));
    }

    #[test]
    fn headers_and_body_are_read() {
        let raw = b"From: \"Agent Smith\" <j.smith@fbi.gov>\r\n\
Reply-To: other@example.com\r\n\
To: lea@exchange.example\r\n\
Subject: Subpoena 123\r\n\
Message-ID: <abc@fbi.gov>\r\n\
In-Reply-To: <prev@exchange.example>\r\n\
References: <first@fbi.gov> <prev@exchange.example>\r\n\
Authentication-Results: mx.exchange.example;\r\n\tspf=pass smtp.mailfrom=fbi.gov;\r\n\tdmarc=pass\r\n\
Received: from a by b\r\n\
Received: from c by d\r\n\
Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n\
\r\n\
Please produce records.\r\n";
        let m = parse(raw);
        assert!(m.parsed);
        let from = m.from.clone().unwrap();
        assert_eq!(from.address, "j.smith@fbi.gov");
        assert_eq!(from.display_name.as_deref(), Some("Agent Smith"));
        assert_eq!(m.from_domain(), "fbi.gov");
        assert_eq!(m.reply_to[0].address, "other@example.com");
        assert_eq!(m.message_id.as_deref(), Some("abc@fbi.gov"));
        assert_eq!(m.in_reply_to, vec!["prev@exchange.example"]);
        assert_eq!(m.references.len(), 2);
        assert_eq!(m.received_count, 2);
        assert_eq!(
            m.authentication_results,
            vec!["mx.exchange.example; spf=pass smtp.mailfrom=fbi.gov; dmarc=pass"]
        );
        assert!(m.body_text.contains("Please produce records."));
        assert_eq!(m.date.unwrap().to_rfc3339(), "2026-03-02T10:00:00+00:00");
    }

    #[test]
    fn html_only_body_becomes_text() {
        let raw = b"From: a@b.example\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>world</b></p>";
        let m = parse(raw);
        assert!(m.body_from_html);
        assert!(m.body_text.contains("Hello world"), "{}", m.body_text);
    }

    #[test]
    fn attachment_count_limit_is_recorded() {
        let mut raw = String::from(
            "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nbody\r\n",
        );
        for i in 0..5 {
            raw.push_str(&format!(
                "--X\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f{i}.bin\r\n\r\ndata{i}\r\n"
            ));
        }
        raw.push_str("--X--\r\n");
        let limits = Limits {
            max_attachments: 2,
            ..Limits::default()
        };
        let m = parse_message(raw.as_bytes(), &limits, &TextExtractor::disabled());
        assert_eq!(m.attachments.len(), 2);
        assert!(m.problems.iter().any(|p| p.code == "attachment_limit"));
    }

    #[test]
    fn oversized_message_keeps_headers() {
        let raw =
            b"From: a@b.example\r\nSubject: big\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
        let limits = Limits {
            max_message_bytes: 20,
            ..Limits::default()
        };
        let m = parse_message(raw, &limits, &TextExtractor::disabled());
        assert!(m.parsed);
        assert_eq!(m.subject.as_deref(), Some("big"));
        assert!(m.problems.iter().any(|p| p.code == "message_too_large"));
    }

    #[test]
    fn attached_message_is_parsed_recursively() {
        let raw = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nsee attached\r\n--X\r\nContent-Type: message/rfc822\r\n\r\nFrom: inner@agency.example\r\nSubject: inner\r\n\r\ninner body\r\n--X--\r\n";
        let m = parse(raw);
        let inner = m.attachments[0].message.as_ref().expect("nested message");
        assert_eq!(inner.subject.as_deref(), Some("inner"));
        assert_eq!(m.attachments[0].content_type, "message/rfc822");
        // Hashed once, as the attachment: the digest is still that of the inner bytes.
        let inner_raw: &[u8] = b"From: inner@agency.example\r\nSubject: inner\r\n\r\ninner body";
        assert_eq!(inner.sha256, sha256_hex(inner_raw));
        assert_eq!(inner.sha256, m.attachments[0].sha256);
        assert_eq!(inner.size, inner_raw.len());
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for (i, chunk) in bytes.chunks(3).enumerate() {
            if i > 0 && i % 19 == 0 {
                out.push_str("\r\n");
            }
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn with_attachment(content_type: &str, name: &str, bytes: &[u8]) -> Message {
        let raw = format!(
            "From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nbody text\r\n--X\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--X--\r\n",
            base64(bytes)
        );
        parse(raw.as_bytes())
    }

    #[test]
    fn docx_attachment_text_is_read() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Case no. 2026-117</w:t></w:r></w:p></w:body></w:document>"#;
        let docx = crate::zip::testzip::build(&[crate::zip::testzip::FileSpec::new(
            "word/document.xml",
            xml.as_bytes(),
        )]);
        let m = with_attachment(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "letter.docx",
            &docx,
        );
        assert_eq!(m.attachments[0].text.as_deref(), Some("Case no. 2026-117"));
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert!(m.body_text.contains("body text"));
    }

    #[test]
    fn corrupt_docx_is_recorded_on_the_attachment_and_the_message() {
        let m = with_attachment(
            "application/octet-stream",
            "letter.docx",
            b"PK\x03\x04 nope",
        );
        let a = &m.attachments[0];
        assert!(a.text.is_none());
        assert!(
            a.error.as_deref().is_some_and(|e| e.contains("DOCX")),
            "{a:?}"
        );
        assert!(m.problems.iter().any(|p| p.code == "extraction_failed"));
        assert!(m.body_text.contains("body text"));
    }

    #[test]
    fn zip_attachment_is_listed_with_a_problem() {
        let z = crate::zip::testzip::build(&[crate::zip::testzip::FileSpec::new(
            "wallets.txt",
            b"content",
        )]);
        let m = with_attachment("application/zip", "e.zip", &z);
        let text = m.attachments[0].text.as_deref().unwrap_or("");
        assert!(
            text.contains("wallets.txt") && !text.contains("content\n"),
            "{text}"
        );
        assert!(m.problems.iter().any(|p| p.code == "archive_not_extracted"));
    }

    #[test]
    fn html_attachment_and_body_drop_hidden_text() {
        let m = with_attachment(
            "text/html; charset=iso-8859-1",
            "letter.html",
            b"<html><body><p>R\xe9quisition</p><span style=\"display:none\">decoy</span></body></html>",
        );
        let text = m.attachments[0].text.as_deref().unwrap_or("");
        assert!(
            text.contains("Réquisition") && !text.contains("decoy"),
            "{text}"
        );

        let raw =
            b"From: a@b.example\r\nContent-Type: text/html\r\n\r\n<p>shown</p><p hidden>decoy</p>";
        let m = parse(raw);
        assert!(
            m.body_text.contains("shown") && !m.body_text.contains("decoy"),
            "{}",
            m.body_text
        );
    }

    #[test]
    fn attached_eml_file_is_parsed_as_a_message() {
        let inner =
            b"From: inner@agency.example\r\nSubject: forwarded request\r\n\r\ninner body\r\n";
        let m = with_attachment("application/octet-stream", "request.eml", inner);
        let nested = m.attachments[0].message.as_ref().expect("nested");
        assert_eq!(nested.subject.as_deref(), Some("forwarded request"));
        assert_eq!(nested.sha256, sha256_hex(inner));
        assert_eq!(nested.sha256, m.attachments[0].sha256);
        let m = with_attachment("application/octet-stream", "empty.eml", b"");
        assert!(m.attachments[0].error.is_some());
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut s = "ééé".to_string();
        assert!(truncate_at_char_boundary(&mut s, 3));
        assert_eq!(s, "é");
    }
}
