//! Criteria corrigenda (đính chính) of a running round: a tier switched to a corrected
//! version of its set, and the list of those made.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, ImportQuery, RoundPath};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Query, Reader, Writer};
use crate::service::corrigenda::{self as service, Correction, CorrigendumPlan};
use crate::store::CorrigendumRow;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(correct_set))
        .routes(routes!(list_corrigenda))
}

/// `/api/rounds/{round}/tiers/{tier}/…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct TierPath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// Khối (its code).
    tier: String,
}

/// Switch a tier of a running round to a corrected version of its criteria set
///
/// Entries of unchanged leaves carry over; an entry of a changed leaf is kept, its points
/// worked out again by the new rule, and the unit asked to review it («Tiêu chí đã được
/// sửa — cần xem lại») until it saves the leaf again; entries of removed leaves stay in the
/// history and leave the totals. With `dry_run=true` nothing changes and the answer says
/// what would. Administrators; before the appraisal starts (after, only while a unit of
/// the tier has a reopening open: else 409 `appraisal_started`); never after publication.
/// Audited (`round.corrigendum`, `self_assessment.revise`).
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/tiers/{tier}/corrigendum",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(TierPath, ImportQuery),
    request_body = Correction,
    responses(
        (status = 200, description = "Switched, or (dry run) what the switch would do", body = CorrigendumPlan),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the tier is not in it", body = ErrorBody),
        (status = 409, description = "Published, the appraisal has started (`appraisal_started`), or the tier's set changed meanwhile", body = ErrorBody),
        (status = 422, description = "No such version of the set, the version in use, one for another tier, or no reason (`field` names it)", body = ErrorBody),
    )
)]
async fn correct_set(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(TierPath { round, tier }): ApiPath<TierPath>,
    Query(q): Query<ImportQuery>,
    ApiJson(body): ApiJson<Correction>,
) -> Result<Json<CorrigendumPlan>> {
    Ok(Json(
        service::correct_set(&state.ctx, &caller.who(), round, &tier, body, q.dry_run).await?,
    ))
}

/// The corrigenda made in a round, newest first
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/corrigenda",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The corrigenda, with how many entries the units have reviewed", body = Vec<CorrigendumRow>),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn list_corrigenda(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<Vec<CorrigendumRow>>> {
    Ok(Json(service::list(&state.ctx, &caller.who(), round).await?))
}
