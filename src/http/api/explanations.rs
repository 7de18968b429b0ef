//! Explanations (giải trình): what the unit was asked after appraisal round 1, and its
//! answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::explanations::{self as service, ExplanationView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds/{round}/units/{unit}/explanations", get(read))
        .route(
            "/api/rounds/{round}/units/{unit}/explanations/{leaf}",
            put(save),
        )
}

async fn read(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<ExplanationView>> {
    Ok(Json(service::view(&state.ctx, &who, round, unit).await?))
}

#[derive(Deserialize)]
struct ExplanationBody {
    text: String,
}

async fn save(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    ApiJson(body): ApiJson<ExplanationBody>,
) -> Result<StatusCode> {
    service::save_explanation(&state.ctx, &who, round, unit, &leaf, &body.text).await?;
    Ok(StatusCode::NO_CONTENT)
}
