//! A refused form of the self-assessment gives back what was typed, beside the error, on
//! the leaf's anchor: the leaf's score, a citation, an upload, an explanation answer.
//! With htmx the refusal keeps the API's status (422, 409, 403) and carries the leaf's
//! fragment to swap. A save that arrives after the self-assessment was submitted or closed
//! says so and keeps the typing to copy. A save retried after its answer was lost is not a
//! conflict. Run on SQLite and, with PARINDEX_TEST_DATABASE_URL, on PostgreSQL.

use serde_json::json;

use crate::helpers::{
    Browser, TestApp, audit_count, json_of, no_redirects, send_json, small_round, spawn_app, t,
};

/// What a page form's post answered.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Set (`HX-Reswap`) on a refused form's fragment, for the page's script to swap it.
    pub(crate) fragment: bool,
    pub(crate) body: String,
}

/// Posts a page form (as htmx does, when `htmx`); returns the answer, "/" unescaped.
async fn post(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    htmx: bool,
) -> Answer {
    let mut request = no_redirects().post(app.url(path)).form(fields);
    if htmx {
        request = request.header("hx-request", "true");
    }
    answer_of(browser.send(request).await).await
}

/// Uploads a file (`name`, `bytes`) with a page's form fields (as htmx does, when `htmx`).
pub(crate) async fn upload(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    (name, bytes): (&str, &[u8]),
    htmx: bool,
) -> Answer {
    use reqwest::multipart::{Form, Part};
    let mut form = Form::new();
    for (field, value) in fields {
        form = form.text(field.to_string(), value.to_string());
    }
    let part = Part::bytes(bytes.to_vec()).file_name(name.to_string());
    let mut request = no_redirects()
        .post(app.url(path))
        .multipart(form.part("file", part));
    if htmx {
        request = request.header("hx-request", "true");
    }
    answer_of(browser.send(request).await).await
}

/// A page as `browser` gets it, "/" unescaped.
async fn page_of(app: &TestApp, browser: &Browser, path: &str) -> String {
    let response = browser.send(browser.get(app.url(path))).await;
    unescape(&response.text().await.expect("page"))
}

async fn answer_of(response: reqwest::Response) -> Answer {
    Answer {
        status: response.status().as_u16(),
        fragment: response.headers().contains_key("hx-reswap"),
        body: unescape(&response.text().await.expect("body")),
    }
}

/// The smallest file the evidence check accepts as a PDF.
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n% bao cao\n%%EOF\n";

fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// The text of the element with `id` (its first line of content, tags included).
fn beside<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id} in {html}"));
    let rest = &html[at..];
    &rest[..rest.find("</").unwrap_or(rest.len())]
}

/// The form of a leaf posts to an address that lands on the leaf.
fn lands_on_leaf(html: &str, leaf: &str) -> bool {
    html.contains(&format!("#tc-{leaf}\""))
}

#[tokio::test]
async fn a_refused_leaf_comes_back_with_every_typed_value_beside_its_field_with_and_without_htmx() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = |leaf: &str| format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/{leaf}");
    let before = audit_count(&app).await;

    for htmx in [false, true] {
        // A score out of its steps: the points and the explanation typed, the message under
        // the points.
        let answer = post(
            &app,
            &officer,
            &path("2.1"),
            &[
                ("csrf", &csrf),
                ("kind", "judged"),
                ("points", "2,75"),
                ("explanation", "Cổng thông tin cập nhật đủ 12 tháng"),
                ("expected_version", ""),
            ],
            htmx,
        )
        .await;
        assert_eq!(answer.status, 422, "htmx={htmx}: {}", answer.body);
        assert_eq!(answer.fragment, htmx, "only htmx gets the fragment");
        assert!(answer.body.contains("value=\"2,75\""), "{}", answer.body);
        assert!(answer.body.contains("Cổng thông tin cập nhật đủ 12 tháng"));
        assert!(
            beside(&answer.body, "f2-1-pts-loi").contains("Điểm phải từ 0 đến 2"),
            "{}",
            answer.body
        );
        assert!(lands_on_leaf(&answer.body, "2.1"));
        if htmx {
            assert!(
                answer.body.trim_start().starts_with("<article"),
                "a fragment"
            );
        } else {
            assert!(answer.body.contains("<html"), "the whole page");
        }

        // Not applicable without a reason: the message beside the reason, the rest kept.
        let answer = post(
            &app,
            &officer,
            &path("1.3"),
            &[
                ("csrf", &csrf),
                ("kind", "rate"),
                ("numerator", "3"),
                ("denominator", "4"),
                ("explanation", "Không có hồ sơ trễ hạn trong năm"),
                ("not_applicable", "on"),
                ("na_reason", " "),
            ],
            htmx,
        )
        .await;
        assert_eq!(answer.status, 422, "htmx={htmx}: {}", answer.body);
        assert!(beside(&answer.body, "f1-3-na-loi").contains("Cần ghi lý do không áp dụng"));
        assert!(answer.body.contains("Không có hồ sơ trễ hạn trong năm"));
        assert!(answer.body.contains("name=\"not_applicable\" checked"));

        // A figure that is no number: named, beside the denominator.
        let answer = post(
            &app,
            &officer,
            &path("1.2"),
            &[
                ("csrf", &csrf),
                ("kind", "rate"),
                ("numerator", "7"),
                ("denominator", "mười"),
            ],
            htmx,
        )
        .await;
        assert_eq!(answer.status, 422);
        assert!(beside(&answer.body, "f1-2-den-loi").contains("Mẫu số"));
        assert!(answer.body.contains("value=\"7\"") && answer.body.contains("value=\"mười\""));
    }
    assert_eq!(audit_count(&app).await, before, "nothing written");
}

