//! Evidence on both kinds of file store, through the real server over HTTP: a real
//! S3-compatible server (moto's, which `.ci/run` installs from PyPI, starts, and names in
//! PARINDEX_TEST_S3_ENDPOINT) and the local disk, by one scenario. A file uploaded comes
//! back byte for byte; the same bytes on another leaf and in another unit are stored
//! once; an object lost behind the app's back is answered with a clear error, and
//! uploading the bytes again brings it back. Without PARINDEX_TEST_S3_ENDPOINT the S3 test
//! says SKIPPED and passes, except in CI (`CI` set), where moto must be there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::{ObjectStore, ObjectStoreExt};
use parindex::files::{FileStore, S3Settings, content_hash};
use serde_json::Value;

use crate::helpers::{
    Browser, TestApp, json_of, small_round, spawn_app, spawn_app_with_files, t, upload,
};

/// A one-page PDF, well formed.
const PDF: &[u8] = b"%PDF-1.4\n\
1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n\
xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n\
trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n";

const KE_HOACH: &str = "Kế hoạch CCHC 2023.pdf";

/// The size of the parts the file store sends to S3 (5 MiB, S3's smallest but the last).
const S3_PART: usize = 5 * 1024 * 1024;

/// A PDF a little over one S3 part, and not a whole number of parts, its tail varied so
/// that a part out of order or cut short would not compare equal: the bucket gets a real
/// multipart upload of two parts.
fn large_pdf() -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..S3_PART + 12_345).map(|i| (i * 7 % 251) as u8));
    bytes
}

/// The place in the store of the bytes whose hash is `hash`.
fn location(hash: &str) -> String {
    format!("sha256/{}/{hash}", &hash[..2])
}

/// Every object in the store, with its size, in order.
async fn stored(objects: &dyn ObjectStore) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = objects
        .list(None)
        .map_ok(|meta| (meta.location.to_string(), meta.size))
        .try_collect()
        .await
        .expect("list the store's objects");
    found.sort();
    found
}

/// Downloads a file: its status and its bytes.
async fn download(app: &TestApp, browser: &Browser, base: &str, id: &Value) -> (u16, Vec<u8>) {
    let response = browser
        .send(browser.get(app.url(&format!("{base}/evidence/files/{id}"))))
        .await;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (status, bytes.to_vec())
}

/// The scenario, the same on every kind of store: `app` keeps its evidence where
/// `objects` looks.
async fn scenario(app: &TestApp, objects: &dyn ObjectStore) {
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app.clock.set(t("20/12/2023"));
    let base_a = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let base_b = format!("/api/rounds/{}/units/{}", r.round, r.units[1]);
    let officer_a = Browser::default();
    let csrf_a = app.sign_in_with(&officer_a, "a.canbo").await;
    let officer_b = Browser::default();
    let csrf_b = app.sign_in_with(&officer_b, "b.canbo").await;
    let viewer = Browser::default();
    app.sign_in_with(&viewer, "lanhdao").await;
    assert!(stored(objects).await.is_empty(), "a fresh store");

    // Uploaded: one object, under the hash of its bytes.
    let pdf = large_pdf();
    let hash = content_hash(&pdf);
    let (status, first) = upload(
        app,
        &officer_a,
        &csrf_a,
        &base_a,
        KE_HOACH,
        pdf.clone(),
        &["1.1"],
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["content_hash"], hash.as_str());
    assert_eq!(first["size_bytes"], pdf.len());
    let large = (location(&hash), pdf.len() as u64);
    assert_eq!(stored(objects).await, std::slice::from_ref(&large));

    // Downloaded back byte for byte.
    let (status, bytes) = download(app, &viewer, &base_a, &first["id"]).await;
    assert_eq!(status, 200);
    assert!(bytes == pdf, "{} bytes back for {}", bytes.len(), pdf.len());

    // The same bytes on another leaf, and in another unit: three records, one object.
    let (status, copy) = upload(
        app,
        &officer_a,
        &csrf_a,
        &base_a,
        "Bản sao kế hoạch.pdf",
        pdf.clone(),
        &["2.1"],
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    let (status, in_b) = upload(
        app,
        &officer_b,
        &csrf_b,
        &base_b,
        KE_HOACH,
        pdf.clone(),
        &["1.1"],
    )
    .await;
    assert_eq!(status, 201, "{in_b}");
    assert_eq!(copy["content_hash"], hash.as_str());
    assert_eq!(in_b["content_hash"], hash.as_str());
    assert_ne!(copy["id"], first["id"]);
    assert_ne!(in_b["id"], first["id"]);
    // Other bytes are another object.
    let other = b"%PDF-1.4\n% bo sung\n%%EOF\n".to_vec();
    let (status, small) = upload(
        app,
        &officer_a,
        &csrf_a,
        &base_a,
        "Báo cáo.pdf",
        other.clone(),
        &["1.2"],
    )
    .await;
    assert_eq!(status, 201, "{small}");
    let mut expected = vec![large, (location(&content_hash(&other)), other.len() as u64)];
    expected.sort();
    assert_eq!(stored(objects).await, expected);
    let (status, bytes) = download(app, &viewer, &base_b, &in_b["id"]).await;
    assert_eq!(status, 200);
    assert!(bytes == pdf, "unit B's copy: {} bytes", bytes.len());

    // The object lost behind the app's back: each record of those bytes is answered
    // with a stable code and a message that says what is missing, not a 500.
    objects
        .delete(&object_store::path::Path::from(location(&hash)))
        .await
        .expect("delete the object");
    for (base, file, name) in [
        (&base_a, &first, KE_HOACH),
        (&base_a, &copy, "Bản sao kế hoạch.pdf"),
        (&base_b, &in_b, KE_HOACH),
    ] {
        let response = viewer
            .send(viewer.get(app.url(&format!("{base}/evidence/files/{}", file["id"]))))
            .await;
        assert_eq!(
            response.headers().get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let (status, body) = json_of(response).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("«{name}»")) && message.contains("kho lưu trữ"),
            "{message}"
        );
    }
    // The other object is still there, and still served.
    let (status, bytes) = download(app, &viewer, &base_a, &small["id"]).await;
    assert_eq!((status, bytes), (200, other));

    // Uploading the bytes again puts the object back, for every record of them.
    let (status, again) = upload(
        app,
        &officer_b,
        &csrf_b,
        &base_b,
        KE_HOACH,
        pdf.clone(),
        &["1.2"],
    )
    .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(stored(objects).await, expected);
    let (status, bytes) = download(app, &viewer, &base_a, &first["id"]).await;
    assert_eq!(status, 200);
    assert!(
        bytes == pdf,
        "{} bytes back after the new upload",
        bytes.len()
    );
}

