//! Signing in and out over the API, the signed-in user, passwords.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::{ApiRouter, ErrorBody, IdPath};
use crate::domain::access::Actor;
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{
    ClientAddress, SignedIn, Writer, removed_session_cookie, session_cookie,
};
use crate::service::auth;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(reset_password))
}

#[derive(Deserialize, ToSchema)]
struct Credentials {
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    username: String,
    #[schema(max_length = 256, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    password: String,
}

/// The signed-in user and the session's CSRF token, to send as `x-csrf-token` on writes.
#[derive(Serialize, ToSchema)]
struct Me {
    user: Actor,
    csrf_token: String,
}

/// Sign in (đăng nhập); sets the session cookie
#[utoipa::path(
    post,
    path = "/api/session",
    tag = "session",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = Me,
            headers(("set-cookie" = String, description = "parindex_session, HttpOnly"))),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Wrong username or password, or the account has expired", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins; try again later", body = ErrorBody),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(CookieJar, Json<Me>)> {
    let session = auth::sign_in(&state.ctx, &body.username, &body.password, &address).await?;
    let jar = jar.add(session_cookie(&state, session.token));
    let me = Me {
        user: session.actor,
        csrf_token: session.csrf_token,
    };
    Ok((jar, Json(me)))
}

/// Sign out (đăng xuất); ends the session and removes the cookie
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = "session",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Missing or wrong CSRF token", body = ErrorBody),
    )
)]
async fn sign_out(
    State(state): State<AppState>,
    user: SignedIn,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode)> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    auth::sign_out(&state.ctx, &user.token).await?;
    Ok((jar.remove(removed_session_cookie()), StatusCode::NO_CONTENT))
}

/// The signed-in user and the CSRF token
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "session",
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
async fn me(user: SignedIn) -> Json<Me> {
    Json(Me {
        user: user.actor,
        csrf_token: user.csrf_token,
    })
}

#[derive(Deserialize, ToSchema)]
struct PasswordChange {
    #[schema(max_length = 256, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    current_password: String,
    #[schema(
        min_length = 8,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    new_password: String,
}

/// Change one's password; ends every session
#[utoipa::path(
    post,
    path = "/api/me/password",
    tag = "session",
    security(("session" = [], "csrf" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Not a JSON body of this shape", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Missing or wrong CSRF token", body = ErrorBody),
        (status = 422, description = "Wrong current password, or too short a new one", body = ErrorBody),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    auth::change_password(
        &state.ctx,
        &caller.who(),
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct PasswordReset {
    #[schema(
        min_length = 8,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    new_password: String,
}

/// Reset a user's password; administrators only
#[utoipa::path(
    post,
    path = "/api/users/{id}/password",
    tag = "session",
    security(("session" = [], "csrf" = [])),
    params(IdPath),
    request_body = PasswordReset,
    responses(
        (status = 204, description = "Reset; the user's sessions end"),
        (status = 400, description = "Bad id or body", body = ErrorBody),
        (status = 415, description = "Not sent as JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an administrator, or missing CSRF token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "Too short a password", body = ErrorBody),
    )
)]
async fn reset_password(
    State(state): State<AppState>,
    Writer(caller): Writer,
    ApiPath(IdPath { id }): ApiPath<IdPath>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode> {
    auth::reset_password(&state.ctx, &caller.who(), id, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
