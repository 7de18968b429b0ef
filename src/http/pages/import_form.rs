//! The Excel import form shared by three pages (`_import_form.html`): the file, the
//! "Kiểm tra trước" box, the CSRF token.

use axum::extract::Multipart;
use axum::http::StatusCode;

use super::{PageResult, refusal};
use crate::http::extract::SignedIn;
use crate::http::upload::read_import;
use crate::service::ServiceError;

/// Reads an import form, checks its CSRF token, then runs the import (a check, or the
/// write unless "Kiểm tra trước" is ticked). Gives its report, or the refusal with every
/// problem in the file to show on the page.
pub async fn import_from_page<R>(
    user: &SignedIn,
    multipart: Multipart,
    run: impl AsyncFnOnce(Vec<u8>, bool) -> Result<R, ServiceError>,
) -> PageResult<Result<R, (StatusCode, String)>> {
    let upload = read_import(multipart).await?;
    user.check_csrf(upload.csrf.as_deref())?;
    match run(upload.bytes, upload.dry_run).await {
        Ok(report) => Ok(Ok(report)),
        Err(e) => Ok(Err(refusal(e)?)),
    }
}
