//! Appraisers correcting figures: on a rate or count leaf the appraiser enters the figures
//! (110 of 125 procedures where the unit reported 125) and the appraised points are those
//! the leaf's rule gives them, computed by the server, from the API (`input` beside
//! `points`) and from the page (prefilled with the unit's figures). The results, the
//! history, the detail workbook and the analysis show the figures. Judged and yes/no leaves
//! keep direct points; scope, phases, exemptions and publication hold as for points.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::{Value, json};

use crate::appraisal_pages::post_appraisal;
use crate::helpers::{
    Browser, SmallRound, TestApp, audit_count, get_page, json_of, post_form, send_json,
    small_round, spawn_app, t,
};

/// Unit A enters its figures (1.2 tiered: 125/125 → 1,5; 1.3 proportional: 110/110 → 1,5;
/// 2.2 deduction: none late → 1), 1.1 met and 2.1 judged 1,5, then submits; `exempt` takes
/// leaf 1.3 out for A first. The clock moves into appraisal round 1.
pub(crate) async fn figures_round(app: &TestApp, exempt: Option<&str>) -> SmallRound {
    let r = small_round(
        app.store(),
        &[("A", "Sở Tài nguyên và Môi trường"), ("B", "Sở Tư pháp")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let base = format!("/api/rounds/{round}/units/{a}");
    if let Some(leaf) = exempt {
        let admin = Browser::default();
        let csrf = app.sign_in_with(&admin, "quantri").await;
        let path = format!("{base}/exemptions/{leaf}");
        let body = json!({ "reason": "Không phát sinh hồ sơ trễ hạn (Hướng dẫn 12/HD-SNV)" });
        let (status, body) = send_json(app, &admin, &csrf, "PUT", &path, body).await;
        assert_eq!(status, 204, "{body}");
    }
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "a.thutruong").await;
    for (leaf, input) in [
        ("1.1", json!({ "kind": "yes_no", "met": true })),
        (
            "1.2",
            json!({ "kind": "rate", "numerator": "125", "denominator": "125" }),
        ),
        (
            "1.3",
            json!({ "kind": "rate", "numerator": "110", "denominator": "110" }),
        ),
        ("2.1", json!({ "kind": "judged", "points": "1.5" })),
        ("2.2", json!({ "kind": "occurrences", "count": 0 })),
    ] {
        if exempt == Some(leaf) {
            continue;
        }
        let path = format!("{base}/self-assessment/{leaf}");
        let body = json!({ "input": input, "explanation": "Báo cáo số 12/BC-STNMT" });
        let (status, body) = send_json(app, &head, &csrf, "PUT", &path, body).await;
        assert_eq!(status, 200, "{leaf}: {body}");
    }
    let path = format!("{base}/submit?confirm_gaps=true");
    let (status, body) = send_json(app, &head, &csrf, "POST", &path, json!({})).await;
    assert_eq!(status, 204, "{body}");
    app.clock.set(t("10/01/2024"));
    r
}

fn rate(numerator: &str, denominator: &str) -> Value {
    json!({ "kind": "rate", "numerator": numerator, "denominator": denominator })
}

/// Puts an appraisal of round `n` over the API: the status and the answer.
async fn appraise(
    app: &TestApp,
    who: (&Browser, &str),
    (round, unit, n, leaf): (i64, i64, i64, &str),
    body: Value,
) -> (u16, Value) {
    let path = format!("/api/rounds/{round}/units/{unit}/appraisal/{n}/{leaf}");
    send_json(app, who.0, who.1, "PUT", &path, body).await
}

/// The status, the error's code and field of an answer.
fn refusal(answer: &(u16, Value)) -> (u16, Option<&str>, Option<&str>) {
    let error = &answer.1["error"];
    (answer.0, error["code"].as_str(), error["field"].as_str())
}

/// Asserts that an answer is the refusal `(status, code, field)`.
#[track_caller]
fn assert_refused(answer: &(u16, Value), expected: (u16, &str, Option<&str>)) {
    let (status, code, field) = expected;
    assert_eq!(refusal(answer), (status, Some(code), field), "{}", answer.1);
}

/// The API's appraisal of a unit, as `who` reads it: the status and the answer.
async fn appraisal_of(app: &TestApp, who: &Browser, (round, unit): (i64, i64)) -> (u16, Value) {
    let path = format!("/api/rounds/{round}/units/{unit}/appraisal");
    json_of(who.send(who.get(app.url(&path))).await).await
}

/// The leaf's line of the API's appraisal of a unit.
fn leaf_of<'a>(appraisal: &'a Value, leaf: &str) -> &'a Value {
    appraisal["leaves"]
        .as_array()
        .expect("leaves")
        .iter()
        .find(|l| l["leaf_code"] == leaf)
        .unwrap_or_else(|| panic!("{leaf} not in {appraisal}"))
}

