//! A round's members: the fixed list of units it evaluates, each in the tier it is ranked
//! in for that round (see migration 0009). Every page, export and computation of a round
//! reads this list, never the directory's current units.

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::audit::{NewAudit, append};
use super::units::Unit;
use super::{Result, Store, StoreError, to_ts};

/// A round a unit is a member of (see [`Store::unit_rounds`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitRound {
    pub round_id: i64,
    pub year: i64,
    pub title: String,
    /// The tier the unit is ranked in for that round.
    pub tier_name: String,
    /// 1 once the round's results are published.
    pub published: i64,
}

/// A change of a round's members, as the administrator asks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    Add,
    Remove,
}

impl Store {
    /// The units of a round, optionally of one of its tiers, in no particular order (sort
    /// for display with [`crate::domain::collation`]). A unit's tier is the one it is
    /// ranked in for this round; retired units stay.
    pub async fn round_units(&self, round_id: i64, tier_id: Option<i64>) -> Result<Vec<Unit>> {
        Ok(sqlx::query_as(
            r"select u.id, u.code, u.name, m.tier_id, u.active
              from round_members m join units u on u.id = m.unit_id
              where m.round_id = $1 and ($2 is null or m.tier_id = $2)
              order by u.id",
        )
        .bind(round_id)
        .bind(tier_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The rounds a unit is a member of, newest first: each round's id, year, title, the
    /// name of the tier the unit is ranked in there, and whether it is published.
    pub async fn unit_rounds(&self, unit_id: i64) -> Result<Vec<UnitRound>> {
        Ok(sqlx::query_as(
            r"select r.id as round_id, r.year, r.title, t.name as tier_name,
                     cast(case when r.published_at is null then 0 else 1 end as bigint) as published
              from round_members m
              join rounds r on r.id = m.round_id
              join tiers t on t.id = m.tier_id
              where m.unit_id = $1
              order by r.year desc, r.id desc",
        )
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Retires a unit from the directory (`active` false) or brings it back, with the
    /// audit entry that says why, in one transaction. Its rounds keep it either way.
    /// Returns false when the unit already was so.
    pub async fn set_unit_active(
        &self,
        unit_id: i64,
        active: bool,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query("update units set active = $2 where id = $1 and active <> $2")
            .bind(unit_id)
            .bind(i64::from(active))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The tier a unit is ranked in for a round; `None` when it is not one of its members.
    pub async fn member_tier(&self, round_id: i64, unit_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "select tier_id from round_members where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Adds a unit to a round (in its current tier) or takes it out, with the audit entry
    /// that records why (`reason`). The round is held while it changes, so a publication
    /// cannot come between: a published round's members never change. The phase rules
    /// are the service's.
    pub async fn change_member(
        &self,
        round_id: i64,
        unit_id: i64,
        change: MemberChange,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let unit = self.unit(unit_id).await?;
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        let published: Option<Option<i64>> =
            sqlx::query_scalar("select published_at from rounds where id = $1")
                .bind(round_id)
                .fetch_optional(&mut *tx)
                .await?;
        match published {
            None => return Err(StoreError::NotFound(format!("kỳ đánh giá #{round_id}"))),
            Some(Some(_)) => {
                return Err(StoreError::Conflict(
                    "Kết quả kỳ đánh giá đã công bố; danh sách đơn vị không thay đổi được nữa."
                        .into(),
                ));
            }
            Some(None) => {}
        }
        let changed = match change {
            MemberChange::Add => {
                let in_round: Option<i64> = sqlx::query_scalar(
                    "select set_id from round_sets where round_id = $1 and tier_id = $2",
                )
                .bind(round_id)
                .bind(unit.tier_id)
                .fetch_optional(&mut *tx)
                .await?;
                if in_round.is_none() {
                    return Err(StoreError::Invalid(format!(
                        "Khối của {} không tham gia kỳ đánh giá này.",
                        unit.name
                    )));
                }
                insert_member(&mut tx, round_id, &unit, now).await?
            }
            MemberChange::Remove => {
                sqlx::query("delete from round_members where round_id = $1 and unit_id = $2")
                    .bind(round_id)
                    .bind(unit_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }
        };
        if changed == 0 {
            return Err(StoreError::Conflict(match change {
                MemberChange::Add => format!("{} đã có trong kỳ đánh giá.", unit.name),
                MemberChange::Remove => format!("{} không có trong kỳ đánh giá.", unit.name),
            }));
        }
        let entry = NewAudit {
            action: match change {
                MemberChange::Add => "round.member_add".into(),
                MemberChange::Remove => "round.member_remove".into(),
            },
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            new_value: audit.new_value.clone().or_else(|| Some(unit.name.clone())),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Puts `unit`, in its current tier, in a round; 0 when it was in it already.
pub(super) async fn insert_member(
    tx: &mut Transaction<'_, Any>,
    round_id: i64,
    unit: &Unit,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        r"insert into round_members (round_id, unit_id, tier_id, joined_at)
          values ($1, $2, $3, $4) on conflict (round_id, unit_id) do nothing",
    )
    .bind(round_id)
    .bind(unit.id)
    .bind(unit.tier_id)
    .bind(to_ts(now))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

impl Store {
    /// The units `unit_id` was formed from, in no particular order.
    pub async fn predecessors(&self, unit_id: i64) -> Result<Vec<Unit>> {
        Ok(sqlx::query_as(
            r"select u.id, u.code, u.name, u.tier_id, u.active
              from unit_predecessors p join units u on u.id = p.predecessor_id
              where p.unit_id = $1
              order by u.id",
        )
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every (unit, predecessor) pair of the directory.
    pub async fn all_predecessors(&self) -> Result<Vec<(i64, i64)>> {
        Ok(
            sqlx::query_as("select unit_id, predecessor_id from unit_predecessors")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Replaces the predecessors of `unit_id` with `predecessors`, with the audit entry, in
    /// one transaction. Returns false when they were those already (nothing audited).
    pub async fn set_predecessors(
        &self,
        unit_id: i64,
        predecessors: &[i64],
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let mut old: Vec<i64> =
            sqlx::query_scalar("select predecessor_id from unit_predecessors where unit_id = $1")
                .bind(unit_id)
                .fetch_all(&mut *tx)
                .await?;
        old.sort_unstable();
        let mut new = predecessors.to_vec();
        new.sort_unstable();
        new.dedup();
        if old == new {
            return Ok(false);
        }
        sqlx::query("delete from unit_predecessors where unit_id = $1")
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        for p in &new {
            sqlx::query("insert into unit_predecessors (unit_id, predecessor_id) values ($1, $2)")
                .bind(unit_id)
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        let entry = NewAudit {
            action: "unit.predecessors".into(),
            unit_id: Some(unit_id),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(true)
    }
}
