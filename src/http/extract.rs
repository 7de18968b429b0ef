//! What handlers take from a request: the signed-in user and who they are for the services
//! ([`Who`]), the client's address, the CSRF check, and typed forms and queries whose bad
//! values are refused with the field named.
//!
//! The session token lives in an HttpOnly cookie. Every state-changing request must also
//! carry the session's CSRF token: the `x-csrf-token` header for the API, the `csrf`
//! field for forms. A page on another site can make the browser send the cookie, but it
//! cannot read the token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::{HttpError, Result};
use crate::domain::access::Actor;
use crate::service::{Who, auth};

pub const COOKIE: &str = "parindex_session";

/// The signed-in user of a request: their session's actor and CSRF token.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub actor: Actor,
    pub csrf_token: String,
    /// The password was set by an administrator and must be changed before anything else.
    pub must_change_password: bool,
    /// Unread notices, counted with the session (the header's «Thông báo (3)»).
    pub unread_notices: i64,
    pub(super) token: String,
}

/// What an account whose password must be changed may still reach: its own identity,
/// the change itself and signing out.
pub const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &[
    "/api/me",
    "/api/me/password",
    "/api/session",
    "/doi-mat-khau",
    "/dang-xuat",
];

fn csrf_refused() -> HttpError {
    HttpError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "Phiên làm việc không hợp lệ hoặc trang đã cũ. Vui lòng tải lại trang rồi thử lại.",
    )
}

impl SignedIn {
    /// Refuses a state-changing request whose CSRF token does not match the session's.
    pub fn check_csrf(&self, provided: Option<&str>) -> Result<()> {
        let expected = self.csrf_token.as_bytes();
        let ok = provided.is_some_and(|p| {
            let p = p.as_bytes();
            // Constant-time comparison: the time taken says nothing about the token.
            p.len() == expected.len()
                && p.iter()
                    .zip(expected)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if ok { Ok(()) } else { Err(csrf_refused()) }
    }

    /// Reads the session from the cookies; `None` when absent, expired or unknown.
    pub async fn from_cookies(state: &AppState, jar: &CookieJar) -> Result<Option<SignedIn>> {
        let Some(token) = jar.get(COOKIE).map(|c| c.value().to_string()) else {
            return Ok(None);
        };
        let record = auth::session(&state.ctx, &token).await?;
        if let Some(r) = &record {
            super::request_id::note_user(&r.actor.username);
        }
        Ok(record.map(|r| SignedIn {
            actor: r.actor,
            csrf_token: r.csrf_token,
            must_change_password: r.must_change_password,
            unread_notices: r.unread_notices,
            token,
        }))
    }

    /// This user asking from `address`; the instant comes later (see [`Caller`]).
    pub fn caller(&self, state: &AppState, address: ClientAddress) -> Caller {
        Caller {
            actor: self.actor.clone(),
            address: address.0,
            clock: state.ctx.clock.clone(),
        }
    }
}

fn unauthenticated() -> HttpError {
    HttpError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Vui lòng đăng nhập để tiếp tục.",
    )
}

/// Extracting it refuses the request with 401 when there is no valid session.
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let jar = CookieJar::from_headers(&parts.headers);
        let user = SignedIn::from_cookies(state, &jar)
            .await?
            .ok_or_else(unauthenticated)?;
        if user.must_change_password && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&parts.uri.path())
        {
            return Err(HttpError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Mật khẩu này do quản trị viên đặt: cần đổi mật khẩu trước khi tiếp tục.",
            ));
        }
        Ok(user)
    }
}

/// The client's IP address, for the audit log and the sign-in limits: the peer's, or, when
/// the peer is a trusted reverse proxy, the last address before it in `X-Forwarded-For`
/// (the one that proxy saw; earlier ones are the client's own word).
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let Some(peer) = peer else {
            return Ok(ClientAddress("unknown".into()));
        };
        let trusted = |ip: &std::net::IpAddr| state.trusted_proxies.contains(ip);
        if !trusted(&peer) {
            return Ok(ClientAddress(peer.to_string()));
        }
        // From the proxy back towards the client, past any other trusted proxy.
        let forwarded: Vec<std::net::IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        let client = forwarded.iter().rev().find(|ip| !trusted(ip)).copied();
        Ok(ClientAddress(client.unwrap_or(peer).to_string()))
    }
}

/// Who asks and from where. The instant the services judge the request at is read by
/// [`Caller::who`] when the handler calls them, after the whole request (its body too) has
/// arrived: a body sent slowly must not be judged by when its headers came, or a write
/// could be finished after a deadline and pass as made before it.
#[derive(Clone)]
pub struct Caller {
    pub actor: Actor,
    pub address: String,
    clock: std::sync::Arc<dyn crate::domain::Clock>,
}

impl Caller {
    /// This caller, now.
    pub fn who(&self) -> Who {
        Who::new(self.actor.clone(), self.address.clone(), self.clock.now())
    }
}

/// A signed-in user reading over the API.
#[derive(Clone)]
pub struct Reader(pub Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let user = SignedIn::from_request_parts(parts, state).await?;
        let address = ClientAddress::from_request_parts(parts, state).await;
        let address = address.unwrap_or_else(|never| match never {});
        Ok(Reader(user.caller(state, address)))
    }
}

/// A signed-in user writing over the API: extracting it also checks the CSRF header, so a
/// handler that takes a `Writer` cannot forget the check.
#[derive(Clone)]
pub struct Writer(pub Caller);