#[tokio::test]
async fn a_stale_save_shows_the_other_value_keeps_the_typing_and_the_next_save_goes_through() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let (officer, head) = (Browser::default(), Browser::default());
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let path = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1");
    let first = post(
        &app,
        &head,
        &path,
        &[("csrf", &head_csrf), ("kind", "judged"), ("points", "1")],
        true,
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);

    // The officer's page still holds no version: a real conflict, the head's value shown.
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "judged"),
        ("points", "1,5"),
        ("explanation", "Theo báo cáo quý IV"),
        ("expected_version", ""),
    ];
    let answer = post(&app, &officer, &path, &fields, true).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(answer.fragment);
    assert!(
        answer.body.contains("vừa được người khác lưu"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("value=\"1,5\""));
    assert!(answer.body.contains("Theo báo cáo quý IV"));
    // Beside the refused 1,5 no points are computed; the head's 1 is labelled as stored.
    assert!(
        answer.body.contains(
            "<output id=\"f2-1-points\" class=\"computed\" aria-live=\"polite\"></output>"
        ),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("<span class=\"badge ok\">Đã lưu: 1 điểm</span>")
    );
    // The form now carries the version seen in the message: saving again replaces it.
    assert!(
        answer
            .body
            .contains("name=\"expected_version\" value=\"1\""),
        "{}",
        answer.body
    );
    let again = post(
        &app,
        &officer,
        &path,
        &[
            ("csrf", &csrf),
            ("kind", "judged"),
            ("points", "1,5"),
            ("explanation", "Theo báo cáo quý IV"),
            ("expected_version", "1"),
        ],
        true,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("Đã lưu"));
    assert!(
        again
            .body
            .contains("aria-live=\"polite\">1,5 điểm</output>")
    );
    assert!(
        again
            .body
            .contains("<span class=\"badge ok\">1,5 điểm</span>")
    );
}

#[tokio::test]
async fn a_save_after_submission_or_the_deadline_says_why_and_keeps_the_typing_to_copy() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024 10:30"));
    let (officer, head) = (Browser::default(), Browser::default());
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let head_csrf = app.sign_in_with(&head, "a.thutruong").await;
    let (status, body) = send_json(
        &app,
        &head,
        &head_csrf,
        "POST",
        &format!("/api/rounds/{round}/units/{unit}/submit?confirm_gaps=true"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    let path = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1");
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "judged"),
        ("points", "1,25"),
        ("explanation", "Đã cập nhật 48 tin bài về CCHC"),
    ];
    for htmx in [false, true] {
        let answer = post(&app, &officer, &path, &fields, htmx).await;
        assert_eq!(answer.status, 409, "as the API answers: {}", answer.body);
        assert_eq!(answer.fragment, htmx);
        assert!(
            answer.body.contains(
                "Bản tự đánh giá đã được gửi lúc 10:30 ngày 05/01/2024 — nội dung vừa nhập chưa được lưu"
            ),
            "{}",
            answer.body
        );
        assert!(
            answer.body.contains(
                "<textarea readonly rows=\"1\">Đã cập nhật 48 tin bài về CCHC</textarea>"
            ),
            "{}",
            answer.body
        );
        assert!(
            answer
                .body
                .contains("<textarea readonly rows=\"1\">1,25</textarea>")
        );
    }

    // Withdrawn, then the deadline passes: the same, with the deadline's words and 403.
    let (status, body) = send_json(
        &app,
        &head,
        &head_csrf,
        "POST",
        &format!("/api/rounds/{round}/units/{unit}/withdraw"),
        json!({}),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    app.clock.set(t("08/01/2024 08:00"));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "judged"),
        ("points", "1,25"),
        ("explanation", "Đã cập nhật 48 tin bài về CCHC"),
    ];
    let answer = post(&app, &officer, &path, &fields, true).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        answer.body.contains(
            "Đã hết hạn tự chấm điểm lúc 23:59 ngày 07/01/2024 — nội dung vừa nhập chưa được lưu"
        ),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("Đã cập nhật 48 tin bài về CCHC"));
}

