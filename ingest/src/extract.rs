//! Attachment text. PDF text comes from pdf-extract, which panics on about one real PDF
//! in eleven, can loop, and can abort the process when an allocation fails. None of that
//! may reach the worker, so each PDF is read by a child process (the `lea-intake` binary
//! itself, in a hidden mode) with an address-space limit, a CPU limit and a wall-clock
//! kill. A child that dies in any way is a recorded extraction failure, nothing more.

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
    /// Not a format we read text from (images, archives, unknown binaries).
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
        if !is_pdf(content_type, filename, bytes) {
            return AttachmentText::NotApplicable;
        }
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
