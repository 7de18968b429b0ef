//! A round's members (`round_members.html`): the units the round evaluates, adding one and
//! taking one out, each with a reason (and, once the self-assessment has closed, the
//! decision that allows it). Taking a unit out asks first, on a page of its own.

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
use crate::service::members::{self, MemberRequest};
use crate::service::{ServiceError, Who};
use crate::store::MemberChange;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}/don-vi", get(page))
        .route("/quan-tri/ky/{round}/don-vi/them", post(add))
        .route("/quan-tri/ky/{round}/don-vi/bo", post(remove))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageParams {
    /// What was just done (`da-them`, `da-bo`).
    tb: Option<String>,
    /// The unit to take out: the page asks to confirm it, with the reason.
    bo: Option<i64>,
}

/// An addition or a removal as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct MemberForm {
    unit_id: String,
    reason: String,
    decision: String,
}

impl MemberForm {
    fn request(&self) -> Result<MemberRequest, ServiceError> {
        let unit_id = self
            .unit_id
            .trim()
            .parse()
            .map_err(|_| ServiceError::Invalid("Chọn một đơn vị trong danh sách.".into()))?;
        Ok(MemberRequest {
            unit_id,
            reason: self.reason.clone(),
            decision: self.decision.clone(),
        })
    }
}

/// What the page shows beyond the list: a notice, the removal to confirm, or a refusal
/// beside the form it concerns with what was typed.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    confirm_removal: Option<i64>,
    /// `them` or `bo`: the form refused.
    form: Option<&'static str>,
    error: Option<(StatusCode, String)>,
    typed: Option<MemberForm>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    let outcome = Outcome {
        notice: params.tb,
        confirm_removal: params.bo,
        ..Outcome::default()
    };
    show(&state, &user, &who, round, outcome).await
}

async fn show(state: &AppState, user: &SignedIn, who: &Who, round: i64, o: Outcome) -> PageResult {
    let view = members::list(&state.ctx, who, round).await?;
    let removing = o
        .confirm_removal
        .and_then(|id| view.members.iter().find(|m| m.unit_id == id))
        .map(Value::from_serialize);
    let html = render(
        "round_members.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            notice => o.notice,
            removing,
            form => o.form,
            error => o.error.as_ref().map(|e| e.1.clone()),
            typed => o.typed.as_ref().map(Value::from_serialize),
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

async fn change(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    change: MemberChange,
    form: MemberForm,
) -> PageResult {
    let outcome = match form.request() {
        Ok(request) => members::change(&state.ctx, who, round, change, request).await,
        Err(e) => Err(e),
    };
    let (which, done) = match change {
        MemberChange::Add => ("them", "da-them"),
        MemberChange::Remove => ("bo", "da-bo"),
    };
    let error = match outcome {
        Ok(()) => {
            let to = format!("/quan-tri/ky/{round}/don-vi?tb={done}#thanh-vien");
            return Ok(Redirect::to(&to).into_response());
        }
        // A unit that is not (or no longer) there: said beside the form.
        Err(e @ ServiceError::NotFound(_)) => (StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => refusal(e)?,
    };
    let confirm_removal = match change {
        MemberChange::Remove => form.unit_id.trim().parse().ok(),
        MemberChange::Add => None,
    };
    let outcome = Outcome {
        confirm_removal,
        form: Some(which),
        error: Some(error),
        typed: Some(form),
        ..Outcome::default()
    };
    show(state, user, who, round, outcome).await
}

async fn add(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<MemberForm>,
) -> PageResult {
    change(&state, (&user, &who), round, MemberChange::Add, form).await
}

async fn remove(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<MemberForm>,
) -> PageResult {
    change(&state, (&user, &who), round, MemberChange::Remove, form).await
}
