//! The ranking workbook read back with calamine and compared with a fixture written by
//! hand: sheet names, values and their types, rank order, print set-up.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::helpers::{Browser, small_round, spawn_app, t};

fn cell(v: &Data) -> String {
    match v {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        Data::String(s) => format!("«{s}»"),
        Data::Empty => "∅".into(),
        other => format!("?{other:?}"),
    }
}

#[tokio::test]
async fn the_ranking_workbook_matches_the_published_table() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[
            ("A", "UBND phường An Khánh"),
            ("B", "UBND xã Bình Hòa"),
            ("C", "UBND xã Ân Hòa"),
        ],
        vec![],
    )
    .await;
    let (round, a, b, c) = (r.round, r.units[0], r.units[1], r.units[2]);
    // Survey scores only: A 2,5 → 25%; B and C 1,5 → 15% each, a shared rank.
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    for (unit, points) in [(a, "2.5"), (b, "1.5"), (c, "1.5")] {
        let request = reqwest::Client::new()
            .put(app.url(&format!("/api/rounds/{round}/units/{unit}/survey/3.1")))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({ "points": points }));
        assert_eq!(admin.send(request).await.status(), 204);
    }

    // Before publication: an officer may not download it; the administrator may.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let url = app.url(&format!("/api/rounds/{round}/export/ranking.xlsx"));
    assert_eq!(officer.send(officer.get(url.clone())).await.status(), 403);
    let response = admin.send(admin.get(url)).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(
        disposition,
        "attachment; filename=\"Xep hang Chi so CCHC nam 2023.xlsx\"; filename*=UTF-8''X%E1%BA%BFp%20h%E1%BA%A1ng%20Ch%E1%BB%89%20s%E1%BB%91%20CCHC%20n%C4%83m%202023.xlsx"
    );
    let bytes = response.bytes().await.expect("body").to_vec();

    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    assert_eq!(workbook.sheet_names(), ["Tổng hợp", "Khối kiểm thử"]);
    let sheet = workbook
        .worksheet_range("Khối kiểm thử")
        .expect("tier sheet");
    let rows: Vec<String> = sheet
        .rows()
        .map(|row| row.iter().map(cell).collect::<Vec<_>>().join(" | "))
        .collect();
    assert_eq!(rows[0].split(" | ").next(), Some("«SỞ NỘI VỤ»"));
    assert_eq!(
        rows[1].split(" | ").next(),
        Some("«KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 CỦA CÁC KIỂM THỬ»")
    );
    assert_eq!(
        rows[3],
        "«STT» | «Tên cơ quan, đơn vị» | «Điểm tự đánh giá» | «Điểm thẩm định» | «Điểm điều tra XHH» | «Điểm thưởng» | «Điểm trừ» | «Tổng điểm» | «Chỉ số CCHC (%)» | «Xếp hạng» | «Xếp loại» | «Chỉ số thành phần LV1 (%)» | «Chỉ số thành phần LV2 (%)» | «Chỉ số thành phần LV3 (%)»"
    );
    // Numbers are numbers; equal ranks in Vietnamese name order (Ân before Bình); no band
    // is configured, so the classification cell is empty.
    assert_eq!(
        &rows[4..7],
        [
            "1 | «UBND phường An Khánh» | 0 | 0 | 2.5 | 0 | 0 | 2.5 | 25 | 1 | ∅ | 0 | 0 | 83.33",
            "2 | «UBND xã Ân Hòa» | 0 | 0 | 1.5 | 0 | 0 | 1.5 | 15 | 2 | ∅ | 0 | 0 | 50",
            "3 | «UBND xã Bình Hòa» | 0 | 0 | 1.5 | 0 | 0 | 1.5 | 15 | 2 | ∅ | 0 | 0 | 50",
        ]
    );
    let summary = workbook.worksheet_range("Tổng hợp").expect("summary");
    let line: Vec<String> = summary
        .rows()
        .nth(4)
        .expect("tier line")
        .iter()
        .map(cell)
        .collect();
    assert_eq!(line, ["«Khối kiểm thử»", "3", "25", "15", "18.33"]);

    // Print set-up, read from the sheet's XML: frozen panes below the header, landscape A4,
    // repeated header rows, autofilter, Times New Roman.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet2.xml")
        .expect("sheet xml")
        .read_to_string(&mut xml)
        .expect("read");
    assert!(
        xml.contains(r#"<pane xSplit="2" ySplit="4" topLeftCell="C5""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"orientation="landscape""#) && xml.contains(r#"paperSize="9""#),
        "{xml}"
    );
    assert!(xml.contains("<autoFilter ref=\"A4:N7\""), "{xml}");
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .expect("styles")
        .read_to_string(&mut styles)
        .expect("read");
    assert!(styles.contains("Times New Roman"));
    let mut book = String::new();
    zip.by_name("xl/workbook.xml")
        .expect("workbook")
        .read_to_string(&mut book)
        .expect("read");
    assert!(book.contains("_xlnm.Print_Titles"), "repeated header rows");
}
