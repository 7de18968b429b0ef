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
use crate::http::extract::{NoFields, SignedIn};
use crate::service::admin::{self, Scope, UserEdit};
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
    /// A password made just now: shown this once.
    pub password: Option<String>,
    /// The account was created just now.
    pub created: bool,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    ApiPath(id): ApiPath<i64>,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    let outcome = Outcome {
        notice: params.notice,
        ..Outcome::default()
    };
    show(&state, (&user, &who), id, outcome).await
}

pub(super) async fn show(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    id: i64,
    o: Outcome,
) -> PageResult {
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
    let stored = context! {
        display_name => &p.user.display_name,
        role => &p.user.role,
        unit_code => unit_code.unwrap_or_default(),
        valid_until => p.user.expires_at.map(|t| vn_date(t).format("%d/%m/%Y").to_string()).unwrap_or_default(),
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
    typed: Option<Value>,
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
        typed,
        ..Outcome::default()
    };
    show(state, (user, who), id, outcome).await
}

/// The edit form as typed: a checkbox is absent when not ticked.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct EditForm {
    display_name: String,
    role: String,
    unit_code: String,
    valid_until: String,
    active: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, form }: PageForm<EditForm>,
) -> PageResult {
    let edit = UserEdit {
        display_name: form.display_name.clone(),
        role: form.role.clone(),
        unit_code: Some(form.unit_code.clone()),
        valid_until: Some(form.valid_until.clone()),
        active: form.active.is_some(),
    };
    let outcome = admin::update_user(&state.ctx, &who, id, edit).await;
    let typed = context! {
        display_name => &form.display_name,
        role => &form.role,
        unit_code => &form.unit_code,
        valid_until => &form.valid_until,
        active => form.active.is_some(),
    };
    after(&state, (&user, &who), id, "da-luu", Some(typed), outcome).await
}

/// A new password made here, shown once on the page answered (never in an address).
async fn reset_password(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    PageForm { user, who, .. }: PageForm<NoFields>,
) -> PageResult {
    match admin::reset_password(&state.ctx, &who, id).await {
        Ok(password) => {
            let outcome = Outcome {
                password: Some(password),
                ..Outcome::default()
            };
            show(&state, (&user, &who), id, outcome).await
        }
        Err(e) => after(&state, (&user, &who), id, "", None, Err(e)).await,
    }
}

/// A scope as chosen: a unit or a tier (by code), and an area.
#[derive(Deserialize, Default)]
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
    after(&state, (&user, &who), id, "da-them-pham-vi", None, outcome).await
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
    after(&state, (&user, &who), id, "da-xoa-pham-vi", None, outcome).await
}
