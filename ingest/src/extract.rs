//! Attachment text.
//!
//! - PDF: in a child process (below).
//! - DOCX and ODT: in-process through [`crate::office`], whose zip and XML readers are
//!   bounded (entries, sizes, total decoded) and return errors, not panics; a panic that
//!   slipped through anyway is caught here and recorded.
//! - Text and HTML sent as files (`.txt`, `.csv`, `.html`, ...) that the MIME parser did
//!   not decode as text: decoded here (BOM, UTF-8, else Windows-1252), HTML made text
//!   with the same conversion as HTML bodies.
//! - Zip archives: only the names of their entries, as text that says what it is. Their
//!   content is never extracted: an archive can hold anything, and a listing is all a
//!   person needs to decide whether to open it somewhere safe.
//! - Images and everything else: not applicable.
//!
//! PDF text comes from pdf-extract, which panics on about one real PDF
//! in eleven, can loop, and can abort the process when an allocation fails. None of that
//! may reach the worker, so each PDF is read by a child process (the `lea-intake` binary
//! itself, in a hidden mode) with an address-space limit, a CPU limit and a wall-clock
//! kill. A child that dies in any way is a recorded extraction failure, nothing more.

use crate::office::{self, OfficeKind, OfficeLimits};
use crate::zip::{ZipArchive, ZipLimits};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// What came of reading an attachment's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentText {
    Text(String),
    /// Extraction was tried and failed; the reason is recorded on the attachment.
    Failed(String),
    /// Text about the attachment rather than from it (an archive's entry names), with a
    /// note for the message's problems saying why the content itself was not read.
    Described {
        text: String,
        note: String,
    },
    /// Not a format we read text from (images, unknown binaries).
    NotApplicable,
}

/// Limits on one PDF extraction.
#[derive(Debug, Clone)]
pub struct PdfLimits {
    /// The child is killed after this long, whatever it is doing.
    pub wall_clock: Duration,
    /// RLIMIT_CPU of the child, in seconds.
    pub cpu_seconds: u64,
    /// RLIMIT_AS of the child, in bytes.
    pub address_space_bytes: u64,
    /// Text beyond this many bytes is not read back.
    pub max_output_bytes: usize,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            wall_clock: Duration::from_secs(20),
            cpu_seconds: 15,
            address_space_bytes: 2 * 1024 * 1024 * 1024,
            max_output_bytes: 4 * 1024 * 1024,
        }
    }
}

/// How to start the isolated PDF reader.
#[derive(Debug, Clone)]
pub struct PdfChild {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub limits: PdfLimits,
}

/// Reads text out of attachments.
#[derive(Debug, Clone, Default)]
pub struct TextExtractor {
    pdf: Option<PdfChild>,
}

/// The hidden command-line argument that turns `lea-intake` into the PDF child.
pub const PDF_CHILD_ARG: &str = "__extract-pdf";

impl TextExtractor {
    /// No PDF extraction: PDFs get a recorded "not extracted" error.
    pub fn disabled() -> Self {
        TextExtractor { pdf: None }
    }

    /// PDF extraction in a child process started as `program args...`.
    pub fn with_pdf_child(child: PdfChild) -> Self {
        TextExtractor { pdf: Some(child) }
    }

    /// PDF extraction by this very executable, re-run with [`PDF_CHILD_ARG`].
    pub fn with_current_exe(limits: PdfLimits) -> std::io::Result<Self> {
        Ok(Self::with_pdf_child(PdfChild {
            program: std::env::current_exe()?,
            args: vec![PDF_CHILD_ARG.to_string()],
            limits,
        }))
    }

    pub fn extract(
        &self,
        content_type: &str,
        filename: Option<&str>,
        bytes: &[u8],
    ) -> AttachmentText {
        let kind = kind_of(content_type, filename, bytes);
        if kind == Kind::Pdf {
            return self.extract_pdf(bytes);
        }
        // The in-process readers are written not to panic on any input; this is the
        // guard for the bug that proves otherwise, so one attachment cannot cost the
        // message.
        match std::panic::catch_unwind(|| extract_in_process(kind, bytes)) {
            Ok(outcome) => outcome,
            Err(panic) => AttachmentText::Failed(format!(
                "the {} reader panicked: {}",
                kind.name(),
                crate::parse::panic_text(&panic)
            )),
        }
    }

