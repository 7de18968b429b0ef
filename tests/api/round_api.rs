//! The round end to end through the API against the real server, and the authorization
//! matrix: every state-changing route × every role × own unit / other unit / wrong phase.

use parindex::domain::Clock;
use parindex::domain::deadline::Phase;
use serde_json::{Value, json};

use crate::helpers::{Browser, audit_count, json_of, send_json as send, small_round, spawn_app, t};

#[tokio::test]
async fn a_whole_round_through_the_api() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a, b) = (r.round, r.units[0], r.units[1]);
    app.clock.set(t("20/12/2023"));

    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    let (status, view) = json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/self-assessment"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["progress"]["leaves"], 5);
    assert_eq!(view["access"]["open"], true);
    assert_eq!(
        view["access"]["message"],
        "Hạn chót tự chấm điểm: 23:59 ngày 07/01/2024 (giờ Việt Nam)."
    );

    // One leaf of each method; the server computes the points.
    let leaves = [
        (
            "1.1",
            json!({ "input": { "kind": "yes_no", "met": true }, "explanation": "Kế hoạch số 12/KH-UBND ngày 20/12/2022" }),
            "1",
        ),
        (
            "1.2",
            json!({ "input": { "kind": "rate", "numerator": "111", "denominator": "125" }, "explanation": "Báo cáo số 5/BC" }),
            "0.75",
        ),
        (
            "1.3",
            json!({ "not_applicable": true, "na_reason": "Không có hồ sơ trễ hạn" }),
            "",
        ),
        (
            "2.1",
            json!({ "input": { "kind": "judged", "points": "1.75" }, "explanation": "Cổng thông tin cập nhật đầy đủ" }),
            "1.75",
        ),
        (
            "2.2",
            json!({ "input": { "kind": "occurrences", "count": 1 }, "explanation": "Chậm báo cáo quý III" }),
            "0.75",
        ),
    ];
    for (leaf, body, points) in &leaves {
        let (status, saved) = send(
            &app,
            &officer,
            &csrf,
            "PUT",
            &format!("{base}/self-assessment/{leaf}"),
            body.clone(),
        )
        .await;
        assert_eq!(status, 200, "{leaf}: {saved}");
        assert_eq!(saved["version"], 1);
        let shown = saved["entry"]["points"].as_str().unwrap_or("");
        assert_eq!(shown, *points, "{leaf}");
    }
    // Bad inputs: a clear error with a stable code, and the leaf keeps its value.
    let (status, err) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "1.3" }, "expected_version": 1 }),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
    let (status, err) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "x" } }),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("invalid_body"))
    );
    let (status, err) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "2" } }),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict")),
        "no expected_version: someone else's value is there"
    );

    // The head submits; the self-assessment is then read-only until withdrawn.
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    assert_eq!(
        send(
            &app,
            &head,
            &head_csrf,
            "POST",
            &format!("{base}/submit?confirm_gaps=true"),
            json!({})
        )
        .await
        .0,
        204
    );
    let (status, _) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "2" }, "expected_version": 1 }),
    )
    .await;
    assert_eq!(status, 409);

    // B has not submitted: an appraiser cannot read it yet; A's is readable.
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, _) = json_of(
        appraiser
            .send(appraiser.get(app.url(&format!("/api/rounds/{round}/units/{b}/self-assessment"))))
            .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = json_of(
        appraiser
            .send(appraiser.get(app.url(&format!("{base}/self-assessment"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);

    // After the deadline B is locked; the administrator extends B alone.
    // Sessions last 12 hours: after each jump in time, people sign in again.
    app.clock.set(t("08/01/2024 00:00"));
    let officer_b = Browser::default();
    let csrf_b = app.sign_in_with(&officer_b, "b.canbo").await;
    let b_leaf = format!("/api/rounds/{round}/units/{b}/self-assessment/1.1");
    let (status, err) = send(
        &app,
        &officer_b,
        &csrf_b,
        "PUT",
        &b_leaf,
        json!({ "input": { "kind": "yes_no", "met": true } }),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("deadline_closed"))
    );
    assert_eq!(
        err["error"]["message"],
        "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
    );
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let extension = json!({ "phase": "self_assessment", "kind": "extension", "until": "09/01/2024 17:00", "reason": "Mất điện diện rộng" });
    assert_eq!(
        send(
            &app,
            &admin,
            &admin_csrf,
            "POST",
            &format!("/api/rounds/{round}/units/{b}/overrides"),
            extension
        )
        .await
        .0,
        204
    );
    let (status, _) = send(
        &app,
        &officer_b,
        &csrf_b,
        "PUT",
        &b_leaf,
        json!({ "input": { "kind": "yes_no", "met": true } }),
    )
    .await;
    assert_eq!(status, 200);

    // Appraisal round 1: a different score needs a comment.
    app.clock.set(t("20/01/2024"));
    let appraiser_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let appraise = format!("{base}/appraisal/1/2.1");
    let (status, err) = send(
        &app,
        &appraiser,
        &appraiser_csrf,
        "PUT",
        &appraise,
        json!({ "points": "1.25" }),
    )
    .await;
    assert_eq!(
        (status, err["error"]["message"].as_str()),
        (
            422,
            Some("Điểm thẩm định khác điểm tự chấm: cần ghi nhận xét lý do điều chỉnh.")
        )
    );
    let (status, _) = send(
        &app,
        &appraiser,
        &appraiser_csrf,
        "PUT",
        &appraise,
        json!({ "points": "1.25", "comment": "Thiếu minh chứng tháng 11" }),
    )
    .await;
    assert_eq!(status, 204);
    for unit in [a, b] {
        let (status, _) = send(
            &app,
            &admin,
            &admin_csrf,
            "PUT",
            &format!("/api/rounds/{round}/units/{unit}/survey/3.1"),
            json!({ "points": "2.5" }),
        )
        .await;
        assert_eq!(status, 204);
    }
    let (status, _) = send(
        &app,
        &admin,
        &admin_csrf,
        "PUT",
        &format!("{base}/extras/bonus/T1"),
        json!({ "occurrences": 1, "note": "Mô hình một cửa thông minh" }),
    )
    .await;
    assert_eq!(status, 204);

    // Publication; then every signed-in user sees the ranking.
    app.clock.set(t("01/04/2024"));
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    app.sign_in_with(&officer_b, "b.canbo").await;
    crate::helpers::signed_off(app.store(), round).await;
    assert_eq!(
        send(
            &app,
            &admin,
            &admin_csrf,
            "POST",
            &format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true"),
            json!({})
        )
        .await
        .0,
        204
    );
    let (status, results) = json_of(
        officer_b
            .send(officer_b.get(app.url(&format!("/api/rounds/{round}/results"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let units = results["tiers"][0]["units"].as_array().expect("units");
    // A: appraised 1 + 0,75 + 1,25 + 0,75 = 3,75; survey 2,5; bonus 0,5 → 6,75 of 8,5 = 79,41%.
    // B: 1 (1.1 only) + 2,5 = 3,5 of 10 = 35,00%.
    let summary: Vec<(String, String, i64)> = units
        .iter()
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap_or("").to_string(),
                u["index"].as_str().unwrap_or("").to_string(),
                u["rank"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("A".to_string(), "79.41".to_string(), 1),
            ("B".to_string(), "35".to_string(), 2)
        ]
    );
}

/// Who tries: (username, role description).
const PEOPLE: [&str; 7] = [
    "quantri",
    "a.canbo",
    "a.thutruong",
    "b.canbo",
    "b.thutruong",
    "thamdinh",
    "lanhdao",
];

#[tokio::test]
async fn authorization_matrix_of_every_write() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    let browsers: Vec<(&str, Browser)> = PEOPLE
        .iter()
        .map(|who| (*who, Browser::default()))
        .collect();
    // Moves the clock and signs everyone in again (sessions last 12 hours); returns the
    // CSRF token of each person, in PEOPLE order.
    let at = |when: &'static str| {
        let (app, browsers) = (&app, &browsers);
        async move {
            app.clock.set(t(when));
            let mut tokens = Vec::new();
            for (who, browser) in browsers {
                tokens.push(app.sign_in_with(browser, who).await);
            }
            tokens
        }
    };
    let unit_a = format!("/api/rounds/{round}/units/{a}");
    // (route, method, path, body, a time inside its phase, a time outside it, who may)
    type Route<'a> = (
        &'a str,
        &'a str,
        String,
        Value,
        &'a str,
        &'a str,
        Vec<&'a str>,
    );
    let routes: Vec<Route> = vec![
        (
            "save leaf",
            "PUT",
            format!("{unit_a}/self-assessment/2.1"),
            json!({ "input": { "kind": "judged", "points": "1" } }),
            "20/12/2023",
            "08/01/2024 00:00",
            vec!["a.canbo", "a.thutruong"],
        ),
        (
            "submit",
            "POST",
            format!("{unit_a}/submit?confirm_gaps=true"),
            json!({}),
            "20/12/2023",
            "08/01/2024 00:00",
            vec!["a.thutruong"],
        ),
        (
            "appraise",
            "PUT",
            format!("{unit_a}/appraisal/1/1.1"),
            json!({ "points": "0", "comment": "Không có kế hoạch" }),
            "20/01/2024",
            "20/12/2023",
            vec!["thamdinh"],
        ),
        (
            "extension",
            "POST",
            format!("{unit_a}/overrides"),
            json!({ "phase": "self_assessment", "kind": "extension", "until": "20/01/2024", "reason": "Lý do" }),
            "05/01/2024",
            "21/01/2024",
            vec!["quantri"],
        ),
        (
            "survey",
            "PUT",
            format!("{unit_a}/survey/3.1"),
            json!({ "points": "2" }),
            "20/01/2024",
            "",
            vec!["quantri"],
        ),
        (
            "bonus",
            "PUT",
            format!("{unit_a}/extras/bonus/T1"),
            json!({ "occurrences": 1, "note": "Quyết định công nhận sáng kiến" }),
            "20/01/2024",
            "",
            vec!["quantri"],
        ),
        (
            "assign a department",
            "PUT",
            format!("/api/rounds/{round}/assignments/t/2"),
            json!({ "department_id": r.units[1] }),
            "20/01/2024",
            "",
            vec!["quantri"],
        ),
        (
            "take an assignment back",
            "DELETE",
            format!("/api/rounds/{round}/assignments/t/2"),
            json!({}),
            "20/01/2024",
            "",
            vec!["quantri"],
        ),
        (
            "sign off the last appraisal round",
            "PUT",
            format!("/api/rounds/{round}/appraisal/2/sign-off"),
            json!({ "signed_on": "20/02/2024", "members": "Nguyễn Văn An — Chủ tịch Hội đồng" }),
            "20/02/2024",
            "",
            vec!["quantri"],
        ),
        (
            "publish",
            "POST",
            format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true"),
            json!({}),
            "01/04/2024",
            "",
            vec!["quantri"],
        ),
        (
            "show on the public pages",
            "PUT",
            format!("/api/rounds/{round}/public"),
            json!({ "public": true }),
            "02/04/2024",
            "",
            vec!["quantri"],
        ),
    ];
    for (route, method, path, body, inside, outside, allowed) in &routes {
        let tokens = at(inside).await;
        let person = |who: &str| {
            let i = PEOPLE.iter().position(|p| *p == who).expect("person");
            (&browsers[i].1, tokens[i].clone())
        };
        // Refused people first, so that nothing they try can be mistaken for an allowed write.
        for who in PEOPLE.iter().filter(|w| !allowed.contains(w)) {
            let (browser, csrf) = person(who);
            let before = audit_count(&app).await;
            let (status, body) = send(&app, browser, &csrf, method, path, body.clone()).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{route} by {who}: {body}"
            );
            assert_eq!(
                audit_count(&app).await,
                before,
                "{route} by {who} changed something"
            );
        }
        // Without the CSRF token, even the allowed are refused.
        let who = allowed[0];
        let (browser, _) = person(who);
        let before = audit_count(&app).await;
        let (status, refused) = send(&app, browser, "sai-ma", method, path, body.clone()).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (403, Some("csrf")),
            "{route} by {who} without CSRF"
        );
        assert_eq!(audit_count(&app).await, before);
        // Outside its phase: refused by the deadline, nothing written.
        if !outside.is_empty() {
            let tokens = at(outside).await;
            let i = PEOPLE.iter().position(|p| *p == who).expect("person");
            let (status, refused) =
                send(&app, &browsers[i].1, &tokens[i], method, path, body.clone()).await;
            assert!(
                matches!(status, 403 | 422),
                "{route} outside its phase: {status} {refused}"
            );
            assert_ne!(
                refused["error"]["code"].as_str(),
                Some("forbidden"),
                "{route}: refused for the phase, not the role"
            );
            assert_eq!(
                audit_count(&app).await,
                before,
                "{route} outside its phase changed something"
            );
            at(inside).await;
        }
        // Inside its phase, the allowed may.
        let tokens = at(inside).await;
        let i = PEOPLE.iter().position(|p| *p == who).expect("person");
        let (status, done) =
            send(&app, &browsers[i].1, &tokens[i], method, path, body.clone()).await;
        assert!(
            (200..300).contains(&status),
            "{route} by {who}: {status} {done}"
        );
        assert!(
            audit_count(&app).await > before,
            "{route} by {who} left no audit entry"
        );
    }
    // Once published, the results are frozen: no score changes any more.
    let tokens = at("02/04/2024").await;
    let before = audit_count(&app).await;
    let (status, body) = send(
        &app,
        &browsers[0].1,
        &tokens[0],
        "PUT",
        &format!("{unit_a}/survey/3.1"),
        json!({ "points": "1" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn a_unit_explains_only_the_leaves_it_was_asked_about_and_only_in_its_window() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let officer = Browser::default();
    let appraiser = Browser::default();

    app.clock.set(t("20/01/2024"));
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let flag =
        json!({ "comment": "Đề nghị bổ sung kế hoạch CCHC năm", "explanation_requested": true });
    assert_eq!(
        send(
            &app,
            &appraiser,
            &csrf,
            "PUT",
            &format!("{base}/appraisal/1/1.1"),
            flag
        )
        .await
        .0,
        204
    );

    // Too early: the explanation window opens on 01/02/2024.
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let answer =
        json!({ "text": "Kế hoạch số 12/KH-UBND ban hành ngày 20/12/2022, gửi kèm bản scan." });
    let (status, body) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/explanations/1.1"),
        answer.clone(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("deadline_closed"))
    );

    app.clock.set(t("05/02/2024"));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    assert_eq!(
        send(
            &app,
            &officer,
            &csrf,
            "PUT",
            &format!("{base}/explanations/1.1"),
            answer.clone()
        )
        .await
        .0,
        204
    );
    let (status, body) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/explanations/2.1"),
        answer.clone(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (
            422,
            Some(
                "Tiêu chí 2.1 không có yêu cầu giải trình; chỉ giải trình các tiêu chí được yêu cầu."
            )
        )
    );
    let (status, view) = json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/explanations"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(view["requests"][0]["leaf_code"], "1.1");
    assert_eq!(
        view["requests"][0]["comment"],
        "Đề nghị bổ sung kế hoạch CCHC năm"
    );
    assert_eq!(view["requests"][0]["answer"], answer["text"]);

    app.clock.set(t("16/02/2024"));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let (status, body) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/explanations/1.1"),
        json!({ "text": "Sửa lại" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (
            403,
            Some(
                "Đã hết hạn giải trình lúc 23:59 ngày 15/02/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
            )
        )
    );
}

#[tokio::test]
async fn a_leafs_history_is_visible_to_its_unit_and_not_to_another() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    app.clock.set(t("20/12/2023"));
    let csrf = app.sign_in_as("a.canbo").await;
    for points in ["1", "1.5"] {
        let version = if points == "1" { Value::Null } else { json!(1) };
        let body =
            json!({ "input": { "kind": "judged", "points": points }, "expected_version": version });
        assert_eq!(
            send(
                &app,
                &app.browser,
                &csrf,
                "PUT",
                &format!("{base}/self-assessment/2.1"),
                body
            )
            .await
            .0,
            200
        );
    }
    let (status, history) = app.get_json(&format!("{base}/history/2.1")).await;
    assert_eq!(status, 200);
    let changes: Vec<(Option<&str>, Option<&str>)> = history
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["old_value"].as_str(), e["new_value"].as_str()))
        .collect();
    assert_eq!(
        changes,
        [(Some("1 điểm"), Some("1,5 điểm")), (None, Some("1 điểm"))]
    );
    app.sign_in_as("b.canbo").await;
    assert_eq!(app.get_json(&format!("{base}/history/2.1")).await.0, 403);
}

#[tokio::test]
async fn the_administrator_sets_up_tiers_units_users_and_appraiser_scopes() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, _) = send(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        json!({ "code": "C", "name": "UBND phường Cái Khế", "tier_code": "t" }),
    )
    .await;
    assert_eq!(status, 201);
    let new_user = json!({ "username": "c.canbo", "display_name": "Trần Thị C", "role": "officer", "unit_code": "C", "password": "mat-khau-c-2024" });
    assert_eq!(
        send(&app, &admin, &csrf, "POST", "/api/users", new_user.clone())
            .await
            .0,
        201
    );
    let (status, body) = send(&app, &admin, &csrf, "POST", "/api/users", new_user).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict")),
        "duplicate username"
    );
    let (status, body) = send(&app, &admin, &csrf, "POST", "/api/users", json!({ "username": "x.canbo", "display_name": "X", "role": "officer", "password": "mat-khau-x-2024" })).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("Cán bộ và thủ trưởng đơn vị cần chọn đơn vị."))
    );
    let (status, directory) = json_of(admin.send(admin.get(app.url("/api/directory"))).await).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = directory["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["UBND phường An Khánh", "UBND phường Cái Khế"],
        "Vietnamese order"
    );

    // The new officer signs in with the password the administrator set.
    let c = Browser::default();
    let c_csrf = app
        .sign_in_with_password(&c, "c.canbo", "mat-khau-c-2024")
        .await;
    let before = audit_count(&app).await;
    let (status, _) = send(
        &app,
        &c,
        &c_csrf,
        "POST",
        "/api/units",
        json!({ "code": "D", "name": "D", "tier_code": "t" }),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(audit_count(&app).await, before);

    // An appraiser limited to area 2 cannot appraise area 1.
    let scope = json!({ "area_code": "2" });
    assert_eq!(
        send(
            &app,
            &admin,
            &csrf,
            "POST",
            &format!("/api/users/{}/scopes", r.appraiser.user_id),
            scope
        )
        .await
        .0,
        204
    );
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let a_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let (status, body) = send(
        &app,
        &appraiser,
        &a_csrf,
        "PUT",
        &format!("{base}/appraisal/1/1.1"),
        json!({ "points": "0", "comment": "x" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = send(
        &app,
        &appraiser,
        &a_csrf,
        "PUT",
        &format!("{base}/appraisal/1/2.1"),
        json!({ "points": "0", "comment": "Không có minh chứng" }),
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn appraisers_see_only_what_was_submitted_and_published_results_stay_frozen() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a, b) = (r.round, r.units[0], r.units[1]);
    app.clock.set(t("20/12/2023"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let save = json!({ "input": { "kind": "judged", "points": "1.5" } });
    assert_eq!(
        send(
            &app,
            &officer,
            &csrf,
            "PUT",
            &format!("/api/rounds/{round}/units/{a}/self-assessment/2.1"),
            save
        )
        .await
        .0,
        200
    );
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    assert_eq!(
        send(
            &app,
            &head,
            &head_csrf,
            "POST",
            &format!("/api/rounds/{round}/units/{a}/submit?confirm_gaps=true"),
            json!({})
        )
        .await
        .0,
        204
    );

    // While B still drafts, an appraiser sees neither B's history nor B in the results,
    // and no ranks at all before publication.
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let get = |path: String| {
        let appraiser = appraiser.clone();
        let url = app.url(&path);
        async move { json_of(appraiser.send(appraiser.get(url)).await).await }
    };
    assert_eq!(
        get(format!("/api/rounds/{round}/units/{b}/history/2.1"))
            .await
            .0,
        403
    );
    let (status, history) = get(format!("/api/rounds/{round}/units/{a}/history/2.1")).await;
    assert_eq!(status, 200);
    assert!(
        history[0]["address"].is_null(),
        "addresses stay with the administrators"
    );
    let (_, results) = get(format!("/api/rounds/{round}/results")).await;
    let units: Vec<(&str, i64)> = results["tiers"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap_or(""),
                u["rank"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(units, [("A", 0)]);

    // Published results are frozen: no extension, no reopening, no unit write.
    app.clock.set(t("01/04/2024"));
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    crate::helpers::signed_off(app.store(), round).await;
    assert_eq!(
        send(
            &app,
            &admin,
            &admin_csrf,
            "POST",
            &format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true"),
            json!({})
        )
        .await
        .0,
        204
    );
    let reopen = json!({ "phase": "self_assessment", "kind": "reopening", "until": "30/04/2024", "reason": "Bổ sung" });
    let (status, body) = send(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &format!("/api/rounds/{round}/units/{b}/overrides"),
        reopen,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );

    // Every answer forbids framing and caching.
    let response = admin.send(admin.get(app.url("/"))).await;
    assert_eq!(
        response
            .headers()
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    // Scripts only from the application itself; no address sent to other sites; no HSTS
    // over plain HTTP.
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let policy = header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(header("referrer-policy").as_deref(), Some("same-origin"));
    assert_eq!(header("strict-transport-security"), None);
}

#[tokio::test]
async fn the_administrator_opens_a_round_and_moves_a_deadline() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("15/11/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let spec = json!({
        "year": 2024,
        "title": "Chỉ số CCHC năm 2024",
        "tie_break": "appraised_total",
        "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
        "phases": [{ "phase": "self_assessment", "opens": "01/12/2024", "closes": "07/01/2025" }],
        "bands": [{ "tier_code": "t", "label": "Tốt", "min_index": "90" }]
    });
    let (status, created) =
        send(&app, &admin, &csrf, "POST", "/api/rounds/new", spec.clone()).await;
    assert_eq!(status, 201, "{created}");
    let round = created["id"].as_i64().expect("id");
    let mut bad = spec.clone();
    bad["phases"][0]["closes"] = json!("31/02/2025");
    let (status, body) = send(&app, &admin, &csrf, "POST", "/api/rounds/new", bad).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (
            422,
            Some(
                "«31/02/2025» không phải là ngày giờ hợp lệ; nhập dd/mm/yyyy hoặc dd/mm/yyyy hh:mm."
            )
        )
    );

    // A tier or a phase given twice is a 422 naming it, and no round is created.
    let rounds_before = app.store().rounds().await.expect("rounds").len();
    let mut twice = spec.clone();
    twice["sets"] = json!([
        { "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" },
        { "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }
    ]);
    let (status, body) = send(&app, &admin, &csrf, "POST", "/api/rounds/new", twice).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (
            422,
            Some("Khối «t» được chọn hai lần; mỗi khối một bộ tiêu chí.")
        )
    );
    let mut twice = spec.clone();
    twice["phases"] = json!([
        { "phase": "self_assessment", "opens": "01/12/2024", "closes": "07/01/2025" },
        { "phase": "self_assessment", "opens": "02/12/2024", "closes": "08/01/2025" }
    ]);
    let (status, body) = send(&app, &admin, &csrf, "POST", "/api/rounds/new", twice).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        app.store().rounds().await.expect("rounds").len(),
        rounds_before
    );

    // The officer writes in the new round while it is open…
    app.clock.set(t("20/12/2024"));
    let officer = Browser::default();
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let leaf = format!(
        "/api/rounds/{round}/units/{}/self-assessment/2.1",
        r.units[0]
    );
    let (status, _) = send(
        &app,
        &officer,
        &officer_csrf,
        "PUT",
        &leaf,
        json!({ "input": { "kind": "judged", "points": "1" } }),
    )
    .await;
    assert_eq!(status, 200);
    // …until the administrator brings the deadline forward for everyone.
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let moved =
        json!({ "phase": "self_assessment", "opens": "01/12/2024", "closes": "19/12/2024" });
    assert_eq!(
        send(
            &app,
            &admin,
            &csrf,
            "PUT",
            &format!("/api/rounds/{round}/phases"),
            moved
        )
        .await
        .0,
        204
    );
    let (status, body) = send(
        &app,
        &officer,
        &officer_csrf,
        "PUT",
        &leaf,
        json!({ "input": { "kind": "judged", "points": "2" }, "expected_version": 1 }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (
            403,
            Some(
                "Đã hết hạn tự chấm điểm lúc 23:59 ngày 19/12/2024. Liên hệ Sở Nội vụ nếu cần gia hạn."
            )
        )
    );
}

#[tokio::test]
async fn the_extension_form_keeps_what_was_typed_and_explains_a_bad_date() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("06/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let no_redirects = crate::helpers::no_redirects();
    let post = |until: &str| {
        let form = [
            ("csrf", csrf.clone()),
            ("unit", r.units[0].to_string()),
            ("phase", "self_assessment".into()),
            ("kind", "extension".into()),
            ("until", until.to_string()),
            ("reason", "Mất điện kéo dài".into()),
        ];
        admin.send(
            no_redirects
                .post(app.url(&format!("/quan-tri/ky/{}/gia-han", r.round)))
                .form(&form),
        )
    };
    let response = post("32/01/2024").await;
    assert_eq!(response.status(), 422);
    // minijinja escapes "/" in text as "&#x2f;"; browsers show it as "/".
    let page = response.text().await.expect("page").replace("&#x2f;", "/");
    assert!(
        page.contains("«32/01/2024» không phải là ngày giờ hợp lệ"),
        "{page}"
    );
    assert!(
        page.contains("Mất điện kéo dài"),
        "the reason typed is still there"
    );
    let response = post("10/01/2024 17:00").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.store()
            .overrides(r.round, r.units[0], parindex::domain::Phase::SelfAssessment)
            .await
            .expect("overrides")
            .len(),
        1
    );
}

#[tokio::test]
async fn an_appraiser_sees_the_explanations_only_when_the_self_assessment_may_be_seen() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("05/01/2024"));
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let api = format!("/api/rounds/{}/units/{}/explanations", r.round, r.units[0]);
    let page = format!("/ky/{}/don-vi/{}/giai-trinh", r.round, r.units[0]);
    let status = |path: String| {
        let appraiser = appraiser.clone();
        let url = app.url(&path);
        async move { appraiser.send(appraiser.get(url)).await.status().as_u16() }
    };
    // Not submitted, still open: refused like the self-assessment itself.
    assert_eq!(status(api.clone()).await, 403);
    assert_eq!(status(page.clone()).await, 403);
    assert_eq!(
        status(format!(
            "/api/rounds/{}/units/{}/self-assessment",
            r.round, r.units[0]
        ))
        .await,
        403
    );
    // After the deadline: readable.
    app.clock.set(t("08/01/2024"));
    app.sign_in_with(&appraiser, "thamdinh").await;
    assert_eq!(status(api).await, 200);
    assert_eq!(status(page).await, 200);
}

#[tokio::test]
async fn a_published_ranking_never_changes() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app.clock.set(t("01/04/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let results = format!("/api/rounds/{}/results", r.round);
    crate::helpers::signed_off(app.store(), r.round).await;
    let (status, _) = send(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!(
            "/api/rounds/{}/publish?confirm=true&close_open_phases=true",
            r.round
        ),
        json!({}),
    )
    .await;
    assert_eq!(status, 204);
    let read = || async {
        let response = admin.send(admin.get(app.url(&results))).await;
        json_of(response).await
    };
    let (status, published) = read().await;
    assert_eq!(status, 200);
    assert_eq!(
        published["tiers"][0]["units"].as_array().map(Vec::len),
        Some(2)
    );
    let ranking = || async {
        let url = app.url(&format!("/api/rounds/{}/export/ranking.xlsx", r.round));
        let bytes = admin
            .send(admin.get(url))
            .await
            .bytes()
            .await
            .expect("xlsx");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
        use calamine::Reader;
        let mut names = Vec::new();
        for sheet in book.sheet_names() {
            let range = book.worksheet_range(&sheet).expect("sheet");
            names.extend(
                range
                    .used_cells()
                    .map(|(_, _, c)| c.to_string())
                    .filter(|c| c.starts_with("UBND phường")),
            );
        }
        names.sort();
        names
    };
    let workbook = ranking().await;
    assert!(
        workbook.iter().any(|n| n == "UBND phường An Khánh"),
        "{workbook:?}"
    );
    // After publication: a unit joins the tier, another is renamed.
    let (status, _) = send(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        json!({ "code": "C", "name": "UBND phường Cái Khế", "tier_code": "t" }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = send(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        json!({ "code": "A", "name": "UBND phường An Khánh (mới)", "tier_code": "t" }),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(read().await.1, published, "the published results changed");
    assert_eq!(ranking().await, workbook, "the published workbook changed");
}

/// Publication goes through its checklist: refused without a confirmation, refused while
/// a phase is not over unless the administrator closes it there; the checklist names the
/// units that never submitted, the leaves not appraised and the questions unanswered.
#[tokio::test]
async fn publication_needs_a_confirmation_and_no_phase_left_open() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let round = r.round;
    // Appraisal round 1 is open.
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, check) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/publication-check"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{check}");
    let names = |list: &str| -> Vec<String> {
        check[list]
            .as_array()
            .expect("list")
            .iter()
            .map(|u| u["unit_name"].as_str().expect("name").to_string())
            .collect()
    };
    assert_eq!(
        names("not_submitted"),
        ["UBND phường An Khánh", "UBND phường Hưng Lợi"]
    );
    assert_eq!(names("not_appraised").len(), 2);
    let phases: Vec<&str> = check["phases_not_over"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| p["phase"].as_str().expect("phase"))
        .collect();
    assert_eq!(
        phases,
        ["appraisal_round1", "explanation", "appraisal_round2"]
    );

    let publish = |query: &str| {
        admin
            .post(app.url(&format!("/api/rounds/{round}/publish{query}")))
            .header("x-csrf-token", &csrf)
    };
    let (status, body) = json_of(admin.send(publish("")).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_confirmed"))
    );
    let (status, body) = json_of(admin.send(publish("?confirm=true")).await).await;
    assert_eq!(status, 409, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("còn giai đoạn chưa kết thúc"), "{message}");
    assert!(
        app.store()
            .round(round)
            .await
            .expect("round")
            .published_at
            .is_none(),
        "nothing published"
    );
    // The page's form says the same without its boxes ticked.
    let page = admin
        .send(
            admin
                .post(app.url(&format!("/quan-tri/ky/{round}/cong-bo")))
                .form(&[("csrf", csrf.as_str()), ("xac_nhan", "co")]),
        )
        .await;
    assert_eq!(page.status(), 409);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("còn giai đoạn chưa kết thúc")
    );

    // Without the council's sign-off of the last appraisal round (2): refused before any
    // phase is closed, the checklist naming it.
    assert_eq!(check["sign_off"]["appraisal_round"], 2, "{check}");
    assert!(check["sign_off"]["signed_on"].is_null(), "{check}");
    let (status, body) = json_of(
        admin
            .send(publish("?confirm=true&close_open_phases=true"))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("not_signed_off")),
        "{body}"
    );
    let stored = app.store().round(round).await.expect("round");
    assert!(stored.published_at.is_none());
    assert!(
        stored.phases[&Phase::AppraisalRound2].closes_at > app.clock.now(),
        "no phase closed by a refused publication"
    );
    crate::helpers::signed_off(app.store(), round).await;
    let response = admin
        .send(publish("?confirm=true&close_open_phases=true"))
        .await;
    assert_eq!(response.status(), 204);
    let stored = app.store().round(round).await.expect("round");
    assert!(stored.published_at.is_some());
    for phase in [
        Phase::AppraisalRound1,
        Phase::Explanation,
        Phase::AppraisalRound2,
    ] {
        let window = stored.phases[&phase];
        assert!(
            window.closes_at < t("20/01/2024") && window.opens_at < window.closes_at,
            "{phase:?}: {window:?}"
        );
    }
}

/// After publication the pages that can no longer change are read-only: no form that its
/// save would refuse, even for a unit whose extension runs on.
#[tokio::test]
async fn after_publication_pages_are_read_only() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let extension = admin
        .post(app.url(&format!("/api/rounds/{round}/units/{unit}/overrides")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"phase": "self_assessment", "kind": "extension", "until": "10/02/2024", "reason": "Mất điện kéo dài"}));
    assert_eq!(admin.send(extension).await.status(), 204);
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let leaf_form = format!("action=\"/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1#tc-2.1\"");
    let page = |browser: &Browser, path: String| {
        let browser = browser.clone();
        let url = app.url(&path);
        async move {
            browser
                .send(browser.get(url))
                .await
                .text()
                .await
                .expect("page")
        }
    };
    let own = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem");
    assert!(
        page(&officer, own.clone()).await.contains(&leaf_form),
        "open before"
    );

    crate::helpers::signed_off(app.store(), round).await;
    let publish = admin
        .post(app.url(&format!(
            "/api/rounds/{round}/publish?confirm=true&close_open_phases=true"
        )))
        .header("x-csrf-token", &csrf);
    assert_eq!(admin.send(publish).await.status(), 204);

    let html = page(&officer, own).await;
    assert!(!html.contains(&leaf_form), "a form after publication");
    assert!(
        html.contains("Kết quả kỳ đánh giá đã công bố lúc"),
        "{html}"
    );
    let (status, view) = json_of(
        officer
            .send(
                officer.get(app.url(&format!("/api/rounds/{round}/units/{unit}/self-assessment"))),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, view["access"]["open"].as_bool()),
        (200, Some(false))
    );
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let sheet = page(&appraiser, format!("/ky/{round}/don-vi/{unit}/tham-dinh")).await;
    assert!(
        !sheet.contains(&format!("action=\"/ky/{round}/don-vi/{unit}/tham-dinh/")),
        "an appraisal form after publication"
    );
}

