//! Archive sources: a Maildir, a folder of `.eml` files, or an mbox file, read as a stream.
//!
//! Memory stays bounded whatever the archive's size: folders are walked one directory
//! listing at a time and an mbox file is split line by line, so only the current batch of
//! messages is held. Acknowledging does nothing: an archive is read, not changed.

use super::{Origin, RawMessage, Source, SourceError};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Items larger than this are cut; the parser then sees a broken message and flags it.
pub const DEFAULT_MAX_ITEM_BYTES: usize = 256 * 1024 * 1024;

/// Longest piece of an mbox line read at once, so a file without newlines cannot make one
/// line take all memory.
const LINE_CHUNK: u64 = 64 * 1024;

/// What an archive path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A folder with `cur/` and `new/`.
    Maildir,
    /// Any other folder: every non-hidden file below it, recursively, is one message.
    EmlFolder,
    /// A file starting with a `From ` line.
    Mbox,
    /// Any other file: one message.
    SingleFile,
}

impl ArchiveKind {
    /// Looks at `path` to tell which kind of archive it is.
    pub fn detect(path: &Path) -> Result<ArchiveKind, SourceError> {
        let metadata = fs::metadata(path).map_err(|error| io_error(path, &error))?;
        if metadata.is_dir() {
            if path.join("cur").is_dir() && path.join("new").is_dir() {
                return Ok(ArchiveKind::Maildir);
            }
            return Ok(ArchiveKind::EmlFolder);
        }
        let mut start = [0u8; 5];
        let mut file = File::open(path).map_err(|error| io_error(path, &error))?;
        let mut filled = 0;
        while filled < start.len() {
            match file.read(&mut start[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(io_error(path, &error)),
            }
        }
        if start[..filled] == *b"From " {
            Ok(ArchiveKind::Mbox)
        } else {
            Ok(ArchiveKind::SingleFile)
        }
    }
}

/// How many bytes of its files an [`ArchiveSource`] has read so far, shared with whoever
/// shows progress (the source itself is busy in the pipeline meanwhile).
#[derive(Debug, Clone, Default)]
pub struct ReadProgress(Arc<AtomicU64>);

impl ReadProgress {
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One or more archives read in order, as a [`Source`].
pub struct ArchiveSource {
    /// Archives not yet started, with their detected kind.
    queued: VecDeque<(PathBuf, ArchiveKind)>,
    current: Option<Reader>,
    max_item_bytes: usize,
    /// False while a batch is being read on a blocking thread.
    available: bool,
    progress: ReadProgress,
    /// Bytes of the archives read to their end.
    finished_bytes: u64,
}

impl std::fmt::Debug for ArchiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveSource")
            .field("queued", &self.queued)
            .finish_non_exhaustive()
    }
}

impl ArchiveSource {
    /// Opens one archive, detecting its kind. Fails when the path cannot be read.
    pub fn open(path: impl AsRef<Path>) -> Result<ArchiveSource, SourceError> {
        Self::open_many([path])
    }

