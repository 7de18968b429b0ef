//! The administrator's set-up: tiers, units, users and appraisers' scopes. Each change is
//! audited.

use crate::domain::access::Role;
use crate::domain::collation::sort_vi;
use crate::store::{NewAudit, Tier, Unit, User};

use super::{Context, Result, ServiceError, Who, require_admin};
use crate::domain::text::{limit, one_line};

/// The value of `field`, trimmed; empty, a refusal naming the field (`what` in words).
pub(super) fn required(field: &'static str, value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        Err(ServiceError::invalid_field(
            field,
            format!("Cần nhập {what}."),
        ))
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
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub code: String,
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
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
    super::check_fields(&tier)?;
    let code = required("code", &tier.code, "mã khối")?;
    let name = required("name", &tier.name, "tên khối")?;
    let id = store.upsert_tier(&code, &name, tier.position).await?;
    audit(ctx, who, "tier.save", format!("{code}: {name}")).await?;
    Ok(id)
}

/// A unit as the administrator types it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct NewUnit {
    #[schema(
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub code: String,
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub name: String,
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: String,
    /// For a new unit: whether it joins the rounds still open to changes that rank its
    /// tier (see [`super::members::joinable`]); absent: it does. A unit never joins a
    /// round whose self-assessment has closed this way.
    #[serde(default)]
    pub join_open_rounds: Option<bool>,
}

/// Creates a unit or updates its name and tier. A new unit joins the rounds still open to
/// changes unless asked not to; an existing one keeps its rounds (and its tier in them).
pub async fn save_unit(ctx: &Context, who: &Who, unit: NewUnit) -> Result<i64> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check_fields(&unit)?;
    let code = required("code", &unit.code, "mã đơn vị")?;
    let name = required("name", &unit.name, "tên đơn vị")?;
    let tier_code = unit.tier_code.trim();
    // A code typed in another case is the stored unit's («so-01» is «SO-01»).
    let (code, is_new) = match store.unit_by_code(&code).await {
        Ok(stored) => (stored.code, false),
        Err(crate::store::StoreError::NotFound(_)) => (code, true),
        Err(e) => return Err(e.into()),
    };
    let id = store.upsert_unit(&code, &name, tier_code).await?;
    audit(
        ctx,
        who,
        "unit.save",
        format!("{code}: {name} ({tier_code})"),
    )
    .await?;
    if is_new && unit.join_open_rounds.unwrap_or(true) {
        super::members::join_open_rounds(ctx, who, id).await?;
    }
    Ok(id)
}

/// A new account. Without a role it is a viewer («Chỉ xem»), the least a role may do;
/// without a password one is made. Either way the password is the administrator's
/// choice, not the user's: it must be changed at the first sign-in.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct NewUser {
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub username: String,
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub display_name: String,
    /// admin, officer, head, appraiser or viewer; viewer when absent.
    #[schema(value_type = Option<crate::domain::access::Role>)]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub role: Option<String>,
    /// Code of the unit of an officer or head.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub unit_code: Option<String>,
    /// Code of the appraising department (cơ quan thẩm định) an appraiser belongs to:
    /// they appraise what each round assigns to it.
    #[serde(default)]
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub department_code: Option<String>,
    /// The first password; absent: one is made and returned once.
    #[schema(max_length = 256, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::PASSWORD), custom(function = one_line))]
    pub password: Option<String>,
    /// Where notices are e-mailed; absent or empty: in the app only.
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::EMAIL), custom(function = one_line))]
    pub email: Option<String>,
}

/// An account created: its id, and the first password when the server made it (shown
/// once, never stored in clear).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub id: i64,
    pub first_password: Option<String>,
}

/// An e-mail address as typed: none when empty, refused (beside the `email` field) when it
/// is not one a message can be sent to.
pub(crate) fn email_of(text: Option<&str>) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match crate::domain::text::is_email_address(text) {
        true => Ok(Some(text.to_string())),
        false => Err(ServiceError::invalid_field(
            "email",
            format!(
                "«{text}» không phải là địa chỉ thư điện tử (ví dụ: nguyenvana@cantho.gov.vn)."
            ),
        )),
    }
}

