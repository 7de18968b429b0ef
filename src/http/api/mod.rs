//! The JSON API under `/api`: one module per resource, each with its `router()`. Handlers
//! take what the request carries (a [`Reader`](super::extract::Reader) or a
//! [`Writer`](super::extract::Writer), the path, a typed body), call one service function
//! and answer; every rule is the service's.

mod appraisal;
mod criteria_sets;
mod directory;
mod evidence;
mod explanations;
mod exports;
mod rounds;
mod self_assessment;
mod session;
mod survey;

use axum::Router;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(rounds::router())
        .merge(exports::router())
        .merge(self_assessment::router())
        .merge(explanations::router())
        .merge(evidence::router())
        .merge(appraisal::router())
        .merge(survey::router())
        .merge(directory::router())
        .merge(criteria_sets::router())
}

/// The answer to a creation: the new record's id.
#[derive(serde::Serialize)]
pub struct Created {
    pub id: i64,
}

/// Whether an import only checks the file (Kiểm tra trước) or writes it.
#[derive(serde::Deserialize)]
pub struct ImportQuery {
    /// Kiểm tra trước: check and show the changes, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}
