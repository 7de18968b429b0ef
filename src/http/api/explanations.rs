//! Explanations (giải trình): what the unit was asked after appraisal round 1, and its
//! answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, LeafPath, UnitPath};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::explanations::{self as service, ExplanationView};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(read_explanations))
        .routes(routes!(save_explanation))
}

/// Leaves the unit was asked to explain, with the answers
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/explanations",
    tag = "explanations",
    params(UnitPath),
    responses(
        (status = 200, description = "The requests and answers", body = ExplanationView),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn read_explanations(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<ExplanationView>> {
    Ok(Json(
        service::view(&state.ctx, &caller.who(), round, unit).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct ExplanationBody {
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    text: String,
}

/// Answer a request for explanation (giải trình)
///
/// For the unit's officer or head, during the unit's explanation window.
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/explanations/{leaf}",
    tag = "explanations",
    security(("session" = [], "csrf" = [])),
    params(LeafPath),
    request_body = ExplanationBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, window closed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 422, description = "No request for this leaf, or an empty answer", body = ErrorBody),
    )
)]
async fn save_explanation(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(LeafPath { round, unit, leaf }): ApiPath<LeafPath>,
    ApiJson(body): ApiJson<ExplanationBody>,
) -> Result<StatusCode> {
    service::save_explanation(&state.ctx, &caller.who(), round, unit, &leaf, &body.text).await?;
    Ok(StatusCode::NO_CONTENT)
}
