//! The administrator's set-up: tiers, units, users and appraisers' scopes. Each change is
//! audited.

use crate::domain::access::Role;
use crate::domain::collation::sort_vi;
use crate::store::{NewAudit, Tier, Unit, User};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::text::{limit, one_line};

pub(super) fn required(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(ServiceError::Invalid(format!("Cần nhập {what}.")))
    } else {
        Ok(v.to_string())
    }
}

async fn audit(ctx: &Context, who: &Who, action: &str, value: String) -> Result<()> {
    let store = &ctx.store;
    let entry = NewAudit {
        action: action.into(),
        new_value: Some(value),
        ..who.audit()
    };
    Ok(store.append_audit(entry, who.now).await?)
}

/// A tier (khối) as the administrator types it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct NewTier {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub code: String,
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub name: String,
    /// Its place in lists and exports.
    #[serde(default)]
    pub position: i64,
}

/// Creates a tier or renames it.
pub async fn save_tier(ctx: &Context, who: &Who, tier: NewTier) -> Result<i64> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&tier)?;
    let code = required(&tier.code, "mã khối")?;
    let name = required(&tier.name, "tên khối")?;
    let id = store.upsert_tier(&code, &name, tier.position).await?;
    audit(ctx, who, "tier.save", format!("{code}: {name}")).await?;
    Ok(id)
}

/// A unit as the administrator types it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct NewUnit {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub code: String,
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub name: String,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: String,
}

/// Creates a unit or updates its name and tier.
pub async fn save_unit(ctx: &Context, who: &Who, unit: NewUnit) -> Result<i64> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&unit)?;
    let code = required(&unit.code, "mã đơn vị")?;
    let name = required(&unit.name, "tên đơn vị")?;
    let tier_code = unit.tier_code.trim();
    let id = store.upsert_unit(&code, &name, tier_code).await?;
    audit(
        ctx,
        who,
        "unit.save",
        format!("{code}: {name} ({tier_code})"),
    )
    .await?;
    Ok(id)
}

/// A new account, with its password.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct NewUser {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub username: String,
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub display_name: String,
    /// admin, officer, head, appraiser or viewer.
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub role: String,
    /// Code of the unit of an officer or head.
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub unit_code: Option<String>,
    #[validate(length(max = limit::PASSWORD), custom(function = one_line))]
    pub password: String,
}

pub async fn create_user(ctx: &Context, who: &Who, new: NewUser) -> Result<i64> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    super::check(&new)?;
    let username = required(&new.username, "tên đăng nhập")?.to_lowercase();
    if !crate::domain::access::valid_username(&username) {
        return Err(ServiceError::Invalid(format!(
            "Tên đăng nhập «{username}» cần 3–64 ký tự gồm chữ thường không dấu, chữ số và . _ - @."
        )));
    }
    if store.username_taken(&username).await? {
        return Err(ServiceError::Conflict(format!(
            "tên đăng nhập «{username}» đã có người dùng"
        )));
    }
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
        .create_user(&username, &display_name, role.as_str(), unit_id, who.now)
        .await?;
    store.set_password_hash(id, &hash).await?;
    audit(
        ctx,
        who,
        "user.create",
        format!("{username} ({})", role.label()),
    )
    .await?;
    Ok(id)
}

/// What an appraiser may appraise: a unit, an area, or both (unset means every one).
#[derive(Clone, Debug, Default, validator::Validate)]
pub struct Scope {
    pub unit_id: Option<i64>,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub area_code: Option<String>,
}

/// Limits an appraiser to a unit and/or an area (each scope widens what they may appraise).
pub async fn add_scope(ctx: &Context, who: &Who, user_id: i64, scope: Scope) -> Result<()> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&scope)?;
    let Scope { unit_id, area_code } = scope;
    let target = store.actor(user_id).await?;
    if target.role != Role::Appraiser {
        return Err(ServiceError::Invalid(
            "Chỉ giới hạn phạm vi cho thành viên thẩm định.".into(),
        ));
    }
    let area_code = area_code
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    store
        .add_appraiser_scope(user_id, unit_id, area_code)
        .await?;
    audit(
        ctx,
        who,
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
pub async fn directory(ctx: &Context, who: &Who) -> Result<(Vec<Tier>, Vec<Unit>, Vec<User>)> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let mut units = store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    Ok((store.tiers().await?, units, store.users().await?))
}

/// The audit log as filtered, and every unit (Vietnamese order) to filter by; for
/// administrators.
pub async fn audit_log(
    ctx: &Context,
    who: &Who,
    filter: &crate::store::AuditFilter,
) -> Result<(Vec<crate::store::AuditEntry>, Vec<Unit>)> {
    require_admin(&who.actor)?;
    let entries = ctx.store.audit_log(filter).await?;
    let mut units = ctx.store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    Ok((entries, units))
}
