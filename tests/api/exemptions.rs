//! Exemptions (giảm tiêu chí đánh giá): the administrator exempts a unit of a round from
//! an area, a criterion or a leaf; the exempt leaves leave the unit's points and maximum,
//! nobody can score them, and the exemptions are locked by the round's phases.

use serde_json::{Value, json};

use crate::helpers::{
    Browser, TestApp, get_page, json_of, post_form, send_json, small_round, spawn_app, t,
};

/// Unit `code`'s line of the round's results, as the administrator reads it.
async fn line(app: &TestApp, admin: &Browser, round: i64, code: &str) -> Value {
    let (status, results) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/results"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    results["tiers"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} not in {results}"))
}

/// Hundredths of a point from the API's decimal text («7.5» is 750).
pub(crate) fn hundredths(v: &Value) -> i64 {
    let text = v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"));
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().expect("whole") * 100 + frac[..2].parse::<i64>().expect("fraction")
}

/// The index as the results compute it: total ÷ maximum × 100, half away from zero, in
/// hundredths.
fn index_of(total: i64, max: i64) -> i64 {
    (total * 10_000 * 2 + max) / (2 * max)
}

/// Sets (a PUT to `…/exemptions/{node}`) or takes back (a POST to `…/remove`) an
/// exemption with `reason`.
async fn exemption(
    app: &TestApp,
    who: &Browser,
    csrf: &str,
    path: &str,
    reason: &str,
) -> (u16, Value) {
    let method = if path.ends_with("/remove") {
        "POST"
    } else {
        "PUT"
    };
    send_json(app, who, csrf, method, path, json!({ "reason": reason })).await
}

async fn save(
    app: &TestApp,
    who: &Browser,
    csrf: &str,
    base: &str,
    leaf: &str,
    input: Value,
) -> (u16, Value) {
    let body = json!({ "input": input, "explanation": "Theo báo cáo số 12/BC-UBND" });
    send_json(
        app,
        who,
        csrf,
        "PUT",
        &format!("{base}/self-assessment/{leaf}"),
        body,
    )
    .await
}

