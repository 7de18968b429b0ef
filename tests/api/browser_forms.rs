//! The lost-typing cases of the self-assessment page in a real headless Chromium: a
//! refused leaf and a refused citation come back in place with what was typed beside the
//! message; a save after the head submitted says so and keeps the typing to copy; an
//! upload shows its progress on a throttled line, locks its button and swaps the leaf in
//! place. Screenshots go to target/test-output/screenshots (browser-forms-*.png).

use serde_json::json;

use crate::browser::{
    big_pdf, chrome, click, fill, js, prop_of, screenshot, sign_in, tap, upload_slowly, wait_text,
};
use crate::helpers::{Browser, send_json, small_round, spawn_app, t};

#[tokio::test]
async fn nothing_typed_is_lost_on_the_self_assessment_page() {
    let Some(browser) = chrome().await else {
        return;
    };
    let c = &browser.client;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024 10:30"));
    app.sign_in_as("a.canbo").await; // gives the test password
    sign_in(c, &app, "a.canbo").await;
    let page = app.url(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem"));
    c.goto(&page).await.expect("goto");

    // A score out of its steps: refused in place, the typing and the message beside it.
    fill(c, "[id='tc-2.1'] input[name=points]", "2,75").await;
    fill(
        c,
        "[id='tc-2.1'] textarea[name=explanation]",
        "Cổng thông tin cập nhật đủ 12 tháng",
    )
    .await;
    tap(c, "[id='tc-2.1'] form.leaf-form > button[type=submit]").await;
    wait_text(c, "[id='tc-2.1'] .field-error", "Điểm phải từ 0 đến 2").await;
    assert_eq!(
        prop_of(c, "[id='tc-2.1'] input[name=points]", "value")
            .await
            .as_deref(),
        Some("2,75")
    );
    assert_eq!(
        prop_of(c, "[id='tc-2.1'] textarea[name=explanation]", "value")
            .await
            .as_deref(),
        Some("Cổng thông tin cập nhật đủ 12 tháng")
    );
    js(c, "document.getElementById('tc-2.1').scrollIntoView()").await;
    screenshot(c, "browser-forms-1-diem-bi-tu-choi").await;

    // A citation dated 31/11/2023: every field kept, the message beside the date.
    tap(c, "[id='tc-1.1'] details.cite summary").await;
    fill(c, "[id='tc-1.1'] input[name=document_number]", "12/KH-UBND").await;
    fill(c, "[id='tc-1.1'] input[name=issued_on]", "31/11/2023").await;
    fill(
        c,
        "[id='tc-1.1'] input[name=summary]",
        "Kế hoạch CCHC năm 2023",
    )
    .await;
    fill(c, "[id='tc-1.1'] input[name=pages]", "3-5").await;
    tap(c, "[id='tc-1.1'] form.citation button[type=submit]").await;
    wait_text(c, "[id='tc-1.1'] form.citation .field-error", "31/11/2023").await;
    for (field, typed) in [
        ("document_number", "12/KH-UBND"),
        ("issued_on", "31/11/2023"),
        ("summary", "Kế hoạch CCHC năm 2023"),
        ("pages", "3-5"),
    ] {
        let css = format!("[id='tc-1.1'] input[name={field}]");
        assert_eq!(
            prop_of(c, &css, "value").await.as_deref(),
            Some(typed),
            "{field}"
        );
    }
    js(
        c,
        "document.querySelector(\"[id='tc-1.1'] details.cite\").scrollIntoView()",
    )
    .await;
    screenshot(c, "browser-forms-2-van-ban-bi-tu-choi").await;

    // An upload of 4 MB on a line of 1 MB/s: the progress moves, the button is locked,
    // and the leaf comes back in place with the file.
    let dir = tempfile::tempdir().expect("tmp");
    let pdf = big_pdf(dir.path(), "Báo cáo CCHC năm 2023.pdf", 4);
    let done = upload_slowly(
        c,
        "[id='tc-2.2'] form.upload",
        &pdf,
        ("[id='tc-2.2'] .evidence", "browser-forms-3-dang-tai-len"),
    )
    .await;
    assert!(done.contains("Báo cáo CCHC năm 2023.pdf"), "{done}");
    screenshot(c, "browser-forms-4-da-tai-len").await;

    // On a phone the controls an official taps are at least 44 px tall.
    c.set_window_size(390, 844).await.expect("phone size");
    c.goto(&page).await.expect("reload");
    let heights = js(
        c,
        r#"var leaf = document.getElementById("tc-1.3");
           var sizes = {};
           [["Lưu", "form.leaf-form > button[type=submit]"], ["Tải lên", "form.upload button"],
            ["Lịch sử thay đổi", "a.history"], ["Không áp dụng", "label.check"],
            ["Hướng dẫn", "details.guide summary"], ["Điểm", "input[name=numerator]"]
           ].forEach(function (p) {
             sizes[p[0]] = leaf.querySelector(p[1]).getBoundingClientRect().height;
           });
           sizes["Xóa"] = document.querySelector("[id='tc-2.2'] .evidence button.link").getBoundingClientRect().height;
           return sizes;"#,
    )
    .await;
    for (control, height) in heights.as_object().expect("sizes") {
        let height = height.as_f64().expect("height");
        assert!(height >= 44.0, "{control}: {height} px on a phone");
    }
    js(c, "document.getElementById('tc-1.3').scrollIntoView()").await;
    screenshot(c, "browser-forms-4b-dien-thoai").await;
    c.set_window_size(1366, 768).await.expect("desktop size");
    c.goto(&page).await.expect("reload");

    // The head submits while the officer's page is open; the officer's save then says so
    // and keeps what was typed, to copy.
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
    fill(c, "[id='tc-2.2'] input[name=count]", "2").await;
    fill(
        c,
        "[id='tc-2.2'] textarea[name=explanation]",
        "Hai báo cáo quý gửi chậm",
    )
    .await;
    tap(c, "[id='tc-2.2'] form.leaf-form > button[type=submit]").await;
    let message = wait_text(
        c,
        "[id='tc-2.2'] .kept-typing",
        "nội dung vừa nhập chưa được lưu",
    )
    .await;
    assert!(
        message.contains("Bản tự đánh giá đã được gửi lúc 10:30 ngày 05/01/2024"),
        "{message}"
    );
    let kept: Vec<String> = serde_json::from_value(
        js(
            c,
            "return Array.from(document.querySelectorAll(\"[id='tc-2.2'] .kept-typing textarea[readonly]\")).map(function (t) { return t.value; })",
        )
        .await,
    )
    .expect("kept");
    assert!(
        kept.contains(&"2".to_string()) && kept.contains(&"Hai báo cáo quý gửi chậm".to_string()),
        "{kept:?}"
    );
    js(c, "document.getElementById('tc-2.2').scrollIntoView()").await;
    screenshot(c, "browser-forms-5-da-gui").await;
}

#[tokio::test]
async fn passwords_are_never_kept_and_typing_is_said_restored_only_when_it_came_back() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    // What the page's script keeps (htmx keeps the page's path of its own).
    let stored = "return Object.keys(sessionStorage).concat(Object.keys(localStorage)) \
        .filter(function (k) { return k.indexOf('htmx') !== 0; }) \
        .map(function (k) { return k + '=' + (sessionStorage.getItem(k) || localStorage.getItem(k)); });";

    // A failed sign-in: the page says so, and nothing of the form was kept or "restored".
    c.delete_all_cookies().await.expect("cookies");
    c.goto(&app.url("/dang-nhap?tiep=%2Fquan-tri"))
        .await
        .expect("goto");
    fill(c, "#username", "quantri").await;
    fill(c, "#password", "sai-mat-khau-roi").await;
    click(c, "form[action='/dang-nhap'] button[type=submit]").await;
    wait_text(c, "main", "không đúng").await;
    assert_eq!(
        js(c, "return document.querySelectorAll('.restored').length;").await,
        0
    );
    let kept = js(c, stored).await;
    assert_eq!(kept, json!([]), "nothing kept: {kept}");
    screenshot(c, "browser-forms-10-dang-nhap-sai").await;

    // Typing kept for the directory page before the session ended: after signing in, the
    // notice stands on the form whose value came back, not on the one whose kept values
    // are what the page shows anyway.
    js(
        c,
        r##"sessionStorage.setItem("parindex-chua-luu:/quan-tri", JSON.stringify({
             "/quan-tri/khoi#khoi": { "code": "", "name": "" },
             "/quan-tri/don-vi#don-vi": { "code": "X9", "name": "" } })); return 1;"##,
    )
    .await;
    fill(c, "#username", "quantri").await;
    fill(c, "#password", crate::helpers::PASSWORD).await;
    click(c, "form[action='/dang-nhap'] button[type=submit]").await;
    wait_text(c, "#don-vi", "Đã khôi phục").await;
    assert_eq!(
        js(c, "return document.querySelectorAll('.restored').length;").await,
        1
    );
    assert_eq!(prop_of(c, "#u-code", "value").await.as_deref(), Some("X9"));

    // A refused password change: nothing kept either.
    c.goto(&app.url("/doi-mat-khau")).await.expect("goto");
    fill(c, "#current_password", "sai-mat-khau-roi").await;
    fill(c, "#new_password", "mat-khau-moi-2024").await;
    fill(c, "#confirm", "mat-khau-moi-2024").await;
    click(c, "form[action='/doi-mat-khau'] button[type=submit]").await;
    wait_text(c, "main", "không đúng").await;
    assert_eq!(
        js(c, "return document.querySelectorAll('.restored').length;").await,
        0
    );
    assert_eq!(js(c, stored).await, json!([]));
    chrome.client.clone().close().await.expect("close browser");
}
