//! The first server: a health check, the round's results per tier as JSON, and the
//! OpenAPI document of the API.
//!
//! The document is generated from the handlers' `#[utoipa::path]` annotations and served at
//! `/api/openapi.json`; `web/openapi.json` is a committed copy. After changing a handler's
//! documentation or a type it answers, regenerate the copy with
//!
//!     cargo run -q -- openapi > web/openapi.json
//!
//! (`the_committed_openapi_document_is_the_generated_one` fails until then).

use std::collections::BTreeSet;

use parindex::domain::SystemClock;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_check_answers_with_the_database_state() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], true);
    // Without its database the instance says so in the status too: a load balancer or a
    // monitor that reads only the status takes it out.
    app.store().close().await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], false);
}

#[tokio::test]
async fn results_of_the_demo_round_per_tier_with_ranks_and_indexes() {
    let app = spawn_app().await;
    parindex::demo::load(app.store(), &SystemClock)
        .await
        .expect("demo");
    assert_eq!(app.get_json("/api/rounds").await.0, 401, "signed in only");
    app.sign_in_with_password(&app.browser, "lanhdao", parindex::demo::DEMO_PASSWORD)
        .await;
    let (status, rounds) = app.get_json("/api/rounds").await;
    assert_eq!(status, 200);
    let round_2023 = rounds
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["year"] == 2023)
        .expect("2023 round")["id"]
        .as_i64()
        .expect("id");
    let (status, results) = app
        .get_json(&format!("/api/rounds/{round_2023}/results"))
        .await;
    assert_eq!(status, 200);
    let tiers = results["tiers"].as_array().expect("tiers");
    let codes: Vec<&str> = tiers
        .iter()
        .map(|t| t["tier_code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["so", "huyen", "xa"]);
    for tier in tiers {
        let units = tier["units"].as_array().expect("units");
        assert!(!units.is_empty());
        // Points travel as decimal strings, never as binary floats.
        assert!(units[0]["index"].is_string() && units[0]["final_total"].is_string());
        assert_eq!(units[0]["rank"], 1);
        let ranks: Vec<i64> = units
            .iter()
            .map(|u| u["rank"].as_i64().expect("rank"))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "sorted by rank: {ranks:?}"
        );
    }
}

#[tokio::test]
async fn an_unknown_round_is_a_404_with_a_stable_code() {
    let app = spawn_app().await;
    crate::helpers::small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    let (status, body) = app.get_json("/api/rounds/999/results").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["message"], "Không tìm thấy kỳ đánh giá #999.");
}

#[tokio::test]
async fn the_committed_openapi_document_is_the_generated_one() {
    let app = spawn_app().await;
    let (status, served) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(served["openapi"], "3.1.0");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/web/openapi.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("web/openapi.json"))
            .expect("web/openapi.json is JSON");
    let mut differences = Vec::new();
    json_differences("", &committed, &served, &mut differences);
    assert!(
        differences.is_empty(),
        "web/openapi.json differs from the document the code generates at:\n  {}\n\
         Regenerate it with: cargo run -q -- openapi > web/openapi.json",
        differences
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// The JSON pointers at which `a` and `b` differ.
fn json_differences(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(a), Some(b)) => json_differences(&here, a, b, out),
                    (Some(_), None) => out.push(format!("{here} (only in web/openapi.json)")),
                    _ => out.push(format!("{here} (missing from web/openapi.json)")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (a, b)) in x.iter().zip(y).enumerate() {
                json_differences(&format!("{at}/{i}"), a, b, out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} ≠ {b}")),
        _ => {}
    }
}

/// Every (path, method) the document describes.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let (_, doc) = app.get_json("/api/openapi.json").await;
    let operations = operations(&doc);
    assert!(operations.len() >= 40, "{}", operations.len());
    // Sanity: an API path nobody routes is a 404, so the check below means something.
    let status = app
        .browser
        .send(app.browser.get(app.url("/api/no-such-resource")))
        .await
        .status();
    assert_eq!(status, 404);
    // Every documented operation answers (401 without a session, 400 for an empty
    // sign-in), never 404 or 405.
    for (path, method) in &operations {
        let concrete = path
            .replace("{round}", "1")
            .replace("{unit}", "1")
            .replace("{id}", "1")
            .replace("{n}", "1")
            .replace("{leaf}", "1.1")
            .replace("{node}", "1")
            .replace("{tier}", "t")
            .replace("{kind}", "bonus")
            .replace("{item}", "T1");
        assert!(
            !concrete.contains('{'),
            "a parameter not substituted in {path}"
        );
        let url = app.url(&concrete);
        let client = reqwest::Client::new();
        let request = match method.as_str() {
            "get" => client.get(url),
            "post" => client.post(url).json(&json!({})),
            "put" => client.put(url).json(&json!({})),
            "delete" => client.delete(url),
            other => panic!("{other} {path}: a method this test does not send"),
        };
        let status = request.send().await.expect("request").status().as_u16();
        assert_ne!(status, 404, "{method} {path}");
        assert_ne!(status, 405, "{method} {path}");
    }
}