fn parse_role(text: &str) -> Result<Role> {
    Role::parse(text.trim()).ok_or_else(|| {
        ServiceError::invalid_field(
            "role",
            "Vai trò phải là một trong: admin, officer, head, appraiser, viewer.",
        )
    })
}

/// The unit an account of `role` belongs to, from the code typed: officers and heads
/// need one, nobody else may have one.
async fn unit_for(ctx: &Context, role: Role, unit_code: Option<&str>) -> Result<Option<i64>> {
    let unit_code = unit_code.map(str::trim).filter(|c| !c.is_empty());
    match (unit_code, role.is_unit_role()) {
        (Some(code), true) => Ok(Some(ctx.store.unit_by_code(code).await?.id)),
        (None, true) => Err(ServiceError::invalid_field(
            "unit_code",
            "Cán bộ và thủ trưởng đơn vị cần chọn đơn vị.",
        )),
        (Some(_), false) => Err(ServiceError::invalid_field(
            "unit_code",
            "Chỉ cán bộ và thủ trưởng đơn vị mới gắn với một đơn vị.",
        )),
        (None, false) => Ok(None),
    }
}

/// The appraising department an account of `role` belongs to, from the code typed: only
/// appraisers have one, and it is a unit of the directory still active. `None` typed
/// keeps `kept` (an edit that does not name it).
async fn department_for(
    ctx: &Context,
    role: Role,
    typed: Option<&str>,
    kept: Option<i64>,
) -> Result<Option<i64>> {
    let Some(code) = typed.map(str::trim) else {
        return Ok(kept.filter(|_| role == Role::Appraiser));
    };
    if code.is_empty() {
        return Ok(None);
    }
    if role != Role::Appraiser {
        return Err(ServiceError::invalid_field(
            "department_code",
            "Chỉ thành viên thẩm định mới thuộc một cơ quan thẩm định.",
        ));
    }
    let unit = ctx.store.unit_by_code(code).await.map_err(|_| {
        ServiceError::invalid_field(
            "department_code",
            format!("Không có đơn vị mã «{code}» trong danh mục."),
        )
    })?;
    if unit.active == 0 {
        return Err(ServiceError::invalid_field(
            "department_code",
            format!("{} đã ngừng hoạt động.", unit.name),
        ));
    }
    Ok(Some(unit.id))
}

pub async fn create_user(ctx: &Context, who: &Who, new: NewUser) -> Result<CreatedUser> {
    let store = &ctx.store;
    let actor = &who.actor;
    require_admin(actor)?;
    super::check_fields(&new)?;
    let username = required("username", &new.username, "tên đăng nhập")?.to_lowercase();
    if !crate::domain::access::valid_username(&username) {
        return Err(ServiceError::invalid_field(
            "username",
            format!(
                "Tên đăng nhập «{username}» cần 3–64 ký tự gồm chữ thường không dấu, chữ số và . _ - @."
            ),
        ));
    }
    if store.username_taken(&username).await? {
        return Err(ServiceError::Conflict(format!(
            "Tên đăng nhập «{username}» đã có người dùng: hãy chọn tên khác."
        )));
    }
    let display_name = required("display_name", &new.display_name, "họ tên")?;
    let role = match new.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(text) => parse_role(text)?,
        None => Role::Viewer,
    };
    let unit_id = unit_for(ctx, role, new.unit_code.as_deref()).await?;
    let department = department_for(ctx, role, new.department_code.as_deref(), None).await?;
    let email = email_of(new.email.as_deref())?;
    let given = new.password.as_deref().filter(|p| !p.is_empty());
    let first_password = match given {
        Some(_) => None,
        None => Some(super::imports::first_password()?),
    };
    let password = given.or(first_password.as_deref()).unwrap_or_default();
    let hash = super::auth::hash_password(password).await?;
    let id = store
        .create_user(&username, &display_name, role.as_str(), unit_id, who.now)
        .await?;
    store.set_password_hash(id, &hash, true).await?;
    if email.is_some() {
        store.set_user_email(id, email.as_deref()).await?;
    }
    let mut said = format!("{username} ({})", role.label());
    if let Some(department) = department {
        store.set_user_department(id, Some(department)).await?;
        let name = store.unit(department).await?.name;
        said.push_str(&format!(", cơ quan thẩm định {name}"));
    }
    audit(ctx, who, "user.create", said).await?;
    Ok(CreatedUser { id, first_password })
}

