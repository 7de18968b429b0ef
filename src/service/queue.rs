//! The appraiser's queue (danh sách thẩm định): the units in their scope, where each stands
//! in the appraisal, and how many leaves are left for them to appraise.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Context, Result, ServiceError, Who};
use crate::domain::Phase;
use crate::domain::access::Role;
use crate::domain::collation::sort_vi;

/// Where a unit stands for its appraisers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueStatus {
    /// The unit has not submitted its self-assessment, whatever was appraised: still
    /// self-assessing, withdrawn or reopened, or locked by its deadline without
    /// submitting (then it is appraised as it stands; see [`QueueLine::locked`]).
    NotSubmitted,
    /// Submitted, not yet appraised.
    Submitted,
    InRound1,
    /// Round 1 asked for explanations the unit has not all answered.
    ExplanationRequested,
    /// Every explanation asked for is answered: round 2 may look at them.
    Answered,
    InRound2,
    Done,
}

impl QueueStatus {
    pub const ALL: [QueueStatus; 7] = [
        QueueStatus::NotSubmitted,
        QueueStatus::Submitted,
        QueueStatus::InRound1,
        QueueStatus::ExplanationRequested,
        QueueStatus::Answered,
        QueueStatus::InRound2,
        QueueStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::NotSubmitted => "not_submitted",
            QueueStatus::Submitted => "submitted",
            QueueStatus::InRound1 => "in_round1",
            QueueStatus::ExplanationRequested => "explanation_requested",
            QueueStatus::Answered => "answered",
            QueueStatus::InRound2 => "in_round2",
            QueueStatus::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QueueStatus::NotSubmitted => "Chưa gửi tự đánh giá",
            QueueStatus::Submitted => "Đã gửi, chờ thẩm định",
            QueueStatus::InRound1 => "Đang thẩm định lần 1",
            QueueStatus::ExplanationRequested => "Đã yêu cầu giải trình",
            QueueStatus::Answered => "Đã giải trình",
            QueueStatus::InRound2 => "Đang thẩm định lần 2",
            QueueStatus::Done => "Đã thẩm định xong",
        }
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QueueLine {
    pub unit_id: i64,
    pub unit_name: String,
    pub tier_name: String,
    pub status: QueueStatus,
    pub status_label: &'static str,
    /// Not submitted and past its own deadline (extensions included): locked as it
    /// stands, and appraised so (its leaves left empty count zero).
    pub locked: bool,
    /// Leaves in the appraiser's scope (their areas, and what the round assigns to their
    /// department) that are scored by the unit.
    pub leaves: usize,
    /// Of those, how many still wait for this stage of the appraisal.
    pub left: usize,
    pub explanations_requested: usize,
    pub explanations_answered: usize,
}

/// Narrows the queue: a status, a tier (by name), words of a unit's name.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Only units in this status (`submitted`, `in_round1`, `done`, …).
    #[param(inline, value_type = Option<QueueStatus>)]
    pub status: Option<String>,
    /// Only units of this tier (its name).
    pub tier: Option<String>,
    /// Words of a unit's name, with or without tones.
    pub q: Option<String>,
}