/// A route cannot be added without its documentation. The types see to it: an API module
/// can only add routes through `ApiRouter::routes(routes!(handler))`, which takes the method
/// and path from the handler's `#[utoipa::path]`, and `api::router()` merges nothing but
/// `ApiRouter`s. This test keeps anyone from working around that: no plain axum routing in
/// `src/http/api`, no `/api/` route elsewhere in `src/http` but the document itself, and
/// every annotated handler registered.
#[test]
fn no_api_route_can_be_registered_without_its_documentation() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http");
    let mut annotated = 0;
    let mut files = vec![std::path::PathBuf::from(root)];
    let mut offences = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("src/http") {
                files.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        // A unit-test module's routers (a handler that panics, say) are not the
        // application's.
        let text = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .to_string();
        let name = path
            .strip_prefix(root)
            .expect("under src/http")
            .display()
            .to_string();
        if path.parent().is_some_and(|p| p.ends_with("http/api")) {
            annotated += text
                .lines()
                .filter(|l| l.starts_with("#[utoipa::path("))
                .count();
            let mut forbidden = vec![
                ".route(",
                ".route_service(",
                ".nest(",
                ".nest_service(",
                ".fallback",
                "axum::routing",
            ];
            if name != "api/documented.rs" {
                // Only `documented.rs` (the `ApiRouter` and its `merge`) builds routers.
                forbidden.extend(["Router::new", ".merge(", "OpenApiRouter"]);
            }
            for f in forbidden {
                if names_call(&text, f) {
                    offences.push(format!("{name}: {f}"));
                }
            }
        } else {
            for call in [".route(", ".nest(", ".route_service(", ".nest_service("] {
                for part in text.split(call).skip(1) {
                    let target = part.trim_start().trim_start_matches('"');
                    if target.starts_with("/api") && !target.starts_with("/api/openapi.json\"") {
                        offences.push(format!(
                            "{name}: {call}\"{}",
                            &target[..target.len().min(40)]
                        ));
                    }
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "API routes must be added with ApiRouter::routes(routes!(handler)) in src/http/api, \
         the handler annotated with #[utoipa::path]:\n  {}",
        offences.join("\n  ")
    );
    let doc: Value = serde_json::to_value(parindex::http::api::openapi()).expect("JSON");
    assert_eq!(
        operations(&doc).len(),
        annotated,
        "every #[utoipa::path] handler is registered, once"
    );
}

/// Whether `text` holds `call` not as the end of a longer name (`ApiRouter::new` is not
/// `Router::new`).
fn names_call(text: &str, call: &str) -> bool {
    text.match_indices(call).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The answers of the API, with the demo data, fit the schemas the document gives them.
#[tokio::test]
async fn real_answers_fit_their_documented_schemas() {
    let app = spawn_app().await;
    parindex::demo::load(app.store(), &SystemClock)
        .await
        .expect("demo");
    let (_, doc) = app.get_json("/api/openapi.json").await;
    let request = app
        .browser
        .post(app.url("/api/session"))
        .json(&json!({ "username": "quantri", "password": parindex::demo::DEMO_PASSWORD }));
    let (status, me) = crate::helpers::json_of(app.browser.send(request).await).await;
    assert_eq!(status, 200, "{me}");
    let mut checked = 0;
    let mut check = |template: &str, method: &str, status: u16, body: &Value| {
        let schema = &doc["paths"][template][method]["responses"][status.to_string()]["content"]["application/json"]
            ["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} {status} is documented"
        );
        let mut errors = Vec::new();
        fits(&doc, schema, body, "", true, &mut errors);
        assert!(
            errors.is_empty(),
            "{method} {template} {status} does not fit its schema:\n  {}",
            errors.join("\n  ")
        );
        checked += 1;
    };
    check("/api/session", "post", 200, &me);
    let (status, body) = app.get_json("/api/me").await;
    check("/api/me", "get", status, &body);
    let (status, rounds) = app.get_json("/api/rounds").await;
    check("/api/rounds", "get", status, &rounds);
    let (status, directory) = app.get_json("/api/directory").await;
    check("/api/directory", "get", status, &directory);
    let (status, error) = app.get_json("/api/rounds/999/results").await;
    check("/api/rounds/{round}/results", "get", status, &error);
    for round in rounds.as_array().expect("rounds") {
        let round = round["id"].as_i64().expect("id");
        let (status, body) = app.get_json(&format!("/api/rounds/{round}/results")).await;
        check("/api/rounds/{round}/results", "get", status, &body);
        let unit = body["tiers"][0]["units"][0]["unit_id"]
            .as_i64()
            .expect("a unit");
        let base = format!("/api/rounds/{round}/units/{unit}");
        let (status, view) = app.get_json(&format!("{base}/self-assessment")).await;
        check(
            "/api/rounds/{round}/units/{unit}/self-assessment",
            "get",
            status,
            &view,
        );
        let (status, body) = app.get_json(&format!("{base}/evidence")).await;
        check(
            "/api/rounds/{round}/units/{unit}/evidence",
            "get",
            status,
            &body,
        );
        let (status, body) = app.get_json(&format!("{base}/explanations")).await;
        check(
            "/api/rounds/{round}/units/{unit}/explanations",
            "get",
            status,
            &body,
        );
        let leaf = view["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["entry"].is_object())
            .map(|n| n["code"].as_str().expect("code").to_string());
        if let Some(leaf) = leaf {
            let (status, body) = app.get_json(&format!("{base}/history/{leaf}")).await;
            check(
                "/api/rounds/{round}/units/{unit}/history/{leaf}",
                "get",
                status,
                &body,
            );
        }
    }
    assert!(checked >= 12, "{checked} answers checked");
}

/// Checks `value` against `schema` (the JSON Schema subset the document uses: `$ref`,
/// `allOf`, `oneOf`, `type`, `enum`, `properties`, `required`, `items`). When `strict`, an
/// object may carry only the properties its schema names (through `allOf` too, whose parts
/// are checked loosely): serde writes nothing else.
fn fits(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    strict: bool,
    errors: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a local schema");
        let target = &doc["components"]["schemas"][name];
        return fits(doc, target, value, at, strict, errors);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            fits(doc, part, value, at, false, errors);
        }
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let matching = one
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                fits(doc, s, value, at, strict, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!(
                "{at}: {value} fits {matching} of the oneOf schemas"
            ));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !ok {
            errors.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(items) = schema.get("items")
        && let Some(array) = value.as_array()
    {
        for (i, item) in array.iter().enumerate() {
            fits(doc, items, item, &format!("{at}/{i}"), true, errors);
        }
    }
    if let Some(object) = value.as_object()
        && (schema.get("properties").is_some() || schema.get("allOf").is_some())
    {
        let known = property_names(doc, schema);
        for key in object.keys() {
            if strict && !known.contains(key) {
                errors.push(format!("{at}/{key}: not in the schema"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, property) in properties {
                if let Some(v) = object.get(key) {
                    fits(doc, property, v, &format!("{at}/{key}"), true, errors);
                }
            }
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().expect("name");
            if !object.contains_key(key) {
                errors.push(format!("{at}/{key}: required, missing"));
            }
        }
    }
}

/// The properties `schema` names, through `$ref` and `allOf`.
fn property_names(doc: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a local schema");
        return property_names(doc, &doc["components"]["schemas"][name]);
    }
    let mut names: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        names.extend(property_names(doc, part));
    }
    names
}

#[tokio::test]
async fn an_internal_failure_is_a_500_with_a_reference_that_the_answer_and_the_log_share() {
    let app = spawn_app().await;
    let r =
        crate::helpers::small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    app.sign_in_as("quantri").await;
    // The database loses a table under the running server: not the user's doing.
    sqlx::query("drop table appraisal_entries")
        .execute(app.store().pool())
        .await
        .expect("drop");
    let response = app
        .browser
        .send(
            app.browser
                .get(app.url(&format!("/api/rounds/{}/results", r.round))),
        )
        .await;
    assert_eq!(response.status(), 500);
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_string();
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "internal");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.ends_with(&format!("Mã tham chiếu: {id}.")),
        "{message} / {id}"
    );
    assert!(
        !message.contains("submissions"),
        "no database detail: {message}"
    );
    // A page says the same, as a page.
    let page = app
        .browser
        .send(
            app.browser
                .get(app.url(&format!("/ky/{}/ket-qua", r.round))),
        )
        .await;
    assert_eq!(page.status(), 500);
    let html = page.text().await.expect("page");
    assert!(html.contains("Mã tham chiếu:"), "{html}");
}

#[tokio::test]
async fn the_icon_is_served_and_a_missing_asset_is_a_vietnamese_404() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let response = client.get(app.url(path)).send().await.expect("answer");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "image/svg+xml",
            "{path}"
        );
        assert!(response.text().await.expect("body").starts_with("<svg"));
    }
    let missing = client
        .get(app.url("/static/khong-co.css"))
        .send()
        .await
        .expect("answer");
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .expect("page")
            .contains("Không có tệp này")
    );
}
