//! Evidence: upload a file (multipart), add a citation, list a unit's evidence, download
//! a file under its original name.

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{ApiRouter, Binary, ErrorBody, UnitPath};
use crate::domain::evidence::CitationDraft;
use crate::http::AppState;
use crate::http::download::attachment;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::http::upload::read_evidence;
use crate::service::evidence as service;
use crate::store::{EvidenceCitation, EvidenceFile, EvidenceList};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_evidence))
        // axum's default 2 MB limit is lifted here: `read_evidence` applies the configured
        // one.
        .routes(routes!(upload_evidence_file).layer(DefaultBodyLimit::disable()))
        .routes(routes!(upload_supplementary_file).layer(DefaultBodyLimit::disable()))
        .routes(routes!(download_evidence_file, remove_evidence_file))
        .routes(routes!(replace_evidence_file).layer(DefaultBodyLimit::disable()))
        .routes(routes!(reuse_evidence_file))
        .routes(routes!(remove_citation))
        .routes(routes!(add_citation))
}

/// The unit's evidence: files and citations, with the leaves each supports
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/evidence",
    tag = "evidence",
    params(UnitPath),
    responses(
        (status = 200, description = "Files and citations, oldest first", body = EvidenceList),
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit's evidence (yet)", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn list_evidence(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<EvidenceList>> {
    Ok(Json(
        service::list(&state.ctx, &caller.who(), round, unit).await?,
    ))
}

/// The multipart body of an upload, as `read_evidence` reads it part by part.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documentation only")]
struct EvidenceUpload {
    /// The file: PDF, Word, Excel, PNG or JPEG, checked by its content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The code of a leaf the file supports; one part per leaf, at least one.
    leaf: Vec<String>,
}

/// Upload an evidence file
///
/// Multipart: a `file` part and one `leaf` part per leaf it supports. PDF, Word, Excel,
/// PNG or JPEG, checked by content, up to the configured size (`max_upload_mb`).
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/evidence/files",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(UnitPath),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = EvidenceFile),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
        (status = 413, description = "Larger than the configured limit", body = ErrorBody),
        (status = 422, description = "A type not accepted, no file, or an unknown leaf", body = ErrorBody),
    )
)]
async fn upload_evidence_file(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
    request: Request,
) -> Result<(StatusCode, Json<EvidenceFile>)> {
    // Refused before the body is read when it would be refused after.
    service::may_upload(&state.ctx, &caller.who(), round, unit).await?;
    let (upload, _) = read_evidence(request, state.ctx.files.max_upload_bytes()).await?;
    let stored = service::upload_file(&state.ctx, &caller.who(), round, unit, upload).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Upload a supplementary file with an explanation (tài liệu bổ sung)
///
/// Multipart: a `file` part. It supports the leaf the appraisers asked about, and is
/// accepted while the unit may answer them (the explanation window, with its extensions),
/// after its self-assessment has closed.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/explanations/{leaf}/files",
    tag = "explanations",
    security(("session" = [], "csrf" = [])),
    params(super::LeafPath),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = EvidenceFile),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, the explanation window closed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "Published", body = ErrorBody),
        (status = 413, description = "Larger than the configured limit", body = ErrorBody),
        (status = 422, description = "A leaf not asked about, a type not accepted, or no file", body = ErrorBody),
    )
)]
async fn upload_supplementary_file(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(super::LeafPath { round, unit, leaf }): ApiPath<super::LeafPath>,
    request: Request,
) -> Result<(StatusCode, Json<EvidenceFile>)> {
    let who = caller.who();
    service::may_upload_supplementary(&state.ctx, &who, round, unit, &leaf).await?;
    let (upload, _) = read_evidence(request, state.ctx.files.max_upload_bytes()).await?;
    let stored =
        service::upload_supplementary(&state.ctx, &caller.who(), round, unit, &leaf, upload)
            .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Which leaf to take an item off.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LeafQuery {
    /// Take it off this leaf only; absent: off every leaf, which removes it.
    leaf: Option<String>,
}

/// Take an evidence file off a leaf, or remove it
///
/// While the unit may write its self-assessment; audited per leaf. A file left supporting
/// no leaf is removed from the unit's evidence.
#[utoipa::path(
    delete,
    path = "/api/rounds/{round}/units/{unit}/evidence/files/{id}",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(FilePath, LeafQuery),
    responses(
        (status = 204, description = "Taken off"),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such file of the unit, or not on that leaf", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
    )
)]
async fn remove_evidence_file(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(FilePath { round, unit, id }): ApiPath<FilePath>,
    crate::http::extract::Query(q): crate::http::extract::Query<LeafQuery>,
) -> Result<StatusCode> {
    service::remove(
        &state.ctx,
        &caller.who(),
        (round, unit),
        (false, id),
        q.leaf.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a citation off a leaf, or remove it
#[utoipa::path(
    delete,
    path = "/api/rounds/{round}/units/{unit}/evidence/citations/{id}",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(FilePath, LeafQuery),
    responses(
        (status = 204, description = "Taken off"),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such citation of the unit, or not on that leaf", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
    )
)]
async fn remove_citation(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(FilePath { round, unit, id }): ApiPath<FilePath>,
    crate::http::extract::Query(q): crate::http::extract::Query<LeafQuery>,
) -> Result<StatusCode> {
    service::remove(
        &state.ctx,
        &caller.who(),
        (round, unit),
        (true, id),
        q.leaf.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace an evidence file by another supporting the same leaves
///
/// Multipart: a `file` part. The new file is stored and linked first, then the old one
/// removed.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/evidence/files/{id}/replace",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(FilePath),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The new file", body = EvidenceFile),
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such file of the unit", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
        (status = 413, description = "Larger than the configured limit", body = ErrorBody),
        (status = 422, description = "A type not accepted, or no file", body = ErrorBody),
    )
)]
async fn replace_evidence_file(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(FilePath { round, unit, id }): ApiPath<FilePath>,
    request: Request,
) -> Result<(StatusCode, Json<EvidenceFile>)> {
    service::may_upload(&state.ctx, &caller.who(), round, unit).await?;
    let (upload, _) = read_evidence(request, state.ctx.files.max_upload_bytes()).await?;
    let stored =
        service::replace_file(&state.ctx, &caller.who(), (round, unit), id, upload).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Deserialize, ToSchema)]
