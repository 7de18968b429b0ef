//! Files sent from a browser or a client: evidence uploads (`multipart/form-data` with the
//! file and the leaves it supports) and the Excel file of an import form.

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;

use super::error::{HttpError, Result};
use crate::files::{Incoming, Received};
use crate::service::evidence::Upload;

/// Room for the multipart framing and the `leaf` parts beyond the file itself.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

fn too_large(max_bytes: u64) -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!(
            "Tệp vượt quá dung lượng cho phép ({} MB). Hãy giảm dung lượng (nén, quét lại với độ phân giải thấp hơn) hoặc tách thành nhiều tệp.",
            max_bytes / (1024 * 1024)
        ),
    )
}

fn multipart_error(max_bytes: u64, e: axum::extract::multipart::MultipartError) -> HttpError {
    // The length limit's error arrives wrapped once per body layer; look down the chain.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return too_large(max_bytes);
        }
        cause = c.source();
    }
    HttpError::new(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        "Không nhận được trọn tệp gửi lên; vui lòng gửi lại.",
    )
}

/// Reads `multipart/form-data` with a `file` part and one `leaf` part per leaf it
/// supports, and (for the page's form, which cannot send headers) a `csrf` part. The file
/// goes to a temporary file chunk by chunk as it arrives, so memory does not grow with
/// its size or with the number of uploads at once; past `max_bytes` it is refused without
/// reading further.
pub async fn read_evidence(request: Request, max_bytes: u64) -> Result<(Upload, Option<String>)> {
    let mut multipart = limited_multipart(request, max_bytes).await?;
    let refused = |e| multipart_error(max_bytes, e);
    let (mut file, mut leaves, mut csrf) = (None::<(String, Received)>, Vec::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("file") if file.is_some() => {
                return Err(HttpError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "Mỗi lần chỉ tải lên một tệp.",
                ));
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let mut incoming = Incoming::new().await.map_err(|e| HttpError::internal(&e))?;
                while let Some(chunk) = field.chunk().await.map_err(refused)? {
                    incoming
                        .write(&chunk)
                        .await
                        .map_err(|e| HttpError::internal(&e))?;
                    if incoming.size() > max_bytes {
                        return Err(too_large(max_bytes));
                    }
                }
                let received = incoming
                    .finish()
                    .await
                    .map_err(|e| HttpError::internal(&e))?;
                // A browser sends an empty, unnamed part when no file was chosen.
                if !(name.is_empty() && received.size() == 0) {
                    file = Some((name, received));
                }
            }
            Some("leaf") => {
                if leaves.len() >= crate::domain::text::limit::LEAVES as usize {
                    return Err(HttpError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        format!(
                            "Một tệp chứng minh tối đa {} tiêu chí.",
                            crate::domain::text::limit::LEAVES
                        ),
                    ));
                }
                leaves.push(small_part(&mut field, "leaf", max_bytes).await?);
            }
            Some("csrf") => csrf = Some(small_part(&mut field, "csrf", max_bytes).await?),
            // Other parts are skipped unread by the next `next_field`.
            _ => {}
        }
    }
    let (file_name, file) = file.ok_or_else(|| {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "Chưa chọn tệp nào: hãy chọn tệp tài liệu kiểm chứng (phần «file») rồi tải lên.",
        )
    })?;
    let upload = Upload {
        file_name,
        file,
        leaves,
    };
    Ok((upload, csrf))
}

/// The most bytes a text part of an upload (a leaf code, the CSRF token) may have.
const SMALL_PART: usize = 1024;

