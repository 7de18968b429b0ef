//! The appraiser's scope in a real browser: an appraiser limited to one area edits only
//! its leaves; a refused appraisal (a changed score without a comment) comes back in place
//! with the 0 typed and the comment kept; the results table fits a phone with its index
//! in view. Screenshots at 1366 and 390 pixels wide in target/test-output/screenshots.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{chrome, click, fill, js, prop_of, screenshot, sign_in, wait_text};
use crate::helpers::{Browser, send_json, spawn_app};

#[tokio::test]
async fn an_appraiser_limited_to_one_area_in_the_browser() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = crate::appraisal_pages::submitted_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    for who in ["thamdinh", "quantri"] {
        app.sign_in_as(who).await; // gives each the test password
    }
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &format!("/api/users/{}/scopes", r.appraiser.user_id),
        json!({ "area_code": "1" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    sign_in(c, &app, "thamdinh").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tham-dinh")))
        .await
        .expect("goto");
    wait_text(c, "#tong-diem", "Điểm thẩm định").await;
    // Editable in area 1 only.
    for leaf in ["1.1", "1.2", "1.3"] {
        let form = format!("[id='tc-{leaf}'] form");
        assert!(c.find(Locator::Css(&form)).await.is_ok(), "{leaf}: a form");
    }
    for leaf in ["2.1", "2.2"] {
        let row = format!("[id='tc-{leaf}']");
        let forms = c
            .find_all(Locator::Css(&format!("{row} form")))
            .await
            .expect("find");
        assert!(forms.is_empty(), "{leaf}: read-only");
        wait_text(c, &row, "Ngoài phạm vi thẩm định được phân công").await;
    }

    // Leaf 1.1 (đạt / không đạt) was self-scored 1: 0 without a comment is refused in
    // place, typing kept.
    fill(c, "[id='tc-1.1'] input[name=points]", "0").await;
    fill(c, "[id='tc-1.1'] textarea[name=comment]", "").await;
    click(c, "[id='tc-1.1'] form > button[type=submit]").await;
    let row = wait_text(c, "[id='tc-1.1']", "cần ghi nhận xét").await;
    assert!(row.contains("Nội dung vừa nhập chưa được lưu."), "{row}");
    assert_eq!(
        prop_of(c, "[id='tc-1.1'] input[name=points]", "value")
            .await
            .as_deref(),
        Some("0"),
        "the score typed, not the old one"
    );
    // Then with the comment: saved in place.
    fill(
        c,
        "[id='tc-1.1'] textarea[name=comment]",
        "Kế hoạch ban hành muộn",
    )
    .await;
    screenshot(c, "30-tham-dinh-tu-choi").await;
    click(c, "[id='tc-1.1'] form > button[type=submit]").await;
    wait_text(c, "[id='tc-1.1']", "Đã lưu").await;
    assert_eq!(
        prop_of(c, "[id='tc-1.1'] textarea[name=comment]", "value")
            .await
            .as_deref(),
        Some("Kế hoạch ban hành muộn")
    );
    // 1 + 0,5 self-scored; 0 + 0,5 appraised.
    let totals = wait_text(c, "#tong-diem", "Điểm thẩm định: 0,5").await;
    assert!(totals.contains("Điểm tự chấm: 1,5"), "{totals}");
    screenshot(c, "31-tham-dinh-pham-vi").await;

    // Without JavaScript's help the refusal lands on the leaf: the form posts to its anchor.
    let action = c
        .find(Locator::Css("[id='tc-1.2'] form"))
        .await
        .expect("form")
        .attr("action")
        .await
        .expect("action")
        .unwrap_or_default();
    assert!(action.ends_with("/tham-dinh/1.2#tc-1.2"), "{action}");

    // On a phone.
    c.set_window_size(390, 844).await.expect("phone size");
    c.refresh().await.expect("reload");
    wait_text(c, "#tong-diem", "Điểm thẩm định").await;
    screenshot(c, "32-tham-dinh-dien-thoai").await;

    // The results on a phone: the search box, and each unit's index within the screen.
    sign_in(c, &app, "quantri").await;
    c.goto(&app.url(&format!("/ky/{round}/ket-qua")))
        .await
        .expect("goto");
    wait_text(c, "main", "Chỉ số CCHC").await;
    assert!(
        c.find(Locator::Css("input#tim")).await.is_ok(),
        "the search box"
    );
    let width: f64 = c
        .execute("return document.documentElement.clientWidth;", vec![])
        .await
        .expect("width")
        .as_f64()
        .expect("a number");
    for cell in c
        .find_all(Locator::Css("table.ranking td.index"))
        .await
        .expect("cells")
    {
        let (x, _, w, _) = cell.rectangle().await.expect("rectangle");
        assert!(
            x >= 0.0 && x + w <= width,
            "the index is on screen: {x}+{w} > {width}"
        );
    }
    let page_width: f64 = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .expect("scroll width")
        .as_f64()
        .expect("a number");
    assert!(
        page_width <= width,
        "no sideways scrolling: {page_width} > {width}"
    );
    screenshot(c, "33-ket-qua-dien-thoai").await;
    c.set_window_size(1366, 768).await.expect("laptop size");
    c.refresh().await.expect("reload");
    wait_text(c, "main", "Chỉ số CCHC").await;
    assert!(
        c.find(Locator::Css("input#tim")).await.is_ok(),
        "the search box"
    );
    screenshot(c, "34-ket-qua").await;

    // The bonus and penalty page: a count that is not a number comes back beside its field.
    c.goto(&app.url(&format!("/quan-tri/ky/{round}")))
        .await
        .expect("goto");
    click(
        c,
        &format!("a[href='/quan-tri/ky/{round}/diem-thuong-tru']"),
    )
    .await;
    c.find(Locator::Css("#don_vi"))
        .await
        .expect("unit list")
        .select_by_value(&a.to_string())
        .await
        .expect("choose the unit");
    wait_text(c, "[id='kt-bonus-T1']", "Sáng kiến CCHC được công nhận").await;
    fill(c, "[id='kt-bonus-T1'] input[name=occurrences]", "hai").await;
    fill(
        c,
        "[id='kt-bonus-T1'] textarea[name=note]",
        "QĐ 15/QĐ-UBND công nhận sáng kiến",
    )
    .await;
    click(c, "[id='kt-bonus-T1'] button[type=submit]").await;
    wait_text(c, "[id='kt-bonus-T1']", "Số lần phải là số nguyên").await;
    assert_eq!(
        prop_of(c, "[id='kt-bonus-T1'] textarea[name=note]", "value")
            .await
            .as_deref(),
        Some("QĐ 15/QĐ-UBND công nhận sáng kiến")
    );
    screenshot(c, "35-diem-thuong-tru-tu-choi").await;
    fill(c, "[id='kt-bonus-T1'] input[name=occurrences]", "1").await;
    click(c, "[id='kt-bonus-T1'] button[type=submit]").await;
    wait_text(c, "[id='kt-bonus-T1']", "Đã lưu").await;
    wait_text(c, "#bonus", "Tính vào tổng điểm: 0,5 điểm").await;
    screenshot(c, "36-diem-thuong-tru").await;
}

/// Scrolls leaf 1.2's row to the top of the window, for its screenshot.
const SHOW_1_2: &str =
    "document.getElementById('tc-1.2').scrollIntoView({block: 'start'}); return null;";

/// An appraiser corrects one figure of a tiered leaf: the form opens on the unit's figures
/// (shown beside each field), the points follow as the number is typed, a correction
/// without its reason comes back in place with the figure typed, then saves.
#[tokio::test]
async fn an_appraiser_corrects_a_figure_in_the_browser() {
    let Some(chrome) = chrome().await else { return };
    let c = &chrome.client;
    let app = spawn_app().await;
    let r = crate::appraisal_figures::figures_round(&app, None).await;
    let (round, a) = (r.round, r.units[0]);
    app.sign_in_as("thamdinh").await; // gives the account the test password
    c.set_window_size(1366, 900).await.expect("window size");
    sign_in(c, &app, "thamdinh").await;
    c.goto(&app.url(&format!("/ky/{round}/don-vi/{a}/tham-dinh")))
        .await
        .expect("goto");
    wait_text(c, "#tong-diem", "Điểm thẩm định").await;
    let numerator = "[id='tc-1.2'] input[name=numerator]";
    assert_eq!(
        prop_of(c, numerator, "value").await.as_deref(),
        Some("125"),
        "the unit's figure first"
    );
    wait_text(c, "[id='tc-1.2'] fieldset", "Đơn vị báo cáo: 125").await;
    wait_text(c, "[id='tc-1.2'] output", "1,5 điểm").await;
    js(c, SHOW_1_2).await;
    fill(c, numerator, "110").await;
    wait_text(c, "[id='tc-1.2'] output", "0,75 điểm").await;
    screenshot(c, "37-tham-dinh-so-lieu").await;
    click(c, "[id='tc-1.2'] form > button[type=submit]").await;
    wait_text(c, "[id='tc-1.2']", "cần ghi nhận xét").await;
    // The points of the figures kept come back beside them.
    wait_text(c, "[id='tc-1.2'] output", "0,75 điểm").await;
    assert_eq!(
        prop_of(c, numerator, "value").await.as_deref(),
        Some("110"),
        "the figure typed, kept"
    );
    fill(
        c,
        "[id='tc-1.2'] textarea[name=comment]",
        "Đối chiếu danh mục: 15 TTHC chưa có quy trình nội bộ được phê duyệt.",
    )
    .await;
    screenshot(c, "38-tham-dinh-so-lieu-tu-choi").await;
    click(c, "[id='tc-1.2'] form > button[type=submit]").await;
    wait_text(c, "[id='tc-1.2']", "Đã lưu").await;
    wait_text(c, "[id='tc-1.2'] output", "0,75 điểm").await;
    // 1 + 0,75 + 1,5 + 1,5 + 1 appraised, beside the unit's 6,5.
    wait_text(c, "#tong-diem", "Điểm thẩm định: 5,75").await;
    js(c, SHOW_1_2).await;
    screenshot(c, "39-tham-dinh-so-lieu-da-luu").await;
    c.set_window_size(1366, 768).await.expect("window size");
}
