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
