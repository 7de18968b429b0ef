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
use crate::service::{ServiceError, admin, scores};
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
        .route("/api/directory", axum::routing::get(directory))
        .route(
            "/api/criteria-sets/{id}/export.xlsx",
            axum::routing::get(export_criteria),
        )
        .route(
            "/api/criteria-sets/template.xlsx",
            axum::routing::get(criteria_template),
        )
        .route(
            "/api/criteria-sets/import",
            post(import_criteria).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route(
            "/api/rounds/{round}/import/survey/template.xlsx",
            axum::routing::get(survey_template),
        )
        .route(
            "/api/rounds/{round}/import/survey",
            post(import_survey).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route(
            "/api/directory/template.xlsx",
            axum::routing::get(directory_template),
        )
        .route(
            "/api/directory/import",
            post(import_directory).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/api/rounds/new", post(create_round))
        .route("/api/rounds/{round}/phases", put(set_phase))
        .route("/api/tiers", post(save_tier))
        .route("/api/units", post(save_unit))
        .route("/api/users", post(create_user))
        .route("/api/users/{id}/scopes", post(add_scope))
}

fn admin_only(writer: &Writer) -> Result<()> {
    Ok(crate::service::require_admin(&writer.actor)?)
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

#[derive(serde::Serialize)]
struct Directory {
    tiers: Vec<crate::store::Tier>,
    units: Vec<crate::store::Unit>,
    users: Vec<crate::store::User>,
}

async fn directory(
    State(state): State<AppState>,
    user: super::session::SignedIn,
) -> Result<axum::Json<Directory>> {
    let (tiers, units, users) = admin::directory(&state.store, &user.actor).await?;
    Ok(axum::Json(Directory {
        tiers,
        units,
        users,
    }))
}

#[derive(Deserialize)]
struct TierBody {
    code: String,
    name: String,
    #[serde(default)]
    position: i64,
}

async fn save_tier(
    State(state): State<AppState>,
    writer: Writer,
    ApiJson(body): ApiJson<TierBody>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>)> {
    let id = admin::save_tier(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        &body.code,
        &body.name,
        body.position,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    ))
}

#[derive(Deserialize)]
struct UnitBody {
    code: String,
    name: String,
    tier_code: String,
}

async fn save_unit(
    State(state): State<AppState>,
    writer: Writer,
    ApiJson(body): ApiJson<UnitBody>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>)> {
    let id = admin::save_unit(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        &body.code,
        &body.name,
        &body.tier_code,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    ))
}

async fn create_user(
    State(state): State<AppState>,
    writer: Writer,
    ApiJson(body): ApiJson<admin::NewUser>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>)> {
    let id = admin::create_user(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        body,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    ))
}

#[derive(Deserialize)]
struct ScopeBody {
    unit_id: Option<i64>,
    area_code: Option<String>,
}

async fn add_scope(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ScopeBody>,
) -> Result<StatusCode> {
    admin::add_scope(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        id,
        body.unit_id,
        body.area_code.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_round(
    State(state): State<AppState>,
    writer: Writer,
    ApiJson(body): ApiJson<admin::RoundSpec>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>)> {
    let id = admin::create_round(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        body,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    ))
}

async fn set_phase(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath(round): ApiPath<i64>,
    ApiJson(body): ApiJson<admin::PhaseSpec>,
) -> Result<StatusCode> {
    admin::set_phase(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        body,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn survey_template(
    State(state): State<AppState>,
    user: super::session::SignedIn,
    ApiPath(round): ApiPath<i64>,
) -> Result<axum::response::Response> {
    let units =
        crate::service::imports::survey_template_units(&state.store, &user.actor, round).await?;
    super::results::xlsx_download("Mẫu nhập điểm điều tra XHH.xlsx", move || {
        crate::excel::survey_import::template(&units)
    })
    .await
}

#[derive(Deserialize)]
struct ImportQuery {
    /// Kiểm tra trước: check and show the changes, write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The body is the .xlsx file itself.
async fn import_survey(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath(round): ApiPath<i64>,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<axum::Json<crate::service::imports::ImportReport>> {
    let report = crate::service::imports::import_survey(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        body.to_vec(),
        q.dry_run,
    )
    .await?;
    Ok(axum::Json(report))
}

async fn export_criteria(
    State(state): State<AppState>,
    user: super::session::SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response> {
    let set =
        crate::service::imports::criteria_set_for_export(&state.store, &user.actor, id).await?;
    let file_name = format!("Bộ tiêu chí {} {}.xlsx", set.code, set.version);
    super::results::xlsx_download(&file_name, move || {
        crate::excel::criteria_workbook::export(&set)
    })
    .await
}

/// The body is the .xlsx file itself.
async fn import_criteria(
    State(state): State<AppState>,
    writer: Writer,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<axum::Json<crate::service::imports::CriteriaImport>> {
    let report = crate::service::imports::import_criteria(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        body.to_vec(),
        q.dry_run,
    )
    .await?;
    Ok(axum::Json(report))
}

/// The units-and-users template: the directory as it is now, ready to edit.
async fn directory_template(
    State(state): State<AppState>,
    user: super::session::SignedIn,
) -> Result<axum::response::Response> {
    let t = crate::service::imports::directory_template(&state.store, &user.actor).await?;
    super::results::xlsx_download("Danh mục đơn vị và người dùng.xlsx", move || {
        crate::excel::directory_import::template(&t.tier_codes, &t.units, &t.users)
    })
    .await
}

/// The body is the .xlsx file itself. A real import answers the first password of each
/// new account, once.
async fn import_directory(
    State(state): State<AppState>,
    writer: Writer,
    axum::extract::Query(q): axum::extract::Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<axum::Json<crate::service::imports::DirectoryReport>> {
    let report = crate::service::imports::import_directory(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        body.to_vec(),
        q.dry_run,
    )
    .await?;
    Ok(axum::Json(report))
}

/// The criteria template: the sample set shipped with the application, in the import
/// layout, to be edited into a province's own set.
async fn criteria_template(user: super::session::SignedIn) -> Result<axum::response::Response> {
    let set = crate::service::imports::criteria_template(&user.actor)?;
    super::results::xlsx_download("Mẫu bộ tiêu chí.xlsx", move || {
        crate::excel::criteria_workbook::export(&set)
    })
    .await
}