/// An account as the administrator edits it: everything but its username and password.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, validator::Validate)]
pub struct UserEdit {
    #[schema(
        max_length = 255,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    #[validate(length(max = limit::NAME), custom(function = one_line))]
    pub display_name: String,
    /// admin, officer, head, appraiser or viewer.
    #[schema(value_type = crate::domain::access::Role)]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub role: String,
    /// Code of the unit of an officer or head.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub unit_code: Option<String>,
    /// The last day the account may be used («31/03/2025», Vietnam time); empty: no end.
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub valid_until: Option<String>,
    /// Whether the account may sign in; a disabled account's sessions end.
    pub active: bool,
    /// Code of an appraiser's department (cơ quan thẩm định); absent: left as it is;
    /// empty: none.
    #[serde(default)]
    #[schema(max_length = 64, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub department_code: Option<String>,
    /// Where notices are e-mailed; absent: left as it is; empty: none (in the app only).
    #[schema(max_length = 254, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    #[validate(length(max = limit::EMAIL), custom(function = one_line))]
    pub email: Option<String>,
}

/// Changes an account. Administrators cannot disable themselves or take away their own
/// role: the province would be left without anyone to undo it.
pub async fn update_user(ctx: &Context, who: &Who, id: i64, edit: UserEdit) -> Result<()> {
    let (update, entry) = checked_edit(ctx, who, id, &edit).await?;
    Ok(ctx.store.update_user(id, &update, entry, who.now).await?)
}

/// Whether `edit` would be accepted, without saving it: a form can then ask to confirm a
/// disabling only once nothing else in it is wrong.
pub async fn check_user_edit(ctx: &Context, who: &Who, id: i64, edit: &UserEdit) -> Result<()> {
    checked_edit(ctx, who, id, edit).await.map(|_| ())
}

