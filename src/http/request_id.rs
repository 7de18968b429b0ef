//! Every request gets a short reference (`x-request-id`): an internal failure is logged
//! with it, the method, the path and the signed-in user, and the person sees the same
//! reference, so that what they report can be found in the log.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;

use super::error::HttpError;

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

/// The middleware: runs the request with its reference, and answers with it. A handler
/// that panics is an internal failure like any other: logged with the reference, answered
/// 500 with it (JSON under `/api`, a page elsewhere), and the server goes on.
pub async fn with_request_id(request: Request, next: Next) -> Response {
    let info = RequestInfo {
        id: new_id(),
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        user: Mutex::new(None),
    };
    let id = info.id.clone();
    let uri = request.uri().clone();
    let answered = async move {
        match AssertUnwindSafe(next.run(request)).catch_unwind().await {
            Ok(response) => response,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let failure = HttpError::internal(&format_args!("panic: {what}"));
                super::refusal(&uri, failure)
            }
        }
    };
    let mut response = REQUEST.scope(info, answered).await;
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

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;

    async fn panics() -> &'static str {
        panic!("a bug in a handler")
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_with_its_reference_and_the_server_lives() {
        let app = Router::new()
            .route("/api/bug", get(panics))
            .route("/trang", get(panics))
            .route("/api/ok", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(super::with_request_id));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::new();

        let api = client
            .get(format!("http://{address}/api/bug"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(api.status(), 500);
        let id = api.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_string();
        let body: serde_json::Value = api.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "internal");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("Mã tham chiếu: {id}")),
            "{message}"
        );

        let page = client
            .get(format!("http://{address}/trang"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(page.status(), 500);
        assert!(
            page.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/html")
        );
        let id = page.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(page.text().await.expect("text").contains(&id));

        let ok = client
            .get(format!("http://{address}/api/ok"))
            .send()
            .await
            .expect("the server lives");
        assert_eq!(ok.status(), 200);
    }
}
