//! Appraised scores, survey scores, bonus and penalty entries: each checked against the
//! criteria set (the leaf exists, the value fits its maximum and method), the actor's role
//! and scope, and for appraisals the phase's deadline.

use crate::domain::criteria::Method;
use crate::domain::deadline::{Phase, access};
use crate::domain::{LeafInput, Points};
use crate::store::{AppraisalEntry, ExtraCount, Guard};

use super::access::{ensure_viewable, unit_in_round};
use super::{Context, Result, ServiceError, Who, require_admin};

/// The most occurrences a bonus or penalty item may be counted.
pub const MAX_OCCURRENCES: i64 = 100;

/// Published results never change.
fn ensure_not_published(round: &crate::store::Round) -> Result<()> {
    match round.published_at {
        Some(at) => Err(ServiceError::Conflict(format!(
            "Kết quả kỳ đánh giá đã công bố ngày {}; không thể thay đổi điểm.",
            crate::domain::deadline::format_date(at)
        ))),
        None => Ok(()),
    }
}

/// The phase of appraisal round `n` (1, else 2).
pub(crate) fn appraisal_phase(n: i64) -> Phase {
    if n == 2 {
        Phase::AppraisalRound2
    } else {
        Phase::AppraisalRound1
    }
}

/// An appraiser sets the appraised score of one leaf in appraisal round 1 or 2.
pub async fn save_appraisal(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    entry: AppraisalEntry,
) -> Result<()> {
    let store = &ctx.store;
    let actor = &who.actor;
    let phase = match entry.appraisal_round {
        1 | 2 => appraisal_phase(entry.appraisal_round),
        _ => {
            return Err(ServiceError::Invalid(
                "Vòng thẩm định phải là 1 hoặc 2.".into(),
            ));
        }
    };
    super::check(&entry)?;
    let now = who.now;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_not_published(&round)?;
    let node = set
        .node(&entry.leaf_code)
        .filter(|n| n.is_leaf() && !n.is_survey())
        .ok_or_else(|| {
            ServiceError::NotFound(format!("tiêu chí thành phần {}", entry.leaf_code))
        })?;
    let assigned = super::departments::assignments_for(store, actor, round_id, unit.id).await?;
    if !actor.may_appraise(unit.id, &node.code, &assigned) {
        let department = match actor.department_id {
            Some(d) => format!(
                " (tiêu chí {}; {} thẩm định những lĩnh vực, tiêu chí được phân công trong kỳ này)",
                node.code,
                store.unit(d).await?.name
            ),
            None => String::new(),
        };
        return Err(ServiceError::Forbidden(format!(
            "Tài khoản này không được phân công thẩm định lĩnh vực {} của {}{department}.",
            node.area_code(),
            unit.name
        )));
    }
    // An appraiser works only on what the unit submitted (or what the deadline locked).
    ensure_viewable(store, actor, &round, unit.id, now).await?;
    if entry.not_applicable {
        if !node.leaf.as_ref().is_some_and(|l| l.na_allowed) {
            return Err(ServiceError::Invalid(format!(
                "Tiêu chí {} không được khai báo «Không áp dụng».",
                node.code
            )));
        }
        if entry.points.is_some() {
            return Err(ServiceError::Invalid(
                "Tiêu chí không áp dụng thì không có điểm thẩm định.".into(),
            ));
        }
        if entry.input.is_some() {
            return Err(ServiceError::invalid_field(
                "input",
                "Tiêu chí không áp dụng thì không có số liệu thẩm định.",
            ));
        }
    }
    let overrides = store.overrides(round_id, unit_id, phase).await?;
    let gate = access(phase, round.phases.get(&phase), &overrides, now);
    if !gate.open {
        return Err(ServiceError::Locked(gate.message));
    }
    // Checked again inside the write's transaction (its guard).
    if let Some(refusal) = super::sign_off::signed_off(store, round_id, phase).await? {
        return Err(ServiceError::SignedOff(refusal));
    }
    let method = node.leaf.as_ref().map(|l| &l.method);
    // Figures give the points by the leaf's rule, computed here, never taken from the client.
    let points = match (entry.input, entry.points) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::Rejected {
                code: "input_with_points",
                field: Some("points"),
                message: format!(
                    "Tiêu chí {}: nhập số liệu thẩm định hoặc điểm thẩm định, không nhập cả hai; \
                     điểm tính từ số liệu theo hướng dẫn chấm điểm của tiêu chí.",
                    node.code
                ),
            });
        }
        (Some(_), None) if !method.is_some_and(Method::takes_figures) => {
            return Err(ServiceError::Rejected {
                code: "figures_not_allowed",
                field: Some("input"),
                message: format!(
                    "Tiêu chí {} chấm theo phương pháp «{}»: nhập điểm thẩm định trực tiếp, không nhập số liệu.",
                    node.code,
                    method.map_or("", Method::label)
                ),
            });
        }
        (Some(input), None) => Some(node.score(input).map_err(|e| {
            let field = super::self_assessment::input_field(&input, &e);
            ServiceError::invalid_field(field, e.to_string())
        })?),
        (None, points) => {
            if let Some(points) = points {
                check_direct_points(node, points)?;
            }
            points
        }
    };
    if let Some(points) = points {
        let own = store.self_entry(round_id, unit_id, &node.code).await?;
        if own.as_ref().and_then(|e| e.points) != Some(points) && entry.comment.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "Điểm thẩm định khác điểm tự chấm: cần ghi nhận xét lý do điều chỉnh.".into(),
            ));
        }
        // Corrected figures are a finding too, even where the points come out the same.
        if entry.input.is_some()
            && own.and_then(|e| e.input) != entry.input
            && entry.comment.trim().is_empty()
        {
            return Err(ServiceError::invalid_field(
                "comment",
                "Số liệu thẩm định khác số liệu đơn vị báo cáo: cần ghi nhận xét lý do điều chỉnh.",
            ));
        }
    }
    let entry = AppraisalEntry {
        leaf_code: node.code.clone(),
        points,
        comment: entry.comment.trim().to_string(),
        ..entry
    };
    Ok(store
        .save_appraisal(
            &Guard::in_phase(round_id, unit_id, phase),
            &entry,
            who.audit(),
            now,
        )
        .await?)
}