#[tokio::test]
async fn a_refused_citation_keeps_number_date_summary_and_pages_with_the_message_beside_the_date() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/ky/{round}/don-vi/{unit}/van-ban");
    let before = audit_count(&app).await;
    for (date, says) in [
        ("31/11/2023", "không hợp lệ"),
        ("01/01/2999", "chưa tới"),
        ("06/01/2024", "chưa tới"),
        ("31/12/1999", "trước ngày 01/01/2000"),
    ] {
        for htmx in [false, true] {
            let answer = post(
                &app,
                &officer,
                &path,
                &[
                    ("csrf", &csrf),
                    ("leaf", "1.1"),
                    ("document_number", "12/KH-UBND"),
                    ("issued_on", date),
                    ("summary", "Kế hoạch CCHC năm 2023"),
                    ("pages", "3–5"),
                ],
                htmx,
            )
            .await;
            assert_eq!(answer.status, 422, "{date} htmx={htmx}: {}", answer.body);
            assert_eq!(answer.fragment, htmx);
            let message = beside(&answer.body, "c1-1-ngay-loi");
            assert!(
                message.contains(date) && message.contains(says),
                "{message}"
            );
            for kept in [
                "value=\"12/KH-UBND\"",
                &format!("value=\"{date}\""),
                "value=\"Kế hoạch CCHC năm 2023\"",
                "value=\"3–5\"",
            ] {
                assert!(answer.body.contains(kept), "{kept} lost: {}", answer.body);
            }
            assert!(answer.body.contains("<details class=\"cite\" open>"));
            assert!(lands_on_leaf(&answer.body, "1.1"));
        }
    }
    assert_eq!(audit_count(&app).await, before, "nothing written");
}

