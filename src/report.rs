//! What the exports and pages render of a round: its results per tier and each unit's
//! detail, leaf by leaf. Plain data, computed by [`crate::service`] and written out by
//! [`crate::excel`]; neither of those depends on the other.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::results::UnitResult;
use crate::domain::{LeafInput, Points};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct RoundResults {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub tiers: Vec<TierResults>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct TierResults {
    pub tier_code: String,
    pub tier_name: String,
    pub set_code: String,
    pub set_version: String,
    /// Areas of the set, in order: (code, text, maximum).
    pub areas: Vec<AreaHeading>,
    /// Tạm tính: until appraisal round 1 has closed or the round is published.
    pub provisional: bool,
    pub units: Vec<UnitResult>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, serde::Deserialize)]
pub struct AreaHeading {
    pub code: String,
    pub text: String,
    pub max: Points,
}

/// One line of a unit's detail sheet: a node of the criteria tree.
#[derive(Clone, Debug, Serialize)]
pub struct DetailRow {
    pub code: String,
    pub text: String,
    pub depth: usize,
    pub is_leaf: bool,
    pub max: Points,
    pub self_points: Option<Points>,
    pub appraised: Option<Points>,
    pub not_applicable: bool,
    /// Scored by the Department from the survey, not by the unit: `appraised` holds it.
    pub survey: bool,
    /// The figures the unit entered behind its points («111/125», «3 lần», «Đạt»).
    pub figures: String,
    /// The same figures as entered.
    pub self_input: Option<LeafInput>,
    /// The figures the latest appraisal that decided the leaf rests on, where the appraiser
    /// corrected them (rate and count leaves); none where the points were given directly.
    pub appraised_input: Option<LeafInput>,
    pub unit_note: String,
    pub appraiser_note: String,
    pub evidence_count: usize,
}

impl DetailRow {
    /// The appraised figures, where they differ from the unit's: what a table prints
    /// beside the unit's figures.
    pub fn corrected_figures(&self) -> Option<String> {
        crate::domain::criteria::corrected_figures(self.self_input, self.appraised_input)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct UnitDetail {
    pub round_title: String,
    pub year: i64,
    /// The tier the unit is ranked in, in the round: the detail workbook has a sheet per tier.
    pub tier_code: String,
    pub tier_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub submitted: bool,
    /// When the head approved and submitted it, and the name of the account that did
    /// (read for the unit's own score sheet, which carries them).
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<String>,
    /// The unit's figures: the ranking's on the detail workbook, on its own score sheet
    /// those of its self-scores (with survey points, bonus and penalty).
    pub result: Option<UnitResult>,
    pub rows: Vec<DetailRow>,
}

pub mod analysis;
pub mod minutes;
