//! A unit's self-assessment, with every rule checked on the server: who is writing and
//! for which unit, the round and the leaf exist for the unit's tier, the input fits the
//! leaf's method, a not-applicable claim is allowed and explained, the head has not
//! submitted it, and the deadline engine lets the unit write now.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::criteria::Method;
use crate::domain::deadline::{Access, Phase};
use crate::domain::{CriteriaSet, LeafInput};
use crate::store::{Guard, Refusal, SelfInput, Store};

use super::access::{
    ensure_editable, ensure_opened, ensure_viewable, self_assessment_access_at, unit_in_round,
    why_locked,
};
use super::{Context, Result, ServiceError, Who};
use crate::domain::text::{limit, multiline, one_line};

/// What a unit officer sends for one leaf.
#[derive(Clone, Debug, Default, validator::Validate)]
pub struct LeafSave {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub leaf_code: String,
    pub input: Option<LeafInput>,
    #[validate(length(max = limit::TEXT), custom(function = multiline))]
    pub explanation: String,
    pub not_applicable: bool,
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub na_reason: String,
    /// The version the writer last saw; `None` for a leaf never saved.
    pub expected_version: Option<i64>,
}

/// The criteria set the unit is scored on in the round, for a write: one query when the
/// round is open to the unit, and the refusals of [`unit_in_round`] otherwise.
async fn unit_set(
    store: &Store,
    round_id: i64,
    unit_id: i64,
) -> Result<(Option<i64>, Arc<CriteriaSet>)> {
    match store.unit_set_in_round(round_id, unit_id).await? {
        Some((true, Some(set_id))) => Ok((Some(set_id), store.criteria_set(set_id).await?.set)),
        // No such round or unit, a round in preparation, a tier outside the round: the
        // full reading says which, in its words.
        _ => Ok((None, unit_in_round(store, round_id, unit_id).await?.2)),
    }
}

/// Why the unit's self-assessment is locked now, for a page that must tell someone whose
/// save was refused; `None` when it is open. For whoever may read the unit.
pub async fn lock(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<Option<Refusal>> {
    let (round, _, _) = unit_in_round(&ctx.store, round_id, unit_id).await?;
    ensure_viewable(&ctx.store, &who.actor, &round, unit_id, who.now).await?;
    why_locked(&ctx.store, &round, unit_id, who.now).await
}

/// Saves one leaf; returns the entry as stored, with its new version.
pub async fn save_leaf(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    save: LeafSave,
) -> Result<crate::store::SelfEntry> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_edit_self_assessment(unit_id) {
        return Err(ServiceError::Forbidden(
            "Chỉ cán bộ và thủ trưởng của đơn vị mới được tự chấm điểm.".into(),
        ));
    }
    // A text too long or with forbidden characters: refused beside its field.
    super::check(&save)?;
    // One instant for the whole request: the check and the stored time agree.
    let now = who.now;
    // Whether the unit may still write is decided once, inside the write's transaction
    // (`Guard::self_assessment`), with the same refusals as `ensure_editable`.
    // The points are worked out under the set read here; the transaction refuses them if
    // a corrigendum has switched the set since (`Guard::scored_under`).
    let (set_id, set) = unit_set(store, round_id, unit_id).await?;

    let node = set
        .node(&save.leaf_code)
        .filter(|n| n.is_leaf())
        .ok_or_else(|| ServiceError::NotFound(format!("tiêu chí thành phần {}", save.leaf_code)))?;
    let leaf = node
        .leaf
        .as_ref()
        .ok_or_else(|| ServiceError::NotFound(save.leaf_code.clone()))?;
    if leaf.method == Method::Survey {
        return Err(ServiceError::Invalid(
            "Tiêu chí này chấm theo kết quả điều tra xã hội học, đơn vị không tự chấm.".into(),
        ));
    }
    let points = if save.not_applicable {
        if !leaf.na_allowed {
            return Err(ServiceError::invalid_field(
                "not_applicable",
                format!(
                    "Tiêu chí {} không được khai báo «Không áp dụng».",
                    node.code
                ),
            ));
        }
        if save.na_reason.trim().is_empty() {
            return Err(ServiceError::invalid_field(
                "na_reason",
                "Cần ghi lý do không áp dụng.",
            ));
        }
        None
    } else {
        match save.input {
            Some(input) => Some(node.score(input).map_err(|e| {
                ServiceError::invalid_field(input_field(&input, &e), e.to_string())
            })?),
            None => None,
        }
    };
    let entry = SelfInput {
        leaf_code: node.code.clone(),
        input: if save.not_applicable {
            None
        } else {
            save.input
        },
        points,
        explanation: save.explanation.trim().to_string(),
        not_applicable: save.not_applicable,
        na_reason: save.na_reason.trim().to_string(),
    };
    let guard = Guard::self_assessment(round_id, unit_id);
    let guard = set_id.map_or(guard, |id| guard.scored_under(id));
    if let Some(pause) = &ctx.pause_before_save {
        pause.here().await;
    }
    Ok(store
        .save_self_entry(&guard, &entry, save.expected_version, who.audit(), now)
        .await?)
}

