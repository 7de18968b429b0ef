//! Criteria sets (Bộ tiêu chí): the tree of areas, criteria and sub-criteria, the scoring
//! method of each leaf, and how a leaf's points follow from what a unit enters.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::points::Points;

/// One version of a criteria set, validated: codes unique, maxima summing, methods sound.
/// Build it with [`crate::domain::criteria_file::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CriteriaSet {
    pub code: String,
    pub version: String,
    pub title: String,
    /// Code of the tier (khối) the set is written for.
    pub tier: String,
    /// Sum of the areas' maxima (usually 100).
    pub total: Points,
    pub issued_by: Option<String>,
    /// All nodes in tree order; a node's parent is its code minus the last segment.
    pub nodes: Vec<Node>,
    pub bonus: ExtraGroup,
    pub penalty: ExtraGroup,
}

/// An area (lĩnh vực), criterion (tiêu chí) or sub-criterion (tiêu chí thành phần).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Node {
    pub code: String,
    pub text: String,
    pub max: Points,
    /// Present on leaves only: only leaves are scored.
    pub leaf: Option<Leaf>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Leaf {
    pub method: Method,
    /// Hướng dẫn chấm điểm.
    pub guidance: String,
    /// Tài liệu kiểm chứng expected.
    pub evidence: String,
    /// Whether a unit may declare the leaf not applicable (không áp dụng).
    pub na_allowed: bool,
    pub na_hint: Option<String>,
}

/// How a leaf is scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Đạt: full points; không đạt: zero.
    YesNo,
    /// The unit enters numerator and denominator; the rate picks a fraction of the maximum.
    Tiered {
        numerator: String,
        denominator: String,
        /// Strictly descending `min_rate`; below the last one the leaf earns zero.
        tiers: Vec<RateTier>,
    },
    /// Rate × maximum, rounded half away from zero to 0,01.
    Proportional {
        numerator: String,
        denominator: String,
    },
    /// Any multiple of `step` from zero to the maximum.
    Judged { step: Points },
    /// Maximum minus `per_occurrence` for each occurrence, never below zero.
    Deduction {
        per_occurrence: Points,
        occurrence: String,
    },
    /// Not self-scored: imported from the sociological survey.
    Survey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RateTier {
    /// Lowest rate, in percent, that earns this tier (inclusive).
    pub min_rate: Points,
    /// Fraction of the leaf's maximum earned, in (0, 1].
    pub fraction: Points,
}

/// Bonus (điểm thưởng) or penalty (điểm trừ) items, outside the maximum, with a cap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExtraGroup {
    pub cap: Points,
    pub items: Vec<ExtraItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtraItem {
    pub code: String,
    pub text: String,
    /// Points per occurrence.
    pub points: Points,
}

impl Method {
    pub fn name(&self) -> &'static str {
        match self {
            Method::YesNo => "yes_no",
            Method::Tiered { .. } => "tiered",
            Method::Proportional { .. } => "proportional",
            Method::Judged { .. } => "judged",
            Method::Deduction { .. } => "deduction",
            Method::Survey => "survey",
        }
    }

    /// Whether the points follow from figures the unit reports (a rate's numerator and
    /// denominator, a count of occurrences): an appraiser then corrects the figures and the
    /// rule gives the appraised points. On the other methods (yes/no, judged) the appraiser
    /// sets the points directly.
    pub fn takes_figures(&self) -> bool {
        matches!(
            self,
            Method::Tiered { .. } | Method::Proportional { .. } | Method::Deduction { .. }
        )
    }

    /// The Vietnamese name shown to users.
    pub fn label(&self) -> &'static str {
        match self {
            Method::YesNo => "Đạt / không đạt",
            Method::Tiered { .. } => "Theo mức tỷ lệ",
            Method::Proportional { .. } => "Theo tỷ lệ",
            Method::Judged { .. } => "Đánh giá theo bước điểm",
            Method::Deduction { .. } => "Trừ điểm theo số lần",
            Method::Survey => "Điều tra xã hội học",
        }
    }
}

