//! Excel: the published ranking annex of a round (rust_xlsxwriter), built the way the
//! Department of Home Affairs prints it: A4 landscape, Times New Roman, title rows in
//! capitals, repeated header rows, frozen panes, autofilter, numbers stored as numbers.

pub mod criteria_workbook;
pub mod directory_import;
pub(crate) mod sheet;
pub mod survey_import;

use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::domain::Points;
use crate::report::{RoundResults, TierResults, UnitDetail};

const FONT: &str = "Times New Roman";
/// The first row of the table (after the title rows), 0-based.
const HEADER_ROW: u32 = 3;
const FIXED_COLUMNS: [&str; 11] = [
    "STT",
    "Tên cơ quan, đơn vị",
    "Điểm tự đánh giá",
    "Điểm thẩm định",
    "Điểm điều tra XHH",
    "Điểm thưởng",
    "Điểm trừ",
    "Tổng điểm",
    "Chỉ số CCHC (%)",
    "Xếp hạng",
    "Xếp loại",
];

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    number: Format,
    whole: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(12);
        let cell = base.clone().set_border(FormatBorder::Thin);
        Formats {
            title: base.clone().set_bold().set_align(FormatAlign::Center),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            text: cell.clone().set_text_wrap(),
            number: cell.clone().set_num_format("0.00"),
            whole: cell.set_num_format("0").set_align(FormatAlign::Center),
        }
    }
}

fn points(p: Points) -> f64 {
    p.hundredths() as f64 / 100.0
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    clean.chars().take(31).collect()
}

/// Sheet names that Excel sees as different: it compares them ignoring case, and two
/// units' "code name" may agree in their first 31 characters.
#[derive(Default)]
struct SheetNames(std::collections::HashSet<String>);

impl SheetNames {
    /// Marks the names the workbook already has as taken.
    fn taken(&mut self, workbook: &mut Workbook) {
        for sheet in workbook.worksheets_mut() {
            self.0.insert(sheet.name().to_lowercase());
        }
    }

    fn unique(&mut self, wanted: &str) -> String {
        let base = sheet_name(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.0.insert(name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = 31 - suffix.chars().count();
            name = format!("{}{suffix}", base.chars().take(room).collect::<String>());
            n += 1;
        }
        name
    }
}

/// "Khối sở, ban, ngành" → "SỞ, BAN, NGÀNH", for the title row.
fn tier_title(tier_name: &str) -> String {
    tier_name
        .strip_prefix("Khối ")
        .unwrap_or(tier_name)
        .to_uppercase()
}

fn print_setup(sheet: &mut Worksheet, last_col: u16, last_row: u32) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0); // one page wide, as many tall as needed
    sheet.set_repeat_rows(0, HEADER_ROW)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 2)?;
    sheet.autofilter(HEADER_ROW, 0, last_row.max(HEADER_ROW), last_col)?;
    Ok(())
}

