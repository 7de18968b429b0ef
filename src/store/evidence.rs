//! Evidence rows: uploaded files (their bytes are in [`crate::files::FileStore`]),
//! citations of issued documents, and the leaves each supports. Each write and its audit
//! entries share one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, FromRow, Transaction};

use super::audit::{NewAudit, append};
use super::guard::{Guard, UnitHold};
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::evidence::Citation;

/// A file about to be recorded; its bytes are already in the file store.
#[derive(Clone, Debug)]
pub struct NewEvidenceFile {
    pub content_hash: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
}

/// A recorded file and the leaves it supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceFile {
    pub id: i64,
    /// SHA-256 of the bytes: where the file store keeps them.
    pub content_hash: String,
    pub original_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTime<Utc>,
    pub leaves: Vec<String>,
}

/// A recorded citation and the leaves it supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceCitation {
    pub id: i64,
    pub document_number: String,
    /// dd/mm/yyyy.
    pub issued_on: String,
    pub summary: String,
    pub pages: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub leaves: Vec<String>,
}

/// A unit's evidence in a round, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceList {
    pub files: Vec<EvidenceFile>,
    pub citations: Vec<EvidenceCitation>,
}

#[derive(FromRow)]
struct FileRow {
    id: i64,
    content_hash: String,
    original_name: String,
    media_type: String,
    size_bytes: i64,
    uploaded_by: Option<i64>,
    uploaded_at: i64,
}

impl FileRow {
    fn with_leaves(self, leaves: Vec<String>) -> EvidenceFile {
        EvidenceFile {
            id: self.id,
            content_hash: self.content_hash,
            original_name: self.original_name,
            media_type: self.media_type,
            size_bytes: self.size_bytes,
            uploaded_by: self.uploaded_by,
            uploaded_at: from_ts(self.uploaded_at),
            leaves,
        }
    }
}

#[derive(FromRow)]
struct CitationRow {
    id: i64,
    document_number: String,
    issued_on: String,
    summary: String,
    pages: String,
    created_by: Option<i64>,
    created_at: i64,
}

const FILE_COLUMNS: &str =
    "id, content_hash, original_name, media_type, size_bytes, uploaded_by, uploaded_at";

