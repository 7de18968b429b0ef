//! `parindex-bench save` and `parindex-bench results`: the hot paths at national scale,
//! each beside its floor in the same run.
//!
//! A fresh database (a SQLite file, or a new database on the PostgreSQL server named by
//! `--database-url`) is seeded with a national round ([`national`]); the real server
//! and a bare axum endpoint run in this process on two ports over the same pool.
//! - Saves: the same closed-loop client drives both, each connection owning one leaf of
//!   one unit and sending the version it last saw; it prints saves/s, p50, p99 and ratios.
//! - Results: the results computed from the database beside one SQL aggregate over the same
//!   rows; the home page, the administrator's progress page and the results page as the
//!   administrator loads them; the memory this process gains while the ranking and detail
//!   workbooks are downloaded (the server streams them; the client discards the bytes).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::extract::{Path, State};
use axum::routing::put;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use parindex::domain::SystemClock;
use parindex::store::Store;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use crate::memory::{reset_peak, status_mib};
use crate::support::national::{self, Seeded};

/// A database for one benchmark run, removed afterwards.
struct Database {
    store: Store,
    label: &'static str,
    /// The SQLite file's folder, or the PostgreSQL server and the database made on it.
    _folder: Option<tempfile::TempDir>,
    drop_on: Option<(String, String)>,
}

impl Database {
    async fn fresh(url: Option<&str>) -> anyhow::Result<Database> {
        sqlx::any::install_default_drivers();
        match url {
            Some(url) if url.starts_with("postgres") => {
                use sqlx::Connection as _;
                let name = format!("parindex_bench_{}", std::process::id());
                let mut admin = sqlx::AnyConnection::connect(url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(&mut admin)
                .await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut admin)
                    .await?;
                let (base, query) = url.split_once('?').unwrap_or((url, ""));
                let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
                let mut db_url = format!("{server}/{name}");
                if !query.is_empty() {
                    db_url = format!("{db_url}?{query}");
                }
                Ok(Database {
                    store: Store::connect(&db_url).await?,
                    label: "PostgreSQL",
                    _folder: None,
                    drop_on: Some((url.to_string(), name)),
                })
            }
            Some(url) => bail!("--database-url: chỉ nhận postgres://… (SQLite là mặc định): {url}"),
            None => {
                let folder = tempfile::tempdir()?;
                let store = Store::open_data_dir(folder.path()).await?;
                Ok(Database {
                    store,
                    label: "SQLite",
                    _folder: Some(folder),
                    drop_on: None,
                })
            }
        }
    }

    /// Drops the database made for the run, unless `PARINDEX_BENCH_KEEP` is set (to look
    /// at its plans afterwards).
    async fn remove(self) {
        use sqlx::Connection as _;
        self.store.close().await;
        if let Some((url, name)) = self.drop_on
            && std::env::var_os("PARINDEX_BENCH_KEEP").is_none()
            && let Ok(mut admin) = sqlx::AnyConnection::connect(&url).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "drop database if exists {name} with (force)"
            )))
            .execute(&mut admin)
            .await;
        }
    }
}

/// The real server over `store`, on a free port of this machine.
async fn serve(store: &Store) -> anyhow::Result<(SocketAddr, tempfile::TempDir)> {
    let files_dir = tempfile::tempdir()?;
    let files = parindex::files::FileStore::local(files_dir.path())?;
    let app = parindex::startup::Application::build(
        "127.0.0.1:0",
        store.clone(),
        Arc::new(SystemClock),
        files,
    )
    .await?;
    let address = app.local_addr()?;
    tokio::spawn(app.run_until_stopped());
    Ok((address, files_dir))
}

/// The floor of a save: the table the bare endpoint upserts into, as one statement.
async fn create_bare_table(store: &Store) -> sqlx::Result<()> {
    sqlx::query(
        r"create table if not exists bench_bare (unit_id bigint not null, leaf_code text not null,
              points_h bigint, explanation text not null, version bigint not null,
              updated_at bigint not null, primary key (unit_id, leaf_code))",
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The bare endpoint's work: one upsert of one row, returning its new version.
async fn bare_upsert(
    store: &Store,
    unit_id: i64,
    leaf_code: &str,
    points_h: i64,
    explanation: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        r"insert into bench_bare (unit_id, leaf_code, points_h, explanation, version, updated_at)
          values ($1, $2, $3, $4, 1, $5)
          on conflict (unit_id, leaf_code) do update set points_h = excluded.points_h,
              explanation = excluded.explanation, version = bench_bare.version + 1,
              updated_at = excluded.updated_at
          returning version",
    )
    .bind(unit_id)
    .bind(leaf_code)
    .bind(points_h)
    .bind(explanation)
    .bind(now.timestamp())
    .fetch_one(store.pool())
    .await
}