fn tier_sheet(
    workbook: &mut Workbook,
    results: &RoundResults,
    tier: &TierResults,
    issuer: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    let name = sheet_name(&tier.tier_name);
    let sheet = workbook.add_worksheet();
    sheet.set_name(&name)?;
    let last_col = (FIXED_COLUMNS.len() + tier.areas.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last_col, &issuer.to_uppercase(), &f.title)?;
    let title = format!(
        "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {} CỦA CÁC {}",
        results.year,
        tier_title(&tier.tier_name)
    );
    sheet.merge_range(1, 0, 1, last_col, &title, &f.title)?;
    let note = if tier.provisional {
        "(Kết quả tạm tính)"
    } else {
        ""
    };
    sheet.merge_range(2, 0, 2, last_col, note, &f.title)?;
    for (col, header) in FIXED_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *header, &f.header)?;
    }
    for (i, area) in tier.areas.iter().enumerate() {
        let header = format!("Chỉ số thành phần LV{} (%)", area.code);
        sheet.write_string_with_format(
            HEADER_ROW,
            (FIXED_COLUMNS.len() + i) as u16,
            header,
            &f.header,
        )?;
    }
    for (i, u) in tier.units.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &f.whole)?;
        sheet.write_string_with_format(row, 1, &u.unit_name, &f.text)?;
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
        sheet.write_string_with_format(
            row,
            10,
            u.classification.as_deref().unwrap_or(""),
            &f.text,
        )?;
        for (j, area) in u.areas.iter().enumerate() {
            let col = (FIXED_COLUMNS.len() + j) as u16;
            match area.index {
                Some(index) => sheet.write_number_with_format(
                    row,
                    col,
                    index.hundredths() as f64 / 100.0,
                    &f.number,
                )?,
                None => sheet.write_string_with_format(row, col, "—", &f.text)?,
            };
        }
    }
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(1, 42)?;
    for col in 2..=last_col {
        sheet.set_column_width(col, 12)?;
    }
    let last_row = HEADER_ROW + tier.units.len() as u32;
    print_setup(sheet, last_col, last_row)?;

    // The index of each unit, in rank order, below the table.
    if !tier.units.is_empty() {
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name(&format!(
            "Chỉ số CCHC năm {} — {}",
            results.year, tier.tier_name
        ));
        chart
            .add_series()
            .set_name("Chỉ số CCHC (%)")
            .set_categories((name.as_str(), HEADER_ROW + 1, 1, last_row, 1))
            .set_values((name.as_str(), HEADER_ROW + 1, 8, last_row, 8));
        chart.y_axis().set_reverse();
        chart
            .set_width(900)
            .set_height((120 + 22 * tier.units.len() as u32).min(2000));
        sheet.insert_chart(last_row + 3, 1, &chart)?;
    }
    Ok(())
}

fn summary_sheet(
    workbook: &mut Workbook,
    results: &RoundResults,
    issuer: &str,
    f: &Formats,
    details_apart: bool,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Tổng hợp")?;
    let headers = [
        "Khối",
        "Số đơn vị",
        "Chỉ số cao nhất (%)",
        "Chỉ số thấp nhất (%)",
        "Chỉ số bình quân (%)",
    ];
    let last_col = (headers.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last_col, &issuer.to_uppercase(), &f.title)?;
    let title = format!(
        "TỔNG HỢP KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
        results.year
    );
    sheet.merge_range(1, 0, 1, last_col, &title, &f.title)?;
    sheet.merge_range(2, 0, 2, last_col, "", &f.title)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *header, &f.header)?;
    }
    for (i, tier) in results.tiers.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let indexes: Vec<i64> = tier.units.iter().map(|u| u.index.hundredths()).collect();
        sheet.write_string_with_format(row, 0, &tier.tier_name, &f.text)?;
        sheet.write_number_with_format(row, 1, indexes.len() as f64, &f.whole)?;
        if let (Some(max), Some(min)) = (indexes.iter().max(), indexes.iter().min()) {
            // The mean, rounded half away from zero to 0,01 like every index.
            let mean = Points::from_hundredths(indexes.iter().sum())
                .mul_ratio(1, indexes.len() as i64)
                .unwrap_or_default();
            sheet.write_number_with_format(row, 2, *max as f64 / 100.0, &f.number)?;
            sheet.write_number_with_format(row, 3, *min as f64 / 100.0, &f.number)?;
            sheet.write_number_with_format(row, 4, points(mean), &f.number)?;
        }
    }
    sheet.set_column_width(0, 36)?;
    for col in 1..=last_col {
        sheet.set_column_width(col, 16)?;
    }
    let last_row = HEADER_ROW + results.tiers.len() as u32;
    if details_apart {
        sheet.write_string(last_row + 2, 0, DETAILS_APART_NOTE)?;
    }
    print_setup(sheet, last_col, last_row)?;
    Ok(())
}

/// Rounds with more units than this get their per-unit detail sheets in a workbook of
/// their own (a city's 51 units fit in one file; a national round's 5,000 do not).
pub const DETAIL_SHEETS_IN_RANKING: usize = 200;

