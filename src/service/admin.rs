//! The administrator's set-up: tiers, units, users and appraisers' scopes. Each change is
//! audited.

use crate::domain::Clock;
use crate::domain::access::{Actor, Role};
use crate::domain::collation::sort_vi;
use crate::store::{NewAudit, Store, Tier, Unit, User};

use super::{Result, ServiceError, require_admin};

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

/// A new round as the administrator describes it; dates the Vietnamese way.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RoundSpec {
    pub year: i64,
    pub title: String,
    #[serde(default)]
    pub tie_break: crate::domain::results::TieBreak,
    pub sets: Vec<SetPin>,
    pub phases: Vec<PhaseSpec>,
    #[serde(default)]
    pub bands: Vec<BandSpec>,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct SetPin {
    pub tier_code: String,
    pub set_code: String,
    pub set_version: String,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct PhaseSpec {
    pub phase: crate::domain::deadline::Phase,
    /// "01/12/2023" (start of that day) or "01/12/2023 08:00", Vietnam time.
    pub opens: String,
    /// "07/01/2024" (end of that day) or "07/01/2024 17:00", Vietnam time.
    pub closes: String,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct BandSpec {
    pub tier_code: String,
    pub label: String,
    pub min_index: crate::domain::Percent,
}

fn window(spec: &PhaseSpec) -> Result<crate::domain::deadline::Window> {
    use crate::domain::deadline::{parse_deadline, parse_opening};
    let bad = |s: &str| {
        ServiceError::Invalid(format!(
            "«{s}» không phải là ngày giờ hợp lệ; nhập dd/mm/yyyy hoặc dd/mm/yyyy hh:mm."
        ))
    };
    Ok(crate::domain::deadline::Window {
        opens_at: parse_opening(&spec.opens).ok_or_else(|| bad(&spec.opens))?,
        closes_at: parse_deadline(&spec.closes).ok_or_else(|| bad(&spec.closes))?,
    })
}

/// Creates a round; the set versions it pins are published from then on.
pub async fn create_round(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    spec: RoundSpec,
) -> Result<i64> {
    require_admin(actor)?;
    let title = required(&spec.title, "tên kỳ đánh giá")?;
    let mut sets = Vec::new();
    for pin in &spec.sets {
        let stored = store
            .criteria_set_by_version(&pin.set_code, &pin.set_version)
            .await?;
        sets.push((pin.tier_code.clone(), stored.id));
    }
    let mut phases = Vec::new();
    for p in &spec.phases {
        phases.push((p.phase, window(p)?));
    }
    let mut bands: Vec<(String, Vec<crate::domain::results::Band>)> = Vec::new();
    for b in &spec.bands {
        let band = crate::domain::results::Band {
            label: b.label.trim().to_string(),
            min_index: b.min_index,
        };
        match bands.iter_mut().find(|(t, _)| *t == b.tier_code) {
            Some((_, list)) => list.push(band),
            None => bands.push((b.tier_code.clone(), vec![band])),
        }
    }
    let round = crate::store::NewRound {
        year: spec.year,
        title,
        tie_break: spec.tie_break,
        sets,
        phases,
        bands,
    };
    Ok(store
        .create_round(&round, NewAudit::by(actor, address), clock.now())
        .await?)
}

/// Moves a phase's window for everyone (per-unit changes are extensions and reopenings).
pub async fn set_phase(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    address: &str,
    round_id: i64,
    spec: PhaseSpec,
) -> Result<()> {
    require_admin(actor)?;
    let w = window(&spec)?;
    Ok(store
        .set_phase(
            round_id,
            spec.phase,
            w,
            NewAudit::by(actor, address),
            clock.now(),
        )
        .await?)
}
