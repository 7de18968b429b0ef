//! Signing in and out over the API, the signed-in user, passwords.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use crate::domain::access::Actor;
use crate::http::AppState;
use crate::http::error::{ApiJson, ApiPath, Result};
use crate::http::extract::{
    ClientAddress, SignedIn, Writer, removed_session_cookie, session_cookie,
};
use crate::service::auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(sign_in).delete(sign_out))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
        .route("/api/users/{id}/password", post(reset_password))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct Me {
    user: Actor,
    csrf_token: String,
}

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

async fn me(user: SignedIn) -> Json<Me> {
    Json(Me {
        user: user.actor,
        csrf_token: user.csrf_token,
    })
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    auth::change_password(&state.ctx, &who, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PasswordReset {
    new_password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    Writer(who): Writer,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode> {
    auth::reset_password(&state.ctx, &who, id, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
