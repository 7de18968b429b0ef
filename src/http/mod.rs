//! The HTTP layer: the JSON API ([`api`], one module per resource) and the server-rendered
//! pages ([`pages`], one module per page and template), over the same services. Shared
//! pieces: [`extract`] (the signed-in user, CSRF, typed forms and queries, the client's
//! address), [`error`] (the one map from a refusal to a status), [`download`] (files and
//! workbooks), [`upload`] (evidence and import files), [`assets`].

pub mod api;
mod assets;
pub mod download;
pub mod error;
pub mod extract;
pub mod pages;
mod request_id;
pub mod upload;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::service::Context;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The services' context: the database, the clock, the evidence files.
    pub ctx: Context,
    /// Mark the session cookie Secure (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The issuing body printed above exported tables ("Sở Nội vụ thành phố Cần Thơ").
    pub issuer: String,
    /// The ranking annex's letterhead and signature.
    pub annex: std::sync::Arc<crate::excel::annex::Annex>,
    /// What the draft decision publishing a round says beyond the annex's letterhead.
    pub decision: std::sync::Arc<crate::document::decision::Decision>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<Vec<std::net::IpAddr>>,
    /// The public pages rendered so far, kept per published round.
    pub(crate) public: std::sync::Arc<pages::PublicPages>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .merge(api::router())
        .merge(pages::router())
        .merge(assets::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::with_user_bar,
        ))
        .layer(compression())
        // The reference layer inside the headers' layer: a panic's 500 carries them too.
        .layer(axum::middleware::from_fn(request_id::with_request_id))
        .layer(axum::middleware::map_response_with_state(
            state.secure_cookies,
            security_headers,
        ))
        .with_state(state)
}

/// Gzip for what compresses (pages, JSON, scripts, styles) when the browser accepts it;
/// never for workbooks, documents and images, which are compressed already.
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/vnd"))
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/msword"))
        .and(NotForContentType::const_new("application/octet-stream"));
    tower_http::compression::CompressionLayer::new().compress_when(predicate)
}

/// What a page may load and run: only the application's own scripts, styles, images and
/// forms (htmx adds its indicator styles; progress bars set a style property), never
/// inside another site's frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Headers every answer carries: no framing (one-click forms cannot be clickjacked), no
/// content sniffing, scripts only from the application (an injected script cannot run), no
/// address leaked to other sites, HTTPS only once served over it, and no caching of pages
/// and data on shared office computers (static assets set their own caching).
async fn security_headers(
    State(secure): State<bool>,
    mut response: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The public pages set a stricter one of their own (no script at all).
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The OpenAPI document of the JSON API, generated from the handlers (see [`api`]);
/// `web/openapi.json` is a copy of it.
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        api::openapi_json(),
    )
}

/// An address that does not exist: JSON under `/api`, a page elsewhere, in Vietnamese.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if !uri.path().starts_with("/api/") {
        return pages::not_found_page();
    }
    refusal(
        &uri,
        error::HttpError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "Không có địa chỉ này. Kiểm tra lại đường dẫn hoặc về trang chủ.",
        ),
    )
}

/// A method the address does not take (GET where only POST is, say). A page form's
/// address opened as a page (a bookmark, an address typed back, a refresh that did not
/// post again) goes to the page it belongs to: its address one segment shorter, and on
/// from there if that is a form's address too (each has a page above it).
async fn method_not_allowed(
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    let path = uri.path();
    if !path.starts_with("/api/") && (method == Method::GET || method == Method::HEAD) {
        let parent = match path.trim_end_matches('/').rsplit_once('/') {
            // Never `//host`: that would leave the site.
            Some((parent, _)) if !parent.is_empty() && !parent.starts_with("//") => parent,
            _ => "/",
        };
        return axum::response::Redirect::to(parent).into_response();
    }
    refusal(
        &uri,
        error::HttpError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Địa chỉ này không nhận yêu cầu dạng đó.",
        ),
    )
}

pub(crate) fn refusal(uri: &axum::http::Uri, e: error::HttpError) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        pages::PageError::Http(e).into_response()
    }
}

/// Whether the instance can serve: 200 when its database answers within two seconds, 503
/// otherwise, so that a load balancer or a monitor reading only the status takes it out.
async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, Json<Value>) {
    let check = sqlx::query_scalar::<_, i64>("select 1").fetch_one(state.ctx.store.pool());
    let database = matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), check).await,
        Ok(Ok(_))
    );
    let status = if database {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "status": if database { "ok" } else { "degraded" }, "database": database })),
    )
}
