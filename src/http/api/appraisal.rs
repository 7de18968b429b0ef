//! The appraisers' and the administrator's scores: appraised scores, survey scores, bonus
//! and penalty items.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, LeafPath, UnitPath};
use crate::domain::{LeafInput, Points};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::Writer;
use crate::service::scores;
use crate::store::{AppraisalEntry, ExtraCount, SelfEntry};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(read_appraisal))
        .routes(routes!(save_appraisal))
        .routes(routes!(set_survey_score))
        .routes(routes!(set_extra))
        .routes(routes!(appraisal_queue))
}

/// The appraiser's queue: the units in scope with where each stands
///
/// Each unit's status (not submitted, submitted, in round 1, explanation requested,
/// answered, in round 2, done), the leaves of the appraiser's areas (and of what the round
/// assigns to their department) left for the current stage, and the explanations asked
/// and answered; `counts` gives every status's number before the status filter.
/// Appraisers (their scope, their department's assignments) and administrators (every
/// unit).
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/appraisal-queue",
    tag = "appraisal",
    params(super::RoundPath, crate::service::queue::QueueFilter),
    responses(
        (status = 200, description = "The queue", body = Queue),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an appraiser or administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 422, description = "An unknown status", body = ErrorBody),
    )
)]
async fn appraisal_queue(
    State(state): State<AppState>,
    crate::http::extract::Reader(caller): crate::http::extract::Reader,
    ApiPath(super::RoundPath { round }): ApiPath<super::RoundPath>,
    crate::http::extract::Query(filter): crate::http::extract::Query<
        crate::service::queue::QueueFilter,
    >,
) -> Result<axum::Json<Queue>> {
    let who = caller.who();
    let (units, counts) = crate::service::queue::queue(&state.ctx, &who, round, &filter).await?;
    let department = crate::service::departments::own_work(&state.ctx, &who.actor, round)
        .await?
        .map(|(name, nodes)| QueueDepartment { name, nodes });
    Ok(axum::Json(Queue {
        department,
        units,
        counts: counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }))
}

#[derive(serde::Serialize, ToSchema)]
struct Queue {
    /// For an appraiser of a department: the department and what the round assigns to it
    /// (the leaves counted are those).
    department: Option<QueueDepartment>,
    units: Vec<crate::service::queue::QueueLine>,
    counts: std::collections::BTreeMap<String, usize>,
}

#[derive(serde::Serialize, ToSchema)]
struct QueueDepartment {
    name: String,
    /// «Lĩnh vực 2. Cải cách thể chế (Khối sở, ban, ngành)»…
    nodes: Vec<String>,
}

/// A unit's appraisal, leaf by leaf
///
/// For each self-scored leaf, the unit's entry (points and figures) beside the appraisals
/// of rounds 1 and 2 (points, the figures they rest on, comment, explanation request), and
/// whether the caller may appraise it now; the appraised total beside the self-assessed
/// one. What the appraisal page shows; for appraisers (once the unit has submitted or its
/// deadline has passed) and administrators.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/appraisal",
    tag = "appraisal",
    params(UnitPath),
    responses(
        (status = 200, description = "The appraisal", body = AppraisalRead),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an appraiser in scope or an administrator, or not submitted yet", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn read_appraisal(
    State(state): State<AppState>,
    crate::http::extract::Reader(caller): crate::http::extract::Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<axum::Json<AppraisalRead>> {
    let mut sheet = scores::appraisal_sheet(&state.ctx, &caller.who(), round, unit).await?;
    let leaves = sheet
        .view
        .nodes
        .into_iter()
        .filter(|n| n.node.is_leaf() && !n.node.is_survey())
        .map(|n| {
            let code = n.node.code;
            AppraisedLeaf {
                method: n.node.leaf.as_ref().map_or("", |l| l.method.name()),
                self_entry: n.entry,
                exempt: n.exempt.is_some(),
                editable: sheet.editable.contains(&code),
                round1: sheet.appraisals.remove(&format!("{code}#1")),
                round2: sheet.appraisals.remove(&format!("{code}#2")),
                leaf_code: code,
            }
        })
        .collect();
    Ok(axum::Json(AppraisalRead {
        open_round: sheet.open_round,
        signed_off: sheet.signed_off,
        totals: sheet.totals,
        leaves,
    }))
}

#[derive(serde::Serialize, ToSchema)]
struct AppraisalRead {
    /// The appraisal round open now (1 or 2); none outside its windows or once published.
    open_round: Option<i64>,
    /// The council has signed off the appraisal round open now: nothing is editable, and
    /// this says since when.
    signed_off: Option<String>,
    totals: scores::AppraisedTotals,
    leaves: Vec<AppraisedLeaf>,
}

#[derive(serde::Serialize, ToSchema)]
struct AppraisedLeaf {
    leaf_code: String,
    /// The leaf's scoring method: on `tiered`, `proportional` and `deduction` leaves an
    /// appraisal may give figures (`input`), on the others only points.
    method: &'static str,
    /// What the unit entered, if anything.
    self_entry: Option<SelfEntry>,
    /// The unit is exempt from the leaf in the round: it is not appraised.
    exempt: bool,
    /// Whether the caller may appraise the leaf now (scope, open round).
    editable: bool,
    round1: Option<AppraisalEntry>,
    round2: Option<AppraisalEntry>,
}

/// `/api/rounds/{round}/units/{unit}/appraisal/{n}/{leaf}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AppraisalPath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// Đơn vị (id).
    unit: i64,
    /// Thẩm định lần 1 or 2.
    #[param(minimum = 1, maximum = 2)]
    n: i64,
    /// Mã tiêu chí thành phần, e.g. `1.2.3`.
    leaf: String,
}