    /// Opens several archives, read one after the other. Every path is checked now, so a
    /// typo fails before anything is imported.
    pub fn open_many<I, P>(paths: I) -> Result<ArchiveSource, SourceError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let mut queued = VecDeque::new();
        for path in paths {
            let path = path.as_ref().to_path_buf();
            let kind = ArchiveKind::detect(&path)?;
            queued.push_back((path, kind));
        }
        Ok(ArchiveSource {
            queued,
            current: None,
            max_item_bytes: DEFAULT_MAX_ITEM_BYTES,
            available: true,
            progress: ReadProgress::default(),
            finished_bytes: 0,
        })
    }

    /// The size of the archives not yet started: their files' bytes, counted the way
    /// they are read (hidden files, side-car files and symlinked folders left out).
    pub fn total_bytes(&self) -> u64 {
        self.queued
            .iter()
            .map(|(path, kind)| match kind {
                ArchiveKind::Maildir | ArchiveKind::EmlFolder => {
                    FileWalker::of(path.clone(), *kind, self.max_item_bytes).total_bytes()
                }
                ArchiveKind::Mbox | ArchiveKind::SingleFile => {
                    fs::metadata(path).map_or(0, |m| m.len())
                }
            })
            .sum()
    }

    /// A handle on the bytes read so far, to compare with [`ArchiveSource::total_bytes`].
    pub fn progress(&self) -> ReadProgress {
        self.progress.clone()
    }

    /// Items above `max` bytes are cut at `max + 1` bytes (so a size limit still sees them
    /// as too large).
    pub fn with_max_item_bytes(mut self, max: usize) -> Self {
        self.max_item_bytes = max;
        self
    }

    /// The kinds of the archives not yet started, in order.
    pub fn queued_kinds(&self) -> Vec<ArchiveKind> {
        self.queued.iter().map(|(_, kind)| *kind).collect()
    }

    /// Reads the next batch on the calling thread. After an error for one item, the next
    /// call goes on with the following item.
    pub fn read_batch(&mut self, max: usize) -> Result<Vec<RawMessage>, SourceError> {
        let mut batch = Vec::with_capacity(max.min(1024));
        while batch.len() < max {
            if self.current.is_none() {
                let Some((path, kind)) = self.queued.pop_front() else {
                    break;
                };
                self.current = Some(Reader::open(path, kind, self.max_item_bytes)?);
            }
            let Some(reader) = self.current.as_mut() else {
                break;
            };
            match reader.next_item()? {
                Some(message) => {
                    batch.push(message);
                    self.progress
                        .0
                        .store(self.finished_bytes + reader.consumed(), Ordering::Relaxed);
                }
                None => {
                    self.finished_bytes += reader.consumed();
                    self.progress
                        .0
                        .store(self.finished_bytes, Ordering::Relaxed);
                    self.current = None;
                }
            }
        }
        Ok(batch)
    }
}

impl Source for ArchiveSource {
    /// Reads on a blocking thread so a slow disk does not stall the async runtime.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<RawMessage>, SourceError> {
        if !self.available {
            return Err(SourceError::Io {
                path: "archive".into(),
                reason: "an earlier read was cancelled midway; open the archive again".into(),
            });
        }
        let mut taken = ArchiveSource {
            queued: std::mem::take(&mut self.queued),
            current: self.current.take(),
            max_item_bytes: self.max_item_bytes,
            available: true,
            progress: self.progress.clone(),
            finished_bytes: self.finished_bytes,
        };
        self.available = false;
        let (taken, result) = tokio::task::spawn_blocking(move || {
            let result = taken.read_batch(max);
            (taken, result)
        })
        .await
        .map_err(|error| SourceError::Io {
            path: "archive".into(),
            reason: format!("reader thread failed: {error}"),
        })?;
        self.queued = taken.queued;
        self.current = taken.current;
        self.finished_bytes = taken.finished_bytes;
        self.available = true;
        result
    }

    async fn acknowledge(&mut self, _origins: &[Origin]) -> Result<(), SourceError> {
        Ok(())
    }
}

/// The archive being read now.
enum Reader {
    Files(FileWalker),
    Mbox(MboxReader),
    Single {
        path: PathBuf,
        done: bool,
        max: usize,
        consumed: u64,
    },
}

impl Reader {
    fn open(path: PathBuf, kind: ArchiveKind, max: usize) -> Result<Reader, SourceError> {
        Ok(match kind {
            ArchiveKind::Maildir | ArchiveKind::EmlFolder => {
                Reader::Files(FileWalker::of(path, kind, max))
            }
            ArchiveKind::Mbox => Reader::Mbox(MboxReader::open(path, max)?),
            ArchiveKind::SingleFile => Reader::Single {
                path,
                done: false,
                max,
                consumed: 0,
            },
        })
    }

    fn next_item(&mut self) -> Result<Option<RawMessage>, SourceError> {
        match self {
            Reader::Files(walker) => walker.next_item(),
            Reader::Mbox(mbox) => mbox.next_item(),
            Reader::Single {
                path,
                done,
                max,
                consumed,
            } => {
                if *done {
                    return Ok(None);
                }
                *done = true;
                let item = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (message, size) = read_file_item(path, path, item, *max)?;
                *consumed = size;
                Ok(Some(message))
            }
        }
    }

    /// Bytes of this archive read so far.
    fn consumed(&self) -> u64 {
        match self {
            Reader::Files(walker) => walker.consumed,
            Reader::Mbox(mbox) => mbox.consumed,
            Reader::Single { consumed, .. } => *consumed,
        }
    }
}