    fn extract_pdf(&self, bytes: &[u8]) -> AttachmentText {
        match &self.pdf {
            None => AttachmentText::Failed("PDF extraction is not enabled".to_string()),
            Some(child) => match extract_pdf_in_child(child, bytes) {
                Ok(text) if text.trim().is_empty() => AttachmentText::Failed(
                    "the PDF has no text layer (an image-only or scanned document)".to_string(),
                ),
                Ok(text) => AttachmentText::Text(text),
                Err(reason) => AttachmentText::Failed(reason),
            },
        }
    }
}

/// What an attachment is, as far as reading its text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pdf,
    Office(OfficeKind),
    Zip,
    PlainText,
    Html,
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF",
            Kind::Office(k) => k.name(),
            Kind::Zip => "zip",
            Kind::PlainText => "text",
            Kind::Html => "HTML",
            Kind::Other => "attachment",
        }
    }
}

const DOCX_TYPES: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "application/vnd.ms-word.document.macroenabled.12",
];
const ODT_TYPES: &[&str] = &[
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
];
const ZIP_TYPES: &[&str] = &[
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "multipart/x-zip",
];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Types that say nothing about the content: the name and the bytes decide.
const GENERIC_TYPES: &[&str] = &[
    "application/octet-stream",
    "application/binary",
    "application/x-download",
    "application/force-download",
    "application/unknown",
    // Some clients label every Word file so, .docx included; a real .doc is left alone
    // by its name.
    "application/msword",
];

/// The type, then the file name, then (for generic types only) the bytes decide. A
/// declared type is believed over the name, except that a PDF is a PDF however it is
/// labelled, as it always was.
fn kind_of(content_type: &str, filename: Option<&str>, bytes: &[u8]) -> Kind {
    if is_pdf(content_type, filename, bytes) {
        return Kind::Pdf;
    }
    let ext = filename
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let by_type = if DOCX_TYPES.contains(&content_type) {
        Some(Kind::Office(OfficeKind::Docx))
    } else if ODT_TYPES.contains(&content_type) {
        Some(Kind::Office(OfficeKind::Odt))
    } else if ZIP_TYPES.contains(&content_type) {
        Some(Kind::Zip)
    } else if content_type == "text/html" || content_type == "application/xhtml+xml" {
        Some(Kind::Html)
    } else if content_type.starts_with("text/") {
        Some(Kind::PlainText)
    } else {
        None
    };
    if let Some(kind) = by_type {
        return kind;
    }
    if !GENERIC_TYPES.contains(&content_type) && !content_type.is_empty() {
        // image/*, audio/*, spreadsheets, ...: a specific type we do not read.
        return Kind::Other;
    }
    match ext.as_str() {
        "docx" | "docm" | "dotx" => return Kind::Office(OfficeKind::Docx),
        "odt" | "ott" => return Kind::Office(OfficeKind::Odt),
        "zip" => return Kind::Zip,
        "txt" | "text" | "csv" | "tsv" | "log" => return Kind::PlainText,
        "htm" | "html" | "xhtml" => return Kind::Html,
        _ => {}
    }
    if bytes.starts_with(ZIP_MAGIC) {
        // A zip of a generic type and an unknown name: a document if it looks like one.
        return match sniff_zip(bytes) {
            Some(kind) => kind,
            None => Kind::Zip,
        };
    }
    Kind::Other
}

/// DOCX or ODT by their characteristic entries; `None` for other zips, including other
/// office formats (spreadsheets, presentations), which are not listed as archives
/// either.
fn sniff_zip(bytes: &[u8]) -> Option<Kind> {
    let zip = ZipArchive::open(bytes, archive_limits()).ok()?;
    if zip.find("word/document.xml").is_some() {
        return Some(Kind::Office(OfficeKind::Docx));
    }
    if zip.find("content.xml").is_some() && zip.find("mimetype").is_some() {
        let opendocument_text = bytes
            .windows(39)
            .any(|w| w == b"application/vnd.oasis.opendocument.text");
        return Some(if opendocument_text {
            Kind::Office(OfficeKind::Odt)
        } else {
            Kind::Other
        });
    }
    if zip.find("[Content_Types].xml").is_some() {
        return Some(Kind::Other);
    }
    None
}

