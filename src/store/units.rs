//! Tiers (khối), units (đơn vị) and users.

use serde::Serialize;
use sqlx::FromRow;

use super::{Result, Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct Tier {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tier_id: i64,
    /// 1 while the unit takes part, 0 once retired.
    pub active: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin, officer, head, appraiser or viewer.
    pub role: String,
    pub unit_id: Option<i64>,
    /// The last second (unix time) the account may be used; none: no end.
    pub expires_at: Option<i64>,
    /// 1 while the account may sign in, 0 once disabled.
    pub active: i64,
    /// 1 when its password was set by someone else and must be changed at sign-in.
    pub must_change_password: i64,
    /// Where notices are e-mailed; none: in the app only.
    pub email: Option<String>,
    /// The appraising department (cơ quan thẩm định) of an appraiser.
    pub department_unit_id: Option<i64>,
}

/// An account's attributes as an administrator edits them.
#[derive(Clone, Debug)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
    /// An appraiser's department.
    pub department_id: Option<i64>,
    pub expires_at: Option<i64>,
    pub active: bool,
    pub email: Option<String>,
}

/// One row of an appraiser's scope, with the names of what it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct ScopeRow {
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub tier_id: Option<i64>,
    pub tier_name: Option<String>,
    pub area_code: Option<String>,
}

