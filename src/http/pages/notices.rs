//! A person's notices (`notices.html`, «Thông báo»): shown newest first, the new ones
//! marked, and read from the moment the page is shown (the header's count goes back to
//! nothing); below, the person's choice to receive them by e-mail.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageForm, PageQuery, PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::service::notices;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/thong-bao", get(page))
        .route("/thong-bao/thu-dien-tu", post(email))
}

/// `?tb=da-luu`: the e-mail choice was just saved.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Flash {
    tb: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { mut user, who }: PageUser,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    let list = notices::list(&state.ctx, &who).await?;
    // Shown: read. The page still marks the ones that were new until now.
    notices::mark_read(&state.ctx, &who, None).await?;
    user.unread_notices = 0;
    let html = render(
        "notices.html",
        context! {
            user => user_ctx(&user),
            list => Value::from_serialize(&list),
            saved => flash.tb.as_deref() == Some("da-luu"),
        },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    /// The checkbox: present when ticked.
    email_notices: Option<String>,
}

async fn email(
    State(state): State<AppState>,
    PageForm { who, form, .. }: PageForm<EmailForm>,
) -> PageResult {
    notices::set_email_notices(&state.ctx, &who, form.email_notices.is_some()).await?;
    Ok(Redirect::to("/thong-bao?tb=da-luu#thu-dien-tu").into_response())
}
