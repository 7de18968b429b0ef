//! What people may type, stated once: the longest text each kind of field accepts, and the
//! characters no field accepts. Request types declare their fields' rules with
//! `validator` (`#[validate(length(max = limit::TEXT), custom(function = multiline))]`);
//! the services check them and [`explain`] says what is wrong, in Vietnamese, naming the
//! field and the limit. The same text is then the same on SQLite and PostgreSQL, and every
//! export can hold it (an Excel cell takes 32,767 characters).

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

/// The longest text, in characters (not bytes), of each kind of field.
pub mod limit {
    /// Codes: of a unit, a tier, a leaf, a set, a bonus or penalty item, a role.
    pub const CODE: u64 = 64;
    /// Names and titles: of a unit, a tier, a person, a round, a document number.
    pub const NAME: u64 = 255;
    /// A short sentence: a reason for not applicable, a reason for an extension, a note.
    pub const REASON: u64 = 2_000;
    /// Running text: an explanation, an appraiser's comment, an answer, a document's
    /// summary.
    pub const TEXT: u64 = 8_000;
    /// A password (hashing a longer one is work for nothing).
    pub const PASSWORD: u64 = 256;
    /// Leaves one evidence file or citation may support.
    pub const LEAVES: u64 = 200;
}

/// The first character no text may hold: a control character other than a line break or
/// a tab (NUL included).
fn first_forbidden(value: &str, line_breaks: bool) -> Option<char> {
    value
        .chars()
        .find(|c| c.is_control() && !(line_breaks && matches!(c, '\n' | '\r' | '\t')))
}

fn forbidden(c: char) -> ValidationError {
    let mut e = ValidationError::new("control_character");
    e.add_param(Cow::from("character"), &format!("U+{:04X}", u32::from(c)));
    e
}

/// Text that may run over several lines: no control characters but line breaks and tabs.
/// A text a form or query may leave out: trimmed, and none when nothing is left.
pub fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub fn multiline(value: &str) -> Result<(), ValidationError> {
    first_forbidden(value, true).map_or(Ok(()), |c| Err(forbidden(c)))
}

/// Text on one line: no control characters at all.
pub fn one_line(value: &str) -> Result<(), ValidationError> {
    first_forbidden(value, false).map_or(Ok(()), |c| Err(forbidden(c)))
}

/// An answer to an explanation request: running text.
pub fn answer(text: &str) -> Result<(), ValidationError> {
    if text.chars().count() as u64 > limit::TEXT {
        let mut e = ValidationError::new("length");
        e.add_param(Cow::from("max"), &limit::TEXT);
        e.add_param(Cow::from("value"), &text);
        return Err(e);
    }
    multiline(text)
}

/// Codes of leaves: at most [`limit::LEAVES`] of them, each a code on one line.
pub fn leaf_codes(codes: &[String]) -> Result<(), ValidationError> {
    if codes.len() as u64 > limit::LEAVES {
        let mut e = ValidationError::new("too_many");
        e.add_param(Cow::from("max"), &limit::LEAVES);
        return Err(e);
    }
    for code in codes {
        if code.chars().count() as u64 > limit::CODE {
            let mut e = ValidationError::new("length");
            e.add_param(Cow::from("max"), &limit::CODE);
            e.add_param(Cow::from("value"), code);
            return Err(e);
        }
        one_line(code)?;
    }
    Ok(())
}

/// The Vietnamese name of a field, by its name in the code.
pub fn label(field: &str) -> &'static str {
    match field {
        "explanation" => "Giải thích",
        "na_reason" => "Lý do không áp dụng",
        "comment" => "Nhận xét",
        "text" => "Nội dung",
        "reason" => "Lý do",
        "note" => "Ghi chú",
        "code" => "Mã",
        "name" => "Tên",
        "title" => "Tên kỳ đánh giá",
        "label" => "Xếp loại",
        "display_name" => "Họ và tên",
        "username" => "Tên đăng nhập",
        "password" => "Mật khẩu",
        "role" => "Vai trò",
        "unit_code" => "Mã đơn vị",
        "tier_code" => "Mã khối",
        "set_code" => "Mã bộ tiêu chí",
        "set_version" => "Phiên bản",
        "item_code" => "Mã khoản",
        "kind" => "Loại",
        "leaf_code" => "Mã tiêu chí",
        "leaves" => "Tiêu chí thành phần",
        "area_code" => "Mã lĩnh vực",
        "document_number" => "Số ký hiệu",
        "issued_on" => "Ngày ban hành",
        "summary" => "Trích yếu",
        "pages" => "Trang",
        "file_name" => "Tên tệp",
        _ => "Trường",
    }
}

