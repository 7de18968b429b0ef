//! The results of a round, per tier: computed from what is stored, ranked, classified.

use chrono::{DateTime, Utc};

use super::{Context, Result, Who};
use crate::domain::collation::compare_vi;
use crate::domain::deadline::Phase;
use crate::domain::results::{Ranking, tier_results};
use crate::report::{AreaHeading, RoundResults, TierResults};
use crate::store::Store;

/// Computes the results of every tier of a round from the stored scores, as of `now`.
/// A published round gives what was kept at its publication.
pub async fn round_results(
    store: &Store,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<RoundResults> {
    let round = store.round(round_id).await?;
    if round.published_at.is_some()
        && let Some(text) = store.published_results(round_id).await?
    {
        return serde_json::from_str(&text)
            .map_err(|e| super::ServiceError::Internal(format!("published results: {e}")));
    }
    compute(store, round, now).await
}

/// What publishing `round_id` at `now` keeps: its results computed as published (final,
/// not provisional), as JSON.
pub(crate) async fn as_published(
    store: &Store,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<String> {
    let mut round = store.round(round_id).await?;
    round.published_at = Some(now);
    let results = compute(store, round, now).await?;
    serde_json::to_string(&results)
        .map_err(|e| super::ServiceError::Internal(format!("published results: {e}")))
}

/// The note on a ranked unit that never submitted its self-assessment.
pub const NOT_SUBMITTED: &str = "Không gửi tự đánh giá";

/// The results of every tier of `round` as the stored scores give them at `now`.
async fn compute(
    store: &Store,
    round: crate::store::Round,
    now: DateTime<Utc>,
) -> Result<RoundResults> {
    let appraised = round
        .phases
        .get(&Phase::AppraisalRound1)
        .is_some_and(|w| now > w.closes_at);
    let provisional = round.published_at.is_none() && !appraised;
    let submitted = store.submissions(round.id).await?;
    // Not submitted means never submitted once the self-assessment is over.
    let self_over = round.published_at.is_some()
        || round
            .phases
            .get(&Phase::SelfAssessment)
            .is_some_and(|w| now > w.closes_at);
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
        let mut units = tier_results(&stored.set, &scores, ranking, compare_vi);
        for unit in &mut units {
            if self_over && !submitted.contains_key(&unit.unit_id) {
                unit.note = Some(match unit.note.take() {
                    Some(other) => format!("{NOT_SUBMITTED}; {other}"),
                    None => NOT_SUBMITTED.into(),
                });
            }
        }
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

/// What `actor` may see of a round's results. Once published, everyone signed in sees
/// every tier. Before that, administrators and viewers see everything; appraisers the units
/// they appraise whose self-assessment is submitted or locked; a unit's own people only
/// their unit's line. Appraisers and unit people see no rank or classification before
/// publication: both depend on units they may not see.
pub async fn visible_to(
    store: &Store,
    now: DateTime<Utc>,
    mut results: RoundResults,
    actor: &crate::domain::access::Actor,
) -> Result<RoundResults> {
    use crate::domain::access::Role;
    if results.published_at.is_some() || matches!(actor.role, Role::Admin | Role::Viewer) {
        return Ok(results);
    }
    let round = store.round(results.round_id).await?;
    let submitted = store.submissions(results.round_id).await?;
    for tier in &mut results.tiers {
        let mut kept = Vec::with_capacity(tier.units.len());
        for mut u in std::mem::take(&mut tier.units) {
            if !actor.may_view_unit(u.unit_id) {
                continue;
            }
            if actor.role == Role::Appraiser && !submitted.contains_key(&u.unit_id) {
                let gate = super::self_assessment::self_assessment_access_at(
                    store, &round, u.unit_id, now,
                )
                .await?;
                if gate.open {
                    continue;
                }
            }
            u.rank = 0;
            u.classification = None;
            kept.push(u);
        }
        tier.units = kept;
    }
    results.tiers.retain(|t| !t.units.is_empty());
    Ok(results)
}

/// A round's results as computed now, cut to what `who` may see.
pub async fn visible(ctx: &Context, who: &Who, round_id: i64) -> Result<RoundResults> {
    super::rounds::ensure_opened(&ctx.store.round(round_id).await?, &who.actor)?;
    let results = round_results(&ctx.store, round_id, who.now).await?;
    visible_to(&ctx.store, who.now, results, &who.actor).await
}
