//! The unit's self-assessment page (`self_assessment.html`, one `_leaf.html` per leaf):
//! save a leaf, see its points as one types, upload evidence, submit and withdraw.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use super::leaf_form::LeafForm;
use super::{PageForm, PageQuery, PageResult, PageUpload, PageUser, refusal, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::NoFields;
use crate::http::extract::SignedIn;
use crate::service::self_assessment::{self as service, Preview, SelfAssessmentView};
use crate::service::{ServiceError, Who, evidence};

pub fn router() -> Router<AppState> {
    let base = "/ky/{round}/don-vi/{unit}";
    Router::new()
        .route(&format!("{base}/tu-cham-diem"), get(page))
        .route(&format!("{base}/tu-cham-diem/{{leaf}}"), post(save_leaf))
        .route(
            &format!("{base}/tu-cham-diem/{{leaf}}/tinh-diem"),
            post(preview),
        )
        .route(
            &format!("{base}/tai-lieu"),
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{base}/rut-lai"), post(withdraw))
        .route(&format!("{base}/van-ban"), post(cite))
        .route(&format!("{base}/tai-lieu/{{kind}}/{{id}}/go"), post(remove))
        .route(
            &format!("{base}/tai-lieu/tep/{{id}}/thay"),
            post(replace).layer(DefaultBodyLimit::disable()),
        )
}

/// A citation typed beside a leaf.
#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
struct CitationForm {
    leaf: String,
    document_number: String,
    issued_on: String,
    summary: String,
    pages: String,
}

/// After a change to a leaf's evidence: back to the leaf, or the page with the refusal
/// beside it.
async fn evidence_outcome(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (round, unit): (i64, i64),
    leaf: String,
    outcome: Result<(), ServiceError>,
) -> PageResult {
    let (status, message) = match outcome {
        Ok(()) => {
            let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) => refusal(e)?,
    };
    let view = service::view(&state.ctx, who, round, unit).await?;
    let evidence = evidence_by_leaf(state, who, round, unit).await?;
    let error = LeafError {
        leaf,
        status,
        message,
        typed: None,
    };
    Ok(render_page(who, user, &view, Saved::default(), Some(error), evidence)?.into_response())
}

async fn cite(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageForm { user, who, form }: PageForm<CitationForm>,
) -> PageResult {
    let draft = crate::domain::evidence::CitationDraft {
        document_number: form.document_number.clone(),
        issued_on: form.issued_on.clone(),
        summary: form.summary.clone(),
        pages: form.pages.clone(),
    };
    let leaves = [form.leaf.clone()];
    let outcome = evidence::add_citation(&state.ctx, &who, round, unit, draft, &leaves)
        .await
        .map(|_| ());
    evidence_outcome(&state, (&user, &who), (round, unit), form.leaf, outcome).await
}

/// Which leaf to take the item off; absent: every leaf (the item is removed).
#[derive(Deserialize, Default)]
#[serde(default)]
struct RemoveForm {
    leaf: String,
}

async fn remove(
    State(state): State<AppState>,
    ApiPath((round, unit, kind, id)): ApiPath<(i64, i64, String, i64)>,
    PageForm { user, who, form }: PageForm<RemoveForm>,
) -> PageResult {
    let citation = match kind.as_str() {
        "tep" => false,
        "van-ban" => true,
        _ => return Err(ServiceError::NotFound(format!("loại tài liệu «{kind}»")).into()),
    };
    let leaf = (!form.leaf.trim().is_empty()).then(|| form.leaf.trim().to_string());
    let outcome = evidence::remove(
        &state.ctx,
        &who,
        (round, unit),
        (citation, id),
        leaf.as_deref(),
    )
    .await;
    evidence_outcome(&state, (&user, &who), (round, unit), form.leaf, outcome).await
}

async fn replace(
    State(state): State<AppState>,
    ApiPath((round, unit, id)): ApiPath<(i64, i64, i64)>,
    PageUpload { user, who, upload }: PageUpload,
) -> PageResult {
    let leaf = upload.leaves.first().cloned().unwrap_or_default();
    let outcome = evidence::replace_file(&state.ctx, &who, (round, unit), id, upload)
        .await
        .map(|_| ());
    evidence_outcome(&state, (&user, &who), (round, unit), leaf, outcome).await
}

/// What the page says after a change, from its query string.
#[derive(Deserialize, Default)]
pub(crate) struct Saved {
    /// The leaf just saved, to show "Đã lưu" beside it.
    #[serde(rename = "luu")]
    pub saved_leaf: Option<String>,
    /// A message after submit or withdraw.
    #[serde(rename = "tb")]
    pub notice: Option<String>,
}

/// A leaf refused: its code, the status and message, and what was typed.
struct LeafError {
    leaf: String,
    status: StatusCode,
    message: String,
    typed: Option<LeafForm>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageQuery(saved): PageQuery<Saved>,
) -> PageResult {
    let view = service::view(&state.ctx, &who, round, unit).await?;
    let evidence = evidence_by_leaf(&state, &who, round, unit).await?;
    Ok(render_page(&who, &user, &view, saved, None, evidence)?.into_response())
}

/// The unit's evidence files and citations, grouped by the leaves they support.
pub(crate) async fn evidence_by_leaf(
    state: &AppState,
    who: &Who,
    round: i64,
    unit: i64,
) -> PageResult<BTreeMap<String, Value>> {
    let list = evidence::list(&state.ctx, who, round, unit).await?;
    let mut by_leaf: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for f in &list.files {
        for leaf in &f.leaves {
            let files = &mut by_leaf.entry(leaf.clone()).or_default().0;
            files.push(Value::from_serialize(f));
        }
    }
    for c in &list.citations {
        for leaf in &c.leaves {
            let citations = &mut by_leaf.entry(leaf.clone()).or_default().1;
            citations.push(Value::from_serialize(c));
        }
    }
    Ok(by_leaf
        .into_iter()
        .map(|(leaf, (files, citations))| (leaf, context! { files, citations }))
        .collect())
}

fn editable(user: &SignedIn, view: &SelfAssessmentView) -> bool {
    user.actor.may_edit_self_assessment(view.unit_id)
        && view.access.open
        && view.submitted_at.is_none()
}

/// The leaf errors and typed values the templates show beside a leaf.
fn beside(error: &Option<LeafError>) -> (BTreeMap<String, Value>, BTreeMap<String, Value>) {
    let mut errors = BTreeMap::new();
    let mut typed = BTreeMap::new();
    if let Some(e) = error {
        errors.insert(e.leaf.clone(), Value::from(e.message.clone()));
        if let Some(form) = &e.typed {
            typed.insert(e.leaf.clone(), Value::from_serialize(form));
        }
    }
    (errors, typed)
}

fn render_page(
    who: &Who,
    user: &SignedIn,
    view: &SelfAssessmentView,
    saved: Saved,
    error: Option<LeafError>,
    evidence: BTreeMap<String, Value>,
) -> PageResult<(StatusCode, Html<String>)> {
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let (errors, typed) = beside(&error);
    let html = render(
        "self_assessment.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(view),
            editable => editable(user, view),
            may_submit => user.actor.may_submit(view.unit_id) && view.access.open,
            saved_leaf => saved.saved_leaf,
            notice => saved.notice,
            errors,
            typed,
            evidence,
            now => who.now.to_rfc3339(),
        },
    )?;
    Ok((status, html))
}

async fn save_leaf(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { user, who, form }: PageForm<LeafForm>,
) -> PageResult {
    let htmx = headers.contains_key("hx-request");
    let outcome = match form.parse(&leaf) {
        Ok(save) => match service::save_leaf(&state.ctx, &who, round, unit, save).await {
            Ok(_) => Ok(()),
            Err(e) => Err(refusal(e)?),
        },
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
    };
    if outcome.is_ok() && !htmx {
        let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}");
        return Ok(Redirect::to(&to).into_response());
    }
    // Shown again with what was typed kept, and the error beside the leaf.
    let error = outcome.err().map(|(status, message)| LeafError {
        leaf: leaf.clone(),
        status,
        message,
        typed: Some(form),
    });
    let view = service::view(&state.ctx, &who, round, unit).await?;
    let evidence = evidence_by_leaf(&state, &who, round, unit).await?;
    if htmx {
        // htmx swaps only successful responses by default; the fragment carries the error.
        let html = leaf_fragment(&user, &view, &leaf, error, evidence)?;
        return Ok((StatusCode::OK, html).into_response());
    }
    Ok(render_page(&who, &user, &view, Saved::default(), error, evidence)?.into_response())
}

