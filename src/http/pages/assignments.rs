//! Phân công thẩm định (`assignments.html`): which department appraises which area or
//! criterion of each tier's set in a round, each department's appraisers and how far they
//! are; assigning a node, or taking an assignment back. Every rule is the service's
//! ([`crate::service::departments`]).

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
use crate::service::departments::{self, AssignmentRequest};
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}/phan-cong", get(page))
        .route("/quan-tri/ky/{round}/phan-cong/them", post(assign))
        .route("/quan-tri/ky/{round}/phan-cong/bo", post(unassign))
}

/// An assignment, or its removal, as typed: the node as «tier code|node code».
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct AssignmentForm {
    node: String,
    department_id: String,
}

impl AssignmentForm {
    fn request(&self) -> Result<AssignmentRequest, ServiceError> {
        let (tier_code, node_code) = self.node.split_once('|').ok_or_else(|| {
            ServiceError::invalid_field(
                "node_code",
                "Cần chọn lĩnh vực hoặc tiêu chí trong danh sách.",
            )
        })?;
        let department_id = match self.department_id.trim() {
            "" => None,
            id => Some(id.parse().map_err(|_| {
                ServiceError::invalid_field(
                    "department_id",
                    "Cần chọn cơ quan thẩm định trong danh sách.",
                )
            })?),
        };
        Ok(AssignmentRequest {
            tier_code: tier_code.to_string(),
            node_code: node_code.to_string(),
            department_id,
        })
    }
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<NoticeParams>,
) -> PageResult {
    show(&state, &user, &who, round, Shown::notice(params.tb)).await
}

async fn show(
    state: &AppState,
    user: &SignedIn,
    who: &Who,
    round: i64,
    o: Shown<AssignmentForm>,
) -> PageResult {
    let view = departments::list(&state.ctx, who, round).await?;
    let html = render(
        "assignments.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            notice => o.notice,
            form => o.form,
            error => o.error.as_ref().map(|e| e.1.clone()),
            field => o.field,
            typed => o.typed.as_ref().map(Value::from_serialize),
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

/// Back to the list, or the page again with the refusal beside the field it concerns and
/// what was typed.
async fn done_or_refused(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    which: &'static str,
    outcome: Result<(), ServiceError>,
    form: AssignmentForm,
) -> PageResult {
    let done = if which == "them" {
        "da-phan-cong"
    } else {
        "da-bo"
    };
    let to = format!("/quan-tri/ky/{round}/phan-cong?tb={done}#danh-sach");
    match Shown::after(outcome, &to, which, form)? {
        Ok(redirect) => Ok(redirect),
        Err(shown) => show(state, user, who, round, shown).await,
    }
}

async fn assign(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<AssignmentForm>,
) -> PageResult {
    let outcome = match form.request() {
        Ok(request) => departments::assign(&state.ctx, &who, round, request).await,
        Err(e) => Err(e),
    };
    done_or_refused(&state, (&user, &who), round, "them", outcome, form).await
}

async fn unassign(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<AssignmentForm>,
) -> PageResult {
    let outcome = match form.request() {
        Ok(r) => departments::unassign(&state.ctx, &who, round, &r.tier_code, &r.node_code).await,
        Err(e) => Err(e),
    };
    done_or_refused(&state, (&user, &who), round, "bo", outcome, form).await
}
