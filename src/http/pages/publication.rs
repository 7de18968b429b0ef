//! Công bố kết quả: the checklist before a round's publication (phases not over, units
//! that never submitted, leaves not appraised, explanations unanswered) and the
//! publication itself, which asks for an explicit confirmation and, while phases are not
//! over, for closing them; whether the results are shown on the public pages (ticked by
//! default at publication, switched afterwards here or from the round's page).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{
    PageForm, PageQuery, PageResult, PageUser, redirect_or_show, render, status_with, user_ctx,
};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::Who;
use crate::service::rounds::{self, PublishOptions};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}/cong-bo", get(page).post(publish))
        .route("/quan-tri/ky/{round}/cong-khai", post(switch_public))
}

/// What was just done (`da-cong-khai`, `da-an`).
#[derive(Deserialize, Default)]
struct Notice {
    #[serde(rename = "tb")]
    notice: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(Notice { notice }): PageQuery<Notice>,
) -> PageResult {
    Ok(
        render_page(&state, &who, &user, round, (None, notice), None)
            .await?
            .into_response(),
    )
}

/// The page, with a refusal or a notice of what was just done.
async fn render_page(
    state: &AppState,
    who: &Who,
    user: &SignedIn,
    round: i64,
    (error, notice): (Option<(StatusCode, String)>, Option<String>),
    typed: Option<&PublishForm>,
) -> PageResult<(StatusCode, axum::response::Html<String>)> {
    let check = rounds::publication_check(&state.ctx, who, round).await?;
    let stored = state.ctx.store.round(round).await?;
    let html = render(
        "publication.html",
        context! {
            user => user_ctx(user),
            round => context! { id => round, title => stored.title, public => stored.public, published => stored.published_at.is_some() },
            check => Value::from_serialize(&check),
            error => error.as_ref().map(|(_, m)| m.clone()),
            notice,
            // A refused publication keeps the choices made, the public pages' above all.
            typed => typed.map(|f| context! {
                public => f.cong_khai.is_some(),
                close => f.dong_giai_doan.is_some(),
            }),
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
    /// Show the results on the public pages from publication on (ticked by default).
    #[serde(default)]
    cong_khai: Option<String>,
}

async fn publish(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<PublishForm>,
) -> PageResult {
    let options = PublishOptions {
        confirm: form.xac_nhan.is_some(),
        close_open_phases: form.dong_giai_doan.is_some(),
        public: form.cong_khai.is_some(),
    };
    let done = rounds::publish(&state.ctx, &who, round, options).await;
    redirect_or_show(done, &format!("/ky/{round}/ket-qua"), async |error| {
        render_page(&state, &who, &user, round, (error, None), Some(&form)).await
    })
    .await
}

/// The switch of the public pages: shown (`cong_khai=co`) or hidden (`khong`), from the
/// publication page or the round's page (`ve=quan-tri`), back to the page it was sent from.
#[derive(Deserialize)]
struct PublicForm {
    cong_khai: PublicChoice,
    #[serde(default)]
    ve: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum PublicChoice {
    Co,
    Khong,
}

async fn switch_public(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<PublicForm>,
) -> PageResult {
    let shown = form.cong_khai == PublicChoice::Co;
    let done = crate::service::public::set_public(&state.ctx, &who, round, shown).await;
    let notice = if shown { "da-cong-khai" } else { "da-an" };
    let back = match form.ve.as_deref() {
        Some("quan-tri") => format!("/quan-tri/ky/{round}?tb={notice}#cong-khai"),
        _ => format!("/quan-tri/ky/{round}/cong-bo?tb={notice}#cong-khai"),
    };
    redirect_or_show(done, &back, async |error| {
        render_page(&state, &who, &user, round, (error, None), None).await
    })
    .await
}
