//! Survey scores (điều tra xã hội học) from a workbook: the template and the import.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{ApiRouter, Binary, ErrorBody, ImportQuery, RoundPath, XlsxBody, XlsxDownload};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiPath, Result};
use crate::http::extract::{AdminWriter, Query, Reader};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::imports::{self, ImportReport};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(survey_template))
        .routes(routes!(import_survey).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

/// The template for importing survey scores
///
/// A sheet per tier: one row per unit with its survey scores as stored now, one column
/// per survey leaf headed by its code, its text and maximum in the line below. The import
/// reads every sheet. Administrators only.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/import/survey/template.xlsx",
    tag = "survey",
    params(RoundPath),
    responses(
        XlsxDownload,
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn survey_template(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let units = imports::survey_template_units(&state.ctx, &caller.who(), round).await?;
    xlsx_download("Mẫu nhập điểm điều tra XHH.xlsx", move || {
        crate::excel::survey_import::template(&units)
    })
    .await
}

/// Import survey scores from the template
///
/// The body is the .xlsx file itself (at most 64 MB). With `dry_run=true` nothing is
/// written and the changes are listed. An invalid file changes nothing; every problem
/// names the sheet, row and column.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/import/survey",
    tag = "survey",
    security(("session" = [], "csrf" = [])),
    params(RoundPath, ImportQuery),
    request_body(content = inline(Binary),
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The filled-in template"),
    responses(
        (status = 200, description = "The changes, made or (dry run) to be made", body = ImportReport),
        (status = 400, description = "Not a round id, or the body could not be read", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 413, description = "Larger than 64 MB", body = ErrorBody),
        (status = 422, description = "Not a workbook of this layout, or bad values; nothing written", body = ErrorBody),
    )
)]
async fn import_survey(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    Query(q): Query<ImportQuery>,
    XlsxBody(bytes): XlsxBody,
) -> Result<Json<ImportReport>> {
    let report = imports::import_survey(&state.ctx, &caller.who(), round, bytes, q.dry_run).await?;
    Ok(Json(report))
}
