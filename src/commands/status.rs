//! `lea-intake status`: what the database says about each configured mailbox (who works
//! it and until when, the last fetch and the backlog it saw, the last error, the cursor)
//! and about the outbox and the acknowledgements. Read-only; it works while `run` processes are busy.

use crate::config::Settings;
use crate::store::with_store;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use lea_router::ack::AckStore;
use lea_router::{MailboxState, StoreStats};
use serde::Serialize;

/// The `--json` document. Times are RFC 3339 in UTC; a missing value is null.
#[derive(Debug, Serialize)]
struct Report {
    generated_at: DateTime<Utc>,
    mailboxes: Vec<MailboxReport>,
    outbox: OutboxReport,
    /// Acknowledgements by status (`skipped` ones say why in the database).
    acknowledgements: Option<AckReport>,
}

#[derive(Debug, Serialize)]
struct AckReport {
    pending: i64,
    sent: i64,
    failed: i64,
    skipped: i64,
}

#[derive(Debug, Serialize)]
struct MailboxReport {
    name: String,
    folder: String,
    lease: Option<LeaseReport>,
    last_fetch_at: Option<DateTime<Utc>>,
    /// Messages waiting in the folder at the last fetch.
    backlog: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
    cursor: Option<CursorReport>,
}

#[derive(Debug, Serialize)]
struct LeaseReport {
    /// `host:pid:random` of the `run` process.
    holder: String,
    acquired_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// False once expired: the holder is gone and another process may take over.
    live: bool,
}

#[derive(Debug, Serialize)]
struct CursorReport {
    uid_validity: u32,
    last_uid: u32,
}

#[derive(Debug, Serialize)]
struct OutboxReport {
    pending: i64,
    sent: i64,
}

pub async fn run(settings: Settings, json: bool) -> Result<i32> {
    let report = with_store!(&settings.database.url, store => collect(&store, &settings).await?);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(0)
}

async fn collect<S: AckStore>(store: &S, settings: &Settings) -> Result<Report> {
    let hint = "reading the database (is its schema up to date? see `lea-intake migrate`)";
    let states = store.mailbox_states().await.context(hint)?;
    let stats = store.stats().await.context(hint)?;
    let acks = store.ack_counts().await.context(hint)?;
    let mut report = report(settings, states, &stats, Utc::now());
    report.acknowledgements = Some(AckReport {
        pending: acks.pending,
        sent: acks.sent,
        failed: acks.failed,
        skipped: acks.skipped,
    });
    Ok(report)
}

fn report(
    settings: &Settings,
    states: Vec<MailboxState>,
    stats: &StoreStats,
    now: DateTime<Utc>,
) -> Report {
    let mailboxes = settings
        .mailboxes
        .iter()
        .map(|m| {
            let state = states
                .iter()
                .find(|s| s.mailbox == m.name)
                .cloned()
                .unwrap_or_default();
            MailboxReport {
                name: m.name.clone(),
                folder: m.folder.clone(),
                lease: state.lease.map(|l| LeaseReport {
                    live: l.expires_at > now,
                    holder: l.holder,
                    acquired_at: l.acquired_at,
                    expires_at: l.expires_at,
                }),
                last_fetch_at: state.last_fetch_at,
                backlog: state.backlog,
                last_error: state.last_error,
                last_error_at: state.last_error_at,
                // Only the configured folder's: the name may have read others before.
                cursor: state
                    .cursors
                    .iter()
                    .find(|c| c.folder == m.folder)
                    .map(|c| CursorReport {
                        uid_validity: c.cursor.uid_validity,
                        last_uid: c.cursor.last_uid,
                    }),
            }
        })
        .collect();
    Report {
        generated_at: now,
        mailboxes,
        outbox: OutboxReport {
            pending: stats.outbox_pending,
            sent: stats.outbox_sent,
        },
        acknowledgements: None,
    }
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}

