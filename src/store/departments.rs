//! Departments appraising the criteria they own, and the appraisal council's sign-off
//! (see migration 0018). A round assigns areas and criteria of each tier's set to an
//! appraising department (a unit of the directory); the department's appraisers appraise
//! them in every unit of the tier ([`crate::domain::access::Assignments`]). The council
//! signs off an appraisal round: its appraisals are refused from then on (inside their
//! transactions, [`super::Guard`]), and publication needs the sign-off of the last one.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Any, Transaction};

use super::audit::{NewAudit, append};
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::Phase;
use crate::domain::access::Assignments;

/// One node of a tier's set assigned to a department in a round.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub tier_id: i64,
    /// An area («2») or a criterion («7.3») of the tier's set.
    pub node_code: String,
    pub department_id: i64,
    pub department_name: String,
    pub assigned_at: DateTime<Utc>,
}

/// The council's sign-off of an appraisal round (ký biên bản thẩm định).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SignOff {
    /// `appraisal_round1` or `appraisal_round2`.
    pub phase: Phase,
    /// The day the council met and signed.
    #[schema(value_type = String, format = Date)]
    pub signed_on: NaiveDate,
    /// The members, a line each («Nguyễn Văn A — Giám đốc Sở Nội vụ, Chủ tịch Hội đồng»).
    pub members: String,
    pub note: String,
    /// Who recorded it, as the audit log names them.
    pub signed_by: Option<String>,
    pub signed_at: DateTime<Utc>,
}

/// A sign-off to record.
#[derive(Clone, Debug)]
pub struct NewSignOff {
    pub phase: Phase,
    pub signed_on: NaiveDate,
    pub members: String,
    pub note: String,
}

/// «Thẩm định lần 1» for the audit log and messages.
fn appraisal_name(phase: Phase) -> &'static str {
    match phase {
        Phase::AppraisalRound2 => "thẩm định lần 2",
        _ => "thẩm định lần 1",
    }
}