/// What a unit (or an appraiser) enters for a leaf. In JSON:
/// `{"kind": "yes_no", "met": true}`, `{"kind": "rate", "numerator": "111", "denominator": "125"}`,
/// `{"kind": "judged", "points": "1.25"}`, `{"kind": "occurrences", "count": 2}`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeafInput {
    YesNo {
        met: bool,
    },
    /// Raw figures behind a rate, e.g. 111 of 125 procedures.
    Rate {
        numerator: Points,
        denominator: Points,
    },
    Judged {
        points: Points,
    },
    Occurrences {
        count: i64,
    },
}

impl LeafInput {
    /// The figures as tables and the history show them: «111/125», «3 lần», «Đạt» or
    /// «Không đạt»; none for judged points, which are their own figure.
    pub fn figures(&self) -> Option<String> {
        match *self {
            LeafInput::Rate {
                numerator,
                denominator,
            } => Some(format!("{}/{}", numerator.to_vn(), denominator.to_vn())),
            LeafInput::Occurrences { count } => Some(format!("{count} lần")),
            LeafInput::YesNo { met } => Some(if met { "Đạt" } else { "Không đạt" }.into()),
            LeafInput::Judged { .. } => None,
        }
    }
}

/// The figures an appraisal corrected, where they differ from the unit's `own`, as tables
/// print them beside the unit's («110/125»); none where the appraisal has none of its own.
pub fn corrected_figures(own: Option<LeafInput>, appraised: Option<LeafInput>) -> Option<String> {
    appraised.filter(|a| Some(*a) != own)?.figures()
}

/// Why an input does not give a score for a leaf; the text is what the user reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("Tiêu chí này chấm theo kết quả điều tra xã hội học, đơn vị không tự chấm.")]
    SurveyNotSelfScored,
    #[error("Cách nhập không phù hợp: tiêu chí này chấm theo phương pháp «{0}».")]
    WrongInput(&'static str),
    #[error("Điểm phải từ 0 đến {max} và là bội số của {step}.")]
    OutOfSteps { max: String, step: String },
    #[error("Mẫu số phải lớn hơn 0.")]
    ZeroDenominator,
    #[error("Số liệu không được âm.")]
    NegativeFigure,
    #[error("Tử số ({numerator}) không được lớn hơn mẫu số ({denominator}).")]
    NumeratorAboveDenominator {
        numerator: String,
        denominator: String,
    },
    #[error("Số lần vi phạm không được âm.")]
    NegativeOccurrences,
}

impl Node {
    pub fn is_leaf(&self) -> bool {
        self.leaf.is_some()
    }

    /// The code of the area (lĩnh vực) this node belongs to: its first segment.
    pub fn area_code(&self) -> &str {
        area_of(&self.code)
    }

    pub fn parent_code(&self) -> Option<&str> {
        self.code.rsplit_once('.').map(|(p, _)| p)
    }

    pub fn depth(&self) -> usize {
        self.code.split('.').count()
    }

    pub fn is_survey(&self) -> bool {
        matches!(
            self.leaf,
            Some(Leaf {
                method: Method::Survey,
                ..
            })
        )
    }

    /// Every score the leaf's method can give, lowest first, where the method gives only a
    /// few (đạt/không đạt, rate tiers, deductions per occurrence); `None` where any
    /// multiple of its step or of 0,01 can come out (judged and proportional leaves).
    /// An appraised score must be one the method can give: the appraiser corrects the
    /// finding, not the scale.
    pub fn possible_points(&self) -> Option<Vec<Points>> {
        let max = self.max;
        let mut values = match &self.leaf.as_ref()?.method {
            Method::YesNo => vec![Points::ZERO, max],
            Method::Tiered { tiers, .. } => std::iter::once(Points::ZERO)
                .chain(
                    tiers
                        .iter()
                        .filter_map(|t| max.mul_ratio(t.fraction.hundredths(), 100)),
                )
                .collect(),
            Method::Deduction { per_occurrence, .. } if *per_occurrence > Points::ZERO => {
                let mut values = vec![Points::ZERO];
                let mut count = 0;
                loop {
                    let v = max - per_occurrence.times(count);
                    if v <= Points::ZERO {
                        break;
                    }
                    values.push(v);
                    count += 1;
                }
                values
            }
            _ => return None,
        };
        values.sort();
        values.dedup();
        Some(values)
    }