/// Walks folders depth-first in path order, holding one sorted listing per open level.
struct FileWalker {
    root: PathBuf,
    /// Paths still to visit; the next one is at the end.
    stack: Vec<PathBuf>,
    max: usize,
    /// Bytes of the files read so far.
    consumed: u64,
}

impl FileWalker {
    /// The walk of a Maildir (its `cur/` and `new/`) or of a folder of files.
    fn of(root: PathBuf, kind: ArchiveKind, max: usize) -> FileWalker {
        let mut start = match kind {
            ArchiveKind::Maildir => vec![root.join("cur"), root.join("new")],
            _ => vec![root.clone()],
        };
        start.reverse();
        FileWalker {
            root,
            stack: start,
            max,
            consumed: 0,
        }
    }

    fn next_item(&mut self) -> Result<Option<RawMessage>, SourceError> {
        let Some(path) = self.next_file()? else {
            return Ok(None);
        };
        let item = path
            .strip_prefix(&self.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let (message, size) = read_file_item(&self.root, &path, item, self.max)?;
        self.consumed += size;
        Ok(Some(message))
    }

    /// The sizes of the files the walk would read, found without reading them; a folder
    /// that cannot be listed ends the count there.
    fn total_bytes(mut self) -> u64 {
        let mut total = 0;
        while let Ok(Some(path)) = self.next_file() {
            total += fs::metadata(&path).map_or(0, |m| m.len());
        }
        total
    }

    /// The next file to read as a message, in walk order.
    fn next_file(&mut self) -> Result<Option<PathBuf>, SourceError> {
        while let Some(path) = self.stack.pop() {
            // symlink_metadata: a symlinked folder could loop; a symlinked file is followed.
            let metadata = match fs::symlink_metadata(&path) {
                Ok(metadata) => metadata,
                // Gone since the listing (a Maildir being delivered to): nothing to read.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(io_error(&path, &error)),
            };
            if metadata.is_dir() {
                self.push_children(&path)?;
                continue;
            }
            if metadata.file_type().is_symlink() && path.is_dir() {
                tracing::warn!(path = %path.display(), "symlinked folder in archive not followed");
                continue;
            }
            return Ok(Some(path));
        }
        Ok(None)
    }

    fn push_children(&mut self, dir: &Path) -> Result<(), SourceError> {
        let entries = fs::read_dir(dir).map_err(|error| io_error(dir, &error))?;
        let mut children = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| io_error(dir, &error))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if is_sidecar_file(&path) {
                tracing::debug!(path = %path.display(), "not a message: skipped");
                continue;
            }
            children.push(path);
        }
        children.sort_unstable_by(|a, b| b.cmp(a));
        self.stack.extend(children);
        Ok(())
    }
}

/// Files that sit beside messages in exported folders (notes, manifests, scripts) and
/// are never messages themselves. Any other file is read as a message, whatever its name
/// (.eml, .msg, .txt, no extension): exports name messages in every way.
fn is_sidecar_file(path: &Path) -> bool {
    const SIDECARS: &[&str] = &["md", "json", "toml", "yaml", "yml", "py", "sh", "csv"];
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SIDECARS.iter().any(|s| e.eq_ignore_ascii_case(s)))
}

/// Reads one file as a message; also returns the file's size (for progress).
fn read_file_item(
    archive: &Path,
    path: &Path,
    item: String,
    max: usize,
) -> Result<(RawMessage, u64), SourceError> {
    let file = File::open(path).map_err(|error| io_error(path, &error))?;
    let metadata = file.metadata().ok();
    let size = metadata.as_ref().map_or(0, |m| m.len());
    let received_at = metadata
        .and_then(|metadata| metadata.modified().ok())
        .map(DateTime::<Utc>::from);
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| io_error(path, &error))?;
    if bytes.len() > max {
        tracing::warn!(path = %path.display(), max, "archive item cut at the size limit");
    }
    let bytes = crlf_line_endings(bytes);
    let message = RawMessage {
        origin: Origin::Archive {
            archive: archive.to_string_lossy().into_owned(),
            item,
        },
        bytes,
        received_at,
        oversized: None,
    };
    Ok((message, size))
}

