//! What units and appraisers record: self-assessment entries, submissions, appraisal
//! entries, survey scores, bonus and penalty entries; and gathering them for results.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use super::audit::{NewAudit, append};
use super::guard::{Guard, UnitHold};
use super::{Backend, Result, Store, StoreError, flag, from_ts, to_ts};
use crate::domain::results::UnitScores;
use crate::domain::text::{limit, multiline, one_line};
use crate::domain::{LeafInput, Points};

/// A self-assessment entry to save: the input, the points it gives (computed by the
/// domain from the criteria set), and the unit's notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelfInput {
    pub leaf_code: String,
    pub input: Option<LeafInput>,
    pub points: Option<Points>,
    pub explanation: String,
    pub not_applicable: bool,
    pub na_reason: String,
}

/// A stored self-assessment entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SelfEntry {
    pub leaf_code: String,
    pub input: Option<LeafInput>,
    pub points: Option<Points>,
    pub explanation: String,
    pub not_applicable: bool,
    pub na_reason: String,
    /// Increases on every save; a save naming an older version is refused.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromRow)]
pub(super) struct SelfRow {
    leaf_code: String,
    #[sqlx(flatten)]
    figures: FigureColumns,
    points_h: Option<i64>,
    explanation: String,
    not_applicable: i64,
    na_reason: String,
    version: i64,
    updated_at: i64,
}

impl From<SelfRow> for SelfEntry {
    fn from(r: SelfRow) -> SelfEntry {
        SelfEntry {
            input: leaf_input(&r.figures),
            leaf_code: r.leaf_code,
            points: r.points_h.map(Points::from_hundredths),
            explanation: r.explanation,
            not_applicable: r.not_applicable != 0,
            na_reason: r.na_reason,
            version: r.version,
            updated_at: from_ts(r.updated_at),
        }
    }
}

/// The columns that hold a leaf input, as read (`self_entries` and `appraisal_entries`
/// hold them alike).
#[derive(FromRow)]
struct FigureColumns {
    input_kind: Option<String>,
    met: Option<i64>,
    numerator_h: Option<i64>,
    denominator_h: Option<i64>,
    judged_h: Option<i64>,
    occurrences: Option<i64>,
}

/// The input the columns hold, if they hold a whole one.
fn leaf_input(c: &FigureColumns) -> Option<LeafInput> {
    match c.input_kind.as_deref() {
        Some("yes_no") => c.met.map(|m| LeafInput::YesNo { met: m != 0 }),
        Some("rate") => match (c.numerator_h, c.denominator_h) {
            (Some(n), Some(d)) => Some(LeafInput::Rate {
                numerator: Points::from_hundredths(n),
                denominator: Points::from_hundredths(d),
            }),
            _ => None,
        },
        Some("judged") => c.judged_h.map(|j| LeafInput::Judged {
            points: Points::from_hundredths(j),
        }),
        Some("occurrences") => c.occurrences.map(|count| LeafInput::Occurrences { count }),
        _ => None,
    }
}

/// How many times a bonus (`bonus`) or penalty (`penalty`) item counts for a unit, with a
/// note; 0 removes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, validator::Validate)]
pub struct ExtraCount {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub kind: String,
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub item_code: String,
    pub occurrences: i64,
    #[validate(length(max = limit::REASON), custom(function = multiline))]
    pub note: String,
}

/// An appraised score for one leaf in one appraisal round (1 or 2).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Serialize, validator::Validate, utoipa::ToSchema,
)]
pub struct AppraisalEntry {
    #[validate(length(max = limit::CODE), custom(function = one_line))]
    pub leaf_code: String,
    pub appraisal_round: i64,
    /// The appraised points: on a rate or count leaf appraised by its figures, those the
    /// leaf's rule gives `input`.
    pub points: Option<Points>,
    /// The figures the appraiser corrected (rate and count leaves); none where the points
    /// were given directly.
    pub input: Option<LeafInput>,
    pub not_applicable: bool,
    #[validate(length(max = limit::TEXT), custom(function = multiline))]
    pub comment: String,
    pub explanation_requested: bool,
}

