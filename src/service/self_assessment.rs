//! Saving a unit's self-assessment, with every rule checked on the server: the round and
//! the leaf exist for the unit's tier, the input fits the leaf's method, a not-applicable
//! claim is allowed and explained, and the deadline engine lets the unit write now.

use crate::domain::criteria::Method;
use crate::domain::deadline::{Access, Phase, access};
use crate::domain::{Clock, LeafInput};
use crate::store::{NewAudit, SelfInput, Store};

use super::{Result, ServiceError};

/// What a unit officer sends for one leaf.
#[derive(Clone, Debug, Default)]
pub struct LeafSave {
    pub leaf_code: String,
    pub input: Option<LeafInput>,
    pub explanation: String,
    pub not_applicable: bool,
    pub na_reason: String,
    /// The version the writer last saw; `None` for a leaf never saved.
    pub expected_version: Option<i64>,
}

/// Whether the unit may write its self-assessment now, and the sentence that says so.
pub async fn self_assessment_access(
    store: &Store,
    clock: &dyn Clock,
    round_id: i64,
    unit_id: i64,
) -> Result<Access> {
    let round = store.round(round_id).await?;
    let overrides = store
        .overrides(round_id, unit_id, Phase::SelfAssessment)
        .await?;
    Ok(access(
        Phase::SelfAssessment,
        round.phases.get(&Phase::SelfAssessment),
        &overrides,
        clock.now(),
    ))
}

/// Saves one leaf; returns the new version.
pub async fn save_leaf(
    store: &Store,
    clock: &dyn Clock,
    round_id: i64,
    unit_id: i64,
    save: LeafSave,
    audit: NewAudit,
) -> Result<i64> {
    let round = store.round(round_id).await?;
    let unit = store.unit(unit_id).await?;
    let tier = round
        .tiers
        .iter()
        .find(|t| t.tier_id == unit.tier_id)
        .ok_or_else(|| {
            ServiceError::Invalid(format!(
                "Đơn vị {} không tham gia kỳ đánh giá này.",
                unit.name
            ))
        })?;

    let gate = self_assessment_access(store, clock, round_id, unit_id).await?;
    if !gate.open {
        return Err(ServiceError::Locked(gate.message));
    }

    let set = store.criteria_set(tier.set_id).await?.set;
    let node = set
        .node(&save.leaf_code)
        .filter(|n| n.is_leaf())
        .ok_or_else(|| ServiceError::NotFound(format!("tiêu chí thành phần {}", save.leaf_code)))?;
    let leaf = node
        .leaf
        .as_ref()
        .ok_or_else(|| ServiceError::NotFound(save.leaf_code.clone()))?;
    if leaf.method == Method::Survey {
        return Err(ServiceError::Invalid(
            "Tiêu chí này chấm theo kết quả điều tra xã hội học, đơn vị không tự chấm.".into(),
        ));
    }
    let points = if save.not_applicable {
        if !leaf.na_allowed {
            return Err(ServiceError::Invalid(format!(
                "Tiêu chí {} không được khai báo «Không áp dụng».",
                node.code
            )));
        }
        if save.na_reason.trim().is_empty() {
            return Err(ServiceError::Invalid("Cần ghi lý do không áp dụng.".into()));
        }
        None
    } else {
        match save.input {
            Some(input) => Some(
                node.score(input)
                    .map_err(|e| ServiceError::Invalid(e.to_string()))?,
            ),
            None => None,
        }
    };
    let entry = SelfInput {
        leaf_code: node.code.clone(),
        input: if save.not_applicable {
            None
        } else {
            save.input
        },
        points,
        explanation: save.explanation.trim().to_string(),
        not_applicable: save.not_applicable,
        na_reason: save.na_reason.trim().to_string(),
    };
    Ok(store
        .save_self_entry(
            round_id,
            unit_id,
            &entry,
            save.expected_version,
            audit,
            clock.now(),
        )
        .await?)
}
