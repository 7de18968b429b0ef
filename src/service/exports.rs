//! What the Excel exports need beyond the results: a unit's leaves with self-scores,
//! appraised scores, notes and evidence counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::access::{ensure_opened, ensure_viewable, unit_in_round};
use super::{Context, Result, Who};
use crate::domain::results::{UnitResult, UnitScores};
use crate::domain::{CriteriaSet, Points};
use crate::report::{DetailRow, RoundResults, UnitDetail};
use crate::store::{Round, RoundTier, Store, Unit};

/// How many units' details are read and written at a time: a national round's detail
/// workbook is written chunk by chunk, never gathered whole in memory.
pub const DETAIL_CHUNK: usize = 200;

/// The units of a round's results in ranking order, tier by tier, in chunks of
/// [`DETAIL_CHUNK`] (a chunk never spans two tiers), each with its line of the results.
pub fn detail_chunks(results: &RoundResults) -> Vec<(String, Vec<UnitResult>)> {
    results
        .tiers
        .iter()
        .flat_map(|tier| {
            tier.units
                .chunks(DETAIL_CHUNK)
                .map(|c| (tier.tier_code.clone(), c.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The detail of `results`' units (of tier `tier_code`) in the given order, each ending
/// with its line of the results (the figures the annex shows): a handful of queries for
/// the whole chunk (entries, appraisals, evidence counts, survey scores, units), not
/// several per unit.
///
/// Public for `tests/api/print.rs`, which checks the details the workbook is written from.
pub async fn details_of(
    store: &Store,
    round: &Round,
    tier_code: &str,
    results: &[UnitResult],
) -> Result<Vec<UnitDetail>> {
    let units: Vec<i64> = results.iter().map(|r| r.unit_id).collect();
    let units = units.as_slice();
    let Some(pinned) = round.tiers.iter().find(|t| t.tier_code == tier_code) else {
        return Ok(Vec::new());
    };
    let set = store.criteria_set(pinned.set_id).await?.set;
    let mut entries = store.round_self_entries(round.id, units).await?;
    let mut appraisals = store.round_appraisal_entries(round.id, units).await?;
    let evidence = store.round_evidence_counts(round.id, units).await?;
    let mut survey = store.units_survey_scores(round.id, units).await?;
    let submissions = store.submissions(round.id).await?;
    let exemptions = store.exemptions(round.id, None).await?;
    let mut found: std::collections::HashMap<i64, Unit> = store
        .units_by_id(units)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut details = Vec::with_capacity(units.len());
    for result in results {
        let id = result.unit_id;
        let Some(unit) = found.remove(&id) else {
            continue;
        };
        let data = UnitData {
            entries: entries.remove(&id).unwrap_or_default(),
            appraisals: appraisals.remove(&id).unwrap_or_default(),
            evidence_count: evidence
                .range((id, String::new())..(id + 1, String::new()))
                .map(|((_, leaf), n)| (leaf.clone(), *n))
                .collect(),
            submission: submissions.get(&id).map(|at| (*at, None)),
            survey: set
                .leaves()
                .filter(|n| n.is_survey())
                .filter_map(|n| {
                    let points = survey.remove(&(id, n.code.clone()))?;
                    Some((n.code.clone(), points))
                })
                .collect(),
            exemptions: (exemptions.iter())
                .filter(|e| e.unit_id == id)
                .cloned()
                .collect(),
        };
        let mut detail = detail(round, pinned, unit, &set, data);
        detail.result = Some(result.clone());
        details.push(detail);
    }
    Ok(details)
}

/// What a unit's detail is made of, read for one unit or for the whole round at once.
struct UnitData {
    entries: BTreeMap<String, crate::store::SelfEntry>,
    appraisals: BTreeMap<(String, i64), crate::store::AppraisalEntry>,
    /// Files and citations linked to each leaf.
    evidence_count: BTreeMap<String, usize>,
    /// When it was submitted, and by whom where that is read.
    submission: Option<(DateTime<Utc>, Option<String>)>,
    /// The survey points set by the Department, by survey leaf.
    survey: BTreeMap<String, Points>,
    /// The nodes the unit is exempt from in the round.
    exemptions: Vec<crate::store::Exemption>,
}

impl UnitData {
    async fn read(store: &Store, round_id: i64, unit_id: i64) -> Result<UnitData> {
        let evidence = store.evidence(round_id, unit_id).await?;
        let mut evidence_count: BTreeMap<String, usize> = BTreeMap::new();
        let leaves = evidence
            .files
            .iter()
            .flat_map(|f| &f.leaves)
            .chain(evidence.citations.iter().flat_map(|c| &c.leaves));
        for leaf in leaves {
            *evidence_count.entry(leaf.clone()).or_default() += 1;
        }
        Ok(UnitData {
            entries: store.self_entries(round_id, unit_id).await?,
            appraisals: store.appraisal_entries(round_id, unit_id).await?,
            evidence_count,
            submission: store.submission_record(round_id, unit_id).await?,
            survey: store.unit_survey_scores(round_id, unit_id).await?,
            exemptions: store.exemptions(round_id, Some(unit_id)).await?,
        })
    }
}

/// The figures behind a self-score as the score sheet shows them.
fn figures(e: &crate::store::SelfEntry) -> String {
    if e.not_applicable {
        return "Không áp dụng".into();
    }
    e.input.and_then(|i| i.figures()).unwrap_or_default()
}

/// One unit's detail, without checking who asks.
fn detail(
    round: &Round,
    tier: &RoundTier,
    unit: Unit,
    set: &CriteriaSet,
    data: UnitData,
) -> UnitDetail {
    let UnitData {
        entries,
        appraisals,
        evidence_count,
        submission,
        survey,
        exemptions,
    } = data;
    let rows = set
        .nodes
        .iter()
        .map(|n| {
            if let Some(exempt) = crate::store::covering(&exemptions, &n.code) {
                // Not evaluated: out of the points and the maximum, as not applicable.
                return DetailRow {
                    code: n.code.clone(),
                    text: n.text.clone(),
                    depth: n.depth(),
                    is_leaf: n.is_leaf(),
                    max: n.max,
                    self_points: None,
                    appraised: None,
                    not_applicable: true,
                    survey: n.is_survey(),
                    figures: "Giảm tiêu chí".into(),
                    self_input: None,
                    appraised_input: None,
                    unit_note: format!("Giảm tiêu chí {}: {}", exempt.node_code, exempt.reason),
                    appraiser_note: String::new(),
                    evidence_count: 0,
                };
            }
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
            if n.is_survey() {
                // Not self-scored: the points are the Department's, from the survey.
                return DetailRow {
                    code: n.code.clone(),
                    text: n.text.clone(),
                    depth: n.depth(),
                    is_leaf: true,
                    max: n.max,
                    self_points: None,
                    appraised: survey.get(&n.code).copied(),
                    not_applicable: false,
                    survey: true,
                    figures: "Điều tra XHH".into(),
                    self_input: None,
                    appraised_input: None,
                    unit_note: String::new(),
                    appraiser_note: String::new(),
                    evidence_count: 0,
                };
            }
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
                survey: false,
                figures: entry.map(figures).unwrap_or_default(),
                self_input: entry.and_then(|e| e.input),
                appraised_input: latest.and_then(|a| a.input),
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
                evidence_count: if n.is_leaf() {
                    evidence_count.get(&n.code).copied().unwrap_or(0)
                } else {
                    0
                },
            }
        })
        .collect();
    UnitDetail {
        round_title: round.title.clone(),
        year: round.year,
        tier_code: tier.tier_code.clone(),
        tier_name: tier.tier_name.clone(),
        unit_code: unit.code,
        unit_name: unit.name,
        submitted: submission.is_some(),
        submitted_at: submission.as_ref().map(|(at, _)| *at),
        submitted_by: submission.and_then(|(_, by)| by),
        result: None,
        rows,
    }
}

/// Whether `who` is of the Sở Nội vụ (its administrators and viewers, lãnh đạo): they
/// download a round's results before publication, every unit's detail and the Sở's own
/// drafts.
fn of_the_office(who: &Who) -> bool {
    use crate::domain::access::Role;
    matches!(who.actor.role, Role::Admin | Role::Viewer)
}

/// What of a round's results `who` may download, as a page offers it: the rules the
/// downloads themselves enforce ([`ranking`], [`details`], [`publication`],
/// [`unit_detail`]), decided here so that no template repeats them.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Downloads {
    /// The ranking workbook: the Sở at any time, everyone once published.
    pub ranking: bool,
    /// Every unit's detail workbook, and the analysis of the whole round: the Sở's.
    pub details: bool,
    /// The draft decision and the publication package: the Sở's, once published.
    pub publication: bool,
    /// The unit whose own score sheet and analysis the user downloads: an officer's or a
    /// head's own unit, once the results are published.
    pub own_unit: Option<i64>,
}

/// What `who` may download of a round's results, published or not.
pub fn downloads(who: &Who, published: bool) -> Downloads {
    let office = of_the_office(who);
    Downloads {
        ranking: office || published,
        details: office,
        publication: office && published,
        own_unit: who.actor.unit_id.filter(|_| !office && published),
    }
}

/// The results of a round for a workbook: for administrators and viewers at any time, for
/// everyone signed in once the round is published.
async fn exportable_results(ctx: &Context, who: &Who, round_id: i64) -> Result<Arc<RoundResults>> {
    ensure_opened(&ctx.store.round(round_id).await?, &who.actor)?;
    let results = super::results::current(ctx, round_id, who.now).await?;
    if !downloads(who, results.published_at.is_some()).ranking {
        return Err(super::ServiceError::Forbidden(
            "Bảng xếp hạng chỉ tải được sau khi kết quả được công bố.".into(),
        ));
    }
    Ok(results)
}

/// Refuses anyone but the Sở Nội vụ's administrators and viewers (lãnh đạo): documents
/// with every unit's detail, or the Sở's own drafts.
fn office_only(who: &Who, message: &str) -> Result<()> {
    if of_the_office(who) {
        Ok(())
    } else {
        Err(super::ServiceError::Forbidden(message.into()))
    }
}

/// What the ranking workbook shows: the results.
pub async fn ranking(ctx: &Context, who: &Who, round_id: i64) -> Result<Arc<RoundResults>> {
    exportable_results(ctx, who, round_id).await
}

/// What the detail workbook shows, to administrators and viewers: the results, whose
/// units' details are then read chunk by chunk ([`detail_chunks`], [`details_of`]) as the workbook is written.
pub async fn details(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<(Arc<RoundResults>, Round)> {
    office_only(
        who,
        "Chi tiết từng đơn vị (mọi điểm, nhận xét thẩm định của tất cả đơn vị) chỉ dành cho \
         Sở Nội vụ và lãnh đạo; đơn vị tải biểu tự chấm điểm của mình.",
    )?;
    let results = exportable_results(ctx, who, round_id).await?;
    let round = ctx.store.round(round_id).await?;
    Ok((results, round))
}

/// What the draft decision and the publication package are made of: the published
/// results and their round, for administrators and viewers (the package holds every
/// unit's score sheet, the decision is the Sở's unsigned draft). Before publication there
/// is nothing to publish (`not_published`).
pub async fn publication(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<(Arc<RoundResults>, Round)> {
    office_only(
        who,
        "Dự thảo quyết định công bố và hồ sơ công bố là tài liệu nội bộ của Sở Nội vụ; \
         chỉ quản trị và lãnh đạo tải được.",
    )?;
    let results = exportable_results(ctx, who, round_id).await?;
    if results.published_at.is_none() {
        return Err(super::ServiceError::NotYet {
            code: "not_published",
            message: "Kết quả kỳ đánh giá này chưa được công bố. Dự thảo quyết định công bố và \
                      hồ sơ công bố chỉ lập được sau khi công bố kết quả (Quản trị → Công bố kết quả)."
                .into(),
        });
    }
    let round = ctx.store.round(round_id).await?;
    Ok((results, round))
}

/// A unit's detail for whoever may read its self-assessment.
pub async fn unit_detail(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<UnitDetail> {
    let store = &ctx.store;
    let actor = &who.actor;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_viewable(store, actor, &round, unit_id, who.now).await?;
    let data = UnitData::read(store, round_id, unit_id).await?;
    let extras = store.extra_counts(round_id, unit_id).await?;
    let tier = round
        .tiers
        .iter()
        .find(|t| t.tier_id == unit.tier_id)
        .ok_or_else(|| {
            super::ServiceError::Invalid(format!(
                "Đơn vị {} không tham gia kỳ đánh giá này.",
                unit.name
            ))
        })?;
    let mut detail = detail(&round, tier, unit, &set, data);
    detail.result = Some(own_result(&set, &detail, extras.values()));
    // Before publication a unit sees only what it asked about of its appraisal (on the
    // explanation page): its score sheet leaves out the figures the appraisers corrected.
    if actor.role.is_unit_role() && round.published_at.is_none() {
        for row in &mut detail.rows {
            row.appraised_input = None;
        }
    }
    Ok(detail)
}

/// A unit's figures from its own scores, as its score sheet sums them: its self-scores
/// where appraised ones would be, the survey points, the bonus and penalty counted for it
/// (capped as in the ranking), the leaves that do not apply left out.
fn own_result<'a>(
    set: &CriteriaSet,
    detail: &UnitDetail,
    extras: impl Iterator<Item = &'a crate::store::ExtraCount>,
) -> UnitResult {
    let leaves = detail.rows.iter().filter(|r| r.is_leaf);
    let mut scores = UnitScores {
        unit_id: 0,
        unit_code: detail.unit_code.clone(),
        unit_name: detail.unit_name.clone(),
        not_applicable: leaves
            .clone()
            .filter(|r| r.not_applicable)
            .map(|r| r.code.clone())
            .collect(),
        self_scores: leaves
            .clone()
            .filter(|r| !r.survey)
            .filter_map(|r| Some((r.code.clone(), r.self_points?)))
            .collect(),
        survey: leaves
            .filter(|r| r.survey)
            .filter_map(|r| Some((r.code.clone(), r.appraised?)))
            .collect(),
        ..Default::default()
    };
    for count in extras {
        let (group, total) = if count.kind == "bonus" {
            (&set.bonus, &mut scores.bonus)
        } else {
            (&set.penalty, &mut scores.penalty)
        };
        if let Some(item) = group.items.iter().find(|i| i.code == count.item_code) {
            *total = *total + item.points.times(count.occurrences);
        }
    }
    crate::domain::results::compute(set, &scores)
}

#[cfg(test)]
mod tests {
    use super::{Downloads, downloads};
    use crate::domain::access::{Actor, Role};
    use crate::service::Who;

    fn who(role: Role, unit_id: Option<i64>) -> Who {
        let actor = Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            unit_id,
            scopes: Vec::new(),
            department_id: None,
        };
        Who::new(actor, "127.0.0.1", chrono::Utc::now())
    }

    fn offered(d: Downloads) -> (bool, bool, bool, Option<i64>) {
        (d.ranking, d.details, d.publication, d.own_unit)
    }

    #[test]
    fn the_office_downloads_everything_a_unit_its_own_sheet_once_published() {
        for role in [Role::Admin, Role::Viewer] {
            let office = who(role, None);
            assert_eq!(
                offered(downloads(&office, false)),
                (true, true, false, None)
            );
            assert_eq!(offered(downloads(&office, true)), (true, true, true, None));
        }
        let officer = who(Role::Officer, Some(7));
        assert_eq!(
            offered(downloads(&officer, false)),
            (false, false, false, None)
        );
        assert_eq!(
            offered(downloads(&officer, true)),
            (true, false, false, Some(7))
        );
        let appraiser = who(Role::Appraiser, None);
        assert_eq!(
            offered(downloads(&appraiser, false)),
            (false, false, false, None)
        );
        assert_eq!(
            offered(downloads(&appraiser, true)),
            (true, false, false, None)
        );
    }
}
