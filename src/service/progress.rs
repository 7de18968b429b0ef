//! The progress of every unit in a round (Tiến độ): submitted, in progress, not started,
//! late — for administrators and viewers, and for appraisers over the units they appraise.
//!
//! Counted here once, for the home page ([`super::dashboard`]), the round's progress page
//! and its publication checklist ([`super::rounds`]).

use serde::Serialize;

use super::{Context, Result, Who};
use crate::domain::collation::compare_vi;
use crate::domain::deadline::{Phase, access};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Chưa bắt đầu.
    NotStarted,
    /// Đang chấm.
    InProgress,
    /// Every leaf scored, not yet submitted: the head's approval is what is missing.
    WaitingForHead,
    /// Đã gửi.
    Submitted,
    /// Quá hạn: not submitted and locked.
    Late,
    /// Not submitted, still open only thanks to its own extension or reopening.
    Extended,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::NotStarted,
        Status::InProgress,
        Status::WaitingForHead,
        Status::Submitted,
        Status::Late,
        Status::Extended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::WaitingForHead => "waiting_for_head",
            Status::Submitted => "submitted",
            Status::Late => "late",
            Status::Extended => "extended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "Đã gửi",
            Status::InProgress => "Đang chấm",
            Status::WaitingForHead => "Chờ thủ trưởng duyệt",
            Status::NotStarted => "Chưa bắt đầu",
            Status::Late => "Quá hạn",
            Status::Extended => "Đang gia hạn",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct UnitProgress {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub tier_name: String,
    pub status: Status,
    pub status_label: &'static str,
    pub scored: i64,
    pub leaves: i64,
    /// The unit's own deadline message (extensions included).
    pub deadline: String,
    /// When it submitted («10:00 ngày 05/01/2024»).
    pub submitted_at: Option<String>,
    /// Its own extension or reopening, if any («Gia hạn đến 17:00 ngày 09/01/2024»).
    pub extension: Option<String>,
}

/// Every unit of the round that `actor` may see, by tier, in Vietnamese name order.
pub async fn round_progress(ctx: &Context, who: &Who, round_id: i64) -> Result<Vec<UnitProgress>> {
    let store = &ctx.store;
    let actor = &who.actor;
    let now = who.now;
    let round = store.round(round_id).await?;
    let scored = store.scored_counts(round_id).await?;
    let submitted = store.submissions(round_id).await?;
    let mut overrides = store
        .round_overrides(round_id, Phase::SelfAssessment)
        .await?;
    let exemptions = store.exemptions(round_id, None).await?;
    let mut out = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        // The leaves a unit scores itself: survey leaves and its exempt ones left out.
        let leaves_of = |unit_id: i64| {
            let exempt: Vec<crate::store::Exemption> = (exemptions.iter())
                .filter(|e| e.unit_id == unit_id)
                .cloned()
                .collect();
            (set.leaves())
                .filter(|n| !n.is_survey() && crate::store::covering(&exempt, &n.code).is_none())
                .count() as i64
        };
        let mut units = store.round_units(round_id, Some(tier.tier_id)).await?;
        units.retain(|u| actor.may_view_unit(u.id));
        units.sort_by(|a, b| compare_vi(&a.name, &b.name));
        for unit in units {
            let leaves = leaves_of(unit.id);
            let overrides = overrides.remove(&unit.id).unwrap_or_default();
            let gate = access(
                Phase::SelfAssessment,
                round.phases.get(&Phase::SelfAssessment),
                &overrides,
                now,
            );
            // Entries made before an exemption stay stored but are not counted.
            let count = scored.get(&unit.id).copied().unwrap_or(0).min(leaves);
            let window_open = round
                .phases
                .get(&Phase::SelfAssessment)
                .is_some_and(|w| w.contains(now));
            let status = if submitted.contains_key(&unit.id) {
                Status::Submitted
            } else if !gate.open && gate.effective_deadline.is_some_and(|d| now > d) {
                Status::Late
            } else if gate.open && !window_open && !overrides.is_empty() {
                Status::Extended
            } else if count >= leaves && leaves > 0 {
                Status::WaitingForHead
            } else if count > 0 {
                Status::InProgress
            } else {
                Status::NotStarted
            };
            let extension = overrides
                .iter()
                .max_by_key(|o| o.until)
                .map(|o| o.describe());
            out.push(UnitProgress {
                unit_id: unit.id,
                unit_code: unit.code,
                unit_name: unit.name,
                tier_name: tier.tier_name.clone(),
                status,
                status_label: status.label(),
                scored: count,
                leaves,
                deadline: gate.message,
                submitted_at: submitted
                    .get(&unit.id)
                    .copied()
                    .map(crate::domain::deadline::format_instant),
                extension,
            });
        }
    }
    Ok(out)
}
