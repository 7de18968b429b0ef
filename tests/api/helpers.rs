//! Test harness: a fresh database per test (SQLite file, or a new PostgreSQL database
//! when PARINDEX_TEST_DATABASE_URL names a server), and the real server on a random port.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use parindex::domain::ManualClock;
use parindex::domain::deadline::parse_deadline;
use parindex::startup::Application;
use parindex::store::Store;
use sqlx::Connection;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database that exists for one test and is removed when dropped.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("PARINDEX_TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
        {
            Some(server) => {
                let name = format!(
                    "parindex_test_{}_{}_{}",
                    std::process::id(),
                    Utc::now().timestamp_micros(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                );
                sqlx::any::install_default_drivers();
                let mut admin = sqlx::AnyConnection::connect(&server)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = with_database(&server, &name);
                let store = Store::connect(&url).await.expect("open test database");
                TestDb {
                    store,
                    _dir: None,
                    postgres: Some((server, name)),
                }
            }
            None => TestDb::sqlite().await,
        }
    }

    /// The address another process (the `parindex` binary) opens this database at.
    pub fn url(&self) -> String {
        match (&self.postgres, &self._dir) {
            (Some((server, name)), _) => with_database(server, name),
            (None, Some(dir)) => parindex::store::sqlite_url(&dir.path().join("parindex.db")),
            (None, None) => unreachable!("a test database is on PostgreSQL or in a folder"),
        }
    }

    /// A SQLite database in a temporary folder, whatever the suite runs on.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_data_dir(dir.path()).await.expect("open SQLite");
        TestDb {
            store,
            _dir: Some(dir),
            postgres: None,
        }
    }
}

fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async, on the test's runtime thread: clean up on a thread and a
        // runtime of its own. The test's pool cannot be closed from there (its connections
        // belong to the blocked runtime); `with (force)` ends them instead.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut admin) = sqlx::AnyConnection::connect(&server).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join();
    }
}

/// A browser: an HTTP client that keeps the session cookie between requests. (reqwest's
/// own cookie store does not keep cookies for a local test host.)
#[derive(Clone, Default)]
pub struct Browser {
    client: reqwest::Client,
    cookie: Arc<std::sync::Mutex<Option<String>>>,
}

impl Browser {
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self.cookie.lock().expect("lock").clone();
        let request = match cookie {
            Some(c) => request.header("cookie", c),
            None => request,
        };
        let response = request.send().await.expect("request");
        if let Some(set) = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
        {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            let removed = set.contains("Max-Age=0") || pair.ends_with('=');
            *self.cookie.lock().expect("lock") = if removed { None } else { Some(pair) };
        }
        response
    }

    pub fn get(&self, url: String) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    /// The session cookie (`name=value`), to send by hand.
    pub fn cookie(&self) -> Option<String> {
        self.cookie.lock().expect("lock").clone()
    }

    pub fn post(&self, url: String) -> reqwest::RequestBuilder {
        self.client.post(url)
    }

    pub fn put(&self, url: String) -> reqwest::RequestBuilder {
        self.client.put(url)
    }

    pub fn delete(&self, url: String) -> reqwest::RequestBuilder {
        self.client.delete(url)
    }
}

/// A client that does not follow redirects: a form's answer (303 and its `Location`) as
/// the browser gets it.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A page's text as a test reads it: `/` and `'` as typed (the templates escape them).
fn unescaped(page: String) -> String {
    page.replace("&#x2f;", "/").replace("&#x27;", "'")
}

/// Gets a page as the browser does, without following a redirect: the status and the page.
pub async fn get_page(app: &TestApp, browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.send(no_redirects().get(app.url(path))).await;
    let status = response.status().as_u16();
    (status, unescaped(response.text().await.expect("page")))
}

/// Posts a page form without following the redirect: the status, the `Location`, the page.
pub async fn post_form(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let response = browser
        .send(no_redirects().post(app.url(path)).form(fields))
        .await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_string);
    (
        status,
        location,
        unescaped(response.text().await.expect("page")),
    )
}

