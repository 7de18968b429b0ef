//! Bonus (điểm thưởng) and penalty (điểm trừ) items counted for a unit: read here; written
//! by [`Store::set_extra`] with its audit entry.

use std::collections::BTreeMap;

use super::{ExtraCount, Result, Store};

impl Store {
    /// The bonus and penalty items counted for a unit in a round, by (kind, item code).
    pub async fn extra_counts(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<(String, String), ExtraCount>> {
        let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
            r"select kind, item_code, occurrences, note from extra_entries
              where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, item_code, occurrences, note)| {
                let key = (kind.clone(), item_code.clone());
                let count = ExtraCount {
                    kind,
                    item_code,
                    occurrences,
                    note,
                };
                (key, count)
            })
            .collect())
    }
}
