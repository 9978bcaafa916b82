//! Events about stored cases that no new message triggers: due-soon and overdue notices,
//! and re-assessments after the security team decided about a sender. Both run inside
//! the caller's transaction, like [`crate::case::commit_batch`], so a notice is queued
//! exactly when its case is marked.

use crate::case::{
    self, CaseOptions, CaseTx, Notice, Reassessment, document_events, reassessed_documents,
    related_by_case, route,
};
use crate::event::event_names;
use crate::feedback::{Decision, SenderDecision, decision_codes};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use lea_classifier::Verdict;
use serde::Serialize;

/// Cases notified per transaction: a backlog (a first start after an outage) is worked
/// in bounded transactions.
pub const NOTICES_PER_TRANSACTION: i64 = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NoticeOutcome {
    pub due_soon: usize,
    pub overdue: usize,
}

/// Queue the notices due at `now` for up to [`NOTICES_PER_TRANSACTION`] cases.
pub async fn queue_due_notices<T: CaseTx>(
    tx: &mut T,
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<NoticeOutcome, StoreError> {
    let mut outcome = NoticeOutcome::default();
    let due = tx.due_notices(now, NOTICES_PER_TRANSACTION).await?;
    if due.is_empty() {
        return Ok(outcome);
    }
    let mut ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let documents = tx.case_documents(&ids).await?;
    let related = related_by_case(tx, &ids).await?;
    let mut events = Vec::with_capacity(due.len());
    for (notice, name) in [
        (Notice::DueSoon, event_names::DUE_SOON),
        (Notice::Overdue, event_names::OVERDUE),
    ] {
        let selected: Vec<case::CaseDocument> = documents
            .iter()
            .filter(|d| due.contains(&(d.case.id, notice)))
            .cloned()
            .collect();
        match notice {
            Notice::DueSoon => outcome.due_soon += selected.len(),
            Notice::Overdue => outcome.overdue += selected.len(),
        }
        events.extend(document_events(tx, &selected, name, options, &related, now).await?);
    }
    tx.mark_notices(&due, now).await?;
    if !events.is_empty() {
        tx.insert_outbox(&events).await?;
    }
    Ok(outcome)
}

/// What a decision changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DecisionOutcome {
    /// The open cases re-published with their re-assessed sender.
    pub republished: Vec<String>,
}

/// Record a decision and re-publish every open case with a message from its subject,
/// re-assessed: a confirmed impersonation moves to the security team's route, a cleared
/// sender back to the reviewers'.
pub async fn decide<T: CaseTx>(
    tx: &mut T,
    decision: &SenderDecision,
    options: &CaseOptions,
    now: DateTime<Utc>,
) -> Result<DecisionOutcome, StoreError> {
    tx.record_decision(decision).await?;
    let mut ids = tx.open_cases_from(&decision.subject).await?;
    ids.sort_unstable();
    ids.dedup();
    let mut outcome = DecisionOutcome::default();
    if ids.is_empty() {
        return Ok(outcome);
    }
    let documents = tx.case_documents(&ids).await?;
    let related = related_by_case(tx, &ids).await?;
    let parsed = reassessed_documents(tx, &documents).await?;
    let mut updates = Vec::with_capacity(parsed.len());
    let mut keys = Vec::with_capacity(parsed.len());
    for (document, _, assessment, case_signals) in &parsed {
        let confirmed = decision.decision == Decision::Impersonation
            || assessment
                .sender
                .signals
                .iter()
                .any(|s| s.code == decision_codes::CONFIRMED_IMPERSONATION);
        let verdict = if confirmed {
            Verdict::Impersonation
        } else {
            assessment.sender.verdict
        };
        let mut routed = assessment.clone();
        routed.sender.verdict = verdict;
        keys.push((
            document.case.id,
            verdict,
            confirmed,
            route(options, &routed, case_signals),
        ));
    }
    for (case_id, verdict, confirmed, key) in &keys {
        updates.push(Reassessment {
            case_id: *case_id,
            verdict: *verdict,
            impersonation_confirmed: *confirmed,
            routing_key: key,
        });
    }
    tx.reassess_cases(&updates).await?;
    // The documents as they now stand: verdict, confirmation and route updated.
    let refreshed: Vec<case::CaseDocument> = documents
        .iter()
        .map(|d| {
            let mut d = d.clone();
            if let Some((_, verdict, confirmed, key)) =
                keys.iter().find(|(id, ..)| *id == d.case.id)
            {
                d.case.verdict = verdict.as_str().to_string();
                d.case.impersonation_confirmed = *confirmed;
                d.case.routing_key = Some(key.clone());
            }
            d
        })
        .collect();
    let events = document_events(
        tx,
        &refreshed,
        event_names::REASSESSED,
        options,
        &related,
        now,
    )
    .await?;
    tx.insert_outbox(&events).await?;
    outcome.republished = refreshed.iter().map(|d| d.case.reference.clone()).collect();
    Ok(outcome)
}
