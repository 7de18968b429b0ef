//! The appraisers' and the administrator's scores: appraised scores, survey scores, bonus
//! and penalty items.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use serde::Deserialize;

use crate::domain::Points;
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::Writer;
use crate::service::scores;
use crate::store::{AppraisalEntry, ExtraCount};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/rounds/{round}/units/{unit}/appraisal/{n}/{leaf}",
            put(appraise),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/survey/{leaf}",
            put(survey),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/extras/{kind}/{item}",
            put(extra),
        )
}

#[derive(Deserialize)]
struct AppraisalBody {
    points: Option<Points>,
    #[serde(default)]
    not_applicable: bool,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    explanation_requested: bool,
}

async fn appraise(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit, n, leaf)): ApiPath<(i64, i64, i64, String)>,
    ApiJson(body): ApiJson<AppraisalBody>,
) -> Result<StatusCode> {
    let entry = AppraisalEntry {
        leaf_code: leaf,
        appraisal_round: n,
        points: body.points,
        not_applicable: body.not_applicable,
        comment: body.comment,
        explanation_requested: body.explanation_requested,
    };
    scores::save_appraisal(&state.ctx, &who, round, unit, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct SurveyBody {
    points: Points,
}

async fn survey(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    ApiJson(body): ApiJson<SurveyBody>,
) -> Result<StatusCode> {
    scores::set_survey_score(&state.ctx, &who, round, unit, &leaf, body.points).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ExtraBody {
    occurrences: i64,
    #[serde(default)]
    note: String,
}

async fn extra(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit, kind, item)): ApiPath<(i64, i64, String, String)>,
    ApiJson(body): ApiJson<ExtraBody>,
) -> Result<StatusCode> {
    let extra = ExtraCount {
        kind,
        item_code: item,
        occurrences: body.occurrences,
        note: body.note,
    };
    scores::set_extra(&state.ctx, &who, round, unit, extra).await?;
    Ok(StatusCode::NO_CONTENT)
}
