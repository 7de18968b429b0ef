//! What the Excel exports need beyond the results: a unit's leaves with self-scores,
//! appraised scores, notes and evidence counts.

use serde::Serialize;

use super::Result;
use super::self_assessment::{ensure_viewable, unit_in_round};
use crate::domain::Clock;
use crate::domain::CriteriaSet;
use crate::domain::Points;
use crate::domain::access::Actor;
use crate::service::results::RoundResults;
use crate::store::{Round, Store, Unit};

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
    pub unit_note: String,
    pub appraiser_note: String,
    pub evidence_count: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct UnitDetail {
    pub round_title: String,
    pub year: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub submitted: bool,
    pub rows: Vec<DetailRow>,
}

/// The detail of every unit in a round's results, in their order. The round and each
/// tier's criteria set are read once, not once per unit.
pub(crate) async fn round_details(
    store: &Store,
    results: &RoundResults,
) -> Result<Vec<UnitDetail>> {
    let round = store.round(results.round_id).await?;
    let mut details = Vec::new();
    for tier in &results.tiers {
        let Some(pinned) = round.tiers.iter().find(|t| t.tier_code == tier.tier_code) else {
            continue;
        };
        let set = store.criteria_set(pinned.set_id).await?.set;
        for u in &tier.units {
            let unit = store.unit(u.unit_id).await?;
            details.push(detail(store, &round, unit, &set).await?);
        }
    }
    Ok(details)
}

/// Gathers one unit's detail, without checking who asks.
async fn detail(store: &Store, round: &Round, unit: Unit, set: &CriteriaSet) -> Result<UnitDetail> {
    let (round_id, unit_id) = (round.id, unit.id);
    let entries = store.self_entries(round_id, unit_id).await?;
    let appraisals = store.appraisal_entries(round_id, unit_id).await?;
    let evidence = store.evidence(round_id, unit_id).await?;
    let count = |leaf: &str| {
        evidence
            .files
            .iter()
            .filter(|f| f.leaves.iter().any(|l| l == leaf))
            .count()
            + evidence
                .citations
                .iter()
                .filter(|c| c.leaves.iter().any(|l| l == leaf))
                .count()
    };
    let rows = set
        .nodes
        .iter()
        .map(|n| {
            let entry = entries.get(&n.code);
            // The latest appraisal that decided something: round 2, else round 1.
            let latest = [2, 1]
                .iter()
                .filter_map(|r| appraisals.get(&(n.code.clone(), *r)))
                .find(|a| a.points.is_some() || a.not_applicable);
            let notes: Vec<&str> = [2, 1]
                .iter()
                .filter_map(|r| appraisals.get(&(n.code.clone(), *r)))
                .map(|a| a.comment.as_str())
                .filter(|c| !c.is_empty())
                .collect();
            DetailRow {
                code: n.code.clone(),
                text: n.text.clone(),
                depth: n.depth(),
                is_leaf: n.is_leaf(),
                max: n.max,
                self_points: entry.and_then(|e| e.points),
                appraised: latest.and_then(|a| a.points),
                not_applicable: latest
                    .map(|a| a.not_applicable)
                    .unwrap_or(entry.is_some_and(|e| e.not_applicable)),
                unit_note: entry
                    .map(|e| {
                        if e.not_applicable {
                            format!("Không áp dụng: {}", e.na_reason)
                        } else {
                            e.explanation.clone()
                        }
                    })
                    .unwrap_or_default(),
                appraiser_note: notes.first().map(|s| s.to_string()).unwrap_or_default(),
                evidence_count: if n.is_leaf() { count(&n.code) } else { 0 },
            }
        })
        .collect();
    Ok(UnitDetail {
        round_title: round.title.clone(),
        year: round.year,
        unit_code: unit.code,
        unit_name: unit.name,
        submitted: store.submission(round_id, unit_id).await?.is_some(),
        rows,
    })
}

/// A unit's detail for whoever may read its self-assessment.
pub async fn unit_detail(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    round_id: i64,
    unit_id: i64,
) -> Result<UnitDetail> {
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_viewable(store, actor, &round, unit_id, clock.now()).await?;
    detail(store, &round, unit, &set).await
}
