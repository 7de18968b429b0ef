//! The form of one leaf (`_leaf.html`), as typed, and its parsing into the service's
//! request: a number that does not parse is refused with its field named.

use serde::{Deserialize, Serialize};

use crate::domain::{LeafInput, Points};
use crate::service::self_assessment::LeafSave;

/// What a leaf's form sends, as text: kept to show again beside an error.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LeafForm {
    /// The leaf's method: `yes_no`, `rate`, `judged` or `occurrences`.
    pub kind: String,
    /// `dat` or `khong_dat`, for a yes/no leaf.
    pub met: String,
    pub numerator: String,
    pub denominator: String,
    pub points: String,
    pub count: String,
    pub explanation: String,
    /// Present ("on") when the box is ticked.
    pub not_applicable: Option<String>,
    pub na_reason: String,
    /// The version read before editing; empty for a leaf never saved.
    pub expected_version: String,
}

fn typed(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

fn number(value: &str, label: &str) -> Result<Points, String> {
    typed(value)
        .ok_or_else(|| format!("Cần nhập {label}."))?
        .parse::<Points>()
        .map_err(|e| format!("{label}: {e}."))
}

impl LeafForm {
    /// The service's request for `leaf`, or the Vietnamese message of the first field that
    /// does not parse.
    pub fn parse(&self, leaf: &str) -> Result<LeafSave, String> {
        let not_applicable = self.not_applicable.is_some();
        let input = if not_applicable { None } else { self.input()? };
        let expected_version = typed(&self.expected_version)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    format!("Phiên bản (expected_version) «{v}» không hợp lệ; tải lại trang.")
                })
            })
            .transpose()?;
        Ok(LeafSave {
            leaf_code: leaf.to_string(),
            input,
            explanation: self.explanation.clone(),
            not_applicable,
            na_reason: self.na_reason.clone(),
            expected_version,
        })
    }

    fn input(&self) -> Result<Option<LeafInput>, String> {
        Ok(match self.kind.as_str() {
            "yes_no" => match typed(&self.met) {
                Some("dat") => Some(LeafInput::YesNo { met: true }),
                Some("khong_dat") => Some(LeafInput::YesNo { met: false }),
                None => None,
                Some(other) => return Err(format!("Đạt/không đạt (met): «{other}» không hợp lệ.")),
            },
            "rate" if typed(&self.numerator).is_some() || typed(&self.denominator).is_some() => {
                Some(LeafInput::Rate {
                    numerator: number(&self.numerator, "Tử số")?,
                    denominator: number(&self.denominator, "Mẫu số")?,
                })
            }
            "rate" => None,
            "judged" => match typed(&self.points) {
                Some(_) => Some(LeafInput::Judged {
                    points: number(&self.points, "Điểm")?,
                }),
                None => None,
            },
            "occurrences" => match typed(&self.count) {
                Some(c) => Some(LeafInput::Occurrences {
                    count: c
                        .parse::<i64>()
                        .map_err(|_| "Số lần phải là số nguyên.".to_string())?,
                }),
                None => None,
            },
            "" => None,
            other => return Err(format!("Cách chấm (kind) «{other}» không hợp lệ.")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LeafForm;

    #[test]
    fn a_bad_number_is_refused_with_its_field_never_defaulted() {
        let form = |f: fn(&mut LeafForm)| {
            let mut form = LeafForm::default();
            f(&mut form);
            form.parse("1.1")
        };
        let rate = form(|f| {
            f.kind = "rate".into();
            f.numerator = "3".into();
            f.denominator = "bốn".into();
        });
        assert_eq!(rate.err().as_deref(), Some("Mẫu số: không phải là số."));
        let version = form(|f| {
            f.kind = "judged".into();
            f.expected_version = "x".into();
        });
        assert!(version.expect_err("refused").contains("expected_version"));
        let count = form(|f| {
            f.kind = "occurrences".into();
            f.count = "1,5".into();
        });
        assert_eq!(count.err().as_deref(), Some("Số lần phải là số nguyên."));
        let judged = form(|f| {
            f.kind = "judged".into();
            f.points = "1,75".into();
            f.expected_version = "3".into();
        })
        .expect("parses");
        assert_eq!(judged.expected_version, Some(3));
    }
}
