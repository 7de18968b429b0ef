//! The minutes of an appraisal round (biên bản thẩm định) the council signs: per unit the
//! self-assessed and the appraised totals and the leaves whose appraised score differs
//! from the unit's own, then the council's members and note. Computed by
//! [`crate::service::sign_off`], written out by [`crate::excel::minutes`].

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Points;

/// The minutes of appraisal round `appraisal_round` of a round.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Minutes {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    /// 1 or 2.
    pub appraisal_round: i64,
    /// The council's sign-off; none: a draft (DỰ THẢO) for the council to discuss.
    pub signed: Option<Council>,
    pub tiers: Vec<MinutesTier>,
}

/// The council as it signed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Council {
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    pub members: Vec<Member>,
    pub note: String,
}

/// A member of the council, as typed on a line: «Nguyễn Văn A — Giám đốc Sở Nội vụ, Chủ
/// tịch Hội đồng».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Member {
    pub name: String,
    /// The position and the role in the council; empty when none was typed.
    pub role: String,
}

impl Member {
    /// A line of the members' list: the name, then the role after a dash (–, — or -
    /// between spaces) or a comma.
    pub fn parse(line: &str) -> Member {
        let line = line.trim();
        let cut = [" — ", " – ", " - ", ", "]
            .iter()
            .filter_map(|sep| line.find(sep).map(|at| (at, sep.len())))
            .min();
        match cut {
            Some((at, len)) => Member {
                name: line[..at].trim().to_string(),
                role: line[at + len..].trim().to_string(),
            },
            None => Member {
                name: line.to_string(),
                role: String::new(),
            },
        }
    }
}

impl Council {
    /// Who signs as the council's chair: the member whose role says «Chủ tịch Hội đồng»
    /// (not «Phó Chủ tịch Hội đồng»; a «Phó Chủ tịch UBND…, Chủ tịch Hội đồng» is), else
    /// the first one.
    pub fn chair(&self) -> Option<&Member> {
        let chairs = |m: &&Member| {
            let role = m.role.to_lowercase();
            role.match_indices("chủ tịch hội đồng")
                .any(|(at, _)| !role[..at].ends_with("phó "))
        };
        (self.members.iter()).find(chairs).or(self.members.first())
    }

    /// Who signs as its secretary: the member whose role says «Thư ký», if any.
    pub fn secretary(&self) -> Option<&Member> {
        (self.members.iter()).find(|m| m.role.to_lowercase().contains("thư ký"))
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MinutesTier {
    pub tier_name: String,
    pub units: Vec<MinutesUnit>,
}

/// One unit in the minutes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MinutesUnit {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// It never submitted its self-assessment (appraised as it stood).
    pub not_submitted: bool,
    /// The unit's own points on its applicable, self-scored leaves.
    pub self_total: Points,
    /// The same leaves as appraised up to this appraisal round (the unit's own score
    /// where no appraisal decided a leaf).
    pub appraised_total: Points,
    /// Appraised − self-assessed.
    pub difference: Points,
    /// The leaves whose appraised score differs from the unit's own, in the set's order.
    pub changed: Vec<ChangedLeaf>,
}

/// A leaf's score as the minutes show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", content = "points", rename_all = "snake_case")]
pub enum Score {
    Points(Points),
    /// Không áp dụng.
    NotApplicable,
    /// Not scored.
    Empty,
}

impl Score {
    /// The points it counts for in a total.
    pub fn counted(self) -> Points {
        match self {
            Score::Points(p) => p,
            _ => Points::ZERO,
        }
    }
}

/// A leaf the appraisal changed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChangedLeaf {
    pub code: String,
    pub text: String,
    pub self_score: Score,
    pub appraised: Score,
    /// Where the appraisal corrected the figures of a rate or count leaf: «đơn vị 9/10,
    /// thẩm định 8/10».
    pub figures: Option<String>,
    /// The appraiser's comment (why).
    pub comment: String,
}

#[cfg(test)]
mod tests {
    use super::{Council, Member};

    #[test]
    fn a_member_line_gives_the_name_then_the_role() {
        assert_eq!(
            Member::parse(" Nguyễn Văn An — Giám đốc Sở Nội vụ, Chủ tịch Hội đồng "),
            Member {
                name: "Nguyễn Văn An".into(),
                role: "Giám đốc Sở Nội vụ, Chủ tịch Hội đồng".into()
            }
        );
        assert_eq!(Member::parse("Trần Thị Bình, Thư ký").role, "Thư ký");
        assert_eq!(Member::parse("Lê Văn Cường").role, "");
        assert_eq!(
            Member::parse("Phạm Thị Dung - Phó Giám đốc").name,
            "Phạm Thị Dung"
        );
    }

    #[test]
    fn the_chair_and_the_secretary_are_found_by_their_roles() {
        let council = Council {
            signed_on: chrono::NaiveDate::from_ymd_opt(2024, 2, 1).expect("date"),
            members: [
                "Phạm Văn Phó — Phó Chủ tịch Hội đồng",
                "Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng",
                "Trần Thị Bình — Thư ký Hội đồng",
            ]
            .iter()
            .map(|l| Member::parse(l))
            .collect(),
            note: String::new(),
        };
        assert_eq!(
            council.chair().map(|m| m.name.as_str()),
            Some("Nguyễn Văn An")
        );
        assert_eq!(
            council.secretary().map(|m| m.name.as_str()),
            Some("Trần Thị Bình")
        );
    }
}
