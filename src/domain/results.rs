//! From scores to the published table: totals, the index, component indexes per area,
//! shared ranks within a tier and classification.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::criteria::CriteriaSet;
use super::points::{Percent, Points};

/// Everything recorded for one unit in one round, by leaf code.
#[derive(Clone, Debug, Default)]
pub struct UnitScores {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// Điểm tự chấm per leaf.
    pub self_scores: BTreeMap<String, Points>,
    /// The latest appraised score per leaf (round 2 where given, else round 1).
    pub appraised: BTreeMap<String, Points>,
    /// Leaves that do not apply to this unit (the appraisers' decision where they made one).
    pub not_applicable: BTreeSet<String>,
    /// Survey (điều tra xã hội học) points per survey leaf.
    pub survey: BTreeMap<String, Points>,
    /// Sum of bonus items before the set's cap.
    pub bonus: Points,
    /// Sum of penalty items before the set's cap.
    pub penalty: Points,
}

/// One unit's line in the results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct UnitResult {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub self_total: Points,
    pub appraised_total: Points,
    pub survey_total: Points,
    pub bonus: Points,
    pub penalty: Points,
    pub final_total: Points,
    /// The maximum of the leaves that apply to this unit.
    pub applicable_max: Points,
    /// Chỉ số CCHC: final total ÷ applicable maximum × 100, rounded to two decimals.
    pub index: Percent,
    pub areas: Vec<AreaResult>,
    /// Tạm tính: true until appraisal round 1 has closed (or the round is published).
    /// Until then, leaves nobody has appraised yet count with their self-scores.
    pub provisional: bool,
    /// Xếp hạng; 0 where it is hidden (a unit's own view before publication).
    pub rank: u32,
    pub classification: Option<String>,
    /// What a reader of the ranking must know about the line: «Không gửi tự đánh giá» for a
    /// unit that never submitted (it is ranked on its appraised scores all the same).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AreaResult {
    pub code: String,
    pub points: Points,
    pub max: Points,
    /// Component index; `None` when nothing in the area applies to the unit.
    pub index: Option<Percent>,
}

/// A tier's average and best component index in one area, over the units it applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AreaSpread {
    /// The mean of the units' component indexes, to 0,01%.
    pub average: Option<Percent>,
    pub best: Option<Percent>,
}

/// The average and best component index of `units` in the area `area_code`; units the
/// area does not apply to (no component index) are left out.
pub fn area_spread(units: &[UnitResult], area_code: &str) -> AreaSpread {
    let indexes: Vec<Percent> = units
        .iter()
        .filter_map(|u| u.areas.iter().find(|a| a.code == area_code)?.index)
        .collect();
    AreaSpread {
        average: Percent::mean(&indexes),
        best: indexes.iter().copied().max(),
    }
}

/// How units with equal indexes are ordered, configured per round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// Equal indexes share a rank.
    #[default]
    None,
    /// The higher appraised total ranks first; still equal, they share a rank.
    AppraisedTotal,
}

impl TieBreak {
    pub fn as_str(self) -> &'static str {
        match self {
            TieBreak::None => "none",
            TieBreak::AppraisedTotal => "appraised_total",
        }
    }

    pub fn parse(s: &str) -> Option<TieBreak> {
        [TieBreak::None, TieBreak::AppraisedTotal]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// A classification band: units with an index at or above `min_index` get `label`
/// (the highest band that fits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub label: String,
    pub min_index: Percent,
}