/// The floor: an axum endpoint that parses the same JSON body and upserts one row into the
/// same database through the same pool, answering the new version.
async fn serve_bare(store: &Store) -> anyhow::Result<SocketAddr> {
    create_bare_table(store).await?;
    async fn save(
        State(store): State<Store>,
        Path((unit, leaf)): Path<(i64, String)>,
        axum::Json(body): axum::Json<Value>,
    ) -> Result<axum::Json<Value>, (hyper::StatusCode, String)> {
        let points = body["input"]["points"]
            .as_str()
            .and_then(|p| p.parse::<parindex::domain::Points>().ok())
            .ok_or((hyper::StatusCode::BAD_REQUEST, "points".to_string()))?;
        let explanation = body["explanation"].as_str().unwrap_or_default();
        let version = bare_upsert(
            &store,
            unit,
            &leaf,
            points.hundredths(),
            explanation,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| (hyper::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        Ok(axum::Json(json!({ "version": version })))
    }
    let router = axum::Router::new()
        .route("/bare/{unit}/{leaf}", put(save))
        .with_state(store.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}

/// One kept-alive HTTP/1.1 connection.
async fn connect(address: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Who the client is: its session cookie and CSRF token.
#[derive(Clone, Default)]
struct Session {
    cookie: String,
    csrf: String,
}

/// Sends one request; answers the status and the body, read whole or, with `discard`,
/// chunk by chunk and counted only.
async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    method: Method,
    path: &str,
    session: &Session,
    body: Option<String>,
    discard: bool,
) -> anyhow::Result<(u16, Bytes, u64, Option<String>)> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1");
    if !session.cookie.is_empty() {
        request = request
            .header("cookie", &session.cookie)
            .header("x-csrf-token", &session.csrf);
    }
    let request = match body {
        Some(b) => request
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(b)))?,
        None => request.body(Full::new(Bytes::new()))?,
    };
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let mut body = response.into_body();
    if discard {
        let mut length = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                length += data.len() as u64;
            }
        }
        return Ok((status, Bytes::new(), length, cookie));
    }
    let bytes = body.collect().await?.to_bytes();
    let length = bytes.len() as u64;
    Ok((status, bytes, length, cookie))
}

async fn sign_in(address: SocketAddr, username: &str) -> anyhow::Result<Session> {
    let mut sender = connect(address).await?;
    let body = json!({ "username": username, "password": national::PASSWORD }).to_string();
    let (status, bytes, _, cookie) = send(
        &mut sender,
        Method::POST,
        "/api/session",
        &Session::default(),
        Some(body),
        false,
    )
    .await?;
    if status != 200 {
        bail!(
            "đăng nhập {username}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let json: Value = serde_json::from_slice(&bytes)?;
    Ok(Session {
        cookie: cookie.context("no session cookie")?,
        csrf: json["csrf_token"].as_str().unwrap_or_default().to_string(),
    })
}

/// What a closed-loop run measured.
struct Run {
    done: usize,
    failed: usize,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.done as f64 / self.seconds
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i]
    }

    fn line(&self, label: &str) -> String {
        format!(
            "{label:<44} {:>7.0} lượt/s   p50 {:>6.1} ms   p99 {:>6.1} ms   ({} lượt, {} lỗi)",
            self.rate(),
            self.percentile(0.5).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.done,
            self.failed
        )
    }
}

