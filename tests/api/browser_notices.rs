//! Notices in a real browser, with screenshots to look at: the unit officer, reminded of a
//! deadline six days ahead, sees the count in the header, opens the list (the new ones
//! marked), finds the count gone, and follows a notice to the page it is about; on a
//! desktop and on a phone.

use std::time::Duration as StdDuration;

use crate::browser::{chrome, click, js, screenshot, sign_in_typing, text_of, wait_text};
use crate::helpers::{Browser, PASSWORD, json_of, small_round, spawn_app_with_notices, t};

#[tokio::test]
async fn an_officer_reads_the_notices_from_the_header_and_follows_one() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app_with_notices(t("30/11/2023 08:00"), None).await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("01/01/2024 08:00"));
    // Wait for the scheduler: the opening and the 7-day reminder.
    let api = Browser::default();
    app.sign_in_with(&api, "a.canbo").await;
    for _ in 0..200 {
        let (_, list) = json_of(api.send(api.get(app.url("/api/notices"))).await).await;
        if list["unread"] == 2 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }

    sign_in_typing(c, &app, "a.canbo", PASSWORD).await;
    wait_text(c, "header.top .bell", "Thông báo").await;
    assert_eq!(text_of(c, "header.top .bell .count").await, "2");
    screenshot(c, "notices-01-dau-trang").await;

    click(c, "header.top a.bell").await;
    wait_text(c, "h1", "Thông báo").await;
    let items = text_of(c, "ul.notices").await;
    assert!(
        items.contains("Còn dưới 7 ngày đến hạn tự chấm điểm: Chỉ số CCHC năm 2023"),
        "{items}"
    );
    assert!(
        items.contains("Mở tự chấm điểm: Chỉ số CCHC năm 2023"),
        "{items}"
    );
    let new = js(
        c,
        "return document.querySelectorAll('ul.notices li.unread').length;",
    )
    .await;
    assert_eq!(new, serde_json::json!(2));
    screenshot(c, "notices-02-danh-sach").await;

    // Read: the header no longer counts them.
    c.goto(&app.url("/")).await.expect("goto");
    wait_text(c, "header.top .bell", "Thông báo").await;
    let count = js(
        c,
        "return document.querySelectorAll('header.top .bell .count').length;",
    )
    .await;
    assert_eq!(count, serde_json::json!(0));

    // A notice leads to the page it is about.
    c.goto(&app.url("/thong-bao")).await.expect("goto");
    click(
        c,
        &format!(
            "ul.notices a[href='/ky/{}/don-vi/{}/tu-cham-diem']",
            r.round, r.units[0]
        ),
    )
    .await;
    wait_text(c, "main", "UBND phường An Khánh").await;

    // On a phone: the list no wider than the screen.
    c.set_window_size(390, 844).await.expect("size");
    c.goto(&app.url("/thong-bao")).await.expect("goto");
    wait_text(c, "h1", "Thông báo").await;
    let wide = js(c, "return document.documentElement.scrollWidth;").await;
    assert!(wide.as_f64().is_some_and(|w| w <= 390.0), "{wide}");
    screenshot(c, "notices-03-dien-thoai").await;
    chrome.client.clone().close().await.expect("close browser");
}