async fn checked_edit(
    ctx: &Context,
    who: &Who,
    id: i64,
    edit: &UserEdit,
) -> Result<(crate::store::UserUpdate, crate::store::NewAudit)> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(edit)?;
    let old = store.user(id).await?;
    let display_name = required("display_name", &edit.display_name, "họ tên")?;
    let role = parse_role(&edit.role)?;
    if id == who.actor.user_id && (!edit.active || role != Role::Admin) {
        return Err(ServiceError::Invalid(
            "Không thể tự khóa tài khoản của mình hay bỏ vai trò quản trị của mình.".into(),
        ));
    }
    let unit_id = unit_for(ctx, role, edit.unit_code.as_deref()).await?;
    let department_id = department_for(
        ctx,
        role,
        edit.department_code.as_deref(),
        old.department_unit_id,
    )
    .await?;
    let department = async |id: Option<i64>| -> Result<String> {
        Ok(match id {
            Some(id) => format!(", cơ quan thẩm định {}", store.unit(id).await?.name),
            None => String::new(),
        })
    };
    let (old_department, new_department) = (
        department(old.department_unit_id).await?,
        department(department_id).await?,
    );
    let expires_at = match edit.valid_until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            crate::domain::deadline::parse_deadline_or_explain(text)
                .map_err(ServiceError::Invalid)?
                .timestamp(),
        ),
    };
    if id == who.actor.user_id && expires_at.is_some_and(|t| t < who.now.timestamp()) {
        return Err(ServiceError::Invalid(
            "Không thể đặt hạn tài khoản của chính mình vào ngày đã qua.".into(),
        ));
    }
    let until = |t: Option<i64>| {
        t.map_or("không thời hạn".to_string(), |t| {
            crate::domain::deadline::vn_date(t)
                .format("%d/%m/%Y")
                .to_string()
        })
    };
    let old_role = Role::parse(&old.role).map_or(old.role.clone(), |r| r.label().to_string());
    let state = |active: bool| if active { "đang dùng" } else { "đã khóa" };
    let email = match edit.email.as_deref() {
        None => old.email.clone(),
        Some(text) => email_of(Some(text))?,
    };
    let mail = |e: &Option<String>| e.clone().unwrap_or_else(|| "không có thư điện tử".into());
    let entry = crate::store::NewAudit {
        action: "user.update".into(),
        old_value: Some(format!(
            "{}: {}, {}{old_department}, hiệu lực đến {}, {}, {}",
            old.username,
            old.display_name,
            old_role,
            until(old.expires_at),
            state(old.active != 0),
            mail(&old.email)
        )),
        new_value: Some(format!(
            "{}: {}, {}{new_department}, hiệu lực đến {}, {}, {}",
            old.username,
            display_name,
            role.label(),
            until(expires_at),
            state(edit.active),
            mail(&email)
        )),
        ..who.audit()
    };
    let update = crate::store::UserUpdate {
        display_name,
        role: role.as_str().to_string(),
        unit_id,
        department_id,
        expires_at,
        active: edit.active,
        email,
    };
    Ok((update, entry))
}

/// An administrator resets a user's password to one made here, returned to be shown once;
/// the user's sessions end and they must change it at their next sign-in.
pub async fn reset_password(ctx: &Context, who: &Who, user_id: i64) -> Result<String> {
    require_admin(&who.actor)?;
    let password = super::imports::first_password()?;
    super::auth::reset_password(ctx, who, user_id, &password).await?;
    Ok(password)
}

/// What an appraiser may appraise: a unit, a whole tier, an area, or a unit or tier with
/// an area (unset means every one).
#[derive(Clone, Debug, Default, validator::Validate)]
pub struct Scope {
    pub unit_id: Option<i64>,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub tier_code: Option<String>,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub area_code: Option<String>,
}

/// The scope typed, checked: what it names exists, and it names a unit or a tier, not
/// both. Returns (unit, tier, area).
async fn scope_parts(
    ctx: &Context,
    scope: &Scope,
    removing: bool,
) -> Result<(Option<i64>, Option<i64>, Option<String>)> {
    let filled = crate::domain::text::filled;
    let area_code = filled(&scope.area_code);
    let tier_id = match filled(&scope.tier_code) {
        Some(code) => Some(ctx.store.tier_by_code(&code).await?.id),
        None => None,
    };
    if scope.unit_id.is_some() && tier_id.is_some() {
        return Err(ServiceError::Invalid(
            "Chọn một đơn vị hoặc cả một khối, không chọn cả hai.".into(),
        ));
    }
    if let Some(unit_id) = scope.unit_id
        && !ctx.store.all_units().await?.iter().any(|u| u.id == unit_id)
    {
        return Err(ServiceError::NotFound(format!("đơn vị #{unit_id}")));
    }
    // Adding a row that names nothing would mean «every unit»: refused. An old such row
    // may still be removed.
    if !removing && scope.unit_id.is_none() && tier_id.is_none() && area_code.is_none() {
        return Err(ServiceError::Invalid(
            "Chọn đơn vị, khối hoặc lĩnh vực cần giới hạn.".into(),
        ));
    }
    Ok((scope.unit_id, tier_id, area_code))
}

fn scope_text(username: &str, unit: Option<i64>, tier: Option<&str>, area: Option<&str>) -> String {
    let place = match (unit, tier) {
        (Some(u), _) => format!("đơn vị #{u}"),
        (None, Some(t)) => format!("cả khối {t}"),
        (None, None) => "mọi đơn vị".into(),
    };
    format!("{username}: {place}, lĩnh vực {}", area.unwrap_or("mọi"))
}

