//! Signing in and out (`sign_in.html`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{PageForm, PageResult, render};
use crate::http::AppState;
use crate::http::error::HttpError;
use crate::http::extract::NoFields;
use crate::http::extract::{ClientAddress, SignedIn, removed_session_cookie, session_cookie};
use crate::service::auth;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dang-nhap", get(page).post(sign_in))
        .route("/dang-xuat", post(sign_out))
}

/// Where to go after signing in (`tiep`): a page of this site, never another site.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Return {
    tiep: String,
}

/// `to` if it is a path on this site («/ky/1/…»), not «//host» or «/\host», which a
/// browser reads as another site, nor anything with control characters.
pub(super) fn safe_return(to: &str) -> Option<&str> {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.starts_with("/\\")
        && to.len() <= 2000
        && !to.chars().any(char::is_control);
    ok.then_some(to)
}

async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    axum::extract::Query(back): axum::extract::Query<Return>,
) -> PageResult {
    let back = safe_return(&back.tiep).unwrap_or("/");
    if let Ok(Some(_)) = SignedIn::from_cookies(&state, &jar).await {
        return Ok(Redirect::to(back).into_response());
    }
    let expired = back != "/";
    let html = render(
        "sign_in.html",
        context! { user => (), username => "", error => (), back, expired },
    )?;
    Ok(html.into_response())
}

#[derive(Default, Deserialize, Serialize)]
#[serde(default)]
struct Credentials {
    username: String,
    password: String,
    tiep: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<Credentials>,
) -> PageResult<Response> {
    same_site(&headers)?;
    let back = safe_return(&form.tiep).unwrap_or("/").to_string();
    match auth::sign_in(&state.ctx, &form.username, &form.password, &address).await {
        Ok(session) => Ok((
            jar.add(session_cookie(&state, session.token)),
            Redirect::to(&back),
        )
            .into_response()),
        Err(e) => {
            let e = HttpError::from(e);
            let html = render(
                "sign_in.html",
                context! { user => (), username => form.username, error => e.message, back, expired => false },
            )?;
            Ok((e.status, html).into_response())
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    PageForm { user, .. }: PageForm<NoFields>,
) -> PageResult {
    auth::sign_out(&state.ctx, &user.token).await?;
    Ok((
        jar.remove(removed_session_cookie()),
        Redirect::to("/dang-nhap"),
    )
        .into_response())
}

/// Refuses a sign-in posted from another site (login CSRF: someone else's account signed
/// in in this browser). Browsers say where a form comes from: `Origin`, and
/// `Sec-Fetch-Site` for the newer ones; the sign-in form has no session to hold a token.
fn same_site(headers: &HeaderMap) -> Result<(), HttpError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let cross_site = text("sec-fetch-site") == Some("cross-site");
    // Behind a reverse proxy the public host may come as X-Forwarded-Host.
    let ours = |host: &str| text("host") == Some(host) || text("x-forwarded-host") == Some(host);
    let foreign_origin = match text("origin") {
        Some("null") => true,
        Some(origin) => !origin.split("://").nth(1).is_some_and(ours),
        None => false,
    };
    if cross_site || foreign_origin {
        return Err(HttpError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Không đăng nhập được từ trang của nơi khác. Hãy mở trang đăng nhập của hệ thống rồi đăng nhập.",
        ));
    }
    Ok(())
}
