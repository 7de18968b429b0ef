//! The draft decision publishing a round (Word) and the publication package (zip): refused
//! before publication, then downloaded and read back: the decision's parts from its
//! document.xml, the package's files one by one.

use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx, open_workbook_from_rs};

use crate::helpers::{Browser, TestApp, json_of, small_round, spawn_app_configured, t};

/// A province's configuration, as its `parindex.toml` would say it.
const CONFIG: &str = r#"
issuer = "Sở Nội vụ"

[annex]
parent = "UBND thành phố Cần Thơ"
place = "Cần Thơ"
signer_title = "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
signer_name = "Trần Thị Bình"

[decision]
basis = [
    "Căn cứ Quyết định số 12/2021/QĐ-UBND ngày 05 tháng 4 năm 2021 của UBND thành phố Cần Thơ quy định chức năng, nhiệm vụ của Sở Nội vụ;",
    "Căn cứ Kế hoạch số 45/KH-UBND ngày 01 tháng 3 năm 2023 của UBND thành phố Cần Thơ về xác định Chỉ số cải cách hành chính năm 2023.",
]
proposer = "Trưởng phòng Cải cách hành chính"
remedy_days = 45
"#;

/// The text of each paragraph of a .docx, in order (runs joined), from its document.xml.
fn paragraphs(docx: &[u8]) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a .docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("read");
    xml.split("<w:p>")
        .flat_map(|p| p.split("<w:p "))
        .skip(1)
        .map(|p| {
            p.split("<w:t")
                .skip(1)
                .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
                .map(|rest| rest.split("</w:t>").next().unwrap_or_default())
                .collect::<String>()
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
        })
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// The round, published on 01/04/2024 by the administrator.
async fn publish(app: &TestApp, admin: &Browser, round: i64) {
    app.clock.set(t("01/04/2024"));
    let csrf = app.sign_in_with(admin, "quantri").await;
    crate::helpers::signed_off(app.store(), round).await;
    let request = admin
        .post(app.url(&format!(
            "/api/rounds/{round}/publish?confirm=true&close_open_phases=true"
        )))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({}));
    assert_eq!(admin.send(request).await.status(), 204);
}

