//! The directory page (`directory.html`): tiers, units and users, their forms, and their
//! import from a workbook.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::import_form::run_held_import;
use super::{
    PageForm, PageImport, PageQuery, PageResult, PageUser, lines, refusal, render, status_with,
    user_ctx,
};
use crate::domain::access::Role;
use crate::domain::deadline::vn_date;
use crate::http::AppState;
use crate::http::error::status_of;
use crate::http::extract::SignedIn;
use crate::http::upload::MAX_IMPORT_BYTES;
use crate::service::admin::{self, NewTier, NewUnit, NewUser};
use crate::service::auth;
use crate::service::imports;
use crate::service::{ServiceError, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quan-tri", get(page))
        .route("/quan-tri/khoi", post(add_tier))
        .route("/quan-tri/don-vi", post(add_unit))
        .route("/quan-tri/nguoi-dung", post(add_user))
        .route(
            "/quan-tri/nhap-danh-muc",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

#[derive(Deserialize, Default)]
struct PageParams {
    /// `da-luu` after a change, `da-nhap` after an import was applied.
    #[serde(rename = "tb")]
    notice: Option<String>,
}

/// What an applied import did, new accounts' first passwords included, is held for the
/// session that applied it (like a new account's password, see `auth::hold_password`) under
/// this purpose: the page shows it after the redirect and again when refreshed, for
/// `auth::HELD_MINUTES`, never to another session and never in an address.
const APPLIED: (&str, &str) = ("directory-import", "applied");

/// The page's three forms, each in its own section: the anchor a form's action lands on,
/// and the prefix of its fields' ids.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Tier,
    Unit,
    User,
}

impl Form {
    fn anchor(self) -> &'static str {
        match self {
            Form::Tier => "khoi",
            Form::Unit => "don-vi",
            Form::User => "nguoi-dung",
        }
    }

    /// The fields the form shows, named as the service names them.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Form::Tier => &["code", "name", "position"],
            Form::Unit => &["code", "name", "tier_code"],
            Form::User => &[
                "username",
                "display_name",
                "role",
                "unit_code",
                "department_code",
                "email",
            ],
        }
    }

    /// The field of this form a refusal is about: the one the service named, else an
    /// unknown code (404, the API's status) is the chosen tier's or unit's and a taken
    /// username (409) the username's; none (the message stands beside the button) when
    /// the form does not show that field.
    fn field_of(self, e: &ServiceError) -> Option<&'static str> {
        let field = e.field().or(match (self, e) {
            (Form::Unit, ServiceError::NotFound(_)) => Some("tier_code"),
            (Form::User, ServiceError::NotFound(_)) => Some("unit_code"),
            (Form::User, ServiceError::Conflict(_)) => Some("username"),
            _ => None,
        });
        field.filter(|f| self.fields().contains(f))
    }
}

/// A refused form: which one, the status and message, the field it concerns, and what
/// was typed in it.
struct Refused {
    form: Form,
    status: axum::http::StatusCode,
    message: String,
    field: Option<&'static str>,
    typed: Value,
}

#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    /// The import's refusal, with every problem in the file.
    error: Option<(axum::http::StatusCode, String)>,
    refused: Option<Refused>,
    /// The import's report: a dry run's, or what an applied one did (held).
    report: Option<Value>,
    /// After an import was applied, its report is no longer held (gone after the minutes it
    /// is kept, or asked for by another session).
    applied_gone: bool,
    /// The token of the file a dry run found without errors, held to be applied.
    held: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    PageUser { user, who }: PageUser,
    PageQuery(params): PageQuery<PageParams>,
) -> PageResult {
    let applied = match params.notice.as_deref() {
        Some("da-nhap") => auth::held_text(&state.ctx, &who, &user.token, APPLIED).await?,
        _ => None,
    };
    let report = applied
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
        .transpose()
        .map_err(|e| ServiceError::Internal(format!("held import report: {e}")))?;
    let outcome = Outcome {
        applied_gone: params.notice.as_deref() == Some("da-nhap") && report.is_none(),
        report: report.as_ref().map(Value::from_serialize),
        notice: params.notice,
        ..Outcome::default()
    };
    show(&state, &user, &who, outcome).await
}

async fn show(state: &AppState, user: &SignedIn, who: &Who, o: Outcome) -> PageResult {
    let (tiers, units, users) = admin::directory(&state.ctx, who).await?;
    let joinable = crate::service::members::joinable(&state.ctx, who.now).await?;
    let retired = crate::service::units::retired(&state.ctx, who).await?;
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            context! {
                id => u.id,
                username => &u.username,
                display_name => &u.display_name,
                role => &u.role,
                active => u.active != 0,
                valid_until => u.expires_at.map(|t| vn_date(t).format("%d/%m/%Y").to_string()),
            }
        })
        .collect();
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| context! { code => r.as_str(), label => r.label() })
        .collect();
    let refused = o.refused.as_ref();
    let html = render(
        "directory.html",
        context! {
            user => user_ctx(user),
            tiers => Value::from_serialize(&tiers),
            units => Value::from_serialize(&units),
            retired => Value::from_serialize(&retired),
            users,
            roles,
            notice => o.notice,
            error_lines => lines(&o.error),
            // The refused form (`khoi`, `don-vi`, `nguoi-dung`), its message, and the id of
            // the field it stands beside (`khoi-code`…; none: beside the form's button).
            form => refused.map(|r| r.form.anchor()),
            refusal => refused.map(|r| r.message.clone()),
            refused_field => refused.and_then(|r| r.field.map(|f| format!("{}-{f}", r.form.anchor()))),
            typed => refused.map_or_else(|| Value::from(BTreeMap::<String, Value>::new()), |r| r.typed.clone()),
            report => o.report,
            applied_gone => o.applied_gone,
            joinable => Value::from_serialize(&joinable),
            held => o.held,
            held_minutes => auth::HELD_MINUTES,
        },
    )?;
    let status = refused.map_or_else(|| status_with(&o.error), |r| r.status);
    Ok((status, html).into_response())
}

