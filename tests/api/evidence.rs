//! Evidence (tài liệu kiểm chứng) through the API against the real server: files stored
//! once under their content hash and downloaded under their Vietnamese name, citations,
//! and every refusal — wrong type, empty, too large, another unit, after the deadline.

use std::path::Path;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, audit_count, json_of, small_round, spawn_app, t, upload};

/// A one-page PDF, well formed (cross-reference offsets included).
const PDF: &[u8] = b"%PDF-1.4\n\
1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n\
xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n\
trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n";

/// A 1×1 transparent PNG, with valid checksums.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

const KE_HOACH: &str = "Kế hoạch CCHC 2023.pdf";

/// A round with units A and B open for self-assessment (01/12/2023 – 07/01/2024).
async fn open_round() -> (TestApp, i64, i64, i64) {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app.clock.set(t("20/12/2023"));
    (app, r.round, r.units[0], r.units[1])
}

async fn cite(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    base: &str,
    body: Value,
) -> (u16, Value) {
    let request = browser
        .post(app.url(&format!("{base}/evidence/citations")))
        .header("x-csrf-token", csrf)
        .json(&body);
    json_of(browser.send(request).await).await
}

async fn evidence_of(app: &TestApp, browser: &Browser, base: &str) -> (u16, Value) {
    json_of(
        browser
            .send(browser.get(app.url(&format!("{base}/evidence"))))
            .await,
    )
    .await
}

/// The objects in the file store's folder.
fn stored_objects(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&app.files_dir.path().join("evidence"), &mut found);
    found
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn evidence_one_pdf_supports_two_leaves_and_downloads_under_its_vietnamese_name() {
    let (app, round, a, b) = open_round().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");

    let (status, file) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.2", "1.1"],
    )
    .await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["original_name"], KE_HOACH);
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["size_bytes"], PDF.len());
    assert_eq!(file["leaves"], json!(["1.1", "1.2"]), "in the set's order");

    // Stored under its hash, not its name.
    let hash = file["content_hash"].as_str().expect("hash");
    let objects = stored_objects(&app);
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].ends_with(format!("sha256/{}/{hash}", &hash[..2])));
    assert_eq!(std::fs::read(&objects[0]).expect("object"), PDF);

    // Listed with the leaves it supports, and audited once per leaf.
    let (status, list) = evidence_of(&app, &officer, &base).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["files"][0]["leaves"], json!(["1.1", "1.2"]));
    let audit = app
        .store()
        .audit_log(&Default::default())
        .await
        .expect("audit");
    let added: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "evidence.file.add")
        .map(|e| e.leaf_code.clone().unwrap_or_default())
        .collect();
    assert_eq!(added.len(), 2, "{audit:#?}");
    assert!(added.contains(&"1.1".to_string()) && added.contains(&"1.2".to_string()));

    // A viewer downloads it: the same bytes, under the original name.
    let viewer = Browser::default();
    app.sign_in_with(&viewer, "lanhdao").await;
    let id = file["id"].as_i64().expect("id");
    let response = viewer
        .send(viewer.get(app.url(&format!("{base}/evidence/files/{id}"))))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"Ke hoach CCHC 2023.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20CCHC%202023.pdf"
    );
    assert_eq!(response.bytes().await.expect("body").as_ref(), PDF);

    // Another unit's file is not found through this unit's address.
    let (status, _) = json_of(
        viewer
            .send(viewer.get(app.url(&format!(
                "/api/rounds/{round}/units/{b}/evidence/files/{id}"
            ))))
            .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn evidence_the_same_file_uploaded_twice_is_stored_once() {
    let (app, round, a, _) = open_round().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");

    let (status, first) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        "Bản sao kế hoạch.pdf",
        PDF.to_vec(),
        &["2.1"],
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let (status, image) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        "Ảnh chụp bảng niêm yết.PNG",
        PNG.to_vec(),
        &["2.1"],
    )
    .await;
    assert_eq!(status, 201, "{image}");
    assert_eq!(image["media_type"], "image/png");

    assert_eq!(first["content_hash"], second["content_hash"]);
    assert_ne!(first["id"], second["id"]);
    assert_eq!(stored_objects(&app).len(), 2, "one PDF and one PNG");
    let (_, list) = evidence_of(&app, &officer, &base).await;
    let names: Vec<&str> = list["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["original_name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            KE_HOACH,
            "Bản sao kế hoạch.pdf",
            "Ảnh chụp bảng niêm yết.PNG"
        ]
    );
}

