//! `parindex-bench upload`: how much memory the server takes while officers upload and
//! download evidence files in parallel.
//!
//! The real server runs as a child process (this binary run as `parindex demo` on a free
//! port, in a temporary folder, SQLite and files on disk), so its memory is measured apart
//! from the client's.
//! The client streams each file from a generator over plain HTTP/1.1 and never holds one
//! whole. Figures: the server's resident memory before, its peak during the uploads (and
//! then the downloads) and the growth; time beside the floor of writing the same bytes to
//! local files.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;
const BOUNDARY: &str = "parindex-bench-boundary";

/// Set on the server child: this binary then runs as the `parindex` command
/// ([`parindex::cli::main`]), so that the server measured is the application this benchmark
/// was built with, and no other build of it need be found.
pub const RUN_AS_PARINDEX: &str = "PARINDEX_BENCH_RUN_AS_PARINDEX";

/// The server, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Resident memory now, in MiB.
    fn rss(&self) -> f64 {
        crate::memory::process_status_mib(&self.pid(), "VmRSS:").unwrap_or(f64::NAN)
    }

    /// The peak resident memory since [`Server::reset_peak`], in MiB.
    fn peak(&self) -> f64 {
        crate::memory::process_status_mib(&self.pid(), "VmHWM:").unwrap_or(f64::NAN)
    }

    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }
}

/// One HTTP/1.1 exchange over a fresh connection: the head (without the blank line), a
/// body of `length` bytes written by `body` chunk by chunk, then the status, headers and
/// the length of the answer (its text when `keep` is set).
async fn exchange(
    address: &str,
    head: &str,
    length: u64,
    body: impl FnMut(u64) -> Option<Vec<u8>>,
    keep: bool,
) -> anyhow::Result<(u16, String, u64, Vec<u8>)> {
    let mut stream = TcpStream::connect(address).await?;
    let head = format!(
        "{head}\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    let mut body = body;
    let mut sent = 0;
    while let Some(chunk) = body(sent) {
        sent += chunk.len() as u64;
        if stream.write_all(&chunk).await.is_err() {
            // The server answered early (a refusal) and closed; read its answer.
            break;
        }
    }
    let mut kept = Vec::new();
    let mut header = Vec::new();
    let mut length = 0u64;
    let mut buffer = vec![0; CHUNK];
    loop {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        let mut chunk = &buffer[..n];
        if !header.ends_with(b"\r\n\r\n") {
            while let Some((&b, rest)) = chunk.split_first() {
                header.push(b);
                chunk = rest;
                if header.ends_with(b"\r\n\r\n") {
                    break;
                }
            }
        }
        length += chunk.len() as u64;
        if keep {
            kept.extend_from_slice(chunk);
        }
    }
    let header = String::from_utf8_lossy(&header).to_string();
    let status = header
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no HTTP answer from {address}"))?;
    Ok((status, header, length, kept))
}

/// A body sent whole.
fn whole(bytes: Vec<u8>) -> impl FnMut(u64) -> Option<Vec<u8>> {
    let mut bytes = Some(bytes);
    move |_| bytes.take()
}

async fn get(address: &str, path: &str, cookie: &str) -> anyhow::Result<(u16, u64, Vec<u8>)> {
    let head = format!("GET {path} HTTP/1.1\r\nCookie: {cookie}");
    let (status, _, length, body) = exchange(address, &head, 0, |_| None, true).await?;
    Ok((status, length, body))
}

/// `size` bytes of a PDF that no other upload has: the header, then bytes derived from
/// `seed`, generated as they are sent.
fn pdf_bytes(seed: u64, size: u64) -> impl FnMut(u64) -> Option<Vec<u8>> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |offset| {
        if offset >= size {
            return None;
        }
        let n = (size - offset).min(CHUNK as u64) as usize;
        let mut chunk = Vec::with_capacity(n);
        if offset == 0 {
            chunk.extend_from_slice(b"%PDF-1.4\n");
        }
        while chunk.len() < n {
            // xorshift64: cheap bytes that do not compress or repeat.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.extend_from_slice(&state.to_le_bytes());
        }
        chunk.truncate(n);
        Some(chunk)
    }
}

