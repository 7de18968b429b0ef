//! Snapshots of a self-assessment: written with each submission, read to show what changed
//! since (see [`crate::domain::changes`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::entries::SelfRow;
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::changes::LeafState;

/// (leaf, file name, file hash, document number, issued on) of one evidence link.
type EvidenceRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A self-assessment's leaves as they stand, read through `conn` (the submission's own
/// transaction, or a connection of the pool); with the explanations' answers when
/// `answers`.
pub(super) async fn read_state(
    conn: &mut sqlx::AnyConnection,
    round_id: i64,
    unit_id: i64,
    answers: bool,
) -> Result<Vec<LeafState>> {
    let rows: Vec<SelfRow> = sqlx::query_as(
        r"select leaf_code, input_kind, met, numerator_h, denominator_h, judged_h, occurrences,
                 points_h, explanation, not_applicable, na_reason, version, updated_at
          from self_entries where round_id = $1 and unit_id = $2",
    )
    .bind(round_id)
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut leaves: BTreeMap<String, LeafState> = BTreeMap::new();
    for row in rows {
        let entry = crate::store::SelfEntry::from(row);
        leaves.insert(
            entry.leaf_code.clone(),
            LeafState {
                leaf_code: entry.leaf_code,
                input: entry.input,
                points: entry.points,
                explanation: entry.explanation,
                not_applicable: entry.not_applicable,
                na_reason: entry.na_reason,
                evidence: Vec::new(),
                answer: None,
            },
        );
    }
    let evidence: Vec<EvidenceRow> = sqlx::query_as(
        r"select l.leaf_code, f.original_name, f.content_hash, c.document_number, c.issued_on
              from evidence_links l
              left join evidence_files f on f.id = l.file_id
              left join evidence_citations c on c.id = l.citation_id
              where l.round_id = $1 and l.unit_id = $2",
    )
    .bind(round_id)
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    for (leaf, name, hash, number, issued) in evidence {
        let item = match (name, number) {
            // The same name with other bytes is another file: its hash's start tells them apart.
            (Some(name), _) => format!(
                "Tệp {name} ({})",
                hash.unwrap_or_default().chars().take(8).collect::<String>()
            ),
            (None, Some(number)) => {
                format!("Văn bản số {number} ngày {}", issued.unwrap_or_default())
            }
            (None, None) => continue,
        };
        leaf_of(&mut leaves, &leaf).evidence.push(item);
    }
    if answers {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select leaf_code, text from explanations where round_id = $1 and unit_id = $2",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&mut *conn)
        .await?;
        for (leaf, text) in rows {
            leaf_of(&mut leaves, &leaf).answer = Some(text);
        }
    }
    Ok(leaves
        .into_values()
        .map(|mut l| {
            l.evidence.sort();
            l
        })
        .collect())
}

fn leaf_of<'a>(leaves: &'a mut BTreeMap<String, LeafState>, code: &str) -> &'a mut LeafState {
    leaves.entry(code.to_string()).or_insert_with(|| LeafState {
        leaf_code: code.to_string(),
        ..LeafState::default()
    })
}

/// Keeps the snapshot of a submission being recorded in `tx`.
pub(super) async fn write_snapshot(
    tx: &mut sqlx::AnyConnection,
    round_id: i64,
    unit_id: i64,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let state = read_state(tx, round_id, unit_id, false).await?;
    let body = serde_json::to_string(&state)
        .map_err(|e| StoreError::Invalid(format!("không ghi được bản chụp: {e}")))?;
    sqlx::query(
        r"insert into submission_snapshots (round_id, unit_id, submitted_at, submitted_by, body)
          values ($1, $2, $3, $4, $5)",
    )
    .bind(round_id)
    .bind(unit_id)
    .bind(to_ts(now))
    .bind(by)
    .bind(body)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One submission's snapshot.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub submitted_at: DateTime<Utc>,
    pub leaves: Vec<LeafState>,
}

impl Store {
    /// Every submission's snapshot of a unit's self-assessment, oldest first.
    pub async fn snapshots(&self, round_id: i64, unit_id: i64) -> Result<Vec<Snapshot>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            r"select submitted_at, body from submission_snapshots
              where round_id = $1 and unit_id = $2 order by id",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(at, body)| {
                Ok(Snapshot {
                    submitted_at: from_ts(at),
                    leaves: serde_json::from_str(&body).map_err(|e| {
                        StoreError::Invalid(format!("bản chụp không đọc được: {e}"))
                    })?,
                })
            })
            .collect()
    }

    /// A unit's self-assessment as it stands now, with its explanations' answers.
    pub async fn current_state(&self, round_id: i64, unit_id: i64) -> Result<Vec<LeafState>> {
        let mut conn = self.pool.acquire().await?;
        read_state(&mut conn, round_id, unit_id, true).await
    }
}
