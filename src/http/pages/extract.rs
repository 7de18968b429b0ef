//! What page handlers take from a request: the signed-in user (or a redirect to the
//! sign-in page), and forms, uploads and imports with their CSRF field checked.
//!
//! Where a request has a body, the [`Who`] the services judge it by is made once the body
//! has arrived: the instant of a write is when it is complete, not when its headers came.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::{PageError, PageResult};
use crate::http::AppState;
use crate::http::extract::{Caller, ClientAddress, SignedIn, csrf_form, parse_urlencoded};
use crate::http::upload::{ImportUpload, read_evidence, read_import};
use crate::service::Who;
use crate::service::evidence::Upload;

/// The signed-in user of a page without a body (a page shown), or a redirect to the
/// sign-in page.
pub struct PageUser {
    pub user: SignedIn,
    pub who: Who,
}

/// The session's user and who they are for the services, the instant still to come.
async fn caller(parts: &mut Parts, state: &AppState) -> PageResult<(SignedIn, Caller)> {
    let jar = CookieJar::from_headers(&parts.headers);
    let user = SignedIn::from_cookies(state, &jar)
        .await?
        .ok_or(PageError::SignIn)?;
    if user.must_change_password
        && !crate::http::extract::ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&parts.uri.path())
    {
        return Err(PageError::ChangePassword);
    }
    let address = ClientAddress::from_request_parts(parts, state).await;
    let caller = user.caller(state, address.unwrap_or_else(|never| match never {}));
    Ok((user, caller))
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PageResult<Self> {
        let (user, caller) = caller(parts, state).await?;
        let who = caller.who();
        Ok(PageUser { user, who })
    }
}

/// A form posted from a page: a signed-in user, the CSRF field checked, then the body
/// parsed into `T` (a value that does not fit is a 422 naming the field, never a default).
pub struct PageForm<T> {
    pub user: SignedIn,
    pub who: Who,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> PageResult<Self> {
        let (mut parts, body) = request.into_parts();
        let (user, caller) = caller(&mut parts, state).await?;
        let form = csrf_form(&user, Request::from_parts(parts, body), state).await?;
        let who = caller.who();
        Ok(PageForm { user, who, form })
    }
}

/// An evidence file sent from the self-assessment page, within the upload limit, its CSRF
/// field checked.
pub struct PageUpload {
    pub user: SignedIn,
    pub who: Who,
    pub upload: Upload,
}

impl FromRequest<AppState> for PageUpload {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> PageResult<Self> {
        let (mut parts, body) = request.into_parts();
        let (user, caller) = caller(&mut parts, state).await?;
        // Refused before the body is read when it would be refused after: a file with an
        // explanation of a leaf (three path parameters), or for the self-assessment.
        use crate::service::evidence::{may_upload, may_upload_supplementary};
        if let Ok(Path(params)) =
            Path::<std::collections::BTreeMap<String, String>>::from_request_parts(
                &mut parts, state,
            )
            .await
        {
            let id = |name: &str| params.get(name).and_then(|v| v.parse::<i64>().ok());
            if let (Some(round), Some(unit)) = (id("round"), id("unit")) {
                match params.get("leaf") {
                    Some(leaf) => {
                        may_upload_supplementary(&state.ctx, &caller.who(), round, unit, leaf)
                            .await?
                    }
                    None => may_upload(&state.ctx, &caller.who(), round, unit).await?,
                }
            }
        }
        let max = state.ctx.files.max_upload_bytes();
        let (upload, csrf) = read_evidence(Request::from_parts(parts, body), max).await?;
        user.check_csrf(csrf.as_deref())?;
        let who = caller.who();
        Ok(PageUpload { user, who, upload })
    }
}

/// An Excel import form (`_import_form.html`) from an administrator: refused before the
/// file is read when the user is not one, its CSRF field checked after.
pub struct PageImport {
    pub user: SignedIn,
    pub who: Who,
    pub upload: ImportUpload,
}

impl FromRequest<AppState> for PageImport {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> PageResult<Self> {
        let (mut parts, body) = request.into_parts();
        let (user, caller) = caller(&mut parts, state).await?;
        // The services' own check, made early: a file of up to 64 MB is not read for
        // someone who may not import it.
        crate::service::require_admin(&user.actor)?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                crate::http::error::HttpError::new(
                    e.status(),
                    "invalid_body",
                    "Cần gửi biểu mẫu có tệp Excel (multipart/form-data).",
                )
            })?;
        let upload = read_import(multipart).await?;
        user.check_csrf(upload.csrf.as_deref())?;
        let who = caller.who();
        Ok(PageImport { user, who, upload })
    }
}

/// A page's query string parsed into `T`; a bad value is a 422 page naming the parameter.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> PageResult<Self> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(PageQuery(parse_urlencoded(query.as_bytes())?))
    }
}