/// Limits an appraiser to a unit, a tier and/or an area (each scope widens what they may
/// appraise).
pub async fn add_scope(ctx: &Context, who: &Who, user_id: i64, scope: Scope) -> Result<()> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&scope)?;
    let target = store.actor(user_id).await?;
    if target.role != Role::Appraiser {
        return Err(ServiceError::Invalid(
            "Chỉ giới hạn phạm vi cho thành viên thẩm định.".into(),
        ));
    }
    let (unit_id, tier_id, area_code) = scope_parts(ctx, &scope, false).await?;
    store
        .add_appraiser_scope(user_id, unit_id, tier_id, area_code.as_deref())
        .await?;
    let tier = scope
        .tier_code
        .as_deref()
        .map(str::trim)
        .filter(|_| tier_id.is_some());
    audit(
        ctx,
        who,
        "user.scope",
        scope_text(&target.username, unit_id, tier, area_code.as_deref()),
    )
    .await
}

/// Removes one scope of an appraiser; when none is left they may appraise every unit
/// again, which the page says before it is done.
pub async fn remove_scope(ctx: &Context, who: &Who, user_id: i64, scope: Scope) -> Result<()> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    super::check(&scope)?;
    let target = store.user(user_id).await?;
    let (unit_id, tier_id, area_code) = scope_parts(ctx, &scope, true).await?;
    let tier = scope
        .tier_code
        .as_deref()
        .map(str::trim)
        .filter(|_| tier_id.is_some());
    let row = crate::store::ScopeRow {
        unit_id,
        unit_name: None,
        tier_id,
        tier_name: None,
        area_code: area_code.clone(),
    };
    let entry = crate::store::NewAudit {
        action: "user.scope_remove".into(),
        old_value: Some(scope_text(
            &target.username,
            unit_id,
            tier,
            area_code.as_deref(),
        )),
        ..who.audit()
    };
    let removed = store
        .remove_appraiser_scope(user_id, &row, entry, who.now)
        .await?;
    if removed == 0 {
        return Err(ServiceError::NotFound("phạm vi này của người dùng".into()));
    }
    Ok(())
}

/// One account for its page: the account, its scopes, the units and tiers to choose from.
pub struct UserPage {
    pub user: User,
    pub scopes: Vec<crate::store::ScopeRow>,
    pub tiers: Vec<Tier>,
    pub units: Vec<Unit>,
    /// (code, name) of the areas of the newest round's criteria sets.
    pub areas: Vec<(String, String)>,
}

pub async fn user_page(ctx: &Context, who: &Who, id: i64) -> Result<UserPage> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let user = store.user(id).await?;
    let mut units = store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    let mut areas: Vec<(String, String)> = Vec::new();
    if let Some((round_id, _, _)) = store.rounds().await?.first() {
        for tier in store.round(*round_id).await?.tiers {
            let set = store.criteria_set(tier.set_id).await?.set;
            for area in set.areas() {
                if !areas.iter().any(|(code, _)| *code == area.code) {
                    areas.push((area.code.clone(), area.text.clone()));
                }
            }
        }
    }
    Ok(UserPage {
        areas,
        scopes: store.user_scopes(id).await?,
        tiers: store.tiers().await?,
        units,
        user,
    })
}

/// Tiers, units (Vietnamese order) and users, for the administrator.
pub async fn directory(ctx: &Context, who: &Who) -> Result<(Vec<Tier>, Vec<Unit>, Vec<User>)> {
    let store = &ctx.store;
    require_admin(&who.actor)?;
    let mut units = store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    Ok((store.tiers().await?, units, store.users().await?))
}

