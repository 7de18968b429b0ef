//! The first server: a health check and the round's results per tier as JSON.

use parindex::domain::SystemClock;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_check_answers_with_the_database_state() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], true);
}

#[tokio::test]
async fn results_of_the_demo_round_per_tier_with_ranks_and_indexes() {
    let app = spawn_app().await;
    parindex::demo::load(app.store(), &SystemClock)
        .await
        .expect("demo");
    assert_eq!(app.get_json("/api/rounds").await.0, 401, "signed in only");
    app.sign_in_with_password(&app.browser, "lanhdao", parindex::demo::DEMO_PASSWORD)
        .await;
    let (status, rounds) = app.get_json("/api/rounds").await;
    assert_eq!(status, 200);
    let round_2023 = rounds
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["year"] == 2023)
        .expect("2023 round")["id"]
        .as_i64()
        .expect("id");
    let (status, results) = app
        .get_json(&format!("/api/rounds/{round_2023}/results"))
        .await;
    assert_eq!(status, 200);
    let tiers = results["tiers"].as_array().expect("tiers");
    let codes: Vec<&str> = tiers
        .iter()
        .map(|t| t["tier_code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["so", "huyen", "xa"]);
    for tier in tiers {
        let units = tier["units"].as_array().expect("units");
        assert!(!units.is_empty());
        // Points travel as decimal strings, never as binary floats.
        assert!(units[0]["index"].is_string() && units[0]["final_total"].is_string());
        assert_eq!(units[0]["rank"], 1);
        let ranks: Vec<i64> = units
            .iter()
            .map(|u| u["rank"].as_i64().expect("rank"))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "sorted by rank: {ranks:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_round_is_a_404_with_a_stable_code() {
    let app = spawn_app().await;
    crate::helpers::small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    let (status, body) = app.get_json("/api/rounds/999/results").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["message"], "Không tìm thấy kỳ đánh giá #999.");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_nothing_else() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: std::collections::BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    // Every route the code registers under /api, read from the HTTP modules' source.
    let mut routed = std::collections::BTreeSet::new();
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http")).expect("src/http")
    {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        for part in text.split(".route(").skip(1) {
            let path = part
                .trim_start()
                .trim_start_matches('"')
                .split('"')
                .next()
                .unwrap_or("");
            if path.starts_with("/api/") && path != "/api/openapi.json" {
                routed.insert(path.to_string());
            }
        }
    }
    assert_eq!(routed, documented, "web/openapi.json and the routes differ");
    // And every documented path answers (401 without a session, never 404).
    for path in &documented {
        let concrete = path
            .replace("{round}", "1")
            .replace("{unit}", "1")
            .replace("{id}", "1")
            .replace("{n}", "1")
            .replace("{leaf}", "1.1")
            .replace("{kind}", "bonus")
            .replace("{item}", "T1");
        let methods: Vec<&String> = doc["paths"][path]
            .as_object()
            .expect("ops")
            .keys()
            .filter(|k| *k != "parameters")
            .collect();
        for method in methods {
            let request = match method.as_str() {
                "get" => app.browser.get(app.url(&concrete)),
                "post" => app
                    .browser
                    .post(app.url(&concrete))
                    .json(&serde_json::json!({})),
                "delete" => app.browser.delete(app.url(&concrete)),
                _ => reqwest::Client::new()
                    .put(app.url(&concrete))
                    .json(&serde_json::json!({})),
            };
            let status = app.browser.send(request).await.status().as_u16();
            assert_ne!(status, 404, "{method} {path}");
            assert_ne!(status, 405, "{method} {path}");
        }
    }
}
