//! The ranking workbook as the annex of a decision is signed and sent (Nghị định 30/2020
//! on administrative documents): the issuing body on the left, the national motto on the
//! right, the annex title in capitals, the line naming the decision it comes with, the
//! table, the place and date, the signer; A4 landscape, one page wide, page «x/y» in the
//! footer, text printed no smaller than 11 pt.
//!
//! «Phụ lục I.n»: one sheet per tier, the ranking. «Phụ lục II»: the component index of
//! every unit by area, the areas named. «Biểu đồ»: the index of each unit, charted.

use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::TextCells;
use crate::report::{RoundResults, TierResults};

const FONT: &str = "Times New Roman";
/// The table's text, in points.
const SIZE: f64 = 12.0;
/// The height of a table row, in points: one line of 12 pt text.
const ROW: f64 = 17.0;

/// What the annex says about who issues and signs it; configured once per deployment.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Annex {
    /// The body above the issuer («UBND THÀNH PHỐ CẦN THƠ»); empty for none.
    pub parent: String,
    /// The line under the title: «(Kèm theo Quyết định số …/QĐ-SNV ngày … của …)»; empty:
    /// one with blanks to fill in, naming the issuer.
    pub decision: String,
    /// Where it is signed («Cần Thơ»); empty leaves dots to fill in by hand.
    pub place: String,
    /// «GIÁM ĐỐC»; «KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC» is printed on two lines.
    pub signer_title: String,
    pub signer_name: String,
}

impl Default for Annex {
    fn default() -> Self {
        Annex {
            parent: String::new(),
            decision: String::new(),
            place: String::new(),
            signer_title: "GIÁM ĐỐC".into(),
            signer_name: String::new(),
        }
    }
}

struct Formats {
    body: Format,
    body_bold: Format,
    motto: Format,
    heading: Format,
    italic: Format,
    header: Format,
    text: Format,
    number: Format,
    whole: Format,
    note: Format,
    sign: Format,
    sign_italic: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(SIZE);
        let centered = base
            .clone()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let cell = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            body: centered.clone(),
            body_bold: centered.clone().set_bold(),
            motto: centered.clone().set_bold(),
            heading: centered
                .clone()
                .set_bold()
                .set_font_size(13)
                .set_text_wrap(),
            italic: centered.clone().set_italic().set_text_wrap(),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            text: cell.clone().set_text_wrap(),
            number: cell.clone().set_num_format("0.00"),
            whole: cell
                .clone()
                .set_num_format("0")
                .set_align(FormatAlign::Center),
            note: cell.set_italic().set_text_wrap(),
            sign: centered.clone().set_bold(),
            sign_italic: centered.set_italic(),
        }
    }
}

fn points(p: crate::domain::Points) -> f64 {
    p.hundredths() as f64 / 100.0
}

/// "Khối sở, ban, ngành" → "SỞ, BAN, NGÀNH", for the title.
fn tier_title(tier_name: &str) -> String {
    tier_name
        .strip_prefix("Khối ")
        .unwrap_or(tier_name)
        .to_uppercase()
}

/// Lines a text takes in a column `width` characters wide (a rough measure for row
/// heights: LibreOffice does not grow rows to wrapped text by itself when printing).
pub(super) fn lines(text: &str, width: f64) -> f64 {
    let per_line = (width * 1.05).max(1.0);
    text.split('\n')
        .map(|l| (l.chars().count() as f64 / per_line).ceil().max(1.0))
        .sum()
}

/// The letterhead, the annex title, its subject and the decision line, across columns
/// `0..=last`; returns the first row after them.
fn letterhead(
    sheet: &mut Worksheet,
    last: u16,
    (annex, issuer): (&Annex, &str),
    (number, subject, note): (&str, &str, &str),
    f: &Formats,
) -> Result<u32, XlsxError> {
    let split = (last / 3).max(1);
    // The body above the issuer in regular type, the issuer in bold (Nghị định 30/2020).
    sheet.merge_text(0, 0, split, &annex.parent.to_uppercase(), &f.body)?;
    sheet.merge_text(1, 0, split, &issuer.to_uppercase(), &f.body_bold)?;
    sheet.merge_text(
        0,
        split + 1,
        last,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        &f.motto,
    )?;
    sheet.merge_text(1, split + 1, last, "Độc lập - Tự do - Hạnh phúc", &f.motto)?;
    sheet.merge_text(3, 0, last, number, &f.heading)?;
    sheet.merge_text(4, 0, last, subject, &f.heading)?;
    let decision = if annex.decision.trim().is_empty() {
        format!(
            "(Kèm theo Quyết định số          /QĐ-       ngày       tháng       năm         của {issuer})"
        )
    } else {
        annex.decision.clone()
    };
    sheet.merge_text(5, 0, last, &decision, &f.italic)?;
    let mut row = 6;
    if !note.is_empty() {
        sheet.merge_text(row, 0, last, note, &f.italic)?;
        row += 1;
    }
    for r in 0..row {
        sheet.set_row_height(r, ROW)?;
    }
    sheet.set_row_height(2, 6)?;
    Ok(row + 1)
}

