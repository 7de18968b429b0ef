//! The audit log (`audit.html`) for administrators: newest first, a page at a time,
//! filtered by dates, unit, account, action and leaf; actions named in Vietnamese.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageQuery, PageResult, PageUser, render, user_ctx};
use crate::domain::deadline::{parse_deadline_or_explain, parse_opening_or_explain};
use crate::domain::text::filled;
use crate::http::AppState;
use crate::service::{ServiceError, admin};
use crate::store::AuditFilter;

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/nhat-ky", get(page))
}

/// Entries on one page.
const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filter {
    /// One unit's entries (its id); empty for every unit.
    #[serde(rename = "don_vi", deserialize_with = "empty_is_none")]
    unit: Option<i64>,
    /// One leaf's entries.
    #[serde(rename = "tieu_chi")]
    leaf: Option<String>,
    /// One account's entries (its username).
    #[serde(rename = "nguoi")]
    actor: Option<String>,
    /// One action (its code).
    #[serde(rename = "thao_tac")]
    action: Option<String>,
    /// From this day, dd/mm/yyyy.
    #[serde(rename = "tu_ngay")]
    from: Option<String>,
    /// To the end of this day, dd/mm/yyyy.
    #[serde(rename = "den_ngay")]
    until: Option<String>,
    /// The page after the one ending at this entry.
    #[serde(rename = "truoc", deserialize_with = "empty_is_none")]
    before: Option<i64>,
}

/// A select's "every unit" option sends an empty value.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A day typed in a filter, checked: the field is named when it is no date.
fn day(
    text: &Option<String>,
    field: &str,
    parse: fn(&str) -> Result<chrono::DateTime<chrono::Utc>, String>,
) -> Result<Option<i64>, ServiceError> {
    match filled(text) {
        None => Ok(None),
        Some(t) => parse(&t)
            .map(|d| Some(d.timestamp()))
            .map_err(|e| ServiceError::Invalid(format!("{e} (trường «{field}»)"))),
    }
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(filter): PageQuery<Filter>,
) -> PageResult {
    let wanted = AuditFilter {
        unit_id: filter.unit,
        leaf_code: filled(&filter.leaf),
        actor: filled(&filter.actor),
        action: filled(&filter.action),
        from: day(&filter.from, "tu_ngay", parse_opening_or_explain)?,
        // The end of the day typed: entries before the next second.
        until: day(&filter.until, "den_ngay", parse_deadline_or_explain)?.map(|t| t + 1),
        before_id: filter.before,
        limit: Some(PAGE + 1),
    };
    let (mut entries, units) = admin::audit_log(&state.ctx, &who, &wanted).await?;
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    let next = more.then(|| entries.last().map(|e| e.id)).flatten();
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            context! {
                at => e.at,
                actor => &e.actor,
                action => admin::action_label(&e.action),
                leaf_code => &e.leaf_code,
                old_value => &e.old_value,
                new_value => &e.new_value,
                address => &e.address,
            }
        })
        .collect();
    let actions: Vec<Value> = admin::ACTIONS
        .iter()
        .map(|(code, label)| context! { code, label })
        .collect();
    let html = render(
        "audit.html",
        context! {
            user => user_ctx(&user),
            entries => rows,
            units => Value::from_serialize(&units),
            actions,
            unit_id => filter.unit,
            leaf => filled(&filter.leaf).unwrap_or_default(),
            actor => filled(&filter.actor).unwrap_or_default(),
            action => filled(&filter.action).unwrap_or_default(),
            from => filled(&filter.from).unwrap_or_default(),
            until => filled(&filter.until).unwrap_or_default(),
            next,
            first_page => filter.before.is_none(),
        },
    )?;
    Ok(html.into_response())
}
