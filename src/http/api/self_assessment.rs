//! A unit's self-assessment: read the tree with entries, save a leaf, submit and withdraw,
//! the history of a leaf.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, LeafPath, UnitPath};
use crate::domain::LeafInput;
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Query, Reader, Writer};
use crate::service::self_assessment::{self as service, LeafSave, Review, SelfAssessmentView};
use crate::store::{AuditEntry, SelfEntry};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(read_self_assessment))
        .routes(routes!(save_leaf))
        .routes(routes!(review_self_assessment))
        .routes(routes!(submit_self_assessment))
        .routes(routes!(withdraw_submission))
        .routes(routes!(leaf_history))
        .routes(routes!(changes_since_submission))
}

/// What the unit changed since the submission before, per leaf
///
/// While the unit edits again after a withdrawal: since its last submission. Once it has
/// submitted again: since the one before. With one submission: what it answered or added
/// since (the explanation window). Figures, points, explanation, not applicable,
/// evidence, and explanation answers, each before and now.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/changes",
    tag = "self-assessment",
    params(UnitPath),
    responses(
        (status = 200, description = "The changes (none where `since` is null)", body = crate::service::changes::ChangeView),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit's self-assessment (yet)", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn changes_since_submission(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<crate::service::changes::ChangeView>> {
    Ok(Json(
        crate::service::changes::since_previous_submission(&state.ctx, &caller.who(), round, unit)
            .await?,
    ))
}

/// The unit's self-assessment: criteria tree, entries, deadline, progress
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/self-assessment",
    tag = "self-assessment",
    params(UnitPath),
    responses(
        (status = 200, description = "The self-assessment", body = SelfAssessmentView),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit's self-assessment (yet)", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn read_self_assessment(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<SelfAssessmentView>> {
    Ok(Json(
        service::view(&state.ctx, &caller.who(), round, unit).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct SaveBody {
    /// What the unit enters; none to clear the points.
    input: Option<LeafInput>,
    #[serde(default)]
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    explanation: String,
    #[serde(default)]
    not_applicable: bool,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    na_reason: String,
    /// The version read before editing; absent for a leaf never saved.
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    expected_version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct Saved {
    version: i64,
    entry: Option<SelfEntry>,
}

/// Save one leaf
///
/// For the unit's officer or head, while self-assessment is open and not submitted. A
/// save naming an older `expected_version` than the stored one is refused (409), unless
/// it sends exactly what is stored (a retry of a save whose answer was lost): that one
/// succeeds with the stored version, and nothing is written again.
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/self-assessment/{leaf}",
    tag = "self-assessment",
    security(("session" = [], "csrf" = [])),
    params(LeafPath),
    request_body = SaveBody,
    responses(
        (status = 200, description = "Saved: the new version and the entry", body = Saved),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not this unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, unit or leaf", body = ErrorBody),
        (status = 409, description = "Saved by someone else since, submitted, or published", body = ErrorBody),
        (status = 422, description = "An input that does not fit the leaf's method", body = ErrorBody),
    )
)]
async fn save_leaf(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(LeafPath { round, unit, leaf }): ApiPath<LeafPath>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<Saved>> {
    let save = LeafSave {
        leaf_code: leaf,
        input: body.input,
        explanation: body.explanation,
        not_applicable: body.not_applicable,
        na_reason: body.na_reason,
        expected_version: body.expected_version,
    };
    let entry = service::save_leaf(&state.ctx, &caller.who(), round, unit, save).await?;
    Ok(Json(Saved {
        version: entry.version,
        entry: Some(entry),
    }))
}

/// What is still missing before submitting (xem lại trước khi gửi)
///
/// Leaves not scored, scored without an explanation or without evidence, and those
/// claimed not applicable, with the total; for whoever may read the unit.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/review",
    tag = "self-assessment",
    params(UnitPath),
    responses(
        (status = 200, description = "The gaps, leaf by leaf", body = Review),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn review_self_assessment(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<Review>> {
    Ok(Json(
        service::review(&state.ctx, &caller.who(), round, unit).await?,
    ))
}

/// Whether the head has seen the gaps and submits anyway.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SubmitQuery {
    /// Submit although leaves are not scored, or lack an explanation or evidence.
    #[serde(default)]
    confirm_gaps: bool,
}

/// Approve and submit (phê duyệt và gửi); the unit head only
///
/// With gaps left (see `review`), only with `confirm_gaps=true`; otherwise 409
/// `gaps_not_confirmed`, the message naming them.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/submit",
    tag = "self-assessment",
    security(("session" = [], "csrf" = [])),
    params(UnitPath, SubmitQuery),
    responses(
        (status = 204, description = "Submitted"),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "Gaps not confirmed, already submitted, or published", body = ErrorBody),
    )
)]
async fn submit_self_assessment(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
    Query(q): Query<SubmitQuery>,
) -> Result<StatusCode> {
    service::submit(&state.ctx, &caller.who(), round, unit, q.confirm_gaps).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw the submission to edit again, before the deadline; the unit head only
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/withdraw",
    tag = "self-assessment",
    security(("session" = [], "csrf" = [])),
    params(UnitPath),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "Nothing submitted to withdraw", body = ErrorBody),
    )
)]
async fn withdraw_submission(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<StatusCode> {
    service::withdraw(&state.ctx, &caller.who(), round, unit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The history of one leaf (nhật ký), for whoever may read the unit
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/history/{leaf}",
    tag = "self-assessment",
    params(LeafPath),
    responses(
        (status = 200, description = "The leaf's audit entries", body = Vec<AuditEntry>),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn leaf_history(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(LeafPath { round, unit, leaf }): ApiPath<LeafPath>,
) -> Result<Json<Vec<AuditEntry>>> {
    Ok(Json(
        service::leaf_history(&state.ctx, &caller.who(), round, unit, &leaf).await?,
    ))
}
