//! Where each unit lost points, for its remedial plan (Phân tích điểm bị trừ): per area,
//! criterion and leaf, the applicable maximum minus the final points, beside the tier's
//! average; the unit's figures beside last year's (its predecessors' for a merged unit);
//! and for the Sở Nội vụ, per tier, the criteria where most units lost points.

use std::collections::HashMap;

use super::access::{ensure_opened, ensure_viewable, unit_in_round};
use super::exports::{DETAIL_CHUNK, details_of};
use super::{Context, Result, ServiceError, Who};
use crate::domain::CriteriaSet;
use crate::domain::access::Role;
use crate::domain::criteria::Node;
use crate::domain::points::Points;
use crate::domain::results::UnitResult;
use crate::report::analysis::{
    AreaComparison, CommonLoss, LostPoints, PreviousUnit, PreviousYear, RoundAnalysis,
    TierAnalysis, UnitAnalysis, UnitName,
};
use crate::report::{DetailRow, TierResults};
use crate::store::{Round, Store};

/// A node's figures for one unit: the maximum of its leaves that apply, and their points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Figures {
    max: Points,
    points: Points,
}

impl Figures {
    fn lost(self) -> Points {
        self.max - self.points
    }
}

/// The figures of every node (area, criterion, leaf) of one unit, from its detail rows:
/// each leaf that applies (not exempt, not «không áp dụng») summed into every node above
/// it. A leaf's points are the appraised ones (the self-score where no appraiser
/// decided), or the survey's: what the results count.
fn node_figures(rows: &[DetailRow]) -> HashMap<String, Figures> {
    let mut figures: HashMap<String, Figures> = HashMap::new();
    for row in rows.iter().filter(|r| r.is_leaf && !r.not_applicable) {
        let points = if row.survey {
            row.appraised
        } else {
            row.appraised.or(row.self_points)
        }
        .unwrap_or_default();
        let mut code = row.code.as_str();
        loop {
            let f = figures.entry(code.to_string()).or_default();
            f.max = f.max + row.max;
            f.points = f.points + points;
            match code.rsplit_once('.') {
                Some((parent, _)) => code = parent,
                None => break,
            }
        }
    }
    figures
}

/// One node across a tier: for how many units it applies, how many lost points on it,
/// and how much in all.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    applicable: usize,
    losing: usize,
    lost: Points,
}

impl Tally {
    fn average(self) -> Option<Points> {
        self.lost.mul_ratio(1, self.applicable as i64)
    }
}

/// Every node's [`Tally`] over a tier's units.
#[derive(Debug, Default)]
struct TierTallies(HashMap<String, Tally>);

impl TierTallies {
    fn add(&mut self, figures: &HashMap<String, Figures>) {
        for (code, f) in figures {
            if f.max == Points::ZERO {
                continue;
            }
            let tally = self.0.entry(code.clone()).or_default();
            tally.applicable += 1;
            if f.lost() > Points::ZERO {
                tally.losing += 1;
                tally.lost = tally.lost + f.lost();
            }
        }
    }

    fn get(&self, code: &str) -> Tally {
        self.0.get(code).copied().unwrap_or_default()
    }
}

/// Reads the details of `units` (of `tier`) a chunk at a time, handing each unit's rows
/// and figures to `each`: a national tier is never held whole in memory.
async fn each_unit(
    store: &Store,
    round: &Round,
    tier: &str,
    units: &[UnitResult],
    mut each: impl FnMut(&str, &[DetailRow], HashMap<String, Figures>),
) -> Result<()> {
    for chunk in units.chunks(DETAIL_CHUNK) {
        for detail in details_of(store, round, tier, chunk).await? {
            let figures = node_figures(&detail.rows);
            each(&detail.unit_code, &detail.rows, figures);
        }
    }
    Ok(())
}

