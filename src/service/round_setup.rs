//! Setting a round up from pages: the next year's round drafted from the previous one,
//! and what moving a phase's window would change for each unit before it is saved.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::{Context, Result, Who, require_admin};
use crate::domain::collation::sort_vi;
use crate::domain::deadline::{Phase, Window, access, format_instant};

/// A set version a tier may be scored on.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SetChoice {
    pub code: String,
    pub version: String,
    pub title: String,
}

/// One tier of the draft: the set it was scored on, and the versions to choose from.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DraftTier {
    pub tier_code: String,
    pub tier_name: String,
    /// The version copied: that of the previous round.
    pub set_code: String,
    pub set_version: String,
    pub choices: Vec<SetChoice>,
    /// Its classification bands, copied as they are: (label, minimum index in %).
    pub bands: Vec<(String, String)>,
}

/// One phase window of the draft, written as the form takes it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DraftPhase {
    pub phase: Phase,
    pub name: &'static str,
    /// «01/12/2024 00:00», Vietnam time.
    pub opens: String,
    pub closes: String,
}

/// The next round as copied from a previous one: a year on, every window a year later.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoundDraft {
    pub from: i64,
    pub from_title: String,
    pub year: i64,
    pub title: String,
    pub tie_break: crate::domain::results::TieBreak,
    pub tiers: Vec<DraftTier>,
    pub phases: Vec<DraftPhase>,
    /// The copied round's classification bands, as the new round takes them (the form
    /// shows them, [`DraftTier::bands`], but does not change them).
    #[serde(skip)]
    pub copied_bands: Vec<super::rounds::BandSpec>,
}

/// The same instant a year later, Vietnam time (29 February becomes 28 February).
pub fn a_year_later(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono_tz::Asia::Ho_Chi_Minh;
    let local = t.with_timezone(&Ho_Chi_Minh);
    let year = local.year() + 1;
    let moved = local
        .with_year(year)
        .or_else(|| local.with_day(28).and_then(|d| d.with_year(year)))
        .unwrap_or(local);
    moved.with_timezone(&Utc)
}

/// A form's writing of an instant: «07/01/2025 23:59», Vietnam time.
fn form_instant(t: DateTime<Utc>) -> String {
    use chrono_tz::Asia::Ho_Chi_Minh;
    t.with_timezone(&Ho_Chi_Minh)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// The title with its year moved on where it names it («… năm 2023» → «… năm 2024»).
fn next_title(title: &str, year: i64) -> String {
    let (old, new) = (year.to_string(), (year + 1).to_string());
    if title.contains(&old) {
        title.replace(&old, &new)
    } else {
        format!("{title} ({new})")
    }
}

/// The round to create next, copied from round `from`.
pub async fn draft_from(ctx: &Context, who: &Who, from: i64) -> Result<RoundDraft> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let round = store.round(from).await?;
    let mut tiers = Vec::new();
    for tier in &round.tiers {
        let stored = store.criteria_set(tier.set_id).await?;
        let choices = store
            .criteria_sets_for_tier(&tier.tier_code)
            .await?
            .into_iter()
            .map(|(_, code, version, title)| SetChoice {
                code,
                version,
                title,
            })
            .collect();
        tiers.push(DraftTier {
            tier_code: tier.tier_code.clone(),
            tier_name: tier.tier_name.clone(),
            set_code: stored.set.code.clone(),
            set_version: stored.set.version.clone(),
            choices,
            bands: tier
                .bands
                .iter()
                .map(|b| (b.label.clone(), b.min_index.to_string()))
                .collect(),
        });
    }
    let phases = Phase::ALL
        .iter()
        .filter_map(|p| round.phases.get(p).map(|w| (*p, w)))
        .map(|(phase, w)| DraftPhase {
            phase,
            name: phase.activity(),
            opens: form_instant(a_year_later(w.opens_at)),
            closes: form_instant(a_year_later(w.closes_at)),
        })
        .collect();
    Ok(RoundDraft {
        from,
        from_title: round.title.clone(),
        year: round.year + 1,
        title: next_title(&round.title, round.year),
        tie_break: round.tie_break,
        tiers,
        phases,
        copied_bands: round
            .tiers
            .iter()
            .flat_map(|t| {
                t.bands.iter().map(|b| super::rounds::BandSpec {
                    tier_code: t.tier_code.clone(),
                    label: b.label.clone(),
                    min_index: b.min_index,
                })
            })
            .collect(),
    })
}

