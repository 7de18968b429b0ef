//! The audit log (`audit.html`), filtered by unit and leaf, for administrators.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PageQuery, PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::service::admin;
use crate::store::AuditFilter;

pub fn router() -> Router<AppState> {
    Router::new().route("/quan-tri/nhat-ky", get(page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filter {
    /// One unit's entries (its id); empty for every unit.
    #[serde(rename = "don_vi", deserialize_with = "empty_is_none")]
    unit: Option<i64>,
    /// One leaf's entries.
    #[serde(rename = "tieu_chi")]
    leaf: Option<String>,
}

/// A select's "every unit" option sends an empty value.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(filter): PageQuery<Filter>,
) -> PageResult {
    let leaf_code = filter.leaf.clone().filter(|l| !l.trim().is_empty());
    let wanted = AuditFilter {
        unit_id: filter.unit,
        leaf_code,
    };
    let (entries, units) = admin::audit_log(&state.ctx, &who, &wanted).await?;
    let html = render(
        "audit.html",
        context! {
            user => user_ctx(&user),
            entries => Value::from_serialize(&entries),
            units => Value::from_serialize(&units),
            unit_id => filter.unit,
            leaf => filter.leaf,
        },
    )?;
    Ok(html.into_response())
}