/// The set a round pins for `tier`.
async fn tier_set(store: &Store, round: &Round, tier: &str) -> Result<std::sync::Arc<CriteriaSet>> {
    let pinned = (round.tiers.iter())
        .find(|t| t.tier_code == tier)
        .ok_or_else(|| ServiceError::NotFound(format!("khối {tier}")))?;
    Ok(store.criteria_set(pinned.set_id).await?.set)
}

/// The nodes below `node` that a list under it shows: an area's criteria (its children),
/// a criterion's leaves (however deep); a leaf has none.
fn below<'a>(set: &'a CriteriaSet, node: &'a Node) -> Box<dyn Iterator<Item = &'a Node> + 'a> {
    let prefix = format!("{}.", node.code);
    match node.depth() {
        1 => Box::new(
            (set.nodes.iter()).filter(move |n| n.parent_code() == Some(node.code.as_str())),
        ),
        _ if node.is_leaf() => Box::new(std::iter::empty()),
        _ => Box::new(set.leaves().filter(move |n| n.code.starts_with(&prefix))),
    }
}

/// The unit's points lost on `node` and, below it, where it lost any; most lost first.
fn lost_on(
    set: &CriteriaSet,
    node: &Node,
    own: &HashMap<String, Figures>,
    leaves: &HashMap<&str, &DetailRow>,
    tier: Option<&TierTallies>,
) -> LostPoints {
    let f = own.get(&node.code).copied().unwrap_or_default();
    let mut items: Vec<LostPoints> = below(set, node)
        .filter(|n| own.get(&n.code).is_some_and(|f| f.lost() > Points::ZERO))
        .map(|n| lost_on(set, n, own, leaves, tier))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.lost));
    LostPoints {
        code: node.code.clone(),
        text: node.text.clone(),
        max: f.max,
        points: f.points,
        lost: f.lost(),
        tier_average: tier.and_then(|t| t.get(&node.code).average()),
        survey: node.is_survey(),
        note: (leaves.get(node.code.as_str()))
            .map(|r| r.appraiser_note.as_str())
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.to_string()),
        self_input: leaves.get(node.code.as_str()).and_then(|r| r.self_input),
        appraised_input: leaves
            .get(node.code.as_str())
            .and_then(|r| r.appraised_input),
        items,
    }
}

/// The areas that apply to the unit, most lost first.
fn lost_by_area(
    set: &CriteriaSet,
    rows: &[DetailRow],
    own: &HashMap<String, Figures>,
    tier: Option<&TierTallies>,
) -> Vec<LostPoints> {
    let leaves: HashMap<&str, &DetailRow> = rows
        .iter()
        .filter(|r| r.is_leaf)
        .map(|r| (r.code.as_str(), r))
        .collect();
    let mut areas: Vec<LostPoints> = set
        .areas()
        .filter(|a| own.get(&a.code).is_some_and(|f| f.max > Points::ZERO))
        .map(|a| lost_on(set, a, own, &leaves, tier))
        .collect();
    areas.sort_by_key(|a| std::cmp::Reverse(a.lost));
    areas
}

/// The final points lost in all on a line of the results: the applicable maximum minus
/// the appraised and survey points (bonus and penalty apart).
fn lost_of(line: &UnitResult) -> Points {
    line.applicable_max - line.appraised_total - line.survey_total
}

