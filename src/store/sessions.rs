//! Passwords, sessions and failed sign-ins. Session tokens are stored only as hashes, so
//! a copy of the database does not let anyone sign in.

use chrono::{DateTime, Utc};

use super::audit::NewAudit;
use super::{Result, Store, StoreError, to_ts};
use crate::domain::access::{Actor, Role, Scope};

/// A session looked up by its token.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub actor: Actor,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// The password was set by someone else: it must be changed before anything else.
    pub must_change_password: bool,
    /// How many of the user's notices are unread (the count in every page's header).
    pub unread_notices: i64,
}

#[derive(sqlx::FromRow)]
struct ActorRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    unit_id: Option<i64>,
    department_unit_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SignInRow {
    #[sqlx(flatten)]
    user: ActorRow,
    password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: ActorRow,
    csrf_token: String,
    expires_at: i64,
    must_change_password: i64,
    unread_notices: i64,
}

impl Store {
    async fn actor_from_row(&self, row: ActorRow) -> Result<Actor> {
        let ActorRow {
            id: user_id,
            username,
            display_name,
            role,
            unit_id,
            department_unit_id,
        } = row;
        let role = Role::parse(&role)
            .ok_or_else(|| StoreError::Invalid(format!("vai trò không hợp lệ: {role}")))?;
        // A tier's scope stands for every unit of the tier now (units added later too). A
        // tier with no unit yet gives unit 0, which no unit has: the scope limits without
        // allowing anything, never «no scope», which would mean every unit.
        // Only an appraiser's access depends on scopes: no query for anyone else.
        let scopes: Vec<(Option<i64>, Option<String>)> = if role != Role::Appraiser {
            Vec::new()
        } else {
            sqlx::query_as(
                r"select s.unit_id, s.area_code from appraiser_scopes s
              where s.user_id = $1 and s.tier_id is null
              union all
              select coalesce(u.id, 0), s.area_code from appraiser_scopes s
              left join units u on u.tier_id = s.tier_id
              where s.user_id = $1 and s.tier_id is not null",
            )
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
        };
        Ok(Actor {
            user_id,
            username,
            display_name,
            role,
            unit_id,
            scopes: scopes
                .into_iter()
                .map(|(unit_id, area_code)| Scope { unit_id, area_code })
                .collect(),
            // Only an appraiser appraises for a department.
            department_id: department_unit_id.filter(|_| role == Role::Appraiser),
        })
    }