fn extract_in_process(kind: Kind, bytes: &[u8]) -> AttachmentText {
    match kind {
        Kind::Office(office) => office_text(office, bytes),
        Kind::Zip => archive_listing(bytes),
        Kind::PlainText => {
            decode_text(bytes).map_or_else(AttachmentText::Failed, AttachmentText::Text)
        }
        Kind::Html => decode_text(bytes).map_or_else(AttachmentText::Failed, |html| {
            AttachmentText::Text(crate::html::html_to_text(&html))
        }),
        Kind::Pdf | Kind::Other => AttachmentText::NotApplicable,
    }
}

fn office_text(kind: OfficeKind, bytes: &[u8]) -> AttachmentText {
    // An encrypted Office document is not a zip but an OLE compound file holding the
    // encrypted package; so is a legacy .doc renamed .docx.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return AttachmentText::Failed(format!(
            "the {} file is password-protected (or a legacy Word file with a new name)",
            kind.name()
        ));
    }
    match office::document_text(kind, bytes, &OfficeLimits::default()) {
        Ok(text) if text.trim().is_empty() => {
            AttachmentText::Failed(format!("the {} document has no text", kind.name()))
        }
        Ok(text) => AttachmentText::Text(text),
        Err(e) => AttachmentText::Failed(format!(
            "the {} document could not be read: {e}",
            kind.name()
        )),
    }
}

fn archive_limits() -> ZipLimits {
    ZipLimits {
        // Listing reads only the central directory, whose size the attachment size
        // already bounds; the entry limit keeps the listing a listing.
        max_entries: 100_000,
        ..ZipLimits::default()
    }
}

/// Names listed in an archive's text; the rest are counted.
const MAX_LISTED_ENTRIES: usize = 500;