/// Refuses appraised points given directly that the leaf's method cannot give: out of
/// range, off the judged step, or not one of the few scores a yes/no, tiered or deduction
/// leaf has (the appraiser corrects the finding, not the scale).
fn check_direct_points(node: &crate::domain::criteria::Node, points: Points) -> Result<()> {
    let step = match node.leaf.as_ref().map(|l| &l.method) {
        Some(Method::Judged { step }) => *step,
        _ => Points::from_hundredths(1),
    };
    if points < Points::ZERO || points > node.max || !points.is_multiple_of(step) {
        return Err(ServiceError::invalid_field(
            "points",
            format!(
                "Điểm thẩm định phải từ 0 đến {} và là bội số của {}.",
                node.max.to_vn(),
                step.to_vn()
            ),
        ));
    }
    if let Some(values) = node.possible_points()
        && !values.contains(&points)
    {
        let listed: Vec<String> = values.iter().map(|v| v.to_vn()).collect();
        return Err(ServiceError::invalid_field(
            "points",
            format!(
                "Tiêu chí {} chấm theo phương pháp «{}»: điểm thẩm định chỉ có thể là {}.",
                node.code,
                node.leaf.as_ref().map_or("", |l| l.method.label()),
                vn_list(&listed)
            ),
        ));
    }
    Ok(())
}

/// The administrator records a survey score for a unit and a survey leaf.
pub async fn set_survey_score(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
    points: Points,
) -> Result<()> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    let (round, _, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_not_published(&round)?;
    let node = set
        .node(leaf_code)
        .filter(|n| n.is_survey())
        .ok_or_else(|| {
            ServiceError::NotFound(format!("tiêu chí điều tra xã hội học {leaf_code}"))
        })?;
    if points < Points::ZERO || points > node.max {
        return Err(ServiceError::Invalid(format!(
            "Điểm điều tra của tiêu chí {} phải từ 0 đến {}.",
            node.code,
            node.max.to_vn()
        )));
    }
    Ok(store
        .set_survey_score(
            &Guard::unpublished(round_id, unit_id),
            &node.code,
            points,
            who.audit(),
            who.now,
        )
        .await?)
}

