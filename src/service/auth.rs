//! Sign-in with username and password (argon2 hashes), server-side sessions, rate
//! limiting of failed attempts, password change and reset.

use chrono::Duration;
use sha2::{Digest, Sha256};

use super::{Context, Result, ServiceError, Who};
use crate::domain::access::Actor;
use crate::store::SessionRecord;

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;
/// Failed attempts allowed per username from one address (and, ×4, per address) in the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const MIN_PASSWORD_CHARS: usize = 8;

const WRONG_CREDENTIALS: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";

/// A new session: the token goes in the cookie, the CSRF token in every form and API write.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Internal(format!("randomness for a session token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes a password with argon2id (on a blocking thread: it is slow on purpose).
pub async fn hash_password(password: &str) -> Result<String> {
    check_password_rules(password)?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password hashing task: {e}")))?
}

async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordVerifier;
        use argon2::password_hash::phc::PasswordHash;
        // Without a hash, verify against a fixed one anyway, so that an unknown username
        // takes as long to refuse as a wrong password.
        let stored = hash.unwrap_or_else(|| {
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$Jm6vEfWrWdKc2eRB1hCcb0qXRRIG0rQJ6ijU3wFmZwM".into()
        });
        PasswordHash::new(&stored)
            .map(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn check_password_rules(password: &str) -> Result<()> {
    use crate::domain::text::{limit, one_line};
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::Invalid(format!(
            "Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự."
        )));
    }
    if password.chars().count() as u64 > limit::PASSWORD {
        return Err(ServiceError::Invalid(format!(
            "Mật khẩu dài tối đa {} ký tự.",
            limit::PASSWORD
        )));
    }
    super::check_field("password", one_line(password))
}

/// Signs a user in. Refuses with the same message whatever was wrong; refuses everyone
/// for a while after too many failures for a username or from an address.
pub async fn sign_in(
    ctx: &Context,
    username: &str,
    password: &str,
    address: &str,
) -> Result<NewSession> {
    let (store, now) = (&ctx.store, ctx.clock.now());
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let username = username.trim();
    // A username or password no account can have is refused before anything is stored
    // or hashed: as a wrong one, saying nothing more.
    let plausible = |text: &str, max: u64| {
        text.chars().count() as u64 <= max && crate::domain::text::one_line(text).is_ok()
    };
    use crate::domain::text::limit;
    if !plausible(username, limit::CODE) || !plausible(password, limit::PASSWORD) {
        return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS.into()));
    }
    // The attempt counts before the (slow) password check, so parallel guesses cannot
    // slip past the limit; it is forgotten if the password was right. Counted whatever
    // the case typed: «QuanTri» is a guess at «quantri».
    let counted = username.to_lowercase();
    let attempt = store
        .record_sign_in_failure(&counted, address, now, window_start)
        .await?;
    let (by_user, by_address) = store
        .sign_in_failures(&counted, address, window_start)
        .await?;
    if by_user > MAX_FAILURES || by_address > MAX_FAILURES * 4 {
        // Refused unchecked: this attempt does not count, so the lock ends when the
        // failures that caused it are older than the window, whatever is tried meanwhile.
        store.forget_sign_in_attempt(attempt).await?;
        return Err(ServiceError::RateLimited(format!(
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {FAILURE_WINDOW_MINUTES} phút."
        )));
    }
    let found = store.user_for_sign_in(username).await?;
    // A disabled account is looked up too, and its password checked the same way (one
    // hash either way, so the time taken says nothing).
    let (actor, hash, disabled) = match found {
        Some((actor, hash)) => (Some(actor), hash, false),
        None => match store.disabled_password_hash(username).await? {
            Some(hash) => (None, hash, true),
            None => (None, None, false),
        },
    };
    let verified = verify_password(password, hash).await;
    if disabled && verified {
        // The password was right, so saying why does not help a guesser.
        store.forget_sign_in_attempt(attempt).await?;
        return Err(ServiceError::Unauthenticated(
            "Tài khoản đã bị khóa. Liên hệ Sở Nội vụ nếu cần mở lại.".into(),
        ));
    }
    let Some(actor) = actor.filter(|_| verified) else {
        return Err(ServiceError::Unauthenticated(WRONG_CREDENTIALS.into()));
    };
    if !store.account_open(actor.user_id, now).await? {
        // The password was right, so saying why does not help a guesser.
        store.forget_sign_in_attempt(attempt).await?;
        return Err(ServiceError::Unauthenticated(
            "Tài khoản đã hết hiệu lực. Liên hệ Sở Nội vụ nếu cần gia hạn.".into(),
        ));
    }
    store.forget_sign_in_attempt(attempt).await?;
    let token = random_token()?;
    let csrf_token = random_token()?;
    store
        .create_session(
            &token_hash(&token),
            actor.user_id,
            &csrf_token,
            address,
            now,
            now + Duration::hours(SESSION_HOURS),
        )
        .await?;
    Ok(NewSession {
        token,
        csrf_token,
        actor,
    })
}

/// The session behind a cookie token, if valid now.
pub async fn session(ctx: &Context, token: &str) -> Result<Option<SessionRecord>> {
    Ok(ctx
        .store
        .session(&token_hash(token), ctx.clock.now())
        .await?)
}

