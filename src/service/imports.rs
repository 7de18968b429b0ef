//! Imports from Excel. Each has a template, a dry run that shows what would change, and
//! all-or-nothing writes: an invalid file changes nothing.

use std::collections::HashMap;

use serde::Serialize;

use super::{Result, ServiceError};
use crate::domain::access::Actor;
use crate::domain::{Clock, Points};
use crate::excel::survey_import::{self, ImportUnit};
use crate::store::{NewAudit, Store};

#[derive(Clone, Debug, Serialize)]
pub struct SurveyChange {
    pub unit_code: String,
    pub unit_name: String,
    pub leaf_code: String,
    pub old: Option<Points>,
    pub new: Points,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportReport {
    /// True when nothing was written (Kiểm tra trước).
    pub dry_run: bool,
    pub changes: Vec<SurveyChange>,
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) mới được nhập dữ liệu.".into(),
        ))
    }
}

/// The units of a round with their survey leaves, by unit code.
async fn round_units(store: &Store, round_id: i64) -> Result<Vec<(String, ImportUnit)>> {
    let round = store.round(round_id).await?;
    let mut out = Vec::new();
    for tier in &round.tiers {
        let set = store.criteria_set(tier.set_id).await?.set;
        let survey_leaves: std::collections::BTreeMap<String, Points> = set
            .leaves()
            .filter(|n| n.is_survey())
            .map(|n| (n.code.clone(), n.max))
            .collect();
        let mut units = store.units(Some(tier.tier_id)).await?;
        crate::domain::collation::sort_vi(&mut units, |u| &u.name);
        for u in units {
            out.push((
                u.code.clone(),
                ImportUnit {
                    id: u.id,
                    name: u.name,
                    survey_leaves: survey_leaves.clone(),
                },
            ));
        }
    }
    Ok(out)
}

/// What the survey template lists: the round's units with their survey leaves.
pub async fn survey_template_units(
    store: &Store,
    actor: &Actor,
    round_id: i64,
) -> Result<Vec<(String, ImportUnit)>> {
    require_admin(actor)?;
    round_units(store, round_id).await
}

/// Checks a survey workbook; unless `dry_run`, writes every score in one transaction.
pub async fn import_survey(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    round_id: i64,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<ImportReport> {
    require_admin(actor)?;
    let round = store.round(round_id).await?;
    if round.published_at.is_some() {
        return Err(ServiceError::Conflict(
            "Kết quả kỳ đánh giá đã công bố; không thể nhập điểm.".into(),
        ));
    }
    let units: HashMap<String, ImportUnit> =
        round_units(store, round_id).await?.into_iter().collect();
    let scores = tokio::task::spawn_blocking(move || survey_import::read(&bytes, &units))
        .await
        .map_err(|e| ServiceError::Invalid(e.to_string()))?
        .map_err(|problems| ServiceError::Invalid(problems.join("\n")))?;
    let existing = store.survey_scores(round_id).await?;
    let changes: Vec<SurveyChange> = scores
        .iter()
        .map(|s| SurveyChange {
            unit_code: s.unit_code.clone(),
            unit_name: s.unit_name.clone(),
            leaf_code: s.leaf_code.clone(),
            old: existing.get(&(s.unit_id, s.leaf_code.clone())).copied(),
            new: s.points,
        })
        .filter(|c| c.old != Some(c.new))
        .collect();
    if !dry_run {
        let rows: Vec<(i64, String, Points)> = scores
            .iter()
            .filter(|s| existing.get(&(s.unit_id, s.leaf_code.clone())) != Some(&s.points))
            .map(|s| (s.unit_id, s.leaf_code.clone(), s.points))
            .collect();
        store
            .set_survey_scores(round_id, &rows, NewAudit::by(actor, address), clock.now())
            .await?;
    }
    Ok(ImportReport { dry_run, changes })
}

/// A stored criteria set, as a workbook; for administrators and viewers.
pub async fn criteria_set_for_export(
    store: &Store,
    actor: &Actor,
    set_id: i64,
) -> Result<crate::domain::CriteriaSet> {
    if !matches!(
        actor.role,
        crate::domain::access::Role::Admin | crate::domain::access::Role::Viewer
    ) {
        return Err(ServiceError::Forbidden(
            "Chỉ quản trị và người xem mới tải được bộ tiêu chí.".into(),
        ));
    }
    Ok(store.criteria_set(set_id).await?.set)
}

#[derive(Clone, Debug, Serialize)]
pub struct CriteriaImport {
    pub code: String,
    pub version: String,
    pub content_hash: String,
    pub leaves: usize,
    /// "dry_run", "created", "replaced" (a draft) or "unchanged".
    pub outcome: &'static str,
}

/// Imports a criteria set from its workbook; a published version never changes.
pub async fn import_criteria(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<CriteriaImport> {
    require_admin(actor)?;
    let (set, text) = tokio::task::spawn_blocking(move || {
        crate::excel::criteria_workbook::import("bo-tieu-chi.xlsx", &bytes)
    })
    .await
    .map_err(|e| ServiceError::Invalid(e.to_string()))?
    .map_err(|problems| ServiceError::Invalid(problems.join("\n")))?;
    let outcome = if dry_run {
        "dry_run"
    } else {
        match store
            .import_criteria_set(&set, &text, NewAudit::by(actor, address), clock.now())
            .await?
        {
            crate::store::ImportOutcome::Created(_) => "created",
            crate::store::ImportOutcome::Replaced(_) => "replaced",
            crate::store::ImportOutcome::Unchanged(_) => "unchanged",
        }
    };
    Ok(CriteriaImport {
        leaves: set.leaves().count(),
        content_hash: set.content_hash(),
        code: set.code,
        version: set.version,
        outcome,
    })
}