impl Store {
    /// Creates a tier or renames it; returns its id.
    pub async fn upsert_tier(&self, code: &str, name: &str, position: i64) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            r"insert into tiers (code, name, position) values ($1, $2, $3)
              on conflict (code) do update set name = excluded.name, position = excluded.position
              returning id",
        )
        .bind(code)
        .bind(name)
        .bind(position)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn tiers(&self) -> Result<Vec<Tier>> {
        Ok(sqlx::query_as(
            "select id, code, name, position from tiers where active = 1 order by position, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn tier_by_code(&self, code: &str) -> Result<Tier> {
        sqlx::query_as("select id, code, name, position from tiers where code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("khối «{code}»")))
    }

    /// Creates a unit or updates its name and tier; returns its id.
    pub async fn upsert_unit(&self, code: &str, name: &str, tier_code: &str) -> Result<i64> {
        let tier = self.tier_by_code(tier_code).await?;
        let id: i64 = sqlx::query_scalar(
            r"insert into units (code, name, tier_id) values ($1, $2, $3)
              on conflict (code) do update set name = excluded.name, tier_id = excluded.tier_id
              returning id",
        )
        .bind(code)
        .bind(name)
        .bind(tier.id)
        .fetch_one(&self.pool)
        .await?;
        // After the name: results computed in between are at least as new as the version
        // they are kept under.
        renamed(&self.pool).await?;
        Ok(id)
    }

    /// Active units, optionally of one tier, in no particular order (sort for display
    /// with [`crate::domain::collation`]).
    pub async fn units(&self, tier_id: Option<i64>) -> Result<Vec<Unit>> {
        Ok(sqlx::query_as(
            r"select id, code, name, tier_id, active from units
              where active = 1 and ($1 is null or tier_id = $1) order by id",
        )
        .bind(tier_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every unit, active or not.
    pub async fn all_units(&self) -> Result<Vec<Unit>> {
        Ok(
            sqlx::query_as("select id, code, name, tier_id, active from units order by id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The units of `ids` (in no particular order): one query for a chunk of an export.
    pub async fn units_by_id(&self, ids: &[i64]) -> Result<Vec<Unit>> {
        let list = self.unit_list("id", ids);
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select id, code, name, tier_id, active from units where $1 = 1 and {}",
            list.clause
        )))
        .bind(1_i64)
        .bind(list.param)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn unit(&self, id: i64) -> Result<Unit> {
        sqlx::query_as("select id, code, name, tier_id, active from units where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị #{id}")))
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Unit> {
        // Codes are matched whatever their case, as the directory import matches them:
        // «so-01» is the stored «SO-01», never a second unit.
        sqlx::query_as(
            "select id, code, name, tier_id, active from units where upper(code) = upper($1)",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("đơn vị «{code}»")))
    }

    /// Whether an account has this username, whatever the case of its letters.
    pub async fn username_taken(&self, username: &str) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("select id from users where lower(username) = lower($1)")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Creates a user (without a password until sign-in exists); returns its id.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        unit_id: Option<i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            r"insert into users (username, display_name, role, unit_id, created_at)
              values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(username)
        .bind(display_name)
        .bind(role)
        .bind(unit_id)
        .bind(super::to_ts(now))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(format!("tên đăng nhập «{username}» đã có người dùng"))
            }
            _ => e.into(),
        })?;
        Ok(id)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(sqlx::query_as(
            r"select id, username, display_name, role, unit_id, expires_at, active, must_change_password,
                     email, department_unit_id
              from users order by id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        sqlx::query_as(
            r"select id, username, display_name, role, unit_id, expires_at, active, must_change_password,
                     email, department_unit_id
              from users where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("người dùng #{id}")))
    }

    /// Changes an account, its audit entry in the same transaction. A disabled account's
    /// sessions end.
    pub async fn update_user(
        &self,
        id: i64,
        update: &UserUpdate,
        audit: super::NewAudit,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            r"update users set display_name = $2, role = $3, unit_id = $4, expires_at = $5, active = $6,
                             email = $7, department_unit_id = $8
              where id = $1",
        )
        .bind(id)
        .bind(&update.display_name)
        .bind(&update.role)
        .bind(update.unit_id)
        .bind(update.expires_at)
        .bind(i64::from(update.active))
        .bind(update.email.as_deref())
        .bind(update.department_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("người dùng #{id}")));
        }
        if !update.active {
            sqlx::query("delete from sessions where user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        super::audit::append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an account's e-mail address (none: in the app only).
    pub async fn set_user_email(&self, id: i64, email: Option<&str>) -> Result<()> {
        sqlx::query("update users set email = $2 where id = $1")
            .bind(id)
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An appraiser's scope rows, units and tiers named.
    pub async fn user_scopes(&self, user_id: i64) -> Result<Vec<ScopeRow>> {
        Ok(sqlx::query_as(
            r"select s.unit_id, u.name as unit_name, s.tier_id, t.name as tier_name, s.area_code
              from appraiser_scopes s
              left join units u on u.id = s.unit_id
              left join tiers t on t.id = s.tier_id
              where s.user_id = $1
              order by t.name, u.name, s.area_code",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Removes the scope rows equal to this one; how many were removed.
    pub async fn remove_appraiser_scope(
        &self,
        user_id: i64,
        scope: &ScopeRow,
        audit: super::NewAudit,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query(
            r"delete from appraiser_scopes where user_id = $1
              and unit_id is not distinct from $2 and tier_id is not distinct from $3
              and area_code is not distinct from $4",
        )
        .bind(user_id)
        .bind(scope.unit_id)
        .bind(scope.tier_id)
        .bind(scope.area_code.as_deref())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed > 0 {
            super::audit::append(&mut tx, &audit, now).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Writes a whole directory import in one transaction, each change audited: units
    /// first (so users may belong to units of the same file), then accounts. A user with a
    /// password hash is created; one without is updated by username.
    pub async fn apply_directory(
        &self,
        units: &[UnitWrite],
        users: &[UserWrite],
        audit: super::NewAudit,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for u in units {
            let tier_id: i64 = sqlx::query_scalar("select id from tiers where code = $1")
                .bind(&u.tier_code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("khối «{}»", u.tier_code)))?;
            let unit_id: i64 = sqlx::query_scalar(
                r"insert into units (code, name, tier_id) values ($1, $2, $3)
                  on conflict (code) do update set name = excluded.name, tier_id = excluded.tier_id
                  returning id",
            )
            .bind(&u.code)
            .bind(&u.name)
            .bind(tier_id)
            .fetch_one(&mut *tx)
            .await?;
            let entry = super::NewAudit {
                action: "unit.import".into(),
                unit_id: Some(unit_id),
                old_value: u.previous.clone(),
                new_value: Some(format!("{}: {} ({})", u.code, u.name, u.tier_code)),
                ..audit.clone()
            };
            super::audit::append(&mut tx, &entry, now).await?;
        }
        renamed(&mut *tx).await?;
        // Predecessors once every unit of the file exists: they may be units of the file.
        for u in units {
            let Some(codes) = &u.predecessors else {
                continue;
            };
            let unit_id: i64 = sqlx::query_scalar("select id from units where code = $1")
                .bind(&u.code)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("delete from unit_predecessors where unit_id = $1")
                .bind(unit_id)
                .execute(&mut *tx)
                .await?;
            for code in codes {
                sqlx::query(
                    r"insert into unit_predecessors (unit_id, predecessor_id)
                      select $1, id from units where code = $2",
                )
                .bind(unit_id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            }
            let entry = super::NewAudit {
                action: "unit.predecessors".into(),
                unit_id: Some(unit_id),
                new_value: Some(if codes.is_empty() {
                    "không có".into()
                } else {
                    codes.join(", ")
                }),
                ..audit.clone()
            };
            super::audit::append(&mut tx, &entry, now).await?;
        }
        for u in users {
            let mut ids = [None, None];
            for (id, code) in ids.iter_mut().zip([&u.unit_code, &u.department_code]) {
                if let Some(code) = code {
                    *id = Some(
                        sqlx::query_scalar::<_, i64>("select id from units where code = $1")
                            .bind(code)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("đơn vị «{code}»")))?,
                    );
                }
            }
            let [unit_id, department_id] = ids;
            let written = match &u.password_hash {
                Some(hash) => sqlx::query(
                    // A first password made by the import: to be changed at the first sign-in.
                    r"insert into users (username, display_name, role, unit_id, expires_at, password_hash, created_at,
                          must_change_password, email, department_unit_id)
                      values ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) on conflict (username) do nothing",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.role)
                .bind(unit_id)
                .bind(u.expires_at)
                .bind(hash)
                .bind(super::to_ts(now))
                .bind(u.email.as_deref())
                .bind(department_id)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                None => sqlx::query(
                    r"update users set display_name = $2, role = $3, unit_id = $4, expires_at = $5,
                                     email = coalesce($6, email), department_unit_id = $7
                      where username = $1",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.role)
                .bind(unit_id)
                .bind(u.expires_at)
                .bind(u.email.as_deref())
                .bind(department_id)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if written == 0 {
                // Someone created or removed the account since the file was checked.
                return Err(StoreError::Conflict(format!(
                    "người dùng «{}» vừa được thay đổi bởi người khác; hãy kiểm tra lại tệp",
                    u.username
                )));
            }
            let entry = super::NewAudit {
                action: if u.password_hash.is_some() {
                    "user.import.create".into()
                } else {
                    "user.import.update".into()
                },
                unit_id,
                old_value: u.previous.clone(),
                new_value: Some(u.summary.clone()),
                ..audit.clone()
            };
            super::audit::append(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A unit to create or update, by code.
#[derive(Clone, Debug)]
pub struct UnitWrite {
    pub code: String,
    pub name: String,
    pub tier_code: String,
    /// The codes of the units it was formed from, replacing those recorded; `None` leaves
    /// them as they are.
    pub predecessors: Option<Vec<String>>,
    /// What the changed fields held before, for the audit log.
    pub previous: Option<String>,
}

/// An account to create (with its password hash) or update (without), by username.
#[derive(Clone, Debug)]
pub struct UserWrite {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: Option<String>,
    /// An appraiser's department (cơ quan thẩm định), by its code.
    pub department_code: Option<String>,
    pub expires_at: Option<i64>,
    /// A new e-mail address; `None` leaves the stored one.
    pub email: Option<String>,
    pub password_hash: Option<String>,
    /// What the audit log says of the change.
    pub summary: String,
    /// What the changed fields held before, for the audit log.
    pub previous: Option<String>,
}

/// Counts a change of units' names in the data version of every round not yet published,
/// whose results show the names as they are (a published round keeps its own).
async fn renamed<'e>(db: impl sqlx::Executor<'e, Database = sqlx::Any>) -> Result<()> {
    sqlx::query("update rounds set data_version = data_version + 1 where published_at is null")
        .execute(db)
        .await?;
    Ok(())
}
