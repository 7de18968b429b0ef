//! The document's parts that are not operations: the description, the tags, the security
//! schemes.

use utoipa::openapi::OpenApi;

const DESCRIPTION: &str = "Chỉ số cải cách hành chính (PAR Index): tự đánh giá, thẩm định, \
xếp hạng, công bố.\n\n\
Every request except sign-in needs the session cookie `parindex_session` (set by \
`POST /api/session`); every write also needs the session's CSRF token (`csrf_token` of \
`POST /api/session` and `GET /api/me`) in the `x-csrf-token` header. Points and \
percentages are decimal strings with at most two decimals (\"14.5\"). Every refusal is an \
`ErrorBody`: a stable `code` and a Vietnamese `message`. Any request may also be answered \
500 (`internal`) with the same body.";

/// One tag per module, in the order the API reads.
pub(super) const TAGS: [(&str, &str); 12] = [
    (
        "session",
        "Đăng nhập, đăng xuất, người dùng hiện tại, mật khẩu",
    ),
    (
        "notices",
        "Thông báo của người dùng: danh sách, đánh dấu đã đọc, nhận qua thư điện tử",
    ),
    (
        "rounds",
        "Kỳ đánh giá: danh sách, kết quả, tạo, thời gian, gia hạn, công bố",
    ),
    (
        "analysis",
        "Phân tích điểm bị trừ: của từng đơn vị (so với năm trước) và theo khối",
    ),
    (
        "exports",
        "Tệp Excel của kỳ đánh giá và của đơn vị; dự thảo quyết định công bố (Word) và trọn bộ hồ sơ công bố (zip)",
    ),
    (
        "self-assessment",
        "Tự đánh giá, tự chấm điểm: đọc, lưu, gửi, rút lại, nhật ký",
    ),
    ("explanations", "Giải trình sau thẩm định lần 1"),
    ("evidence", "Tài liệu kiểm chứng: tệp và trích dẫn văn bản"),
    (
        "appraisal",
        "Thẩm định; điểm điều tra XHH, điểm thưởng và điểm trừ",
    ),
    ("survey", "Nhập điểm điều tra xã hội học từ Excel"),
    ("directory", "Khối, đơn vị, người dùng và phạm vi thẩm định"),
    ("criteria-sets", "Bộ tiêu chí dạng Excel"),
];

/// Everything of the document but its paths: the info, the security schemes, the tags.
pub(super) fn document() -> OpenApi {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
    use utoipa::openapi::tag::TagBuilder;
    use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApiBuilder};
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("parindex")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .build(),
        )
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    "session",
                    SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                        crate::http::extract::COOKIE,
                        "The session cookie (HttpOnly), set by POST /api/session.",
                    ))),
                )
                .security_scheme(
                    "csrf",
                    SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                        "x-csrf-token",
                        "The session's csrf_token (POST /api/session, GET /api/me); every write.",
                    ))),
                )
                .build(),
        ))
        .security(Some(vec![SecurityRequirement::new(
            "session",
            Vec::<String>::new(),
        )]))
        .tags(Some(
            TAGS.iter()
                .map(|(name, description)| {
                    TagBuilder::new()
                        .name(*name)
                        .description(Some(*description))
                        .build()
                })
                .collect::<Vec<_>>(),
        ))
        .build()
}
