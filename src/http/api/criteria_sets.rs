//! Criteria sets as workbooks: a stored version out, the shipped template, a workbook in.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{ApiRouter, Binary, ErrorBody, IdPath, ImportQuery, XlsxBody, XlsxDownload};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiPath, Result};
use crate::http::extract::{AdminWriter, Query, Reader};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::imports::{self, CriteriaImport};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(export_criteria_set))
        .routes(routes!(criteria_template))
        .routes(routes!(import_criteria_set).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

/// A stored criteria set as a workbook
///
/// The Home Affairs layout, method and parameters in their own columns; for
/// administrators and viewers.
#[utoipa::path(
    get,
    path = "/api/criteria-sets/{id}/export.xlsx",
    tag = "criteria-sets",
    params(IdPath),
    responses(
        XlsxDownload,
        (status = 400, description = "Not a set id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such set", body = ErrorBody),
    )
)]
async fn export_criteria_set(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
) -> Result<Response> {
    let (set, tier) = imports::criteria_set_for_export(&state.ctx, &caller.who(), id).await?;
    let file_name = format!("Bộ tiêu chí {} {}.xlsx", set.code, set.version);
    xlsx_download(&file_name, move || {
        crate::excel::criteria_workbook::export(&set, tier.as_deref())
    })
    .await
}

/// The criteria-set template
///
/// The sample set shipped with the application in the import layout (sheets «Thông tin»,
/// «Tiêu chí», «Thưởng, trừ»), to be edited into a province's own set. Administrators only.
#[utoipa::path(
    get,
    path = "/api/criteria-sets/template.xlsx",
    tag = "criteria-sets",
    responses(
        XlsxDownload,
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
async fn criteria_template(Reader(caller): Reader) -> Result<Response> {
    let (set, tier) = imports::criteria_template(&caller.who())?;
    xlsx_download("Mẫu bộ tiêu chí.xlsx", move || {
        crate::excel::criteria_workbook::export(&set, tier.as_deref())
    })
    .await
}

/// Import a criteria set from its workbook
///
/// The body is the .xlsx file itself (at most 64 MB; sheets «Thông tin», «Tiêu chí»,
/// «Thưởng, trừ»). The answer gives `outcome` (created, replaced — a draft — or unchanged;
/// with `dry_run=true` what would happen, nothing written) and the `diff` against
/// `compared_with`: the same version when stored, else the latest version of the same set.
/// A published version with other content is refused (409), on a dry run too.
#[utoipa::path(
    post,
    path = "/api/criteria-sets/import",
    tag = "criteria-sets",
    security(("session" = [], "csrf" = [])),
    params(ImportQuery),
    request_body(content = inline(Binary),
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The criteria set's workbook"),
    responses(
        (status = 200, description = "What the import did, or (dry run) would do", body = CriteriaImport),
        (status = 400, description = "The body could not be read", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 409, description = "That version is published with other content", body = ErrorBody),
        (status = 413, description = "Larger than 64 MB", body = ErrorBody),
        (status = 422, description = "Problems in the workbook (sheet, row, field); nothing written", body = ErrorBody),
    )
)]
async fn import_criteria_set(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    Query(q): Query<ImportQuery>,
    XlsxBody(bytes): XlsxBody,
) -> Result<Json<CriteriaImport>> {
    let report = imports::import_criteria(&state.ctx, &caller.who(), bytes, q.dry_run).await?;
    Ok(Json(report))
}
