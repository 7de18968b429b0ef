//! Page forms and queries: a value that does not parse is refused with 422 and its field
//! named, never replaced by a default, and nothing is written. And the one error map: the
//! same refusal answers the same status on a page and over the API.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{
    Browser, TestApp, audit_count, get_page, json_of, no_redirects, post_form, small_round,
    spawn_app, t,
};

/// A form to post: its address, its fields, and what the refusal must name.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

/// Posts each case with the CSRF token; each must be a 422 naming its field.
async fn expect_refused(app: &TestApp, browser: &Browser, csrf: &str, cases: Vec<Case<'_>>) {
    for (path, mut fields, named) in cases {
        fields.push(("csrf", csrf));
        let (status, _, page) = post_form(app, browser, &path, &fields).await;
        assert_eq!(status, 422, "{path} {fields:?}: {page}");
        assert!(
            page.contains(named),
            "{path}: «{named}» not named in {page}"
        );
    }
}

#[tokio::test]
async fn a_malformed_value_in_any_page_form_is_a_422_naming_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let leaf = |code: &str| format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/{code}");
    let before = audit_count(&app).await;

    // (path, fields, what the page must name)
    let officer_forms: Vec<Case> = vec![
        (
            leaf("1.2"),
            vec![("kind", "rate"), ("numerator", "ba"), ("denominator", "4")],
            "Tử số",
        ),
        (
            leaf("2.2"),
            vec![("kind", "occurrences"), ("count", "1,5")],
            "Số lần",
        ),
        (
            leaf("2.1"),
            vec![
                ("kind", "judged"),
                ("points", "1,5"),
                ("expected_version", "mới nhất"),
            ],
            "expected_version",
        ),
        (
            leaf("1.1"),
            vec![("kind", "co_khong"), ("met", "dat")],
            "kind",
        ),
        (leaf("1.1"), vec![("kind", "yes_no"), ("met", "có")], "met"),
    ];
    expect_refused(&app, &officer, &csrf, officer_forms).await;
    assert_eq!(audit_count(&app).await, before, "an officer's form wrote");

    // The appraiser, after the deadline: the round number and the points.
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let appraise = format!("/ky/{round}/don-vi/{unit}/tham-dinh/2.1");
    let appraisals: Vec<Case> = vec![
        (
            appraise.clone(),
            vec![("appraisal_round", "một"), ("points", "1")],
            "appraisal_round",
        ),
        (appraise.clone(), vec![("points", "1")], "appraisal_round"),
        (
            appraise,
            vec![("appraisal_round", "1"), ("points", "hai")],
            "Điểm thẩm định",
        ),
    ];
    expect_refused(&app, &appraiser, &csrf, appraisals).await;

    // The administrator: an extension, a survey score, a tier, a new round, a phase, an
    // account, a scope.
    let r_round = &round.to_string();
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let unit_id = unit.to_string();
    let extension = |unit: &'static str, kind: &'static str| {
        vec![
            ("unit", unit),
            ("phase", "self_assessment"),
            ("kind", kind),
            ("until", "10/02/2024"),
            ("reason", "Mất điện"),
        ]
    };
    let admin_forms: Vec<Case> = vec![
        (
            format!("/quan-tri/ky/{round}/gia-han"),
            extension("đơn vị A", "extension"),
            "«unit»",
        ),
        (
            format!("/quan-tri/ky/{round}/gia-han"),
            vec![
                ("unit", unit_id.as_str()),
                ("phase", "self_assessment"),
                ("kind", "gia-han"),
                ("until", "10/02/2024"),
                ("reason", "Mất điện"),
            ],
            "«kind»",
        ),
        (
            format!("/quan-tri/ky/{round}/dieu-tra"),
            vec![("survey_unit", "A"), ("leaf", "3.1"), ("points", "2")],
            "«survey_unit»",
        ),
        (
            format!("/quan-tri/ky/{round}/dieu-tra"),
            vec![
                ("survey_unit", unit_id.as_str()),
                ("leaf", "3.1"),
                ("points", "hai"),
            ],
            "«points»",
        ),
        (
            "/quan-tri/khoi".to_string(),
            vec![("code", "x"), ("name", "Khối X"), ("position", "đầu")],
            "Thứ tự phải là một số nguyên",
        ),
        (
            "/quan-tri/ky/moi".to_string(),
            vec![
                ("tu", r_round),
                ("year", "hai nghìn"),
                ("title", "Kỳ mới"),
                ("set_t", "KIEM-THU|1"),
            ],
            "«year»",
        ),
        (
            format!("/quan-tri/ky/{round}/giai-doan"),
            vec![
                ("phase", "self_assessment"),
                ("opens", "01/12/2023"),
                ("closes", "14/13/2024"),
                ("action", "luu"),
            ],
            "14/13/2024",
        ),
        (
            format!("/quan-tri/nguoi-dung/{}", r.officers[0].user_id),
            vec![
                ("display_name", "A"),
                ("role", "officer"),
                ("unit_code", "A"),
                ("valid_until", "sang năm"),
            ],
            "sang năm",
        ),
        (
            format!("/quan-tri/nguoi-dung/{}/pham-vi", r.appraiser.user_id),
            vec![("unit_id", "mot")],
            "«unit_id»",
        ),
    ];
    expect_refused(&app, &admin, &csrf, admin_forms).await;
    assert_eq!(audit_count(&app).await, before, "a form wrote something");
    assert!(
        app.store()
            .overrides(round, unit, parindex::domain::Phase::SelfAssessment)
            .await
            .expect("overrides")
            .is_empty()
    );
    assert_eq!(app.store().tiers().await.expect("tiers").len(), 1);

    // Queries: a unit id that is not a number, a set id that is not a number.
    for (path, named) in [
        ("/quan-tri/nhat-ky?don_vi=abc".to_string(), "don_vi"),
        ("/quan-tri/bo-tieu-chi?cu=abc&moi=2".to_string(), "cu"),
    ] {
        let (status, page) = get_page(&app, &admin, &path).await;
        assert_eq!(status, 422, "{path}: {page}");
        assert!(page.contains(named), "{path}: {page}");
    }
    // An empty choice is no filter, not an error.
    let (status, _) = get_page(&app, &admin, "/quan-tri/nhat-ky?don_vi=&tieu_chi=").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_same_refusal_has_the_same_status_on_a_page_and_over_the_api() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let api_save = |csrf: &str, version: Option<i64>| {
        // Another value than the one stored: a retry of the stored value is no conflict.
        let points = if version.is_none() { "1" } else { "0.5" };
        let body =
            json!({ "input": { "kind": "judged", "points": points }, "expected_version": version });
        reqwest::Client::new()
            .put(app.url(&format!(
                "/api/rounds/{round}/units/{unit}/self-assessment/2.1"
            )))
            .header("x-csrf-token", csrf)
            .json(&body)
    };
    let page_path = format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1");
    let page_save = |csrf: String, version: &'static str| {
        let (app, officer, path) = (&app, &officer, &page_path);
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("kind", "judged"),
                ("points", "0,5"),
                ("expected_version", version),
            ];
            let (status, _, page) = post_form(app, officer, path, &fields).await;
            (status, page)
        }
    };
    assert_eq!(officer.send(api_save(&csrf, None)).await.status(), 200);

    // A conflict: someone saved since this version was read.
    let api = officer
        .send(api_save(&csrf, Some(0)))
        .await
        .status()
        .as_u16();
    let (page, html) = page_save(csrf.clone(), "0").await;
    assert_eq!((api, page), (409, 409), "{html}");

    // The lock: one second after the deadline (signed in again: the session of two days
    // ago has ended).
    app.clock.set(t("07/01/2024") + Duration::seconds(1));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let api = officer
        .send(api_save(&csrf, Some(1)))
        .await
        .status()
        .as_u16();
    let (page, html) = page_save(csrf.clone(), "1").await;
    assert_eq!((api, page), (403, 403), "{html}");

    // Not allowed: an officer on the administrator's pages and API.
    let (page, _, _) = post_form(
        &app,
        &officer,
        &format!("/quan-tri/ky/{round}/cong-bo"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    let api = officer
        .send(
            officer
                .post(app.url(&format!("/api/rounds/{round}/publish")))
                .header("x-csrf-token", &csrf),
        )
        .await
        .status()
        .as_u16();
    assert_eq!((api, page), (403, 403));

    // Rate limited: after too many wrong passwords, the API and the page both say 429.
    let guesser = Browser::default();
    let mut statuses = Vec::new();
    for attempt in 0..30 {
        let status = if attempt % 2 == 0 {
            let request = guesser
                .post(app.url("/api/session"))
                .json(&json!({ "username": "a.thutruong", "password": "sai-mat-khau" }));
            json_of(guesser.send(request).await).await.0
        } else {
            let fields = [("username", "a.thutruong"), ("password", "sai-mat-khau")];
            post_form(&app, &guesser, "/dang-nhap", &fields).await.0
        };
        statuses.push(status);
    }
    let first_limited = statuses.iter().position(|s| *s == 429).expect("limited");
    assert!(
        statuses[..first_limited].iter().all(|s| *s == 401),
        "{statuses:?}"
    );
    // From then on both ways answer 429, the page as the API does.
    assert!(
        statuses[first_limited..].iter().all(|s| *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.len() - first_limited >= 2, "{statuses:?}");
}

#[tokio::test]
async fn an_import_from_someone_not_allowed_is_refused_before_the_file_is_read() {
    use crate::helpers::SlowRequest;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let headers = [("x-csrf-token", csrf.as_str())];
    let forty_mb = 40 * 1024 * 1024;
    for head in [
        "POST /quan-tri/nhap-danh-muc".to_string(),
        "POST /quan-tri/bo-tieu-chi/nhap".to_string(),
        format!("POST /quan-tri/ky/{}/nhap-dieu-tra", r.round),
        "POST /api/directory/import".to_string(),
        "POST /api/criteria-sets/import".to_string(),
        format!("POST /api/rounds/{}/import/survey", r.round),
    ] {
        let content_type = if head.contains("/api/") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "multipart/form-data; boundary=B"
        };
        let mut request =
            SlowRequest::start(&app, &officer, &head, &headers, content_type, forty_mb).await;
        request.send(b"--B\r\n").await;
        // Not one more byte of the 40 MB: the refusal comes anyway.
        let status = request
            .status_within(std::time::Duration::from_secs(5))
            .await;
        assert_eq!(status, Some(403), "{head}");
    }
}

#[tokio::test]
async fn saving_a_code_that_is_no_leaf_is_a_404_page_with_its_message_also_with_htmx() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    for code in ["1", "9.9"] {
        for htmx in [false, true] {
            let path = format!("/ky/{}/don-vi/{}/tu-cham-diem/{code}", r.round, r.units[0]);
            let fields = [("csrf", csrf.as_str()), ("kind", "judged"), ("points", "1")];
            let mut request = no_redirects().post(app.url(&path)).form(&fields);
            if htmx {
                request = request.header("hx-request", "true");
            }
            let response = officer.send(request).await;
            let status = response.status().as_u16();
            let page = response.text().await.expect("page");
            assert_eq!(status, 404, "{code} htmx={htmx}: {page}");
            assert!(
                page.contains(&format!("Không tìm thấy tiêu chí thành phần {code}")),
                "{code} htmx={htmx}: {page}"
            );
        }
    }
}