/// Links `item` to each leaf and writes one audit entry per leaf, so a leaf's history
/// shows the evidence added for it.
async fn link_leaves(
    tx: &mut Transaction<'_, Any>,
    round_id: i64,
    unit_id: i64,
    item: (Option<i64>, Option<i64>),
    leaves: &[String],
    audit: &NewAudit,
    now: DateTime<Utc>,
) -> Result<()> {
    for leaf in leaves {
        sqlx::query(
            r"insert into evidence_links (round_id, unit_id, leaf_code, file_id, citation_id)
              values ($1, $2, $3, $4, $5)",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(leaf)
        .bind(item.0)
        .bind(item.1)
        .execute(&mut **tx)
        .await?;
        let entry = NewAudit {
            round_id: Some(round_id),
            unit_id: Some(unit_id),
            leaf_code: Some(leaf.clone()),
            ..audit.clone()
        };
        append(tx, &entry, now).await?;
    }
    Ok(())
}

fn kilobytes(size: i64) -> String {
    format!("{} KB", (size + 1023) / 1024)
}

impl Store {
    /// Records an uploaded file supporting `leaves`, with its audit entries.
    pub(crate) async fn add_evidence_file(
        &self,
        guard: &Guard,
        file: &NewEvidenceFile,
        leaves: &[String],
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<EvidenceFile> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        let id: i64 = sqlx::query_scalar(
            r"insert into evidence_files (round_id, unit_id, content_hash, original_name, media_type,
                  size_bytes, uploaded_by, uploaded_at)
              values ($1, $2, $3, $4, $5, $6, $7, $8)
              returning id",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(&file.content_hash)
        .bind(&file.original_name)
        .bind(&file.media_type)
        .bind(file.size_bytes)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let audit = NewAudit {
            action: "evidence.file.add".into(),
            new_value: Some(format!(
                "tệp số {id} «{}» ({}, {}, sha256 {}…)",
                file.original_name,
                file.media_type,
                kilobytes(file.size_bytes),
                &file.content_hash[..file.content_hash.len().min(12)],
            )),
            ..audit
        };
        link_leaves(
            &mut tx,
            round_id,
            unit_id,
            (Some(id), None),
            leaves,
            &audit,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(EvidenceFile {
            id,
            content_hash: file.content_hash.clone(),
            original_name: file.original_name.clone(),
            media_type: file.media_type.clone(),
            size_bytes: file.size_bytes,
            uploaded_by: audit.actor_id,
            uploaded_at: from_ts(to_ts(now)),
            leaves: leaves.to_vec(),
        })
    }

    /// Records a citation supporting `leaves`, with its audit entries.
    pub(crate) async fn add_evidence_citation(
        &self,
        guard: &Guard,
        citation: &Citation,
        leaves: &[String],
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<EvidenceCitation> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let issued_on = citation.issued_on_text();
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        let id: i64 = sqlx::query_scalar(
            r"insert into evidence_citations (round_id, unit_id, document_number, issued_on, summary, pages,
                  created_by, created_at)
              values ($1, $2, $3, $4, $5, $6, $7, $8)
              returning id",
        )
        .bind(round_id)
        .bind(unit_id)
        .bind(&citation.document_number)
        .bind(&issued_on)
        .bind(&citation.summary)
        .bind(&citation.pages)
        .bind(audit.actor_id)
        .bind(to_ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let pages = if citation.pages.is_empty() {
            String::new()
        } else {
            format!(", trang {}", citation.pages)
        };
        let audit = NewAudit {
            action: "evidence.citation.add".into(),
            new_value: Some(format!(
                "văn bản số {} ngày {}: {}{pages}",
                citation.document_number, issued_on, citation.summary
            )),
            ..audit
        };
        link_leaves(
            &mut tx,
            round_id,
            unit_id,
            (None, Some(id)),
            leaves,
            &audit,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(EvidenceCitation {
            id,
            document_number: citation.document_number.clone(),
            issued_on,
            summary: citation.summary.clone(),
            pages: citation.pages.clone(),
            created_by: audit.actor_id,
            created_at: from_ts(to_ts(now)),
            leaves: leaves.to_vec(),
        })
    }

    /// Links a file of the unit, already uploaded for other leaves, to `leaf` too (the
    /// same file reused: «Dùng tệp đã tải lên»), with its audit entry, in the guard's
    /// transaction. `Ok(false)`: no such file of the unit in the round; linked already is
    /// not an error (a retried request).
    pub(crate) async fn link_evidence_file(
        &self,
        guard: &Guard,
        id: i64,
        leaf: &str,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        let described: Option<String> = sqlx::query_scalar(
            r"select 'tệp số ' || cast(id as text) || ' «' || original_name || '»'
              from evidence_files where id = $1 and round_id = $2 and unit_id = $3",
        )
        .bind(id)
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(described) = described else {
            return Ok(false);
        };
        let linked: Option<i64> = sqlx::query_scalar(
            "select 1 from evidence_links where file_id = $1 and leaf_code = $2",
        )
        .bind(id)
        .bind(leaf)
        .fetch_optional(&mut *tx)
        .await?;
        if linked.is_none() {
            let audit = NewAudit {
                action: "evidence.file.link".into(),
                new_value: Some(described),
                ..audit
            };
            let leaves = [leaf.to_string()];
            link_leaves(
                &mut tx,
                round_id,
                unit_id,
                (Some(id), None),
                &leaves,
                &audit,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Unlinks a file or a citation (`citation`) of the unit from `leaf`, or from every
    /// leaf; an item left supporting no leaf is removed. One audit entry per leaf, in the
    /// guard's transaction. Returns how many links were removed (0: no such item there).
    pub(crate) async fn unlink_evidence(
        &self,
        guard: &Guard,
        (citation, id): (bool, i64),
        leaf: Option<&str>,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let (round_id, unit_id) = (guard.round_id, guard.unit_id);
        let (links, unlink, delete) = if citation {
            (
                "select leaf_code from evidence_links where citation_id = $1 order by leaf_code",
                "delete from evidence_links where citation_id = $1 and leaf_code = $2",
                "delete from evidence_citations where id = $1",
            )
        } else {
            (
                "select leaf_code from evidence_links where file_id = $1 order by leaf_code",
                "delete from evidence_links where file_id = $1 and leaf_code = $2",
                "delete from evidence_files where id = $1",
            )
        };
        let mut tx = self.pool.begin().await?;
        self.hold(&mut tx, guard, now, UnitHold::Shared).await?;
        let described: Option<String> = if citation {
            sqlx::query_scalar(
                r"select 'văn bản số ' || document_number || ' ngày ' || issued_on || ': ' || summary
                  from evidence_citations where id = $1 and round_id = $2 and unit_id = $3",
            )
        } else {
            sqlx::query_scalar(
                r"select 'tệp số ' || cast(id as text) || ' «' || original_name || '»'
                  from evidence_files where id = $1 and round_id = $2 and unit_id = $3",
            )
        }
        .bind(id)
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(described) = described else {
            return Ok(0);
        };
        let linked: Vec<String> = sqlx::query_scalar(links)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        let removed: Vec<String> = linked
            .iter()
            .filter(|l| leaf.is_none_or(|wanted| wanted == l.as_str()))
            .cloned()
            .collect();
        for code in &removed {
            sqlx::query(unlink)
                .bind(id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            let entry = NewAudit {
                action: if citation {
                    "evidence.citation.remove"
                } else {
                    "evidence.file.remove"
                }
                .into(),
                round_id: Some(round_id),
                unit_id: Some(unit_id),
                leaf_code: Some(code.clone()),
                old_value: Some(described.clone()),
                ..audit.clone()
            };
            append(&mut tx, &entry, now).await?;
        }
        if removed.len() == linked.len() {
            sqlx::query(delete).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(removed.len())
    }

    /// How many evidence items (files and citations) each of `units` linked to each leaf
    /// of a round, by (unit, leaf): one query for a chunk of an export.
    pub async fn round_evidence_counts(
        &self,
        round_id: i64,
        units: &[i64],
    ) -> Result<BTreeMap<(i64, String), usize>> {
        let list = self.unit_list("unit_id", units);
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            r"select unit_id, leaf_code, count(*) from evidence_links
              where round_id = $1 and {} group by unit_id, leaf_code",
            list.clause
        )))
        .bind(round_id)
        .bind(list.param)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(unit, leaf, n)| ((unit, leaf), usize::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// A unit's files and citations in a round, each with the leaves it supports.
    pub async fn evidence(&self, round_id: i64, unit_id: i64) -> Result<EvidenceList> {
        let links: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            r"select leaf_code, file_id, citation_id from evidence_links
              where round_id = $1 and unit_id = $2 order by leaf_code",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        let mut file_leaves: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let mut citation_leaves: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (leaf, file, citation) in links {
            if let Some(id) = file {
                file_leaves.entry(id).or_default().push(leaf);
            } else if let Some(id) = citation {
                citation_leaves.entry(id).or_default().push(leaf);
            }
        }
        let files: Vec<FileRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {FILE_COLUMNS} from evidence_files where round_id = $1 and unit_id = $2 order by id"
        )))
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        let citations: Vec<CitationRow> = sqlx::query_as(
            r"select id, document_number, issued_on, summary, pages, created_by, created_at
              from evidence_citations where round_id = $1 and unit_id = $2 order by id",
        )
        .bind(round_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(EvidenceList {
            files: files
                .into_iter()
                .map(|r| {
                    let leaves = file_leaves.remove(&r.id).unwrap_or_default();
                    r.with_leaves(leaves)
                })
                .collect(),
            citations: citations
                .into_iter()
                .map(|r| EvidenceCitation {
                    leaves: citation_leaves.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    document_number: r.document_number,
                    issued_on: r.issued_on,
                    summary: r.summary,
                    pages: r.pages,
                    created_by: r.created_by,
                    created_at: from_ts(r.created_at),
                })
                .collect(),
        })
    }

    /// One of a unit's files in a round; not found if it belongs to another unit or round.
    pub async fn evidence_file(
        &self,
        round_id: i64,
        unit_id: i64,
        file_id: i64,
    ) -> Result<EvidenceFile> {
        let row: Option<FileRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {FILE_COLUMNS} from evidence_files where id = $1 and round_id = $2 and unit_id = $3"
        )))
        .bind(file_id)
        .bind(round_id)
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or_else(|| StoreError::NotFound(format!("tệp kiểm chứng {file_id}")))?;
        let leaves: Vec<String> = sqlx::query_scalar(
            "select leaf_code from evidence_links where file_id = $1 order by leaf_code",
        )
        .bind(file_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(row.with_leaves(leaves))
    }
}
