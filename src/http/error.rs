//! The one error of the HTTP layer: a status, a stable code and a Vietnamese message, and
//! the one map from a service's refusal to its status. The API answers it as JSON, the
//! pages as an HTML page (see `pages::PageError`), with the same status for the same
//! failure. Database and internal errors are logged and answered with a generic message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::service::ServiceError;
use crate::store::StoreError;

/// What every internal failure says to people; the detail goes to the log.
pub const INTERNAL_MESSAGE: &str = "Lỗi hệ thống. Vui lòng thử lại sau hoặc liên hệ quản trị.";

#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The field of the request the error concerns, when one does (`"field"` in the JSON).
    pub field: Option<&'static str>,
}

pub type Result<T, E = HttpError> = std::result::Result<T, E>;

/// The status of a refusal, the same on the API and on the pages.
pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Locked(_) | ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::Invalid(_) | ServiceError::Rejected { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Conflict(_)
        | ServiceError::Exempt(_)
        | ServiceError::SignedOff(_)
        | ServiceError::Unconfirmed { .. }
        | ServiceError::NotYet { .. } => StatusCode::CONFLICT,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ServiceError::Store(_) | ServiceError::Files(_) | ServiceError::Internal(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        HttpError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A failure that is not the user's doing: logged with its detail and the request's
    /// reference, answered generically with that reference.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        let message = match super::request_id::log_failure(detail) {
            Some(id) => format!("{INTERNAL_MESSAGE} Mã tham chiếu: {id}."),
            None => INTERNAL_MESSAGE.to_string(),
        };
        HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// A field of a form or query that does not parse: 422, with the field named.
    pub fn field(field: &str, message: impl std::fmt::Display) -> Self {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("Trường «{field}»: {message}"),
        )
    }
}

impl From<ServiceError> for HttpError {
    fn from(e: ServiceError) -> Self {
        let status = status_of(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return HttpError::internal(&e);
        }
        HttpError {
            field: e.field(),
            ..HttpError::new(status, e.code(), e.to_string())
        }
    }
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

/// `Json` whose rejection is an [`HttpError`]: malformed bodies get a stable code and a
/// Vietnamese message like every other error.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(HttpError))]
pub struct ApiJson<T>(pub T);

/// `Path` whose rejection is an [`HttpError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(HttpError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejection is an [`HttpError`] (422, the parameter named).
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(HttpError))]
pub struct ApiQuery<T>(pub T);

impl From<axum::extract::rejection::JsonRejection> for HttpError {
    /// In Vietnamese, naming the field where serde says which; never the parser's English.
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        match &e {
            J::MissingJsonContentType(_) => HttpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Cần gửi dữ liệu dạng JSON (Content-Type: application/json).",
            ),
            J::JsonSyntaxError(_) => HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Dữ liệu gửi lên không phải JSON hợp lệ.",
            ),
            J::JsonDataError(_) => {
                let text = e.body_text();
                let message = match missing_field(&text) {
                    Some(field) => format!("Thiếu trường «{field}»."),
                    None => match data_path(&text) {
                        Some(path) => format!("Trường «{path}» không đúng dạng."),
                        None => "Dữ liệu gửi lên không đúng dạng.".to_string(),
                    },
                };
                // 400 as before: the body is not of the request's shape.
                HttpError::new(StatusCode::BAD_REQUEST, "invalid_body", message)
            }
            _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Dữ liệu gửi lên quá lớn.",
            ),
            _ => HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Không nhận được trọn dữ liệu gửi lên; vui lòng gửi lại.",
            ),
        }
    }
}

/// The field serde says is missing (`missing field `x``).
fn missing_field(text: &str) -> Option<&str> {
    text.split("missing field `").nth(1)?.split('`').next()
}

/// The path serde names before its message (`...target type: input.kind: unknown ...`).
fn data_path(text: &str) -> Option<&str> {
    let rest = text.split("target type: ").nth(1)?;
    let path = rest.split(": ").next()?;
    (!path.is_empty() && rest.contains(": ") && !path.contains(' ')).then_some(path)
}

impl From<axum::extract::rejection::PathRejection> for HttpError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        HttpError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "Địa chỉ không hợp lệ: một phần của địa chỉ không đúng dạng (mã số phải là số).",
        )
    }
}

impl From<axum::extract::rejection::QueryRejection> for HttpError {
    fn from(_: axum::extract::rejection::QueryRejection) -> Self {
        HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "Tham số trên địa chỉ không hợp lệ.",
        )
    }
}