/// Archives usually store messages with the platform's bare LF line endings, while IMAP
/// servers always deliver CRLF (RFC 5322's own form). Converting here makes the same
/// message hash the same whether it is imported from an archive or later read from a
/// live mailbox, so it is stored once.
pub fn crlf_line_endings(bytes: Vec<u8>) -> Vec<u8> {
    let bare_lf = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' && (*i == 0 || bytes[i - 1] != b'\r'))
        .count();
    if bare_lf == 0 {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + bare_lf);
    let mut previous = 0u8;
    for &byte in &bytes {
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        previous = byte;
    }
    out
}

/// Splits an mbox file into messages as it reads.
///
/// Every line that starts with `From ` begins a message (mboxo/mboxrd writers quote such
/// lines in bodies). Lines of `>From `, `>>From `... lose one `>`, which undoes mboxrd
/// quoting; in the older mboxo format it wrongly unquotes a body line that really began
/// with `>From `, a loss every reader of that format shares. The blank line an mbox writer
/// puts before the next `From ` line is not part of the message and is removed.
struct MboxReader {
    path: PathBuf,
    reader: BufReader<File>,
    /// The `From ` line that opened the next message, read while finishing the last one.
    next_from_line: Option<Vec<u8>>,
    count: u64,
    max: usize,
    /// Bytes of the file read so far.
    consumed: u64,
}

impl MboxReader {
    fn open(path: PathBuf, max: usize) -> Result<MboxReader, SourceError> {
        let file = File::open(&path).map_err(|error| io_error(&path, &error))?;
        Ok(MboxReader {
            reader: BufReader::with_capacity(256 * 1024, file),
            path,
            next_from_line: None,
            count: 0,
            max,
            consumed: 0,
        })
    }

    fn next_item(&mut self) -> Result<Option<RawMessage>, SourceError> {
        let from_line = match self.next_from_line.take() {
            Some(line) => line,
            None => match self.skip_to_from_line()? {
                Some(line) => line,
                None => return Ok(None),
            },
        };
        let mut bytes = Vec::new();
        let mut line = Vec::new();
        let mut at_line_start = true;
        let mut cut = false;
        loop {
            line.clear();
            let read = (&mut self.reader)
                .take(LINE_CHUNK)
                .read_until(b'\n', &mut line)
                .map_err(|error| io_error(&self.path, &error))?;
            if read == 0 {
                break;
            }
            self.consumed += read as u64;
            let whole_line_start = at_line_start;
            at_line_start = line.last() == Some(&b'\n');
            if whole_line_start && line.starts_with(b"From ") {
                self.next_from_line = Some(std::mem::take(&mut line));
                break;
            }
            let content = if whole_line_start {
                unquote(&line)
            } else {
                &line[..]
            };
            let room = (self.max + 1).saturating_sub(bytes.len());
            if content.len() > room {
                cut = true;
            }
            bytes.extend_from_slice(&content[..content.len().min(room)]);
        }
        if cut {
            tracing::warn!(path = %self.path.display(), message = self.count + 1, "mbox message cut at the size limit");
        }
        strip_separator_line(&mut bytes);
        let bytes = crlf_line_endings(bytes);
        self.count += 1;
        Ok(Some(RawMessage {
            origin: Origin::Archive {
                archive: self.path.to_string_lossy().into_owned(),
                item: format!("message {}", self.count),
            },
            bytes,
            received_at: from_line_date(&from_line),
            oversized: None,
        }))
    }

    /// Skips anything before the first `From ` line (only blank lines in a sane file).
    fn skip_to_from_line(&mut self) -> Result<Option<Vec<u8>>, SourceError> {
        let mut line = Vec::new();
        let mut at_line_start = true;
        loop {
            line.clear();
            let read = (&mut self.reader)
                .take(LINE_CHUNK)
                .read_until(b'\n', &mut line)
                .map_err(|error| io_error(&self.path, &error))?;
            if read == 0 {
                return Ok(None);
            }
            self.consumed += read as u64;
            if at_line_start && line.starts_with(b"From ") {
                return Ok(Some(line));
            }
            at_line_start = line.last() == Some(&b'\n');
        }
    }
}

