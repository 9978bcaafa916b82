//! The command line.

use crate::commands::classify::ClassifyArgs;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Intake of law-enforcement data requests from e-mail: watches the LEA mailboxes,
/// verifies senders against a directory of agencies, understands each request, and
/// routes cases to reviewers (suspected impersonation to the security team).
///
/// Without a config file it runs on its embedded default: a SQLite file
/// (lea-intake.db) and a JSON-lines file of cases (cases.jsonl) in the current folder.
#[derive(Debug, Parser)]
#[command(name = "lea-intake", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success; 1 failure (see the error); 2 usage error.\n\
Configuration: --config FILE (or LEA_INTAKE_CONFIG), then LEA_INTAKE_<SECTION>__<KEY> variables.\n\
See config/example.toml for every key."
)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "LEA_INTAKE_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Log format (overrides log.format).
    #[arg(long, global = true, value_name = "human|json")]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch every configured mailbox and relay cases to the sink.
    Run {
        /// Process everything waiting, deliver every case, then exit 0.
        #[arg(long)]
        once: bool,
    },
    /// Import archives (folders of .eml, mbox files, Maildirs), or a folder of a configured
    /// IMAP account (read only: nothing is moved), through the same pipeline. Imported
    /// cases are flagged `imported`, open at the message's own date and get no
    /// acknowledgement. Resumable: what is stored already is skipped.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["paths", "imap"])))]
    Import {
        /// Archives to import.
        #[arg(value_name = "PATH", conflicts_with = "imap")]
        paths: Vec<PathBuf>,
        /// Import from the configured [[mailboxes]] entry of this name instead.
        #[arg(long, value_name = "NAME", requires = "folder")]
        imap: Option<String>,
        /// The IMAP folder to read (with --imap), e.g. "Archive/2023".
        #[arg(long, value_name = "FOLDER", requires = "imap")]
        folder: Option<String>,
        /// Only messages the server received on or after this date (with --imap).
        #[arg(long, value_name = "YYYY-MM-DD", requires = "imap")]
        since: Option<chrono::NaiveDate>,
        /// Do not publish the cases after importing (leave them in the outbox).
        #[arg(long)]
        no_relay: bool,
    },
    /// Classify messages on disk and print the verdicts; no database, no network.
    Classify(ClassifyArgs),
    /// Per configured mailbox: the process working it and its lease, the last fetch, the
    /// backlog, the last error and the cursor; and the outbox counts.
    Status {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create or upgrade the database schema.
    Migrate,
    /// The verified-agency directory: import data, check a sender, list agencies.
    #[command(subcommand)]
    Agencies(crate::agencies::AgenciesCommand),
    /// Cases: which are due.
    #[command(subcommand)]
    Cases(crate::commands::cases::CasesCommand),
    /// The security team's decisions about senders: confirm an impersonator, clear a
    /// sender, verify an agent. Stored in the database, applied to every later message.
    #[command(subcommand)]
    Sender(crate::commands::sender::SenderCommand),
}