    /// The points a leaf earns for an input. Errors say in Vietnamese what to correct.
    pub fn score(&self, input: LeafInput) -> Result<Points, ScoreError> {
        let Some(leaf) = &self.leaf else {
            return Err(ScoreError::WrongInput("không chấm trực tiếp"));
        };
        let max = self.max;
        match (&leaf.method, input) {
            (Method::Survey, _) => Err(ScoreError::SurveyNotSelfScored),
            (Method::YesNo, LeafInput::YesNo { met }) => Ok(if met { max } else { Points::ZERO }),
            (
                Method::Tiered { tiers, .. },
                LeafInput::Rate {
                    numerator,
                    denominator,
                },
            ) => {
                check_figures(numerator, denominator)?;
                // rate ≥ min_rate  ⇔  numerator × 100 ≥ min_rate × denominator (exact, no rounding)
                let n = numerator.hundredths() as i128 * 10_000;
                let earned = tiers.iter().find(|t| {
                    n >= t.min_rate.hundredths() as i128 * denominator.hundredths() as i128
                });
                Ok(match earned {
                    Some(t) => max
                        .mul_ratio(t.fraction.hundredths(), 100)
                        .unwrap_or(Points::ZERO),
                    None => Points::ZERO,
                })
            }
            (
                Method::Proportional { .. },
                LeafInput::Rate {
                    numerator,
                    denominator,
                },
            ) => {
                check_figures(numerator, denominator)?;
                max.mul_ratio(numerator.hundredths(), denominator.hundredths())
                    .ok_or(ScoreError::ZeroDenominator)
            }
            (Method::Judged { step }, LeafInput::Judged { points }) => {
                if points < Points::ZERO || points > max || !points.is_multiple_of(*step) {
                    Err(ScoreError::OutOfSteps {
                        max: max.to_vn(),
                        step: step.to_vn(),
                    })
                } else {
                    Ok(points)
                }
            }
            (Method::Deduction { per_occurrence, .. }, LeafInput::Occurrences { count }) => {
                if count < 0 {
                    return Err(ScoreError::NegativeOccurrences);
                }
                Ok((max - per_occurrence.times(count)).max(Points::ZERO))
            }
            (method, _) => Err(ScoreError::WrongInput(method.label())),
        }
    }
}

fn check_figures(numerator: Points, denominator: Points) -> Result<(), ScoreError> {
    if numerator < Points::ZERO || denominator < Points::ZERO {
        return Err(ScoreError::NegativeFigure);
    }
    if denominator.is_zero() {
        return Err(ScoreError::ZeroDenominator);
    }
    if numerator > denominator {
        return Err(ScoreError::NumeratorAboveDenominator {
            numerator: numerator.to_vn(),
            denominator: denominator.to_vn(),
        });
    }
    Ok(())
}

/// The area code of any node code: "3.2.1" → "3".
pub fn area_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

/// Whether `node` is `leaf` or one of its ancestors («3» and «3.2» cover «3.2.1»).
pub fn covers(node: &str, leaf: &str) -> bool {
    leaf == node
        || leaf
            .strip_prefix(node)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl CriteriaSet {
    pub fn leaves(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_leaf())
    }

    /// The areas (lĩnh vực): top-level nodes.
    pub fn areas(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.depth() == 1)
    }

    pub fn node(&self, code: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.code == code)
    }

    /// SHA-256 of the set's canonical JSON: equal sets, however their files were written,
    /// have equal hashes; any change to a text, a maximum or a rule changes it.
    pub fn content_hash(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// What changed from `older` to `self`, leaf by leaf (by code).
    pub fn diff_from(&self, older: &CriteriaSet) -> SetDiff {
        let old: BTreeMap<&str, &Node> = older.leaves().map(|n| (n.code.as_str(), n)).collect();
        let new: BTreeMap<&str, &Node> = self.leaves().map(|n| (n.code.as_str(), n)).collect();
        let mut diff = SetDiff::default();
        for (code, node) in &new {
            match old.get(code) {
                None => diff.added.push((*node).clone()),
                Some(before) => {
                    let fields = changed_fields(before, node);
                    if !fields.is_empty() {
                        diff.changed.push(ChangedLeaf {
                            code: code.to_string(),
                            fields,
                            before: (*before).clone(),
                            after: (*node).clone(),
                        });
                    }
                }
            }
        }
        diff.removed = old
            .iter()
            .filter(|(code, _)| !new.contains_key(*code))
            .map(|(_, n)| (*n).clone())
            .collect();
        diff
    }
}