/// The real server on a random port, with a clock the test can move.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub clock: ManualClock,
    pub browser: Browser,
    /// The data folder of the evidence file store (files are under `evidence/`).
    pub files_dir: tempfile::TempDir,
}

pub const PASSWORD: &str = "mat-khau-kiem-thu";

impl TestApp {
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        json_of(self.browser.send(self.browser.get(self.url(path))).await).await
    }

    pub async fn post_json(
        &self,
        path: &str,
        csrf: Option<&str>,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut request = self.browser.post(self.url(path)).json(&body);
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        json_of(self.browser.send(request).await).await
    }

    /// Gives the user the test password and signs in with this app's browser; returns the
    /// CSRF token for writes.
    pub async fn sign_in_as(&self, username: &str) -> String {
        self.sign_in_with(&self.browser, username).await
    }

    /// The same in another browser.
    pub async fn sign_in_with(&self, browser: &Browser, username: &str) -> String {
        let (user, hash) = self
            .store()
            .user_for_sign_in(username)
            .await
            .expect("lookup")
            .expect("user exists");
        if hash.is_none() {
            let hash = parindex::service::auth::hash_password(PASSWORD)
                .await
                .expect("hash");
            self.store()
                .set_password_hash(user.user_id, &hash, false)
                .await
                .expect("password");
        }
        self.sign_in_with_password(browser, username, PASSWORD)
            .await
    }

    pub async fn sign_in_with_password(
        &self,
        browser: &Browser,
        username: &str,
        password: &str,
    ) -> String {
        let request = browser
            .post(self.url("/api/session"))
            .json(&serde_json::json!({ "username": username, "password": password }));
        let (status, body) = json_of(browser.send(request).await).await;
        assert_eq!(status, 200, "sign-in of {username}: {body}");
        body["csrf_token"].as_str().expect("csrf").to_string()
    }
}

pub async fn json_of(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at(t("01/12/2023 08:00")).await
}

pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    spawn_app_with(now, Vec::new(), None).await
}

/// The app with the exports' letterheads of `config` (`issuer`, `[annex]`, `[decision]`),
/// as `parindex serve` sets them from its configuration file.
pub async fn spawn_app_configured(config: &parindex::config::Config) -> TestApp {
    let (issuer, annex, decision) = (
        config.issuer.clone(),
        config.annex.clone(),
        config.decision.clone(),
    );
    spawn_app_served(t("01/12/2023 08:00"), None, move |app| {
        app.with_issuer(&issuer)
            .with_annex(annex)
            .with_decision(decision)
    })
    .await
}

/// The app keeping evidence in `files` (an S3 bucket, say) instead of a local folder;
/// `files_dir` is then left empty.
pub async fn spawn_app_with_files(files: parindex::files::FileStore) -> TestApp {
    spawn_app_with(t("01/12/2023 08:00"), Vec::new(), Some(files)).await
}

/// The app behind a reverse proxy at `proxies` (this test's loopback address, say), whose
/// `X-Forwarded-For` it trusts.
pub async fn spawn_app_behind(proxies: Vec<std::net::IpAddr>) -> TestApp {
    spawn_app_with(t("01/12/2023 08:00"), proxies, None).await
}

async fn spawn_app_with(
    now: DateTime<Utc>,
    proxies: Vec<std::net::IpAddr>,
    files: Option<parindex::files::FileStore>,
) -> TestApp {
    spawn_app_served(now, files, move |app| app.with_trusted_proxies(proxies)).await
}

/// The app with its notice scheduler looking every 50 ms, and e-mailing notices through
/// `mailer` when one is given.
pub async fn spawn_app_with_notices(
    now: DateTime<Utc>,
    mailer: Option<parindex::mail::Mailer>,
) -> TestApp {
    spawn_app_served(now, None, move |app| with_notices(app, mailer)).await
}