/// The archive's entry names, as text that says that it is only a listing.
fn archive_listing(bytes: &[u8]) -> AttachmentText {
    let zip = match ZipArchive::open(bytes, archive_limits()) {
        Ok(zip) => zip,
        Err(e) => return AttachmentText::Failed(format!("the archive could not be read: {e}")),
    };
    let entries = zip.entries();
    let names: Vec<String> = entries
        .iter()
        .filter(|e| !e.is_dir())
        .map(|e| {
            // Names are the sender's to choose: no control characters, no new lines
            // that would forge more of the listing.
            e.name
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect()
        })
        .collect();
    if entries.iter().any(|e| e.is_encrypted()) {
        let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
        return AttachmentText::Failed(format!(
            "the archive is encrypted (password-protected); {} entries: {}{}",
            names.len(),
            shown.join(", "),
            if names.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    let mut text = format!(
        "archive entries ({} files; names only, contents not extracted):\n",
        names.len()
    );
    for name in names.iter().take(MAX_LISTED_ENTRIES) {
        text.push_str(name);
        text.push('\n');
    }
    if names.len() > MAX_LISTED_ENTRIES {
        text.push_str(&format!(
            "... and {} more\n",
            names.len() - MAX_LISTED_ENTRIES
        ));
    }
    AttachmentText::Described {
        text,
        note: format!(
            "a zip archive of {} files: only the names were listed, the contents were not extracted or read",
            names.len()
        ),
    }
}

/// Text sent as a file: a BOM decides, else UTF-8, else Windows-1252 (every byte is
/// something there, and it is what unlabelled non-UTF-8 text from mail clients is).
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    use mail_parser::decoders::charsets::map::charset_decoder;
    let (charset, body): (&[u8], &[u8]) = if let Some(b) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (b"utf-8", b)
    } else if let Some(b) = bytes.strip_prefix(b"\xFF\xFE") {
        (b"utf-16le", b)
    } else if let Some(b) = bytes.strip_prefix(b"\xFE\xFF") {
        (b"utf-16be", b)
    } else if std::str::from_utf8(bytes).is_ok() {
        (b"utf-8", bytes)
    } else {
        (b"windows-1252", bytes)
    };
    if charset != b"utf-16le" && charset != b"utf-16be" && body.contains(&0) {
        return Err("the file is named as text but holds binary data".to_string());
    }
    if charset == b"utf-8" {
        return Ok(String::from_utf8_lossy(body).into_owned());
    }
    match charset_decoder(charset) {
        Some(decode) => Ok(decode(body)),
        None => Ok(String::from_utf8_lossy(body).into_owned()),
    }
}

fn is_pdf(content_type: &str, filename: Option<&str>, bytes: &[u8]) -> bool {
    content_type == "application/pdf"
        || content_type == "application/x-pdf"
        || filename.is_some_and(|f| f.to_ascii_lowercase().ends_with(".pdf"))
        || bytes.starts_with(b"%PDF-")
}

/// Run the child on `bytes` and return its text, or why there is none.
fn extract_pdf_in_child(child: &PdfChild, bytes: &[u8]) -> Result<String, String> {
    let mut command = Command::new(&child.program);
    command
        .args(&child.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu = child.limits.cpu_seconds;
    let address_space = child.limits.address_space_bytes;
    // SAFETY: only async-signal-safe calls (setrlimit) run between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || {
            set_rlimit(libc::RLIMIT_CPU, cpu)?;
            set_rlimit(libc::RLIMIT_AS, address_space)?;
            set_rlimit(libc::RLIMIT_CORE, 0)?;
            Ok(())
        });
    }
    let mut process = command
        .spawn()
        .map_err(|e| format!("could not start the PDF reader: {e}"))?;
    let pid = process.id();

    // Feed stdin and drain stdout/stderr on their own threads, so that a child that
    // writes before it has read everything cannot deadlock us.
    let mut stdin = process.stdin.take().ok_or("no stdin for the PDF reader")?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stderr = process
        .stderr
        .take()
        .ok_or("no stderr for the PDF reader")?;
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(16 * 1024).read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let mut stdout = process
        .stdout
        .take()
        .ok_or("no stdout for the PDF reader")?;
    let limit = child.limits.max_output_bytes;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let result = (&mut stdout).take(limit as u64 + 1).read_to_end(&mut buf);
        // Keep draining past the limit so the child is not blocked on a full pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        let _ = tx.send(result.map(|_| buf));
    });

    let output = match rx.recv_timeout(child.limits.wall_clock) {
        Ok(output) => output,
        Err(_) => {
            // SAFETY: kill(2) on our own child's pid; the pid cannot have been reused
            // because we have not waited for the child yet.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            let _ = process.wait();
            let _ = writer.join();
            return Err(format!(
                "the PDF reader was stopped after {} s",
                child.limits.wall_clock.as_secs()
            ));
        }
    };
    let status = process
        .wait()
        .map_err(|e| format!("waiting for the PDF reader: {e}"))?;
    let _ = writer.join();
    let stderr_text = err_reader.join().unwrap_or_default();
    let reason = last_line(&stderr_text);

    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        return Err(match (status.code(), status.signal()) {
            (Some(CHILD_PANICKED), _) => format!("the PDF library panicked: {reason}"),
            (Some(CHILD_FAILED), _) => format!("the PDF could not be read: {reason}"),
            (_, Some(libc::SIGXCPU)) => format!("the PDF reader used more than {cpu} s of CPU"),
            (_, Some(libc::SIGKILL)) => "the PDF reader was killed".to_string(),
            (_, Some(libc::SIGABRT)) => format!(
                "the PDF reader aborted (memory limit of {} MiB?)",
                address_space / (1024 * 1024)
            ),
            (code, signal) => {
                format!("the PDF reader failed (exit {code:?}, signal {signal:?}): {reason}")
            }
        });
    }
    let mut buf = output.map_err(|e| format!("reading the PDF reader's output: {e}"))?;
    buf.truncate(limit);
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    crate::parse::truncate_at_char_boundary(&mut text, limit);
    Ok(text)
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no reason given")
        .trim()
        .to_string()
}

fn set_rlimit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value as libc::rlim_t,
        rlim_max: value as libc::rlim_t,
    };
    // SAFETY: plain syscall with a valid pointer to a stack value.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

const CHILD_FAILED: i32 = 2;
const CHILD_PANICKED: i32 = 3;

