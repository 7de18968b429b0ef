//! Criteria sets: import (a published version never changes), load, publish.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::audit::{NewAudit, append};
use super::{Result, Store, StoreError, from_ts, to_ts};
use crate::domain::{CriteriaSet, criteria_file};

/// A criteria set as stored.
#[derive(Clone, Debug, Serialize)]
pub struct StoredSet {
    pub id: i64,
    pub content_hash: String,
    pub published_at: Option<DateTime<Utc>>,
    /// Parsed once per content and shared: the set is read on every save and page.
    pub set: Arc<CriteriaSet>,
}

/// Sets parsed so far, by id. A published set never changes, so it is served from here
/// without a query; a draft is checked against its stored hash first, and parsed again
/// only when its content changed. Every instance keeps its own: nothing here can differ
/// between instances but the time of a draft's first parse.
#[derive(Debug, Default)]
pub(super) struct SetCache(std::sync::RwLock<HashMap<i64, StoredSet>>);

impl SetCache {
    fn get(&self, id: i64) -> Option<StoredSet> {
        self.0.read().ok()?.get(&id).cloned()
    }

    fn put(&self, set: &StoredSet) {
        if let Ok(mut sets) = self.0.write() {
            sets.insert(set.id, set.clone());
        }
    }
}

/// What importing a file would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportPlan {
    Create,
    /// A draft version with other content: replaced.
    Replace(i64),
    /// The same content is stored under this code and version already.
    Unchanged(i64),
}

async fn import_plan(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    set: &CriteriaSet,
) -> Result<ImportPlan> {
    // "cchc-so" beside "CCHC-SO" would be two sets to the database and one to people.
    let other_case: Option<String> = sqlx::query_scalar(
        "select code from criteria_sets where upper(code) = upper($1) and code <> $1 limit 1",
    )
    .bind(&set.code)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(stored) = other_case {
        return Err(StoreError::Conflict(format!(
            "Mã bộ tiêu chí «{}» trùng với bộ «{stored}» đã có (chỉ khác chữ hoa, chữ thường); hãy dùng đúng mã «{stored}».",
            set.code
        )));
    }
    let existing: Option<(i64, String, Option<i64>)> = sqlx::query_as(
        "select id, content_hash, published_at from criteria_sets where code = $1 and version = $2",
    )
    .bind(&set.code)
    .bind(&set.version)
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        None => Ok(ImportPlan::Create),
        Some((id, old_hash, _)) if old_hash == set.content_hash() => Ok(ImportPlan::Unchanged(id)),
        Some((_, _, Some(published))) => Err(StoreError::Conflict(format!(
            "Bộ tiêu chí {} phiên bản {} đã công bố ngày {} nên không thể thay đổi; hãy tạo phiên bản mới.",
            set.code,
            set.version,
            crate::domain::deadline::format_date(from_ts(published))
        ))),
        Some((id, _, None)) => Ok(ImportPlan::Replace(id)),
    }
}

/// What importing a file did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(i64),
    /// The same content was already stored under this code and version.
    Unchanged(i64),
    /// A draft (never published) version was replaced by new content.
    Replaced(i64),
}

impl ImportOutcome {
    pub fn id(self) -> i64 {
        match self {
            ImportOutcome::Created(id)
            | ImportOutcome::Unchanged(id)
            | ImportOutcome::Replaced(id) => id,
        }
    }
}

impl Store {
    /// What importing `set` would do, without writing: a published version with other
    /// content is refused here already.
    pub async fn criteria_import_plan(&self, set: &CriteriaSet) -> Result<ImportPlan> {
        let mut tx = self.pool.begin().await?;
        let plan = import_plan(&mut tx, set).await?;
        tx.rollback().await?;
        Ok(plan)
    }

