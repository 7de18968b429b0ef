//! Bad input, as a careless client or an attacker sends it: every request is refused with
//! a 4xx and a Vietnamese message (JSON under /api, a page elsewhere), never a 5xx, never
//! the parser's English, and nothing is written.

use crate::helpers::{Browser, TestApp, audit_count, small_round, spawn_app, t, table_digest};

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

/// A value no field of its kind accepts, as raw JSON text (1e400 cannot be a
/// `serde_json::Value`).
fn hostile_values(base: &serde_json::Value) -> Vec<(&'static str, String)> {
    let mega = format!("\"{}\"", "x".repeat(1024 * 1024));
    let mut values = vec![
        ("an object", r#"{"x": 1}"#.to_string()),
        ("an array", "[1, 2]".to_string()),
    ];
    match base {
        serde_json::Value::String(_) => values.extend([
            ("a number", "5".to_string()),
            ("true", "true".to_string()),
            ("1 MB", mega),
            ("NUL", r#""a\u0000b""#.to_string()),
            ("a control character", r#""a\u0007b""#.to_string()),
            ("an escape", r#""a\u001bb""#.to_string()),
        ]),
        serde_json::Value::Bool(_) => values.extend([
            ("text", r#""có""#.to_string()),
            ("a number", "5".to_string()),
        ]),
        // Numbers and nulls (optional numbers).
        _ => values.extend([
            ("text", r#""một""#.to_string()),
            ("1e400", "1e400".to_string()),
            ("NaN", r#""NaN""#.to_string()),
            ("huge", "99999999999999999999".to_string()),
            ("a fraction", "1.5".to_string()),
            ("1 MB", mega),
        ]),
    }
    values
}

/// `body` (a JSON object) with `field` replaced by the raw JSON `value`.
fn with_field(body: &serde_json::Value, field: &str, value: &str) -> String {
    let mut object = body.as_object().cloned().unwrap_or_default();
    object.insert(
        field.to_string(),
        serde_json::Value::String("\u{1}MARK".into()),
    );
    serde_json::Value::Object(object)
        .to_string()
        .replace("\"\\u0001MARK\"", value)
}

/// Every field of every JSON body of the API given every kind of value it cannot take,
/// whole bodies that are not JSON, not UTF-8, of the wrong type or too large, and every
/// field of the page forms given text no one may type: each answered 4xx with a message
/// in Vietnamese (no parser text, no 5xx), and the data tables unchanged after each.
#[tokio::test]
async fn hundreds_of_hostile_requests_are_refused_and_change_nothing() {
    use serde_json::json;
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, unit) = (r.round, r.units[0]);
    app.clock.set(t("05/01/2024"));
    let officer = Browser::default();
    let officer_csrf = app.sign_in_with(&officer, "a.canbo").await;
    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let officer_id = r.officers[0].user_id;
    let unit_base = format!("/api/rounds/{round}/units/{unit}");
    // (who, method, path, a body that would be valid or nearly so)
    let endpoints: Vec<(&Browser, &str, reqwest::Method, String, serde_json::Value)> = vec![
        (
            &officer,
            &officer_csrf,
            reqwest::Method::PUT,
            format!("{unit_base}/self-assessment/2.1"),
            json!({"input": {"kind": "judged", "points": "0.75"}, "explanation": "Đã làm", "not_applicable": false, "na_reason": "", "expected_version": null}),
        ),
        (
            &officer,
            &officer_csrf,
            reqwest::Method::POST,
            format!("{unit_base}/evidence/citations"),
            json!({"document_number": "12/KH-UBND", "issued_on": "15/01/2023", "summary": "Kế hoạch CCHC", "pages": "1-3", "leaves": ["2.1"]}),
        ),
        (
            &officer,
            &officer_csrf,
            reqwest::Method::PUT,
            format!("{unit_base}/explanations/2.1"),
            json!({"text": "Giải trình"}),
        ),
        (
            &officer,
            &officer_csrf,
            reqwest::Method::POST,
            "/api/me/password".to_string(),
            json!({"current_password": "sai-mat-khau", "new_password": "mat-khau-moi-2024"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::PUT,
            format!("{unit_base}/appraisal/1/2.1"),
            json!({"points": "0.5", "not_applicable": false, "comment": "Thiếu minh chứng", "explanation_requested": false}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::PUT,
            format!("{unit_base}/extras/bonus/T1"),
            json!({"occurrences": 1, "note": "Sáng kiến"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            format!("{unit_base}/overrides"),
            json!({"phase": "self_assessment", "kind": "extension", "until": "20/01/2024", "reason": "Mất điện"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::PUT,
            format!("{unit_base}/survey/3.1"),
            json!({"points": "1"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::PUT,
            format!("/api/rounds/{round}/phases"),
            json!({"phase": "self_assessment", "opens": "01/12/2023", "closes": "10/01/2024"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            "/api/rounds/new".to_string(),
            json!({"year": 2024, "title": "Chỉ số CCHC năm 2024", "tie_break": "code", "sets": [], "phases": [], "bands": []}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            "/api/tiers".to_string(),
            json!({"code": "k2", "name": "Khối 2", "position": 2}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            "/api/units".to_string(),
            json!({"code": "B", "name": "UBND phường Hưng Lợi", "tier_code": "t"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            "/api/users".to_string(),
            json!({"username": "b.canbo", "display_name": "Cán bộ B", "role": "officer", "unit_code": "A", "password": "mat-khau-b-2024"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            format!("/api/users/{officer_id}/password"),
            json!({"new_password": "mat-khau-moi-2024"}),
        ),
        (
            &admin,
            &admin_csrf,
            reqwest::Method::POST,
            format!("/api/users/{officer_id}/scopes"),
            json!({"unit_id": 12345, "area_code": "1"}),
        ),
    ];
    let mut cases: Vec<(String, &Browser, reqwest::RequestBuilder)> = Vec::new();
    let client = reqwest::Client::new();
    for (browser, csrf, method, path, body) in &endpoints {
        let request = |content_type: &str, bytes: Vec<u8>| {
            client
                .request(method.clone(), app.url(path))
                .header("x-csrf-token", *csrf)
                .header("content-type", content_type)
                .body(bytes)
        };
        for (field, value) in body.as_object().expect("object") {
            for (what, raw) in hostile_values(value) {
                cases.push((
                    format!("{method} {path}: «{field}» {what}"),
                    browser,
                    request(
                        "application/json",
                        with_field(body, field, &raw).into_bytes(),
                    ),
                ));
            }
        }
        let whole: Vec<(&str, &str, Vec<u8>)> = vec![
            ("not JSON", "application/json", b"{\"a\": ".to_vec()),
            ("text/plain", "text/plain", body.to_string().into_bytes()),
            (
                "a form",
                "application/x-www-form-urlencoded",
                b"a=1".to_vec(),
            ),
            (
                "invalid UTF-8",
                "application/json",
                vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'],
            ),
            ("an array", "application/json", b"[1, 2]".to_vec()),
            ("null", "application/json", b"null".to_vec()),
            (
                "3 MB",
                "application/json",
                format!("{{\"x\": \"{}\"}}", "y".repeat(3 << 20)).into_bytes(),
            ),
        ];
        for (what, content_type, bytes) in whole {
            cases.push((
                format!("{method} {path}: {what}"),
                browser,
                request(content_type, bytes),
            ));
        }
    }
    // The page forms: every field given text no one may type, or bytes that are not UTF-8.
    type Form<'a> = (&'a Browser, &'a str, String, Vec<(&'a str, &'a str)>);
    let forms: Vec<Form> = vec![
        (
            &officer,
            &officer_csrf,
            format!("/ky/{round}/don-vi/{unit}/tu-cham-diem/2.1"),
            vec![
                ("kind", "judged"),
                ("points", "0,75"),
                ("explanation", "Đã làm"),
                ("expected_version", ""),
            ],
        ),
        (
            &officer,
            &officer_csrf,
            format!("/ky/{round}/don-vi/{unit}/giai-trinh/2.1"),
            vec![("text", "Giải trình")],
        ),
        (
            &admin,
            &admin_csrf,
            "/quan-tri/khoi".to_string(),
            vec![("code", "k2"), ("name", "Khối 2"), ("position", "2")],
        ),
        (
            &admin,
            &admin_csrf,
            "/quan-tri/don-vi".to_string(),
            vec![
                ("code", "B"),
                ("name", "UBND phường Hưng Lợi"),
                ("tier_code", "t"),
            ],
        ),
        (
            &admin,
            &admin_csrf,
            "/quan-tri/nguoi-dung".to_string(),
            vec![
                ("username", "b.canbo"),
                ("display_name", "Cán bộ B"),
                ("role", "officer"),
                ("unit_code", "A"),
                ("password", "mat-khau-b-2024"),
            ],
        ),
    ];
    let mega = "x".repeat(1024 * 1024);
    for (browser, csrf, path, fields) in &forms {
        let encode = |pairs: &[(&str, &str)]| {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("csrf", csrf);
            for (k, v) in pairs {
                form.append_pair(k, v);
            }
            form.finish()
        };
        for (i, (field, _)) in fields.iter().enumerate() {
            for (what, value) in [
                ("1 MB", mega.as_str()),
                ("NUL", "a\u{0}b"),
                ("a control character", "a\u{7}b"),
                ("an escape", "a\u{1b}b"),
            ] {
                let mut pairs = fields.clone();
                pairs[i].1 = value;
                cases.push((
                    format!("POST {path}: «{field}» {what}"),
                    browser,
                    client
                        .post(app.url(path))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(encode(&pairs)),
                ));
            }
            let mut pairs = fields.clone();
            pairs[i].1 = "PLACEHOLDER";
            let body = encode(&pairs).replace("PLACEHOLDER", "%FF%FE");
            cases.push((
                format!("POST {path}: «{field}» not UTF-8"),
                browser,
                client
                    .post(app.url(path))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
            ));
        }
        cases.push((
            format!("POST {path}: JSON"),
            browser,
            client
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(format!("{{\"csrf\": \"{csrf}\"}}")),
        ));
    }
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    println!("{} hostile requests", cases.len());

    let digest = table_digest(&app).await;
    for (what, browser, request) in cases {
        let (status, message) = refused(&app, browser, request).await;
        assert!((400..500).contains(&status), "{what}: {status} {message}");
        for word in PARSER_WORDS {
            assert!(
                !message.contains(word),
                "{what}: «{word}» in «{}»",
                &message[..message.len().min(300)]
            );
        }
        assert!(
            message
                .chars()
                .any(|c| "ăâđêôơưáàảãạếềểễệóòỏõọ".contains(c)),
            "{what}: not Vietnamese: {}",
            &message[..message.len().min(300)]
        );
        assert_eq!(table_digest(&app).await, digest, "{what}: wrote something");
    }
}
