//! JSON-lines sink: one event per line, appended to a file, fsynced per publish call.
//!
//! An event is `Confirmed` once its line is on disk (after `fsync`). A payload that is
//! not valid JSON is `Rejected` and not written, so the file stays readable line by line.
//! The file is opened in append mode: a restart continues it. If a crash left a partial
//! last line, the next write starts on a fresh line so only that one line is damaged.

use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{Delivery, OutboundEvent, Sink, SinkError};

/// Appends events to a JSON-lines file.
pub struct JsonlSink {
    path: PathBuf,
    file: File,
    /// The file does not end with a newline (partial line after a crash or failed write).
    needs_newline: bool,
}

impl JsonlSink {
    /// Opens (creating it and its parent directories if needed) the file for appending.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, SinkError> {
        let path = path.as_ref().to_path_buf();
        let io_error = |source| SinkError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .await
            .map_err(io_error)?;
        let needs_newline = ends_without_newline(&mut file).await.map_err(io_error)?;
        Ok(JsonlSink {
            path,
            file,
            needs_newline,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes).await?;
        self.file.flush().await?;
        self.file.sync_data().await
    }
}

async fn ends_without_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata().await?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(std::io::SeekFrom::Start(len - 1)).await?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last).await?;
    Ok(last != *b"\n")
}

/// The payload as one line, or why it cannot be one.
fn as_line(payload: &[u8]) -> Result<Vec<u8>, String> {
    serde_json::from_slice::<IgnoredAny>(payload)
        .map_err(|error| format!("payload is not valid JSON: {error}"))?;
    // In valid JSON a raw CR or LF can only be whitespace between tokens (inside strings
    // they must be escaped), so replacing them by spaces keeps the document the same.
    let mut line: Vec<u8> = payload
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect();
    line.push(b'\n');
    Ok(line)
}

impl Sink for JsonlSink {
    async fn publish(&mut self, events: &[OutboundEvent]) -> Result<Vec<Delivery>, SinkError> {
        let mut buffer = Vec::new();
        if self.needs_newline {
            buffer.push(b'\n');
        }
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            match as_line(&event.payload) {
                Ok(line) => {
                    buffer.extend_from_slice(&line);
                    deliveries.push(Delivery::Confirmed);
                }
                Err(reason) => deliveries.push(Delivery::Rejected { reason }),
            }
        }
        if buffer.is_empty() {
            return Ok(deliveries);
        }
        match self.append(&buffer).await {
            Ok(()) => {
                self.needs_newline = false;
                Ok(deliveries)
            }
            Err(source) => {
                // Part of the buffer may be in the file: finish that line before the next write.
                self.needs_newline = true;
                Err(SinkError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64, payload: &str) -> OutboundEvent {
        OutboundEvent {
            outbox_id: n,
            event_id: uuid::Uuid::new_v4(),
            routing_key: "case.verified.subpoena".into(),
            payload: payload.as_bytes().to_vec(),
        }
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn writes_one_line_per_event_and_creates_parent_directories() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a/b/events.jsonl");
        let mut sink = JsonlSink::open(&path).await.expect("open");
        let out = sink
            .publish(&[event(1, r#"{"n":1}"#), event(2, r#"{"n":2,"s":"x\ny"}"#)])
            .await
            .expect("publish");
        assert_eq!(out, vec![Delivery::Confirmed, Delivery::Confirmed]);
        assert_eq!(lines(&path), vec![r#"{"n":1}"#, r#"{"n":2,"s":"x\ny"}"#]);
    }

    #[tokio::test]
    async fn pretty_printed_json_becomes_one_equivalent_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("events.jsonl");
        let mut sink = JsonlSink::open(&path).await.expect("open");
        let pretty = "{\r\n  \"kind\": \"subpoena\",\n  \"targets\": [\n    1\n  ]\n}";
        let out = sink.publish(&[event(1, pretty)]).await.expect("publish");
        assert_eq!(out, vec![Delivery::Confirmed]);
        let written = lines(&path);
        assert_eq!(written.len(), 1);
        let original: serde_json::Value = serde_json::from_str(pretty).expect("json");
        let line: serde_json::Value = serde_json::from_str(&written[0]).expect("line is json");
        assert_eq!(original, line);
    }

    #[tokio::test]
    async fn invalid_json_is_rejected_and_not_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("events.jsonl");
        let mut sink = JsonlSink::open(&path).await.expect("open");
        let out = sink
            .publish(&[event(1, "{\"a\":1}"), event(2, "{\"broken\n"), event(3, "")])
            .await
            .expect("publish");
        assert_eq!(out[0], Delivery::Confirmed);
        assert!(
            matches!(&out[1], Delivery::Rejected { reason } if reason.contains("not valid JSON"))
        );
        assert!(matches!(out[2], Delivery::Rejected { .. }));
        assert_eq!(lines(&path), vec!["{\"a\":1}"]);
    }

    #[tokio::test]
    async fn reopening_appends_and_repairs_a_partial_last_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("events.jsonl");
        {
            let mut sink = JsonlSink::open(&path).await.expect("open");
            sink.publish(&[event(1, "1")]).await.expect("publish");
        }
        // A crash in the middle of a write leaves a line without its end.
        {
            use std::io::Write;
            let mut raw = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .expect("reopen");
            raw.write_all(b"{\"cut").expect("write");
        }
        let mut sink = JsonlSink::open(&path).await.expect("open again");
        sink.publish(&[event(2, "2"), event(3, "3")])
            .await
            .expect("publish");
        assert_eq!(lines(&path), vec!["1", "{\"cut", "2", "3"]);
    }

    #[tokio::test]
    async fn an_empty_call_writes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("events.jsonl");
        let mut sink = JsonlSink::open(&path).await.expect("open");
        assert!(sink.publish(&[]).await.expect("publish").is_empty());
        assert_eq!(std::fs::metadata(&path).expect("file").len(), 0);
    }

    #[tokio::test]
    async fn a_directory_path_is_a_permanent_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = match JsonlSink::open(dir.path()).await {
            Err(error) => error,
            Ok(_) => panic!("opened a directory as a file"),
        };
        assert!(!error.retryable(), "{error}");
    }
}
