//! The round's workbooks (ranking, detail), a unit's own score sheet, and once the results
//! are published the draft decision (Word) and the whole publication package (zip).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::routes;

use super::{ApiRouter, DocxDownload, ErrorBody, RoundPath, UnitPath, XlsxDownload, ZipDownload};
use crate::document::decision::{Issuing, decision_docx};
use crate::document::package::write_package;
use crate::http::AppState;
use crate::http::download::{
    DOCX, Watch, ZIP, built_download, stream_download, xlsx_download, xlsx_stream,
};
use crate::http::error::{ApiPath, Result};
use crate::http::extract::Reader;
use crate::report::{RoundResults, UnitDetail};
use crate::service::exports;
use crate::store::{Round, Store};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(export_ranking))
        .routes(routes!(export_details))
        .routes(routes!(export_self_assessment))
        .routes(routes!(export_decision))
        .routes(routes!(export_package))
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

/// Why the detail workbook (or another of the Sở's own, the analysis per tier) may be
/// refused.
#[allow(dead_code)] // documentation only: the refusals are `HttpError`s
#[derive(utoipa::IntoResponses)]
pub(super) enum OfficeWorkbookRefusals {
    #[response(status = 400, description = "Not a round id")]
    BadId(ErrorBody),
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(status = 403, description = "Neither an administrator nor a viewer")]
    NotOffice(ErrorBody),
    #[response(status = 404, description = "No such round")]
    NoSuchRound(ErrorBody),
}

/// Why the decision or the publication package may be refused.
#[allow(dead_code)] // documentation only: the refusals are `HttpError`s
#[derive(utoipa::IntoResponses)]
enum PublicationRefusals {
    #[response(status = 400, description = "Not a round id")]
    BadId(ErrorBody),
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "Neither an administrator nor a viewer: the decision is the Sở's draft, the package holds every unit's score sheet"
    )]
    NotYours(ErrorBody),
    #[response(status = 404, description = "No such round")]
    NoSuchRound(ErrorBody),
    #[response(
        status = 409,
        description = "Not published yet (`not_published`): the decision is drafted after publication"
    )]
    NotPublished(ErrorBody),
}

/// The ranking workbook (Excel), streamed
///
/// The annex as it is signed: «Phụ lục I.n», the ranking of each tier; «Phụ lục II.n», the
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
/// text, maximum, self, appraised, difference, notes, evidence count. For administrators
/// and viewers only (every unit's scores and the appraisers' notes); a unit downloads its
/// own score sheet.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/details.xlsx",
    tag = "exports",
    params(RoundPath),
    responses(XlsxDownload, OfficeWorkbookRefusals,)
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
    xlsx_stream(&file_name, move |watch| {
        // On the blocking thread: each chunk of units is read, written, then dropped; the
        // work stops at the next chunk once the client has left.
        let chunks = details_read(&store, &round, &results, watch)
            .map(|chunk| chunk.map_err(rust_xlsxwriter::XlsxError::IoError));
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

/// The round's units' details, read chunk by chunk on the blocking thread that writes a file
/// (see [`exports::detail_chunks`]); the reading stops at the next chunk once the client
/// has left.
fn details_read<'a>(
    store: &'a Store,
    round: &'a Round,
    results: &RoundResults,
    watch: &'a Watch,
) -> impl Iterator<Item = std::io::Result<Vec<UnitDetail>>> + 'a {
    let runtime = tokio::runtime::Handle::current();
    exports::detail_chunks(results)
        .into_iter()
        .map(move |(tier, units)| {
            if watch.left() {
                return Err(Watch::gone_io());
            }
            runtime
                .block_on(exports::details_of(store, round, &tier, &units))
                .map_err(std::io::Error::other)
        })
}

/// Who issues and signs the decision, as configured, for a builder on another thread.
struct Letterhead {
    issuer: String,
    annex: std::sync::Arc<crate::excel::annex::Annex>,
    decision: std::sync::Arc<crate::document::decision::Decision>,
}

impl Letterhead {
    fn of(state: &AppState) -> Letterhead {
        Letterhead {
            issuer: state.issuer.clone(),
            annex: state.annex.clone(),
            decision: state.decision.clone(),
        }
    }

    fn issuing(&self) -> Issuing<'_> {
        Issuing {
            issuer: &self.issuer,
            annex: &self.annex,
            decision: &self.decision,
        }
    }
}

/// The draft decision publishing the results (Word)
///
/// «Quyết định công bố Chỉ số CCHC năm …» as Nghị định 30/2020 lays it out: the issuing
/// body and the quốc hiệu, the number, the place and the date (the year of signing, the day
/// left blank), the title naming the round's tiers, the căn cứ lines (`[decision]` in the
/// configuration), Điều 1 naming each «Phụ lục» of the ranking annex, Điều 2 and 3, nơi
/// nhận and the signature (`[annex]`). Only once the results are published; for
/// administrators and viewers.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/decision.docx",
    tag = "exports",
    params(RoundPath),
    responses(DocxDownload, PublicationRefusals,)
)]
async fn export_decision(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let who = caller.who();
    let (results, _) = exports::publication(&state.ctx, &who, round).await?;
    let file_name = crate::document::decision::file_name(&results);
    let letterhead = Letterhead::of(&state);
    built_download(&file_name, DOCX, move || {
        decision_docx(&results, &letterhead.issuing(), who.now)
    })
    .await
}

/// The whole publication package (zip), streamed
///
/// One zip with the draft decision (as `decision.docx`), the ranking annex (as
/// `ranking.xlsx`) and every unit's score sheet (as `self-assessment.xlsx`) under
/// `Bieu-tu-cham-diem/<tier>/<unit>.xlsx`, names in plain ASCII. Written as it is sent,
/// a chunk of units at a time. Same access as the decision.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/export/package.zip",
    tag = "exports",
    params(RoundPath),
    responses(ZipDownload, PublicationRefusals,)
)]
async fn export_package(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let who = caller.who();
    let (results, round) = exports::publication(&state.ctx, &who, round).await?;
    let file_name = crate::document::package::file_name(&results);
    let letterhead = Letterhead::of(&state);
    let store = state.ctx.store.clone();
    stream_download(&file_name, ZIP, move |writer, watch| {
        let chunks = details_read(&store, &round, &results, watch);
        write_package(writer, &results, &letterhead.issuing(), who.now, chunks)
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await
}
