//! The appraisal page of a unit (`appraisal.html`): its self-assessment beside the
//! appraised scores of rounds 1 and 2, the explanations, and the form of the open round.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::self_assessment::Saved;
use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, status_with, user_ctx};
use crate::domain::Points;
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::service::{Who, scores};
use crate::store::AppraisalEntry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ky/{round}/don-vi/{unit}/tham-dinh", get(page))
        .route("/ky/{round}/don-vi/{unit}/tham-dinh/{leaf}", post(appraise))
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
    error: Option<(String, StatusCode, String)>,
) -> PageResult {
    let sheet = scores::appraisal_sheet(&state.ctx, who, round, unit).await?;
    // The unit's evidence, as its people see it (the appraiser may read it once the
    // self-assessment was submitted or locked, as the sheet itself).
    let evidence = super::self_assessment::evidence_by_leaf(state, who, round, unit).await?;
    let status = status_with(&error.as_ref().map(|(_, s, m)| (*s, m.clone())));
    let html = render(
        "appraisal.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&sheet.view),
            explanations => sheet.explanations,
            evidence,
            appraisals => Value::from_serialize(&sheet.appraisals),
            open_round => sheet.open_round,
            may_appraise => sheet.may_appraise,
            saved_leaf,
            error_leaf => error.as_ref().map(|e| e.0.clone()),
            error => error.map(|e| e.2),
        },
    )?;
    Ok((status, html).into_response())
}

/// An appraised score as typed: the round (1 or 2) and the points are refused with their
/// field named when they do not parse.
#[derive(Deserialize, Serialize)]
struct AppraisalForm {
    appraisal_round: i64,
    #[serde(default)]
    points: String,
    #[serde(default)]
    not_applicable: Option<String>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    explanation_requested: Option<String>,
}

async fn appraise(
    State(state): State<AppState>,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    PageForm { user, who, form }: PageForm<AppraisalForm>,
) -> PageResult {
    let points = match Some(form.points.trim()).filter(|p| !p.is_empty()) {
        None => None,
        Some(text) => match text.parse::<Points>() {
            Ok(p) => Some(p),
            Err(e) => {
                let message = format!("Điểm thẩm định: {e}.");
                let error = (leaf, StatusCode::UNPROCESSABLE_ENTITY, message);
                return show(&state, &user, &who, (round, unit), None, Some(error)).await;
            }
        },
    };
    let entry = AppraisalEntry {
        leaf_code: leaf.clone(),
        appraisal_round: form.appraisal_round,
        points,
        not_applicable: form.not_applicable.is_some(),
        comment: form.comment,
        explanation_requested: form.explanation_requested.is_some(),
    };
    match scores::save_appraisal(&state.ctx, &who, round, unit, entry).await {
        Ok(()) => {
            let to = format!("/ky/{round}/don-vi/{unit}/tham-dinh?luu={leaf}#tc-{leaf}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, message) = refusal(e)?;
            show(
                &state,
                &user,
                &who,
                (round, unit),
                None,
                Some((leaf, status, message)),
            )
            .await
        }
    }
}
