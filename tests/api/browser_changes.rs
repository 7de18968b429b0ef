//! What changed since the submission and the corrigendum flag, in a real browser, with
//! screenshots to look at: the head reviews a self-assessment withdrawn and corrected
//! (the changes per leaf, before and now); the administrator previews then applies a
//! corrigendum of the criteria set from its page; the officer sees the changed leaves
//! flagged «Tiêu chí đã được sửa — cần xem lại» with the old entry, on a desktop and a
//! phone.

use serde_json::json;

use crate::browser::{chrome, click, fill, js, screenshot, sign_in, text_of, wait_text};
use crate::helpers::{Browser, send_json, small_round, spawn_app_at, t};

#[tokio::test]
async fn the_head_sees_the_changes_and_the_officer_the_corrigendum_flag() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app_at(t("10/12/2023 09:00")).await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    crate::corrigenda::import_corrected(&app).await;
    let base = format!("/api/rounds/{}/units/{}", r.round, r.units[0]);
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let save = async |leaf: &str, input: serde_json::Value, version: Option<i64>| {
        let (status, body) = send_json(&app, &officer, &csrf, "PUT", &format!("{base}/self-assessment/{leaf}"),
            json!({ "input": input, "explanation": "Theo báo cáo năm 2023", "expected_version": version })).await;
        assert_eq!(status, 200, "{leaf}: {body}");
    };
    save("1.1", json!({ "kind": "yes_no", "met": true }), None).await;
    save(
        "1.3",
        json!({ "kind": "rate", "numerator": "100", "denominator": "125" }),
        None,
    )
    .await;
    save("2.1", json!({ "kind": "judged", "points": "1.75" }), None).await;
    let head = Browser::default();
    let h_csrf = app.sign_in_with(&head, "a.thutruong").await;
    for path in [
        format!("{base}/submit?confirm_gaps=true"),
        format!("{base}/withdraw"),
    ] {
        let (status, body) = send_json(&app, &head, &h_csrf, "POST", &path, json!({})).await;
        assert!(status < 300, "{path}: {status} {body}");
    }
    save(
        "1.3",
        json!({ "kind": "rate", "numerator": "110", "denominator": "125" }),
        Some(1),
    )
    .await;

    // The head reviews: the leaf changed since the submission, before and now.
    sign_in(c, &app, "a.thutruong").await;
    c.goto(&app.url(&format!("/ky/{}/don-vi/{}/xem-lai", r.round, r.units[0])))
        .await
        .expect("goto");
    wait_text(
        c,
        "#thay-doi",
        "Thay đổi so với lần gửi lúc 09:00 ngày 10/12/2023",
    )
    .await;
    let table = text_of(c, "#thay-doi table").await;
    assert!(
        table.contains("100 / 125") && table.contains("110 / 125"),
        "{table}"
    );
    js(
        c,
        "document.querySelector('#thay-doi').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "changes-01-xem-lai").await;

    // The administrator previews, then applies the corrigendum.
    app.sign_in_with(&Browser::default(), "quantri").await;
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{}/dinh-chinh", r.round)))
        .await
        .expect("goto");
    js(
        c,
        "document.querySelector('#dc-version').value = '1.1'; return 0;",
    )
    .await;
    fill(c, "#dc-reason", "Quyết định 120/QĐ-SNV ngày 12/12/2023").await;
    click(c, "button[value=xem-truoc]").await;
    wait_text(c, "#xem-truoc", "KIEM-THU 1 → 1.1").await;
    let preview = text_of(c, "#xem-truoc").await;
    assert!(preview.contains("điểm tối đa 2 → 1,5"), "{preview}");
    screenshot(c, "corrigendum-01-xem-truoc").await;
    click(c, "button[value=dinh-chinh]").await;
    let question = c
        .get_alert_text()
        .await
        .expect("the switch asks to confirm");
    assert!(question.contains("1 đơn vị được tính lại"), "{question}");
    c.accept_alert().await.expect("confirm");
    wait_text(c, "main", "Đã đính chính bộ tiêu chí").await;
    screenshot(c, "corrigendum-02-da-dinh-chinh").await;

    // The officer: the changed leaves flagged, with what they held.
    sign_in(c, &app, "a.canbo").await;
    c.goto(&app.url(&format!(
        "/ky/{}/don-vi/{}/tu-cham-diem#tc-2.1",
        r.round, r.units[0]
    )))
    .await
    .expect("goto");
    wait_text(
        c,
        "[id='tc-2.1'] .revised",
        "Tiêu chí đã được sửa — cần xem lại",
    )
    .await;
    let flag = text_of(c, "[id='tc-2.1'] .revised").await;
    assert!(
        flag.contains("điểm tối đa 2 → 1,5") && flag.contains("1,75 điểm"),
        "{flag}"
    );
    let flags = js(
        c,
        "return document.querySelectorAll('.leaf .revised').length;",
    )
    .await;
    assert_eq!(flags, json!(2));
    js(
        c,
        "document.querySelector(\"[id='tc-2.1']\").scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "corrigendum-03-can-xem-lai").await;
    c.set_window_size(390, 844).await.expect("size");
    js(
        c,
        "document.querySelector(\"[id='tc-2.1']\").scrollIntoView(); return 0;",
    )
    .await;
    let wide = js(c, "return document.documentElement.scrollWidth;").await;
    assert!(wide.as_f64().is_some_and(|w| w <= 390.0), "{wide}");
    screenshot(c, "corrigendum-04-dien-thoai").await;
    chrome.client.clone().close().await.expect("close browser");
}