/// What the summary sheet says when the detail sheets are in their own workbook.
pub const DETAILS_APART_NOTE: &str = "Chi tiết từng đơn vị theo từng tiêu chí: tải tệp riêng «Chi tiết từng đơn vị» trên trang kết quả.";

/// The ranking workbook of a round: a summary sheet, one sheet per tier in the published
/// annex layout with a chart of the index per unit in rank order, then one detail sheet
/// per unit, leaf by leaf — unless `details` is `None`, when the summary sheet points to
/// the detail workbook instead. Not yet saved: save it to a file to stream it.
pub fn build_ranking_workbook(
    results: &RoundResults,
    details: Option<&[UnitDetail]>,
    issuer: &str,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    summary_sheet(&mut workbook, results, issuer, &formats, details.is_none())?;
    for tier in &results.tiers {
        tier_sheet(&mut workbook, results, tier, issuer, &formats)?;
    }
    let mut names = SheetNames::default();
    names.taken(&mut workbook);
    for detail in details.unwrap_or_default() {
        let name = names.unique(&format!("{} {}", detail.unit_code, detail.unit_name));
        detail_sheet(&mut workbook, &name, detail, issuer, &formats, true)?;
    }
    Ok(workbook)
}

/// The ranking workbook with its detail sheets, in memory.
pub fn ranking_workbook(
    results: &RoundResults,
    details: &[UnitDetail],
    issuer: &str,
) -> Result<Vec<u8>, XlsxError> {
    build_ranking_workbook(results, Some(details), issuer)?.save_to_buffer()
}

/// The per-unit detail sheets alone, each in constant memory; not yet saved.
pub fn build_details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut names = SheetNames::default();
    for detail in details {
        let name = names.unique(&format!("{} {}", detail.unit_code, detail.unit_name));
        detail_sheet(&mut workbook, &name, detail, issuer, &formats, true)?;
    }
    Ok(workbook)
}

/// The per-unit detail sheets alone, in memory.
pub fn details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Vec<u8>, XlsxError> {
    build_details_workbook(details, issuer)?.save_to_buffer()
}

/// A unit's own score sheet (Biểu tự chấm điểm), as its head signs it.
pub fn self_assessment_workbook(detail: &UnitDetail, issuer: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let name = sheet_name(&format!("{} {}", detail.unit_code, detail.unit_name));
    detail_sheet(&mut workbook, &name, detail, issuer, &Formats::new(), false)?;
    workbook.save_to_buffer()
}

fn optional(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<Points>,
    f: &Formats,
) -> Result<(), XlsxError> {
    match value {
        Some(p) => sheet.write_number_with_format(row, col, points(p), &f.number)?,
        None => sheet.write_blank(row, col, &f.text)?,
    };
    Ok(())
}

