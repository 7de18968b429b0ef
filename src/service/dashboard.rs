//! The progress of every unit in a round (Tiến độ): submitted, in progress, not started,
//! late — for administrators and viewers, and for appraisers over the units they appraise.

use serde::Serialize;

use super::Result;
use crate::domain::Clock;
use crate::domain::access::Actor;
use crate::domain::collation::compare_vi;
use crate::domain::deadline::{Phase, access};
use crate::store::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đã gửi.
    Submitted,
    /// Đang chấm.
    InProgress,
    /// Chưa bắt đầu.
    NotStarted,
    /// Quá hạn: not submitted and locked.
    Late,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Submitted => "Đã gửi",
            Status::InProgress => "Đang chấm",
            Status::NotStarted => "Chưa bắt đầu",
            Status::Late => "Quá hạn",
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
}

/// Every unit of the round that `actor` may see, by tier, in Vietnamese name order.
pub async fn round_progress(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<UnitProgress>> {
    let now = clock.now();
    let round = store.round(round_id).await?;
    let scored = store.scored_counts(round_id).await?;
    let submitted = store.submissions(round_id).await?;
    let mut out = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let leaves = set.leaves().filter(|n| !n.is_survey()).count() as i64;
        let mut units = store.units(Some(tier.tier_id)).await?;
        units.retain(|u| actor.may_view_unit(u.id));
        units.sort_by(|a, b| compare_vi(&a.name, &b.name));
        for unit in units {
            let overrides = store
                .overrides(round_id, unit.id, Phase::SelfAssessment)
                .await?;
            let gate = access(
                Phase::SelfAssessment,
                round.phases.get(&Phase::SelfAssessment),
                &overrides,
                now,
            );
            let count = scored.get(&unit.id).copied().unwrap_or(0);
            let status = if submitted.contains_key(&unit.id) {
                Status::Submitted
            } else if !gate.open && gate.effective_deadline.is_some_and(|d| now > d) {
                Status::Late
            } else if count > 0 {
                Status::InProgress
            } else {
                Status::NotStarted
            };
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
            });
        }
    }
    Ok(out)
}
