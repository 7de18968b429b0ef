//! The state a write depends on, checked again inside the write's own transaction, after
//! taking the locks that order it against the writes that change that state: the round's
//! row (publication, phases, extensions) and the unit's row (submission). A write that
//! loses a race gets the refusal it would have got a moment later; one that wins is
//! ordered before the change.
//!
//! On SQLite the first statement is a write, so the transaction holds the database's write
//! lock from its start and reads the latest data. On PostgreSQL, writes to a unit share the
//! round's advisory lock and the unit's row (`for share`); publication, phases and
//! extensions take the round's advisory lock and its row exclusively, submission and
//! withdrawal the unit's row. The state is then read by a statement of its own, which sees
//! what the holder of a lock it waited for wrote.

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::rounds::read_overrides;
use super::{Backend, Result, Store, StoreError, from_ts};
use crate::domain::deadline::{Access, Phase, Window, access};

/// What a write to a unit's data needs to hold when it is made.
#[derive(Clone, Copy, Debug)]
pub struct Guard {
    pub round_id: i64,
    pub unit_id: i64,
    /// The phase whose window (with the unit's extensions and reopenings) must be open at
    /// the write's instant.
    pub phase: Option<Phase>,
    /// The unit's own writes: refused once its head has submitted.
    pub unsubmitted: bool,
    /// The criteria set the write's points were worked out under: refused once a
    /// corrigendum has switched the unit's tier to another.
    pub set_id: Option<i64>,
}

impl Guard {
    /// A write of the unit's self-assessment (scores, evidence): open and not submitted.
    pub fn self_assessment(round_id: i64, unit_id: i64) -> Guard {
        Guard {
            round_id,
            unit_id,
            phase: Some(Phase::SelfAssessment),
            unsubmitted: true,
            set_id: None,
        }
    }

    /// A write in `phase` that does not depend on the submission.
    pub fn in_phase(round_id: i64, unit_id: i64, phase: Phase) -> Guard {
        Guard {
            round_id,
            unit_id,
            phase: Some(phase),
            unsubmitted: false,
            set_id: None,
        }
    }

    /// The same write, its points worked out under the criteria set `set_id`.
    pub fn scored_under(self, set_id: i64) -> Guard {
        Guard {
            set_id: Some(set_id),
            ..self
        }
    }

    /// A write that only needs the round not to be published (survey, bonus, penalty).
    pub fn unpublished(round_id: i64, unit_id: i64) -> Guard {
        Guard {
            round_id,
            unit_id,
            phase: None,
            unsubmitted: false,
            set_id: None,
        }
    }
}

/// Why a guarded write was refused: the state changed before it could be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Published(DateTime<Utc>),
    Closed(Access),
    Submitted(DateTime<Utc>),
    /// The appraisal council signed off this appraisal round (its phase) on that day.
    SignedOff {
        phase: Phase,
        signed_on: String,
    },
    /// A publication before the council signed off the last appraisal round (`phase`).
    NotSignedOff {
        phase: Phase,
    },
    /// A corrigendum switched the unit's tier to another criteria set after the write's
    /// points were worked out.
    SetChanged,
    /// The unit is exempt from `node` (the leaf or a node above it) in this round.
    Exempt {
        leaf: String,
        node: String,
        reason: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::domain::deadline::{format_date, format_instant};
        match self {
            Refusal::Published(at) => write!(
                f,
                "Kết quả kỳ đánh giá đã công bố ngày {}; không thể thay đổi.",
                format_date(*at)
            ),
            Refusal::Closed(gate) => f.write_str(&gate.message),
            Refusal::NotSignedOff { phase } => {
                let n = if *phase == Phase::AppraisalRound2 {
                    2
                } else {
                    1
                };
                write!(
                    f,
                    "Chưa thể công bố: Hội đồng thẩm định chưa ký biên bản thẩm định lần {n}, lần thẩm định cuối của kỳ này. \
                     Hãy ghi nhận việc ký biên bản (ngày họp, thành phần Hội đồng) ở trang «Biên bản thẩm định» rồi công bố."
                )
            }
            Refusal::SignedOff { phase, signed_on } => {
                let n = if *phase == Phase::AppraisalRound2 {
                    2
                } else {
                    1
                };
                let on = chrono::NaiveDate::parse_from_str(signed_on, "%Y-%m-%d")
                    .map_or(signed_on.clone(), |d| d.format("%d/%m/%Y").to_string());
                write!(
                    f,
                    "Hội đồng thẩm định đã ký biên bản thẩm định lần {n} ngày {on}: điểm thẩm định lần {n} không sửa được nữa. \
                     Nếu cần sửa, Sở Nội vụ hủy lần ký (ghi rõ lý do) rồi Hội đồng ký lại."
                )
            }
            Refusal::SetChanged => f.write_str(
                "Bộ tiêu chí của khối vừa được đính chính trong lúc lưu nên điểm chưa được lưu. \
                 Hãy tải lại trang, xem tiêu chí đã sửa rồi chấm lại.",
            ),
            Refusal::Exempt { leaf, node, reason } => {
                // An area (lĩnh vực) has a code without a dot.
                let what = if node.contains('.') {
                    "tiêu chí"
                } else {
                    "lĩnh vực"
                };
                if leaf == node {
                    write!(f, "Đơn vị được giảm {what} {node} trong kỳ đánh giá này")?;
                } else {
                    write!(
                        f,
                        "Đơn vị được giảm {what} {node} (gồm cả tiêu chí {leaf}) trong kỳ đánh giá này"
                    )?;
                }
                write!(f, " (lý do: {reason}): không chấm điểm tiêu chí này.")
            }
            Refusal::Submitted(at) => write!(
                f,
                "Thủ trưởng đơn vị đã phê duyệt và gửi lúc {}. Cần «Rút lại để chỉnh sửa» trước khi sửa.",
                format_instant(*at)
            ),
        }
    }
}