/// The columns that hold a leaf input: (kind, met, numerator, denominator, judged, occurrences).
type InputColumns = (
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn input_columns(input: Option<LeafInput>) -> InputColumns {
    match input {
        None => (None, None, None, None, None, None),
        Some(LeafInput::YesNo { met: m }) => {
            (Some("yes_no"), Some(flag(m)), None, None, None, None)
        }
        Some(LeafInput::Rate {
            numerator,
            denominator,
        }) => (
            Some("rate"),
            None,
            Some(numerator.hundredths()),
            Some(denominator.hundredths()),
            None,
            None,
        ),
        Some(LeafInput::Judged { points: p }) => {
            (Some("judged"), None, None, None, Some(p.hundredths()), None)
        }
        Some(LeafInput::Occurrences { count: n }) => {
            (Some("occurrences"), None, None, None, None, Some(n))
        }
    }
}

fn describe(points: Option<Points>, not_applicable: bool) -> String {
    match (not_applicable, points) {
        (true, _) => "không áp dụng".to_string(),
        (false, Some(p)) => format!("{} điểm", p.to_vn()),
        (false, None) => "chưa chấm".to_string(),
    }
}

/// Points and the figures behind them, as the audit log shows them: «0,75 điểm (110/125)».
fn describe_scored(
    points: Option<Points>,
    input: Option<LeafInput>,
    not_applicable: bool,
) -> String {
    let mut text = describe(points, not_applicable);
    match input {
        Some(LeafInput::YesNo { met }) => {
            text.push_str(if met { " (đạt)" } else { " (không đạt)" })
        }
        Some(input) => {
            if let Some(figures) = input.figures() {
                text.push_str(&format!(" ({figures})"));
            }
        }
        None => {}
    }
    text
}

/// An entry as the audit log and conflict messages show it: points, the figures behind
/// them, the not-applicable claim, and the start of the explanation.
fn describe_self(e: &SelfEntry) -> String {
    let mut text = describe_scored(e.points, e.input, e.not_applicable);
    if e.not_applicable && !e.na_reason.is_empty() {
        text.push_str(&format!("; lý do: {}", e.na_reason));
    }
    if !e.explanation.is_empty() {
        let short: String = e.explanation.chars().take(80).collect();
        let more = if e.explanation.chars().count() > 80 {
            "…"
        } else {
            ""
        };
        text.push_str(&format!("; giải thích: {short}{more}"));
    }
    text
}

const SELF_COLUMNS: &str = r"leaf_code, input_kind, met, numerator_h, denominator_h, judged_h, occurrences,
    points_h, explanation, not_applicable, na_reason, version, updated_at";

impl Store {
    /// A unit's self-assessment entries in a round, by leaf code.
    pub async fn self_entries(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<String, SelfEntry>> {
        let rows: Vec<SelfRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {SELF_COLUMNS} from self_entries where round_id = $1 and unit_id = $2"
        )))
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.leaf_code.clone(), SelfEntry::from(r)))
            .collect())
    }

    /// One self-assessment entry, if saved.
    pub async fn self_entry(
        &self,
        round_id: i64,
        unit_id: i64,
        leaf_code: &str,
    ) -> Result<Option<SelfEntry>> {
        read_self_entry(&self.pool, round_id, unit_id, leaf_code).await
    }

    /// Saves one leaf of a unit's self-assessment, with its audit entry, in one transaction.
    ///
    /// `expected_version` is the version the writer last saw (`None` for a leaf it saw
    /// empty). If someone saved the leaf since, nothing is written and the current entry
    /// comes back in the error, so a second editor never silently overwrites the first.
    pub(crate) async fn save_self_entry(
        &self,
        guard: &Guard,
        entry: &SelfInput,
        expected_version: Option<i64>,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<SelfEntry> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        // The guard first, so that a late save hears of the deadline, not of a version;
        // then the current entry, read under the guard's locks (on SQLite the write lock,
        // so never from a stale snapshot); the write's own version condition keeps the
        // check atomic on both backends.
        let mut tx = self.pool.begin().await?;
        let held = self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        if held.exemptions {
            self.refuse_exempt(&mut tx, round_id, unit_id, &entry.leaf_code)
                .await?;
        }
        let current = read_self_entry(&mut *tx, round_id, unit_id, &entry.leaf_code).await?;
        let conflict = |current: Option<SelfEntry>| {
            StoreError::Conflict(format!(
                "Tiêu chí {} vừa được người khác lưu{}; giá trị hiện tại: {}. Hãy xem lại trước khi lưu.",
                entry.leaf_code,
                current
                    .as_ref()
                    .map(|c| format!(
                        " lúc {}",
                        crate::domain::deadline::format_instant(c.updated_at)
                    ))
                    .unwrap_or_default(),
                current
                    .as_ref()
                    .map(describe_self)
                    .unwrap_or_else(|| "chưa chấm".into()),
            ))
        };
        if current.as_ref().map(|c| c.version) != expected_version {
            // A retry of a save already stored (its answer was lost on the way, the page
            // still holds the old version): what it sends is what is there, so it is done.
            // The stored entry answers it, without a second write or audit entry.
            if let Some(stored) = current.as_ref().filter(|c| same_self_content(c, entry)) {
                return Ok(stored.clone());
            }
            return Err(conflict(current));
        }
        let (kind, met, num, den, judged, occ) = input_columns(entry.input);
        let sql = if expected_version.is_none() {
            r"insert into self_entries (round_id, unit_id, leaf_code, input_kind, met, numerator_h, denominator_h,
                  judged_h, occurrences, points_h, explanation, not_applicable, na_reason, version, updated_by, updated_at)
              values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15)
              on conflict (round_id, unit_id, leaf_code) do nothing"
        } else {
            r"update self_entries set input_kind = $4, met = $5, numerator_h = $6, denominator_h = $7,
                  judged_h = $8, occurrences = $9, points_h = $10, explanation = $11, not_applicable = $12,
                  na_reason = $13, version = version + 1, updated_by = $14, updated_at = $15
              where round_id = $1 and unit_id = $2 and leaf_code = $3 and version = $16"
        };
        let mut query = sqlx::query(sql)
            .bind(round_id)
            .bind(unit_id)
            .bind(&entry.leaf_code)
            .bind(kind)
            .bind(met)
            .bind(num)
            .bind(den)
            .bind(judged)
            .bind(occ)
            .bind(entry.points.map(Points::hundredths))
            .bind(&entry.explanation)
            .bind(flag(entry.not_applicable))
            .bind(&entry.na_reason)
            .bind(audit.actor_id)
            .bind(to_ts(now));
        if let Some(v) = expected_version {
            query = query.bind(v);
        }
        let written = query.execute(&mut *tx).await?.rows_affected();
        if written == 0 {
            drop(tx);
            return Err(conflict(
                self.self_entry(round_id, unit_id, &entry.leaf_code).await?,
            ));
        }
        // Saved again: a leaf a corrigendum changed has been reviewed.
        if held.revising {
            sqlx::query(
                r"update revised_entries set reviewed_at = $4
                  where round_id = $1 and unit_id = $2 and leaf_code = $3 and reviewed_at is null",
            )
            .bind(round_id)
            .bind(unit_id)
            .bind(&entry.leaf_code)
            .bind(to_ts(now))
            .execute(&mut *tx)
            .await?;
        }
        let version = expected_version.map_or(1, |v| v + 1);
        let new_entry = SelfEntry {
            leaf_code: entry.leaf_code.clone(),
            input: entry.input,
            points: entry.points,
            explanation: entry.explanation.clone(),
            not_applicable: entry.not_applicable,
            na_reason: entry.na_reason.clone(),
            version,
            // As stored: whole seconds, as a later read gives it.
            updated_at: super::from_ts(to_ts(now)),
        };
        let audit = NewAudit {
            action: "self_assessment.save".into(),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            leaf_code: Some(entry.leaf_code.clone()),
            old_value: current.as_ref().map(describe_self),
            new_value: Some(describe_self(&new_entry)),
            ..audit
        };
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(new_entry)
    }

    /// Records that the unit head approved and submitted the self-assessment.
    pub(crate) async fn submit_self_assessment(
        &self,
        guard: &Guard,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Exclusive).await?;
        sqlx::query(
            r"insert into submissions (round_id, unit_id, submitted_at, submitted_by) values ($1, $2, $3, $4)
              on conflict (round_id, unit_id) do update set submitted_at = excluded.submitted_at, submitted_by = excluded.submitted_by",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(to_ts(now))
        .bind(audit.actor_id)
        .execute(&mut *tx)
        .await?;
        super::snapshots::write_snapshot(&mut tx, round_id, unit_id, audit.actor_id, now).await?;
        let audit = NewAudit {
            action: "self_assessment.submit".into(),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            new_value: Some("đã phê duyệt và gửi".into()),
            ..audit
        };
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws a submission so the unit can edit again (before its deadline).
    pub(crate) async fn withdraw_submission(
        &self,
        guard: &Guard,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Exclusive).await?;
        sqlx::query("delete from submissions where round_id = $1 and unit_id = $2")
            .bind(round_id)
            .bind(unit_id)
            .execute(&mut *tx)
            .await?;
        let audit = NewAudit {
            action: "self_assessment.withdraw".into(),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            old_value: Some("đã phê duyệt và gửi".into()),
            new_value: Some("rút lại để chỉnh sửa".into()),
            ..audit
        };
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the unit submitted, if it did.
    pub async fn submission(&self, round_id: i64, unit_id: i64) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = sqlx::query_scalar(
            "select submitted_at from submissions where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(at.map(from_ts))
    }

    /// When the unit submitted, if it did, and the name of the account that submitted
    /// (none where it is not recorded, as in submissions loaded by the demo).
    pub async fn submission_record(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<Option<(DateTime<Utc>, Option<String>)>> {
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            r"select s.submitted_at, u.display_name
              from submissions s left join users u on u.id = s.submitted_by
              where s.round_id = $1 and s.unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(at, name)| (from_ts(at), name)))
    }

    /// Saves an appraised score for one leaf (with the figures behind it, where the
    /// appraiser corrected them), with its audit entry.
    pub(crate) async fn save_appraisal(
        &self,
        guard: &Guard,
        entry: &AppraisalEntry,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        if !(1..=2).contains(&entry.appraisal_round) {
            return Err(StoreError::Invalid(
                "vòng thẩm định phải là 1 hoặc 2".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        let held = self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        if held.exemptions {
            self.refuse_exempt(&mut tx, round_id, unit_id, &entry.leaf_code)
                .await?;
        }
        let old: Option<AppraisalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            r"select {APPRAISAL_COLUMNS} from appraisal_entries
              where round_id = $1 and unit_id = $2 and leaf_code = $3 and appraisal_round = $4"
        )))
        .bind(round_id)
        .bind(unit_id)
        .bind(&entry.leaf_code)
        .bind(entry.appraisal_round)
        .fetch_optional(&mut *tx)
        .await?;
        let (kind, met, num, den, judged, occ) = input_columns(entry.input);
        sqlx::query(
            r"insert into appraisal_entries (round_id, unit_id, leaf_code, appraisal_round, points_h, not_applicable,
                  comment, explanation_requested, appraiser_id, updated_at,
                  input_kind, met, numerator_h, denominator_h, judged_h, occurrences)
              values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
              on conflict (round_id, unit_id, leaf_code, appraisal_round) do update set
                  points_h = excluded.points_h, not_applicable = excluded.not_applicable, comment = excluded.comment,
                  explanation_requested = excluded.explanation_requested, appraiser_id = excluded.appraiser_id,
                  updated_at = excluded.updated_at, input_kind = excluded.input_kind, met = excluded.met,
                  numerator_h = excluded.numerator_h, denominator_h = excluded.denominator_h,
                  judged_h = excluded.judged_h, occurrences = excluded.occurrences",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(&entry.leaf_code)
        .bind(entry.appraisal_round)
        .bind(entry.points.map(Points::hundredths))
        .bind(flag(entry.not_applicable))
        .bind(&entry.comment)
        .bind(flag(entry.explanation_requested))
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .bind(kind)
        .bind(met)
        .bind(num)
        .bind(den)
        .bind(judged)
        .bind(occ)
        .execute(&mut *tx)
        .await?;
        let describe_appraisal =
            |e: &AppraisalEntry| describe_scored(e.points, e.input, e.not_applicable);
        let audit = NewAudit {
            action: format!("appraisal.round{}.save", entry.appraisal_round),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            leaf_code: Some(entry.leaf_code.clone()),
            old_value: old.map(|row| describe_appraisal(&AppraisalEntry::from(row))),
            new_value: Some(describe_appraisal(entry)),
            ..audit
        };
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the survey points of one unit for one survey leaf.
    pub(crate) async fn set_survey_score(
        &self,
        guard: &Guard,
        leaf_code: &str,
        points: Points,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let mut tx = self.pool.begin().await?;
        let held = self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        if held.exemptions {
            self.refuse_exempt(&mut tx, round_id, unit_id, leaf_code)
                .await?;
        }
        let score = (unit_id, leaf_code, points);
        let audit = NewAudit {
            action: "survey.set".into(),
            ..audit
        };
        write_survey_score(&mut tx, round_id, score, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets many survey scores at once: all of them or, on any failure, none.
    pub(crate) async fn set_survey_scores(
        &self,
        round_id: i64,
        scores: &[(i64, String, Points)],
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        self.hold_round(&mut tx, round_id).await?;
        self.unpublished(&mut tx, round_id).await?;
        let audit = NewAudit {
            action: "survey.import".into(),
            ..audit
        };
        for (unit_id, leaf_code, points) in scores {
            let score = (*unit_id, leaf_code.as_str(), *points);
            write_survey_score(&mut tx, round_id, score, &audit, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets how many times a bonus or penalty item applies to a unit (0 removes it).
    pub(crate) async fn set_extra(
        &self,
        guard: &Guard,
        extra: &ExtraCount,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let ExtraCount {
            kind,
            item_code,
            occurrences,
            note,
        } = extra;
        let (kind, item_code, occurrences, note) = (
            kind.as_str(),
            item_code.as_str(),
            *occurrences,
            note.as_str(),
        );
        if !matches!(kind, "bonus" | "penalty") || occurrences < 0 {
            return Err(StoreError::Invalid(
                "khoản điểm thưởng/điểm trừ không hợp lệ".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        let old: Option<i64> = sqlx::query_scalar(
            "select occurrences from extra_entries where round_id = $1 and unit_id = $2 and kind = $3 and item_code = $4",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(kind)
        .bind(item_code)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            r"insert into extra_entries (round_id, unit_id, kind, item_code, occurrences, note, updated_by, updated_at)
              values ($1, $2, $3, $4, $5, $6, $7, $8)
              on conflict (round_id, unit_id, kind, item_code) do update set
                  occurrences = excluded.occurrences, note = excluded.note,
                  updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(kind)
        .bind(item_code)
        .bind(occurrences)
        .bind(note)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?;
        let audit = NewAudit {
            action: format!("{kind}.set"),
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            leaf_code: Some(item_code.to_string()),
            old_value: old.map(|n| n.to_string()),
            new_value: Some(occurrences.to_string()),
            ..audit
        };
        append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everything recorded for the units of one tier in a round, ready for
    /// [`crate::domain::results`]. Not-applicable claims follow the latest appraisal
    /// that decided the leaf, else the unit's own claim.
    pub async fn unit_scores(
        &self,
        round_id: i64,
        tier_id: i64,
        set_id: i64,
    ) -> Result<Vec<UnitScores>> {
        let units = self.round_units(round_id, Some(tier_id)).await?;
        let mut by_unit: BTreeMap<i64, UnitScores> = units
            .into_iter()
            .map(|u| {
                (
                    u.id,
                    UnitScores {
                        unit_id: u.id,
                        unit_code: u.code,
                        unit_name: u.name,
                        ..Default::default()
                    },
                )
            })
            .collect();

        for (unit, entries) in self.tier_entries(Entries::Own, round_id, tier_id).await? {
            if let Some(s) = by_unit.get_mut(&unit) {
                s.not_applicable = (entries.iter())
                    .filter(|(_, _, na)| *na)
                    .map(|(leaf, _, _)| leaf.clone())
                    .collect();
                s.self_scores = (entries.into_iter())
                    .filter_map(|(leaf, points, _)| Some((leaf, points?)))
                    .collect();
            }
        }

        // Round 1 first, then round 2 overwrites: the latest appraisal counts.
        let appraisals = self.tier_entries(Entries::Appraisal, round_id, tier_id);
        for (unit, entries) in appraisals.await? {
            if let Some(s) = by_unit.get_mut(&unit) {
                for (leaf, points, na) in entries {
                    if na {
                        s.not_applicable.insert(leaf.clone());
                        s.appraised.insert(leaf, Points::ZERO);
                    } else {
                        s.not_applicable.remove(&leaf);
                        let own = s.self_scores.get(&leaf).copied().unwrap_or_default();
                        s.appraised.insert(leaf, points.unwrap_or(own));
                    }
                }
            }
        }

        // Exemptions last: whatever was entered or appraised, an exempt leaf is out.
        let exempt: Vec<(i64, String)> = sqlx::query_as(
            r"select e.unit_id, e.node_code
              from exemptions e
              join round_members m on m.round_id = e.round_id and m.unit_id = e.unit_id
              where e.round_id = $1 and m.tier_id = $2",
        )
        .bind(round_id)
        .bind(tier_id)
        .fetch_all(&self.pool)
        .await?;
        if !exempt.is_empty() {
            let set = self.criteria_set(set_id).await?.set;
            for (unit, node) in exempt {
                if let Some(s) = by_unit.get_mut(&unit) {
                    for leaf in set.leaves().filter(|l| super::covers(&node, &l.code)) {
                        s.not_applicable.insert(leaf.code.clone());
                    }
                }
            }
        }

        let survey_rows: Vec<(i64, String, i64)> = sqlx::query_as(
            r"select s.unit_id, s.leaf_code, s.points_h
              from survey_scores s
              join round_members m on m.round_id = s.round_id and m.unit_id = s.unit_id
              where s.round_id = $1 and m.tier_id = $2",
        )
        .bind(round_id)
        .bind(tier_id)
        .fetch_all(&self.pool)
        .await?;
        for (unit, leaf, points) in survey_rows {
            if let Some(s) = by_unit.get_mut(&unit) {
                s.survey.insert(leaf, Points::from_hundredths(points));
            }
        }

        let extra_rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            r"select e.unit_id, e.kind, e.occurrences, x.points_h
              from extra_entries e
              join round_members m on m.round_id = e.round_id and m.unit_id = e.unit_id
              join criteria_extras x on x.set_id = $3 and x.kind = e.kind and x.code = e.item_code
              where e.round_id = $1 and m.tier_id = $2",
        )
        .bind(round_id)
        .bind(tier_id)
        .bind(set_id)
        .fetch_all(&self.pool)
        .await?;
        for (unit, kind, occurrences, points) in extra_rows {
            if let Some(s) = by_unit.get_mut(&unit) {
                let amount = Points::from_hundredths(points).times(occurrences);
                if kind == "bonus" {
                    s.bonus = s.bonus + amount;
                } else {
                    s.penalty = s.penalty + amount;
                }
            }
        }
        Ok(by_unit.into_values().collect())
    }
}

/// Which entries [`Store::tier_entries`] reads.
#[derive(Clone, Copy)]
enum Entries {
    /// The units' own (self-assessment) entries.
    Own,
    /// The appraisers' entries that decide something (a score or not applicable; a row
    /// with only a comment or an explanation request leaves the earlier value standing),
    /// round 1 before round 2.
    Appraisal,
}

/// A unit's entries of one kind: (leaf, points, not applicable), in order.
type UnitEntries = Vec<(String, Option<Points>, bool)>;

impl Store {
    /// The entries of one tier of a round, unit by unit. On SQLite they are read one row
    /// per unit, the unit's entries packed in one text (see [`unpack_entries`]): there the
    /// driver's cost per row is far above the database's (5 000 units × 100 leaves: 3,1 s
    /// as rows, 0,7 s packed). On PostgreSQL, packing costs the server what it saves the
    /// driver (measured the same or slower), so they are read as rows, through the native
    /// driver (`Store::bulk`).
    async fn tier_entries(
        &self,
        which: Entries,
        round_id: i64,
        tier_id: i64,
    ) -> Result<Vec<(i64, UnitEntries)>> {
        let sql = match (self.backend, which) {
            (Backend::Postgres, Entries::Own) => {
                r"select e.unit_id, e.leaf_code, e.points_h, e.not_applicable
                  from self_entries e
                  join round_members m on m.round_id = e.round_id and m.unit_id = e.unit_id
                  where e.round_id = $1 and m.tier_id = $2
                  order by e.unit_id"
            }
            (Backend::Postgres, Entries::Appraisal) => {
                r"select a.unit_id, a.leaf_code, a.points_h, a.not_applicable
                  from appraisal_entries a
                  join round_members m on m.round_id = a.round_id and m.unit_id = a.unit_id
                  where a.round_id = $1 and m.tier_id = $2
                    and (a.points_h is not null or a.not_applicable <> 0)
                  order by a.unit_id, a.appraisal_round"
            }
            (Backend::Sqlite, Entries::Own) => {
                r"select e.unit_id, string_agg(e.leaf_code || ' '
                      || coalesce(cast(e.points_h as text), '-') || ' '
                      || cast(e.not_applicable as text), ',')
                  from self_entries e
                  join round_members m on m.round_id = e.round_id and m.unit_id = e.unit_id
                  where e.round_id = $1 and m.tier_id = $2
                  group by e.unit_id"
            }
            (Backend::Sqlite, Entries::Appraisal) => {
                r"select a.unit_id, string_agg(a.leaf_code || ' '
                      || coalesce(cast(a.points_h as text), '-') || ' '
                      || cast(a.not_applicable as text), ',' order by a.appraisal_round)
                  from appraisal_entries a
                  join round_members m on m.round_id = a.round_id and m.unit_id = a.unit_id
                  where a.round_id = $1 and m.tier_id = $2
                    and (a.points_h is not null or a.not_applicable <> 0)
                  group by a.unit_id"
            }
        };
        if let Some(bulk) = &self.bulk {
            // Natively: through the Any driver these rows cost about 4× the query.
            let rows: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(sql)
                .bind(round_id)
                .bind(tier_id)
                .fetch_all(bulk)
                .await?;
            let mut units: Vec<(i64, UnitEntries)> = Vec::new();
            for (unit, leaf, points, na) in rows {
                let entry = (leaf, points.map(Points::from_hundredths), na != 0);
                match units.last_mut() {
                    Some((last, entries)) if *last == unit => entries.push(entry),
                    _ => units.push((unit, vec![entry])),
                }
            }
            return Ok(units);
        }
        let units: Vec<(i64, String)> = sqlx::query_as(sql)
            .bind(round_id)
            .bind(tier_id)
            .fetch_all(&self.pool)
            .await?;
        units
            .into_iter()
            .map(|(unit, packed)| {
                let entries = unpack_entries(unit, &packed)
                    .map(|entry| entry.map(|(leaf, points, na)| (leaf.to_string(), points, na)))
                    .collect::<Result<_>>()?;
                Ok((unit, entries))
            })
            .collect()
    }
}

/// A unit's entries packed in one text by [`Store::tier_entries`] on SQLite: «leaf points
/// na» (points in hundredths or `-`, na 0 or 1), comma separated, in order; leaf codes are
/// digits and dots (the criteria file's rule). Gives (leaf, points, not applicable). Text
/// that does not read back is an error, never a silently different score.
fn unpack_entries(
    unit: i64,
    packed: &str,
) -> impl Iterator<Item = Result<(&str, Option<Points>, bool)>> {
    packed.split(',').map(move |item| {
        let mut parts = item.split(' ');
        let read = (|| {
            let leaf = parts.next().filter(|l| !l.is_empty())?;
            let points = match parts.next()? {
                "-" => None,
                p => Some(Points::from_hundredths(p.parse().ok()?)),
            };
            let na = match parts.next()? {
                "0" => false,
                "1" => true,
                _ => return None,
            };
            parts.next().is_none().then_some((leaf, points, na))
        })();
        read.ok_or_else(|| {
            StoreError::Database(sqlx::Error::Decode(
                format!("điểm của đơn vị {unit} không đọc được: «{item}»").into(),
            ))
        })
    })
}

impl Store {
    /// Per unit of a round: how many leaves carry points or a not-applicable claim.
    pub async fn scored_counts(&self, round_id: i64) -> Result<BTreeMap<i64, i64>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            r"select unit_id, count(*) from self_entries
              where round_id = $1 and (points_h is not null or not_applicable = 1)
              group by unit_id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every appraisal row of a round that scored a leaf or asked for an explanation:
    /// (unit, appraisal round, leaf, scored, explanation requested).
    pub async fn appraisal_marks(
        &self,
        round_id: i64,
    ) -> Result<Vec<(i64, i64, String, bool, bool)>> {
        let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
            r"select unit_id, appraisal_round, leaf_code,
                     case when points_h is not null or not_applicable = 1 then 1 else 0 end,
                     explanation_requested
              from appraisal_entries
              where round_id = $1 and (points_h is not null or not_applicable = 1 or explanation_requested = 1)",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, n, leaf, scored, asked)| (u, n, leaf, scored != 0, asked != 0))
            .collect())
    }

    /// (unit, leaf) of every explanation a round's units wrote.
    pub async fn explanations_written(&self, round_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "select unit_id, leaf_code from explanations where round_id = $1 and text <> ''",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// When each unit of a round submitted.
    pub async fn submissions(&self, round_id: i64) -> Result<BTreeMap<i64, DateTime<Utc>>> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("select unit_id, submitted_at from submissions where round_id = $1")
                .bind(round_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(u, at)| (u, from_ts(at))).collect())
    }

    /// Survey scores of a round, by (unit, leaf).
    pub async fn survey_scores(&self, round_id: i64) -> Result<BTreeMap<(i64, String), Points>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "select unit_id, leaf_code, points_h from survey_scores where round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, l, h)| ((u, l), Points::from_hundredths(h)))
            .collect())
    }

    /// The survey scores of one unit in a round, by leaf.
    pub async fn unit_survey_scores(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<String, Points>> {
        Ok(self
            .units_survey_scores(round_id, &[unit_id])
            .await?
            .into_iter()
            .map(|((_, leaf), points)| (leaf, points))
            .collect())
    }

    /// The appraisal entries of a unit in a round, by (leaf code, appraisal round).
    pub async fn appraisal_entries(
        &self,
        round_id: i64,
        unit_id: i64,
    ) -> Result<BTreeMap<(String, i64), AppraisalEntry>> {
        let rows: Vec<AppraisalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {APPRAISAL_COLUMNS} from appraisal_entries where round_id = $1 and unit_id = $2"
        )))
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ((r.leaf_code.clone(), r.appraisal_round), r.into()))
            .collect())
    }

    /// The self-assessment entries of `units` in a round, by unit then leaf: one query for
    /// a chunk of an export.
    pub async fn round_self_entries(
        &self,
        round_id: i64,
        units: &[i64],
    ) -> Result<BTreeMap<i64, BTreeMap<String, SelfEntry>>> {
        let list = self.unit_list("unit_id", units);
        let rows: Vec<UnitSelfRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select unit_id, {SELF_COLUMNS} from self_entries where round_id = $1 and {}",
            list.clause
        )))
        .bind(round_id)
        .bind(list.param)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<i64, BTreeMap<String, SelfEntry>> = BTreeMap::new();
        for r in rows {
            out.entry(r.unit_id)
                .or_default()
                .insert(r.row.leaf_code.clone(), SelfEntry::from(r.row));
        }
        Ok(out)
    }

    /// The appraisal entries of `units` in a round, by unit then (leaf, appraisal round).
    pub async fn round_appraisal_entries(
        &self,
        round_id: i64,
        units: &[i64],
    ) -> Result<BTreeMap<i64, BTreeMap<(String, i64), AppraisalEntry>>> {
        let list = self.unit_list("unit_id", units);
        let rows: Vec<UnitAppraisalRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select unit_id, {APPRAISAL_COLUMNS} from appraisal_entries where round_id = $1 and {}",
            list.clause
        )))
        .bind(round_id)
        .bind(list.param)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<i64, BTreeMap<(String, i64), AppraisalEntry>> = BTreeMap::new();
        for r in rows {
            out.entry(r.unit_id).or_default().insert(
                (r.row.leaf_code.clone(), r.row.appraisal_round),
                r.row.into(),
            );
        }
        Ok(out)
    }

    /// The survey scores of `units` in a round, by (unit, leaf).
    pub async fn units_survey_scores(
        &self,
        round_id: i64,
        units: &[i64],
    ) -> Result<BTreeMap<(i64, String), Points>> {
        let list = self.unit_list("unit_id", units);
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select unit_id, leaf_code, points_h from survey_scores where round_id = $1 and {}",
            list.clause
        )))
        .bind(round_id)
        .bind(list.param)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(u, l, h)| ((u, l), Points::from_hundredths(h)))
            .collect())
    }
}

