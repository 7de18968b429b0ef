//! The round's workbooks (ranking, detail) and a unit's own score sheet.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::http::AppState;
use crate::http::download::{xlsx_download, xlsx_stream};
use crate::http::error::{ApiPath, Result};
use crate::http::extract::Reader;
use crate::service::exports;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rounds/{round}/export/ranking.xlsx", get(ranking))
        .route("/api/rounds/{round}/export/details.xlsx", get(details))
        .route(
            "/api/rounds/{round}/units/{unit}/export/self-assessment.xlsx",
            get(self_assessment),
        )
}

/// The ranking workbook, streamed. Up to [`crate::excel::DETAIL_SHEETS_IN_RANKING`] units
/// it carries a detail sheet per unit; beyond, those go to the detail workbook.
async fn ranking(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath(round): ApiPath<i64>,
) -> Result<Response> {
    let (results, details) = exports::ranking(&state.ctx, &who, round).await?;
    let issuer = state.issuer.clone();
    let file_name = format!("Xếp hạng {}.xlsx", results.title);
    xlsx_stream(&file_name, move || {
        crate::excel::build_ranking_workbook(&results, details.as_deref(), &issuer)
    })
    .await
}

/// Every unit's detail, leaf by leaf, one sheet per unit in ranking order; streamed.
async fn details(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath(round): ApiPath<i64>,
) -> Result<Response> {
    let (results, details) = exports::details(&state.ctx, &who, round).await?;
    let issuer = state.issuer.clone();
    let file_name = format!("Chi tiết từng đơn vị {}.xlsx", results.title);
    xlsx_stream(&file_name, move || {
        crate::excel::build_details_workbook(&details, &issuer)
    })
    .await
}

/// A unit's own score sheet (Biểu tự chấm điểm), for whoever may read its self-assessment,
/// during self-assessment too.
async fn self_assessment(
    State(state): State<AppState>,
    Reader(who): Reader,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> Result<Response> {
    let detail = exports::unit_detail(&state.ctx, &who, round, unit).await?;
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
