//! The self-assessment and explanations pages in a real headless Chromium: the sticky bar
//! and the area index on a phone (taps of 44 px, no stray separator, the submitted state);
//! a leaf reached by its anchor below the bar at every width; a file uploaded in place
//! offered at once on the other leaves; the explanation's file uploaded in place; a save
//! sent offline, then again online, and whether leaving the page asks. Screenshots go to
//! target/test-output/screenshots (browser-leaf-*.png).

use fantoccini::Client;
use serde_json::json;

use crate::browser::{
    Line, big_pdf, chrome, fill, js, mark_page, network, prop_of, screenshot, send_file, sign_in,
    still_the_marked_page, tap, upload_slowly, wait_text,
};
use crate::helpers::{Browser, TestApp, send_json, small_round, spawn_app, t};

/// A round with one unit, open for self-assessment at 10:30 on 05/01/2024, and its officer
/// signed in in the browser, on the unit's self-assessment page at 1366×900: (the app, the
/// round, the unit, the page's address).
async fn officer_on_the_page(c: &Client) -> (TestApp, i64, i64, String) {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024 10:30"));
    app.sign_in_as("a.canbo").await; // gives the test password
    sign_in(c, &app, "a.canbo").await;
    let page = app.url(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem"));
    c.set_window_size(1366, 900).await.expect("desktop size");
    c.goto(&page).await.expect("goto");
    (app, round, unit, page)
}

/// The sticky bar as the user sees it: its text, line by line, and the address and
/// height of each link in it.
async fn bar(c: &Client) -> (Vec<String>, Vec<(String, f64)>) {
    let seen = js(
        c,
        r#"var bar = document.getElementById("tong-diem");
           return [bar.innerText.split("\n").map(function (l) { return l.trim(); }).filter(Boolean),
                   Array.from(bar.querySelectorAll("a")).filter(function (a) { return a.offsetParent; })
                     .map(function (a) { return [a.getAttribute("href"), a.getBoundingClientRect().height]; })];"#,
    )
    .await;
    serde_json::from_value(seen).expect("bar")
}

#[tokio::test]
async fn on_a_phone_the_bar_and_the_area_index_are_easy_to_tap_and_a_submission_shows_in_the_bar() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (app, round, unit, page) = officer_on_the_page(c).await;
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(&page).await.expect("goto");

    // The area index: every link at least 44 px tall.
    let heights: Vec<(String, f64)> = serde_json::from_value(
        js(
            c,
            r#"return Array.from(document.querySelectorAll(".area-index a"))
                 .map(function (a) { return [a.textContent, a.getBoundingClientRect().height]; });"#,
        )
        .await,
    )
    .expect("index");
    assert_eq!(heights.len(), 3, "{heights:?}");
    for (area, height) in &heights {
        assert!(*height >= 44.0, "{area}: {height} px");
    }
    // The bar: no line starts or ends with a separator; its links tall enough to tap.
    let (lines, links) = bar(c).await;
    assert!(
        lines
            .iter()
            .all(|l| !l.starts_with('·') && !l.ends_with('·')),
        "{lines:?}"
    );
    assert!(lines[0].starts_with("Điểm tự chấm 0 / 7"), "{lines:?}");
    assert_eq!(
        links
            .iter()
            .map(|(href, _)| href.as_str())
            .collect::<Vec<_>>(),
        ["#tc-1.1", &format!("/ky/{round}/don-vi/{unit}/xem-lai")]
    );
    for (href, height) in &links {
        assert!(*height >= 44.0, "{href}: {height} px");
    }
    screenshot(c, "browser-leaf-1-dien-thoai").await;

    // Submitted by the head: the bar says so and leads only to the review.
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &csrf,
        "POST",
        &format!("/api/rounds/{round}/units/{unit}/submit?confirm_gaps=true"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    c.goto(&page).await.expect("reload");
    let (lines, links) = bar(c).await;
    let text = lines.join(" ");
    assert!(
        text.contains("Đã gửi lúc 10:30 ngày 05/01/2024"),
        "{lines:?}"
    );
    assert!(
        !text.contains("Chưa chấm") && !text.contains("Còn thiếu gì"),
        "{lines:?}"
    );
    assert_eq!(links.len(), 1, "only the review: {links:?}");
    assert_eq!(links[0].0, format!("/ky/{round}/don-vi/{unit}/xem-lai"));
    assert!(links[0].1 >= 44.0, "{links:?}");
    assert!(lines.iter().all(|l| !l.starts_with('·')), "{lines:?}");
    screenshot(c, "browser-leaf-2-dien-thoai-da-gui").await;
}

/// The choices of a leaf's «Dùng tệp đã tải lên» (empty while the form is hidden).
async fn reusable(c: &Client, leaf: &str) -> Vec<String> {
    let script = format!(
        r#"var form = document.querySelector("[id='tc-{leaf}'] form.reuse");
           if (!form || form.hidden) {{ return []; }}
           return Array.from(form.querySelectorAll("option")).slice(1).map(function (o) {{ return o.textContent; }});"#
    );
    serde_json::from_value(js(c, &script).await).expect("options")
}

#[tokio::test]
async fn a_file_uploaded_in_place_can_be_used_on_another_leaf_at_once() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (_app, _, _, _) = officer_on_the_page(c).await; // the server lives as long as _app
    assert!(reusable(c, "1.1").await.is_empty(), "no file yet");
    mark_page(c).await;

    let dir = tempfile::tempdir().expect("tmp");
    let pdf = dir.path().join("Báo cáo quý IV.pdf");
    std::fs::write(&pdf, crate::typed_back::PDF).expect("pdf");
    send_file(c, "[id='tc-2.1'] form.upload", &pdf).await;
    wait_text(c, "[id='tc-2.1'] .evidence", "Đã tải lên").await;

    // Offered at once on the other leaves, not on its own.
    assert_eq!(
        reusable(c, "1.1").await,
        ["Báo cáo quý IV.pdf (tiêu chí 2.1)"]
    );
    assert!(reusable(c, "2.1").await.is_empty());
    c.find(fantoccini::Locator::Css("[id='tc-1.1'] form.reuse select"))
        .await
        .expect("select")
        .select_by_label("Báo cáo quý IV.pdf (tiêu chí 2.1)")
        .await
        .expect("choose");
    tap(c, "[id='tc-1.1'] form.reuse button[type=submit]").await;
    wait_text(c, "[id='tc-1.1'] .evidence ul", "Báo cáo quý IV.pdf").await;
    // The other leaves now name both leaves the file supports; 1.1 no longer offers it.
    assert_eq!(
        reusable(c, "2.2").await,
        ["Báo cáo quý IV.pdf (tiêu chí 1.1, 2.1)"]
    );
    assert!(reusable(c, "1.1").await.is_empty());
    assert!(still_the_marked_page(c).await, "no reload");
    js(
        c,
        "document.getElementById('tc-2.2').scrollIntoView({block: 'center'})",
    )
    .await;
    screenshot(c, "browser-leaf-3-dung-lai-tep").await;
}

