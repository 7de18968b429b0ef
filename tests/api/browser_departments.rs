//! Departments and the council's sign-off in a real browser, with screenshots to look at:
//! the administrator assigns area 2 to the Sở Tư pháp on the round's «Phân công thẩm
//! định» page, its appraiser finds only that area in the queue and on the appraisal page;
//! the council's sign-off is recorded from «Biên bản thẩm định» (a refusal first, beside
//! its field, with what was typed kept), and the publication checklist names it.

use crate::browser::{chrome, click, fill, js, screenshot, sign_in, text_of, wait_text};
use crate::helpers::{send_json, spawn_app, t};

#[tokio::test]
async fn a_department_is_assigned_its_area_and_the_council_signs_off() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::scored_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    // The Sở Tư pháp and its appraiser, made over the API.
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/units",
        serde_json::json!({ "code": "STP", "name": "Sở Tư pháp", "tier_code": "t" }),
    )
    .await;
    assert!(status < 300, "{body}");
    let (status, created) = send_json(
        &app,
        &admin,
        &csrf,
        "POST",
        "/api/users",
        serde_json::json!({ "username": "thamdinh.stp", "display_name": "Trần Minh Khoa",
                            "role": "appraiser", "department_code": "STP" }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let hash = parindex::service::auth::hash_password(crate::helpers::PASSWORD)
        .await
        .expect("hash");
    let id = created["id"].as_i64().expect("id");
    app.store()
        .set_password_hash(id, &hash, false)
        .await
        .expect("password");
    let justice = app.store().unit_by_code("STP").await.expect("STP").id;

    c.set_window_size(1366, 900).await.expect("size");
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}")))
        .await
        .expect("goto");
    click(c, &format!("a[href='/quan-tri/ky/{round}/phan-cong']")).await;
    wait_text(c, "h1", "Phân công thẩm định").await;
    // Without a department: refused beside it, the area still chosen.
    js(c, "document.querySelector('#them-node').value = 't|2';").await;
    click(c, "#them button[type=submit]").await;
    wait_text(c, "#loi-department_id", "Cần chọn cơ quan thẩm định").await;
    let chosen = js(c, "return document.querySelector('#them-node').value;").await;
    assert_eq!(chosen.as_str(), Some("t|2"));
    js(
        c,
        &format!("document.querySelector('#them-department').value = '{justice}';"),
    )
    .await;
    click(c, "#them button[type=submit]").await;
    wait_text(c, "main", "Đã phân công").await;
    let departments = text_of(c, "#co-quan").await;
    assert!(
        departments.contains("Sở Tư pháp") && departments.contains("Trần Minh Khoa (thamdinh.stp)"),
        "{departments}"
    );
    screenshot(c, "departments-01-phan-cong").await;
    js(c, "window.scrollTo(0, 0);").await;
    screenshot(c, "departments-01b-phan-cong-dau-trang").await;

    // Its appraiser: the queue names the department's work, the appraisal page offers
    // area 2's leaves only.
    sign_in(c, &app, "thamdinh.stp").await;
    c.goto(&app.url(&format!("/ky/{round}/tham-dinh")))
        .await
        .expect("goto");
    let work = wait_text(c, "#phan-cong", "Sở Tư pháp").await;
    assert!(
        work.contains("Lĩnh vực 2. Hiện đại hóa hành chính"),
        "{work}"
    );
    screenshot(c, "departments-02-danh-sach-tham-dinh").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tham-dinh")))
        .await
        .expect("goto");
    wait_text(c, "h1", "Thẩm định").await;
    let forms = js(
        c,
        "return Array.from(document.querySelectorAll('form[action*=\"/tham-dinh/\"]')).map(f => f.getAttribute('action').split('/').pop().split('#')[0]);",
    )
    .await;
    assert_eq!(forms, serde_json::json!(["2.1", "2.2"]), "{forms}");
    screenshot(c, "departments-03-tham-dinh").await;

    // The council signs off appraisal round 1: a wrong date first, kept with the members.
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}/bien-ban")))
        .await
        .expect("goto");
    wait_text(c, "h1", "Biên bản thẩm định").await;
    let members = "Nguyễn Văn An — Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng\nLê Thị Hồng — Giám đốc Sở Nội vụ, Phó Chủ tịch Hội đồng\nPhạm Thị Lan — Trưởng phòng CCHC, Thư ký Hội đồng";
    fill(c, "#ky-ngay-1", "21/01/2024").await;
    fill(c, "#ky-tv-1", members).await;
    fill(c, "#ky-yk-1", "Thống nhất kết quả thẩm định lần 1.").await;
    click(c, "#lan-1 button[type=submit]").await;
    c.accept_alert()
        .await
        .expect("the sign-off asks to confirm");
    wait_text(c, "#loi-signed_on", "Ngày ký biên bản phải từ ngày").await;
    let kept = js(c, "return document.querySelector('#ky-tv-1').value;").await;
    assert_eq!(kept.as_str(), Some(members));
    screenshot(c, "departments-04-ky-bien-ban-loi").await;
    fill(c, "#ky-ngay-1", "20/01/2024").await;
    click(c, "#lan-1 button[type=submit]").await;
    c.accept_alert()
        .await
        .expect("the sign-off asks to confirm");
    wait_text(c, "main", "Đã ghi nhận Hội đồng thẩm định ký biên bản").await;
    let signed = text_of(c, "#lan-1").await;
    assert!(
        signed.contains("Hội đồng đã ký biên bản ngày 20/01/2024")
            && signed.contains("Phạm Thị Lan"),
        "{signed}"
    );
    screenshot(c, "departments-05-da-ky").await;

    // The publication checklist names the last appraisal round's sign-off, not yet given.
    app.clock.set(t("01/04/2024 09:00"));
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}/cong-bo")))
        .await
        .expect("goto");
    let check = wait_text(c, "#bien-ban", "Biên bản thẩm định lần 2").await;
    assert!(
        check.contains("chưa ký biên bản thẩm định lần 2"),
        "{check}"
    );
    js(c, "document.querySelector('#bien-ban').scrollIntoView();").await;
    screenshot(c, "departments-06-cong-bo-chua-ky").await;
}
