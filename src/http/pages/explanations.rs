//! The unit's explanations page (`explanations.html`): what it was asked after appraisal
//! round 1, and its answers with supplementary files (`_explanation_files.html`, which an
//! upload sent by htmx swaps in place).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{
    PageForm, PageQuery, PageResult, PageUpload, PageUser, from_htmx, in_place, refusal, render,
    user_ctx,
};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::explanations::ExplanationView;
use crate::service::{ServiceError, Who, evidence, explanations};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ky/{round}/don-vi/{unit}/giai-trinh", get(page))
        .route("/ky/{round}/don-vi/{unit}/giai-trinh/{leaf}", post(save))
        .route(
            "/ky/{round}/don-vi/{unit}/giai-trinh/{leaf}/tai-lieu",
            post(upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
}

/// What the page says after a change, from its query string: the leaf whose answer was
/// saved, or to which a file was uploaded.
#[derive(Deserialize, Default)]
struct Done {
    #[serde(rename = "luu")]
    saved_leaf: Option<String>,
    #[serde(rename = "tai-len")]
    uploaded_leaf: Option<String>,
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
    PageQuery(done): PageQuery<Done>,
) -> PageResult {
    show(&state, &user, &who, (round, unit), done, None).await
}

/// The unit's requests and files, and what the templates need to show them with what was
/// just done or refused.
async fn page_context(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (round, unit): (i64, i64),
    done: Done,
    refused: Option<Refused>,
) -> PageResult<(ExplanationView, Value)> {
    let view = explanations::view(&state.ctx, who, round, unit).await?;
    let files = evidence::list(&state.ctx, who, round, unit).await?.files;
    let context = context! {
        user => user_ctx(user),
        view => Value::from_serialize(&view),
        files => Value::from_serialize(&files),
        editable => user.actor.may_edit_self_assessment(unit) && view.access.open,
        saved_leaf => done.saved_leaf,
        uploaded_leaf => done.uploaded_leaf,
        error_leaf => refused.as_ref().map(|r| r.leaf.clone()),
        error => refused.as_ref().map(|r| r.message.clone()),
        error_form => refused.as_ref().map(|r| r.form),
        typed => refused.and_then(|r| r.text),
    };
    Ok((view, context))
}

async fn show(
    state: &AppState,
    user: &SignedIn,
    who: &Who,
    at: (i64, i64),
    done: Done,
    refused: Option<Refused>,
) -> PageResult {
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (_, context) = page_context(state, (user, who), at, done, refused).await?;
    let html = render("explanations.html", context)?;
    Ok((status, html).into_response())
}

/// A leaf's files and upload form alone, for htmx to swap in place: with the file just
/// uploaded, or with the refusal beside the file field.
async fn show_files(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    at: (i64, i64),
    leaf: &str,
    refused: Option<Refused>,
) -> PageResult {
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let done = Done {
        uploaded_leaf: refused.is_none().then(|| leaf.to_string()),
        ..Done::default()
    };
    let (view, context) = page_context(state, (user, who), at, done, refused).await?;
    let Some(q) = view.requests.iter().find(|q| q.leaf_code == leaf) else {
        return Err(ServiceError::NotFound(format!("yêu cầu giải trình tiêu chí {leaf}")).into());
    };
    let html = render(
        "_explanation_files.html",
        context! { q => Value::from_serialize(q), fragment => true, ..context },
    )?;
    Ok(in_place(status, html))
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
            let done = Done::default();
            show(&state, &user, &who, (round, unit), done, Some(refused)).await
        }
    }
}

/// A supplementary file with the answer about `leaf`: in place with htmx (the leaf's files
/// swapped), otherwise back to the leaf on the page.
async fn upload(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    headers: HeaderMap,
    PageUpload { user, who, upload }: PageUpload,
) -> PageResult {
    let htmx = from_htmx(&headers);
    let refused =
        match evidence::upload_supplementary(&state.ctx, &who, round, unit, &leaf, upload).await {
            Ok(_) if !htmx => {
                let to = format!("/ky/{round}/don-vi/{unit}/giai-trinh?tai-len={leaf}#tc-{leaf}");
                return Ok(Redirect::to(&to).into_response());
            }
            Ok(_) => None,
            Err(e) => {
                let (status, message) = refusal(e)?;
                Some(Refused {
                    leaf: leaf.clone(),
                    status,
                    message,
                    form: "upload",
                    text: None,
                })
            }
        };
    if htmx {
        return show_files(&state, (&user, &who), (round, unit), &leaf, refused).await;
    }
    show(&state, &user, &who, (round, unit), Done::default(), refused).await
}
