//! A unit of the directory seen on its own: the rounds it takes part in, and its
//! retirement (ngừng hoạt động) when it is merged or dissolved, or its return. A retired
//! unit stays, under the name it had, in every round it is a member of; it joins no new
//! round and can no longer be added to one. Both changes need a reason and are audited.

use serde::{Deserialize, Serialize};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::text::{limit, multiline};
use crate::store::{NewAudit, Unit, UnitRound};

/// A unit, its tier's name, and the rounds it is a member of (newest first).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitPage {
    pub unit: Unit,
    pub tier_name: String,
    pub rounds: Vec<UnitRound>,
}

/// A unit's page, for administrators.
pub async fn unit_page(ctx: &Context, who: &Who, unit_id: i64) -> Result<UnitPage> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let unit = store.unit(unit_id).await?;
    let tier_name = store
        .tiers()
        .await?
        .into_iter()
        .find(|t| t.id == unit.tier_id)
        .map(|t| t.name)
        .unwrap_or_default();
    let rounds = store.unit_rounds(unit_id).await?;
    Ok(UnitPage {
        unit,
        tier_name,
        rounds,
    })
}

/// Why a unit is retired or brought back.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct StatusChange {
    /// The reason, e.g. «Sáp nhập vào UBND phường Ninh Kiều theo Nghị quyết 1668/NQ-UBTVQH15» (required).
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
}

/// Retires a unit (`active` false) or brings it back (`active` true).
pub async fn set_active(
    ctx: &Context,
    who: &Who,
    unit_id: i64,
    active: bool,
    change: StatusChange,
) -> Result<()> {
    require_admin(&who.actor)?;
    super::check(&change)?;
    let unit = ctx.store.unit(unit_id).await?;
    let reason = change.reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::invalid_field(
            "reason",
            if active {
                "Cần ghi lý do cho đơn vị hoạt động trở lại."
            } else {
                "Cần ghi lý do đơn vị ngừng hoạt động (ví dụ: sáp nhập, giải thể, theo quyết định nào)."
            },
        ));
    }
    let entry = NewAudit {
        action: if active {
            "unit.restore"
        } else {
            "unit.retire"
        }
        .into(),
        unit_id: Some(unit.id),
        new_value: Some(format!("{} ({}); lý do: {reason}", unit.name, unit.code)),
        ..who.audit()
    };
    if ctx
        .store
        .set_unit_active(unit.id, active, entry, who.now)
        .await?
    {
        Ok(())
    } else {
        Err(ServiceError::Conflict(if active {
            format!("{} đang hoạt động.", unit.name)
        } else {
            format!("{} đã ngừng hoạt động.", unit.name)
        }))
    }
}

/// The units retired from the directory, in Vietnamese order, for administrators.
pub async fn retired(ctx: &Context, who: &Who) -> Result<Vec<Unit>> {
    require_admin(&who.actor)?;
    let mut units: Vec<Unit> = (ctx.store.all_units().await?.into_iter())
        .filter(|u| u.active == 0)
        .collect();
    crate::domain::collation::sort_vi(&mut units, |u| &u.name);
    Ok(units)
}
