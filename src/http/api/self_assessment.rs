//! A unit's self-assessment: read the tree with entries, save a leaf, submit and withdraw,
//! the history of a leaf.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::domain::LeafInput;
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::self_assessment::{self as service, LeafSave, SelfAssessmentView};
use crate::store::{AuditEntry, SelfEntry};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/rounds/{round}/units/{unit}/self-assessment",
            get(read),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/self-assessment/{leaf}",
            put(save),
        )
        .route("/api/rounds/{round}/units/{unit}/submit", post(submit))
        .route("/api/rounds/{round}/units/{unit}/withdraw", post(withdraw))
        .route(
            "/api/rounds/{round}/units/{unit}/history/{leaf}",
            get(history),
        )
}

async fn read(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<SelfAssessmentView>> {
    Ok(Json(service::view(&state.ctx, &who, round, unit).await?))
}

#[derive(Deserialize)]
struct SaveBody {
    input: Option<LeafInput>,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    not_applicable: bool,
    #[serde(default)]
    na_reason: String,
    /// The version read before editing; absent for a leaf never saved.
    expected_version: Option<i64>,
}

#[derive(Serialize)]
struct Saved {
    version: i64,
    entry: Option<SelfEntry>,
}

async fn save(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
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
    let (version, entry) = service::save_leaf_and_read(&state.ctx, &who, round, unit, save).await?;
    Ok(Json(Saved { version, entry }))
}

async fn submit(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    service::submit(&state.ctx, &who, round, unit).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn withdraw(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    service::withdraw(&state.ctx, &who, round, unit).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn history(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
) -> Result<Json<Vec<AuditEntry>>> {
    Ok(Json(
        service::leaf_history(&state.ctx, &who, round, unit, &leaf).await?,
    ))
}
