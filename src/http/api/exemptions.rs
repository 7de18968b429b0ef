//! A round's exemptions (giảm tiêu chí đánh giá): the list, and the administrator's
//! exemptions of a unit from an area, a criterion or a leaf, each with a reason.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{
    ApiRouter, Binary, ErrorBody, ImportQuery, NodePath, RoundPath, XlsxBody, XlsxDownload,
};
use crate::http::AppState;
use crate::http::download::xlsx_download;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{AdminWriter, Query, Reader, Writer};
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::exemptions::{
    self, ExemptionImport, ExemptionRequest, Exemptions, RemovalRequest,
};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_exemptions))
        .routes(routes!(set_exemption))
        .routes(routes!(remove_exemption))
        .routes(routes!(exemptions_template))
        .routes(routes!(import_exemptions).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
}

/// The template for importing exemptions
///
/// Sheet «Giảm tiêu chí»: the round's exemptions as they are (unit code and name, node code
/// and text, reason), to add rows to. Administrators and viewers.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/exemptions/template.xlsx",
    tag = "rounds",
    params(RoundPath),
    responses(
        XlsxDownload,
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn exemptions_template(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Response> {
    let rows = exemptions::template_rows(&state.ctx, &caller.who(), round).await?;
    xlsx_download("Mẫu nhập giảm tiêu chí.xlsx", move || {
        crate::excel::exemption_import::template(&rows)
    })
    .await
}

/// Import exemptions from the template
///
/// The body is the .xlsx file itself (at most 64 MB): a row per unit and node with the
/// reason. With `dry_run=true` nothing is written and the changes are listed. Every row is
/// checked as the form checks one (a unit of the round, a node of its set, a reason, the
/// phase); an invalid file changes nothing and every problem names its row. Exemptions the
/// file does not list stay.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/exemptions/import",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath, ImportQuery),
    request_body(content = inline(Binary),
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "The filled-in template"),
    responses(
        (status = 200, description = "The exemptions set, or (dry run) to be set", body = ExemptionImport),
        (status = 400, description = "Not a round id, or the body could not be read", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 413, description = "Larger than 64 MB", body = ErrorBody),
        (status = 422, description = "Not a workbook of this layout, or bad rows; nothing written", body = ErrorBody),
    )
)]
async fn import_exemptions(
    State(state): State<AppState>,
    AdminWriter(caller): AdminWriter,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    Query(q): Query<ImportQuery>,
    XlsxBody(bytes): XlsxBody,
) -> Result<Json<ExemptionImport>> {
    let who = caller.who();
    let report = exemptions::import(&state.ctx, &who, round, bytes, q.dry_run).await?;
    Ok(Json(report))
}

/// A round's exemptions, with the units and nodes each tier may choose; administrators and
/// viewers
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/exemptions",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The exemptions, by unit in Vietnamese name order", body = Exemptions),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither an administrator nor a viewer", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn list_exemptions(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<Exemptions>> {
    Ok(Json(
        exemptions::list(&state.ctx, &caller.who(), round).await?,
    ))
}

/// Why a unit is exempt from a node.
#[derive(Deserialize, ToSchema)]
struct ReasonBody {
    /// Required; e.g. «Không giải quyết thủ tục hành chính (Hướng dẫn số 12/HD-SNV)».
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    reason: String,
}

/// Exempt a unit from a node of its criteria set; administrators only
///
/// Every leaf under the node then counts as not applicable for the unit: out of its points
/// and its maximum; the unit cannot score it (409 `exempt`), nor an appraiser appraise it.
/// Setting it again changes the reason. Until the self-assessment closes; afterwards only
/// while the unit's self-assessment is reopened or extended (else 403 `deadline_closed`);
/// never once published (409).
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/units/{unit}/exemptions/{node}",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(NodePath),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Exempt, audited (`exemption.set`)"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, missing CSRF token, or the self-assessment has closed (`deadline_closed`)", body = ErrorBody),
        (status = 404, description = "No such round or unit", body = ErrorBody),
        (status = 409, description = "Published, or a node above it is exempt already", body = ErrorBody),
        (status = 422, description = "No reason (field `reason`), no such node in the unit's set (`node_code`), or the unit takes no part (`unit_id`)", body = ErrorBody),
    )
)]
async fn set_exemption(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(NodePath { round, unit, node }): ApiPath<NodePath>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<StatusCode> {
    let request = ExemptionRequest {
        unit_id: unit,
        node_code: node,
        reason: body.reason,
    };
    exemptions::set(&state.ctx, &caller.who(), round, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take an exemption back; administrators only
///
/// The unit is evaluated on the node again. The same phase rules as setting it.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/exemptions/{node}/remove",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(NodePath),
    request_body = RemovalRequest,
    responses(
        (status = 204, description = "Taken back, audited (`exemption.remove`)"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, missing CSRF token, or the self-assessment has closed (`deadline_closed`)", body = ErrorBody),
        (status = 404, description = "No such round, unit or exemption", body = ErrorBody),
        (status = 409, description = "Published", body = ErrorBody),
        (status = 422, description = "No reason (field `reason`)", body = ErrorBody),
    )
)]
async fn remove_exemption(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(NodePath { round, unit, node }): ApiPath<NodePath>,
    ApiJson(body): ApiJson<RemovalRequest>,
) -> Result<StatusCode> {
    exemptions::remove(&state.ctx, &caller.who(), round, unit, &node, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
