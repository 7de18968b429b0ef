//! The appraisal page of a unit (`appraisal.html`): its self-assessment beside the
//! appraised scores of rounds 1 and 2, the explanations, and the form of the open round
//! for each leaf in the appraiser's scope (`_appraisal_row.html`). A refused appraisal
//! comes back with what was typed and the message beside the field; with htmx the row
//! alone, under the status the API gives the same refusal.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::leaf_form::LeafForm;
use super::self_assessment::Saved;
use super::{PageForm, PageQuery, PageResult, PageUser, render, user_ctx};
use crate::domain::Points;
use crate::http::AppState;
use crate::http::error::{ApiPath, HttpError};
use crate::http::extract::SignedIn;
use crate::service::{ServiceError, Who, scores};
use crate::store::AppraisalEntry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ky/{round}/don-vi/{unit}/tham-dinh", get(page))
        .route("/ky/{round}/don-vi/{unit}/tham-dinh/{leaf}", post(appraise))
        // The points the figures typed give, as the appraiser types them (htmx).
        .route(
            "/ky/{round}/don-vi/{unit}/tham-dinh/{leaf}/tinh-diem",
            post(super::self_assessment::preview),
        )
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    PageQuery(saved): PageQuery<Saved>,
) -> PageResult {
    let sheet = scores::appraisal_sheet(&state.ctx, &who, round, unit).await?;
    let evidence = super::self_assessment::evidence_by_leaf(&state, &who, round, unit).await?;
    let html = render(
        "appraisal.html",
        sheet_context(&user, &sheet, evidence, saved.saved_leaf, None),
    )?;
    Ok(html.into_response())
}

/// An appraised score as typed: the round (1 or 2), the points, or on a rate or count leaf
/// the corrected figures (in the fields the self-assessment form names them); refused
/// with their field named when they do not parse. Kept as text to show again beside a
/// refusal.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct AppraisalForm {
    appraisal_round: i64,
    #[serde(default)]
    points: String,
    /// `rate` or `occurrences` where the form has figures; empty otherwise.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    not_applicable: Option<String>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    explanation_requested: Option<String>,
}

/// A refused appraisal: the leaf, the status the API gives the same refusal, the message,
/// the field it concerns (`points`, `comment`, `not_applicable`, or `form` for the whole
/// form), and what was typed.
struct Refused {
    leaf: String,
    status: StatusCode,
    message: String,
    field: &'static str,
    typed: AppraisalForm,
}

/// The field a refusal of the appraisal service concerns, from its message: the service
/// names what is wrong in words (the comment, not applicable, the score).
fn field_of(e: &ServiceError, message: &str) -> &'static str {
    match e {
        ServiceError::Rejected {
            field:
                Some(
                    field @ ("points" | "comment" | "not_applicable" | "numerator" | "denominator"
                    | "count"),
                ),
            ..
        } => field,
        ServiceError::Invalid(_) if message.contains("nhận xét") => "comment",
        ServiceError::Invalid(_) if message.contains("Không áp dụng") => "not_applicable",
        ServiceError::Invalid(_) if message.contains("không áp dụng") => "points",
        ServiceError::Invalid(m) if m.contains("Điểm") => "points",
        _ => "form",
    }
}

/// The page's context; `refused` fills the refused leaf's form with what was typed.
fn sheet_context(
    user: &SignedIn,
    sheet: &scores::AppraisalSheet,
    evidence: std::collections::BTreeMap<String, Value>,
    saved_leaf: Option<String>,
    refused: Option<&Refused>,
) -> Value {
    context! {
        user => user_ctx(user),
        view => Value::from_serialize(&sheet.view),
        explanations => sheet.explanations.clone(),
        evidence,
        current => Value::from_serialize(&sheet.current),
        first_round => Value::from_serialize(&sheet.first_round),
        open_round => sheet.open_round,
        may_appraise => sheet.may_appraise,
        signed_off => sheet.signed_off.clone(),
        editable => Value::from_serialize(&sheet.editable),
        choices => Value::from_serialize(&sheet.choices),
        figure_fields => Value::from_serialize(&sheet.figure_fields),
        totals => Value::from_serialize(&sheet.totals),
        saved_leaf,
        error_leaf => refused.map(|r| r.leaf.clone()),
        error_field => refused.map(|r| r.field),
        error => refused.map(|r| r.message.clone()),
        typed => refused.map(|r| Value::from_serialize(&r.typed)),
    }
}

