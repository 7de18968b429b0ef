//! The annex printed as the Sở Nội vụ officer prints it: the demo round's ranking workbook
//! converted to PDF by LibreOffice (Debian's `libreoffice-calc-nogui`), read back with
//! poppler's `pdftotext -bbox`, its pages saved as images under
//! target/test-output/print. Without LibreOffice the test says so and passes, except in
//! CI (`CI` set), where `.ci/run` installs it.

use std::process::Command;

use parindex::domain::SystemClock;
use parindex::service::results::round_results;

use crate::helpers::TestDb;

/// One word of the PDF: its page (from 1), text, height and box in points.
#[derive(Clone)]
struct Word {
    page: usize,
    text: String,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

fn tool(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The words of a PDF, page by page, from `pdftotext -bbox`'s XHTML.
fn words(pdf: &std::path::Path) -> Vec<Word> {
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed");
    let html = String::from_utf8_lossy(&out.stdout);
    let mut page = 0;
    let mut found = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        }
        if let Some(rest) = line.strip_prefix("<word ") {
            let attr = |name: &str| -> f64 {
                rest.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            };
            let text = rest
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or_default()
                .replace("&amp;", "&");
            found.push(Word {
                page,
                text,
                height: attr("yMax") - attr("yMin"),
                x: (attr("xMin"), attr("xMax")),
                y: (attr("yMin"), attr("yMax")),
            });
        }
    }
    found
}

/// Converts a workbook to PDF with LibreOffice, its pages saved as images named `name`.
fn print(bytes: &[u8], name: &str) -> std::path::PathBuf {
    print_pages(bytes, name, None)
}

/// Prints like [`print`], with page images of the first `images` pages only (all when
/// `None`): a long document is checked from its text, looked at from its first pages.
fn print_pages(bytes: &[u8], name: &str, images: Option<usize>) -> std::path::PathBuf {
    let dir = tempfile::tempdir().expect("dir").keep();
    let xlsx = dir.join(format!("{name}.xlsx"));
    std::fs::write(&xlsx, bytes).expect("write");
    // A profile of its own: a LibreOffice left open elsewhere does not take the job.
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.display());
    let status = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&xlsx)
        .output()
        .expect("soffice");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let pdf = dir.join(format!("{name}.pdf"));
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&status.stdout)
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/print");
    std::fs::create_dir_all(&out).expect("print dir");
    let mut render = Command::new("pdftoppm");
    render.args(["-png", "-r", "70"]);
    if let Some(last) = images {
        render.args(["-l", &last.to_string()]);
    }
    let status = render
        .arg(&pdf)
        .arg(out.join(name))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    pdf
}

/// Words of different lines whose boxes overlap: text printed over other text.
fn overlapping(words: &[Word]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let same_line = (a.y.0 - b.y.0).abs() < 1.0;
            let across = a.x.0 < b.x.1 - 0.5 && b.x.0 < a.x.1 - 0.5;
            // Lines of one wrapped cell touch (a box holds the accents above the letters);
            // text printed over other text covers more than half of it.
            let shared = a.y.1.min(b.y.1) - a.y.0.max(b.y.0);
            let down = shared > 0.5 * a.height.min(b.height);
            if a.page == b.page && !same_line && across && down {
                found.push((a.text.clone(), b.text.clone()));
            }
        }
    }
    found
}

