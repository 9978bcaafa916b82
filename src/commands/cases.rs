//! `lea-intake cases due`: open cases by urgency.

use crate::config::Settings;
use crate::store::with_store;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use lea_router::Store;
use lea_router::store::DueCase;

#[derive(Debug, clap::Subcommand)]
pub enum CasesCommand {
    /// Open cases due within DAYS (default 7), overdue ones first, the most urgent on top.
    /// Exit code 3 when a case is overdue, so a cron job can alert on it.
    Due {
        /// How far ahead to look, in days.
        #[arg(long, value_name = "DAYS", default_value_t = 7)]
        within: u32,
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(settings: Settings, command: CasesCommand) -> Result<i32> {
    let CasesCommand::Due { within, json } = command;
    let now = Utc::now();
    let until = now + Duration::days(i64::from(within));
    let cases = with_store!(&settings.database.url, store => {
        store.migrate().await.context("migrating the database")?;
        store.cases_due(until).await?
    });
    let overdue = cases.iter().filter(|c| c.due_at <= now).count();
    if json {
        for case in &cases {
            let mut value = serde_json::to_value(case)?;
            value["state"] = state(case, now).into();
            println!("{value}");
        }
    } else if cases.is_empty() {
        println!("no open case is due within {within} days");
    } else {
        println!(
            "{:<18} {:<8} {:<22} {:<14} {:<22} SUBJECT",
            "REFERENCE", "STATE", "KIND", "VERDICT", "DUE"
        );
        for case in &cases {
            println!(
                "{:<18} {:<8} {:<22} {:<14} {:<22} {}",
                case.reference,
                state(case, now),
                case.kind,
                case.verdict,
                format!(
                    "{} ({})",
                    case.due_at.format("%Y-%m-%d %H:%M"),
                    left(case.due_at, now)
                ),
                case.subject
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect::<String>()
            );
        }
        println!("{} cases, {overdue} overdue", cases.len());
    }
    Ok(if overdue > 0 { 3 } else { 0 })
}

fn state(case: &DueCase, now: DateTime<Utc>) -> &'static str {
    if case.due_at <= now { "overdue" } else { "due" }
}

/// "in 3d", "in 5h", "2d late".
fn left(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = due - now;
    let (amount, late) = if delta < Duration::zero() {
        (-delta, true)
    } else {
        (delta, false)
    };
    let text = if amount >= Duration::days(1) {
        format!("{}d", amount.num_days())
    } else {
        format!("{}h", amount.num_hours())
    };
    if late {
        format!("{text} late")
    } else {
        format!("in {text}")
    }
}
