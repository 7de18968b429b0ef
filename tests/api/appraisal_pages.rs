//! The appraisal page: a refused appraisal comes back with what was typed and the message
//! beside its field (with htmx, the row alone under the API's status); an appraiser limited
//! to an area appraises only there; the appraised total stands beside the self-assessed one.
//! And the queue: a unit that never submitted is never shown as appraised, and the counts
//! add up.

use serde_json::json;

use crate::helpers::{
    Browser, SmallRound, TestApp, audit_count, get_page, json_of, no_redirects, send_json,
    small_round, spawn_app, t,
};

/// Posts the appraisal form of `leaf`; with `htmx`, as htmx does. Returns the status, the
/// `hx-reswap` header and the page (with "/" unescaped).
pub(crate) async fn post_appraisal(
    app: &TestApp,
    browser: &Browser,
    (round, unit, leaf): (i64, i64, &str),
    fields: &[(&str, &str)],
    htmx: bool,
) -> (u16, Option<String>, String) {
    let mut request = no_redirects()
        .post(app.url(&format!("/ky/{round}/don-vi/{unit}/tham-dinh/{leaf}")))
        .form(fields);
    if htmx {
        request = request.header("hx-request", "true");
    }
    let response = browser.send(request).await;
    let status = response.status().as_u16();
    let reswap = response
        .headers()
        .get("hx-reswap")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let page = response.text().await.expect("page");
    (status, reswap, page.replace("&#x2f;", "/"))
}

/// The unit scores leaf 2.1 (judged, max 2) at 0,5 and 1.1 (yes/no) met, then submits;
/// the clock moves into appraisal round 1.
pub(crate) async fn submitted_round(app: &TestApp) -> SmallRound {
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "a.thutruong").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    for (leaf, body) in [
        (
            "1.1",
            json!({ "input": { "kind": "yes_no", "met": true }, "explanation": "Kế hoạch 12/KH-UBND" }),
        ),
        (
            "2.1",
            json!({ "input": { "kind": "judged", "points": "0.5" }, "explanation": "Cổng cập nhật một phần" }),
        ),
    ] {
        let path = format!("{base}/self-assessment/{leaf}");
        let (status, body) = send_json(app, &head, &csrf, "PUT", &path, body).await;
        assert_eq!(status, 200, "{leaf}: {body}");
    }
    let path = format!("{base}/submit?confirm_gaps=true");
    let (status, body) = send_json(app, &head, &csrf, "POST", &path, json!({})).await;
    assert_eq!(status, 204, "{body}");
    app.clock.set(t("10/01/2024"));
    r
}

/// The `value` of the input named `points` in the row of `leaf`.
fn points_typed(page: &str, leaf: &str) -> Option<String> {
    let row = page.split(&format!("id=\"tc-{leaf}\"")).nth(1)?;
    let row = row.split("</tr>").next()?;
    let input = row.split("name=\"points\"").nth(1)?;
    let value = input.split("value=\"").nth(1)?;
    Some(value.split('"').next()?.to_string())
}

