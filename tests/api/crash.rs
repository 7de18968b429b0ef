//! The server killed with SIGKILL (kill -9) in the middle of a burst of saves: every save
//! it acknowledged is there when it starts again, on SQLite and on PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parindex::domain::deadline::Phase;
use parindex::service::Who;
use parindex::service::rounds::{PhaseSpec, set_phase};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestDb, ctx, small_round};

/// The real binary serving `database` on a free port.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    async fn start(database: &str, data: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("address")
            .port();
        let address = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_parindex"))
            .args(["serve", "--bind", &address])
            .env("DATABASE_URL", database)
            .env("PARINDEX_DATA_DIR", data)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parindex");
        let server = Server { child, address };
        let started = Instant::now();
        while reqwest::get(server.url("/health")).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "no answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no flushing, requests cut where they are.
    fn kill_9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("wait");
    }
}

/// Signs `username` in: the session cookie and the CSRF token.
async fn sign_in(server: &Server, username: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .post(server.url("/api/session"))
        .json(&json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .expect("sign in");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let me: Value = response.json().await.expect("JSON");
    (
        cookie,
        me["csrf_token"].as_str().expect("token").to_string(),
    )
}

/// What the unit's leaf 2.1 holds: its explanation's save number and its version.
async fn stored(server: &Server, session: &(String, String), round: i64, unit: i64) -> (u64, i64) {
    let view: Value = reqwest::Client::new()
        .get(server.url(&format!("/api/rounds/{round}/units/{unit}/self-assessment")))
        .header("cookie", &session.0)
        .send()
        .await
        .expect("read")
        .json()
        .await
        .expect("JSON");
    let node = view["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["code"] == "2.1")
        .expect("leaf 2.1");
    let explanation = node["entry"]["explanation"].as_str().unwrap_or("lần 0");
    let number = explanation
        .trim_start_matches("lần ")
        .parse()
        .expect("a save number");
    (number, node["entry"]["version"].as_i64().unwrap_or(0))
}

#[tokio::test]
async fn a_kill_9_during_a_burst_of_saves_loses_none_acknowledged() {
    const UNITS: usize = 4;
    const CYCLES: usize = 3;
    let db = TestDb::new().await;
    let names: Vec<(String, String)> = (0..UNITS)
        .map(|i| (format!("U{i}"), format!("UBND phường số {i}")))
        .collect();
    let units: Vec<(&str, &str)> = names
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let r = small_round(&db.store, &units, vec![]).await;
    // Self-assessment open now, for the real clock of the binary.
    let ctx = ctx(&db.store);
    let admin = Who::new(r.admin.clone(), "127.0.0.1", chrono::Utc::now());
    // The later phases first, latest first: the phases may not overlap.
    for (phase, opens, closes) in [
        (Phase::AppraisalRound2, "01/06/2100", "30/06/2100"),
        (Phase::Explanation, "01/04/2100", "31/05/2100"),
        (Phase::AppraisalRound1, "01/01/2100", "31/03/2100"),
        (Phase::SelfAssessment, "01/01/2024", "31/12/2099"),
    ] {
        let spec = PhaseSpec {
            phase,
            opens: opens.into(),
            closes: closes.into(),
        };
        set_phase(&ctx, &admin, r.round, spec)
            .await
            .expect("phase set");
    }
    let hash = parindex::service::auth::hash_password(PASSWORD)
        .await
        .expect("hash");
    for officer in &r.officers {
        db.store
            .set_password_hash(officer.user_id, &hash, false)
            .await
            .expect("password");
    }
    let data = tempfile::tempdir().expect("data");

    // Per unit: the last save acknowledged and the last one sent, by their number.
    let mut acknowledged = [0u64; UNITS];
    let mut sent = [0u64; UNITS];
    let mut total_acknowledged = 0;
    for cycle in 0..=CYCLES {
        let server = Server::start(&db.url(), data.path()).await;
        let mut sessions = Vec::new();
        for officer in &r.officers {
            sessions.push(sign_in(&server, &officer.username).await);
        }
        // What the last cycle acknowledged is there (or the save in flight at the kill).
        let mut versions = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            let (number, version) = stored(&server, session, r.round, r.units[i]).await;
            assert!(
                (acknowledged[i]..=sent[i]).contains(&number),
                "cycle {cycle}, unit {i}: save {number} stored; {} acknowledged, {} sent",
                acknowledged[i],
                sent[i]
            );
            acknowledged[i] = number;
            sent[i] = number;
            versions.push(version);
        }
        if cycle == CYCLES {
            server.kill_9();
            break;
        }
        let acks = Arc::new(AtomicUsize::new(0));
        let bursts: Vec<_> = (0..UNITS)
            .map(|i| {
                let url = server.url(&format!(
                    "/api/rounds/{}/units/{}/self-assessment/2.1",
                    r.round, r.units[i]
                ));
                let (cookie, csrf) = sessions[i].clone();
                let (acks, mut number, mut version) = (acks.clone(), sent[i], versions[i]);
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut last_acknowledged = number;
                    loop {
                        number += 1;
                        let body = json!({
                            "input": { "kind": "judged", "points": "0.75" },
                            "explanation": format!("lần {number}"),
                            "expected_version": (version > 0).then_some(version),
                        });
                        let answer = client
                            .put(&url)
                            .header("cookie", &cookie)
                            .header("x-csrf-token", &csrf)
                            .json(&body)
                            .send()
                            .await;
                        let Ok(answer) = answer else { break };
                        let Ok(saved) = answer.json::<Value>().await else {
                            break;
                        };
                        version = saved["version"].as_i64().expect("saved: {saved}");
                        last_acknowledged = number;
                        acks.fetch_add(1, Ordering::Relaxed);
                    }
                    (last_acknowledged, number)
                })
            })
            .collect();
        // Kill once the burst is well under way.
        let started = Instant::now();
        while acks.load(Ordering::Relaxed) < 30 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "saves too slow"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill_9();
        for (i, burst) in bursts.into_iter().enumerate() {
            let (last_acknowledged, last_sent) = burst.await.expect("burst");
            acknowledged[i] = last_acknowledged;
            sent[i] = last_sent;
        }
        total_acknowledged += acks.load(Ordering::Relaxed);
    }
    assert!(
        total_acknowledged >= 90,
        "{total_acknowledged} saves acknowledged"
    );
}