/// Leaf by leaf: code, text, maximum, self-score (and, with appraisal, the appraised score,
/// the difference and the appraiser's note), the unit's note and the evidence count.
fn detail_sheet(
    workbook: &mut Workbook,
    name: &str,
    d: &UnitDetail,
    issuer: &str,
    f: &Formats,
    with_appraisal: bool,
) -> Result<(), XlsxError> {
    let headers: Vec<&str> = if with_appraisal {
        vec![
            "STT",
            "Tiêu chí",
            "Điểm tối đa",
            "Điểm tự chấm",
            "Điểm thẩm định",
            "Chênh lệch",
            "Ghi chú của đơn vị",
            "Ghi chú của thẩm định",
            "Số tài liệu kiểm chứng",
        ]
    } else {
        vec![
            "STT",
            "Tiêu chí",
            "Điểm tối đa",
            "Điểm tự chấm",
            "Giải thích, căn cứ chấm điểm",
            "Số tài liệu kiểm chứng",
        ]
    };
    let last_col = (headers.len() - 1) as u16;
    // Rows are written in order, so each detail sheet streams to a temporary file instead of
    // staying in memory: a national round has thousands of them.
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    sheet.set_column_width(0, 8)?;
    sheet.set_column_width(1, 60)?;
    for col in 2..=last_col {
        sheet.set_column_width(
            col,
            if headers[col as usize].starts_with("Ghi chú")
                || headers[col as usize].starts_with("Giải thích")
            {
                36
            } else {
                11
            },
        )?;
    }
    sheet.merge_range(0, 0, 0, last_col, &issuer.to_uppercase(), &f.title)?;
    let title = if with_appraisal {
        format!(
            "KẾT QUẢ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM {} — {}",
            d.year,
            d.unit_name.to_uppercase()
        )
    } else {
        format!(
            "BIỂU TỰ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM {} — {}",
            d.year,
            d.unit_name.to_uppercase()
        )
    };
    sheet.merge_range(1, 0, 1, last_col, &title, &f.title)?;
    sheet.merge_range(
        2,
        0,
        2,
        last_col,
        if d.submitted {
            ""
        } else {
            "(Chưa phê duyệt và gửi)"
        },
        &f.title,
    )?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, *header, &f.header)?;
    }
    let mut row = HEADER_ROW;
    for r in &d.rows {
        row += 1;
        sheet.write_string_with_format(row, 0, &r.code, &f.text)?;
        let indent = "  ".repeat(r.depth.saturating_sub(1));
        sheet.write_string_with_format(row, 1, format!("{indent}{}", r.text), &f.text)?;
        sheet.write_number_with_format(row, 2, points(r.max), &f.number)?;
        if !r.is_leaf {
            for col in 3..=last_col {
                sheet.write_blank(row, col, &f.text)?;
            }
            continue;
        }
        optional(sheet, row, 3, r.self_points, f)?;
        if with_appraisal {
            optional(sheet, row, 4, r.appraised, f)?;
            let difference = match (r.appraised, r.self_points) {
                (Some(a), s) => Some(a - s.unwrap_or_default()),
                _ => None,
            };
            optional(sheet, row, 5, difference, f)?;
            sheet.write_string_with_format(row, 6, &r.unit_note, &f.text)?;
            sheet.write_string_with_format(row, 7, &r.appraiser_note, &f.text)?;
            sheet.write_number_with_format(row, 8, r.evidence_count as f64, &f.whole)?;
        } else {
            sheet.write_string_with_format(row, 4, &r.unit_note, &f.text)?;
            sheet.write_number_with_format(row, 5, r.evidence_count as f64, &f.whole)?;
        }
    }
    print_setup(sheet, last_col, row)?;
    if !with_appraisal {
        // The signature block, as the head signs the paper form.
        sheet.merge_range(
            row + 2,
            last_col - 2,
            row + 2,
            last_col,
            "THỦ TRƯỞNG ĐƠN VỊ",
            &f.title,
        )?;
        sheet.merge_range(
            row + 3,
            last_col - 2,
            row + 3,
            last_col,
            "(Ký, ghi rõ họ tên và đóng dấu)",
            &f.title,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod sheet_name_tests {
    #[test]
    fn names_excel_would_confuse_get_a_number() {
        let mut names = super::SheetNames::default();
        let long = "SO-01 Sở Thông tin và Truyền thông thành phố";
        assert_eq!(names.unique(long), "SO-01 Sở Thông tin và Truyền th");
        assert_eq!(names.unique(long), "SO-01 Sở Thông tin và Truyề (2)");
        assert_eq!(names.unique("a Phường 1"), "a Phường 1");
        assert_eq!(names.unique("A PHƯỜNG 1"), "A PHƯỜNG 1 (2)");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(
            super::sheet_name("Khối sở, ban, ngành"),
            "Khối sở, ban, ngành"
        );
        assert_eq!(
            super::sheet_name("Khối UBND xã, phường, thị trấn [2023]/A"),
            "Khối UBND xã, phường, thị trấn "
        );
        assert_eq!(super::tier_title("Khối sở, ban, ngành"), "SỞ, BAN, NGÀNH");
    }
}
