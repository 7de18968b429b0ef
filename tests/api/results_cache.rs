//! Results are computed once per data version and kept in each instance's memory: every
//! kind of write a round's results depend on must show in them at once, on the instance
//! that made it and on another instance that had read them before.

use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, json_of, send_json, small_round, spawn_app, t};

/// The round's results as the administrator reads them from the instance at `base`.
async fn results(browser: &Browser, base: &str, round: i64) -> Value {
    let url = format!("{base}/api/rounds/{round}/results");
    let (status, body) = json_of(browser.send(browser.get(url)).await).await;
    assert_eq!(status, 200, "{base}: {body}");
    body
}

/// `unit`'s line in `results`, if it is there.
fn line(results: &Value, unit: i64) -> Option<Value> {
    (results["tiers"].as_array()?.iter())
        .flat_map(|t| t["units"].as_array().into_iter().flatten())
        .find(|u| u["unit_id"] == unit)
        .cloned()
}

/// What both instances show of `unit`'s `field`, read after a write.
async fn both(
    app: &TestApp,
    other: &str,
    admin: &Browser,
    round: i64,
    unit: i64,
    field: &str,
) -> [Value; 2] {
    let mut seen = [Value::Null, Value::Null];
    for (i, base) in [app.address.as_str(), other].into_iter().enumerate() {
        let r = results(admin, base, round).await;
        seen[i] = line(&r, unit).map_or(Value::Null, |l| l[field].clone());
    }
    seen
}

#[tokio::test]
async fn every_write_shows_in_the_results_at_once_on_every_instance() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a, b) = (r.round, r.units[0], r.units[1]);
    let other = app.another_instance(None).await;
    app.clock.set(t("20/12/2023"));
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let unit_base = |unit: i64| format!("/api/rounds/{round}/units/{unit}");

    // Both instances have computed the results before any write.
    assert_eq!(
        both(&app, &other, &admin, round, a, "self_total").await,
        ["0", "0"].map(Value::from)
    );

    // A save on this instance, then one on the other (a session works on both).
    let save = |path: String, body: Value, on: &'static str| {
        let (officer, csrf, app, other) = (&officer, &csrf, &app, other.clone());
        async move {
            let url = if on == "other" {
                format!("{other}{path}")
            } else {
                app.url(&path)
            };
            let request = officer
                .put(url)
                .header("x-csrf-token", csrf.as_str())
                .json(&body);
            let (status, saved) = json_of(officer.send(request).await).await;
            assert_eq!(status, 200, "{path}: {saved}");
        }
    };
    save(
        format!("{}/self-assessment/1.1", unit_base(a)),
        json!({ "input": { "kind": "yes_no", "met": true } }),
        "this",
    )
    .await;
    assert_eq!(
        both(&app, &other, &admin, round, a, "self_total").await,
        ["1", "1"].map(Value::from)
    );
    save(
        format!("{}/self-assessment/2.1", unit_base(a)),
        json!({ "input": { "kind": "judged", "points": "1.75" } }),
        "other",
    )
    .await;
    assert_eq!(
        both(&app, &other, &admin, round, a, "self_total").await,
        ["2.75", "2.75"].map(Value::from)
    );

    // A unit renamed in the directory.
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        "/api/units",
        json!({ "code": "A", "name": "UBND phường An Khánh (sáp nhập)", "tier_code": "t" }),
    )
    .await;
    assert!(status < 300, "{body}");
    assert_eq!(
        both(&app, &other, &admin, round, a, "unit_name").await,
        ["UBND phường An Khánh (sáp nhập)"; 2].map(Value::from)
    );

    // An exemption: area 2 leaves B's applicable maximum.
    let before = both(&app, &other, &admin, round, b, "applicable_max").await;
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "PUT",
        &format!("{}/exemptions/2", unit_base(b)),
        json!({ "reason": "Không giải quyết thủ tục hành chính (Hướng dẫn 12/HD-SNV)" }),
    )
    .await;
    assert!(status < 300, "{body}");
    let after = both(&app, &other, &admin, round, b, "applicable_max").await;
    assert_ne!(after, before);
    assert_eq!(after[0], after[1]);

    // Bonus points.
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "PUT",
        &format!("{}/extras/bonus/T1", unit_base(a)),
        json!({ "occurrences": 1, "note": "Sáng kiến" }),
    )
    .await;
    assert!(status < 300, "{body}");
    assert_eq!(
        both(&app, &other, &admin, round, a, "bonus").await,
        ["0.5", "0.5"].map(Value::from)
    );

    // The self-assessment closes: nothing was written, but neither unit submitted, which
    // the results now say, and they are read again.
    assert_eq!(
        both(&app, &other, &admin, round, a, "note").await,
        [Value::Null, Value::Null]
    );
    app.clock.set(t("20/01/2024"));
    // A month on, sessions have expired.
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let notes = both(&app, &other, &admin, round, a, "note").await;
    assert_eq!(notes, ["Không gửi tự đánh giá"; 2].map(Value::from));

    // An appraisal, on the other instance, and survey points.
    let appraiser = Browser::default();
    let appraiser_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let url = format!("{other}{}/appraisal/1/2.1", unit_base(a));
    let request = appraiser
        .put(url)
        .header("x-csrf-token", appraiser_csrf.as_str())
        .json(&json!({ "points": "1.25", "comment": "Chưa đăng tải đủ văn bản chỉ đạo" }));
    let (status, saved) = json_of(appraiser.send(request).await).await;
    assert!(status < 300, "{saved}");
    assert_eq!(
        both(&app, &other, &admin, round, a, "appraised_total").await,
        ["2.25", "2.25"].map(Value::from)
    );
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "PUT",
        &format!("{}/survey/3.1", unit_base(a)),
        json!({ "points": "2" }),
    )
    .await;
    assert!(status < 300, "{body}");
    assert_eq!(
        both(&app, &other, &admin, round, a, "survey_total").await,
        ["2", "2"].map(Value::from)
    );

    // B leaves the round by a decision.
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &format!("/api/rounds/{round}/members/{b}/remove"),
        json!({ "reason": "Sáp nhập", "decision": "Quyết định số 15/QĐ-SNV ngày 10/01/2024" }),
    )
    .await;
    assert!(status < 300, "{body}");
    assert_eq!(
        both(&app, &other, &admin, round, b, "unit_id").await,
        [Value::Null, Value::Null]
    );

    // Both instances agree with an instance started now, which computes from scratch.
    let fresh = app.another_instance(None).await;
    let expected = results(&admin, &fresh, round).await;
    for base in [app.address.as_str(), other.as_str()] {
        assert_eq!(results(&admin, base, round).await, expected, "{base}");
    }
}
