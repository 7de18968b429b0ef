//! Predecessors (đơn vị tiền thân): a unit formed by merging others records them, from the
//! unit's page, the API and the directory import; unknown codes, the unit itself and
//! circles are refused; every change is audited.

use serde_json::json;

use crate::helpers::{
    Browser, TestApp, get_page, json_of, post_form, send_json, small_round, spawn_app,
};

/// The predecessors' codes of unit `id`, as the API gives them.
async fn predecessors(app: &TestApp, admin: &Browser, id: i64) -> Vec<String> {
    let (status, unit) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/units/{id}"))))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{unit}");
    let mut codes: Vec<String> = unit["predecessors"]
        .as_array()
        .expect("predecessors")
        .iter()
        .map(|u| u["code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();
    codes
}

/// Four wards of a tier «xa», beside the accounts of a small round.
async fn units(app: &TestApp) -> std::collections::HashMap<String, i64> {
    small_round(app.store(), &[("A", "UBND phường Cái Khế")], vec![]).await;
    app.store()
        .upsert_tier("xa", "Khối xã, phường", 0)
        .await
        .expect("tier");
    let mut ids = std::collections::HashMap::new();
    for (code, name) in [
        ("XA-AK", "UBND phường An Khánh"),
        ("XA-HL", "UBND phường Hưng Lợi"),
        ("XA-XK", "UBND phường Xuân Khánh"),
        ("XA-NK", "UBND phường Ninh Kiều"),
    ] {
        let id = app
            .store()
            .upsert_unit(code, name, "xa")
            .await
            .expect("unit");
        ids.insert(code.to_string(), id);
    }
    ids
}

#[tokio::test]
async fn a_merged_unit_records_its_predecessors_from_the_api_and_its_page() {
    let app = spawn_app().await;
    let ids = units(&app).await;
    let (admin, viewer) = (Browser::default(), Browser::default());
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let nk = ids["XA-NK"];
    let path = format!("/api/units/{nk}/predecessors");
    let body = json!({ "predecessors": ["xa-ak", "XA-HL", "XA-XK"] });
    let (status, answer) = send_json(&app, &admin, &csrf, "PUT", &path, body.clone()).await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(
        predecessors(&app, &admin, nk).await,
        ["XA-AK", "XA-HL", "XA-XK"]
    );
    // The old ward's page names what it became part of.
    let (_, unit) = json_of(
        admin
            .send(admin.get(app.url(&format!("/api/units/{}", ids["XA-AK"]))))
            .await,
    )
    .await;
    assert_eq!(unit["successors"][0]["code"], "XA-NK", "{unit}");

    // Refused: an unknown code, the unit itself, a circle; nothing changes.
    for (codes, words) in [
        (json!(["XA-ZZ"]), "Không có đơn vị mã «XA-ZZ»"),
        (json!(["XA-NK"]), "chính nó"),
    ] {
        let (status, answer) = send_json(
            &app,
            &admin,
            &csrf,
            "PUT",
            &path,
            json!({ "predecessors": codes }),
        )
        .await;
        assert_eq!(
            (status, answer["error"]["field"].as_str()),
            (422, Some("predecessors")),
            "{answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(words),
            "{answer}"
        );
    }
    let circle = format!("/api/units/{}/predecessors", ids["XA-AK"]);
    let (status, answer) = send_json(
        &app,
        &admin,
        &csrf,
        "PUT",
        &circle,
        json!({ "predecessors": ["XA-NK"] }),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("được hình thành từ"),
        "{answer}"
    );
    assert_eq!(
        predecessors(&app, &admin, nk).await,
        ["XA-AK", "XA-HL", "XA-XK"]
    );
    // Administrators only.
    let viewer_csrf = app.sign_in_with(&viewer, "lanhdao").await;
    let (status, _) = send_json(&app, &viewer, &viewer_csrf, "PUT", &path, body).await;
    assert_eq!(status, 403);

    // From the unit's page: the codes typed; a refusal keeps them beside the field.
    let page = format!("/quan-tri/don-vi/{nk}");
    let (status, html) = get_page(&app, &admin, &page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Hình thành từ:") && html.contains("UBND phường Hưng Lợi"),
        "{html}"
    );
    let action = format!("{page}/tien-than");
    let fields = [("csrf", csrf.as_str()), ("predecessors", "XA-AK, XA-QQ")];
    let (status, _, html) = post_form(&app, &admin, &action, &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"XA-AK, XA-QQ\""), "{html}");
    assert!(html.contains("id=\"loi-predecessors\""), "{html}");
    let fields = [("csrf", csrf.as_str()), ("predecessors", "XA-AK; XA-HL")];
    let (status, location, _) = post_form(&app, &admin, &action, &fields).await;
    assert_eq!(status, 303, "{location:?}");
    assert_eq!(predecessors(&app, &admin, nk).await, ["XA-AK", "XA-HL"]);

    let audit: Vec<(String, String)> = {
        use sqlx::Row;
        sqlx::query("select coalesce(old_value, ''), coalesce(new_value, '') from audit_log where action = 'unit.predecessors' order by id")
            .fetch_all(app.store().pool())
            .await
            .expect("audit")
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0].0, "không có");
    assert!(
        audit[1].1.contains("UBND phường Hưng Lợi (XA-HL)") && !audit[1].1.contains("XA-XK"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_directory_import_sets_predecessors_with_a_dry_run() {
    let app = spawn_app().await;
    let ids = units(&app).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    // A new ward formed from two old ones, listed with its predecessors in the same file.
    let rows = |rows: &[[&str; 4]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Đơn vị").expect("name");
        let headings = ["Mã đơn vị", "Tên đơn vị", "Mã khối", "Đơn vị tiền thân"];
        for (c, h) in headings.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("heading");
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet
                    .write_string(1 + r as u32, c as u16, *v)
                    .expect("cell");
            }
        }
        book.save_to_buffer().expect("xlsx")
    };
    let workbook =
        |predecessors: &str| rows(&[["XA-TA", "UBND phường Tân An", "xa", predecessors]]);
    let import = |bytes: Vec<u8>, dry_run: bool| {
        let request = admin
            .post(app.url(&format!("/api/directory/import?dry_run={dry_run}")))
            .header("x-csrf-token", &csrf)
            .body(bytes);
        async { json_of(admin.send(request).await).await }
    };
    let (status, report) = import(workbook("XA-AK, XA-QQ"), true).await;
    assert_eq!(status, 422, "{report}");
    let message = report["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("cột D") && message.contains("«XA-QQ»"),
        "{message}"
    );

    let (status, report) = import(workbook("xa-ak, XA-HL"), true).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.to_string().contains("Đơn vị tiền thân"), "{report}");
    assert!(
        app.store().unit_by_code("XA-TA").await.is_err(),
        "a dry run wrote"
    );
    let (status, report) = import(workbook("xa-ak, XA-HL"), false).await;
    assert_eq!(status, 200, "{report}");
    let new = app.store().unit_by_code("XA-TA").await.expect("created").id;
    assert_eq!(predecessors(&app, &admin, new).await, ["XA-AK", "XA-HL"]);
    // A circle through the file (XA-AK from XA-TA, itself from XA-AK) is refused.
    let circle = rows(&[["XA-AK", "UBND phường An Khánh", "xa", "XA-TA"]]);
    let (status, report) = import(circle, true).await;
    assert_eq!(status, 422, "{report}");
    let message = report["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("dòng 2") && message.contains("chính nó"),
        "{message}"
    );
    assert!(ids.contains_key("XA-AK"));
    // The template lists them, so the file comes back as it went.
    let template = admin
        .send(admin.get(app.url("/api/directory/template.xlsx")))
        .await;
    assert_eq!(template.status(), 200);
    let bytes = template.bytes().await.expect("body").to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("Đơn vị").expect("sheet");
    let row = range
        .rows()
        .find(|r| r[0] == "XA-TA")
        .expect("the new ward");
    assert_eq!(row[3].to_string(), "XA-AK, XA-HL");
}
