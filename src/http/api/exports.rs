//! The round's workbooks (ranking, detail) and a unit's own score sheet.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, RoundPath, UnitPath, XlsxDownload};
use crate::http::AppState;
use crate::http::download::{xlsx_download, xlsx_stream};
use crate::http::error::{ApiPath, Result};
use crate::http::extract::Reader;
use crate::service::exports;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(export_ranking))
        .routes(routes!(export_details))
        .routes(routes!(export_self_assessment))
}

/// Why a round's workbook may be refused.
#[allow(dead_code)] // documentation only: the refusals are `HttpError`s
#[derive(utoipa::IntoResponses)]
enum RoundWorkbookRefusals {
    #[response(status = 400, description = "Not a round id")]
    BadId(ErrorBody),
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(status = 403, description = "Not published yet, for this role")]
    NotPublished(ErrorBody),
    #[response(status = 404, description = "No such round")]
    NoSuchRound(ErrorBody),
}

/// The ranking workbook (Excel), streamed
///
/// The annex as it is signed: «Phụ lục I.n», the ranking of each tier; «Phụ lục II», the
/// component index of each unit by area; «Biểu đồ», a chart per tier. For administrators
/// and viewers at any time, for everyone signed in after publication. Each unit's detail
/// is in `details.xlsx`.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/ranking.xlsx",
    tag = "exports",
    params(RoundPath),
    responses(XlsxDownload, RoundWorkbookRefusals,)
)]
async fn export_ranking(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let who = caller.who();
    let results = exports::ranking(&state.ctx, &who, round).await?;
    let (issuer, annex) = (state.issuer.clone(), state.annex.clone());
    let today = crate::domain::deadline::vn_date(who.now.timestamp());
    let file_name = format!("Xếp hạng {}.xlsx", results.title);
    xlsx_stream(&file_name, move |_| {
        crate::excel::build_ranking_workbook(&results, &issuer, &annex, today)
    })
    .await
}

/// Every unit's detail, leaf by leaf (Excel), streamed
///
/// One sheet per tier, its units in ranking order, each starting a printed page: code,
/// text, maximum, self, appraised, difference, notes, evidence count. Same access as the
/// ranking workbook.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/details.xlsx",
    tag = "exports",
    params(RoundPath),
    responses(XlsxDownload, RoundWorkbookRefusals,)
)]
async fn export_details(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let (results, round) = exports::details(&state.ctx, &caller.who(), round).await?;
    let issuer = state.issuer.clone();
    let file_name = format!("Chi tiết từng đơn vị {}.xlsx", results.title);
    let store = state.ctx.store.clone();
    let runtime = tokio::runtime::Handle::current();
    xlsx_stream(&file_name, move |watch| {
        // On the blocking thread: each chunk of units is read, written, then dropped; the
        // work stops at the next chunk once the client has left.
        let chunks = exports::detail_chunks(&results)
            .into_iter()
            .map(|(tier, units)| {
                if watch.left() {
                    return Err(crate::http::download::Watch::gone());
                }
                runtime
                    .block_on(exports::details_of(&store, &round, &tier, &units))
                    .map_err(|e| rust_xlsxwriter::XlsxError::IoError(std::io::Error::other(e)))
            });
        crate::excel::build_details_workbook_from(chunks, &issuer)
    })
    .await
}

/// A unit's score sheet (Biểu tự chấm điểm, Excel)
///
/// Headed by the body above the unit and the unit itself, with the national name, a
/// number, the place and date; the criteria with area subtotals, then the figures (survey,
/// bonus, penalty, applicable maximum, index) and the head's signature with the name of the
/// account that submitted it. For whoever may read the unit's self-assessment, during
/// self-assessment too («DỰ THẢO» until it is submitted).
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/export/self-assessment.xlsx",
    tag = "exports",
    params(UnitPath),
    responses(
        XlsxDownload,
        (status = 400, description = "Not a round or unit id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "May not read this unit's self-assessment", body = ErrorBody),
        (status = 404, description = "No such round, or the unit is not in it", body = ErrorBody),
    )
)]
async fn export_self_assessment(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Response> {
    let who = caller.who();
    let detail = exports::unit_detail(&state.ctx, &who, round, unit).await?;
    let file_name = format!(
        "Biểu tự chấm điểm {} — {}.xlsx",
        detail.round_title, detail.unit_name
    );
    let annex = state.annex.clone();
    let today = crate::domain::deadline::vn_date(who.now.timestamp());
    xlsx_download(&file_name, move || {
        crate::excel::self_assessment_workbook(&detail, &annex, today)
    })
    .await
}
