//! A unit of the directory seen on its own: the rounds it takes part in, and its
//! retirement (ngừng hoạt động) when it is merged or dissolved, or its return. A retired
//! unit stays, under the name it had, in every round it is a member of; it joins no new
//! round and can no longer be added to one. Both changes need a reason and are audited.

use serde::{Deserialize, Serialize};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::collation::sort_vi;
use crate::domain::text::{limit, multiline};
use crate::store::{NewAudit, Unit, UnitRound};

/// A unit, its tier's name, and the rounds it is a member of (newest first).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UnitPage {
    pub unit: Unit,
    pub tier_name: String,
    pub rounds: Vec<UnitRound>,
    /// The units it was formed from (đơn vị tiền thân), in Vietnamese name order.
    pub predecessors: Vec<Unit>,
    /// The units formed from it, in Vietnamese name order.
    pub successors: Vec<Unit>,
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
    let mut predecessors = store.predecessors(unit_id).await?;
    sort_vi(&mut predecessors, |u| &u.name);
    let successor_ids: Vec<i64> = (store.all_predecessors().await?.into_iter())
        .filter(|(_, p)| *p == unit_id)
        .map(|(u, _)| u)
        .collect();
    let mut successors = store.units_by_id(&successor_ids).await?;
    sort_vi(&mut successors, |u| &u.name);
    Ok(UnitPage {
        unit,
        tier_name,
        rounds,
        predecessors,
        successors,
    })
}

/// The units a unit was formed from, by their codes.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PredecessorsChange {
    /// The predecessors' unit codes (none: formed from no other unit).
    pub predecessors: Vec<String>,
}

/// Records the units `unit_id` was formed from (replacing what was recorded), audited.
/// Each code must name another unit of the directory, and no unit may come, directly or
/// through others, from itself.
pub async fn set_predecessors(
    ctx: &Context,
    who: &Who,
    unit_id: i64,
    change: PredecessorsChange,
) -> Result<()> {
    require_admin(&who.actor)?;
    let store = &ctx.store;
    let unit = store.unit(unit_id).await?;
    let refused = |message: String| ServiceError::invalid_field("predecessors", message);
    let mut chosen: Vec<Unit> = Vec::new();
    for code in change
        .predecessors
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        crate::service::check_field("predecessors", crate::domain::text::one_line(code))?;
        let p = match store.unit_by_code(code).await {
            Ok(p) => p,
            Err(crate::store::StoreError::NotFound(_)) => {
                return Err(refused(format!(
                    "Không có đơn vị mã «{code}» trong danh mục."
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if p.id == unit.id {
            return Err(refused(format!(
                "{} không thể là đơn vị tiền thân của chính nó.",
                unit.name
            )));
        }
        if !chosen.iter().any(|c| c.id == p.id) {
            chosen.push(p);
        }
    }
    // No circle: none of the chosen may come, through its own predecessors, from this one.
    let pairs = store.all_predecessors().await?;
    for p in &chosen {
        let (mut seen, mut todo) = (std::collections::HashSet::new(), vec![p.id]);
        while let Some(id) = todo.pop() {
            if id == unit.id {
                return Err(refused(format!(
                    "{} được hình thành từ {} (trực tiếp hoặc qua đơn vị khác), nên không thể là đơn vị tiền thân của nó.",
                    p.name, unit.name
                )));
            }
            if seen.insert(id) {
                todo.extend(pairs.iter().filter(|(u, _)| *u == id).map(|(_, q)| *q));
            }
        }
    }
    let old = store.predecessors(unit.id).await?;
    let names = |units: &[Unit]| {
        if units.is_empty() {
            "không có".to_string()
        } else {
            units
                .iter()
                .map(|u| format!("{} ({})", u.name, u.code))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let entry = NewAudit {
        old_value: Some(names(&old)),
        new_value: Some(names(&chosen)),
        ..who.audit()
    };
    let ids: Vec<i64> = chosen.iter().map(|u| u.id).collect();
    store
        .set_predecessors(unit.id, &ids, entry, who.now)
        .await?;
    Ok(())
}

/// Why a unit is retired or brought back.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct StatusChange {
    /// The reason, e.g. «Sáp nhập vào UBND phường Ninh Kiều theo Nghị quyết 1668/NQ-UBTVQH15» (required).
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
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