fn page_text(words: &[Word], page: usize) -> String {
    words
        .iter()
        .filter(|w| w.page == page)
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn the_demo_rounds_annex_prints_as_a_signed_document() {
    if !tool("soffice") || !tool("pdftotext") {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice or poppler is missing: .ci/run installs libreoffice-calc-nogui and poppler-utils"
        );
        eprintln!("SKIPPED: no soffice or pdftotext on this machine");
        return;
    }
    let db = TestDb::new().await;
    let store = &db.store;
    parindex::demo::load(store, &SystemClock)
        .await
        .expect("demo");
    let rounds = store.rounds().await.expect("rounds");
    let round = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    let results = round_results(store, round, chrono::Utc::now())
        .await
        .expect("results");
    let annex = parindex::excel::annex::Annex {
        parent: "UBND thành phố Cần Thơ".into(),
        place: "Cần Thơ".into(),
        signer_title: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".into(),
        signer_name: "Nguyễn Văn A".into(),
        ..Default::default()
    };
    let bytes = parindex::excel::ranking_workbook(&results, "Sở Nội vụ", &annex).expect("annex");

    let pdf = print(&bytes, "phu-luc");
    let words = words(&pdf);
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0);
    let texts: Vec<String> = (1..=pages).map(|p| page_text(&words, p)).collect();
    let starts = |title: &str| texts.iter().position(|t| t.contains(title)).map(|i| i + 1);
    let i1 = starts("PHỤ LỤC I.1").expect("Phụ lục I.1");
    let i2 = starts("PHỤ LỤC I.2").expect("Phụ lục I.2");
    let ii = starts("PHỤ LỤC II").expect("Phụ lục II");
    let charts = texts
        .iter()
        .position(|t| t.contains("Chỉ số CCHC năm 2023 —"))
        .map_or(pages + 1, |i| i + 1);
    let annex_pages = charts - 1;
    eprintln!(
        "Phụ lục I.1 (20 đơn vị): {} trang; Phụ lục I và II: {annex_pages} trang; cả tệp: {pages} trang",
        i2 - i1
    );
    assert_eq!(i2 - i1, 1, "the 20-unit tier's annex on one page");
    // A page per tier for each annex: 51 units at a readable size do not fit on fewer.
    assert!(annex_pages <= 6, "the annex on {annex_pages} pages");
    // Every unit named whole, in Phụ lục I and again in Phụ lục II: no name cut short by
    // a row too low for its wrapped lines.
    let annex_text = texts[..annex_pages].join(" ");
    for unit in results.tiers.iter().flat_map(|t| &t.units) {
        let seen = annex_text.matches(unit.unit_name.as_str()).count();
        assert!(seen >= 2, "«{}» printed whole {seen} times", unit.unit_name);
    }
    assert!(
        texts.iter().any(|t| t.contains("Không gửi tự đánh giá")),
        "the unit that never submitted is noted"
    );

    // The first page: the letterhead, the title, the signature, the page number.
    let first = &texts[i1 - 1];
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ NỘI VỤ",
        "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
        "Kèm theo Quyết định số",
        "Cần Thơ, ngày",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Kèm theo Quyết định số",
        "của Sở Nội vụ",
        "Nguyễn Văn A",
        "Trang 1/",
    ] {
        assert!(
            first.contains(expected),
            "«{expected}» not on the first page: {first}"
        );
    }
    // Readable: the smallest word of the annex's tables is at least 10 pt high.
    let smallest = words
        .iter()
        .filter(|w| w.page < charts && w.text.chars().any(char::is_alphanumeric))
        .map(|w| w.height)
        .fold(f64::MAX, f64::min);
    eprintln!("chữ nhỏ nhất: {smallest:.1} pt");
    assert!(smallest >= 10.0, "text {smallest:.1} pt high");
    assert!(ii > i2);
    assert!(overlapping(&words).is_empty(), "{:?}", overlapping(&words));

    // A unit's score sheet: every line readable, nothing printed over anything, the
    // figures, the area subtotals and the total, the head's signature.
    let units = store.units(None).await.expect("units");
    let unit = units.iter().find(|u| u.name == "Sở Tư pháp").expect("unit");
    let admin = store
        .user_for_sign_in("quantri")
        .await
        .expect("lookup")
        .expect("the demo's administrator")
        .0;
    let who = parindex::service::Who::new(admin, "127.0.0.1", chrono::Utc::now());
    let data =
        parindex::service::exports::unit_detail(&crate::helpers::ctx(store), &who, round, unit.id)
            .await
            .expect("detail");
    let bytes = parindex::excel::self_assessment_workbook(&data, "Sở Tư pháp").expect("sheet");
    let pdf = print(&bytes, "bieu-tu-cham-diem");
    let words = self::words(&pdf);
    let all = (1..=words.iter().map(|w| w.page).max().unwrap_or(0))
        .map(|p| page_text(&words, p))
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "BIỂU TỰ CHẤM ĐIỂM",
        "TỔNG CỘNG",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "Trang 1/",
    ] {
        assert!(
            all.contains(expected),
            "«{expected}» not in the score sheet"
        );
    }
    let overlaps = overlapping(&words);
    assert!(overlaps.is_empty(), "text printed over text: {overlaps:?}");
    eprintln!(
        "Biểu tự chấm điểm: {} trang",
        words.iter().map(|w| w.page).max().unwrap_or(0)
    );

    // The detail workbook: a sheet per tier, every unit starting a page of its own, its
    // columns on that page, nothing printed over anything. Printed for the districts' tier
    // (9 units): the whole demo is 410 pages, which LibreOffice takes minutes to print.
    let round_row = store.round(round).await.expect("round");
    let mut chunks = Vec::new();
    for (tier, ids) in parindex::service::exports::detail_chunks(&results)
        .into_iter()
        .filter(|(tier, _)| tier == "huyen")
    {
        let details = parindex::service::exports::details_of(store, &round_row, &tier, &ids)
            .await
            .expect("details");
        chunks.push(Ok(details));
    }
    let bytes = parindex::excel::build_details_workbook_from(chunks.into_iter(), "Sở Nội vụ")
        .expect("details")
        .save_to_buffer()
        .expect("save");
    let pdf = print_pages(&bytes, "chi-tiet", Some(12));
    let words = self::words(&pdf);
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0);
    let units: usize = results
        .tiers
        .iter()
        .filter(|t| t.tier_code == "huyen")
        .map(|t| t.units.len())
        .sum();
    assert_eq!(units, 9);
    let mut starts = 0;
    for page in 1..=pages {
        let text = page_text(&words, page);
        let titles = text.matches("KẾT QUẢ CHẤM ĐIỂM").count();
        assert!(titles <= 1, "page {page} holds {titles} units: {text}");
        if titles == 1 {
            starts += 1;
            // The unit's page begins with its title rows and has all its columns.
            let top = words
                .iter()
                .filter(|w| w.page == page && w.text.chars().any(char::is_alphanumeric))
                .min_by(|a, b| a.y.0.total_cmp(&b.y.0))
                .expect("a word");
            assert_eq!(top.text, "SỞ", "page {page} starts with «{}»", top.text);
            for header in ["Mã", "Tiêu", "Ghi chú của đơn vị", "Ghi chú của thẩm định"]
            {
                assert!(
                    text.contains(header),
                    "«{header}» not on page {page}: {text}"
                );
            }
        }
    }
    assert_eq!(starts, units, "a page per unit");
    // Every column across one page: a block that spills sideways takes twice the pages.
    assert!(pages <= 10 * units, "{pages} pages for {units} units");
    for page in 1..=pages {
        let on_page: Vec<Word> = words.iter().filter(|w| w.page == page).cloned().collect();
        assert!(
            overlapping(&on_page).is_empty(),
            "page {page}: {:?}",
            overlapping(&on_page)
        );
    }
    eprintln!("Chi tiết từng đơn vị: {units} đơn vị, {pages} trang");

    // A criteria set as published: landscape, readable, the columns people read.
    let stored = store
        .criteria_set_by_version("SO", "2022")
        .await
        .or(store.criteria_set(1).await)
        .expect("a criteria set");
    let tier = parindex::demo::tier_name(&stored.set.tier);
    let bytes = parindex::excel::criteria_workbook::export(&stored.set, tier).expect("workbook");
    let pdf = print(&bytes, "bo-tieu-chi");
    let words = self::words(&pdf);
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0);
    let smallest = words
        .iter()
        .filter(|w| w.text.chars().any(char::is_alphanumeric))
        .map(|w| w.height)
        .fold(f64::MAX, f64::min);
    eprintln!("Bộ tiêu chí: {pages} trang, chữ nhỏ nhất {smallest:.1} pt");
    let all = (1..=pages)
        .map(|p| page_text(&words, p))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        all.contains("Hướng dẫn chấm điểm"),
        "the guidance is printed"
    );
    assert!(!all.contains("yes_no"), "method codes are not printed");
    assert!(smallest >= 9.5, "criteria printed {smallest:.1} pt high");
    assert!(overlapping(&words).is_empty(), "{:?}", overlapping(&words));
    // Phụ lục II: the areas named in the header.
    assert!(
        texts[ii - 1].contains("Cải cách thủ tục hành chính"),
        "{}",
        texts[ii - 1]
    );
}
