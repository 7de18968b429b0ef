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

/// A field of the form that does not parse: its name in the form, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn at(field: &'static str) -> impl FnOnce(String) -> FieldError {
    move |message| FieldError { field, message }
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

/// A figure as Vietnamese write it: thousands grouped by dots or spaces ("1.500",
/// "12 345", "1.234,5"), the decimal after a comma. Returns the figure without its
/// grouping ("1500", "1234,5"), or `None` when it is not written that way.
fn ungrouped(value: &str) -> Option<String> {
    let (whole, decimals) = match value.split_once(',') {
        Some((w, d)) => (w, Some(d)),
        None => (value, None),
    };
    let groups: Vec<&str> = whole.split(['.', ' ', '\u{a0}']).collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups.iter().all(|g| digits(g))
        && groups[1..].iter().all(|g| g.len() == 3);
    if !grouped || decimals.is_some_and(|d| !digits(d)) {
        return None;
    }
    let mut plain = groups.concat();
    if let Some(d) = decimals {
        plain = format!("{plain},{d}");
    }
    Some(plain)
}

/// A figure of a rate (numerator, denominator): "1.500" is one thousand five hundred,
/// as people write it, never one and a half.
fn figure(value: &str, label: &str) -> Result<Points, String> {
    let typed = typed(value).ok_or_else(|| format!("Cần nhập {label}."))?;
    let plain = ungrouped(typed).unwrap_or_else(|| typed.to_string());
    plain.parse::<Points>().map_err(|e| {
        format!("{label}: «{typed}» {e}; viết số như 1.500 hoặc 1500, phần thập phân sau dấu phẩy (12,5).")
    })
}

