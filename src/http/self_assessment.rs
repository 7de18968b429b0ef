//! A unit's self-assessment over the API: read the tree with entries, save a leaf, submit
//! and withdraw. Every rule is the service's; handlers only translate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiJson, ApiPath, Result};
use super::session::{SignedIn, Writer};
use crate::domain::LeafInput;
use crate::service::self_assessment::{self as service, LeafSave, SelfAssessmentView};

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
        .route(
            "/api/rounds/{round}/units/{unit}/explanations",
            get(read_explanations),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/explanations/{leaf}",
            put(save_explanation),
        )
}

async fn read(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<SelfAssessmentView>> {
    Ok(Json(
        service::view(&state.store, state.clock.as_ref(), &user.actor, round, unit).await?,
    ))
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
    entry: Option<crate::store::SelfEntry>,
}

async fn save(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<Saved>> {
    let save = LeafSave {
        leaf_code: leaf.clone(),
        input: body.input,
        explanation: body.explanation,
        not_applicable: body.not_applicable,
        na_reason: body.na_reason,
        expected_version: body.expected_version,
    };
    let version = service::save_leaf(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        save,
    )
    .await?;
    let entry = state.store.self_entry(round, unit, &leaf).await?;
    Ok(Json(Saved { version, entry }))
}

async fn submit(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    service::submit(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn withdraw(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<StatusCode> {
    service::withdraw(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn read_explanations(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<crate::service::explanations::ExplanationView>> {
    Ok(Json(
        crate::service::explanations::view(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            round,
            unit,
        )
        .await?,
    ))
}

#[derive(Deserialize)]
struct ExplanationBody {
    text: String,
}

async fn save_explanation(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    ApiJson(body): ApiJson<ExplanationBody>,
) -> Result<StatusCode> {
    crate::service::explanations::save_explanation(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        &leaf,
        &body.text,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn history(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
) -> Result<Json<Vec<crate::store::AuditEntry>>> {
    Ok(Json(
        service::leaf_history(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            round,
            unit,
            &leaf,
        )
        .await?,
    ))
}
