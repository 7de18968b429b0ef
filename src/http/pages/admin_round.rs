//! The administrator's page of a round (`admin_round.html`): every unit's progress, an
//! extension or a reopening for one unit, survey scores (one, or a workbook), publication.

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
use crate::domain::Points;
use crate::domain::deadline::{OverrideKind, Phase, format_instant, parse_deadline_or_explain};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::http::extract::SignedIn;
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::imports::{self, ImportReport};
use crate::service::{ServiceError, Who, rounds, scores};
use crate::store::NewOverride;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/ky/{round}", get(page))
        .route("/quan-tri/ky/{round}/gia-han", post(grant_override))
        .route("/quan-tri/ky/{round}/dieu-tra", post(survey_score))
        .route(
            "/quan-tri/ky/{round}/nhap-dieu-tra",
            post(import_survey).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

#[derive(Deserialize, Default)]
struct PageParams {
    /// Only this tier's units.
    #[serde(rename = "khoi")]
    tier: Option<String>,
    /// Only units in this status (`late`, `submitted`, …).
    #[serde(rename = "trang_thai")]
    status: Option<String>,
    /// Words of a unit's name, with or without tones.
    #[serde(rename = "tim")]
    search: Option<String>,
    /// What was just done (`da-gia-han`, `da-luu-dieu-tra`).
    #[serde(rename = "tb")]
    notice: Option<String>,
    /// Which page of the list (from 1).
    #[serde(rename = "trang")]
    page: Option<usize>,
}

/// Units listed on one page of the progress table.
const PER_PAGE: usize = 100;
/// Up to this many units (after the filters), the forms' unit lists hold them all; beyond,
/// only those of the page shown, and the page says to filter or search for the others.
const FORM_CHOICES: usize = 300;

/// What the page shows beyond the round: a notice, a refusal with what was typed, or the
/// report of an import.
#[derive(Default)]
struct Outcome {
    params: PageParams,
    error: Option<(StatusCode, String)>,
    typed: Value,
    report: Option<ImportReport>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    let outcome = Outcome {
        params,
        ..Outcome::default()
    };
    show(&state, &user, &who, round, outcome).await
}

async fn show(state: &AppState, user: &SignedIn, who: &Who, round: i64, o: Outcome) -> PageResult {
    let (stored, mut progress) = rounds::overview(&state.ctx, who, round).await?;
    let tiers: Vec<String> = stored.tiers.iter().map(|t| t.tier_name.clone()).collect();
    if let Some(tier) = o.params.tier.as_deref().filter(|t| !t.is_empty()) {
        progress.retain(|p| p.tier_name == tier);
    }
    if let Some(q) = o.params.search.as_deref().filter(|q| !q.trim().is_empty()) {
        progress.retain(|p| crate::domain::collation::matches_search(&p.unit_name, q));
    }
    let counts: Vec<Value> = crate::service::progress::Status::ALL
        .iter()
        .map(|s| {
            context! {
                code => s.as_str(),
                label => s.label(),
                count => progress.iter().filter(|p| p.status == *s).count(),
            }
        })
        .collect();
    let shown = progress.len();
    if let Some(status) = o.params.status.as_deref().filter(|s| !s.is_empty()) {
        progress.retain(|p| p.status.as_str() == status);
    }
    // A national round lists thousands of units: a page at a time, the counts above for
    // all of them.
    let matching = progress.len();
    let pages = matching.div_ceil(PER_PAGE).max(1);
    let page = o.params.page.unwrap_or(1).clamp(1, pages);
    let choices_limited = matching > FORM_CHOICES;
    let listed: Vec<_> = progress
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .cloned()
        .collect();
    // A unit chosen in a refused form stays chosen, wherever it is in the list.
    let typed_units: Vec<String> = ["unit", "survey_unit"]
        .iter()
        .filter_map(|k| o.typed.get_attr(k).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let mut limited = listed.clone();
    limited.extend(
        progress
            .iter()
            .filter(|p| {
                typed_units.contains(&p.unit_id.to_string())
                    && !listed.iter().any(|l| l.unit_id == p.unit_id)
            })
            .cloned(),
    );
    let choices = if choices_limited { &limited } else { &progress };
    let deadline = stored
        .phases
        .get(&Phase::SelfAssessment)
        .map(|w| format_instant(w.closes_at));
    let html = render(
        "admin_round.html",
        context! {
            user => user_ctx(user),
            round => context! { id => stored.id, title => stored.title.clone(), published => stored.published_at.map(format_instant), opened => stored.opened_at.map(format_instant), public => stored.public },
            progress => Value::from_serialize(&listed),
            choices => Value::from_serialize(choices),
            choices_limited,
            matching,
            page,
            pages,
            tiers,
            counts,
            shown,
            deadline,
            tier => o.params.tier,
            status => o.params.status.unwrap_or_default(),
            search => o.params.search.unwrap_or_default(),
            notice => o.params.notice,
            error_lines => lines(&o.error),
            error => o.error.as_ref().map(|e| e.1.clone()),
            typed => if o.typed.is_undefined() { Value::from(std::collections::BTreeMap::<String, String>::new()) } else { o.typed },
            report => o.report.map(|r| Value::from_serialize(&r)),
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

/// After a form on the page: back to the page with a notice, or the page again with the
/// refusal and what was typed.
async fn after(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    typed: &impl Serialize,
    notice: &str,
    outcome: Result<(), ServiceError>,
) -> PageResult {
    let error = match outcome {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/quan-tri/ky/{round}?tb={notice}")).into_response());
        }
        Err(e) => refusal(e)?,
    };
    let outcome = Outcome {
        error: Some(error),
        typed: Value::from_serialize(typed),
        ..Outcome::default()
    };
    show(state, user, who, round, outcome).await
}

fn field_error(field: &str, message: &str) -> ServiceError {
    ServiceError::Invalid(format!("{message} (trường «{field}»)"))
}

/// An extension or a reopening as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct GrantForm {
    unit: String,
    phase: String,
    kind: String,
    until: String,
    reason: String,
}

impl GrantForm {
    fn parse(&self) -> Result<(i64, NewOverride), ServiceError> {
        let unit = self
            .unit
            .trim()
            .parse()
            .map_err(|_| field_error("unit", "Cần chọn đơn vị."))?;
        let phase =
            Phase::parse(&self.phase).ok_or_else(|| field_error("phase", "Cần chọn giai đoạn."))?;
        let kind = match self.kind.as_str() {
            "extension" => OverrideKind::Extension,
            "reopening" => OverrideKind::Reopening,
            _ => return Err(field_error("kind", "Cần chọn gia hạn hoặc mở lại.")),
        };
        let until = parse_deadline_or_explain(&self.until).map_err(ServiceError::Invalid)?;
        let reason = self.reason.clone();
        Ok((
            unit,
            NewOverride {
                phase,
                kind,
                until,
                reason,
            },
        ))
    }
}

async fn grant_override(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<GrantForm>,
) -> PageResult {
    let outcome = match form.parse() {
        Ok((unit, grant)) => rounds::grant_override(&state.ctx, &who, round, unit, grant).await,
        Err(e) => Err(e),
    };
    after(&state, (&user, &who), round, &form, "da-gia-han", outcome).await
}

/// One survey score as typed.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct SurveyForm {
    survey_unit: String,
    leaf: String,
    points: String,
}

impl SurveyForm {
    fn parse(&self) -> Result<(i64, Points), ServiceError> {
        let unit = self.survey_unit.trim().parse();
        let unit = unit.map_err(|_| field_error("survey_unit", "Cần chọn đơn vị."))?;
        let points = self.points.trim().parse::<Points>();
        let points = points.map_err(|e| field_error("points", &format!("Điểm điều tra: {e}.")))?;
        Ok((unit, points))
    }
}

async fn survey_score(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<SurveyForm>,
) -> PageResult {
    let outcome = match form.parse() {
        Ok((unit, points)) => {
            let leaf = form.leaf.trim();
            scores::set_survey_score(&state.ctx, &who, round, unit, leaf, points).await
        }
        Err(e) => Err(e),
    };
    after(
        &state,
        (&user, &who),
        round,
        &form,
        "da-luu-dieu-tra",
        outcome,
    )
    .await
}

/// Survey scores from a workbook.
async fn import_survey(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageImport { user, who, upload }: PageImport,
) -> PageResult {
    let (ctx, who) = (&state.ctx, &who);
    let outcome = run_import(upload, async |bytes, dry_run| {
        imports::import_survey(ctx, who, round, bytes, dry_run).await
    })
    .await?;
    let (report, error) = match outcome {
        Ok(report) => (Some(report), None),
        Err(error) => (None, Some(error)),
    };
    let outcome = Outcome {
        error,
        report,
        ..Outcome::default()
    };
    show(&state, &user, who, round, outcome).await
}
