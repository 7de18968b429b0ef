//! The criteria sets page: every stored version, two versions compared, and a set imported
//! from its workbook with a dry run that says what would happen and what differs.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use parindex::excel::criteria_workbook::{EXTRAS, INFO, NODES};

use crate::helpers::{Browser, TestApp, small_round, spawn_app};

/// Copies a criteria workbook cell by cell, letting `edit` change a cell's text given the
/// sheet, the first cell of its row and its column; as a person edits in Excel.
fn rewritten(bytes: &[u8], edit: impl Fn(&str, &str, usize, &str) -> String) -> Vec<u8> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for name in [INFO, NODES, EXTRAS] {
        let range = book.worksheet_range(name).expect("sheet");
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).expect("name");
        for (r, row) in range.rows().enumerate() {
            let first = match row.first() {
                Some(Data::String(s)) => s.clone(),
                _ => String::new(),
            };
            for (c, v) in row.iter().enumerate() {
                let text = match v {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    _ => String::new(),
                };
                let text = edit(name, &first, c, &text);
                if !text.is_empty() {
                    sheet.write_string(r as u32, c as u16, text).expect("write");
                }
            }
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

async fn upload(
    app: &TestApp,
    admin: &Browser,
    csrf: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("Bộ chỉ số 2024.xlsx"),
        );
    if dry_run {
        form = form.text("dry_run", "on");
    }
    let response = admin
        .send(
            admin
                .post(app.url("/quan-tri/bo-tieu-chi/nhap"))
                .multipart(form),
        )
        .await;
    (
        response.status().as_u16(),
        response.text().await.expect("page").replace("&#x2f;", "/"),
    )
}

#[tokio::test]
async fn the_criteria_page_imports_a_new_version_and_compares_it() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let page = |path: String| {
        let admin = admin.clone();
        let url = app.url(&path);
        async move {
            let response = admin.send(admin.get(url)).await;
            (
                response.status().as_u16(),
                response.text().await.expect("page").replace("&#x2f;", "/"),
            )
        }
    };
    let (status, html) = page("/quan-tri/bo-tieu-chi".into()).await;
    assert_eq!(status, 200);
    assert!(html.contains("Các phiên bản đã lưu (1)"), "{html}");
    assert!(
        html.contains("Đã công bố 01/12/2023"),
        "pinned by the round: {html}"
    );

    let exported = admin
        .send(admin.get(app.url(&format!("/api/criteria-sets/{}/export.xlsx", r.set_id))))
        .await
        .bytes()
        .await
        .expect("body")
        .to_vec();
    let edit_to = |version: &'static str| {
        rewritten(&exported, move |sheet, first, col, text| {
            match (sheet, first, col) {
                (INFO, "Phiên bản", 1) => version.into(),
                (NODES, "1.1", 1) => "Ban hành kế hoạch CCHC năm trước ngày 15/12".into(),
                _ => text.into(),
            }
        })
    };
    let sets = || async { app.store().criteria_sets().await.expect("sets").len() };

    // A dry run: a new version would be made; it differs from version 1 in one leaf.
    let (status, html) = upload(&app, &admin, &csrf, edit_to("2"), true).await;
    assert_eq!(status, 200, "{html}");
    for expected in [
        "Kiểm tra trước (chưa ghi dữ liệu): KIEM-THU phiên bản 2",
        "Sẽ tạo phiên bản mới.",
        "So với KIEM-THU 1",
        "Thêm 0, bỏ 0, thay đổi 1 tiêu chí thành phần.",
        "Ban hành kế hoạch CCHC năm trước ngày 15/12",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert_eq!(sets().await, 1, "a dry run writes nothing");

    // The real import stores version 2 as a draft.
    let (status, html) = upload(&app, &admin, &csrf, edit_to("2"), false).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Đã tạo phiên bản mới."), "{html}");
    assert_eq!(sets().await, 2);
    let v2 = app
        .store()
        .criteria_set_by_version("KIEM-THU", "2")
        .await
        .expect("stored");
    assert!(v2.published_at.is_none());

    // Version 1 is published: other content under it is refused, even on a dry run, as a
    // conflict (409) like over the API.
    let original_hash = app
        .store()
        .criteria_set(r.set_id)
        .await
        .expect("v1")
        .content_hash;
    for dry_run in [true, false] {
        let (status, html) = upload(&app, &admin, &csrf, edit_to("1"), dry_run).await;
        assert_eq!(status, 409, "{html}");
        assert!(
            html.contains(
                "Bộ tiêu chí KIEM-THU phiên bản 1 đã công bố ngày 01/12/2023 nên không thể thay đổi; hãy tạo phiên bản mới."
            ),
            "{html}"
        );
    }
    assert_eq!(
        app.store()
            .criteria_set(r.set_id)
            .await
            .expect("v1")
            .content_hash,
        original_hash
    );

    // Two versions compared on the page.
    let (status, html) = page(format!(
        "/quan-tri/bo-tieu-chi?cu={}&moi={}",
        r.set_id, v2.id
    ))
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("KIEM-THU 2 so với KIEM-THU 1"), "{html}");
    assert!(html.contains("<td>1.1</td>"), "{html}");
    assert!(html.contains("nội dung"), "{html}");

    // A broken file lists its problems by sheet, row and column.
    let broken = rewritten(&exported, |sheet, first, col, text| {
        match (sheet, first, col) {
            (NODES, "1.2", 2) => "2".into(),
            _ => text.into(),
        }
    });
    let (status, html) = upload(&app, &admin, &csrf, broken, true).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("Trang «Tiêu chí», dòng 2 (mục 1), trường «max»"),
        "{html}"
    );

    // A number that is not one is named by its cell, never by a line of a file no one
    // has seen.
    let broken = rewritten(&exported, |sheet, first, col, text| {
        match (sheet, first, col) {
            (NODES, "1.2", 2) => "một rưỡi".into(),
            _ => text.into(),
        }
    });
    let (status, html) = upload(&app, &admin, &csrf, broken, true).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains(
            "Trang «Tiêu chí», dòng 4, cột C: «một rưỡi» không phải là số; nhập một số, ví dụ 1,5."
        ),
        "{html}"
    );
    assert!(
        !html.contains("dòng 4)") && !html.contains("(dòng"),
        "{html}"
    );

    // A refusal on the bonus and penalty sheet refuses the file; the set is never
    // imported without its bonus items.
    let broken = rewritten(&exported, |sheet, first, col, text| {
        if sheet == EXTRAS && first.to_lowercase() == "thưởng" && col == 2 {
            format!("{text}\u{7}")
        } else {
            text.into()
        }
    });
    let (status, html) = upload(&app, &admin, &csrf, broken, true).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("Trang «Thưởng, trừ», dòng 2, cột C: có ký tự điều khiển"),
        "{html}"
    );

    // The template is the shipped sample set; it imports as a new set, 70 leaves.
    let response = admin
        .send(admin.get(app.url("/api/criteria-sets/template.xlsx")))
        .await;
    assert_eq!(response.status(), 200);
    let template = response.bytes().await.expect("body").to_vec();
    let (status, html) = upload(&app, &admin, &csrf, template, true).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("CCHC-SO phiên bản 2023") && html.contains("70 tiêu chí thành phần"),
        "{html}"
    );
    assert!(html.contains("Sẽ tạo phiên bản mới."), "{html}");

    // Only administrators see the page and the template.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    for path in ["/quan-tri/bo-tieu-chi", "/api/criteria-sets/template.xlsx"] {
        let response = officer.send(officer.get(app.url(path))).await;
        assert_eq!(response.status(), 403, "{path}");
    }
}
