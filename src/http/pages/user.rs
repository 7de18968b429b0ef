//! One account's page (`user.html`): its name, role, unit, expiry and whether it may sign
//! in; a password reset whose new password is shown once; an appraiser's scopes (units,
//! whole tiers, areas).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{PageForm, PageQuery, PageResult, PageUser, refusal, render, status_with, user_ctx};
use crate::domain::access::Role;
use crate::domain::deadline::vn_date;
use crate::http::AppState;
use crate::http::error::{ApiPath, status_of};
use crate::http::extract::SignedIn;
use crate::service::admin::{self, Scope, UserEdit};
use crate::service::auth;
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri/nguoi-dung/{id}", get(page).post(save))
        .route("/quan-tri/nguoi-dung/{id}/mat-khau", post(reset_password))
        .route("/quan-tri/nguoi-dung/{id}/pham-vi", post(add_scope))
        .route("/quan-tri/nguoi-dung/{id}/pham-vi/xoa", post(remove_scope))
}

#[derive(Deserialize, Default)]
struct PageParams {
    /// What was just done (`da-luu`, `da-them-pham-vi`, `da-xoa-pham-vi`).
    #[serde(rename = "tb")]
    notice: Option<String>,
}

/// What the page shows beyond the account.
#[derive(Default)]
pub(super) struct Outcome {
    pub notice: Option<String>,
    pub error: Option<(StatusCode, String)>,
    /// The edit form as typed, when it was refused.
    pub typed: Option<Value>,
    /// A password made just now, held for this session a few minutes: shown on the page
    /// until then, refreshed or not.
    pub password: Option<String>,
    /// The account was created just now.
    pub created: bool,
    /// The field of the edit form the refusal is about (`display_name`, `role`…), or
    /// `scope` / `reset` for the other forms.
    pub field: Option<&'static str>,
    /// The scope form as chosen, when it was refused.
    pub scope_typed: Option<Value>,
    /// The edit form unticked «may sign in» and asks to confirm the disabling.
    pub confirm_disable: bool,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(id): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    // After a creation or a reset, the password this session holds for the account: the
    // page shows it again when refreshed, for a few minutes.
    let made = matches!(params.notice.as_deref(), Some("da-tao" | "mat-khau-moi"));
    let password = if made {
        auth::held_password(&state.ctx, &who, &user.token, id).await?
    } else {
        None
    };
    let outcome = Outcome {
        created: params.notice.as_deref() == Some("da-tao"),
        notice: params.notice,
        password,
        ..Outcome::default()
    };
    show(&state, (&user, &who), id, outcome).await
}

/// After an account was created (from the directory page): its first password held for
/// this session, then its page (post, redirect, get), so a refresh shows the password
/// again instead of creating the account twice.
pub(super) async fn created(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    created: admin::CreatedUser,
) -> PageResult {
    if let Some(password) = &created.first_password {
        auth::hold_password(&state.ctx, who, &user.token, created.id, password).await?;
    }
    Ok(Redirect::to(&format!("/quan-tri/nguoi-dung/{}?tb=da-tao", created.id)).into_response())
}