#[tokio::test]
async fn the_api_refuses_a_date_of_issue_in_the_future_or_before_2000_naming_the_field() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    // 23:30 on 05/01 in Vietnam is still the 5th there (16:30 UTC): the 6th is future.
    app.clock.set(t("05/01/2024 23:30"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/api/rounds/{round}/units/{unit}/evidence/citations");
    let cite = |date: &str| {
        json!({
            "document_number": "12/KH-UBND",
            "issued_on": date,
            "summary": "Kế hoạch CCHC năm 2023",
            "leaves": ["1.1"],
        })
    };
    for date in ["01/01/2999", "06/01/2024", "31/12/1999", "31/11/2023"] {
        let (status, body) = send_json(&app, &officer, &csrf, "POST", &path, cite(date)).await;
        assert_eq!(status, 422, "{date}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{body}");
        assert_eq!(body["error"]["field"], "issued_on", "{body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.starts_with("Ngày ban hành"), "{message}");
    }
    for date in ["05/01/2024", "01/01/2000"] {
        let (status, body) = send_json(&app, &officer, &csrf, "POST", &path, cite(date)).await;
        assert_eq!(status, 201, "{date}: {body}");
    }
}

#[tokio::test]
async fn a_refused_upload_lands_on_its_leaf_with_the_error_beside_the_file_field() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/ky/{round}/don-vi/{unit}/tai-lieu");
    let fields = [("csrf", csrf.as_str()), ("leaf", "2.1")];
    for htmx in [false, true] {
        let not_a_pdf = ("bao-cao.pdf", &b"MZ\x90\x00 not a document"[..]);
        let answer = upload(&app, &officer, &path, &fields, not_a_pdf, htmx).await;
        let body = &answer.body;
        assert_eq!(answer.status, 422, "htmx={htmx}: {body}");
        assert_eq!(answer.fragment, htmx);
        assert!(
            beside(body, "u2-1-loi").contains("không thuộc loại được chấp nhận"),
            "{body}"
        );
        assert!(lands_on_leaf(body, "2.1"));
    }

    // Accepted with htmx: the leaf comes back in place, with the file listed.
    let pdf = ("bao-cao.pdf", PDF);
    let answer = upload(&app, &officer, &path, &fields, pdf, true).await;
    assert_eq!(answer.status, 200);
    let body = &answer.body;
    assert!(body.trim_start().starts_with("<article"), "{body}");
    assert!(
        body.contains("bao-cao.pdf") && body.contains("Đã tải lên"),
        "{body}"
    );
}

/// A unit asked to explain leaf 2.1 after appraisal round 1, the clock in the explanation
/// window: (the app, the round, the unit).
pub(crate) async fn asked_to_explain() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("10/01/2024"));
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = send_json(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/appraisal/1/2.1"),
        json!({ "points": "0", "comment": "Thiếu minh chứng", "explanation_requested": true }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    app.clock.set(t("05/02/2024"));
    (app, round, unit)
}

#[tokio::test]
async fn a_refused_explanation_answer_keeps_what_was_typed_beside_the_error() {
    let (app, round, unit) = asked_to_explain().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    // Longer than the 8 000 characters allowed: refused, and every character comes back.
    let long = format!("Đơn vị đã đăng 48 tin bài. {}", "Chi tiết. ".repeat(800));
    let answer = post(
        &app,
        &officer,
        &format!("/ky/{round}/don-vi/{unit}/giai-trinh/2.1"),
        &[("csrf", &csrf), ("text", &long)],
        false,
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains(&long), "the typing is kept");
    assert!(
        beside(&answer.body, "g2-1-loi").contains(&format!(
            "«Nội dung giải trình» dài tối đa 8.000 ký tự; nội dung đã nhập có {} ký tự",
            parindex::domain::points::thousands(long.chars().count() as u64)
        )),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("/giai-trinh/2.1#tc-2.1\""));
    let (status, body) = send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/explanations/2.1"),
        json!({ "text": long }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (&json!("invalid_input"), &json!("text"))
    );
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("«Nội dung giải trình» dài tối đa 8.000 ký tự"),
        "{message}"
    );
}

#[tokio::test]
async fn a_save_retried_after_its_answer_was_lost_succeeds_once_and_a_real_conflict_still_stops() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/api/rounds/{round}/units/{unit}/self-assessment/2.1");
    let save = |points: &str, expected: Option<i64>| {
        json!({
            "input": { "kind": "judged", "points": points },
            "explanation": "Cổng thông tin cập nhật đủ",
            "expected_version": expected,
        })
    };
    let saves_of_leaf = || async {
        app.store()
            .audit_log(&parindex::store::AuditFilter {
                leaf_code: Some("2.1".into()),
                action: Some("self_assessment.save".into()),
                ..Default::default()
            })
            .await
            .expect("audit")
            .len()
    };

    // The first save of a leaf, sent twice (its answer lost): one entry, one audit row.
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, save("1", None)).await;
    assert_eq!((status, body["version"].clone()), (200, json!(1)), "{body}");
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, save("1", None)).await;
    assert_eq!(status, 200, "the retry is no conflict: {body}");
    assert_eq!(body["version"], 1, "the stored version: {body}");
    assert_eq!(saves_of_leaf().await, 1);

    // A change from version 1, retried with the same old version.
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, save("1.5", Some(1))).await;
    assert_eq!((status, body["version"].clone()), (200, json!(2)), "{body}");
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, save("1.5", Some(1))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["entry"]["explanation"], "Cổng thông tin cập nhật đủ");
    assert_eq!(saves_of_leaf().await, 2, "one audit row per stored change");
    let url = app.url(&format!("/api/rounds/{round}/units/{unit}/self-assessment"));
    let (_, view) = json_of(officer.send(officer.get(url)).await).await;
    let entries: Vec<_> = view["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["code"] == "2.1" && !n["entry"].is_null())
        .collect();
    assert_eq!(entries.len(), 1, "one entry");
    assert_eq!(entries[0]["entry"]["version"], 2);

    // Something else sent with the old version: a real conflict, the stored value named.
    let (status, body) = send_json(&app, &officer, &csrf, "PUT", &path, save("0.5", Some(1))).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1,5")),
        "{body}"
    );
    assert_eq!(saves_of_leaf().await, 2);
}

