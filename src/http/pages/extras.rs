//! The administrator's bonus and penalty page of a round (`extras.html`): for one unit,
//! the items of its criteria set (điểm thưởng, điểm trừ) with the cap, how many times
//! each was counted and why. Saving goes through the same service as the API
//! (`PUT /api/rounds/{round}/units/{unit}/extras/{kind}/{item}`): administrators only,
//! until publication, audited.

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
use crate::service::{ServiceError, Who, rounds, scores};
use crate::store::ExtraCount;

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/ky/{round}/diem-thuong-tru", get(page).post(save))
}

/// What an anchor keeps as it is: the codes of items are letters, digits, dots and dashes.
const ANCHOR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

#[derive(Deserialize, Default)]
struct PageParams {
    /// The unit shown (its id).
    #[serde(rename = "don_vi")]
    unit: Option<i64>,
    /// Words of a unit's name, to narrow the list of units.
    #[serde(rename = "tim")]
    search: Option<String>,
    /// What was just done (`da-luu`).
    #[serde(rename = "tb")]
    notice: Option<String>,
    /// The item just saved (`bonus-T1`), to say so beside it.
    #[serde(rename = "luu")]
    saved: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    show(&state, (&user, &who), round, params, None).await
}

/// One item's count as typed: kept to show again beside a refusal.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct ExtraForm {
    #[serde(rename = "don_vi")]
    unit: String,
    kind: String,
    item: String,
    occurrences: String,
    note: String,
}

impl ExtraForm {
    fn parse(&self) -> Result<(i64, ExtraCount), (&'static str, String)> {
        let unit = self.unit.trim().parse().map_err(|_| {
            (
                "form",
                "Cần chọn đơn vị (trường «don_vi»); tải lại trang.".to_string(),
            )
        })?;
        let occurrences = self.occurrences.trim();
        let occurrences = occurrences.parse::<i64>().map_err(|_| {
            (
                "occurrences",
                format!(
                    "Số lần phải là số nguyên từ 0 đến {} (đã nhập «{occurrences}»).",
                    scores::MAX_OCCURRENCES
                ),
            )
        })?;
        Ok((
            unit,
            ExtraCount {
                kind: self.kind.clone(),
                item_code: self.item.clone(),
                occurrences,
                note: self.note.clone(),
            },
        ))
    }
}

/// A refused count: the item's form again with what was typed and the message beside the
/// field it concerns (`occurrences`, `note`, or `form`).
struct Refused {
    status: StatusCode,
    message: String,
    field: &'static str,
    typed: ExtraForm,
}

async fn save(
    State(state): State<AppState>,
    ApiPath(round): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ExtraForm>,
) -> PageResult {
    let (status, message, field) = match form.parse() {
        Err((field, message)) => (StatusCode::UNPROCESSABLE_ENTITY, message, field),
        Ok((unit, extra)) => {
            let item = format!("{}-{}", extra.kind, extra.item_code);
            match scores::set_extra(&state.ctx, &who, round, unit, extra).await {
                Ok(()) => {
                    let to = format!(
                        "/quan-tri/ky/{round}/diem-thuong-tru?don_vi={unit}&tb=da-luu&luu={0}#kt-{0}",
                        percent_encoding::utf8_percent_encode(&item, ANCHOR)
                    );
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e) => {
                    let field = field_of(&e);
                    let (status, message) = refusal(e)?;
                    (status, message, field)
                }
            }
        }
    };
    let params = PageParams {
        unit: form.unit.trim().parse().ok(),
        ..PageParams::default()
    };
    let refused = Refused {
        status,
        message,
        field,
        typed: form,
    };
    show(&state, (&user, &who), round, params, Some(refused)).await
}

/// The field a refusal of the service concerns.
fn field_of(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::Rejected {
            field: Some(field @ ("occurrences" | "note")),
            ..
        } => field,
        ServiceError::Invalid(m) if m.contains("Số lần") => "occurrences",
        _ => "form",
    }
}

async fn show(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    round: i64,
    params: PageParams,
    refused: Option<Refused>,
) -> PageResult {
    let (stored, mut units) = rounds::overview(&state.ctx, who, round).await?;
    let chosen = params.unit;
    let search = params.search.unwrap_or_default();
    if !search.trim().is_empty() {
        units.retain(|u| {
            Some(u.unit_id) == chosen
                || crate::domain::collation::matches_search(&u.unit_name, &search)
        });
    }
    let sheet = match chosen {
        Some(unit) => Some(scores::extras_sheet(&state.ctx, who, round, unit).await?),
        None => None,
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let html = render(
        "extras.html",
        context! {
            user => user_ctx(user),
            round => context! { id => stored.id, title => stored.title.clone() },
            units => units.iter().map(|u| context! { id => u.unit_id, name => u.unit_name.clone(), tier => u.tier_name.clone() }).collect::<Vec<_>>(),
            sheet => sheet.map(|s| Value::from_serialize(&s)),
            search,
            notice => params.notice,
            saved => params.saved,
            error => refused.as_ref().map(|r| r.message.clone()),
            error_field => refused.as_ref().map(|r| r.field),
            typed => refused.as_ref().map(|r| Value::from_serialize(&r.typed)),
        },
    )?;
    Ok((status, html).into_response())
}