/// Who may read the analysis (Phân tích điểm bị trừ), over the API, as a workbook and as a
/// page: a unit only its own and only once published; the Sở Nội vụ (administrator,
/// viewer) every unit's and the per-tier analysis at any time; an appraiser the units it
/// may see, before publication without the tier's averages or rank.
#[tokio::test]
async fn authorization_matrix_of_the_analysis() {
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    let unit_routes = [
        format!("/api/rounds/{round}/units/{a}/analysis"),
        format!("/api/rounds/{round}/units/{a}/export/analysis.xlsx"),
        format!("/ky/{round}/don-vi/{a}/phan-tich"),
    ];
    let office_routes = [
        format!("/api/rounds/{round}/analysis"),
        format!("/api/rounds/{round}/export/analysis.xlsx"),
        format!("/ky/{round}/phan-tich"),
    ];
    let office = ["quantri", "lanhdao"];
    for published in [false, true] {
        if published {
            crate::helpers::signed_off(app.store(), round).await;
            let publish =
                format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
            let (status, body) = send(&app, &admin, &csrf, "POST", &publish, json!({})).await;
            assert_eq!(status, 204, "{body}");
        }
        for who in PEOPLE {
            let browser = Browser::default();
            app.sign_in_with(&browser, who).await;
            let own = who.starts_with("a.");
            let may_unit = office.contains(&who) || who == "thamdinh" || (own && published);
            for (path, may) in unit_routes
                .iter()
                .map(|p| (p, may_unit))
                .chain(office_routes.iter().map(|p| (p, office.contains(&who))))
            {
                let response = browser.send(browser.get(app.url(path))).await;
                let status = response.status();
                let expected = if may { 200 } else { 403 };
                assert_eq!(
                    status.as_u16(),
                    expected,
                    "{path} by {who}, published: {published}"
                );
                // Another unit's people are told in the analysis' own words.
                if who.starts_with("b.") && path.contains("/units/") && path.ends_with("/analysis")
                {
                    let body = response.text().await.expect("body");
                    assert!(
                        body.contains("phân tích điểm bị trừ của đơn vị này"),
                        "{body}"
                    );
                }
            }
        }
    }
    // Before publication an appraiser sees no average nor rank: they rest on units it may
    // not see. (Checked on a second round, still unpublished.)
    let app = spawn_app().await;
    let (r, _, _) = crate::analysis::scored_round(&app).await;
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let path = format!("/api/rounds/{}/units/{}/analysis", r.round, r.units[0]);
    let (status, seen) = json_of(appraiser.send(appraiser.get(app.url(&path))).await).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(
        (seen["unit"]["rank"].as_i64(), &seen["tier_average"]),
        (Some(0), &Value::Null)
    );
    assert!(
        (seen["areas"].as_array().expect("areas").iter()).all(|x| x["tier_average"].is_null()),
        "{seen}"
    );
    // Nothing there: 404; a unit not in the round: 422, as elsewhere.
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    for (path, expected) in [
        ("/api/rounds/9999/analysis".to_string(), 404),
        (format!("/api/rounds/{}/units/9999/analysis", r.round), 404),
        ("/ky/9999/phan-tich".to_string(), 404),
    ] {
        let status = admin.send(admin.get(app.url(&path))).await.status();
        assert_eq!(status.as_u16(), expected, "{path}");
    }
}
