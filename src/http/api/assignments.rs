//! A round's assignments of areas and criteria to appraising departments (phân công thẩm
//! định): the list with each department's work, an assignment, and taking one back.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, RoundPath};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::departments::{self, AssignmentRequest, AssignmentsView};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_assignments))
        .routes(routes!(assign, unassign))
}

/// `/api/rounds/{round}/assignments/{tier}/{node}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AssignmentPath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// The tier's code, e.g. `so`.
    #[param(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    tier: String,
    /// An area (`2`) or a criterion (`7.3`) of the tier's set.
    #[param(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    node: String,
}

/// Who appraises the node.
#[derive(Deserialize, ToSchema)]
struct DepartmentBody {
    /// The appraising department: a unit of the directory (its id), e.g. the Sở Tư pháp.
    department_id: Option<i64>,
}

/// A round's assignments to appraising departments; administrators and viewers
///
/// Each assignment (tier, node, department, the leaves it gives), each department's work
/// (its nodes, its appraisers, leaves decided of those to appraise in the round's units),
/// and what an assignment may name.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/assignments",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The assignments", body = AssignmentsView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn list_assignments(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<AssignmentsView>> {
    Ok(Json(
        departments::list(&state.ctx, &caller.who(), round).await?,
    ))
}

/// Assign an area or a criterion to an appraising department; administrators only
///
/// The department's appraisers (accounts whose `department_code` names it) then appraise
/// the node's leaves in every unit of the tier, without a scope of their own; a criterion
/// assigned apart from its area goes to its own department. Assigning it again changes the
/// department. Until publication (409); audited (`assignment.set`).
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/assignments/{tier}/{node}",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(AssignmentPath),
    request_body = DepartmentBody,
    responses(
        (status = 204, description = "Assigned"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the round does not rank that tier", body = ErrorBody),
        (status = 409, description = "Published", body = ErrorBody),
        (status = 422, description = "Not an area or criterion of the tier's set, or one scored only by survey (`node_code`); no such or a retired unit (`department_id`)", body = ErrorBody),
    )
)]
async fn assign(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(AssignmentPath { round, tier, node }): ApiPath<AssignmentPath>,
    ApiJson(body): ApiJson<DepartmentBody>,
) -> Result<StatusCode> {
    let request = AssignmentRequest {
        tier_code: tier,
        node_code: node,
        department_id: body.department_id,
    };
    departments::assign(&state.ctx, &caller.who(), round, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take an assignment back; administrators only
///
/// The node is appraised again by the appraisers whose own scope reaches it. Until
/// publication (409); audited (`assignment.remove`).
#[utoipa::path(
    delete,
    path = "/api/rounds/{round}/assignments/{tier}/{node}",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(AssignmentPath),
    responses(
        (status = 204, description = "Taken back"),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, tier or assignment", body = ErrorBody),
        (status = 409, description = "Published", body = ErrorBody),
    )
)]
async fn unassign(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(AssignmentPath { round, tier, node }): ApiPath<AssignmentPath>,
) -> Result<StatusCode> {
    departments::unassign(&state.ctx, &caller.who(), round, &tier, &node).await?;
    Ok(StatusCode::NO_CONTENT)
}
