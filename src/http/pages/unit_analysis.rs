//! A unit's «Phân tích điểm bị trừ» (`unit_analysis.html`): where it lost points, most
//! first, beside the tier's average, and its figures beside last year's.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::report::analysis::movement;
use crate::service::{analysis, exports};

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/don-vi/{unit}/phan-tich", get(page))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> PageResult {
    let analysis = analysis::unit_analysis(&state.ctx, &who, round, unit).await?;
    let moved = (analysis.previous.as_ref())
        .and_then(|p| p.rank_change)
        .map(|change| context! { change, words => movement(change) });
    let html = render(
        "unit_analysis.html",
        context! {
            user => user_ctx(&user),
            downloads => Value::from_serialize(exports::downloads(&who, analysis.published_at.is_some())),
            a => Value::from_serialize(&analysis),
            moved,
        },
    )?;
    Ok(html.into_response())
}
