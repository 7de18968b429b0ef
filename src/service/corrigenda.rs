//! A criteria corrigendum mid-round (đính chính): the Sở Nội vụ publishes a corrected
//! version of a set (a wrong maximum, a reworded leaf, a leaf added or removed) and
//! switches a tier of a running round to it, without restarting the round.
//!
//! Entries of unchanged leaves carry over as they are (entries are kept by leaf code).
//! An entry of a changed leaf is kept, its points worked out again by the new rule from
//! the figures the unit entered (none where they no longer fit it, a judged score above
//! the new maximum say), and the unit asked to review it, the entry as it was shown
//! beside, until it saves the leaf again. Entries of removed leaves stay in the database
//! and the leaf's history but count no more: the totals follow the set's leaves. Allowed
//! until the appraisal starts; after that only while a unit of the tier has a reopening
//! of its self-assessment open. Never after publication. Audited.

use crate::domain::changes::figures;
use crate::domain::criteria::SetDiff;
use crate::domain::deadline::{OverrideKind, Phase};
use crate::domain::{CriteriaSet, Node};
use crate::store::{NewCorrigendum, Revision};

use super::{Context, Result, ServiceError, Who, require_admin};

/// The corrected version to switch a tier to, and why.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct Correction {
    /// The corrected version of the tier's set (the same set code).
    #[schema(max_length = 64)]
    #[validate(length(max = crate::domain::text::limit::CODE))]
    pub set_version: String,
    /// Why: the decision or document that corrects the set.
    #[schema(max_length = 2000)]
    #[validate(length(max = crate::domain::text::limit::REASON))]
    pub reason: String,
}

/// One leaf the corrected version changes, in words.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LeafCorrection {
    pub code: String,
    pub text: String,
    /// «added», «removed» or «changed».
    pub kind: &'static str,
    /// What changed, in words («điểm tối đa 1 → 1,5; nội dung»); empty when added or
    /// removed.
    pub changes: String,
}

/// What a corrigendum does (or did), for the preview and the answer.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CorrigendumPlan {
    pub tier_code: String,
    pub set_code: String,
    pub from_version: String,
    pub to_version: String,
    pub leaves: Vec<LeafCorrection>,
    /// Entries of changed leaves, kept and flagged for their units to review.
    pub entries_to_review: usize,
    /// Units with such entries.
    pub units_to_review: usize,
    /// Entries of removed leaves: kept in the history, out of the totals.
    pub entries_left_out: usize,
    /// Whether it was applied (false for a preview).
    pub applied: bool,
}

