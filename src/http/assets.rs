//! The static assets of the pages (style sheet, scripts), compiled into the binary.
//!
//! Pages link each under a versioned name, its content hash in the path
//! (`/static/app.3f2a9c1b.css`, see [`url`]), cached for a year as immutable: a new release
//! changes the name, never the content behind one. Every answer carries a strong ETag (the
//! same hash) and a matching `If-None-Match` is a 304. The plain name (`/static/app.css`)
//! and a name with another release's hash keep working with a short cache, so a page
//! rendered before a deploy still loads its styles and scripts.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

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

/// Under its versioned name, a file never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Under its plain name, a file changes with each release: kept a few minutes.
const SHORT: &str = "public, max-age=300";
/// Under another release's hash, the current file stands in: checked again on each use, so
/// it is never kept as though it were that release's.
const STAND_IN: &str = "public, no-cache";

/// Hex digits of the content hash in a versioned name.
const VERSION_LEN: usize = 8;

/// One asset with what is computed once from its bytes.
struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static str,
    /// The short content hash of its versioned name.
    version: String,
    /// The strong validator, quotes included.
    etag: String,
}

static VERSIONED: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|&(name, mime, body)| {
            let hex: String = Sha256::digest(body.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Asset {
                name,
                mime,
                body,
                version: hex[..VERSION_LEN].to_string(),
                etag: format!("\"{}\"", &hex[..32]),
            }
        })
        .collect()
});

/// The versioned address of a static file (`app.css` → `/static/app.3f2a9c1b.css`), or
/// `None` for a file that is not one of the assets.
pub(crate) fn url(name: &str) -> Option<String> {
    VERSIONED
        .iter()
        .find(|a| a.name == name)
        .map(|a| format!("/static/{}", versioned_name(a)))
}

fn versioned_name(asset: &Asset) -> String {
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{}.{ext}", asset.version),
        None => format!("{}.{}", asset.name, asset.version),
    }
}

/// Computes the hashes now rather than on the first request.
pub(crate) fn init() {
    LazyLock::force(&VERSIONED);
}

pub fn router() -> Router<AppState> {
    init();
    Router::new()
        .route("/static/{file}", get(asset))
        // Browsers ask for it whatever the page says: the same icon, never a 404.
        .route(
            "/favicon.ico",
            get(|headers: HeaderMap| asset(ApiPath("favicon.svg".to_string()), headers)),
        )
}

/// Which asset a requested file name means, and the cache it is served with.
fn lookup(file: &str) -> Option<(&'static Asset, &'static str)> {
    let assets = &*VERSIONED;
    if let Some(a) = assets.iter().find(|a| a.name == file) {
        return Some((a, SHORT));
    }
    // "stem.hash.ext": the hash is VERSION_LEN hex digits.
    let (rest, ext) = file.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    if hash.len() != VERSION_LEN || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let plain = format!("{stem}.{ext}");
    let a = assets.iter().find(|a| a.name == plain)?;
    let cache = if hash.eq_ignore_ascii_case(&a.version) {
        IMMUTABLE
    } else {
        STAND_IN
    };
    Some((a, cache))
}

/// Whether `If-None-Match` names this validator (weak comparison, as RFC 9110 asks for it).
pub(crate) fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

async fn asset(ApiPath(file): ApiPath<String>, headers: HeaderMap) -> Response {
    match lookup(&file) {
        Some((a, cache)) => {
            let meta = [
                (header::CACHE_CONTROL, cache),
                (header::ETAG, a.etag.as_str()),
            ];
            if matches(&headers, &a.etag) {
                (StatusCode::NOT_MODIFIED, meta).into_response()
            } else {
                (meta, [(header::CONTENT_TYPE, a.mime)], a.body).into_response()
            }
        }
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_versioned_name_carries_the_content_hash() {
        let url = super::url("app.css").expect("app.css is an asset");
        let hash = url
            .strip_prefix("/static/app.")
            .and_then(|rest| rest.strip_suffix(".css"))
            .expect(&url);
        assert_eq!(hash.len(), super::VERSION_LEN, "{url}");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
        assert_eq!(
            super::url("htmx.min.js").map(|u| u.starts_with("/static/htmx.min.")),
            Some(true)
        );
        assert_eq!(super::url("khong-co.css"), None);
    }
}