/// How a transaction holds the unit's row: beside other writes of the unit, or alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnitHold {
    Shared,
    Exclusive,
}

impl Store {
    /// Takes the round's row exclusively: the first statement of a transaction that
    /// publishes the round or changes its phases or extensions. Counts the write in the
    /// round's data version.
    pub(super) async fn hold_round(
        &self,
        tx: &mut Transaction<'_, Any>,
        round_id: i64,
    ) -> Result<()> {
        // The write counts itself in the round's data version (migration 0020).
        let bump = "update rounds set data_version = data_version + 1 where id = $1";
        match self.backend {
            Backend::Sqlite => {}
            // Its advisory lock too, which the writes to its units share (`hold`), before
            // the row.
            Backend::Postgres => {
                sqlx::query(
                    "with l as (select pg_advisory_xact_lock(7, cast(mod($1, 2147483647) as integer)))
                     select r.id from rounds r, l where r.id = $1 for update of r",
                )
                .bind(round_id)
                .execute(&mut **tx)
                .await?;
            }
        }
        sqlx::query(bump).bind(round_id).execute(&mut **tx).await?;
        Ok(())
    }

    /// Takes the locks of `guard`, then refuses unless its state holds at `now`: the first
    /// statement of a guarded write's transaction.
    pub(super) async fn hold(
        &self,
        tx: &mut Transaction<'_, Any>,
        guard: &Guard,
        now: DateTime<Utc>,
        unit: UnitHold,
    ) -> Result<Held> {
        // What the guard depends on, as one row: the round's publication, the phase's
        // window, whether the unit has extensions or reopenings in that phase (read only
        // where it has), and its submission.
        let phase = guard.phase.map(Phase::as_str).unwrap_or_default();
        let not_found = || {
            StoreError::NotFound(format!(
                "kỳ đánh giá #{} hoặc đơn vị #{}",
                guard.round_id, guard.unit_id
            ))
        };
        let read = match self.backend {
            // A write first: the transaction holds the write lock from here on, so the
            // subqueries read the latest data. Not of the key: writing `id`, even to
            // itself, makes SQLite check every row that refers to the round (the whole
            // round's scores) on each save.
            // The write counts itself on the round's row (migration 0020).
            Backend::Sqlite => format!(
                "update rounds set data_version = data_version + 1 where id = $1 returning {STATE}"
            ),
            Backend::Postgres => {
                // The locks first, in a statement of their own: a statement that waited
                // for a lock reads the other tables as they were before it waited, so the
                // state is read by the next one, which sees what the lock holder wrote.
                // The round is shared through its advisory lock, not its row: when dozens
                // of writers share one row lock, PostgreSQL rewrites the row's list of
                // lockers (a multixact) for each of them.
                let sql = match unit {
                    UnitHold::Shared => {
                        "with l as (select pg_advisory_xact_lock_shared(7, cast(mod($1, 2147483647) as integer)))
                         select u.id from units u, l where u.id = $2 for share of u"
                    }
                    UnitHold::Exclusive => {
                        "with l as (select pg_advisory_xact_lock_shared(7, cast(mod($1, 2147483647) as integer)))
                         select u.id from units u, l where u.id = $2 for update of u"
                    }
                };
                let held: Option<i64> = sqlx::query_scalar(sql)
                    .bind(guard.round_id)
                    .bind(guard.unit_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                held.ok_or_else(not_found)?;
                // The write counts itself on the member's row, which only writes to
                // this unit share (migration 0020); rolled back with a refusal.
                format!(
                    "with counted as (update round_members set version = version + 1
                                      where round_id = $1 and unit_id = $2)
                     select {STATE} from rounds where id = $1"
                )
            }
        };
        let state: Option<HeldState> = sqlx::query_as(sqlx::AssertSqlSafe(read))
            .bind(guard.round_id)
            .bind(guard.unit_id)
            .bind(phase)
            .fetch_optional(&mut **tx)
            .await?;
        let state = state.ok_or_else(not_found)?;
        if let Some(at) = state.published_at {
            return Err(StoreError::Refused(Refusal::Published(from_ts(at))));
        }
        if let Some(phase) = guard.phase {
            let window = state
                .opens_at
                .zip(state.closes_at)
                .map(|(opens, closes)| Window {
                    opens_at: from_ts(opens),
                    closes_at: from_ts(closes),
                });
            let overrides = if state.overridden != 0 {
                read_overrides(&mut **tx, guard.round_id, guard.unit_id, phase).await?
            } else {
                Vec::new()
            };
            let gate = access(phase, window.as_ref(), &overrides, now);
            if !gate.open {
                return Err(StoreError::Refused(Refusal::Closed(gate)));
            }
        }
        if let (Some(phase), Some(signed_on)) = (guard.phase, state.signed_on) {
            return Err(StoreError::Refused(Refusal::SignedOff { phase, signed_on }));
        }
        if guard.unsubmitted
            && let Some(at) = state.submitted_at
        {
            return Err(StoreError::Refused(Refusal::Submitted(from_ts(at))));
        }
        if guard.set_id.is_some() && guard.set_id != state.set_id {
            return Err(StoreError::Refused(Refusal::SetChanged));
        }
        Ok(Held {
            exemptions: state.exemptions != 0,
            revising: state.revising != 0,
        })
    }
}

