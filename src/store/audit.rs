//! The audit log (nhật ký thay đổi): append-only; triggers in the schema refuse updates
//! and deletes, so history cannot be rewritten even by a bug here.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, Transaction};

use super::{Result, Store, from_ts, to_ts};

/// Who changed what; written in the same transaction as the change itself.
#[derive(Clone, Debug, Default)]
pub struct NewAudit {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub leaf_code: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub address: Option<String>,
}

impl NewAudit {
    /// An entry made by a signed-in user from an address.
    pub fn by(actor: &crate::domain::access::Actor, address: &str) -> NewAudit {
        NewAudit {
            actor_id: Some(actor.user_id),
            actor: format!("{} ({})", actor.display_name, actor.username),
            address: Some(address.to_string()),
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub leaf_code: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub unit_id: Option<i64>,
    pub leaf_code: Option<String>,
    /// Entries by this account (its username, or a name given by a command).
    pub actor: Option<String>,
    /// This action's code, or every code starting with it and a dot («user» for user.*).
    pub action: Option<String>,
    /// Unix seconds: entries at or after `from`, before `until`.
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Entries older than this id (the page after one ending there).
    pub before_id: Option<i64>,
    /// At most this many, newest first; none: all.
    pub limit: Option<i64>,
}

/// Which page of the audit log to list ([`Store::audit_listing`]): entries in time order
/// (the time they were written, then their id), read from a cursor entry.
#[derive(Clone, Debug, Default)]
pub struct AuditPage {
    /// Oldest first; otherwise newest first.
    pub oldest_first: bool,
    /// Only entries earlier than this entry (its id)…
    pub earlier_than: Option<i64>,
    /// …or only entries later than this one.
    pub later_than: Option<i64>,
    /// At most this many, the nearest to the cursor first.
    pub limit: i64,
}

/// An audit entry as the log page lists it: with the title of its round, the name of its
/// unit, and the account a password reset concerned (written «người dùng #7»), all read in
/// the same query as the entries.
#[derive(Clone, Debug)]
pub struct ListedAudit {
    pub entry: AuditEntry,
    pub round_title: Option<String>,
    pub unit_name: Option<String>,
    /// «Tên (tên đăng nhập)» of the account the entry is about, where its value names one
    /// only by id.
    pub subject: Option<String>,
}

pub(super) async fn append(
    tx: &mut Transaction<'_, Any>,
    entry: &NewAudit,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        r"insert into audit_log (at, actor_id, actor, action, round_id, unit_id, leaf_code, old_value, new_value, address)
          values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(to_ts(now))
    .bind(entry.actor_id)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.round_id)
    .bind(entry.unit_id)
    .bind(&entry.leaf_code)
    .bind(&entry.old_value)
    .bind(&entry.new_value)
    .bind(&entry.address)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

type AuditRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Appends one entry on its own (for changes that are not a store write, such as a
    /// password reset done through another call).
    pub async fn append_audit(&self, entry: NewAudit, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audit entries, newest first, filtered by unit and leaf.
    pub async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            r"select id, at, actor, action, round_id, unit_id, leaf_code, old_value, new_value, address
              from audit_log
              where ($1 is null or unit_id = $1) and ($2 is null or leaf_code = $2)
                and ($3 is null or actor = $3)
                and ($4 is null or action = $4 or action like $4 || '.%')
                and ($5 is null or at >= $5) and ($6 is null or at < $6)
                and ($7 is null or id < $7)
              order by id desc
              limit $8",
        )
        .bind(filter.unit_id)
        .bind(&filter.leaf_code)
        .bind(&filter.actor)
        .bind(&filter.action)
        .bind(filter.from)
        .bind(filter.until)
        .bind(filter.before_id)
        .bind(filter.limit.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(entry_of).collect())
    }

    /// A page of the audit log in time order, filtered as [`Store::audit_log`] (the
    /// account by its username or by the name an entry was written under), with each
    /// entry's round title, unit name and the account a password reset concerned: one
    /// query. The entries come nearest to the cursor first: the caller turns a page read
    /// backwards (towards the display's start) round.
    pub async fn audit_listing(
        &self,
        filter: &AuditFilter,
        page: &AuditPage,
    ) -> Result<Vec<ListedAudit>> {
        // Read towards later entries (ascending) when going past a `later_than` cursor, or
        // from the start of an oldest-first list; otherwise towards earlier ones.
        let ascending = match (page.later_than, page.earlier_than) {
            (Some(_), _) => true,
            (None, Some(_)) => false,
            (None, None) => page.oldest_first,
        };
        let direction = if ascending { "asc" } else { "desc" };
        let sql = format!(
            r"select a.id, a.at, a.actor, a.action, a.round_id, a.unit_id, a.leaf_code,
                     a.old_value, a.new_value, a.address, r.title, un.name,
                     t.display_name || ' (' || t.username || ')'
              from audit_log a
              left join rounds r on r.id = a.round_id
              left join units un on un.id = a.unit_id
              left join users u on u.id = a.actor_id
              left join users t on a.action = 'user.password_reset'
                and a.new_value = 'người dùng #' || cast(t.id as text)
              where ($1 is null or a.unit_id = $1) and ($2 is null or a.leaf_code = $2)
                and ($3 is null or u.username = $3 or a.actor = $3)
                and ($4 is null or a.action = $4 or a.action like $4 || '.%')
                and ($5 is null or a.at >= $5) and ($6 is null or a.at < $6)
                and ($7 is null or a.at < (select c.at from audit_log c where c.id = $7)
                     or (a.at = (select c.at from audit_log c where c.id = $7) and a.id < $7))
                and ($8 is null or a.at > (select c.at from audit_log c where c.id = $8)
                     or (a.at = (select c.at from audit_log c where c.id = $8) and a.id > $8))
              order by a.at {direction}, a.id {direction}
              limit $9"
        );
        let rows: Vec<ListedRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(filter.unit_id)
            .bind(&filter.leaf_code)
            .bind(&filter.actor)
            .bind(&filter.action)
            .bind(filter.from)
            .bind(filter.until)
            .bind(page.earlier_than)
            .bind(page.later_than)
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    at,
                    actor,
                    action,
                    round_id,
                    unit_id,
                    leaf,
                    old,
                    new,
                    address,
                    round_title,
                    unit_name,
                    subject,
                )| {
                    ListedAudit {
                        entry: entry_of((
                            id, at, actor, action, round_id, unit_id, leaf, old, new, address,
                        )),
                        round_title,
                        unit_name,
                        subject,
                    }
                },
            )
            .collect())
    }
}

type ListedRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn entry_of(
    (id, at, actor, action, round_id, unit_id, leaf_code, old_value, new_value, address): AuditRow,
) -> AuditEntry {
    AuditEntry {
        id,
        at: from_ts(at),
        actor,
        action,
        round_id,
        unit_id,
        leaf_code,
        old_value,
        new_value,
        address,
    }
}