fn changed_fields(a: &Node, b: &Node) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if a.text != b.text {
        fields.push("text");
    }
    if a.max != b.max {
        fields.push("max");
    }
    if let (Some(la), Some(lb)) = (&a.leaf, &b.leaf) {
        if la.method != lb.method {
            fields.push("method");
        }
        if la.guidance != lb.guidance {
            fields.push("guidance");
        }
        if la.evidence != lb.evidence {
            fields.push("evidence");
        }
        if la.na_allowed != lb.na_allowed || la.na_hint != lb.na_hint {
            fields.push("na_allowed");
        }
    }
    fields
}

/// Leaves added, removed and changed between two versions of a set.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SetDiff {
    pub added: Vec<Node>,
    pub removed: Vec<Node>,
    pub changed: Vec<ChangedLeaf>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChangedLeaf {
    pub code: String,
    pub fields: Vec<&'static str>,
    pub before: Node,
    pub after: Node,
}

impl SetDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_covers_itself_and_what_is_below_it_only() {
        assert!(covers("3", "3.2.1"));
        assert!(covers("3.2", "3.2.1"));
        assert!(covers("3.2.1", "3.2.1"));
        assert!(!covers("3", "30.1"));
        assert!(!covers("3.2", "3.21.1"));
        assert!(!covers("3.2.1", "3.2"));
    }

    fn p(s: &str) -> Points {
        s.parse().expect("points")
    }

    fn leaf(max: &str, method: Method) -> Node {
        Node {
            code: "3.1.3".into(),
            text: "Tỷ lệ TTHC đã xây dựng quy trình nội bộ được phê duyệt".into(),
            max: p(max),
            leaf: Some(Leaf {
                method,
                guidance: String::new(),
                evidence: String::new(),
                na_allowed: false,
                na_hint: None,
            }),
        }
    }

    fn tiered() -> Method {
        Method::Tiered {
            numerator: "Số TTHC có quy trình".into(),
            denominator: "Tổng số TTHC".into(),
            tiers: vec![
                RateTier {
                    min_rate: p("100"),
                    fraction: p("1"),
                },
                RateTier {
                    min_rate: p("80"),
                    fraction: p("0.5"),
                },
            ],
        }
    }

    fn rate(n: &str, d: &str) -> LeafInput {
        LeafInput::Rate {
            numerator: p(n),
            denominator: p(d),
        }
    }

    #[test]
    fn tiered_leaf_scores_111_of_125_as_half() {
        let node = leaf("1", tiered());
        assert_eq!(node.score(rate("111", "125")), Ok(p("0.5")));
        assert_eq!(node.score(rate("125", "125")), Ok(p("1")));
        assert_eq!(node.score(rate("100", "125")), Ok(p("0.5"))); // exactly 80%
        assert_eq!(node.score(rate("99", "125")), Ok(p("0")));
        assert_eq!(node.score(rate("1", "0")), Err(ScoreError::ZeroDenominator));
        assert!(matches!(
            node.score(rate("126", "125")),
            Err(ScoreError::NumeratorAboveDenominator { .. })
        ));
    }

    #[test]
    fn proportional_leaf_rounds_at_the_leaf() {
        let node = leaf(
            "0.5",
            Method::Proportional {
                numerator: "a".into(),
                denominator: "b".into(),
            },
        );
        // 0,5 × 2/3 = 0,3333 → 0,33
        assert_eq!(node.score(rate("2", "3")), Ok(p("0.33")));
        // 0,5 × 1/8 = 0,0625 → 0,06 ; 0,5 × 3/8 = 0,1875 → 0,19
        assert_eq!(node.score(rate("1", "8")), Ok(p("0.06")));
        assert_eq!(node.score(rate("3", "8")), Ok(p("0.19")));
    }

    #[test]
    fn judged_leaf_accepts_only_its_steps() {
        let node = leaf("1.5", Method::Judged { step: p("0.25") });
        assert_eq!(
            node.score(LeafInput::Judged { points: p("1.25") }),
            Ok(p("1.25"))
        );
        let err = node
            .score(LeafInput::Judged { points: p("1.3") })
            .expect_err("not a step");
        assert_eq!(
            err.to_string(),
            "Điểm phải từ 0 đến 1,5 và là bội số của 0,25."
        );
        assert!(node.score(LeafInput::Judged { points: p("1.75") }).is_err());
        assert!(
            node.score(LeafInput::Judged { points: p("-0.25") })
                .is_err()
        );
    }

    #[test]
    fn deduction_never_goes_below_zero() {
        let node = leaf(
            "1",
            Method::Deduction {
                per_occurrence: p("0.25"),
                occurrence: "x".into(),
            },
        );
        assert_eq!(node.score(LeafInput::Occurrences { count: 0 }), Ok(p("1")));
        assert_eq!(
            node.score(LeafInput::Occurrences { count: 3 }),
            Ok(p("0.25"))
        );
        assert_eq!(node.score(LeafInput::Occurrences { count: 9 }), Ok(p("0")));
        assert_eq!(
            node.score(LeafInput::Occurrences { count: -1 }),
            Err(ScoreError::NegativeOccurrences)
        );
    }

    #[test]
    fn yes_no_and_survey() {
        let node = leaf("0.5", Method::YesNo);
        assert_eq!(node.score(LeafInput::YesNo { met: true }), Ok(p("0.5")));
        assert_eq!(node.score(LeafInput::YesNo { met: false }), Ok(p("0")));
        assert_eq!(
            node.score(LeafInput::Occurrences { count: 1 }),
            Err(ScoreError::WrongInput("Đạt / không đạt"))
        );
        let survey = leaf("12", Method::Survey);
        assert_eq!(
            survey.score(LeafInput::Judged { points: p("10") }),
            Err(ScoreError::SurveyNotSelfScored)
        );
    }

    #[test]
    fn the_possible_scores_are_those_the_method_gives_and_only_those() {
        let list = |node: &Node| {
            node.possible_points()
                .map(|v| v.iter().map(|p| p.to_vn()).collect::<Vec<_>>())
        };
        assert_eq!(
            list(&leaf("1", Method::YesNo)),
            Some(vec!["0".into(), "1".into()])
        );
        assert_eq!(
            list(&leaf("1.5", tiered())),
            Some(vec!["0".into(), "0,75".into(), "1,5".into()])
        );
        let deduction = Method::Deduction {
            per_occurrence: p("0.5"),
            occurrence: "Số văn bản trễ hạn".into(),
        };
        assert_eq!(
            list(&leaf("1.25", deduction)),
            Some(vec![
                "0".into(),
                "0,25".into(),
                "0,75".into(),
                "1,25".into()
            ])
        );
        // Every value a tiered leaf scores from figures is among them.
        let node = leaf("1.5", tiered());
        let possible = node.possible_points().expect("tiered");
        for (n, d) in [("111", "125"), ("125", "125"), ("99", "125"), ("0", "3")] {
            let scored = node.score(rate(n, d)).expect("score");
            assert!(possible.contains(&scored), "{n}/{d} → {scored:?}");
        }
        assert_eq!(list(&leaf("2", Method::Judged { step: p("0.25") })), None);
        let proportional = Method::Proportional {
            numerator: "a".into(),
            denominator: "b".into(),
        };
        assert_eq!(list(&leaf("2", proportional)), None);
    }
}
