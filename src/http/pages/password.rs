//! A user changes their own password (`password.html`); every session ends, so they sign
//! in again.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::{PageForm, PageResult, PageUser, refusal, render, user_ctx};
use crate::http::AppState;
use crate::http::extract::removed_session_cookie;
use crate::service::auth;

pub fn router() -> Router<AppState> {
    Router::new().route("/doi-mat-khau", get(page).post(change))
}

async fn page(PageUser { user, .. }: PageUser) -> PageResult {
    let html = render(
        "password.html",
        context! { user => user_ctx(&user), forced => user.must_change_password, error => () },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm: String,
}

async fn change(
    State(state): State<AppState>,
    jar: CookieJar,
    PageForm { user, who, form }: PageForm<PasswordForm>,
) -> PageResult {
    let outcome = if form.new_password != form.confirm {
        Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mật khẩu nhập lại không khớp.".to_string(),
        ))
    } else {
        match auth::change_password(&state.ctx, &who, &form.current_password, &form.new_password)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(refusal(e)?),
        }
    };
    match outcome {
        Ok(()) => Ok((
            jar.remove(removed_session_cookie()),
            Redirect::to("/dang-nhap"),
        )
            .into_response()),
        Err((status, error)) => {
            let forced = user.must_change_password;
            let html = render(
                "password.html",
                context! { user => user_ctx(&user), forced, error },
            )?;
            Ok((status, html).into_response())
        }
    }
}