/// Computes one unit's totals and indexes from its scores.
pub fn compute(set: &CriteriaSet, scores: &UnitScores) -> UnitResult {
    let mut self_total = Points::ZERO;
    let mut appraised_total = Points::ZERO;
    let mut survey_total = Points::ZERO;
    let mut applicable_max = Points::ZERO;
    let mut areas: BTreeMap<&str, (Points, Points)> = BTreeMap::new();
    for area in set.areas() {
        areas.insert(area.code.as_str(), (Points::ZERO, Points::ZERO));
    }
    for leaf in set.leaves() {
        if scores.not_applicable.contains(&leaf.code) {
            continue;
        }
        applicable_max = applicable_max + leaf.max;
        let points = if leaf.is_survey() {
            let s = scores.survey.get(&leaf.code).copied().unwrap_or_default();
            survey_total = survey_total + s;
            s
        } else {
            let own = scores
                .self_scores
                .get(&leaf.code)
                .copied()
                .unwrap_or_default();
            self_total = self_total + own;
            // An appraiser's score defaults to the unit's own until the appraiser changes it.
            let appraised = scores.appraised.get(&leaf.code).copied().unwrap_or(own);
            appraised_total = appraised_total + appraised;
            appraised
        };
        let area = areas.entry(leaf.area_code()).or_default();
        area.0 = area.0 + points;
        area.1 = area.1 + leaf.max;
    }
    let bonus = scores.bonus.min(set.bonus.cap).max(Points::ZERO);
    let penalty = scores.penalty.min(set.penalty.cap).max(Points::ZERO);
    let final_total = (appraised_total + survey_total + bonus - penalty).max(Points::ZERO);
    UnitResult {
        note: None,
        unit_id: scores.unit_id,
        unit_code: scores.unit_code.clone(),
        unit_name: scores.unit_name.clone(),
        self_total,
        appraised_total,
        survey_total,
        bonus,
        penalty,
        final_total,
        applicable_max,
        index: final_total.percent_of(applicable_max).unwrap_or_default(),
        areas: areas
            .into_iter()
            .map(|(code, (points, max))| AreaResult {
                code: code.to_string(),
                points,
                max,
                index: points.percent_of(max),
            })
            .collect(),
        provisional: false,
        rank: 0,
        classification: None,
    }
}

/// Ranks units of one tier by index, highest first. Tied units share a rank and the next
/// rank skips (1, 2, 2, 4). Sorts `results` by rank, then by `name_order` for equal ranks.
pub fn rank(
    results: &mut [UnitResult],
    tie_break: TieBreak,
    name_order: impl Fn(&str, &str) -> std::cmp::Ordering,
) {
    let key = |r: &UnitResult| match tie_break {
        TieBreak::None => (r.index, Points::ZERO),
        TieBreak::AppraisedTotal => (r.index, r.appraised_total),
    };
    // Highest first: the units ranked above one are those before its first equal.
    let mut keys: Vec<_> = results.iter().map(key).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    for r in results.iter_mut() {
        let own = key(r);
        let better = keys.partition_point(|k| *k > own);
        r.rank = better as u32 + 1;
    }
    results.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then_with(|| name_order(&a.unit_name, &b.unit_name))
    });
}

/// The label of the highest band the index reaches, if any.
pub fn classify(index: Percent, bands: &[Band]) -> Option<String> {
    bands
        .iter()
        .filter(|b| index >= b.min_index)
        .max_by_key(|b| b.min_index)
        .map(|b| b.label.clone())
}

/// How a tier's results are ranked and labelled, from the round's settings.
#[derive(Clone, Copy, Debug)]
pub struct Ranking<'a> {
    pub tie_break: TieBreak,
    pub bands: &'a [Band],
    pub provisional: bool,
}

/// Computes, ranks and classifies the units of one tier.
pub fn tier_results(
    set: &CriteriaSet,
    units: &[UnitScores],
    ranking: Ranking<'_>,
    name_order: impl Fn(&str, &str) -> std::cmp::Ordering,
) -> Vec<UnitResult> {
    // A unit with nothing that applies to it (every leaf exempt or not applicable) has no
    // index to compare: it is not ranked nor classified, comes after the ranked units, and
    // says why.
    let (mut results, mut unranked): (Vec<UnitResult>, Vec<UnitResult>) = units
        .iter()
        .map(|u| compute(set, u))
        .partition(|r| r.applicable_max > Points::ZERO);
    rank(&mut results, ranking.tie_break, &name_order);
    for r in &mut results {
        r.classification = classify(r.index, ranking.bands);
    }
    unranked.sort_by(|a, b| name_order(&a.unit_name, &b.unit_name));
    for r in &mut unranked {
        r.note = Some(NOTHING_APPLICABLE.into());
    }
    results.append(&mut unranked);
    for r in &mut results {
        r.provisional = ranking.provisional;
    }
    results
}

/// The note on a unit that nothing of its set applies to: it is not ranked.
pub const NOTHING_APPLICABLE: &str = "Không xếp hạng: không có tiêu chí nào áp dụng cho đơn vị (được giảm hoặc không áp dụng toàn bộ)";
