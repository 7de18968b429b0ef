//! The Excel import form shared by three pages (`_import_form.html`): the file, the
//! "Kiểm tra trước" box, the CSRF token (read by [`PageImport`](super::PageImport)); and
//! for the directory, the one button that applies a file its dry run found without
//! errors (`_import_apply.html`), held on the server meanwhile.

use axum::http::StatusCode;

use super::{PageResult, refusal};
use crate::http::extract::SignedIn;
use crate::http::upload::ImportUpload;
use crate::service::{Context, ServiceError, Who, auth};

/// Runs an import (a check, or the write unless "Kiểm tra trước" is ticked). Gives its
/// report, or the refusal with every problem in the file to show on the page.
pub async fn run_import<R>(
    upload: ImportUpload,
    run: impl AsyncFnOnce(Vec<u8>, bool) -> Result<R, ServiceError>,
) -> PageResult<Result<R, (StatusCode, String)>> {
    match run(upload.bytes, upload.dry_run).await {
        Ok(report) => Ok(Ok(report)),
        Err(e) => Ok(Err(refusal(e)?)),
    }
}

/// Runs an import like [`run_import`], holding the file of a dry run without errors for
/// this session under a token (returned, for the button that applies it); a form that
/// sends that token instead of a file applies the held file for real, then forgets it.
pub async fn run_held_import<R>(
    ctx: &Context,
    (user, who): (&SignedIn, &Who),
    purpose: &str,
    upload: ImportUpload,
    run: impl AsyncFnOnce(Vec<u8>, bool) -> Result<R, ServiceError>,
) -> PageResult<(Result<R, (StatusCode, String)>, Option<String>)> {
    let held = upload
        .held
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let (bytes, dry_run) = match held {
        Some(token) if upload.bytes.is_empty() => {
            match auth::held_file(ctx, who, &user.token, purpose, token).await? {
                Some(bytes) => (bytes, false),
                None => {
                    let expired = ServiceError::Conflict(format!(
                        "Tệp đã kiểm tra không còn được giữ (quá {} phút, hoặc đã nhập rồi): hãy chọn lại tệp và kiểm tra trước.",
                        auth::HELD_MINUTES
                    ));
                    return Ok((Err(refusal(expired)?), None));
                }
            }
        }
        _ => (upload.bytes, upload.dry_run),
    };
    let kept = dry_run.then(|| bytes.clone());
    match run(bytes, dry_run).await {
        Ok(report) => {
            let token = match kept {
                Some(bytes) => Some(auth::hold_file(ctx, who, &user.token, purpose, &bytes).await?),
                None => {
                    if let Some(token) = held {
                        auth::forget_file(ctx, &user.token, purpose, token).await?;
                    }
                    None
                }
            };
            Ok((Ok(report), token))
        }
        Err(e) => Ok((Err(refusal(e)?), None)),
    }
}
