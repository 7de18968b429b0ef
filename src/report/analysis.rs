//! Where a unit lost points, and how it moved since last year (Phân tích điểm bị trừ):
//! what the analysis pages, the API and the analysis workbooks show. Computed by
//! [`crate::service::analysis`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::LeafInput;
use crate::domain::points::{Percent, Points};
use crate::domain::results::UnitResult;

/// One unit's analysis in a round: its points lost per area, criterion and leaf, and its
/// figures beside last year's.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UnitAnalysis {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Tạm tính: the figures may still change (before appraisal round 1 has closed).
    pub provisional: bool,
    pub tier_code: String,
    pub tier_name: String,
    /// How many units the tier ranks.
    pub tier_units: usize,
    /// The unit's line of the results (rank 0 and no classification where they are
    /// hidden: an appraiser's view before publication).
    pub unit: UnitResult,
    /// Điểm bị trừ in all: the applicable maximum minus the appraised and survey points
    /// (bonus and penalty apart).
    pub lost: Points,
    /// The tier's average of the same (over its units), where it is shown.
    pub tier_average: Option<Points>,
    /// The areas that apply to the unit, most points lost first, each with the criteria
    /// (and their leaves) where points were lost.
    pub areas: Vec<LostPoints>,
    /// The units this one was formed from (đơn vị tiền thân), if any.
    pub predecessors: Vec<UnitName>,
    /// Last year: the latest earlier published round where the unit, or its predecessors,
    /// took part; none when there is no such round.
    pub previous: Option<PreviousYear>,
}

/// Points lost on one node of the criteria tree (an area, a criterion, a leaf).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LostPoints {
    pub code: String,
    pub text: String,
    /// The maximum of its leaves that apply to the unit (exempt and not-applicable leaves
    /// left out).
    pub max: Points,
    /// The final points: appraised (the self-score where no appraiser decided), or the
    /// survey's.
    pub points: Points,
    /// `max − points`.
    pub lost: Points,
    /// What the tier's units lost on it on average, over those for which it applies; none
    /// where it is not shown.
    pub tier_average: Option<Points>,
    /// Scored by the survey (điều tra XHH), not appraised.
    pub survey: bool,
    /// The appraiser's comment, on a leaf.
    pub note: Option<String>,
    /// On a leaf, the figures the unit entered («111 of 125»).
    pub self_input: Option<LeafInput>,
    /// On a leaf, the figures of the appraisal that counts, where the appraiser corrected
    /// them (rate and count leaves).
    pub appraised_input: Option<LeafInput>,
    /// Below an area, its criteria where points were lost; below a criterion, its leaves
    /// where points were lost; each most lost first.
    #[schema(no_recursion)]
    pub items: Vec<LostPoints>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UnitName {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The unit's figures of the previous year.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PreviousYear {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    /// The figures are the predecessors' (the unit itself did not take part).
    pub from_predecessors: bool,
    /// The unit's line then, or each predecessor's.
    pub units: Vec<PreviousUnit>,
    /// Places moved in the same tier: positive up (▲), negative down (▼); none for a
    /// merged unit, another tier, or a rank not shown.
    pub rank_change: Option<i64>,
    /// Each area of this year's set: this year's component index beside last year's, one
    /// per unit of `units`, matched by the area's code.
    pub areas: Vec<AreaComparison>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PreviousUnit {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub tier_code: String,
    pub tier_name: String,
    pub tier_units: usize,
    pub rank: u32,
    pub index: Percent,
    pub classification: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AreaComparison {
    pub code: String,
    pub text: String,
    pub index: Option<Percent>,
    pub previous: Vec<Option<Percent>>,
}

/// The Sở Nội vụ's analysis of a round: per tier, the criteria where most units lost
/// points.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoundAnalysis {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub tiers: Vec<TierAnalysis>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TierAnalysis {
    pub tier_code: String,
    pub tier_name: String,
    pub provisional: bool,
    /// How many units the tier ranks.
    pub units: usize,
    /// The criteria where some unit lost points: most units losing first, then most lost.
    pub criteria: Vec<CommonLoss>,
}

/// Points lost on one criterion (or leaf) across a tier.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommonLoss {
    pub code: String,
    pub text: String,
    /// Its maximum in the set.
    pub max: Points,
    /// The units for which it applies.
    pub applicable: usize,
    /// The units that lost anything on it.
    pub losing: usize,
    /// What they lost in all.
    pub lost: Points,
    /// `lost ÷ applicable`: what a unit lost on it on average.
    pub average: Option<Points>,
    /// Below a criterion, its leaves where some unit lost points, in the same order.
    #[schema(no_recursion)]
    pub items: Vec<CommonLoss>,
}

/// A rank's movement in words: «▲ 3 bậc», «▼ 2 bậc», «giữ nguyên thứ hạng».
pub fn movement(change: i64) -> String {
    match change {
        0 => "giữ nguyên thứ hạng".into(),
        n if n > 0 => format!("▲ tăng {n} bậc"),
        n => format!("▼ giảm {} bậc", -n),
    }
}
