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

/// How long a download may stall (the client reading nothing) before it is given up.
const STALLED_DOWNLOAD: std::time::Duration = std::time::Duration::from_secs(120);

/// Large workbooks built at once; more wait their turn (each holds a blocking thread and,
/// for detail sheets, temporary files).
static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

type Chunk = std::io::Result<axum::body::Bytes>;

/// Sends each chunk the zip writer produces to the response body. The channel is bounded:
/// the writer waits while the client is slower, gives up after [`STALLED_DOWNLOAD`], and
/// stops when the client leaves. The first chunk also says "the file is under way".
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Chunk>,
    runtime: tokio::runtime::Handle,
    started: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

impl ChannelWriter {
    fn send(&self, chunk: Chunk) -> std::io::Result<()> {
        let sent = self
            .runtime
            .block_on(tokio::time::timeout(STALLED_DOWNLOAD, self.tx.send(chunk)));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client left",
            )),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            )),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(started) = self.started.take() {
            let _ = started.send(Ok(()));
        }
        self.send(Ok(axum::body::Bytes::copy_from_slice(buf)))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Builds a large workbook on a blocking thread and streams it to the client as it is
/// compressed: the finished file is never held in memory or on disk (rust_xlsxwriter writes
/// the zip in streaming mode; constant-memory sheets keep their rows in temporary files).
/// A failure before the first bytes leave (building, or the checks made on saving) is
/// answered as an error; one after cuts the download, so the client never gets a file that
/// looks whole but is not.
pub(super) async fn xlsx_stream(
    file_name: &str,
    build: impl FnOnce() -> std::result::Result<rust_xlsxwriter::Workbook, rust_xlsxwriter::XlsxError>
    + Send
    + 'static,
) -> Result<axum::response::Response> {
    use std::io::Write;
    const CHUNK: usize = 64 * 1024;
    let permit = EXPORTS
        .acquire()
        .await
        .map_err(|e| crate::service::ServiceError::Internal(e.to_string()))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let name = file_name.to_string();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut writer = std::io::BufWriter::with_capacity(
            CHUNK,
            ChannelWriter {
                tx,
                runtime,
                started: Some(started_tx),
            },
        );
        let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build()
                .and_then(|mut workbook| workbook.save_to_writer(&mut writer))
                .map_err(|e| e.to_string())
                .and_then(|()| writer.flush().map_err(|e| e.to_string()))
        }))
        .unwrap_or_else(|_| Err("panic while writing the workbook".into()));
        let Err(e) = saved else { return };
        let channel = writer.get_mut();
        match channel.started.take() {
            // Nothing sent yet: the handler answers with an error.
            Some(started) => {
                let _ = started.send(Err(e));
            }
            None => {
                tracing::error!(error = %e, file = name, "workbook download cut short");
                let _ = channel.send(Err(std::io::Error::other(e)));
            }
        }
    });
    match started_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, file = file_name, "workbook");
            return Err(ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Không tạo được tệp Excel. Vui lòng thử lại sau.",
            ));
        }
        Err(_) => {
            // The writer ended with neither a byte nor an error: a workbook always has
            // bytes, but answer rather than hang.
            return Err(crate::service::ServiceError::Internal(
                "workbook writer ended without output".into(),
            )
            .into());
        }
    }
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(xlsx_response(
        file_name,
        axum::body::Body::from_stream(stream),
    ))
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_workbook_that_fails_before_its_first_byte_is_an_error_not_a_cut_download() {
        // Excel refuses two sheets whose names differ only in case; rust_xlsxwriter finds
        // out on saving, after the workbook was built.
        let duplicate = super::xlsx_stream("x.xlsx", || {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            workbook.add_worksheet().set_name("Phường 1")?;
            workbook.add_worksheet().set_name("PHƯỜNG 1")?;
            Ok(workbook)
        })
        .await;
        assert_eq!(
            duplicate.err().map(|e| (e.status.as_u16(), e.code)),
            Some((500, "internal"))
        );
        let panicked = super::xlsx_stream("x.xlsx", || panic!("a bug while building")).await;
        assert_eq!(
            panicked.err().map(|e| (e.status.as_u16(), e.code)),
            Some((500, "internal"))
        );
    }

    #[tokio::test]
    async fn a_good_workbook_streams_whole() {
        let response = super::xlsx_stream("Xếp hạng.xlsx", || {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            for row in 0..20_000 {
                sheet.write_string(row, 0, format!("Đơn vị số {row}"))?;
            }
            Ok(workbook)
        })
        .await
        .expect("response");
        assert_eq!(response.status(), 200);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        // More than one 64 KiB chunk, and a whole zip: it ends with the end-of-directory record.
        assert!(bytes.len() > 64 * 1024, "{}", bytes.len());
        let tail = &bytes[bytes.len() - 22..];
        assert_eq!(&tail[..4], b"PK\x05\x06");
    }
}
