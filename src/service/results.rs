//! The results of a round, per tier: computed from what is stored, ranked, classified.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Result;
use crate::domain::collation::compare_vi;
use crate::domain::deadline::Phase;
use crate::domain::results::{Ranking, UnitResult, tier_results};
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
    /// Tạm tính: until appraisal round 1 has closed or the round is published.
    pub provisional: bool,
    pub units: Vec<UnitResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AreaHeading {
    pub code: String,
    pub text: String,
    pub max: crate::domain::Points,
}

/// Computes the results of every tier of a round from the stored scores, as of `now`.
pub async fn round_results(
    store: &Store,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<RoundResults> {
    let round = store.round(round_id).await?;
    let appraised = round
        .phases
        .get(&Phase::AppraisalRound1)
        .is_some_and(|w| now > w.closes_at);
    let provisional = round.published_at.is_none() && !appraised;
    let mut tiers = Vec::with_capacity(round.tiers.len());
    for tier in &round.tiers {
        let stored = store.criteria_set(tier.set_id).await?;
        let scores = store
            .unit_scores(round.id, tier.tier_id, tier.set_id)
            .await?;
        let ranking = Ranking {
            tie_break: round.tie_break,
            bands: &tier.bands,
            provisional,
        };
        let units = tier_results(&stored.set, &scores, ranking, compare_vi);
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
            provisional,
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