/// What a new window means for one unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Its deadline moves later.
    Gains,
    /// Its deadline moves earlier.
    Loses,
    /// Its deadline stays (an extension beyond both windows, or the same end).
    Same,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitChange {
    pub unit_id: i64,
    pub unit_name: String,
    pub tier_name: String,
    /// Its deadline now and after the change («23:59 ngày 07/01/2025»), extensions
    /// included.
    pub before: Option<String>,
    pub after: Option<String>,
    pub change: Change,
    /// Open for this phase now, and once changed.
    pub open_before: bool,
    pub open_after: bool,
    /// Its own extension or reopening, kept whatever the window («Gia hạn đến …»).
    pub own_deadline: Option<String>,
}

/// What moving a phase's window would do, unit by unit; nothing is saved.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PhasePreview {
    pub phase: Phase,
    pub phase_name: &'static str,
    /// The window now («… – …»), if set.
    pub before: Option<String>,
    pub after: String,
    pub gaining: usize,
    pub losing: usize,
    /// Units whose deadline stays (their own extension runs past both windows).
    pub unchanged: usize,
    /// Only the units whose deadline changes, by tier then name.
    pub units: Vec<UnitChange>,
}

/// Each unit's deadline for `phase` before and after moving its window to `new`.
pub async fn phase_preview(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    phase: Phase,
    new: Window,
) -> Result<PhasePreview> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let round = store.round(round_id).await?;
    let old = round.phases.get(&phase);
    let window_text = |w: &Window| {
        format!(
            "{} – {}",
            format_instant(w.opens_at),
            format_instant(w.closes_at)
        )
    };
    let mut units = Vec::new();
    let mut granted = store.round_overrides(round_id, phase).await?;
    for tier in &round.tiers {
        let mut members = store.round_units(round_id, Some(tier.tier_id)).await?;
        sort_vi(&mut members, |u| &u.name);
        for unit in members {
            let overrides = granted.remove(&unit.id).unwrap_or_default();
            let before = access(phase, old, &overrides, who.now);
            let after = access(phase, Some(&new), &overrides, who.now);
            // Deadlines are shown and typed to the minute: a window saved from the form
            // ends at 23:59:00 where the stored one ended at 23:59:59, which no unit
            // would call losing time.
            let minute = |t: chrono::DateTime<chrono::Utc>| t.timestamp().div_euclid(60);
            let change = match (before.effective_deadline, after.effective_deadline) {
                (Some(b), Some(a)) if minute(a) > minute(b) => Change::Gains,
                (Some(b), Some(a)) if minute(a) < minute(b) => Change::Loses,
                (None, Some(_)) => Change::Gains,
                _ => Change::Same,
            };
            let own_deadline = overrides
                .iter()
                .max_by_key(|o| o.until)
                .map(|o| o.describe());
            units.push(UnitChange {
                unit_id: unit.id,
                unit_name: unit.name,
                tier_name: tier.tier_name.clone(),
                before: before.effective_deadline.map(format_instant),
                after: after.effective_deadline.map(format_instant),
                change,
                open_before: before.open,
                open_after: after.open,
                own_deadline,
            });
        }
    }
    let total = units.len();
    units.retain(|u| u.change != Change::Same);
    Ok(PhasePreview {
        phase,
        phase_name: phase.activity(),
        before: old.map(window_text),
        after: window_text(&new),
        gaining: units.iter().filter(|u| u.change == Change::Gains).count(),
        losing: units.iter().filter(|u| u.change == Change::Loses).count(),
        unchanged: total - units.len(),
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deadline::parse_deadline;

    #[test]
    fn a_year_later_keeps_the_vietnamese_clock_and_the_day() {
        let t = parse_deadline("07/01/2024").expect("date");
        assert_eq!(form_instant(a_year_later(t)), "07/01/2025 23:59");
        let leap = parse_deadline("29/02/2024 17:00").expect("date");
        assert_eq!(form_instant(a_year_later(leap)), "28/02/2025 17:00");
    }

    #[test]
    fn the_title_names_the_next_year() {
        assert_eq!(
            next_title("Chỉ số CCHC năm 2023", 2023),
            "Chỉ số CCHC năm 2024"
        );
        assert_eq!(next_title("Chỉ số CCHC", 2023), "Chỉ số CCHC (2024)");
    }
}