#[tokio::test]
async fn a_changed_score_without_a_comment_comes_back_with_the_score_typed_beside_the_comment() {
    let app = spawn_app().await;
    let r = submitted_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let page = format!("/ky/{round}/don-vi/{a}/tham-dinh");
    let (status, shown) = get_page(&app, &appraiser, &page).await;
    assert_eq!(status, 200);
    assert_eq!(
        points_typed(&shown, "2.1").as_deref(),
        Some("0,5"),
        "the self-score first"
    );
    let before = audit_count(&app).await;

    // Without JavaScript: the whole page, 422, at the leaf's anchor, the 0,25 typed kept.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "0,25"),
        ("comment", ""),
        ("explanation_requested", "on"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, false).await;
    assert_eq!(status, 422, "{page}");
    assert_eq!(
        points_typed(&page, "2.1").as_deref(),
        Some("0,25"),
        "{page}"
    );
    let row = page.split("id=\"tc-2.1\"").nth(1).expect("row");
    let row = row.split("</tr>").next().expect("row end");
    let comment_at = row.find("name=\"comment\"").expect("comment field");
    let message_at = row
        .find("Điểm thẩm định khác điểm tự chấm: cần ghi nhận xét lý do điều chỉnh.")
        .expect("the message in the leaf's row");
    assert!(
        message_at > comment_at,
        "the message follows the comment field"
    );
    assert!(row.contains("aria-invalid=\"true\""), "{row}");
    assert!(
        row.contains("name=\"explanation_requested\" checked"),
        "the ticked box stays ticked: {row}"
    );
    assert!(
        row.contains(&format!(
            "action=\"/ky/{round}/don-vi/{a}/tham-dinh/2.1#tc-2.1\""
        )),
        "the form posts to the leaf's anchor, so a refusal lands there: {row}"
    );
    // The other leaves are as stored, not what was typed.
    assert_eq!(points_typed(&page, "1.1").as_deref(), Some("1"));

    // With htmx: the row alone to swap, under the API's status, marked to be swapped.
    let (status, reswap, fragment) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, true).await;
    assert_eq!(status, 422, "{fragment}");
    assert_eq!(reswap.as_deref(), Some("outerHTML"));
    assert!(
        fragment.trim_start().starts_with("<tr id=\"tc-2.1\""),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert_eq!(points_typed(&fragment, "2.1").as_deref(), Some("0,25"));
    assert!(fragment.contains("cần ghi nhận xét"), "{fragment}");

    // The API refuses the same appraisal with the same status.
    let (status, body) = send_json(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{a}/appraisal/1/2.1"),
        json!({ "points": "0.25" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(audit_count(&app).await, before, "a refusal writes nothing");

    // A score out of range: 422, the 3 typed and the comment kept, the message beside the score.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "3"),
        ("comment", "Cổng không cập nhật quý IV"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, false).await;
    assert_eq!(status, 422);
    assert_eq!(points_typed(&page, "2.1").as_deref(), Some("3"));
    assert!(
        page.contains("Cổng không cập nhật quý IV</textarea>"),
        "{page}"
    );
    let row = page.split("id=\"tc-2.1\"").nth(1).expect("row");
    let (before_comment, _) = row.split_once("name=\"comment\"").expect("comment");
    assert!(
        before_comment.contains("Điểm thẩm định phải từ 0 đến 2 và là bội số của 0,25."),
        "the message beside the score: {row}"
    );
    // Not a number at all: the same, in Vietnamese.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "hai"),
        ("comment", "Cổng không cập nhật quý IV"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, true).await;
    assert_eq!(status, 422);
    assert_eq!(points_typed(&page, "2.1").as_deref(), Some("hai"));
    assert!(page.contains("Điểm thẩm định:"), "{page}");
    assert_eq!(audit_count(&app).await, before);

    // With the comment, it is saved: with htmx the row comes back saved, 200.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "0,25"),
        ("comment", "Cổng chỉ cập nhật hai quý"),
    ];
    let (status, reswap, fragment) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, true).await;
    assert_eq!((status, reswap), (200, None), "{fragment}");
    assert!(fragment.contains("Đã lưu"), "{fragment}");
    assert_eq!(points_typed(&fragment, "2.1").as_deref(), Some("0,25"));
    assert_eq!(audit_count(&app).await, before + 1);
    // The totals beside it: self 1 + 0,5 = 1,5; appraised 1 + 0,25 = 1,25.
    assert!(fragment.contains("hx-swap-oob"), "{fragment}");
    let (_, page) = get_page(&app, &appraiser, &page_path(round, a)).await;
    let totals = page.split("id=\"tong-diem\"").nth(1).expect("totals");
    let totals = totals.split("</p>").next().expect("totals end");
    assert!(
        totals.contains("Điểm tự chấm: <strong>1,5</strong>"),
        "{totals}"
    );
    assert!(
        totals.contains("Điểm thẩm định: <strong>1,25</strong>"),
        "{totals}"
    );
    assert!(totals.contains("đã thẩm định 1/5"), "{totals}");
}

fn page_path(round: i64, unit: i64) -> String {
    format!("/ky/{round}/don-vi/{unit}/tham-dinh")
}

#[tokio::test]
async fn an_appraiser_limited_to_one_area_edits_only_its_leaves_and_is_refused_elsewhere() {
    let app = spawn_app().await;
    let r = submitted_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
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

    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, page) = get_page(&app, &appraiser, &page_path(round, a)).await;
    assert_eq!(status, 200);
    for leaf in ["1.1", "1.2", "1.3"] {
        assert!(
            page.contains(&format!("tham-dinh/{leaf}#tc-{leaf}")),
            "{leaf} is in scope: a form"
        );
    }
    for leaf in ["2.1", "2.2"] {
        assert!(
            !page.contains(&format!("tham-dinh/{leaf}#tc-{leaf}")),
            "{leaf} is out of scope: no form"
        );
        let row = page
            .split(&format!("id=\"tc-{leaf}\""))
            .nth(1)
            .expect("row");
        let row = row.split("</tr>").next().expect("row end");
        assert!(
            row.contains("Ngoài phạm vi thẩm định được phân công"),
            "{row}"
        );
    }
    assert!(page.contains("Tài khoản này thẩm định 3/5 tiêu chí thành phần"));

    // Out of scope, the server refuses: the page (403, what was typed kept), htmx, the API.
    let before = audit_count(&app).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "0,25"),
        ("comment", "Ngoài phạm vi"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, false).await;
    assert_eq!(status, 403, "{page}");
    assert!(
        page.contains("không được phân công thẩm định lĩnh vực 2"),
        "{page}"
    );
    let (status, reswap, fragment) =
        post_appraisal(&app, &appraiser, (round, a, "2.1"), &fields, true).await;
    assert_eq!((status, reswap.as_deref()), (403, Some("outerHTML")));
    assert!(fragment.contains("không được phân công thẩm định lĩnh vực 2"));
    let (status, _) = send_json(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{a}/appraisal/1/2.1"),
        json!({ "points": "0.25", "comment": "Ngoài phạm vi" }),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        audit_count(&app).await,
        before,
        "nothing written out of scope"
    );

    // In scope it saves.
    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "0"),
        ("comment", "Kế hoạch ban hành muộn"),
    ];
    let (status, _, _) = post_appraisal(&app, &appraiser, (round, a, "1.1"), &fields, false).await;
    assert_eq!(status, 303);
    assert_eq!(audit_count(&app).await, before + 1);
}