/// One line per mailbox; the last error, which can be long, is cut to fit a terminal.
fn table(report: &Report) -> String {
    let header = [
        "MAILBOX",
        "HOLDER",
        "LEASE UNTIL",
        "LAST FETCH",
        "BACKLOG",
        "CURSOR",
        "LAST ERROR",
    ];
    let rows: Vec<[String; 7]> = report
        .mailboxes
        .iter()
        .map(|m| {
            let (holder, until) = match &m.lease {
                Some(l) => (
                    l.holder.clone(),
                    format!(
                        "{}{}",
                        time(Some(l.expires_at)),
                        if l.live { "" } else { " (expired)" }
                    ),
                ),
                None => ("-".into(), "-".into()),
            };
            let error = match (&m.last_error, m.last_error_at) {
                (Some(e), at) => {
                    let line = e.replace(['\r', '\n'], " ");
                    let cut: String = line.chars().take(80).collect();
                    let more = if cut.len() < line.len() { "..." } else { "" };
                    format!("{} {cut}{more}", time(at))
                }
                (None, _) => "-".into(),
            };
            [
                format!("{} ({})", m.name, m.folder),
                holder,
                until,
                time(m.last_fetch_at),
                m.backlog.map_or_else(|| "-".into(), |b| b.to_string()),
                m.cursor.as_ref().map_or_else(
                    || "-".into(),
                    |c| format!("{}/{}", c.uid_validity, c.last_uid),
                ),
                error,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    if rows.is_empty() {
        line(&["no [[mailboxes]] configured"]);
    } else {
        line(&header);
        for row in &rows {
            line(&row.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
    out.push_str(&format!(
        "\noutbox: {} pending, {} sent\n",
        report.outbox.pending, report.outbox.sent
    ));
    if let Some(a) = &report.acknowledgements {
        out.push_str(&format!(
            "acknowledgements: {} pending, {} sent, {} failed, {} skipped\n",
            a.pending, a.sent, a.failed, a.skipped
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lea_router::{FolderCursor, MailboxLease, StoredCursor};

    fn settings() -> Settings {
        let toml = r#"
[[mailboxes]]
name = "lea"
host = "imap.example.com"
username = "u"
password_env = "X"
[[mailboxes]]
name = "quiet"
host = "imap.example.com"
username = "u"
password_env = "X"
"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, toml).unwrap();
        Settings::load(Some(&path)).unwrap()
    }

    #[test]
    fn reports_every_configured_mailbox_and_the_outbox() {
        let now = Utc::now();
        let states = vec![
            MailboxState {
                mailbox: "lea".into(),
                lease: Some(MailboxLease {
                    holder: "h:1:x".into(),
                    acquired_at: now,
                    expires_at: now - chrono::Duration::seconds(1),
                }),
                last_fetch_at: Some(now),
                backlog: Some(3),
                last_error: Some("login\nrefused".into()),
                last_error_at: Some(now),
                cursors: vec![
                    FolderCursor {
                        folder: "Old".into(),
                        cursor: StoredCursor {
                            uid_validity: 1,
                            last_uid: 1,
                        },
                    },
                    FolderCursor {
                        folder: "INBOX".into(),
                        cursor: StoredCursor {
                            uid_validity: 9,
                            last_uid: 42,
                        },
                    },
                ],
            },
            MailboxState {
                mailbox: "unconfigured".into(),
                ..Default::default()
            },
        ];
        let stats = StoreStats {
            outbox_pending: 2,
            outbox_sent: 5,
            ..Default::default()
        };
        let report = report(&settings(), states, &stats, now);
        let json = serde_json::to_value(&report).unwrap();
        let lea = &json["mailboxes"][0];
        assert_eq!(lea["name"], "lea");
        assert_eq!(lea["lease"]["holder"], "h:1:x");
        assert_eq!(lea["lease"]["live"], false);
        assert_eq!(lea["backlog"], 3);
        assert_eq!(lea["cursor"]["last_uid"], 42);
        let quiet = &json["mailboxes"][1];
        assert_eq!(quiet["name"], "quiet");
        assert!(quiet["lease"].is_null() && quiet["cursor"].is_null());
        assert_eq!(json["mailboxes"].as_array().unwrap().len(), 2);
        assert_eq!(json["outbox"]["pending"], 2);
        assert_eq!(json["outbox"]["sent"], 5);

        let text = table(&report);
        assert!(text.contains("h:1:x"), "{text}");
        assert!(text.contains("(expired)"), "{text}");
        assert!(text.contains("9/42"), "{text}");
        assert!(text.contains("login refused"), "{text}");
        assert!(text.contains("outbox: 2 pending, 5 sent"), "{text}");
    }
}
