//! The JSON API under `/api`: one module per resource, each with its `router()`. Handlers
//! take what the request carries (a [`Reader`](super::extract::Reader) or a
//! [`Writer`](super::extract::Writer), the path, a typed body), call one service function
//! and answer; every rule is the service's.
//!
//! Every handler carries its `#[utoipa::path(...)]`: method, path, parameters, body and
//! every answer. A module registers its handlers only through [`ApiRouter::routes`] with
//! `routes!(handler)`, which takes the method and the path from that annotation, so a route
//! cannot exist without its documentation. [`openapi()`] is the document served at
//! `/api/openapi.json` and committed as `web/openapi.json` (`parindex openapi`
//! regenerates it).

mod analysis;
mod appraisal;
mod assignments;
mod corrigenda;
mod criteria_sets;
mod directory;
mod document;
mod documented;
mod evidence;
mod exemptions;
mod explanations;
mod exports;
mod members;
mod notices;
mod rounds;
mod self_assessment;
mod session;
mod shared;
mod sign_off;
mod survey;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use axum::Router;
use utoipa::openapi::OpenApi;

pub use self::documented::ApiRouter;
pub use self::shared::*;
use super::AppState;

/// The API's routes, every one documented.
pub fn router() -> Router<AppState> {
    build().0
}

/// The OpenAPI 3.1 document of the API, generated from the handlers' annotations.
pub fn openapi() -> OpenApi {
    build().1
}

/// [`openapi()`] as pretty-printed JSON: what `/api/openapi.json` serves, what
/// `parindex openapi` prints and `web/openapi.json` holds. Built once.
pub fn openapi_json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        serde_json::to_string_pretty(&openapi()).expect("an OpenAPI document serializes")
    });
    &JSON
}

fn build() -> (Router<AppState>, OpenApi) {
    documented::merge(
        document::document(),
        [
            session::router(),
            notices::router(),
            analysis::router(),
            rounds::router(),
            members::router(),
            exemptions::router(),
            assignments::router(),
            corrigenda::router(),
            exports::router(),
            self_assessment::router(),
            explanations::router(),
            evidence::router(),
            appraisal::router(),
            sign_off::router(),
            survey::router(),
            directory::router(),
            criteria_sets::router(),
        ],
    )
}
