//! The only way to add an API route. Its router is private to this module: the other
//! modules can only call [`ApiRouter::routes`] with `routes!(handler)`, which registers
//! the handler at the method and path of its `#[utoipa::path]` and adds that operation and
//! the schemas it names to the document.

use axum::Router;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};
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
    let (router, mut doc) = routers
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
        .split_for_parts();
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_extractor_answers(operation);
        }
    }
    (router, doc)
}

/// The answers an extractor gives before the handler runs, added to every operation that
/// uses it unless the operation describes them itself: a JSON body (`ApiJson`) is refused
/// with 400 when it is not of the shape, 413 when larger than the body limit, 415 when
/// not sent as JSON; an id in the path (`ApiPath`) with 400 when not a 64-bit integer; a
/// query string (`Query`) with 422 when a parameter is not of its type. And one rule every
/// route under `/units/{unit}` shares (`service::self_assessment::unit_in_round`): a unit
/// of the directory that is not a member of the round is refused with 422.
fn add_extractor_answers(operation: &mut Operation) {
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"));
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let id_in_path = parameters.iter().any(|p| {
        p.parameter_in == ParameterIn::Path
            && matches!(&p.schema, Some(RefOr::T(Schema::Object(o)))
                if o.schema_type == SchemaType::Type(Type::Integer))
    });
    let query = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let unit_in_path = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Path && p.name == "unit");
    let mut answers = Vec::new();
    if json_body {
        answers.extend([
            ("400", "Not a JSON body of this shape"),
            ("413", "Larger than the body limit (2 MiB)"),
            ("415", "Not sent as JSON"),
        ]);
    }
    if id_in_path {
        answers.push(("400", "An id in the path is not a number"));
    }
    if query {
        answers.push(("422", "A query parameter is not of its type"));
    }
    if unit_in_path {
        answers.push(("422", "The unit is not a member of the round"));
    }
    for (status, description) in answers {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                    )
                    .build()
                    .into()
            });
    }
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