async fn show(state: &AppState, (user, who): (&SignedIn, &Who), id: i64, o: Outcome) -> PageResult {
    let p = admin::user_page(&state.ctx, who, id).await?;
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| context! { code => r.as_str(), label => r.label() })
        .collect();
    let unit_code = p
        .user
        .unit_id
        .and_then(|u| p.units.iter().find(|x| x.id == u))
        .map(|u| u.code.clone());
    let department_code = p
        .user
        .department_unit_id
        .and_then(|u| p.units.iter().find(|x| x.id == u))
        .map(|u| u.code.clone());
    let stored = context! {
        display_name => &p.user.display_name,
        role => &p.user.role,
        unit_code => unit_code.unwrap_or_default(),
        department_code => department_code.unwrap_or_default(),
        valid_until => p.user.expires_at.map(|t| vn_date(t).format("%d/%m/%Y").to_string()).unwrap_or_default(),
        email => p.user.email.clone().unwrap_or_default(),
        active => p.user.active != 0,
    };
    let scopes: Vec<Value> = p
        .scopes
        .iter()
        .map(|s| {
            let tier_code = s
                .tier_id
                .and_then(|t| p.tiers.iter().find(|x| x.id == t))
                .map(|t| t.code.clone());
            let area_name = s
                .area_code
                .as_ref()
                .and_then(|a| p.areas.iter().find(|(code, _)| code == a))
                .map(|(_, name)| name.clone());
            context! {
                unit_id => s.unit_id,
                unit_name => &s.unit_name,
                tier_code,
                tier_name => &s.tier_name,
                area_code => &s.area_code,
                area_name,
            }
        })
        .collect();
    let areas: Vec<Value> = p
        .areas
        .iter()
        .map(|(code, name)| context! { code, name })
        .collect();
    let html = render(
        "user.html",
        context! {
            user => user_ctx(user),
            account => context! {
                id => p.user.id,
                username => &p.user.username,
                role => &p.user.role,
                role_label => Role::parse(&p.user.role).map(Role::label),
                active => p.user.active != 0,
                must_change_password => p.user.must_change_password != 0,
                is_self => p.user.id == who.actor.user_id,
            },
            form => o.typed.unwrap_or(stored),
            field => o.field,
            scope_typed => o.scope_typed.unwrap_or_else(|| context! { unit_id => "", tier_code => "", area_code => "" }),
            confirm_disable => o.confirm_disable,
            held_minutes => auth::HELD_MINUTES,
            roles,
            tiers => Value::from_serialize(&p.tiers),
            units => Value::from_serialize(&p.units),
            areas,
            scopes,
            notice => o.notice,
            error => o.error.as_ref().map(|e| e.1.clone()),
            password => o.password,
            created => o.created,
        },
    )?;
    Ok((status_with(&o.error), html).into_response())
}

/// After a form of the page: back to it with a notice, or the page again with the refusal
/// (and what was typed, for the edit form).
async fn after(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    id: i64,
    notice: &str,
    refused: Outcome,
    outcome: Result<(), ServiceError>,
) -> PageResult {
    let error = match outcome {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/quan-tri/nguoi-dung/{id}?tb={notice}")).into_response(),
            );
        }
        // An unknown unit or tier chosen in the form: shown beside it.
        Err(e @ ServiceError::NotFound(_)) => (status_of(&e), e.to_string()),
        Err(e) => refusal(e)?,
    };
    let outcome = Outcome {
        error: Some(error),
        ..refused
    };
    show(state, (user, who), id, outcome).await
}

/// The field of the edit form a refusal is about, for the message to stand beside it.
fn edit_field(e: &ServiceError, form: &EditForm) -> &'static str {
    if let Some(field) = e.field() {
        return field;
    }
    let message = e.to_string();
    let until = form.valid_until.trim();
    if matches!(e, ServiceError::NotFound(_)) || message.contains("đơn vị") {
        "unit_code"
    } else if (!until.is_empty() && crate::domain::deadline::parse_deadline(until).is_none())
        || message.contains("hạn tài khoản")
    {
        "valid_until"
    } else if message.contains("Vai trò") || message.contains("vai trò quản trị") {
        if message.contains("tự khóa") && form.active.is_none() {
            "active"
        } else {
            "role"
        }
    } else if message.contains("tự khóa") {
        "active"
    } else {
        "display_name"
    }
}

/// The edit form as typed: a checkbox is absent when not ticked.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct EditForm {
    display_name: String,
    role: String,
    unit_code: String,
    department_code: String,
    valid_until: String,
    email: String,
    active: Option<String>,
    /// Ticked to confirm disabling an account that may sign in now.
    confirm_disable: Option<String>,
}

/// What a disabling asks before it is done.
const CONFIRM_DISABLE: &str = "Bỏ chọn «Cho phép đăng nhập» sẽ khóa tài khoản này và kết thúc ngay các phiên đăng nhập đang mở. Đánh dấu ô xác nhận bên dưới rồi bấm «Lưu thay đổi».";

