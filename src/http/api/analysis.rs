//! Where each unit lost points (Phân tích điểm bị trừ): a unit's analysis and the Sở Nội
//! vụ's per tier, as JSON and as workbooks.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use utoipa_axum::routes;

use super::exports::OfficeWorkbookRefusals;
use super::{ApiRouter, ErrorBody, RoundPath, UnitPath, XlsxDownload};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiPath, Result};
use crate::http::extract::Reader;
use crate::report::analysis::{RoundAnalysis, UnitAnalysis};
use crate::service::analysis;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(unit_analysis))
        .routes(routes!(round_analysis))
        .routes(routes!(export_unit_analysis))
        .routes(routes!(export_round_analysis))
}

/// Why a unit's analysis may be refused.
#[allow(dead_code)] // documentation only: the refusals are `HttpError`s
#[derive(utoipa::IntoResponses)]
enum UnitRefusals {
    #[response(status = 400, description = "Not a round or unit id")]
    BadId(ErrorBody),
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "Another unit's, an appraiser's unit out of scope or not yet submitted, or a unit's own before publication"
    )]
    NotYours(ErrorBody),
    #[response(status = 404, description = "No such round or unit")]
    NoSuchRound(ErrorBody),
    #[response(status = 422, description = "The unit is not a member of the round")]
    NotMember(ErrorBody),
}

/// A unit's points lost and its year over year (Phân tích điểm bị trừ)
///
/// Per area, criterion and leaf, the points lost (applicable maximum − final points),
/// most first, with the appraiser's comments and the tier's average on the same item;
/// the total lost (bonus and penalty apart); the index and component indexes beside last
/// year's (the latest earlier published round where the unit, or its predecessors, took
/// part) and the rank's movement. For the unit's officer and head once published; for
/// administrators and viewers at any time; for appraisers the units they may see.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/analysis",
    tag = "analysis",
    params(UnitPath),
    responses(
        (status = 200, description = "The analysis", body = UnitAnalysis),
        UnitRefusals,
    )
)]
async fn unit_analysis(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Json<UnitAnalysis>> {
    let who = caller.who();
    Ok(Json(
        analysis::unit_analysis(&state.ctx, &who, round, unit).await?,
    ))
}

/// Per tier, the criteria where most units lost points
///
/// For the Sở Nội vụ's remedial plan: each criterion where some unit lost points, with
/// how many units it applies to, how many lost points on it, the total and the average
/// lost, most units first; its leaves in the same way. Administrators and viewers.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/analysis",
    tag = "analysis",
    params(RoundPath),
    responses(
        (status = 200, description = "The analysis per tier", body = RoundAnalysis),
        OfficeWorkbookRefusals,
    )
)]
async fn round_analysis(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<RoundAnalysis>> {
    let who = caller.who();
    Ok(Json(
        analysis::round_analysis(&state.ctx, &who, round).await?,
    ))
}

/// A unit's analysis as a workbook (Excel)
///
/// The same as `…/analysis`, laid out for print: the points lost per area, criterion and
/// leaf with the tier's average and the appraiser's comments, then last year's figures.
/// Same access.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/units/{unit}/export/analysis.xlsx",
    tag = "exports",
    params(UnitPath),
    responses(XlsxDownload, UnitRefusals,)
)]
async fn export_unit_analysis(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
) -> Result<Response> {
    let who = caller.who();
    let analysis = analysis::unit_analysis(&state.ctx, &who, round, unit).await?;
    let file_name = format!(
        "Phân tích điểm bị trừ {} — {}.xlsx",
        analysis.title, analysis.unit.unit_name
    );
    let issuer = state.issuer.clone();
    let annex = state.annex.clone();
    xlsx_download(&file_name, move || {
        crate::excel::unit_analysis_workbook(&analysis, &issuer, &annex)
    })
    .await
}

/// The Sở's analysis per tier as a workbook (Excel)
///
/// A sheet per tier: the criteria where most units lost points, with their leaves. Same
/// access as `…/analysis`.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/analysis.xlsx",
    tag = "exports",
    params(RoundPath),
    responses(XlsxDownload, OfficeWorkbookRefusals,)
)]
async fn export_round_analysis(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let who = caller.who();
    let analysis = analysis::round_analysis(&state.ctx, &who, round).await?;
    let file_name = format!("Phân tích điểm bị trừ theo khối {}.xlsx", analysis.title);
    let issuer = state.issuer.clone();
    let annex = state.annex.clone();
    xlsx_download(&file_name, move || {
        crate::excel::round_analysis_workbook(&analysis, &issuer, &annex)
    })
    .await
}
