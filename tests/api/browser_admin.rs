//! The administrator's pages in a real browser, with screenshots to look at: a phase moved
//! out of order is refused beside its date with what was typed kept and the page on the
//! form; an account's first password survives a refresh; a reset asks first; each form of
//! the directory page shows its refusal beside its field.

use crate::browser::{chrome, click, fill, prop_of, screenshot, sign_in, text_of, wait_text};
use crate::helpers::{small_round, spawn_app, t};

#[tokio::test]
async fn the_phase_form_and_the_account_page_keep_what_was_typed() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND phường Bình Thủy"),
        ],
        vec![],
    )
    .await;
    app.sign_in_as("quantri").await;
    app.clock.set(t("20/12/2023 09:00"));
    sign_in(c, &app, "quantri").await;

    // The self-assessment moved past the opening of appraisal round 1: refused beside the
    // closing date, both dates kept, the page on the form.
    c.goto(&app.url(&format!("/quan-tri/ky/{}/giai-doan", r.round)))
        .await
        .expect("goto");
    fill(c, "#opens-self_assessment", "02/12/2023 08:00").await;
    fill(c, "#closes-self_assessment", "14/01/2024 17:00").await;
    click(c, "#gd-self_assessment button[value=xem-truoc]").await;
    let beside = wait_text(c, "#closes-self_assessment-loi", "thẩm định lần 1").await;
    assert!(
        beside.contains("08/01/2024") && beside.contains("14/01/2024"),
        "{beside}"
    );
    assert_eq!(
        prop_of(c, "#opens-self_assessment", "value")
            .await
            .as_deref(),
        Some("02/12/2023 08:00")
    );
    let url = c.current_url().await.expect("url");
    assert_eq!(url.fragment(), Some("gd-self_assessment"));
    // In red under the row, not between the dates and the button.
    let layout = c
        .execute(
            "var q = function (s) { return document.querySelector(s).getBoundingClientRect(); };
             var m = document.querySelector('#closes-self_assessment-loi');
             return [getComputedStyle(m).color, q('#gd-self_assessment button').top - q('#closes-self_assessment').top,
                     q('#closes-self_assessment-loi').top - q('#closes-self_assessment').bottom];",
            vec![],
        )
        .await
        .expect("layout");
    assert_eq!(layout[0].as_str(), Some("rgb(161, 27, 27)"), "{layout}");
    assert!(
        layout[1].as_f64().is_some_and(|d| d.abs() < 2.0),
        "{layout}"
    );
    assert!(layout[2].as_f64().is_some_and(|d| d >= 0.0), "{layout}");
    screenshot(c, "admin-01-thoi-gian-sai-thu-tu").await;

    // A valid move: the preview with its save button first.
    fill(c, "#closes-self_assessment", "05/01/2024 17:00").await;
    click(c, "#gd-self_assessment button[value=xem-truoc]").await;
    let preview = wait_text(c, "#xem-truoc", "bị bớt thời gian").await;
    assert!(preview.contains("UBND phường An Khánh"), "{preview}");
    screenshot(c, "admin-02-xem-truoc").await;
    click(c, "#xem-truoc button[value=luu]").await;
    wait_text(c, "main", "Đã lưu thời gian mới").await;

    // A new account: its page shows the first password, and again after a refresh.
    c.goto(&app.url("/quan-tri")).await.expect("goto");
    fill(c, "#n-user", "le.xem").await;
    fill(c, "#n-name", "Lê Người Xem").await;
    click(
        c,
        "form[action='/quan-tri/nguoi-dung#nguoi-dung'] button[type=submit]",
    )
    .await;
    wait_text(c, "main", "Đã tạo tài khoản").await;
    let first = text_of(c, "code.password").await;
    c.refresh().await.expect("refresh");
    wait_text(c, "main", "Đã tạo tài khoản").await;
    assert_eq!(text_of(c, "code.password").await, first);
    screenshot(c, "admin-03-mat-khau-ban-dau").await;

    // A refused edit: the typed values stay, the message beside the date.
    fill(c, "#e-name", "Lê Văn Xem").await;
    fill(c, "#e-until", "31/02/2025").await;
    click(c, "form[action*='#thong-tin'] button[type=submit]").await;
    wait_text(c, "#loi-valid_until", "31/02/2025").await;
    assert_eq!(
        prop_of(c, "#e-name", "value").await.as_deref(),
        Some("Lê Văn Xem")
    );
    screenshot(c, "admin-04-sua-tai-khoan-sai-ngay").await;

    // On a phone, the buttons an official taps are 44 px tall.
    c.set_window_size(390, 844).await.expect("size");
    let height = c
        .execute(
            "return document.querySelector('#dat-lai-mat-khau button').getBoundingClientRect().height;",
            vec![],
        )
        .await
        .expect("height");
    assert!(height.as_f64().unwrap_or(0.0) >= 44.0, "{height}");
    screenshot(c, "admin-05-dien-thoai").await;
    chrome.client.clone().close().await.expect("close browser");
}

