//! Rounds and their results per tier, as JSON.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use super::error::{ApiPath, Result};
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

/// The ranking workbook: for administrators and viewers at any time, for everyone signed
/// in once the round is published. Built on a blocking thread, off the async runtime.
async fn ranking_workbook(
    State(state): State<AppState>,
    user: SignedIn,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::response::Response> {
    use crate::domain::access::Role;
    let results = round_results(&state.store, id, state.clock.now()).await?;
    if results.published_at.is_none() && !matches!(user.actor.role, Role::Admin | Role::Viewer) {
        return Err(crate::service::ServiceError::Forbidden(
            "Bảng xếp hạng chỉ tải được sau khi kết quả được công bố.".into(),
        )
        .into());
    }
    let details = crate::service::exports::round_details(&state.store, &results).await?;
    let issuer = state.issuer.clone();
    let file_name = format!("Xếp hạng {}.xlsx", results.title);
    xlsx_download(&file_name, move || {
        crate::excel::ranking_workbook(&results, &details, &issuer)
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
/// download under `file_name`.
pub(super) async fn xlsx_download(
    file_name: &str,
    build: impl FnOnce() -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> + Send + 'static,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let bytes = tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| crate::service::ServiceError::Invalid(e.to_string()))?
        .map_err(|e| {
            tracing::error!(error = %e, file = file_name, "workbook");
            super::error::ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Không tạo được tệp Excel. Vui lòng thử lại sau.",
            )
        })?;
    Ok((
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
        bytes,
    )
        .into_response())
}
