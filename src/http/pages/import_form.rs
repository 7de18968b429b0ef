//! The Excel import form shared by three pages (`_import_form.html`): the file, the
//! "Kiểm tra trước" box, the CSRF token (read by [`PageImport`](super::PageImport)).

use axum::http::StatusCode;

use super::{PageResult, refusal};
use crate::http::upload::ImportUpload;
use crate::service::ServiceError;

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
