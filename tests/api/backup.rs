//! `parindex backup` and `parindex restore`: a round with scores, evidence, a submission,
//! an appraisal and a publication, backed up and restored into an empty database, gives
//! the same rows in every table (audit log included), the same results and the same
//! files; a target that holds data, or a damaged backup, is refused with nothing written.

use std::sync::Arc;

use parindex::domain::deadline::Phase;
use parindex::domain::{LeafInput, SystemClock};
use parindex::files::{FileStore, Received};
use parindex::service::self_assessment::{LeafSave, save_leaf, submit};
use parindex::service::{Context, Who};

use crate::helpers::{TestDb, small_round, t};

fn context(db: &TestDb, files: &FileStore) -> Context {
    Context::new(db.store.clone(), Arc::new(SystemClock), files.clone())
}

const PDF: &[u8] = b"%PDF-1.4\n% bao cao ket qua CCHC\n%%EOF\n";

/// A round of two units: A scored, with evidence, submitted and published.
async fn a_year_of_data(
    db: &TestDb,
    files: &FileStore,
) -> (i64, Vec<u8>, parindex::domain::access::Actor) {
    let r = small_round(
        &db.store,
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let ctx = context(db, files);
    let now = t("05/01/2024");
    let officer = Who::new(r.officers[0].clone(), "127.0.0.1", now);
    let head = Who::new(r.heads[0].clone(), "127.0.0.1", now);
    let save = LeafSave {
        leaf_code: "2.1".into(),
        input: Some(LeafInput::Judged {
            points: "0.75".parse().expect("points"),
        }),
        explanation: "Đã ban hành kế hoạch CCHC năm 2023 «đúng hạn».".into(),
        ..Default::default()
    };
    save_leaf(&ctx, &officer, r.round, r.units[0], save)
        .await
        .expect("saved");
    // Megabytes, so that the file crosses the store's parts.
    let mut big = PDF.to_vec();
    big.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    for (name, bytes) in [("Kế hoạch.pdf", PDF.to_vec()), ("Báo cáo.pdf", big.clone())] {
        let upload = parindex::service::evidence::Upload {
            file_name: name.into(),
            file: Received::from_bytes(&bytes).await.expect("received"),
            leaves: vec!["2.1".into()],
        };
        parindex::service::evidence::upload_file(&ctx, &officer, r.round, r.units[0], upload)
            .await
            .expect("uploaded");
    }
    submit(&ctx, &head, r.round, r.units[0], true)
        .await
        .expect("submitted");
    let admin = Who::new(r.admin.clone(), "127.0.0.1", t("20/01/2024"));
    parindex::service::rounds::set_phase(
        &ctx,
        &admin,
        r.round,
        parindex::service::rounds::PhaseSpec {
            phase: Phase::SelfAssessment,
            opens: "01/12/2023".into(),
            // Within the round's order: appraisal round 1 opens on 08/01/2024.
            closes: "07/01/2024 17:00".into(),
        },
    )
    .await
    .expect("phase moved");
    crate::helpers::signed_off(&db.store, r.round).await;
    parindex::service::rounds::publish(
        &ctx,
        &admin,
        r.round,
        parindex::service::rounds::PublishOptions {
            confirm: true,
            close_open_phases: true,
            public: false,
        },
    )
    .await
    .expect("published");
    (r.round, big, r.admin)
}

#[tokio::test]
async fn a_restored_backup_has_the_same_rows_results_audit_and_files() {
    let source = TestDb::new().await;
    let source_dir = tempfile::tempdir().expect("dir");
    let source_files = FileStore::local(source_dir.path()).expect("files");
    let (round, big, admin) = a_year_of_data(&source, &source_files).await;

    let backups = tempfile::tempdir().expect("dir");
    let file = backups.path().join("parindex-2024.zip");
    let saved = parindex::backup::backup(&source.store, &source_files, &file)
        .await
        .expect("backup");
    assert_eq!(saved.files, 2, "{saved}");
    // Password hashes are in it: its owner's only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(saved.rows > 20, "{saved}");

    let target = TestDb::new().await;
    let target_dir = tempfile::tempdir().expect("dir");
    let target_files = FileStore::local(target_dir.path()).expect("files");
    let restored = parindex::backup::restore(&target.store, &target_files, &file)
        .await
        .expect("restore");
    assert_eq!(restored, saved);

    let digests = source.store.table_digests().await.expect("digests");
    assert!(digests.contains_key("audit_log") && digests.contains_key("published_results"));
    assert_eq!(
        target.store.table_digests().await.expect("digests"),
        digests
    );

    let results = |db: &TestDb, files: &FileStore| {
        let ctx = context(db, files);
        let who = Who::new(admin.clone(), "127.0.0.1", t("01/02/2024"));
        async move {
            let results = parindex::service::results::visible(&ctx, &who, round)
                .await
                .expect("results");
            serde_json::to_value(results).expect("JSON")
        }
    };
    let before = results(&source, &source_files).await;
    assert_eq!(results(&target, &target_files).await, before);
    assert!(before.to_string().contains("An Khánh"));

    for bytes in [PDF.to_vec(), big] {
        let hash = parindex::files::content_hash(&bytes);
        assert_eq!(
            target_files.get(&hash).await.expect("restored file"),
            bytes.as_slice()
        );
    }

    // Once more into the same database: refused, nothing changed.
    let again = parindex::backup::restore(&target.store, &target_files, &file)
        .await
        .expect_err("not into a database with data");
    assert!(again.to_string().contains("đã có dữ liệu"), "{again}");
    assert_eq!(
        target.store.table_digests().await.expect("digests"),
        digests
    );

    // New rows get new ids (PostgreSQL's identity sequences moved past the restored ones).
    let existing = target.store.all_units().await.expect("units");
    let id = target
        .store
        .upsert_unit("C", "UBND phường Cái Khế", "t")
        .await
        .expect("a new unit after the restore");
    assert!(existing.iter().all(|u| u.id < id));
}

/// How many rows each table holds (digests differ between backends, which print rows
/// differently).
async fn row_counts(db: &TestDb) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in db.store.tables().await.expect("tables") {
        let sql = format!("select count(*) from {table}");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(db.store.pool())
            .await
            .expect("count");
        counts.push((table, n));
    }
    counts
}