#[tokio::test]
async fn an_explanations_supplementary_file_uploads_in_place_keeping_the_answer_typed() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (app, round, unit) = crate::typed_back::asked_to_explain().await;
    app.sign_in_as("a.canbo").await;
    sign_in(c, &app, "a.canbo").await;
    c.set_window_size(1366, 900).await.expect("size");
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{unit}/giai-trinh")))
        .await
        .expect("goto");
    // An answer being typed, not saved: the upload beside it must leave it as it is.
    fill(c, "#g2-1", "Đơn vị đã bổ sung biên bản kiểm tra").await;
    let dir = tempfile::tempdir().expect("tmp");
    let pdf = big_pdf(dir.path(), "Biên bản kiểm tra.pdf", 3);
    let done = upload_slowly(
        c,
        "[id='bs-2.1'] form.upload",
        &pdf,
        ("[id='bs-2.1']", "browser-leaf-4-giai-trinh-dang-tai-len"),
    )
    .await;
    assert!(done.contains("Biên bản kiểm tra.pdf"), "{done}");
    assert_eq!(
        prop_of(c, "#g2-1", "value").await.as_deref(),
        Some("Đơn vị đã bổ sung biên bản kiểm tra")
    );
    js(c, "document.getElementById('tc-2.1').scrollIntoView()").await;
    screenshot(c, "browser-leaf-5-giai-trinh-da-tai-len").await;
}