/// The administrator counts a bonus or penalty item for a unit.
pub async fn set_extra(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
    extra: ExtraCount,
) -> Result<()> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&extra)?;
    let (round, _, set) = unit_in_round(store, round_id, unit_id).await?;
    ensure_not_published(&round)?;
    let group = match extra.kind.as_str() {
        "bonus" => &set.bonus,
        "penalty" => &set.penalty,
        _ => {
            return Err(ServiceError::Invalid(
                "Loại khoản phải là điểm thưởng (bonus) hoặc điểm trừ (penalty).".into(),
            ));
        }
    };
    if !group.items.iter().any(|i| i.code == extra.item_code) {
        return Err(ServiceError::NotFound(format!(
            "khoản {} trong bộ tiêu chí",
            extra.item_code
        )));
    }
    if !(0..=MAX_OCCURRENCES).contains(&extra.occurrences) {
        return Err(ServiceError::Invalid(format!(
            "Số lần phải từ 0 đến {MAX_OCCURRENCES}."
        )));
    }
    // A bonus or a penalty that counts rests on something written (a decision, a report):
    // the reason is kept with it. Taking it off (0) needs none.
    if extra.occurrences > 0 && extra.note.trim().is_empty() {
        return Err(ServiceError::invalid_field(
            "note",
            "Cần ghi lý do, căn cứ (số văn bản, sự việc) của khoản điểm này.",
        ));
    }
    Ok(store
        .set_extra(
            &Guard::unpublished(round_id, unit_id),
            &extra,
            who.audit(),
            who.now,
        )
        .await?)
}

/// What the appraisal page shows of a unit: its self-assessment, the appraised scores of
/// both rounds (keyed `"leaf#round"`), its explanations, and the appraisal round open now.
#[derive(Clone, Debug)]
pub struct AppraisalSheet {
    pub view: super::self_assessment::SelfAssessmentView,
    pub appraisals: std::collections::BTreeMap<String, AppraisalEntry>,
    /// Per leaf, the appraisal shown as its appraised score and the one its form opens on
    /// ([`current_appraisal`]).
    pub current: std::collections::BTreeMap<String, AppraisalEntry>,
    /// Per leaf, round 1's appraisal where round 1 is not the round open: shown beside
    /// the current one, as what the first round decided.
    pub first_round: std::collections::BTreeMap<String, AppraisalEntry>,
    pub explanations: std::collections::BTreeMap<String, String>,
    pub open_round: Option<i64>,
    /// Whether `who` may appraise this unit now (some leaf of it).
    pub may_appraise: bool,
    /// The council has signed off the appraisal round open now: why nothing is editable.
    pub signed_off: Option<String>,
    /// The leaves `who` may appraise now: those of the areas and units in their scope,
    /// while an appraisal round is open. The others are shown read-only.
    pub editable: std::collections::BTreeSet<String>,
    /// The appraised totals beside the self-assessed ones.
    pub totals: AppraisedTotals,
    /// For the editable leaves whose method gives only a few scores, those scores
    /// (Vietnamese numbers), offered as the choices of the form.
    pub choices: std::collections::BTreeMap<String, Vec<String>>,
    /// For the editable rate and count leaves, the figure fields of their form.
    pub figure_fields: std::collections::BTreeMap<String, FigureFields>,
}

/// A leaf's current appraisal, given its round 1 and round 2 appraisals: while round 1 is
/// open, round 1's (a round 2 appraisal cannot exist yet); otherwise the latest, round 2's
/// over round 1's, so that round 2 opens on what round 1 decided until it decides again.
pub fn current_appraisal<'a>(
    open_round: Option<i64>,
    first: Option<&'a AppraisalEntry>,
    second: Option<&'a AppraisalEntry>,
) -> Option<&'a AppraisalEntry> {
    match open_round {
        Some(1) => first,
        _ => second.or(first),
    }
}

/// The figure fields of a rate or count leaf's appraisal form: the appraiser corrects the
/// unit's figures and the points follow the leaf's rule.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FigureFields {
    /// `rate` or `occurrences`, as the form sends it.
    pub kind: &'static str,
    /// What the fields hold when the page opens: the figures of the appraisal being made
    /// (in round 2, until it has one, round 1's), else the unit's own, so that the
    /// appraiser corrects only the number that is wrong. None where the appraisal being
    /// made gave its points directly.
    pub prefill: Option<LeafInput>,
    /// The points `prefill` gives.
    pub points: Option<Points>,
    /// The points of the appraisal being made where it gave them directly, without
    /// figures: the form opens on them.
    pub direct: Option<Points>,
}

/// The appraised total of a unit's self-scored leaves, as the results count it: the
/// latest appraisal that decided a leaf (round 2 over round 1), else the unit's own score;
/// a leaf the appraisers (or, where they said nothing, the unit) declared not applicable
/// leaves the total and the maximum.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct AppraisedTotals {
    pub appraised_total: Points,
    pub appraised_max: Points,
    /// Self-scored leaves, and how many of them an appraiser has decided.
    pub leaves: usize,
    pub appraised_leaves: usize,
}

