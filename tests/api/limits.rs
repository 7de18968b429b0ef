//! Limits on what people type and import: too long or holding a control character is a
//! 422 naming the field and the limit, the same on SQLite and PostgreSQL, nothing stored;
//! the longest text accepted still goes into every export.

use parindex::domain::text::limit;
use serde_json::{Value, json};

use crate::directory_import::{C, directory_workbook};
use crate::helpers::{
    Browser, TestApp, audit_count, json_of, send_json as send, small_round, spawn_app, t,
    table_digest,
};

/// (method, path, body, the field the refusal must name)
type Case<'a> = (&'a str, String, Value, &'a str);

/// Each case must be a 422 `invalid_input` naming its field: in `field` as the API names
/// it, in the message by its Vietnamese label only.
async fn expect_refused(app: &TestApp, b: &Browser, csrf: &str, cases: Vec<Case<'_>>) {
    for (method, path, body, field) in cases {
        let (status, answer) = send(app, b, csrf, method, &path, body).await;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(status, 422, "{path} {field}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_input", "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
        let label = parindex::domain::text::label(field);
        assert!(
            message.starts_with(&format!("«{label}» ")) && !message.contains(field),
            "{field}: {message}"
        );
    }
}

fn too_long(max: u64) -> String {
    "ệ".repeat(max as usize + 1)
}

#[tokio::test]
async fn text_too_long_or_with_control_characters_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let leaf = format!("/api/rounds/{round}/units/{unit}/self-assessment/2.1");
    let judged = json!({ "kind": "judged", "points": "1" });
    let before = audit_count(&app).await;
    // (method, path, body, field named)
    let cases: Vec<Case> = vec![
        (
            "PUT",
            leaf.clone(),
            json!({ "input": judged, "explanation": too_long(limit::TEXT) }),
            "explanation",
        ),
        (
            "PUT",
            leaf.clone(),
            json!({ "input": judged, "explanation": "có\u{0}NUL" }),
            "explanation",
        ),
        (
            "PUT",
            leaf.clone(),
            json!({ "input": judged, "explanation": "chuông\u{7}" }),
            "explanation",
        ),
        (
            "PUT",
            format!("/api/rounds/{round}/units/{unit}/self-assessment/1.3"),
            json!({ "input": null, "not_applicable": true, "na_reason": too_long(limit::REASON) }),
            "na_reason",
        ),
        (
            "POST",
            format!("/api/rounds/{round}/units/{unit}/evidence/citations"),
            json!({ "document_number": "12/KH-UBND", "issued_on": "10/01/2023", "summary": too_long(limit::TEXT), "leaves": ["2.1"] }),
            "summary",
        ),
        (
            "POST",
            format!("/api/rounds/{round}/units/{unit}/evidence/citations"),
            json!({ "document_number": "12/KH\u{0}", "issued_on": "10/01/2023", "summary": "Kế hoạch", "leaves": ["2.1"] }),
            "document_number",
        ),
    ];
    expect_refused(&app, &officer, &csrf, cases).await;
    // A page form the same way.
    let form = [
        ("csrf", csrf.as_str()),
        ("kind", "judged"),
        ("points", "1"),
        ("explanation", "a\u{0}b"),
    ];
    let response = officer
        .send(
            officer
                .post(app.url(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1")))
                .form(&form),
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("«Giải thích, căn cứ chấm điểm» có ký tự điều khiển U+0000"),
        "{page}"
    );

    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/tiers".into(),
            json!({ "code": "x", "name": too_long(limit::NAME) }),
            "name",
        ),
        (
            "POST",
            "/api/units".into(),
            json!({ "code": "X1", "name": "Tên\u{0}", "tier_code": "t" }),
            "name",
        ),
        (
            "POST",
            "/api/users".into(),
            json!({ "username": "nguoi.moi", "display_name": too_long(limit::NAME),
            "role": "viewer", "password": "mat-khau-dai-du" }),
            "display_name",
        ),
        (
            "POST",
            "/api/users".into(),
            json!({ "username": "nguoi.moi", "display_name": "Người mới",
            "role": "viewer", "password": too_long(limit::PASSWORD) }),
            "password",
        ),
        (
            "POST",
            format!("/api/rounds/{round}/units/{unit}/overrides"),
            json!({ "phase": "self_assessment", "kind": "extension", "until": "10/01/2024", "reason": too_long(limit::REASON) }),
            "reason",
        ),
        (
            "PUT",
            format!("/api/rounds/{round}/units/{unit}/extras/bonus/T1"),
            json!({ "occurrences": 1, "note": "ghi\u{0}chú" }),
            "note",
        ),
    ];
    expect_refused(&app, &admin, &csrf, cases).await;
    assert_eq!(audit_count(&app).await, before, "a refused text was stored");

    // Sign-in with a username no account can have: refused as a wrong one, never a 500.
    for username in ["quan\u{0}tri".to_string(), "x".repeat(100_000)] {
        let request = Browser::default()
            .post(app.url("/api/session"))
            .json(&json!({ "username": username, "password": "mat-khau-kiem-thu" }));
        assert_eq!(json_of(admin.send(request).await).await.0, 401);
    }
}