/// `>From ` → `From `, `>>From ` → `>From `; any other line unchanged.
fn unquote(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&byte| byte == b'>').count();
    if quotes > 0 && line[quotes..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

/// Removes the one empty line that separates a message from the next `From ` line.
fn strip_separator_line(bytes: &mut Vec<u8>) {
    if bytes.ends_with(b"\r\n\r\n") {
        bytes.truncate(bytes.len() - 2);
    } else if bytes.ends_with(b"\n\n") {
        bytes.truncate(bytes.len() - 1);
    }
}

/// The date of a `From sender Wed Jan  3 01:05:34 1996` line, read as UTC. Time zone
/// tokens some writers add (`+0000`, `UTC`) are skipped.
fn from_line_date(line: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(line).ok()?;
    let tokens: Vec<&str> = text
        .split_whitespace()
        .skip(2)
        .filter(|token| !is_zone(token))
        .take(5)
        .collect();
    if tokens.len() < 5 {
        return None;
    }
    // The weekday is left out: writers get it wrong, and the date says it all.
    let joined = tokens.get(1..)?.join(" ");
    NaiveDateTime::parse_from_str(&joined, "%b %d %H:%M:%S %Y")
        .ok()
        .map(|naive| naive.and_utc())
}

fn is_zone(token: &str) -> bool {
    let signed_offset = (token.starts_with('+') || token.starts_with('-'))
        && token.len() > 1
        && token[1..].bytes().all(|byte| byte.is_ascii_digit());
    signed_offset || matches!(token, "UTC" | "GMT" | "UT" | "Z")
}

fn io_error(path: &Path, error: &std::io::Error) -> SourceError {
    SourceError::Io {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::io::Write;

    fn items(source: &mut ArchiveSource) -> Vec<(String, Vec<u8>)> {
        let mut all = Vec::new();
        loop {
            let batch = source.read_batch(2).unwrap();
            if batch.is_empty() {
                return all;
            }
            assert!(batch.len() <= 2);
            for message in batch {
                let Origin::Archive { item, .. } = message.origin else {
                    panic!("archive origin expected");
                };
                all.push((item, message.bytes));
            }
        }
    }

    #[test]
    fn line_endings_become_crlf_once() {
        assert_eq!(
            crlf_line_endings(b"a\nb\r\nc\n".to_vec()),
            b"a\r\nb\r\nc\r\n"
        );
        assert_eq!(crlf_line_endings(b"\n".to_vec()), b"\r\n");
        assert_eq!(crlf_line_endings(b"a\r\n".to_vec()), b"a\r\n");
        assert_eq!(crlf_line_endings(b"a\rb".to_vec()), b"a\rb");
        assert_eq!(crlf_line_endings(Vec::new()), b"");
    }

    #[test]
    fn maildir_reads_cur_and_new() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        fs::write(dir.path().join("cur/1.host:2,S"), b"Subject: one\n\nbody\n").unwrap();
        fs::write(dir.path().join("new/2.host"), b"Subject: two\n\nbody\n").unwrap();
        fs::write(dir.path().join("tmp/3.host"), b"Subject: partial\n").unwrap();
        fs::write(dir.path().join("cur/.hidden"), b"x").unwrap();

        let mut source = ArchiveSource::open(dir.path()).unwrap();
        assert_eq!(source.queued_kinds(), vec![ArchiveKind::Maildir]);
        let got = items(&mut source);
        let names: Vec<&str> = got.iter().map(|(item, _)| item.as_str()).collect();
        assert_eq!(names, vec!["cur/1.host:2,S", "new/2.host"]);
        assert_eq!(got[1].1, b"Subject: two\r\n\r\nbody\r\n");
    }

    #[test]
    fn eml_folder_is_recursive_sorted_and_skips_hidden_and_sidecar_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("b/inner")).unwrap();
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        fs::write(dir.path().join("b/inner/z.eml"), b"Subject: z\n\n").unwrap();
        fs::write(dir.path().join("a.eml"), b"Subject: a\n\n").unwrap();
        fs::write(dir.path().join("c.txt"), b"not mail at all").unwrap();
        fs::write(dir.path().join(".DS_Store"), b"junk").unwrap();
        fs::write(dir.path().join(".git/config"), b"junk").unwrap();
        fs::write(dir.path().join("README.md"), b"# notes").unwrap();
        fs::write(dir.path().join("b/expected.json"), b"{}").unwrap();

        let mut source = ArchiveSource::open(dir.path()).unwrap();
        assert_eq!(source.queued_kinds(), vec![ArchiveKind::EmlFolder]);
        let got = items(&mut source);
        let names: Vec<&str> = got.iter().map(|(item, _)| item.as_str()).collect();
        assert_eq!(names, vec!["a.eml", "b/inner/z.eml", "c.txt"]);
        assert_eq!(got[2].1, b"not mail at all");
    }

    #[test]
    fn progress_counts_the_bytes_read_up_to_the_total() {
        let dir = tempfile::tempdir().unwrap();
        let mbox = dir.path().join("archive.mbox");
        fs::write(&mbox, MBOX).unwrap();
        let folder = dir.path().join("eml");
        fs::create_dir_all(folder.join("inner")).unwrap();
        let (a, b, one): (&[u8], &[u8], &[u8]) = (
            b"Subject: a\n\nbody\n",
            b"Subject: b\n\n",
            b"Subject: one\n\n",
        );
        fs::write(folder.join("a.eml"), a).unwrap();
        fs::write(folder.join("inner/b.eml"), b).unwrap();
        fs::write(folder.join("notes.md"), b"# not counted").unwrap();
        fs::write(folder.join(".hidden"), b"not counted").unwrap();
        let single = dir.path().join("one.eml");
        fs::write(&single, one).unwrap();
        let expected = MBOX.len() + a.len() + b.len() + one.len();

        let mut source = ArchiveSource::open_many([&mbox, &folder, &single]).unwrap();
        assert_eq!(source.total_bytes(), expected as u64);
        let progress = source.progress();
        assert_eq!(progress.bytes(), 0);
        // Part of the mbox: more than nothing, less than the mbox.
        source.read_batch(1).unwrap();
        assert!(progress.bytes() > 0 && progress.bytes() < MBOX.len() as u64);
        let mut seen = Vec::new();
        loop {
            let batch = source.read_batch(1).unwrap();
            if batch.is_empty() {
                break;
            }
            seen.push(progress.bytes());
        }
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(progress.bytes(), expected as u64);
    }

    const MBOX: &[u8] = b"From alice@example.test Sat Jan  3 01:05:34 1996\n\
Subject: first\n\
\n\
Hello\n\
>From the start, this line was quoted.\n\
>>From here one quote stays.\n\
> From with a space is not a From_ line.\n\
\n\
From bob@example.test Mon Feb 12 10:00:00 2024\n\
Subject: second\n\
\n\
Second body\n\
\n\
From carol@example.test not-a-date\n\
Subject: third\n\
\n\
Third body\n";

    #[test]
    fn mbox_splits_unquotes_and_dates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.mbox");
        fs::write(&path, MBOX).unwrap();

        let mut source = ArchiveSource::open(&path).unwrap();
        assert_eq!(source.queued_kinds(), vec![ArchiveKind::Mbox]);
        let batch = source.read_batch(10).unwrap();
        assert_eq!(batch.len(), 3);
        assert_eq!(
            batch[0].bytes,
            crlf_line_endings(
                b"Subject: first\n\nHello\nFrom the start, this line was quoted.\n\
>From here one quote stays.\n> From with a space is not a From_ line.\n"
                    .to_vec()
            )
        );
        assert_eq!(batch[1].bytes, b"Subject: second\r\n\r\nSecond body\r\n");
        assert_eq!(batch[2].bytes, b"Subject: third\r\n\r\nThird body\r\n");
        assert_eq!(
            batch[0].received_at,
            Some(Utc.with_ymd_and_hms(1996, 1, 3, 1, 5, 34).unwrap())
        );
        assert_eq!(
            batch[1].received_at,
            Some(Utc.with_ymd_and_hms(2024, 2, 12, 10, 0, 0).unwrap())
        );
        assert_eq!(batch[2].received_at, None);
        let items: Vec<Origin> = batch.into_iter().map(|message| message.origin).collect();
        assert_eq!(
            items[2],
            Origin::Archive {
                archive: path.to_string_lossy().into_owned(),
                item: "message 3".into()
            }
        );
        assert!(source.read_batch(10).unwrap().is_empty());
    }

    #[test]
    fn mbox_batches_continue_where_they_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.mbox");
        fs::write(&path, MBOX).unwrap();
        let mut source = ArchiveSource::open(&path).unwrap();
        let got = items(&mut source);
        let names: Vec<&str> = got.iter().map(|(item, _)| item.as_str()).collect();
        assert_eq!(names, vec!["message 1", "message 2", "message 3"]);
    }

    #[test]
    fn mbox_with_crlf_and_long_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crlf.mbox");
        let long = vec![b'x'; 200_000];
        let mut file = File::create(&path).unwrap();
        file.write_all(b"From a@b Sat Jan  3 01:05:34 1996\r\nSubject: a\r\n\r\n")
            .unwrap();
        file.write_all(&long).unwrap();
        // "From " in the middle of a long line is not a separator.
        file.write_all(
            b"From inside\r\n\r\nFrom b@c Sat Jan  3 01:05:35 1996\r\nSubject: b\r\n\r\nx\r\n",
        )
        .unwrap();
        drop(file);
        let batch = ArchiveSource::open(&path).unwrap().read_batch(10).unwrap();
        assert_eq!(batch.len(), 2);
        let mut first = b"Subject: a\r\n\r\n".to_vec();
        first.extend_from_slice(&long);
        first.extend_from_slice(b"From inside\r\n");
        assert_eq!(batch[0].bytes, first);
        assert_eq!(batch[1].bytes, b"Subject: b\r\n\r\nx\r\n");
    }

    #[test]
    fn oversized_items_are_cut_just_above_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.mbox");
        let mut content = b"From a@b Sat Jan  3 01:05:34 1996\n".to_vec();
        content.extend(std::iter::repeat_n(b"0123456789\n".as_slice(), 100).flatten());
        fs::write(&path, &content).unwrap();
        let batch = ArchiveSource::open(&path)
            .unwrap()
            .with_max_item_bytes(50)
            .read_batch(10)
            .unwrap();
        assert_eq!(batch.len(), 1);
        // 51 bytes read, of which 4 bare line ends become CRLF.
        assert_eq!(batch[0].bytes.len(), 55);

        let eml = dir.path().join("big.eml");
        fs::write(&eml, vec![b'a'; 100]).unwrap();
        let batch = ArchiveSource::open(&eml)
            .unwrap()
            .with_max_item_bytes(10)
            .read_batch(10)
            .unwrap();
        assert_eq!(batch[0].bytes.len(), 11);
    }

    #[test]
    fn single_file_and_several_archives_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let single = dir.path().join("one.eml");
        fs::write(&single, b"Subject: alone\n\n").unwrap();
        let mbox = dir.path().join("m.mbox");
        fs::write(&mbox, MBOX).unwrap();
        let empty = dir.path().join("empty.eml");
        fs::write(&empty, b"").unwrap();

        let mut source = ArchiveSource::open_many([&single, &mbox, &empty]).unwrap();
        assert_eq!(
            source.queued_kinds(),
            vec![
                ArchiveKind::SingleFile,
                ArchiveKind::Mbox,
                ArchiveKind::SingleFile
            ]
        );
        let got = items(&mut source);
        let names: Vec<&str> = got.iter().map(|(item, _)| item.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "one.eml",
                "message 1",
                "message 2",
                "message 3",
                "empty.eml"
            ]
        );
        assert!(got[4].1.is_empty());
    }

    #[test]
    fn missing_path_fails_at_open() {
        let error = ArchiveSource::open_many(["/nonexistent/archive.mbox"]).unwrap_err();
        assert!(matches!(error, SourceError::Io { .. }), "{error}");
        assert!(!error.retryable());
    }

    #[test]
    fn file_mtime_is_the_received_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.eml");
        fs::write(&path, b"Subject: x\n\n").unwrap();
        let batch = ArchiveSource::open(&path).unwrap().read_batch(1).unwrap();
        let modified: DateTime<Utc> = fs::metadata(&path).unwrap().modified().unwrap().into();
        assert_eq!(batch[0].received_at, Some(modified));
    }

    #[tokio::test]
    async fn works_as_an_async_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.mbox");
        fs::write(&path, MBOX).unwrap();
        let mut source = ArchiveSource::open(&path).unwrap();
        let first = source.next_batch(2).await.unwrap();
        assert_eq!(first.len(), 2);
        source
            .acknowledge(&[first[0].origin.clone()])
            .await
            .unwrap();
        let rest = source.next_batch(2).await.unwrap();
        assert_eq!(rest.len(), 1);
        assert!(source.next_batch(2).await.unwrap().is_empty());
    }
}