#[tokio::test]
async fn an_exempt_units_index_leaves_the_exempt_leaves_out_and_nobody_scores_them() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "Văn phòng UBND thành phố"),
            ("B", "UBND phường Hưng Lợi"),
        ],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    let base = format!("/api/rounds/{round}/units/{a}");
    app.clock.set(t("20/12/2023"));
    let (admin, officer) = (Browser::default(), Browser::default());
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    for (leaf, input) in [
        ("1.1", json!({ "kind": "yes_no", "met": true })),
        (
            "1.2",
            json!({ "kind": "rate", "numerator": "9", "denominator": "10" }),
        ),
        ("2.1", json!({ "kind": "judged", "points": "1.75" })),
        ("2.2", json!({ "kind": "occurrences", "count": 1 })),
    ] {
        let (status, body) = save(&app, &officer, &officer_csrf, &base, leaf, input).await;
        assert_eq!(status, 200, "{leaf}: {body}");
    }
    let before = line(&app, &admin, round, "A").await;

    // Area 2 out for unit A, with the guide's reason.
    let exempt = |node: &str| format!("{base}/exemptions/{node}");
    let reason = "Không giải quyết thủ tục hành chính (Hướng dẫn số 12/HD-SNV)";
    let (status, body) = exemption(&app, &officer, &officer_csrf, &exempt("2"), reason).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("2"), "  ").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("9.9"), reason).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("node_code")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("không có tiêu chí «9.9»"),
        "{body}"
    );
    // A leaf first, then its area: the area takes the leaf in.
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("2.2"), reason).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("2"), reason).await;
    assert_eq!(status, 204, "{body}");
    // A leaf under it is already exempt through it.
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("2.1"), reason).await;
    assert_eq!(status, 409, "{body}");

    let after = line(&app, &admin, round, "A").await;
    let area = |l: &Value, code: &str| {
        l["areas"]
            .as_array()
            .expect("areas")
            .iter()
            .find(|x| x["code"] == code)
            .cloned()
            .expect("area")
    };
    let (area_points, area_max) = (
        hundredths(&area(&before, "2")["points"]),
        hundredths(&area(&before, "2")["max"]),
    );
    assert_eq!(area_max, 300);
    assert_eq!(
        hundredths(&after["applicable_max"]),
        hundredths(&before["applicable_max"]) - area_max
    );
    assert_eq!(
        hundredths(&after["final_total"]),
        hundredths(&before["final_total"]) - area_points
    );
    assert_eq!(
        hundredths(&after["index"]),
        index_of(
            hundredths(&after["final_total"]),
            hundredths(&after["applicable_max"])
        )
    );
    assert_eq!(hundredths(&area(&after, "2")["max"]), 0);
    assert!(area(&after, "2")["index"].is_null(), "{after}");
    // Unit B is not touched.
    assert_eq!(
        line(&app, &admin, round, "B").await["applicable_max"],
        before["applicable_max"]
    );

    // The unit cannot score an exempt leaf: the refusal says why.
    let (status, body) = save(
        &app,
        &officer,
        &officer_csrf,
        &base,
        "2.1",
        json!({ "kind": "judged", "points": "2" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("exempt")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("giảm lĩnh vực 2") && message.contains(reason),
        "{message}"
    );
    // The unit's view shows the exempt part with its reason, out of its maximum.
    let (status, view) = json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/self-assessment"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let node = |code: &str| {
        view["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["code"] == code)
            .cloned()
            .expect("node")
    };
    assert_eq!(node("2.2")["exempt"]["node_code"], "2");
    assert_eq!(node("2.2")["exempt"]["reason"], reason);
    assert!(node("1.1")["exempt"].is_null());
    assert_eq!(view["progress"]["leaves"], 3, "{}", view["progress"]);

    // Nor an appraiser, once appraisal opens.
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let appraiser_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = send_json(
        &app,
        &appraiser,
        &appraiser_csrf,
        "PUT",
        &format!("{base}/appraisal/1/2.2"),
        json!({ "points": "0", "comment": "Chậm báo cáo" }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("exempt")),
        "{body}"
    );

    // The appraisal queue counts only the leaves A is evaluated on (5 less area 2's 2).
    let (status, queue) = json_of(
        appraiser
            .send(appraiser.get(app.url(&format!("/api/rounds/{round}/appraisal-queue"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{queue}");
    let lines = queue["units"].as_array().expect("units");
    let line_a = lines.iter().find(|l| l["unit_id"] == a).expect("A queued");
    assert_eq!(line_a["leaves"], 3, "{line_a}");

    // The self-assessment has closed: changes only for a unit reopened.
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("1.3"), reason).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("deadline_closed")),
        "{body}"
    );
    let reopen = json!({ "phase": "self_assessment", "kind": "reopening", "until": "25/01/2024", "reason": "Bổ sung giảm tiêu chí" });
    let (status, body) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &format!("{base}/overrides"),
        reopen,
    )
    .await;
    assert!(status < 300, "{status} {body}");
    let (status, body) = exemption(&app, &admin, &admin_csrf, &exempt("1.3"), reason).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = exemption(
        &app,
        &admin,
        &admin_csrf,
        &format!("{}/remove", exempt("1.3")),
        "",
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    let (status, body) = exemption(
        &app,
        &admin,
        &admin_csrf,
        &format!("{}/remove", exempt("1.3")),
        "Nhập nhầm",
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // The list, for the administrator and the viewer.
    let (status, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/exemptions"))))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let lines = list["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{list}");
    assert_eq!(lines[0]["node_code"], "2");
    assert_eq!(lines[0]["unit_name"], "Văn phòng UBND thành phố");
    assert_eq!(lines[0]["node_text"], "Hiện đại hóa hành chính");
    app.sign_in_with(&officer, "a.canbo").await;
    let (status, _) = json_of(
        officer
            .send(officer.get(app.url(&format!("/api/rounds/{round}/exemptions"))))
            .await,
    )
    .await;
    assert_eq!(status, 403);

    // Every change audited, with the reasons.
    let actions: Vec<(String, String, String)> = {
        use sqlx::Row;
        sqlx::query(
            "select action, coalesce(leaf_code, ''), coalesce(new_value, '') from audit_log where round_id = $1 and action like 'exemption.%' order by id",
        )
        .bind(round)
        .fetch_all(app.store().pool())
        .await
        .expect("audit")
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    };
    assert_eq!(
        actions,
        [
            (
                "exemption.set".to_string(),
                "2.2".to_string(),
                reason.to_string()
            ),
            (
                "exemption.set".to_string(),
                "2".to_string(),
                reason.to_string()
            ),
            (
                "exemption.remove".to_string(),
                "2.2".to_string(),
                "gộp vào giảm 2".to_string()
            ),
            (
                "exemption.set".to_string(),
                "1.3".to_string(),
                reason.to_string()
            ),
            (
                "exemption.remove".to_string(),
                "1.3".to_string(),
                "lý do bỏ giảm: Nhập nhầm".to_string()
            ),
        ]
    );

    // Published: never again.
    crate::helpers::signed_off(app.store(), round).await;
    let publish = format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
    let (status, body) = send_json(&app, &admin, &admin_csrf, "POST", &publish, json!({})).await;
    assert_eq!(status, 204, "{body}");
    for (method, path, body) in [
        ("PUT", exempt("1.3"), json!({ "reason": reason })),
        (
            "POST",
            format!("{}/remove", exempt("2")),
            json!({ "reason": "Nhập nhầm" }),
        ),
    ] {
        let (status, answer) = send_json(&app, &admin, &admin_csrf, method, &path, body).await;
        assert_eq!(status, 409, "{path}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("đã công bố"),
            "{answer}"
        );
    }
    // The published figures keep the exemption.
    assert_eq!(
        line(&app, &admin, round, "A").await["applicable_max"],
        after["applicable_max"]
    );
}

#[tokio::test]
async fn a_round_copied_from_another_copies_its_exemptions() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "Thanh tra thành phố"), ("B", "Sở Tư pháp")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let reason = "Không có thủ tục hành chính";
    let path = format!("/api/rounds/{round}/units/{a}/exemptions/1.3");
    let (status, body) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &path,
        json!({ "reason": reason }),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    let spec = json!({
        "year": 2024,
        "title": "Chỉ số CCHC năm 2024",
        "sets": [{ "tier_code": "t", "set_code": "KIEM-THU", "set_version": "1" }],
        "phases": [{ "phase": "self_assessment", "opens": "01/12/2024", "closes": "07/01/2025" }],
        "open": false,
        "copied_from": round,
    });
    let (status, created) = send_json(&app, &admin, &csrf, "POST", "/api/rounds/new", spec).await;
    assert!(status < 300, "{status} {created}");
    let next = created["id"]
        .as_i64()
        .or_else(|| created["round_id"].as_i64())
        .expect("id");
    let (status, list) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{next}/exemptions"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let lines = list["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{list}");
    assert_eq!(lines[0]["unit_id"], a);
    assert_eq!(lines[0]["node_code"], "1.3");
    assert_eq!(lines[0]["reason"], reason);
}

#[tokio::test]
async fn the_pages_set_an_exemption_and_the_unit_sees_it_greyed_with_its_reason() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "Văn phòng UBND thành phố"),
            ("B", "UBND phường Hưng Lợi"),
        ],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("20/12/2023"));
    let (admin, officer) = (Browser::default(), Browser::default());
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let page = format!("/quan-tri/ky/{round}/giam-tieu-chi");
    let (status, html) = get_page(&app, &admin, &format!("/quan-tri/ky/{round}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&page),
        "the round's page links to the exemptions"
    );
    let (status, html) = get_page(&app, &admin, &page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Chưa có đơn vị nào được giảm tiêu chí"),
        "{html}"
    );
    // A unit cannot open it.
    let (status, _) = get_page(&app, &officer, &page).await;
    assert_eq!(status, 403);

    // Refused without a reason: the choices stay chosen, the message beside the reason.
    let unit = a.to_string();
    let add = format!("{page}/them");
    let fields = [
        ("csrf", admin_csrf.as_str()),
        ("unit_id", unit.as_str()),
        ("node_code", "t|2"),
        ("reason", ""),
    ];
    let (status, _, html) = post_form(&app, &admin, &add, &fields).await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!("<option value=\"{a}\" selected>")),
        "{html}"
    );
    assert!(html.contains("<option value=\"t|2\" selected>"), "{html}");
    assert!(html.contains("id=\"loi-reason\""), "{html}");
    assert!(html.contains("Cần nhập lý do giảm tiêu chí."), "{html}");
    let reason = "Không giải quyết thủ tục hành chính";
    // A node of another tier's list (the lists share codes) is refused beside the list.
    let fields = [
        ("csrf", admin_csrf.as_str()),
        ("unit_id", unit.as_str()),
        ("node_code", "xa|2"),
        ("reason", reason),
    ];
    let (status, _, html) = post_form(&app, &admin, &add, &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"loi-node_code\""), "{html}");
    assert!(
        html.contains("Tiêu chí 2 đã chọn thuộc bộ tiêu chí của xa"),
        "{html}"
    );
    let fields = [
        ("csrf", admin_csrf.as_str()),
        ("unit_id", unit.as_str()),
        ("node_code", "t|2"),
        ("reason", reason),
    ];
    let (status, location, _) = post_form(&app, &admin, &add, &fields).await;
    assert_eq!(status, 303, "{location:?}");
    let (_, html) = get_page(&app, &admin, &page).await;
    assert!(html.contains("Đã giảm tiêu chí cho đơn vị") || html.contains(reason));
    assert!(
        html.contains("Hiện đại hóa hành chính") && html.contains(reason),
        "{html}"
    );

    // The unit sees area 2 greyed with the reason, and no form for its leaves.
    let sheet = format!("/ky/{round}/don-vi/{a}/tu-cham-diem");
    let (status, html) = get_page(&app, &officer, &sheet).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<article class=\"leaf exempt\" id=\"tc-2.1\">"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<strong>Lý do:</strong> {reason}")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("{sheet}/2.1#tc-2.1")),
        "a form for an exempt leaf"
    );
    assert!(
        html.contains(&format!("{sheet}/1.1#tc-1.1")),
        "the other leaves keep theirs"
    );
    // A page left open before: the save is refused, and what was typed is shown to copy.
    let fields = [
        ("csrf", officer_csrf.as_str()),
        ("points", "2"),
        ("explanation", "Cổng thông tin cập nhật đủ"),
    ];
    let (status, _, html) = post_form(&app, &officer, &format!("{sheet}/2.1"), &fields).await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("Đơn vị được giảm lĩnh vực 2 (gồm cả tiêu chí 2.1)"),
        "{html}"
    );
    assert!(html.contains("Cổng thông tin cập nhật đủ"), "{html}");

    // Taken back from the page, with a reason.
    let fields = [
        ("csrf", admin_csrf.as_str()),
        ("unit_id", unit.as_str()),
        ("node_code", "2"),
        ("reason", "Nhập nhầm đơn vị"),
    ];
    let (status, _, _) = post_form(&app, &admin, &format!("{page}/bo"), &fields).await;
    assert_eq!(status, 303);
    let (_, html) = get_page(&app, &officer, &sheet).await;
    assert!(
        html.contains(&format!("{sheet}/2.1#tc-2.1")),
        "the form is back"
    );
}

