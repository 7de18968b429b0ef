//! Rounds and their results per tier, as JSON.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use super::error::{ApiPath, Result};
use super::session::SignedIn;
use crate::service::results::{RoundResults, round_results, visible_to};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds", get(list_rounds))
        .route("/api/rounds/{id}/results", get(results))
}

#[derive(Serialize)]
struct RoundSummary {
    id: i64,
    year: i64,
    title: String,
}

async fn list_rounds(
    State(state): State<AppState>,
    _user: SignedIn,
) -> Result<Json<Vec<RoundSummary>>> {
    let rounds = state.store.rounds().await?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|(id, year, title)| RoundSummary { id, year, title })
            .collect(),
    ))
}

async fn results(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoundResults>> {
    let results = round_results(&state.store, id, state.clock.now()).await?;
    Ok(Json(
        visible_to(&state.store, state.clock.now(), results, &user.actor).await?,
    ))
}
