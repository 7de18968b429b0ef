//! The results of a round, per tier: computed from what is stored, ranked, classified.
//!
//! Computed once per data version: every write a round's results depend on counts itself
//! in the round's data version inside its transaction (`store::guard`, migration 0020),
//! so results computed at one version hold until it changes, whichever instance made the
//! write. Each instance keeps the latest results of each round in memory ([`Cache`]); a
//! request reads the version (one indexed query), and computes only when it has moved or
//! the moment of the round (provisional, self-assessment over) has.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::access::{ensure_opened, self_assessment_access_at};
use super::{Context, Result, Who};
use crate::domain::collation::compare_vi;
use crate::domain::deadline::Phase;
use crate::domain::results::{Ranking, tier_results};
use crate::report::{AreaHeading, RoundResults, TierResults};
use crate::store::{Round, Store};

/// The latest results of each round this instance computed, with what they were computed
/// at. One slot per round, each behind its own lock, so that requests arriving together
/// after a write compute once, and a round's computation never holds up another's.
#[derive(Default)]
pub struct Cache {
    slots: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

struct Cached {
    at: CacheKey,
    results: Arc<RoundResults>,
}

/// What a round's results depend on besides the stored data: its data version, and what
/// `now` decides (whether the results are provisional, whether not submitting is final).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CacheKey {
    version: i64,
    moment: Moment,
}

impl Cache {
    fn slot(&self, round_id: i64) -> Arc<tokio::sync::Mutex<Option<Cached>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(round_id).or_default().clone()
    }
}

/// A round's results at `now`, computed at most once per data version and moment in this
/// instance (see the module's notes); the same as [`round_results`].
pub async fn current(
    ctx: &Context,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<Arc<RoundResults>> {
    // The version first: whatever is read after it is at least as new, so the results are
    // never older than the version they are kept under, and a later write moves it.
    let version = ctx.store.round_version(round_id).await?;
    let round = ctx.store.round(round_id).await?;
    let at = CacheKey {
        version,
        moment: Moment::of(&round, now),
    };
    let slot = ctx.results.slot(round_id);
    let mut held = slot.lock().await;
    if let Some(cached) = held.as_ref()
        && cached.at == at
    {
        return Ok(cached.results.clone());
    }
    let results = Arc::new(stored_or_computed(&ctx.store, round, now).await?);
    *held = Some(Cached {
        at,
        results: results.clone(),
    });
    Ok(results)
}

/// Computes the results of every tier of a round from the stored scores, as of `now`.
/// A published round gives what was kept at its publication. Not cached: see [`current`].
///
/// Public for the tests, fixtures and benchmarks that read a round's results straight from
/// a store (`tests/api/{demo,excel,fixture,print,print_decision,scale}.rs`, `bench/`).
pub async fn round_results(
    store: &Store,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<RoundResults> {
    stored_or_computed(store, store.round(round_id).await?, now).await
}

async fn stored_or_computed(
    store: &Store,
    round: Round,
    now: DateTime<Utc>,
) -> Result<RoundResults> {
    if round.published_at.is_some()
        && let Some(text) = store.published_results(round.id).await?
    {
        return serde_json::from_str(&text)
            .map_err(|e| super::ServiceError::Internal(format!("published results: {e}")));
    }
    compute(store, round, now).await
}

/// What a round's results depend on of the instant they are computed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Moment {
    /// Tạm tính: until appraisal round 1 has closed, and the round is not published.
    provisional: bool,
    /// The self-assessment is over: a unit that has not submitted never did.
    self_over: bool,
}

impl Moment {
    fn of(round: &Round, now: DateTime<Utc>) -> Moment {
        let closed = |phase| round.phases.get(&phase).is_some_and(|w| now > w.closes_at);
        let published = round.published_at.is_some();
        Moment {
            provisional: !published && !closed(Phase::AppraisalRound1),
            self_over: published || closed(Phase::SelfAssessment),
        }
    }
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
async fn compute(store: &Store, round: Round, now: DateTime<Utc>) -> Result<RoundResults> {
    let Moment {
        provisional,
        self_over,
    } = Moment::of(&round, now);
    let submitted = store.submissions(round.id).await?;
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
pub(crate) async fn visible_to(
    store: &Store,
    now: DateTime<Utc>,
    results: Arc<RoundResults>,
    actor: &crate::domain::access::Actor,
) -> Result<Arc<RoundResults>> {
    use crate::domain::access::Role;
    if results.published_at.is_some() || matches!(actor.role, Role::Admin | Role::Viewer) {
        return Ok(results);
    }
    let round = store.round(results.round_id).await?;
    let submitted = store.submissions(results.round_id).await?;
    let mut tiers = Vec::with_capacity(results.tiers.len());
    for tier in &results.tiers {
        let mut kept = Vec::new();
        for u in &tier.units {
            if !actor.may_view_unit(u.unit_id) {
                continue;
            }
            if actor.role == Role::Appraiser && !submitted.contains_key(&u.unit_id) {
                let gate = self_assessment_access_at(store, &round, u.unit_id, now).await?;
                if gate.open {
                    continue;
                }
            }
            let mut u = u.clone();
            u.rank = 0;
            u.classification = None;
            kept.push(u);
        }
        if !kept.is_empty() {
            tiers.push(TierResults {
                units: kept,
                areas: tier.areas.clone(),
                tier_code: tier.tier_code.clone(),
                tier_name: tier.tier_name.clone(),
                set_code: tier.set_code.clone(),
                set_version: tier.set_version.clone(),
                provisional: tier.provisional,
            });
        }
    }
    Ok(Arc::new(RoundResults {
        round_id: results.round_id,
        year: results.year,
        title: results.title.clone(),
        published_at: results.published_at,
        tiers,
    }))
}

/// A round's results as they stand now, cut to what `who` may see.
pub async fn visible(ctx: &Context, who: &Who, round_id: i64) -> Result<Arc<RoundResults>> {
    ensure_opened(&ctx.store.round(round_id).await?, &who.actor)?;
    let results = current(ctx, round_id, who.now).await?;
    visible_to(&ctx.store, who.now, results, &who.actor).await
}
