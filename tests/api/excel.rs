//! The ranking workbook read back with calamine and compared with a fixture written by
//! hand: sheet names, values and their types, rank order, print set-up.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::helpers::{Browser, json_of, small_round, spawn_app, t};

pub(crate) fn cell(v: &Data) -> String {
    match v {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        Data::String(s) => format!("«{s}»"),
        Data::Empty => "∅".into(),
        other => format!("?{other:?}"),
    }
}

/// A sheet row as one line of its cells (see [`cell`]), « | » between them.
pub(crate) fn line(row: &[Data]) -> String {
    row.iter().map(cell).collect::<Vec<_>>().join(" | ")
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
    // The annex only: the ranking of each tier, its component indexes, its charts.
    assert_eq!(
        workbook.sheet_names(),
        ["Phụ lục I.1", "Phụ lục II.1", "Biểu đồ 1"]
    );
    let sheet = workbook.worksheet_range("Phụ lục I.1").expect("tier sheet");
    let rows: Vec<String> = sheet.rows().map(line).collect();
    let text = rows.join("\n");
    // The issuer and the motto each with its rule: a line of underlined spaces under them.
    for expected in [
        "«SỞ NỘI VỤ\n\u{a0}",
        "«CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM»",
        "«Độc lập - Tự do - Hạnh phúc\n\u{a0}",
        "«PHỤ LỤC I.1»",
        "«KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023 CỦA CÁC KIỂM THỬ»",
        "«(Kèm theo Quyết định số",
        "«GIÁM ĐỐC»",
    ] {
        assert!(text.contains(expected), "«{expected}» missing from {text}");
    }
    let header = rows
        .iter()
        .position(|r| r.starts_with("«STT»"))
        .expect("the table's header");
    assert_eq!(
        rows[header],
        "«STT» | «Tên cơ quan, đơn vị» | «Điểm tự đánh giá» | «Điểm thẩm định» | «Điểm điều tra XHH» | «Điểm thưởng» | «Điểm trừ» | «Tổng điểm» | «Điểm tối đa áp dụng» | «Chỉ số CCHC (%)» | «Xếp hạng» | «Xếp loại» | «Ghi chú»"
    );
    // Numbers are numbers; the applicable maximum beside the index, so that it can be
    // recomputed; equal ranks in Vietnamese name order (Ân before Bình); no band is
    // configured; none of them submitted, and the ranking says so.
    assert_eq!(
        &rows[header + 1..header + 4],
        [
            "1 | «UBND phường An Khánh» | 0 | 0 | 2.5 | 0 | 0 | 2.5 | 10 | 25 | 1 | ∅ | «Không gửi tự đánh giá»",
            "2 | «UBND xã Ân Hòa» | 0 | 0 | 1.5 | 0 | 0 | 1.5 | 10 | 15 | 2 | ∅ | «Không gửi tự đánh giá»",
            "3 | «UBND xã Bình Hòa» | 0 | 0 | 1.5 | 0 | 0 | 1.5 | 10 | 15 | 2 | ∅ | «Không gửi tự đánh giá»",
        ]
    );
    // The date line: the year of signing, the day and month left to fill in.
    assert!(
        text.contains("«……………, ngày      tháng      năm 2024»"),
        "{text}"
    );
    // The component indexes, the areas named; the unit that never submitted noted.
    let areas = workbook.worksheet_range("Phụ lục II.1").expect("annex II");
    let rows: Vec<String> = areas.rows().map(line).collect();
    let header = rows
        .iter()
        .position(|r| r.starts_with("«STT»"))
        .expect("the table's header");
    assert!(
        rows[header].contains("«3. Tác động của CCHC»"),
        "{}",
        rows[header]
    );
    assert_eq!(
        rows[header + 1],
        "1 | «UBND phường An Khánh» | 0 | 0 | 83.33 | «Không gửi tự đánh giá»"
    );

    // Print set-up, read from the sheet's XML: landscape A4 at full size, the header row
    // repeated, the page number at the top from the second page (none at the foot), a
    // draft marked as one, Times New Roman the workbook's font.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet xml")
        .read_to_string(&mut xml)
        .expect("read");
    assert!(
        xml.contains(r#"orientation="landscape""#)
            && xml.contains(r#"paperSize="9""#)
            // At full size (no scale given), each Phụ lục numbered from 1.
            && !xml.contains("scale=")
            && !xml.contains("fitToPage")
            && xml.contains(r#"useFirstPageNumber="1""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<headerFooter differentFirst="1"><oddHeader>&amp;C&amp;"Times New Roman,Regular"&amp;13&amp;P&amp;R&amp;"Times New Roman,Bold"&amp;12DỰ THẢO</oddHeader><firstHeader>&amp;R&amp;"Times New Roman,Bold"&amp;12DỰ THẢO</firstHeader></headerFooter>"#),
        "{xml}"
    );
    assert!(!xml.contains("oddFooter"), "{xml}");
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .expect("styles")
        .read_to_string(&mut styles)
        .expect("read");
    // The default font (the first), by which column widths are counted.
    let first_font = styles
        .split("<font>")
        .nth(1)
        .expect("a font")
        .split("</font>")
        .next()
        .expect("its end");
    assert!(
        first_font.contains(r#"<name val="Times New Roman"/>"#)
            && first_font.contains(r#"<sz val="12"/>"#),
        "{first_font}"
    );
    let mut book = String::new();
    zip.by_name("xl/workbook.xml")
        .expect("workbook")
        .read_to_string(&mut book)
        .expect("read");
    assert!(book.contains("_xlnm.Print_Titles"), "repeated header rows");
}

#[tokio::test]
async fn a_units_score_sheet_and_its_detail_in_the_detail_workbook() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let (round, a) = (r.round, r.units[0]);
    app.clock.set(t("20/12/2023"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    for (leaf, body) in [
        (
            "1.2",
            serde_json::json!({ "input": { "kind": "rate", "numerator": "111", "denominator": "125" }, "explanation": "Báo cáo số 5/BC-UBND" }),
        ),
        (
            "2.1",
            serde_json::json!({ "input": { "kind": "judged", "points": "1.75" } }),
        ),
    ] {
        let request = reqwest::Client::new()
            .put(app.url(&format!("{base}/self-assessment/{leaf}")))
            .header("x-csrf-token", &csrf)
            .json(&body);
        assert_eq!(officer.send(request).await.status(), 200);
    }
    // The unit's own sheet, during self-assessment.
    let response = officer
        .send(officer.get(app.url(&format!("{base}/export/self-assessment.xlsx"))))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    assert_eq!(workbook.sheet_names(), ["A UBND phường An Khánh"]);
    let sheet = workbook
        .worksheet_range("A UBND phường An Khánh")
        .expect("sheet");
    let rows: Vec<String> = sheet.rows().map(line).collect();
    let firsts: Vec<&str> = rows
        .iter()
        .map(|r| r.split(" | ").next().unwrap_or_default())
        .collect();
    // Headed by the unit itself, a number to fill in, the place and the year; the title;
    // not yet submitted.
    for expected in [
        "«UBND PHƯỜNG AN KHÁNH\n\u{a0}",
        "«Số:          /BC-……»",
        "«BIỂU TỰ CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023»",
        "«(Chưa phê duyệt và gửi)»",
    ] {
        assert!(
            firsts.iter().any(|f| f.starts_with(expected)),
            "{expected} not in {rows:#?}"
        );
    }
    assert!(
        rows.iter()
            .any(|r| r.contains("«……………, ngày      tháng      năm 2023»")),
        "{rows:#?}"
    );
    // The figures entered beside the points; each area with its subtotal; the sum; then
    // the figures of its own scores: the survey's (none yet), bonus, penalty, total,
    // applicable maximum and index.
    for line in [
        "«1.2» | «  Mức độ hoàn thành kế hoạch CCHC» | 1.5 | «111/125» | 0.75 | «Báo cáo số 5/BC-UBND» | 0",
        "«1» | «Chỉ đạo, điều hành CCHC» | 4 | ∅ | 0.75 | ∅ | ∅",
        "∅ | «Cộng điểm các lĩnh vực» | 10 | ∅ | 2.5 | ∅ | ∅",
        "∅ | «TỔNG CỘNG» | ∅",
        "∅ | «Điểm tự đánh giá» | 2.5",
        "∅ | «Điểm điều tra XHH» | 0",
        "∅ | «Điểm thưởng» | 0",
        "∅ | «Điểm trừ» | 0",
        "∅ | «Tổng điểm» | 2.5",
        "∅ | «Điểm tối đa áp dụng» | 10",
        "∅ | «Chỉ số CCHC (%)» | 25",
    ] {
        assert_begins_a_row(&rows, line);
    }
    assert!(
        rows.iter().any(|r| r.contains("«THỦ TRƯỞNG ĐƠN VỊ»")),
        "signature block"
    );
    // Another unit's officer cannot have it.
    let other = Browser::default();
    app.sign_in_with(&other, "b.canbo").await;
    assert_eq!(
        other
            .send(other.get(app.url(&format!("{base}/export/self-assessment.xlsx"))))
            .await
            .status(),
        403
    );

    // A citation of one document for two leaves counts once for each of them.
    let request = reqwest::Client::new()
        .post(app.url(&format!("{base}/evidence/citations")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({
            "document_number": "12/KH-UBND",
            "issued_on": "20/12/2022",
            "summary": "Kế hoạch cải cách hành chính năm 2023",
            "leaves": ["1.2", "2.1"]
        }));
    assert_eq!(officer.send(request).await.status(), 201);

    // The detail workbook shows each unit with the appraisal columns.
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let a_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let request = reqwest::Client::new()
        .put(app.url(&format!("{base}/appraisal/1/2.1")))
        .header("x-csrf-token", &a_csrf)
        .json(&serde_json::json!({ "points": "1.25", "comment": "Thiếu minh chứng tháng 11" }));
    assert_eq!(appraiser.send(request).await.status(), 204);
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let row_2_1 = "«2.1» | «  Cung cấp thông tin trên cổng thông tin điện tử» | 2 | ∅ | 1.75 | 1.25 | -0.5 | ∅ | «Thiếu minh chứng tháng 11» | 1";
    // The survey points, the Department's, count in the appraised column and the total.
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let request = reqwest::Client::new()
        .put(app.url(&format!("{base}/survey/3.1")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "points": "2.5" }));
    assert_eq!(admin.send(request).await.status(), 204);

    // Each unit's detail, in its own (streamed) workbook.
    let response = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/details.xlsx"))))
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("filename*=UTF-8''Chi%20ti%E1%BA%BFt")),
        "{:?}",
        response.headers()
    );
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    // One sheet for the tier, the units one below the other in ranking order.
    assert_eq!(workbook.sheet_names(), ["Khối kiểm thử"]);
    let all: Vec<String> = workbook
        .worksheet_range("Khối kiểm thử")
        .expect("detail")
        .rows()
        .map(line)
        .collect();
    let blocks = unit_blocks(&all);
    let titles: Vec<&str> = blocks.iter().map(|(title, _)| title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "KẾT QUẢ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM 2023 — UBND PHƯỜNG AN KHÁNH",
            "KẾT QUẢ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM 2023 — UBND PHƯỜNG HƯNG LỢI"
        ]
    );
    let rows = &blocks[0].1;
    assert!(rows.contains(&row_2_1.to_string()), "{rows:#?}");
    // B's block has its own header and total, none of A's figures.
    let b = &blocks[1].1;
    assert!(
        b.iter().any(|r| r.starts_with("«Mã» | «Tiêu chí»")),
        "{b:#?}"
    );
    assert!(!b.contains(&row_2_1.to_string()), "{b:#?}");
    assert!(
        b.iter()
            .any(|r| r.starts_with("∅ | «Cộng điểm các lĩnh vực» | 10 |")),
        "{b:#?}"
    );
    // The sum of the leaves, then the unit's figures as the ranking has them: bonus and
    // penalty included, the applicable maximum, the index, the rank.
    for line in [
        "«3.1» | «  Mức độ hài lòng của người dân, tổ chức» | 3 | «Điều tra XHH» | ∅ | 2.5 | ∅ | ∅ | ∅ | 0",
        "∅ | «Cộng điểm các lĩnh vực» | 10 | ∅ | 2.5 | 4.5 | ∅ | ∅ | ∅ | ∅",
        "∅ | «Điểm tự đánh giá» | 2.5",
        "∅ | «Điểm thẩm định» | 2",
        "∅ | «Điểm điều tra XHH» | 2.5",
        "∅ | «Điểm thưởng» | 0",
        "∅ | «Điểm trừ» | 0",
        "∅ | «Tổng điểm» | 4.5",
        "∅ | «Điểm tối đa áp dụng» | 10",
        "∅ | «Chỉ số CCHC (%)» | 45",
        "∅ | «Xếp hạng» | 1",
    ] {
        assert_begins_a_row(rows, line);
    }
    // Before publication an officer has neither.
    app.sign_in_with(&officer, "a.canbo").await;
    for file in ["ranking", "details"] {
        let status = officer
            .send(officer.get(app.url(&format!("/api/rounds/{round}/export/{file}.xlsx"))))
            .await
            .status();
        assert_eq!(status, 403, "{file}");
    }

    // The ranking workbook is the annex alone: no unit's detail in it.
    let results = parindex::service::results::round_results(app.store(), round, t("20/01/2024"))
        .await
        .expect("results");
    let today = chrono::NaiveDate::from_ymd_opt(2024, 1, 20).expect("date");
    let bytes =
        parindex::excel::ranking_workbook(&results, "Sở Nội vụ", &Default::default(), today)
            .expect("build");
    let workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    assert_eq!(
        workbook.sheet_names(),
        ["Phụ lục I.1", "Phụ lục II.1", "Biểu đồ 1"]
    );
}

/// The rows of a workbook's sheet, each as a [`line`].
fn sheet_lines(workbook: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<String> {
    workbook
        .worksheet_range(name)
        .expect("sheet")
        .rows()
        .map(line)
        .collect()
}

/// Fails unless one of `rows` (see [`line`]) begins with `line`: the cells it names, then
/// whatever the sheet has to their right.
fn assert_begins_a_row(rows: &[String], line: &str) {
    assert!(
        rows.iter().any(|r| r.starts_with(line)),
        "{line} not in {rows:#?}"
    );
}

/// A detail sheet's rows cut into the units' blocks: each unit's title (without «»), then
/// its rows from the title down to the next unit's title (its pages' titles «… (tiếp
/// theo)» among them).
fn unit_blocks(rows: &[String]) -> Vec<(String, Vec<String>)> {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let first = row.split(" | ").next().unwrap_or_default();
        if let Some(title) = first
            .strip_prefix("«KẾT QUẢ CHẤM ĐIỂM")
            .and_then(|t| t.strip_suffix('»'))
            .filter(|t| !t.ends_with("(tiếp theo)"))
        {
            blocks.push((format!("KẾT QUẢ CHẤM ĐIỂM{title}"), Vec::new()));
        }
        if let Some((_, block)) = blocks.last_mut() {
            block.push(row.clone());
        }
    }
    blocks
}

/// The XML of a workbook's `n`-th sheet (from 1).
fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
        .expect("sheet xml")
        .read_to_string(&mut xml)
        .expect("read");
    xml
}

/// The manual page breaks of a workbook's `n`-th sheet (from 1), read from its XML.
fn row_breaks(bytes: &[u8], n: usize) -> usize {
    match sheet_xml(bytes, n).split_once("<rowBreaks count=\"") {
        None => 0,
        Some((_, rest)) => rest
            .split('"')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("rowBreaks count"),
    }
}

#[tokio::test]
async fn the_demo_detail_workbook_has_a_sheet_per_tier_and_a_page_per_unit() {
    let app = spawn_app().await;
    parindex::demo::load(app.store(), &parindex::domain::SystemClock)
        .await
        .expect("demo");
    let now = chrono::Utc::now();
    app.clock.set(now);
    let rounds = app.store().rounds().await.expect("rounds");
    let round = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    let results = parindex::service::results::round_results(app.store(), round, now)
        .await
        .expect("results");
    let admin = Browser::default();
    app.sign_in_with_password(&admin, "quantri", parindex::demo::DEMO_PASSWORD)
        .await;
    let response = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/details.xlsx"))))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    // A sheet per tier, named after it, in the round's order.
    let tiers: Vec<&str> = results.tiers.iter().map(|t| t.tier_name.as_str()).collect();
    assert_eq!(tiers.len(), 3);
    assert_eq!(workbook.sheet_names(), tiers);
    let title = |name: &str| {
        format!(
            "KẾT QUẢ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM 2023 — {}",
            name.to_uppercase()
        )
    };
    for (n, tier) in results.tiers.iter().enumerate() {
        let rows = sheet_lines(&mut workbook, &tier.tier_name);
        // Every unit of the tier, in ranking order, each with its header on every page and
        // its sum and figures once; no unit of another tier.
        let blocks = unit_blocks(&rows);
        let titles: Vec<&str> = blocks.iter().map(|(title, _)| title.as_str()).collect();
        let expected: Vec<String> = tier.units.iter().map(|u| title(&u.unit_name)).collect();
        assert_eq!(titles, expected, "{}", tier.tier_name);
        let mut continued = 0;
        for (unit, (title, block)) in tier.units.iter().zip(&blocks) {
            let pages = 1 + block
                .iter()
                .filter(|r| r.starts_with(&format!("«{title} (tiếp theo)»")))
                .count();
            let header = block
                .iter()
                .filter(|r| r.starts_with("«Mã» | «Tiêu chí» | «Điểm tối đa»"))
                .count();
            let sums = block
                .iter()
                .filter(|r| r.contains("«Cộng điểm các lĩnh vực»"))
                .count();
            let totals = block.iter().filter(|r| r.contains("«Tổng điểm»")).count();
            assert_eq!(
                (header, sums, totals),
                (pages, 1, 1),
                "{}: {block:#?}",
                unit.unit_name
            );
            continued += pages - 1;
        }
        // Every row written is as tall as its wrapped text: the row heights reach the file
        // (no program-written row grows by itself).
        let xml = sheet_xml(&bytes, n + 1);
        assert_eq!(
            xml.matches("customHeight=\"1\"").count(),
            xml.matches("<row ").count(),
            "{}",
            tier.tier_name
        );
        // Each unit but the first starts a new page, and so does each of its pages.
        assert_eq!(
            row_breaks(&bytes, n + 1),
            tier.units.len() - 1 + continued,
            "{}",
            tier.tier_name
        );
    }

    // Each unit's figures in the detail workbook are the annex's, read from both files.
    let response = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/export/ranking.xlsx"))))
        .await;
    assert_eq!(response.status(), 200);
    let annex_bytes = response.bytes().await.expect("body").to_vec();
    let mut annex: Xlsx<_> = open_workbook_from_rs(Cursor::new(annex_bytes)).expect("xlsx");
    let mut compared = 0;
    for (n, tier) in results.tiers.iter().enumerate() {
        let ranking: Vec<Vec<Data>> = annex
            .worksheet_range(&format!("Phụ lục I.{}", n + 1))
            .expect("Phụ lục I")
            .rows()
            .map(<[Data]>::to_vec)
            .collect();
        let header = ranking
            .iter()
            .position(|r| r.first() == Some(&Data::String("STT".into())))
            .expect("the header row");
        let headings: Vec<String> = ranking[header].iter().map(|c| c.to_string()).collect();
        let rows = sheet_lines(&mut workbook, &tier.tier_name);
        let blocks = unit_blocks(&rows);
        for unit in &tier.units {
            let annex_row = ranking[header + 1..]
                .iter()
                .find(|r| r.get(1) == Some(&Data::String(unit.unit_name.clone())))
                .unwrap_or_else(|| panic!("{} not in the annex", unit.unit_name));
            let (_, block) = blocks
                .iter()
                .find(|(t, _)| *t == title(&unit.unit_name))
                .expect("the unit's block");
            // From «Điểm tự đánh giá» to «Xếp loại»: a label in the criteria column, the
            // value beside it, as the annex's columns name them.
            for (col, label) in headings.iter().enumerate().skip(2).take(10) {
                let in_detail = block
                    .iter()
                    .find_map(|r| r.strip_prefix(&format!("∅ | «{label}» | ")))
                    .and_then(|rest| rest.split(" | ").next())
                    .unwrap_or_else(|| panic!("{}: no «{label}» in {block:#?}", unit.unit_name));
                assert_eq!(
                    in_detail,
                    cell(&annex_row[col]),
                    "{}: {label}",
                    unit.unit_name
                );
                compared += 1;
            }
            // And the leaves add up to them: the sum of the self-scores is the
            // self-assessed total, that of the appraised (survey included) the appraised
            // total and the survey's, that of the maxima the applicable maximum.
            let sum: Vec<f64> = block
                .iter()
                .find(|r| r.starts_with("∅ | «Cộng điểm các lĩnh vực»"))
                .expect("the sum")
                .split(" | ")
                // Blank where nothing was entered (the unit that never submitted).
                .map(|c| {
                    if c == "∅" {
                        0.0
                    } else {
                        c.parse().unwrap_or(f64::NAN)
                    }
                })
                .collect();
            let figure = |col: usize| match annex_row[col] {
                Data::Float(f) => f,
                Data::Int(i) => i as f64,
                ref other => panic!("{other:?}"),
            };
            for (got, want, what) in [
                (sum[2], figure(8), "applicable maximum"),
                (sum[4], figure(2), "self-assessed"),
                (sum[5], figure(3) + figure(4), "appraised and survey"),
            ] {
                assert!(
                    (got - want).abs() < 0.005,
                    "{}: {what} {got} ≠ {want}",
                    unit.unit_name
                );
            }
        }
    }
    assert_eq!(compared, 10 * 51, "ten figures of each of the 51 units");
}

/// (unit code, unit name, a number in 3.1, or a text / "=formula" in 3.1)
type SurveyRow<'a> = (&'a str, &'a str, Option<f64>, Option<&'a str>);

/// A survey workbook written the way an administrator fills the template.
fn survey_workbook(rows: &[SurveyRow]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Điều tra XHH").expect("name");
    sheet.write_string(0, 0, "Mã đơn vị").expect("write");
    sheet.write_string(0, 1, "Tên đơn vị").expect("write");
    sheet.write_string(0, 2, "3.1").expect("write");
    for (i, (code, name, number, text)) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, *code).expect("write");
        sheet.write_string(row, 1, *name).expect("write");
        match (number, text) {
            (Some(n), _) => {
                sheet.write_number(row, 2, *n).expect("write");
            }
            (None, Some(t)) if t.starts_with('=') => {
                sheet.write_formula(row, 2, *t).expect("write");
            }
            (None, Some(t)) => {
                sheet.write_string(row, 2, *t).expect("write");
            }
            (None, None) => {}
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn survey_scores_import_all_or_nothing_with_a_dry_run() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    let round = r.round;
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let import = |bytes: Vec<u8>, dry_run: bool| {
        let request = admin
            .post(app.url(&format!(
                "/api/rounds/{round}/import/survey?dry_run={dry_run}"
            )))
            .header("x-csrf-token", &csrf)
            .body(bytes);
        let admin = admin.clone();
        async move { json_of(admin.send(request).await).await }
    };
    let audit = || async {
        app.store()
            .audit_log(&Default::default())
            .await
            .expect("audit")
            .len()
    };

    // The template lists the round's units and the survey leaf.
    let template = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/import/survey/template.xlsx"))))
        .await;
    assert_eq!(template.status(), 200);
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(template.bytes().await.expect("body").to_vec()))
            .expect("xlsx");
    // A sheet per tier, the leaf named with its maximum under its code.
    assert_eq!(book.sheet_names(), ["Khối kiểm thử"]);
    let range = book.worksheet_range("Khối kiểm thử").expect("sheet");
    let rows: Vec<String> = range.rows().map(line).collect();
    assert_eq!(
        rows,
        [
            "«Mã đơn vị» | «Tên đơn vị» | «3.1»",
            "∅ | «Tiêu chí (điểm tối đa)» | «Mức độ hài lòng của người dân, tổ chức (tối đa 3)»",
            "«A» | «UBND phường An Khánh» | ∅",
            "«B» | «UBND phường Hưng Lợi» | ∅"
        ]
    );

    // Each error class, each with its own message and place; nothing is written.
    let before = audit().await;
    let cases: [(&[SurveyRow], &str); 6] = [
        (
            &[("A", "", Some(-1.0), None)],
            "Trang «Điều tra XHH», dòng 2, cột C: điểm -1 là số âm; điểm điều tra từ 0 đến 3 của tiêu chí 3.1.",
        ),
        (
            &[("A", "", None, Some("=1+1"))],
            "Trang «Điều tra XHH», dòng 2, cột C: ô chứa công thức; hãy dán giá trị (Paste Values) thay cho công thức.",
        ),
        (
            &[("A", "", Some(3.5), None)],
            "Trang «Điều tra XHH», dòng 2, cột C: điểm 3,5 vượt quá điểm tối đa 3 của tiêu chí 3.1.",
        ),
        (
            &[("Z", "", Some(1.0), None)],
            "Trang «Điều tra XHH», dòng 2, cột A: mã đơn vị «Z» không có trong kỳ đánh giá.",
        ),
        (
            &[("A", "", Some(1.0), None), ("A", "", Some(2.0), None)],
            "Trang «Điều tra XHH», dòng 3, cột A: đơn vị «A» đã có ở dòng 2; mỗi đơn vị một dòng.",
        ),
        (
            &[("A", "", None, Some("hai điểm"))],
            "Trang «Điều tra XHH», dòng 2, cột C: «hai điểm» không phải là số.",
        ),
    ];
    for (rows, message) in cases {
        // A valid row for B rides along: it must not be written either.
        let mut all = rows.to_vec();
        all.push(("B", "", Some(2.0), None));
        let (status, body) = import(survey_workbook(&all), false).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input")),
            "{body}"
        );
        assert_eq!(body["error"]["message"], message);
        assert!(
            app.store()
                .survey_scores(round)
                .await
                .expect("scores")
                .is_empty(),
            "{message}: nothing written"
        );
        assert_eq!(audit().await, before);
    }

    // A column the import would not read is named, not dropped.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Điều tra XHH").expect("name");
    for (col, heading) in ["Mã đơn vị", "Tên đơn vị", "3.1", "Điểm 3.2"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *heading).expect("write");
    }
    sheet.write_string(1, 0, "A").expect("write");
    sheet.write_number(1, 2, 2.0).expect("write");
    sheet.write_number(1, 3, 1.0).expect("write");
    let (status, body) = import(book.save_to_buffer().expect("xlsx"), true).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Trang «Điều tra XHH», dòng 1, cột D: cột «Điểm 3.2» không phải tiêu chí điều tra xã hội học của kỳ đánh giá này; hãy sửa tiêu đề cho đúng mã tiêu chí (ví dụ «8.1») hoặc xóa cột."
    );

    // A dry run lists the changes and writes nothing; the real run writes them all.
    // Codes as typed, whatever their case: "a" is unit A.
    let good = survey_workbook(&[("a", "", Some(2.5), None), ("B", "", None, Some("1,75"))]);
    let (status, report) = import(good.clone(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(2));
    assert!(
        app.store()
            .survey_scores(round)
            .await
            .expect("scores")
            .is_empty()
    );
    let (status, report) = import(good, false).await;
    assert_eq!((status, report["dry_run"].as_bool()), (200, Some(false)));
    let scores: Vec<String> = app
        .store()
        .survey_scores(round)
        .await
        .expect("scores")
        .values()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(scores, ["2.5", "1.75"]);
    assert_eq!(audit().await, before + 2);

    // A sheet of notes beside the scores is passed over.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("Ghi chú")
        .expect("name")
        .write_string(0, 0, "Điểm do Viện Nghiên cứu cung cấp ngày 10/01/2024")
        .expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("Điểm").expect("name");
    sheet.write_string(0, 0, "Mã đơn vị").expect("write");
    sheet.write_string(0, 1, "3.1").expect("write");
    sheet.write_string(1, 0, "A").expect("write");
    sheet.write_number(1, 1, 2.5).expect("write");
    let (status, report) = import(book.save_to_buffer().expect("xlsx"), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["changes"],
        serde_json::json!([]),
        "2,5 is stored already"
    );

    // The template now holds the scores; sent back as it is, it changes nothing.
    let template = admin
        .send(admin.get(app.url(&format!("/api/rounds/{round}/import/survey/template.xlsx"))))
        .await
        .bytes()
        .await
        .expect("body")
        .to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(template.clone())).expect("xlsx");
    let rows: Vec<String> = book
        .worksheet_range("Khối kiểm thử")
        .expect("sheet")
        .rows()
        .skip(2)
        .map(line)
        .collect();
    assert_eq!(
        rows,
        [
            "«A» | «UBND phường An Khánh» | 2.5",
            "«B» | «UBND phường Hưng Lợi» | 1.75"
        ]
    );
    let (status, report) = import(template, true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn the_administration_page_imports_survey_scores_with_a_dry_run_first() {
    let app = spawn_app().await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND phường Hưng Lợi")],
        vec![],
    )
    .await;
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let page = |bytes: Vec<u8>, dry_run: bool| {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("Điều tra XHH 2023.xlsx"),
            );
        if dry_run {
            form = form.text("dry_run", "on");
        }
        let request = admin
            .post(app.url(&format!("/quan-tri/ky/{}/nhap-dieu-tra", r.round)))
            .multipart(form);
        let admin = admin.clone();
        async move {
            let response = admin.send(request).await;
            (
                response.status().as_u16(),
                response.text().await.expect("page").replace("&#x2f;", "/"),
            )
        }
    };
    let good = survey_workbook(&[("A", "", Some(2.5), None), ("B", "", Some(1.0), None)]);
    let (status, html) = page(good.clone(), true).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Kiểm tra trước (chưa ghi dữ liệu): 2 thay đổi"),
        "{html}"
    );
    assert!(
        app.store()
            .survey_scores(r.round)
            .await
            .expect("scores")
            .is_empty()
    );
    let (status, html) = page(good, false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Đã nhập điểm điều tra: 2 thay đổi"), "{html}");
    let (status, html) = page(
        survey_workbook(&[("A", "", Some(9.0), None), ("Z", "", Some(1.0), None)]),
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("dòng 2, cột C: điểm 9 vượt quá điểm tối đa 3 của tiêu chí 3.1."),
        "{html}"
    );
    assert!(
        html.contains("dòng 3, cột A: mã đơn vị «Z» không có trong kỳ đánh giá."),
        "{html}"
    );
}

