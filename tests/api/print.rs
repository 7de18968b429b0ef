//! The documents printed as the officers who sign them print them: the workbooks converted
//! to PDF by LibreOffice (Debian's `libreoffice-calc-nogui`) on a machine without Calibri
//! or a metric clone of it (the conversion runs with a font configuration that hides
//! them, whatever is installed), read back with poppler: `pdftohtml -xml` gives every text
//! run's type size and place, `pdftotext -bbox` every word's box. Page images go to
//! target/test-output/print. Without LibreOffice the test says so and passes, except in
//! CI (`CI` set), where `.ci/run` installs it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use parindex::domain::results::{AreaResult, UnitResult};
use parindex::domain::{Percent, Points, SystemClock};
use parindex::report::{RoundResults, TierResults};
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

/// One run of text as `pdftohtml` gives it: its page, text, type size, boldness and place,
/// in points.
#[derive(Clone, Debug)]
struct Run {
    page: usize,
    text: String,
    size: f64,
    bold: bool,
    top: f64,
    left: f64,
    width: f64,
}

/// A printed document: its words and runs.
struct Pdf {
    path: PathBuf,
    words: Vec<Word>,
    runs: Vec<Run>,
    pages: usize,
}

fn tool(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The value of attribute `name` in an XML start tag's text.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|v| v.split('"').next())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The words of a PDF, page by page, from `pdftotext -bbox`'s XHTML.
fn words(pdf: &Path) -> Vec<Word> {
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
                attribute(&format!(" {rest}"), name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            };
            let text = rest
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or_default();
            found.push(Word {
                page,
                text: unescape(text),
                height: attr("yMax") - attr("yMin"),
                x: (attr("xMin"), attr("xMax")),
                y: (attr("yMin"), attr("yMax")),
            });
        }
    }
    found
}

/// The text runs of a PDF with their type sizes, from `pdftohtml -xml` at zoom 3 (its
/// largest): sizes come rounded to a third of a point.
fn runs(pdf: &Path) -> Vec<Run> {
    const ZOOM: f64 = 3.0;
    let out = Command::new("pdftohtml")
        .args(["-xml", "-i", "-zoom", "3", "-stdout"])
        .arg(pdf)
        .output()
        .expect("pdftohtml");
    assert!(out.status.success(), "pdftohtml failed");
    let xml = String::from_utf8_lossy(&out.stdout);
    let mut sizes: HashMap<String, f64> = HashMap::new();
    let (mut page, mut found) = (0, Vec::new());
    for line in xml.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page = attribute(line, "number")
                .and_then(|n| n.parse().ok())
                .unwrap_or(page + 1);
        } else if line.starts_with("<fontspec ") {
            let id = attribute(line, "id").unwrap_or_default().to_string();
            let size: f64 = attribute(line, "size")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0.0);
            sizes.insert(id, size / ZOOM);
        } else if line.starts_with("<text ") {
            let number = |name: &str| -> f64 {
                attribute(line, name)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
                    / ZOOM
            };
            let inner = line
                .split_once('>')
                .map(|(_, rest)| rest.trim_end_matches("</text>"))
                .unwrap_or_default();
            let bold = inner.contains("<b>");
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let font = attribute(line, "font").unwrap_or_default();
            found.push(Run {
                page,
                text: unescape(text.trim()),
                size: sizes.get(font).copied().unwrap_or(0.0),
                bold,
                top: number("top"),
                left: number("left"),
                width: number("width"),
            });
        }
    }
    found
}

/// A font configuration that hides Calibri and its metric clone Carlito from LibreOffice:
/// the print is what a machine without them prints, whatever this one has installed.
fn without_calibri(dir: &Path) -> PathBuf {
    let path = dir.join("fonts.conf");
    std::fs::write(
        &path,
        r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont>
    <rejectfont>
      <pattern><patelt name="family"><string>Carlito</string></patelt></pattern>
      <pattern><patelt name="family"><string>Calibri</string></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"#,
    )
    .expect("fonts.conf");
    path
}

