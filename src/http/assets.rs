//! The static assets of the pages (style sheet, scripts), compiled into the binary.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::ApiPath;

static ASSETS: [(&str, &str, &str); 4] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../web/static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../web/static/favicon.svg"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/htmx.min.js"),
    ),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(asset))
        // Browsers ask for it whatever the page says: the same icon, never a 404.
        .route(
            "/favicon.ico",
            get(|| asset(ApiPath("favicon.svg".to_string()))),
        )
}

async fn asset(ApiPath(file): ApiPath<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => super::refusal(
            &axum::http::Uri::from_static("/static/"),
            super::error::HttpError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Không có tệp này. Kiểm tra lại đường dẫn hoặc về trang chủ.",
            ),
        ),
    }
}
