//! Exemptions in a real browser, with screenshots to look at: the administrator exempts a
//! unit from an area (a refusal first, beside its field, with the choices kept), and the
//! unit's officer sees the area greyed with the reason, on a laptop and on a phone.

use crate::browser::{chrome, click, fill, js, screenshot, sign_in, text_of, wait_text};
use crate::helpers::{small_round, spawn_app, t};

#[tokio::test]
async fn the_administrator_exempts_an_area_and_the_unit_sees_it() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "Văn phòng UBND thành phố"),
            ("B", "UBND phường Bình Thủy"),
        ],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.sign_in_as("quantri").await;
    app.sign_in_as("a.canbo").await;
    app.clock.set(t("20/12/2023 09:00"));
    c.set_window_size(1366, 900).await.expect("size");
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/quan-tri/ky/{round}")))
        .await
        .expect("goto");
    click(c, &format!("a[href='/quan-tri/ky/{round}/giam-tieu-chi']")).await;
    wait_text(c, "h1", "Giảm tiêu chí đánh giá").await;

    // Without a reason: refused beside it, the unit and the area still chosen.
    js(
        c,
        &format!(
            "document.querySelector('#them-unit').value = '{a}';
             document.querySelector('#them-node').value = 't|2';"
        ),
    )
    .await;
    click(c, "#them button[type=submit]").await;
    let beside = wait_text(c, "#loi-reason", "lý do").await;
    assert!(beside.contains("Cần nhập lý do giảm tiêu chí"), "{beside}");
    let chosen = js(
        c,
        "return [document.querySelector('#them-unit').value, document.querySelector('#them-node').value, location.hash];",
    )
    .await;
    assert_eq!(chosen[0].as_str(), Some(a.to_string().as_str()), "{chosen}");
    assert_eq!(chosen[1].as_str(), Some("t|2"), "{chosen}");
    assert_eq!(chosen[2].as_str(), Some("#them"), "{chosen}");
    screenshot(c, "exemptions-01-thieu-ly-do").await;

    let reason = "Không cung cấp dịch vụ công trực tuyến (Hướng dẫn số 12/HD-SNV)";
    fill(c, "#them-reason", reason).await;
    click(c, "#them button[type=submit]").await;
    wait_text(c, "main", "Đã giảm tiêu chí cho đơn vị").await;
    let list = text_of(c, "#danh-sach").await;
    assert!(
        list.contains("Văn phòng UBND thành phố") && list.contains(reason),
        "{list}"
    );
    screenshot(c, "exemptions-02-danh-sach").await;

    // The unit's officer: area 2 greyed with the reason, its leaves without a form.
    sign_in(c, &app, "a.canbo").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem#lv-2")))
        .await
        .expect("goto");
    let area = wait_text(c, "#lv-2", "Giảm tiêu chí").await;
    assert!(area.contains(reason), "{area}");
    let forms = js(c, "return document.querySelectorAll('#lv-2 form').length;").await;
    assert_eq!(forms.as_i64(), Some(0), "a form in an exempt area");
    let index = text_of(c, ".area-index").await;
    assert!(index.contains("giảm tiêu chí"), "{index}");
    screenshot(c, "exemptions-03-don-vi").await;
    c.set_window_size(390, 844).await.expect("phone");
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem#tc-2.1")))
        .await
        .expect("goto");
    wait_text(c, "#tc-2\\.1", "Thuộc lĩnh vực 2 được giảm").await;
    screenshot(c, "exemptions-04-dien-thoai").await;
    c.set_window_size(1366, 900).await.expect("size");
}
