//! Storage: the one place with SQL. sqlx's Any driver runs the same portable SQL on
//! SQLite (the embedded default) and PostgreSQL; see the README's design notes for why.
//!
//! Conventions: points are whole hundredths in `*_h` bigint columns, instants are Unix
//! seconds in `*_at` bigint columns, flags are bigint 0/1.

mod audit;
pub mod backup;
mod corrigenda;
mod criteria;
mod departments;
mod entries;
mod evidence;
mod exemptions;
mod explanations;
mod extras;
mod guard;
mod held;
mod members;
mod notices;
mod rounds;
mod sessions;
mod snapshots;
mod units;

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use audit::{AuditEntry, AuditFilter, AuditPage, ListedAudit, NewAudit};
pub use corrigenda::{CorrigendumRow, NewCorrigendum, Revised, Revision};
pub use criteria::{ImportOutcome, ImportPlan, StoredSet};
pub use departments::{Assignment, NewSignOff, SignOff};
pub use entries::{AppraisalEntry, ExtraCount, SelfEntry, SelfInput};
pub use evidence::{EvidenceCitation, EvidenceFile, EvidenceList, NewEvidenceFile};
pub use exemptions::{Exemption, ExemptionChange, covering, covers};
pub use guard::{Guard, Refusal};
pub use members::{MemberChange, UnitRound};
pub use notices::{NewNotice, Notice, OutgoingMail, Recipient};
pub use rounds::{NewOverride, NewRound, Round, RoundTier};
pub use sessions::SessionRecord;
pub use snapshots::Snapshot;
pub use units::{ScopeRow, Tier, Unit, UnitWrite, User, UserUpdate, UserWrite};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("không tìm thấy {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    /// What a publication keeps could not be computed (not the user's doing).
    #[error("không tính được kết quả để công bố: {0}")]
    Snapshot(String),
    /// A guarded write found its state changed (see [`Guard`]).
    #[error("{0}")]
    Refused(Refusal),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Database(#[from] sqlx::Error),
    #[error("lỗi cập nhật cấu trúc cơ sở dữ liệu: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database the store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Criteria sets parsed so far, shared by the clones of this store.
    sets: std::sync::Arc<criteria::SetCache>,
    /// On PostgreSQL, a few native connections for the reads of a whole round's rows,
    /// where the Any driver's conversion of each row costs several times the database's
    /// work (`tier_entries`); opened when first used.
    bulk: Option<sqlx::PgPool>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies pending migrations.
    /// A SQLite file is created if missing and switched to WAL mode.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Invalid(format!(
                "địa chỉ cơ sở dữ liệu không hợp lệ: phải bắt đầu bằng sqlite: hoặc postgres: ({url})"
            )));
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            // A SQLite connection is a file handle in this process: pinging it before each
            // use checks nothing and costs a hop to its worker thread.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: enforce foreign keys and wait for the writer lock
                        // instead of failing at once when two requests write together.
                        conn.execute("pragma foreign_keys = on; pragma busy_timeout = 5000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers go on while one writer writes; it is kept in the file.
            sqlx::query("pragma journal_mode = wal")
                .execute(&pool)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
        } else {
            POSTGRES_MIGRATIONS.run(&pool).await?;
        }
        let bulk = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .idle_timeout(std::time::Duration::from_secs(60))
                    .connect_lazy_with(
                        sqlx::postgres::PgConnectOptions::from_str(url)?
                            .disable_statement_logging(),
                    ),
            ),
        };
        Ok(Store {
            pool,
            backend,
            sets: Default::default(),
            bulk,
        })
    }

    /// Opens (creating if needed) the SQLite database in `data_dir`.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Invalid(format!(
                "không tạo được thư mục dữ liệu {}: {e}",
                data_dir.display()
            ))
        })?;
        let url = sqlite_url(&data_dir.join("parindex.db"));
        Store::connect(&url).await
    }

    /// Which database this is (the SQL of the two differs in a few places).
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for SQL that is not the application's own: the health check,
    /// the tests' checks on what is stored, and the benchmarks' fixtures and floors
    /// (`tests/support/national.rs`, `bench/`).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(bulk) = &self.bulk {
            bulk.close().await;
        }
    }

    /// The tables of the database (all but the migrations' own), by name.
    pub async fn tables(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "select name from sqlite_master where type = 'table' \
                 and name not like 'sqlite_%' and name <> '_sqlx_migrations' order by name"
            }
            Backend::Postgres => {
                "select table_name::text from information_schema.tables \
                 where table_schema = current_schema() and table_type = 'BASE TABLE' \
                 and table_name <> '_sqlx_migrations' order by 1"
            }
        };
        Ok(sqlx::query_scalar(sql).fetch_all(&self.pool).await?)
    }

    /// A SHA-256 of each table's rows, whatever their order: two databases with the same
    /// digests hold the same data (a restored backup, or a database a refused request
    /// left untouched).
    pub async fn table_digests(&self) -> Result<std::collections::BTreeMap<String, String>> {
        use sha2::{Digest, Sha256};
        // Names come from the database's own catalogue, and only plain ones are quoted
        // into SQL.
        let plain = |name: &str| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let mut digests = std::collections::BTreeMap::new();
        for table in self.tables().await?.into_iter().filter(|t| plain(t)) {
            let sql = match self.backend {
                Backend::Postgres => format!(
                    "select coalesce(string_agg(t::text, E'\\n' order by t::text), '') from \"{table}\" t"
                ),
                Backend::Sqlite => {
                    let columns: Vec<String> =
                        sqlx::query_scalar("select name from pragma_table_info($1)")
                            .bind(&table)
                            .fetch_all(&self.pool)
                            .await?;
                    if !columns.iter().all(|c| plain(c)) {
                        continue;
                    }
                    let row = columns
                        .iter()
                        .map(|c| format!("quote(\"{c}\")"))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    format!(
                        "select coalesce(group_concat(r, char(10)), '') from \
                         (select {row} as r from \"{table}\" order by r)"
                    )
                }
            };
            let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&self.pool)
                .await?;
            let digest: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            digests.insert(table, digest);
        }
        Ok(digests)
    }
}

/// A few units named in one bound parameter, for the exports that read a round chunk by
/// chunk: `clause` is the condition on the column (by the parameter `$2`) for this backend,
/// `param` the list to bind to it. Index lookups on both backends.
pub(crate) struct UnitList {
    pub clause: String,
    pub param: String,
}

impl Store {
    /// The condition `column` is one of `units`, as parameter `$2`.
    pub(crate) fn unit_list(&self, column: &str, units: &[i64]) -> UnitList {
        let ids: Vec<String> = units.iter().map(i64::to_string).collect();
        match self.backend {
            Backend::Sqlite => UnitList {
                clause: format!("{column} in (select value from json_each($2))"),
                param: format!("[{}]", ids.join(",")),
            },
            Backend::Postgres => UnitList {
                clause: format!("{column} = any(string_to_array($2, ',')::bigint[])"),
                param: ids.join(","),
            },
        }
    }
}

/// The sqlx URL of a SQLite file, created on first use.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn to_ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}