/// The child's side: read a PDF on stdin, write its text on stdout. Returns the exit
/// code. Runs inside the limits its parent set.
pub fn run_pdf_child() -> i32 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("reading the PDF from stdin: {e}");
        return CHILD_FAILED;
    }
    // The default hook would print a backtrace hint; the parent wants one clean line.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(&input));
    match result {
        Ok(Ok(pages)) => {
            let mut out = std::io::stdout().lock();
            for page in pages {
                if out.write_all(page.as_bytes()).is_err() || out.write_all(b"\n").is_err() {
                    return CHILD_FAILED;
                }
            }
            if out.flush().is_err() {
                return CHILD_FAILED;
            }
            0
        }
        Ok(Err(e)) => {
            eprintln!("{e}");
            CHILD_FAILED
        }
        Err(panic) => {
            eprintln!("{}", crate::parse::panic_text(&panic));
            CHILD_PANICKED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_recognised_by_type_name_or_magic() {
        assert!(is_pdf("application/pdf", None, b""));
        assert!(is_pdf("application/octet-stream", Some("Letter.PDF"), b""));
        assert!(is_pdf("application/octet-stream", None, b"%PDF-1.7\n"));
        assert!(!is_pdf("image/png", Some("scan.png"), b"\x89PNG"));
    }

    use crate::zip::testzip::{FileSpec, build};

    fn docx_bytes(text: &str) -> Vec<u8> {
        let xml = format!(
            r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
        );
        build(&[FileSpec::new("word/document.xml", xml.as_bytes())])
    }

    #[test]
    fn kinds_follow_type_then_name_then_bytes() {
        let docx = docx_bytes("x");
        let d = Kind::Office(OfficeKind::Docx);
        assert_eq!(kind_of(DOCX_TYPES[0], None, b""), d);
        assert_eq!(
            kind_of("application/octet-stream", Some("Brief.DOCX"), b""),
            d
        );
        assert_eq!(kind_of("application/msword", Some("a.docx"), b""), d);
        assert_eq!(
            kind_of("application/msword", Some("a.doc"), b""),
            Kind::Other
        );
        assert_eq!(kind_of("application/octet-stream", None, &docx), d);
        assert_eq!(kind_of("application/octet-stream", Some("x.bin"), &docx), d);
        assert_eq!(
            kind_of("application/vnd.oasis.opendocument.text", None, b""),
            Kind::Office(OfficeKind::Odt)
        );
        assert_eq!(
            kind_of("application/x-zip-compressed", None, b""),
            Kind::Zip
        );
        assert_eq!(
            kind_of("application/octet-stream", Some("logs.zip"), b""),
            Kind::Zip
        );
        let xlsx = build(&[FileSpec::new("[Content_Types].xml", b"<Types/>")]);
        assert_eq!(
            kind_of("application/octet-stream", None, &xlsx),
            Kind::Other
        );
        assert_eq!(
            kind_of("image/png", Some("scan.png"), b"PK\x03\x04"),
            Kind::Other
        );
        assert_eq!(
            kind_of("application/octet-stream", Some("a.csv"), b""),
            Kind::PlainText
        );
        assert_eq!(
            kind_of("application/octet-stream", Some("a.HTM"), b""),
            Kind::Html
        );
    }

    #[test]
    fn docx_text_is_read_in_process() {
        let e = TextExtractor::disabled();
        assert_eq!(
            e.extract(
                "application/octet-stream",
                Some("letter.docx"),
                &docx_bytes("Case 42")
            ),
            AttachmentText::Text("Case 42".into())
        );
    }

    #[test]
    fn broken_office_files_are_recorded_failures() {
        let e = TextExtractor::disabled();
        for (bytes, want) in [
            (&b"PK\x03\x04 truncated"[..], "could not be read"),
            (
                &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"[..],
                "password-protected",
            ),
            (&b""[..], "could not be read"),
        ] {
            match e.extract(DOCX_TYPES[0], Some("a.docx"), bytes) {
                AttachmentText::Failed(r) => assert!(r.contains(want), "{r}"),
                other => panic!("{other:?}"),
            }
        }
        let empty = build(&[FileSpec::new("word/document.xml", b"<w:document/>")]);
        assert!(matches!(
            e.extract(DOCX_TYPES[0], None, &empty),
            AttachmentText::Failed(r) if r.contains("no text")
        ));
    }

    #[test]
    fn zip_archives_are_listed_not_extracted() {
        let z = build(&[
            FileSpec::new("statements/", b""),
            FileSpec::new("statements/2025.csv", b"bc1q-secret-content"),
            FileSpec::new("evil\nname.txt", b"x"),
        ]);
        let e = TextExtractor::disabled();
        let AttachmentText::Described { text, note } =
            e.extract("application/zip", Some("evidence.zip"), &z)
        else {
            panic!("not described");
        };
        assert!(text.starts_with("archive entries (2 files"), "{text}");
        assert!(text.contains("statements/2025.csv\n"), "{text}");
        assert!(text.contains("evil?name.txt"), "{text}");
        assert!(!text.contains("secret-content"));
        assert!(note.contains("not extracted"), "{note}");
    }

    #[test]
    fn encrypted_and_corrupt_zips_fail() {
        let e = TextExtractor::disabled();
        let z = build(&[FileSpec {
            flags: 1,
            ..FileSpec::new("a.pdf", b"x")
        }]);
        assert!(matches!(
            e.extract("application/zip", None, &z),
            AttachmentText::Failed(r) if r.contains("encrypted") && r.contains("a.pdf")
        ));
        assert!(matches!(
            e.extract("application/zip", None, b"PK\x03\x04garbage"),
            AttachmentText::Failed(r) if r.contains("could not be read")
        ));
    }

    #[test]
    fn text_files_are_decoded() {
        let e = TextExtractor::disabled();
        let g = |ct, name, bytes: &[u8]| e.extract(ct, Some(name), bytes);
        assert_eq!(
            g("application/octet-stream", "a.txt", b"Caf\xe9 \x80"),
            AttachmentText::Text("Café €".into())
        );
        assert_eq!(
            g("application/octet-stream", "a.txt", b"\xEF\xBB\xBFok"),
            AttachmentText::Text("ok".into())
        );
        assert_eq!(
            g("application/octet-stream", "a.txt", b"\xFF\xFEo\x00k\x00"),
            AttachmentText::Text("ok".into())
        );
        assert!(matches!(
            g("application/octet-stream", "a.txt", b"MZ\x00\x00"),
            AttachmentText::Failed(_)
        ));
        let AttachmentText::Text(t) = g(
            "application/octet-stream",
            "page.html",
            b"<p>seen</p><div style='display:none'>unseen</div><script>x()</script>",
        ) else {
            panic!()
        };
        assert!(
            t.contains("seen") && !t.contains("unseen") && !t.contains("x()"),
            "{t}"
        );
        assert_eq!(
            e.extract("image/jpeg", Some("photo.jpg"), b"\xFF\xD8"),
            AttachmentText::NotApplicable
        );
    }

    #[test]
    fn disabled_extractor_records_a_failure_for_pdfs_only() {
        let e = TextExtractor::disabled();
        assert!(matches!(
            e.extract("application/pdf", None, b"%PDF-"),
            AttachmentText::Failed(_)
        ));
        assert_eq!(
            e.extract("image/png", None, b""),
            AttachmentText::NotApplicable
        );
    }

    #[test]
    fn a_child_that_hangs_is_killed_at_the_wall_clock_limit() {
        let child = PdfChild {
            program: "/bin/sleep".into(),
            args: vec!["30".into()],
            limits: PdfLimits {
                wall_clock: Duration::from_millis(300),
                ..PdfLimits::default()
            },
        };
        let started = std::time::Instant::now();
        let out = TextExtractor::with_pdf_child(child).extract("application/pdf", None, b"%PDF-");
        assert!(
            matches!(out, AttachmentText::Failed(ref r) if r.contains("stopped")),
            "{out:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_child_that_fails_is_a_recorded_failure() {
        let child = PdfChild {
            program: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                "cat >/dev/null; echo broken xref >&2; exit 2".into(),
            ],
            limits: PdfLimits::default(),
        };
        let out = TextExtractor::with_pdf_child(child).extract("application/pdf", None, b"%PDF-");
        assert_eq!(
            out,
            AttachmentText::Failed("the PDF could not be read: broken xref".into())
        );
    }

    #[test]
    fn a_child_that_crashes_is_a_recorded_failure() {
        let child = PdfChild {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), "kill -ABRT $$".into()],
            limits: PdfLimits::default(),
        };
        let out = TextExtractor::with_pdf_child(child).extract("application/pdf", None, b"%PDF-");
        assert!(
            matches!(out, AttachmentText::Failed(ref r) if r.contains("aborted")),
            "{out:?}"
        );
    }
}