/// The multipart upload of file `i` for `leaf`: the framing before and after the file.
fn multipart_frame(i: usize, leaf: &str) -> (String, String) {
    let before = format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"leaf\"\r\n\r\n{leaf}\r\n--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"minh-chung-{i}.pdf\"\r\ncontent-type: application/pdf\r\n\r\n"
    );
    (before, format!("\r\n--{BOUNDARY}--\r\n"))
}

async fn upload(
    address: String,
    path: String,
    cookie: String,
    csrf: String,
    leaf: String,
    i: usize,
    size: u64,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let (before, after) = multipart_frame(i, &leaf);
    let length = before.len() as u64 + size + after.len() as u64;
    let head = format!(
        "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\nx-csrf-token: {csrf}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}"
    );
    let mut file = pdf_bytes(i as u64 + 1, size);
    let mut sent_file = 0u64;
    let mut stage = 0;
    let body = move |_| match stage {
        0 => {
            stage = 1;
            Some(before.as_bytes().to_vec())
        }
        1 => match file(sent_file) {
            Some(chunk) => {
                sent_file += chunk.len() as u64;
                Some(chunk)
            }
            None => {
                stage = 2;
                Some(after.as_bytes().to_vec())
            }
        },
        _ => None,
    };
    let (status, _, _, answer) = exchange(&address, &head, length, body, true).await?;
    Ok((status, answer))
}