#[tokio::test]
async fn the_longest_texts_accepted_still_go_into_every_export() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let longest = |max: u64| "ệ".repeat(max as usize);
    let (status, body) = send(&app, &officer, &csrf, "PUT",
        &format!("/api/rounds/{round}/units/{unit}/self-assessment/2.1"),
        json!({ "input": { "kind": "judged", "points": "1.5" }, "explanation": longest(limit::TEXT) })).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        &app,
        &officer,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/self-assessment/1.3"),
        json!({ "input": null, "not_applicable": true, "na_reason": longest(limit::REASON) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The appraiser after the deadline, with the longest comment.
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = send(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &format!("/api/rounds/{round}/units/{unit}/appraisal/1/2.1"),
        json!({ "points": "1", "comment": longest(limit::TEXT) }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    for path in [
        format!("/api/rounds/{round}/export/ranking.xlsx"),
        format!("/api/rounds/{round}/export/details.xlsx"),
        format!("/api/rounds/{round}/units/{unit}/export/self-assessment.xlsx"),
    ] {
        let response = admin.send(admin.get(app.url(&path))).await;
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.expect("body");
        // A whole workbook: calamine opens it and finds the long text in a cell.
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
        use calamine::Reader;
        let found = book.sheet_names().iter().any(|name| {
            book.worksheet_range(name).is_ok_and(|range| {
                range
                    .used_cells()
                    .any(|(_, _, cell)| cell.to_string().chars().count() >= limit::TEXT as usize)
            })
        });
        // The ranking annex holds no explanation or comment: it only has to open.
        assert!(
            found || path.ends_with("ranking.xlsx"),
            "{path}: the longest text is in the workbook"
        );
    }
}

#[tokio::test]
async fn imported_names_obey_the_same_limits() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let long = "ệ".repeat(20_000);
    for (units, users, expected) in [
        (
            vec![[C::S("X1"), C::S(long.as_str()), C::S("t")]],
            vec![],
            "Trang «Đơn vị», dòng 2, cột B: dài 20.000 ký tự, tối đa 8.000 ký tự.",
        ),
        (
            vec![[C::S("X1"), C::S("Tên\u{0}"), C::S("t")]],
            vec![],
            "Trang «Đơn vị», dòng 2, cột B: có ký tự điều khiển",
        ),
        (
            vec![],
            vec![[
                C::S("nguoi.moi"),
                C::S(&long[..3 * 300]),
                C::S("viewer"),
                C::E,
                C::E,
            ]],
            "Trang «Người dùng», dòng 2, cột B: dài 300 ký tự, tối đa 255 ký tự.",
        ),
    ] {
        let before = audit_count(&app).await;
        for dry_run in [true, false] {
            let request = admin
                .post(app.url(&format!("/api/directory/import?dry_run={dry_run}")))
                .header("x-csrf-token", &csrf)
                .body(directory_workbook(&units, &users));
            let (status, body) = json_of(admin.send(request).await).await;
            assert_eq!(status, 422, "{body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(expected), "{message}");
        }
        assert_eq!(audit_count(&app).await, before);
    }
}

/// Every hostile workbook (`tests/support/hostile.rs`: a cell at XFD1048576, a huge area,
/// 600 000 cells, a 40 000-character text, NUL and control characters, formulas, shared
/// strings inflating to 256 MiB, a sheet inflating to 1 GiB) sent to every import, dry run
/// and real: refused in seconds with a Vietnamese message naming the problem, nothing
/// written, the server alive.
#[tokio::test]
async fn hostile_workbooks_are_refused_in_seconds_and_the_server_lives() {
    use crate::support::hostile;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let before = audit_count(&app).await;
    let digest = table_digest(&app).await;
    for (path, layout) in [
        ("/api/directory/import".to_string(), hostile::DIRECTORY),
        ("/api/criteria-sets/import".to_string(), hostile::CRITERIA),
        (
            format!("/api/rounds/{}/import/survey", r.round),
            hostile::SURVEY,
        ),
    ] {
        for workbook in hostile::workbooks(layout).expect("hostile workbooks") {
            // Reading 500 000 cells before the refusal is the slow one; once is enough.
            let runs: &[bool] =
                if workbook.bytes.len() > 1_200_000 && !workbook.name.contains("GiB") {
                    &[true]
                } else {
                    &[true, false]
                };
            for dry_run in runs {
                let started = std::time::Instant::now();
                let request = admin
                    .post(app.url(&format!("{path}?dry_run={dry_run}")))
                    .header("x-csrf-token", &csrf)
                    .body(workbook.bytes.clone());
                let (status, body) = json_of(admin.send(request).await).await;
                let what = format!("{path}, {}", workbook.name);
                assert_eq!(status, 422, "{what}: {body}");
                let message = body["error"]["message"].as_str().unwrap_or_default();
                assert!(message.contains(workbook.refusal), "{what}: {message}");
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(20),
                    "{what}: slow"
                );
            }
        }
    }
    let (status, health) = json_of(admin.send(admin.get(app.url("/health"))).await).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    assert_eq!(audit_count(&app).await, before);
    assert_eq!(table_digest(&app).await, digest);
}

#[tokio::test]
async fn a_file_with_thousands_of_problems_gets_a_readable_answer() {
    let app = spawn_app().await;
    small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let codes: Vec<String> = (0..1000).map(|i| format!("mã sai {i}")).collect();
    let units: Vec<[C; 3]> = codes
        .iter()
        .map(|c| [C::S(c.as_str()), C::S("Đơn vị"), C::S("t")])
        .collect();
    let request = admin
        .post(app.url("/api/directory/import?dry_run=true"))
        .header("x-csrf-token", &csrf)
        .body(directory_workbook(&units, &[]));
    let (status, body) = json_of(admin.send(request).await).await;
    assert_eq!(status, 422);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 201, "{message}");
    assert_eq!(
        lines.last().copied(),
        Some("… và 800 lỗi khác; hãy sửa các lỗi trên rồi kiểm tra lại.")
    );
}