/// The field of a leaf's form that a score refusal concerns (as the form names it).
pub(crate) fn input_field(
    input: &LeafInput,
    e: &crate::domain::criteria::ScoreError,
) -> &'static str {
    use crate::domain::criteria::ScoreError;
    match (input, e) {
        (LeafInput::Rate { .. }, ScoreError::ZeroDenominator) => "denominator",
        (LeafInput::Rate { .. }, _) => "numerator",
        (LeafInput::YesNo { .. }, _) => "met",
        (LeafInput::Judged { .. }, _) => "points",
        (LeafInput::Occurrences { .. }, _) => "count",
    }
}

/// The head approves and submits the self-assessment (phê duyệt và gửi).
/// The head approves and submits (phê duyệt và gửi). With gaps left (leaves not scored,
/// or scored without an explanation or evidence), only when `confirm_gaps` says the head
/// has seen them; otherwise the refusal names them.
pub async fn submit(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    confirm_gaps: bool,
) -> Result<()> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_submit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Chỉ thủ trưởng đơn vị mới được phê duyệt và gửi.".into(),
        ));
    }
    let now = who.now;
    let (round, unit, _) = unit_in_round(store, round_id, unit_id).await?;
    ensure_editable(store, &round, &unit, now).await?;
    let review = review(ctx, who, round_id, unit_id).await?;
    if review.gaps() > 0 && !confirm_gaps {
        return Err(ServiceError::Unconfirmed {
            code: "gaps_not_confirmed",
            message: format!(
                "Bản tự đánh giá còn thiếu: {}. Hãy xem lại danh sách trước khi gửi, hoặc xác nhận gửi khi còn thiếu.",
                review.summary()
            ),
        });
    }
    Ok(store
        .submit_self_assessment(&Guard::self_assessment(round_id, unit_id), who.audit(), now)
        .await?)
}

/// A leaf a review names: its code and its wording.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct LeafRef {
    pub code: String,
    pub text: String,
}

/// What the head reviews before submitting, and officers see as what is still missing.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Review {
    /// Leaves the unit scores itself (survey leaves excluded).
    pub leaves: usize,
    pub self_total: crate::domain::Points,
    pub applicable_max: crate::domain::Points,
    /// Neither points nor a not-applicable claim.
    pub not_scored: Vec<LeafRef>,
    /// Scored, without an explanation.
    pub without_explanation: Vec<LeafRef>,
    /// Scored (not claimed not applicable), without any evidence file or citation.
    pub without_evidence: Vec<LeafRef>,
    /// Claimed not applicable: not a gap, but for the head to check.
    pub not_applicable: Vec<LeafRef>,
}

impl Review {
    /// How many gaps a submission would leave.
    pub fn gaps(&self) -> usize {
        self.not_scored.len() + self.without_explanation.len() + self.without_evidence.len()
    }

