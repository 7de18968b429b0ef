//! Explanations (giải trình) a unit gives on the leaves appraisers asked about.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::audit::{NewAudit, append};
use super::guard::{Guard, UnitHold};
use super::{Result, Store, to_ts};

impl Store {
    /// Leaves on which appraisal round 1 asked this unit for an explanation.
    pub async fn explanation_requests(&self, round_id: i64, unit_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            r"select leaf_code from appraisal_entries
              where round_id = $1 and unit_id = $2 and appraisal_round = 1 and explanation_requested = 1
              order by leaf_code",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The unit's explanations, by leaf code.
    pub async fn explanations(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select leaf_code, text from explanations where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    pub(crate) async fn save_explanation(
        &self,
        guard: &Guard,
        leaf_code: &str,
        text: &str,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let old = self
            .explanations(round_id, unit_id)
            .await?
            .remove(leaf_code);
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        sqlx::query(
            r"insert into explanations (round_id, unit_id, leaf_code, text, updated_by, updated_at)
              values ($1, $2, $3, $4, $5, $6)
              on conflict (round_id, unit_id, leaf_code) do update set
                  text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(leaf_code)
        .bind(text)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?;
        let entry = NewAudit {
            action: "explanation.save".into(),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            leaf_code: Some(leaf_code.to_string()),
            old_value: old,
            new_value: Some(text.to_string()),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