#[tokio::test]
async fn the_draft_decision_is_made_after_publication_with_its_parts() {
    let config: parindex::config::Config = toml::from_str(CONFIG).expect("config");
    let app = spawn_app_configured(&config).await;
    let r = small_round(
        app.store(),
        &[("A", "UBND phường An Khánh"), ("B", "UBND xã Bình Hòa")],
        vec![],
    )
    .await;
    let round = r.round;
    let decision = app.url(&format!("/api/rounds/{round}/export/decision.docx"));
    let package = app.url(&format!("/api/rounds/{round}/export/package.zip"));
    app.clock.set(t("20/01/2024"));
    let admin = Browser::default();
    app.sign_in_with(&admin, "quantri").await;
    let officer = Browser::default();
    app.sign_in_with(&officer, "a.canbo").await;
    let results_page = app.url(&format!("/ky/{round}/ket-qua"));

    // Before publication: no decision. A unit's officer may not download the ranking yet,
    // and gets the same refusal; the administrator is told why.
    for url in [&decision, &package] {
        let (status, body) = json_of(officer.send(officer.get(url.clone())).await).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden"))
        );
        let (status, body) = json_of(admin.send(admin.get(url.clone())).await).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("not_published")),
            "{url}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("chưa được công bố"), "{message}");
    }
    let page = admin
        .send(admin.get(results_page.clone()))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        !page.contains("export/decision.docx"),
        "offered before publication"
    );

    publish(&app, &admin, round).await;
    // The year of signing is the clock's in Vietnam: 31/12/2025 19:00 UTC is 2026 there.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2025-12-31T19:00:00Z")
            .expect("instant")
            .to_utc(),
    );
    // Sessions last 12 hours: sign in again at that time.
    app.sign_in_with(&admin, "quantri").await;
    app.sign_in_with(&officer, "a.canbo").await;
    let page = admin
        .send(admin.get(results_page))
        .await
        .text()
        .await
        .expect("page");
    for offered in [
        "Dự thảo quyết định công bố (Word)",
        "export/decision.docx",
        "Tải trọn bộ hồ sơ công bố (.zip)",
        "export/package.zip",
    ] {
        assert!(
            page.contains(offered),
            "«{offered}» not on the results page"
        );
    }

    // Published: the decision is the Sở's unsigned draft and the package holds every
    // unit's score sheet: a unit's officer gets neither, nor is offered them, nor the
    // detail workbook of every unit; the officer is offered the ranking and the unit's
    // own score sheet.
    for url in [&decision, &package] {
        let (status, body) = json_of(officer.send(officer.get(url.clone())).await).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{url}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Sở Nội vụ"), "{message}");
    }
    let details = app.url(&format!("/api/rounds/{round}/export/details.xlsx"));
    assert_eq!(officer.send(officer.get(details)).await.status(), 403);
    let officers_page = officer
        .send(officer.get(app.url(&format!("/ky/{round}/ket-qua"))))
        .await
        .text()
        .await
        .expect("page");
    for withheld in [
        "export/decision.docx",
        "export/package.zip",
        "export/details.xlsx",
    ] {
        assert!(
            !officers_page.contains(withheld),
            "{withheld} offered to a unit"
        );
    }
    let own_sheet = format!(
        "/api/rounds/{round}/units/{}/export/self-assessment.xlsx",
        r.units[0]
    );
    assert!(officers_page.contains("export/ranking.xlsx"));
    assert!(officers_page.contains(&own_sheet), "{officers_page}");
    assert_eq!(
        officer
            .send(officer.get(app.url(&own_sheet)))
            .await
            .status(),
        200
    );
    let response = admin.send(admin.get(decision)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        disposition.contains("filename=\"Du thao Quyet dinh cong bo Chi so CCHC nam 2023.docx\""),
        "{disposition}"
    );
    let docx = response.bytes().await.expect("body").to_vec();
    let text = paragraphs(&docx);
    let position = |part: &str| {
        text.iter()
            .position(|p| p.contains(part))
            .unwrap_or_else(|| panic!("«{part}» not in the decision: {text:#?}"))
    };
    // Every part, in the order Nghị định 30/2020 sets.
    let parts = [
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ NỘI VỤ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/QĐ-SNV",
        "Cần Thơ, ngày      tháng      năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc công bố Chỉ số cải cách hành chính năm 2023 của các kiểm thử",
        "GIÁM ĐỐC SỞ NỘI VỤ",
        "Căn cứ Quyết định số 12/2021/QĐ-UBND ngày 05 tháng 4 năm 2021 của UBND thành phố Cần Thơ quy định chức năng, nhiệm vụ của Sở Nội vụ;",
        // Not the last line any more: it ends with «;».
        "Căn cứ Kế hoạch số 45/KH-UBND ngày 01 tháng 3 năm 2023 của UBND thành phố Cần Thơ về xác định Chỉ số cải cách hành chính năm 2023;",
        "Theo đề nghị của Trưởng phòng Cải cách hành chính.",
        "QUYẾT ĐỊNH:",
        "Điều 1. Công bố kết quả Chỉ số cải cách hành chính năm 2023 của các kiểm thử",
        "Phụ lục I.1: Kết quả xác định Chỉ số cải cách hành chính năm 2023 của các kiểm thử;",
        "Phụ lục II.1: Chỉ số thành phần theo từng lĩnh vực cải cách hành chính năm 2023 của các kiểm thử.",
        "Điều 2. Thủ trưởng các cơ quan, đơn vị",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký.",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- UBND thành phố Cần Thơ (để b/c);",
        "- Lưu: VT, CCHC.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Thị Bình",
    ];
    let order: Vec<usize> = parts.iter().map(|p| position(p)).collect();
    for (pair, at) in parts.windows(2).zip(order.windows(2)) {
        assert!(at[0] < at[1], "«{}» is not before «{}»", pair[0], pair[1]);
    }
    assert!(text[position("Điều 2.")].contains("trong thời hạn 45 ngày"));
    assert!(
        text.iter().all(|p| !p.contains("76/NQ-CP")),
        "configured basis only"
    );
    assert_eq!(text.iter().filter(|p| p.starts_with("Phụ lục")).count(), 2);

    // The package: the decision, the annex, one score sheet per unit of the round.
    let response = admin.send(admin.get(package)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("a name").to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Bieu-tu-cham-diem/Khoi-kiem-thu/UBND-phuong-An-Khanh.xlsx",
            "Bieu-tu-cham-diem/Khoi-kiem-thu/UBND-xa-Binh-Hoa.xlsx",
            "Du-thao-Quyet-dinh-cong-bo-Chi-so-CCHC-nam-2023.docx",
            "Phu-luc-Xep-hang-Chi-so-CCHC-nam-2023.xlsx",
        ]
    );
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        zip.by_name(name)
            .expect("file")
            .read_to_end(&mut bytes)
            .expect("read");
        bytes
    };
    assert_eq!(
        paragraphs(&read(
            "Du-thao-Quyet-dinh-cong-bo-Chi-so-CCHC-nam-2023.docx"
        )),
        text
    );
    let mut annex: Xlsx<_> = open_workbook_from_rs(Cursor::new(read(
        "Phu-luc-Xep-hang-Chi-so-CCHC-nam-2023.xlsx",
    )))
    .expect("the annex workbook");
    assert!(
        annex
            .sheet_names()
            .iter()
            .any(|n| n.starts_with("Phụ lục I")),
        "{:?}",
        annex.sheet_names()
    );
    // The annex names the decision it comes with by the decision's own symbol.
    let first = annex.worksheet_range("Phụ lục I.1").expect("Phụ lục I.1");
    let line = first
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .find(|c| c.starts_with("(Kèm theo Quyết định số"))
        .expect("the decision line");
    assert!(line.contains("/QĐ-SNV "), "{line}");
    for (file, unit) in [
        ("UBND-phuong-An-Khanh", "UBND phường An Khánh"),
        ("UBND-xa-Binh-Hoa", "UBND xã Bình Hòa"),
    ] {
        let mut sheet: Xlsx<_> = open_workbook_from_rs(Cursor::new(read(&format!(
            "Bieu-tu-cham-diem/Khoi-kiem-thu/{file}.xlsx"
        ))))
        .expect("a score sheet");
        let first = sheet.sheet_names()[0].clone();
        let range = sheet.worksheet_range(&first).expect("sheet");
        let cells: String = range
            .rows()
            .flatten()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        // The sheet is the unit's: its name, as written or in capitals.
        assert!(
            cells.contains(unit) || cells.contains(&unit.to_uppercase()),
            "{file}: «{unit}» not in {cells}"
        );
        assert!(cells.contains("TỔNG CỘNG"), "{file}");
    }
}
