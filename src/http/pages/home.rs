//! The home page (`home.html`): each round, with the user's unit or the units' progress.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::service::dashboard;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

async fn page(State(state): State<AppState>, PageUser { user, who }: PageUser) -> PageResult {
    let rounds = dashboard::home(&state.ctx, &who).await?;
    let html = render(
        "home.html",
        context! { user => user_ctx(&user), rounds => Value::from_serialize(&rounds), now => who.now.to_rfc3339() },
    )?;
    Ok(html.into_response())
}