/// A text part of an upload, read chunk by chunk and refused past [`SMALL_PART`] bytes,
/// so no part but the file is ever large in memory.
async fn small_part(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
    max_bytes: u64,
) -> Result<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(max_bytes, e))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > SMALL_PART {
            return Err(HttpError::field(
                name,
                format!("dài quá {SMALL_PART} byte."),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| HttpError::field(name, "không phải chữ UTF-8."))
}

/// The multipart body of `request`, cut off past `max_bytes` plus the framing.
async fn limited_multipart(request: Request, max_bytes: u64) -> Result<Multipart> {
    let limit = max_bytes.saturating_add(MULTIPART_OVERHEAD);
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(
        body,
        usize::try_from(limit).unwrap_or(usize::MAX),
    ));
    Multipart::from_request(Request::from_parts(parts, body), &())
        .await
        .map_err(|_| {
            HttpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Cần gửi dạng multipart/form-data với phần «file» và các phần «leaf».",
            )
        })
}

/// The largest Excel file an import accepts.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// An import form: the CSRF token, the "Kiểm tra trước" box and the file.
pub struct ImportUpload {
    pub csrf: Option<String>,
    pub dry_run: bool,
    pub bytes: Vec<u8>,
    /// The token of a file checked by a dry run and held on the server, to apply without
    /// sending it again.
    pub held: Option<String>,
}

/// Reads an import form (`csrf`, `dry_run`, `file`, or `held` instead of the file).
pub async fn read_import(mut multipart: Multipart) -> Result<ImportUpload> {
    let mut upload = ImportUpload {
        csrf: None,
        dry_run: false,
        bytes: Vec::new(),
        held: None,
    };
    let refused = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "Tệp quá lớn: tệp Excel nhập vào tối đa 64 MB.",
            )
        } else {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Không nhận được trọn tệp gửi lên; vui lòng chọn tệp và gửi lại.",
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("csrf") => upload.csrf = Some(field.text().await.map_err(refused)?),
            Some("dry_run") => upload.dry_run = true,
            Some("held") => upload.held = Some(field.text().await.map_err(refused)?),
            Some("file") => upload.bytes = field.bytes().await.map_err(refused)?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;

    async fn read(request: Request, max: u64) -> super::Result<crate::service::evidence::Upload> {
        super::read_evidence(request, max)
            .await
            .map(|(upload, _)| upload)
    }

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
        let upload = read(multipart(b"%PDF-1.4", &["1.1", "1.2"]), mb)
            .await
            .expect("within the limit");
        assert_eq!(
            (upload.file_name.as_str(), upload.leaves.len()),
            ("a.pdf", 2)
        );
        let err = read(multipart(&vec![b'x'; 2 * mb as usize], &["1.1"]), mb)
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

    #[tokio::test]
    async fn no_file_chosen_says_so() {
        let body = "--B\r\ncontent-disposition: form-data; name=\"leaf\"\r\n\r\n1.1\r\n--B\r\ncontent-disposition: form-data; name=\"file\"; filename=\"\"\r\ncontent-type: application/octet-stream\r\n\r\n\r\n--B--\r\n";
        let request = Request::builder()
            .header("content-type", "multipart/form-data; boundary=B")
            .body(Body::from(body))
            .expect("request");
        let err = read(request, 1024 * 1024).await.expect_err("no file");
        assert_eq!((err.status.as_u16(), err.code), (422, "invalid_input"));
        assert!(
            err.message.starts_with("Chưa chọn tệp nào"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn the_parts_beside_the_file_stay_small() {
        let mb = 1024 * 1024;
        let long_leaf = "1".repeat(10_000);
        let err = read(multipart(b"%PDF-1.4", &[long_leaf.as_str()]), mb)
            .await
            .expect_err("a leaf part of 10 000 bytes");
        assert_eq!((err.status.as_u16(), err.code), (422, "invalid_input"));
        assert!(err.message.contains("«leaf»"), "{}", err.message);
        let many: Vec<String> = (0..201).map(|i| format!("1.{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let err = read(multipart(b"%PDF-1.4", &many), mb)
            .await
            .expect_err("201 leaves");
        assert!(
            err.message.contains("tối đa 200 tiêu chí"),
            "{}",
            err.message
        );
    }
}
