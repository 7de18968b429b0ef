//! A round's results (`results.html`), as much as the user may see: each tier's ranking a
//! page at a time, with a search by name.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageQuery, PageResult, PageUser, render, user_ctx};
use crate::domain::collation::matches_search;
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::{exports, results};

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/ket-qua", get(page))
}

/// Units listed on one page of a tier's ranking: a national tier has thousands, and the
/// whole table of 5 000 is close to 2 MB of HTML. The Excel ranking has them all.
const PER_PAGE: usize = 100;

/// Which units to list: a search by name, and which page of which tier.
#[derive(Debug, Default, serde::Deserialize)]
struct ResultsParams {
    /// Part of a unit's name, with or without diacritics.
    #[serde(rename = "tim")]
    search: Option<String>,
    /// The tier (its code) whose page is `page`; the other tiers show their first page.
    #[serde(rename = "khoi")]
    tier: Option<String>,
    /// Which page (from 1); past the end, the last.
    #[serde(rename = "trang")]
    page: Option<usize>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
    PageQuery(params): PageQuery<ResultsParams>,
) -> PageResult {
    // Shared with the other requests of this data version: read, never copied whole.
    let visible = results::visible(&state.ctx, &who, round).await?;
    let search = params.search.unwrap_or_default();
    let search = search.trim();
    // The search is offered whenever there is a unit to find, however short the table:
    // on a phone even a few dozen lines are long to scroll through.
    let searchable = !search.is_empty() || visible.tiers.iter().any(|t| !t.units.is_empty());
    let mut tiers = Vec::with_capacity(visible.tiers.len());
    for tier in &visible.tiers {
        let count = tier.units.len();
        let mut units: Vec<_> = tier.units.iter().collect();
        if !search.is_empty() {
            units.retain(|u| matches_search(&u.unit_name, search));
        }
        let matching = units.len();
        let pages = matching.div_ceil(PER_PAGE).max(1);
        let page = match &params.tier {
            Some(code) if *code == tier.tier_code => params.page.unwrap_or(1).clamp(1, pages),
            _ => 1,
        };
        let listed: Vec<_> = units
            .into_iter()
            .skip((page - 1) * PER_PAGE)
            .take(PER_PAGE)
            .collect();
        tiers.push(context! {
            tier_code => tier.tier_code,
            tier_name => tier.tier_name,
            set_code => tier.set_code,
            set_version => tier.set_version,
            provisional => tier.provisional,
            units => Value::from_serialize(&listed),
            count,
            matching,
            page,
            pages,
        });
    }
    let html = render(
        "results.html",
        context! {
            user => user_ctx(&user),
            downloads => Value::from_serialize(exports::downloads(&who, visible.published_at.is_some())),
            // The round, not its thousands of lines (the tiers above list one page).
            results => context! {
                round_id => visible.round_id,
                title => &visible.title,
                published_at => visible.published_at,
            },
            tiers,
            search,
            searchable,
        },
    )?;
    Ok(html.into_response())
}
