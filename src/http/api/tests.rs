//! The generated document, checked whole.

use std::collections::BTreeSet;

use axum::response::IntoResponse;
use serde_json::Value;

use super::document::TAGS;
use super::*;
use axum::http::StatusCode;

use crate::http::error::HttpError;

fn doc() -> Value {
    serde_json::from_str(openapi_json()).expect("JSON")
}

/// Every (path, method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn the_document_is_openapi_3_1_with_the_app_version() {
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "parindex");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(operations(&doc).len() >= 40, "{}", operations(&doc).len());
}

#[test]
fn every_success_answer_says_what_it_sends() {
    for (path, method, op) in operations(&doc()) {
        let responses = op["responses"].as_object().expect("responses");
        let successes: Vec<_> = responses.keys().filter(|s| s.starts_with('2')).collect();
        assert_eq!(successes.len(), 1, "{method} {path}: one success status");
        let status = successes[0];
        let content = &responses[status]["content"];
        if status == "204" {
            assert!(content.is_null(), "{method} {path}: 204 has no body");
            continue;
        }
        let content = content.as_object().unwrap_or_else(|| {
            panic!("{method} {path}: {status} has no content");
        });
        assert!(!content.is_empty(), "{method} {path}");
        for (media_type, body) in content {
            assert!(
                body["schema"].is_object(),
                "{method} {path}: {status} {media_type} has no schema"
            );
        }
    }
}

#[test]
fn every_refusal_is_an_error_body() {
    for (path, method, op) in operations(&doc()) {
        let responses = op["responses"].as_object().expect("responses");
        let refusals: Vec<_> = responses.keys().filter(|s| !s.starts_with('2')).collect();
        assert!(
            !refusals.is_empty(),
            "{method} {path}: no refusal documented"
        );
        for status in refusals {
            assert_eq!(
                responses[status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} {status}"
            );
        }
    }
}

#[test]
fn every_request_body_has_a_schema() {
    for (path, method, op) in operations(&doc()) {
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        assert!(!content.is_empty(), "{method} {path}");
        for (media_type, body) in content {
            assert!(
                body["schema"].is_object(),
                "{method} {path}: {media_type} has no schema"
            );
            if media_type == "application/json" {
                assert!(
                    body["schema"]["$ref"].is_string(),
                    "{method} {path}: a JSON body is a named schema"
                );
            }
        }
    }
}

#[test]
fn every_reference_resolves_and_operation_ids_are_unique() {
    let doc = doc();
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().expect("ref");
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {target}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} is not in the document"
        );
    }
    let mut ids = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("operationId").to_string();
        assert!(
            ids.insert(id.clone()),
            "{method} {path}: operationId {id} twice"
        );
    }
}

#[test]
fn every_operation_has_one_declared_tag_and_path_parameters_described() {
    let doc = doc();
    let declared: BTreeSet<&str> = TAGS.iter().map(|(name, _)| *name).collect();
    for (path, method, op) in operations(&doc) {
        let tags = op["tags"].as_array().expect("tags");
        assert_eq!(tags.len(), 1, "{method} {path}: {tags:?}");
        assert!(declared.contains(tags[0].as_str().expect("tag")), "{path}");
        assert!(op["summary"].is_string(), "{method} {path}: no summary");
        let placeholders: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().expect("}"))
            .collect();
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let in_path: BTreeSet<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
        assert_eq!(placeholders, in_path, "{method} {path}");
        for p in &params {
            assert!(p["description"].is_string(), "{method} {path}: {p}");
        }
    }
}

#[test]
fn writes_need_the_csrf_token_and_reads_the_session() {
    for (path, method, op) in operations(&doc()) {
        let security = &op["security"];
        if path == "/api/session" && method == "post" {
            assert_eq!(security, &serde_json::json!([{}]), "sign-in is open");
        } else if method == "get" {
            assert!(
                security.is_null(),
                "{method} {path}: the document's default"
            );
        } else {
            assert_eq!(
                security,
                &serde_json::json!([{ "session": [], "csrf": [] }]),
                "{method} {path}"
            );
        }
    }
}

#[tokio::test]
async fn the_error_body_schema_is_what_a_refusal_writes() {
    let response = HttpError::new(StatusCode::CONFLICT, "conflict", "Đã có.").into_response();
    let bytes = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .expect("body");
    let written: Value = serde_json::from_slice(&bytes).expect("JSON");
    let documented = serde_json::to_value(ErrorBody {
        error: ErrorDetail {
            code: "conflict".into(),
            message: "Đã có.".into(),
            field: None,
        },
    })
    .expect("JSON");
    assert_eq!(written, documented);
}

#[test]
fn an_evidence_download_lists_every_accepted_type() {
    let doc = doc();
    let op = &doc["paths"]["/api/rounds/{round}/units/{unit}/evidence/files/{id}"]["get"];
    let documented: BTreeSet<&str> = op["responses"]["200"]["content"]
        .as_object()
        .expect("content")
        .keys()
        .map(String::as_str)
        .collect();
    let accepted: BTreeSet<&str> = crate::domain::evidence::FileKind::ALL
        .iter()
        .map(|k| k.media_type())
        .collect();
    assert_eq!(documented, accepted);
}

/// Every `maxLength`, `minLength` and `maxItems` anywhere in the document.
fn bounds(value: &Value, found: &mut Vec<(String, u64)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if ["maxLength", "minLength", "maxItems"].contains(&key.as_str()) {
                    found.push((key.clone(), inner.as_u64().expect("a whole number")));
                }
                bounds(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| bounds(item, found)),
        _ => {}
    }
}

/// utoipa takes only literals in `#[schema(max_length = …)]`: each must be one of the
/// limits the `validator` rules name ([`crate::domain::text::limit`]), or the shortest
/// password, so a limit changed in one place cannot silently differ in the other.
#[test]
fn the_documented_lengths_are_the_enforced_limits() {
    use crate::domain::text::limit;
    let lengths = [
        limit::CODE,
        limit::NAME,
        limit::REASON,
        limit::TEXT,
        limit::PASSWORD,
        limit::EMAIL,
    ];
    let mut found = Vec::new();
    bounds(&doc(), &mut found);
    assert!(found.len() >= 40, "{found:?}");
    for (key, n) in found {
        match key.as_str() {
            "maxLength" => assert!(lengths.contains(&n), "maxLength {n} is no limit"),
            "maxItems" => assert_eq!(n, limit::LEAVES, "maxItems"),
            _ => assert!(
                n == 1 || n == crate::service::auth::MIN_PASSWORD_CHARS as u64,
                "minLength {n}"
            ),
        }
    }
}
