//! A round's results (`results.html`), as much as the user may see.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::results;

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/ket-qua", get(page))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(round): ApiPath<i64>,
) -> PageResult {
    let visible = results::visible(&state.ctx, &who, round).await?;
    let html = render(
        "results.html",
        context! { user => user_ctx(&user), results => Value::from_serialize(&visible) },
    )?;
    Ok(html.into_response())
}
