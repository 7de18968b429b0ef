//! The Sở Nội vụ's «Phân tích điểm bị trừ theo khối» (`round_analysis.html`): per tier,
//! the criteria where most units lost points, for the province's remedial plan.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::analysis;

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/phan-tich", get(page))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
) -> PageResult {
    let analysis = analysis::round_analysis(&state.ctx, &who, round).await?;
    let html = render(
        "round_analysis.html",
        context! { user => user_ctx(&user), a => Value::from_serialize(&analysis) },
    )?;
    Ok(html.into_response())
}