fn with_notices(app: Application, mailer: Option<parindex::mail::Mailer>) -> Application {
    let app = app.with_scheduler(std::time::Duration::from_millis(50));
    match mailer {
        Some(m) => app.with_mailer(m, std::time::Duration::from_millis(100)),
        None => app,
    }
}

impl TestApp {
    /// Another instance of the server on the same database, files and clock (as a second
    /// machine behind a proxy), with its own scheduler and sender; returns its address.
    pub async fn another_instance(&self, mailer: Option<parindex::mail::Mailer>) -> String {
        let files = parindex::files::FileStore::local(self.files_dir.path()).expect("file store");
        let app = Application::build(
            "127.0.0.1:0",
            self.db.store.clone(),
            Arc::new(self.clock.clone()),
            files,
        )
        .await
        .expect("bind");
        let app = with_notices(app, mailer);
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }
}

/// The servers' logs, on the test's output, when `TEST_LOG` is set (`TEST_LOG=1 cargo test
/// -- --nocapture`; its value, when it is a filter such as `debug`, chooses the level);
/// quiet otherwise.
fn test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Some(level) = std::env::var("TEST_LOG").ok().filter(|v| !v.is_empty()) else {
            return;
        };
        let filter = match level.as_str() {
            "1" | "true" => "info,sqlx=warn".to_string(),
            other => other.to_string(),
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

/// The app, set up by `configure` before it serves.
async fn spawn_app_served(
    now: DateTime<Utc>,
    files: Option<parindex::files::FileStore>,
    configure: impl FnOnce(Application) -> Application,
) -> TestApp {
    test_log();
    let db = TestDb::new().await;
    let clock = ManualClock::at(now);
    let files_dir = tempfile::tempdir().expect("temp dir for evidence files");
    let files = match files {
        Some(files) => files,
        None => parindex::files::FileStore::local(files_dir.path()).expect("file store"),
    };
    let app = Application::build(
        "127.0.0.1:0",
        db.store.clone(),
        Arc::new(clock.clone()),
        files,
    )
    .await
    .expect("bind");
    let app = configure(app);
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        clock,
        browser: Browser::default(),
        files_dir,
    }
}

/// An instant written the Vietnamese way ("07/01/2024", "07/01/2024 17:00").
pub fn t(s: &str) -> DateTime<Utc> {
    parse_deadline(s).expect("valid date")
}

#[test]
fn database_urls_are_rebuilt_with_the_test_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/test?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}

/// A round on the small test set (`criteria_check::VALID`) for one tier "t": self-assessment
/// from 01/12/2023 to the end of 07/01/2024, appraisal round 1 from 08/01 to 31/01/2024,
/// explanation 01/02–15/02, appraisal round 2 16/02–15/03/2024; no tie-break.
pub struct SmallRound {
    pub round: i64,
    pub set_id: i64,
    /// Ids of the units, in the order given.
    pub units: Vec<i64>,
    /// An officer and a head for each unit, in the same order.
    pub officers: Vec<parindex::domain::access::Actor>,
    pub heads: Vec<parindex::domain::access::Actor>,
    pub admin: parindex::domain::access::Actor,
    pub appraiser: parindex::domain::access::Actor,
}

pub fn system_audit() -> parindex::store::NewAudit {
    parindex::store::NewAudit {
        actor: "kiểm thử".into(),
        ..Default::default()
    }
}

