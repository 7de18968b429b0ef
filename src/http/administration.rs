//! The administrator's and appraisers' writes over the API: extensions and reopenings,
//! appraised scores, survey scores, bonus and penalty items, publication.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{post, put};
use serde::Deserialize;

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, Result};
use super::session::Writer;
use crate::domain::Points;
use crate::domain::deadline::{OverrideKind, Phase, parse_deadline};
use crate::service::{ServiceError, scores};
use crate::store::{AppraisalEntry, NewAudit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/rounds/{round}/units/{unit}/overrides",
            post(grant_override),
        )
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
        .route("/api/rounds/{round}/publish", post(publish))
}

fn admin_only(writer: &Writer) -> Result<()> {
    if writer.actor.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) mới được thực hiện thao tác này.".into(),
        )
        .into())
    }
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
    writer: Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<StatusCode> {
    admin_only(&writer)?;
    let until = parse_deadline(&body.until).ok_or_else(|| {
        ApiError::from(ServiceError::Invalid(format!(
            "«{}» không phải là ngày giờ hợp lệ; nhập theo dạng dd/mm/yyyy hoặc dd/mm/yyyy hh:mm.",
            body.until
        )))
    })?;
    let audit = NewAudit::by(&writer.actor, &writer.address);
    state
        .store
        .grant_override(
            round,
            unit,
            body.phase,
            body.kind,
            until,
            &body.reason,
            audit,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
    writer: Writer,
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
    scores::save_appraisal(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        entry,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct SurveyBody {
    points: Points,
}

async fn survey(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    ApiJson(body): ApiJson<SurveyBody>,
) -> Result<StatusCode> {
    scores::set_survey_score(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        &leaf,
        body.points,
    )
    .await?;
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
    writer: Writer,
    ApiPath((round, unit, kind, item)): ApiPath<(i64, i64, String, String)>,
    ApiJson(body): ApiJson<ExtraBody>,
) -> Result<StatusCode> {
    scores::set_extra(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        &kind,
        &item,
        body.occurrences,
        &body.note,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn publish(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath(round): ApiPath<i64>,
) -> Result<StatusCode> {
    admin_only(&writer)?;
    let audit = NewAudit::by(&writer.actor, &writer.address);
    state
        .store
        .publish_round(round, audit, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