/// Converts a workbook to PDF with LibreOffice, named `name`.
fn print(bytes: &[u8], name: &str) -> Pdf {
    let dir = tempfile::tempdir().expect("dir").keep();
    let xlsx = dir.join(format!("{name}.xlsx"));
    std::fs::write(&xlsx, bytes).expect("write");
    // A profile of its own: a LibreOffice left open elsewhere does not take the job.
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.display());
    let status = Command::new("soffice")
        .env("FONTCONFIG_FILE", without_calibri(&dir))
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
    let path = dir.join(format!("{name}.pdf"));
    assert!(
        path.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&status.stdout)
    );
    let fonts = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).to_lowercase();
    assert!(
        !fonts.contains("carlito") && !fonts.contains("calibri"),
        "{name} printed with Calibri or Carlito: {fonts}"
    );
    let words = words(&path);
    let runs = runs(&path);
    let pages = runs.iter().map(|r| r.page).max().unwrap_or(0);
    Pdf {
        path,
        words,
        runs,
        pages,
    }
}

impl Pdf {
    /// Saves the images of `pages` (from 1) as `target/test-output/print/<name>-<page>.png`.
    fn images(&self, name: &str, pages: &[usize]) {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/print");
        std::fs::create_dir_all(&out).expect("print dir");
        for page in pages {
            let page = page.to_string();
            let status = Command::new("pdftoppm")
                .args(["-png", "-r", "70", "-singlefile", "-f", &page, "-l", &page])
                .arg(&self.path)
                .arg(out.join(format!("{name}-{page}")))
                .status()
                .expect("pdftoppm");
            assert!(status.success());
        }
    }

    fn text(&self, page: usize) -> String {
        self.words
            .iter()
            .filter(|w| w.page == page)
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn runs_on(&self, page: usize) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(move |r| r.page == page)
    }

    /// The pages whose runs include one reading `text` exactly.
    fn pages_with_run(&self, text: &str) -> Vec<usize> {
        let mut pages: Vec<usize> = self
            .runs
            .iter()
            .filter(|r| r.text == text)
            .map(|r| r.page)
            .collect();
        pages.dedup();
        pages
    }

    /// The smallest type on `pages`, in points.
    fn smallest(&self, pages: std::ops::RangeInclusive<usize>) -> f64 {
        self.runs
            .iter()
            .filter(|r| pages.contains(&r.page) && r.text.chars().any(char::is_alphanumeric))
            .map(|r| r.size)
            .fold(f64::MAX, f64::min)
    }

    /// Fails where text of `page` prints over other text.
    fn assert_not_overprinted(&self, what: &str, page: usize) {
        let on_page: Vec<Word> = self
            .words
            .iter()
            .filter(|w| w.page == page)
            .cloned()
            .collect();
        let overlaps = overlapping(&on_page);
        assert!(overlaps.is_empty(), "{what}: page {page}: {overlaps:?}");
    }

    /// The page number printed at the top of `page`, centred in the top margin, if any.
    fn page_number(&self, page: usize) -> Option<String> {
        self.runs_on(page)
            .find(|r| {
                let centre = r.left + r.width / 2.0;
                r.top < 50.0
                    && (centre - 428.0).abs() < 25.0
                    && r.text.chars().all(|c| c.is_ascii_digit())
            })
            .map(|r| r.text.clone())
    }

    /// `pages` are one document numbered as Nghị định 30/2020 sets it: nothing on the
    /// first, then 2, 3, … centred at the top; no «Trang x/y» anywhere.
    fn assert_numbered(&self, what: &str, pages: std::ops::RangeInclusive<usize>) {
        let first = *pages.start();
        for page in pages {
            let expected = (page > first).then(|| (page - first + 1).to_string());
            assert_eq!(
                self.page_number(page),
                expected,
                "{what}: page {page} of the PDF"
            );
            assert!(
                !self.text(page).contains("Trang "),
                "{what}: a footer «Trang x/y» on page {page}"
            );
        }
    }
}

/// Text without the numbers in it: a wrapped name reads whole even where the number of
/// its row (centred in its height) comes between its lines.
fn without_numbers(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| {
            !w.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        })
        .collect::<Vec<_>>()
        .join(" ")
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

/// The sections of an annex: each Phụ lục and each tier's charts, by the title on its
/// first page, with their pages.
fn sections(pdf: &Pdf, titles: &[String]) -> Vec<(String, std::ops::RangeInclusive<usize>)> {
    let starts: Vec<(String, usize)> = titles
        .iter()
        .map(|t| {
            let page = pdf
                .runs
                .iter()
                .find(|r| r.text == *t)
                .map(|r| r.page)
                .unwrap_or_else(|| panic!("«{t}» not printed"));
            (t.clone(), page)
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, (title, first))| {
            let last = starts.get(i + 1).map_or(pdf.pages, |(_, next)| next - 1);
            (title.clone(), *first..=last)
        })
        .collect()
}

