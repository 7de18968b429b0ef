//! Values held for a few minutes between two requests of one person (`held_values`): an
//! account's first password until its page is left, a checked workbook until it is applied.

use chrono::{DateTime, Utc};

use super::{Result, Store, to_ts};

impl Store {
    /// Holds `body` under `key_hash` for `user_id` until `expires_at` (replacing what was
    /// held there), and forgets whatever has expired.
    pub async fn hold_value(
        &self,
        key_hash: &str,
        user_id: i64,
        purpose: &str,
        body: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from held_values where expires_at < $1 or key_hash = $2")
            .bind(to_ts(now))
            .bind(key_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            r"insert into held_values (key_hash, user_id, purpose, body, expires_at)
              values ($1, $2, $3, $4, $5)",
        )
        .bind(key_hash)
        .bind(user_id)
        .bind(purpose)
        .bind(body)
        .bind(to_ts(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What is held under `key_hash` for `user_id` and `purpose`, if it has not expired.
    pub async fn held_value(
        &self,
        key_hash: &str,
        user_id: i64,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            r"select body from held_values
              where key_hash = $1 and user_id = $2 and purpose = $3 and expires_at >= $4",
        )
        .bind(key_hash)
        .bind(user_id)
        .bind(purpose)
        .bind(to_ts(now))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Forgets what is held under `key_hash`.
    pub async fn forget_value(&self, key_hash: &str) -> Result<()> {
        sqlx::query("delete from held_values where key_hash = $1")
            .bind(key_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
