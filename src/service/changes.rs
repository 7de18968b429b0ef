//! What changed in a unit's self-assessment since the submission before (see
//! [`crate::domain::changes`]): for the head reviewing a self-assessment withdrawn for
//! changes, and for the appraisers once it is sent again or answered in the explanation
//! window.

use chrono::{DateTime, Utc};

use crate::domain::changes::{LeafChange, compare};

use super::access::{ensure_viewable, unit_in_round};
use super::{Context, Result, ServiceError, Who};

/// One leaf's changes, with its wording.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = LeafChangedSinceSubmission)]
pub struct ChangedLeaf {
    #[serde(flatten)]
    pub change: LeafChange,
    pub leaf_text: String,
}

/// What changed since a submission.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ChangesSinceSubmission)]
pub struct ChangeView {
    pub round_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// The submission compared with; none: the unit has not submitted before, nothing to
    /// compare.
    pub since: Option<DateTime<Utc>>,
    /// How many times the unit has submitted.
    pub submissions: usize,
    /// Whether the unit's self-assessment is submitted now.
    pub submitted: bool,
    /// Per leaf, in the criteria's order, what differs.
    pub leaves: Vec<ChangedLeaf>,
}

/// What changed since the submission before: while the unit is editing again after a
/// withdrawal, since its last submission; once it has submitted again, since the one
/// before that; with one submission only, what it answered or added since (in the
/// explanation window). For whoever may read the unit's self-assessment.
pub async fn since_previous_submission(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<ChangeView> {
    let store = &ctx.store;
    if !who.actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Tài khoản này không được xem đơn vị này.".into(),
        ));
    }
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_viewable(store, &who.actor, &round, unit_id, who.now).await?;
    let snapshots = store.snapshots(round_id, unit_id).await?;
    let submitted = store.submission(round_id, unit_id).await?.is_some();
    let base = match (submitted, snapshots.len()) {
        (_, 0) => None,
        (true, n) if n >= 2 => snapshots.get(n - 2),
        (_, n) => snapshots.get(n - 1),
    };
    let mut leaves = Vec::new();
    if let Some(base) = base {
        let now = store.current_state(round_id, unit_id).await?;
        let position = |code: &str| {
            set.nodes
                .iter()
                .position(|n| n.code == code)
                .unwrap_or(usize::MAX)
        };
        for change in compare(&base.leaves, &now, position) {
            leaves.push(ChangedLeaf {
                leaf_text: set
                    .node(&change.leaf_code)
                    .map(|n| n.text.clone())
                    .unwrap_or_default(),
                change,
            });
        }
    }
    Ok(ChangeView {
        round_id,
        unit_id,
        unit_name: unit.name,
        since: base.map(|b| b.submitted_at),
        submissions: snapshots.len(),
        submitted,
        leaves,
    })
}