/// The titles that open an annex's sections: Phụ lục I.n, then II.n, then the charts, a
/// section per tier each.
fn titles(results: &RoundResults) -> Vec<String> {
    let tiers = results.tiers.len();
    (1..=tiers)
        .map(|n| format!("PHỤ LỤC I.{n}"))
        .chain((1..=tiers).map(|n| format!("PHỤ LỤC II.{n}")))
        .chain(results.tiers.iter().map(|t| {
            format!(
                "BIỂU ĐỒ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {} CỦA CÁC {}",
                results.year,
                t.tier_name.trim_start_matches("Khối ").to_uppercase()
            )
        }))
        .collect()
}

/// What the annex's checks need to know of who signs it.
struct Signer<'a> {
    date_line: String,
    titles: &'a [&'a str],
    name: &'a str,
}

/// A Phụ lục printed as a signed table: the header row on every page, numbered from its
/// second page, every unit named, no type under 10 pt, nothing printed over anything, the
/// signature whole on the last page with at least the last three units (or all); the
/// figures a draft says it is on every page. Returns its pages.
fn assert_signed_table(
    pdf: &Pdf,
    (title, pages): &(String, std::ops::RangeInclusive<usize>),
    units: &[String],
    signer: &Signer<'_>,
    draft: bool,
) -> usize {
    for page in pages.clone() {
        let text = pdf.text(page);
        assert!(
            text.contains("STT") && text.contains("Tên cơ quan, đơn vị"),
            "{title}: page {page} without the header row: {text}"
        );
        assert_eq!(
            pdf.runs_on(page).any(|r| r.text == "DỰ THẢO"),
            draft,
            "{title}: page {page} and «DỰ THẢO»"
        );
        pdf.assert_not_overprinted(title, page);
    }
    pdf.assert_numbered(title, pages.clone());
    let all: String = pages
        .clone()
        .map(|p| pdf.text(p))
        .collect::<Vec<_>>()
        .join(" ");
    let all = without_numbers(&all);
    for unit in units {
        let unit = without_numbers(unit);
        assert!(
            all.contains(unit.as_str()),
            "{title}: «{unit}» not printed whole"
        );
    }
    let smallest = pdf.smallest(pages.clone());
    assert!(smallest >= 10.0, "{title}: type {smallest:.2} pt");
    // The signature: its date line, titles and name on the last page only, with the last
    // rows of the table.
    let last = *pages.end();
    let date: Vec<usize> = pdf
        .runs
        .iter()
        .filter(|r| pages.contains(&r.page) && r.text.starts_with("Cần Thơ, ngày"))
        .map(|r| r.page)
        .collect();
    assert_eq!(date, [last], "{title}: the date line");
    let date_run = pdf
        .runs_on(last)
        .find(|r| r.text.starts_with("Cần Thơ, ngày"))
        .expect("date line");
    let squeezed: String = date_run
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(squeezed, signer.date_line, "{title}: the date line");
    for line in signer.titles.iter().chain([&signer.name]) {
        let seen: Vec<usize> = pdf
            .pages_with_run(line)
            .into_iter()
            .filter(|p| pages.contains(p))
            .collect();
        assert_eq!(seen, [last], "{title}: «{line}»");
    }
    let text = without_numbers(&pdf.text(last));
    for unit in units.iter().rev().take(3) {
        assert!(
            text.contains(without_numbers(unit).as_str()),
            "{title}: the signature's page without «{unit}»"
        );
    }
    pages.end() - pages.start() + 1
}

/// A tier's charts: on pages of their own after its letterhead and title, each page with
/// a chart's title, every unit named once with its index on its bar, the axis to 100,
/// every type at least 10 pt, numbered from the second page.
fn assert_charts(
    pdf: &Pdf,
    (title, pages): &(String, std::ops::RangeInclusive<usize>),
    tier: &TierResults,
    draft: bool,
) -> usize {
    let all: String = pages
        .clone()
        .map(|p| pdf.text(p))
        .collect::<Vec<_>>()
        .join(" ");
    for u in &tier.units {
        // Once: no chart is printed on two pages.
        assert_eq!(
            all.matches(u.unit_name.as_str()).count(),
            1,
            "{title}: «{}» in {all}",
            u.unit_name
        );
        let value = format!("{:.2}", u.index.hundredths() as f64 / 100.0);
        assert!(all.contains(&value), "{title}: no bar labelled {value}");
    }
    for page in pages.clone() {
        let text = pdf.text(page);
        assert!(
            text.contains("Chỉ số CCHC năm"),
            "{title}: page {page} without a chart: {text}"
        );
        assert!(
            pdf.runs_on(page).any(|r| r.text == "100"),
            "{title}: page {page}: the axis is cut or does not reach 100"
        );
        assert_eq!(
            pdf.runs_on(page).any(|r| r.text == "DỰ THẢO"),
            draft,
            "{title}: page {page} and «DỰ THẢO»"
        );
    }
    pdf.assert_numbered(title, pages.clone());
    let smallest = pdf.smallest(pages.clone());
    assert!(smallest >= 10.0, "{title}: type {smallest:.2} pt");
    pages.end() - pages.start() + 1
}

