//! The server-rendered pages, in Vietnamese, from the templates in `web/templates`: one
//! module per page, named after its template (`appraisal.rs` ↔ `appraisal.html`), each
//! with its `router()`. Every form works without JavaScript (post, then redirect back);
//! with htmx a leaf saves in place and computed points show as the user types.

mod admin_round;
mod appraisal;
mod assignments;
mod audit;
mod changes;
mod charts;
mod corrigenda;
mod criteria_sets;
mod directory;
mod exemptions;
mod explanations;
mod extract;
mod extras;
mod history;
mod home;
mod import_form;
mod leaf_form;
mod notices;
mod password;
mod public;
mod publication;
mod queue;
mod results;
mod review;
mod round_analysis;
mod round_members;
mod round_setup;
mod self_assessment;
mod sign_in;
mod sign_off;
mod templates;
mod unit;
mod unit_analysis;
mod user;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};

use super::AppState;
use super::error::{HttpError, status_of};
use super::extract::SignedIn;
use crate::service::ServiceError;
pub(crate) use extract::{PageForm, PageImport, PageQuery, PageUpload, PageUser};
pub(crate) use public::PublicPages;
pub(crate) use templates::render;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(sign_in::router())
        .merge(password::router())
        .merge(notices::router())
        .merge(home::router())
        .merge(self_assessment::router())
        .merge(review::router())
        .merge(changes::router())
        .merge(publication::router())
        .merge(public::router())
        .merge(history::router())
        .merge(explanations::router())
        .merge(appraisal::router())
        .merge(queue::router())
        .merge(results::router())
        .merge(unit_analysis::router())
        .merge(round_analysis::router())
        .merge(admin_round::router())
        .merge(extras::router())
        .merge(round_setup::router())
        .merge(round_members::router())
        .merge(exemptions::router())
        .merge(assignments::router())
        .merge(sign_off::router())
        .merge(corrigenda::router())
        .merge(audit::router())
        .merge(directory::router())
        .merge(unit::router())
        .merge(user::router())
        .merge(criteria_sets::router())
        .layer(axum::middleware::from_fn(session_ended))
        .layer(axum::middleware::from_fn(mark_posted))
}

/// Marks a page rendered in answer to a form posted the ordinary way, without htmx (a
/// refusal, a preview, an import's report): `<body data-posted>`. Such a page stands at
/// the form's address, which a refresh would post again and which is no page of its own;
/// `app.js` puts back the address of the page the form was sent from, with the form's
/// anchor. Marked here, once, for every page.
async fn mark_posted(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let posted = request.method() == axum::http::Method::POST
        && !request.headers().contains_key("hx-request");
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !posted || !html || response.status().is_redirection() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A page is a string rendered whole: its body is already all there.
    let page = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => match String::from_utf8(bytes.to_vec()) {
            Ok(page) => page.replacen("<body>", "<body data-posted>", 1),
            Err(e) => return Response::from_parts(parts, e.into_bytes().into()),
        },
        Err(e) => return PageError::Http(HttpError::internal(&e)).into_response(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, page.into())
}

/// Marks the redirect of a request that needed a session and had none (not a sign-out or
/// a password change, which also end at the sign-in page).
#[derive(Clone, Copy)]
struct NoSession;

/// Where a page that needs a session sends a request without one: the sign-in page, told
/// where to come back to. A request made by htmx from an open page (a save, a computed
/// preview) gets a 401 instead, so the page is not replaced by the sign-in form: the
/// page's script keeps what was typed and offers the sign-in link.
async fn session_ended(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let htmx = from_htmx(request.headers());
    let method = request.method().clone();
    let here = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let referer = request
        .headers()
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.to_string()));
    let response = next.run(request).await;
    if response.extensions().get::<NoSession>().is_none() {
        return response;
    }
    if htmx {
        return (
            StatusCode::UNAUTHORIZED,
            "Phiên đăng nhập đã hết hạn — đăng nhập lại.",
        )
            .into_response();
    }
    // A form posted without a session: back to the page it was posted from.
    let back = if method == axum::http::Method::GET {
        Some(here)
    } else {
        referer
    };
    match back.filter(|b| sign_in::safe_return(b).is_some() && b != "/") {
        Some(back) => Redirect::to(&format!(
            "/dang-nhap?tiep={}",
            percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
        ))
        .into_response(),
        None => response,
    }
}