#[tokio::test]
async fn the_page_indexes_its_areas_with_progress_and_the_review_shows_not_applicable_reasons() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let head = Browser::default();
    let csrf = app.sign_in_with(&head, "a.thutruong").await;
    let saved = post(
        &app,
        &head,
        &format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/1.3"),
        &[
            ("csrf", &csrf),
            ("kind", "rate"),
            ("not_applicable", "on"),
            ("na_reason", "Năm 2023 không có hồ sơ trễ hạn"),
        ],
        false,
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let html = page_of(
        &app,
        &head,
        &format!("/ky/{round}/don-vi/{unit}/tu-cham-diem"),
    )
    .await;
    assert!(
        html.contains("href=\"#lv-1\">1. Chỉ đạo, điều hành CCHC</a>"),
        "{html}"
    );
    assert!(html.contains("đã chấm 1/3"), "{html}");
    assert!(html.contains("đã chấm 0/2"));
    assert!(html.contains("id=\"lv-2\""));
    // From the sticky bar: what is missing, and the review before submitting.
    let bar = &html[html.find("id=\"tong-diem\"").expect("bar")..];
    let bar = &bar[..bar.find("</div>").expect("end")];
    assert!(
        bar.contains("Còn thiếu gì?<span class=\"more\"> Xem lại và gửi"),
        "{bar}"
    );
    let review = page_of(&app, &head, &format!("/ky/{round}/don-vi/{unit}/xem-lai")).await;
    assert!(
        review.contains("Lý do:</em> Năm 2023 không có hồ sơ trễ hạn"),
        "{review}"
    );
}

#[tokio::test]
async fn a_text_over_its_limit_is_refused_in_vietnamese_words_and_numbers_on_the_page_and_the_api()
{
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let long = "ệ".repeat(8_001);
    let says = "«Giải thích, căn cứ chấm điểm» dài tối đa 8.000 ký tự; nội dung đã nhập có \
                8.001 ký tự — hãy rút gọn 1 ký tự.";
    for htmx in [false, true] {
        let answer = post(
            &app,
            &officer,
            &format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1"),
            &[
                ("csrf", &csrf),
                ("kind", "judged"),
                ("points", "1"),
                ("explanation", &long),
            ],
            htmx,
        )
        .await;
        assert_eq!(answer.status, 422, "htmx={htmx}: {}", answer.body);
        assert!(
            beside(&answer.body, "f2-1-exp-loi").ends_with(says),
            "{}",
            beside(&answer.body, "f2-1-exp-loi")
        );
        assert!(!answer.body.contains("(explanation)"));
        assert!(answer.body.contains(&long), "the typing is kept");
    }
    // The API: the same words, its stable code and the field as it names it.
    let (status, body) = send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "1" }, "explanation": long }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(body["error"]["field"], "explanation");
    assert_eq!(body["error"]["message"], says);
    // A reason for not applicable over its 2.000 characters.
    let (status, body) = send_json(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/self-assessment/1.3"),
        json!({ "input": null, "not_applicable": true, "na_reason": "x".repeat(2_500) }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "na_reason");
    assert_eq!(
        body["error"]["message"],
        "«Lý do không áp dụng» dài tối đa 2.000 ký tự; nội dung đã nhập có 2.500 ký tự — \
         hãy rút gọn 500 ký tự."
    );
}

#[tokio::test]
async fn beside_a_refused_value_no_points_are_computed_and_the_stored_ones_say_so() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1");
    let saved = post(
        &app,
        &officer,
        &path,
        &[("csrf", &csrf), ("kind", "judged"), ("points", "1")],
        true,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("aria-live=\"polite\">1 điểm</output>"));
    for htmx in [false, true] {
        let answer = post(
            &app,
            &officer,
            &path,
            &[
                ("csrf", &csrf),
                ("kind", "judged"),
                ("points", "2,75"),
                ("expected_version", "1"),
            ],
            htmx,
        )
        .await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        let leaf = &answer.body[answer.body.find("id=\"tc-2.1\"").expect("leaf")..];
        assert!(
            leaf.contains(
                "<output id=\"f2-1-points\" class=\"computed\" aria-live=\"polite\"></output>"
            ),
            "htmx={htmx}: {leaf}"
        );
        assert!(
            leaf.contains("<span class=\"badge ok\">Đã lưu: 1 điểm</span>"),
            "{leaf}"
        );
    }
}