/// The names in a tier's results, in rank order.
fn names(tier: &TierResults) -> Vec<String> {
    tier.units.iter().map(|u| u.unit_name.clone()).collect()
}

fn skip_without_libreoffice() -> bool {
    if tool("soffice") && tool("pdftotext") && tool("pdftohtml") {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "LibreOffice or poppler is missing: .ci/run installs libreoffice-calc-nogui and poppler-utils"
    );
    eprintln!("SKIPPED: no soffice, pdftotext or pdftohtml on this machine");
    true
}

fn demo_annex() -> parindex::excel::annex::Annex {
    parindex::excel::annex::Annex {
        parent: "UBND thành phố Cần Thơ".into(),
        place: "Cần Thơ".into(),
        signer_title: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".into(),
        signer_name: "Nguyễn Văn A".into(),
        ..Default::default()
    }
}

/// Today in Vietnam, as the exports date their documents.
fn today() -> chrono::NaiveDate {
    parindex::domain::deadline::vn_date(chrono::Utc::now().timestamp())
}

#[tokio::test]
async fn the_demo_rounds_documents_print_as_they_are_signed() {
    if skip_without_libreoffice() {
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
    let annex = demo_annex();
    let year = chrono::Datelike::year(&today());
    let bytes =
        parindex::excel::ranking_workbook(&results, "Sở Nội vụ", &annex, today()).expect("annex");

    // The annex: Phụ lục I.n and II.n per tier, then the charts.
    let pdf = print(&bytes, "phu-luc");
    let tiers = results.tiers.len();
    let sections = sections(&pdf, &titles(&results));
    let signer = Signer {
        date_line: format!("Cần Thơ, ngày tháng năm {year}"),
        titles: &["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        name: "Nguyễn Văn A",
    };
    let mut figures = Vec::new();
    for (n, tier) in results.tiers.iter().enumerate() {
        let i = assert_signed_table(&pdf, &sections[n], &names(tier), &signer, true);
        let ii = assert_signed_table(&pdf, &sections[tiers + n], &names(tier), &signer, true);
        let charts = assert_charts(&pdf, &sections[2 * tiers + n], tier, true);
        figures.push(format!(
            "{} ({} đơn vị): I {i} trang, II {ii} trang, biểu đồ {charts} trang",
            tier.tier_name,
            tier.units.len()
        ));
    }
    eprintln!(
        "Phụ lục (demo, {} trang): {}; chữ nhỏ nhất {:.2} pt",
        pdf.pages,
        figures.join("; "),
        pdf.smallest(1..=pdf.pages)
    );
    let (i1, _) = &sections[0];
    let first = pdf.text(*sections[0].1.start());
    assert_eq!(i1, "PHỤ LỤC I.1");
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ NỘI VỤ",
        "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
        "Kèm theo Quyết định số",
        "của Sở Nội vụ",
        // «Điểm tối đa áp dụng», wrapped in its heading.
        "đa áp",
    ] {
        assert!(
            first.contains(expected),
            "«{expected}» not on the first page: {first}"
        );
    }
    // Nghị định 30/2020: the motto at 13–14 pt, the national name and the annex's number
    // in bold.
    let motto = pdf
        .runs
        .iter()
        .find(|r| r.text == "Độc lập - Tự do - Hạnh phúc")
        .expect("motto");
    assert!(
        (13.0..=14.0).contains(&motto.size),
        "motto {:.2} pt",
        motto.size
    );
    for bold in [
        "PHỤ LỤC I.1",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỞ NỘI VỤ",
    ] {
        let run = pdf.runs.iter().find(|r| r.text == bold).expect("printed");
        assert!(run.bold, "«{bold}» is not bold");
    }
    // The heading «Chỉ số CCHC (%)» whole in its column: none of its words reaches past
    // the numbers under it (right-aligned in the same column).
    let page = *sections[0].1.start();
    let on_page: Vec<&Word> = pdf.words.iter().filter(|w| w.page == page).collect();
    let index_right = results.tiers[0]
        .units
        .iter()
        .filter_map(|u| {
            let value = format!("{:.2}", u.index.hundredths() as f64 / 100.0);
            on_page.iter().find(|w| w.text == value).map(|w| w.x.1)
        })
        .fold(0.0, f64::max);
    let heading = on_page
        .iter()
        .find(|w| w.text == "(%)")
        .expect("«(%)» of the index's heading");
    assert!(
        heading.x.1 <= index_right + 3.0,
        "«(%)» ends at {:.1}, its column at {index_right:.1}",
        heading.x.1
    );
    // The unit that never submitted is noted in Phụ lục I and II.
    let noted = (1..=pdf.pages)
        .filter(|p| pdf.text(*p).contains("Không gửi tự đánh giá"))
        .count();
    assert!(
        noted >= 2,
        "the unit that never submitted, noted {noted} times"
    );
    // Images: the first page, a continuation, the signature's page, a chart.
    let (_, communes) = &sections[2];
    let (_, charts) = &sections[2 * tiers + 2];
    let looked_at = [
        *sections[0].1.start(),
        communes.start() + 1,
        *communes.end(),
        *charts.start(),
        charts.start() + 1,
    ];
    pdf.images("phu-luc", &looked_at);

    // A unit's score sheet, headed by the unit and signed by its head.
    let units = store.units(None).await.expect("units");
    let unit = units.iter().find(|u| u.name == "Sở Tư pháp").expect("unit");
    let admin = store
        .user_for_sign_in("quantri")
        .await
        .expect("lookup")
        .expect("the demo's administrator")
        .0;
    let head = store
        .user_for_sign_in("so-02.thutruong")
        .await
        .expect("lookup")
        .expect("the head of Sở Tư pháp")
        .0;
    let who = parindex::service::Who::new(admin, "127.0.0.1", chrono::Utc::now());
    let data =
        parindex::service::exports::unit_detail(&crate::helpers::ctx(store), &who, round, unit.id)
            .await
            .expect("detail");
    let bytes = parindex::excel::self_assessment_workbook(&data, &annex, today()).expect("sheet");
    let sheet = print(&bytes, "bieu-tu-cham-diem");
    sheet.images("bieu-tu-cham-diem", &[1, sheet.pages]);
    let all: String = (1..=sheet.pages)
        .map(|p| sheet.text(p))
        .collect::<Vec<_>>()
        .join(" ");
    let first = sheet.text(1);
    for expected in [
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ TƯ PHÁP",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:",
        "/BC-",
        "Cần Thơ, ngày 05 tháng 01 năm 2024",
        "BIỂU TỰ CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
    ] {
        assert!(
            first.contains(expected),
            "«{expected}» not heading the score sheet: {first}"
        );
    }
    assert!(
        !all.contains("SỞ NỘI VỤ"),
        "the score sheet is the unit's own"
    );
    // The issuer's block: the body above, then the unit, at the top left.
    let mut top_left: Vec<&Run> = sheet
        .runs_on(1)
        .filter(|r| r.top < 110.0 && r.left < 300.0 && !r.text.is_empty())
        .collect();
    top_left.sort_by(|a, b| a.top.total_cmp(&b.top));
    let top_left: Vec<&str> = top_left.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(top_left[..2], ["UBND THÀNH PHỐ CẦN THƠ", "SỞ TƯ PHÁP"]);
    for page in 1..=sheet.pages {
        let text = sheet.text(page);
        assert!(
            text.contains("Tiêu chí") && text.contains("Điểm tự chấm"),
            "score sheet page {page} without the header row: {text}"
        );
        sheet.assert_not_overprinted("biểu tự chấm điểm", page);
        assert!(
            !sheet.runs_on(page).any(|r| r.text == "DỰ THẢO"),
            "submitted: no draft"
        );
    }
    sheet.assert_numbered("biểu tự chấm điểm", 1..=sheet.pages);
    for expected in [
        "Cộng điểm các lĩnh vực",
        "TỔNG CỘNG",
        "Điểm tự đánh giá",
        "Điểm điều tra XHH",
        "Điểm thưởng",
        "Điểm trừ",
        "Tổng điểm",
        "Điểm tối đa áp dụng",
        "Chỉ số CCHC (%)",
    ] {
        assert!(
            all.contains(expected),
            "«{expected}» not in the score sheet"
        );
    }
    // The head's signature, with the name of the account that submitted, on the page of
    // the figures and the last rows.
    let signed = sheet.pages_with_run("THỦ TRƯỞNG ĐƠN VỊ");
    assert_eq!(signed, [sheet.pages], "the signature on the last page");
    assert_eq!(sheet.pages_with_run(&head.display_name), [sheet.pages]);
    let last = sheet.text(sheet.pages);
    assert!(last.contains("Cộng điểm các lĩnh vực") && last.contains("Chỉ số CCHC (%)"));
    let smallest = sheet.smallest(1..=sheet.pages);
    assert!(smallest >= 10.0, "the score sheet's type {smallest:.2} pt");
    eprintln!(
        "Biểu tự chấm điểm: {} trang, chữ nhỏ nhất {smallest:.2} pt",
        sheet.pages
    );

    // The detail workbook, for the districts' tier (9 units): every page names its unit
    // and repeats the headings. (The whole demo is hundreds of pages, which LibreOffice
    // takes minutes to print.)
    let round_row = store.round(round).await.expect("round");
    let mut chunks = Vec::new();
    for (tier, units) in parindex::service::exports::detail_chunks(&results)
        .into_iter()
        .filter(|(tier, _)| tier == "huyen")
    {
        let details = parindex::service::exports::details_of(store, &round_row, &tier, &units)
            .await
            .expect("details");
        chunks.push(Ok(details));
    }
    let bytes = parindex::excel::build_details_workbook_from(chunks.into_iter(), "Sở Nội vụ")
        .expect("details")
        .save_to_buffer()
        .expect("save");
    let detail = print(&bytes, "chi-tiet");
    detail.images("chi-tiet", &[1, 2]);
    let districts: Vec<String> = results
        .tiers
        .iter()
        .filter(|t| t.tier_code == "huyen")
        .flat_map(|t| t.units.iter().map(|u| u.unit_name.to_uppercase()))
        .collect();
    assert_eq!(districts.len(), 9);
    let mut starts = Vec::new();
    for page in 1..=detail.pages {
        let text = detail.text(page);
        let named: Vec<&String> = districts
            .iter()
            .filter(|d| text.contains(d.as_str()))
            .collect();
        assert_eq!(named.len(), 1, "detail page {page} names {named:?}: {text}");
        for header in [
            "Mã",
            "Tiêu chí",
            "Ghi chú của đơn vị",
            "Ghi chú của thẩm định",
        ] {
            assert!(
                text.contains(header),
                "«{header}» not on detail page {page}: {text}"
            );
        }
        if !text.contains("(tiếp theo)") {
            starts.push(named[0].clone());
        }
        detail.assert_not_overprinted("chi tiết", page);
    }
    assert_eq!(
        starts, districts,
        "each unit starts a page, in ranking order"
    );
    detail.assert_numbered("chi tiết", 1..=detail.pages);
    let smallest = detail.smallest(1..=detail.pages);
    assert!(smallest >= 10.0, "the detail's type {smallest:.2} pt");
    eprintln!(
        "Chi tiết từng đơn vị: 9 đơn vị, {} trang, chữ nhỏ nhất {smallest:.2} pt",
        detail.pages
    );

    // A criteria set as published: landscape, readable, the columns people read.
    let stored = store
        .criteria_set_by_version("SO", "2022")
        .await
        .or(store.criteria_set(1).await)
        .expect("a criteria set");
    let tier = parindex::demo::tier_name(&stored.set.tier);
    let bytes = parindex::excel::criteria_workbook::export(&stored.set, tier).expect("workbook");
    let criteria = print(&bytes, "bo-tieu-chi");
    criteria.images("bo-tieu-chi", &[1]);
    let all = (1..=criteria.pages)
        .map(|p| criteria.text(p))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        all.contains("Hướng dẫn chấm điểm"),
        "the guidance is printed"
    );
    assert!(!all.contains("yes_no"), "method codes are not printed");
    assert!(
        overlapping(&criteria.words).is_empty(),
        "{:?}",
        overlapping(&criteria.words)
    );
    eprintln!(
        "Bộ tiêu chí: {} trang, chữ nhỏ nhất {:.2} pt ({})",
        criteria.pages,
        criteria.smallest(1..=criteria.pages),
        criteria.path.display()
    );
}

