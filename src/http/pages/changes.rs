//! What a unit changed since the submission before (`changes.html`): per leaf, the
//! figures, points, notes, evidence and explanation answers, before and now.

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::{Value, context};

use super::{PageResult, PageUser, render, user_ctx};
use crate::http::AppState;
use crate::http::error::ApiPath;
use crate::service::changes;

pub fn router() -> Router<AppState> {
    Router::new().route("/ky/{round}/don-vi/{unit}/thay-doi", get(page))
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
) -> PageResult {
    let view = changes::since_previous_submission(&state.ctx, &who, round, unit).await?;
    let html = render(
        "changes.html",
        context! { user => user_ctx(&user), changes => Value::from_serialize(&view) },
    )?;
    Ok(html.into_response())
}
