//! Exemptions (giảm tiêu chí đánh giá): the nodes of its criteria set a unit is not
//! evaluated on in a round (see migration 0012). Every leaf under an exempt node counts as
//! not applicable for the unit: [`Store::unit_scores`] leaves it out of the points and the
//! maximum, and the unit's and the appraisers' writes to it are refused inside their
//! transactions ([`Store::refuse_exempt`]).

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::audit::{NewAudit, append};
use super::guard::Refusal;
use super::{Result, Store, StoreError, from_ts, to_ts};

/// One exemption of one unit in a round.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Exemption {
    pub unit_id: i64,
    /// The exempt node: an area («3»), a criterion («7.3») or a leaf («1.2.1»).
    pub node_code: String,
    pub reason: String,
    pub set_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ExemptionRow {
    unit_id: i64,
    node_code: String,
    reason: String,
    set_at: i64,
}

impl From<ExemptionRow> for Exemption {
    fn from(r: ExemptionRow) -> Self {
        Exemption {
            unit_id: r.unit_id,
            node_code: r.node_code,
            reason: r.reason,
            set_at: from_ts(r.set_at),
        }
    }
}

pub use crate::domain::criteria::covers;

/// The exemption among `exemptions` that covers `leaf`, if any.
pub fn covering<'a>(exemptions: &'a [Exemption], leaf: &str) -> Option<&'a Exemption> {
    exemptions.iter().find(|e| covers(&e.node_code, leaf))
}

/// A change of one exemption, as the administrator asks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExemptionChange {
    /// Exempts the unit from the node, with the reason (replacing an earlier reason).
    Set { reason: String },
    /// Evaluates the unit on the node again.
    Remove,
}

impl Store {
    /// The exemptions of a round, of one unit or of all, by unit then node code.
    pub async fn exemptions(&self, round_id: i64, unit_id: Option<i64>) -> Result<Vec<Exemption>> {
        let rows: Vec<ExemptionRow> = sqlx::query_as(
            r"select unit_id, node_code, reason, set_at from exemptions
              where round_id = $1 and ($2 is null or unit_id = $2)
              order by unit_id, node_code",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Exemption::from).collect())
    }

    /// Applies `changes` (unit, node, change) to a round's exemptions in one transaction,
    /// each with its audit entry (`exemption.set`, `exemption.remove`), the round held so
    /// that a publication or a unit's save cannot come between. A published round refuses
    /// them all. Returns how many changed anything (setting the same reason again, or
    /// removing what is not there, changes nothing and is not audited).
    pub(crate) async fn change_exemptions(
        &self,
        round_id: i64,
        changes: &[(i64, String, ExemptionChange)],
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        self.unpublished(&mut tx, round_id).await?;
        let mut changed = 0;
        for (unit_id, node_code, change) in changes {
            let old: Option<String> = sqlx::query_scalar(
                "select reason from exemptions where round_id = $1 and unit_id = $2 and node_code = $3",
            )
            .bind(round_id)
            .bind(unit_id)
            .bind(node_code)
            .fetch_optional(&mut *tx)
            .await?;
            let (action, new_value) = match change {
                ExemptionChange::Set { reason } => {
                    if old.as_deref() == Some(reason.as_str()) {
                        continue;
                    }
                    sqlx::query(
                        r"insert into exemptions (round_id, unit_id, node_code, reason, set_by, set_at)
                          values ($1, $2, $3, $4, $5, $6)
                          on conflict (round_id, unit_id, node_code) do update set
                              reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at",
                    )
                    .bind(round_id)
                    .bind(unit_id)
                    .bind(node_code)
                    .bind(reason)
                    .bind(audit.actor_id)
                    .bind(to_ts(now))
                    .execute(&mut *tx)
                    .await?;
                    ("exemption.set", Some(reason.clone()))
                }
                ExemptionChange::Remove => {
                    if old.is_none() {
                        continue;
                    }
                    sqlx::query(
                        "delete from exemptions where round_id = $1 and unit_id = $2 and node_code = $3",
                    )
                    .bind(round_id)
                    .bind(unit_id)
                    .bind(node_code)
                    .execute(&mut *tx)
                    .await?;
                    ("exemption.remove", audit.new_value.clone())
                }
            };
            let entry = NewAudit {
                action: action.into(),
                round_id: Some(round_id),
                unit_id: Some(*unit_id),
                leaf_code: Some(node_code.clone()),
                old_value: old,
                new_value,
                ..audit.clone()
            };
            append(&mut tx, &entry, now).await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Refuses a write to `leaf` of a unit exempt from it (or from a node above it), read
    /// inside the write's transaction after its guard.
    pub(super) async fn refuse_exempt(
        &self,
        tx: &mut Transaction<'_, Any>,
        round_id: i64,
        unit_id: i64,
        leaf: &str,
    ) -> Result<()> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select node_code, reason from exemptions where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&mut **tx)
        .await?;
        match rows.into_iter().find(|(node, _)| covers(node, leaf)) {
            Some((node, reason)) => Err(StoreError::Refused(Refusal::Exempt {
                leaf: leaf.to_string(),
                node,
                reason,
            })),
            None => Ok(()),
        }
    }
}

/// Copies the exemptions of round `from` into the new round `to`, for the units that are
/// members of both and the nodes that exist in the set `to` scores each on.
pub(super) async fn copy_exemptions(
    tx: &mut Transaction<'_, Any>,
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        r"insert into exemptions (round_id, unit_id, node_code, reason, set_by, set_at)
          select $2, e.unit_id, e.node_code, e.reason, e.set_by, $3
          from exemptions e
          join round_members m on m.round_id = $2 and m.unit_id = e.unit_id
          join round_sets rs on rs.round_id = $2 and rs.tier_id = m.tier_id
          join criteria_nodes n on n.set_id = rs.set_id and n.code = e.node_code
          where e.round_id = $1",
    )
    .bind(from)
    .bind(to)
    .bind(to_ts(now))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
