//! What the resource modules share: the error body, binary answers, path parameters, the
//! import query and body.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::HttpError;

/// What every refusal answers (`HttpError`): a stable code and a Vietnamese message.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `unauthenticated`, `forbidden`, `csrf`, `deadline_closed`,
    /// `invalid_input`, `invalid_body`, `invalid_path`, `conflict`, `not_published`,
    /// `signed_off`, `not_signed_off`, `appraisal_not_open`, `not_found`, `rate_limited`,
    /// `file_too_large`, `internal`.
    pub code: String,
    /// What went wrong, in Vietnamese, for people.
    pub message: String,
    /// The request's field the error concerns, when one does (e.g. `issued_on`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The bytes of a file (a workbook, an evidence file): documentation only.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .build()
            .into()
    }
}

impl ToSchema for Binary {}

/// A workbook answered as an attachment (200): what every Excel download documents.
pub struct XlsxDownload;

impl utoipa::IntoResponses for XlsxDownload {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        attachment_response(
            crate::http::download::XLSX,
            "The workbook, as an attachment",
        )
    }
}

/// A Word document answered as an attachment (200).
pub struct DocxDownload;

impl utoipa::IntoResponses for DocxDownload {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        attachment_response(
            crate::http::download::DOCX,
            "The document, as an attachment",
        )
    }
}

/// A zip archive answered as an attachment (200).
pub struct ZipDownload;

impl utoipa::IntoResponses for ZipDownload {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        attachment_response(crate::http::download::ZIP, "The archive, as an attachment")
    }
}

/// The 200 of a download: the bytes of `media_type`, and the file's name in
/// `content-disposition`.
fn attachment_response(
    media_type: &str,
    description: &str,
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
{
    use utoipa::PartialSchema;
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Type};
    let file_name = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("attachment; the file name"))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            media_type,
            ContentBuilder::new().schema(Some(Binary::schema())).build(),
        )
        .header("content-disposition", file_name)
        .build();
    [("200".to_string(), response.into())].into()
}

/// The answer to a creation: the new record's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Whether an import only checks the file (Kiểm tra trước) or writes it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Kiểm tra trước: check and show the changes, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// `/api/rounds/{round}/…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RoundPath {
    /// Kỳ đánh giá (id).
    pub round: i64,
}

/// `/api/rounds/{round}/units/{unit}/…`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UnitPath {
    /// Kỳ đánh giá (id).
    pub round: i64,
    /// Đơn vị (id).
    pub unit: i64,
}

/// `/api/rounds/{round}/units/{unit}/…/{leaf}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LeafPath {
    /// Kỳ đánh giá (id).
    pub round: i64,
    /// Đơn vị (id).
    pub unit: i64,
    /// Mã tiêu chí thành phần, e.g. `1.2.3`.
    pub leaf: String,
}

/// `/api/rounds/{round}/units/{unit}/exemptions/{node}`
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NodePath {
    /// Kỳ đánh giá (id).
    pub round: i64,
    /// Đơn vị (id).
    pub unit: i64,
    /// Mã lĩnh vực, tiêu chí hoặc tiêu chí thành phần, e.g. `3`, `7.3`, `1.2.1`.
    pub node: String,
}

/// `/api/…/{id}`: a record by its id.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The record's id.
    pub id: i64,
}

/// The body of an import: the .xlsx file itself. A body past the route's limit is refused
/// with 413 and `file_too_large`, like every other refusal.
pub struct XlsxBody(pub Vec<u8>);

impl<S: Send + Sync> FromRequest<S> for XlsxBody {
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &S) -> Result<Self, HttpError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(XlsxBody(bytes.to_vec())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!(
                    "Tệp quá lớn: tệp Excel nhập vào tối đa {} MB.",
                    crate::http::upload::MAX_IMPORT_BYTES / (1024 * 1024)
                ),
            )),
            Err(_) => Err(HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Không nhận được trọn tệp gửi lên; vui lòng gửi lại.",
            )),
        }
    }
}
