//! The explanation window (giải trình): after appraisal round 1 the unit may answer only
//! the leaves it was asked about, until its own deadline for the phase.

use crate::domain::deadline::{Access, Phase};
use crate::store::Guard;

use super::access::{ensure_answerable, ensure_viewable, explanation_access, unit_in_round};
use super::{Context, Result, ServiceError, Who};

/// The unit answers one flagged leaf.
pub async fn save_explanation(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
    text: &str,
) -> Result<()> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_edit_self_assessment(unit_id) {
        return Err(ServiceError::Forbidden(
            "Chỉ cán bộ và thủ trưởng của đơn vị mới được giải trình.".into(),
        ));
    }
    let now = who.now;
    ensure_answerable(store, round_id, unit_id, leaf_code, now).await?;
    super::check_field("text", crate::domain::text::answer(text))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(ServiceError::Invalid(
            "Nội dung giải trình không được để trống.".into(),
        ));
    }
    store
        .save_explanation(
            &Guard::in_phase(round_id, unit_id, Phase::Explanation),
            leaf_code,
            text,
            who.audit(),
            now,
        )
        .await?;
    super::notices::explanation_answered(ctx, round_id, unit_id, leaf_code, now).await;
    Ok(())
}

/// One leaf the unit was asked about, with the appraiser's note and the unit's answer.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ExplanationRequest)]
pub struct Request {
    pub leaf_code: String,
    pub leaf_text: String,
    /// What the unit gave itself (none when not scored or claimed not applicable).
    pub self_points: Option<crate::domain::Points>,
    pub appraised: Option<crate::domain::Points>,
    /// The unit's figures, and those the appraiser corrected them to (rate and count
    /// leaves), where the appraisal rests on figures.
    pub self_input: Option<crate::domain::LeafInput>,
    pub appraised_input: Option<crate::domain::LeafInput>,
    pub comment: String,
    pub answer: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ExplanationView {
    pub round_id: i64,
    pub round_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub access: Access,
    pub requests: Vec<Request>,
}

/// What the unit was asked and has answered, for whoever may view the unit.
pub async fn view(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<ExplanationView> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Tài khoản này không được xem đơn vị này.".into(),
        ));
    }
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    // The same gate as every other read of the unit: an appraiser only once it has
    // submitted or its deadline has passed.
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let appraisals = store.appraisal_entries(round_id, unit_id).await?;
    let self_entries = store.self_entries(round_id, unit_id).await?;
    let mut answers = store.explanations(round_id, unit_id).await?;
    let requests = store
        .explanation_requests(round_id, unit_id)
        .await?
        .into_iter()
        .map(|leaf| {
            let round1 = appraisals.get(&(leaf.clone(), 1));
            Request {
                leaf_text: set.node(&leaf).map(|n| n.text.clone()).unwrap_or_default(),
                self_points: self_entries.get(&leaf).and_then(|e| e.points),
                appraised: round1.and_then(|a| a.points),
                self_input: self_entries.get(&leaf).and_then(|e| e.input),
                appraised_input: round1.and_then(|a| a.input),
                comment: round1.map(|a| a.comment.clone()).unwrap_or_default(),
                answer: answers.remove(&leaf),
                leaf_code: leaf,
            }
        })
        .collect();
    Ok(ExplanationView {
        round_id,
        round_title: round.title.clone(),
        unit_id,
        unit_name: unit.name,
        access: explanation_access(store, round_id, unit_id, who.now).await?,
        requests,
    })
}
