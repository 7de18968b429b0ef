//! Departments appraising the criteria they own, and the appraisal council's sign-off,
//! through the real server: a round assigns an area to the Sở Tư pháp, whose appraiser
//! (no scope of their own) appraises that area in every unit and nothing else, sees it in
//! the queue and is told of the explanations on it; the council signs off an appraisal
//! round, which refuses its appraisals until withdrawn, and publication waits for the
//! sign-off of the last one; the minutes list each unit's totals and the leaves changed.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use serde_json::{Value, json};

use crate::excel::line;
use crate::helpers::{
    Browser, PASSWORD, TestApp, get_page, json_of, post_form, send_json, spawn_app, t,
};

/// Creates the unit «Sở Tư pháp» (STP) and, through the API, an appraiser of it
/// («thamdinh.stp», no scope of their own), signed in on the returned browser with its
/// CSRF token. Returns (department id, browser, token).
async fn justice_appraiser(app: &TestApp, admin: &Browser, csrf: &str) -> (i64, Browser, String) {
    let (status, body) = send_json(
        app,
        admin,
        csrf,
        "POST",
        "/api/units",
        json!({ "code": "STP", "name": "Sở Tư pháp", "tier_code": "t" }),
    )
    .await;
    assert!(status < 300, "{body}");
    let department = app.store().unit_by_code("STP").await.expect("unit").id;
    let (status, created) = send_json(
        app,
        admin,
        csrf,
        "POST",
        "/api/users",
        json!({
            "username": "thamdinh.stp",
            "display_name": "Trần Minh Khoa",
            "role": "appraiser",
            "department_code": "STP",
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    // The first password is the administrator's: set the test's own, already changed.
    let hash = parindex::service::auth::hash_password(PASSWORD)
        .await
        .expect("hash");
    app.store()
        .set_password_hash(id, &hash, false)
        .await
        .expect("password");
    let browser = Browser::default();
    let token = app.sign_in_with(&browser, "thamdinh.stp").await;
    (department, browser, token)
}

/// The status of `method` on `path` with `body`, sent by a browser with its CSRF token.
async fn status_of(
    app: &TestApp,
    (browser, csrf): (&Browser, &str),
    method: &str,
    path: &str,
    body: Value,
) -> u16 {
    send_json(app, browser, csrf, method, path, body).await.0
}

async fn queue_of(app: &TestApp, browser: &Browser, round: i64) -> Value {
    let url = app.url(&format!("/api/rounds/{round}/appraisal-queue"));
    let (status, body) = json_of(browser.send(browser.get(url)).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_department_appraises_the_area_assigned_to_it_in_every_unit_and_nothing_else() {
    let app = spawn_app().await;
    // A, B and C scored; the clock in appraisal round 1 (20/01/2024); B exempt from area 2.
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let (round, a, c) = (r.round, r.units[0], r.units[2]);
    let (justice, stp, stp_csrf) = justice_appraiser(&app, &admin, &csrf).await;
    let appraise =
        |unit: i64, leaf: &str| format!("/api/rounds/{round}/units/{unit}/appraisal/1/{leaf}");
    let body = json!({ "points": "0.5", "comment": "Văn bản ban hành chưa đúng thẩm quyền" });

    // Before any assignment, a department's appraiser appraises nothing.
    let (status, refused) = send_json(
        &app,
        &stp,
        &stp_csrf,
        "PUT",
        &appraise(a, "2.1"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        queue_of(&app, &stp, round).await["units"]
            .as_array()
            .expect("units")
            .is_empty()
    );

    // The administrator assigns area 2 of the tier to the Sở Tư pháp.
    let assign = format!("/api/rounds/{round}/assignments/t/2");
    let (status, body_) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &assign,
        json!({ "department_id": justice }),
    )
    .await;
    assert_eq!(status, 204, "{body_}");
    let (status, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/assignments"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["lines"][0]["node_code"], "2");
    assert_eq!(list["lines"][0]["department_name"], "Sở Tư pháp");
    assert_eq!(list["lines"][0]["leaves"], 2);
    let work = &list["departments"][0];
    assert_eq!(work["appraisers"][0][1], "thamdinh.stp", "{list}");
    // Leaves 2.1 and 2.2 in A and C (B is exempt from area 2); A's 2.1 is appraised.
    assert_eq!(
        (work["leaves"].as_i64(), work["appraised"].as_i64()),
        (Some(4), Some(1)),
        "{list}"
    );

    // Its appraiser now appraises area 2 in every unit, without a scope of their own…
    for unit in [a, c] {
        let (status, saved) = send_json(
            &app,
            &stp,
            &stp_csrf,
            "PUT",
            &appraise(unit, "2.2"),
            json!({ "points": "1", "comment": "Đạt" }),
        )
        .await;
        assert_eq!(status, 204, "{saved}");
    }
    // …and nothing outside it: 403, nothing written.
    let before = crate::helpers::audit_count(&app).await;
    let (status, refused) = send_json(
        &app,
        &stp,
        &stp_csrf,
        "PUT",
        &appraise(a, "1.1"),
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("không được phân công thẩm định lĩnh vực 1")
            && message.contains("Sở Tư pháp"),
        "{message}"
    );
    assert_eq!(crate::helpers::audit_count(&app).await, before);
    // The council's own appraiser (no department, no scope) still appraises everything.
    let general = Browser::default();
    let general_csrf = app.sign_in_with(&general, "thamdinh").await;
    let (status, saved) = send_json(
        &app,
        &general,
        &general_csrf,
        "PUT",
        &appraise(a, "1.1"),
        json!({ "points": "1" }),
    )
    .await;
    assert_eq!(status, 204, "{saved}");

    // The queue shows the department its own work: area 2 only, in A and C.
    let queue = queue_of(&app, &stp, round).await;
    assert_eq!(queue["department"]["name"], "Sở Tư pháp", "{queue}");
    assert!(
        queue["department"]["nodes"][0]
            .as_str()
            .expect("node")
            .starts_with("Lĩnh vực 2."),
        "{queue}"
    );
    let lines: Vec<(String, i64, i64)> = queue["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|l| {
            (
                l["unit_name"].as_str().expect("name").to_string(),
                l["leaves"].as_i64().expect("leaves"),
                l["left"].as_i64().expect("left"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("UBND phường An Khánh".to_string(), 2, 0),
            ("UBND phường Hưng Lợi".to_string(), 2, 1),
            // B is exempt from area 2: nothing of it is the department's.
            ("Văn phòng UBND thành phố".to_string(), 0, 0),
        ]
    );
    let (status, page) = get_page(&app, &stp, &format!("/ky/{round}/tham-dinh")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<strong>Sở Tư pháp</strong> được phân công thẩm định"),
        "{page}"
    );

    // The appraisal page offers the department's leaves only.
    let (status, page) = get_page(&app, &stp, &format!("/ky/{round}/don-vi/{a}/tham-dinh")).await;
    assert_eq!(status, 200);
    let form = |leaf: &str| format!("action=\"/ky/{round}/don-vi/{a}/tham-dinh/{leaf}");
    assert!(
        page.contains(&form("2.1")) && page.contains(&form("2.2")),
        "{page}"
    );
    assert!(
        !page.contains(&form("1.1")),
        "a form outside the assignment"
    );

    // A criterion assigned apart goes to its own department: 2.2 to another unit.
    let (status, body_) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/assignments/t/2.2"),
        json!({ "department_id": r.units[1] }),
    )
    .await;
    assert_eq!(status, 204, "{body_}");
    assert_eq!(
        status_of(
            &app,
            (&stp, &stp_csrf),
            "PUT",
            &appraise(a, "2.2"),
            json!({ "points": "1" })
        )
        .await,
        403
    );
    assert_eq!(
        status_of(
            &app,
            (&stp, &stp_csrf),
            "PUT",
            &appraise(a, "2.1"),
            body.clone()
        )
        .await,
        204
    );

    // Taking the area back takes the department's access with it; audited both ways.
    assert_eq!(
        status_of(&app, (&admin, &csrf), "DELETE", &assign, json!({})).await,
        204
    );
    assert_eq!(
        status_of(
            &app,
            (&stp, &stp_csrf),
            "PUT",
            &appraise(a, "2.1"),
            body.clone()
        )
        .await,
        403
    );
    let (status, _) = send_json(&app, &admin, &csrf, "DELETE", &assign, json!({})).await;
    assert_eq!(status, 404, "nothing left to take back");
    let actions: Vec<String> = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("assignment."))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "assignment.set").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "assignment.remove").count(),
        1,
        "{actions:?}"
    );
}

#[tokio::test]
async fn assignments_are_refused_beside_their_field_and_copied_with_the_round() {
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let round = r.round;
    let (justice, _, _) = justice_appraiser(&app, &admin, &csrf).await;
    let put = |node: &str| format!("/api/rounds/{round}/assignments/t/{node}");
    for (node, body, code, field) in [
        (
            "9",
            json!({ "department_id": justice }),
            422,
            Some("node_code"),
        ),
        // Area 3 is scored by survey only: nothing to appraise.
        (
            "3",
            json!({ "department_id": justice }),
            422,
            Some("node_code"),
        ),
        ("2", json!({}), 422, Some("department_id")),
        (
            "2",
            json!({ "department_id": 999_999 }),
            422,
            Some("department_id"),
        ),
    ] {
        let (status, refused) = send_json(&app, &admin, &csrf, "PUT", &put(node), body).await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (code, field),
            "{node}: {refused}"
        );
    }
    assert_eq!(
        status_of(
            &app,
            (&admin, &csrf),
            "PUT",
            &format!("/api/rounds/{round}/assignments/khong-co/2"),
            json!({ "department_id": justice })
        )
        .await,
        404
    );
    // Only the administrator assigns; viewers read.
    let viewer = Browser::default();
    let viewer_csrf = app.sign_in_with(&viewer, "lanhdao").await;
    assert_eq!(
        status_of(
            &app,
            (&viewer, &viewer_csrf),
            "PUT",
            &put("2"),
            json!({ "department_id": justice })
        )
        .await,
        403
    );
    let (status, _) = json_of(
        viewer
            .send(viewer.get(app.url(&format!("/api/rounds/{round}/assignments"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);

    // The page: a refused assignment comes back with what was chosen, the message beside
    // the field.
    let page = format!("/quan-tri/ky/{round}/phan-cong");
    // The viewer reads it without forms the server would refuse.
    let (status, viewed) = get_page(&app, &viewer, &page).await;
    assert_eq!(status, 200);
    assert!(
        !viewed.contains("/phan-cong/them") && !viewed.contains("/phan-cong/bo"),
        "{viewed}"
    );
    let chosen = justice.to_string();
    let (status, _, html) = post_form(
        &app,
        &admin,
        &format!("{page}/them"),
        &[
            ("csrf", csrf.as_str()),
            ("node", ""),
            ("department_id", chosen.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"loi-node_code\""), "{html}");
    assert!(html.contains("Cần chọn lĩnh vực hoặc tiêu chí"), "{html}");
    assert!(
        html.contains(&format!(
            "<option value=\"{justice}\" selected>Sở Tư pháp</option>"
        )),
        "{html}"
    );
    let (status, _, html) = post_form(
        &app,
        &admin,
        &format!("{page}/them"),
        &[
            ("csrf", csrf.as_str()),
            ("node", "t|2"),
            ("department_id", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"loi-department_id\"")
            && html.contains("<option value=\"t|2\" selected>"),
        "{html}"
    );
    // Done from the page: back to the list.
    let (status, location, _) = post_form(
        &app,
        &admin,
        &format!("{page}/them"),
        &[
            ("csrf", csrf.as_str()),
            ("node", "t|2"),
            ("department_id", chosen.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            303,
            Some(format!("{page}?tb=da-phan-cong#danh-sach").as_str())
        )
    );
    let (_, html) = get_page(&app, &admin, &format!("{page}?tb=da-phan-cong")).await;
    assert!(
        html.contains("Đã phân công.") && html.contains("Trần Minh Khoa (thamdinh.stp)"),
        "{html}"
    );

    // A round copied from this one copies its assignments.
    let spec = json!({
        "year": 2024,
        "title": "Chỉ số CCHC năm 2024",
        "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
        "phases": [{ "phase": "self_assessment", "opens": "01/12/2024", "closes": "07/01/2025" }],
        "open": false,
        "copied_from": round,
    });
    let (status, created) = send_json(&app, &admin, &csrf, "POST", "/api/rounds/new", spec).await;
    assert!(status < 300, "{status} {created}");
    let next = created["id"]
        .as_i64()
        .or_else(|| created["round_id"].as_i64())
        .expect("id");
    let (_, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{next}/assignments"))))
            .await,
    )
    .await;
    let lines = list["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{list}");
    assert_eq!(
        (
            lines[0]["node_code"].as_str(),
            lines[0]["department_id"].as_i64()
        ),
        (Some("2"), Some(justice))
    );
}

#[tokio::test]
async fn an_explanation_on_an_assigned_leaf_is_told_to_the_departments_appraisers() {
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    let (justice, _, _) = justice_appraiser(&app, &admin, &csrf).await;
    assert_eq!(
        status_of(
            &app,
            (&admin, &csrf),
            "PUT",
            &format!("/api/rounds/{round}/assignments/t/2"),
            json!({ "department_id": justice })
        )
        .await,
        204
    );
    let base = format!("/api/rounds/{round}/units/{a}");
    let general = Browser::default();
    let general_csrf = app.sign_in_with(&general, "thamdinh").await;
    for leaf in ["1.1", "2.2"] {
        let ask = json!({ "comment": "Đề nghị bổ sung tài liệu", "explanation_requested": true });
        let (status, body) = send_json(
            &app,
            &general,
            &general_csrf,
            "PUT",
            &format!("{base}/appraisal/1/{leaf}"),
            ask,
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    app.clock.set(t("05/02/2024 08:00"));
    let officer = Browser::default();
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    for leaf in ["1.1", "2.2"] {
        let (status, body) = send_json(
            &app,
            &officer,
            &officer_csrf,
            "PUT",
            &format!("{base}/explanations/{leaf}"),
            json!({ "text": "Quyết định số 15/QĐ-UBND" }),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let stp = Browser::default();
    app.sign_in_with(&stp, "thamdinh.stp").await;
    let (_, list) = json_of(stp.send(stp.get(app.url("/api/notices"))).await).await;
    let titles: Vec<&str> = list["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["kind"] == "explanation_answered")
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["UBND phường An Khánh đã giải trình tiêu chí 2.2"]);
}

/// Signs off appraisal round `n` over the API as the administrator: the status and body.
async fn sign_off(
    app: &TestApp,
    admin: &Browser,
    csrf: &str,
    round: i64,
    n: i64,
    body: Value,
) -> (u16, Value) {
    send_json(
        app,
        admin,
        csrf,
        "PUT",
        &format!("/api/rounds/{round}/appraisal/{n}/sign-off"),
        body,
    )
    .await
}

const MEMBERS: &str = "Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng\nLê Thị Hồng — Giám đốc Sở Nội vụ, Phó Chủ tịch Hội đồng\nPhạm Thị Lan — Trưởng phòng CCHC, Thư ký Hội đồng";

#[tokio::test]
async fn the_council_signs_off_an_appraisal_round_and_publication_waits_for_the_last() {
    let app = spawn_app().await;
    let (r, admin, _) = crate::analysis::scored_round(&app).await;
    let (round, a) = (r.round, r.units[0]);

    // Not before the appraisal round has opened.
    app.clock.set(t("05/01/2024"));
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let good = json!({ "signed_on": "05/01/2024", "members": MEMBERS });
    let (status, body) = sign_off(&app, &admin, &csrf, round, 1, good).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("appraisal_not_open")),
        "{body}"
    );

    // Refusals name their field.
    app.clock.set(t("31/01/2024 15:00"));
    let csrf = app.sign_in_with(&admin, "quantri").await;
    for (body, field) in [
        (
            json!({ "signed_on": "31/02/2024", "members": MEMBERS }),
            "signed_on",
        ),
        (
            json!({ "signed_on": "01/02/2024", "members": MEMBERS }),
            "signed_on",
        ),
        (
            json!({ "signed_on": "07/01/2024", "members": MEMBERS }),
            "signed_on",
        ),
        (
            json!({ "signed_on": "31/01/2024", "members": " \n " }),
            "members",
        ),
    ] {
        let (status, refused) = sign_off(&app, &admin, &csrf, round, 1, body).await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some(field)),
            "{refused}"
        );
    }
    // Only the administrator; appraisal round 3 does not exist.
    let appraiser = Browser::default();
    let appraiser_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let good = json!({ "signed_on": "31/01/2024", "members": MEMBERS, "note": "Thống nhất kết quả thẩm định lần 1." });
    let (status, _) = sign_off(&app, &appraiser, &appraiser_csrf, round, 1, good.clone()).await;
    assert_eq!(status, 403);
    let (status, _) = sign_off(&app, &admin, &csrf, round, 3, good.clone()).await;
    assert_eq!(status, 404);

    let (status, body) = sign_off(&app, &admin, &csrf, round, 1, good.clone()).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = sign_off(&app, &admin, &csrf, round, 1, good.clone()).await;
    assert_eq!(status, 409, "signed twice: {body}");
    let (status, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/appraisal/sign-offs"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let first = &list["rounds"][0];
    assert_eq!(
        (first["n"].as_i64(), first["last"].as_bool()),
        (Some(1), Some(false)),
        "{list}"
    );
    assert_eq!(first["sign_off"]["signed_on"], "2024-01-31");
    assert_eq!(first["sign_off"]["members"], MEMBERS);
    assert_eq!(list["rounds"][1]["last"], true);

    // Round 1's appraisals are refused from now on, whoever writes.
    let path = format!("/api/rounds/{round}/units/{a}/appraisal/1/2.2");
    let before = crate::helpers::audit_count(&app).await;
    let (status, refused) = send_json(
        &app,
        &appraiser,
        &appraiser_csrf,
        "PUT",
        &path,
        json!({ "points": "1", "comment": "Đạt" }),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("signed_off")),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .expect("message")
            .contains("ngày 31/01/2024"),
        "{refused}"
    );
    assert_eq!(crate::helpers::audit_count(&app).await, before);
    let (_, page) = get_page(
        &app,
        &appraiser,
        &format!("/ky/{round}/don-vi/{a}/tham-dinh"),
    )
    .await;
    assert!(
        page.contains("Hội đồng thẩm định đã ký biên bản thẩm định lần 1 ngày 31/01/2024"),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"/ky/{round}/don-vi/{a}/tham-dinh/2.2")),
        "a form after sign-off"
    );

    // Withdrawn with a reason, round 1 may be appraised again; then signed again.
    let withdraw = format!("/api/rounds/{round}/appraisal/1/sign-off/withdraw");
    let (status, refused) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &withdraw,
        json!({ "reason": " " }),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    assert_eq!(
        status_of(
            &app,
            (&admin, &csrf),
            "POST",
            &withdraw,
            json!({ "reason": "Sở Tư pháp đề nghị xem lại tiêu chí 2.2" })
        )
        .await,
        204
    );
    let (status, body) = send_json(
        &app,
        &appraiser,
        &appraiser_csrf,
        "PUT",
        &path,
        json!({ "points": "1", "comment": "Xem lại theo đề nghị của Sở Tư pháp" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = sign_off(&app, &admin, &csrf, round, 1, good.clone()).await;
    assert_eq!(status, 204);
    let actions: Vec<String> = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("appraisal.sign_off"))
        .collect();
    assert_eq!(actions.len(), 3, "{actions:?}");

    // Publication waits for the last appraisal round's sign-off, named in the checklist.
    app.clock.set(t("01/04/2024"));
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let (_, check) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/publication-check"))))
            .await,
    )
    .await;
    assert_eq!(
        check["sign_off"],
        json!({ "appraisal_round": 2, "signed_on": null }),
        "{check}"
    );
    let publish = format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
    let (status, refused) = send_json(&app, &admin, &csrf, "POST", &publish, json!({})).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("not_signed_off")),
        "{refused}"
    );
    let (_, page) = get_page(&app, &admin, &format!("/quan-tri/ky/{round}/cong-bo")).await;
    assert!(
        page.contains("Hội đồng thẩm định chưa ký biên bản thẩm định lần 2: chưa thể công bố."),
        "{page}"
    );
    let (status, _) = sign_off(
        &app,
        &admin,
        &csrf,
        round,
        2,
        json!({ "signed_on": "15/03/2024", "members": MEMBERS }),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = send_json(&app, &admin, &csrf, "POST", &publish, json!({})).await;
    assert_eq!(status, 204, "{body}");
    // Published: the sign-offs stay as they are.
    assert_eq!(
        status_of(
            &app,
            (&admin, &csrf),
            "POST",
            &format!("/api/rounds/{round}/appraisal/2/sign-off/withdraw"),
            json!({ "reason": "Thử" })
        )
        .await,
        409
    );
}

#[tokio::test]
async fn the_sign_off_form_comes_back_with_what_was_typed_beside_the_field() {
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let round = r.round;
    let form = format!("/quan-tri/ky/{round}/bien-ban/1/ky");
    let (status, _, html) = post_form(
        &app,
        &admin,
        &form,
        &[
            ("csrf", csrf.as_str()),
            ("signed_on", "32/01/2024"),
            ("members", MEMBERS),
            ("note", "Ghi chú <b>đậm</b>"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"loi-signed_on\""), "{html}");
    assert!(html.contains("value=\"32/01/2024\""), "{html}");
    assert!(
        html.contains("Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng"),
        "{html}"
    );
    assert!(html.contains("Ghi chú &lt;b&gt;đậm&lt;/b&gt;"), "{html}");
    let (status, _, html) = post_form(
        &app,
        &admin,
        &form,
        &[
            ("csrf", csrf.as_str()),
            ("signed_on", "20/01/2024"),
            ("members", ""),
            ("note", "Ý kiến"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"loi-members\"") && html.contains(">Ý kiến</textarea>"),
        "{html}"
    );
    let (status, location, _) = post_form(
        &app,
        &admin,
        &form,
        &[
            ("csrf", csrf.as_str()),
            ("signed_on", "20/01/2024"),
            ("members", MEMBERS),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            303,
            Some(format!("/quan-tri/ky/{round}/bien-ban?tb=da-ky#lan-1").as_str())
        )
    );
    // The withdrawal's reason, refused when empty, beside its field.
    let (status, _, html) = post_form(
        &app,
        &admin,
        &format!("/quan-tri/ky/{round}/bien-ban/1/huy"),
        &[("csrf", csrf.as_str()), ("reason", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"loi-reason\""), "{html}");
    let (_, html) = get_page(&app, &admin, &format!("/quan-tri/ky/{round}/bien-ban")).await;
    assert!(
        html.contains("Hội đồng đã ký biên bản ngày 20/01/2024")
            && html.contains("<li>Phạm Thị Lan — Trưởng phòng CCHC, Thư ký Hội đồng</li>"),
        "{html}"
    );
}

/// The minutes of round `n` as text rows, read with calamine, by `browser`.
async fn minutes_rows(app: &TestApp, browser: &Browser, round: i64, n: i64) -> (u16, Vec<String>) {
    let response = browser
        .send(browser.get(app.url(&format!("/api/rounds/{round}/appraisal/{n}/minutes.xlsx"))))
        .await;
    let status = response.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    assert_eq!(book.sheet_names(), [format!("Biên bản lần {n}")]);
    let sheet = book
        .worksheet_range(&format!("Biên bản lần {n}"))
        .expect("sheet");
    (status, sheet.rows().map(line).collect())
}

#[tokio::test]
async fn the_minutes_list_each_units_totals_and_the_leaves_the_appraisal_changed() {
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let round = r.round;
    // Before the council signs: a draft.
    let (status, rows) = minutes_rows(&app, &admin, round, 1).await;
    assert_eq!(status, 200);
    assert!(
        rows.iter()
            .any(|r| r.contains("(Dự thảo: Hội đồng thẩm định chưa ký biên bản)")),
        "{rows:#?}"
    );
    // The appraiser corrects A's figures on 1.2 (9/10 → 7/10): its points follow the rule.
    let appraiser = Browser::default();
    let appraiser_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let corrected = json!({
        "input": { "kind": "rate", "numerator": "7", "denominator": "10" },
        "comment": "Chỉ 7 đơn vị trực thuộc được kiểm tra",
    });
    let path = format!("/api/rounds/{round}/units/{}/appraisal/1/1.2", r.units[0]);
    let (status, body) =
        send_json(&app, &appraiser, &appraiser_csrf, "PUT", &path, corrected).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = sign_off(&app, &admin, &csrf, round, 1, json!({ "signed_on": "20/01/2024", "members": MEMBERS, "note": "Đề nghị UBND phường An Khánh bổ sung văn bản chỉ đạo." })).await;
    assert_eq!(status, 204, "{body}");

    // Viewers read them; units and appraisers do not.
    let viewer = Browser::default();
    app.sign_in_with(&viewer, "lanhdao").await;
    let (status, rows) = minutes_rows(&app, &viewer, round, 1).await;
    assert_eq!(status, 200);
    for who in ["a.canbo", "thamdinh"] {
        let browser = Browser::default();
        app.sign_in_with(&browser, who).await;
        assert_eq!(minutes_rows(&app, &browser, round, 1).await.0, 403, "{who}");
    }
    let text = rows.join("\n");
    for expected in [
        "«BIÊN BẢN»",
        "«Thẩm định lần 1 kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm 2023»",
        "ngày 20 tháng 01 năm 2024",
        "«1. Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng»",
        "«Ý kiến của Hội đồng: Đề nghị UBND phường An Khánh bổ sung văn bản chỉ đạo.»",
        "«THƯ KÝ HỘI ĐỒNG»",
        "«CHỦ TỊCH HỘI ĐỒNG»",
        "«Phạm Thị Lan»",
        "«Nguyễn Văn An»",
    ] {
        assert!(text.contains(expected), "«{expected}» missing from {text}");
    }
    assert!(!text.contains("Dự thảo"), "{text}");
    let header = rows
        .iter()
        .position(|r| r.starts_with("«STT»"))
        .expect("header");
    assert_eq!(
        rows[header],
        "«STT» | «Cơ quan, đơn vị / tiêu chí thành phần được điều chỉnh» | «Điểm tự đánh giá» | «Điểm thẩm định» | «Chênh lệch» | «Nhận xét của thẩm định»"
    );
    // Per unit (Vietnamese order) its totals, and under A the leaves the appraisal lowered:
    // 1.2 by its figures, 2.1 from 1,75 to 1,25, each with the appraiser's comment; the
    // unit's difference is theirs; B and C unchanged.
    let unit_a = rows
        .iter()
        .position(|r| r.starts_with("1 | «UBND phường An Khánh"))
        .expect("A");
    let number = |row: &str, i: usize| -> f64 {
        let cells: Vec<&str> = row.split(" | ").collect();
        cells[i].parse().unwrap_or_else(|_| panic!("{row}"))
    };
    let a = &rows[unit_a];
    assert!(a.ends_with("| «Điều chỉnh 2 tiêu chí thành phần»"), "{a}");
    assert!(
        (number(a, 3) - number(a, 2) - number(a, 4)).abs() < 1e-9,
        "{a}"
    );
    let (figures, judged) = (&rows[unit_a + 1], &rows[unit_a + 2]);
    assert!(
        figures.starts_with("∅ | «1.2. ")
            && figures.contains("\nSố liệu: đơn vị 9/10, thẩm định 7/10» | 0.75 | ")
            && figures.ends_with("| «Chỉ 7 đơn vị trực thuộc được kiểm tra»"),
        "{figures}"
    );
    assert!(judged.starts_with("∅ | «2.1. "), "{judged}");
    assert!(
        judged.ends_with("| 1.75 | 1.25 | -0.5 | «Chưa đăng tải đủ văn bản chỉ đạo»"),
        "{judged}"
    );
    assert!(
        (number(figures, 4) - 0.5 - number(a, 4)).abs() < 1e-9,
        "{a}"
    );
    let unit_c = rows
        .iter()
        .position(|r| r.starts_with("2 | «UBND phường Hưng Lợi"))
        .expect("C");
    assert_eq!(
        rows[unit_c],
        "2 | «UBND phường Hưng Lợi\n(Không gửi tự đánh giá)» | 0 | 0 | 0 | «Giữ nguyên điểm tự đánh giá»"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("3 | «Văn phòng UBND thành phố")),
        "{rows:#?}"
    );
    // Appraisal round 2 has its own minutes; a round without such a window has none.
    assert_eq!(minutes_rows(&app, &admin, round, 2).await.0, 200);
    assert_eq!(minutes_rows(&app, &admin, round, 3).await.0, 404);
}

#[tokio::test]
async fn the_directory_import_names_an_appraisers_department_in_the_unit_column() {
    use crate::directory_import::{C, directory_workbook, import, sheet_rows};
    let app = spawn_app().await;
    let (_, admin, csrf) = crate::analysis::scored_round(&app).await;
    let stp = [C::S("STP"), C::S("Sở Tư pháp"), C::S("t")];
    // An appraiser's unit is their department: it must exist; a viewer still has none.
    let refused = directory_workbook(
        &[stp],
        &[[
            C::S("tdv.stp"),
            C::S("Trần Minh Khoa"),
            C::S("Thành viên thẩm định"),
            C::S("KHONG-CO"),
            C::E,
        ]],
    );
    let (status, body) = import(&app, &admin, &csrf, refused, true).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("mã đơn vị «KHONG-CO» không có"),
        "{body}"
    );
    let good = directory_workbook(
        &[stp],
        &[[
            C::S("tdv.stp"),
            C::S("Trần Minh Khoa"),
            C::S("Thành viên thẩm định"),
            C::S("STP"),
            C::E,
        ]],
    );
    let (status, body) = import(&app, &admin, &csrf, good, false).await;
    assert_eq!(status, 200, "{body}");
    let justice = app.store().unit_by_code("STP").await.expect("STP").id;
    let (user, _) = app
        .store()
        .user_for_sign_in("tdv.stp")
        .await
        .expect("lookup")
        .expect("user");
    assert_eq!((user.unit_id, user.department_id), (None, Some(justice)));
    // The template lists it back in the same column.
    let template = admin
        .send(admin.get(app.url("/api/directory/template.xlsx")))
        .await;
    let bytes = template.bytes().await.expect("template").to_vec();
    let rows = sheet_rows(&bytes, "Người dùng");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("tdv.stp | Trần Minh Khoa | ") && r.contains(" | STP")),
        "{rows:#?}"
    );
}
