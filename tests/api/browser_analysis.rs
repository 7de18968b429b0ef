//! A unit's «Phân tích điểm bị trừ» in a real browser: reached from the results page once
//! published, the points lost most first with the appraiser's comment, on a desktop and on
//! a phone (no sideways scrolling); a merged unit's year over year with its predecessors;
//! the Sở's page per tier. Screenshots at 1366 and 390 pixels wide in
//! target/test-output/screenshots (50-…).

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{chrome, click, js, screenshot, sign_in, wait_text};
use crate::helpers::{send_json, spawn_app};

#[tokio::test]
async fn a_units_points_lost_in_the_browser() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let (r, admin, csrf) = crate::analysis::published_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    for who in ["a.canbo", "quantri"] {
        app.sign_in_as(who).await; // gives each the test password
    }
    c.set_window_size(1366, 900).await.expect("desktop size");
    sign_in(c, &app, "a.canbo").await;
    c.goto(&app.url(&format!("/ky/{round}/ket-qua")))
        .await
        .expect("goto");
    click(
        c,
        &format!("a.button[href='/ky/{round}/don-vi/{a}/phan-tich']"),
    )
    .await;
    let main = wait_text(c, "main", "Điểm bị trừ theo lĩnh vực").await;
    for expected in [
        "UBND phường An Khánh",
        "Chưa đăng tải đủ văn bản chỉ đạo",
        "Chưa có kỳ đánh giá trước đã công bố",
        "Điểm thưởng, điểm trừ (tính riêng)",
    ] {
        assert!(main.contains(expected), "«{expected}» not on the page");
    }
    // Areas most lost first.
    let areas: Vec<String> = js(
        c,
        "return [...document.querySelectorAll('.area-lost h3')].map(h => h.textContent);",
    )
    .await
    .as_array()
    .expect("areas")
    .iter()
    .map(|v| v.as_str().unwrap_or_default().to_string())
    .collect();
    assert_eq!(areas.len(), 3, "{areas:?}");
    screenshot(c, "50-phan-tich-don-vi").await;
    js(
        c,
        "document.getElementById('diem-bi-tru').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "51-phan-tich-don-vi-diem-bi-tru").await;

    // On a phone: nothing off the screen to the right.
    c.set_window_size(390, 844).await.expect("phone size");
    c.refresh().await.expect("reload");
    wait_text(c, "main", "Điểm bị trừ theo lĩnh vực").await;
    js(c, "window.scrollTo(0, 0); return 0;").await;
    let (width, scroll) = (
        js(c, "return document.documentElement.clientWidth;").await,
        js(c, "return document.documentElement.scrollWidth;").await,
    );
    assert!(
        scroll.as_f64() <= width.as_f64(),
        "no sideways scrolling: {scroll} > {width}"
    );
    screenshot(c, "52-phan-tich-dien-thoai").await;
    js(
        c,
        "document.getElementById('diem-bi-tru').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "53-phan-tich-dien-thoai-diem-bi-tru").await;

    // A merged unit the next year: last year's figures are its predecessors'.
    let (next, m) = crate::analysis::merged_unit(&app, &admin, &csrf, round).await;
    c.set_window_size(1366, 900).await.expect("desktop size");
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/ky/{next}/don-vi/{m}/phan-tich")))
        .await
        .expect("goto");
    wait_text(
        c,
        "#nam-truoc",
        "số liệu năm trước là của các đơn vị tiền thân",
    )
    .await;
    js(
        c,
        "document.getElementById('nam-truoc').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "54-phan-tich-don-vi-sap-nhap").await;
    c.set_window_size(390, 844).await.expect("phone size");
    c.refresh().await.expect("reload");
    wait_text(c, "#nam-truoc", "đơn vị tiền thân").await;
    js(
        c,
        "document.getElementById('nam-truoc').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "55-phan-tich-sap-nhap-dien-thoai").await;

    // The Sở's page, from the results page.
    c.set_window_size(1366, 900).await.expect("desktop size");
    c.goto(&app.url(&format!("/ky/{round}/ket-qua")))
        .await
        .expect("goto");
    click(c, &format!("a[href='/ky/{round}/phan-tich']")).await;
    let main = wait_text(c, "main", "Số đơn vị bị trừ").await;
    assert!(main.contains("Khối kiểm thử"), "{main}");
    assert!(
        c.find(Locator::Css("table.lost-table tr.level-1"))
            .await
            .is_ok(),
        "the criteria"
    );
    screenshot(c, "56-phan-tich-theo-khoi").await;
}

/// The demo's 2023 round, published: a department's analysis on its real criteria
/// (areas, criteria, leaves), and the Sở's page per tier.
#[tokio::test]
async fn the_demo_departments_points_lost_in_the_browser() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    app.clock.set(chrono::Utc::now());
    parindex::demo::load(app.store(), &parindex::domain::SystemClock)
        .await
        .expect("demo");
    let rounds = app.store().rounds().await.expect("rounds");
    let round = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    let admin = crate::helpers::Browser::default();
    let csrf = app
        .sign_in_with_password(&admin, "quantri", "parindex-demo")
        .await;
    crate::helpers::signed_off(app.store(), round).await;
    let publish = format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
    let (status, body) = send_json(&app, &admin, &csrf, "POST", &publish, json!({})).await;
    assert_eq!(status, 204, "{body}");

    c.set_window_size(1366, 900).await.expect("desktop size");
    crate::browser::sign_in_typing(c, &app, "so-01.canbo", "parindex-demo").await;
    c.goto(&app.url("/")).await.expect("home");
    let link = format!("a[href^='/ky/{round}/don-vi/'][href$='/phan-tich']");
    click(c, &link).await;
    wait_text(c, "main", "Điểm bị trừ theo lĩnh vực").await;
    screenshot(c, "57-phan-tich-demo").await;
    js(
        c,
        "document.getElementById('diem-bi-tru').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "58-phan-tich-demo-diem-bi-tru").await;
    c.set_window_size(390, 844).await.expect("phone size");
    c.refresh().await.expect("reload");
    wait_text(c, "main", "Điểm bị trừ theo lĩnh vực").await;
    js(
        c,
        "document.getElementById('diem-bi-tru').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "59-phan-tich-demo-dien-thoai").await;

    c.set_window_size(1366, 900).await.expect("desktop size");
    crate::browser::sign_in_typing(c, &app, "lanhdao", "parindex-demo").await;
    c.goto(&app.url(&format!("/ky/{round}/phan-tich")))
        .await
        .expect("goto");
    wait_text(c, "main", "Số đơn vị bị trừ").await;
    screenshot(c, "60-phan-tich-theo-khoi-demo").await;
}