struct CitationBody {
    /// Số ký hiệu.
    #[schema(max_length = 255, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    document_number: String,
    /// Ngày ban hành, dd/mm/yyyy.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    issued_on: String,
    /// Trích yếu.
    #[schema(
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    summary: String,
    /// Trang.
    #[serde(default)]
    #[schema(max_length = 255, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pages: String,
    /// The codes of the leaves the document supports.
    #[schema(max_items = 200)]
    leaves: Vec<String>,
}

/// Cite a document for one or more leaves
///
/// Số ký hiệu, ngày ban hành, trích yếu, trang.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/evidence/citations",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(UnitPath),
    request_body = CitationBody,
    responses(
        (status = 201, description = "Stored", body = EvidenceCitation),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
        (status = 422, description = "A missing field, a bad date (not a real day, in the future, or before 01/01/2000: `field` is `issued_on`), or an unknown leaf", body = ErrorBody),
    )
)]
async fn add_citation(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
    ApiJson(body): ApiJson<CitationBody>,
) -> Result<(StatusCode, Json<EvidenceCitation>)> {
    let draft = CitationDraft {
        document_number: body.document_number,
        issued_on: body.issued_on,
        summary: body.summary,
        pages: body.pages,
    };
    let citation =
        service::add_citation(&state.ctx, &caller.who(), round, unit, draft, &body.leaves).await?;
    Ok((StatusCode::CREATED, Json(citation)))
}

/// The leaf a file is used for too.
#[derive(Deserialize, ToSchema)]
struct ReuseBody {
    /// The leaf's code, e.g. "3.2.1".
    leaf: String,
}

/// Use a file already uploaded by the unit for one more leaf (Dùng tệp đã tải lên)
///
/// While the unit may write its self-assessment; audited on the leaf. A leaf the file
/// already supports is left as it is.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/evidence/files/{id}/leaves",
    tag = "evidence",
    security(("session" = [], "csrf" = [])),
    params(FilePath),
    request_body = ReuseBody,
    responses(
        (status = 204, description = "The file supports the leaf"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the unit's officer or head, deadline passed, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such file of the unit", body = ErrorBody),
        (status = 409, description = "Submitted, or published", body = ErrorBody),
        (status = 422, description = "No such leaf in the unit's criteria set", body = ErrorBody),
    )
)]
async fn reuse_evidence_file(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(FilePath { round, unit, id }): ApiPath<FilePath>,
    ApiJson(body): ApiJson<ReuseBody>,
) -> Result<StatusCode> {
    service::reuse_file(&state.ctx, &caller.who(), (round, unit), id, &body.leaf).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `/api/rounds/{round}/units/{unit}/evidence/{files|citations}/{id}`
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct FilePath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// Đơn vị (id).
    unit: i64,
    /// The file's or citation's id (`EvidenceFile.id`, `EvidenceCitation.id`).
    id: i64,
}

/// Download an evidence file under its original name
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/evidence/files/{id}",
    tag = "evidence",
    params(FilePath),
    responses(
        (status = 200, description = "The file, as an attachment, with its media type",
            content(
                (inline(Binary) = "application/pdf"),
                (inline(Binary) = "application/msword"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (inline(Binary) = "application/vnd.ms-excel"),
                (inline(Binary) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (inline(Binary) = "image/png"),
                (inline(Binary) = "image/jpeg"),
            ),
            headers(("content-disposition" = String, description = "attachment; the original name"))),
        (status = 400, description = "Not a round, unit or file id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit's evidence (yet)", body = ErrorBody),
        (status = 404, description = "No such round or file in this unit", body = ErrorBody),
    )
)]
async fn download_evidence_file(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(FilePath { round, unit, id }): ApiPath<FilePath>,
) -> Result<Response> {
    let (file, bytes) = service::download(&state.ctx, &caller.who(), round, unit, id).await?;
    let mut response = attachment(
        &file.original_name,
        &file.media_type,
        Body::from_stream(bytes),
    );
    let headers = response.headers_mut();
    if let Ok(size) = u64::try_from(file.size_bytes) {
        headers.insert(header::CONTENT_LENGTH, size.into());
    }
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
