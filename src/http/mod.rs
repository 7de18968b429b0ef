//! The HTTP layer: one module per resource, each with its `router()`, merged here.

mod administration;
pub mod error;
mod evidence;
mod pages;
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
    /// Where evidence files are kept, and the largest upload accepted.
    pub files: crate::files::FileStore,
    /// Mark the session cookie Secure (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The issuing body printed above exported tables ("Sở Nội vụ thành phố Cần Thơ").
    pub issuer: String,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .merge(results::router())
        .merge(session::router())
        .merge(self_assessment::router())
        .merge(evidence::router())
        .merge(administration::router())
        .merge(pages::router())
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every answer carries: no framing (one-click forms cannot be clickjacked), no
/// content sniffing, and no caching of pages and data on shared office computers (static
/// assets set their own caching).
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The OpenAPI document of the JSON API (`web/openapi.json`; a test keeps it in step
/// with the routes).
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        include_str!("../../web/openapi.json"),
    )
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Json<Value> {
    let database = sqlx::query_scalar::<_, i64>("select 1")
        .fetch_one(state.store.pool())
        .await
        .is_ok();
    Json(json!({ "status": if database { "ok" } else { "degraded" }, "database": database }))
}
