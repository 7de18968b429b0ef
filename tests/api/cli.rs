//! The `parindex` binary as an administrator runs it.

use std::process::Command;

fn parindex(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_parindex"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .env_remove("PARINDEX_DATA_DIR")
        .output()
        .expect("run parindex");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn criteria_check_accepts_every_shipped_file() {
    let files: Vec<String> = parindex::demo::CRITERIA_FILES
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    let mut args = vec!["criteria", "check"];
    args.extend(files.iter().map(String::as_str));
    let (ok, out) = parindex(&args);
    assert!(ok, "{out}");
    assert_eq!(out.matches(": hợp lệ").count(), files.len(), "{out}");
    // Every file in criteria/ is one the binary ships.
    let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/criteria"))
        .expect("criteria/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(on_disk, files.len());
}

#[test]
fn criteria_check_rejects_a_broken_file_with_its_location() {
    let dir = tempfile::tempdir().expect("tmp");
    let broken = dir.path().join("hong.toml");
    std::fs::write(
        &broken,
        crate::criteria_check::VALID.replace("per_occurrence = 0.25", "per_occurrence = 2"),
    )
    .expect("write");
    let (ok, out) = parindex(&["criteria", "check", broken.to_str().expect("path")]);
    assert!(!ok);
    assert!(out.contains("hong.toml, mục 2.2, trường «per_occurrence»: điểm trừ mỗi lần phải lớn hơn 0 và không quá điểm tối đa 1"), "{out}");
}

#[test]
fn criteria_diff_shows_how_2023_differs_from_2022() {
    let (ok, out) = parindex(&[
        "criteria",
        "diff",
        "criteria/so-2022.toml",
        "criteria/so-2023.toml",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("+ 3.5 "), "3.5 is new in 2023: {out}");
    assert!(out.contains("+ 3.3.5 "), "3.3.5 is new in 2023: {out}");
    assert!(out.contains("toàn trình"), "{out}");
}

#[test]
fn criteria_import_stores_once_and_a_config_file_names_the_data_directory() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("parindex.toml");
    let data = dir.path().join("du-lieu");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", data.display().to_string()),
    )
    .expect("config");
    let config = config.to_str().expect("path");

    let (ok, out) = parindex(&["--config", config, "migrate"]);
    assert!(ok, "{out}");
    assert!(data.join("parindex.db").exists(), "{out}");

    let (ok, out) = parindex(&[
        "--config",
        config,
        "criteria",
        "import",
        "criteria/so-2023.toml",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("đã nhập CCHC-SO 2023"), "{out}");
    let (ok, out) = parindex(&[
        "--config",
        config,
        "criteria",
        "import",
        "criteria/so-2023.toml",
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("CCHC-SO 2023 đã có, không thay đổi"), "{out}");

    let (ok, out) = parindex(&["--config", "/khong/co/tep.toml", "migrate"]);
    assert!(!ok);
    assert!(
        out.contains("không đọc được tệp cấu hình /khong/co/tep.toml"),
        "{out}"
    );
}

#[test]
fn an_administrator_account_is_created_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_str().expect("path").to_string();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parindex"))
            .args(args)
            .env("PARINDEX_DATA_DIR", &data)
            .env("RUST_LOG", "error")
            .env_remove("DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, out) = run(
        &[
            "user",
            "add",
            "quantri",
            "--role",
            "admin",
            "--name",
            "Nguyễn Văn A",
        ],
        "mat-khau-quan-tri\n",
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("Đã tạo người dùng quantri (Quản trị)."),
        "{out}"
    );
    let (ok, out) = run(
        &["user", "add", "ngan", "--role", "viewer", "--name", "B"],
        "ngan\n",
    );
    assert!(!ok);
    assert!(out.contains("Mật khẩu phải có ít nhất 8 ký tự."), "{out}");
    let (ok, out) = run(
        &["user", "add", "canbo", "--role", "officer", "--name", "C"],
        "mat-khau-can-bo\n",
    );
    assert!(!ok);
    assert!(
        out.contains("cán bộ và thủ trưởng đơn vị cần --unit"),
        "{out}"
    );
}

#[test]
fn the_server_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().expect("tmp");
    let mut server = Command::new(env!("CARGO_BIN_EXE_parindex"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .env("PARINDEX_DATA_DIR", data.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start parindex serve");
    // It says where it listens once it does.
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    assert!(
        line.contains("parindex đang chạy tại http://127.0.0.1:"),
        "{line}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = |name: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        let data = dir.path().join(name);
        std::fs::write(
            &path,
            format!("data_dir = {:?}\n", data.display().to_string()),
        )
        .expect("config");
        (path.display().to_string(), data)
    };
    let (source, source_data) = config("nguon");
    let (target, target_data) = config("dich");
    let (ok, out) = parindex(&[
        "--config",
        &source,
        "criteria",
        "import",
        "criteria/so-2023.toml",
    ]);
    assert!(ok, "{out}");
    let file = dir.path().join("sao-luu.zip").display().to_string();
    let (ok, out) = parindex(&["--config", &source, "backup", &file]);
    assert!(ok, "{out}");
    assert!(out.contains("Đã sao lưu vào"), "{out}");
    let (ok, out) = parindex(&["--config", &target, "restore", &file]);
    assert!(ok, "{out}");
    assert!(out.contains("Đã phục hồi từ"), "{out}");
    let (ok, out) = parindex(&["--config", &target, "restore", &file]);
    assert!(!ok, "a second restore into the same database: {out}");
    assert!(out.contains("đã có dữ liệu"), "{out}");

    let digests = |data: std::path::PathBuf| async move {
        let store = parindex::store::Store::open_data_dir(&data)
            .await
            .expect("store");
        let digests = store.table_digests().await.expect("digests");
        store.close().await;
        digests
    };
    let restored = digests(target_data).await;
    assert_eq!(restored, digests(source_data).await);
    assert!(restored.contains_key("criteria_nodes"));
}