impl LeafForm {
    /// The service's request for `leaf`, or the first field that does not parse, with its
    /// Vietnamese message.
    pub fn parse(&self, leaf: &str) -> Result<LeafSave, FieldError> {
        let not_applicable = self.not_applicable.is_some();
        let input = if not_applicable { None } else { self.input()? };
        let expected_version = typed(&self.expected_version)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    at("expected_version")(format!(
                        "Phiên bản (expected_version) «{v}» không hợp lệ; tải lại trang."
                    ))
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

    /// What was typed, labelled, to copy when it could not be saved.
    pub fn kept(&self) -> Vec<(&'static str, String)> {
        let met = match self.met.as_str() {
            "dat" => "Đạt",
            "khong_dat" => "Không đạt",
            other => other,
        };
        let not_applicable = if self.not_applicable.is_some() {
            "Có"
        } else {
            ""
        };
        [
            ("Kết quả", met),
            ("Tử số", &self.numerator),
            ("Mẫu số", &self.denominator),
            ("Điểm", &self.points),
            ("Số lần", &self.count),
            ("Giải thích, căn cứ chấm điểm", &self.explanation),
            ("Không áp dụng", not_applicable),
            ("Lý do không áp dụng", &self.na_reason),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(l, v)| (l, v.to_string()))
        .collect()
    }

    /// The input the form's fields hold (none where they are empty), or the first field
    /// that does not parse. The appraisal form sends its figures in the same fields.
    pub(super) fn input(&self) -> Result<Option<LeafInput>, FieldError> {
        Ok(match self.kind.as_str() {
            "yes_no" => match typed(&self.met) {
                Some("dat") => Some(LeafInput::YesNo { met: true }),
                Some("khong_dat") => Some(LeafInput::YesNo { met: false }),
                None => None,
                Some(other) => {
                    return Err(at("met")(format!(
                        "Đạt/không đạt (met): «{other}» không hợp lệ."
                    )));
                }
            },
            "rate" if typed(&self.numerator).is_some() || typed(&self.denominator).is_some() => {
                Some(LeafInput::Rate {
                    numerator: figure(&self.numerator, "Tử số").map_err(at("numerator"))?,
                    denominator: figure(&self.denominator, "Mẫu số").map_err(at("denominator"))?,
                })
            }
            "rate" => None,
            "judged" => match typed(&self.points) {
                Some(_) => Some(LeafInput::Judged {
                    points: number(&self.points, "Điểm").map_err(at("points"))?,
                }),
                None => None,
            },
            "occurrences" => match typed(&self.count) {
                Some(c) => Some(LeafInput::Occurrences {
                    count: ungrouped(c)
                        .as_deref()
                        .unwrap_or(c)
                        .parse::<i64>()
                        .map_err(|_| {
                            at("count")(format!(
                                "Số lần phải là số nguyên, ví dụ 3 hoặc 1.500; «{c}» không phải."
                            ))
                        })?,
                }),
                None => None,
            },
            "" => None,
            other => {
                return Err(at("kind")(format!(
                    "Cách chấm (kind) «{other}» không hợp lệ."
                )));
            }
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
            form.parse("1.1").map_err(|e| e.message)
        };
        let rate = form(|f| {
            f.kind = "rate".into();
            f.numerator = "3".into();
            f.denominator = "bốn".into();
        });
        assert_eq!(
            rate.err().as_deref(),
            Some(
                "Mẫu số: «bốn» không phải là số; viết số như 1.500 hoặc 1500, phần thập phân sau dấu phẩy (12,5)."
            )
        );
        let version = form(|f| {
            f.kind = "judged".into();
            f.expected_version = "x".into();
        });
        assert!(version.expect_err("refused").contains("expected_version"));
        let count = form(|f| {
            f.kind = "occurrences".into();
            f.count = "1,5".into();
        });
        assert_eq!(
            count.err().as_deref(),
            Some("Số lần phải là số nguyên, ví dụ 3 hoặc 1.500; «1,5» không phải.")
        );
        let judged = form(|f| {
            f.kind = "judged".into();
            f.points = "1,75".into();
            f.expected_version = "3".into();
        })
        .expect("parses");
        assert_eq!(judged.expected_version, Some(3));
        let denominator = LeafForm {
            kind: "rate".into(),
            numerator: "3".into(),
            denominator: "bốn".into(),
            ..LeafForm::default()
        };
        assert_eq!(
            denominator.parse("1.1").map_err(|e| e.field).err(),
            Some("denominator")
        );
    }

    #[test]
    fn figures_read_as_vietnamese_write_them() {
        use crate::domain::{LeafInput, Points};
        let rate = |numerator: &str, denominator: &str| {
            let form = LeafForm {
                kind: "rate".into(),
                numerator: numerator.into(),
                denominator: denominator.into(),
                ..LeafForm::default()
            };
            form.parse("1.1").map(|s| s.input).map_err(|e| e.message)
        };
        let whole = |n: i64| Points::whole(n);
        for (numerator, expected) in [
            ("1.500", whole(1500)),
            ("1 500", whole(1500)),
            ("1.234.567", whole(1_234_567)),
            ("1.234,5", Points::from_hundredths(123_450)),
            ("12,5", Points::from_hundredths(1250)),
            ("1500", whole(1500)),
        ] {
            assert_eq!(
                rate(numerator, "2.000"),
                Ok(Some(LeafInput::Rate {
                    numerator: expected,
                    denominator: whole(2000)
                })),
                "{numerator}"
            );
        }
        // Neither a grouping nor a number of two decimals: refused, saying how to write it.
        let refused = rate("1.50.0", "2").expect_err("refused");
        assert!(refused.contains("viết số như 1.500"), "{refused}");
        let count = |count: &str| {
            let form = LeafForm {
                kind: "occurrences".into(),
                count: count.into(),
                ..LeafForm::default()
            };
            form.parse("2.2").map(|s| s.input).map_err(|e| e.message)
        };
        assert_eq!(
            count("1.500"),
            Ok(Some(LeafInput::Occurrences { count: 1500 }))
        );
        assert_eq!(count("12"), Ok(Some(LeafInput::Occurrences { count: 12 })));
        assert!(count("2,5").is_err());
    }
}
