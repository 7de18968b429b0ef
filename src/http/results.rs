//! Rounds and their results per tier, as JSON.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use super::error::{ApiError, ApiPath, Result};
use super::session::SignedIn;
use crate::service::results::{RoundResults, round_results, visible_to};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds", get(list_rounds))
        .route("/api/rounds/{id}/results", get(results))
        .route(
            "/api/rounds/{id}/export/ranking.xlsx",
            get(ranking_workbook),
        )
        .route(
            "/api/rounds/{id}/export/details.xlsx",
            get(details_workbook),
        )
        .route(
            "/api/rounds/{round}/units/{unit}/export/self-assessment.xlsx",
            get(self_assessment_workbook),
        )
}

#[derive(Serialize)]
struct RoundSummary {
    id: i64,
    year: i64,
    title: String,
}

async fn list_rounds(
    State(state): State<AppState>,
    _user: SignedIn,
) -> Result<Json<Vec<RoundSummary>>> {
    let rounds = state.store.rounds().await?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|(id, year, title)| RoundSummary { id, year, title })
            .collect(),
    ))
}

async fn results(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoundResults>> {
    let results = round_results(&state.store, id, state.clock.now()).await?;
    Ok(Json(
        visible_to(&state.store, state.clock.now(), results, &user.actor).await?,
    ))
}

/// The results of a round for a workbook: for administrators and viewers at any time, for
/// everyone signed in once the round is published.
async fn exportable_results(state: &AppState, user: &SignedIn, id: i64) -> Result<RoundResults> {
    use crate::domain::access::Role;
    let results = round_results(&state.store, id, state.clock.now()).await?;
    if results.published_at.is_none() && !matches!(user.actor.role, Role::Admin | Role::Viewer) {
        return Err(crate::service::ServiceError::Forbidden(
            "Bảng xếp hạng chỉ tải được sau khi kết quả được công bố.".into(),
        )
        .into());
    }
    Ok(results)
}

/// The ranking workbook, streamed. Up to [`crate::excel::DETAIL_SHEETS_IN_RANKING`] units
/// it carries a detail sheet per unit; beyond, those go to the detail workbook.
async fn ranking_workbook(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response> {
    let results = exportable_results(&state, &user, id).await?;
    let units: usize = results.tiers.iter().map(|t| t.units.len()).sum();
    let details = if units <= crate::excel::DETAIL_SHEETS_IN_RANKING {
        Some(crate::service::exports::round_details(&state.store, &results).await?)
    } else {
        None
    };
    let issuer = state.issuer.clone();
    let file_name = format!("Xếp hạng {}.xlsx", results.title);
    xlsx_stream(&file_name, move || {
        crate::excel::build_ranking_workbook(&results, details.as_deref(), &issuer)
    })
    .await
}

/// Every unit's detail, leaf by leaf, one sheet per unit in ranking order; streamed.
async fn details_workbook(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response> {
    let results = exportable_results(&state, &user, id).await?;
    let details = crate::service::exports::round_details(&state.store, &results).await?;
    let issuer = state.issuer.clone();
    let file_name = format!("Chi tiết từng đơn vị {}.xlsx", results.title);
    xlsx_stream(&file_name, move || {
        crate::excel::build_details_workbook(&details, &issuer)
    })
    .await
}

/// A unit's own score sheet (Biểu tự chấm điểm), for whoever may read its self-assessment,
/// during self-assessment too.
async fn self_assessment_workbook(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response> {
    let detail = crate::service::exports::unit_detail(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        round,
        unit,
    )
    .await?;
    let file_name = format!(
        "Biểu tự chấm điểm {} — {}.xlsx",
        detail.round_title, detail.unit_name
    );
    let issuer = state.issuer.clone();
    xlsx_download(&file_name, move || {
        crate::excel::self_assessment_workbook(&detail, &issuer)
    })
    .await
}

/// Builds a workbook on a blocking thread (off the async runtime) and answers it as a
/// download under `file_name`. For small files; large ones go through [`xlsx_stream`].
pub(super) async fn xlsx_download(
    file_name: &str,
    build: impl FnOnce() -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> + Send + 'static,
) -> Result<axum::response::Response> {
    let bytes = tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| crate::service::ServiceError::Invalid(e.to_string()))?
        .map_err(|e| workbook_failed(file_name, &e))?;
    Ok(xlsx_response(file_name, axum::body::Body::from(bytes)))
}

fn workbook_failed(file_name: &str, e: &rust_xlsxwriter::XlsxError) -> ApiError {
    tracing::error!(error = %e, file = file_name, "workbook");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Không tạo được tệp Excel. Vui lòng thử lại sau.",
    )
}

fn xlsx_response(file_name: &str, body: axum::body::Body) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                super::evidence::content_disposition(file_name),
            ),
        ],
        body,
    )
        .into_response()
}

/// Sends each chunk the zip writer produces to the response body; waits while the client
/// is slower than the writer (the channel is bounded), and stops when the client leaves.
struct ChannelWriter(tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>);

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(axum::body::Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Builds a large workbook on a blocking thread, then streams it to the client as it is
/// compressed: the finished file is never held in memory or on disk (rust_xlsxwriter writes
/// the zip in streaming mode; constant-memory sheets keep their rows in temporary files).
/// A failure while building is answered as an error; one while sending cuts the download.
pub(super) async fn xlsx_stream(
    file_name: &str,
    build: impl FnOnce() -> std::result::Result<rust_xlsxwriter::Workbook, rust_xlsxwriter::XlsxError>
    + Send
    + 'static,
) -> Result<axum::response::Response> {
    use std::io::Write;
    const CHUNK: usize = 64 * 1024;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(8);
    let (built_tx, built_rx) = tokio::sync::oneshot::channel();
    let name = file_name.to_string();
    tokio::task::spawn_blocking(move || {
        let mut workbook = match build() {
            Ok(workbook) => workbook,
            Err(e) => {
                let _ = built_tx.send(Err(e));
                return;
            }
        };
        let _ = built_tx.send(Ok(()));
        let mut writer = std::io::BufWriter::with_capacity(CHUNK, ChannelWriter(tx.clone()));
        let sent = workbook
            .save_to_writer(&mut writer)
            .and_then(|()| writer.flush().map_err(Into::into));
        if let Err(e) = sent {
            tracing::warn!(error = %e, file = name, "workbook download cut short");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    match built_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(workbook_failed(file_name, &e)),
        Err(_) => {
            return Err(
                crate::service::ServiceError::Invalid("Không tạo được tệp Excel.".into()).into(),
            );
        }
    }
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(xlsx_response(
        file_name,
        axum::body::Body::from_stream(stream),
    ))
}