/// One self-assessment entry, read through `executor` (the pool, or a transaction).
async fn read_self_entry<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    round_id: i64,
    unit_id: i64,
    leaf_code: &str,
) -> Result<Option<SelfEntry>> {
    let row: Option<SelfRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {SELF_COLUMNS} from self_entries where round_id = $1 and unit_id = $2 and leaf_code = $3"
    )))
    .bind(round_id)
    .bind(unit_id)
    .bind(leaf_code)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(SelfEntry::from))
}

#[derive(FromRow)]
struct UnitSelfRow {
    unit_id: i64,
    #[sqlx(flatten)]
    row: SelfRow,
}

#[derive(FromRow)]
struct UnitAppraisalRow {
    unit_id: i64,
    #[sqlx(flatten)]
    row: AppraisalRow,
}

const APPRAISAL_COLUMNS: &str = r"leaf_code, appraisal_round, points_h, not_applicable, comment,
    explanation_requested, input_kind, met, numerator_h, denominator_h, judged_h, occurrences";

#[derive(FromRow)]
struct AppraisalRow {
    leaf_code: String,
    appraisal_round: i64,
    points_h: Option<i64>,
    not_applicable: i64,
    comment: String,
    explanation_requested: i64,
    #[sqlx(flatten)]
    figures: FigureColumns,
}