#[tokio::test]
async fn evidence_wrong_empty_oversized_and_disguised_files_are_refused_and_nothing_is_kept() {
    let (app, round, a, _) = open_round().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    let audit_before = audit_count(&app).await;

    // One byte over the default limit of 20 MB.
    let mut big = PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let (status, body) = upload(&app, &officer, &csrf, &base, "Báo cáo.pdf", big, &["1.1"]).await;
    assert!(status == 413 || status == 422, "{status} {body}");
    assert_eq!(error_code(&body), "file_too_large");
    assert!(error_message(&body).contains("20 MB"), "{body}");

    let (status, body) = upload(&app, &officer, &csrf, &base, "Rỗng.pdf", vec![], &["1.1"]).await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_input"),
        "{body}"
    );
    assert!(error_message(&body).contains("rỗng"), "{body}");

    let allowed = "PDF, Word (.doc, .docx), Excel (.xls, .xlsx) và ảnh PNG, JPEG";
    let (status, body) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        "Kế hoạch.pdf",
        "Đây chỉ là một tệp văn bản.".as_bytes().to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_input"),
        "{body}"
    );
    assert!(error_message(&body).contains(allowed), "{body}");

    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    let (status, body) = upload(&app, &officer, &csrf, &base, "setup.pdf", exe, &["1.1"]).await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_input"),
        "{body}"
    );

    let (status, body) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        "Ảnh.pdf",
        PNG.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_input"),
        "{body}"
    );
    assert!(error_message(&body).contains("ảnh PNG"), "{body}");
    assert!(error_message(&body).contains(".png"), "{body}");

    // Leaves must be the unit's own, scored by the unit, and at least one.
    for leaves in [&["3.1"][..], &["9.9"], &["1"], &[]] {
        let (status, body) =
            upload(&app, &officer, &csrf, &base, KE_HOACH, PDF.to_vec(), leaves).await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "invalid_input"),
            "{leaves:?}: {body}"
        );
    }

    let (_, list) = evidence_of(&app, &officer, &base).await;
    assert_eq!(list, json!({ "files": [], "citations": [] }));
    assert!(stored_objects(&app).is_empty());
    assert_eq!(audit_count(&app).await, audit_before);
}