    /// Stores a validated set with the file text it came from. A version that was
    /// published (pinned by a round, or published explicitly) can never be changed:
    /// importing different content under its code and version is refused.
    pub async fn import_criteria_set(
        &self,
        set: &CriteriaSet,
        source: &str,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome> {
        let hash = set.content_hash();
        let mut tx = self.pool.begin().await?;
        let outcome = match import_plan(&mut tx, set).await? {
            ImportPlan::Unchanged(id) => return Ok(ImportOutcome::Unchanged(id)),
            ImportPlan::Replace(id) => {
                sqlx::query("delete from criteria_nodes where set_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("delete from criteria_extras where set_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    r"update criteria_sets set title = $2, tier_code = $3, total_h = $4, content_hash = $5, source = $6
                      where id = $1",
                )
                .bind(id)
                .bind(&set.title)
                .bind(&set.tier)
                .bind(set.total.hundredths())
                .bind(&hash)
                .bind(source)
                .execute(&mut *tx)
                .await?;
                ImportOutcome::Replaced(id)
            }
            ImportPlan::Create => {
                let id: i64 = sqlx::query_scalar(
                    r"insert into criteria_sets (code, version, title, tier_code, total_h, content_hash, source, created_at)
                      values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
                )
                .bind(&set.code)
                .bind(&set.version)
                .bind(&set.title)
                .bind(&set.tier)
                .bind(set.total.hundredths())
                .bind(&hash)
                .bind(source)
                .bind(to_ts(now))
                .fetch_one(&mut *tx)
                .await?;
                ImportOutcome::Created(id)
            }
        };
        let set_id = outcome.id();
        for (position, node) in set.nodes.iter().enumerate() {
            let (method, params, guidance, evidence, na_allowed) = match &node.leaf {
                Some(leaf) => (
                    Some(leaf.method.name()),
                    Some(serde_json::to_string(&leaf.method).unwrap_or_default()),
                    leaf.guidance.as_str(),
                    leaf.evidence.as_str(),
                    leaf.na_allowed,
                ),
                None => (None, None, "", "", false),
            };
            sqlx::query(
                r"insert into criteria_nodes
                  (set_id, code, parent_code, position, text, max_h, method, params, guidance, evidence, na_allowed)
                  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(set_id)
            .bind(&node.code)
            .bind(node.parent_code())
            .bind(position as i64)
            .bind(&node.text)
            .bind(node.max.hundredths())
            .bind(method)
            .bind(params)
            .bind(guidance)
            .bind(evidence)
            .bind(super::flag(na_allowed))
            .execute(&mut *tx)
            .await?;
        }
        for (kind, group) in [("bonus", &set.bonus), ("penalty", &set.penalty)] {
            for item in &group.items {
                sqlx::query("insert into criteria_extras (set_id, kind, code, text, points_h) values ($1, $2, $3, $4, $5)")
                    .bind(set_id)
                    .bind(kind)
                    .bind(&item.code)
                    .bind(&item.text)
                    .bind(item.points.hundredths())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let entry = NewAudit {
            action: "criteria.import".into(),
            new_value: Some(format!(
                "{} {} ({}), mã băm {}",
                set.code,
                set.version,
                match outcome {
                    ImportOutcome::Created(_) => "tạo mới",
                    ImportOutcome::Replaced(_) => "cập nhật bản nháp",
                    ImportOutcome::Unchanged(_) => "không đổi",
                },
                &hash[..12]
            )),
            ..audit
        };
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Marks a set version as published; from then on it never changes.
    pub async fn publish_criteria_set(
        &self,
        set_id: i64,
        audit: NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "update criteria_sets set published_at = $2 where id = $1 and published_at is null",
        )
        .bind(set_id)
        .bind(to_ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            let entry = NewAudit {
                action: "criteria.publish".into(),
                new_value: Some(format!("bộ tiêu chí #{set_id}")),
                ..audit
            };
            append(&mut tx, &entry, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn criteria_set(&self, set_id: i64) -> Result<StoredSet> {
        let cached = self.sets.get(set_id);
        if let Some(stored) = cached.as_ref().filter(|s| s.published_at.is_some()) {
            return Ok(stored.clone());
        }
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("select content_hash, published_at from criteria_sets where id = $1")
                .bind(set_id)
                .fetch_optional(&self.pool)
                .await?;
        let (content_hash, published_at) =
            row.ok_or_else(|| StoreError::NotFound(format!("bộ tiêu chí #{set_id}")))?;
        if let Some(stored) = cached.filter(|s| s.content_hash == content_hash) {
            let stored = StoredSet {
                published_at: published_at.map(from_ts),
                ..stored
            };
            self.sets.put(&stored);
            return Ok(stored);
        }
        let stored = self.parse_criteria_set(set_id).await?;
        self.sets.put(&stored);
        Ok(stored)
    }

    /// Reads and parses a stored set, checking that it still hashes as stored.
    async fn parse_criteria_set(&self, set_id: i64) -> Result<StoredSet> {
        let row: Option<(i64, String, Option<i64>, String, String, String)> = sqlx::query_as(
            "select id, content_hash, published_at, source, code, version from criteria_sets where id = $1",
        )
        .bind(set_id)
        .fetch_optional(&self.pool)
        .await?;
        let (id, content_hash, published_at, source, code, version) =
            row.ok_or_else(|| StoreError::NotFound(format!("bộ tiêu chí #{set_id}")))?;
        let set =
            criteria_file::parse(&format!("{code} {version}"), &source).map_err(|problems| {
                StoreError::Invalid(format!(
                    "bộ tiêu chí {code} {version} đã lưu không còn hợp lệ: {}",
                    problems
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ))
            })?;
        // If the parser's reading of a file ever drifted from what was stored, a published
        // set would change silently. Refuse instead.
        if set.content_hash() != content_hash {
            return Err(StoreError::Invalid(format!(
                "bộ tiêu chí {code} {version} đọc lại không còn khớp mã băm đã lưu; cần kiểm tra phiên bản phần mềm"
            )));
        }
        Ok(StoredSet {
            id,
            content_hash,
            published_at: published_at.map(from_ts),
            set: Arc::new(set),
        })
    }

    pub async fn criteria_set_by_version(&self, code: &str, version: &str) -> Result<StoredSet> {
        let id: Option<i64> =
            sqlx::query_scalar("select id from criteria_sets where code = $1 and version = $2")
                .bind(code)
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
        let id = id.ok_or_else(|| {
            StoreError::NotFound(format!("bộ tiêu chí {code} phiên bản {version}"))
        })?;
        self.criteria_set(id).await
    }

    /// (id, code, version, title, published) of every stored set.
    pub async fn criteria_sets(&self) -> Result<Vec<(i64, String, String, String, bool)>> {
        let rows: Vec<(i64, String, String, String, Option<i64>)> =
            sqlx::query_as("select id, code, version, title, published_at from criteria_sets order by code, version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(i, c, v, t, p)| (i, c, v, t, p.is_some()))
            .collect())
    }

    /// (id, code, version, title) of the sets written for a tier, newest version last.
    pub async fn criteria_sets_for_tier(
        &self,
        tier_code: &str,
    ) -> Result<Vec<(i64, String, String, String)>> {
        Ok(sqlx::query_as(
            "select id, code, version, title from criteria_sets where tier_code = $1 order by code, created_at, id",
        )
        .bind(tier_code)
        .fetch_all(&self.pool)
        .await?)
    }
}