impl Store {
    /// A transaction holding the round (as publication does), refused once published.
    async fn hold_unpublished(&self, round_id: i64) -> Result<Transaction<'_, Any>> {
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        self.unpublished(&mut tx, round_id).await?;
        Ok(tx)
    }

    /// A round's assignments, by tier then node code.
    pub async fn assignments(&self, round_id: i64) -> Result<Vec<Assignment>> {
        let rows: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
            r"select a.tier_id, a.node_code, a.department_unit_id, u.name, a.assigned_at
              from appraisal_assignments a join units u on u.id = a.department_unit_id
              where a.round_id = $1
              order by a.tier_id, a.node_code",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(tier_id, node_code, department_id, department_name, at)| Assignment {
                    tier_id,
                    node_code,
                    department_id,
                    department_name,
                    assigned_at: from_ts(at),
                },
            )
            .collect())
    }

    /// What a round assigns in the tier `unit_id` is ranked in there (nothing for a unit
    /// that is not a member).
    pub async fn unit_assignments(&self, round_id: i64, unit_id: i64) -> Result<Assignments> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            r"select a.node_code, a.department_unit_id from appraisal_assignments a
              join round_members m on m.round_id = a.round_id and m.tier_id = a.tier_id
              where a.round_id = $1 and m.unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Assignments::new(rows))
    }

    /// Assigns a node of a tier's set to a department (`Some`), or takes the assignment
    /// back (`None`), with its audit entry (`assignment.set`, `assignment.remove`); the
    /// round held and refused once published. False when nothing changed.
    pub(crate) async fn assign(
        &self,
        (round_id, tier_id, node_code): (i64, i64, &str),
        department: Option<i64>,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.hold_unpublished(round_id).await?;
        let old: Option<(i64, String)> = sqlx::query_as(
            r"select a.department_unit_id, u.name from appraisal_assignments a
              join units u on u.id = a.department_unit_id
              where a.round_id = $1 and a.tier_id = $2 and a.node_code = $3",
        )
        .bind(round_id)
        .bind(tier_id)
        .bind(node_code)
        .fetch_optional(&mut *tx)
        .await?;
        if old.as_ref().map(|o| o.0) == department {
            return Ok(false);
        }
        let tier: String = sqlx::query_scalar("select name from tiers where id = $1")
            .bind(tier_id)
            .fetch_one(&mut *tx)
            .await?;
        let (action, new_value) = match department {
            Some(department) => {
                sqlx::query(
                    r"insert into appraisal_assignments (round_id, tier_id, node_code, department_unit_id, assigned_by, assigned_at)
                      values ($1, $2, $3, $4, $5, $6)
                      on conflict (round_id, tier_id, node_code) do update set
                          department_unit_id = excluded.department_unit_id,
                          assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
                )
                .bind(round_id)
                .bind(tier_id)
                .bind(node_code)
                .bind(department)
                .bind(audit.actor_id)
                .bind(to_ts(now))
                .execute(&mut *tx)
                .await?;
                let name: String = sqlx::query_scalar("select name from units where id = $1")
                    .bind(department)
                    .fetch_one(&mut *tx)
                    .await?;
                (
                    "assignment.set",
                    Some(format!("{tier}: {node_code} — {name}")),
                )
            }
            None => {
                sqlx::query(
                    "delete from appraisal_assignments where round_id = $1 and tier_id = $2 and node_code = $3",
                )
                .bind(round_id)
                .bind(tier_id)
                .bind(node_code)
                .execute(&mut *tx)
                .await?;
                ("assignment.remove", None)
            }
        };
        let entry = NewAudit {
            action: action.into(),
            round_id: Some(round_id),
            leaf_code: Some(node_code.to_string()),
            old_value: old.map(|(_, name)| format!("{tier}: {node_code} — {name}")),
            new_value,
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A round's sign-offs, round 1 first.
    pub async fn sign_offs(&self, round_id: i64) -> Result<Vec<SignOff>> {
        let rows: Vec<(String, String, String, String, Option<String>, i64)> = sqlx::query_as(
            r"select s.phase, s.signed_on, s.members, s.note, u.display_name, s.signed_at
              from appraisal_sign_offs s left join users u on u.id = s.signed_by
              where s.round_id = $1 order by s.phase",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(phase, on, members, note, by, at)| {
                Ok(SignOff {
                    phase: Phase::parse(&phase)
                        .ok_or_else(|| StoreError::Invalid(format!("giai đoạn «{phase}»")))?,
                    signed_on: NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                        .map_err(|e| StoreError::Invalid(format!("ngày ký «{on}»: {e}")))?,
                    members,
                    note,
                    signed_by: by,
                    signed_at: from_ts(at),
                })
            })
            .collect()
    }

    /// Records the council's sign-off of an appraisal round, audited
    /// (`appraisal.sign_off`), the round held: an appraisal of that round waiting for it
    /// is refused after. Refused once published, or when signed off already.
    pub async fn sign_off(
        &self,
        round_id: i64,
        sign_off: &NewSignOff,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.hold_unpublished(round_id).await?;
        let signed = sqlx::query(
            r"insert into appraisal_sign_offs (round_id, phase, signed_on, members, note, signed_by, signed_at)
              values ($1, $2, $3, $4, $5, $6, $7)
              on conflict (round_id, phase) do nothing",
        )
        .bind(round_id)
        .bind(sign_off.phase.as_str())
        .bind(sign_off.signed_on.format("%Y-%m-%d").to_string())
        .bind(&sign_off.members)
        .bind(&sign_off.note)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if signed == 0 {
            return Err(StoreError::Conflict(format!(
                "Hội đồng đã ký biên bản {} của kỳ đánh giá này; muốn ký lại, hãy hủy lần ký trước (ghi rõ lý do).",
                appraisal_name(sign_off.phase)
            )));
        }
        let members = sign_off.members.lines().count();
        let entry = NewAudit {
            action: "appraisal.sign_off".into(),
            round_id: Some(round_id),
            new_value: Some(format!(
                "Hội đồng thẩm định ký biên bản {} ngày {}; {members} thành viên{}",
                appraisal_name(sign_off.phase),
                sign_off.signed_on.format("%d/%m/%Y"),
                if sign_off.note.is_empty() {
                    String::new()
                } else {
                    format!("; ý kiến: {}", sign_off.note)
                }
            )),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws a sign-off, audited (`appraisal.sign_off_withdraw`, with the reason):
    /// the round's appraisals may be written again while its window is open. Refused once
    /// published; not found when there is none.
    pub(crate) async fn withdraw_sign_off(
        &self,
        round_id: i64,
        phase: Phase,
        reason: &str,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.hold_unpublished(round_id).await?;
        let old: Option<String> = sqlx::query_scalar(
            "select signed_on from appraisal_sign_offs where round_id = $1 and phase = $2",
        )
        .bind(round_id)
        .bind(phase.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(old) = old else {
            return Err(StoreError::NotFound(format!(
                "biên bản {} đã ký",
                appraisal_name(phase)
            )));
        };
        sqlx::query("delete from appraisal_sign_offs where round_id = $1 and phase = $2")
            .bind(round_id)
            .bind(phase.as_str())
            .execute(&mut *tx)
            .await?;
        let signed_on = NaiveDate::parse_from_str(&old, "%Y-%m-%d")
            .map_or(old.clone(), |d| d.format("%d/%m/%Y").to_string());
        let entry = NewAudit {
            action: "appraisal.sign_off_withdraw".into(),
            round_id: Some(round_id),
            old_value: Some(format!(
                "biên bản {} ký ngày {signed_on}",
                appraisal_name(phase)
            )),
            new_value: Some(format!("hủy lần ký; lý do: {reason}")),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the round's `phase` is signed off, read inside a transaction (publication).
    pub(super) async fn signed_off_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        round_id: i64,
        phase: Phase,
    ) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "select signed_at from appraisal_sign_offs where round_id = $1 and phase = $2",
        )
        .bind(round_id)
        .bind(phase.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        Ok(found.is_some())
    }

    /// Sets the appraising department an account belongs to (none: no department).
    pub async fn set_user_department(&self, user_id: i64, department: Option<i64>) -> Result<()> {
        sqlx::query("update users set department_unit_id = $2 where id = $1")
            .bind(user_id)
            .bind(department)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Copies the assignments of round `from` into the new round `to`, for the tiers both
/// rank and the nodes the set `to` pins for the tier still has.
pub(super) async fn copy_assignments(
    tx: &mut Transaction<'_, Any>,
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        r"insert into appraisal_assignments (round_id, tier_id, node_code, department_unit_id, assigned_by, assigned_at)
          select $2, a.tier_id, a.node_code, a.department_unit_id, a.assigned_by, $3
          from appraisal_assignments a
          join round_sets rs on rs.round_id = $2 and rs.tier_id = a.tier_id
          join criteria_nodes n on n.set_id = rs.set_id and n.code = a.node_code
          where a.round_id = $1",
    )
    .bind(from)
    .bind(to)
    .bind(to_ts(now))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