static BUCKETS: AtomicU64 = AtomicU64::new(0);

/// Any region and keys do for moto; a real server would want its own.
const REGION: &str = "us-east-1";
const KEY: &str = "parindex-test";

/// The S3-compatible server the suite runs against, or `None` (after saying SKIPPED)
/// outside CI when none is named. In CI, a missing server fails the test.
fn s3_endpoint() -> Option<String> {
    let endpoint = std::env::var("PARINDEX_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty());
    if endpoint.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "PARINDEX_TEST_S3_ENDPOINT is not set: moto's S3 server is missing \
             (.ci/run installs moto[server] from PyPI, starts it and sets the variable)"
        );
        eprintln!(
            "SKIPPED: no S3-compatible server (start `python3 -m moto.server -p 5055` and set \
             PARINDEX_TEST_S3_ENDPOINT=http://127.0.0.1:5055)"
        );
    }
    endpoint.map(|e| e.trim().trim_end_matches('/').to_string())
}

/// A bucket of this test's own on the server, made with a plain CreateBucket (`PUT
/// /{bucket}`), which moto takes unsigned: object_store does not create buckets.
struct Bucket {
    endpoint: String,
    name: String,
}

impl Bucket {
    async fn create(endpoint: &str) -> Bucket {
        let name = format!(
            "parindex-test-{}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_micros(),
            BUCKETS.fetch_add(1, Ordering::Relaxed)
        );
        let response = reqwest::Client::new()
            .put(format!("{endpoint}/{name}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("no S3 server answers at {endpoint}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "CreateBucket {name}: {status} {text}");
        Bucket {
            endpoint: endpoint.to_string(),
            name,
        }
    }

    /// The settings the app is given, as a deployment's configuration would give them.
    fn settings(&self) -> S3Settings {
        S3Settings {
            bucket: self.name.clone(),
            endpoint: Some(self.endpoint.clone()),
            region: REGION.into(),
            access_key_id: KEY.into(),
            secret_access_key: KEY.into(),
        }
    }

    /// The bucket seen by the test itself, not through the app.
    fn objects(&self) -> Arc<dyn ObjectStore> {
        let bucket = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&self.name)
            .with_region(REGION)
            .with_access_key_id(KEY)
            .with_secret_access_key(KEY)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .expect("the bucket as object_store sees it");
        Arc::new(bucket)
    }

    /// Empties and removes the bucket, so the server does not keep every run's files.
    async fn remove(self) {
        let objects = self.objects();
        for (location, _) in stored(objects.as_ref()).await {
            objects
                .delete(&object_store::path::Path::from(location))
                .await
                .expect("delete an object");
        }
        let response = reqwest::Client::new()
            .delete(format!("{}/{}", self.endpoint, self.name))
            .send()
            .await
            .expect("DeleteBucket");
        assert!(response.status().is_success(), "{}", response.status());
    }
}

#[tokio::test]
async fn s3_evidence_round_trips_is_stored_once_and_a_lost_object_is_reported_clearly() {
    let Some(endpoint) = s3_endpoint() else {
        return;
    };
    let bucket = Bucket::create(&endpoint).await;
    let files = FileStore::s3(&bucket.settings()).expect("S3 file store");
    let app = spawn_app_with_files(files).await;
    scenario(&app, bucket.objects().as_ref()).await;
    assert!(
        std::fs::read_dir(app.files_dir.path())
            .expect("data folder")
            .next()
            .is_none(),
        "nothing written to the local disk"
    );
    bucket.remove().await;
}

#[tokio::test]
async fn s3_the_same_scenario_on_the_local_disk() {
    let app = spawn_app().await;
    let folder = LocalFileSystem::new_with_prefix(app.files_dir.path().join("evidence"))
        .expect("the evidence folder");
    scenario(&app, &folder).await;
}