/// The minutes of the demo's first appraisal (biên bản thẩm định, signed by its council)
/// print as the council signs them: A4 landscape, the header row on every page, numbered
/// from the second, type of 10 pt or more, nothing printed over anything, every unit
/// named, and the secretary's and the chair's signatures on the last page only, with the
/// last rows of the table.
#[tokio::test]
async fn the_demos_minutes_print_as_the_council_signs_them() {
    if skip_without_libreoffice() {
        return;
    }
    let db = TestDb::new().await;
    let store = &db.store;
    parindex::demo::load(store, &SystemClock)
        .await
        .expect("demo");
    let rounds = store.rounds().await.expect("rounds");
    let round = rounds.iter().find(|r| r.1 == 2023).expect("2023").0;
    let admin = store
        .user_for_sign_in("quantri")
        .await
        .expect("lookup")
        .expect("admin")
        .0;
    let who = parindex::service::Who::new(admin, "127.0.0.1", chrono::Utc::now());
    let ctx = crate::helpers::ctx(store);
    let minutes = parindex::service::sign_off::minutes(&ctx, &who, round, 1)
        .await
        .expect("minutes");
    let bytes =
        parindex::excel::minutes::minutes_workbook(&minutes, "Sở Nội vụ", &demo_annex(), today())
            .expect("workbook");
    let pdf = print(&bytes, "bien-ban");
    let first = pdf.text(1);
    for expected in [
        "UBND THÀNH PHỐ CẦN THƠ",
        "HỘI ĐỒNG THẨM ĐỊNH CHỈ SỐ CCHC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN",
        "Cần Thơ, ngày 31 tháng 01 năm 2024",
        "Thành phần Hội đồng:",
    ] {
        assert!(
            first.contains(expected),
            "«{expected}» not on page 1: {first}"
        );
    }
    for page in 1..=pdf.pages {
        let text = pdf.text(page);
        assert!(
            text.contains("STT") && text.contains("Nhận xét của thẩm định"),
            "page {page} without the header row: {text}"
        );
        assert!(
            !pdf.runs_on(page).any(|r| r.text == "DỰ THẢO"),
            "signed, not a draft"
        );
        pdf.assert_not_overprinted("biên bản", page);
    }
    pdf.assert_numbered("biên bản", 1..=pdf.pages);
    let smallest = pdf.smallest(1..=pdf.pages);
    assert!(smallest >= 10.0, "type {smallest:.2} pt");
    let all = without_numbers(
        &(1..=pdf.pages)
            .map(|p| pdf.text(p))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let units: Vec<&str> = (minutes.tiers.iter())
        .flat_map(|t| t.units.iter().map(|u| u.unit_name.as_str()))
        .collect();
    assert_eq!(units.len(), 51);
    for unit in &units {
        assert!(
            all.contains(&without_numbers(unit)),
            "«{unit}» not printed whole"
        );
    }
    for line in [
        "THƯ KÝ HỘI ĐỒNG",
        "CHỦ TỊCH HỘI ĐỒNG",
        "Nguyễn Văn An",
        "Phạm Thị Lan",
    ] {
        let seen: Vec<usize> = pdf
            .pages_with_run(line)
            .into_iter()
            .filter(|p| *p > 1)
            .collect();
        assert_eq!(seen, [pdf.pages], "«{line}»");
    }
    let last_unit = units.last().expect("units");
    let last_page = without_numbers(&pdf.text(pdf.pages));
    assert!(
        last_page.contains(&without_numbers(last_unit))
            || minutes.tiers[2]
                .units
                .last()
                .is_some_and(|u| !u.changed.is_empty()),
        "the signatures' page without the last rows"
    );
    pdf.images("bien-ban", &[1, pdf.pages]);
    eprintln!(
        "Biên bản thẩm định lần 1 (demo): {} trang; chữ nhỏ nhất {smallest:.2} pt",
        pdf.pages
    );
}

/// `i` in letters, A to Z then AA…: names that read apart without their numbers.
fn letters(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    out.iter().rev().collect()
}

/// A tier of `n` units with names of every length, ranked by a falling index.
fn tier_of(code: &str, n: usize) -> TierResults {
    const NAMES: [&str; 6] = [
        "UBND phường An Khánh",
        "UBND xã Nhơn Nghĩa",
        "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ",
        "UBND phường Bùi Hữu Nghĩa",
        "Sở Lao động - Thương binh và Xã hội",
        "UBND thị trấn Thới Lai",
    ];
    let areas: Vec<parindex::report::AreaHeading> = [
        "Công tác chỉ đạo, điều hành CCHC",
        "Cải cách thể chế",
        "Cải cách thủ tục hành chính",
        "Cải cách tổ chức bộ máy hành chính",
        "Cải cách chế độ công vụ",
        "Cải cách tài chính công",
        "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
        "Tác động của CCHC (điều tra xã hội học)",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| parindex::report::AreaHeading {
        code: (i + 1).to_string(),
        text: text.to_string(),
        max: Points::whole(12),
    })
    .collect();
    let units = (0..n)
        .map(|i| {
            let index = 9_850 - (i as i64 * 4_000) / n.max(1) as i64;
            UnitResult {
                unit_id: i as i64,
                unit_code: format!("{code}-{i:03}"),
                unit_name: format!("{} (đơn vị {code}{})", NAMES[i % NAMES.len()], letters(i)),
                self_total: Points::from_hundredths(index - 300),
                appraised_total: Points::from_hundredths(index - 3_000),
                survey_total: Points::from_hundredths(2_800),
                bonus: Points::from_hundredths(if i % 7 == 0 { 100 } else { 0 }),
                penalty: Points::from_hundredths(if i % 5 == 0 { 50 } else { 0 }),
                final_total: Points::from_hundredths(index),
                applicable_max: Points::whole(if i % 9 == 0 { 95 } else { 100 }),
                index: Percent::from_hundredths(index),
                areas: (1..=8)
                    .map(|a| AreaResult {
                        code: a.to_string(),
                        points: Points::whole(10),
                        max: Points::whole(12),
                        index: Some(Percent::from_hundredths(8_333 - a * 100)),
                    })
                    .collect(),
                provisional: false,
                rank: i as u32 + 1,
                classification: Some(if i < n / 3 { "Nhóm A" } else { "Trung bình" }.into()),
                note: (i % 11 == 3).then(|| "Không gửi tự đánh giá".to_string()),
            }
        })
        .collect();
    TierResults {
        tier_code: code.into(),
        tier_name: format!("Khối thử {n} đơn vị"),
        set_code: "CCHC".into(),
        set_version: "2025".into(),
        areas,
        provisional: false,
        units,
    }
}

#[test]
fn the_annex_keeps_its_signature_with_its_rows_for_any_number_of_units() {
    if skip_without_libreoffice() {
        return;
    }
    let sizes = [1, 20, 21, 67, 200];
    let results = RoundResults {
        round_id: 1,
        year: 2025,
        title: "Chỉ số CCHC năm 2025".into(),
        // Published: no «DỰ THẢO».
        published_at: Some(chrono::Utc::now()),
        tiers: sizes
            .iter()
            .enumerate()
            .map(|(i, n)| tier_of(&letters(i).to_lowercase(), *n))
            .collect(),
    };
    let annex = parindex::excel::annex::Annex {
        signer_title: "GIÁM ĐỐC".into(),
        signer_name: "Trần Thị B".into(),
        place: "Cần Thơ".into(),
        ..demo_annex()
    };
    let year = chrono::Datelike::year(&today());
    let bytes =
        parindex::excel::ranking_workbook(&results, "Sở Nội vụ", &annex, today()).expect("annex");
    let pdf = print(&bytes, "phu-luc-lon");
    let tiers = sizes.len();
    let sections = sections(&pdf, &titles(&results));
    let signer = Signer {
        date_line: format!("Cần Thơ, ngày tháng năm {year}"),
        titles: &["GIÁM ĐỐC"],
        name: "Trần Thị B",
    };
    let mut figures = Vec::new();
    for (n, tier) in results.tiers.iter().enumerate() {
        let i = assert_signed_table(&pdf, &sections[n], &names(tier), &signer, false);
        let ii = assert_signed_table(&pdf, &sections[tiers + n], &names(tier), &signer, false);
        let charts = assert_charts(&pdf, &sections[2 * tiers + n], tier, false);
        figures.push(format!(
            "{} đơn vị: I {i} trang, II {ii} trang, biểu đồ {charts} trang",
            tier.units.len()
        ));
    }
    eprintln!(
        "Phụ lục thử ({} trang): {}; chữ nhỏ nhất {:.2} pt",
        pdf.pages,
        figures.join("; "),
        pdf.smallest(1..=pdf.pages)
    );
    // The 200 units' Phụ lục I: a continuation page and its last, the signature's.
    let (_, big) = &sections[tiers - 1];
    let (_, charts) = &sections[3 * tiers - 1];
    pdf.images(
        "phu-luc-lon",
        &[big.start() + 1, *big.end(), charts.start() + 1],
    );
}
