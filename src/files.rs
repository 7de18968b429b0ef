//! Where evidence files (tài liệu kiểm chứng) are kept: one interface over a local folder
//! (the default) or an S3-compatible object store, both through the `object_store` crate.
//!
//! Objects are content-addressed: a file is stored under the SHA-256 of its bytes, at
//! `sha256/<first two hex digits>/<hex>`, never under the name the user sent (that name
//! is data in the database). The same bytes uploaded twice are stored once, and a name
//! can never reach the file system or the bucket as a path.
//!
//! No file is ever held whole in memory: an upload is written to a temporary file as it
//! arrives ([`Incoming`]), hashed and counted on the way; it reaches the store in parts
//! read back from that file, and a download is streamed from the store to the client.

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::domain::evidence::FileKind;

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
    #[error("lỗi đọc, ghi tệp tạm: {0}")]
    Temporary(#[from] std::io::Error),
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
    /// The size of the parts a file is sent to the store in; one or two of them per
    /// upload in flight is all the memory an upload takes.
    part_bytes: usize,
}

/// Parts for a local folder: small, so that many parallel uploads take little memory.
const LOCAL_PART_BYTES: usize = 256 * 1024;
/// Parts for S3: its multipart uploads want at least 5 MiB in every part but the last.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts of one file written to the store at once.
const PARTS_IN_FLIGHT: usize = 2;

impl FileStore {
    fn new(objects: Arc<dyn ObjectStore>, part_bytes: usize) -> FileStore {
        FileStore {
            objects,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MB * 1024 * 1024,
            part_bytes,
        }
    }

    /// Files under `<data_dir>/evidence`, created if missing.
    pub fn local(data_dir: &FsPath) -> Result<FileStore, FileStoreError> {
        let root = data_dir.join("evidence");
        std::fs::create_dir_all(&root).map_err(|source| FileStoreError::Folder {
            path: root.display().to_string(),
            source,
        })?;
        Ok(FileStore::new(
            Arc::new(LocalFileSystem::new_with_prefix(&root)?),
            LOCAL_PART_BYTES,
        ))
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
        Ok(FileStore::new(Arc::new(builder.build()?), S3_PART_BYTES))
    }

    /// Files in memory, gone when the last clone is dropped (for tests).
    pub fn in_memory() -> FileStore {
        FileStore::new(Arc::new(InMemory::new()), LOCAL_PART_BYTES)
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

    /// Stores a received file under its hash unless an object is already there: content
    /// addressing makes an existing object the same bytes. The file is read back in parts,
    /// a few in flight at once, so memory does not grow with its size.
    pub async fn put(&self, received: &Received) -> Result<(), FileStoreError> {
        let location = location(&received.hash)?;
        match self.objects.head(&location).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let upload = self.objects.put_multipart(&location).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        match copy_into(received, &mut writer).await {
            Ok(()) => {
                writer.finish().await?;
                Ok(())
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "abandoning a partial upload");
                }
                Err(e)
            }
        }
    }

    /// The bytes stored under `hash`, whole (for tools and tests; the server streams
    /// them with [`FileStore::stream`]).
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

    /// The bytes stored under `hash`, as the store delivers them, chunk by chunk.
    pub async fn stream(
        &self,
        hash: &str,
    ) -> Result<BoxStream<'static, std::io::Result<Bytes>>, FileStoreError> {
        let location = location(hash)?;
        match self.objects.get(&location).await {
            Ok(result) => Ok(result
                .into_stream()
                .map(|chunk| chunk.map_err(std::io::Error::other))
                .boxed()),
            Err(object_store::Error::NotFound { .. }) => {
                Err(FileStoreError::Missing(hash.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Reads `received` from its start into `writer`, waiting while parts are in flight.
async fn copy_into(received: &Received, writer: &mut WriteMultipart) -> Result<(), FileStoreError> {
    let mut file = tokio::fs::File::from_std(received.file.try_clone()?);
    file.seek(std::io::SeekFrom::Start(0)).await?;
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.write(&buffer[..n]);
    }
}

/// A file arriving: written to a temporary file (which the system removes even if the
/// process dies), hashed and counted as each chunk comes.
pub struct Incoming {
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
}

impl Incoming {
    pub async fn new() -> std::io::Result<Incoming> {
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(std::io::Error::other)??;
        Ok(Incoming {
            file: tokio::fs::File::from_std(file),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    /// The whole file, received.
    pub async fn finish(mut self) -> std::io::Result<Received> {
        self.file.flush().await?;
        Ok(Received {
            file: self.file.into_std().await,
            hash: hex(&self.hasher.finalize()),
            size: self.size,
        })
    }
}

/// A file received whole into a temporary file, with its hash and size; the temporary
/// file goes when this is dropped.
pub struct Received {
    file: std::fs::File,
    hash: String,
    size: u64,
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("hash", &self.hash)
            .field("size", &self.size)
            .finish()
    }
}

impl Received {
    /// `bytes` as if they had been received (for tools and tests).
    pub async fn from_bytes(bytes: &[u8]) -> std::io::Result<Received> {
        let mut incoming = Incoming::new().await?;
        incoming.write(bytes).await?;
        incoming.finish().await
    }

    /// The SHA-256 of the content in lower-case hex: the key it is stored under.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The accepted type the content is, judged by reading its start (and the directory
    /// of a Word or Excel 97–2003 file), off the async runtime.
    pub async fn kind(&self) -> std::io::Result<Option<FileKind>> {
        let file = self.file.try_clone()?;
        tokio::task::spawn_blocking(move || FileKind::detect_in(file))
            .await
            .map_err(std::io::Error::other)?
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes` in lower-case hex: the key a file is stored under.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
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
        // Larger than a part, and not a whole number of them.
        let bytes: Bytes = (0..LOCAL_PART_BYTES * 3 + 1000)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let hash = content_hash(&bytes);
        let mut incoming = Incoming::new().await.expect("temporary file");
        for chunk in bytes.chunks(10_000) {
            incoming.write(chunk).await.expect("write");
        }
        let received = incoming.finish().await.expect("received");
        assert_eq!(
            (received.hash(), received.size()),
            (hash.as_str(), bytes.len() as u64)
        );
        store.put(&received).await.expect("put");
        store.put(&received).await.expect("put again");
        assert_eq!(store.get(&hash).await.expect("get"), bytes);
        let streamed: Vec<Bytes> = store
            .stream(&hash)
            .await
            .expect("stream")
            .map(|c| c.expect("chunk"))
            .collect()
            .await;
        assert_eq!(streamed.concat(), bytes.as_ref());
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
                store.get(bad).await,
                Err(FileStoreError::BadHash(_))
            ));
            assert!(matches!(
                store.stream(bad).await,
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
