//! A round's members (đơn vị tham gia kỳ đánh giá): the fixed list of units it evaluates.
//! Taken from the directory when the round is created; while the round is in preparation
//! or its self-assessment is open the administrator adds or takes out a unit with a
//! reason; afterwards only by a decision (quyết định) named in the request; never after
//! publication. Every change is audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::collation::sort_vi;
use crate::domain::deadline::{Phase, format_instant};
use crate::domain::text::{limit, multiline, one_line};
use crate::store::{MemberChange, Round};

/// Whether a round's members may still change without a decision: it is in preparation,
/// or its self-assessment has not closed (a round without that phase counts as open).
pub fn open_to_changes(round: &Round, now: DateTime<Utc>) -> bool {
    round.published_at.is_none()
        && (round.opened_at.is_none()
            || round
                .phases
                .get(&Phase::SelfAssessment)
                .is_none_or(|w| now <= w.closes_at))
}

/// An administrator's change of a round's members.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct MemberRequest {
    pub unit_id: i64,
    /// Why the unit joins or leaves (required).
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
    /// The decision that allows it once the self-assessment has closed, e.g.
    /// «Quyết định số 15/QĐ-SNV ngày 20/01/2024»; not needed before.
    #[serde(default)]
    #[schema(max_length = 255, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub decision: String,
}

/// Adds a unit to a round or takes it out, by the rules above.
pub async fn change(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    change: MemberChange,
    request: MemberRequest,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check(&request)?;
    let round = ctx.store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; danh sách đơn vị không thay đổi được nữa.".into(),
        ));
    }
    let reason = request.reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::Invalid(match change {
            MemberChange::Add => "Cần ghi lý do thêm đơn vị vào kỳ đánh giá.".into(),
            MemberChange::Remove => "Cần ghi lý do đưa đơn vị ra khỏi kỳ đánh giá.".into(),
        }));
    }
    let decision = request.decision.trim();
    if !open_to_changes(&round, who.now) && decision.is_empty() {
        let closed = round
            .phases
            .get(&Phase::SelfAssessment)
            .map(|w| format_instant(w.closes_at))
            .unwrap_or_default();
        return Err(ServiceError::Unconfirmed {
            code: "decision_required",
            message: format!(
                "Thời gian tự chấm điểm đã kết thúc lúc {closed}: chỉ thay đổi danh sách đơn vị \
                 theo quyết định. Ghi số và ngày của quyết định vào ô «Theo quyết định»."
            ),
        });
    }
    let unit = ctx.store.unit(request.unit_id).await?;
    if change == MemberChange::Add && unit.active == 0 {
        return Err(ServiceError::Conflict(format!(
            "{} đã ngừng hoạt động trong danh mục; không thêm vào kỳ đánh giá được.",
            unit.name
        )));
    }
    let mut said = format!("{}; lý do: {reason}", unit.name);
    if !decision.is_empty() {
        said.push_str(&format!("; theo {decision}"));
    }
    let audit = crate::store::NewAudit {
        new_value: Some(said),
        ..who.audit()
    };
    Ok(ctx
        .store
        .change_member(round_id, unit.id, change, audit, who.now)
        .await?)
}

/// One unit of a round's members page.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MemberLine {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub tier_name: String,
    /// Retired in the directory since: it stays in the round.
    pub retired: bool,
}

/// A round's members, and the directory's units of its tiers that are not members.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Members {
    pub round_id: i64,
    pub title: String,
    pub published: bool,
    /// Changes need no decision yet (see [`open_to_changes`]).
    pub open_to_changes: bool,
    /// When the self-assessment closes (or closed), as people read it.
    pub self_assessment_closes: Option<String>,
    pub members: Vec<MemberLine>,
    pub others: Vec<MemberLine>,
}

/// The members of a round, for administrators.
pub async fn list(ctx: &Context, who: &Who, round_id: i64) -> Result<Members> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let round = store.round(round_id).await?;
    let (mut members, mut others) = (Vec::new(), Vec::new());
    for tier in &round.tiers {
        let mut inside = store.round_units(round_id, Some(tier.tier_id)).await?;
        sort_vi(&mut inside, |u| &u.name);
        let ids: std::collections::HashSet<i64> = inside.iter().map(|u| u.id).collect();
        let mut outside = store.units(Some(tier.tier_id)).await?;
        outside.retain(|u| !ids.contains(&u.id));
        sort_vi(&mut outside, |u| &u.name);
        let line = |u: crate::store::Unit| MemberLine {
            unit_id: u.id,
            code: u.code,
            name: u.name,
            tier_name: tier.tier_name.clone(),
            retired: u.active == 0,
        };
        members.extend(inside.into_iter().map(line));
        others.extend(outside.into_iter().map(line));
    }
    Ok(Members {
        round_id,
        title: round.title.clone(),
        published: round.published_at.is_some(),
        open_to_changes: open_to_changes(&round, who.now),
        self_assessment_closes: round
            .phases
            .get(&Phase::SelfAssessment)
            .map(|w| format_instant(w.closes_at)),
        members,
        others,
    })
}

/// A round a new unit of a tier joins when it is created (by the form or the directory
/// import): one not published, open to changes, whose tiers include the unit's.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JoinableRound {
    pub id: i64,
    pub title: String,
    /// The codes and names of the tiers taking part.
    pub tiers: Vec<(String, String)>,
}

/// The rounds open to changes, for the forms that create units to name.
pub async fn joinable(ctx: &Context, now: DateTime<Utc>) -> Result<Vec<JoinableRound>> {
    let mut out = Vec::new();
    for (id, _, title) in ctx.store.rounds().await? {
        let round = ctx.store.round(id).await?;
        if open_to_changes(&round, now) {
            out.push(JoinableRound {
                id,
                title,
                tiers: (round.tiers.iter())
                    .map(|t| (t.tier_code.clone(), t.tier_name.clone()))
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// Puts a new unit in every round open to changes that ranks its tier, each audited.
/// Returns the titles of the rounds it joined.
pub async fn join_open_rounds(ctx: &Context, who: &Who, unit_id: i64) -> Result<Vec<String>> {
    let unit = ctx.store.unit(unit_id).await?;
    let mut joined = Vec::new();
    for round in joinable(ctx, who.now).await? {
        let round_full = ctx.store.round(round.id).await?;
        if !round_full.tiers.iter().any(|t| t.tier_id == unit.tier_id) {
            continue;
        }
        if ctx.store.member_tier(round.id, unit_id).await?.is_some() {
            continue;
        }
        let audit = crate::store::NewAudit {
            new_value: Some(format!("{}; lý do: đơn vị mới trong danh mục", unit.name)),
            ..who.audit()
        };
        ctx.store
            .change_member(round.id, unit_id, MemberChange::Add, audit, who.now)
            .await?;
        joined.push(round.title);
    }
    Ok(joined)
}