#[test]
fn every_shipped_criteria_set_survives_an_excel_round_trip() {
    use parindex::domain::criteria_file;
    use parindex::excel::criteria_workbook;
    for (file, text) in parindex::demo::CRITERIA_FILES {
        let set = criteria_file::parse(file, text).expect("valid");
        let bytes = criteria_workbook::export(&set, None).expect("export");
        let (back, toml_text) = criteria_workbook::import("bo-tieu-chi.xlsx", &bytes)
            .unwrap_or_else(|p| panic!("{file}: {p:#?}"));
        assert_eq!(back.content_hash(), set.content_hash(), "{file}");
        assert_eq!(back, set, "{file}");
        // The TOML it produced is itself a valid criteria file.
        assert!(criteria_file::parse("x.toml", &toml_text).is_ok());
    }
}

#[test]
fn a_broken_criteria_workbook_names_the_row_and_field() {
    use parindex::excel::criteria_workbook;
    let set = parindex::domain::criteria_file::parse("t.toml", crate::criteria_check::VALID)
        .expect("valid");
    let bytes = criteria_workbook::export(&set, None).expect("export");
    // Edits the exported workbook the way a person would, then imports it.
    let edited = |max_of_1_2: Option<&str>, formula_in_2_1: bool| {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        for name in [
            criteria_workbook::INFO,
            criteria_workbook::NODES,
            criteria_workbook::EXTRAS,
        ] {
            let range = book.worksheet_range(name).expect("sheet");
            let sheet = workbook.add_worksheet();
            sheet.set_name(name).expect("name");
            for (r, row) in range.rows().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    match v {
                        Data::String(s) => sheet.write_string(r as u32, c as u16, s),
                        Data::Float(f) => sheet.write_number(r as u32, c as u16, *f),
                        _ => continue,
                    }
                    .expect("write");
                }
            }
            if name == criteria_workbook::NODES {
                // Rows: 0 header, 1 "1", 2 "1.1", 3 "1.2", 4 "1.3", 5 "2", 6 "2.1".
                assert_eq!(range.get_value((3, 0)), Some(&Data::String("1.2".into())));
                // Numbers are numbers; the method is named in Vietnamese, its code apart.
                assert_eq!(range.get_value((3, 2)), Some(&Data::Float(1.5)));
                assert_eq!(
                    range.get_value((3, 3)),
                    Some(&Data::String("Theo mức tỷ lệ".into()))
                );
                assert_eq!(
                    range.get_value((3, 14)),
                    Some(&Data::String("tiered".into()))
                );
                if let Some(max) = max_of_1_2 {
                    sheet.write_string(3, 2, max).expect("write");
                }
                if formula_in_2_1 {
                    sheet.write_formula(6, 2, "=1+1").expect("formula");
                }
            }
        }
        let bytes = workbook.save_to_buffer().expect("xlsx");
        criteria_workbook::import("sua.xlsx", &bytes)
    };
    assert!(edited(None, false).is_ok(), "unchanged, it imports");
    assert_eq!(
        edited(None, true).expect_err("formula"),
        ["Trang «Tiêu chí», dòng 7, cột C: ô chứa công thức; hãy dán giá trị thay cho công thức."]
    );
    let problems = edited(Some("2"), false).expect_err("sums");
    assert!(
        problems.contains(&"Trang «Tiêu chí», dòng 2 (mục 1), trường «max»: tổng điểm tối đa của các mục con (4,5) khác điểm tối đa của mục (4)".to_string()),
        "{problems:#?}"
    );
    let problems = edited(Some("1,125"), false).expect_err("decimals");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("«1,125» có quá hai chữ số thập phân")),
        "{problems:#?}"
    );
}