#[derive(Deserialize, ToSchema)]
struct AppraisalBody {
    /// The appraised points, given directly; none with `not_applicable` or `input`.
    points: Option<Points>,
    /// The corrected figures of a rate or count leaf (tiered, proportional, deduction), in
    /// the shape the self-assessment takes them: `{"kind": "rate", "numerator": "110",
    /// "denominator": "125"}`, `{"kind": "occurrences", "count": 2}`. The appraised points
    /// are then those the leaf's rule gives them, computed by the server. Refused beside
    /// `points` (422 `input_with_points`) and on a judged or yes/no leaf, whose points are
    /// given directly (422 `figures_not_allowed`).
    input: Option<LeafInput>,
    #[serde(default)]
    not_applicable: bool,
    /// Required where the points differ from the self-score.
    #[serde(default)]
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    comment: String,
    /// Ask the unit to explain this leaf (round 1).
    #[serde(default)]
    explanation_requested: bool,
}

/// Set the appraised score of a leaf in appraisal round n (1 or 2)
///
/// For appraisers in scope and administrators, during that appraisal round. Either the
/// points, or for a rate or count leaf the corrected figures (`input`), from which the
/// server computes the points by the leaf's rule. A comment is required where the score
/// differs from the self-score, or the figures from the unit's.
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/appraisal/{n}/{leaf}",
    tag = "appraisal",
    security(("session" = [], "csrf" = [])),
    params(AppraisalPath),
    request_body = AppraisalBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not in scope (nor assigned to the appraiser's department), window closed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, unit or self-scored leaf", body = ErrorBody),
        (status = 409, description = "The results are published, the unit is exempt from the leaf (`exempt`), or the council signed off this appraisal round (`signed_off`)", body = ErrorBody),
        (status = 422, description = "Points out of range, figures that do not fit the leaf, both figures and points (`input_with_points`), figures on a judged or yes/no leaf (`figures_not_allowed`), a comment missing, or not applicable where not allowed", body = ErrorBody),
    )
)]
async fn save_appraisal(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(AppraisalPath {
        round,
        unit,
        n,
        leaf,
    }): ApiPath<AppraisalPath>,
    ApiJson(body): ApiJson<AppraisalBody>,
) -> Result<StatusCode> {
    let entry = AppraisalEntry {
        leaf_code: leaf,
        appraisal_round: n,
        points: body.points,
        input: body.input,
        not_applicable: body.not_applicable,
        comment: body.comment,
        explanation_requested: body.explanation_requested,
    };
    scores::save_appraisal(&state.ctx, &caller.who(), round, unit, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct SurveyBody {
    points: Points,
}

/// Set a survey score (điểm điều tra XHH); administrators only
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/survey/{leaf}",
    tag = "appraisal",
    security(("session" = [], "csrf" = [])),
    params(LeafPath),
    request_body = SurveyBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round or unit, or not a survey leaf", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 422, description = "Points out of range", body = ErrorBody),
    )
)]
async fn set_survey_score(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(LeafPath { round, unit, leaf }): ApiPath<LeafPath>,
    ApiJson(body): ApiJson<SurveyBody>,
) -> Result<StatusCode> {
    scores::set_survey_score(&state.ctx, &caller.who(), round, unit, &leaf, body.points).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `/api/rounds/{round}/units/{unit}/extras/{kind}/{item}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ExtraPath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// Đơn vị (id).
    unit: i64,
    /// `bonus` (điểm thưởng) or `penalty` (điểm trừ).
    #[param(inline, value_type = ExtraKind)]
    kind: String,
    /// The item's code in the round's criteria set.
    item: String,
}

/// Which of the set's items a path names: its bonus (điểm thưởng) or its penalty (điểm trừ)
/// items. Documentation only: the service checks the path's text.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation only")]
enum ExtraKind {
    Bonus,
    Penalty,
}

#[derive(Deserialize, ToSchema)]
struct ExtraBody {
    /// How many times the item happened (0 or more).
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    occurrences: i64,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    note: String,
}

/// Count a bonus or penalty item; administrators only
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/extras/{kind}/{item}",
    tag = "appraisal",
    security(("session" = [], "csrf" = [])),
    params(ExtraPath),
    request_body = ExtraBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, unit or item", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 422, description = "An unknown kind, or a count out of range", body = ErrorBody),
    )
)]
async fn set_extra(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(ExtraPath {
        round,
        unit,
        kind,
        item,
    }): ApiPath<ExtraPath>,
    ApiJson(body): ApiJson<ExtraBody>,
) -> Result<StatusCode> {
    let extra = ExtraCount {
        kind,
        item_code: item,
        occurrences: body.occurrences,
        note: body.note,
    };
    scores::set_extra(&state.ctx, &caller.who(), round, unit, extra).await?;
    Ok(StatusCode::NO_CONTENT)
}
