//! The appraisal council's sign-off of an appraisal round (ký biên bản thẩm định), its
//! withdrawal, and the minutes (biên bản) as a workbook.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, RoundPath, XlsxDownload};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::sign_off::{self, SignOffRequest, SignOffs, WithdrawalRequest};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(sign_offs))
        .routes(routes!(sign_off))
        .routes(routes!(withdraw_sign_off))
        .routes(routes!(minutes_workbook))
}

/// `/api/rounds/{round}/appraisal/{n}/…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct AppraisalRoundPath {
    /// Kỳ đánh giá (id).
    round: i64,
    /// Thẩm định lần 1 or 2.
    #[param(minimum = 1, maximum = 2)]
    n: i64,
}

/// A round's appraisal rounds and the council's sign-offs; administrators and viewers
///
/// Each appraisal round the round holds: its window, whether it has opened, the sign-off
/// (the day, the members, the note, who recorded it), whether publication needs it (the
/// last one), and how many units still have leaves no appraisal decided.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/appraisal/sign-offs",
    tag = "appraisal",
    params(RoundPath),
    responses(
        (status = 200, description = "The appraisal rounds", body = SignOffs),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn sign_offs(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<SignOffs>> {
    Ok(Json(
        sign_off::status(&state.ctx, &caller.who(), round).await?,
    ))
}

/// Record the council's sign-off of appraisal round n; administrators only
///
/// The day the council met (`dd/mm/yyyy`, from the round's opening to today), its
/// members (a line each: name — position, role in the council) and a note. From then on
/// the appraisals of round n are refused (409 `signed_off`) unless the sign-off is
/// withdrawn; publication needs the sign-off of the last appraisal round. Refused before
/// the round's window has opened (409 `appraisal_not_open`), when signed off already or
/// once published (409). Audited (`appraisal.sign_off`).
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/appraisal/{n}/sign-off",
    tag = "appraisal",
    security(("session" = [], "csrf" = [])),
    params(AppraisalRoundPath),
    request_body = SignOffRequest,
    responses(
        (status = 204, description = "Signed off"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or no such appraisal round in it", body = ErrorBody),
        (status = 409, description = "Not open yet (`appraisal_not_open`), signed off already, or published", body = ErrorBody),
        (status = 422, description = "A bad date (`signed_on`), no members or too many (`members`)", body = ErrorBody),
    )
)]
async fn sign_off(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(AppraisalRoundPath { round, n }): ApiPath<AppraisalRoundPath>,
    ApiJson(body): ApiJson<SignOffRequest>,
) -> Result<StatusCode> {
    sign_off::sign_off(&state.ctx, &caller.who(), round, n, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw the council's sign-off of appraisal round n; administrators only
///
/// With the reason. The round's appraisals may be written again while its window is
/// open, and the council signs again. Until publication (409); audited
/// (`appraisal.sign_off_withdraw`).
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/appraisal/{n}/sign-off/withdraw",
    tag = "appraisal",
    security(("session" = [], "csrf" = [])),
    params(AppraisalRoundPath),
    request_body = WithdrawalRequest,
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round, or not signed off", body = ErrorBody),
        (status = 409, description = "Published", body = ErrorBody),
        (status = 422, description = "No reason (`reason`)", body = ErrorBody),
    )
)]
async fn withdraw_sign_off(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(AppraisalRoundPath { round, n }): ApiPath<AppraisalRoundPath>,
    ApiJson(body): ApiJson<WithdrawalRequest>,
) -> Result<StatusCode> {
    sign_off::withdraw(&state.ctx, &caller.who(), round, n, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The minutes of appraisal round n (biên bản thẩm định) as a workbook; administrators and
/// viewers
///
/// Per tier, each unit with its self-assessed and appraised totals and their difference,
/// and under it the leaves the appraisal changed (the unit's score, the appraised one, the
/// comment); the council's members, note and signatures. «DỰ THẢO» until signed off.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/appraisal/{n}/minutes.xlsx",
    tag = "appraisal",
    params(AppraisalRoundPath),
    responses(
        XlsxDownload,
        (status = 400, description = "Bad ids", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such round, or no such appraisal round in it", body = ErrorBody),
    )
)]
async fn minutes_workbook(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(AppraisalRoundPath { round, n }): ApiPath<AppraisalRoundPath>,
) -> Result<Response> {
    let who = caller.who();
    let minutes = sign_off::minutes(&state.ctx, &who, round, n).await?;
    let file_name = format!("Biên bản thẩm định lần {n} — {}.xlsx", minutes.title);
    let (issuer, annex) = (state.issuer.clone(), state.annex.clone());
    let today = crate::domain::deadline::vn_date(who.now.timestamp());
    xlsx_download(&file_name, move || {
        crate::excel::minutes::minutes_workbook(&minutes, &issuer, &annex, today)
    })
    .await
}
