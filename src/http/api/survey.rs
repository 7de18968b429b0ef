//! Survey scores (điều tra xã hội học) from a workbook: the template and the import.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ImportQuery;
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiPath, Result};
use crate::http::extract::{Query, Reader, Writer};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::imports::{self, ImportReport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/rounds/{round}/import/survey/template.xlsx",
            get(template),
        )
        .route(
            "/api/rounds/{round}/import/survey",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

async fn template(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath(round): ApiPath<i64>,
) -> Result<Response> {
    let units = imports::survey_template_units(&state.ctx, &who, round).await?;
    xlsx_download("Mẫu nhập điểm điều tra XHH.xlsx", move || {
        crate::excel::survey_import::template(&units)
    })
    .await
}

/// The body is the .xlsx file itself.
async fn import(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(round): ApiPath<i64>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>> {
    let report = imports::import_survey(&state.ctx, &who, round, body.to_vec(), q.dry_run).await?;
    Ok(Json(report))
}