#[tokio::test]
async fn a_criteria_set_goes_out_to_excel_and_back_through_the_api() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let admin = Browser::default();
    let csrf = app.sign_in_with(&admin, "quantri").await;
    let response = admin
        .send(admin.get(app.url(&format!("/api/criteria-sets/{}/export.xlsx", r.set_id))))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body").to_vec();
    // The tier is named beside its code (the import goes by the code).
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    let info: Vec<String> = book
        .worksheet_range("Thông tin")
        .expect("info sheet")
        .rows()
        .map(line)
        .collect();
    for line in [
        "«Khối» | «t»",
        "«Tên khối» | «Khối kiểm thử»",
        "«Tổng điểm» | 10",
    ] {
        assert!(info.contains(&line.to_string()), "{line} not in {info:#?}");
    }
    let import = |bytes: Vec<u8>, dry_run: bool| {
        let request = admin
            .post(app.url(&format!("/api/criteria-sets/import?dry_run={dry_run}")))
            .header("x-csrf-token", &csrf)
            .body(bytes);
        let admin = admin.clone();
        async move { json_of(admin.send(request).await).await }
    };
    let original = app.store().criteria_set(r.set_id).await.expect("set");
    let (status, report) = import(bytes.clone(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["dry_run"].as_bool(),
            report["outcome"].as_str(),
            report["content_hash"].as_str()
        ),
        (
            Some(true),
            Some("unchanged"),
            Some(original.content_hash.as_str())
        )
    );
    assert_eq!(report["compared_with"], "KIEM-THU 1", "{report}");
    assert_eq!(report["diff"]["changed"], serde_json::json!([]));
    let (status, report) = import(bytes, false).await;
    assert_eq!(
        (status, report["outcome"].as_str()),
        (200, Some("unchanged")),
        "same content, same hash: nothing to do"
    );
    // An officer may neither export nor import.
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let response = officer
        .send(officer.get(app.url(&format!("/api/criteria-sets/{}/export.xlsx", r.set_id))))
        .await;
    assert_eq!(response.status(), 403);
}

