//! Evidence: upload a file (multipart), add a citation, list a unit's evidence, download
//! a file under its original name.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::domain::evidence::CitationDraft;
use crate::http::AppState;
use crate::http::download::attachment;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::http::upload::read_evidence;
use crate::service::evidence as service;
use crate::store::{EvidenceCitation, EvidenceFile, EvidenceList};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds/{round}/units/{unit}/evidence", get(list))
        .route(
            "/api/rounds/{round}/units/{unit}/evidence/files",
            // axum's default 2 MB limit is lifted here: `read_evidence` applies the
            // configured one.
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/evidence/files/{id}",
            get(download),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/evidence/citations",
            post(add_citation),
        )
}

async fn list(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<EvidenceList>> {
    Ok(Json(service::list(&state.ctx, &who, round, unit).await?))
}

async fn upload(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    request: Request,
) -> Result<(StatusCode, Json<EvidenceFile>)> {
    let (upload, _) = read_evidence(request, state.ctx.files.max_upload_bytes()).await?;
    let stored = service::upload_file(&state.ctx, &who, round, unit, upload).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Deserialize)]
struct CitationBody {
    /// Số ký hiệu.
    document_number: String,
    /// Ngày ban hành, dd/mm/yyyy.
    issued_on: String,
    /// Trích yếu.
    summary: String,
    /// Trang.
    #[serde(default)]
    pages: String,
    leaves: Vec<String>,
}

async fn add_citation(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<CitationBody>,
) -> Result<(StatusCode, Json<EvidenceCitation>)> {
    let draft = CitationDraft {
        document_number: body.document_number,
        issued_on: body.issued_on,
        summary: body.summary,
        pages: body.pages,
    };
    let citation =
        service::add_citation(&state.ctx, &who, round, unit, draft, &body.leaves).await?;
    Ok((StatusCode::CREATED, Json(citation)))
}

async fn download(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit, id)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    let (file, bytes) = service::download(&state.ctx, &who, round, unit, id).await?;
    let mut response = attachment(&file.original_name, &file.media_type, Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response.into_response())
}