/// (unit name, status, locked) of each line, and the counts.
async fn queue_of(
    app: &TestApp,
    browser: &Browser,
    round: i64,
    query: &str,
) -> (Vec<(String, String, bool)>, serde_json::Value) {
    let url = app.url(&format!("/api/rounds/{round}/appraisal-queue{query}"));
    let (status, body) = json_of(browser.send(browser.get(url)).await).await;
    assert_eq!(status, 200, "{body}");
    let lines = body["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|l| {
            (
                l["unit_name"].as_str().expect("name").to_string(),
                l["status"].as_str().expect("status").to_string(),
                l["locked"].as_bool().expect("locked"),
            )
        })
        .collect();
    (lines, body["counts"].clone())
}

#[tokio::test]
async fn a_unit_that_never_submitted_is_never_shown_appraised_and_the_counts_add_up() {
    let app = spawn_app().await;
    let r = submitted_round(&app).await;
    let (round, b) = (r.round, r.units[1]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    // Unit B never submitted; locked by its deadline, it is appraised as it stands, every leaf.
    for leaf in ["1.1", "1.2", "1.3", "2.1", "2.2"] {
        let (status, body) = send_json(
            &app,
            &appraiser,
            &csrf,
            "PUT",
            &format!("/api/rounds/{round}/units/{b}/appraisal/1/{leaf}"),
            json!({ "points": "0", "comment": "Không gửi tự đánh giá" }),
        )
        .await;
        assert_eq!(status, 204, "{leaf}: {body}");
    }
    let (lines, counts) = queue_of(&app, &appraiser, round, "").await;
    assert_eq!(
        lines,
        vec![
            ("UBND phường An Khánh".into(), "submitted".into(), false),
            ("UBND phường Hưng Lợi".into(), "not_submitted".into(), true),
        ]
    );
    let sum: i64 = counts
        .as_object()
        .expect("counts")
        .values()
        .map(|v| v.as_i64().expect("count"))
        .sum();
    assert_eq!(sum, lines.len() as i64, "{counts}");
    assert_eq!(counts["not_submitted"], 1);
    assert!(counts.get("done").is_none_or(|d| d == 0), "{counts}");

    // The page says the same, with the total, and B is still reachable to appraise.
    let (status, page) = get_page(&app, &appraiser, &format!("/ky/{round}/tham-dinh")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tất cả: <strong>2</strong>"), "{page}");
    assert!(page.contains("Chưa gửi tự đánh giá: <strong>1</strong>"));
    assert!(page.contains("Đã thẩm định xong: <strong>0</strong>"));
    let row = page
        .split("UBND phường Hưng Lợi</td>")
        .nth(1)
        .expect("B's row");
    let row = row.split("</tr>").next().expect("row end");
    assert!(row.contains("Chưa gửi tự đánh giá"), "{row}");
    assert!(!row.contains("Đã thẩm định xong"), "{row}");
    assert!(row.contains("Đã khóa theo hạn chót"), "{row}");
    assert!(
        row.contains(&format!("/ky/{round}/don-vi/{b}/tham-dinh")),
        "{row}"
    );

    // Filtered by name and status: the counts still add up to the units listed.
    let (lines, counts) = queue_of(&app, &appraiser, round, "?q=hung%20loi").await;
    let sum: i64 = counts
        .as_object()
        .expect("counts")
        .values()
        .map(|v| v.as_i64().expect("count"))
        .sum();
    assert_eq!((lines.len(), sum), (1, 1));
    let (lines, _) = queue_of(&app, &appraiser, round, "?status=done").await;
    assert!(lines.is_empty(), "{lines:?}");
}

/// A leaf scored «đạt / không đạt» gives 0 or its maximum, appraised or not: an appraiser
/// who types a value between them is refused beside the score, the page offering the two,
/// and the API says the same with the field named.
#[tokio::test]
async fn an_appraised_score_is_one_the_leafs_method_can_give() {
    let app = spawn_app().await;
    let r = submitted_round(&app).await;
    let (round, a) = (r.round, r.units[0]);
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (_, shown) = get_page(&app, &appraiser, &page_path(round, a)).await;
    let row = shown.split("id=\"tc-1.1\"").nth(1).expect("row 1.1");
    let row = row.split("</tr>").next().expect("row end");
    assert!(row.contains("Điểm có thể chấm: 0; 1"), "{row}");
    let before = audit_count(&app).await;

    let fields = [
        ("csrf", csrf.as_str()),
        ("appraisal_round", "1"),
        ("points", "0,5"),
        ("comment", "Kế hoạch ban hành muộn"),
    ];
    let (status, _, page) =
        post_appraisal(&app, &appraiser, (round, a, "1.1"), &fields, false).await;
    assert_eq!(status, 422, "{page}");
    assert_eq!(points_typed(&page, "1.1").as_deref(), Some("0,5"));
    let row = page.split("id=\"tc-1.1\"").nth(1).expect("row");
    let (before_comment, _) = row.split_once("name=\"comment\"").expect("comment");
    assert!(
        before_comment.contains(
            "Tiêu chí 1.1 chấm theo phương pháp «Đạt / không đạt»: điểm thẩm định chỉ có thể là 0 hoặc 1."
        ),
        "the message beside the score: {row}"
    );
    let path = format!("/api/rounds/{round}/units/{a}/appraisal/1/1.1");
    let body = json!({ "points": "0.5", "comment": "Kế hoạch ban hành muộn" });
    let (status, answer) = send_json(&app, &appraiser, &csrf, "PUT", &path, body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_input", "{answer}");
    assert_eq!(answer["error"]["field"], "points", "{answer}");
    assert_eq!(audit_count(&app).await, before, "a refusal writes nothing");

    // Zero, with its reason, is a score the method gives.
    let body = json!({ "points": "0", "comment": "Kế hoạch ban hành muộn" });
    let (status, answer) = send_json(&app, &appraiser, &csrf, "PUT", &path, body).await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(audit_count(&app).await, before + 1);
}