#[tokio::test]
async fn an_appraiser_corrects_110_of_125_and_the_points_follow_the_leafs_rule() {
    let app = spawn_app().await;
    let r = figures_round(&app, None).await;
    let (round, a) = (r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let who = (&appraiser, csrf.as_str());
    let comment = "Đối chiếu danh mục: 15 TTHC chưa có quy trình nội bộ được phê duyệt.";

    // The unit's own figures, accepted: no comment needed.
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "1.3"),
        json!({ "input": rate("110", "110") }),
    )
    .await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    // Other figures giving the same points are a finding all the same: a comment is needed.
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "1.2"),
        json!({ "input": rate("120", "120") }),
    )
    .await;
    assert_refused(&answer, (422, "invalid_input", Some("comment")));
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Số liệu thẩm định khác số liệu đơn vị báo cáo")),
        "{}",
        answer.1
    );
    // 110 of 125 is 88%: half of 1,5 on the tiered leaf; a changed score needs its reason.
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "1.2"),
        json!({ "input": rate("110", "125") }),
    )
    .await;
    assert_eq!(answer.0, 422, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cần ghi nhận xét")),
        "{}",
        answer.1
    );
    for (leaf, input) in [
        ("1.2", rate("110", "125")),
        // Proportional: 1,5 × 110/125 = 1,32.
        ("1.3", rate("110", "125")),
        // Two reports late: 1 − 2 × 0,25.
        ("2.2", json!({ "kind": "occurrences", "count": 2 })),
    ] {
        let body = json!({ "input": input, "comment": comment });
        let answer = appraise(&app, who, (round, a, 1, leaf), body).await;
        assert_eq!(answer.0, 204, "{leaf}: {}", answer.1);
    }

    // Read back: the points the server computed, the figures they rest on.
    let (status, appraisal) = appraisal_of(&app, &appraiser, (round, a)).await;
    assert_eq!(status, 200, "{appraisal}");
    let round1 = |leaf: &str| leaf_of(&appraisal, leaf)["round1"].clone();
    assert_eq!(round1("1.2")["points"], "0.75");
    assert_eq!(round1("1.2")["input"], rate("110", "125"));
    assert_eq!(round1("1.3")["points"], "1.32");
    assert_eq!(round1("2.2")["points"], "0.5");
    assert_eq!(
        round1("2.2")["input"],
        json!({ "kind": "occurrences", "count": 2 })
    );
    assert_eq!(leaf_of(&appraisal, "1.2")["method"], "tiered");
    assert_eq!(
        leaf_of(&appraisal, "1.2")["self_entry"]["input"],
        rate("125", "125")
    );
    // 1 + 0,75 + 1,32 + 1,5 + 0,5, beside the unit's own 6,5.
    assert_eq!(appraisal["totals"]["appraised_total"], "5.07");

    // The ranking counts them.
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let (status, results) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/results"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    let line = results["tiers"][0]["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == a)
        .cloned()
        .expect("A ranked");
    assert_eq!(line["self_total"], "6.5", "{line}");
    assert_eq!(line["appraised_total"], "5.07", "{line}");

    // The history says what the figures were and became.
    let (status, history) = json_of(
        appraiser
            .send(appraiser.get(app.url(&format!("/api/rounds/{round}/units/{a}/history/1.3"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{history}");
    let saves: Vec<(Value, Value)> = history
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "appraisal.round1.save")
        .map(|e| (e["old_value"].clone(), e["new_value"].clone()))
        .collect();
    assert!(
        saves.contains(&(json!("1,5 điểm (110/110)"), json!("1,32 điểm (110/125)"))),
        "{history}"
    );

    // The detail workbook prints the appraised figures under the unit's where they differ.
    let response = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/details.xlsx"))))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("workbook").to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let sheet = workbook.worksheet_range("Khối kiểm thử").expect("sheet");
    let figures_of = |code: &str| {
        sheet
            .rows()
            .find(|row| matches!(row.first(), Some(Data::String(c)) if c == code))
            .and_then(|row| match row.get(3) {
                Some(Data::String(s)) => Some(s.clone()),
                _ => None,
            })
    };
    assert_eq!(
        figures_of("1.2").as_deref(),
        Some("125/125\nThẩm định: 110/125")
    );
    assert_eq!(
        figures_of("2.2").as_deref(),
        Some("0 lần\nThẩm định: 2 lần")
    );
    assert_eq!(figures_of("2.1"), None, "judged: no figures");
    assert_eq!(figures_of("1.1").as_deref(), Some("Đạt"));

    // The unit's analysis shows them leaf by leaf (the administrator's, before publication).
    let (status, analysis) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/rounds/{round}/units/{a}/analysis"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{analysis}");
    let text = analysis.to_string();
    assert!(
        text.contains(r#""appraised_input":{"denominator":"125","kind":"rate","numerator":"110"}"#)
            || text.contains(
                r#""appraised_input":{"kind":"rate","numerator":"110","denominator":"125"}"#
            ),
        "{analysis}"
    );

    // Before publication the unit's own score sheet keeps to its own figures.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let sheet_of = |browser: Browser| {
        let url = app.url(&format!(
            "/api/rounds/{round}/units/{a}/export/self-assessment.xlsx"
        ));
        async move {
            let response = browser.send(browser.get(url)).await;
            assert_eq!(response.status(), 200);
            let bytes = response.bytes().await.expect("workbook").to_vec();
            let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
            let name = workbook.sheet_names()[0].clone();
            let range = workbook.worksheet_range(&name).expect("sheet");
            range
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .collect::<Vec<_>>()
        }
    };
    let cells = sheet_of(officer).await;
    assert!(cells.contains(&"125/125".to_string()), "{cells:?}");
    assert!(!cells.iter().any(|c| c.contains("Thẩm định:")), "{cells:?}");
    // The Department's copy has both.
    let cells = sheet_of(admin).await;
    assert!(
        cells.contains(&"125/125\nThẩm định: 110/125".to_string()),
        "{cells:?}"
    );
}

#[tokio::test]
async fn figures_are_refused_where_points_are_given_directly_and_points_alone_still_work() {
    let app = spawn_app().await;
    let r = figures_round(&app, None).await;
    let (round, a) = (r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let who = (&appraiser, csrf.as_str());
    let comment = "Thiếu tài liệu kiểm chứng.";
    let before = audit_count(&app).await;

    // Judged and yes/no leaves take points, not figures.
    for (leaf, input) in [
        ("2.1", json!({ "kind": "judged", "points": "1" })),
        ("2.1", rate("1", "2")),
        ("1.1", json!({ "kind": "yes_no", "met": false })),
    ] {
        let answer = appraise(
            &app,
            who,
            (round, a, 1, leaf),
            json!({ "input": input, "comment": comment }),
        )
        .await;
        assert_eq!(
            refusal(&answer),
            (422, Some("figures_not_allowed"), Some("input")),
            "{leaf}: {}",
            answer.1
        );
        let message = answer.1["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("Tiêu chí {leaf}"))
                && message.contains("nhập điểm thẩm định trực tiếp"),
            "{message}"
        );
    }
    // Figures and points both: which would count? Refused, the points named.
    let body = json!({ "input": rate("110", "125"), "points": "0.75", "comment": comment });
    let answer = appraise(&app, who, (round, a, 1, "1.2"), body).await;
    assert_refused(&answer, (422, "input_with_points", Some("points")));
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("không nhập cả hai")),
        "{}",
        answer.1
    );
    // Not applicable has no figures.
    let body = json!({ "input": rate("1", "2"), "not_applicable": true, "comment": comment });
    let answer = appraise(&app, who, (round, a, 1, "1.3"), body).await;
    assert_refused(&answer, (422, "invalid_input", Some("input")));
    // Figures that do not fit the leaf, each with its field and the domain's message.
    for (input, field, message) in [
        (
            rate("130", "125"),
            "numerator",
            "Tử số (130) không được lớn hơn mẫu số (125).",
        ),
        (rate("110", "0"), "denominator", "Mẫu số phải lớn hơn 0."),
        (
            json!({ "kind": "occurrences", "count": 1 }),
            "count",
            "Cách nhập không phù hợp: tiêu chí này chấm theo phương pháp «Theo mức tỷ lệ».",
        ),
    ] {
        let answer = appraise(
            &app,
            who,
            (round, a, 1, "1.2"),
            json!({ "input": input, "comment": comment }),
        )
        .await;
        assert_eq!(refusal(&answer), (422, Some("invalid_input"), Some(field)));
        assert_eq!(answer.1["error"]["message"], message, "{}", answer.1);
    }
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "2.2"),
        json!({ "input": { "kind": "occurrences", "count": -1 }, "comment": comment }),
    )
    .await;
    assert_refused(&answer, (422, "invalid_input", Some("count")));
    assert_eq!(audit_count(&app).await, before, "a refusal writes nothing");

    // Points alone, as before figures existed: still one of the scores the rule gives.
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "1.2"),
        json!({ "points": "1", "comment": comment }),
    )
    .await;
    assert_refused(&answer, (422, "invalid_input", Some("points")));
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "1.2"),
        json!({ "points": "0.75", "comment": comment }),
    )
    .await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    let (_, appraisal) = appraisal_of(&app, &appraiser, (round, a)).await;
    let round1 = &leaf_of(&appraisal, "1.2")["round1"];
    assert_eq!(round1["points"], "0.75");
    assert!(round1["input"].is_null(), "{round1}");
    // Judged points as ever.
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "2.1"),
        json!({ "points": "1.25", "comment": comment }),
    )
    .await;
    assert_eq!(answer.0, 204, "{}", answer.1);
}

