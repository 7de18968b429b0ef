//! The HTTP layer: one module per resource, each with its `router()`, merged here.

mod administration;
pub mod error;
mod results;
mod self_assessment;
pub mod session;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::domain::Clock;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Mark the session cookie Secure (set when served over HTTPS).
    pub secure_cookies: bool,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(results::router())
        .merge(session::router())
        .merge(self_assessment::router())
        .merge(administration::router())
        .with_state(state)
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Json<Value> {
    let database = sqlx::query_scalar::<_, i64>("select 1")
        .fetch_one(state.store.pool())
        .await
        .is_ok();
    Json(json!({ "status": if database { "ok" } else { "degraded" }, "database": database }))
}