/// Where the leaf's title is, against the sticky bar, once the page has landed on the
/// leaf's anchor: (the bar's bottom, the title's top, whether the bar's content overflows).
async fn title_below_bar(c: &Client, leaf: &str) -> (f64, f64, bool) {
    let script = format!(
        r#"var bar = document.getElementById("tong-diem");
           var title = document.querySelector("[id='tc-{leaf}'] h4");
           return [bar.getBoundingClientRect().bottom, title.getBoundingClientRect().top,
                   bar.scrollWidth > bar.clientWidth];"#
    );
    serde_json::from_value(js(c, &script).await).expect("positions")
}

#[tokio::test]
async fn a_leaf_reached_by_its_anchor_starts_below_the_sticky_bar_at_every_width() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (_app, _, _, page) = officer_on_the_page(c).await;
    // Saved the way a browser without the script saves (htmx does not see this submit):
    // the answer's redirect lands on #tc-2.2 with «Đã lưu».
    fill(c, "[id='tc-2.2'] input[name=count]", "1").await;
    js(
        c,
        "HTMLFormElement.prototype.submit.call(document.querySelector(\"[id='tc-2.2'] form.leaf-form\"))",
    )
    .await;
    wait_text(c, "[id='tc-2.2']", "Đã lưu").await;
    let url = c.current_url().await.expect("url");
    assert_eq!(
        (url.query(), url.fragment()),
        (Some("luu=2.2"), Some("tc-2.2"))
    );
    let (bar, title, overflows) = title_below_bar(c, "2.2").await;
    assert!(
        title >= bar && title - bar < 32.0,
        "the title at {title} px, the bar ending at {bar} px"
    );
    assert!(!overflows);
    screenshot(c, "browser-leaf-6-ban-da-luu-khong-js").await;

    for (width, height) in [
        (1100, 800),
        (1088, 800),
        (1024, 768),
        (800, 900),
        (600, 900),
        (390, 844),
        (320, 640),
    ] {
        c.set_window_size(width, height).await.expect("size");
        c.goto(&format!("{page}?luu=2.1#tc-2.1"))
            .await
            .expect("goto");
        let (bar, title, overflows) = title_below_bar(c, "2.1").await;
        assert!(
            title >= bar && title - bar < 32.0,
            "{width} px wide: the title at {title} px, the bar ending at {bar} px"
        );
        assert!(!overflows, "{width} px wide: the bar overflows");
    }
    screenshot(c, "browser-leaf-7-dien-thoai-nho-neo").await;
}

/// Whether leaving the page now would ask first: the page's beforeunload listener, which
/// decides whether the browser asks, is given a leaving to judge. (Chromium driven by
/// chromedriver leaves without showing the question, so the question itself cannot be
/// seen.)
async fn leaving_asks(c: &Client) -> bool {
    js(
        c,
        r#"var leaving = new Event("beforeunload", { cancelable: true });
           window.dispatchEvent(leaving);
           return leaving.defaultPrevented;"#,
    )
    .await
        == json!(true)
}