#[tokio::test]
async fn a_refused_directory_form_shows_its_message_beside_the_field() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    sign_in(c, &app, "quantri").await;
    c.set_window_size(1366, 900).await.expect("size");

    // A unit whose name was left out: the message under the name, the code kept, the page
    // on the unit form.
    c.goto(&app.url("/quan-tri")).await.expect("goto");
    fill(c, "#u-code", "B").await;
    click(c, "#don-vi button[type=submit]").await;
    let beside = wait_text(c, "#loi-don-vi-name", "Cần nhập tên đơn vị").await;
    assert!(!beside.is_empty());
    assert_eq!(prop_of(c, "#u-code", "value").await.as_deref(), Some("B"));
    // The address is the page's, not the form's (a refresh does not post again).
    let url = c.current_url().await.expect("url");
    assert_eq!((url.path(), url.fragment()), ("/quan-tri", Some("don-vi")));
    let marked = c
        .execute("return document.body.hasAttribute('data-posted');", vec![])
        .await
        .expect("marked");
    assert_eq!(marked.as_bool(), Some(true));
    let color = c
        .execute(
            "return getComputedStyle(document.querySelector('#loi-don-vi-name')).color;",
            vec![],
        )
        .await
        .expect("color");
    assert_eq!(color.as_str(), Some("rgb(161, 27, 27)"), "in red");
    screenshot(c, "admin-06-don-vi-thieu-ten").await;

    // A username already taken: beside the username, on the account form.
    fill(c, "#n-user", "a.canbo").await;
    fill(c, "#n-name", "Trần Văn Bình").await;
    click(c, "#nguoi-dung form button[type=submit]").await;
    wait_text(c, "#loi-nguoi-dung-username", "đã có người dùng").await;
    let url = c.current_url().await.expect("url");
    assert_eq!(
        (url.path(), url.fragment()),
        ("/quan-tri", Some("nguoi-dung"))
    );
    assert_eq!(
        prop_of(c, "#n-name", "value").await.as_deref(),
        Some("Trần Văn Bình")
    );
    screenshot(c, "admin-07-ten-dang-nhap-trung").await;

    // A tier without a code, on a phone.
    c.set_window_size(390, 844).await.expect("size");
    fill(c, "#t-name", "Khối UBND xã").await;
    click(c, "#khoi button[type=submit]").await;
    wait_text(c, "#loi-khoi-code", "Cần nhập mã khối").await;
    screenshot(c, "admin-08-khoi-thieu-ma-dien-thoai").await;
    fill(c, "#u-code", "B").await;
    click(c, "#don-vi button[type=submit]").await;
    wait_text(c, "#loi-don-vi-name", "Cần nhập tên đơn vị").await;
    screenshot(c, "admin-09-don-vi-thieu-ten-dien-thoai").await;
    // Nothing makes the phone's page scroll sideways (the tables scroll in their box).
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(wide.as_i64(), Some(0), "the page is wider than the phone");
    chrome.client.clone().close().await.expect("close browser");
}
