//! Công bố kết quả: the checklist before a round's publication (phases not over, units
//! that never submitted, leaves not appraised, explanations unanswered) and the
//! publication itself, which asks for an explicit confirmation and, while phases are not
//! over, for closing them.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageForm, PageResult, PageUser, redirect_or_show, render, status_with, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::Who;
use crate::service::rounds::{self, PublishOptions};

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/ky/{round}/cong-bo", get(page).post(publish))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
) -> PageResult {
    Ok(render_page(&state, &who, &user, round, None)
        .await?
        .into_response())
}

async fn render_page(
    state: &AppState,
    who: &Who,
    user: &SignedIn,
    round: i64,
    error: Option<(StatusCode, String)>,
) -> PageResult<(StatusCode, axum::response::Html<String>)> {
    let check = rounds::publication_check(&state.ctx, who, round).await?;
    let title = state.ctx.store.round(round).await?.title;
    let html = render(
        "publication.html",
        context! {
            user => user_ctx(user),
            round => context! { id => round, title },
            check => Value::from_serialize(&check),
            error => error.as_ref().map(|(_, m)| m.clone()),
        },
    )?;
    Ok((status_with(&error), html))
}

/// The publication form: the confirmation, and whether to close the phases not over.
#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    xac_nhan: Option<String>,
    #[serde(default)]
    dong_giai_doan: Option<String>,
}

async fn publish(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<PublishForm>,
) -> PageResult {
    let options = PublishOptions {
        confirm: form.xac_nhan.is_some(),
        close_open_phases: form.dong_giai_doan.is_some(),
    };
    let done = rounds::publish(&state.ctx, &who, round, options).await;
    redirect_or_show(done, &format!("/ky/{round}/ket-qua"), async |error| {
        render_page(&state, &who, &user, round, error).await
    })
    .await
}
