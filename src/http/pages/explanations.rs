//! The unit's explanations page (`explanations.html`): what it was asked after appraisal
//! round 1, and its answers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::self_assessment::Saved;
use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::{Who, explanations};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ky/{round}/don-vi/{unit}/giai-trinh", get(page))
        .route("/ky/{round}/don-vi/{unit}/giai-trinh/{leaf}", post(save))
        .route(
            "/ky/{round}/don-vi/{unit}/giai-trinh/{leaf}/tai-lieu",
            post(upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
}

/// An answer refused: the leaf, the status and message, which form (`answer` or
/// `upload`), and the text typed (an answer's).
struct Refused {
    leaf: String,
    status: StatusCode,
    message: String,
    form: &'static str,
    text: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageQuery(saved): PageQuery<Saved>,
) -> PageResult {
    show(&state, &user, &who, (round, unit), saved.saved_leaf, None).await
}

async fn show(
    state: &AppState,
    user: &SignedIn,
    who: &Who,
    (round, unit): (i64, i64),
    saved_leaf: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let view = explanations::view(&state.ctx, who, round, unit).await?;
    let evidence = crate::service::evidence::list(&state.ctx, who, round, unit).await?;
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let html = render(
        "explanations.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            files => Value::from_serialize(&evidence.files),
            editable => user.actor.may_edit_self_assessment(unit) && view.access.open,
            saved_leaf,
            error_leaf => refused.as_ref().map(|r| r.leaf.clone()),
            error => refused.as_ref().map(|r| r.message.clone()),
            error_form => refused.as_ref().map(|r| r.form),
            typed => refused.and_then(|r| r.text),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    text: String,
}

async fn save(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { user, who, form }: PageForm<AnswerForm>,
) -> PageResult {
    match explanations::save_explanation(&state.ctx, &who, round, unit, &leaf, &form.text).await {
        Ok(()) => {
            let to = format!("/ky/{round}/don-vi/{unit}/giai-trinh?luu={leaf}#tc-{leaf}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            let refused = Refused {
                leaf,
                status,
                message,
                form: "answer",
                text: Some(form.text),
            };
            show(&state, &user, &who, (round, unit), None, Some(refused)).await
        }
    }
}

/// A supplementary file with the answer about `leaf`.
async fn upload(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    super::PageUpload { user, who, upload }: super::PageUpload,
) -> PageResult {
    use crate::service::evidence;
    match evidence::upload_supplementary(&state.ctx, &who, round, unit, &leaf, upload).await {
        Ok(_) => {
            let to = format!("/ky/{round}/don-vi/{unit}/giai-trinh?luu={leaf}#tc-{leaf}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            let refused = Refused {
                leaf,
                status,
                message,
                form: "upload",
                text: None,
            };
            show(&state, &user, &who, (round, unit), None, Some(refused)).await
        }
    }
}
