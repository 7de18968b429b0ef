//! A round holds exactly its units: the list taken when it was created, changed only by
//! the administrator's audited acts, by the phase rules (a reason while the round is in
//! preparation or its self-assessment is open, a decision afterwards, never after
//! publication). Results, progress, the queue, the publication checklist and the exports
//! read that list.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::json;

use crate::helpers::{json_of, small_round, spawn_app, t};

/// Every text cell of every sheet of a workbook.
pub(crate) fn workbook_text(bytes: &[u8]) -> String {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let mut out = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            for cell in row {
                if let Data::String(s) = cell {
                    out.push_str(s);
                    out.push('\n');
                }
            }
        }
    }
    out
}

async fn audit_actions(app: &crate::helpers::TestApp, round: i64) -> Vec<(String, String)> {
    use sqlx::Row;
    sqlx::query(
        "select action, coalesce(new_value, '') from audit_log where round_id = $1 order by id",
    )
    .bind(round)
    .fetch_all(app.store().pool())
    .await
    .expect("audit")
    .into_iter()
    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
    .collect()
}

#[tokio::test]
async fn a_unit_created_after_the_self_assessment_closed_is_not_in_the_round() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let round = r.round;
    // A new unit while the self-assessment is open joins (the form says so, and asks).
    let csrf = app.sign_in_as("quantri").await;
    let (status, _) = app
        .post_json(
            "/api/units",
            Some(&csrf),
            json!({"code": "C", "name": "UBND phường Cái Khế", "tier_code": "t"}),
        )
        .await;
    assert!(status < 300, "{status}");
    // Asked not to, it does not.
    let (status, _) = app
        .post_json(
            "/api/units",
            Some(&csrf),
            json!({"code": "E", "name": "UBND phường Tân An", "tier_code": "t", "join_open_rounds": false}),
        )
        .await;
    assert!(status < 300, "{status}");
    let (_, members) = app.get_json(&format!("/api/rounds/{round}/members")).await;
    let names: Vec<&str> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "UBND phường An Khánh",
            "UBND phường Cái Khế",
            "UBND phường Hưng Lợi"
        ]
    );
    assert_eq!(members["others"][0]["name"], "UBND phường Tân An");

    // The self-assessment closed on 07/01/2024; appraisal round 1 runs.
    app.clock.set(t("10/01/2024"));
    let csrf = app.sign_in_as("quantri").await;
    let results = format!("/api/rounds/{round}/results");
    let (status, before) = app.get_json(&results).await;
    assert_eq!(status, 200, "{before}");
    let export = |path: String| {
        let app = &app;
        async move {
            let response = app.browser.send(app.browser.get(app.url(&path))).await;
            let status = response.status();
            assert_eq!(
                status,
                200,
                "{path}: {}",
                response.text().await.unwrap_or_default()
            );
            workbook_text(&response.bytes().await.expect("bytes"))
        }
    };
    let ranking_before = export(format!("/api/rounds/{round}/export/ranking.xlsx")).await;
    assert!(ranking_before.contains("UBND phường Cái Khế"));

    let (status, _) = app
        .post_json(
            "/api/units",
            Some(&csrf),
            json!({"code": "D", "name": "UBND phường Thới Bình", "tier_code": "t"}),
        )
        .await;
    assert!(status < 300, "{status}");

    let (_, after) = app.get_json(&results).await;
    assert_eq!(
        after, before,
        "a unit created after the close changed the results"
    );
    for path in [
        format!("/api/rounds/{round}/export/ranking.xlsx"),
        format!("/api/rounds/{round}/export/details.xlsx"),
    ] {
        // The detail workbook writes names in capitals in its titles.
        let text = export(path.clone()).await.to_lowercase();
        let leak: Vec<&str> = text.lines().filter(|l| l.contains("thới bình")).collect();
        assert!(leak.is_empty(), "{path} lists the new unit: {leak:?}");
        assert!(text.contains("ubnd phường an khánh"), "{path}");
    }
    let (_, queue) = app
        .get_json(&format!("/api/rounds/{round}/appraisal-queue"))
        .await;
    assert!(!queue.to_string().contains("Thới Bình"), "{queue}");
    let (_, check) = app
        .get_json(&format!("/api/rounds/{round}/publication-check"))
        .await;
    assert!(!check.to_string().contains("Thới Bình"), "{check}");
    let progress = app
        .browser
        .send(app.browser.get(app.url(&format!("/quan-tri/ky/{round}"))))
        .await;
    let progress = progress.text().await.expect("page");
    assert!(progress.contains("UBND phường An Khánh"));
    assert!(
        !progress.contains("Thới Bình"),
        "the progress page lists it"
    );

    // Its officer cannot write in a round it is not in.
    let d = app.store().unit_by_code("D").await.expect("unit").id;
    let (_, members) = app.get_json(&format!("/api/rounds/{round}/members")).await;
    assert!(members["others"].to_string().contains("Thới Bình"));

    // After the close, a change needs a decision; with one it is made and audited.
    let add = format!("/api/rounds/{round}/members");
    let (status, body) = app
        .post_json(
            &add,
            Some(&csrf),
            json!({"unit_id": d, "reason": "Đơn vị mới"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "decision_required");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("quyết định")
    );
    let (_, unchanged) = app.get_json(&results).await;
    assert_eq!(unchanged, before);
    let (status, body) = app
        .post_json(
            &add,
            Some(&csrf),
            json!({"unit_id": d, "reason": "Đơn vị mới", "decision": "Quyết định số 15/QĐ-SNV ngày 10/01/2024"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, with_d) = app.get_json(&results).await;
    assert!(with_d.to_string().contains("Thới Bình"));
    let audit = audit_actions(&app, round).await;
    let last = audit.last().expect("audit");
    assert_eq!(last.0, "round.member_add");
    assert!(last.1.contains("Quyết định số 15/QĐ-SNV"), "{last:?}");

    // Taken out again (by a decision), the results are what they were.
    let remove = format!("/api/rounds/{round}/members/{d}/remove");
    let (status, body) = app
        .post_json(&remove, Some(&csrf), json!({"reason": "Nhầm"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("decision_required"))
    );
    let (status, _) = app
        .post_json(
            &remove,
            Some(&csrf),
            json!({"reason": "Nhầm", "decision": "Quyết định số 16/QĐ-SNV"}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, again) = app.get_json(&results).await;
    assert_eq!(again, before);
    assert_eq!(
        audit_actions(&app, round).await.last().map(|a| a.0.clone()),
        Some("round.member_remove".into())
    );

    // Not an administrator: refused.
    let appraiser = crate::helpers::Browser::default();
    let token = app.sign_in_with(&appraiser, "thamdinh").await;
    let request = appraiser
        .post(app.url(&add))
        .header("x-csrf-token", token)
        .json(&json!({"unit_id": d, "reason": "x", "decision": "y"}));
    let (status, _) = json_of(appraiser.send(request).await).await;
    assert_eq!(status, 403);

    // Published: never again.
    crate::helpers::signed_off(app.store(), round).await;
    let (status, body) = app
        .post_json(
            &format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true"),
            Some(&csrf),
            json!({}),
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let (status, body) = app
        .post_json(
            &add,
            Some(&csrf),
            json!({"unit_id": d, "reason": "x", "decision": "Quyết định số 17"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("công bố")
    );
}

#[tokio::test]
async fn while_the_self_assessment_is_open_a_unit_is_added_or_taken_out_with_a_reason() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let round = r.round;
    let b = r.units[1];
    let csrf = app.sign_in_as("quantri").await;
    let remove = format!("/api/rounds/{round}/members/{b}/remove");
    let (status, body) = app
        .post_json(&remove, Some(&csrf), json!({"reason": "  "}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("lý do")
    );
    let (status, body) = app
        .post_json(
            &remove,
            Some(&csrf),
            json!({"reason": "Sáp nhập vào phường An Khánh"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let audit = audit_actions(&app, round).await;
    let last = audit.last().expect("audit");
    assert_eq!(last.0, "round.member_remove");
    assert!(last.1.contains("Sáp nhập vào phường An Khánh"), "{last:?}");
    let (status, body) = app
        .post_json(&remove, Some(&csrf), json!({"reason": "lần nữa"}))
        .await;
    assert_eq!(status, 409, "{body}");

    // B's officer no longer reaches the round; B's home page does not list it.
    let officer = crate::helpers::Browser::default();
    app.sign_in_with(&officer, "b.canbo").await;
    let response = officer
        .send(officer.get(app.url(&format!("/api/rounds/{round}/units/{b}/self-assessment"))))
        .await;
    assert!(response.status().is_client_error(), "{}", response.status());
    let results = app
        .get_json(&format!("/api/rounds/{round}/results"))
        .await
        .1;
    assert!(!results.to_string().contains("Hưng Lợi"), "{results}");

    // Back in, from the page: the confirmation page first, then the add form.
    let page = app
        .browser
        .send(
            app.browser
                .get(app.url(&format!("/quan-tri/ky/{round}/don-vi?bo={}", r.units[0]))),
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("Đưa UBND phường An Khánh ra khỏi kỳ đánh giá?"),
        "{page}"
    );
    let b_text = b.to_string();
    let add = |reason: &'static str| {
        let form = [
            ("csrf", csrf.as_str()),
            ("unit_id", &b_text),
            ("reason", reason),
        ];
        let request = (app
            .browser
            .post(app.url(&format!("/quan-tri/ky/{round}/don-vi/them"))))
        .form(&form);
        app.browser.send(request)
    };
    // Refused without a reason: the page comes back with the unit chosen, beside the error.
    let response = add("").await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains(&format!("<option value=\"{b}\" selected>")),
        "{page}"
    );
    assert!(page.contains("Cần ghi lý do thêm đơn vị"), "{page}");
    let response = add("Tách lại").await;
    assert!(response.status().is_success(), "{}", response.status());
    let results = app
        .get_json(&format!("/api/rounds/{round}/results"))
        .await
        .1;
    assert!(results.to_string().contains("Hưng Lợi"), "{results}");
}

#[tokio::test]
async fn the_directory_import_names_the_open_rounds_a_new_unit_joins() {
    use crate::directory_import::{C, directory_workbook};
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let csrf = app.sign_in_as("quantri").await;
    let import = |bytes: Vec<u8>, query: &'static str| {
        let request = (app
            .browser
            .post(app.url(&format!("/api/directory/import?{query}"))))
        .header("x-csrf-token", csrf.clone())
        .body(bytes);
        async { json_of(app.browser.send(request).await).await }
    };
    let one = |code: &'static str, name: &'static str| {
        directory_workbook(&[[C::S(code), C::S(name), C::S("t")]], &[])
    };
    let member = |code: &'static str| {
        let app = &app;
        async move {
            let id = app.store().unit_by_code(code).await.expect("unit").id;
            app.store()
                .member_tier(r.round, id)
                .await
                .expect("member")
                .is_some()
        }
    };

    // While the self-assessment is open, the dry run names the round; the import joins it.
    let (status, report) = import(one("N1", "UBND xã Nhơn Ái"), "dry_run=true").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["joins"],
        json!(["UBND xã Nhơn Ái (N1): Chỉ số CCHC năm 2023"])
    );
    let (status, _) = import(one("N1", "UBND xã Nhơn Ái"), "dry_run=false").await;
    assert_eq!(status, 200);
    assert!(member("N1").await);
    // Asked not to, it joins nothing.
    let (status, report) = import(
        one("N2", "UBND xã Nhơn Nghĩa"),
        "dry_run=false&join_open_rounds=false",
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["joins"], json!([]));
    assert!(!member("N2").await);

    // After the close, a new unit joins nothing.
    app.clock.set(t("10/01/2024"));
    let csrf2 = app.sign_in_as("quantri").await;
    let request = (app
        .browser
        .post(app.url("/api/directory/import?dry_run=false")))
    .header("x-csrf-token", csrf2)
    .body(one("N3", "UBND xã Tân Thới"));
    let (status, report) = json_of(app.browser.send(request).await).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["joins"], json!([]));
    assert!(!member("N3").await);
}

/// A unit merged or dissolved is retired from the directory, with a reason: it stays,
/// under its name, in the round it is a member of (results unchanged), joins no new round
/// and can no longer be added to one; the page asks to confirm and keeps what was typed.
#[tokio::test]
async fn a_retired_unit_stays_in_its_rounds_and_joins_no_new_one() {
    use crate::helpers::{Browser, send_json};
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, b) = (r.round, r.units[1]);
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let admin_post = |path: &str, body: serde_json::Value| {
        let (app, admin, csrf, path) = (&app, admin.clone(), csrf.clone(), path.to_string());
        async move { send_json(app, &admin, &csrf, "POST", &path, body).await }
    };
    let results = format!("/api/rounds/{round}/results");
    let (_, before) = json_of(admin.send(admin.get(app.url(&results))).await).await;
    assert!(before.to_string().contains("UBND phường Hưng Lợi"));

    // From the page: no reason, then no confirmation, each refused beside its field with
    // the typing kept; nothing changes.
    let page = |path: String| {
        let admin = admin.clone();
        let url = app.url(&path);
        async move {
            let response = admin.send(admin.get(url)).await;
            (
                response.status().as_u16(),
                response.text().await.expect("page"),
            )
        }
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        let url = app.url(&format!("/quan-tri/don-vi/{b}/ngung-hoat-dong"));
        async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let response = admin.send(client.post(url).form(&fields)).await;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let page = response.text().await.expect("page").replace("&#x2f;", "/");
            (status, location, page)
        }
    };
    let (status, shown) = page(format!("/quan-tri/don-vi/{b}")).await;
    assert_eq!(status, 200);
    assert!(shown.contains("Đang hoạt động"), "{shown}");
    assert!(
        shown.contains("Kỳ đánh giá"),
        "its round is listed: {shown}"
    );
    let (status, _, shown) = post(vec![("csrf", csrf.clone()), ("reason", " ".into())]).await;
    assert_eq!(status, 422);
    let (_, after_field) = shown.split_once("id=\"n-reason\"").expect("reason field");
    assert!(
        after_field.contains("Cần ghi lý do đơn vị ngừng hoạt động"),
        "the message beside the reason: {after_field}"
    );
    let reason = "Sáp nhập vào UBND phường An Khánh theo Nghị quyết 1668/NQ-UBTVQH15";
    let (status, _, shown) = post(vec![("csrf", csrf.clone()), ("reason", reason.into())]).await;
    assert_eq!(status, 409, "asks to confirm first");
    assert!(
        shown.contains(&format!(">{reason}</textarea>")),
        "typing kept"
    );
    assert!(shown.contains("Đánh dấu ô «Tôi xác nhận…»"), "{shown}");
    let unit_url = app.url(&format!("/api/units/{b}"));
    let (_, unit) = json_of(admin.send(admin.get(unit_url)).await).await;
    assert_eq!(unit["unit"]["active"], 1, "{unit}");

    let (status, location, _) = post(vec![
        ("csrf", csrf.clone()),
        ("reason", reason.into()),
        ("confirm", "co".into()),
    ])
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/quan-tri/don-vi/{b}?tb=da-ngung").as_str())
    );
    let (_, shown) = page(format!("/quan-tri/don-vi/{b}")).await;
    assert!(shown.contains("Đã ngừng hoạt động"), "{shown}");
    let audit = audit_actions(&app, round).await;
    assert!(
        !audit.iter().any(|a| a.0 == "unit.retire"),
        "a directory act, not a round's"
    );
    use sqlx::Row;
    let retired = sqlx::query("select new_value from audit_log where action = 'unit.retire'")
        .fetch_all(app.store().pool())
        .await
        .expect("audit");
    assert_eq!(retired.len(), 1);
    assert!(retired[0].get::<String, _>(0).contains("Nghị quyết 1668"));

    // It stays in its round, with its name; the results are unchanged.
    let (_, after) = json_of(admin.send(admin.get(app.url(&results))).await).await;
    assert_eq!(after, before, "retiring changed the round's results");
    let (_, members) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/members"))))
            .await,
    )
    .await;
    assert!(
        members["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["name"] == "UBND phường Hưng Lợi" && m["retired"] == true),
        "{members}"
    );
    // The directory lists it apart.
    let (_, directory) = page("/quan-tri".into()).await;
    let (_, apart) = directory
        .split_once("Đơn vị đã ngừng hoạt động (1)")
        .expect("the retired list");
    assert!(apart.contains("UBND phường Hưng Lợi"));

    // The next round, created now, leaves it out.
    let next = crate::helpers::create_next_round(&app, &admin, &csrf, round).await;
    let next_url = app.url(&format!("/api/rounds/{next}/members"));
    let (_, next_members) = json_of(admin.send(admin.get(next_url)).await).await;
    let names = next_members["members"].to_string() + &next_members["others"].to_string();
    assert!(names.contains("An Khánh"), "{names}");
    assert!(
        !names.contains("Hưng Lợi"),
        "a retired unit in a new round: {names}"
    );

    // Taken out of its round, it cannot be added back; nor can a non-administrator
    // retire a unit; retiring twice is a conflict.
    let remove = format!("/api/rounds/{round}/members/{b}/remove");
    let (status, _) = admin_post(&remove, json!({"reason": "Đã sáp nhập"})).await;
    assert_eq!(status, 204);
    let add = format!("/api/rounds/{round}/members");
    let (status, body) = admin_post(&add, json!({"unit_id": b, "reason": "Nhầm"})).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("ngừng hoạt động")
    );
    let retire = format!("/api/units/{b}/retire");
    let (status, _) = admin_post(&retire, json!({"reason": "x"})).await;
    assert_eq!(status, 409);
    let appraiser = Browser::default();
    let token = app.sign_in_with(&appraiser, "thamdinh").await;
    let a = r.units[0];
    let (status, _) = send_json(
        &app,
        &appraiser,
        &token,
        "POST",
        &format!("/api/units/{a}/retire"),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(status, 403);

    // Its code typed in another case is the same unit, never a second one.
    let (status, body) = admin_post(
        "/api/units",
        json!({"code": "b", "name": "UBND phường Hưng Lợi", "tier_code": "t"}),
    )
    .await;
    assert_eq!((status, body["id"].as_i64()), (201, Some(b)), "{body}");

    // Back (with a reason), it may be added again.
    let restore = format!("/api/units/{b}/restore");
    let (status, body) = admin_post(&restore, json!({"reason": ""})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, _) = admin_post(&restore, json!({"reason": "Quyết định bị hủy"})).await;
    assert_eq!(status, 204);
    let (status, body) =
        admin_post(&add, json!({"unit_id": b, "reason": "Hoạt động trở lại"})).await;
    assert_eq!(status, 204, "{body}");
}