pub async fn small_round(
    store: &Store,
    units: &[(&str, &str)],
    bands: Vec<parindex::domain::results::Band>,
) -> SmallRound {
    use parindex::domain::deadline::{Phase, Window, parse_opening};
    use parindex::store::NewRound;

    let text = crate::criteria_check::VALID;
    let now = t("01/12/2023");
    let set = parindex::domain::criteria_file::parse("kiem-thu.toml", text).expect("valid");
    let set_id = store
        .import_criteria_set(&set, text, system_audit(), now)
        .await
        .expect("import")
        .id();
    store
        .upsert_tier("t", "Khối kiểm thử", 0)
        .await
        .expect("tier");
    let user = |username: String, role: &'static str, unit: Option<i64>| async move {
        let id = store
            .create_user(&username, &username, role, unit, now)
            .await
            .expect("user");
        store.actor(id).await.expect("actor")
    };
    let (mut ids, mut officers, mut heads) = (Vec::new(), Vec::new(), Vec::new());
    for (code, name) in units {
        let id = store.upsert_unit(code, name, "t").await.expect("unit");
        officers.push(user(format!("{code}.canbo").to_lowercase(), "officer", Some(id)).await);
        heads.push(user(format!("{code}.thutruong").to_lowercase(), "head", Some(id)).await);
        ids.push(id);
    }
    let admin = user("quantri".into(), "admin", None).await;
    let appraiser = user("thamdinh".into(), "appraiser", None).await;
    user("lanhdao".into(), "viewer", None).await;
    let window = |from: &str, to: &str| Window {
        opens_at: parse_opening(from).expect("date"),
        closes_at: t(to),
    };
    let round = store
        .create_round(
            &NewRound {
                year: 2023,
                title: "Chỉ số CCHC năm 2023".into(),
                tie_break: Default::default(),
                sets: vec![("t".into(), set_id)],
                phases: vec![
                    (Phase::SelfAssessment, window("01/12/2023", "07/01/2024")),
                    (Phase::AppraisalRound1, window("08/01/2024", "31/01/2024")),
                    (Phase::Explanation, window("01/02/2024", "15/02/2024")),
                    (Phase::AppraisalRound2, window("16/02/2024", "15/03/2024")),
                ],
                bands: vec![("t".into(), bands)],
                opened: true,
                copied_from: None,
            },
            system_audit(),
            now,
        )
        .await
        .expect("round");
    SmallRound {
        round,
        set_id,
        units: ids,
        officers,
        heads,
        admin,
        appraiser,
    }
}

/// The services' context over `store`, with the system clock (each call's instant comes
/// from its `Who`) and evidence files in memory.
pub fn ctx(store: &Store) -> parindex::service::Context {
    parindex::service::Context::new(
        store.clone(),
        std::sync::Arc::new(parindex::domain::SystemClock),
        parindex::files::FileStore::in_memory(),
    )
}

/// How many entries the audit log holds: a refused write adds none.
pub async fn audit_count(app: &TestApp) -> usize {
    app.store()
        .audit_log(&Default::default())
        .await
        .expect("audit")
        .len()
}

/// A digest of every data table (sessions and sign-in failures, which a request may touch
/// without writing anything, left out): equal before and after, nothing was written.
pub async fn table_digest(app: &TestApp) -> std::collections::BTreeMap<String, String> {
    let mut digests = app.store().table_digests().await.expect("digests");
    digests.remove("sessions");
    digests.remove("sign_in_failures");
    assert!(digests.len() > 15, "{digests:?}");
    digests
}

/// A request written by hand on its own connection: the head now, the body when the test
/// says. For what a client can do slowly (a body that arrives late, or never whole).
pub struct SlowRequest {
    stream: tokio::net::TcpStream,
}

impl SlowRequest {
    /// Sends the request line and headers (with the browser's session cookie) for a body
    /// of `length` bytes of `content_type`.
    pub async fn start(
        app: &TestApp,
        browser: &Browser,
        head: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        length: usize,
    ) -> SlowRequest {
        use tokio::io::AsyncWriteExt;
        let address = app.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        let mut text = format!(
            "{head} HTTP/1.1\r\nhost: {address}\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\nconnection: close\r\n"
        );
        if let Some(cookie) = browser.cookie() {
            text.push_str(&format!("cookie: {cookie}\r\n"));
        }
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        stream.write_all(text.as_bytes()).await.expect("head");
        stream.flush().await.expect("flush");
        SlowRequest { stream }
    }

