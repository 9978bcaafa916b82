//! Text of word-processing documents: DOCX (Office Open XML) and ODT (OpenDocument).
//! Both are zip files of XML; they are read in-process through [`crate::zip`], whose
//! limits make bombs an error, and a small XML scanner that never expands entities
//! beyond the five predefined ones and character references (so no entity bombs), and
//! never fetches anything.
//!
//! What counts as text: DOCX `w:t` runs (not deleted text, not field codes, not runs
//! marked hidden with `w:vanish`, not the duplicate fallback copy of text boxes); ODT
//! character data of `text:p` and `text:h` (not comments, not tracked deletions).
//! Paragraphs end with a newline; tabs and line breaks are kept. Page headers come
//! first, because a letter's letterhead is there.

use crate::zip::{ZipArchive, ZipError, ZipLimits};

/// Which kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    Docx,
    Odt,
}

impl OfficeKind {
    pub fn name(self) -> &'static str {
        match self {
            OfficeKind::Docx => "DOCX",
            OfficeKind::Odt => "ODT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfficeError {
    #[error("{0}")]
    Zip(#[from] ZipError),
    #[error("the document is password-protected")]
    Encrypted,
    #[error("not a {kind} document: {missing} is missing")]
    Missing { kind: &'static str, missing: String },
}

/// Limits on one document.
#[derive(Debug, Clone)]
pub struct OfficeLimits {
    pub zip: ZipLimits,
    /// Text beyond this many bytes is not produced.
    pub max_output_bytes: usize,
    /// Header and footer parts read from a DOCX (each is an XML file).
    pub max_parts: usize,
}

impl Default for OfficeLimits {
    fn default() -> Self {
        OfficeLimits {
            zip: ZipLimits {
                max_entries: 2_000,
                ..ZipLimits::default()
            },
            max_output_bytes: 4 * 1024 * 1024,
            max_parts: 32,
        }
    }
}

/// The text of a DOCX or ODT file.
pub fn document_text(
    kind: OfficeKind,
    bytes: &[u8],
    limits: &OfficeLimits,
) -> Result<String, OfficeError> {
    let mut zip = ZipArchive::open(bytes, limits.zip.clone())?;
    let mut out = Output::new(limits.max_output_bytes);
    match kind {
        OfficeKind::Docx => docx(&mut zip, limits, &mut out)?,
        OfficeKind::Odt => odt(&mut zip, &mut out)?,
    }
    Ok(out.finish())
}

fn docx(
    zip: &mut ZipArchive<'_>,
    limits: &OfficeLimits,
    out: &mut Output,
) -> Result<(), OfficeError> {
    let Some(document) = zip.find("word/document.xml") else {
        return Err(OfficeError::Missing {
            kind: "DOCX",
            missing: "word/document.xml".into(),
        });
    };
    let part_names = |prefix: &str| {
        let mut names: Vec<(usize, String)> = zip
            .entries()
            .iter()
            .filter_map(|e| {
                let rest = e.name.strip_prefix(prefix)?.strip_suffix(".xml")?;
                // header1.xml, header2.xml, ...: numeric order, not string order.
                Some((rest.parse::<usize>().unwrap_or(usize::MAX), e.name.clone()))
            })
            .collect();
        names.sort();
        names.truncate(limits.max_parts);
        names.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    };
    let headers = part_names("word/header");
    let footers = part_names("word/footer");
    for name in &headers {
        if let Some(xml) = zip.read_named(name)? {
            scan(&xml, &mut Docx::default(), out);
        }
    }
    let xml = zip.read(document)?;
    scan(&xml, &mut Docx::default(), out);
    for name in ["word/footnotes.xml", "word/endnotes.xml"]
        .into_iter()
        .map(String::from)
        .chain(footers)
    {
        if let Some(xml) = zip.read_named(&name)? {
            scan(&xml, &mut Docx::default(), out);
        }
    }
    Ok(())
}

fn odt(zip: &mut ZipArchive<'_>, out: &mut Output) -> Result<(), OfficeError> {
    // A password-protected ODT is a normal zip whose XML entries are encrypted; the
    // manifest says so.
    if let Some(manifest) = zip.read_named("META-INF/manifest.xml")?
        && contains(&manifest, b"encryption-data")
    {
        return Err(OfficeError::Encrypted);
    }
    let Some(content) = zip.read_named("content.xml")? else {
        return Err(OfficeError::Missing {
            kind: "ODT",
            missing: "content.xml".into(),
        });
    };
    let styles = zip.read_named("styles.xml")?;
    if let Some(styles) = &styles {
        scan(styles, &mut Odt::in_page_parts("style:header"), out);
    }
    scan(&content, &mut Odt::body(), out);
    if let Some(styles) = &styles {
        scan(styles, &mut Odt::in_page_parts("style:footer"), out);
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Text being built, capped, with paragraphs collapsed so that empty ones do not leave
/// walls of blank lines.
struct Output {
    text: String,
    max: usize,
}

impl Output {
    fn new(max: usize) -> Self {
        Output {
            text: String::new(),
            max,
        }
    }

    fn push_str(&mut self, s: &str) {
        let room = self.max.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&s[..cut]);
        }
    }

    fn push(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buf));
    }

    fn newline(&mut self) {
        if !self.text.ends_with("\n\n") {
            self.push('\n');
        }
    }

    fn finish(self) -> String {
        self.text.trim_end().to_string()
    }
}

/// What the scanner reports.
trait Handler {
    fn start(&mut self, name: &str, attrs: &str, empty: bool, out: &mut Output);
    fn end(&mut self, name: &str, out: &mut Output);
    fn text(&mut self, text: &str, out: &mut Output);
}

/// Walk XML, calling `handler`. Malformed XML is read as far as it makes sense; this is
/// text extraction, not validation.
fn scan(xml: &[u8], handler: &mut dyn Handler, out: &mut Output) {
    let xml = String::from_utf8_lossy(xml);
    let s = xml.as_ref();
    let mut pos = 0;
    while pos < s.len() && out.text.len() < out.max {
        let Some(lt) = s[pos..].find('<').map(|i| pos + i) else {
            handler.text(&decode_entities(&s[pos..]), out);
            break;
        };
        if lt > pos {
            handler.text(&decode_entities(&s[pos..lt]), out);
        }
        let rest = &s[lt..];
        if let Some(body) = rest.strip_prefix("<!--") {
            pos = body.find("-->").map_or(s.len(), |i| lt + 4 + i + 3);
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body.find("]]>").unwrap_or(body.len());
            handler.text(&body[..end], out);
            pos = (lt + 9 + end + 3).min(s.len());
        } else if rest.starts_with("<?") {
            pos = rest.find("?>").map_or(s.len(), |i| lt + i + 2);
        } else if rest.starts_with("<!") {
            // DOCTYPE, possibly with an internal subset in brackets. Its entities are
            // never expanded.
            let end = match (rest.find('['), rest.find('>')) {
                (Some(b), Some(g)) if b < g => rest.find("]>").map(|i| i + 2),
                (_, Some(g)) => Some(g + 1),
                _ => None,
            };
            pos = end.map_or(s.len(), |e| lt + e);
        } else {
            let Some(gt) = tag_end(rest) else { break };
            let inner = &rest[1..gt];
            pos = lt + gt + 1;
            if let Some(name) = inner.strip_prefix('/') {
                handler.end(name.trim(), out);
            } else {
                let (inner, empty) = match inner.strip_suffix('/') {
                    Some(i) => (i, true),
                    None => (inner, false),
                };
                let name_end = inner
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(inner.len());
                let (name, attrs) = inner.split_at(name_end);
                handler.start(name, attrs, empty, out);
                if empty {
                    handler.end(name, out);
                }
            }
        }
    }
}

/// Index of the `>` closing the tag that starts `s`, skipping quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in a tag's attribute text.
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    while let Some(i) = rest.find(name) {
        let before_ok = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_ascii_whitespace());
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let q = value.chars().next()?;
            if q == '"' || q == '\'' {
                let value = &value[1..];
                return value.find(q).map(|end| &value[..end]);
            }
        }
        rest = &rest[i + name.len()..];
    }
    None
}