/// The place and date, the signer's title, room to sign, and the name, on the right.
fn signature(
    sheet: &mut Worksheet,
    row: u32,
    (from, last): (u16, u16),
    (annex, year): (&Annex, i64),
    f: &Formats,
) -> Result<(), XlsxError> {
    let place = if annex.place.is_empty() {
        "……………"
    } else {
        annex.place.as_str()
    };
    let date = format!("{place}, ngày      tháng      năm {}", year + 1);
    sheet.merge_text(row, from, last, &date, &f.sign_italic)?;
    // «KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC»: a line each.
    let titles: Vec<&str> = annex.signer_title.split('/').map(str::trim).collect();
    for (i, title) in titles.iter().enumerate() {
        let at = row + 1 + i as u32;
        sheet.merge_text(at, from, last, title, &f.sign)?;
    }
    let name_row = row + titles.len() as u32 + 3;
    sheet.merge_text(name_row, from, last, &annex.signer_name, &f.sign)?;
    Ok(())
}

/// A4 landscape, one page wide, margins for binding, the header rows on every page and
/// «Trang x/y» at the foot.
fn print_setup(sheet: &mut Worksheet, header_row: Option<u32>) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_margins(0.6, 0.4, 0.5, 0.5, 0.2, 0.25);
    sheet.set_print_center_horizontally(true);
    sheet.set_print_fit_to_pages(1, 0);
    if let Some(row) = header_row {
        sheet.set_repeat_rows(row, row)?;
    }
    sheet.set_footer("&C&\"Times New Roman\"&11Trang &P/&N");
    Ok(())
}

const RANKING_COLUMNS: [(&str, f64); 12] = [
    ("STT", 5.0),
    ("Tên cơ quan, đơn vị", 36.0),
    ("Điểm tự đánh giá", 10.0),
    ("Điểm thẩm định", 10.0),
    ("Điểm điều tra XHH", 10.0),
    ("Điểm thưởng", 8.5),
    ("Điểm trừ", 8.5),
    ("Tổng điểm", 9.0),
    ("Chỉ số CCHC (%)", 9.5),
    ("Xếp hạng", 7.5),
    ("Xếp loại", 11.0),
    ("Ghi chú", 15.0),
];

fn ranking_sheet(
    workbook: &mut Workbook,
    results: &RoundResults,
    (number, tier): (usize, &TierResults),
    (annex, issuer): (&Annex, &str),
    f: &Formats,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("Phụ lục I.{number}"))?;
    let last = (RANKING_COLUMNS.len() - 1) as u16;
    for (col, (_, width)) in RANKING_COLUMNS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let subject = format!(
        "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {} CỦA CÁC {}",
        results.year,
        tier_title(&tier.tier_name)
    );
    let note = if tier.provisional {
        "(Kết quả tạm tính, chưa công bố)"
    } else {
        ""
    };
    let header = letterhead(
        sheet,
        last,
        (annex, issuer),
        (&format!("PHỤ LỤC I.{number}"), &subject, note),
        f,
    )?;
    let header_lines = RANKING_COLUMNS
        .iter()
        .map(|(h, w)| lines(h, *w))
        .fold(1.0, f64::max);
    sheet.set_row_height(header, ROW * header_lines)?;
    for (col, (name, _)) in RANKING_COLUMNS.iter().enumerate() {
        sheet.write_text(header, col as u16, name, &f.header)?;
    }
    for (i, u) in tier.units.iter().enumerate() {
        let row = header + 1 + i as u32;
        let height = lines(&u.unit_name, RANKING_COLUMNS[1].1).max(lines(
            u.note.as_deref().unwrap_or(""),
            RANKING_COLUMNS[11].1,
        ));
        sheet.set_row_height(row, ROW * height)?;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &f.whole)?;
        sheet.write_text(row, 1, &u.unit_name, &f.text)?;
        for (col, value) in [
            (2, u.self_total),
            (3, u.appraised_total),
            (4, u.survey_total),
            (5, u.bonus),
            (6, u.penalty),
            (7, u.final_total),
        ] {
            sheet.write_number_with_format(row, col, points(value), &f.number)?;
        }
        sheet.write_number_with_format(row, 8, u.index.hundredths() as f64 / 100.0, &f.number)?;
        sheet.write_number_with_format(row, 9, f64::from(u.rank), &f.whole)?;
        sheet.write_text(row, 10, u.classification.as_deref().unwrap_or(""), &f.text)?;
        sheet.write_text(row, 11, u.note.as_deref().unwrap_or(""), &f.note)?;
    }
    let end = header + tier.units.len() as u32;
    signature(sheet, end + 2, (7, last), (annex, results.year), f)?;
    print_setup(sheet, Some(header))?;
    sheet.set_freeze_panes(header + 1, 2)?;
    Ok(())
}