    /// An active user and their password hash, by username.
    pub async fn user_for_sign_in(
        &self,
        username: &str,
    ) -> Result<Option<(Actor, Option<String>)>> {
        let row: Option<SignInRow> = sqlx::query_as(
            r"select id, username, display_name, role, unit_id, department_unit_id, password_hash from users
              where username = $1 and active = 1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((
                self.actor_from_row(row.user).await?,
                row.password_hash,
            ))),
        }
    }

    /// The password hash of a disabled account with this username, if there is one: a
    /// right password is then told the account is locked rather than wrong.
    pub async fn disabled_password_hash(&self, username: &str) -> Result<Option<Option<String>>> {
        Ok(
            sqlx::query_scalar(
                "select password_hash from users where username = $1 and active = 0",
            )
            .bind(username)
            .fetch_optional(&self.pool)
            .await?,
        )
    }

    pub async fn actor(&self, user_id: i64) -> Result<Actor> {
        let row: Option<ActorRow> = sqlx::query_as(
            "select id, username, display_name, role, unit_id, department_unit_id from users where id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        self.actor_from_row(
            row.ok_or_else(|| StoreError::NotFound(format!("người dùng #{user_id}")))?,
        )
        .await
    }

    /// Stores a new password hash and ends every session of the user; `must_change`: the
    /// password is someone else's choice (a first password), to be changed at sign-in.
    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        write_password(&mut tx, user_id, hash, must_change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator's reset of a user's password, its audit entry (`audit`, the
    /// action set here) in the same
    /// transaction; the user's sessions end and they must change it at their next sign-in.
    pub async fn reset_password(
        &self,
        user_id: i64,
        hash: &str,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        write_password(&mut tx, user_id, hash, true).await?;
        let entry = NewAudit {
            action: "user.password_reset".into(),
            ..audit
        };
        super::audit::append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Sets a password hash and ends the user's sessions, in `tx`.
async fn write_password(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    let changed =
        sqlx::query("update users set password_hash = $2, must_change_password = $3 where id = $1")
            .bind(user_id)
            .bind(hash)
            .bind(i64::from(must_change))
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("người dùng #{user_id}")));
    }
    sqlx::query("delete from sessions where user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Adds a scope row: a unit, a tier, or neither, with an area or not.
    pub async fn add_appraiser_scope(
        &self,
        user_id: i64,
        unit_id: Option<i64>,
        tier_id: Option<i64>,
        area_code: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "insert into appraiser_scopes (user_id, unit_id, tier_id, area_code) values ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(unit_id)
        .bind(tier_id)
        .bind(area_code)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        address: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            r"insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at, address)
              values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(to_ts(now))
        .bind(to_ts(expires_at))
        .bind(address)
        .execute(&mut *tx)
        .await?;
        // Sessions that have ended are of no use to anyone: each sign-in clears them.
        sqlx::query("delete from sessions where expires_at < $1")
            .bind(to_ts(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the account may be used at `now`: not past the date it is valid until.
    pub async fn account_open(&self, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
        let open: Option<i64> = sqlx::query_scalar(
            "select id from users where id = $1 and (expires_at is null or expires_at >= $2)",
        )
        .bind(user_id)
        .bind(to_ts(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(open.is_some())
    }

    /// The session with this token hash, if it exists, has not expired, and its user is
    /// active and not past the date the account is valid until.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        let row: Option<SessionRow> = sqlx::query_as(
            r"select u.id, u.username, u.display_name, u.role, u.unit_id, u.department_unit_id, s.csrf_token, s.expires_at,
                     u.must_change_password,
                     (select count(*) from notices n
                      where n.user_id = u.id and n.read_at is null) as unread_notices
              from sessions s join users u on u.id = s.user_id
              where s.token_hash = $1 and s.expires_at > $2 and u.active = 1
                and (u.expires_at is null or u.expires_at >= $2)",
        )
        .bind(token_hash)
        .bind(to_ts(now))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(SessionRecord {
                actor: self.actor_from_row(row.user).await?,
                csrf_token: row.csrf_token,
                expires_at: super::from_ts(row.expires_at),
                must_change_password: row.must_change_password != 0,
                unread_notices: row.unread_notices,
            })),
        }
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a sign-in attempt as failed (before the password is checked, so that
    /// parallel guesses all count), and forgets attempts older than `forget_before`.
    /// Returns the attempt's id, to forget it if the password was right.
    pub async fn record_sign_in_failure(
        &self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query("delete from sign_in_failures where at < $1")
            .bind(to_ts(forget_before))
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(
            "insert into sign_in_failures (username, address, at) values ($1, $2, $3) returning id",
        )
        .bind(username)
        .bind(address)
        .bind(to_ts(now))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Forgets one attempt (the password was right).
    pub async fn forget_sign_in_attempt(&self, id: i64) -> Result<()> {
        sqlx::query("delete from sign_in_failures where id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins since `since` for this username from any address, and from this
    /// address for any username.
    pub async fn sign_in_failures(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let counts: (i64, i64) = sqlx::query_as(
            r"select
                  coalesce(sum(case when username = $1 then 1 else 0 end), 0),
                  coalesce(sum(case when address = $2 then 1 else 0 end), 0)
              from sign_in_failures where at >= $3",
        )
        .bind(username)
        .bind(address)
        .bind(to_ts(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(counts)
    }
}