/// Every cell of an .xlsx whose text starts with `=`, `+`, `-` or `@`, with whether its
/// style marks it quoted (text typed after an apostrophe); and whether any cell holds a
/// formula. Read from the parts themselves: shared or inline strings, `quotePrefix`.
fn formula_like_cells(bytes: &[u8]) -> (Vec<(String, bool)>, bool) {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut part = |name: &str| {
        let mut text = String::new();
        if let Ok(mut file) = zip.by_name(name) {
            file.read_to_string(&mut text).expect("utf-8 part");
        }
        text
    };
    // The value inside the first `<tag …>…</tag>` of `xml`.
    fn inner<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
        let open = xml.find(&format!("<{tag}"))?;
        let start = open + xml[open..].find('>')? + 1;
        let end = start + xml[start..].find(&format!("</{tag}>"))?;
        Some(&xml[start..end])
    }
    fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
        let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(&element[start..start + element[start..].find('"')?])
    }
    let styles = part("xl/styles.xml");
    let cell_xfs = inner(&styles, "cellXfs").unwrap_or_default();
    let quoted: Vec<bool> = cell_xfs
        .split("<xf ")
        .skip(1)
        .map(|xf| {
            xf.split('>')
                .next()
                .unwrap_or("")
                .contains("quotePrefix=\"1\"")
        })
        .collect();
    let shared = part("xl/sharedStrings.xml");
    let strings: Vec<String> = shared
        .split("<si>")
        .skip(1)
        .map(|si| inner(si, "t").unwrap_or_default().to_string())
        .collect();
    let mut sheets = Vec::new();
    for i in 1.. {
        let xml = part(&format!("xl/worksheets/sheet{i}.xml"));
        if xml.is_empty() {
            break;
        }
        sheets.push(xml);
    }
    assert!(!sheets.is_empty(), "no worksheet read");
    let (mut found, mut formulas) = (Vec::new(), false);
    for xml in &sheets {
        for c in xml.split("<c ").skip(1) {
            let head = c.split('>').next().unwrap_or("");
            let body = c.split("</c>").next().unwrap_or("");
            formulas |= body.contains("<f>") || body.contains("<f ");
            let text = match attribute(head, "t") {
                Some("s") => inner(body, "v")
                    .and_then(|v| v.parse::<usize>().ok())
                    .and_then(|i| strings.get(i).cloned()),
                Some("inlineStr") => inner(body, "t").map(str::to_string),
                _ => None,
            };
            let Some(text) = text.map(|t| {
                t.replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            }) else {
                continue;
            };
            if text.starts_with(['=', '+', '-', '@']) {
                let style: usize = attribute(head, "s")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                found.push((text, quoted.get(style).copied().unwrap_or(false)));
            }
        }
    }
    (found, formulas)
}

