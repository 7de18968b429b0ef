//! What changed since the submission before: each submission keeps a snapshot; after
//! «Rút lại để chỉnh sửa» the head's review shows, per leaf, the figures, points,
//! explanation and evidence that differ from the last submission; once sent again the
//! appraisers see the same; in the explanation window they see the answers added since.

use serde_json::{Value, json};

use crate::helpers::{
    Browser, TestApp, get_page, json_of, send_json, small_round, spawn_app_at, t, upload,
};

async fn save(app: &TestApp, browser: &Browser, csrf: &str, base: &str, leaf: &str, body: Value) {
    let (status, answer) = send_json(
        app,
        browser,
        csrf,
        "PUT",
        &format!("{base}/self-assessment/{leaf}"),
        body,
    )
    .await;
    assert_eq!(status, 200, "{leaf}: {answer}");
}

async fn changes(app: &TestApp, browser: &Browser, base: &str) -> (u16, Value) {
    json_of(
        browser
            .send(browser.get(app.url(&format!("{base}/changes"))))
            .await,
    )
    .await
}

/// Each change as «leaf field: before → after».
fn flat(view: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for leaf in view["leaves"].as_array().expect("leaves") {
        for f in leaf["fields"].as_array().expect("fields") {
            out.push(format!(
                "{} {}: {} → {}",
                leaf["leaf_code"].as_str().unwrap_or(""),
                f["field"].as_str().unwrap_or(""),
                f["before"].as_str().unwrap_or(""),
                f["after"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

#[tokio::test]
async fn after_a_withdrawal_the_head_then_the_appraiser_see_what_changed_leaf_by_leaf() {
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    save(&app, &officer, &csrf, &base,
        "1.1", json!({ "input": { "kind": "yes_no", "met": true }, "explanation": "Kế hoạch số 12/KH-UBND" })).await;
    save(&app, &officer, &csrf, &base,
        "1.3", json!({ "input": { "kind": "rate", "numerator": "100", "denominator": "125" }, "explanation": "Báo cáo năm" })).await;
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, body) = changes(&app, &head, &base).await;
    assert_eq!(
        (status, &body["since"]),
        (200, &Value::Null),
        "nothing sent yet: {body}"
    );
    let submit = format!("{base}/submit?confirm_gaps=true");
    let (status, body) = send_json(&app, &head, &head_csrf, "POST", &submit, json!({})).await;
    assert!(status < 300, "{status} {body}");

    // Withdrawn; the officer corrects a figure and adds a file.
    app.clock.set(t("12/12/2023 09:00"));
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &head_csrf,
        "POST",
        &format!("{base}/withdraw"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    save(&app, &officer, &csrf, &base,
        "1.3", json!({ "input": { "kind": "rate", "numerator": "110", "denominator": "125" }, "explanation": "Báo cáo năm", "expected_version": 1 })).await;
    let pdf = b"%PDF-1.4\n% ke hoach\n%%EOF\n".to_vec();
    let (status, file) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        "ke-hoach-12.pdf",
        pdf,
        &["1.1"],
    )
    .await;
    assert_eq!(status, 201, "{file}");
    let hash8: String = file["content_hash"]
        .as_str()
        .expect("hash")
        .chars()
        .take(8)
        .collect();

    // The head, reviewing: what differs from the submission of 10/12.
    let (status, view) = changes(&app, &head, &base).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        flat(&view),
        vec![
            format!("1.1 Tài liệu kiểm chứng:  → Tệp ke-hoach-12.pdf ({hash8})"),
            "1.3 Số liệu: 100 / 125 → 110 / 125".to_string(),
            "1.3 Điểm tự chấm: 1,2 → 1,32".to_string(),
        ]
    );
    assert_eq!(
        (view["submissions"].as_u64(), view["submitted"].as_bool()),
        (Some(1), Some(false))
    );
    let (_, page) = get_page(
        &app,
        &head,
        &format!("/ky/{}/don-vi/{}/xem-lai", r.round, r.units[0]),
    )
    .await;
    assert!(
        page.contains("Thay đổi so với lần gửi lúc 09:00 ngày 10/12/2023"),
        "{page}"
    );
    assert!(
        page.contains("110 / 125") && page.contains("100 / 125"),
        "{page}"
    );
    assert!(
        page.contains("2 tiêu chí thành phần có thay đổi từ khi rút lại để chỉnh sửa"),
        "{page}"
    );

    // Sent again; after the deadline the appraiser sees the same changes.
    let (status, body) = send_json(&app, &head, &head_csrf, "POST", &submit, json!({})).await;
    assert!(status < 300, "{status} {body}");
    app.clock.set(t("10/01/2024 09:00"));
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, again) = changes(&app, &appraiser, &base).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(flat(&again), flat(&view));
    assert_eq!(again["submissions"], 2);
    let (status, page) = get_page(
        &app,
        &appraiser,
        &format!("/ky/{}/don-vi/{}/thay-doi", r.round, r.units[0]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("2 tiêu chí thành phần có thay đổi trong lần gửi lại"),
        "{page}"
    );
    let (_, page) = get_page(
        &app,
        &appraiser,
        &format!("/ky/{}/don-vi/{}/tham-dinh", r.round, r.units[0]),
    )
    .await;
    assert!(page.contains(&format!("/ky/{}/don-vi/{}/thay-doi", r.round, r.units[0])));

    // Another unit's officer may not read them.
    let other = Browser::default();
    app.sign_in_with(&other, "b.canbo").await;
    assert_eq!(changes(&app, &other, &base).await.0, 403);
}

#[tokio::test]
async fn in_the_second_appraisal_the_appraiser_sees_the_answers_given_since_the_first() {
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(app.store(), &[("B", "UBND phường Hưng Lợi")], vec![]).await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "b.canbo").await;
    save(
        &app,
        &officer,
        &csrf,
        &base,
        "2.1",
        json!({ "input": { "kind": "judged", "points": "1.5" }, "explanation": "Tự đánh giá" }),
    )
    .await;
    let head = Browser::default();
    let head_csrf = app.sign_in_with(&head, "b.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &head_csrf,
        "POST",
        &format!("{base}/submit?confirm_gaps=true"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");

    app.clock.set(t("20/01/2024 09:00"));
    let appraiser = Browser::default();
    let a_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = send_json(&app, &appraiser, &a_csrf, "PUT", &format!("{base}/appraisal/1/2.1"),
        json!({ "points": "1", "comment": "Thiếu văn bản chứng minh", "explanation_requested": true })).await;
    assert_eq!(status, 204, "{body}");
    let (_, view) = changes(&app, &appraiser, &base).await;
    assert_eq!(
        flat(&view),
        Vec::<String>::new(),
        "nothing changed since the submission yet"
    );

    app.clock.set(t("05/02/2024 09:00"));
    let csrf = app.sign_in_with(&officer, "b.canbo").await;
    let (status, body) = send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("{base}/explanations/2.1"),
        json!({ "text": "Bổ sung Quyết định 45/QĐ-UBND ngày 02/03/2023" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    app.clock.set(t("20/02/2024 09:00"));
    app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, view) = changes(&app, &appraiser, &base).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        flat(&view),
        vec!["2.1 Giải trình:  → Bổ sung Quyết định 45/QĐ-UBND ngày 02/03/2023"]
    );
}
