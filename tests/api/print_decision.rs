//! The draft decision printed as the Sở Nội vụ prints it: the demo round's decision
//! converted to PDF by LibreOffice Writer (Debian's `libreoffice-writer-nogui`), read back
//! with poppler (`pdfinfo`, `pdftotext -tsv`, `pdftohtml -xml`, `pdffonts`), its pages saved
//! as images under target/test-output/print. Without LibreOffice (or its Writer) the test
//! says so and passes, except in CI (`CI` set), where `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use parindex::document::decision::{Issuing, decision_docx};
use parindex::domain::SystemClock;
use parindex::service::results::round_results;

use crate::helpers::TestDb;

/// A4 in points, and the margins Nghị định 30/2020 allows the decision: 30 mm on the left,
/// 15 mm on the right, 20 mm at the top and the bottom.
const A4: (f64, f64) = (595.28, 841.89);
const MM: f64 = 72.0 / 25.4;

const CONFIG: &str = r#"
[annex]
parent = "UBND thành phố Cần Thơ"
place = "Cần Thơ"
signer_title = "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
signer_name = "Nguyễn Văn A"

[decision]
proposer = "Trưởng phòng Cải cách hành chính"
"#;

/// A word the PDF prints: its page (from 1), its box in points from the page's top left.
struct Word {
    page: usize,
    text: String,
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Word {
    fn centre(&self) -> f64 {
        (self.left + self.right) / 2.0
    }
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skips the test on a machine without the tools, says why, and fails in CI instead.
fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: .ci/run installs libreoffice-writer-nogui and poppler-utils"
    );
    eprintln!("SKIPPED: {why}");
}

/// The .docx as LibreOffice Writer prints it to PDF; `None` when Writer is not installed.
fn to_pdf(docx: &[u8], name: &str) -> Option<PathBuf> {
    let dir = tempfile::tempdir().expect("dir").keep();
    let path = dir.join(format!("{name}.docx"));
    std::fs::write(&path, docx).expect("write");
    // A profile of its own: a LibreOffice left open elsewhere does not take the job.
    let profile = format!("-env:UserInstallation=file://{}/lo", dir.display());
    let out = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&path)
        .output()
        .expect("soffice");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.join(format!("{name}.pdf"));
    if !pdf.exists() && said.contains("no export filter") {
        return None;
    }
    assert!(out.status.success() && pdf.exists(), "no PDF: {said}");
    Some(pdf)
}

/// What a poppler tool prints about `pdf`: `program args… pdf then…`.
fn run(program: &str, args: &[&str], pdf: &Path, then: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(pdf)
        .args(then)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The printed words, in reading order, from `pdftotext -tsv` (level 5 rows are words).
fn words(pdf: &Path) -> Vec<Word> {
    run("pdftotext", &["-tsv"], pdf, &["-"])
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let number = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
            if f.first() != Some(&"5") || f.len() < 12 {
                return None;
            }
            let (left, top) = (number(6)?, number(7)?);
            Some(Word {
                page: f[1].parse().ok()?,
                text: f[11].to_string(),
                left,
                top,
                right: left + number(8)?,
                bottom: top + number(9)?,
            })
        })
        .collect()
}

/// Where `phrase` is first printed whole on one line: the box of its words.
fn find(words: &[Word], phrase: &str) -> Word {
    let wanted: Vec<&str> = phrase.split_whitespace().collect();
    (0..words.len())
        .find_map(|i| {
            let found = words.get(i..i + wanted.len())?;
            let first = &found[0];
            let same_line = |w: &Word| w.page == first.page && (w.top - first.top).abs() < 1.0;
            let matches = found
                .iter()
                .zip(&wanted)
                .all(|(w, text)| w.text == *text && same_line(w));
            matches.then(|| Word {
                page: first.page,
                text: phrase.to_string(),
                left: first.left,
                top: first.top,
                right: found.iter().map(|w| w.right).fold(first.right, f64::max),
                bottom: first.bottom,
            })
        })
        .unwrap_or_else(|| panic!("«{phrase}» is not printed on one line"))
}

/// The type sizes the PDF prints text in, from `pdftohtml -xml`'s font specifications
/// (at zoom 1, in points): the size of the type, not of the word's box.
fn type_sizes(pdf: &Path) -> Vec<f64> {
    run(
        "pdftohtml",
        &["-xml", "-i", "-zoom", "1", "-stdout"],
        pdf,
        &[],
    )
    .lines()
    .filter_map(|l| l.trim().strip_prefix("<fontspec "))
    .filter_map(|l| l.split("size=\"").nth(1)?.split('"').next()?.parse().ok())
    .collect()
}

