//! Rounds (kỳ đánh giá): pinned set versions per tier, phase windows, tie-break,
//! classification bands; and per-unit extensions and reopenings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::audit::{NewAudit, append};
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::Percent;
use crate::domain::deadline::format_instant;
use crate::domain::deadline::{Override, OverrideKind, Phase, Window};
use crate::domain::results::{Band, TieBreak};
use crate::domain::text::{limit, multiline};

/// An extension or a reopening of one phase for one unit.
#[derive(Clone, Debug, validator::Validate)]
pub struct NewOverride {
    pub phase: Phase,
    pub kind: OverrideKind,
    pub until: DateTime<Utc>,
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub reason: String,
}

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
    /// Opened to units at once; otherwise in preparation until opened.
    pub opened: bool,
    /// The round this one is copied from: its exemptions are copied, for the units and
    /// nodes this one still has.
    pub copied_from: Option<i64>,
}

/// A round as stored.
#[derive(Clone, Debug, Serialize)]
pub struct Round {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub tie_break: TieBreak,
    pub published_at: Option<DateTime<Utc>>,
    /// When the administrator opened it to units; none: in preparation, invisible to them.
    pub opened_at: Option<DateTime<Utc>>,
    /// Its published results are shown on the public pages, without sign-in (the
    /// administrator's choice; off until chosen).
    pub public: bool,
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
    /// Each pinned set must be written for the tier it is pinned to.
    pub async fn create_round(
        &self,
        round: &NewRound,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        for (phase, w) in &round.phases {
            if w.closes_at < w.opens_at {
                return Err(StoreError::Invalid(format!(
                    "Thời gian {} kết thúc trước khi bắt đầu.",
                    phase.activity()
                )));
            }
        }
        let mut pinned = Vec::with_capacity(round.sets.len());
        for (tier_code, set_id) in &round.sets {
            let tier = self.tier_by_code(tier_code).await?;
            let set: Option<(String, String, String)> =
                sqlx::query_as("select code, version, tier_code from criteria_sets where id = $1")
                    .bind(set_id)
                    .fetch_optional(&self.pool)
                    .await?;
            let (code, version, set_tier) =
                set.ok_or_else(|| StoreError::NotFound(format!("bộ tiêu chí #{set_id}")))?;
            if set_tier != tier.code {
                return Err(StoreError::Invalid(format!(
                    "Bộ tiêu chí {code} {version} dành cho khối «{set_tier}», không dùng được cho {}.",
                    tier.name
                )));
            }
            pinned.push((tier.id, *set_id, format!("{}: {code} {version}", tier.code)));
        }
        let mut band_tiers = Vec::with_capacity(round.bands.len());
        for (tier_code, bands) in &round.bands {
            band_tiers.push((self.tier_by_code(tier_code).await?.id, bands));
        }

        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into rounds (year, title, tie_break, created_at, opened_at) values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(round.year)
        .bind(&round.title)
        .bind(round.tie_break.as_str())
        .bind(to_ts(now))
        .bind(round.opened.then(|| to_ts(now)))
        .fetch_one(&mut *tx)
        .await?;
        for (tier_id, set_id, _) in &pinned {
            sqlx::query("insert into round_sets (round_id, tier_id, set_id) values ($1, $2, $3)")
                .bind(id)
                .bind(tier_id)
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
        // Its members: every unit of its tiers taking part today (see `members`).
        sqlx::query(
            r"insert into round_members (round_id, unit_id, tier_id, joined_at)
              select rs.round_id, u.id, u.tier_id, $2
              from round_sets rs join units u on u.tier_id = rs.tier_id
              where rs.round_id = $1 and u.active = 1",
        )
        .bind(id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?;
        for (phase, w) in &round.phases {
            sqlx::query("insert into round_phases (round_id, phase, opens_at, closes_at) values ($1, $2, $3, $4)")
                .bind(id)
                .bind(phase.as_str())
                .bind(to_ts(w.opens_at))
                .bind(to_ts(w.closes_at))
                .execute(&mut *tx)
                .await?;
        }
        for (tier_id, bands) in band_tiers {
            for band in bands.iter() {
                sqlx::query("insert into round_bands (round_id, tier_id, label, min_index_h) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(tier_id)
                    .bind(&band.label)
                    .bind(band.min_index.hundredths())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let phases: Vec<String> = round
            .phases
            .iter()
            .map(|(p, w)| {
                format!(
                    "{}: {} – {}",
                    p.activity(),
                    format_instant(w.opens_at),
                    format_instant(w.closes_at)
                )
            })
            .collect();
        let (copied, assigned) = match round.copied_from {
            Some(from) => (
                super::exemptions::copy_exemptions(&mut tx, from, id, now).await?,
                super::departments::copy_assignments(&mut tx, from, id, now).await?,
            ),
            None => (0, 0),
        };
        let mut said = format!(
            "{}; bộ tiêu chí {}; {}",
            round.title,
            pinned
                .iter()
                .map(|p| p.2.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            phases.join("; ")
        );
        if copied > 0 {
            said.push_str(&format!(
                "; {copied} giảm tiêu chí sao chép từ kỳ #{}",
                round.copied_from.unwrap_or_default()
            ));
        }
        if assigned > 0 {
            said.push_str(&format!(
                "; {assigned} phân công thẩm định sao chép từ kỳ #{}",
                round.copied_from.unwrap_or_default()
            ));
        }
        let entry = NewAudit {
            action: "round.create".into(),
            round_id: Some(id),
            new_value: Some(said),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn round(&self, id: i64) -> Result<Round> {
        #[derive(sqlx::FromRow)]
        struct RoundRow {
            id: i64,
            year: i64,
            title: String,
            tie_break: String,
            published_at: Option<i64>,
            opened_at: Option<i64>,
            public: i64,
        }
        let row: Option<RoundRow> = sqlx::query_as(
            "select id, year, title, tie_break, published_at, opened_at, public from rounds where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let RoundRow {
            id,
            year,
            title,
            tie_break,
            published_at,
            opened_at,
            public,
        } = row.ok_or_else(|| StoreError::NotFound(format!("kỳ đánh giá #{id}")))?;
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
            opened_at: opened_at.map(from_ts),
            public: public != 0,
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

    /// (id, year, title) of the rounds opened to units, newest first.
    pub async fn opened_rounds(&self) -> Result<Vec<(i64, i64, String)>> {
        Ok(sqlx::query_as(
            "select id, year, title from rounds where opened_at is not null order by year desc, id desc",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Opens a round in preparation to units, audited; false if it was open already.
    pub async fn open_round(&self, id: i64, audit: NewAudit, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let opened =
            sqlx::query("update rounds set opened_at = $2 where id = $1 and opened_at is null")
                .bind(id)
                .bind(to_ts(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if opened > 0 {
            let entry = NewAudit {
                action: "round.open".into(),
                round_id: Some(id),
                ..audit
            };
            append(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(opened > 0)
    }

    /// Sets or moves the window of one phase of a round, for every unit.
    pub async fn set_phase(
        &self,
        round_id: i64,
        phase: Phase,
        w: Window,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let round = self.round(round_id).await?;
        let old = round.phases.get(&phase).map(|o| {
            format!(
                "{} – {}",
                format_instant(o.opens_at),
                format_instant(o.closes_at)
            )
        });
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        sqlx::query(
            r"insert into round_phases (round_id, phase, opens_at, closes_at) values ($1, $2, $3, $4)
              on conflict (round_id, phase) do update set opens_at = excluded.opens_at, closes_at = excluded.closes_at",
        )
        .bind(round_id)
        .bind(phase.as_str())
        .bind(to_ts(w.opens_at))
        .bind(to_ts(w.closes_at))
        .execute(&mut *tx)
        .await?;
        let entry = NewAudit {
            action: "round.phase".into(),
            round_id: Some(round_id),
            old_value: old,
            new_value: Some(format!(
                "{}: {} – {}",
                phase.activity(),
                format_instant(w.opens_at),
                format_instant(w.closes_at)
            )),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a round's results (công bố) and freezes them: `results` computes what is
    /// published (as JSON) once the round's row is held, so no write of the round can come
    /// between what is computed and what is kept. Publishing twice keeps the first.
    pub async fn publish_round(
        &self,
        (round_id, signed_off): (i64, Option<Phase>),
        audit: NewAudit,
        now: DateTime<Utc>,
        results: impl AsyncFnOnce() -> Result<String>,
    ) -> Result<()> {
        let round = self.round(round_id).await?;
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        let published = sqlx::query(
            "update rounds set published_at = $2 where id = $1 and published_at is null",
        )
        .bind(round_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if published == 0 {
            // Published before: the first date stays, with its results and audit entry.
            return Ok(());
        }
        // The council's sign-off of the last appraisal round, read after the round is
        // held: a withdrawal (which holds it too) comes before or after, never between.
        if let Some(phase) = signed_off
            && !self.signed_off_in(&mut tx, round_id, phase).await?
        {
            return Err(StoreError::Refused(super::Refusal::NotSignedOff { phase }));
        }
        sqlx::query("insert into published_results (round_id, results) values ($1, $2)")
            .bind(round_id)
            .bind(results().await?)
            .execute(&mut *tx)
            .await?;
        let entry = NewAudit {
            action: "round.publish".into(),
            round_id: Some(round_id),
            new_value: Some(format!("công bố kết quả {}", round.title)),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Shows or hides a round's published results on the public pages, audited
    /// (`round.public`) when it changes; false when it was so already.
    pub async fn set_round_public(
        &self,
        round_id: i64,
        public: bool,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let round = self.round(round_id).await?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query("update rounds set public = $2 where id = $1 and public <> $2")
            .bind(round_id)
            .bind(i64::from(public))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed > 0 {
            let shown = |on: bool| {
                if on {
                    "công khai"
                } else {
                    "không công khai"
                }
            };
            let entry = NewAudit {
                action: "round.public".into(),
                round_id: Some(round_id),
                old_value: Some(format!("{}: {}", round.title, shown(!public))),
                new_value: Some(format!("{}: {}", round.title, shown(public))),
                ..audit
            };
            append(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// (id, year, title, published at) of the published rounds shown on the public pages,
    /// newest first.
    pub async fn public_rounds(&self) -> Result<Vec<(i64, i64, String, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            r"select id, year, title, published_at from rounds
              where public = 1 and published_at is not null order by year desc, id desc",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, year, title, at)| (id, year, title, from_ts(at)))
            .collect())
    }

    /// The round's data version: it changes with every committed write its results
    /// depend on, and never returns to an earlier value (migration 0020).
    pub async fn round_version(&self, round_id: i64) -> Result<i64> {
        sqlx::query_scalar(
            r"select cast(r.data_version
                     + coalesce((select sum(m.version) from round_members m where m.round_id = r.id), 0)
                     as bigint)
              from rounds r where r.id = $1",
        )
        .bind(round_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("kỳ đánh giá #{round_id}")))
    }

    /// The results kept at publication (JSON), if the round was published with them.
    pub async fn published_results(&self, round_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("select results from published_results where round_id = $1")
                .bind(round_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records an extension or a reopening of a phase for one unit, with its audit entry.
    /// The rules (a reason, a deadline ahead, not published) are the service's.
    pub async fn grant_override(
        &self,
        round_id: i64,
        unit_id: i64,
        grant: &NewOverride,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let NewOverride {
            phase,
            kind,
            until,
            ref reason,
        } = *grant;
        let unit = self.unit(unit_id).await?;
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
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
        .bind(reason)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?;
        let entry = NewAudit {
            action: match kind {
                OverrideKind::Extension => "override.extension".into(),
                OverrideKind::Reopening => "override.reopening".into(),
            },
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            new_value: Some(format!(
                "{} {} đến {}; lý do: {reason}",
                unit.name,
                phase.activity(),
                format_instant(until)
            )),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every extension and reopening granted to a unit in a phase.
    pub async fn overrides(
        &self,
        round_id: i64,
        unit_id: i64,
        phase: Phase,
    ) -> Result<Vec<Override>> {
        read_overrides(&self.pool, round_id, unit_id, phase).await
    }
}

impl Store {
    /// For a write on the hot path: whether the round is opened to units, and the criteria
    /// set the unit is scored on in it, in one query; `None` when there is no such round or
    /// the unit is not one of its members.
    pub async fn unit_set_in_round(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<Option<(bool, Option<i64>)>> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            r"select r.opened_at, rs.set_id
              from rounds r join round_members m on m.round_id = r.id
              left join round_sets rs on rs.round_id = r.id and rs.tier_id = m.tier_id
              where r.id = $1 and m.unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(opened, set)| (opened.is_some(), set)))
    }
}

impl Store {
    /// Every extension and reopening granted in a phase of a round, by unit: one query
    /// for pages that list every unit.
    pub async fn round_overrides(
        &self,
        round_id: i64,
        phase: Phase,
    ) -> Result<std::collections::HashMap<i64, Vec<Override>>> {
        let rows: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
            r"select unit_id, kind, until_at, reason, granted_at from unit_overrides
              where round_id = $1 and phase = $2 order by id",
        )
        .bind(round_id)
        .bind(phase.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut by_unit: std::collections::HashMap<i64, Vec<Override>> = Default::default();
        for (unit, kind, until, reason, granted) in rows {
            by_unit
                .entry(unit)
                .or_default()
                .push(override_of(kind, until, reason, granted));
        }
        Ok(by_unit)
    }
}

fn override_of(kind: String, until: i64, reason: String, granted: i64) -> Override {
    Override {
        kind: if kind == "reopening" {
            OverrideKind::Reopening
        } else {
            OverrideKind::Extension
        },
        until: from_ts(until),
        reason,
        granted_at: from_ts(granted),
    }
}

/// Every extension and reopening granted to a unit in a phase, read through `executor` (the
/// pool, or a transaction that must see them as it writes).
pub(super) async fn read_overrides<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
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
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, until, reason, granted)| override_of(kind, until, reason, granted))
        .collect())
}
