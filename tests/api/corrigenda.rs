//! A criteria corrigendum mid-round: the Sở switches a tier to a corrected version of its
//! set; unchanged leaves carry over, changed ones are rescored and flagged for the unit to
//! review with the old entry shown, removed ones leave the totals but stay in the history.

use serde_json::{Value, json};

use crate::helpers::{
    Browser, TestApp, get_page, json_of, post_form, send_json, small_round, spawn_app_at,
    system_audit, t,
};

/// The test set corrected: 1.1 reworded, 2.1's maximum 2 → 1,5, 2.2 removed, 2.3 added.
pub fn corrected() -> String {
    crate::criteria_check::VALID
        .replace("version = \"1\"", "version = \"1.1\"")
        .replace("total = 10", "total = 9.5")
        .replace(
            "text = \"Ban hành kế hoạch CCHC năm kịp thời\"",
            "text = \"Ban hành kế hoạch CCHC năm kịp thời, đúng quy định\"",
        )
        .replace("text = \"Hiện đại hóa hành chính\"\nmax = 3", "text = \"Hiện đại hóa hành chính\"\nmax = 2.5")
        .replace(
            "max = 2\nmethod = \"judged\"\nguidance = \"Từ 0 đến 2 điểm, bước 0,25.\"",
            "max = 1.5\nmethod = \"judged\"\nguidance = \"Từ 0 đến 1,5 điểm, bước 0,25.\"",
        )
        .replace(
            "code = \"2.2\"\ntext = \"Báo cáo đúng hạn\"\nmax = 1\nmethod = \"deduction\"\nper_occurrence = 0.25\noccurrence = \"Số báo cáo chậm\"\nguidance = \"Trừ 0,25 điểm mỗi báo cáo chậm.\"",
            "code = \"2.3\"\ntext = \"Tỷ lệ thủ tục hành chính trực tuyến toàn trình\"\nmax = 1\nmethod = \"yes_no\"\nguidance = \"Đạt: 1 điểm.\"",
        )
}

/// Stores the corrected version beside the round's, as the criteria page's import does.
pub async fn import_corrected(app: &TestApp) {
    let text = corrected();
    let set = parindex::domain::criteria_file::parse("kiem-thu-1.1.toml", &text)
        .expect("valid corrected set");
    app.store()
        .import_criteria_set(&set, &text, system_audit(), t("05/12/2023"))
        .await
        .expect("import");
}

