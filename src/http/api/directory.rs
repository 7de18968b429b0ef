//! The directory: tiers, units, users and appraisers' scopes, and their workbook.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{ApiRouter, Binary, Created, ErrorBody, IdPath, XlsxBody, XlsxDownload};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{AdminWriter, Query, Reader, Writer};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::admin::{self, CreatedUser, NewTier, NewUnit, NewUser, Scope, UserEdit};
use crate::service::imports::{self, DirectoryReport};
use crate::service::units::{self, PredecessorsChange, StatusChange, UnitPage};
use crate::store::{Tier, Unit, User};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(read_directory))
        .routes(routes!(directory_template))
        .routes(routes!(import_directory).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
        .routes(routes!(save_tier))
        .routes(routes!(save_unit))
        .routes(routes!(read_unit))
        .routes(routes!(retire_unit))
        .routes(routes!(restore_unit))
        .routes(routes!(set_predecessors))
        .routes(routes!(create_user))
        .routes(routes!(add_scope, remove_scope))
        .routes(routes!(update_user))
}

#[derive(Serialize, ToSchema)]
struct Directory {
    tiers: Vec<Tier>,
    /// In Vietnamese order.
    units: Vec<Unit>,
    users: Vec<User>,
}

/// Tiers, units and users; administrators only
#[utoipa::path(
    get,
    path = "/api/directory",
    tag = "directory",
    responses(
        (status = 200, description = "The directory", body = Directory),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
async fn read_directory(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Json<Directory>> {
    let (tiers, units, users) = admin::directory(&state.ctx, &caller.who()).await?;
    Ok(Json(Directory {
        tiers,
        units,
        users,
    }))
}

/// Create a tier (khối) or rename it; administrators only
#[utoipa::path(
    post,
    path = "/api/tiers",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    request_body = NewTier,
    responses(
        (status = 201, description = "Saved: the tier's id", body = Created),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 422, description = "A code or name missing", body = ErrorBody),
    )
)]
async fn save_tier(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<NewTier>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = admin::save_tier(&state.ctx, &caller.who(), body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Create a unit (đơn vị) or update its name and tier; administrators only
#[utoipa::path(
    post,
    path = "/api/units",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    request_body = NewUnit,
    responses(
        (status = 201, description = "Saved: the unit's id", body = Created),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such tier", body = ErrorBody),
        (status = 422, description = "A code or name missing", body = ErrorBody),
    )
)]
async fn save_unit(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<NewUnit>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = admin::save_unit(&state.ctx, &caller.who(), body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A unit, its tier, and the rounds it is a member of (newest first); administrators only
#[utoipa::path(
    get,
    path = "/api/units/{id}",
    tag = "directory",
    params(IdPath),
    responses(
        (status = 200, description = "The unit and its rounds", body = UnitPage),
        (status = 400, description = "Bad id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
    )
)]
async fn read_unit(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
) -> Result<Json<UnitPage>> {
    Ok(Json(units::unit_page(&state.ctx, &caller.who(), id).await?))
}

/// Record the units a unit was formed from (đơn vị tiền thân); administrators only
///
/// Replaces what was recorded; an empty list records none. Year-over-year views compare a
/// merged unit with these units' figures. Audited (`unit.predecessors`).
#[utoipa::path(
    put,
    path = "/api/units/{id}/predecessors",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = PredecessorsChange,
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 422, description = "An unknown code, the unit itself, or a circle (`field`: `predecessors`)", body = ErrorBody),
    )
)]
async fn set_predecessors(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<PredecessorsChange>,
) -> Result<StatusCode> {
    units::set_predecessors(&state.ctx, &caller.who(), id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retire a unit from the directory (merged, dissolved), with the reason; administrators only
///
/// The unit stays, under its name, in every round it is a member of; it joins no new round
/// and can no longer be added to one.
#[utoipa::path(
    post,
    path = "/api/units/{id}/retire",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = StatusChange,
    responses(
        (status = 204, description = "Retired"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 409, description = "Already retired", body = ErrorBody),
        (status = 422, description = "No reason (`field`: `reason`)", body = ErrorBody),
    )
)]
async fn retire_unit(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<StatusCode> {
    units::set_active(&state.ctx, &caller.who(), id, false, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Bring a retired unit back into the directory, with the reason; administrators only
#[utoipa::path(
    post,
    path = "/api/units/{id}/restore",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = StatusChange,
    responses(
        (status = 204, description = "Active again"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 409, description = "Not retired", body = ErrorBody),
        (status = 422, description = "No reason (`field`: `reason`)", body = ErrorBody),
    )
)]
async fn restore_unit(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<StatusCode> {
    units::set_active(&state.ctx, &caller.who(), id, true, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a user with a role (and a unit for officers and heads); administrators only
///
/// Without a role the account is a viewer; without a password one is made and returned
/// once. The user must change it at their first sign-in.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created: the user's id, and the first password if made here", body = CreatedUser),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such unit", body = ErrorBody),
        (status = 409, description = "The username is taken", body = ErrorBody),
        (status = 422, description = "A bad username, role, unit or password", body = ErrorBody),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<CreatedUser>)> {
    let created = admin::create_user(&state.ctx, &caller.who(), body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Change a user's name, role, unit, expiry, or disable or enable the account;
/// administrators only
///
/// A disabled account's sessions end. Administrators cannot disable themselves or drop
/// their own role.
#[utoipa::path(
    put,
    path = "/api/users/{id}",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = UserEdit,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such user or unit", body = ErrorBody),
        (status = 422, description = "A bad role, unit or date, or an administrator's own account", body = ErrorBody),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<UserEdit>,
) -> Result<StatusCode> {
    admin::update_user(&state.ctx, &caller.who(), id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A unit or a whole tier, and/or an area, an appraiser may appraise.
#[derive(Deserialize, ToSchema)]
struct ScopeBody {
    unit_id: Option<i64>,
    /// Every unit of this tier, those added later too.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    tier_code: Option<String>,
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    area_code: Option<String>,
}

impl From<ScopeBody> for Scope {
    fn from(body: ScopeBody) -> Self {
        Scope {
            unit_id: body.unit_id,
            tier_code: body.tier_code,
            area_code: body.area_code,
        }
    }
}

/// Limit an appraiser to a unit and/or an area; administrators only
///
/// Each scope widens what they may appraise.
#[utoipa::path(
    post,
    path = "/api/users/{id}/scopes",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = ScopeBody,
    responses(
        (status = 204, description = "Added"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 404, description = "No such unit or tier", body = ErrorBody),
        (status = 422, description = "The user is not an appraiser, or a unit and a tier at once", body = ErrorBody),
    )
)]
async fn add_scope(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<ScopeBody>,
) -> Result<StatusCode> {
    admin::add_scope(&state.ctx, &caller.who(), id, body.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove one of an appraiser's scopes; administrators only
///
/// With no scope left the appraiser may appraise every unit.
#[utoipa::path(
    delete,
    path = "/api/users/{id}/scopes",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = ScopeBody,
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such user, or no such scope", body = ErrorBody),
        (status = 422, description = "Both a unit and a tier", body = ErrorBody),
    )
)]
async fn remove_scope(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<ScopeBody>,
) -> Result<StatusCode> {
    admin::remove_scope(&state.ctx, &caller.who(), id, body.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The units-and-users template, filled with the directory as it is now
///
/// Sheets «Đơn vị» (Mã đơn vị, Tên đơn vị, Mã khối) and «Người dùng» (Tên đăng nhập, Họ và
/// tên, Vai trò, Mã đơn vị, Hiệu lực đến). Administrators only.
#[utoipa::path(
    get,
    path = "/api/directory/template.xlsx",
    tag = "directory",
    responses(
        XlsxDownload,
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
async fn directory_template(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Response> {
    let t = imports::directory_template(&state.ctx, &caller.who()).await?;
    xlsx_download("Danh mục đơn vị và người dùng.xlsx", move || {
        crate::excel::directory_import::template(&t.tier_codes, &t.units, &t.users)
    })
    .await
}

/// What a directory import does: check only, or write; and whether new units join the
/// rounds still open to changes.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DirectoryImportQuery {
    /// Kiểm tra trước: check and show the changes, write nothing.
    #[serde(default)]
    dry_run: bool,
    /// New units join the rounds still in preparation or self-assessing that rank their
    /// tier (listed in the report's `joins`); `false`: they join none. Default `true`.
    join_open_rounds: Option<bool>,
}

/// Import units and users from the template
///
/// The body is the .xlsx file itself (at most 64 MB). Units are created or updated by code,
/// accounts by username; accounts not in the file are left alone. With `dry_run=true`
/// nothing is written and the changes are listed field by field. A real import answers the
/// first password of each new account, once. An invalid file changes nothing; every
/// problem names the sheet, row and column.
#[utoipa::path(
    post,
    path = "/api/directory/import",
    tag = "directory",
    security(("session" = [], "csrf" = [])),
    params(DirectoryImportQuery),
    request_body(content = inline(Binary),
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The filled-in template"),
    responses(
        (status = 200, description = "The changes, made or (dry run) to be made", body = DirectoryReport),
        (status = 400, description = "The body could not be read", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 409, description = "An account changed by someone else meanwhile", body = ErrorBody),
        (status = 413, description = "Larger than 64 MB", body = ErrorBody),
        (status = 422, description = "Not a workbook of this layout, or bad values; nothing written", body = ErrorBody),
    )
)]
async fn import_directory(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    Query(q): Query<DirectoryImportQuery>,
    XlsxBody(bytes): XlsxBody,
) -> Result<Json<DirectoryReport>> {
    let join = q.join_open_rounds.unwrap_or(true);
    let report =
        imports::import_directory(&state.ctx, &caller.who(), bytes, q.dry_run, join).await?;
    Ok(Json(report))
}