async fn save(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<EditForm>,
) -> PageResult {
    let typed = context! {
        display_name => &form.display_name,
        role => &form.role,
        unit_code => &form.unit_code,
        department_code => &form.department_code,
        valid_until => &form.valid_until,
        email => &form.email,
        active => form.active.is_some(),
    };
    // Disabling an account that may sign in asks first (the form's own confirmation box,
    // which works without JavaScript).
    let edit = UserEdit {
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        unit_code: Some(form.unit_code.clone()),
        valid_until: Some(form.valid_until.clone()),
        active: form.active.is_some(),
        email: Some(form.email.clone()),
        department_code: Some(form.department_code.clone()),
    };
    let mut disabling = false;
    let outcome = if form.active.is_none()
        && form.confirm_disable.is_none()
        && admin::user_page(&state.ctx, &who, id).await?.user.active != 0
    {
        // Asked only once the rest of the form is right, so the question comes last.
        admin::check_user_edit(&state.ctx, &who, id, &edit)
            .await
            .and_then(|()| {
                disabling = true;
                Err(ServiceError::Unconfirmed {
                    code: "not_confirmed",
                    message: CONFIRM_DISABLE.into(),
                })
            })
    } else {
        admin::update_user(&state.ctx, &who, id, edit).await
    };
    let field = match &outcome {
        Err(_) if disabling => Some("active"),
        Err(e) => Some(edit_field(e, &form)),
        Ok(()) => None,
    };
    let refused = Outcome {
        typed: Some(typed),
        field,
        confirm_disable: disabling,
        ..Outcome::default()
    };
    after(&state, (&user, &who), id, "da-luu", refused, outcome).await
}

/// The reset form: its confirmation box must be ticked.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    confirm: Option<String>,
}

/// A new password made here, held for this session and shown on the account's page
/// (post, redirect, get: never in an address), once the administrator confirmed.
async fn reset_password(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ResetForm>,
) -> PageResult {
    let outcome = if form.confirm.is_none() {
        Err(ServiceError::Unconfirmed {
            code: "not_confirmed",
            message: "Đặt lại mật khẩu cần xác nhận: đánh dấu ô «Tôi xác nhận…» rồi bấm lại «Đặt lại mật khẩu».".into(),
        })
    } else {
        admin::reset_password(&state.ctx, &who, id).await
    };
    match outcome {
        Ok(password) => {
            auth::hold_password(&state.ctx, &who, &user.token, id, &password).await?;
            Ok(Redirect::to(&format!("/quan-tri/nguoi-dung/{id}?tb=mat-khau-moi")).into_response())
        }
        Err(e) => {
            let refused = Outcome {
                field: Some("reset"),
                ..Outcome::default()
            };
            after(&state, (&user, &who), id, "", refused, Err(e)).await
        }
    }
}

/// A scope as chosen: a unit or a tier (by code), and an area.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct ScopeForm {
    unit_id: String,
    tier_code: String,
    area_code: String,
}

impl ScopeForm {
    fn parse(&self) -> Result<Scope, ServiceError> {
        let unit_id = match self.unit_id.trim() {
            "" => None,
            text => Some(text.parse().map_err(|_| {
                ServiceError::Invalid(format!("Đơn vị «{text}» không hợp lệ (trường «unit_id»)."))
            })?),
        };
        Ok(Scope {
            unit_id,
            tier_code: Some(self.tier_code.clone()),
            area_code: Some(self.area_code.clone()),
        })
    }
}

async fn add_scope(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ScopeForm>,
) -> PageResult {
    let outcome = match form.parse() {
        Ok(scope) => admin::add_scope(&state.ctx, &who, id, scope).await,
        Err(e) => Err(e),
    };
    let refused = Outcome {
        field: Some("scope"),
        scope_typed: Some(Value::from_serialize(&form)),
        ..Outcome::default()
    };
    after(
        &state,
        (&user, &who),
        id,
        "da-them-pham-vi",
        refused,
        outcome,
    )
    .await
}

async fn remove_scope(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<ScopeForm>,
) -> PageResult {
    let outcome = match form.parse() {
        Ok(scope) => admin::remove_scope(&state.ctx, &who, id, scope).await,
        Err(e) => Err(e),
    };
    let refused = Outcome {
        field: Some("scope_remove"),
        ..Outcome::default()
    };
    after(
        &state,
        (&user, &who),
        id,
        "da-xoa-pham-vi",
        refused,
        outcome,
    )
    .await
}