async fn self_assessment(app: &TestApp, browser: &Browser, base: &str) -> Value {
    let (status, view) = json_of(
        browser
            .send(browser.get(app.url(&format!("{base}/self-assessment"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    view
}

fn node<'a>(view: &'a Value, code: &str) -> &'a Value {
    view["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["code"] == code)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_corrigendum_keeps_every_entry_rescores_changed_leaves_and_asks_the_unit_to_review_them()
{
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    import_corrected(&app).await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    for (leaf, input) in [
        ("1.1", json!({ "kind": "yes_no", "met": true })),
        (
            "1.3",
            json!({ "kind": "rate", "numerator": "8", "denominator": "10" }),
        ),
        ("2.1", json!({ "kind": "judged", "points": "1.75" })),
        ("2.2", json!({ "kind": "occurrences", "count": 1 })),
    ] {
        let (status, body) = send_json(
            &app,
            &officer,
            &csrf,
            "PUT",
            &format!("{base}/self-assessment/{leaf}"),
            json!({ "input": input, "explanation": "Theo báo cáo năm" }),
        )
        .await;
        assert_eq!(status, 200, "{leaf}: {body}");
    }
    let before = self_assessment(&app, &officer, &base).await;
    assert_eq!(before["progress"]["self_total"], "4.7");

    // Only the Sở's administrators; the preview changes nothing.
    let path = format!("/api/rounds/{}/tiers/t/corrigendum", r.round);
    let (status, _) = send_json(
        &app,
        &officer,
        &csrf,
        "POST",
        &format!("{path}?dry_run=true"),
        json!({ "set_version": "1.1", "reason": "x" }),
    )
    .await;
    assert_eq!(status, 403);
    let admin = Browser::default();
    let a_csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, plan) = send_json(
        &app,
        &admin,
        &a_csrf,
        "POST",
        &format!("{path}?dry_run=true"),
        json!({ "set_version": "1.1", "reason": "" }),
    )
    .await;
    assert_eq!(status, 200, "{plan}");
    let leaves: Vec<String> = plan["leaves"]
        .as_array()
        .expect("leaves")
        .iter()
        .map(|l| {
            format!(
                "{} {} {}",
                l["code"].as_str().unwrap_or(""),
                l["kind"].as_str().unwrap_or(""),
                l["changes"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        leaves,
        vec![
            "1.1 changed nội dung tiêu chí",
            "2.1 changed điểm tối đa 2 → 1,5; hướng dẫn chấm",
            "2.3 added ",
            "2.2 removed ",
        ]
    );
    assert_eq!(
        (
            plan["entries_to_review"].as_u64(),
            plan["units_to_review"].as_u64(),
            plan["entries_left_out"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{plan}"
    );
    assert_eq!(
        self_assessment(&app, &officer, &base).await["set_version"],
        "1"
    );

    // Refusals name their field.
    for (body, field) in [
        (json!({ "set_version": "1.1", "reason": " " }), "reason"),
        (
            json!({ "set_version": "9", "reason": "Quyết định 99/QĐ-SNV" }),
            "set_version",
        ),
        (
            json!({ "set_version": "1", "reason": "Quyết định 99/QĐ-SNV" }),
            "set_version",
        ),
    ] {
        let (status, answer) = send_json(&app, &admin, &a_csrf, "POST", &path, body).await;
        assert_eq!(
            (status, answer["error"]["field"].as_str()),
            (422, Some(field)),
            "{answer}"
        );
    }

    let (status, plan) = send_json(&app, &admin, &a_csrf, "POST", &path,
        json!({ "set_version": "1.1", "reason": "Quyết định 120/QĐ-SNV ngày 12/12/2023 đính chính bộ tiêu chí" })).await;
    assert_eq!(
        (status, plan["applied"].as_bool()),
        (200, Some(true)),
        "{plan}"
    );

    // The unit: the new version; 1.1 kept (same points) and flagged; 2.1's 1,75 no longer
    // fits a maximum of 1,5, kept as it was and unscored; 2.2 out of the total; 1.3 as it was.
    let after = self_assessment(&app, &officer, &base).await;
    assert_eq!(after["set_version"], "1.1");
    assert_eq!(node(&after, "1.1")["entry"]["points"], "1");
    assert_eq!(
        node(&after, "1.1")["revised"]["changes"],
        "nội dung tiêu chí"
    );
    assert_eq!(node(&after, "1.1")["revised"]["before"], "Đạt: 1 điểm");
    assert_eq!(node(&after, "2.1")["entry"]["points"], Value::Null);
    assert_eq!(node(&after, "2.1")["revised"]["before"], "1,75 điểm");
    assert_eq!(node(&after, "1.3")["revised"], Value::Null);
    assert_eq!(node(&after, "1.3")["entry"]["points"], "1.2");
    assert_eq!(node(&after, "2.2"), &Value::Null);
    assert_eq!(after["progress"]["self_total"], "2.2");
    let (_, page) = get_page(
        &app,
        &officer,
        &format!("/ky/{}/don-vi/{}/tu-cham-diem", r.round, r.units[0]),
    )
    .await;
    assert_eq!(
        page.matches("Tiêu chí đã được sửa — cần xem lại").count(),
        2,
        "{page}"
    );
    // Told, and the other unit (nothing to review) is not.
    let (_, list) = json_of(officer.send(officer.get(app.url("/api/notices"))).await).await;
    assert!(
        list.to_string()
            .contains("Tiêu chí đã được sửa — cần xem lại: 1.1, 2.1"),
        "{list}"
    );
    assert!(
        list.to_string()
            .contains("Tiêu chí mới cần chấm: 2.3. Tiêu chí được bỏ (không còn tính điểm): 2.2."),
        "{list}"
    );
    // The other unit has nothing to review, but hears of the new and removed leaves.
    let b = Browser::default();
    app.sign_in_with(&b, "b.canbo").await;
    let (_, list) = json_of(b.send(b.get(app.url("/api/notices"))).await).await;
    let body = list["notices"][0]["body"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        body.contains("Tiêu chí mới cần chấm: 2.3") && !body.contains("cần xem lại"),
        "{list}"
    );

    // Saving 2.1 again is the review: its flag goes, 1.1's stays.
    let version = node(&after, "2.1")["entry"]["version"]
        .as_i64()
        .expect("version");
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &format!("{base}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "1.5" }, "explanation": "Theo báo cáo năm", "expected_version": version })).await;
    assert_eq!(status, 200, "{body}");
    let now = self_assessment(&app, &officer, &base).await;
    assert_eq!(node(&now, "2.1")["revised"], Value::Null);
    assert_ne!(node(&now, "1.1")["revised"], Value::Null);
    // The history keeps each step; the round lists the corrigendum.
    let (_, history) = json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/history/2.1"))))
            .await,
    )
    .await;
    assert!(
        history
            .to_string()
            .contains("đính chính bộ tiêu chí (điểm tối đa 2 → 1,5"),
        "{history}"
    );
    let (_, made) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{}/corrigenda", r.round))))
            .await,
    )
    .await;
    assert_eq!(
        (
            made[0]["old_version"].as_str(),
            made[0]["new_version"].as_str(),
            made[0]["revised"].as_i64(),
            made[0]["reviewed"].as_i64()
        ),
        (Some("1"), Some("1.1"), Some(2), Some(1)),
        "{made}"
    );
}

#[tokio::test]
async fn no_corrigendum_once_the_appraisal_has_started_unless_a_unit_is_reopened() {
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    import_corrected(&app).await;
    app.clock.set(t("10/01/2024 09:00"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!("/api/rounds/{}/tiers/t/corrigendum", r.round);
    let body = json!({ "set_version": "1.1", "reason": "Quyết định 120/QĐ-SNV" });
    let (status, answer) = send_json(&app, &admin, &csrf, "POST", &path, body.clone()).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("appraisal_started")),
        "{answer}"
    );

    let reopening = json!({ "phase": "self_assessment", "kind": "reopening", "until": "20/01/2024 17:00", "reason": "Đính chính bộ tiêu chí" });
    let (status, answer) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        &format!("/api/rounds/{}/units/{}/overrides", r.round, r.units[0]),
        reopening,
    )
    .await;
    assert_eq!(status, 204, "{answer}");
    let (status, answer) = send_json(&app, &admin, &csrf, "POST", &path, body).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn the_corrigendum_page_previews_on_its_button_and_refuses_a_form_without_one() {
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    import_corrected(&app).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let page = format!("/quan-tri/ky/{}/dinh-chinh", r.round);
    let form = |action: Option<&'static str>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("tier", "t".to_string()),
            ("set_version", "1.1".to_string()),
            ("reason", "Quyết định số 12/QĐ-UBND".to_string()),
        ];
        form.extend(action.map(|a| ("action", a.to_string())));
        form
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let (app, admin, page) = (&app, &admin, &page);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, admin, page, &fields).await
        }
    };
    let (status, _, html) = post(form(Some("xem-truoc"))).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Xem trước: KIEM-THU 1 → 1.1"), "{html}");
    assert!(
        html.contains("Quyết định số 12/QĐ-UBND"),
        "the reason typed, kept"
    );
    // A form without its button, or with one the page never had, is no preview.
    for action in [None, Some("dinh chinh"), Some("")] {
        let (status, _, html) = post(form(action)).await;
        assert_eq!(status, 422, "{action:?}: {html}");
        assert!(html.contains("«action»"), "{action:?}: {html}");
    }
    let (status, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{}/corrigenda", r.round))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(0),
        "nothing corrected: {list}"
    );
}
