//! The directory: tiers, units, users and appraisers' scopes, and their workbook.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::{Created, ImportQuery};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Query, Reader, Writer};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::admin::{self, NewTier, NewUnit, NewUser, Scope};
use crate::service::imports::{self, DirectoryReport};
use crate::store::{Tier, Unit, User};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/directory", get(directory))
        .route("/api/directory/template.xlsx", get(template))
        .route(
            "/api/directory/import",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/api/tiers", post(save_tier))
        .route("/api/units", post(save_unit))
        .route("/api/users", post(create_user))
        .route("/api/users/{id}/scopes", post(add_scope))
}

#[derive(Serialize)]
struct Directory {
    tiers: Vec<Tier>,
    units: Vec<Unit>,
    users: Vec<User>,
}

async fn directory(State(state): State<AppState>, Reader(who): Reader) -> Result<Json<Directory>> {
    let (tiers, units, users) = admin::directory(&state.ctx, &who).await?;
    Ok(Json(Directory {
        tiers,
        units,
        users,
    }))
}

async fn save_tier(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(body): ApiJson<NewTier>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = admin::save_tier(&state.ctx, &who, body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn save_unit(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(body): ApiJson<NewUnit>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = admin::save_unit(&state.ctx, &who, body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn create_user(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = admin::create_user(&state.ctx, &who, body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize)]
struct ScopeBody {
    unit_id: Option<i64>,
    area_code: Option<String>,
}

async fn add_scope(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ScopeBody>,
) -> Result<StatusCode> {
    let scope = Scope {
        unit_id: body.unit_id,
        area_code: body.area_code,
    };
    admin::add_scope(&state.ctx, &who, id, scope).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The units-and-users template: the directory as it is now, ready to edit.
async fn template(State(state): State<AppState>, Reader(who): Reader) -> Result<Response> {
    let t = imports::directory_template(&state.ctx, &who).await?;
    xlsx_download("Danh mục đơn vị và người dùng.xlsx", move || {
        crate::excel::directory_import::template(&t.tier_codes, &t.units, &t.users)
    })
    .await
}

/// The body is the .xlsx file itself. A real import answers the first password of each
/// new account, once.
async fn import(
    State(state): State<AppState>,
    Writer(who): Writer,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<DirectoryReport>> {
    let report = imports::import_directory(&state.ctx, &who, body.to_vec(), q.dry_run).await?;
    Ok(Json(report))
}