fn appraised_totals(
    view: &super::self_assessment::SelfAssessmentView,
    appraisals: &std::collections::BTreeMap<String, AppraisalEntry>,
) -> AppraisedTotals {
    let mut totals = AppraisedTotals::default();
    let decided = |e: &&AppraisalEntry| e.points.is_some() || e.not_applicable;
    for n in view
        .nodes
        .iter()
        .filter(|n| n.node.is_leaf() && !n.node.is_survey() && n.exempt.is_none())
    {
        totals.leaves += 1;
        let code = &n.node.code;
        let latest = [2, 1]
            .iter()
            .find_map(|r| appraisals.get(&format!("{code}#{r}")).filter(decided));
        let (points, not_applicable) = match latest {
            Some(a) => {
                totals.appraised_leaves += 1;
                (a.points.unwrap_or_default(), a.not_applicable)
            }
            None => n.entry.as_ref().map_or((Points::ZERO, false), |e| {
                (e.points.unwrap_or_default(), e.not_applicable)
            }),
        };
        if !not_applicable {
            totals.appraised_total = totals.appraised_total + points;
            totals.appraised_max = totals.appraised_max + n.node.max;
        }
    }
    totals
}

/// A unit's appraisal sheet, for appraisers and administrators.
pub async fn appraisal_sheet(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<AppraisalSheet> {
    if who.actor.role.is_unit_role() {
        return Err(ServiceError::Forbidden(
            "Trang thẩm định dành cho thành viên thẩm định và quản trị.".into(),
        ));
    }
    let view = super::self_assessment::view(ctx, who, round_id, unit_id).await?;
    let round = ctx.store.round(round_id).await?;
    // Nothing is appraised once the results are published: the page shows no form.
    let open_round = super::rounds::open_appraisal_round(&round, who.now)
        .filter(|_| round.published_at.is_none());
    let appraisals: std::collections::BTreeMap<String, AppraisalEntry> = ctx
        .store
        .appraisal_entries(round_id, unit_id)
        .await?
        .into_iter()
        .map(|((leaf, n), e)| (format!("{leaf}#{n}"), e))
        .collect();
    let mut current = std::collections::BTreeMap::new();
    let mut first_round = std::collections::BTreeMap::new();
    for n in view.nodes.iter().filter(|n| n.node.is_leaf()) {
        let code = &n.node.code;
        let first = appraisals.get(&format!("{code}#1"));
        let second = appraisals.get(&format!("{code}#2"));
        if let Some(a) = current_appraisal(open_round, first, second) {
            current.insert(code.clone(), a.clone());
        }
        if let Some(a) = first.filter(|_| open_round != Some(1)) {
            first_round.insert(code.clone(), a.clone());
        }
    }
    let signed_off = match open_round {
        Some(n) => super::sign_off::signed_off(&ctx.store, round_id, appraisal_phase(n)).await?,
        None => None,
    };
    let assigned =
        super::departments::assignments_for(&ctx.store, &who.actor, round_id, unit_id).await?;
    let may_appraise = who.actor.may_appraise_unit_in(unit_id, &assigned)
        && open_round.is_some()
        && signed_off.is_none();
    let editable: std::collections::BTreeSet<String> = view
        .nodes
        .iter()
        .filter(|n| may_appraise && n.node.is_leaf() && !n.node.is_survey())
        .filter(|n| n.exempt.is_none())
        .filter(|n| who.actor.may_appraise(unit_id, &n.node.code, &assigned))
        .map(|n| n.node.code.clone())
        .collect();
    let choices = view
        .nodes
        .iter()
        .filter(|n| editable.contains(&n.node.code))
        .filter_map(|n| {
            let values = n.node.possible_points()?;
            Some((
                n.node.code.clone(),
                values.iter().map(|v| v.to_vn()).collect(),
            ))
        })
        .collect();
    let figure_fields = view
        .nodes
        .iter()
        .filter(|n| editable.contains(&n.node.code))
        .filter_map(|n| {
            let code = &n.node.code;
            let kind = match n.node.leaf.as_ref().map(|l| &l.method)? {
                Method::Tiered { .. } | Method::Proportional { .. } => "rate",
                Method::Deduction { .. } => "occurrences",
                _ => return None,
            };
            // Editable leaves are those of the round open: its current appraisal is the
            // one being made.
            let being_made = current.get(code);
            let direct = being_made
                .filter(|a| a.input.is_none())
                .and_then(|a| a.points);
            let prefill = match being_made {
                Some(a) if a.input.is_some() => a.input,
                _ if direct.is_some() => None,
                _ => n.entry.as_ref().and_then(|e| e.input),
            };
            let points = prefill.and_then(|i| n.node.score(i).ok());
            let fields = FigureFields {
                kind,
                prefill,
                points,
                direct,
            };
            Some((code.clone(), fields))
        })
        .collect();
    let totals = appraised_totals(&view, &appraisals);
    Ok(AppraisalSheet {
        figure_fields,
        view,
        appraisals,
        current,
        first_round,
        explanations: ctx.store.explanations(round_id, unit_id).await?,
        open_round,
        may_appraise,
        signed_off,
        editable,
        totals,
        choices,
    })
}

/// One bonus or penalty item of a unit's criteria set, with what was counted for it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExtraLine {
    pub code: String,
    pub text: String,
    /// Points per occurrence.
    pub points: Points,
    pub occurrences: i64,
    pub note: String,
    /// Points × occurrences.
    pub amount: Points,
}

