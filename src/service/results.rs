//! The results of a round, per tier: computed from what is stored, ranked, classified.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;
use crate::domain::collation::compare_vi;
use crate::domain::results::{UnitResult, tier_results};
use crate::store::Store;

#[derive(Clone, Debug, Serialize)]
pub struct RoundResults {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub tiers: Vec<TierResults>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TierResults {
    pub tier_code: String,
    pub tier_name: String,
    pub set_code: String,
    pub set_version: String,
    /// Areas of the set, in order: (code, text, maximum).
    pub areas: Vec<AreaHeading>,
    /// True while any unit of the tier has no appraised score: the table is provisional.
    pub provisional: bool,
    pub units: Vec<UnitResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AreaHeading {
    pub code: String,
    pub text: String,
    pub max: crate::domain::Points,
}

/// Computes the results of every tier of a round from the stored scores.
pub async fn round_results(store: &Store, round_id: i64) -> Result<RoundResults> {
    let round = store.round(round_id).await?;
    let mut tiers = Vec::with_capacity(round.tiers.len());
    for tier in &round.tiers {
        let stored = store.criteria_set(tier.set_id).await?;
        let scores = store
            .unit_scores(round.id, tier.tier_id, tier.set_id)
            .await?;
        let units = tier_results(
            &stored.set,
            &scores,
            round.tie_break,
            &tier.bands,
            compare_vi,
        );
        tiers.push(TierResults {
            tier_code: tier.tier_code.clone(),
            tier_name: tier.tier_name.clone(),
            set_code: stored.set.code.clone(),
            set_version: stored.set.version.clone(),
            areas: stored
                .set
                .areas()
                .map(|a| AreaHeading {
                    code: a.code.clone(),
                    text: a.text.clone(),
                    max: a.max,
                })
                .collect(),
            provisional: units.iter().any(|u| u.provisional),
            units,
        });
    }
    Ok(RoundResults {
        round_id: round.id,
        year: round.year,
        title: round.title,
        published_at: round.published_at,
        tiers,
    })
}