/// One unit's analysis: for its own people (officer, head) once the round is published;
/// for administrators and viewers at any time; for appraisers the units they may see the
/// results of (before publication without the tier's averages or rank, which rest on
/// units they may not see).
pub async fn unit_analysis(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<UnitAnalysis> {
    let store = &ctx.store;
    let actor = &who.actor;
    let (round, unit, _) = unit_in_round(store, round_id, unit_id).await?;
    // Another unit's analysis is refused in the analysis' own words.
    if !actor.may_view_unit(unit_id) {
        return Err(ServiceError::Forbidden(
            "Tài khoản này không được xem phân tích điểm bị trừ của đơn vị này; mỗi đơn vị chỉ xem phân tích của mình."
                .into(),
        ));
    }
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let office = matches!(actor.role, Role::Admin | Role::Viewer);
    if round.published_at.is_none() && actor.role.is_unit_role() {
        return Err(ServiceError::Forbidden(
            "Phân tích điểm bị trừ của đơn vị xem được sau khi kết quả kỳ đánh giá được công bố."
                .into(),
        ));
    }
    let results = super::results::current(ctx, round_id, who.now).await?;
    let whole = office || results.published_at.is_some();
    let tier = (results.tiers.iter())
        .find(|t| t.units.iter().any(|u| u.unit_id == unit_id))
        .ok_or_else(|| ServiceError::NotFound(format!("đơn vị {} trong kết quả", unit.name)))?;
    let mut line = (tier.units.iter())
        .find(|u| u.unit_id == unit_id)
        .cloned()
        .ok_or_else(|| ServiceError::NotFound(format!("đơn vị {}", unit.name)))?;
    if !whole {
        line.rank = 0;
        line.classification = None;
    }
    let set = tier_set(store, &round, &tier.tier_code).await?;
    // The whole tier for its averages where they may be shown; else the unit alone.
    let read = if whole {
        tier.units.as_slice()
    } else {
        std::slice::from_ref(&line)
    };
    let mut tallies = TierTallies::default();
    let mut own = None;
    each_unit(
        store,
        &round,
        &tier.tier_code,
        read,
        |code, rows, figures| {
            tallies.add(&figures);
            if code == unit.code {
                own = Some((rows.to_vec(), figures));
            }
        },
    )
    .await?;
    let (rows, figures) = own.unwrap_or_default();
    let averages = whole.then_some(&tallies);
    let tier_average = (whole && !tier.units.is_empty())
        .then(|| {
            let lost: Points = tier.units.iter().map(lost_of).sum();
            lost.mul_ratio(1, tier.units.len() as i64)
        })
        .flatten();
    let predecessors: Vec<UnitName> = (store.predecessors(unit_id).await?.into_iter())
        .map(|u| UnitName {
            id: u.id,
            code: u.code,
            name: u.name,
        })
        .collect();
    let previous = previous_year(store, &round, tier, &line, &predecessors, who).await?;
    Ok(UnitAnalysis {
        round_id,
        year: results.year,
        title: results.title.clone(),
        published_at: results.published_at,
        provisional: tier.provisional,
        tier_code: tier.tier_code.clone(),
        tier_name: tier.tier_name.clone(),
        tier_units: tier.units.len(),
        lost: lost_of(&line),
        tier_average,
        areas: lost_by_area(&set, &rows, &figures, averages),
        unit: line,
        predecessors,
        previous,
    })
}

/// The unit's figures of last year: from the latest published round of an earlier year
/// where it or its predecessors took part; for a merged unit, its predecessors' figures
/// side by side. Its rank's movement only between published rankings of the same tier.
async fn previous_year(
    store: &Store,
    round: &Round,
    tier: &TierResults,
    line: &UnitResult,
    predecessors: &[UnitName],
    who: &Who,
) -> Result<Option<PreviousYear>> {
    let mut candidates = Vec::new();
    for id in std::iter::once(line.unit_id).chain(predecessors.iter().map(|p| p.id)) {
        candidates.extend(
            (store.unit_rounds(id).await?.into_iter())
                .filter(|r| r.published == 1 && r.year < round.year)
                .map(|r| (r.year, r.round_id)),
        );
    }
    let Some((_, previous)) = candidates.into_iter().max() else {
        return Ok(None);
    };
    let then = super::results::round_results(store, previous, who.now).await?;
    let find = |id: i64| {
        (then.tiers.iter()).find_map(|t| t.units.iter().find(|u| u.unit_id == id).map(|u| (t, u)))
    };
    // A merged unit is compared with its predecessors, side by side (and with itself
    // where it took part under its own code too): never with itself alone.
    let own = find(line.unit_id);
    let from_predecessors = !predecessors.is_empty();
    let lines: Vec<_> = own
        .into_iter()
        .chain(predecessors.iter().filter_map(|p| find(p.id)))
        .collect();
    // A rank moves only between two published rankings of the same unit in the same tier.
    let rank_change = match own {
        Some((t, u))
            if !from_predecessors
                && round.published_at.is_some()
                && t.tier_code == tier.tier_code
                && line.rank > 0
                && u.rank > 0 =>
        {
            Some(i64::from(u.rank) - i64::from(line.rank))
        }
        _ => None,
    };
    let areas = (tier.areas.iter())
        .map(|a| AreaComparison {
            code: a.code.clone(),
            text: a.text.clone(),
            index: area_index(line, &a.code),
            previous: lines.iter().map(|(_, u)| area_index(u, &a.code)).collect(),
        })
        .collect();
    Ok(Some(PreviousYear {
        round_id: then.round_id,
        year: then.year,
        title: then.title.clone(),
        from_predecessors,
        units: (lines.iter())
            .map(|(t, u)| PreviousUnit {
                unit_id: u.unit_id,
                unit_code: u.unit_code.clone(),
                unit_name: u.unit_name.clone(),
                tier_code: t.tier_code.clone(),
                tier_name: t.tier_name.clone(),
                tier_units: t.units.len(),
                rank: u.rank,
                index: u.index,
                classification: u.classification.clone(),
            })
            .collect(),
        rank_change,
        areas,
    }))
}

fn area_index(line: &UnitResult, code: &str) -> Option<crate::domain::points::Percent> {
    line.areas
        .iter()
        .find(|a| a.code == code)
        .and_then(|a| a.index)
}

/// The Sở Nội vụ's analysis of a round, for administrators and viewers at any time: per
/// tier, the criteria where most units lost points, with their leaves.
pub async fn round_analysis(ctx: &Context, who: &Who, round_id: i64) -> Result<RoundAnalysis> {
    let store = &ctx.store;
    if !matches!(who.actor.role, Role::Admin | Role::Viewer) {
        return Err(ServiceError::Forbidden(
            "Phân tích điểm bị trừ của cả khối dành cho Sở Nội vụ và lãnh đạo; đơn vị xem phân \
             tích của riêng mình."
                .into(),
        ));
    }
    let round = store.round(round_id).await?;
    ensure_opened(&round, &who.actor)?;
    let results = super::results::current(ctx, round_id, who.now).await?;
    let mut tiers = Vec::with_capacity(results.tiers.len());
    for tier in &results.tiers {
        let set = tier_set(store, &round, &tier.tier_code).await?;
        let mut tallies = TierTallies::default();
        each_unit(store, &round, &tier.tier_code, &tier.units, |_, _, f| {
            tallies.add(&f)
        })
        .await?;
        let criteria = common_losses(&set, set.nodes.iter().filter(|n| n.depth() == 2), &tallies);
        tiers.push(TierAnalysis {
            tier_code: tier.tier_code.clone(),
            tier_name: tier.tier_name.clone(),
            provisional: tier.provisional,
            units: tier.units.len(),
            criteria,
        });
    }
    Ok(RoundAnalysis {
        round_id,
        year: results.year,
        title: results.title.clone(),
        published_at: results.published_at,
        tiers,
    })
}

/// `nodes` where some unit lost points, most units losing first, then most lost, each
/// with its leaves in the same order.
fn common_losses<'a>(
    set: &'a CriteriaSet,
    nodes: impl Iterator<Item = &'a Node>,
    tallies: &TierTallies,
) -> Vec<CommonLoss> {
    let mut losses: Vec<CommonLoss> = nodes
        .filter(|n| tallies.get(&n.code).losing > 0)
        .map(|n| {
            let tally = tallies.get(&n.code);
            CommonLoss {
                code: n.code.clone(),
                text: n.text.clone(),
                max: n.max,
                applicable: tally.applicable,
                losing: tally.losing,
                lost: tally.lost,
                average: tally.average(),
                items: common_losses(set, below(set, n), tallies),
            }
        })
        .collect();
    losses.sort_by(|a, b| b.losing.cmp(&a.losing).then(b.lost.cmp(&a.lost)));
    losses
}