/// What is wrong with a request, one sentence per field, each naming the field (its
/// Vietnamese name and its name in forms and the API) and the rule it broke.
pub fn explain(errors: &ValidationErrors) -> String {
    let mut lines = Vec::new();
    collect(errors, "", &mut lines);
    lines.sort();
    lines.join("\n")
}

fn collect(errors: &ValidationErrors, prefix: &str, lines: &mut Vec<String>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    lines.push(sentence(field, &path, e));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, lines),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{path}[{}]", i + 1), lines);
                }
            }
        }
    }
}

fn sentence(field: &str, path: &str, e: &ValidationError) -> String {
    let param = |name: &str| {
        e.params
            .get(name)
            .map(|v| v.to_string().trim_matches('"').to_string())
    };
    let what = match e.code.as_ref() {
        "length" => {
            let max = param("max").unwrap_or_default();
            let typed = e
                .params
                .get("value")
                .and_then(|v| v.as_str())
                .map(|v| v.chars().count());
            match (param("min"), typed) {
                (Some(min), Some(0)) if min != "0" => "cần nhập.".to_string(),
                (_, Some(n)) => format!("dài tối đa {max} ký tự, bản nhập có {n} ký tự."),
                _ => format!("dài tối đa {max} ký tự."),
            }
        }
        "control_character" => format!(
            "có ký tự điều khiển {} không được phép (chỉ được xuống dòng).",
            param("character").unwrap_or_default()
        ),
        "too_many" => format!("tối đa {} mục.", param("max").unwrap_or_default()),
        _ => "giá trị không hợp lệ.".to_string(),
    };
    format!("«{}» ({path}): {what}", label(field))
}

#[cfg(test)]
mod tests {
    use validator::Validate;

    use super::limit;

    #[derive(Validate)]
    struct Sample {
        #[validate(length(max = limit::TEXT), custom(function = super::multiline))]
        explanation: String,
        #[validate(length(min = 1, max = limit::NAME), custom(function = super::one_line))]
        name: String,
    }

    #[test]
    fn limits_are_counted_in_characters_and_named_in_vietnamese() {
        let ok = Sample {
            explanation: "ệ".repeat(limit::TEXT as usize) + "\nhai dòng\tvà tab",
            name: "Sở Nội vụ".into(),
        };
        assert!(ok.validate().is_err(), "one character too many");
        let ok = Sample {
            explanation: "ệ".repeat(limit::TEXT as usize - 20) + "\r\nhai dòng",
            name: "Sở Nội vụ".into(),
        };
        assert!(ok.validate().is_ok());
        let bad = Sample {
            explanation: "x".repeat(40_000),
            name: "Sở\0Nội vụ".into(),
        };
        let message = super::explain(&bad.validate().expect_err("refused"));
        assert_eq!(
            message,
            "«Giải thích» (explanation): dài tối đa 8000 ký tự, bản nhập có 40000 ký tự.\n\
             «Tên» (name): có ký tự điều khiển U+0000 không được phép (chỉ được xuống dòng)."
        );
        let empty = Sample {
            explanation: String::new(),
            name: String::new(),
        };
        let message = super::explain(&empty.validate().expect_err("refused"));
        assert_eq!(message, "«Tên» (name): cần nhập.");
        let line = Sample {
            explanation: String::new(),
            name: "hai\ndòng".into(),
        };
        assert!(super::explain(&line.validate().expect_err("one line")).contains("U+000A"));
    }
}