impl From<AppraisalRow> for AppraisalEntry {
    fn from(r: AppraisalRow) -> AppraisalEntry {
        AppraisalEntry {
            input: leaf_input(&r.figures),
            leaf_code: r.leaf_code,
            appraisal_round: r.appraisal_round,
            points: r.points_h.map(Points::from_hundredths),
            not_applicable: r.not_applicable != 0,
            comment: r.comment,
            explanation_requested: r.explanation_requested != 0,
        }
    }
}

/// Writes one survey score `(unit, leaf, points)` in `tx`, and its audit entry (`audit`'s
/// action) with the old value.
async fn write_survey_score(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    round_id: i64,
    (unit_id, leaf_code, points): (i64, &str, Points),
    audit: &NewAudit,
    now: DateTime<Utc>,
) -> Result<()> {
    let old: Option<i64> = sqlx::query_scalar(
        "select points_h from survey_scores where round_id = $1 and unit_id = $2 and leaf_code = $3",
    )
    .bind(round_id)
    .bind(unit_id)
    .bind(leaf_code)
    .fetch_optional(&mut **tx)
    .await?;
    sqlx::query(
        r"insert into survey_scores (round_id, unit_id, leaf_code, points_h, updated_by, updated_at)
          values ($1, $2, $3, $4, $5, $6)
          on conflict (round_id, unit_id, leaf_code) do update set
              points_h = excluded.points_h, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(round_id)
    .bind(unit_id)
    .bind(leaf_code)
    .bind(points.hundredths())
    .bind(audit.actor_id)
    .bind(to_ts(now))
    .execute(&mut **tx)
    .await?;
    let entry = NewAudit {
        round_id: Some(round_id),
        unit_id: Some(unit_id),
        leaf_code: Some(leaf_code.to_string()),
        old_value: old.map(|h| format!("{} điểm", Points::from_hundredths(h).to_vn())),
        new_value: Some(format!("{} điểm", points.to_vn())),
        ..audit.clone()
    };
    append(tx, &entry, now).await
}

/// Whether a stored entry holds exactly what a save sends (its answer, not its version).
fn same_self_content(stored: &SelfEntry, entry: &SelfInput) -> bool {
    stored.leaf_code == entry.leaf_code
        && stored.input == entry.input
        && stored.points == entry.points
        && stored.explanation == entry.explanation
        && stored.not_applicable == entry.not_applicable
        && stored.na_reason == entry.na_reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_entries_read_back_exactly_or_not_at_all() {
        let read: Vec<_> = unpack_entries(7, "1.1 150 0,1.2 - 1,2.10 0 0")
            .collect::<Result<_>>()
            .expect("well formed");
        assert_eq!(
            read,
            vec![
                ("1.1", Some(Points::from_hundredths(150)), false),
                ("1.2", None, true),
                ("2.10", Some(Points::ZERO), false),
            ]
        );
        for bad in [
            "",
            "1.1 150",
            "1.1 x 0",
            "1.1 1.5 0",
            "1.1 150 2",
            "1.1 150 0 1",
            " 150 0",
            "1.1 150 0,",
        ] {
            let error = unpack_entries(7, bad).find_map(|e| e.err());
            assert!(
                error.is_some_and(|e| e.to_string().contains("đơn vị 7")),
                "«{bad}» read as {:?}",
                unpack_entries(7, bad).collect::<Vec<_>>()
            );
        }
    }
}