/// The leaf's fields that changed, as an official reads them.
fn changes_in_words(before: &Node, after: &Node, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| match *f {
            "max" => format!("điểm tối đa {} → {}", before.max.to_vn(), after.max.to_vn()),
            "text" => "nội dung tiêu chí".into(),
            "method" => "cách chấm".into(),
            "guidance" => "hướng dẫn chấm".into(),
            "evidence" => "tài liệu kiểm chứng yêu cầu".into(),
            "na_allowed" => "quy định không áp dụng".into(),
            other => other.into(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Switches `tier_code` of a round to a corrected version of its set (`dry_run`: says
/// what it would do, changes nothing).
pub async fn correct_set(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    tier_code: &str,
    correction: Correction,
    dry_run: bool,
) -> Result<CorrigendumPlan> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check_fields(&correction)?;
    let reason = correction.reason.trim().to_string();
    let round = store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể đính chính bộ tiêu chí.".into(),
        ));
    }
    let tier = round
        .tiers
        .iter()
        .find(|t| t.tier_code == tier_code)
        .ok_or_else(|| ServiceError::NotFound(format!("khối «{tier_code}» trong kỳ đánh giá")))?;
    let old = store.criteria_set(tier.set_id).await?;
    let version = correction.set_version.trim();
    if version.is_empty() {
        return Err(ServiceError::invalid_field(
            "set_version",
            "Chọn phiên bản đã đính chính của bộ tiêu chí.",
        ));
    }
    let new = match store.criteria_set_by_version(&old.set.code, version).await {
        Ok(new) => new,
        Err(crate::store::StoreError::NotFound(_)) => {
            return Err(ServiceError::invalid_field(
                "set_version",
                format!(
                    "Bộ tiêu chí {} không có phiên bản «{version}»: hãy nhập phiên bản đã đính chính trước (trang Bộ tiêu chí).",
                    old.set.code
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if new.id == old.id {
        return Err(ServiceError::invalid_field(
            "set_version",
            format!("Khối {} đang dùng phiên bản {version}.", tier.tier_name),
        ));
    }
    if new.set.tier != tier_code {
        return Err(ServiceError::invalid_field(
            "set_version",
            format!(
                "Phiên bản {version} viết cho khối «{}», không phải khối {}.",
                new.set.tier, tier.tier_name
            ),
        ));
    }
    if !dry_run && reason.is_empty() {
        return Err(ServiceError::invalid_field(
            "reason",
            "Cần ghi lý do đính chính (văn bản đính chính, số và ngày).",
        ));
    }
    appraisal_not_started(ctx, who, round_id, tier.tier_id, &round).await?;

    let diff = new.set.diff_from(&old.set);
    let plan_leaves = corrections(&new.set, &diff);
    let removed: Vec<&str> = diff.removed.iter().map(|n| n.code.as_str()).collect();
    let mut revisions = Vec::new();
    let mut left_out = 0;
    for unit in store.round_units(round_id, Some(tier.tier_id)).await? {
        let entries = store.self_entries(round_id, unit.id).await?;
        left_out += entries
            .keys()
            .filter(|c| removed.contains(&c.as_str()))
            .count();
        for changed in &diff.changed {
            let Some(entry) = entries.get(&changed.code) else {
                continue;
            };
            let before = if entry.not_applicable {
                format!("đề nghị không áp dụng: {}", entry.na_reason)
            } else {
                let points = entry.points.map_or("chưa có điểm".into(), |p| {
                    format!("{} điểm", p.to_vn())
                });
                match (entry.input, figures(entry.input.as_ref())) {
                    // A judged score is its points: said once.
                    (Some(crate::domain::LeafInput::Judged { .. }), _) => points,
                    (_, f) if f.is_empty() => points,
                    (_, f) => format!("{f}: {points}"),
                }
            };
            let points = if entry.not_applicable {
                None
            } else {
                entry.input.and_then(|i| changed.after.score(i).ok())
            };
            revisions.push(Revision {
                unit_id: unit.id,
                leaf_code: changed.code.clone(),
                changes: changes_in_words(&changed.before, &changed.after, &changed.fields),
                before,
                points,
            });
        }
    }
    let mut units: Vec<i64> = revisions.iter().map(|r| r.unit_id).collect();
    units.dedup();
    let plan = CorrigendumPlan {
        tier_code: tier_code.to_string(),
        set_code: old.set.code.clone(),
        from_version: old.set.version.clone(),
        to_version: new.set.version.clone(),
        leaves: plan_leaves,
        entries_to_review: revisions.len(),
        units_to_review: units.len(),
        entries_left_out: left_out,
        applied: !dry_run,
    };
    if dry_run {
        return Ok(plan);
    }
    let summary = format!(
        "khối {}: {} {} → {} ({} tiêu chí sửa, {} thêm, {} bỏ; {} mục tự chấm cần xem lại)",
        tier.tier_name,
        old.set.code,
        old.set.version,
        new.set.version,
        diff.changed.len(),
        diff.added.len(),
        diff.removed.len(),
        revisions.len()
    );
    let added: Vec<String> = diff.added.iter().map(|n| n.code.clone()).collect();
    let removed_codes: Vec<String> = diff.removed.iter().map(|n| n.code.clone()).collect();
    // Every unit of the tier hears of new and removed leaves; those with entries to
    // review, of those too.
    let told: Vec<i64> = if added.is_empty() && removed_codes.is_empty() {
        units.clone()
    } else {
        store
            .round_units(round_id, Some(tier.tier_id))
            .await?
            .iter()
            .map(|u| u.id)
            .collect()
    };
    store
        .apply_corrigendum(
            &NewCorrigendum {
                round_id,
                tier_id: tier.tier_id,
                old_set_id: old.id,
                new_set_id: new.id,
                reason: reason.clone(),
                summary,
                revisions,
            },
            who.audit(),
            who.now,
        )
        .await?;
    for unit_id in told {
        super::notices::criteria_corrected(
            ctx,
            round_id,
            unit_id,
            (&reason, &added, &removed_codes),
            who.now,
        )
        .await;
    }
    Ok(plan)
}

/// The leaves the corrected version adds, removes and changes, in the new set's order
/// (removed ones last).
fn corrections(new: &CriteriaSet, diff: &SetDiff) -> Vec<LeafCorrection> {
    let mut out = Vec::new();
    for node in new.leaves() {
        if diff.added.iter().any(|a| a.code == node.code) {
            out.push(LeafCorrection {
                code: node.code.clone(),
                text: node.text.clone(),
                kind: "added",
                changes: String::new(),
            });
        } else if let Some(c) = diff.changed.iter().find(|c| c.code == node.code) {
            out.push(LeafCorrection {
                code: node.code.clone(),
                text: node.text.clone(),
                kind: "changed",
                changes: changes_in_words(&c.before, &c.after, &c.fields),
            });
        }
    }
    out.extend(diff.removed.iter().map(|n| LeafCorrection {
        code: n.code.clone(),
        text: n.text.clone(),
        kind: "removed",
        changes: String::new(),
    }));
    out
}

/// Refuses once the appraisal has started (appraisal round 1's window opened), unless a
/// unit of the tier has a reopening of its self-assessment still open.
async fn appraisal_not_started(
    ctx: &Context,
    who: &Who,
    round_id: i64,
    tier_id: i64,
    round: &crate::store::Round,
) -> Result<()> {
    let Some(window) = round.phases.get(&Phase::AppraisalRound1) else {
        return Ok(());
    };
    if who.now < window.opens_at {
        return Ok(());
    }
    let members: Vec<i64> = ctx
        .store
        .round_units(round_id, Some(tier_id))
        .await?
        .iter()
        .map(|u| u.id)
        .collect();
    let reopened = ctx
        .store
        .round_overrides(round_id, Phase::SelfAssessment)
        .await?
        .into_iter()
        .any(|(unit, list)| {
            members.contains(&unit)
                && list
                    .iter()
                    .any(|o| o.kind == OverrideKind::Reopening && o.until > who.now)
        });
    if reopened {
        return Ok(());
    }
    Err(ServiceError::NotYet {
        code: "appraisal_started",
        message: format!(
            "Thẩm định đã bắt đầu ({}): không thể đính chính bộ tiêu chí, trừ khi đơn vị trong khối được mở lại tự chấm điểm.",
            crate::domain::deadline::format_instant(window.opens_at)
        ),
    })
}

/// The corrigenda made in a round, for its page.
pub async fn list(
    ctx: &Context,
    who: &Who,
    round_id: i64,
) -> Result<Vec<crate::store::CorrigendumRow>> {
    require_admin(&who.actor)?;
    ctx.store.round(round_id).await?;
    Ok(ctx.store.corrigenda(round_id).await?)
}

/// A tier of a round with the set version it uses and the other versions of that set it
/// could be switched to.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TierVersions {
    pub tier_code: String,
    pub tier_name: String,
    pub set_code: String,
    pub version: String,
    pub others: Vec<String>,
}

/// What the corrigendum page shows: the tiers and their versions, and what was made.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CorrigendaPage {
    pub round_id: i64,
    pub round_title: String,
    pub published: bool,
    pub tiers: Vec<TierVersions>,
    pub made: Vec<crate::store::CorrigendumRow>,
}

pub async fn page(ctx: &Context, who: &Who, round_id: i64) -> Result<CorrigendaPage> {
    let made = list(ctx, who, round_id).await?;
    let round = ctx.store.round(round_id).await?;
    let mut tiers = Vec::new();
    for t in &round.tiers {
        let current = ctx.store.criteria_set(t.set_id).await?;
        let others = ctx
            .store
            .criteria_sets_for_tier(&t.tier_code)
            .await?
            .into_iter()
            .filter(|(id, code, _, _)| *code == current.set.code && *id != t.set_id)
            .map(|(_, _, version, _)| version)
            .collect();
        tiers.push(TierVersions {
            tier_code: t.tier_code.clone(),
            tier_name: t.tier_name.clone(),
            set_code: current.set.code.clone(),
            version: current.set.version.clone(),
            others,
        });
    }
    Ok(CorrigendaPage {
        round_id,
        round_title: round.title,
        published: round.published_at.is_some(),
        tiers,
        made,
    })
}
