//! The server-rendered pages, in Vietnamese, from the templates in `web/templates`.
//! Every form works without JavaScript (post, then redirect back); with htmx a leaf saves
//! in place and computed points show as the user types.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use minijinja::{Environment, Value, context};
use serde::Deserialize;

use super::AppState;
use super::error::ApiPath;
use super::session::{COOKIE, SignedIn, session_cookie, session_from_jar};
use crate::domain::access::Role;
use crate::domain::deadline::{OverrideKind, Phase, format_instant, parse_deadline};
use crate::domain::{LeafInput, Points};
use crate::service::self_assessment::{self as self_service, LeafSave};
use crate::service::{ServiceError, auth, dashboard, results, scores};
use crate::store::{AppraisalEntry, AuditFilter, NewAudit};

type SocketAddr = std::net::SocketAddr;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../web/templates/", $name)))),*]
    };
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| environment().0);

/// The template environment, and the errors of any template that did not compile.
fn environment() -> (Environment<'static>, Vec<String>) {
    let mut env = Environment::new();
    let mut errors = Vec::new();
    let sources = templates!(
        "base.html",
        "sign_in.html",
        "home.html",
        "self_assessment.html",
        "_leaf.html",
        "_import_form.html",
        "results.html",
        "appraisal.html",
        "admin_round.html",
        "explanations.html",
        "audit.html",
        "history.html",
        "directory.html",
        "criteria_sets.html",
        "password.html",
        "error.html",
    );
    for (name, source) in sources {
        // The templates are compiled into the binary; a broken one fails every page test.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "invalid template");
            errors.push(format!("{name}: {e:#}"));
        }
    }
    env.add_filter("vn", |v: Value| vn_number(&v, false));
    env.add_filter("vn2", |v: Value| vn_number(&v, true));
    env.add_filter("instant", |v: Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| format_instant(t.with_timezone(&chrono::Utc)))
            .unwrap_or_default()
    });
    (env, errors)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_compiles() {
        let (_, errors) = super::environment();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn numbers_show_the_vietnamese_way() {
        use minijinja::Value;
        assert_eq!(super::vn_number(&Value::from("1432.5"), false), "1.432,5");
        assert_eq!(super::vn_number(&Value::from("85.1"), true), "85,10");
        assert_eq!(
            super::vn_number(&Value::from("không phải số"), true),
            "không phải số"
        );
    }
}

/// Points and percentages travel as decimal strings ("14.5"); pages show "14,5".
fn vn_number(v: &Value, fixed: bool) -> String {
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    match text.parse::<Points>() {
        Ok(p) if fixed => p.to_vn_fixed(),
        Ok(p) => p.to_vn(),
        Err(_) => text,
    }
}

static ASSETS: [(&str, &str, &str); 3] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../web/static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/app.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/static/htmx.min.js"),
    ),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(asset))
        .route("/", get(home))
        .route("/dang-nhap", get(sign_in_page).post(sign_in))
        .route("/dang-xuat", post(sign_out))
        .route("/doi-mat-khau", get(password_page).post(change_password))
        .route(
            "/ky/{round}/don-vi/{unit}/tu-cham-diem",
            get(self_assessment_page),
        )
        .route(
            "/ky/{round}/don-vi/{unit}/tu-cham-diem/{leaf}",
            post(save_leaf),
        )
        .route(
            "/ky/{round}/don-vi/{unit}/tu-cham-diem/{leaf}/tinh-diem",
            post(preview_points),
        )
        .route(
            "/ky/{round}/don-vi/{unit}/tai-lieu",
            post(upload_evidence).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/ky/{round}/don-vi/{unit}/lich-su/{leaf}",
            get(history_page),
        )
        .route("/ky/{round}/don-vi/{unit}/gui", post(submit))
        .route("/ky/{round}/don-vi/{unit}/rut-lai", post(withdraw))
        .route(
            "/ky/{round}/don-vi/{unit}/giai-trinh",
            get(explanations_page),
        )
        .route(
            "/ky/{round}/don-vi/{unit}/giai-trinh/{leaf}",
            post(save_explanation),
        )
        .route("/ky/{round}/don-vi/{unit}/tham-dinh", get(appraisal_page))
        .route("/ky/{round}/don-vi/{unit}/tham-dinh/{leaf}", post(appraise))
        .route("/ky/{round}/ket-qua", get(results_page))
        .route("/quan-tri/ky/{round}", get(admin_round))
        .route("/quan-tri/ky/{round}/gia-han", post(grant_override))
        .route("/quan-tri/ky/{round}/cong-bo", post(publish))
        .route("/quan-tri/ky/{round}/dieu-tra", post(survey_score))
        .route(
            "/quan-tri/ky/{round}/nhap-dieu-tra",
            post(import_survey).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/quan-tri/nhat-ky", get(audit_page))
        .route("/quan-tri", get(directory_page))
        .route("/quan-tri/khoi", post(add_tier))
        .route("/quan-tri/don-vi", post(add_unit))
        .route("/quan-tri/nguoi-dung", post(add_user))
        .route("/quan-tri/bo-tieu-chi", get(criteria_page))
        .route(
            "/quan-tri/bo-tieu-chi/nhap",
            post(import_criteria).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route(
            "/quan-tri/nhap-danh-muc",
            post(import_directory).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}

/// Why a page could not be shown: not signed in (go sign in) or an error to explain.
pub enum PageError {
    SignIn,
    Message(StatusCode, String),
}

type PageResult<T = Response> = Result<T, PageError>;

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        let status = match &e {
            ServiceError::Unauthenticated(_) => return PageError::SignIn,
            ServiceError::Forbidden(_) | ServiceError::Locked(_) => StatusCode::FORBIDDEN,
            ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::Store(_) | ServiceError::Files(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %e, "internal error");
                return PageError::Message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Lỗi hệ thống. Vui lòng thử lại sau hoặc liên hệ quản trị.".into(),
                );
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        PageError::Message(status, e.to_string())
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl From<super::error::ApiError> for PageError {
    fn from(e: super::error::ApiError) -> Self {
        PageError::Message(e.status, e.message)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn => Redirect::to("/dang-nhap").into_response(),
            PageError::Message(status, message) => {
                let body = render("error.html", context! { message, user => Value::UNDEFINED });
                (status, body).into_response()
            }
        }
    }
}

/// The message a person sees for a refusal: the rule's own words, but never the text of a
/// database or storage error (those are logged instead).
fn user_message(e: ServiceError) -> String {
    match e {
        ServiceError::Store(_) | ServiceError::Files(_) => {
            tracing::error!(error = %e, "internal error");
            "Lỗi hệ thống. Vui lòng thử lại sau hoặc liên hệ quản trị.".into()
        }
        other => other.to_string(),
    }
}

fn render(name: &str, ctx: Value) -> Html<String> {
    let page = TEMPLATES.get_template(name).and_then(|t| t.render(ctx));
    match page {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(template = name, error = %e, "render failed");
            #[cfg(debug_assertions)]
            eprintln!("template {name}: {e:#}");
            Html("<!doctype html><meta charset=utf-8><p>Lỗi hiển thị trang.</p>".into())
        }
    }
}

