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
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open_data_dir(dir.path()).await.expect("open SQLite");
                TestDb {
                    store,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
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

/// The real server on a random port, with a clock the test can move.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    #[allow(dead_code)] // for the deadline tests of the web issue
    pub clock: ManualClock,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at(t("01/12/2023 08:00")).await
}

pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    let db = TestDb::new().await;
    let clock = ManualClock::at(now);
    let app = Application::build("127.0.0.1:0", db.store.clone(), Arc::new(clock.clone()))
        .await
        .expect("bind");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        clock,
        client: reqwest::Client::new(),
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
