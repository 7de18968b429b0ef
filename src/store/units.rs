//! Tiers (khối), units (đơn vị) and users.

use serde::Serialize;
use sqlx::FromRow;

use super::{Result, Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow)]
pub struct Tier {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub tier_id: i64,
    pub active: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
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

    pub async fn unit(&self, id: i64) -> Result<Unit> {
        sqlx::query_as("select id, code, name, tier_id, active from units where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị #{id}")))
    }

    pub async fn unit_by_code(&self, code: &str) -> Result<Unit> {
        sqlx::query_as("select id, code, name, tier_id, active from units where code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("đơn vị «{code}»")))
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
            "select id, username, display_name, role, unit_id from users order by id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