/// A port nobody listens on now.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn start_server(folder: &std::path::Path, max_upload_mb: u64) -> anyhow::Result<Server> {
    let address = format!("127.0.0.1:{}", free_port()?);
    let log = std::fs::File::create(folder.join("server.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .env(RUN_AS_PARINDEX, "1")
        .args(["demo", "--bind", &address])
        .current_dir(folder)
        .env("PARINDEX_DATA_DIR", folder.join("data"))
        .env("PARINDEX_MAX_UPLOAD_MB", max_upload_mb.to_string())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting the server")?;
    let server = Server { child, address };
    let started = Instant::now();
    loop {
        if let Ok((200, _, _)) = get(&server.address, "/health", "").await {
            return Ok(server);
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("the server did not answer /health within 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Signs in as a demo officer: the cookie, the CSRF token and the unit.
async fn sign_in(address: &str) -> anyhow::Result<(String, String, i64)> {
    let body = br#"{"username":"so-01.canbo","password":"parindex-demo"}"#.to_vec();
    let head = "POST /api/session HTTP/1.1\r\nContent-Type: application/json";
    let (status, header, _, answer) =
        exchange(address, head, body.len() as u64, whole(body), true).await?;
    if status != 200 {
        bail!("sign-in answered {status}");
    }
    let cookie = header
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        })
        .ok_or_else(|| anyhow!("no session cookie"))?;
    let me: Value = serde_json::from_slice(&answer)?;
    let csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    let unit = me["user"]["unit_id"]
        .as_i64()
        .ok_or_else(|| anyhow!("the officer has no unit"))?;
    Ok((cookie, csrf, unit))
}

/// The open round (the latest) and the first leaf of the unit's self-assessment that
/// takes evidence.
async fn round_and_leaf(address: &str, cookie: &str, unit: i64) -> anyhow::Result<(i64, String)> {
    let (_, _, rounds) = get(address, "/api/rounds", cookie).await?;
    let rounds: Value = serde_json::from_slice(&rounds)?;
    let round = rounds
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_i64())
        .max()
        .ok_or_else(|| anyhow!("no round"))?;
    let path = format!("/api/rounds/{round}/units/{unit}/self-assessment");
    let (status, _, view) = get(address, &path, cookie).await?;
    if status != 200 {
        bail!("{path} answered {status}");
    }
    let view: Value = serde_json::from_slice(&view)?;
    let leaf = first_leaf(&view).ok_or_else(|| anyhow!("no leaf taking evidence in {path}"))?;
    Ok((round, leaf))
}

/// The code of the first leaf scored by the unit itself (not by survey) in a
/// self-assessment view.
fn first_leaf(view: &Value) -> Option<String> {
    view["nodes"].as_array()?.iter().find_map(|node| {
        let kind = node["leaf"]["method"]["kind"].as_str()?;
        (kind != "survey").then(|| node["code"].as_str().map(str::to_string))?
    })
}

/// The floor: the same bytes written by this process to local files, in parallel.
async fn floor(parallel: usize, size: u64) -> anyhow::Result<Duration> {
    let folder = tempfile::tempdir()?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..parallel {
        let path = folder.path().join(format!("{i}.pdf"));
        tasks.spawn(async move {
            let mut file = tokio::fs::File::create(path).await?;
            let mut bytes = pdf_bytes(i as u64 + 1, size);
            let mut offset = 0;
            while let Some(chunk) = bytes(offset) {
                offset += chunk.len() as u64;
                file.write_all(&chunk).await?;
            }
            file.sync_all().await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed())
}

/// Runs the benchmark and prints its figures.
pub async fn run(parallel: usize, mb: u64) -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let size = mb * MIB;
    println!(
        "Khởi động máy chủ với dữ liệu mẫu (parindex demo) trong {}…",
        folder.path().display()
    );
    let server = start_server(folder.path(), mb + 1).await?;
    let (cookie, csrf, unit) = sign_in(&server.address).await?;
    let (round, leaf) = round_and_leaf(&server.address, &cookie, unit).await?;
    let path = format!("/api/rounds/{round}/units/{unit}/evidence/files");
    println!("{parallel} tệp × {mb} MiB, tải lên song song vào {path} (tiêu chí {leaf})");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss();
    server.reset_peak();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..parallel {
        let (address, path, cookie, csrf, leaf) = (
            server.address.clone(),
            path.clone(),
            cookie.clone(),
            csrf.clone(),
            leaf.clone(),
        );
        tasks.spawn(upload(address, path, cookie, csrf, leaf, i, size));
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (status, answer) = done??;
        if status != 201 {
            bail!(
                "an upload answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        let stored: Value = serde_json::from_slice(&answer)?;
        ids.push(stored["id"].as_i64().ok_or_else(|| anyhow!("no id"))?);
    }
    let took = started.elapsed();
    let peak = server.peak();
    let floor_took = floor(parallel, size).await?;
    println!(
        "tải lên:  {:>6.2} s ({:.0} MiB/s)   bộ nhớ máy chủ {before:.0} MiB → đỉnh {peak:.0} MiB (tăng {:.0} MiB; mục tiêu ≤ 64 MiB)",
        took.as_secs_f64(),
        (parallel as u64 * mb) as f64 / took.as_secs_f64(),
        peak - before
    );
    println!(
        "  mức sàn: ghi cùng số byte ra tệp cục bộ {:.2} s; tỉ lệ {:.1}×",
        floor_took.as_secs_f64(),
        took.as_secs_f64() / floor_took.as_secs_f64()
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss();
    server.reset_peak();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let (address, cookie) = (server.address.clone(), cookie.clone());
        let path = format!("/api/rounds/{round}/units/{unit}/evidence/files/{id}");
        tasks.spawn(async move {
            let head = format!("GET {path} HTTP/1.1\r\nCookie: {cookie}");
            exchange(&address, &head, 0, |_| None, false).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (status, _, length, _) = done??;
        if status != 200 || length != size {
            bail!("a download answered {status} with {length} bytes, not {size}");
        }
    }
    let took = started.elapsed();
    let peak = server.peak();
    println!(
        "tải xuống: {:>6.2} s ({:.0} MiB/s)   bộ nhớ máy chủ {before:.0} MiB → đỉnh {peak:.0} MiB (tăng {:.0} MiB)",
        took.as_secs_f64(),
        (parallel as u64 * mb) as f64 / took.as_secs_f64(),
        peak - before
    );
    Ok(())
}