#[tokio::test]
async fn an_upload_in_place_brings_the_units_file_list_for_the_other_leaves_and_a_save_does_not() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    // No file yet: every leaf's «Dùng tệp đã tải lên» is there, hidden, and the list empty.
    let page = page_of(
        &app,
        &officer,
        &format!("/ky/{round}/don-vi/{unit}/tu-cham-diem"),
    )
    .await;
    assert!(
        page.contains("<ul id=\"tep-don-vi\" hidden>\n</ul>"),
        "{page}"
    );
    assert_eq!(page.matches("class=\"reuse\" hidden").count(), 5, "{page}");

    let fields = [("csrf", csrf.as_str()), ("leaf", "2.1")];
    let path = format!("/ky/{round}/don-vi/{unit}/tai-lieu");
    let pdf = ("Báo cáo quý IV.pdf", PDF);
    let answer = upload(&app, &officer, &path, &fields, pdf, true).await;
    assert_eq!(answer.status, 200);
    let body = &answer.body;
    let list = &body[body
        .find("<ul id=\"tep-don-vi\" hidden hx-swap-oob=\"true\">")
        .expect("the list, out of band")..];
    assert!(
        list.contains("data-leaves=\"2.1\">Báo cáo quý IV.pdf (tiêu chí 2.1)</li>"),
        "{list}"
    );
    // A leaf saved changes no file: its answer does not carry the list.
    let saved = post(
        &app,
        &officer,
        &format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/1.1"),
        &[("csrf", &csrf), ("kind", "yes_no"), ("met", "dat")],
        true,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(!saved.body.contains("tep-don-vi"), "{}", saved.body);
}

#[tokio::test]
async fn an_explanation_file_uploads_in_place_with_htmx_and_through_the_page_without() {
    let (app, round, unit) = asked_to_explain().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let path = format!("/ky/{round}/don-vi/{unit}/giai-trinh/2.1/tai-lieu");
    let fields = [("csrf", csrf.as_str()), ("leaves", "2.1")];

    // With htmx: the leaf's files and form alone, the file listed, the answer untouched.
    let pdf = ("Báo cáo bổ sung.pdf", PDF);
    let answer = upload(&app, &officer, &path, &fields, pdf, true).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = &answer.body;
    assert!(
        body.contains("<div class=\"supplement\" id=\"bs-2.1\">"),
        "{body}"
    );
    assert!(
        !body.contains("<html") && !body.contains("name=\"text\""),
        "{body}"
    );
    assert!(
        body.contains("Báo cáo bổ sung.pdf") && body.contains("Đã tải lên"),
        "{body}"
    );
    assert!(body.contains("hx-target=\"#bs-2\\.1\""), "{body}");

    // Refused with htmx: 422 to swap in place, the message beside the file field.
    let not_a_pdf = ("bao-cao.pdf", &b"MZ\x90\x00 not a document"[..]);
    let answer = upload(&app, &officer, &path, &fields, not_a_pdf, true).await;
    assert_eq!(
        (answer.status, answer.fragment),
        (422, true),
        "{}",
        answer.body
    );
    assert!(
        beside(&answer.body, "b2-1-loi").contains("không thuộc loại được chấp nhận"),
        "{}",
        answer.body
    );

    // Without the script: back to the leaf on the page, which says it was uploaded.
    let pdf = ("Biên bản.pdf", PDF);
    let answer = upload(&app, &officer, &path, &fields, pdf, false).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let landing = format!("/ky/{round}/don-vi/{unit}/giai-trinh?tai-len=2.1");
    let page = page_of(&app, &officer, &landing).await;
    let files = &page[page.find("id=\"bs-2.1\"").expect("the leaf's files")..];
    assert!(
        files.contains("Biên bản.pdf") && files.contains("<span class=\"flash\">Đã tải lên</span>"),
        "{files}"
    );
    // Refused without the script: the whole page, on the leaf, the message beside the field.
    let answer = upload(&app, &officer, &path, &fields, not_a_pdf, false).await;
    assert_eq!((answer.status, answer.fragment), (422, false));
    assert!(answer.body.contains("<html") && answer.body.contains("id=\"b2-1-loi\""));
    assert!(answer.body.contains("/giai-trinh/2.1/tai-lieu#tc-2.1\""));
}