/// After one directory change: back to the page, or the page again with the refusal
/// beside the field of `form` it concerns and what was typed.
async fn after(
    state: &AppState,
    (user, who): (&SignedIn, &Who),
    (form, typed): (Form, &impl Serialize),
    outcome: Result<impl Sized, ServiceError>,
) -> PageResult {
    let e = match outcome {
        Ok(_) => return Ok(Redirect::to("/quan-tri?tb=da-luu").into_response()),
        Err(e) => e,
    };
    let field = form.field_of(&e);
    let (status, message) = match e {
        // An unknown tier or unit code chosen in the form: shown beside it.
        e @ ServiceError::NotFound(_) => (status_of(&e), e.to_string()),
        e => refusal(e)?,
    };
    let outcome = Outcome {
        refused: Some(Refused {
            form,
            status,
            message,
            field,
            typed: Value::from_serialize(typed),
        }),
        ..Outcome::default()
    };
    show(state, user, who, outcome).await
}

/// A tier as typed; its position is a whole number when given.
#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct TierForm {
    code: String,
    name: String,
    position: String,
}

impl TierForm {
    fn parse(&self) -> Result<NewTier, ServiceError> {
        let position = match self.position.trim() {
            "" => 0,
            text => text.parse().map_err(|_| {
                ServiceError::invalid_field(
                    "position",
                    format!("Thứ tự phải là một số nguyên (1, 2, 3…), không phải «{text}»."),
                )
            })?,
        };
        Ok(NewTier {
            code: self.code.clone(),
            name: self.name.clone(),
            position,
        })
    }
}

async fn add_tier(
    State(state): State<AppState>,
    PageForm { user, who, form }: PageForm<TierForm>,
) -> PageResult {
    let outcome = match form.parse() {
        Ok(tier) => admin::save_tier(&state.ctx, &who, tier).await,
        Err(e) => Err(e),
    };
    after(&state, (&user, &who), (Form::Tier, &form), outcome).await
}

async fn add_unit(
    State(state): State<AppState>,
    PageForm { user, who, form }: PageForm<UnitForm>,
) -> PageResult {
    let unit = NewUnit {
        code: form.code.clone(),
        name: form.name.clone(),
        tier_code: form.tier_code.clone(),
        join_open_rounds: Some(form.vao_ky.is_some()),
    };
    let outcome = admin::save_unit(&state.ctx, &who, unit).await;
    after(&state, (&user, &who), (Form::Unit, &form), outcome).await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct UnitForm {
    code: String,
    name: String,
    tier_code: String,
    /// Ticked: a new unit joins the rounds still open to changes (listed beside the box).
    vao_ky: Option<String>,
}

/// A new account as typed (the password is never shown again).
#[derive(Deserialize, Default)]
#[serde(default)]
struct UserForm {
    username: String,
    display_name: String,
    role: String,
    unit_code: String,
    department_code: String,
    password: String,
    email: String,
}

#[derive(Serialize)]
struct UserTyped<'a> {
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    unit_code: &'a str,
    department_code: &'a str,
    email: &'a str,
}

async fn add_user(
    State(state): State<AppState>,
    PageForm { user, who, form }: PageForm<UserForm>,
) -> PageResult {
    let new = NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        role: Some(form.role.clone()),
        unit_code: Some(form.unit_code.clone()),
        department_code: Some(form.department_code.clone()),
        password: Some(form.password.clone()),
        email: Some(form.email.clone()),
    };
    // Created: the account's page, with the first password made here (post, redirect, get).
    let outcome: Result<(), ServiceError> = match admin::create_user(&state.ctx, &who, new).await {
        Ok(created) => return super::user::created(&state, (&user, &who), created).await,
        Err(e) => Err(e),
    };
    let typed = UserTyped {
        username: &form.username,
        display_name: &form.display_name,
        role: &form.role,
        unit_code: &form.unit_code,
        department_code: &form.department_code,
        email: &form.email,
    };
    after(&state, (&user, &who), (Form::User, &typed), outcome).await
}

/// Units and users from a workbook: a dry run (or a refusal) shown at once; an applied
/// run held for this session, then the page again (post, redirect, get), so a refresh shows
/// the new accounts' first passwords again instead of posting the file twice.
async fn import(
    State(state): State<AppState>,
    PageImport { user, who, upload }: PageImport,
) -> PageResult {
    let (ctx, who) = (&state.ctx, &who);
    let (outcome, held) = run_held_import(
        ctx,
        (&user, who),
        "directory",
        upload,
        async |bytes, dry_run| imports::import_directory(ctx, who, bytes, dry_run, true).await,
    )
    .await?;
    let outcome = match outcome {
        Ok(report) if !report.dry_run => {
            let text = serde_json::to_string(&report)
                .map_err(|e| ServiceError::Internal(format!("import report: {e}")))?;
            auth::hold_text(ctx, who, &user.token, APPLIED, &text).await?;
            return Ok(Redirect::to("/quan-tri?tb=da-nhap#nhap").into_response());
        }
        Ok(report) => Outcome {
            report: Some(Value::from_serialize(&report)),
            held,
            ..Outcome::default()
        },
        Err(error) => Outcome {
            error: Some(error),
            ..Outcome::default()
        },
    };
    show(&state, &user, who, outcome).await
}
