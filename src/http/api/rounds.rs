//! Rounds: the list, their results, and the administrator's changes (create, move a phase,
//! grant an extension or a reopening, publish).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiRouter, Created, ErrorBody, RoundPath, UnitPath};
use crate::domain::deadline::{OverrideKind, Phase, parse_deadline_or_explain};
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, HttpError, Result};
use crate::http::extract::{Query, Reader, Writer};
use crate::report::RoundResults;
use crate::service::rounds::{PublicationCheck, PublishOptions};
use crate::service::{ServiceError, results, rounds};
use crate::store::NewOverride;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_rounds))
        .routes(routes!(get_round))
        .routes(routes!(set_public))
        .routes(routes!(create_round))
        .routes(routes!(round_results))
        .routes(routes!(set_phase))
        .routes(routes!(preview_phase))
        .routes(routes!(open_round))
        .routes(routes!(round_draft))
        .routes(routes!(publication_check))
        .routes(routes!(publish_round))
        .routes(routes!(grant_override))
}

#[derive(Serialize, ToSchema)]
struct RoundSummary {
    id: i64,
    year: i64,
    title: String,
}

/// Rounds (kỳ đánh giá), newest first
///
/// Administrators see every round; everyone else only those opened to units.
#[utoipa::path(
    get,
    path = "/api/rounds",
    tag = "rounds",
    responses(
        (status = 200, description = "Every round", body = Vec<RoundSummary>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn list_rounds(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Json<Vec<RoundSummary>>> {
    let rounds = rounds::list(&state.ctx, &caller.who()).await?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|(id, year, title)| RoundSummary { id, year, title })
            .collect(),
    ))
}

/// A round: its year, title, tiers, when it was opened and published, and whether its
/// published results are shown on the public pages.
#[derive(Serialize, ToSchema)]
struct RoundInfo {
    id: i64,
    year: i64,
    title: String,
    /// When it was opened to units; none while in preparation.
    opened_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When its results were published (công bố); none before.
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether its published results are shown without sign-in at `/cong-khai/{round}`
    /// (the administrator's choice; nothing is shown before publication).
    public: bool,
    tiers: Vec<RoundTierInfo>,
}

#[derive(Serialize, ToSchema)]
struct RoundTierInfo {
    tier_code: String,
    tier_name: String,
}

