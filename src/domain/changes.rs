//! What changed in a unit's self-assessment between two moments: each submission keeps a
//! snapshot of every leaf (figures, points, notes, evidence), and the head reviewing a
//! self-assessment withdrawn for changes, or the appraisers after it is sent again or
//! answered in the explanation window, see per leaf what differs from the submission
//! before.

use serde::{Deserialize, Serialize};

use super::{LeafInput, Points};

/// One leaf of a self-assessment as it stood: what a snapshot keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeafState {
    pub leaf_code: String,
    pub input: Option<LeafInput>,
    pub points: Option<Points>,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub not_applicable: bool,
    #[serde(default)]
    pub na_reason: String,
    /// The evidence supporting the leaf, each as people name it («Tệp ke-hoach.pdf»,
    /// «Văn bản số 12/KH-UBND ngày 20/12/2023»), sorted.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The unit's answer to a request for explanation (giải trình), where it gave one.
    #[serde(default)]
    pub answer: Option<String>,
}

/// One thing that differs on a leaf, in words: before and after (empty: nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = LeafFieldChange)]
pub struct FieldChange {
    /// «Số liệu», «Điểm tự chấm», «Giải thích», «Không áp dụng», «Tài liệu kiểm chứng»
    /// or «Giải trình».
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// What changed on one leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LeafChange {
    pub leaf_code: String,
    pub fields: Vec<FieldChange>,
}

/// An input as a person reads it: «Đạt», «110 / 125», «3 lần», «1,5 điểm».
pub fn figures(input: Option<&LeafInput>) -> String {
    match input {
        None => String::new(),
        Some(LeafInput::YesNo { met: true }) => "Đạt".into(),
        Some(LeafInput::YesNo { met: false }) => "Không đạt".into(),
        Some(LeafInput::Rate {
            numerator,
            denominator,
        }) => format!("{} / {}", numerator.to_vn(), denominator.to_vn()),
        Some(LeafInput::Judged { points }) => format!("{} điểm", points.to_vn()),
        Some(LeafInput::Occurrences { count }) => format!("{count} lần"),
    }
}

/// Per leaf (in criteria order as `order` gives it, then by code), what differs from
/// `before` to `after`; leaves alike are left out.
pub fn compare(
    before: &[LeafState],
    after: &[LeafState],
    order: impl Fn(&str) -> usize,
) -> Vec<LeafChange> {
    let empty = LeafState::default();
    let find = |list: &'_ [LeafState], code: &str| -> Option<LeafState> {
        list.iter().find(|l| l.leaf_code == code).cloned()
    };
    let mut codes: Vec<&str> = before
        .iter()
        .chain(after)
        .map(|l| l.leaf_code.as_str())
        .collect();
    codes.sort_by(|a, b| order(a).cmp(&order(b)).then(a.cmp(b)));
    codes.dedup();
    let mut changes = Vec::new();
    for code in codes {
        let old = find(before, code).unwrap_or_else(|| empty.clone());
        let new = find(after, code).unwrap_or_else(|| empty.clone());
        let mut fields = Vec::new();
        let mut field = |field, before: String, after: String| {
            if before != after {
                fields.push(FieldChange {
                    field,
                    before,
                    after,
                });
            }
        };
        let na = |s: &LeafState| {
            if s.not_applicable {
                format!("Đề nghị không áp dụng: {}", s.na_reason)
            } else {
                String::new()
            }
        };
        field("Không áp dụng", na(&old), na(&new));
        field(
            "Số liệu",
            figures(old.input.as_ref()),
            figures(new.input.as_ref()),
        );
        let points = |p: Option<Points>| p.map(|p| p.to_vn()).unwrap_or_default();
        field("Điểm tự chấm", points(old.points), points(new.points));
        field(
            "Giải thích",
            old.explanation.clone(),
            new.explanation.clone(),
        );
        field(
            "Tài liệu kiểm chứng",
            old.evidence.join("; "),
            new.evidence.join("; "),
        );
        field(
            "Giải trình",
            old.answer.clone().unwrap_or_default(),
            new.answer.clone().unwrap_or_default(),
        );
        if !fields.is_empty() {
            changes.push(LeafChange {
                leaf_code: code.to_string(),
                fields,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(points: i64) -> Points {
        Points::from_hundredths(points)
    }

    fn leaf(code: &str, input: Option<LeafInput>, points: i64, explanation: &str) -> LeafState {
        LeafState {
            leaf_code: code.into(),
            input,
            points: Some(h(points)),
            explanation: explanation.into(),
            ..LeafState::default()
        }
    }

    #[test]
    fn only_what_differs_is_listed_field_by_field_in_criteria_order() {
        let rate = |n: i64, d: i64| {
            Some(LeafInput::Rate {
                numerator: Points::whole(n),
                denominator: Points::whole(d),
            })
        };
        let before = vec![
            leaf(
                "1.1",
                Some(LeafInput::YesNo { met: true }),
                50,
                "Kế hoạch 12/KH",
            ),
            leaf("2.1", rate(100, 125), 80, "Báo cáo quý"),
        ];
        let mut after = before.clone();
        after[1] = leaf("2.1", rate(110, 125), 88, "Báo cáo quý");
        after[1].evidence = vec!["Tệp bao-cao.pdf".into()];
        after.push(leaf(
            "10.1",
            Some(LeafInput::Occurrences { count: 3 }),
            100,
            "",
        ));
        let order = |code: &str| match code {
            "1.1" => 0,
            "2.1" => 1,
            _ => 2,
        };
        let changes = compare(&before, &after, order);
        let flat: Vec<String> = changes
            .iter()
            .flat_map(|c| {
                c.fields.iter().map(move |f| {
                    format!(
                        "{} {}: «{}» → «{}»",
                        c.leaf_code, f.field, f.before, f.after
                    )
                })
            })
            .collect();
        assert_eq!(
            flat,
            vec![
                "2.1 Số liệu: «100 / 125» → «110 / 125»",
                "2.1 Điểm tự chấm: «0,8» → «0,88»",
                "2.1 Tài liệu kiểm chứng: «» → «Tệp bao-cao.pdf»",
                "10.1 Số liệu: «» → «3 lần»",
                "10.1 Điểm tự chấm: «» → «1»",
            ]
        );
        assert!(compare(&before, &before, order).is_empty());
    }
}
