//! The database side of `parindex backup` and `parindex restore`: every table read from
//! one consistent snapshot while the server keeps running, and written back into an empty
//! database of either backend, parents before children.
//!
//! Every column of the schema is an integer or a text on both backends (times are Unix
//! seconds, points hundredths), so a row travels as a JSON array of numbers, strings and
//! nulls, and a backup of one backend restores into the other.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{BoxStream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::{Backend, Result, Store, StoreError};

/// A column and whether it holds integers (otherwise text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub integer: bool,
}

/// Whether `name` is a plain identifier (the only ones ever put into SQL text here; they
/// come from the database's own catalogue or from a backup checked against it).
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn unsafe_name(name: &str) -> StoreError {
    StoreError::Invalid(format!("tên bảng hoặc cột không hợp lệ: «{name}»"))
}

impl Store {
    /// The latest migration applied: a backup restores only into the same schema.
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("select coalesce(max(version), 0) from _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A table's columns in their order.
    pub async fn columns(&self, table: &str) -> Result<Vec<Column>> {
        let rows: Vec<(String, String)> = match self.backend {
            Backend::Sqlite => {
                sqlx::query_as("select name, type from pragma_table_info($1) order by cid")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "select column_name::text, data_type::text from information_schema.columns \
                     where table_schema = current_schema() and table_name = $1 \
                     order by ordinal_position",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.into_iter()
            .map(|(name, kind)| {
                if !plain(&name) {
                    return Err(unsafe_name(&name));
                }
                let integer = kind.to_ascii_lowercase().contains("int");
                Ok(Column { name, integer })
            })
            .collect()
    }

    /// The tables, each after the tables its foreign keys point to.
    pub async fn tables_in_order(&self) -> Result<Vec<String>> {
        let tables = self.tables().await?;
        let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for table in &tables {
            if !plain(table) {
                return Err(unsafe_name(table));
            }
            let referenced: Vec<String> = match self.backend {
                Backend::Sqlite => {
                    sqlx::query_scalar("select \"table\" from pragma_foreign_key_list($1)")
                        .bind(table)
                        .fetch_all(&self.pool)
                        .await?
                }
                Backend::Postgres => {
                    sqlx::query_scalar(
                        "select distinct ccu.table_name::text \
                         from information_schema.table_constraints tc \
                         join information_schema.constraint_column_usage ccu \
                           on tc.constraint_name = ccu.constraint_name \
                          and tc.table_schema = ccu.table_schema \
                         where tc.constraint_type = 'FOREIGN KEY' \
                           and tc.table_schema = current_schema() and tc.table_name = $1",
                    )
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
            parents.insert(
                table.clone(),
                referenced.into_iter().filter(|p| p != table).collect(),
            );
        }
        let mut ordered = Vec::new();
        while !parents.is_empty() {
            let ready: Vec<String> = parents
                .iter()
                .filter(|(_, ps)| ps.iter().all(|p| !parents.contains_key(p)))
                .map(|(t, _)| t.clone())
                .collect();
            if ready.is_empty() {
                return Err(StoreError::Invalid(
                    "các bảng tham chiếu vòng tròn lẫn nhau".into(),
                ));
            }
            for table in ready {
                parents.remove(&table);
                ordered.push(table);
            }
        }
        Ok(ordered)
    }

    /// A read of every table from one snapshot: what other connections write meanwhile
    /// is not seen.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = self.pool.begin().await?;
        match self.backend {
            Backend::Postgres => {
                sqlx::query("set transaction isolation level repeatable read, read only")
                    .execute(&mut *tx)
                    .await?;
            }
            Backend::Sqlite => {
                // In WAL mode the first read fixes what the transaction sees.
                sqlx::query("select count(*) from _sqlx_migrations")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(Snapshot { tx })
    }

    /// Writing a backup's rows into this database, which must hold none yet.
    pub async fn begin_restore(&self) -> Result<Restore> {
        for table in self.tables().await? {
            if !plain(&table) {
                return Err(unsafe_name(&table));
            }
            let sql = format!("select count(*) from {table}");
            let rows: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_one(&self.pool)
                .await?;
            if rows > 0 {
                return Err(StoreError::Conflict(format!(
                    "cơ sở dữ liệu đích đã có dữ liệu (bảng {table}: {rows} dòng); chỉ phục hồi vào một cơ sở dữ liệu trống"
                )));
            }
        }
        Ok(Restore {
            tx: self.pool.begin().await?,
            backend: self.backend,
            identities: Vec::new(),
        })
    }
}

/// Every table as it was at one instant ([`Store::snapshot`]).
pub struct Snapshot {
    tx: Transaction<'static, Any>,
}

impl Snapshot {
    /// The rows of `table`, ordered, each as the JSON values of `columns`.
    pub fn rows<'a>(
        &'a mut self,
        table: &str,
        columns: &'a [Column],
    ) -> Result<BoxStream<'a, Result<Vec<Value>>>> {
        if !plain(table) {
            return Err(unsafe_name(table));
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let list = names.join(", ");
        let sql = format!("select {list} from {table} order by {list}");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch(&mut *self.tx)
            .map(move |row| {
                let row = row?;
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| {
                        if column.integer {
                            let v: Option<i64> = row.try_get(i)?;
                            Ok(v.map_or(Value::Null, Value::from))
                        } else {
                            let v: Option<String> = row.try_get(i)?;
                            Ok(v.map_or(Value::Null, Value::from))
                        }
                    })
                    .collect()
            });
        Ok(rows.boxed())
    }

    pub async fn finish(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Rows being written back in one transaction ([`Store::begin_restore`]): all of them, or
/// none.
pub struct Restore {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// (table, column) generated by PostgreSQL, to move on past the restored ids.
    identities: Vec<(String, String)>,
}

impl Restore {
    /// Inserts one row of `table`; `columns` are the target's, in the backup's order.
    pub async fn insert(&mut self, table: &str, columns: &[Column], row: &[Value]) -> Result<()> {
        if !plain(table) || columns.iter().any(|c| !plain(&c.name)) {
            return Err(unsafe_name(table));
        }
        if row.len() != columns.len() {
            return Err(StoreError::Invalid(format!(
                "bảng {table}: một dòng có {} giá trị, cần {}",
                row.len(),
                columns.len()
            )));
        }
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let overriding = match self.backend {
            Backend::Postgres => " overriding system value",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "insert into {table} ({}){overriding} values ({})",
            names.join(", "),
            marks.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (column, value) in columns.iter().zip(row) {
            let wrong = || {
                StoreError::Invalid(format!(
                    "bảng {table}, cột {}: giá trị {value} không đúng kiểu",
                    column.name
                ))
            };
            query = match (column.integer, value) {
                (_, Value::Null) if column.integer => query.bind(None::<i64>),
                (_, Value::Null) => query.bind(None::<String>),
                (true, Value::Number(n)) => query.bind(n.as_i64().ok_or_else(wrong)?),
                (false, Value::String(s)) => query.bind(s.clone()),
                _ => return Err(wrong()),
            };
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Sets `column` of the row `id` of `table` (a criteria set's publication, written
    /// once its nodes are in: a published set takes no new nodes).
    pub async fn set_later(
        &mut self,
        table: &str,
        column: &Column,
        id: i64,
        value: &Value,
    ) -> Result<()> {
        if !plain(table) || !plain(&column.name) {
            return Err(unsafe_name(table));
        }
        let sql = format!("update {table} set {} = $1 where id = $2", column.name);
        let query = sqlx::query(AssertSqlSafe(sql));
        let query = match value {
            Value::Number(n) if column.integer && n.as_i64().is_some() => query.bind(n.as_i64()),
            Value::String(s) if !column.integer => query.bind(s.clone()),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "bảng {table}, cột {}: giá trị {value} không đúng kiểu",
                    column.name
                )));
            }
        };
        query.bind(id).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Notes the generated columns of `table`, to move their sequences on at the end.
    pub async fn note_identities(&mut self, table: &str) -> Result<()> {
        if self.backend == Backend::Postgres {
            let columns: Vec<String> = sqlx::query_scalar(
                "select column_name::text from information_schema.columns \
                 where table_schema = current_schema() and table_name = $1 \
                 and (is_identity = 'YES' or column_default like 'nextval(%')",
            )
            .bind(table)
            .fetch_all(&mut *self.tx)
            .await?;
            self.identities
                .extend(columns.into_iter().map(|c| (table.to_string(), c)));
        }
        Ok(())
    }

    /// Moves generated ids past the restored ones and commits everything.
    pub async fn commit(mut self) -> Result<()> {
        for (table, column) in std::mem::take(&mut self.identities) {
            if !plain(&table) || !plain(&column) {
                return Err(unsafe_name(&table));
            }
            let sql = format!(
                "select setval(pg_get_serial_sequence('{table}', '{column}'), \
                 (select coalesce(max({column}), 0) + 1 from {table}), false)"
            );
            sqlx::query(AssertSqlSafe(sql))
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
