//! The home page: every round the user takes part in, with the unit's own self-assessment
//! and explanations (unit people) or the progress of the units the user may see (everyone
//! else, counted by [`super::progress`]).

use serde::Serialize;

use super::progress::{Status, UnitProgress, round_progress};
use super::{Context, Result, Who};
use crate::domain::deadline::Phase;

/// One phase of a round as the home page lists it.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseLine {
    pub name: &'static str,
    pub from: String,
    pub to: String,
    /// Open now.
    pub current: bool,
}

/// A round on the home page: its phases, and the user's unit's self-assessment (unit
/// people) or the progress of the units the user may see (everyone else).
#[derive(Clone, Debug, Serialize)]
pub struct RoundCard {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub published: bool,
    /// Opened to units; an administrator also sees the rounds in preparation.
    pub opened: bool,
    pub phases: Vec<PhaseLine>,
    pub unit: Option<super::self_assessment::SelfAssessmentView>,
    /// For the unit's people: what the appraisers asked it to explain, if anything.
    pub explanations: Option<ExplanationsDue>,
    /// The units' progress, listed when there are at most [`HOME_LIST`] of them; the
    /// counts below are always given.
    pub units: Option<Vec<UnitProgress>>,
    /// How many units the user sees in the round, and how many in each status.
    pub units_total: usize,
    pub counts: Vec<StatusCount>,
}

/// Units listed on the home page; a larger round shows its counts and links the round's
/// own pages: the progress page (a hundred units a page), the appraisal queue, the results.
pub const HOME_LIST: usize = 100;

#[derive(Clone, Debug, Serialize)]
pub struct StatusCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: usize,
}

/// The explanations a unit was asked for, as its home page announces them.
#[derive(Clone, Debug, Serialize)]
pub struct ExplanationsDue {
    pub requested: usize,
    pub answered: usize,
    /// The explanation phase for this unit (with its extensions): open, until when.
    pub access: crate::domain::deadline::Access,
}

/// Every round `who` takes part in, for the home page. A unit that does not take part in a
/// round does not see it.
pub async fn home(ctx: &Context, who: &Who) -> Result<Vec<RoundCard>> {
    use crate::domain::access::Role;
    use crate::domain::deadline::format_instant;
    let mut cards = Vec::new();
    for (round_id, year, title) in super::rounds::list(ctx, who).await? {
        let round = ctx.store.round(round_id).await?;
        let phases = Phase::ALL
            .iter()
            .filter_map(|p| round.phases.get(p).map(|w| (p, w)))
            .map(|(p, w)| PhaseLine {
                name: p.activity(),
                from: format_instant(w.opens_at),
                to: format_instant(w.closes_at),
                current: w.contains(who.now),
            })
            .collect();
        let (mut unit, mut units, mut explanations) = (None, None, None);
        let (mut units_total, mut counts) = (0, Vec::new());
        match (who.actor.role, who.actor.unit_id) {
            (Role::Officer | Role::Head, Some(unit_id)) => {
                match super::self_assessment::view(ctx, who, round_id, unit_id).await {
                    Ok(view) => unit = Some(view),
                    Err(super::ServiceError::Invalid(_)) => continue,
                    Err(e) => return Err(e),
                }
                let asked = super::explanations::view(ctx, who, round_id, unit_id).await?;
                if !asked.requests.is_empty() {
                    explanations = Some(ExplanationsDue {
                        requested: asked.requests.len(),
                        answered: asked
                            .requests
                            .iter()
                            .filter(|r| r.answer.as_deref().is_some_and(|a| !a.trim().is_empty()))
                            .count(),
                        access: asked.access,
                    });
                }
            }
            _ => {
                let progress = round_progress(ctx, who, round_id).await?;
                units_total = progress.len();
                counts = Status::ALL
                    .iter()
                    .map(|s| StatusCount {
                        code: s.as_str(),
                        label: s.label(),
                        count: progress.iter().filter(|p| p.status == *s).count(),
                    })
                    .filter(|c| c.count > 0)
                    .collect();
                units = (progress.len() <= HOME_LIST).then_some(progress);
            }
        }
        cards.push(RoundCard {
            id: round_id,
            year,
            title,
            published: round.published_at.is_some(),
            opened: round.opened_at.is_some(),
            phases,
            unit,
            explanations,
            units,
            units_total,
            counts,
        });
    }
    Ok(cards)
}
