//! `parindex backup FILE` and `parindex restore FILE`.
//!
//! A backup is one zip file: `manifest.json` (what it holds), `tables/<table>.jsonl` (the
//! columns, then one JSON array per row, every table read from one snapshot while the
//! server keeps running) and `evidence/<sha256>` (every evidence file the rows name, its
//! hash checked on the way). Evidence files are content-addressed and never deleted, so
//! the files a snapshot names are all there afterwards.
//!
//! A restore writes into an empty database (of either backend: a SQLite backup restores
//! into PostgreSQL) with the same schema: the files first, then every row in one
//! transaction, so a failure leaves no row without its file and no half database.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use crate::files::{FileStore, Incoming};
use crate::store::Store;
use crate::store::backup::Column;

/// Columns written after every table is in, as (table, column): a published criteria set
/// takes no new nodes, so it is published once they are restored.
const WRITTEN_LAST: &[(&str, &str)] = &[("criteria_sets", "published_at")];

const FORMAT: &str = "parindex-backup";
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    created_at: DateTime<Utc>,
    /// The backend it was taken from ("sqlite", "postgres").
    backend: String,
    /// The latest migration of its schema.
    schema: i64,
    /// Rows per table.
    tables: BTreeMap<String, u64>,
    /// The evidence files, by their SHA-256.
    files: Vec<String>,
}

/// What a backup or a restore moved.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bảng, {} dòng, {} tệp tài liệu kiểm chứng",
            self.tables, self.rows, self.files
        )
    }
}

