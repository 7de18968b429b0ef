//! The administrator's set-up: tiers, units, users and appraisers' scopes. Each change is
//! audited.

use crate::domain::Clock;
use crate::domain::access::{Actor, Role};
use crate::domain::collation::sort_vi;
use crate::store::{NewAudit, Store, Tier, Unit, User};

use super::{Result, ServiceError};

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "Chỉ quản trị (Sở Nội vụ) mới được thực hiện thao tác này.".into(),
        ))
    }
}

fn required(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(ServiceError::Invalid(format!("Cần nhập {what}.")))
    } else {
        Ok(v.to_string())
    }
}

async fn audit(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    action: &str,
    value: String,
) -> Result<()> {
    let entry = NewAudit {
        action: action.into(),
        new_value: Some(value),
        ..NewAudit::by(actor, address)
    };
    Ok(store.append_audit(entry, clock.now()).await?)
}

/// Creates a tier or renames it.
pub async fn save_tier(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    code: &str,
    name: &str,
    position: i64,
) -> Result<i64> {
    require_admin(actor)?;
    let (code, name) = (required(code, "mã khối")?, required(name, "tên khối")?);
    let id = store.upsert_tier(&code, &name, position).await?;
    audit(
        store,
        clock,
        actor,
        address,
        "tier.save",
        format!("{code}: {name}"),
    )
    .await?;
    Ok(id)
}

/// Creates a unit or updates its name and tier.
pub async fn save_unit(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    code: &str,
    name: &str,
    tier_code: &str,
) -> Result<i64> {
    require_admin(actor)?;
    let (code, name) = (required(code, "mã đơn vị")?, required(name, "tên đơn vị")?);
    let id = store.upsert_unit(&code, &name, tier_code.trim()).await?;
    audit(
        store,
        clock,
        actor,
        address,
        "unit.save",
        format!("{code}: {name} ({tier_code})"),
    )
    .await?;
    Ok(id)
}

/// A new account, with its password.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Code of the unit of an officer or head.
    pub unit_code: Option<String>,
    pub password: String,
}

pub async fn create_user(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    new: NewUser,
) -> Result<i64> {
    require_admin(actor)?;
    let username = required(&new.username, "tên đăng nhập")?;
    let display_name = required(&new.display_name, "họ tên")?;
    let role = Role::parse(new.role.trim()).ok_or_else(|| {
        ServiceError::Invalid(
            "Vai trò phải là một trong: admin, officer, head, appraiser, viewer.".into(),
        )
    })?;
    let unit_code = new
        .unit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let unit_id = match (unit_code, role.is_unit_role()) {
        (Some(code), true) => Some(store.unit_by_code(code).await?.id),
        (None, true) => {
            return Err(ServiceError::Invalid(
                "Cán bộ và thủ trưởng đơn vị cần chọn đơn vị.".into(),
            ));
        }
        (Some(_), false) => {
            return Err(ServiceError::Invalid(
                "Chỉ cán bộ và thủ trưởng đơn vị mới gắn với một đơn vị.".into(),
            ));
        }
        (None, false) => None,
    };
    let hash = super::auth::hash_password(&new.password).await?;
    let id = store
        .create_user(
            &username,
            &display_name,
            role.as_str(),
            unit_id,
            clock.now(),
        )
        .await?;
    store.set_password_hash(id, &hash).await?;
    audit(
        store,
        clock,
        actor,
        address,
        "user.create",
        format!("{username} ({})", role.label()),
    )
    .await?;
    Ok(id)
}

/// Limits an appraiser to a unit and/or an area (each scope widens what they may appraise).
pub async fn add_scope(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    user_id: i64,
    unit_id: Option<i64>,
    area_code: Option<&str>,
) -> Result<()> {
    require_admin(actor)?;
    let target = store.actor(user_id).await?;
    if target.role != Role::Appraiser {
        return Err(ServiceError::Invalid(
            "Chỉ giới hạn phạm vi cho thành viên thẩm định.".into(),
        ));
    }
    let area_code = area_code.map(str::trim).filter(|a| !a.is_empty());
    store
        .add_appraiser_scope(user_id, unit_id, area_code)
        .await?;
    audit(
        store,
        clock,
        actor,
        address,
        "user.scope",
        format!(
            "{}: đơn vị {}, lĩnh vực {}",
            target.username,
            unit_id.map_or("mọi".into(), |u| format!("#{u}")),
            area_code.unwrap_or("mọi")
        ),
    )
    .await
}

/// Tiers, units (Vietnamese order) and users, for the administrator.
pub async fn directory(store: &Store, actor: &Actor) -> Result<(Vec<Tier>, Vec<Unit>, Vec<User>)> {
    require_admin(actor)?;
    let mut units = store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    Ok((store.tiers().await?, units, store.users().await?))
}
