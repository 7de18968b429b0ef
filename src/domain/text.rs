//! What people may type, stated once: the longest text each kind of field accepts, and the
//! characters no field accepts. Request types declare their fields' rules with
//! `validator` (`#[validate(length(max = limit::TEXT), custom(function = multiline))]`);
//! the services check them and [`explain`] says what is wrong, in Vietnamese, naming the
//! field and the limit. The same text is then the same on SQLite and PostgreSQL, and every
//! export can hold it (an Excel cell takes 32,767 characters).

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::points::thousands;

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
    /// An e-mail address (RFC 5321's longest path).
    pub const EMAIL: u64 = 254;
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

/// The Vietnamese name of a field, by its name in the code: the label its form shows.
pub fn label(field: &str) -> &'static str {
    match field {
        "explanation" => "Giải thích, căn cứ chấm điểm",
        "na_reason" => "Lý do không áp dụng",
        "comment" => "Nhận xét",
        "text" => "Nội dung giải trình",
        "reason" => "Lý do",
        "note" => "Lý do, căn cứ",
        "code" => "Mã",
        "name" => "Tên",
        "title" => "Tên kỳ đánh giá",
        "label" => "Xếp loại",
        "display_name" => "Họ tên",
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
        "document_number" => "Số, ký hiệu",
        "issued_on" => "Ngày ban hành",
        "summary" => "Trích yếu",
        "pages" => "Trang có nội dung chứng minh",
        "file_name" => "Tên tệp",
        "sets" => "Bộ tiêu chí theo khối",
        "phases" => "Giai đoạn",
        "bands" => "Xếp loại",
        "opens" => "Bắt đầu",
        "closes" => "Kết thúc",
        _ => "Trường",
    }
}

/// What is wrong with a request, one sentence per field in Vietnamese, each naming the
/// field by its label (never its name in the code: the API gives that apart, see
/// [`first_field`]) and the rule it broke, numbers written the Vietnamese way.
pub fn explain(errors: &ValidationErrors) -> String {
    let mut lines = Vec::new();
    collect(errors, "", &mut lines);
    lines.sort();
    lines
        .into_iter()
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The field (as forms and the API name it) of the first sentence [`explain`] writes.
pub fn first_field(errors: &ValidationErrors) -> Option<&'static str> {
    let mut fields: Vec<&'static str> = errors
        .errors()
        .keys()
        .filter_map(|k| match k {
            Cow::Borrowed(name) => Some(*name),
            Cow::Owned(_) => None,
        })
        .collect();
    fields.sort_unstable();
    fields.first().copied()
}

/// Collects (path, sentence) pairs: the path (`sets[2].tier_code`) orders them.
fn collect(errors: &ValidationErrors, place: &str, lines: &mut Vec<(String, String)>) {
    for (field, kind) in errors.errors() {
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    lines.push((format!("{place}{field}"), sentence(field, place, e)));
                }
            }
            ValidationErrorsKind::Struct(inner) => {
                collect(inner, &format!("{place}{field}."), lines)
            }
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{place}{field}[{}].", i + 1), lines);
                }
            }
        }
    }
}

/// Where a nested field is, in words: «Mã khối» of the 2nd set is
/// «Mã khối» (Bộ tiêu chí theo khối, mục thứ 2).
fn whereabouts(place: &str) -> String {
    let parts: Vec<String> = place
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('[') {
            Some((list, n)) => format!("{}, mục thứ {}", label(list), n.trim_end_matches(']')),
            None => label(p).to_string(),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn sentence(field: &str, place: &str, e: &ValidationError) -> String {
    let number = |name: &str| e.params.get(name).and_then(|v| v.as_u64());
    let name = format!("«{}»{}", label(field), whereabouts(place));
    match e.code.as_ref() {
        "length" => {
            let typed = e
                .params
                .get("value")
                .and_then(|v| v.as_str())
                .map(|v| v.chars().count() as u64);
            match (number("min"), number("max"), typed) {
                (Some(min), _, Some(0)) if min > 0 => format!("Cần nhập {name}."),
                (_, Some(max), Some(n)) if n > max => format!(
                    "{name} dài tối đa {} ký tự; nội dung đã nhập có {} ký tự — hãy rút gọn {} ký tự.",
                    thousands(max),
                    thousands(n),
                    thousands(n - max)
                ),
                (_, Some(max), _) => format!("{name} dài tối đa {} ký tự.", thousands(max)),
                (Some(min), None, _) => format!("{name} cần ít nhất {} ký tự.", thousands(min)),
                _ => format!("{name} có độ dài không hợp lệ."),
            }
        }
        "control_character" => format!(
            "{name} có ký tự điều khiển {} không được phép (chỉ được xuống dòng) — hãy xóa ký tự đó.",
            e.params
                .get("character")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        ),
        "too_many" => format!(
            "{name} có tối đa {} mục.",
            thousands(number("max").unwrap_or_default())
        ),
        _ => format!("{name} không hợp lệ."),
    }
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
            "«Giải thích, căn cứ chấm điểm» dài tối đa 8.000 ký tự; nội dung đã nhập có \
             40.000 ký tự — hãy rút gọn 32.000 ký tự.\n\
             «Tên» có ký tự điều khiển U+0000 không được phép (chỉ được xuống dòng) — hãy xóa \
             ký tự đó."
        );
        assert_eq!(
            super::first_field(&bad.validate().expect_err("refused")),
            Some("explanation")
        );
        let empty = Sample {
            explanation: String::new(),
            name: String::new(),
        };
        let message = super::explain(&empty.validate().expect_err("refused"));
        assert_eq!(message, "Cần nhập «Tên».");
        let line = Sample {
            explanation: String::new(),
            name: "hai\ndòng".into(),
        };
        assert!(super::explain(&line.validate().expect_err("one line")).contains("U+000A"));
    }
}

/// Whether `text` is an e-mail address a message can be sent to: an address as lettre
/// reads it, at a domain with a dot («ten@cantho.gov.vn», not «ten@cantho»: a typo that
/// would lose every e-mail without a word).
pub fn is_email_address(text: &str) -> bool {
    text.len() as u64 <= limit::EMAIL
        && text.parse::<lettre::Address>().is_ok_and(|a| {
            let domain = a.domain();
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
}

#[cfg(test)]
mod email_tests {
    #[test]
    fn addresses_need_a_domain_with_a_dot() {
        for good in ["canbo.ankhanh@cantho.gov.vn", "a@b.vn"] {
            assert!(super::is_email_address(good), "{good}");
        }
        for bad in [
            "abc@",
            "abc@b",
            "canbo.stp@cantho",
            "a b@c.vn",
            "@c.vn",
            "a@c.vn.",
        ] {
            assert!(!super::is_email_address(bad), "{bad}");
        }
    }
}
