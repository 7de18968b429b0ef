//! Bad input, as a careless client or an attacker sends it: every request is refused with
//! a 4xx and a Vietnamese message (JSON under /api, a page elsewhere), never a 5xx, never
//! the parser's English, and nothing is written.

use crate::helpers::{Browser, TestApp, audit_count, small_round, spawn_app, t};

/// Words of serde's, axum's and the multipart parser's messages that must never reach a
/// person.
const PARSER_WORDS: [&str; 8] = [
    "Failed",
    "deserialize",
    "unknown variant",
    "invalid type",
    "at line",
    "Invalid",
    "missing field",
    "Unexpected",
];

async fn refused(
    app: &TestApp,
    browser: &Browser,
    request: reqwest::RequestBuilder,
) -> (u16, String) {
    let _ = app;
    let response = browser.send(request).await;
    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let text = response.text().await.expect("body");
    let message = if is_json {
        let body: serde_json::Value = serde_json::from_str(&text).expect("JSON error body");
        body["error"]["message"]
            .as_str()
            .expect("message")
            .to_string()
    } else {
        text
    };
    (status, message)
}

#[tokio::test]
async fn malformed_requests_get_a_vietnamese_4xx_and_change_nothing() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let leaf = app.url(&format!(
        "/api/rounds/{round}/units/{unit}/self-assessment/2.1"
    ));
    let put = |body: &'static str, content_type: &'static str| {
        reqwest::Client::new()
            .put(leaf.clone())
            .header("x-csrf-token", csrf.clone())
            .header("content-type", content_type)
            .body(body)
    };
    let json = "application/json";
    let before = audit_count(&app).await;
    let huge = format!("{{\"explanation\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let cases: Vec<(&str, reqwest::RequestBuilder, Option<u16>)> = vec![
        ("not JSON", put("{\"input\": ", json), Some(400)),
        ("text/plain", put("{}", "text/plain"), Some(415)),
        ("no content type", put("{}", ""), Some(415)),
        (
            "unknown kind",
            put(r#"{"input": {"kind": "doan", "points": "1"}}"#, json),
            Some(400),
        ),
        (
            "points 1e400",
            put(r#"{"input": {"kind": "judged", "points": 1e400}}"#, json),
            None,
        ),
        (
            "points NaN",
            put(r#"{"input": {"kind": "judged", "points": "NaN"}}"#, json),
            Some(400),
        ),
        (
            "points -1",
            put(r#"{"input": {"kind": "judged", "points": "-1"}}"#, json),
            Some(422),
        ),
        (
            "points huge",
            put(
                r#"{"input": {"kind": "judged", "points": "99999999999999999999"}}"#,
                json,
            ),
            Some(400),
        ),
        (
            "version text",
            put(r#"{"input": null, "expected_version": "một"}"#, json),
            Some(400),
        ),
        (
            "explanation number",
            put(r#"{"input": null, "explanation": 5}"#, json),
            Some(400),
        ),
        ("array body", put("[1, 2]", json), Some(400)),
        (
            "invalid UTF-8",
            reqwest::Client::new()
                .put(leaf.clone())
                .header("x-csrf-token", csrf.clone())
                .header("content-type", json)
                .body(vec![b'{', 0xff, 0xfe, b'}']),
            Some(400),
        ),
        (
            "3 MB body",
            reqwest::Client::new()
                .put(leaf.clone())
                .header("x-csrf-token", csrf.clone())
                .header("content-type", json)
                .body(huge),
            Some(413),
        ),
        (
            "units without fields",
            officer
                .post(app.url("/api/units"))
                .header("x-csrf-token", csrf.clone())
                .json(&serde_json::json!({})),
            Some(400),
        ),
        (
            "round id not a number",
            officer
                .post(app.url("/api/rounds/abc/publish"))
                .header("x-csrf-token", csrf.clone()),
            Some(400),
        ),
        (
            "evidence as JSON",
            officer
                .post(app.url(&format!("/api/rounds/{round}/units/{unit}/evidence/files")))
                .header("x-csrf-token", csrf.clone())
                .json(&serde_json::json!({"file": "x"})),
            Some(415),
        ),
        (
            "unknown API address",
            officer.get(app.url("/api/khong-co")),
            Some(404),
        ),
        (
            "wrong method",
            officer.delete(app.url("/api/rounds")),
            Some(405),
        ),
        (
            "unknown page",
            officer.get(app.url("/trang-khong-co")),
            Some(404),
        ),
        (
            "page wrong method",
            officer.delete(app.url("/dang-nhap")),
            Some(405),
        ),
        (
            "form with a bad version",
            officer
                .post(app.url(&format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("kind", "judged"),
                    ("points", "1"),
                    ("expected_version", "1e400"),
                ]),
            Some(422),
        ),
    ];
    for (what, request, expected) in cases {
        let (status, message) = refused(&app, &officer, request).await;
        assert!((400..500).contains(&status), "{what}: {status} {message}");
        if let Some(expected) = expected {
            assert_eq!(status, expected, "{what}: {message}");
        }
        for word in PARSER_WORDS {
            assert!(!message.contains(word), "{what}: «{word}» in «{message}»");
        }
        assert!(
            message
                .chars()
                .any(|c| "ăâđêôơưáàảãạếềểễệóòỏõọ".contains(c)),
            "{what}: not Vietnamese: {message}"
        );
    }
    assert_eq!(audit_count(&app).await, before, "a refused request wrote");
    assert!(
        app.store()
            .self_entry(round, unit, "2.1")
            .await
            .expect("entry")
            .is_none()
    );
}
