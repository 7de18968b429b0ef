//! Notices (thông báo): the signed-in person's list, marking them read, and their choice
//! to receive them by e-mail.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody};
use crate::http::AppState;
use crate::http::error::{ApiJson, Result};
use crate::http::extract::{Reader, Writer};
use crate::service::notices::{self as service, NoticeList};

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(mark_read))
        .routes(routes!(email_notices))
}

/// My notices, newest first (the latest 200), with the unread count
#[utoipa::path(
    get,
    path = "/api/notices",
    tag = "notices",
    responses(
        (status = 200, description = "The notices", body = NoticeList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn list_notices(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Json<NoticeList>> {
    Ok(Json(service::list(&state.ctx, &caller.who()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReadBody {
    /// One notice to mark read; absent: all of mine.
    id: Option<i64>,
}

/// Mark one of my notices read, or all of them
#[utoipa::path(
    post,
    path = "/api/notices/read",
    tag = "notices",
    security(("session" = [], "csrf" = [])),
    request_body = ReadBody,
    responses(
        (status = 204, description = "Marked read (a notice that is not mine is left alone)"),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Missing CSRF token", body = ErrorBody),
    )
)]
async fn mark_read(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<ReadBody>,
) -> Result<StatusCode> {
    service::mark_read(&state.ctx, &caller.who(), body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmailNoticesBody {
    /// Whether my notices are also sent to my e-mail address.
    email_notices: bool,
}

/// Turn e-mails of my notices on or off
#[utoipa::path(
    put,
    path = "/api/me/email-notices",
    tag = "notices",
    security(("session" = [], "csrf" = [])),
    request_body = EmailNoticesBody,
    responses(
        (status = 204, description = "Saved; e-mails not sent yet follow the choice"),
        (status = 400, description = "Bad body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Missing CSRF token", body = ErrorBody),
    )
)]
async fn email_notices(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<EmailNoticesBody>,
) -> Result<StatusCode> {
    service::set_email_notices(&state.ctx, &caller.who(), body.email_notices).await?;
    Ok(StatusCode::NO_CONTENT)
}