/// One machine's SQLite backup restored into the suite's database (PostgreSQL when the
/// suite runs on it): the way from one city's machine to a shared server.
#[tokio::test]
async fn a_sqlite_backup_restores_into_the_other_backend() {
    let source = TestDb::sqlite().await;
    let source_dir = tempfile::tempdir().expect("dir");
    let source_files = FileStore::local(source_dir.path()).expect("files");
    let (round, _, admin) = a_year_of_data(&source, &source_files).await;
    let backups = tempfile::tempdir().expect("dir");
    let file = backups.path().join("may-don.zip");
    parindex::backup::backup(&source.store, &source_files, &file)
        .await
        .expect("backup");
    let target = TestDb::new().await;
    let target_files = FileStore::in_memory();
    parindex::backup::restore(&target.store, &target_files, &file)
        .await
        .expect("restore");
    assert_eq!(row_counts(&target).await, row_counts(&source).await);
    let who = Who::new(admin, "127.0.0.1", t("01/02/2024"));
    let results = |db: &TestDb, files: &FileStore| {
        let ctx = context(db, files);
        let who = who.clone();
        async move {
            let results = parindex::service::results::visible(&ctx, &who, round)
                .await
                .expect("results");
            serde_json::to_value(results).expect("JSON")
        }
    };
    assert_eq!(
        results(&target, &target_files).await,
        results(&source, &source_files).await
    );
    let audit = |db: &TestDb| {
        let store = db.store.clone();
        async move {
            let entries = store.audit_log(&Default::default()).await.expect("audit");
            serde_json::to_value(entries).expect("JSON")
        }
    };
    assert_eq!(audit(&target).await, audit(&source).await);
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_writes_nothing() {
    let source = TestDb::new().await;
    let source_dir = tempfile::tempdir().expect("dir");
    let source_files = FileStore::local(source_dir.path()).expect("files");
    a_year_of_data(&source, &source_files).await;
    let backups = tempfile::tempdir().expect("dir");
    let file = backups.path().join("sao-luu.zip");
    parindex::backup::backup(&source.store, &source_files, &file)
        .await
        .expect("backup");

    // The same backup with one evidence file's bytes changed.
    let damaged = backups.path().join("hong.zip");
    {
        use std::io::{Read, Write};
        let mut archive =
            zip::ZipArchive::new(std::fs::File::open(&file).expect("open")).expect("zip");
        let mut out = zip::ZipWriter::new(std::fs::File::create(&damaged).expect("create"));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().expect("name").to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            if name.starts_with("evidence/") && bytes.len() < 100 {
                bytes[10] ^= 1;
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            out.write_all(&bytes).expect("write");
        }
        out.finish().expect("finish");
    }
    let target = TestDb::new().await;
    let target_dir = tempfile::tempdir().expect("dir");
    let target_files = FileStore::local(target_dir.path()).expect("files");
    let empty = target.store.table_digests().await.expect("digests");
    let refused = parindex::backup::restore(&target.store, &target_files, &damaged)
        .await
        .expect_err("damaged");
    assert!(refused.to_string().contains("bị hỏng"), "{refused}");
    assert_eq!(target.store.table_digests().await.expect("digests"), empty);

    let not_a_backup = backups.path().join("khong-phai.zip");
    std::fs::write(&not_a_backup, b"PK\x03\x04 not really").expect("write");
    let refused = parindex::backup::restore(&target.store, &target_files, &not_a_backup)
        .await
        .expect_err("not a backup");
    assert!(
        refused.to_string().contains("không phải một bản sao lưu"),
        "{refused}"
    );
}