#[tokio::test]
async fn scope_phases_exemptions_and_publication_hold_for_figures() {
    let app = spawn_app().await;
    let r = figures_round(&app, Some("1.3")).await;
    let (round, a) = (r.round, r.units[0]);
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let body = |input: Value| json!({ "input": input, "comment": "Đối chiếu danh mục TTHC." });

    // An appraiser limited to area 2 corrects no figures in area 1.
    let path = format!("/api/users/{}/scopes", r.appraiser.user_id);
    let (status, answer) = send_json(
        &app,
        &admin,
        &admin_csrf,
        "POST",
        &path,
        json!({ "area_code": "2" }),
    )
    .await;
    assert_eq!(status, 204, "{answer}");
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let who = (&appraiser, csrf.as_str());
    let answer = appraise(&app, who, (round, a, 1, "1.2"), body(rate("110", "125"))).await;
    assert_refused(&answer, (403, "forbidden", None));
    let answer = appraise(
        &app,
        who,
        (round, a, 1, "2.2"),
        body(json!({ "kind": "occurrences", "count": 1 })),
    )
    .await;
    assert_eq!(answer.0, 204, "{}", answer.1);

    // The unit is exempt from 1.3: nothing to appraise there.
    app.store()
        .create_user(
            "thamdinh.hd",
            "Hội đồng thẩm định",
            "appraiser",
            None,
            t("01/12/2023"),
        )
        .await
        .expect("appraiser");
    let council = Browser::default();
    let council_csrf = app.sign_in_with(&council, "thamdinh.hd").await;
    let full = (&council, council_csrf.as_str());
    let answer = appraise(&app, full, (round, a, 1, "1.3"), body(rate("110", "125"))).await;
    assert_refused(&answer, (409, "exempt", None));

    // Round 1 has closed: its figures are locked; round 2 opens later.
    app.clock.set(t("05/02/2024"));
    let council_csrf = app.sign_in_with(&council, "thamdinh.hd").await;
    let full = (&council, council_csrf.as_str());
    for n in [1, 2] {
        let answer = appraise(&app, full, (round, a, n, "1.2"), body(rate("110", "125"))).await;
        assert_eq!(
            refusal(&answer),
            (403, Some("deadline_closed"), None),
            "round {n}: {}",
            answer.1
        );
    }
    app.clock.set(t("20/02/2024"));
    let council_csrf = app.sign_in_with(&council, "thamdinh.hd").await;
    let full = (&council, council_csrf.as_str());
    let answer = appraise(&app, full, (round, a, 2, "1.2"), body(rate("100", "125"))).await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    let (_, appraisal) = appraisal_of(&app, &council, (round, a)).await;
    assert_eq!(leaf_of(&appraisal, "1.2")["round2"]["points"], "0.75");
    assert_eq!(appraisal["open_round"], 2);

    // Published: frozen.
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    crate::helpers::signed_off(app.store(), round).await;
    let path = format!("/api/rounds/{round}/publish?confirm=true&close_open_phases=true");
    let (status, answer) = send_json(&app, &admin, &admin_csrf, "POST", &path, json!({})).await;
    assert_eq!(status, 204, "{answer}");
    let answer = appraise(&app, full, (round, a, 2, "1.2"), body(rate("90", "125"))).await;
    assert_refused(&answer, (409, "conflict", None));
}