fn table_entry(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

fn file_entry(hash: &str) -> String {
    format!("evidence/{hash}")
}

/// Writes a backup of `store` and `files` to `path` (through a temporary file beside it,
/// renamed at the end, so a failed backup never leaves a half file under that name).
pub async fn backup(store: &Store, files: &FileStore, path: &Path) -> anyhow::Result<Summary> {
    let partial = path.with_extension("partial");
    let written = write_backup(store, files, &partial).await;
    match written {
        Ok(summary) => {
            std::fs::rename(&partial, path)
                .with_context(|| format!("không ghi được {}", path.display()))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write_backup(store: &Store, files: &FileStore, path: &Path) -> anyhow::Result<Summary> {
    // Password hashes and sessions are in it: readable by its owner only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let out = options
        .open(path)
        .with_context(|| format!("không tạo được {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(out);
    let rows_options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: Utc::now(),
        backend: format!("{:?}", store.backend()).to_lowercase(),
        schema: store.schema_version().await?,
        tables: BTreeMap::new(),
        files: Vec::new(),
    };
    let tables = store.tables_in_order().await?;
    let mut columns = BTreeMap::new();
    for table in &tables {
        columns.insert(table.clone(), store.columns(table).await?);
    }
    let mut snapshot = store.snapshot().await?;
    for table in &tables {
        let columns = &columns[table];
        zip.start_file(table_entry(table), rows_options)?;
        serde_json::to_writer(&mut zip, columns)?;
        zip.write_all(b"\n")?;
        let hash_at = (table == "evidence_files")
            .then(|| columns.iter().position(|c| c.name == "content_hash"))
            .flatten();
        let mut count = 0;
        let mut rows = snapshot.rows(table, columns)?;
        while let Some(row) = rows.next().await {
            let row = row?;
            if let Some(Some(hash)) = hash_at.map(|i| row[i].as_str()) {
                manifest.files.push(hash.to_string());
            }
            serde_json::to_writer(&mut zip, &row)?;
            zip.write_all(b"\n")?;
            count += 1;
        }
        drop(rows);
        manifest.tables.insert(table.clone(), count);
    }
    snapshot.finish().await?;
    manifest.files.sort();
    manifest.files.dedup();

    let files_options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for hash in &manifest.files {
        zip.start_file(file_entry(hash), files_options)?;
        let mut stream = files.stream(hash).await?;
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            zip.write_all(&chunk)?;
        }
        if hex(&hasher.finalize()) != *hash {
            bail!("tệp {hash} trong kho tài liệu kiểm chứng không còn đúng nội dung (mã băm khác)");
        }
    }
    zip.start_file(MANIFEST, SimpleFileOptions::default())?;
    serde_json::to_writer_pretty(&mut zip, &manifest)?;
    zip.finish()?.sync_all()?;
    Ok(Summary {
        tables: manifest.tables.len(),
        rows: manifest.tables.values().sum(),
        files: manifest.files.len(),
    })
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Restores the backup at `path` into `store` (which must be empty, with the same
/// schema) and `files`.
pub async fn restore(store: &Store, files: &FileStore, path: &Path) -> anyhow::Result<Summary> {
    let file =
        std::fs::File::open(path).with_context(|| format!("không mở được {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|_| anyhow!("{} không phải một bản sao lưu parindex", path.display()))?;
    let manifest: Manifest = {
        let entry = zip
            .by_name(MANIFEST)
            .map_err(|_| anyhow!("{} không phải một bản sao lưu parindex", path.display()))?;
        serde_json::from_reader(entry).context("manifest.json không đọc được")?
    };
    if manifest.format != FORMAT || manifest.version != VERSION {
        bail!(
            "định dạng sao lưu «{} {}» không được hỗ trợ (cần «{FORMAT} {VERSION}»)",
            manifest.format,
            manifest.version
        );
    }
    let schema = store.schema_version().await?;
    if manifest.schema != schema {
        bail!(
            "bản sao lưu có cấu trúc cơ sở dữ liệu phiên bản {}, cơ sở dữ liệu đích phiên bản {schema}; hãy phục hồi bằng phiên bản parindex đã tạo bản sao lưu",
            manifest.schema
        );
    }
    // Refused before anything is written when the target holds data.
    let mut restore = store.begin_restore().await?;

    for hash in &manifest.files {
        let mut entry = zip
            .by_name(&file_entry(hash))
            .map_err(|_| anyhow!("bản sao lưu thiếu tệp {hash}"))?;
        let mut incoming = Incoming::new().await?;
        let mut buffer = vec![0; 256 * 1024];
        loop {
            let n = entry.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            incoming.write(&buffer[..n]).await?;
        }
        let received = incoming.finish().await?;
        if received.hash() != hash {
            bail!("tệp {hash} trong bản sao lưu bị hỏng (mã băm khác)");
        }
        files.put(&received).await?;
    }

    let mut total = 0;
    let mut later = Vec::new();
    let mut named_files = std::collections::BTreeSet::new();
    let tables = store.tables_in_order().await?;
    for table in &tables {
        let expected = *manifest
            .tables
            .get(table)
            .ok_or_else(|| anyhow!("bản sao lưu thiếu bảng {table}"))?;
        let target: BTreeMap<String, Column> = store
            .columns(table)
            .await?
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        let entry = zip
            .by_name(&table_entry(table))
            .map_err(|_| anyhow!("bản sao lưu thiếu bảng {table}"))?;
        let mut lines = BufReader::new(entry).lines();
        let header = lines
            .next()
            .ok_or_else(|| anyhow!("bảng {table} trong bản sao lưu trống"))??;
        let saved: Vec<Column> = serde_json::from_str(&header)?;
        if saved.len() != target.len() || saved.iter().any(|c| !target.contains_key(&c.name)) {
            bail!("bảng {table} trong bản sao lưu có các cột khác cơ sở dữ liệu đích");
        }
        // The target's types, in the backup's order.
        let columns: Vec<Column> = saved.iter().map(|c| target[&c.name].clone()).collect();
        let id_at = columns.iter().position(|c| c.name == "id");
        let hash_at = (table == "evidence_files")
            .then(|| columns.iter().position(|c| c.name == "content_hash"))
            .flatten();
        let last_at: Vec<usize> = WRITTEN_LAST
            .iter()
            .filter(|(t, _)| t == table)
            .filter_map(|(_, c)| columns.iter().position(|col| col.name == *c))
            .collect();
        let mut count = 0;
        for line in lines {
            let mut row: Vec<serde_json::Value> = serde_json::from_str(&line?)?;
            if row.len() != columns.len() {
                bail!(
                    "bảng {table}: một dòng có {} giá trị, cần {}; bản sao lưu bị hỏng",
                    row.len(),
                    columns.len()
                );
            }
            if let Some(hash) = hash_at.and_then(|at| row[at].as_str()) {
                named_files.insert(hash.to_string());
            }
            for &at in &last_at {
                let value = std::mem::take(&mut row[at]);
                if let (Some(id), false) = (id_at.and_then(|i| row[i].as_i64()), value.is_null()) {
                    later.push((table.clone(), columns[at].clone(), id, value));
                }
            }
            restore.insert(table, &columns, &row).await?;
            count += 1;
        }
        if count != expected {
            bail!("bảng {table}: bản sao lưu ghi {expected} dòng nhưng chứa {count}");
        }
        restore.note_identities(table).await?;
        total += count;
    }
    for (table, column, id, value) in later {
        restore.set_later(&table, &column, id, &value).await?;
    }
    // No row may name a file the backup does not hold (the rows are not committed yet).
    if let Some(missing) = named_files.iter().find(|h| !manifest.files.contains(h)) {
        bail!("bản sao lưu thiếu tệp {missing} mà dữ liệu nhắc đến; bản sao lưu bị hỏng");
    }
    restore.commit().await?;
    Ok(Summary {
        tables: tables.len(),
        rows: total,
        files: manifest.files.len(),
    })
}