/// One leaf's form again (for htmx): saved, or with its error and what was typed.
fn leaf_fragment(
    user: &SignedIn,
    view: &SelfAssessmentView,
    leaf: &str,
    error: Option<LeafError>,
    evidence: BTreeMap<String, Value>,
) -> PageResult<Html<String>> {
    let node = view
        .nodes
        .iter()
        .find(|n| n.node.code == leaf && n.node.is_leaf());
    let Some(node) = node else {
        return Err(ServiceError::NotFound(format!("tiêu chí thành phần {leaf}")).into());
    };
    let saved_leaf = error.is_none().then(|| leaf.to_string());
    let (errors, typed) = beside(&error);
    render(
        "_leaf.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(view),
            n => Value::from_serialize(node),
            editable => editable(user, view),
            saved_leaf,
            errors,
            typed,
            evidence,
            // The running totals at the top of the page, swapped in beside the leaf.
            oob => true,
        },
    )
}

/// The points a leaf form would give, computed on the server as the user types.
async fn preview(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { who, form, .. }: PageForm<LeafForm>,
) -> PageResult {
    let text = match form.parse(&leaf) {
        Err(message) => message,
        Ok(save) => match service::preview(&state.ctx, &who, round, unit, save).await? {
            Preview::NoSuchLeaf => "Không có tiêu chí này".to_string(),
            Preview::NotApplicable => "Không áp dụng".to_string(),
            Preview::NotScored => "Chưa chấm".to_string(),
            Preview::Points(points) => format!("{} điểm", points.to_vn()),
            Preview::Refused(message) => message,
        },
    };
    Ok(Html(minijinja::HtmlEscape(&text).to_string()).into_response())
}

/// Uploads an evidence file for a leaf from the page's form, then returns to the leaf.
async fn upload(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageUpload { user, who, upload }: PageUpload,
) -> PageResult {
    let leaf = upload.leaves.first().cloned().unwrap_or_default();
    let (status, message) = match evidence::upload_file(&state.ctx, &who, round, unit, upload).await
    {
        Ok(stored) => {
            // The leaf as validated, not as sent.
            let leaf = stored.leaves.first().cloned().unwrap_or_default();
            let to = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) => refusal(e)?,
    };
    let view = service::view(&state.ctx, &who, round, unit).await?;
    let evidence = evidence_by_leaf(&state, &who, round, unit).await?;
    let error = LeafError {
        leaf,
        status,
        message,
        typed: None,
    };
    Ok(render_page(&who, &user, &view, Saved::default(), Some(error), evidence)?.into_response())
}

async fn withdraw(
    State(state): State<AppState>,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageForm { who, .. }: PageForm<NoFields>,
) -> PageResult {
    service::withdraw(&state.ctx, &who, round, unit).await?;
    Ok(Redirect::to(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?tb=da-rut")).into_response())
}