/// Posts leaf 1.2's form expecting a refusal (422): the page, or with htmx the row alone.
async fn refused_1_2(
    app: &TestApp,
    appraiser: &Browser,
    (round, unit): (i64, i64),
    fields: &[(&str, &str)],
    htmx: bool,
) -> String {
    let (status, _, page) =
        post_appraisal(app, appraiser, (round, unit, "1.2"), fields, htmx).await;
    assert_eq!(status, 422, "{page}");
    page
}

/// Asserts that `first` comes before `then` in a row (a message beside its field).
fn assert_in_order(row: &str, first: &str, then: &str) {
    let at = |text: &str| {
        row.find(text)
            .unwrap_or_else(|| panic!("no «{text}» in {row}"))
    };
    assert!(at(first) < at(then), "«{first}» before «{then}»: {row}");
}

/// The row of `leaf` in a page.
fn row<'a>(page: &'a str, leaf: &str) -> &'a str {
    let row = page
        .split(&format!("id=\"tc-{leaf}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no row {leaf} in {page}"));
    row.split("</tr>").next().unwrap_or(row)
}

/// The `value` of the input named `name` in the row of `leaf`.
fn value_in(page: &str, leaf: &str, name: &str) -> Option<String> {
    let input = row(page, leaf).split(&format!("name=\"{name}\"")).nth(1)?;
    let value = input.split('>').next()?.split("value=\"").nth(1)?;
    Some(value.split('"').next()?.to_string())
}