/// The queue of round `round_id` for an appraiser (their scope) or an administrator
/// (every unit), filtered; with the count of every status before the status filter.
pub async fn queue(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    filter: &QueueFilter,
) -> Result<(Vec<QueueLine>, BTreeMap<&'static str, usize>)> {
    let (store, actor) = (&ctx.store, &who.actor);
    if !matches!(actor.role, Role::Appraiser | Role::Admin) {
        return Err(ServiceError::Forbidden(
            "Danh sách thẩm định dành cho thành viên thẩm định.".into(),
        ));
    }
    let round = store.round(round_id).await?;
    if round.opened_at.is_none() && !actor.is_admin() {
        return Err(ServiceError::NotFound(format!("kỳ đánh giá #{round_id}")));
    }
    let submitted = store.submissions(round_id).await?;
    let mut marks: BTreeMap<i64, Vec<(i64, String, bool, bool)>> = BTreeMap::new();
    for (unit, n, leaf, scored, asked) in store.appraisal_marks(round_id).await? {
        marks
            .entry(unit)
            .or_default()
            .push((n, leaf, scored, asked));
    }
    let written: BTreeSet<(i64, String)> = store
        .explanations_written(round_id)
        .await?
        .into_iter()
        .collect();

    // Past its own deadline (extensions included) without submitting: to appraise as is.
    let mut granted = store
        .round_overrides(round.id, Phase::SelfAssessment)
        .await?;
    let mut past_deadline = |unit_id: i64| {
        let overrides = granted.remove(&unit_id).unwrap_or_default();
        let gate = crate::domain::deadline::access(
            Phase::SelfAssessment,
            round.phases.get(&Phase::SelfAssessment),
            &overrides,
            who.now,
        )
        .unless_published(round.published_at);
        !gate.open && gate.effective_deadline.is_some_and(|d| who.now > d)
    };
    let exemptions = store.exemptions(round.id, None).await?;
    let assignments = super::departments::round_assignments(store, round.id).await?;
    let mut lines = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let assigned = assignments.get(&tier.tier_id).cloned().unwrap_or_default();
        let mut units = store.round_units(round.id, Some(tier.tier_id)).await?;
        units.retain(|u| actor.is_admin() || actor.may_appraise_unit_in(u.id, &assigned));
        sort_vi(&mut units, |u| &u.name);
        for unit in units {
            let exempt: Vec<crate::store::Exemption> = (exemptions.iter())
                .filter(|e| e.unit_id == unit.id)
                .cloned()
                .collect();
            let in_scope: BTreeSet<&str> = set
                .leaves()
                .filter(|n| !n.is_survey() && crate::store::covering(&exempt, &n.code).is_none())
                .filter(|n| actor.is_admin() || actor.may_appraise(unit.id, &n.code, &assigned))
                .map(|n| n.code.as_str())
                .collect();
            let mine = marks.get(&unit.id).map(Vec::as_slice).unwrap_or_default();
            let of = |round: i64, want: fn(&(i64, String, bool, bool)) -> bool| -> BTreeSet<&str> {
                mine.iter()
                    .filter(|m| m.0 == round && want(m) && in_scope.contains(m.1.as_str()))
                    .map(|m| m.1.as_str())
                    .collect()
            };
            let round1 = of(1, |m| m.2);
            let asked = of(1, |m| m.3);
            let round2 = of(2, |m| m.2);
            let answered = asked
                .iter()
                .filter(|leaf| written.contains(&(unit.id, leaf.to_string())))
                .count();
            let reappraised = asked.iter().filter(|l| round2.contains(*l)).count();
            let round1_done = !in_scope.is_empty() && round1.len() >= in_scope.len();
            let has_submitted = submitted.contains_key(&unit.id);
            let locked = !has_submitted && past_deadline(unit.id);
            // What was appraised never makes a unit that did not submit look submitted
            // or done: it may have withdrawn, been reopened, or been locked as it stood.
            let status = if !has_submitted {
                QueueStatus::NotSubmitted
            } else if round1_done && reappraised >= asked.len() {
                QueueStatus::Done
            } else if !round2.is_empty() {
                QueueStatus::InRound2
            } else if !round1.is_empty() && !round1_done {
                // Leaves of round 1 still wait, whatever was already sent back.
                QueueStatus::InRound1
            } else if !asked.is_empty() && answered >= asked.len() {
                QueueStatus::Answered
            } else if !asked.is_empty() {
                QueueStatus::ExplanationRequested
            } else {
                QueueStatus::Submitted
            };
            let left = if round1_done {
                asked.len() - reappraised
            } else {
                in_scope.len() - round1.len()
            };
            lines.push(QueueLine {
                unit_id: unit.id,
                unit_name: unit.name,
                tier_name: tier.tier_name.clone(),
                status,
                status_label: status.label(),
                locked,
                leaves: in_scope.len(),
                left,
                explanations_requested: asked.len(),
                explanations_answered: answered,
            });
        }
    }
    let filled = crate::domain::text::filled;
    if let Some(tier) = filled(&filter.tier) {
        lines.retain(|l| l.tier_name == tier);
    }
    if let Some(q) = filled(&filter.q) {
        lines.retain(|l| crate::domain::collation::matches_search(&l.unit_name, &q));
    }
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for line in &lines {
        *counts.entry(line.status.as_str()).or_default() += 1;
    }
    if let Some(status) = filled(&filter.status) {
        let known = QueueStatus::ALL.iter().any(|s| s.as_str() == status);
        if !known {
            return Err(ServiceError::Invalid(format!(
                "Trạng thái «{status}» không có trong danh sách (trường «status»)."
            )));
        }
        lines.retain(|l| l.status.as_str() == status);
    }
    Ok((lines, counts))
}
