//! A round's members (đơn vị tham gia kỳ đánh giá): the list, and the administrator's
//! additions and removals, each with a reason (and, once the self-assessment has closed,
//! the decision that allows it).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, RoundPath, UnitPath};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::members::{self, MemberRequest, Members};
use crate::store::MemberChange;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_members, add_member))
        .routes(routes!(remove_member))
}

/// A round's members and the units of its tiers that are not; administrators only
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/members",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The members, by tier in Vietnamese name order", body = Members),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn list_members(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<Members>> {
    Ok(Json(members::list(&state.ctx, &caller.who(), round).await?))
}

/// Add a unit to a round (in its tier of today); administrators only
///
/// While the round is in preparation or its self-assessment is open a reason is enough;
/// afterwards the request names the decision that allows it (`decision`), else 409
/// `decision_required`. Never once the results are published.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/members",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath),
    request_body = MemberRequest,
    responses(
        (status = 204, description = "Added, audited"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round or unit", body = ErrorBody),
        (status = 409, description = "Published, already a member, or a decision is required (`decision_required`)", body = ErrorBody),
        (status = 422, description = "No reason, or the unit's tier takes no part", body = ErrorBody),
    )
)]
async fn add_member(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    ApiJson(body): ApiJson<MemberRequest>,
) -> Result<StatusCode> {
    members::change(&state.ctx, &caller.who(), round, MemberChange::Add, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a unit leaves a round.
#[derive(Deserialize, ToSchema)]
struct RemovalBody {
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    reason: String,
    /// The decision that allows it once the self-assessment has closed.
    #[serde(default)]
    #[schema(max_length = 255, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    decision: String,
}

/// Take a unit out of a round; administrators only
///
/// Its entries stay stored but no longer count in the round's results, progress, queue or
/// exports. The same phase rules as adding.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/members/{unit}/remove",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(UnitPath),
    request_body = RemovalBody,
    responses(
        (status = 204, description = "Taken out, audited"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round or unit", body = ErrorBody),
        (status = 409, description = "Published, not a member, or a decision is required (`decision_required`)", body = ErrorBody),
        (status = 422, description = "No reason", body = ErrorBody),
    )
)]
async fn remove_member(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
    ApiJson(body): ApiJson<RemovalBody>,
) -> Result<StatusCode> {
    let request = MemberRequest {
        unit_id: unit,
        reason: body.reason,
        decision: body.decision,
    };
    members::change(
        &state.ctx,
        &caller.who(),
        round,
        MemberChange::Remove,
        request,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
