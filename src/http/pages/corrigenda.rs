//! Đính chính bộ tiêu chí (`corrigenda.html`): a tier of a running round switched to a
//! corrected version of its set, previewed first (the leaves it changes, the entries the
//! units will be asked to review), and the corrigenda made.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::Who;
use crate::service::corrigenda::{self as service, Correction, CorrigendumPlan};

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/ky/{round}/dinh-chinh", get(page).post(correct))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Flash {
    tb: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(flash): PageQuery<Flash>,
) -> PageResult {
    let done = flash.tb.as_deref() == Some("da-dinh-chinh");
    show(
        &state,
        (&user, &who),
        round,
        Shown {
            done,
            ..Shown::default()
        },
    )
    .await
}

/// The form as typed, and which button sent it.
#[derive(Deserialize, Serialize, Clone)]
struct CorrectionForm {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    set_version: String,
    #[serde(default)]
    reason: String,
    /// No default: a form without its button is refused (422), never taken for a preview.
    action: CorrectionAction,
}

/// The corrigendum form's buttons.
#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq, Debug)]
enum CorrectionAction {
    /// «Xem trước»: the leaves the corrected version changes; nothing saved.
    #[serde(rename = "xem-truoc")]
    Preview,
    /// «Đính chính theo bản xem trước».
    #[serde(rename = "dinh-chinh")]
    Correct,
}

#[derive(Default)]
struct Shown {
    done: bool,
    typed: Option<CorrectionForm>,
    plan: Option<CorrigendumPlan>,
    error: Option<(StatusCode, String, &'static str)>,
}

async fn correct(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<CorrectionForm>,
) -> PageResult {
    let preview = form.action == CorrectionAction::Preview;
    let correction = Correction {
        set_version: form.set_version.clone(),
        reason: form.reason.clone(),
    };
    match service::correct_set(&state.ctx, &who, round, &form.tier, correction, preview).await {
        Ok(_) if !preview => Ok(Redirect::to(&format!(
            "/quan-tri/ky/{round}/dinh-chinh?tb=da-dinh-chinh#da-dinh-chinh"
        ))
        .into_response()),
        Ok(plan) => {
            let shown = Shown {
                typed: Some(form),
                plan: Some(plan),
                ..Shown::default()
            };
            show(&state, (&user, &who), round, shown).await
        }
        Err(e) => {
            let field = e.field().unwrap_or("form");
            let (status, message) = refusal(e)?;
            let shown = Shown {
                typed: Some(form),
                error: Some((status, message, field)),
                ..Shown::default()
            };
            show(&state, (&user, &who), round, shown).await
        }
    }
}

async fn show(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    s: Shown,
) -> PageResult {
    let view = service::page(&state.ctx, who, round).await?;
    let status = s.error.as_ref().map_or(StatusCode::OK, |(st, _, _)| *st);
    let html = render(
        "corrigenda.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            done => s.done,
            typed => Value::from_serialize(&s.typed),
            plan => Value::from_serialize(&s.plan),
            error => s.error.as_ref().map(|(_, m, f)| context! { message => m, field => f }),
        },
    )?;
    Ok((status, html).into_response())
}