/// The five predefined entities and character references; anything else is kept as
/// written (documents declare no entities of their own that we would honour).
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.get(1..).and_then(|r| {
            let semi = r.find(';').filter(|&i| i <= 10)?;
            let entity = &r[..semi];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
            };
            Some((c, semi + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// DOCX (WordprocessingML) text.
#[derive(Default)]
struct Docx {
    /// Inside `w:t` (text to keep).
    in_text: usize,
    /// Inside `w:r` (a run); tabs and breaks only count there, as `w:tab` also
    /// defines tab stops in paragraph properties.
    in_run: usize,
    /// The current run is hidden (`w:vanish` in its properties).
    run_hidden: bool,
    /// Inside `w:rPr` of a run.
    in_run_props: usize,
    /// Inside `mc:Fallback`: a second copy of content already read from `mc:Choice`.
    in_fallback: usize,
}

impl Handler for Docx {
    fn start(&mut self, name: &str, attrs: &str, empty: bool, out: &mut Output) {
        if name == "mc:Fallback" {
            self.in_fallback += usize::from(!empty);
            return;
        }
        if self.in_fallback > 0 {
            return;
        }
        match local(name) {
            "r" if !empty => {
                self.in_run += 1;
                self.run_hidden = false;
            }
            "rPr" if self.in_run > 0 && !empty => self.in_run_props += 1,
            "vanish" if self.in_run_props > 0 => {
                // <w:vanish w:val="false"/> turns hiding off.
                let val = attr(attrs, "w:val").unwrap_or("true");
                self.run_hidden = !matches!(val, "false" | "0" | "off");
            }
            "t" if !empty => self.in_text += 1,
            "tab" if self.in_run > 0 && !self.run_hidden => out.push('\t'),
            "br" | "cr" if self.in_run > 0 && !self.run_hidden => out.push('\n'),
            "noBreakHyphen" if self.in_run > 0 && !self.run_hidden => out.push('-'),
            _ => {}
        }
    }

    fn end(&mut self, name: &str, out: &mut Output) {
        if name == "mc:Fallback" {
            self.in_fallback = self.in_fallback.saturating_sub(1);
            return;
        }
        if self.in_fallback > 0 {
            return;
        }
        match local(name) {
            "r" => {
                self.in_run = self.in_run.saturating_sub(1);
                self.run_hidden = false;
            }
            "rPr" => self.in_run_props = self.in_run_props.saturating_sub(1),
            "t" => self.in_text = self.in_text.saturating_sub(1),
            "p" => out.newline(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str, out: &mut Output) {
        if self.in_text > 0 && self.in_fallback == 0 && !self.run_hidden {
            out.push_str(text);
        }
    }
}

/// ODT (OpenDocument text) text.
struct Odt {
    /// When set, text only counts inside elements of this name (and `-left`, `-first`
    /// variants): headers or footers in styles.xml.
    page_part: Option<&'static str>,
    in_page_part: usize,
    /// Inside `text:p` or `text:h`.
    in_paragraph: usize,
    /// Inside comments or tracked deletions, which are not the document's text.
    skipped: usize,
}

impl Odt {
    fn body() -> Self {
        Odt {
            page_part: None,
            in_page_part: 0,
            in_paragraph: 0,
            skipped: 0,
        }
    }

    fn in_page_parts(part: &'static str) -> Self {
        Odt {
            page_part: Some(part),
            ..Odt::body()
        }
    }

    fn is_page_part(&self, name: &str) -> bool {
        self.page_part.is_some_and(|p| {
            name.strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.starts_with('-'))
        })
    }

    fn active(&self) -> bool {
        self.skipped == 0 && (self.page_part.is_none() || self.in_page_part > 0)
    }
}

const ODT_SKIPPED: &[&str] = &[
    "office:annotation",
    "text:tracked-changes",
    "text:note-citation",
];

impl Handler for Odt {
    fn start(&mut self, name: &str, attrs: &str, empty: bool, out: &mut Output) {
        if self.is_page_part(name) && !empty {
            self.in_page_part += 1;
        }
        if ODT_SKIPPED.contains(&name) {
            self.skipped += usize::from(!empty);
            return;
        }
        if !self.active() {
            return;
        }
        match name {
            "text:p" | "text:h" if !empty => self.in_paragraph += 1,
            "text:tab" if self.in_paragraph > 0 => out.push('\t'),
            "text:line-break" if self.in_paragraph > 0 => out.push('\n'),
            "text:s" if self.in_paragraph > 0 => {
                // text:c spaces; capped, as the count is the writer's to choose.
                let n = attr(attrs, "text:c")
                    .and_then(|c| c.parse::<usize>().ok())
                    .unwrap_or(1)
                    .min(64);
                for _ in 0..n {
                    out.push(' ');
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &str, out: &mut Output) {
        if self.is_page_part(name) {
            self.in_page_part = self.in_page_part.saturating_sub(1);
        }
        if ODT_SKIPPED.contains(&name) {
            self.skipped = self.skipped.saturating_sub(1);
            return;
        }
        if !self.active() {
            return;
        }
        if matches!(name, "text:p" | "text:h") {
            self.in_paragraph = self.in_paragraph.saturating_sub(1);
            out.newline();
        }
    }

    fn text(&mut self, text: &str, out: &mut Output) {
        if self.in_paragraph > 0 && self.active() {
            out.push_str(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zip::testzip::{FileSpec, build};

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn docx(document: &str, extra: &[(&str, &str)]) -> Vec<u8> {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{document}</w:body></w:document>"#
        );
        let mut files = vec![
            FileSpec::new("[Content_Types].xml", b"<Types/>"),
            FileSpec::new("word/document.xml", body.as_bytes()),
        ];
        for (name, xml) in extra {
            files.push(FileSpec::new(name, xml.as_bytes()));
        }
        build(&files)
    }

    fn text(kind: OfficeKind, bytes: &[u8]) -> Result<String, OfficeError> {
        document_text(kind, bytes, &OfficeLimits::default())
    }

    #[test]
    fn docx_runs_paragraphs_tabs_breaks_and_entities() {
        let doc = docx(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
<w:r><w:t>Case</w:t></w:r><w:r><w:t xml:space="preserve"> no.</w:t></w:r><w:r><w:tab/><w:t>2026-CR-0042</w:t></w:r></w:p>
<w:p><w:r><w:t>Smith &amp; Sons &lt;x&gt; &#233;t&#xE9;</w:t><w:br/><w:t>line two</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDEN</w:t></w:r><w:r><w:t>shown</w:t></w:r></w:p>
<w:p><w:del><w:r><w:delText>DELETED</w:delText></w:r></w:del><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>"#,
            &[],
        );
        let t = text(OfficeKind::Docx, &doc).unwrap();
        assert_eq!(
            t,
            "Case no.\t2026-CR-0042\nSmith & Sons <x> été\nline two\nshown"
        );
    }

    #[test]
    fn docx_headers_come_first_and_fallback_copies_are_skipped() {
        let header = format!(
            r#"<w:hdr {W}><w:p><w:r><w:t>FEDERAL BUREAU OF INVESTIGATION</w:t></w:r></w:p></w:hdr>"#
        );
        let footer = format!(r#"<w:ftr {W}><w:p><w:r><w:t>Page 1</w:t></w:r></w:p></w:ftr>"#);
        let doc = docx(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p><w:p><w:r><w:t>Body</w:t></w:r></w:p>"#,
            &[("word/header1.xml", &header), ("word/footer1.xml", &footer)],
        );
        let t = text(OfficeKind::Docx, &doc).unwrap();
        // The text box is a paragraph inside a paragraph: one blank line.
        assert_eq!(t, "FEDERAL BUREAU OF INVESTIGATION\nboxed\n\nBody\nPage 1");
    }

    fn odt(content: &str, styles: Option<&str>, manifest: Option<&str>) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>{content}</office:text></office:body></office:document-content>"#
        );
        let mut files = vec![
            FileSpec {
                deflate: false,
                ..FileSpec::new("mimetype", b"application/vnd.oasis.opendocument.text")
            },
            FileSpec::new("content.xml", content.as_bytes()),
        ];
        if let Some(s) = styles {
            files.push(FileSpec::new("styles.xml", s.as_bytes()));
        }
        if let Some(m) = manifest {
            files.push(FileSpec::new("META-INF/manifest.xml", m.as_bytes()));
        }
        build(&files)
    }

    #[test]
    fn odt_paragraphs_spans_spaces_and_page_headers() {
        let styles = r#"<office:document-styles><office:master-styles><style:master-page><style:header><text:p>Parquet de Paris</text:p></style:header><style:footer><text:p>page</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#;
        let doc = odt(
            r#"<text:h text:outline-level="1">Réquisition</text:h><text:p>Dossier<text:s text:c="3"/>n°<text:tab/><text:span text:style-name="T1">2026/117</text:span></text:p><text:p>a<text:line-break/>b &amp; c<office:annotation><text:p>comment</text:p></office:annotation></text:p><text:tracked-changes><text:changed-region><text:deletion><text:p>gone</text:p></text:deletion></text:changed-region></text:tracked-changes>"#,
            Some(styles),
            None,
        );
        let t = text(OfficeKind::Odt, &doc).unwrap();
        assert_eq!(
            t,
            "Parquet de Paris\nRéquisition\nDossier   n°\t2026/117\na\nb & c\npage"
        );
    }

    #[test]
    fn encrypted_odt_is_an_error() {
        let doc = odt(
            "<text:p>x</text:p>",
            None,
            Some(
                "<manifest:manifest><manifest:file-entry><manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
            ),
        );
        assert_eq!(text(OfficeKind::Odt, &doc), Err(OfficeError::Encrypted));
    }

    #[test]
    fn missing_parts_and_non_zips_are_errors() {
        let not_docx = build(&[FileSpec::new("other.xml", b"<x/>")]);
        assert!(text(OfficeKind::Docx, &not_docx).is_err());
        assert!(matches!(
            text(OfficeKind::Odt, &not_docx),
            Err(OfficeError::Missing { .. })
        ));
        assert!(text(OfficeKind::Docx, b"\xD0\xCF\x11\xE0 legacy").is_err());
    }

    #[test]
    fn a_document_xml_bomb_is_an_error() {
        // 200 MiB of zeros deflate to about 200 KiB, and declare a plausible size.
        let zeros = vec![b' '; 200 * 1024 * 1024];
        let bomb = build(&[FileSpec {
            declared_size: Some(1000),
            ..FileSpec::new("word/document.xml", &zeros)
        }]);
        assert!(bomb.len() < 1024 * 1024);
        let err = text(OfficeKind::Docx, &bomb).unwrap_err();
        assert!(err.to_string().contains("zip bomb"), "{err}");
    }

    #[test]
    fn output_is_capped_and_space_counts_are_bounded() {
        let doc = odt(
            &"<text:p>abcdefghij<text:s text:c=\"99999999\"/></text:p>".repeat(1000),
            None,
            None,
        );
        let limits = OfficeLimits {
            max_output_bytes: 5000,
            ..OfficeLimits::default()
        };
        let t = document_text(OfficeKind::Odt, &doc, &limits).unwrap();
        assert!(t.len() <= 5000);
        assert!(t.starts_with("abcdefghij"));
    }

    #[test]
    fn malformed_xml_does_not_panic() {
        for xml in [
            "<w:p><w:r><w:t>unterminated",
            "<w:t a='>'>x</w:t>",
            "<<<>>>&&&;&#xFFFFFFFF;&#99999999999;<![CDATA[",
            "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><w:t>&a;</w:t>",
            "<!--",
            "<?",
            "é<w:t>é</w:t",
        ] {
            let mut out = Output::new(1000);
            scan(xml.as_bytes(), &mut Docx::default(), &mut out);
            scan(xml.as_bytes(), &mut Odt::body(), &mut out);
        }
    }
}