/// Each connection saves its own leaf again and again for `seconds`, sending the version
/// it last saw; a save answered with anything but 200 counts as failed.
async fn closed_loop(
    address: SocketAddr,
    jobs: Vec<(String, Session)>,
    seconds: f64,
) -> anyhow::Result<Run> {
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (path, session) in jobs {
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(address).await?;
            let (mut latencies, mut failed) = (Vec::new(), 0usize);
            let mut version: Option<i64> = Some(1);
            let mut n = 0u64;
            while Instant::now() < until {
                n += 1;
                let points = if n.is_multiple_of(2) { "0.75" } else { "0.5" };
                let body = json!({
                    "input": { "kind": "judged", "points": points },
                    "explanation": "Báo cáo kết quả thực hiện số 12/BC-UBND",
                    "expected_version": version,
                })
                .to_string();
                let began = Instant::now();
                let (status, bytes, _, _) =
                    send(&mut sender, Method::PUT, &path, &session, Some(body), false).await?;
                latencies.push(began.elapsed());
                if status == 200 {
                    let answer: Value = serde_json::from_slice(&bytes)?;
                    version = answer["version"].as_i64();
                } else {
                    failed += 1;
                    if failed == 1 {
                        eprintln!("{path}: {status} {}", String::from_utf8_lossy(&bytes));
                    }
                    if failed > 100 {
                        break;
                    }
                }
            }
            anyhow::Ok((latencies, failed))
        }));
    }
    let mut run = Run {
        done: 0,
        failed: 0,
        seconds: 0.0,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (latencies, failed) = task.await??;
        run.done += latencies.len() - failed;
        run.failed += failed;
        run.latencies.extend(latencies);
    }
    run.seconds = start.elapsed().as_secs_f64();
    run.latencies.sort();
    Ok(run)
}

async fn prepare(
    url: Option<&str>,
    units: usize,
    leaves: usize,
    officers: usize,
) -> anyhow::Result<(Database, Seeded)> {
    let db = Database::fresh(url).await?;
    let began = Instant::now();
    let seeded = national::seed(&db.store, units, leaves, officers, chrono::Utc::now()).await?;
    println!(
        "{}: {} đơn vị × {} tiêu chí ({} dòng tự chấm) sinh trong {:.1} s",
        db.label,
        seeded.units,
        seeded.leaves,
        seeded.entries,
        began.elapsed().as_secs_f64()
    );
    Ok((db, seeded))
}

/// `parindex-bench save`.
pub async fn save(
    url: Option<&str>,
    units: usize,
    leaves: usize,
    connections: usize,
    seconds: f64,
) -> anyhow::Result<()> {
    let (db, seeded) = prepare(url, units, leaves, connections).await?;
    let (address, _files) = serve(&db.store).await?;
    let bare = serve_bare(&db.store).await?;
    let mut app_jobs = Vec::new();
    let mut bare_jobs = Vec::new();
    for (i, (username, unit)) in seeded.officers.iter().enumerate() {
        let leaf = &seeded.leaf_codes[i % seeded.leaf_codes.len()];
        let session = sign_in(address, username).await?;
        app_jobs.push((
            format!(
                "/api/rounds/{}/units/{unit}/self-assessment/{leaf}",
                seeded.round_id
            ),
            session,
        ));
        bare_jobs.push((format!("/bare/{unit}/{leaf}"), Session::default()));
    }
    // A short warm-up of each, then the measured runs, the floor first.
    closed_loop(bare, bare_jobs.clone(), 1.0).await?;
    let floor = closed_loop(bare, bare_jobs, seconds).await?;
    let app = closed_loop(address, app_jobs, seconds).await?;
    println!(
        "{}",
        floor.line(&format!("{}: nền (axum + một lệnh upsert)", db.label))
    );
    println!(
        "{}",
        app.line(&format!("{}: lưu một tiêu chí (máy chủ thật)", db.label))
    );
    println!(
        "{}: tỷ lệ lưu/nền {:.2}×, p99 {:.1} ms ({} kết nối, {} s)",
        db.label,
        app.rate() / floor.rate(),
        app.percentile(0.99).as_secs_f64() * 1000.0,
        connections,
        seconds
    );
    db.remove().await;
    Ok(())
}

/// The median of `n` timings of `f`.
async fn median<T, F, Fut>(n: usize, mut f: F) -> anyhow::Result<(Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..n {
        let began = Instant::now();
        last = Some(f().await?);
        times.push(began.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], last.context("n > 0")?))
}

