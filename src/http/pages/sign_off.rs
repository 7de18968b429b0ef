//! Biên bản thẩm định (`sign_off.html`): each appraisal round of a round with its window,
//! the council's sign-off (the day, the members, the note) or the form to record it, its
//! withdrawal with a reason, and the minutes to download. Every rule is the service's
//! ([`crate::service::sign_off`]).

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{
    NoticeParams, PageForm, PageQuery, PageResult, PageUser, Shown, render, status_with, user_ctx,
};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::sign_off::{self, SignOffRequest, WithdrawalRequest};
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}/bien-ban", get(page))
        .route("/quan-tri/ky/{round}/bien-ban/{n}/ky", post(sign))
        .route("/quan-tri/ky/{round}/bien-ban/{n}/huy", post(withdraw))
}

/// The sign-off or the withdrawal as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct SignOffForm {
    signed_on: String,
    members: String,
    note: String,
    reason: String,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<NoticeParams>,
) -> PageResult {
    show(&state, &user, &who, (round, None), Shown::notice(params.tb)).await
}

/// The page; `n` names the appraisal round whose form `o` refused.
async fn show(
    state: &AppState,
    user: &SignedIn,
    who: &Who,
    (round, n): (i64, Option<i64>),
    o: Shown<SignOffForm>,
) -> PageResult {
    let view = sign_off::status(&state.ctx, who, round).await?;
    let html = render(
        "sign_off.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            today => crate::domain::deadline::format_date(who.now),
            notice => o.notice,
            n,
            form => o.form,
            error => o.error.as_ref().map(|e| e.1.clone()),
            field => o.field,
            typed => o.typed.as_ref().map(Value::from_serialize),
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

async fn done_or_refused(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (round, n): (i64, i64),
    which: &'static str,
    outcome: Result<(), ServiceError>,
    form: SignOffForm,
) -> PageResult {
    let done = if which == "ky" { "da-ky" } else { "da-huy" };
    let to = format!("/quan-tri/ky/{round}/bien-ban?tb={done}#lan-{n}");
    match Shown::after(outcome, &to, which, form)? {
        Ok(redirect) => Ok(redirect),
        Err(shown) => show(state, user, who, (round, Some(n)), shown).await,
    }
}

async fn sign(
    State(state): State<AppState>,
    ApiPath((round, n)): ApiPath<(i64, i64)>,
    PageForm { user, who, form }: PageForm<SignOffForm>,
) -> PageResult {
    let request = SignOffRequest {
        signed_on: form.signed_on.clone(),
        members: form.members.clone(),
        note: form.note.clone(),
    };
    let outcome = sign_off::sign_off(&state.ctx, &who, round, n, request).await;
    done_or_refused(&state, (&user, &who), (round, n), "ky", outcome, form).await
}

async fn withdraw(
    State(state): State<AppState>,
    ApiPath((round, n)): ApiPath<(i64, i64)>,
    PageForm { user, who, form }: PageForm<SignOffForm>,
) -> PageResult {
    let request = WithdrawalRequest {
        reason: form.reason.clone(),
    };
    let outcome = sign_off::withdraw(&state.ctx, &who, round, n, request).await;
    done_or_refused(&state, (&user, &who), (round, n), "huy", outcome, form).await
}