pub async fn sign_out(ctx: &Context, token: &str) -> Result<()> {
    Ok(ctx.store.delete_session(&token_hash(token)).await?)
}

/// A user changes their own password; every session of theirs ends.
pub async fn change_password(ctx: &Context, who: &Who, current: &str, new: &str) -> Result<()> {
    let (store, actor) = (&ctx.store, &who.actor);
    let (_, hash) = store
        .user_for_sign_in(&actor.username)
        .await?
        .ok_or_else(|| ServiceError::NotFound("người dùng".into()))?;
    if !verify_password(current, hash).await {
        return Err(ServiceError::Invalid(
            "Mật khẩu hiện tại không đúng.".into(),
        ));
    }
    let hash = hash_password(new).await?;
    Ok(store.set_password_hash(actor.user_id, &hash, false).await?)
}

/// An administrator sets a user's password; every session of that user ends.
pub async fn reset_password(ctx: &Context, who: &Who, user_id: i64, new: &str) -> Result<()> {
    let store = &ctx.store;
    super::require_admin(&who.actor)?;
    let account = store.user(user_id).await?;
    let hash = hash_password(new).await?;
    // The audit log names the account as people know it.
    let audit = crate::store::NewAudit {
        new_value: Some(format!("{} ({})", account.display_name, account.username)),
        ..who.audit()
    };
    Ok(store.reset_password(user_id, &hash, audit, who.now).await?)
}

/// How long a value held between two requests lasts (a first password, a checked file).
pub const HELD_MINUTES: i64 = 15;

/// The key under which a value for this session is held: only a request carrying the
/// session's own token can make it, so another administrator (or a copy of the database)
/// cannot find what was held.
fn held_key(session_token: &str, purpose: &str, subject: &str) -> String {
    token_hash(&format!("{session_token}\n{purpose}\n{subject}"))
}

/// Holds a password just made for `user_id` (created or reset), for this session only,
/// so that the account's page can show it again when refreshed; never in an address.
pub async fn hold_password(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    user_id: i64,
    password: &str,
) -> Result<()> {
    let subject = user_id.to_string();
    hold_text(ctx, who, session_token, ("password", &subject), password).await
}

/// The password held for `user_id` by this session, while it lasts.
pub async fn held_password(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    user_id: i64,
) -> Result<Option<String>> {
    let subject = user_id.to_string();
    held_text(ctx, who, session_token, ("password", &subject)).await
}

/// Holds `text` for this session only, under a purpose and a subject (`("password",
/// "12")`), for [`HELD_MINUTES`]: what a page made once (a password, an import's report
/// with first passwords) and shows again when refreshed. Holding again replaces it.
pub async fn hold_text(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    (purpose, subject): (&str, &str),
    text: &str,
) -> Result<()> {
    hold_bytes(ctx, who, session_token, (purpose, subject), text.as_bytes()).await
}

/// The text this session holds under a purpose and a subject, while it lasts.
pub async fn held_text(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    (purpose, subject): (&str, &str),
) -> Result<Option<String>> {
    let held = held_bytes(ctx, who, session_token, (purpose, subject)).await?;
    Ok(held.and_then(|bytes| String::from_utf8(bytes).ok()))
}

/// Holds `bytes` sealed (see [`super::sealed`]): the database never holds them readable.
async fn hold_bytes(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    (purpose, subject): (&str, &str),
    bytes: &[u8],
) -> Result<()> {
    let key = held_key(session_token, purpose, subject);
    let body = super::sealed::seal(session_token, &key, bytes)?;
    let until = who.now + Duration::minutes(HELD_MINUTES);
    Ok(ctx
        .store
        .hold_value(&key, who.actor.user_id, purpose, &body, until, who.now)
        .await?)
}

/// What [`hold_bytes`] holds for this session, opened, while it lasts.
async fn held_bytes(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    (purpose, subject): (&str, &str),
) -> Result<Option<Vec<u8>>> {
    let key = held_key(session_token, purpose, subject);
    let held = ctx
        .store
        .held_value(&key, who.actor.user_id, purpose, who.now)
        .await?;
    Ok(held.and_then(|sealed| super::sealed::open(session_token, &key, &sealed)))
}

/// Holds a checked file for this session under a new random token (returned, to put in
/// the form that applies it), for [`HELD_MINUTES`].
pub async fn hold_file(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    purpose: &str,
    bytes: &[u8],
) -> Result<String> {
    let token = random_token()?;
    hold_bytes(ctx, who, session_token, (purpose, &token), bytes).await?;
    Ok(token)
}

/// The file held under `token` for this session, while it lasts.
pub async fn held_file(
    ctx: &Context,
    who: &Who,
    session_token: &str,
    purpose: &str,
    token: &str,
) -> Result<Option<Vec<u8>>> {
    held_bytes(ctx, who, session_token, (purpose, token.trim())).await
}

/// Forgets the file held under `token` (once applied).
pub async fn forget_file(
    ctx: &Context,
    session_token: &str,
    purpose: &str,
    token: &str,
) -> Result<()> {
    let key = held_key(session_token, purpose, token.trim());
    Ok(ctx.store.forget_value(&key).await?)
}