    /// The gaps in one sentence, e.g. "62 tiêu chí chưa chấm, 3 tiêu chí chưa có giải
    /// trình".
    pub fn summary(&self) -> String {
        [
            (self.not_scored.len(), "chưa chấm"),
            (self.without_explanation.len(), "chưa có giải trình"),
            (self.without_evidence.len(), "chưa có tài liệu kiểm chứng"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} tiêu chí {what}"))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The review of a unit's self-assessment, for whoever may read it.
pub async fn review(ctx: &Context, who: &Who, round_id: i64, unit_id: i64) -> Result<Review> {
    let view = view(ctx, who, round_id, unit_id).await?;
    let evidence = ctx.store.evidence(round_id, unit_id).await?;
    let supported: std::collections::HashSet<&String> = evidence
        .files
        .iter()
        .flat_map(|f| &f.leaves)
        .chain(evidence.citations.iter().flat_map(|c| &c.leaves))
        .collect();
    let mut review = Review {
        leaves: view.progress.leaves,
        self_total: view.progress.self_total,
        applicable_max: view.progress.applicable_max,
        ..Review::default()
    };
    for n in view
        .nodes
        .iter()
        .filter(|n| n.node.is_leaf() && !n.node.is_survey() && n.exempt.is_none())
    {
        let leaf = || LeafRef {
            code: n.node.code.clone(),
            text: n.node.text.clone(),
        };
        match &n.entry {
            Some(e) if e.not_applicable => review.not_applicable.push(leaf()),
            Some(e) if e.points.is_some() => {
                if e.explanation.trim().is_empty() {
                    review.without_explanation.push(leaf());
                }
                if !supported.contains(&n.node.code) {
                    review.without_evidence.push(leaf());
                }
            }
            _ => review.not_scored.push(leaf()),
        }
    }
    Ok(review)
}

/// The head withdraws the submission to edit again, while the deadline allows.
pub async fn withdraw(ctx: &Context, who: &Who, round_id: i64, unit_id: i64) -> Result<()> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_submit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Chỉ thủ trưởng đơn vị mới được rút lại bản đã gửi.".into(),
        ));
    }
    let now = who.now;
    let (round, unit, _) = unit_in_round(store, round_id, unit_id).await?;
    let gate = self_assessment_access_at(store, &round, unit.id, now).await?;
    if !gate.open {
        return Err(ServiceError::Locked(gate.message));
    }
    if store.submission(round_id, unit_id).await?.is_none() {
        return Err(ServiceError::Conflict(
            "Đơn vị chưa gửi bản tự đánh giá nên không có gì để rút lại.".into(),
        ));
    }
    Ok(store
        .withdraw_submission(
            &Guard::in_phase(round_id, unit_id, Phase::SelfAssessment),
            who.audit(),
            now,
        )
        .await?)
}

/// A unit's self-assessment as its people (and, once submitted or locked, its appraisers)
/// see it: the criteria tree with each leaf's entry, the deadline, progress.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SelfAssessmentView {
    pub round_id: i64,
    pub round_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub set_code: String,
    pub set_version: String,
    pub access: Access,
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the round's results were published: the unit's analysis is open from then.
    pub published_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    pub nodes: Vec<NodeView>,
}

#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Leaves the unit scores itself (survey leaves excluded).
    pub leaves: usize,
    /// Leaves with points or a not-applicable claim.
    pub scored: usize,
    /// Scored leaves without an explanation.
    pub explanations_missing: usize,
    pub self_total: crate::domain::Points,
    pub applicable_max: crate::domain::Points,
}

#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NodeView {
    #[serde(flatten)]
    pub node: crate::domain::Node,
    pub depth: usize,
    pub entry: Option<crate::store::SelfEntry>,
    /// The unit is exempt from this node (or from one above it) in the round: it is not
    /// scored, and counts in neither the points nor the maximum.
    pub exempt: Option<Exempt>,
    /// A corrigendum changed this leaf since the unit scored it: what changed and the
    /// entry as it was, until the unit saves the leaf again.
    pub revised: Option<crate::store::Revised>,
}

/// Why a node is not evaluated for a unit: the exempt node (this one or one above it) and
/// the reason the administrator gave.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Exempt {
    pub node_code: String,
    pub reason: String,
}

impl Exempt {
    /// The exemption among `exemptions` that covers `code`, if any.
    pub fn of(exemptions: &[crate::store::Exemption], code: &str) -> Option<Exempt> {
        crate::store::covering(exemptions, code).map(|e| Exempt {
            node_code: e.node_code.clone(),
            reason: e.reason.clone(),
        })
    }
}