/// The signed-in user of a page, or a redirect to the sign-in page.
async fn page_user(state: &AppState, jar: &CookieJar) -> PageResult<SignedIn> {
    session_from_jar(state, jar).await?.ok_or(PageError::SignIn)
}

fn user_ctx(user: &SignedIn) -> Value {
    context! {
        name => user.actor.display_name.clone(),
        username => user.actor.username.clone(),
        role => user.actor.role,
        role_label => user.actor.role.label(),
        unit_id => user.actor.unit_id,
        csrf => user.csrf_token.clone(),
    }
}

fn check_form_csrf(user: &SignedIn, form: &BTreeMap<String, String>) -> PageResult<()> {
    user.check_csrf(form.get("csrf").map(String::as_str))
        .map_err(PageError::from)
}

async fn asset(ApiPath(file): ApiPath<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

// ---------------------------------------------------------------- sign-in

async fn sign_in_page(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Ok(Some(_)) = session_from_jar(&state, &jar).await {
        return Redirect::to("/").into_response();
    }
    render(
        "sign_in.html",
        context! { username => "", error => Value::UNDEFINED },
    )
    .into_response()
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let username = form.get("username").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    match auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &username,
        &password,
        &peer.ip().to_string(),
    )
    .await
    {
        Ok(session) => (
            jar.add(session_cookie(&state, session.token)),
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => {
            let status = match e {
                ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (
                status,
                render(
                    "sign_in.html",
                    context! { username, error => user_message(e) },
                ),
            )
                .into_response()
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    if let Some(token) = jar.get(COOKIE).map(|c| c.value().to_string()) {
        auth::sign_out(&state.store, &token).await?;
    }
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        Redirect::to("/dang-nhap"),
    )
        .into_response())
}

async fn password_page(State(state): State<AppState>, jar: CookieJar) -> PageResult {
    let user = page_user(&state, &jar).await?;
    Ok(render(
        "password.html",
        context! { user => user_ctx(&user), error => Value::UNDEFINED },
    )
    .into_response())
}

/// A user changes their own password; every session ends, so they sign in again.
async fn change_password(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if field("new_password") != field("confirm") {
        let html = render(
            "password.html",
            context! { user => user_ctx(&user), error => "Mật khẩu nhập lại không khớp." },
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    match auth::change_password(
        &state.store,
        &user.actor,
        &field("current_password"),
        &field("new_password"),
    )
    .await
    {
        Ok(()) => Ok((
            jar.remove(Cookie::build(COOKIE).path("/")),
            Redirect::to("/dang-nhap"),
        )
            .into_response()),
        Err(e @ ServiceError::Invalid(_)) => {
            let html = render(
                "password.html",
                context! { user => user_ctx(&user), error => e.to_string() },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- home

async fn home(State(state): State<AppState>, jar: CookieJar) -> PageResult {
    let user = page_user(&state, &jar).await?;
    let rounds = state.store.rounds().await?;
    let mut cards = Vec::new();
    for (round_id, year, title) in &rounds {
        let round = state.store.round(*round_id).await?;
        let phases: Vec<Value> = Phase::ALL
            .iter()
            .filter_map(|p| round.phases.get(p).map(|w| (p, w)))
            .map(|(p, w)| {
                let now = state.clock.now();
                context! {
                    name => p.activity(),
                    from => format_instant(w.opens_at),
                    to => format_instant(w.closes_at),
                    current => now >= w.opens_at && now <= w.closes_at,
                }
            })
            .collect();
        let mut card = BTreeMap::from([
            ("id", Value::from(*round_id)),
            ("year", Value::from(*year)),
            ("title", Value::from(title.clone())),
            ("published", Value::from(round.published_at.is_some())),
            ("phases", Value::from(phases)),
        ]);
        match (user.actor.role, user.actor.unit_id) {
            (Role::Officer | Role::Head, Some(unit)) => {
                match self_service::view(
                    &state.store,
                    state.clock.as_ref(),
                    &user.actor,
                    *round_id,
                    unit,
                )
                .await
                {
                    Ok(view) => {
                        card.insert("unit", Value::from_serialize(&view));
                    }
                    Err(ServiceError::Invalid(_)) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            _ => {
                let progress = dashboard::round_progress(
                    &state.store,
                    state.clock.as_ref(),
                    &user.actor,
                    *round_id,
                )
                .await?;
                card.insert("units", Value::from_serialize(&progress));
            }
        }
        cards.push(card);
    }
    Ok(render(
        "home.html",
        context! { user => user_ctx(&user), rounds => cards, now => state.clock.now().to_rfc3339() },
    )
    .into_response())
}

// ---------------------------------------------------------------- self-assessment

#[derive(Deserialize, Default)]
struct Saved {
    /// The leaf just saved, to show "Đã lưu" beside it.
    luu: Option<String>,
    /// A message after submit or withdraw.
    tb: Option<String>,
}

async fn self_assessment_page(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    Query(saved): Query<Saved>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    let view =
        self_service::view(&state.store, state.clock.as_ref(), &user.actor, round, unit).await?;
    let evidence = evidence_by_leaf(&state, &user, round, unit).await?;
    Ok(render_self_assessment(
        state.clock.now(),
        &user,
        &view,
        saved,
        BTreeMap::new(),
        BTreeMap::new(),
        evidence,
    )
    .into_response())
}

/// The unit's evidence files and citations, grouped by the leaves they support.
async fn evidence_by_leaf(
    state: &AppState,
    user: &SignedIn,
    round: i64,
    unit: i64,
) -> PageResult<BTreeMap<String, Value>> {
    let list = crate::service::evidence::list(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        round,
        unit,
    )
    .await?;
    let mut by_leaf: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for f in &list.files {
        for leaf in &f.leaves {
            by_leaf
                .entry(leaf.clone())
                .or_default()
                .0
                .push(Value::from_serialize(f));
        }
    }
    for c in &list.citations {
        for leaf in &c.leaves {
            by_leaf
                .entry(leaf.clone())
                .or_default()
                .1
                .push(Value::from_serialize(c));
        }
    }
    Ok(by_leaf
        .into_iter()
        .map(|(leaf, (files, citations))| (leaf, context! { files, citations }))
        .collect())
}

fn render_self_assessment(
    now: chrono::DateTime<chrono::Utc>,
    user: &SignedIn,
    view: &self_service::SelfAssessmentView,
    saved: Saved,
    errors: BTreeMap<String, String>,
    typed: BTreeMap<String, BTreeMap<String, String>>,
    evidence: BTreeMap<String, Value>,
) -> Html<String> {
    let editable = user.actor.may_edit_self_assessment(view.unit_id)
        && view.access.open
        && view.submitted_at.is_none();
    render(
        "self_assessment.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(view),
            editable,
            may_submit => user.actor.may_submit(view.unit_id) && view.access.open,
            saved_leaf => saved.luu,
            notice => saved.tb,
            errors,
            typed,
            evidence,
            now => now.to_rfc3339(),
        },
    )
}

/// Reads a leaf form into the service's request. Returns the Vietnamese message of the
/// first field that does not parse.
fn leaf_save_from_form(leaf: &str, form: &BTreeMap<String, String>) -> Result<LeafSave, String> {
    let field = |name: &str| form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let number = |name: &str, label: &str| -> Result<Points, String> {
        field(name)
            .ok_or_else(|| format!("Cần nhập {label}."))?
            .parse::<Points>()
            .map_err(|e| format!("{label}: {e}."))
    };
    let not_applicable = form.contains_key("not_applicable");
    let input = if not_applicable {
        None
    } else {
        match form.get("kind").map(String::as_str) {
            Some("yes_no") => match field("met") {
                Some("dat") => Some(LeafInput::YesNo { met: true }),
                Some("khong_dat") => Some(LeafInput::YesNo { met: false }),
                _ => None,
            },
            Some("rate") if field("numerator").is_some() || field("denominator").is_some() => {
                Some(LeafInput::Rate {
                    numerator: number("numerator", "Tử số")?,
                    denominator: number("denominator", "Mẫu số")?,
                })
            }
            Some("judged") => field("points")
                .map(|_| number("points", "Điểm"))
                .transpose()?
                .map(|points| LeafInput::Judged { points }),
            Some("occurrences") => field("count")
                .map(|c| {
                    c.parse::<i64>()
                        .map_err(|_| "Số lần phải là số nguyên.".to_string())
                })
                .transpose()?
                .map(|count| LeafInput::Occurrences { count }),
            _ => None,
        }
    };
    Ok(LeafSave {
        leaf_code: leaf.to_string(),
        input,
        explanation: form.get("explanation").cloned().unwrap_or_default(),
        not_applicable,
        na_reason: form.get("na_reason").cloned().unwrap_or_default(),
        expected_version: field("expected_version").and_then(|v| v.parse().ok()),
    })
}

async fn save_leaf(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    headers: HeaderMap,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    let htmx = headers.contains_key("hx-request");
    let result = match leaf_save_from_form(&leaf, &form) {
        Ok(save) => self_service::save_leaf(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            &peer.ip().to_string(),
            round,
            unit,
            save,
        )
        .await
        .map_err(|e| match e {
            ServiceError::Forbidden(_) | ServiceError::NotFound(_) | ServiceError::Store(_) => {
                Err(e)
            }
            other => Ok(other),
        }),
        Err(message) => Err(Ok(ServiceError::Invalid(message))),
    };
    // Locked: the page comes back read-only with the lock's reason, as a 403.
    let locked = matches!(result, Err(Ok(ServiceError::Locked(_))));
    let result = result.map_err(|e| e.map(|refused| refused.to_string()));
    let error = match result {
        Ok(_) if !htmx => {
            return Ok(Redirect::to(&format!(
                "/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}"
            ))
            .into_response());
        }
        Ok(_) => None,
        Err(Err(e)) => return Err(e.into()),
        Err(Ok(message)) => Some(message),
    };
    // Re-render with what was typed kept, and the error beside the leaf.
    let view =
        self_service::view(&state.store, state.clock.as_ref(), &user.actor, round, unit).await?;
    let errors: BTreeMap<String, String> =
        error.iter().map(|m| (leaf.clone(), m.clone())).collect();
    let typed: BTreeMap<String, BTreeMap<String, String>> = if error.is_some() {
        BTreeMap::from([(leaf.clone(), form.clone())])
    } else {
        BTreeMap::new()
    };
    let status = if locked {
        StatusCode::FORBIDDEN
    } else if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if htmx {
        let node = view.nodes.iter().find(|n| n.node.code == leaf);
        let editable = user.actor.may_edit_self_assessment(unit)
            && view.access.open
            && view.submitted_at.is_none();
        let html = render(
            "_leaf.html",
            context! {
                user => user_ctx(&user),
                view => Value::from_serialize(&view),
                n => Value::from_serialize(node),
                editable,
                saved_leaf => if error.is_none() { Some(leaf.clone()) } else { None },
                errors,
                typed,
                evidence => evidence_by_leaf(&state, &user, round, unit).await?,
            },
        );
        // htmx swaps only successful responses by default; the fragment carries the error.
        return Ok((StatusCode::OK, html).into_response());
    }
    let evidence = evidence_by_leaf(&state, &user, round, unit).await?;
    let html = render_self_assessment(
        state.clock.now(),
        &user,
        &view,
        Saved::default(),
        errors,
        typed,
        evidence,
    );
    Ok((status, html).into_response())
}

/// The points a leaf form would give, computed on the server as the user types.
async fn preview_points(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    if !user.actor.may_view_unit(unit) {
        return Err(ServiceError::Forbidden("Không được xem đơn vị này.".into()).into());
    }
    let (_, _, set) = self_service::unit_in_round(&state.store, round, unit).await?;
    let text = match (set.node(&leaf), leaf_save_from_form(&leaf, &form)) {
        (_, Err(message)) => message,
        (Some(node), Ok(save)) => match save.input {
            None if save.not_applicable => "Không áp dụng".to_string(),
            None => "Chưa chấm".to_string(),
            Some(input) => match node.score(input) {
                Ok(points) => format!("{} điểm", points.to_vn()),
                Err(e) => e.to_string(),
            },
        },
        (None, _) => "Không có tiêu chí này".to_string(),
    };
    Ok(Html(minijinja::HtmlEscape(&text).to_string()).into_response())
}

/// Uploads an evidence file for a leaf from the page's form, then returns to the leaf.
async fn upload_evidence(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    request: axum::extract::Request,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    let (upload, csrf) =
        super::evidence::read_upload_with_csrf(request, state.files.max_upload_bytes()).await?;
    user.check_csrf(csrf.as_deref())?;
    let leaf = upload.leaves.first().cloned().unwrap_or_default();
    let address = peer.ip().to_string();
    let result = crate::service::evidence::upload_file(
        &state.store,
        &state.files,
        state.clock.as_ref(),
        &user.actor,
        &address,
        round,
        unit,
        upload,
    )
    .await;
    match result {
        Ok(stored) => {
            // The leaf as validated, not as sent.
            let leaf = stored.leaves.first().cloned().unwrap_or_default();
            Ok(Redirect::to(&format!(
                "/ky/{round}/don-vi/{unit}/tu-cham-diem?luu={leaf}#tc-{leaf}"
            ))
            .into_response())
        }
        Err(
            e @ (ServiceError::Invalid(_)
            | ServiceError::TooLarge(_)
            | ServiceError::Conflict(_)
            | ServiceError::Locked(_)),
        ) => {
            let view =
                self_service::view(&state.store, state.clock.as_ref(), &user.actor, round, unit)
                    .await?;
            let evidence = evidence_by_leaf(&state, &user, round, unit).await?;
            let errors = BTreeMap::from([(leaf, e.to_string())]);
            let html = render_self_assessment(
                state.clock.now(),
                &user,
                &view,
                Saved::default(),
                errors,
                BTreeMap::new(),
                evidence,
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    self_service::submit(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        &peer.ip().to_string(),
        round,
        unit,
    )
    .await?;
    Ok(Redirect::to(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?tb=da-gui")).into_response())
}

async fn withdraw(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    self_service::withdraw(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        &peer.ip().to_string(),
        round,
        unit,
    )
    .await?;
    Ok(Redirect::to(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem?tb=da-rut")).into_response())
}

async fn history_page(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    let entries = self_service::leaf_history(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        round,
        unit,
        &leaf,
    )
    .await?;
    let unit_name = state.store.unit(unit).await?.name;
    let html = render(
        "history.html",
        context! { user => user_ctx(&user), entries => Value::from_serialize(&entries), leaf, unit_name, round, unit },
    );
    Ok(html.into_response())
}

// ---------------------------------------------------------------- explanations

async fn explanations_page(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    Query(saved): Query<Saved>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    render_explanations(&state, &user, round, unit, saved.luu, None).await
}

async fn render_explanations(
    state: &AppState,
    user: &SignedIn,
    round: i64,
    unit: i64,
    saved_leaf: Option<String>,
    error: Option<(String, String, String)>,
) -> PageResult {
    let view = crate::service::explanations::view(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        round,
        unit,
    )
    .await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(
        "explanations.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            editable => user.actor.may_edit_self_assessment(unit) && view.access.open,
            saved_leaf,
            error_leaf => error.as_ref().map(|e| e.0.clone()),
            error => error.as_ref().map(|e| e.1.clone()),
            typed => error.map(|e| e.2),
        },
    );
    Ok((status, html).into_response())
}

async fn save_explanation(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    let text = form.get("text").cloned().unwrap_or_default();
    let address = peer.ip().to_string();
    match crate::service::explanations::save_explanation(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        &address,
        round,
        unit,
        &leaf,
        &text,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/ky/{round}/don-vi/{unit}/giai-trinh?luu={leaf}#tc-{leaf}"
        ))
        .into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Locked(_))) => {
            render_explanations(
                &state,
                &user,
                round,
                unit,
                None,
                Some((leaf, e.to_string(), text)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- appraisal

async fn appraisal_page(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath((round, unit)): ApiPath<(i64, i64)>,
    Query(saved): Query<Saved>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    render_appraisal(&state, &user, round, unit, saved.luu, None).await
}

async fn render_appraisal(
    state: &AppState,
    user: &SignedIn,
    round: i64,
    unit: i64,
    saved_leaf: Option<String>,
    error: Option<(String, String)>,
) -> PageResult {
    if user.actor.role.is_unit_role() {
        return Err(ServiceError::Forbidden(
            "Trang thẩm định dành cho thành viên thẩm định và quản trị.".into(),
        )
        .into());
    }
    let view =
        self_service::view(&state.store, state.clock.as_ref(), &user.actor, round, unit).await?;
    let stored = state.store.round(round).await?;
    let now = state.clock.now();
    let open_round = [(1, Phase::AppraisalRound1), (2, Phase::AppraisalRound2)]
        .into_iter()
        .find(|(_, p)| {
            stored
                .phases
                .get(p)
                .is_some_and(|w| now >= w.opens_at && now <= w.closes_at)
        })
        .map(|(n, _)| n);
    let appraisals: BTreeMap<String, Value> = state
        .store
        .appraisal_entries(round, unit)
        .await?
        .into_iter()
        .map(|((leaf, n), e)| (format!("{leaf}#{n}"), Value::from_serialize(&e)))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(
        "appraisal.html",
        context! {
            user => user_ctx(user),
            view => Value::from_serialize(&view),
            explanations => state.store.explanations(round, unit).await?,
            appraisals,
            open_round,
            may_appraise => user.actor.may_appraise_unit(unit) && open_round.is_some(),
            saved_leaf,
            error_leaf => error.as_ref().map(|e| e.0.clone()),
            error => error.map(|e| e.1),
        },
    );
    Ok((status, html).into_response())
}

async fn appraise(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath((round, unit, leaf)): ApiPath<(i64, i64, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    let n: i64 = form
        .get("appraisal_round")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let points = match form
        .get("points")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(text) => match text.parse::<Points>() {
            Ok(p) => Some(p),
            Err(e) => {
                return render_appraisal(
                    &state,
                    &user,
                    round,
                    unit,
                    None,
                    Some((leaf, format!("Điểm thẩm định: {e}."))),
                )
                .await;
            }
        },
    };
    let entry = AppraisalEntry {
        leaf_code: leaf.clone(),
        appraisal_round: n,
        points,
        not_applicable: form.contains_key("not_applicable"),
        comment: form.get("comment").cloned().unwrap_or_default(),
        explanation_requested: form.contains_key("explanation_requested"),
    };
    match scores::save_appraisal(
        &state.store,
        state.clock.as_ref(),
        &user.actor,
        &peer.ip().to_string(),
        round,
        unit,
        entry,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/ky/{round}/don-vi/{unit}/tham-dinh?luu={leaf}#tc-{leaf}"
        ))
        .into_response()),
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Locked(_) | ServiceError::Conflict(_)),
        ) => {
            render_appraisal(
                &state,
                &user,
                round,
                unit,
                None,
                Some((leaf, e.to_string())),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- results

async fn results_page(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    let computed = results::round_results(&state.store, round, state.clock.now()).await?;
    let visible =
        results::visible_to(&state.store, state.clock.now(), computed, &user.actor).await?;
    Ok(render(
        "results.html",
        context! { user => user_ctx(&user), results => Value::from_serialize(&visible) },
    )
    .into_response())
}

// ---------------------------------------------------------------- administration

fn admin(user: &SignedIn) -> PageResult<()> {
    if user.actor.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden("Trang này dành cho quản trị (Sở Nội vụ).".into()).into())
    }
}

#[derive(Deserialize, Default)]
struct AdminQuery {
    khoi: Option<String>,
    tb: Option<String>,
    /// The outcome of an import, shown on the page (never read from the query string).
    #[serde(skip)]
    report: Option<crate::service::imports::ImportReport>,
}

async fn admin_round(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
    Query(q): Query<AdminQuery>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    admin(&user)?;
    render_admin_round(&state, &user, round, q, None, BTreeMap::new()).await
}

async fn render_admin_round(
    state: &AppState,
    user: &SignedIn,
    round: i64,
    q: AdminQuery,
    error: Option<String>,
    typed: BTreeMap<String, String>,
) -> PageResult {
    let stored = state.store.round(round).await?;
    let mut progress =
        dashboard::round_progress(&state.store, state.clock.as_ref(), &user.actor, round).await?;
    let tiers: Vec<String> = stored.tiers.iter().map(|t| t.tier_name.clone()).collect();
    if let Some(tier) = q.khoi.as_deref().filter(|t| !t.is_empty()) {
        progress.retain(|p| p.tier_name == tier);
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(
        "admin_round.html",
        context! {
            user => user_ctx(user),
            round => context! { id => stored.id, title => stored.title.clone(), published => stored.published_at.map(format_instant) },
            progress => Value::from_serialize(&progress),
            tiers,
            tier => q.khoi,
            notice => q.tb,
            error,
            typed,
            report => q.report.map(|r| Value::from_serialize(&r)),
            error_lines => error.as_deref().map(|e| e.lines().map(str::to_string).collect::<Vec<_>>()),
        },
    );
    Ok((status, html).into_response())
}

/// After a form on the round's administration page: back to the page with a notice, or the
/// page again with the error and what was typed.
async fn after_admin_change(
    state: &AppState,
    user: &SignedIn,
    round: i64,
    form: BTreeMap<String, String>,
    notice: &str,
    outcome: Result<(), String>,
) -> PageResult {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/quan-tri/ky/{round}?tb={notice}")).into_response()),
        Err(message) => {
            render_admin_round(
                state,
                user,
                round,
                AdminQuery::default(),
                Some(message),
                form,
            )
            .await
        }
    }
}

async fn grant_override(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    admin(&user)?;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let attempt = async {
        let unit: i64 = field("unit")
            .parse()
            .map_err(|_| "Cần chọn đơn vị.".to_string())?;
        let phase =
            Phase::parse(&field("phase")).ok_or_else(|| "Cần chọn giai đoạn.".to_string())?;
        let kind = match field("kind").as_str() {
            "reopening" => OverrideKind::Reopening,
            _ => OverrideKind::Extension,
        };
        let until = parse_deadline(&field("until")).ok_or_else(|| {
            format!(
                "«{}» không phải là ngày giờ hợp lệ; nhập dd/mm/yyyy hoặc dd/mm/yyyy hh:mm.",
                field("until")
            )
        })?;
        state
            .store
            .grant_override(
                round,
                unit,
                phase,
                kind,
                until,
                &field("reason"),
                NewAudit::by(&user.actor, &peer.ip().to_string()),
                state.clock.now(),
            )
            .await
            .map_err(|e| user_message(e.into()))
    };
    let outcome = attempt.await;
    after_admin_change(&state, &user, round, form, "da-gia-han", outcome).await
}

/// The administrator enters one survey score (Excel import comes with the Excel issue).
async fn survey_score(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    admin(&user)?;
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let attempt = async {
        let unit: i64 = field("survey_unit")
            .parse()
            .map_err(|_| "Cần chọn đơn vị.".to_string())?;
        let points: Points = field("points")
            .parse()
            .map_err(|e| format!("Điểm điều tra: {e}."))?;
        let address = peer.ip().to_string();
        scores::set_survey_score(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            &address,
            round,
            unit,
            &field("leaf"),
            points,
        )
        .await
        .map_err(user_message)
    };
    let outcome = attempt.await;
    after_admin_change(&state, &user, round, form, "da-luu-dieu-tra", outcome).await
}

async fn publish(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    check_form_csrf(&user, &form)?;
    admin(&user)?;
    state
        .store
        .publish_round(
            round,
            NewAudit::by(&user.actor, &peer.ip().to_string()),
            state.clock.now(),
        )
        .await?;
    Ok(Redirect::to(&format!("/ky/{round}/ket-qua")).into_response())
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    don_vi: Option<String>,
    tieu_chi: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    admin(&user)?;
    let unit_id = q.don_vi.as_deref().and_then(|u| u.parse::<i64>().ok());
    let leaf_code = q.tieu_chi.clone().filter(|l| !l.trim().is_empty());
    let entries = state
        .store
        .audit_log(&AuditFilter { unit_id, leaf_code })
        .await?;
    let mut units = state.store.units(None).await?;
    crate::domain::collation::sort_vi(&mut units, |u| &u.name);
    Ok(render(
        "audit.html",
        context! {
            user => user_ctx(&user),
            entries => Value::from_serialize(&entries),
            units => Value::from_serialize(&units),
            unit_id,
            leaf => q.tieu_chi,
        },
    )
    .into_response())
}

// ---------------------------------------------------------------- directory

async fn directory_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<AdminQuery>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    render_directory(&state, &user, q.tb, None, BTreeMap::new(), None).await
}

async fn render_directory(
    state: &AppState,
    user: &SignedIn,
    notice: Option<String>,
    error: Option<String>,
    typed: BTreeMap<String, String>,
    report: Option<crate::service::imports::DirectoryReport>,
) -> PageResult {
    let (tiers, units, users) = crate::service::admin::directory(&state.store, &user.actor).await?;
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            context! {
                username => &u.username,
                display_name => &u.display_name,
                role => &u.role,
                valid_until => u.expires_at.map(|t| crate::domain::deadline::vn_date(t).format("%d/%m/%Y").to_string()),
            }
        })
        .collect();
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| context! { code => r.as_str(), label => r.label() })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(
        "directory.html",
        context! {
            user => user_ctx(user),
            tiers => Value::from_serialize(&tiers),
            units => Value::from_serialize(&units),
            users,
            roles,
            notice,
            error_lines => error.as_deref().map(|e| e.lines().map(str::to_string).collect::<Vec<_>>()),
            error,
            typed,
            report => report.as_ref().map(Value::from_serialize),
        },
    );
    Ok((status, html).into_response())
}

/// Runs one directory change from a form; on refusal, shows the page again with the error.
async fn directory_change(
    state: &AppState,
    jar: &CookieJar,
    form: BTreeMap<String, String>,
    change: impl AsyncFnOnce(&SignedIn) -> Result<(), ServiceError>,
) -> PageResult {
    let user = page_user(state, jar).await?;
    check_form_csrf(&user, &form)?;
    match change(&user).await {
        Ok(()) => Ok(Redirect::to("/quan-tri?tb=da-luu").into_response()),
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_) | ServiceError::NotFound(_)),
        ) => render_directory(state, &user, None, Some(e.to_string()), form, None).await,
        Err(e) => Err(e.into()),
    }
}

async fn add_tier(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let f = form.clone();
    let address = peer.ip().to_string();
    directory_change(&state, &jar, form, async |user| {
        let field = |k: &str| f.get(k).cloned().unwrap_or_default();
        let position = field("position").trim().parse().unwrap_or(0);
        crate::service::admin::save_tier(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            &address,
            &field("code"),
            &field("name"),
            position,
        )
        .await
        .map(|_| ())
    })
    .await
}

async fn add_unit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let f = form.clone();
    let address = peer.ip().to_string();
    directory_change(&state, &jar, form, async |user| {
        let field = |k: &str| f.get(k).cloned().unwrap_or_default();
        crate::service::admin::save_unit(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            &address,
            &field("code"),
            &field("name"),
            &field("tier_code"),
        )
        .await
        .map(|_| ())
    })
    .await
}

async fn add_user(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let f = form.clone();
    let address = peer.ip().to_string();
    directory_change(&state, &jar, form, async |user| {
        let field = |k: &str| f.get(k).cloned().unwrap_or_default();
        let new = crate::service::admin::NewUser {
            username: field("username"),
            display_name: field("display_name"),
            role: field("role"),
            unit_code: Some(field("unit_code")),
            password: field("password"),
        };
        crate::service::admin::create_user(
            &state.store,
            state.clock.as_ref(),
            &user.actor,
            &address,
            new,
        )
        .await
        .map(|_| ())
    })
    .await
}

/// An import form: the CSRF token, the "Kiểm tra trước" box and the file.
struct ImportUpload {
    csrf: Option<String>,
    dry_run: bool,
    bytes: Vec<u8>,
}

async fn read_import_form(mut multipart: axum::extract::Multipart) -> PageResult<ImportUpload> {
    let mut upload = ImportUpload {
        csrf: None,
        dry_run: false,
        bytes: Vec::new(),
    };
    let refused = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::Message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Tệp quá lớn: tệp Excel nhập vào tối đa 64 MB.".into(),
            )
        } else {
            PageError::Message(
                StatusCode::BAD_REQUEST,
                "Không nhận được trọn tệp gửi lên; vui lòng chọn tệp và gửi lại.".into(),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("csrf") => upload.csrf = Some(field.text().await.map_err(refused)?),
            Some("dry_run") => upload.dry_run = true,
            Some("file") => upload.bytes = field.bytes().await.map_err(refused)?.to_vec(),
            _ => {}
        }
    }
    Ok(upload)
}

#[derive(Deserialize, Default)]
struct CompareQuery {
    /// The older and the newer set to compare (ids).
    cu: Option<i64>,
    moi: Option<i64>,
}

/// The Vietnamese name of a field that changed between two versions of a leaf.
fn field_label(field: &str) -> &'static str {
    match field {
        "text" => "nội dung",
        "max" => "điểm tối đa",
        "method" => "cách chấm",
        "guidance" => "hướng dẫn chấm",
        "evidence" => "tài liệu kiểm chứng",
        "na_allowed" => "không áp dụng",
        _ => "khác",
    }
}

/// A diff of two versions for the page: added, removed and changed leaves.
fn diff_ctx(diff: &crate::domain::criteria::SetDiff) -> Value {
    let node = |n: &crate::domain::Node| {
        context! { code => &n.code, text => &n.text, max => n.max.to_vn() }
    };
    context! {
        added => diff.added.iter().map(node).collect::<Vec<_>>(),
        removed => diff.removed.iter().map(node).collect::<Vec<_>>(),
        changed => diff.changed.iter().map(|c| context! {
            code => &c.code,
            text => &c.after.text,
            fields => c.fields.iter().map(|f| field_label(f)).collect::<Vec<_>>().join(", "),
            max_before => c.before.max.to_vn(),
            max_after => c.after.max.to_vn(),
        }).collect::<Vec<_>>(),
        empty => diff.is_empty(),
    }
}

/// Criteria sets: every stored version, its workbook, a comparison of two versions, and
/// the import of a set from a Department of Home Affairs workbook.
async fn criteria_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<CompareQuery>,
) -> PageResult {
    let user = page_user(&state, &jar).await?;
    render_criteria(&state, &user, q, None, None).await
}

async fn render_criteria(
    state: &AppState,
    user: &SignedIn,
    q: CompareQuery,
    report: Option<crate::service::imports::CriteriaImport>,
    error: Option<String>,
) -> PageResult {
    let sets = crate::service::imports::criteria_sets(&state.store, &user.actor).await?;
    let comparison = match (q.cu, q.moi) {
        (Some(older), Some(newer)) => {
            let (a, b, diff) = crate::service::imports::compare_criteria_sets(
                &state.store,
                &user.actor,
                older,
                newer,
            )
            .await?;
            Some(context! { older => a, newer => b, diff => diff_ctx(&diff) })
        }
        _ => None,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let report = report.map(|r| {
        context! {
            code => &r.code,
            version => &r.version,
            title => &r.title,
            tier => &r.tier,
            leaves => r.leaves,
            hash => r.content_hash.get(..12).unwrap_or(&r.content_hash),
            outcome => r.outcome,
            dry_run => r.dry_run,
            compared_with => &r.compared_with,
            diff => r.diff.as_ref().map(diff_ctx),
        }
    });
    let html = render(
        "criteria_sets.html",
        context! {
            user => user_ctx(user),
            sets => Value::from_serialize(&sets),
            comparison,
            cu => q.cu,
            moi => q.moi,
            report,
            error_lines => error.as_deref().map(|e| e.lines().map(str::to_string).collect::<Vec<_>>()),
        },
    );
    Ok((status, html).into_response())
}

/// An Excel import from a page: a signed-in administrator, the CSRF token, then `run`
/// (a check, or the write unless "Kiểm tra trước" is ticked); `show` renders the page with
/// the report, or with the refusal and every problem in the file.
async fn page_import<R>(
    state: &AppState,
    jar: &CookieJar,
    peer: SocketAddr,
    multipart: axum::extract::Multipart,
    run: impl AsyncFnOnce(&SignedIn, String, Vec<u8>, bool) -> Result<R, ServiceError>,
    show: impl AsyncFnOnce(&SignedIn, Option<R>, Option<String>) -> PageResult,
) -> PageResult {
    let user = page_user(state, jar).await?;
    admin(&user)?;
    let upload = read_import_form(multipart).await?;
    user.check_csrf(upload.csrf.as_deref())?;
    let address = peer.ip().to_string();
    match run(&user, address, upload.bytes, upload.dry_run).await {
        Ok(report) => show(&user, Some(report), None).await,
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show(&user, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Survey scores from a workbook, on the round's administration page.
async fn import_survey(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiPath(round): ApiPath<i64>,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let (store, clock) = (&state.store, state.clock.as_ref());
    page_import(
        &state,
        &jar,
        peer,
        multipart,
        async |user, address, bytes, dry_run| {
            crate::service::imports::import_survey(
                store,
                clock,
                &user.actor,
                &address,
                round,
                bytes,
                dry_run,
            )
            .await
        },
        async |user, report, error| {
            let q = AdminQuery {
                report,
                ..AdminQuery::default()
            };
            render_admin_round(&state, user, round, q, error, BTreeMap::new()).await
        },
    )
    .await
}

/// Units and users from a workbook, on the directory page; a real run shows each new
/// account's first password once.
async fn import_directory(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let (store, clock) = (&state.store, state.clock.as_ref());
    page_import(
        &state,
        &jar,
        peer,
        multipart,
        async |user, address, bytes, dry_run| {
            crate::service::imports::import_directory(
                store,
                clock,
                &user.actor,
                &address,
                bytes,
                dry_run,
            )
            .await
        },
        async |user, report, error| {
            render_directory(&state, user, None, error, BTreeMap::new(), report).await
        },
    )
    .await
}

/// A criteria set from its workbook, on the criteria sets page.
async fn import_criteria(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let (store, clock) = (&state.store, state.clock.as_ref());
    page_import(
        &state,
        &jar,
        peer,
        multipart,
        async |user, address, bytes, dry_run| {
            crate::service::imports::import_criteria(
                store,
                clock,
                &user.actor,
                &address,
                bytes,
                dry_run,
            )
            .await
        },
        async |user, report, error| {
            render_criteria(&state, user, CompareQuery::default(), report, error).await
        },
    )
    .await
}
