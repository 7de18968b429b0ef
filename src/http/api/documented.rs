//! The only way to add an API route. Its router is private to this module: the other
//! modules can only call [`ApiRouter::routes`] with `routes!(handler)`, which registers
//! the handler at the method and path of its `#[utoipa::path]` and adds that operation and
//! the schemas it names to the document.

use axum::Router;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::http::AppState;

/// Documented API routes.
#[derive(Default)]
pub struct ApiRouter(OpenApiRouter<AppState>);

impl ApiRouter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handlers of one `routes!(...)` (one path) with their documentation.
    pub fn routes(self, routes: UtoipaMethodRouter<AppState>) -> Self {
        check_schema_names(
            self.0.get_openapi(),
            routes
                .0
                .iter()
                .map(|(name, schema)| (name.as_str(), schema)),
        );
        ApiRouter(self.0.routes(routes))
    }
}

/// Every module's routes under one router, and their operations under `doc`.
pub fn merge(
    doc: OpenApi,
    routers: impl IntoIterator<Item = ApiRouter>,
) -> (Router<AppState>, OpenApi) {
    routers
        .into_iter()
        .fold(
            OpenApiRouter::with_openapi(doc),
            |all, ApiRouter(router)| {
                if let Some(components) = &router.get_openapi().components {
                    check_schema_names(
                        all.get_openapi(),
                        components.schemas.iter().map(|(n, s)| (n.as_str(), s)),
                    );
                }
                all.merge(router)
            },
        )
        .split_for_parts()
}

/// Two types under one schema name would silently keep only one of them: refuse it.
fn check_schema_names<'a>(
    doc: &OpenApi,
    incoming: impl Iterator<Item = (&'a str, &'a RefOr<Schema>)>,
) {
    let Some(components) = &doc.components else {
        return;
    };
    for (name, schema) in incoming {
        if let Some(known) = components.schemas.get(name) {
            assert!(
                known == schema,
                "two types are documented as the schema «{name}»: rename one with \
                 #[schema(as = ...)]"
            );
        }
    }
}
