//! Rounds (kỳ đánh giá): pinned set versions per tier, phase windows, tie-break,
//! classification bands; and per-unit extensions and reopenings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::Percent;
use crate::domain::deadline::{Override, OverrideKind, Phase, Window};
use crate::domain::results::{Band, TieBreak};

/// What an administrator gives to create a round.
#[derive(Clone, Debug)]
pub struct NewRound {
    pub year: i64,
    pub title: String,
    pub tie_break: TieBreak,
    /// (tier code, criteria set id) for every tier taking part.
    pub sets: Vec<(String, i64)>,
    pub phases: Vec<(Phase, Window)>,
    /// (tier code, bands) for every tier that is classified.
    pub bands: Vec<(String, Vec<Band>)>,
}

/// A round as stored.
#[derive(Clone, Debug, Serialize)]
pub struct Round {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub tie_break: TieBreak,
    pub published_at: Option<DateTime<Utc>>,
    pub tiers: Vec<RoundTier>,
    pub phases: BTreeMap<Phase, Window>,
}

/// One tier taking part in a round, with the set version it is scored on.
#[derive(Clone, Debug, Serialize)]
pub struct RoundTier {
    pub tier_id: i64,
    pub tier_code: String,
    pub tier_name: String,
    pub set_id: i64,
    pub bands: Vec<Band>,
}

impl Store {
    /// Creates a round. The set versions it pins are published: they can no longer change.
    pub async fn create_round(&self, round: &NewRound, now: DateTime<Utc>) -> Result<i64> {
        for (phase, w) in &round.phases {
            if w.closes_at < w.opens_at {
                return Err(StoreError::Invalid(format!(
                    "thời gian {} kết thúc trước khi bắt đầu",
                    phase.activity()
                )));
            }
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into rounds (year, title, tie_break, created_at) values ($1, $2, $3, $4) returning id",
        )
        .bind(round.year)
        .bind(&round.title)
        .bind(round.tie_break.as_str())
        .bind(to_ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let tier_id = |code: &str| {
            let code = code.to_string();
            async move {
                let id: Option<i64> = sqlx::query_scalar("select id from tiers where code = $1")
                    .bind(&code)
                    .fetch_optional(&self.pool)
                    .await?;
                id.ok_or_else(|| StoreError::NotFound(format!("khối «{code}»")))
            }
        };
        for (tier_code, set_id) in &round.sets {
            let tier = tier_id(tier_code).await?;
            sqlx::query("insert into round_sets (round_id, tier_id, set_id) values ($1, $2, $3)")
                .bind(id)
                .bind(tier)
                .bind(set_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "update criteria_sets set published_at = $2 where id = $1 and published_at is null",
            )
            .bind(set_id)
            .bind(to_ts(now))
            .execute(&mut *tx)
            .await?;
        }
        for (phase, w) in &round.phases {
            sqlx::query("insert into round_phases (round_id, phase, opens_at, closes_at) values ($1, $2, $3, $4)")
                .bind(id)
                .bind(phase.as_str())
                .bind(to_ts(w.opens_at))
                .bind(to_ts(w.closes_at))
                .execute(&mut *tx)
                .await?;
        }
        for (tier_code, bands) in &round.bands {
            let tier = tier_id(tier_code).await?;
            for band in bands {
                sqlx::query("insert into round_bands (round_id, tier_id, label, min_index_h) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(tier)
                    .bind(&band.label)
                    .bind(band.min_index.hundredths())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn round(&self, id: i64) -> Result<Round> {
        let row: Option<(i64, i64, String, String, Option<i64>)> = sqlx::query_as(
            "select id, year, title, tie_break, published_at from rounds where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let (id, year, title, tie_break, published_at) =
            row.ok_or_else(|| StoreError::NotFound(format!("kỳ đánh giá #{id}")))?;
        let tiers: Vec<(i64, String, String, i64)> = sqlx::query_as(
            r"select t.id, t.code, t.name, rs.set_id from round_sets rs join tiers t on t.id = rs.tier_id
              where rs.round_id = $1 order by t.position, t.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let bands: Vec<(i64, String, i64)> =
            sqlx::query_as("select tier_id, label, min_index_h from round_bands where round_id = $1 order by min_index_h desc")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
        let phases: Vec<(String, i64, i64)> = sqlx::query_as(
            "select phase, opens_at, closes_at from round_phases where round_id = $1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Round {
            id,
            year,
            title,
            tie_break: TieBreak::parse(&tie_break).unwrap_or_default(),
            published_at: published_at.map(from_ts),
            tiers: tiers
                .into_iter()
                .map(|(tier_id, tier_code, tier_name, set_id)| RoundTier {
                    bands: bands
                        .iter()
                        .filter(|(t, _, _)| *t == tier_id)
                        .map(|(_, label, min)| Band {
                            label: label.clone(),
                            min_index: Percent::from_hundredths(*min),
                        })
                        .collect(),
                    tier_id,
                    tier_code,
                    tier_name,
                    set_id,
                })
                .collect(),
            phases: phases
                .into_iter()
                .filter_map(|(p, o, c)| {
                    Phase::parse(&p).map(|p| {
                        (
                            p,
                            Window {
                                opens_at: from_ts(o),
                                closes_at: from_ts(c),
                            },
                        )
                    })
                })
                .collect(),
        })
    }

    /// (id, year, title) of every round, newest first.
    pub async fn rounds(&self) -> Result<Vec<(i64, i64, String)>> {
        Ok(
            sqlx::query_as("select id, year, title from rounds order by year desc, id desc")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn publish_round(&self, round_id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("update rounds set published_at = $2 where id = $1")
            .bind(round_id)
            .bind(to_ts(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Grants one unit an extension or a reopening of a phase. The reason is required.
    #[allow(clippy::too_many_arguments)]
    pub async fn grant_override(
        &self,
        round_id: i64,
        unit_id: i64,
        phase: Phase,
        kind: OverrideKind,
        until: DateTime<Utc>,
        reason: &str,
        granted_by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "Cần ghi rõ lý do gia hạn hoặc mở lại.".into(),
            ));
        }
        sqlx::query(
            r"insert into unit_overrides (round_id, unit_id, phase, kind, until_at, reason, granted_by, granted_at)
              values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(phase.as_str())
        .bind(match kind {
            OverrideKind::Extension => "extension",
            OverrideKind::Reopening => "reopening",
        })
        .bind(to_ts(until))
        .bind(reason.trim())
        .bind(granted_by)
        .bind(to_ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every extension and reopening granted to a unit in a phase.
    pub async fn overrides(
        &self,
        round_id: i64,
        unit_id: i64,
        phase: Phase,
    ) -> Result<Vec<Override>> {
        let rows: Vec<(String, i64, String, i64)> = sqlx::query_as(
            r"select kind, until_at, reason, granted_at from unit_overrides
              where round_id = $1 and unit_id = $2 and phase = $3 order by id",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(phase.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, until, reason, granted)| Override {
                kind: if kind == "reopening" {
                    OverrideKind::Reopening
                } else {
                    OverrideKind::Extension
                },
                until: from_ts(until),
                reason,
                granted_at: from_ts(granted),
            })
            .collect())
    }
}