#[tokio::test]
async fn the_page_offers_the_units_figures_to_correct_and_keeps_what_was_typed_on_refusal() {
    let app = spawn_app().await;
    let r = figures_round(&app, None).await;
    let (round, a) = (r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let page_path = format!("/ky/{round}/don-vi/{a}/tham-dinh");

    // Prefilled with the unit's figures, shown beside; the points they give.
    let (status, page) = get_page(&app, &appraiser, &page_path).await;
    assert_eq!(status, 200);
    assert_eq!(value_in(&page, "1.2", "numerator").as_deref(), Some("125"));
    assert_eq!(
        value_in(&page, "1.2", "denominator").as_deref(),
        Some("125")
    );
    assert_eq!(value_in(&page, "1.2", "kind").as_deref(), Some("rate"));
    assert_eq!(value_in(&page, "1.2", "points").as_deref(), Some(""));
    assert!(
        row(&page, "1.2").contains("Đơn vị báo cáo: 125"),
        "{}",
        row(&page, "1.2")
    );
    assert!(
        row(&page, "1.2").contains("1,5 điểm</output>"),
        "{}",
        row(&page, "1.2")
    );
    assert_eq!(value_in(&page, "2.2", "count").as_deref(), Some("0"));
    assert_eq!(
        value_in(&page, "2.2", "kind").as_deref(),
        Some("occurrences")
    );
    // Judged and yes/no leaves: points only.
    for leaf in ["2.1", "1.1"] {
        assert_eq!(value_in(&page, leaf, "numerator"), None, "{leaf}");
        assert_eq!(value_in(&page, leaf, "count"), None, "{leaf}");
        assert!(value_in(&page, leaf, "points").is_some(), "{leaf}");
    }

    // The points as the appraiser types the figures.
    let (status, _, computed) = post_appraisal(
        &app,
        &appraiser,
        (round, a, "1.2/tinh-diem"),
        &[
            ("csrf", &csrf),
            ("kind", "rate"),
            ("numerator", "110"),
            ("denominator", "125"),
        ],
        true,
    )
    .await;
    assert_eq!((status, computed.as_str()), (200, "0,75 điểm"));

    let before = audit_count(&app).await;
    // One number corrected, no comment: 422, the figures typed kept, the message beside
    // the comment.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("kind", "rate"),
        ("numerator", "110"),
        ("denominator", "125"),
        ("points", ""),
        ("comment", ""),
        ("explanation_requested", "on"),
    ];
    let page = refused_1_2(&app, &appraiser, (round, a), &fields, false).await;
    assert_eq!(value_in(&page, "1.2", "numerator").as_deref(), Some("110"));
    assert_eq!(
        value_in(&page, "1.2", "denominator").as_deref(),
        Some("125")
    );
    let leaf_row = row(&page, "1.2");
    assert_in_order(
        leaf_row,
        "name=\"comment\"",
        "Điểm thẩm định khác điểm tự chấm: cần ghi nhận xét lý do điều chỉnh.",
    );
    assert!(
        leaf_row.contains("name=\"explanation_requested\" checked"),
        "{leaf_row}"
    );

    // A figure that is not a number: beside it, what was typed kept.
    fields[3] = ("numerator", "một trăm mười");
    fields[6] = ("comment", "Đối chiếu danh mục TTHC");
    let page = refused_1_2(&app, &appraiser, (round, a), &fields, false).await;
    assert_eq!(
        value_in(&page, "1.2", "numerator").as_deref(),
        Some("một trăm mười")
    );
    let leaf_row = row(&page, "1.2");
    assert_in_order(leaf_row, "Tử số: «một trăm mười»", "name=\"denominator\"");
    assert!(leaf_row.contains("aria-invalid=\"true\""), "{leaf_row}");
    assert!(
        leaf_row.contains("Đối chiếu danh mục TTHC</textarea>"),
        "{leaf_row}"
    );

    // Figures and direct points both, with htmx: the row alone, the points shown typed.
    fields[3] = ("numerator", "110");
    fields[5] = ("points", "0,75");
    let fragment = refused_1_2(&app, &appraiser, (round, a), &fields, true).await;
    assert!(
        fragment.trim_start().starts_with("<tr id=\"tc-1.2\""),
        "{fragment}"
    );
    assert_eq!(
        value_in(&fragment, "1.2", "points").as_deref(),
        Some("0,75")
    );
    assert!(
        fragment.contains("<details class=\"direct-points\" open>"),
        "{fragment}"
    );
    assert!(fragment.contains("không nhập cả hai"), "{fragment}");
    assert_eq!(audit_count(&app).await, before, "a refusal writes nothing");

    // Saved: back at the leaf, the figures now the appraisal's, the unit's beside them.
    fields[5] = ("points", "");
    let path = format!("/ky/{round}/don-vi/{a}/tham-dinh/1.2");
    let (status, location, _) = post_form(&app, &appraiser, &path, &fields).await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/ky/{round}/don-vi/{a}/tham-dinh?luu=1.2#tc-1.2").as_str())
    );
    let (_, page) = get_page(&app, &appraiser, &page_path).await;
    assert_eq!(value_in(&page, "1.2", "numerator").as_deref(), Some("110"));
    assert!(
        row(&page, "1.2").contains("0,75 điểm</output>"),
        "{}",
        row(&page, "1.2")
    );
    assert!(row(&page, "1.2").contains("Đơn vị báo cáo: 125"));
    // The points follow the figures into the totals: 1 + 0,75 + 1,5 + 1,5 + 1.
    assert!(page.contains("5,75"), "{page}");

    // Not applicable leaves the prefilled figures aside.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("kind", "rate"),
        ("numerator", "110"),
        ("denominator", "110"),
        ("not_applicable", "on"),
        ("comment", "Không phát sinh hồ sơ trễ hạn trong năm"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "1.3"), &fields, false).await;
    assert_eq!(status, 303, "{page}");
    let (_, appraisal) = appraisal_of(&app, &appraiser, (round, a)).await;
    let round1 = &leaf_of(&appraisal, "1.3")["round1"];
    assert_eq!(round1["not_applicable"], true, "{round1}");
    assert!(
        round1["input"].is_null() && round1["points"].is_null(),
        "{round1}"
    );
}
