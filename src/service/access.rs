//! The checks a use case runs before it reads or writes a unit's data in a round: a round
//! in preparation is hidden from all but administrators, a unit must be a member of the
//! round, the self-assessment and explanation windows (with the unit's extensions) decide
//! when it may write, and an appraiser reads a unit only once it has submitted or its
//! deadline has passed. Each check answers with the refusal the caller passes on.
//!
//! They live here, apart from the use cases, so that the use cases (self-assessment,
//! evidence, explanations, appraisal, results, exports, ...) depend on these checks and
//! not on one another.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::access::Actor;
use crate::domain::deadline::{Access, Phase, access};
use crate::domain::{Clock, CriteriaSet};
use crate::store::{Refusal, Round, Store, StoreError, Unit};

use super::{Result, ServiceError};

/// Refuses a round in preparation to anyone but an administrator, as if it did not exist.
pub fn ensure_opened(round: &Round, actor: &crate::domain::access::Actor) -> Result<()> {
    if round.opened_at.is_none() && !actor.is_admin() {
        return Err(ServiceError::NotFound(format!("kỳ đánh giá #{}", round.id)));
    }
    Ok(())
}

/// The round, the unit, and the criteria set the unit is scored on in that round.
pub(crate) async fn unit_in_round(
    store: &Store,
    round_id: i64,
    unit_id: i64,
) -> Result<(Round, Unit, Arc<CriteriaSet>)> {
    let round = store.round(round_id).await?;
    // A round in preparation has no unit data to read or write yet, for anyone.
    if round.opened_at.is_none() {
        return Err(ServiceError::NotFound(format!(
            "kỳ đánh giá #{round_id} (đang chuẩn bị, chưa mở cho các đơn vị)"
        )));
    }
    let mut unit = store.unit(unit_id).await?;
    // The round's own members, in the tier each is ranked in there: not the directory's
    // units of today (a unit created or moved later is not in a round it did not join).
    let member_tier = store.member_tier(round_id, unit_id).await?;
    let tier = member_tier
        .and_then(|id| round.tiers.iter().find(|t| t.tier_id == id))
        .ok_or_else(|| {
            ServiceError::Invalid(format!(
                "Đơn vị {} không tham gia kỳ đánh giá này.",
                unit.name
            ))
        })?;
    unit.tier_id = tier.tier_id;
    let set = store.criteria_set(tier.set_id).await?.set;
    Ok((round, unit, set))
}

/// Whether the unit may write its self-assessment at `now`, and the sentence that says so.
pub(crate) async fn self_assessment_access_at(
    store: &Store,
    round: &Round,
    unit_id: i64,
    now: DateTime<Utc>,
) -> Result<Access> {
    let overrides = store
        .overrides(round.id, unit_id, Phase::SelfAssessment)
        .await?;
    Ok(access(
        Phase::SelfAssessment,
        round.phases.get(&Phase::SelfAssessment),
        &overrides,
        now,
    )
    .unless_published(round.published_at))
}

/// Whether the unit may write its self-assessment now.
///
/// Public for the tests that read a unit's deadline gate without a request
/// (`tests/api/self_assessment.rs`, `tests/api/demo.rs`).
pub async fn self_assessment_access(
    store: &Store,
    clock: &dyn Clock,
    round_id: i64,
    unit_id: i64,
) -> Result<Access> {
    let round = store.round(round_id).await?;
    self_assessment_access_at(store, &round, unit_id, clock.now()).await
}

/// Refuses unless `actor` may read the unit's self-assessment (and its evidence) at `now`:
/// its own people, administrators, viewers, and appraisers in scope once the unit has
/// submitted or its deadline has passed. Returns the deadline gate and the submission.
pub(crate) async fn ensure_viewable(
    store: &Store,
    actor: &Actor,
    round: &Round,
    unit_id: i64,
    now: DateTime<Utc>,
) -> Result<(Access, Option<DateTime<Utc>>)> {
    if !actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Tài khoản này không được xem tự đánh giá của đơn vị này.".into(),
        ));
    }
    let gate = self_assessment_access_at(store, round, unit_id, now).await?;
    let submitted_at = store.submission(round.id, unit_id).await?;
    if actor.role == crate::domain::access::Role::Appraiser && submitted_at.is_none() && gate.open {
        return Err(ServiceError::Forbidden(
            "Thành viên thẩm định chỉ xem được tự đánh giá sau khi đơn vị đã gửi hoặc đã hết hạn."
                .into(),
        ));
    }
    Ok((gate, submitted_at))
}

/// Refuses unless the unit's self-assessment is open at `now` and not submitted.
pub(crate) async fn ensure_editable(
    store: &Store,
    round: &Round,
    unit: &Unit,
    now: DateTime<Utc>,
) -> Result<()> {
    // The same refusals, in the same words, as the write's own check in its transaction
    // (`store::Guard`); this one answers before any work is done.
    match why_locked(store, round, unit.id, now).await? {
        Some(r) => Err(ServiceError::from(StoreError::Refused(r))),
        None => Ok(()),
    }
}

/// Why the unit's self-assessment cannot be written at `now` (published, closed,
/// submitted, in the order the write's guard checks them), or `None` when it can.
pub(crate) async fn why_locked(
    store: &Store,
    round: &Round,
    unit_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Refusal>> {
    if let Some(at) = round.published_at {
        return Ok(Some(Refusal::Published(at)));
    }
    let gate = self_assessment_access_at(store, round, unit_id, now).await?;
    if !gate.open {
        return Ok(Some(Refusal::Closed(gate)));
    }
    Ok(store
        .submission(round.id, unit_id)
        .await?
        .map(Refusal::Submitted))
}

/// Whether the unit may write explanations now.
pub(crate) async fn explanation_access(
    store: &Store,
    round_id: i64,
    unit_id: i64,
    now: DateTime<Utc>,
) -> Result<Access> {
    let round = store.round(round_id).await?;
    let overrides = store
        .overrides(round_id, unit_id, Phase::Explanation)
        .await?;
    Ok(access(
        Phase::Explanation,
        round.phases.get(&Phase::Explanation),
        &overrides,
        now,
    )
    .unless_published(round.published_at))
}

/// Refuses an answer (or a file with it) about `leaf_code` unless the unit was asked about
/// it, the explanation window is open for the unit, and the results are not published.
pub(super) async fn ensure_answerable(
    store: &Store,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let (round, _, _) = unit_in_round(store, round_id, unit_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể giải trình thêm.".into(),
        ));
    }
    let gate = explanation_access(store, round_id, unit_id, now).await?;
    if !gate.open {
        return Err(ServiceError::Locked(gate.message));
    }
    if !store
        .explanation_requests(round_id, unit_id)
        .await?
        .iter()
        .any(|l| l == leaf_code)
    {
        return Err(ServiceError::Invalid(format!(
            "Tiêu chí {leaf_code} không có yêu cầu giải trình; chỉ giải trình các tiêu chí được yêu cầu."
        )));
    }
    Ok(())
}