/// Reads a unit's self-assessment, if `actor` may see it.
pub async fn view(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<SelfAssessmentView> {
    let store = &ctx.store;
    let actor = &who.actor;
    if !actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Tài khoản này không được xem tự đánh giá của đơn vị này.".into(),
        ));
    }
    let now = who.now;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    let (gate, submitted_at) = ensure_viewable(store, actor, &round, unit_id, now).await?;
    let mut entries = store.self_entries(round_id, unit_id).await?;
    let exemptions = store.exemptions(round_id, Some(unit_id)).await?;
    let mut revised = store.revised_entries(round_id, unit_id).await?;
    let mut progress = Progress::default();
    let nodes = set
        .nodes
        .iter()
        .map(|n| {
            let entry = entries.remove(&n.code);
            let exempt = Exempt::of(&exemptions, &n.code);
            if n.is_leaf() && !n.is_survey() && exempt.is_none() {
                progress.leaves += 1;
                if let Some(e) = &entry {
                    if e.points.is_some() || e.not_applicable {
                        progress.scored += 1;
                        if e.explanation.is_empty() && !e.not_applicable {
                            progress.explanations_missing += 1;
                        }
                    }
                    progress.self_total = progress.self_total + e.points.unwrap_or_default();
                }
                if !entry.as_ref().is_some_and(|e| e.not_applicable) {
                    progress.applicable_max = progress.applicable_max + n.max;
                }
            }
            NodeView {
                revised: revised.remove(&n.code),
                node: n.clone(),
                depth: n.depth(),
                entry,
                exempt,
            }
        })
        .collect();
    Ok(SelfAssessmentView {
        round_id,
        round_title: round.title.clone(),
        unit_id,
        unit_name: unit.name,
        set_code: set.code.clone(),
        set_version: set.version.clone(),
        access: gate,
        submitted_at,
        published_at: round.published_at,
        progress,
        nodes,
    })
}

/// The history of one leaf of a unit (from the audit log), for whoever may view the unit.
pub async fn leaf_history(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
) -> Result<Vec<crate::store::AuditEntry>> {
    let store = &ctx.store;
    let actor = &who.actor;
    let round = store.round(round_id).await?;
    ensure_opened(&round, actor)?;
    // The same gate as the self-assessment itself: appraisers only once submitted or locked.
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let filter = crate::store::AuditFilter {
        unit_id: Some(unit_id),
        leaf_code: Some(leaf_code.to_string()),
        ..Default::default()
    };
    let mut entries = store.audit_log(&filter).await?;
    entries.retain(|e| e.round_id == Some(round_id));
    // Addresses are for administrators' audit browsing only.
    for e in &mut entries {
        e.address = None;
    }
    Ok(entries)
}

/// The unit's name and the history of one of its leaves (see [`leaf_history`]).
pub async fn leaf_history_of(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
) -> Result<(String, Vec<crate::store::AuditEntry>)> {
    let entries = leaf_history(ctx, who, round_id, unit_id, leaf_code).await?;
    Ok((ctx.store.unit(unit_id).await?.name, entries))
}

/// What a leaf's form would give, computed on the server as the user types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preview {
    NoSuchLeaf,
    NotApplicable,
    NotScored,
    Points(crate::domain::Points),
    /// The input does not fit the leaf's method; the sentence says why.
    Refused(String),
}

/// The points `save` would give its leaf, for whoever may see the unit; nothing is stored.
pub async fn preview(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    save: LeafSave,
) -> Result<Preview> {
    if !who.actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden("Không được xem đơn vị này.".into()));
    }
    let (_, _, set) = unit_in_round(&ctx.store, round_id, unit_id).await?;
    let Some(node) = set.node(&save.leaf_code) else {
        return Ok(Preview::NoSuchLeaf);
    };
    Ok(match save.input {
        None if save.not_applicable => Preview::NotApplicable,
        None => Preview::NotScored,
        Some(input) => match node.score(input) {
            Ok(points) => Preview::Points(points),
            Err(e) => Preview::Refused(e.to_string()),
        },
    })
}
