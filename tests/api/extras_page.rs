//! The administrator's bonus and penalty page (điểm thưởng, điểm trừ): a unit's items of
//! its criteria set with the cap, saved through the same rules as the API, audited; a
//! refusal keeps what was typed beside the field; nobody else may see or save it.

use crate::helpers::{Browser, audit_count, get_page, post_form, small_round, spawn_app, t};

/// The part of the page about one item (`bonus`/`penalty`, its code).
fn item<'a>(page: &'a str, kind: &str, code: &str) -> &'a str {
    let at = page
        .split(&format!("id=\"kt-{kind}-{code}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no item {kind} {code} in {page}"));
    at.split("</article>").next().expect("item end")
}

#[tokio::test]
async fn the_administrator_counts_bonus_and_penalty_items_from_a_page() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("20/02/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!("/quan-tri/ky/{round}/diem-thuong-tru");

    // The round's page links to it; without a unit it asks for one.
    let (status, page) = get_page(&app, &admin, &format!("/quan-tri/ky/{round}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"{path}\"")),
        "linked from the round"
    );
    let (status, page) = get_page(&app, &admin, &path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("UBND phường An Khánh") && page.contains("UBND phường Hưng Lợi"));
    assert!(page.contains("Chọn một đơn vị"));

    // A unit: its set's items, the cap, nothing counted yet.
    let unit_page = format!("{path}?don_vi={a}");
    let (status, page) = get_page(&app, &admin, &unit_page).await;
    assert_eq!(status, 200, "{page}");
    let bonus = item(&page, "bonus", "T1");
    assert!(bonus.contains("Sáng kiến CCHC được công nhận"), "{bonus}");
    assert!(bonus.contains("0,5 điểm mỗi lần"), "{bonus}");
    assert!(item(&page, "penalty", "D1").contains("Phản ánh có căn cứ về nhũng nhiễu"));
    assert!(page.contains("Tối đa 1 điểm"), "the cap");

    // A save: back to the unit at the item, audited, shown.
    let before = audit_count(&app).await;
    let a_id = a.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("don_vi", a_id.as_str()),
        ("kind", "bonus"),
        ("item", "T1"),
        ("occurrences", "3"),
        ("note", "QĐ 15/QĐ-UBND công nhận ba sáng kiến"),
    ];
    let (status, location, page) = post_form(&app, &admin, &path, &fields).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(
        location.as_deref(),
        Some(format!("{path}?don_vi={a}&tb=da-luu&luu=bonus-T1#kt-bonus-T1").as_str())
    );
    assert_eq!(audit_count(&app).await, before + 1, "audited");
    let (_, page) = get_page(
        &app,
        &admin,
        &format!("{path}?don_vi={a}&tb=da-luu&luu=bonus-T1"),
    )
    .await;
    let bonus = item(&page, "bonus", "T1");
    assert!(bonus.contains("Đã lưu"), "beside the item saved: {bonus}");
    assert!(!item(&page, "penalty", "D1").contains("Đã lưu"));
    assert!(bonus.contains("value=\"3\""), "{bonus}");
    assert!(bonus.contains("QĐ 15/QĐ-UBND công nhận ba sáng kiến</textarea>"));
    // 3 × 0,5 = 1,5, capped at 1 in the total.
    assert!(
        page.contains("Tổng: <strong>1,5</strong> điểm · Tối đa 1 điểm · Tính vào tổng điểm: <strong>1</strong> điểm"),
        "{page}"
    );

    // A count that is not a number: 422, what was typed beside the field, nothing written.
    let before = audit_count(&app).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("don_vi", a_id.as_str()),
        ("kind", "penalty"),
        ("item", "D1"),
        ("occurrences", "hai"),
        ("note", "Công văn 88/SNV-CCHC"),
    ];
    let (status, _, page) = post_form(&app, &admin, &path, &fields).await;
    assert_eq!(status, 422, "{page}");
    let penalty = item(&page, "penalty", "D1");
    assert!(penalty.contains("value=\"hai\""), "{penalty}");
    assert!(
        penalty.contains("Công văn 88/SNV-CCHC</textarea>"),
        "{penalty}"
    );
    let (before_note, _) = penalty.split_once("name=\"note\"").expect("note field");
    assert!(
        before_note.contains("Số lần phải là số nguyên từ 0 đến 100 (đã nhập «hai»)."),
        "beside the count: {penalty}"
    );
    assert!(penalty.contains("aria-invalid=\"true\""));
    // The service's own limit: the same, from its message.
    let fields = [
        ("csrf", csrf.as_str()),
        ("don_vi", a_id.as_str()),
        ("kind", "penalty"),
        ("item", "D1"),
        ("occurrences", "101"),
        ("note", "Công văn 88/SNV-CCHC"),
    ];
    let (status, _, page) = post_form(&app, &admin, &path, &fields).await;
    assert_eq!(status, 422, "{page}");
    let penalty = item(&page, "penalty", "D1");
    assert!(penalty.contains("value=\"101\""), "{penalty}");
    assert!(penalty.contains("Số lần phải từ 0 đến 100."), "{penalty}");
    // The bonus saved before is untouched on the refused page.
    assert!(item(&page, "bonus", "T1").contains("value=\"3\""));
    assert_eq!(audit_count(&app).await, before, "a refusal writes nothing");

    // Nobody else: an appraiser, a unit officer, a viewer are refused, and nothing is written.
    for who in ["thamdinh", "a.canbo", "lanhdao"] {
        let other = Browser::default();
        let other_csrf = app.sign_in_with(&other, who).await;
        let (status, _) = get_page(&app, &other, &unit_page).await;
        assert_eq!(status, 403, "{who} sees the page");
        let fields = [
            ("csrf", other_csrf.as_str()),
            ("don_vi", a_id.as_str()),
            ("kind", "bonus"),
            ("item", "T1"),
            ("occurrences", "0"),
            ("note", ""),
        ];
        let (status, _, _) = post_form(&app, &other, &path, &fields).await;
        assert_eq!(status, 403, "{who} saves");
    }
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn a_bonus_or_penalty_that_counts_needs_its_reason() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let path = format!(
        "/api/rounds/{}/units/{}/extras/penalty/D1",
        r.round, r.units[0]
    );
    let before = audit_count(&app).await;
    let put = |body: serde_json::Value| {
        crate::helpers::send_json(&app, &admin, &csrf, "PUT", &path, body)
    };
    let (status, body) = put(serde_json::json!({ "occurrences": 2, "note": "  " })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "note");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("m")
            .contains("lý do")
    );
    assert_eq!(audit_count(&app).await, before, "nothing written");
    let (status, body) =
        put(serde_json::json!({ "occurrences": 2, "note": "Công văn 88/SNV-CCHC" })).await;
    assert_eq!(status, 204, "{body}");
    // Taken off without a reason: allowed.
    let (status, body) = put(serde_json::json!({ "occurrences": 0 })).await;
    assert_eq!(status, 204, "{body}");
}