#[tokio::test]
async fn a_save_sent_offline_says_so_and_keeps_the_typing_and_a_saved_page_leaves_without_asking() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (_app, _, _, _) = officer_on_the_page(c).await; // the server lives as long as _app
    mark_page(c).await;
    assert!(!leaving_asks(c).await, "nothing typed yet");
    let (points, explanation) = ("1,5", "Cổng thông tin cập nhật đủ 12 tháng");
    fill(c, "[id='tc-2.1'] input[name=points]", points).await;
    fill(c, "[id='tc-2.1'] textarea[name=explanation]", explanation).await;
    assert!(leaving_asks(c).await, "typed, not saved");

    // The line is down: the save cannot leave the browser. It says so beside the button,
    // everything typed stays, the button can be pressed again, leaving still asks.
    network(c, Line::Offline).await;
    tap(c, "[id='tc-2.1'] form.leaf-form > button[type=submit]").await;
    let said = wait_text(
        c,
        "[id='tc-2.1'] form.leaf-form .save-state",
        "Không gửi được",
    )
    .await;
    assert!(said.contains("kiểm tra kết nối mạng"), "{said}");
    assert_eq!(
        prop_of(c, "[id='tc-2.1'] input[name=points]", "value")
            .await
            .as_deref(),
        Some(points)
    );
    assert_eq!(
        prop_of(c, "[id='tc-2.1'] textarea[name=explanation]", "value")
            .await
            .as_deref(),
        Some(explanation)
    );
    assert_eq!(
        prop_of(
            c,
            "[id='tc-2.1'] form.leaf-form > button[type=submit]",
            "disabled"
        )
        .await
        .as_deref(),
        Some("false")
    );
    assert!(leaving_asks(c).await, "still not saved");
    js(c, "document.getElementById('tc-2.1').scrollIntoView()").await;
    screenshot(c, "browser-leaf-8-mat-mang").await;

    // Back online, pressed again: saved in place, and leaving no longer asks.
    network(c, Line::Fast).await;
    tap(c, "[id='tc-2.1'] form.leaf-form > button[type=submit]").await;
    wait_text(c, "[id='tc-2.1'] form.leaf-form .save-state", "Đã lưu").await;
    assert!(
        wait_text(c, "[id='tc-2.1'] header", "1,5 điểm")
            .await
            .contains("1,5")
    );
    assert!(still_the_marked_page(c).await, "saved in place");
    assert!(!leaving_asks(c).await, "saved: leaving must not ask");
    screenshot(c, "browser-leaf-9-da-luu-lai").await;
}

#[tokio::test]
async fn what_is_typed_in_a_leaf_stays_when_a_file_is_uploaded_on_it_in_place() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let (_app, _, _, _) = officer_on_the_page(c).await; // the server lives as long as _app
    fill(c, "[id='tc-2.2'] input[name=count]", "3").await;
    fill(
        c,
        "[id='tc-2.2'] textarea[name=explanation]",
        "Ba báo cáo quý gửi chậm",
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let pdf = dir.path().join("Công văn nhắc nhở.pdf");
    std::fs::write(&pdf, crate::typed_back::PDF).expect("pdf");
    send_file(c, "[id='tc-2.2'] form.upload", &pdf).await;
    wait_text(c, "[id='tc-2.2'] .evidence", "Đã tải lên").await;
    // The leaf came back as stored, with the file; the score typed beside it is still
    // there, its points computed, and still unsaved.
    assert_eq!(
        prop_of(c, "[id='tc-2.2'] input[name=count]", "value")
            .await
            .as_deref(),
        Some("3")
    );
    assert_eq!(
        prop_of(c, "[id='tc-2.2'] textarea[name=explanation]", "value")
            .await
            .as_deref(),
        Some("Ba báo cáo quý gửi chậm")
    );
    wait_text(c, "[id='tc-2.2'] output.computed", "0,25 điểm").await;
    assert!(leaving_asks(c).await, "typed, not saved");
    tap(c, "[id='tc-2.2'] form.leaf-form > button[type=submit]").await;
    wait_text(c, "[id='tc-2.2'] form.leaf-form .save-state", "Đã lưu").await;
    assert!(!leaving_asks(c).await);
    js(c, "document.getElementById('tc-2.2').scrollIntoView()").await;
    screenshot(c, "browser-leaf-10-tai-len-giu-noi-dung").await;
}