#[tokio::test]
async fn text_that_looks_like_a_formula_stays_text_in_every_export() {
    let app = spawn_app().await;
    let r = small_round(app.store(), &[("A", "UBND phường An Khánh")], vec![]).await;
    let (round, a) = (r.round, r.units[0]);
    // A unit name, explanations and a comment a spreadsheet could take for formulas.
    app.store()
        .upsert_unit("A", "=HYPERLINK(\"http://x\";\"Phường\")", "t")
        .await
        .expect("rename");
    app.clock.set(t("20/12/2023"));
    let officer = Browser::default();
    let csrf = app.sign_in_with(&officer, "a.canbo").await;
    let base = format!("/api/rounds/{round}/units/{a}");
    for (leaf, input, explanation) in [
        (
            "1.1",
            serde_json::json!({ "kind": "yes_no", "met": true }),
            "+84 912 345 678",
        ),
        (
            "2.1",
            serde_json::json!({ "kind": "judged", "points": "1" }),
            "-1 vì thiếu",
        ),
    ] {
        let request = reqwest::Client::new()
            .put(app.url(&format!("{base}/self-assessment/{leaf}")))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({ "input": input, "explanation": explanation }));
        assert_eq!(officer.send(request).await.status(), 200, "{leaf}");
    }
    app.clock.set(t("20/01/2024"));
    let appraiser = Browser::default();
    let a_csrf = app.sign_in_with(&appraiser, "thamdinh").await;
    let request = reqwest::Client::new()
        .put(app.url(&format!("{base}/appraisal/1/2.1")))
        .header("x-csrf-token", &a_csrf)
        .json(&serde_json::json!({ "points": "0.5", "comment": "@cmd|' /C calc'!A0" }));
    assert_eq!(appraiser.send(request).await.status(), 204);

    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    for (path, expected) in [
        (
            format!("{base}/export/self-assessment.xlsx"),
            &["+84 912 345 678", "-1 vì thiếu"][..],
        ),
        (
            format!("/api/rounds/{round}/export/details.xlsx"),
            &["+84 912 345 678", "-1 vì thiếu", "@cmd|' /C calc'!A0"][..],
        ),
        (
            format!("/api/rounds/{round}/export/ranking.xlsx"),
            &["=HYPERLINK(\"http://x\";\"Phường\")"][..],
        ),
        (
            format!("/api/rounds/{round}/import/survey/template.xlsx"),
            &["=HYPERLINK(\"http://x\";\"Phường\")"][..],
        ),
    ] {
        let response = admin.send(admin.get(app.url(&path))).await;
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.expect("body").to_vec();
        let (cells, formulas) = formula_like_cells(&bytes);
        assert!(!formulas, "{path}: a cell holds a formula");
        for text in expected {
            assert!(
                cells.iter().any(|(t, _)| t == text),
                "{path}: «{text}» not written: {cells:?}"
            );
        }
        for (text, quoted) in &cells {
            assert!(quoted, "{path}: «{text}» is not quoted as text");
        }
        // Read back, the text is what was written, not a value or an error.
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
        let first = workbook.sheet_names()[0].clone();
        let range = workbook.worksheet_range(&first).expect("sheet");
        let text: Vec<String> = range.rows().flatten().map(cell).collect();
        assert!(
            text.iter()
                .any(|c| expected.iter().any(|e| c == &format!("«{e}»"))),
            "{path}: {text:?}"
        );
    }
}