#[tokio::test]
async fn the_draft_decision_prints_on_a4_portrait_with_its_parts_in_order() {
    if !installed("soffice") || !installed("pdftotext") {
        return skip("no soffice or pdftotext on this machine");
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
    let config: parindex::config::Config = toml::from_str(CONFIG).expect("config");
    let issuing = Issuing {
        issuer: &config.issuer,
        annex: &config.annex,
        decision: &config.decision,
    };
    let signed = chrono::DateTime::parse_from_rfc3339("2026-03-10T03:00:00Z")
        .expect("instant")
        .to_utc();
    let docx = decision_docx(&results, &issuing, signed).expect("decision");
    let Some(pdf) = to_pdf(&docx, "quyet-dinh") else {
        return skip("LibreOffice Writer is not installed");
    };
    let images = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/print");
    std::fs::create_dir_all(&images).expect("print dir");
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "80"])
        .arg(&pdf)
        .arg(images.join("quyet-dinh"))
        .status()
        .expect("pdftoppm");
    assert!(rendered.success());

    // A4 portrait.
    let info = run("pdfinfo", &[], &pdf, &[]);
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("page size");
    let (width, height) = size
        .split_whitespace()
        .collect::<Vec<_>>()
        .get(..3)
        .and_then(|f| Some((f[0].parse::<f64>().ok()?, f[2].parse::<f64>().ok()?)))
        .expect("width x height");
    assert!(
        (width - A4.0).abs() < 1.0 && (height - A4.1).abs() < 1.0,
        "{size}"
    );
    let words = words(&pdf);
    let pages = words.iter().map(|w| w.page).max().unwrap_or(0);
    eprintln!("Dự thảo quyết định: {pages} trang A4 đứng");
    assert!((1..=3).contains(&pages), "{pages} pages");

    // Inside the margins; above the top margin only the page number, centred, from the
    // second page on.
    let (left, right) = (30.0 * MM - 1.0, A4.0 - 15.0 * MM + 1.0);
    let (top, bottom) = (20.0 * MM - 1.0, A4.1 - 20.0 * MM + 1.0);
    for w in &words {
        assert!(
            w.left >= left && w.right <= right && w.bottom <= bottom,
            "«{}» on page {} outside the margins: {:.1}–{:.1}, {:.1}–{:.1}",
            w.text,
            w.page,
            w.left,
            w.right,
            w.top,
            w.bottom
        );
    }
    for page in 1..=pages {
        let above: Vec<&Word> = words
            .iter()
            .filter(|w| w.page == page && w.bottom < top)
            .collect();
        if page == 1 {
            assert!(above.is_empty(), "a page number on the first page");
            continue;
        }
        assert_eq!(above.len(), 1, "page {page}: one page number");
        assert_eq!(above[0].text, page.to_string());
        assert!((above[0].centre() - (left + right) / 2.0).abs() < 15.0);
    }

    // The parts, where Nghị định 30/2020 puts them: the letterhead's two columns, then
    // one column down to the closing's two.
    let at = |phrase: &str| find(&words, phrase);
    let before = |a: Word, b: Word| (a.page, a.top) < (b.page, b.top - 1.0);
    let middle = (left + right) / 2.0;
    let letterhead_left = ["UBND THÀNH PHỐ CẦN THƠ", "SỞ NỘI VỤ", "Số: /QĐ-SNV"];
    let letterhead_right = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Cần Thơ, ngày tháng năm 2026",
    ];
    for column in [&letterhead_left[..], &letterhead_right[..]] {
        for pair in column.windows(2) {
            assert!(
                before(at(pair[0]), at(pair[1])),
                "«{}» «{}»",
                pair[0],
                pair[1]
            );
        }
    }
    for (l, r) in letterhead_left.iter().zip(letterhead_right) {
        let (l, r) = (at(l), at(r));
        assert!(l.page == 1 && r.page == 1);
        assert!(
            l.right < r.left && l.centre() < middle && r.centre() > middle,
            "«{}» is not beside «{}»",
            l.text,
            r.text
        );
    }
    let flow = [
        "Cần Thơ, ngày tháng năm 2026",
        "QUYẾT ĐỊNH",
        "Về việc công bố Chỉ số cải cách hành chính năm 2023",
        "GIÁM ĐỐC SỞ NỘI VỤ",
        "Căn cứ Nghị quyết số 76/NQ-CP",
        "Căn cứ Quyết định số 876/QĐ-BNV",
        "Theo đề nghị của Trưởng phòng Cải cách hành chính.",
        "QUYẾT ĐỊNH:",
        "Điều 1.",
        "Phụ lục I.1:",
        "Phụ lục I.2:",
        "Phụ lục I.3:",
        "Phụ lục II.1:",
        "Phụ lục II.3:",
        "Điều 2.",
        "Điều 3.",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- UBND thành phố Cần Thơ (để b/c);",
        "- Lưu: VT, CCHC.",
    ];
    for pair in flow.windows(2) {
        assert!(
            before(at(pair[0]), at(pair[1])),
            "«{}» is not printed before «{}»",
            pair[0],
            pair[1]
        );
    }
    for centred in ["QUYẾT ĐỊNH", "GIÁM ĐỐC SỞ NỘI VỤ", "QUYẾT ĐỊNH:"] {
        let centre = at(centred).centre();
        assert!((centre - middle).abs() < 10.0, "«{centred}» at {centre:.0}");
    }
    // The signature on the right, beside nơi nhận, on the page Điều 3 ends on.
    let sent = at("Nơi nhận:");
    let signer = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A"];
    for pair in signer.windows(2) {
        assert!(before(at(pair[0]), at(pair[1])));
    }
    for line in signer {
        let signed = at(line);
        assert!(
            signed.centre() > middle && signed.page == sent.page,
            "{line}"
        );
    }
    assert!((at("KT. GIÁM ĐỐC").top - sent.top).abs() < 20.0);
    assert!(sent.right < middle);
    let end = words
        .iter()
        .find(|w| w.text.ends_with("./."))
        .expect("Điều 3 ends with «./.»");
    assert_eq!(
        end.page, sent.page,
        "the signature is not alone on its page"
    );

    // Times New Roman, or its metric clone where it is not installed; 11 to 14 pt type.
    let fonts = run("pdffonts", &[], &pdf, &[]);
    for font in fonts.lines().skip(2) {
        let name = font.split_whitespace().next().unwrap_or_default();
        assert!(
            name.contains("TimesNewRoman") || name.contains("LiberationSerif"),
            "printed in {name}"
        );
    }
    let sizes = type_sizes(&pdf);
    let smallest = sizes.iter().copied().fold(f64::MAX, f64::min);
    let largest = sizes.iter().copied().fold(0.0, f64::max);
    eprintln!("cỡ chữ: {smallest}–{largest} pt");
    assert!(smallest >= 11.0 && largest <= 14.5, "{sizes:?}");
}