/// Why a page could not be shown: not signed in (go sign in) or an error to explain, with
/// the status the API gives the same failure.
#[derive(Debug)]
pub enum PageError {
    SignIn,
    /// The password was set by an administrator: the change page first.
    ChangePassword,
    Http(HttpError),
}

pub type PageResult<T = Response> = Result<T, PageError>;

impl From<HttpError> for PageError {
    fn from(e: HttpError) -> Self {
        if e.status == StatusCode::UNAUTHORIZED {
            PageError::SignIn
        } else {
            PageError::Http(e)
        }
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        HttpError::from(e).into()
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        HttpError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn => {
                let mut response = Redirect::to("/dang-nhap").into_response();
                response.extensions_mut().insert(NoSession);
                response
            }
            PageError::ChangePassword => Redirect::to("/doi-mat-khau").into_response(),
            PageError::Http(e) => ErrorPage {
                heading: None,
                message: e.message,
            }
            .respond(e.status),
        }
    }
}

/// An error page's words, kept on its response: it is made where no session is at hand
/// (an extractor, a fallback), and [`with_user_bar`] renders it again with the menu and
/// the user bar of whoever is signed in.
#[derive(Clone)]
struct ErrorPage {
    /// «Không thực hiện được» when none.
    heading: Option<&'static str>,
    message: String,
}

impl ErrorPage {
    fn render(&self, user: Value) -> axum::response::Html<String> {
        let html = render(
            "error.html",
            context! { heading => self.heading, message => &self.message, user },
        );
        html.unwrap_or_else(|_| axum::response::Html(templates::FALLBACK.0.to_string()))
    }

    /// The page, without a user bar yet, with `status`.
    fn respond(self, status: StatusCode) -> Response {
        let mut response = (status, self.render(Value::from(()))).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Gives every error page (403, 404, 409, 500…) the menu and the user bar of the person
/// signed in, so they can find their way on; signed out, it stays as it is.
pub(crate) async fn with_user_bar(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cookies = axum::http::HeaderMap::from_iter(
        request
            .headers()
            .get_all(axum::http::header::COOKIE)
            .iter()
            .map(|v| (axum::http::header::COOKIE, v.clone())),
    );
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let jar = axum_extra::extract::CookieJar::from_headers(&cookies);
    let Ok(Some(user)) = SignedIn::from_cookies(&state, &jar).await else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, page.render(user_ctx(&user)).0.into())
}

/// A refusal shown beside the form that caused it, with its status; what is not the
/// user's to fix (not allowed, not signed in, nothing there to change, an internal
/// failure) becomes an error page.
pub(crate) fn refusal(e: ServiceError) -> PageResult<(StatusCode, String)> {
    match e {
        ServiceError::Forbidden(_)
        | ServiceError::Unauthenticated(_)
        | ServiceError::NotFound(_)
        | ServiceError::Store(_)
        | ServiceError::Files(_)
        | ServiceError::Internal(_) => Err(e.into()),
        other => Ok((status_of(&other), other.to_string())),
    }
}

/// The end of a form's action: a redirect to `to` when it was done, or `page` again with
/// the refusal beside the form (a failure that is not the user's is the error page).
pub(crate) async fn redirect_or_show(
    done: Result<(), ServiceError>,
    to: &str,
    page: impl AsyncFnOnce(
        Option<(StatusCode, String)>,
    ) -> PageResult<(StatusCode, axum::response::Html<String>)>,
) -> PageResult {
    use axum::response::IntoResponse;
    match done {
        Ok(()) => Ok(axum::response::Redirect::to(to).into_response()),
        Err(e) => {
            let error = refusal(e)?;
            Ok(page(Some(error)).await?.into_response())
        }
    }
}

/// A page's query after one of its forms was done: what was done (`?tb=da-…`), for the
/// page to say so.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct NoticeParams {
    pub tb: Option<String>,
}