/// `parindex-bench results`.
pub async fn results(url: Option<&str>, units: usize, leaves: usize) -> anyhow::Result<()> {
    let (db, seeded) = prepare(url, units, leaves, 1).await?;
    let store = &db.store;
    let round = seeded.round_id;
    let now = chrono::Utc::now();
    let (floor, rows) = median(5, || async {
        Ok(national::bare_aggregate(store, round).await?)
    })
    .await?;
    let (computed, results) = median(5, || async {
        Ok(parindex::service::results::round_results(store, round, now).await?)
    })
    .await?;
    let ranked: usize = results.tiers.iter().map(|t| t.units.len()).sum();
    println!(
        "{}: tổng hợp SQL trơn {:>8.1} ms ({} đơn vị)",
        db.label,
        floor.as_secs_f64() * 1000.0,
        rows.len()
    );
    println!(
        "{}: tính kết quả       {:>8.1} ms ({} đơn vị xếp hạng); tỷ lệ {:.2}×",
        db.label,
        computed.as_secs_f64() * 1000.0,
        ranked,
        computed.as_secs_f64() / floor.as_secs_f64()
    );

    let (address, _files) = serve(store).await?;
    let admin = sign_in(address, &seeded.admin).await?;
    let page = |label: &'static str, path: String| {
        let admin = admin.clone();
        async move {
            let (time, length) = median(3, || {
                let (admin, path) = (admin.clone(), path.clone());
                async move {
                    let mut sender = connect(address).await?;
                    let (status, _, length, _) =
                        send(&mut sender, Method::GET, &path, &admin, None, true).await?;
                    if status != 200 {
                        bail!("{path}: {status}");
                    }
                    Ok(length)
                }
            })
            .await?;
            println!(
                "{}: trang {label:<20} {:>8.1} ms ({} KiB)",
                db.label,
                time.as_secs_f64() * 1000.0,
                length / 1024
            );
            anyhow::Ok(())
        }
    };
    page("trang chủ", "/".to_string()).await?;
    page("tiến độ (quản trị)", format!("/quan-tri/ky/{round}")).await?;
    page("kết quả", format!("/ky/{round}/ket-qua")).await?;
    page("kết quả (API)", format!("/api/rounds/{round}/results")).await?;
    // After a save the round's data version has moved: the next request computes the
    // results again (and those after it read them).
    if let Some((username, unit)) = seeded.officers.first() {
        let officer = sign_in(address, username).await?;
        let save = format!(
            "/api/rounds/{round}/units/{unit}/self-assessment/{}",
            seeded.leaf_codes[0]
        );
        let mut sender = connect(address).await?;
        let (mut version, mut times) = (Some(1), Vec::new());
        for points in ["0.5", "0.75", "0.5"] {
            let body = json!({ "input": { "kind": "judged", "points": points }, "expected_version": version });
            let (status, bytes, _, _) = send(
                &mut sender,
                Method::PUT,
                &save,
                &officer,
                Some(body.to_string()),
                false,
            )
            .await?;
            if status != 200 {
                bail!("{save}: {status} {}", String::from_utf8_lossy(&bytes));
            }
            version = serde_json::from_slice::<Value>(&bytes)?["version"].as_i64();
            let began = Instant::now();
            let path = format!("/ky/{round}/ket-qua");
            let (status, _, _, _) =
                send(&mut sender, Method::GET, &path, &admin, None, true).await?;
            if status != 200 {
                bail!("{path}: {status}");
            }
            times.push(began.elapsed());
        }
        times.sort();
        println!(
            "{}: trang kết quả sau một lần lưu {:>8.1} ms (tính lại)",
            db.label,
            times[1].as_secs_f64() * 1000.0
        );
    }
    for file in ["ranking", "details"] {
        let path = format!("/api/rounds/{round}/export/{file}.xlsx");
        reset_peak();
        let before = status_mib("VmRSS:").unwrap_or(f64::NAN);
        let began = Instant::now();
        let mut sender = connect(address).await?;
        let (status, _, length, _) =
            send(&mut sender, Method::GET, &path, &admin, None, true).await?;
        if status != 200 {
            bail!("{path}: {status}");
        }
        let peak = status_mib("VmHWM:").unwrap_or(f64::NAN);
        println!(
            "{}: tải {file}.xlsx {:>6.1} s, {:.1} MiB; bộ nhớ tiến trình +{:.0} MiB (đỉnh {:.0} MiB)",
            db.label,
            began.elapsed().as_secs_f64(),
            length as f64 / 1024.0 / 1024.0,
            peak - before,
            peak
        );
    }
    // Once published, the results page reads what publication kept instead of computing.
    national::sign_off(store, round, chrono::Utc::now()).await?;
    let mut sender = connect(address).await?;
    let publish = format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
    let (status, body, _, _) =
        send(&mut sender, Method::POST, &publish, &admin, None, false).await?;
    if status != 204 {
        bail!("{publish}: {status} {}", String::from_utf8_lossy(&body));
    }
    page("kết quả (đã công bố)", format!("/ky/{round}/ket-qua")).await?;
    db.remove().await;
    Ok(())
}