/// Every tier's units with their component index by area, the areas named in the header.
fn areas_sheet(
    workbook: &mut Workbook,
    results: &RoundResults,
    (annex, issuer): (&Annex, &str),
    f: &Formats,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Phụ lục II")?;
    let widest = results
        .tiers
        .iter()
        .map(|t| t.areas.len())
        .max()
        .unwrap_or(0);
    // STT, name, then the areas sharing what is left of an A4 landscape width.
    let area_width = if widest == 0 {
        12.0
    } else {
        (96.0 / widest as f64).clamp(9.0, 24.0)
    };
    // At least four columns: the letterhead and the signature are merged across some.
    let last = (1 + widest.max(1)).max(3) as u16;
    sheet.set_column_width(0, 5)?;
    sheet.set_column_width(1, 36)?;
    for col in 2..=last {
        sheet.set_column_width(col, area_width)?;
    }
    let subject = format!(
        "CHỈ SỐ THÀNH PHẦN THEO TỪNG LĨNH VỰC CẢI CÁCH HÀNH CHÍNH NĂM {} (%)",
        results.year
    );
    let note = if results.tiers.iter().any(|t| t.provisional) {
        "(Kết quả tạm tính, chưa công bố)"
    } else {
        ""
    };
    let mut row = letterhead(
        sheet,
        last,
        (annex, issuer),
        ("PHỤ LỤC II", &subject, note),
        f,
    )?;
    // Each tier after the first starts a page: a tier's heading never ends a page.
    let mut breaks = Vec::new();
    for (t, tier) in results.tiers.iter().enumerate() {
        if t > 0 {
            breaks.push(row);
        }
        sheet.merge_text(row, 0, last, &tier.tier_name.to_uppercase(), &f.header)?;
        sheet.set_row_height(row, ROW)?;
        row += 1;
        let mut headers: Vec<String> = vec!["STT".into(), "Tên cơ quan, đơn vị".into()];
        headers.extend(tier.areas.iter().map(|a| format!("{}. {}", a.code, a.text)));
        let height = headers
            .iter()
            .skip(2)
            .map(|h| lines(h, area_width))
            .fold(1.0, f64::max);
        sheet.set_row_height(row, ROW * height)?;
        for (col, h) in headers.iter().enumerate() {
            sheet.write_text(row, col as u16, h, &f.header)?;
        }
        for col in headers.len() as u16..=last {
            sheet.write_blank(row, col, &f.header)?;
        }
        row += 1;
        for (i, u) in tier.units.iter().enumerate() {
            sheet.set_row_height(row, ROW * lines(&u.unit_name, 36.0))?;
            sheet.write_number_with_format(row, 0, (i + 1) as f64, &f.whole)?;
            sheet.write_text(row, 1, &u.unit_name, &f.text)?;
            // Each area under its own heading, found by its code: «10» is not before «2».
            for (j, heading) in tier.areas.iter().enumerate() {
                let col = 2 + j as u16;
                let Some(area) = u.areas.iter().find(|a| a.code == heading.code) else {
                    sheet.write_blank(row, col, &f.text)?;
                    continue;
                };
                match area.index {
                    Some(index) => sheet.write_number_with_format(
                        row,
                        col,
                        index.hundredths() as f64 / 100.0,
                        &f.number,
                    )?,
                    None => sheet.write_text(row, col, "—", &f.text)?,
                };
            }
            row += 1;
        }
    }
    signature(
        sheet,
        row + 1,
        (last.saturating_sub(3).max(2), last),
        (annex, results.year),
        f,
    )?;
    // Each tier's own header row names its areas: nothing to repeat across tiers.
    print_setup(sheet, None)?;
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

/// The index of each unit of each tier, in rank order, one chart per tier.
fn charts_sheet(workbook: &mut Workbook, results: &RoundResults) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Biểu đồ")?;
    let mut at = 0u32;
    for (i, tier) in results.tiers.iter().enumerate() {
        if tier.units.is_empty() {
            continue;
        }
        let data = format!("Phụ lục I.{}", i + 1);
        // The table starts below the letterhead; find it as ranking_sheet lays it out.
        let first = if tier.provisional { 9 } else { 8 };
        let last = first + tier.units.len() as u32 - 1;
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name(&format!(
            "Chỉ số CCHC năm {} — {}",
            results.year, tier.tier_name
        ));
        chart
            .add_series()
            .set_name("Chỉ số CCHC (%)")
            .set_categories((data.as_str(), first, 1, last, 1))
            .set_values((data.as_str(), first, 8, last, 8));
        chart.y_axis().set_reverse();
        let height = (120 + 22 * tier.units.len() as u32).min(2000);
        chart.set_width(900).set_height(height);
        sheet.insert_chart(at, 0, &chart)?;
        at += height / 20 + 2;
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The annex of a round: «Phụ lục I.n» per tier, «Phụ lục II», then «Biểu đồ». Not yet
/// saved: save it to a file to stream it.
pub fn build_annex(
    results: &RoundResults,
    issuer: &str,
    annex: &Annex,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let f = Formats::new();
    for (i, tier) in results.tiers.iter().enumerate() {
        ranking_sheet(&mut workbook, results, (i + 1, tier), (annex, issuer), &f)?;
    }
    areas_sheet(&mut workbook, results, (annex, issuer), &f)?;
    charts_sheet(&mut workbook, results)?;
    Ok(workbook)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tier_is_named_in_capitals_without_its_kind() {
        assert_eq!(super::tier_title("Khối sở, ban, ngành"), "SỞ, BAN, NGÀNH");
    }

    #[test]
    fn a_set_of_one_area_still_has_room_for_the_letterhead() {
        let results = crate::report::RoundResults {
            round_id: 1,
            year: 2024,
            title: "Kỳ thử".into(),
            published_at: None,
            tiers: vec![crate::report::TierResults {
                tier_code: "t".into(),
                tier_name: "Khối thử".into(),
                set_code: "T".into(),
                set_version: "1".into(),
                areas: vec![crate::report::AreaHeading {
                    code: "1".into(),
                    text: "Một lĩnh vực".into(),
                    max: crate::domain::Points::from_hundredths(10_000),
                }],
                provisional: true,
                units: vec![],
            }],
        };
        let built = super::build_annex(&results, "Sở Nội vụ", &Default::default());
        assert!(built.is_ok(), "{:?}", built.err());
        assert!(built.expect("built").save_to_buffer().is_ok());
    }

    #[test]
    fn each_area_goes_under_its_own_heading_whatever_the_order_of_its_code() {
        use crate::domain::Points;
        use crate::domain::results::{AreaResult, UnitResult};
        use calamine::Reader;
        let area = |code: &str, index: i64| AreaResult {
            code: code.into(),
            points: Points::default(),
            max: Points::default(),
            index: Some(crate::domain::Percent::from_hundredths(index)),
        };
        let heading = |code: &str| crate::report::AreaHeading {
            code: code.into(),
            text: format!("Lĩnh vực {code}"),
            max: Points::from_hundredths(1_000),
        };
        let unit = UnitResult {
            note: None,
            unit_id: 1,
            unit_code: "A".into(),
            unit_name: "UBND xã A".into(),
            self_total: Points::default(),
            appraised_total: Points::default(),
            survey_total: Points::default(),
            bonus: Points::default(),
            penalty: Points::default(),
            final_total: Points::default(),
            applicable_max: Points::default(),
            index: crate::domain::Percent::from_hundredths(0),
            // As the results give them: in the order of their codes as text.
            areas: vec![area("10", 5_000), area("2", 8_000)],
            provisional: false,
            rank: 1,
            classification: None,
        };
        let results = crate::report::RoundResults {
            round_id: 1,
            year: 2024,
            title: "Kỳ thử".into(),
            published_at: None,
            tiers: vec![crate::report::TierResults {
                tier_code: "t".into(),
                tier_name: "Khối thử".into(),
                set_code: "T".into(),
                set_version: "1".into(),
                areas: vec![heading("2"), heading("10")],
                provisional: false,
                units: vec![unit],
            }],
        };
        let bytes = super::build_annex(&results, "Sở Nội vụ", &Default::default())
            .expect("built")
            .save_to_buffer()
            .expect("saved");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
        let range = book.worksheet_range("Phụ lục II").expect("sheet");
        let row = range
            .rows()
            .find(|r| {
                r.get(1)
                    .is_some_and(|c| *c == calamine::Data::String("UBND xã A".into()))
            })
            .expect("the unit's row");
        assert_eq!(
            (row[2].to_string(), row[3].to_string()),
            ("80".into(), "50".into())
        );
    }

    #[test]
    fn wrapped_lines_are_counted_for_row_heights() {
        assert_eq!(super::lines("Sở Nội vụ", 36.0), 1.0);
        let long = "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ";
        assert_eq!(super::lines(long, 36.0), 2.0);
    }
}
