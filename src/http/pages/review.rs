//! Xem lại trước khi gửi: what is still missing in a unit's self-assessment, each gap
//! linked to its leaf, and for the head the submission, which asks for an explicit
//! confirmation naming the gaps when there are any.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageForm, PageResult, PageUser, redirect_or_show, render, status_with, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::Who;
use crate::service::self_assessment::{self as service, Review};

pub fn router() -> Router<AppState> {
    let base = "/ky/{round}/don-vi/{unit}";
    Router::new()
        .route(&format!("{base}/xem-lai"), get(page))
        .route(&format!("{base}/gui"), post(submit))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> PageResult {
    Ok(render_page(&state, &who, &user, round, unit, None)
        .await?
        .into_response())
}

async fn render_page(
    state: &AppState,
    who: &Who,
    user: &SignedIn,
    round: i64,
    unit: i64,
    error: Option<(StatusCode, String)>,
) -> PageResult<(StatusCode, axum::response::Html<String>)> {
    let view = service::view(&state.ctx, who, round, unit).await?;
    let review: Review = service::review(&state.ctx, who, round, unit).await?;
    let changes =
        crate::service::changes::since_previous_submission(&state.ctx, who, round, unit).await?;
    // Leaves a corrigendum changed since the unit scored them, not yet saved again.
    let revised: Vec<Value> = view
        .nodes
        .iter()
        .filter_map(|n| {
            let r = n.revised.as_ref()?;
            Some(context! { code => n.node.code.clone(), text => n.node.text.clone(), changes => r.changes.clone(), before => r.before.clone() })
        })
        .collect();
    let may_submit = user.actor.may_submit(unit) && view.access.open && view.submitted_at.is_none();
    // The reason given for each leaf claimed not applicable, for the head to check.
    let na_reasons: std::collections::BTreeMap<String, String> = view
        .nodes
        .iter()
        .filter_map(|n| {
            let e = n.entry.as_ref().filter(|e| e.not_applicable)?;
            Some((n.node.code.clone(), e.na_reason.clone()))
        })
        .collect();
    let html = render(
        "review.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            review => Value::from_serialize(&review),
            gaps => review.gaps(),
            summary => review.summary(),
            may_submit,
            na_reasons,
            changes => Value::from_serialize(&changes),
            revised,
            error => error.as_ref().map(|(_, m)| m.clone()),
        },
    )?;
    Ok((status_with(&error), html))
}

/// The submit button's form: the confirmation box, ticked or not.
#[derive(Deserialize)]
struct SubmitForm {
    /// "Tôi đã xem các thiếu sót trên và vẫn gửi."
    #[serde(default)]
    xac_nhan: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageForm { user, who, form }: PageForm<SubmitForm>,
) -> PageResult {
    let confirmed = form.xac_nhan.is_some();
    let done = service::submit(&state.ctx, &who, round, unit, confirmed).await;
    let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?tb=da-gui");
    redirect_or_show(done, &to, async |error| {
        render_page(&state, &who, &user, round, unit, error).await
    })
    .await
}