async fn appraise(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { user, who, form }: PageForm<AppraisalForm>,
) -> PageResult {
    let htmx = super::from_htmx(&headers);
    let outcome = save(&state, &who, (round, unit), &leaf, &form).await?;
    let refused = match outcome {
        Ok(()) if !htmx => {
            let to = format!("/ky/{round}/don-vi/{unit}/tham-dinh?luu={leaf}#tc-{leaf}");
            return Ok(Redirect::to(&to).into_response());
        }
        Ok(()) => None,
        Err((status, message, field)) => Some(Refused {
            leaf: leaf.clone(),
            status,
            message,
            field,
            typed: form,
        }),
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let sheet = scores::appraisal_sheet(&state.ctx, &who, round, unit).await?;
    let evidence = super::self_assessment::evidence_by_leaf(&state, &who, round, unit).await?;
    let saved_leaf = refused.is_none().then(|| leaf.clone());
    let context = sheet_context(&user, &sheet, evidence, saved_leaf, refused.as_ref());
    if !htmx {
        // The form posts to its leaf's anchor: the page comes back at the refused leaf.
        return Ok((status, render("appraisal.html", context)?).into_response());
    }
    // The row alone, to swap in place, and the totals beside it.
    let node = sheet
        .view
        .nodes
        .iter()
        .find(|n| n.node.code == leaf && n.node.is_leaf() && !n.node.is_survey());
    let Some(node) = node else {
        return Err(ServiceError::NotFound(format!("tiêu chí thành phần {leaf}")).into());
    };
    let row = render(
        "_appraisal_row.html",
        context! { n => Value::from_serialize(node), oob => true, ..context },
    )?;
    Ok(super::in_place(status, row))
}

/// Parses the form and saves it; a refusal as (status, message, field), with the status
/// the API gives the same refusal. What is not the user's to fix (an unknown unit or
/// leaf, a failure of the server) is the error page.
async fn save(
    state: &AppState,
    who: &Who,
    (round, unit): (i64, i64),
    leaf: &str,
    form: &AppraisalForm,
) -> PageResult<Result<(), (StatusCode, String, &'static str)>> {
    let points = match Some(form.points.trim()).filter(|p| !p.is_empty()) {
        None => None,
        Some(text) => match text.parse::<Points>() {
            Ok(p) => Some(p),
            Err(e) => {
                let message = format!("Điểm thẩm định: {e}.");
                return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, message, "points")));
            }
        },
    };
    // A leaf declared not applicable has no figures: those prefilled are left aside, as
    // on the self-assessment form.
    let not_applicable = form.not_applicable.is_some();
    let figures = LeafForm {
        kind: form.kind.clone(),
        numerator: form.numerator.clone(),
        denominator: form.denominator.clone(),
        count: form.count.clone(),
        ..LeafForm::default()
    };
    let input = match figures.input() {
        _ if not_applicable => None,
        Ok(input) => input,
        Err(e) => return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, e.message, e.field))),
    };
    let entry = AppraisalEntry {
        leaf_code: leaf.to_string(),
        appraisal_round: form.appraisal_round,
        points,
        input,
        not_applicable,
        comment: form.comment.clone(),
        explanation_requested: form.explanation_requested.is_some(),
    };
    match scores::save_appraisal(&state.ctx, who, round, unit, entry).await {
        Ok(()) => Ok(Ok(())),
        Err(e) => {
            let field = field_of(&e, &e.to_string());
            let http = HttpError::from(e);
            let status = http.status;
            if status.is_server_error()
                || status == StatusCode::NOT_FOUND
                || status == StatusCode::UNAUTHORIZED
            {
                return Err(http.into());
            }
            Ok(Err((status, http.message, field)))
        }
    }
}