/// The actions of the audit log, by code, as people read them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("self_assessment.save", "Lưu tự chấm điểm"),
    ("self_assessment.submit", "Phê duyệt và gửi"),
    ("self_assessment.withdraw", "Rút lại bản tự đánh giá"),
    ("evidence.file.add", "Thêm tệp kiểm chứng"),
    ("evidence.file.remove", "Gỡ tệp kiểm chứng"),
    ("evidence.file.link", "Dùng tệp đã tải lên cho tiêu chí"),
    ("evidence.citation.add", "Thêm văn bản trích dẫn"),
    ("evidence.citation.remove", "Gỡ văn bản trích dẫn"),
    ("appraisal.round1.save", "Thẩm định lần 1"),
    ("appraisal.round2.save", "Thẩm định lần 2"),
    ("explanation.save", "Giải trình"),
    ("survey.set", "Nhập điểm điều tra XHH"),
    ("survey.import", "Nhập điểm điều tra XHH từ Excel"),
    ("bonus.set", "Điểm thưởng"),
    ("penalty.set", "Điểm trừ"),
    ("override.extension", "Gia hạn"),
    ("override.reopening", "Mở lại"),
    ("round.create", "Tạo kỳ đánh giá"),
    ("round.open", "Mở kỳ đánh giá cho đơn vị"),
    ("round.member_add", "Thêm đơn vị vào kỳ đánh giá"),
    ("exemption.set", "Giảm tiêu chí đánh giá"),
    ("round.corrigendum", "Đính chính bộ tiêu chí"),
    (
        "self_assessment.revise",
        "Tính lại theo bộ tiêu chí đính chính",
    ),
    ("user.email_notices", "Nhận thông báo qua thư điện tử"),
    ("unit.predecessors", "Đơn vị tiền thân"),
    ("exemption.remove", "Bỏ giảm tiêu chí đánh giá"),
    ("round.member_remove", "Đưa đơn vị ra khỏi kỳ đánh giá"),
    ("round.phase", "Đổi thời gian giai đoạn"),
    ("round.publish", "Công bố kết quả"),
    (
        "round.public",
        "Công khai kết quả (trang không cần đăng nhập)",
    ),
    ("criteria.import", "Nhập bộ tiêu chí"),
    ("criteria.publish", "Phát hành bộ tiêu chí"),
    ("tier.save", "Lưu khối"),
    ("unit.save", "Lưu đơn vị"),
    ("unit.import", "Nhập đơn vị từ Excel"),
    ("unit.retire", "Đơn vị ngừng hoạt động"),
    ("unit.restore", "Đơn vị hoạt động trở lại"),
    ("user.create", "Tạo người dùng"),
    ("user.update", "Sửa người dùng"),
    ("user.import.create", "Tạo người dùng từ Excel"),
    ("user.import.update", "Sửa người dùng từ Excel"),
    ("user.password_reset", "Đặt lại mật khẩu"),
    ("user.scope", "Thêm phạm vi thẩm định"),
    ("user.scope_remove", "Bỏ phạm vi thẩm định"),
    ("assignment.set", "Phân công cơ quan thẩm định"),
    ("assignment.remove", "Bỏ phân công cơ quan thẩm định"),
    ("appraisal.sign_off", "Hội đồng thẩm định ký biên bản"),
    (
        "appraisal.sign_off_withdraw",
        "Hủy lần ký biên bản thẩm định",
    ),
];

/// An action's name in Vietnamese; its code when it has none.
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

/// A page of the audit log as filtered, in time order (see [`crate::store::AuditPage`]),
/// with each entry's round, unit and names; and every unit (Vietnamese order) to filter by.
/// For administrators.
pub async fn audit_log(
    ctx: &Context,
    who: &Who,
    filter: &crate::store::AuditFilter,
    page: &crate::store::AuditPage,
) -> Result<(Vec<crate::store::ListedAudit>, Vec<Unit>)> {
    require_admin(&who.actor)?;
    let entries = ctx.store.audit_listing(filter, page).await?;
    let mut units = ctx.store.units(None).await?;
    sort_vi(&mut units, |u| &u.name);
    Ok((entries, units))
}
