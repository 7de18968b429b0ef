//! Rounds: the list, their results, and the administrator's changes (create, move a phase,
//! grant an extension or a reopening, publish).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::Created;
use crate::domain::deadline::{OverrideKind, Phase, parse_deadline_or_explain};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, HttpError, Result};
use crate::http::extract::{Reader, Writer};
use crate::report::RoundResults;
use crate::service::{ServiceError, results, rounds};
use crate::store::NewOverride;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds", get(list))
        .route("/api/rounds/new", post(create))
        .route("/api/rounds/{round}/results", get(round_results))
        .route("/api/rounds/{round}/phases", put(set_phase))
        .route("/api/rounds/{round}/publish", post(publish))
        .route(
            "/api/rounds/{round}/units/{unit}/overrides",
            post(grant_override),
        )
}

#[derive(Serialize)]
struct RoundSummary {
    id: i64,
    year: i64,
    title: String,
}

async fn list(
    State(state): State<AppState>,
    Reader(who): Reader,
) -> Result<Json<Vec<RoundSummary>>> {
    let rounds = rounds::list(&state.ctx, &who).await?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|(id, year, title)| RoundSummary { id, year, title })
            .collect(),
    ))
}

async fn round_results(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath(round): ApiPath<i64>,
) -> Result<Json<RoundResults>> {
    Ok(Json(results::visible(&state.ctx, &who, round).await?))
}

async fn create(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(body): ApiJson<rounds::RoundSpec>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = rounds::create_round(&state.ctx, &who, body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn set_phase(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(round): ApiPath<i64>,
    ApiJson(body): ApiJson<rounds::PhaseSpec>,
) -> Result<StatusCode> {
    rounds::set_phase(&state.ctx, &who, round, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn publish(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(round): ApiPath<i64>,
) -> Result<StatusCode> {
    rounds::publish(&state.ctx, &who, round).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct OverrideBody {
    phase: Phase,
    kind: OverrideKind,
    /// "10/01/2024", "10/01/2024 17:00" (Vietnam time) or ISO.
    until: String,
    reason: String,
}

async fn grant_override(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<StatusCode> {
    let until = parse_deadline_or_explain(&body.until)
        .map_err(|m| HttpError::from(ServiceError::Invalid(m)))?;
    let grant = NewOverride {
        phase: body.phase,
        kind: body.kind,
        until,
        reason: body.reason,
    };
    rounds::grant_override(&state.ctx, &who, round, unit, grant).await?;
    Ok(StatusCode::NO_CONTENT)
}
