//! Sign-in over the API, the signed-in user extractor, and CSRF checks.
//!
//! The session token lives in an HttpOnly cookie. Every state-changing request must also
//! carry the session's CSRF token: the `x-csrf-token` header for the API, the `csrf`
//! field for forms. A page on another site can make the browser send the cookie, but it
//! cannot read the token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath, Result};
use crate::domain::access::Actor;
use crate::service::auth;

pub const COOKIE: &str = "parindex_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(sign_in).delete(sign_out))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
        .route("/api/users/{id}/password", post(reset_password))
}

/// The signed-in user of a request. Extracting it refuses the request with 401 when there
/// is no valid session.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub actor: Actor,
    pub csrf_token: String,
    token: String,
}

impl SignedIn {
    /// Refuses a state-changing request whose CSRF token does not match the session's.
    pub fn check_csrf(&self, provided: Option<&str>) -> Result<()> {
        let expected = self.csrf_token.as_bytes();
        let ok = provided.is_some_and(|p| {
            let p = p.as_bytes();
            // Constant-time comparison: the time taken says nothing about the token.
            p.len() == expected.len()
                && p.iter()
                    .zip(expected)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if ok {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "Phiên làm việc không hợp lệ hoặc trang đã cũ. Vui lòng tải lại trang rồi thử lại.",
            ))
        }
    }

    /// The CSRF check for API writes: the token comes in the `x-csrf-token` header.
    pub fn check_csrf_header(&self, parts: &axum::http::HeaderMap) -> Result<()> {
        self.check_csrf(parts.get("x-csrf-token").and_then(|v| v.to_str().ok()))
    }
}

/// A signed-in user making an API write: extracting it also checks the CSRF header, so a
/// handler that takes a `Writer` cannot forget the check.
#[derive(Clone, Debug)]
pub struct Writer {
    pub actor: Actor,
    /// The client's address, for the audit log.
    pub address: String,
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let user = SignedIn::from_request_parts(parts, state).await?;
        user.check_csrf_header(&parts.headers)?;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(Writer {
            actor: user.actor,
            address,
        })
    }
}

/// Reads the session from the cookie; `None` when absent, expired or unknown.
pub async fn session_from_jar(state: &AppState, jar: &CookieJar) -> Result<Option<SignedIn>> {
    let Some(token) = jar.get(COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let record = auth::session(&state.store, state.clock.as_ref(), &token).await?;
    Ok(record.map(|r| SignedIn {
        actor: r.actor,
        csrf_token: r.csrf_token,
        token,
    }))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let jar = CookieJar::from_headers(&parts.headers);
        session_from_jar(state, &jar).await?.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Vui lòng đăng nhập để tiếp tục.",
            )
        })
    }
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(state.secure_cookies);
    cookie.set_max_age(time::Duration::hours(auth::SESSION_HOURS));
    cookie
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(CookieJar, Json<Me>)> {
    let address = peer.ip().to_string();
    let session = auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &body.username,
        &body.password,
        &address,
    )
    .await?;
    let jar = jar.add(session_cookie(&state, session.token));
    Ok((
        jar,
        Json(Me {
            user: session.actor,
            csrf_token: session.csrf_token,
        }),
    ))
}

async fn sign_out(
    State(state): State<AppState>,
    user: SignedIn,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode)> {
    user.check_csrf_header(&headers)?;
    auth::sign_out(&state.store, &user.token).await?;
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
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
    user: SignedIn,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    user.check_csrf_header(&headers)?;
    auth::change_password(
        &state.store,
        &user.actor,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PasswordReset {
    new_password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    user: SignedIn,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode> {
    user.check_csrf_header(&headers)?;
    let audit = crate::store::NewAudit::by(&user.actor, &peer.ip().to_string());
    auth::reset_password(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        id,
        &body.new_password,
        audit,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