/// An exemptions workbook: a row per (unit code, node code, reason).
fn exemptions_workbook(rows: &[[&str; 3]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Giảm tiêu chí").expect("name");
    for (c, h) in ["Mã đơn vị", "Mã tiêu chí", "Lý do"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("heading");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet
                .write_string(1 + r as u32, c as u16, *v)
                .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn exemptions_import_from_a_sheet_of_their_own_with_a_dry_run() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "Thanh tra thành phố"),
            ("B", "Văn phòng UBND thành phố"),
        ],
        vec![],
    )
    .await;
    let round = r.round;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let import = |bytes: Vec<u8>, dry_run: bool| {
        let request = admin
            .post(app.url(&format!(
                "/api/rounds/{round}/exemptions/import?dry_run={dry_run}"
            )))
            .header("x-csrf-token", &csrf)
            .body(bytes);
        async { json_of(admin.send(request).await).await }
    };
    let listed = || async {
        let (_, list) = json_of(
            admin
                .send(admin.get(app.url(&format!("/api/rounds/{round}/exemptions"))))
                .await,
        )
        .await;
        list["lines"].as_array().expect("lines").len()
    };
    // Every problem at once, by row and column; nothing written.
    let bad = exemptions_workbook(&[
        ["A", "1.3", "Không có hồ sơ trễ hạn"],
        ["Z", "1.3", "Không có"],
        ["B", "9", "Không có"],
        ["B", "2", ""],
        ["a", "1.3", "Trùng"],
    ]);
    let (status, body) = import(bad, false).await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for expected in [
        "dòng 3, cột A: đơn vị mã «Z» không tham gia",
        "dòng 4, cột B: bộ tiêu chí KIEM-THU 1 của Văn phòng UBND thành phố không có tiêu chí «9»",
        "dòng 5, cột C: cần ghi lý do",
        "dòng 6, cột B: Thanh tra thành phố và tiêu chí 1.3 đã có ở dòng 2",
    ] {
        assert!(message.contains(expected), "«{expected}» not in {message}");
    }
    assert_eq!(listed().await, 0);

    let good = exemptions_workbook(&[
        ["a", "1.3", "Không có hồ sơ trễ hạn"],
        ["B", "2", "Không cung cấp dịch vụ công trực tuyến"],
    ]);
    let (status, report) = import(good.clone(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["changes"].as_array().expect("changes").len(), 2);
    assert_eq!(report["changes"][0]["unit_name"], "Thanh tra thành phố");
    assert_eq!(listed().await, 0, "a dry run wrote");
    let (status, report) = import(good.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(listed().await, 2);
    // The same file again changes nothing.
    let (_, report) = import(good, false).await;
    assert_eq!(report["changes"].as_array().expect("changes").len(), 0);
    assert_eq!(report["unchanged"], 2);
    // The template lists them, to import back.
    let template = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/exemptions/template.xlsx"))))
        .await;
    assert_eq!(template.status(), 200);
    let bytes = template.bytes().await.expect("body").to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("Giảm tiêu chí").expect("sheet");
    assert_eq!(range.height(), 3);

    // From the page: the report on the page.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("dry_run", "on")
        .part(
            "file",
            reqwest::multipart::Part::bytes(exemptions_workbook(&[["A", "2.1", "Không có cổng"]]))
                .file_name("Giảm tiêu chí.xlsx"),
        );
    let response = admin
        .send(
            crate::helpers::no_redirects()
                .post(app.url(&format!("/quan-tri/ky/{round}/giam-tieu-chi/nhap")))
                .multipart(form),
        )
        .await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("page");
    assert!(html.contains("Kiểm tra trước (chưa ghi dữ liệu)"), "{html}");
    assert!(html.contains("Không có cổng"), "{html}");
    assert_eq!(listed().await, 2);
}

#[tokio::test]
async fn a_unit_with_nothing_applicable_is_not_ranked_and_the_annex_says_why() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "Ban Quản lý dự án"),
            ("C", "UBND phường Hưng Lợi"),
        ],
        vec![],
    )
    .await;
    let (round, b) = (r.round, r.units[1]);
    app.clock.set(t("20/12/2023"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let base = format!("/api/rounds/{round}/units/{b}");
    for area in ["1", "2", "3"] {
        let path = format!("{base}/exemptions/{area}");
        let (status, body) = exemption(
            &app,
            &admin,
            &csrf,
            &path,
            "Đơn vị sự nghiệp, không thuộc đối tượng",
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, results) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/results"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    let units = results["tiers"][0]["units"].as_array().expect("units");
    let lines: Vec<(String, i64, bool)> = units
        .iter()
        .map(|u| {
            (
                u["unit_code"].as_str().unwrap_or_default().to_string(),
                u["rank"].as_i64().unwrap_or(-1),
                u["classification"].is_null(),
            )
        })
        .collect();
    // A and C share rank 1 (nothing scored); B comes after them, not ranked.
    assert_eq!(lines[2], ("B".to_string(), 0, true), "{lines:?}");
    assert!(
        lines[..2].iter().all(|(_, rank, _)| *rank == 1),
        "{lines:?}"
    );
    let note = units[2]["note"].as_str().unwrap_or_default();
    assert!(note.starts_with("Không xếp hạng"), "{note}");
    assert_eq!(units[2]["applicable_max"], "0");

    // The annex: «—» for its rank, the reason in its note.
    let bytes = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/ranking.xlsx"))))
        .await
        .bytes()
        .await
        .expect("annex")
        .to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("Phụ lục I.1").expect("Phụ lục I.1");
    let row = range
        .rows()
        .find(|row| row.iter().any(|c| *c == "Ban Quản lý dự án"))
        .expect("B's row");
    let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
    assert!(cells.contains(&"—".to_string()), "{cells:?}");
    assert!(
        cells.iter().any(|c| c.starts_with("Không xếp hạng")),
        "{cells:?}"
    );
}