/// One round (kỳ đánh giá)
///
/// Administrators see every round; everyone else only those opened to units.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The round", body = RoundInfo),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn get_round(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<RoundInfo>> {
    let round = rounds::round(&state.ctx, &caller.who(), round).await?;
    Ok(Json(RoundInfo {
        id: round.id,
        year: round.year,
        title: round.title,
        opened_at: round.opened_at,
        published_at: round.published_at,
        public: round.public,
        tiers: round
            .tiers
            .into_iter()
            .map(|t| RoundTierInfo {
                tier_code: t.tier_code,
                tier_name: t.tier_name,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
struct PublicBody {
    /// Show (`true`) or hide the round's published results on the public pages.
    public: bool,
}

/// Show or hide the published results on the public pages; administrators only
///
/// `/cong-khai/{round}` shows a round's results without sign-in once it is published and
/// this is on (off until chosen; `POST …/publish?public=true` turns it on at publication).
/// Takes effect at once; audited (`round.public`) when it changes.
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/public",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath),
    request_body = PublicBody,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Bad round id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn set_public(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    ApiJson(body): ApiJson<PublicBody>,
) -> Result<StatusCode> {
    crate::service::public::set_public(&state.ctx, &caller.who(), round, body.public).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Results per tier: totals, index, ranks, classification
///
/// Before publication each role sees only the units it may, without ranks.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/results",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The results", body = RoundResults),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn round_results(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<std::sync::Arc<RoundResults>>> {
    Ok(Json(
        results::visible(&state.ctx, &caller.who(), round).await?,
    ))
}

/// Create a round (kỳ đánh giá); administrators only
///
/// The set version per tier, the phase windows, tie-break and classification bands.
/// With `open: false` it is in preparation, invisible to units until opened.
#[utoipa::path(
    post,
    path = "/api/rounds/new",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    request_body = rounds::RoundSpec,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "Unknown tier or criteria set", body = ErrorBody),
        (status = 422, description = "Invalid dates, sets or bands", body = ErrorBody),
    )
)]
async fn create_round(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<rounds::RoundSpec>,
) -> Result<(StatusCode, Json<Created>)> {
    let id = rounds::create_round(&state.ctx, &caller.who(), body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Set or move one phase's window for every unit; administrators only
#[utoipa::path(
    put,
    path = "/api/rounds/{round}/phases",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath),
    request_body = rounds::PhaseSpec,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "Bad round id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 422, description = "Invalid dates", body = ErrorBody),
    )
)]
async fn set_phase(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    ApiJson(body): ApiJson<rounds::PhaseSpec>,
) -> Result<StatusCode> {
    rounds::set_phase(&state.ctx, &caller.who(), round, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What moving one phase's window would change for each unit; administrators only
///
/// Nothing is saved: each unit's deadline now and after, extensions included.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/phases/preview",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath),
    request_body = rounds::PhaseSpec,
    responses(
        (status = 200, description = "The preview", body = crate::service::round_setup::PhasePreview),
        (status = 400, description = "Bad round id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 422, description = "Invalid dates", body = ErrorBody),
    )
)]
async fn preview_phase(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    ApiJson(body): ApiJson<rounds::PhaseSpec>,
) -> Result<Json<crate::service::round_setup::PhasePreview>> {
    Ok(Json(
        rounds::preview_phase(&state.ctx, &caller.who(), round, body).await?,
    ))
}

/// Open a round in preparation to units; administrators only
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/open",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath),
    responses(
        (status = 204, description = "Opened: units see it from now on"),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 409, description = "Opened already", body = ErrorBody),
    )
)]
async fn open_round(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<StatusCode> {
    rounds::open_round(&state.ctx, &caller.who(), round).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The next round drafted from this one; administrators only
///
/// A year on: the same tiers, set versions (with the versions each tier may choose),
/// bands and tie-break, every phase window a year later. Nothing is created: send it,
/// edited, to `POST /api/rounds/new`.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/next-draft",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The draft", body = crate::service::round_setup::RoundDraft),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn round_draft(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<crate::service::round_setup::RoundDraft>> {
    Ok(Json(
        crate::service::round_setup::draft_from(&state.ctx, &caller.who(), round).await?,
    ))
}

/// What to check before publishing (danh sách kiểm tra công bố); administrators only
///
/// Phases not yet over, units that never submitted, leaves no appraisal round scored,
/// explanation requests not answered.
#[utoipa::path(
    get,
    path = "/api/rounds/{round}/publication-check",
    tag = "rounds",
    params(RoundPath),
    responses(
        (status = 200, description = "The checklist", body = PublicationCheck),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
    )
)]
async fn publication_check(
    State(state): State<AppState>,
    Reader(caller): Reader,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
) -> Result<Json<PublicationCheck>> {
    Ok(Json(
        rounds::publication_check(&state.ctx, &caller.who(), round).await?,
    ))
}

/// Publish the results (công bố); administrators only
///
/// Only with `confirm=true` (409 `not_confirmed` otherwise); while a phase is not over,
/// refused (409) unless `close_open_phases=true` ends them now. The results are then
/// frozen; publishing twice keeps the first date.
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/publish",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(RoundPath, PublishOptions),
    responses(
        (status = 204, description = "Published"),
        (status = 400, description = "Not a round id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round", body = ErrorBody),
        (status = 409, description = "Not confirmed, or phases not over", body = ErrorBody),
    )
)]
async fn publish_round(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(RoundPath { round }): ApiPath<RoundPath>,
    Query(options): Query<PublishOptions>,
) -> Result<StatusCode> {
    rounds::publish(&state.ctx, &caller.who(), round, options).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct OverrideBody {
    phase: Phase,
    kind: OverrideKind,
    /// "10/01/2024", "10/01/2024 17:00" (Vietnam time) or ISO.
    #[schema(max_length = 64)]
    until: String,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    reason: String,
}

/// Grant an extension (gia hạn) or a reopening (mở lại); administrators only
#[utoipa::path(
    post,
    path = "/api/rounds/{round}/units/{unit}/overrides",
    tag = "rounds",
    security(("session" = [], "csrf" = [])),
    params(UnitPath),
    request_body = OverrideBody,
    responses(
        (status = 204, description = "Granted"),
        (status = 400, description = "Bad ids or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such round or unit", body = ErrorBody),
        (status = 409, description = "The results are published", body = ErrorBody),
        (status = 422, description = "No reason, or a deadline in the past or before the phase's", body = ErrorBody),
    )
)]
async fn grant_override(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(UnitPath { round, unit }): ApiPath<UnitPath>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<StatusCode> {
    let until = parse_deadline_or_explain(&body.until)
        .map_err(|m| HttpError::from(ServiceError::Invalid(m)))?;
    let grant = NewOverride {
        phase: body.phase,
        kind: body.kind,
        until,
        reason: body.reason,
    };
    rounds::grant_override(&state.ctx, &caller.who(), round, unit, grant).await?;
    Ok(StatusCode::NO_CONTENT)
}
