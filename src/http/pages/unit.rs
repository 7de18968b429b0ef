//! One unit's page (`unit.html`): its code, name and tier, the rounds it is a member of,
//! and its retirement from the directory (merged, dissolved) or its return, each with a
//! reason. Retiring asks to confirm, in the form itself, so it works without JavaScript.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, status_with, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::units::{self, StatusChange};
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/don-vi/{id}", get(page))
        .route("/quan-tri/don-vi/{id}/ngung-hoat-dong", post(retire))
        .route("/quan-tri/don-vi/{id}/hoat-dong-lai", post(restore))
        .route("/quan-tri/don-vi/{id}/tien-than", post(predecessors))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageParams {
    /// What was just done (`da-ngung`, `da-mo-lai`).
    tb: Option<String>,
}

/// A retirement or a return as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct StatusForm {
    reason: String,
    /// Ticked to confirm a retirement.
    confirm: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(id): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    show(&state, (&user, &who), id, params.tb, None).await
}

/// The predecessors as typed: their codes, separated by commas, semicolons or lines.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct PredecessorsForm {
    predecessors: String,
}

/// A refused form: its status and message, the field it concerns, and what was typed.
type Refused = ((StatusCode, String), &'static str, Value);

/// The page, with a notice or the refused form (its status, message, field and typing).
async fn show(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    id: i64,
    notice: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let view = units::unit_page(&state.ctx, who, id).await?;
    let error = refused.as_ref().map(|(e, _, _)| e.clone());
    let html = render(
        "unit.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            notice,
            error => error.as_ref().map(|e| e.1.clone()),
            field => refused.as_ref().map(|(_, f, _)| *f),
            typed => refused.as_ref().map(|(_, _, t)| t.clone()),
        },
    )?;
    Ok((status_with(&error), html).into_response())
}

async fn change(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    id: i64,
    active: bool,
    form: StatusForm,
) -> PageResult {
    let outcome = if !active && form.confirm.is_none() && !form.reason.trim().is_empty() {
        Err(ServiceError::Unconfirmed {
            code: "not_confirmed",
            message: "Đánh dấu ô «Tôi xác nhận…» rồi bấm lại «Ngừng hoạt động».".into(),
        })
    } else {
        let change = StatusChange {
            reason: form.reason.clone(),
        };
        units::set_active(&state.ctx, who, id, active, change).await
    };
    let (status, field) = match outcome {
        Ok(()) => {
            let done = if active { "da-mo-lai" } else { "da-ngung" };
            return Ok(Redirect::to(&format!("/quan-tri/don-vi/{id}?tb={done}")).into_response());
        }
        Err(e @ ServiceError::Unconfirmed { .. }) => (refusal(e)?, "confirm"),
        Err(e @ ServiceError::Rejected { .. }) => (refusal(e)?, "reason"),
        Err(e) => (refusal(e)?, "form"),
    };
    let typed = Value::from_serialize(&form);
    show(state, (user, who), id, None, Some((status, field, typed))).await
}

/// Records the unit's predecessors from their typed codes.
async fn predecessors(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<PredecessorsForm>,
) -> PageResult {
    let codes = form
        .predecessors
        .split([',', ';', '\n'])
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let change = units::PredecessorsChange {
        predecessors: codes,
    };
    let status = match units::set_predecessors(&state.ctx, &who, id, change).await {
        Ok(()) => {
            let to = format!("/quan-tri/don-vi/{id}?tb=da-tien-than#tien-than");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) => refusal(e)?,
    };
    let typed = Value::from_serialize(&form);
    show(
        &state,
        (&user, &who),
        id,
        None,
        Some((status, "predecessors", typed)),
    )
    .await
}

async fn retire(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<StatusForm>,
) -> PageResult {
    change(&state, (&user, &who), id, false, form).await
}

async fn restore(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<StatusForm>,
) -> PageResult {
    change(&state, (&user, &who), id, true, form).await
}