/// The state a guarded write depends on, read in one row of `rounds` (`$1` the round, `$2`
/// the unit, `$3` the phase or an empty text).
const STATE: &str = r"published_at,
    (select opens_at from round_phases where round_id = $1 and phase = $3) as opens_at,
    (select closes_at from round_phases where round_id = $1 and phase = $3) as closes_at,
    (select count(*) from unit_overrides where round_id = $1 and unit_id = $2 and phase = $3) as overridden,
    (select submitted_at from submissions where round_id = $1 and unit_id = $2) as submitted_at,
    (select signed_on from appraisal_sign_offs where round_id = $1 and phase = $3) as signed_on,
    (select s.set_id from round_sets s join round_members m on m.round_id = s.round_id and m.tier_id = s.tier_id
     where s.round_id = $1 and m.unit_id = $2) as set_id,
    (select count(*) from exemptions where round_id = $1 and unit_id = $2) as exemptions,
    (select count(*) from revised_entries where round_id = $1 and unit_id = $2 and reviewed_at is null) as revising";

#[derive(sqlx::FromRow)]
struct HeldState {
    published_at: Option<i64>,
    opens_at: Option<i64>,
    closes_at: Option<i64>,
    overridden: i64,
    submitted_at: Option<i64>,
    /// Only an appraisal phase is ever signed off (see migration 0018).
    signed_on: Option<String>,
    /// The criteria set of the unit's tier.
    set_id: Option<i64>,
    exemptions: i64,
    revising: i64,
}

/// What a guarded write found besides its state, read with it so that the common case
/// asks nothing more: whether the unit has exemptions in the round (which a save must then
/// check its leaf against), and entries a corrigendum flagged for review.
#[derive(Clone, Copy, Debug)]
pub(super) struct Held {
    pub exemptions: bool,
    pub revising: bool,
}

impl Store {
    /// Refuses once the round is published, read inside the transaction.
    pub(super) async fn unpublished(
        &self,
        tx: &mut Transaction<'_, Any>,
        round_id: i64,
    ) -> Result<()> {
        let published: Option<Option<i64>> =
            sqlx::query_scalar("select published_at from rounds where id = $1")
                .bind(round_id)
                .fetch_optional(&mut **tx)
                .await?;
        match published {
            None => Err(StoreError::NotFound(format!("kỳ đánh giá #{round_id}"))),
            Some(Some(at)) => Err(StoreError::Refused(Refusal::Published(from_ts(at)))),
            Some(None) => Ok(()),
        }
    }
}
