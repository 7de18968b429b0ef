//! Corrigenda (đính chính): a round's tier switched to a corrected version of its
//! criteria set, and the entries of the leaves it changed, kept as they were for the unit
//! to review.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::audit::{NewAudit, append};
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::Points;

/// A corrigendum to apply: the round's tier moves from `old_set_id` to `new_set_id`.
#[derive(Clone, Debug)]
pub struct NewCorrigendum {
    pub round_id: i64,
    pub tier_id: i64,
    pub old_set_id: i64,
    pub new_set_id: i64,
    pub reason: String,
    /// What the audit log says of it («KIEM-THU 1.0 → 1.1: 2 sửa, 1 thêm, 1 bỏ»).
    pub summary: String,
    pub revisions: Vec<Revision>,
}

/// An entry of a changed leaf: kept, its points worked out again by the new rule (none
/// where its input no longer fits), and the unit asked to review it.
#[derive(Clone, Debug)]
pub struct Revision {
    pub unit_id: i64,
    pub leaf_code: String,
    /// What changed in the leaf, in words.
    pub changes: String,
    /// The entry as it was, in words.
    pub before: String,
    pub points: Option<Points>,
}

/// A leaf the unit is asked to review after a corrigendum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Revised {
    pub changes: String,
    pub before: String,
    pub at: DateTime<Utc>,
}

/// A corrigendum made in a round, as its page lists it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CorrigendumRow {
    pub id: i64,
    pub tier_name: String,
    pub set_code: String,
    pub old_version: String,
    pub new_version: String,
    pub reason: String,
    pub made_by: Option<String>,
    /// When it was made (RFC 3339).
    #[serde(serialize_with = "as_instant")]
    #[schema(value_type = String)]
    pub made_at: i64,
    /// Entries the units are asked to review, and how many they have.
    pub revised: i64,
    pub reviewed: i64,
}

fn as_instant<S: serde::Serializer>(t: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&from_ts(*t).to_rfc3339())
}

impl Store {
    /// Applies a corrigendum in one transaction holding the round: refused (conflict) when
    /// the tier's set is no longer `old_set_id`. Returns its id.
    pub(crate) async fn apply_corrigendum(
        &self,
        c: &NewCorrigendum,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, c.round_id).await?;
        let switched = sqlx::query(
            "update round_sets set set_id = $3 where round_id = $1 and tier_id = $2 and set_id = $4",
        )
        .bind(c.round_id)
        .bind(c.tier_id)
        .bind(c.new_set_id)
        .bind(c.old_set_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if switched == 0 {
            return Err(StoreError::Conflict(
                "Bộ tiêu chí của khối vừa được người khác đổi; hãy tải lại trang và xem lại."
                    .into(),
            ));
        }
        // Pinned to a round, a version never changes again.
        sqlx::query(
            "update criteria_sets set published_at = $2 where id = $1 and published_at is null",
        )
        .bind(c.new_set_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            r"insert into corrigenda (round_id, tier_id, old_set_id, new_set_id, reason, made_by, made_at)
              values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(c.round_id)
        .bind(c.tier_id)
        .bind(c.old_set_id)
        .bind(c.new_set_id)
        .bind(&c.reason)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .fetch_one(&mut *tx)
        .await?;
        for r in &c.revisions {
            sqlx::query(
                r"insert into revised_entries (corrigendum_id, round_id, unit_id, leaf_code, changes, before)
                  values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(c.round_id)
            .bind(r.unit_id)
            .bind(&r.leaf_code)
            .bind(&r.changes)
            .bind(&r.before)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                r"update self_entries set points_h = $4, version = version + 1, updated_at = $5
                  where round_id = $1 and unit_id = $2 and leaf_code = $3",
            )
            .bind(c.round_id)
            .bind(r.unit_id)
            .bind(&r.leaf_code)
            .bind(r.points.map(Points::hundredths))
            .bind(to_ts(now))
            .execute(&mut *tx)
            .await?;
            let entry = NewAudit {
                action: "self_assessment.revise".into(),
                round_id: Some(c.round_id),
                unit_id: Some(r.unit_id),
                leaf_code: Some(r.leaf_code.clone()),
                old_value: Some(r.before.clone()),
                new_value: Some(format!(
                    "đính chính bộ tiêu chí ({}): {}",
                    r.changes,
                    r.points
                        .map_or("chưa chấm theo cách chấm mới".into(), |p| format!(
                            "{} điểm",
                            p.to_vn()
                        ))
                )),
                ..audit.clone()
            };
            append(&mut tx, &entry, now).await?;
        }
        let entry = NewAudit {
            action: "round.corrigendum".into(),
            round_id: Some(c.round_id),
            new_value: Some(format!("{}; lý do: {}", c.summary, c.reason)),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The leaves a unit is asked to review after corrigenda (not saved again since), by
    /// code: the latest corrigendum's word for each.
    pub async fn revised_entries(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<String, Revised>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            r"select r.leaf_code, r.changes, r.before, c.made_at
              from revised_entries r join corrigenda c on c.id = r.corrigendum_id
              where r.round_id = $1 and r.unit_id = $2 and r.reviewed_at is null
              order by c.made_at, c.id",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(leaf, changes, before, at)| {
                (
                    leaf,
                    Revised {
                        changes,
                        before,
                        at: from_ts(at),
                    },
                )
            })
            .collect())
    }

    /// The corrigenda made in a round, newest first.
    pub async fn corrigenda(&self, round_id: i64) -> Result<Vec<CorrigendumRow>> {
        Ok(sqlx::query_as(
            r"select c.id, t.name as tier_name, o.code as set_code, o.version as old_version,
                     n.version as new_version, c.reason, u.display_name as made_by, c.made_at,
                     (select count(*) from revised_entries r where r.corrigendum_id = c.id) as revised,
                     (select count(*) from revised_entries r
                      where r.corrigendum_id = c.id and r.reviewed_at is not null) as reviewed
              from corrigenda c
              join tiers t on t.id = c.tier_id
              join criteria_sets o on o.id = c.old_set_id
              join criteria_sets n on n.id = c.new_set_id
              left join users u on u.id = c.made_by
              where c.round_id = $1
              order by c.made_at desc, c.id desc",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