    /// Sends (part of) the body.
    pub async fn send(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.stream.write_all(bytes).await.expect("body");
        self.stream.flush().await.expect("flush");
    }

    /// The status of the answer, if one comes within `wait`.
    pub async fn status_within(mut self, wait: std::time::Duration) -> Option<u16> {
        use tokio::io::AsyncReadExt;
        let mut head = [0u8; 12];
        let read = tokio::time::timeout(wait, self.stream.read_exact(&mut head)).await;
        match read {
            Ok(Ok(_)) => std::str::from_utf8(&head[9..12]).ok()?.parse().ok(),
            _ => None,
        }
    }
}

/// Sends a JSON body with the CSRF header (PUT, DELETE, or POST for any other method) and
/// reads the JSON answer.
pub async fn send_json(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let url = app.url(path);
    let request = match method {
        "PUT" => reqwest::Client::new().put(url),
        "DELETE" => browser.delete(url),
        _ => browser.post(url),
    };
    json_of(
        browser
            .send(request.header("x-csrf-token", csrf).json(&body))
            .await,
    )
    .await
}

/// Uploads an evidence file for `leaves` of the unit at `base` (`/api/rounds/{r}/units/{u}`):
/// the status and the JSON answer.
pub async fn upload(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    base: &str,
    name: &str,
    bytes: Vec<u8>,
    leaves: &[&str],
) -> (u16, serde_json::Value) {
    use reqwest::multipart::{Form, Part};
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    for leaf in leaves {
        form = form.text("leaf", leaf.to_string());
    }
    let request = browser
        .post(app.url(&format!("{base}/evidence/files")))
        .header("x-csrf-token", csrf)
        .multipart(form);
    json_of(browser.send(request).await).await
}

/// Creates the round after `round` exactly as its next draft proposes (in preparation,
/// the first tier's set), as the administrator signed in on `admin`; returns its id.
pub async fn create_next_round(app: &TestApp, admin: &Browser, csrf: &str, round: i64) -> i64 {
    let url = app.url(&format!("/api/rounds/{round}/next-draft"));
    let (status, draft) = json_of(admin.send(admin.get(url)).await).await;
    assert_eq!(status, 200, "{draft}");
    let phases: Vec<serde_json::Value> = (draft["phases"].as_array().expect("phases").iter())
        .map(|p| serde_json::json!({ "phase": p["phase"], "opens": p["opens"], "closes": p["closes"] }))
        .collect();
    let tier = &draft["tiers"][0];
    let spec = serde_json::json!({
        "year": draft["year"], "title": draft["title"], "open": false,
        "sets": [{ "tier_code": "t", "set_code": tier["set_code"], "set_version": tier["set_version"] }],
        "phases": phases,
    });
    let (status, created) = send_json(app, admin, csrf, "POST", "/api/rounds/new", spec).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("id")
}

/// The council's sign-off of `round`'s last appraisal round, recorded straight in the
/// store whatever the clock (the service refuses it before the round's window opens):
/// what publication needs. Nothing when it is signed off already or has no appraisal.
pub async fn signed_off(store: &Store, round: i64) {
    let stored = store.round(round).await.expect("round");
    let Some(phase) = parindex::service::sign_off::last_appraisal(&stored) else {
        return;
    };
    let signed = store.sign_offs(round).await.expect("sign-offs");
    if signed.iter().any(|s| s.phase == phase) {
        return;
    }
    let sign_off = parindex::store::NewSignOff {
        phase,
        signed_on: chrono::NaiveDate::from_ymd_opt(2024, 3, 15).expect("date"),
        members: "Nguyễn Văn An — Giám đốc Sở Nội vụ, Chủ tịch Hội đồng".into(),
        note: String::new(),
    };
    store
        .sign_off(round, &sign_off, system_audit(), Utc::now())
        .await
        .expect("sign-off");
}