#[tokio::test]
async fn evidence_only_the_units_own_people_add_it_and_only_with_the_csrf_token() {
    let (app, round, a, _) = open_round().await;
    let base = format!("/api/rounds/{round}/units/{a}");
    let citation = json!({
        "document_number": "12/KH-UBND",
        "issued_on": "20/12/2022",
        "summary": "Kế hoạch cải cách hành chính năm 2023",
        "leaves": ["1.1"]
    });

    let other = Browser::default();
    let other_csrf = app.sign_in_with(&other, "b.canbo").await;
    let (status, body) = upload(
        &app,
        &other,
        &other_csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"), "{body}");
    let (status, body) = cite(&app, &other, &other_csrf, &base, citation.clone()).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"), "{body}");
    let (status, _) = evidence_of(&app, &other, &base).await;
    assert_eq!(
        status, 403,
        "another unit's officer does not read it either"
    );

    let admin = Browser::default();
    let admin_csrf = app.sign_in_with(&admin, "quantri").await;
    let (status, _) = upload(
        &app,
        &admin,
        &admin_csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(
        status, 403,
        "the administrator does not write a unit's evidence"
    );

    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let (status, body) = upload(
        &app,
        &officer,
        "sai-ma",
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!((status, error_code(&body)), (403, "csrf"), "{body}");

    // An appraiser reads it only once the unit has submitted or the deadline has passed.
    let appraiser = Browser::default();
    app.sign_in_with(&appraiser, "thamdinh").await;
    assert_eq!(evidence_of(&app, &appraiser, &base).await.0, 403);
    assert!(stored_objects(&app).is_empty());
}

#[tokio::test]
async fn evidence_an_upload_after_the_deadline_is_refused_and_nothing_is_stored() {
    let (app, round, a, _) = open_round().await;
    let base = format!("/api/rounds/{round}/units/{a}");
    // Sessions last 12 hours: sign in after the jump in time.
    app.clock.set(t("08/01/2024 00:00"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let audit_before = audit_count(&app).await;

    let (status, body) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, "deadline_closed"),
        "{body}"
    );
    let (status, body) = cite(
        &app,
        &officer,
        &csrf,
        &base,
        json!({
            "document_number": "12/KH-UBND",
            "issued_on": "20/12/2022",
            "summary": "Kế hoạch cải cách hành chính năm 2023",
            "leaves": ["1.1"]
        }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, "deadline_closed"),
        "{body}"
    );

    let (status, list) = evidence_of(&app, &officer, &base).await;
    assert_eq!(status, 200);
    assert_eq!(list, json!({ "files": [], "citations": [] }));
    assert!(stored_objects(&app).is_empty());
    assert_eq!(audit_count(&app).await, audit_before);
}

#[tokio::test]
async fn evidence_citations_name_the_document_and_need_a_real_date() {
    let (app, round, a, _) = open_round().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");

    let (status, citation) = cite(
        &app,
        &officer,
        &csrf,
        &base,
        json!({
            "document_number": "12/KH-UBND",
            "issued_on": "20/12/2022",
            "summary": "Kế hoạch cải cách hành chính năm 2023",
            "pages": "3-5",
            "leaves": ["1.1", "1.2"]
        }),
    )
    .await;
    assert_eq!(status, 201, "{citation}");
    assert_eq!(citation["issued_on"], "20/12/2022");
    assert_eq!(citation["leaves"], json!(["1.1", "1.2"]));

    for date in ["2022-12-20", "31/02/2023", "20/12/22", "hôm qua"] {
        let (status, body) = cite(
            &app,
            &officer,
            &csrf,
            &base,
            json!({
                "document_number": "13/KH-UBND",
                "issued_on": date,
                "summary": "Kế hoạch",
                "leaves": ["1.1"]
            }),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "invalid_input"),
            "{date}: {body}"
        );
        assert!(error_message(&body).contains("dd/mm/yyyy"), "{body}");
    }

    let (_, list) = evidence_of(&app, &officer, &base).await;
    let citations = list["citations"].as_array().expect("citations");
    assert_eq!(citations.len(), 1);
    assert_eq!(citations[0]["document_number"], "12/KH-UBND");
    assert_eq!(citations[0]["pages"], "3-5");
    assert_eq!(citations[0]["leaves"], json!(["1.1", "1.2"]));
}

/// Posts a supplementary file with the explanation of `leaf`.
async fn supplement(
    app: &TestApp,
    browser: &Browser,
    csrf: &str,
    base: &str,
    leaf: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("Báo cáo bổ sung.pdf"));
    let request = browser
        .post(app.url(&format!("{base}/explanations/{leaf}/files")))
        .header("x-csrf-token", csrf)
        .multipart(form);
    json_of(browser.send(request).await).await
}

#[tokio::test]
async fn a_supplementary_file_comes_with_an_explanation_only_for_a_leaf_asked_about_in_its_window()
{
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, a) = (r.round, r.units[0]);
    let base = format!("/api/rounds/{round}/units/{a}");
    let pdf = b"%PDF-1.4\n% bo sung\n%%EOF\n".to_vec();

    // Round 1 asks about 2.1.
    app.clock.set(t("10/01/2024"));
    let appraiser = Browser::default();
    let csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let (status, body) = crate::helpers::send_json(
        &app,
        &appraiser,
        &csrf,
        "PUT",
        &format!("{base}/appraisal/1/2.1"),
        json!({ "points": "0", "comment": "Thiếu minh chứng", "explanation_requested": true }),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // Before the explanation window: refused, nothing stored.
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let before = audit_count(&app).await;
    let (status, _) = supplement(&app, &officer, &csrf, &base, "2.1", pdf.clone()).await;
    assert_eq!(status, 403, "not yet the explanation window");

    app.clock.set(t("05/02/2024"));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let (status, _) = supplement(&app, &officer, &csrf, &base, "1.1", pdf.clone()).await;
    assert_eq!(status, 422, "a leaf nobody asked about");
    let (status, _) = supplement(
        &app,
        &officer,
        &csrf,
        &base,
        "2.1",
        b"MZ not a document".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "a type not accepted");
    assert_eq!(audit_count(&app).await, before, "refusals store nothing");

    let (status, stored) = supplement(&app, &officer, &csrf, &base, "2.1", pdf.clone()).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["leaves"], json!(["2.1"]));
    assert_eq!(stored["original_name"], "Báo cáo bổ sung.pdf");
    // The appraiser sees it with the leaf, and the self-assessment upload stays closed.
    let (_, list) = json_of(
        officer
            .send(officer.get(app.url(&format!("{base}/evidence"))))
            .await,
    )
    .await;
    assert_eq!(list["files"][0]["id"], stored["id"]);
    let (status, _) = upload(&app, &officer, &csrf, &base, "x.pdf", pdf.clone(), &["2.1"]).await;
    assert_eq!(status, 403, "the self-assessment is closed");

    // Only the unit's own people.
    let other = Browser::default();
    let other_csrf = app.sign_in_with(&other, "thamdinh").await;
    let (status, _) = supplement(&app, &other, &other_csrf, &base, "2.1", pdf).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn evidence_is_taken_off_a_leaf_removed_or_replaced_only_while_the_unit_may_write() {
    let (app, round, a, _) = open_round().await;
    let base = format!("/api/rounds/{round}/units/{a}");
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let (status, file) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1", "1.2"],
    )
    .await;
    assert_eq!(status, 201, "{file}");
    let id = file["id"].as_i64().expect("id");
    let (status, cited) = cite(&app, &officer, &csrf, &base, json!({ "document_number": "12/KH-UBND", "issued_on": "20/12/2022", "summary": "Kế hoạch CCHC năm 2023", "pages": "", "leaves": ["1.1"] })).await;
    assert_eq!(status, 201, "{cited}");
    let delete = |path: String| {
        let (officer, csrf, app) = (&officer, &csrf, &app);
        async move {
            let request = officer
                .delete(app.url(&path))
                .header("x-csrf-token", csrf.as_str());
            json_of(officer.send(request).await).await
        }
    };
    let list = || async {
        json_of(
            officer
                .send(officer.get(app.url(&format!("{base}/evidence"))))
                .await,
        )
        .await
        .1
    };

    // Off 1.2 only: still on 1.1, audited with the leaf.
    let before = audit_count(&app).await;
    let (status, body) = delete(format!("{base}/evidence/files/{id}?leaf=1.2")).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(list().await["files"][0]["leaves"], json!(["1.1"]));
    assert_eq!(audit_count(&app).await, before + 1);
    let (status, _) = delete(format!("{base}/evidence/files/{id}?leaf=1.2")).await;
    assert_eq!(status, 404, "not on 1.2 any more");

    // Replaced: the new file on the same leaves, the old one gone.
    let form = Form::new().part("file", Part::bytes(PNG.to_vec()).file_name("Ảnh chụp.png"));
    let request = officer
        .post(app.url(&format!("{base}/evidence/files/{id}/replace")))
        .header("x-csrf-token", &csrf)
        .multipart(form);
    let (status, new) = json_of(officer.send(request).await).await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["leaves"], json!(["1.1"]));
    let files = list().await["files"].clone();
    assert_eq!(files.as_array().map(Vec::len), Some(1));
    assert_eq!(files[0]["original_name"], "Ảnh chụp.png");

    // The citation removed from its only leaf is gone.
    let (status, _) = delete(format!("{base}/evidence/citations/{}", cited["id"])).await;
    assert_eq!(status, 204);
    assert_eq!(list().await["citations"], json!([]));

    // Another unit's officer cannot; after the deadline nobody can.
    let other = Browser::default();
    let other_csrf = app.sign_in_with(&other, "b.canbo").await;
    let request = other
        .delete(app.url(&format!("{base}/evidence/files/{}", new["id"])))
        .header("x-csrf-token", &other_csrf);
    assert_eq!(other.send(request).await.status().as_u16(), 403);
    app.clock.set(t("08/01/2024 08:00"));
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let request = officer
        .delete(app.url(&format!("{base}/evidence/files/{}", new["id"])))
        .header("x-csrf-token", &csrf);
    assert_eq!(officer.send(request).await.status().as_u16(), 403, "locked");
    assert_eq!(list().await["files"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_file_already_uploaded_is_used_for_another_leaf_without_sending_it_again() {
    let (app, round, a, b) = open_round().await;
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    let (status, file) = upload(
        &app,
        &officer,
        &csrf,
        &base,
        KE_HOACH,
        PDF.to_vec(),
        &["1.1"],
    )
    .await;
    assert_eq!(status, 201, "{file}");
    let id = file["id"].as_i64().expect("id");

    // The page offers it on another leaf, not on its own.
    let page = officer
        .send(officer.get(app.url(&format!("/ky/{round}/don-vi/{a}/tu-cham-diem"))))
        .await
        .text()
        .await
        .expect("page");
    let leaf = |code: &str| {
        let start = page.find(&format!("id=\"tc-{code}\"")).expect("leaf");
        let rest = &page[start..];
        rest[..rest[1..].find("<article").map_or(rest.len(), |e| e + 1)].to_string()
    };
    // (Every leaf has the form, hidden while it has nothing to offer.)
    assert!(
        leaf("1.1").contains("class=\"reuse\" hidden"),
        "not on its own leaf"
    );
    assert!(!leaf("1.2").contains("class=\"reuse\" hidden"));
    assert!(leaf("1.2").contains(&format!("<option value=\"{id}\">")));

    let reuse = |leaf: &'static str, id: i64, browser: &Browser, csrf: &str| {
        let request = browser
            .post(app.url(&format!("{base}/evidence/files/{id}/leaves")))
            .header("x-csrf-token", csrf)
            .json(&json!({ "leaf": leaf }));
        let browser = browser.clone();
        async move { json_of(browser.send(request).await).await }
    };
    let before = audit_count(&app).await;
    let (status, body) = reuse("1.2", id, &officer, &csrf).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(audit_count(&app).await, before + 1, "audited on the leaf");
    // A retry changes nothing and is not an error.
    let (status, _) = reuse("1.2", id, &officer, &csrf).await;
    assert_eq!(status, 204);
    assert_eq!(audit_count(&app).await, before + 1);
    let (_, list) = evidence_of(&app, &officer, &base).await;
    assert_eq!(list["files"][0]["leaves"], json!(["1.1", "1.2"]));
    assert_eq!(
        list["files"].as_array().map(Vec::len),
        Some(1),
        "one file, not a copy"
    );

    // From the page, without JavaScript: back on the leaf.
    let form = [
        ("csrf", csrf.as_str()),
        ("leaf", "1.3"),
        ("file_id", &id.to_string()),
    ];
    let response = officer
        .send(
            officer
                .post(app.url(&format!("/ky/{round}/don-vi/{a}/tai-lieu/dung-lai")))
                .form(&form),
        )
        .await;
    assert!(response.status().is_redirection() || response.status().is_success());
    let (_, list) = evidence_of(&app, &officer, &base).await;
    assert_eq!(list["files"][0]["leaves"], json!(["1.1", "1.2", "1.3"]));

    // Refused: no such leaf, no such file, another unit's officer.
    let (status, body) = reuse("9.9", id, &officer, &csrf).await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = reuse("1.2", id + 100, &officer, &csrf).await;
    assert_eq!(status, 404);
    let other = Browser::default();
    let other_csrf = app.sign_in_with(&other, "b.canbo").await;
    let request = other
        .post(app.url(&format!(
            "/api/rounds/{round}/units/{b}/evidence/files/{id}/leaves"
        )))
        .header("x-csrf-token", &other_csrf)
        .json(&json!({ "leaf": "1.2" }));
    let (status, _) = json_of(other.send(request).await).await;
    assert_eq!(status, 404, "a file of unit A is not unit B's");
}