/// The bonus (or penalty) items of a unit's criteria set: the cap, each item, their sum,
/// and what counts in the final total (the sum, at most the cap).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExtraGroupSheet {
    /// `bonus` or `penalty`.
    pub kind: &'static str,
    pub cap: Points,
    pub items: Vec<ExtraLine>,
    pub total: Points,
    pub counted: Points,
}

/// What the administrator's bonus and penalty page shows of one unit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExtrasSheet {
    pub unit_id: i64,
    pub unit_name: String,
    pub set_code: String,
    pub set_version: String,
    /// Published results never change: the page shows no form.
    pub published: bool,
    pub groups: Vec<ExtraGroupSheet>,
}

/// A unit's bonus and penalty items in a round, for the administrator.
pub async fn extras_sheet(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    unit_id: i64,
) -> Result<ExtrasSheet> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let (round, unit, set) = unit_in_round(store, round_id, unit_id).await?;
    let mut counts = store.extra_counts(round_id, unit_id).await?;
    let groups = [("bonus", &set.bonus), ("penalty", &set.penalty)]
        .into_iter()
        .map(|(kind, group)| {
            let items: Vec<ExtraLine> = group
                .items
                .iter()
                .map(|item| {
                    let counted = counts.remove(&(kind.to_string(), item.code.clone()));
                    let (occurrences, note) =
                        counted.map_or((0, String::new()), |c| (c.occurrences, c.note));
                    ExtraLine {
                        code: item.code.clone(),
                        text: item.text.clone(),
                        points: item.points,
                        occurrences,
                        note,
                        amount: item.points.times(occurrences),
                    }
                })
                .collect();
            let total = items
                .iter()
                .fold(Points::ZERO, |sum, item| sum + item.amount);
            ExtraGroupSheet {
                kind,
                cap: group.cap,
                counted: total.min(group.cap).max(Points::ZERO),
                total,
                items,
            }
        })
        .collect();
    Ok(ExtrasSheet {
        unit_id: unit.id,
        unit_name: unit.name,
        set_code: set.code.clone(),
        set_version: set.version.clone(),
        published: round.published_at.is_some(),
        groups,
    })
}

/// «0, 0,5 hoặc 1»: values listed as a sentence says them.
fn vn_list(values: &[String]) -> String {
    match values.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} hoặc {last}", rest.join("; ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::current_appraisal;
    use crate::store::AppraisalEntry;

    #[test]
    fn the_current_appraisal_is_round_ones_while_it_runs_then_the_latest() {
        let round = |n| AppraisalEntry {
            appraisal_round: n,
            ..AppraisalEntry::default()
        };
        let (first, second) = (round(1), round(2));
        let n = |a: Option<&AppraisalEntry>| a.map(|a| a.appraisal_round);
        assert_eq!(n(current_appraisal(Some(1), Some(&first), None)), Some(1));
        // Round 2 opens on what round 1 decided, until it decides again.
        assert_eq!(n(current_appraisal(Some(2), Some(&first), None)), Some(1));
        assert_eq!(
            n(current_appraisal(Some(2), Some(&first), Some(&second))),
            Some(2)
        );
        // Between and after the rounds, the latest.
        assert_eq!(
            n(current_appraisal(None, Some(&first), Some(&second))),
            Some(2)
        );
        assert_eq!(n(current_appraisal(None, Some(&first), None)), Some(1));
        assert_eq!(n(current_appraisal(None, None, None)), None);
    }
}
