//! Criteria sets as workbooks: a stored version out, the shipped template, a workbook in.

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
use crate::service::imports::{self, CriteriaImport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/criteria-sets/{id}/export.xlsx", get(export))
        .route("/api/criteria-sets/template.xlsx", get(template))
        .route(
            "/api/criteria-sets/import",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

async fn export(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let set = imports::criteria_set_for_export(&state.ctx, &who, id).await?;
    let file_name = format!("Bộ tiêu chí {} {}.xlsx", set.code, set.version);
    xlsx_download(&file_name, move || {
        crate::excel::criteria_workbook::export(&set)
    })
    .await
}

/// The criteria template: the sample set shipped with the application, in the import
/// layout, to be edited into a province's own set.
async fn template(Reader(who): Reader) -> Result<Response> {
    let set = imports::criteria_template(&who)?;
    xlsx_download("Mẫu bộ tiêu chí.xlsx", move || {
        crate::excel::criteria_workbook::export(&set)
    })
    .await
}

/// The body is the .xlsx file itself.
async fn import(
    State(state): State<AppState>,
    Writer(who): Writer,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Json<CriteriaImport>> {
    let report = imports::import_criteria(&state.ctx, &who, body.to_vec(), q.dry_run).await?;
    Ok(Json(report))
}
