//! Where evidence files (tài liệu kiểm chứng) are kept: one interface over a local folder
//! (the default) or an S3-compatible object store, both through the `object_store` crate.
//!
//! Objects are content-addressed: a file is stored under the SHA-256 of its bytes, at
//! `sha256/<first two hex digits>/<hex>`, never under the name the user sent (that name
//! is data in the database). The same bytes uploaded twice are stored once, and a name
//! can never reach the file system or the bucket as a path.

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};

/// Largest upload accepted unless configured otherwise (`max_upload_mb`).
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 20;

/// Errors of the file store. None is the user's fault: the HTTP layer logs them and
/// answers with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum FileStoreError {
    #[error("mã băm tệp không hợp lệ: {0}")]
    BadHash(String),
    #[error("không tìm thấy tệp {0} trong kho lưu trữ")]
    Missing(String),
    #[error("không tạo được thư mục lưu tệp {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("lỗi kho lưu trữ tệp: {0}")]
    Backend(#[from] object_store::Error),
}

/// How to reach an S3-compatible bucket (AWS S3, MinIO, Ceph, a cloud provider's S3 API).
#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Settings {
    pub bucket: String,
    /// e.g. `https://s3.example.vn` or `http://127.0.0.1:9000`; unset means AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    /// Never printed: `Debug` shows `***`.
    pub secret_access_key: String,
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

/// The evidence file store, and the largest file it accepts; cheap to clone.
#[derive(Clone, Debug)]
pub struct FileStore {
    objects: Arc<dyn ObjectStore>,
    max_upload_bytes: u64,
}

impl FileStore {
    fn new(objects: Arc<dyn ObjectStore>) -> FileStore {
        FileStore {
            objects,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
        }
    }

    /// Files under `<data_dir>/evidence`, created if missing.
    pub fn local(data_dir: &FsPath) -> Result<FileStore, FileStoreError> {
        let root = data_dir.join("evidence");
        std::fs::create_dir_all(&root).map_err(|source| FileStoreError::Folder {
            path: root.display().to_string(),
            source,
        })?;
        Ok(FileStore::new(Arc::new(LocalFileSystem::new_with_prefix(
            &root,
        )?)))
    }

    /// Files in an S3-compatible bucket. Nothing is contacted until the first request.
    pub fn s3(settings: &S3Settings) -> Result<FileStore, FileStoreError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        Ok(FileStore::new(Arc::new(builder.build()?)))
    }

    /// Files in memory, gone when the last clone is dropped (for tests).
    pub fn in_memory() -> FileStore {
        FileStore::new(Arc::new(InMemory::new()))
    }

    /// The same store accepting files up to `mb` megabytes (MiB).
    pub fn with_max_upload_mb(mut self, mb: u64) -> FileStore {
        self.max_upload_bytes = mb.saturating_mul(1024 * 1024);
        self
    }

    /// The largest file accepted, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    /// The largest file accepted, in whole megabytes, as messages show it.
    pub fn max_upload_mb(&self) -> u64 {
        self.max_upload_bytes / (1024 * 1024)
    }

    /// Stores `bytes` under `hash` (from [`content_hash`]) unless an object is already
    /// there: content addressing makes an existing object the same bytes.
    pub async fn put(&self, hash: &str, bytes: Bytes) -> Result<(), FileStoreError> {
        let location = location(hash)?;
        match self.objects.head(&location).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.objects.put(&location, bytes.into()).await?;
        Ok(())
    }

    /// The bytes stored under `hash`.
    pub async fn get(&self, hash: &str) -> Result<Bytes, FileStoreError> {
        let location = location(hash)?;
        match self.objects.get(&location).await {
            Ok(result) => Ok(result.bytes().await?),
            Err(object_store::Error::NotFound { .. }) => {
                Err(FileStoreError::Missing(hash.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The SHA-256 of `bytes` in lower-case hex: the key a file is stored under.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `sha256/ab/ab12…`; refuses anything but 64 lower-case hex digits, so no caller can
/// make a path of its own.
fn location(hash: &str) -> Result<Path, FileStoreError> {
    let valid = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(FileStoreError::BadHash(hash.to_string()));
    }
    Ok(Path::from_iter(["sha256", &hash[..2], hash]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_bytes_are_one_object_under_their_hash() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileStore::local(dir.path()).expect("local store");
        let bytes = Bytes::from_static(b"%PDF-1.4 hello");
        let hash = content_hash(&bytes);
        store.put(&hash, bytes.clone()).await.expect("put");
        store.put(&hash, bytes.clone()).await.expect("put again");
        assert_eq!(store.get(&hash).await.expect("get"), bytes);
        let on_disk = dir
            .path()
            .join("evidence/sha256")
            .join(&hash[..2])
            .join(&hash);
        assert_eq!(std::fs::read(on_disk).expect("file"), bytes.as_ref());
    }

    #[tokio::test]
    async fn names_are_never_paths() {
        let store = FileStore::in_memory();
        for bad in ["../../etc/passwd", "AB", &"A".repeat(64)] {
            assert!(matches!(
                store.put(bad, Bytes::new()).await,
                Err(FileStoreError::BadHash(_))
            ));
        }
        assert!(matches!(
            store.get(&content_hash(b"absent")).await,
            Err(FileStoreError::Missing(_))
        ));
    }

    #[test]
    fn the_secret_never_prints() {
        let settings = S3Settings {
            secret_access_key: "bi-mat".into(),
            ..Default::default()
        };
        assert!(!format!("{settings:?}").contains("bi-mat"));
    }
}