impl FromRequestParts<AppState> for Writer {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let user = SignedIn::from_request_parts(parts, state).await?;
        user.check_csrf(
            parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok()),
        )?;
        let address = ClientAddress::from_request_parts(parts, state).await;
        let address = address.unwrap_or_else(|never| match never {});
        Ok(Writer(user.caller(state, address)))
    }
}

/// An administrator writing over the API: a [`Writer`] the services' administrator check
/// lets through, checked before any body is read, so that an import's file (up to 64 MB)
/// is not read for someone who may not import it.
#[derive(Clone)]
pub struct AdminWriter(pub Caller);

impl FromRequestParts<AppState> for AdminWriter {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Writer(caller) = Writer::from_request_parts(parts, state).await?;
        crate::service::require_admin(&caller.actor)?;
        Ok(AdminWriter(caller))
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(state.secure_cookies);
    cookie.set_max_age(time::Duration::hours(auth::SESSION_HOURS));
    cookie
}

/// The cookie that ends the session in the browser.
pub fn removed_session_cookie() -> Cookie<'static> {
    Cookie::build(COOKIE).path("/").build()
}

/// Parses `application/x-www-form-urlencoded` text (a form body or a query string) into
/// `T`. A value that does not fit its field is refused with the field named, never
/// replaced by a default.
pub fn parse_urlencoded<T: DeserializeOwned>(text: &[u8]) -> Result<T> {
    refuse_invalid_utf8(text)?;
    let pairs =
        form_urlencoded::parse(text).map(|(k, v)| (k.into_owned(), FormValue(v.into_owned())));
    let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(pairs);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner().to_string();
        tracing::debug!(path = %e.path(), error = %inner, "form field refused");
        // A missing field is reported at the top; its name is in the message.
        let field = match e.path().to_string().as_str() {
            "." => inner.split('`').nth(1).unwrap_or("?").to_string(),
            path => path.to_string(),
        };
        if inner.starts_with("missing field") {
            HttpError::field(&field, "cần nhập.")
        } else {
            HttpError::field(&field, "giá trị không hợp lệ.")
        }
    })
}

/// Refuses a form whose keys or values, once decoded, are not UTF-8 (the decoder would
/// replace such bytes with «�» and store that instead of what was sent).
fn refuse_invalid_utf8(text: &[u8]) -> Result<()> {
    let decode = |part: &[u8]| {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(bytes).ok()
    };
    for pair in text.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, |&b| b == b'=');
        let key = decode(parts.next().unwrap_or_default());
        let value = decode(parts.next().unwrap_or_default());
        if key.is_none() || value.is_none() {
            let field = key.unwrap_or_else(|| "?".into());
            return Err(HttpError::field(
                &field,
                "có byte không phải chữ UTF-8; hãy gõ lại nội dung.",
            ));
        }
    }
    Ok(())
}

/// One value of a form, as text; numbers, flags and choices are parsed from it when the
/// field asks for them.
struct FormValue(String);

impl<'de> serde::de::IntoDeserializer<'de, serde::de::value::Error> for FormValue {
    type Deserializer = FormValue;

    fn into_deserializer(self) -> FormValue {
        self
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, Self::Error> {
            let value: $ty = self.0.trim().parse().map_err(serde::de::Error::custom)?;
            visitor.$visit(value)
        })*
    };
}

impl<'de> serde::Deserializer<'de> for FormValue {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        use serde::de::IntoDeserializer;
        visitor.visit_enum(self.0.into_deserializer())
    }

    parsed! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_bool => visit_bool: bool,
    }

    serde::forward_to_deserialize_any! {
        i128 u128 f32 f64 char str string bytes byte_buf unit unit_struct newtype_struct seq
        tuple tuple_struct map struct identifier ignored_any
    }
}

/// A form whose only field is its CSRF token (a button: submit, withdraw, publish…).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A query string parsed into `T` (see [`parse_urlencoded`]).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let query = parts.uri.query().unwrap_or_default();
        parse_urlencoded(query.as_bytes()).map(Query)
    }
}

/// A form body whose CSRF field (`csrf`) is checked against `user`'s session before the
/// body is parsed into `T` (see [`parse_urlencoded`]).
pub async fn csrf_form<T: DeserializeOwned>(
    user: &SignedIn,
    request: Request,
    state: &AppState,
) -> Result<T> {
    let bytes = axum::body::Bytes::from_request(request, state)
        .await
        .map_err(|e| {
            HttpError::new(
                e.status(),
                "invalid_body",
                "Không nhận được trọn biểu mẫu; vui lòng gửi lại.",
            )
        })?;
    let csrf = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    user.check_csrf(csrf.as_deref())?;
    parse_urlencoded(&bytes)
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Form {
        round: i64,
        #[serde(default)]
        note: String,
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_field() {
        let e = super::parse_urlencoded::<Form>(b"note=x&round=mot").expect_err("refused");
        assert_eq!(e.status.as_u16(), 422);
        assert!(e.message.contains("«round»"), "{}", e.message);
        let e = super::parse_urlencoded::<Form>(b"note=x").expect_err("missing");
        assert!(e.message.contains("«round»"), "{}", e.message);
        let ok = super::parse_urlencoded::<Form>(b"round=2").expect("parses");
        assert_eq!(ok.round, 2);
    }
}
