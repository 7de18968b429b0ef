//! The appraiser's queue (`queue.html`): the units in their scope with where each stands,
//! filtered by status, tier and name, each linked to its appraisal page.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageQuery, PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::queue::{self, QueueFilter, QueueStatus};

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/tham-dinh", get(page))
}

/// Units listed on one page of the queue: an appraiser of a whole tier has thousands.
const PER_PAGE: usize = 100;

/// The queue's filter, and which page of the list to show.
#[derive(Debug, Default, serde::Deserialize)]
struct QueueParams {
    status: Option<String>,
    tier: Option<String>,
    q: Option<String>,
    /// Which page of the list (from 1); past the end, the last.
    #[serde(rename = "trang")]
    page: Option<usize>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round_id): ApiPath<i64>,
    PageQuery(params): PageQuery<QueueParams>,
) -> PageResult {
    let filter = QueueFilter {
        status: params.status,
        tier: params.tier,
        q: params.q,
    };
    let (lines, counts) = queue::queue(&state.ctx, &who, round_id, &filter).await?;
    // Every unit the filters of tier and name keep has one status: the counts add up.
    let total: usize = counts.values().sum();
    let matching = lines.len();
    let pages = matching.div_ceil(PER_PAGE).max(1);
    let page = params.page.unwrap_or(1).clamp(1, pages);
    let listed: Vec<_> = lines
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let round = state.ctx.store.round(round_id).await?;
    let department =
        crate::service::departments::own_work(&state.ctx, &who.actor, round_id).await?;
    let statuses: Vec<Value> = QueueStatus::ALL
        .iter()
        .map(|s| {
            context! {
                code => s.as_str(),
                label => s.label(),
                count => counts.get(s.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();
    let tiers: Vec<String> = round.tiers.iter().map(|t| t.tier_name.clone()).collect();
    let html = render(
        "queue.html",
        context! {
            user => user_ctx(&user),
            round => context! { id => round.id, title => round.title.clone() },
            lines => Value::from_serialize(&listed),
            department => department.map(|(name, nodes)| context! { name, nodes }),
            matching,
            total,
            page,
            pages,
            statuses,
            tiers,
            filter => context! {
                status => filter.status.unwrap_or_default(),
                tier => filter.tier.unwrap_or_default(),
                q => filter.q.unwrap_or_default(),
            },
        },
    )?;
    Ok(html.into_response())
}
