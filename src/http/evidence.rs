//! Evidence over the API: upload a file (multipart), add a citation, list a unit's
//! evidence, download a file under its original name. Every rule is the service's.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, Result};
use super::session::{SignedIn, Writer};
use crate::domain::evidence::CitationDraft;
use crate::service::evidence::{self as service, Upload};
use crate::store::{EvidenceCitation, EvidenceFile, EvidenceList};

/// Room for the multipart framing and the `leaf` parts beyond the file itself.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds/{round}/units/{unit}/evidence", get(list))
        .route(
            "/api/rounds/{round}/units/{unit}/evidence/files",
            // axum's default 2 MB limit is lifted here: `upload` applies the configured one.
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
    user: SignedIn,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<EvidenceList>> {
    Ok(Json(
        service::list(&state.store, state.clock.as_ref(), &user.actor, round, unit).await?,
    ))
}

fn too_large(max_bytes: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!(
            "Tệp vượt quá dung lượng cho phép ({} MB). Hãy giảm dung lượng (nén, quét lại với độ phân giải thấp hơn) hoặc tách thành nhiều tệp.",
            max_bytes / (1024 * 1024)
        ),
    )
}

fn multipart_error(max_bytes: u64, e: axum::extract::multipart::MultipartError) -> ApiError {
    // The length limit's error arrives wrapped once per body layer; look down the chain.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return too_large(max_bytes);
        }
        cause = c.source();
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        format!("Dữ liệu gửi lên không hợp lệ: {}", e.body_text()),
    )
}

/// Reads `multipart/form-data` with a `file` part and one `leaf` part per leaf it
/// supports. The body is cut off past `max_bytes` plus the framing, so an oversized
/// upload is refused without being read whole; the exact limit is the service's check.
/// Reads an upload: the `file` part, the `leaf` parts, and (for the page's form, which
/// cannot send headers) a `csrf` part.
pub(super) async fn read_upload_with_csrf(
    request: Request,
    max_bytes: u64,
) -> Result<(Upload, Option<String>)> {
    read_parts(request, max_bytes).await
}

async fn read_upload(request: Request, max_bytes: u64) -> Result<Upload> {
    read_parts(request, max_bytes)
        .await
        .map(|(upload, _)| upload)
}

async fn read_parts(request: Request, max_bytes: u64) -> Result<(Upload, Option<String>)> {
    let limit = max_bytes.saturating_add(MULTIPART_OVERHEAD);
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(
        body,
        usize::try_from(limit).unwrap_or(usize::MAX),
    ));
    let mut multipart = Multipart::from_request(Request::from_parts(parts, body), &())
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!(
                    "Cần gửi dạng multipart/form-data với phần «file» và các phần «leaf»: {}",
                    e.body_text()
                ),
            )
        })?;
    let mut file: Option<(String, Bytes)> = None;
    let mut leaves = Vec::new();
    let mut csrf = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(max_bytes, e))?
    {
        match field.name() {
            Some("file") => {
                if file.is_some() {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        "Mỗi lần chỉ tải lên một tệp.",
                    ));
                }
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| multipart_error(max_bytes, e))?;
                file = Some((name, bytes));
            }
            Some("leaf") => leaves.push(
                field
                    .text()
                    .await
                    .map_err(|e| multipart_error(max_bytes, e))?,
            ),
            Some("csrf") => {
                csrf = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| multipart_error(max_bytes, e))?,
                )
            }
            // Other parts are skipped unread by the next `next_field`.
            _ => {}
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "Chưa có tệp: cần phần «file» chứa tệp tài liệu kiểm chứng.",
        )
    })?;
    Ok((
        Upload {
            file_name,
            bytes,
            leaves,
        },
        csrf,
    ))
}

async fn upload(
    State(state): State<AppState>,
    writer: Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    request: Request,
) -> Result<(StatusCode, Json<EvidenceFile>)> {
    let upload = read_upload(request, state.files.max_upload_bytes()).await?;
    let stored = service::upload_file(
        &state.store,
        &state.files,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        upload,
    )
    .await?;
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
    writer: Writer,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<CitationBody>,
) -> Result<(StatusCode, Json<EvidenceCitation>)> {
    let draft = CitationDraft {
        document_number: body.document_number,
        issued_on: body.issued_on,
        summary: body.summary,
        pages: body.pages,
    };
    let citation = service::add_citation(
        &state.store,
        state.clock.as_ref(),
        &writer.actor,
        &writer.address,
        round,
        unit,
        draft,
        &body.leaves,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(citation)))
}

async fn download(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath((round, unit, id)): ApiPath<(i64, i64, i64)>,
) -> Result<Response> {
    let (file, bytes) = service::download(
        &state.store,
        &state.files,
        state.clock.as_ref(),
        &user.actor,
        round,
        unit,
        id,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&file.original_name),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// RFC 5987 `attr-char`: what may stand unencoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment` with the name twice (RFC 6266): `filename*` in UTF-8 for browsers, and
/// an ASCII `filename` for the rest, with Vietnamese letters stripped of their marks
/// ("Kế hoạch" → "Ke hoach") rather than lost.
pub(crate) fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .nfd()
        .filter_map(|c| match c {
            'đ' => Some('d'),
            'Đ' | 'Ð' => Some('D'),
            c if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' => Some(c),
            // Combining marks (the diacritics after NFD) go; other letters become '_'.
            c if ('\u{0300}'..='\u{036f}').contains(&c) => None,
            _ => Some('_'),
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;

    fn multipart(file: &[u8], leaves: &[&str]) -> Request {
        let mut body = Vec::new();
        for leaf in leaves {
            body.extend_from_slice(
                format!("--B\r\ncontent-disposition: form-data; name=\"leaf\"\r\n\r\n{leaf}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            b"--B\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n",
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n--B--\r\n");
        Request::builder()
            .header("content-type", "multipart/form-data; boundary=B")
            .body(Body::from(body))
            .expect("request")
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_cut_off_with_the_limit_in_the_message() {
        let mb = 1024 * 1024;
        let upload = super::read_upload(multipart(b"%PDF-1.4", &["1.1", "1.2"]), mb)
            .await
            .expect("within the limit");
        assert_eq!(
            (upload.file_name.as_str(), upload.leaves.len()),
            ("a.pdf", 2)
        );
        let err = super::read_upload(multipart(&vec![b'x'; 2 * mb as usize], &["1.1"]), mb)
            .await
            .expect_err("refused");
        assert_eq!(
            (err.status.as_u16(), err.code),
            (413, "file_too_large"),
            "{}",
            err.message
        );
        assert!(err.message.contains("(1 MB)"), "{}", err.message);
    }

    #[test]
    fn vietnamese_names_are_sent_both_ways() {
        assert_eq!(
            super::content_disposition("Kế hoạch CCHC 2023.pdf"),
            "attachment; filename=\"Ke hoach CCHC 2023.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20CCHC%202023.pdf"
        );
        assert_eq!(
            super::content_disposition("Đề án \"số 1\".docx"),
            "attachment; filename=\"De an _so 1_.docx\"; filename*=UTF-8''%C4%90%E1%BB%81%20%C3%A1n%20%22s%E1%BB%91%201%22.docx"
        );
    }
}
