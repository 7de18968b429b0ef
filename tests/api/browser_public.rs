//! The public results in a real browser, with screenshots to look at: the administrator
//! publishes the demo's 2023 round with the public pages ticked (as they are by default),
//! then anyone, signed out, goes from the sign-in page to the round's results, on a desktop
//! (1366 px wide) and on a phone (390 px): the ranking, the component indexes and the
//! charts, readable at both widths, with no script on the page.

use crate::browser::{chrome, click, js, screenshot, sign_in_typing, text_of, wait_text};
use crate::helpers::spawn_app;

#[tokio::test]
async fn anyone_reads_the_published_results_on_a_desktop_and_on_a_phone() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let round = crate::public_page::demo_round(&app).await;

    // The administrator publishes (the council has signed off the last appraisal round):
    // the public pages are offered, ticked.
    crate::helpers::signed_off(app.store(), round).await;
    sign_in_typing(c, &app, "quantri", "parindex-demo").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}/cong-bo")))
        .await
        .expect("goto");
    let ticked = js(
        c,
        "return document.querySelector('input[name=cong_khai]').checked;",
    )
    .await;
    assert_eq!(ticked, serde_json::Value::Bool(true));
    for tick in ["input[name=dong_giai_doan]", "input[name=xac_nhan]"] {
        if js(c, &format!("return !!document.querySelector('{tick}');")).await
            == serde_json::Value::Bool(true)
        {
            click(c, tick).await;
        }
    }
    click(
        c,
        &format!("form[action='/quan-tri/ky/{round}/cong-bo#cong-bo'] button"),
    )
    .await;
    wait_text(c, "main", "Đã công bố").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}/cong-bo")))
        .await
        .expect("goto");
    wait_text(c, "#cong-khai", "đang được công khai").await;
    screenshot(c, "public-01-cong-bo-cong-khai").await;

    // Signed out: from the sign-in page to the list, then to the round.
    c.delete_all_cookies().await.expect("cookies");
    c.goto(&app.url("/dang-nhap")).await.expect("goto");
    click(c, "a[href='/cong-khai']").await;
    wait_text(c, "main", "Chỉ số CCHC năm 2023").await;
    screenshot(c, "public-02-danh-sach").await;
    click(c, &format!("a[href='/cong-khai/{round}']")).await;
    wait_text(c, "h1", "Kết quả").await;
    let scripts = js(c, "return document.scripts.length;").await;
    assert_eq!(scripts, serde_json::json!(0), "a script on the public page");
    assert!(
        text_of(c, "header.top").await.contains("Đăng nhập"),
        "the public header"
    );
    screenshot(c, "public-03-may-tinh").await;
    // Lower down: the first tier's chart, then its component indexes.
    js(
        c,
        "document.querySelector('figure.chart').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "public-04-may-tinh-bieu-do").await;
    js(
        c,
        "document.querySelector('table.component-indexes').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "public-05-may-tinh-chi-so-thanh-phan").await;
    // No part of the page wider than the window at 1366 px.
    let wide = js(c, "return document.documentElement.scrollWidth;").await;
    assert!(wide.as_f64().is_some_and(|w| w <= 1366.0), "{wide}");

    // On a phone: the page no wider than the screen (a wide table scrolls in its own box),
    // the ranking as cards, the chart as wide as the column, its text still readable.
    c.set_window_size(390, 844).await.expect("size");
    c.refresh().await.expect("refresh");
    wait_text(c, "h1", "Kết quả").await;
    js(c, "window.scrollTo(0, 0); return 0;").await;
    let wide = js(c, "return document.documentElement.scrollWidth;").await;
    assert!(wide.as_f64().is_some_and(|w| w <= 390.0), "{wide}");
    screenshot(c, "public-06-dien-thoai").await;
    let chart = js(
        c,
        "var f = document.querySelector('figure.chart'); f.scrollIntoView();
         var s = f.querySelector('svg'); var t = s.querySelector('text:not(:empty)');
         return [s.getBoundingClientRect().width, t.getBoundingClientRect().height];",
    )
    .await;
    let (width, text) = (
        chart[0].as_f64().unwrap_or(0.0),
        chart[1].as_f64().unwrap_or(0.0),
    );
    assert!((300.0..=390.0).contains(&width), "{chart}");
    assert!(text >= 9.0, "the chart's text is {text} px tall on a phone");
    screenshot(c, "public-07-dien-thoai-bieu-do").await;
    js(
        c,
        "document.querySelector('table.component-indexes').scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "public-08-dien-thoai-chi-so-thanh-phan").await;
    js(
        c,
        "document.querySelectorAll('figure.chart')[1].scrollIntoView(); return 0;",
    )
    .await;
    screenshot(c, "public-09-dien-thoai-trung-binh-cao-nhat").await;
    chrome.client.clone().close().await.expect("close browser");
}