/// What a page of lists and forms shows beyond its data: a notice of what was just done
/// (`?tb=`), or a refusal of one of its forms (`form` names which), the field it concerns
/// and what was typed, to fill the form again.
pub(crate) struct Shown<T> {
    pub notice: Option<String>,
    pub form: Option<&'static str>,
    pub error: Option<(StatusCode, String)>,
    pub field: Option<&'static str>,
    pub typed: Option<T>,
}

impl<T> Shown<T> {
    /// The page as it is, with a notice of what was just done.
    pub(crate) fn notice(notice: Option<String>) -> Shown<T> {
        Shown {
            notice,
            form: None,
            error: None,
            field: None,
            typed: None,
        }
    }

    /// The end of `form`'s action: a redirect to `done` when it was done, else the page's
    /// contents with the refusal beside the form and what was typed (something gone
    /// meanwhile is said there too; a failure that is not the user's is the error page).
    pub(crate) fn after(
        outcome: Result<(), ServiceError>,
        done: &str,
        form: &'static str,
        typed: T,
    ) -> PageResult<Result<Response, Shown<T>>> {
        let (field, error) = match outcome {
            Ok(()) => return Ok(Ok(Redirect::to(done).into_response())),
            Err(e @ ServiceError::NotFound(_)) => (None, (StatusCode::NOT_FOUND, e.to_string())),
            Err(e) => (e.field(), refusal(e)?),
        };
        Ok(Err(Shown {
            notice: None,
            form: Some(form),
            error: Some(error),
            field,
            typed: Some(typed),
        }))
    }
}

/// The status of a page shown with `error` (or without).
pub(crate) fn status_with(error: &Option<(StatusCode, String)>) -> StatusCode {
    error.as_ref().map_or(StatusCode::OK, |(s, _)| *s)
}

/// Whether the request was sent by htmx (the page's script), which swaps a part of the
/// page in place instead of loading the page.
pub(crate) fn from_htmx(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// A part of a page for htmx to swap in place, with the status the API gives the same
/// outcome. A refusal (403, 409, 422) says how to swap it (`HX-Reswap`): the page's script
/// swaps such an answer, where an error page is never swapped into a form.
pub(crate) fn in_place(status: StatusCode, html: axum::response::Html<String>) -> Response {
    if status.is_success() {
        return (status, html).into_response();
    }
    (status, [("hx-reswap", "outerHTML")], html).into_response()
}

/// The signed-in user as the base template shows them.
pub(crate) fn user_ctx(user: &SignedIn) -> Value {
    context! {
        name => user.actor.display_name.clone(),
        username => user.actor.username.clone(),
        role => user.actor.role,
        role_label => user.actor.role.label(),
        unit_id => user.actor.unit_id,
        csrf => user.csrf_token.clone(),
        unread => user.unread_notices,
    }
}

/// An error's lines, for pages that list every problem of a file.
pub(crate) fn lines(error: &Option<(StatusCode, String)>) -> Option<Vec<String>> {
    error
        .as_ref()
        .map(|(_, e)| e.lines().map(str::to_string).collect())
}

/// The page for an address that does not exist: «Không tìm thấy trang» (with the menu
/// and the user bar of whoever is signed in, see [`with_user_bar`]).
pub(crate) fn not_found_page() -> Response {
    ErrorPage {
        heading: Some("Không tìm thấy trang"),
        message: "Không có trang ở địa chỉ này. Kiểm tra lại đường dẫn, hoặc chọn một mục trên thanh điều hướng.".into(),
    }
    .respond(StatusCode::NOT_FOUND)
}
