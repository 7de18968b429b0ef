//! Every request gets a short reference (`x-request-id`): an internal failure is logged
//! with it, the method, the path and the signed-in user, and the person sees the same
//! reference, so that what they report can be found in the log.

use std::sync::Mutex;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// What is known of the request being answered.
pub struct RequestInfo {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The signed-in user, once a handler has found them.
    pub user: Mutex<Option<String>>,
}

tokio::task_local! {
    static REQUEST: RequestInfo;
}

/// A reference of 8 hex digits; enough to find one failure in a day's log.
fn new_id() -> String {
    let mut bytes = [0u8; 4];
    // Without randomness, the time still tells requests apart well enough.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The middleware: runs the request with its reference, and answers with it.
pub async fn with_request_id(request: Request, next: Next) -> Response {
    let info = RequestInfo {
        id: new_id(),
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        user: Mutex::new(None),
    };
    let id = info.id.clone();
    let mut response = REQUEST.scope(info, next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Notes who the request is from, for the log of a failure.
pub fn note_user(username: &str) {
    let _ = REQUEST.try_with(|r| {
        if let Ok(mut user) = r.user.lock() {
            *user = Some(username.to_string());
        }
    });
}

/// Logs an internal failure with what is known of the request; returns its reference.
pub fn log_failure(detail: &dyn std::fmt::Display) -> Option<String> {
    let logged = REQUEST.try_with(|r| {
        let user = r
            .user
            .lock()
            .ok()
            .and_then(|u| u.clone())
            .unwrap_or_default();
        tracing::error!(
            request_id = %r.id,
            method = %r.method,
            path = %r.path,
            user = %user,
            error = %detail,
            "internal error"
        );
        r.id.clone()
    });
    if logged.is_err() {
        tracing::error!(error = %detail, "internal error");
    }
    logged.ok()
}
