//! A round's exemptions (`exemptions.html`, giảm tiêu chí đánh giá): the units exempt from
//! an area, a criterion or a leaf, with the reasons; exempting one, or taking an exemption
//! back, each with a reason. Every rule is the service's ([`crate::service::exemptions`]).

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::import_form::run_import;
use super::{
    PageForm, PageImport, PageQuery, PageResult, PageUser, lines, refusal, render, status_with,
    user_ctx,
};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::exemptions::{self, ExemptionImport, ExemptionRequest, RemovalRequest};
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}/giam-tieu-chi", get(page))
        .route("/quan-tri/ky/{round}/giam-tieu-chi/them", post(add))
        .route("/quan-tri/ky/{round}/giam-tieu-chi/bo", post(remove))
        .route(
            "/quan-tri/ky/{round}/giam-tieu-chi/nhap",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageParams {
    /// What was just done (`da-giam`, `da-bo`).
    tb: Option<String>,
}

/// An exemption, or its removal, as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct ExemptionForm {
    unit_id: String,
    node_code: String,
    reason: String,
}

impl ExemptionForm {
    fn unit(&self) -> Result<i64, ServiceError> {
        self.unit_id
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid_field("unit_id", "Chọn một đơn vị trong danh sách."))
    }
}

/// Which form a refusal concerns: the new exemption (`them`) or the removal of one line
/// (`bo`, with its unit and node).
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    form: Option<&'static str>,
    error: Option<(StatusCode, String)>,
    field: Option<&'static str>,
    typed: Option<ExemptionForm>,
    /// What an import did (or, checked, would do).
    report: Option<ExemptionImport>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    let outcome = Outcome {
        notice: params.tb,
        ..Outcome::default()
    };
    show(&state, &user, &who, round, outcome).await
}

async fn show(state: &AppState, user: &SignedIn, who: &Who, round: i64, o: Outcome) -> PageResult {
    let view = exemptions::list(&state.ctx, who, round).await?;
    let html = render(
        "exemptions.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            notice => o.notice,
            form => o.form,
            error => o.error.as_ref().map(|e| e.1.clone()),
            field => o.field,
            typed => o.typed.as_ref().map(Value::from_serialize),
            report => o.report.as_ref().map(Value::from_serialize),
            error_lines => lines(&o.error),
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

/// The end of either form: back to the list, or the page again with the refusal beside
/// the field (or the form) it concerns and what was typed.
async fn done_or_refused(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    which: &'static str,
    outcome: Result<(), ServiceError>,
    form: ExemptionForm,
) -> PageResult {
    let (field, error) = match outcome {
        Ok(()) => {
            let done = if which == "them" { "da-giam" } else { "da-bo" };
            let to = format!("/quan-tri/ky/{round}/giam-tieu-chi?tb={done}#danh-sach");
            return Ok(Redirect::to(&to).into_response());
        }
        // An exemption taken back meanwhile: said beside the form.
        Err(e @ ServiceError::NotFound(_)) => (None, (StatusCode::NOT_FOUND, e.to_string())),
        Err(e) => (e.field(), refusal(e)?),
    };
    let outcome = Outcome {
        form: Some(which),
        error: Some(error),
        field,
        typed: Some(form),
        ..Outcome::default()
    };
    show(state, user, who, round, outcome).await
}

async fn add(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ExemptionForm>,
) -> PageResult {
    let outcome = match form.unit() {
        Ok(unit_id) => match chosen_node(&state, &who, round, unit_id, &form.node_code).await {
            Ok(node_code) => {
                let request = ExemptionRequest {
                    unit_id,
                    node_code,
                    reason: form.reason.clone(),
                };
                exemptions::set(&state.ctx, &who, round, request).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    done_or_refused(&state, (&user, &who), round, "them", outcome, form).await
}

/// The node chosen in the list, «tier code|node code»: the lists of every tier share
/// codes («3.3» is one thing for a department and another for a commune), so a node of
/// another tier's set than the unit's is refused, never read as the unit's own «3.3».
async fn chosen_node(
    state: &AppState,
    who: &Who,
    round: i64,
    unit_id: i64,
    chosen: &str,
) -> Result<String, ServiceError> {
    let Some((tier_code, node)) = chosen.split_once('|') else {
        return Ok(chosen.to_string());
    };
    let view = exemptions::list(&state.ctx, who, round).await?;
    let unit_tier = view
        .tiers
        .iter()
        .find(|t| t.units.iter().any(|u| u.0 == unit_id));
    match unit_tier {
        Some(tier) if tier.tier_code != tier_code => {
            let chosen_tier = view
                .tiers
                .iter()
                .find(|t| t.tier_code == tier_code)
                .map_or(tier_code, |t| t.tier_name.as_str());
            Err(ServiceError::invalid_field(
                "node_code",
                format!(
                    "Tiêu chí {node} đã chọn thuộc bộ tiêu chí của {chosen_tier}; đơn vị này thuộc {}: chọn tiêu chí trong nhóm «{}».",
                    tier.tier_name, tier.tier_name
                ),
            ))
        }
        _ => Ok(node.to_string()),
    }
}

async fn remove(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ExemptionForm>,
) -> PageResult {
    let outcome = match form.unit() {
        Ok(unit_id) => {
            let request = RemovalRequest {
                reason: form.reason.clone(),
            };
            exemptions::remove(&state.ctx, &who, round, unit_id, &form.node_code, request).await
        }
        Err(e) => Err(e),
    };
    done_or_refused(&state, (&user, &who), round, "bo", outcome, form).await
}

/// An exemptions workbook: checked, or set unless «Kiểm tra trước» is ticked; the report
/// or every problem of the file on the page.
async fn import(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageImport { user, who, upload }: PageImport,
) -> PageResult {
    let (ctx, who) = (&state.ctx, &who);
    let outcome = run_import(upload, async |bytes, dry_run| {
        exemptions::import(ctx, who, round, bytes, dry_run).await
    })
    .await?;
    let outcome = match outcome {
        Ok(report) => Outcome {
            report: Some(report),
            ..Outcome::default()
        },
        Err(error) => Outcome {
            form: Some("nhap"),
            error: Some(error),
            ..Outcome::default()
        },
    };
    show(&state, &user, who, round, outcome).await
}
