//! `lea-intake sender …`: the security team's decisions about senders.

use crate::config::Settings;
use crate::store::with_store;
use anyhow::{Context, Result, bail};
use chrono::Utc;
use lea_router::Store;
use lea_router::feedback::{Decision, SenderDecision, normalize_subject};

#[derive(Debug, clap::Subcommand)]
pub enum SenderCommand {
    /// Confirm an address or a domain (with its subdomains) as an impersonator: every
    /// message from it becomes impersonation, and its open cases are re-published to the
    /// security team.
    ConfirmImpersonation(DecisionArgs),
    /// Clear an address or a domain after review: the classifier's impersonation verdict
    /// is overruled for it (except where our own mail server shows a spoof), and its open
    /// cases are re-published.
    Clear(DecisionArgs),
    /// Record an address as a verified agent of its agency (a trust signal on its
    /// messages); its open cases are re-published.
    VerifyAgent(DecisionArgs),
    /// The current decisions.
    List {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct DecisionArgs {
    /// An e-mail address or a domain (Unicode or punycode).
    #[arg(value_name = "ADDRESS_OR_DOMAIN")]
    pub subject: String,
    /// Why: kept with the decision and shown on the cases.
    #[arg(long)]
    pub note: Option<String>,
    /// Who decided (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Leave the re-published cases in the outbox for a running `lea-intake run`.
    #[arg(long)]
    pub no_relay: bool,
}

pub async fn run(settings: Settings, command: SenderCommand) -> Result<i32> {
    let (decision, args) = match command {
        SenderCommand::ConfirmImpersonation(args) => (Decision::Impersonation, args),
        SenderCommand::Clear(args) => (Decision::Cleared, args),
        SenderCommand::VerifyAgent(args) => (Decision::VerifiedAgent, args),
        SenderCommand::List { json } => return list(settings, json).await,
    };
    let subject = normalize_subject(&args.subject, decision)?;
    if args
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > 2_000)
    {
        bail!("--note is limited to 2000 characters");
    }
    let decision = SenderDecision {
        subject,
        decision,
        note: args.note,
        decided_by: args.by.or_else(|| std::env::var("USER").ok()),
        decided_at: Utc::now(),
    };
    let options = settings.case_options()?;
    with_store!(&settings.database.url, store => {
        store.migrate().await.context("migrating the database")?;
        let outcome = store.decide_sender(&decision, &options, Utc::now()).await?;
        println!(
            "{} is now {}; {} open cases re-published{}",
            decision.subject,
            decision.decision.as_str(),
            outcome.republished.len(),
            if outcome.republished.is_empty() {
                String::new()
            } else {
                format!(": {}", outcome.republished.join(", "))
            }
        );
        if !args.no_relay && !outcome.republished.is_empty() {
            return super::publish_pending(&store, &settings).await;
        }
    });
    Ok(0)
}

async fn list(settings: Settings, json: bool) -> Result<i32> {
    let decisions = with_store!(&settings.database.url, store => {
        store.migrate().await.context("migrating the database")?;
        store.list_sender_decisions().await?
    });
    if json {
        for d in &decisions {
            println!("{}", serde_json::to_string(d)?);
        }
    } else if decisions.is_empty() {
        println!("no decisions recorded");
    } else {
        println!(
            "{:<40} {:<15} {:<20} {:<12} NOTE",
            "SUBJECT", "DECISION", "DECIDED", "BY"
        );
        for d in &decisions {
            println!(
                "{:<40} {:<15} {:<20} {:<12} {}",
                d.subject,
                d.decision.as_str(),
                d.decided_at.format("%Y-%m-%d %H:%M"),
                d.decided_by.as_deref().unwrap_or("-"),
                d.note.as_deref().unwrap_or("")
            );
        }
    }
    Ok(0)
}
