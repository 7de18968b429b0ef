//! Excel: the published ranking annex of a round (rust_xlsxwriter), built the way the
//! Department of Home Affairs prints it: A4 landscape, Times New Roman, title rows in
//! capitals, repeated header rows, frozen panes, autofilter, numbers stored as numbers.

pub mod annex;
pub mod criteria_workbook;
pub mod directory_import;
pub(crate) mod sheet;
pub mod survey_import;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::domain::Points;
use crate::report::{RoundResults, UnitDetail};

/// Writing text that a spreadsheet must never take for a formula: a cell whose text starts
/// with `=`, `+`, `-` or `@` (an explanation «=HYPERLINK(…)», a name «-» typed by a unit)
/// is marked quoted, as Excel marks text typed after an apostrophe. The text itself is
/// unchanged, so imports read back exactly what was written.
pub(crate) trait TextCells {
    fn write_text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError>;

    fn merge_text(
        &mut self,
        row: u32,
        first_col: u16,
        last_col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError>;
}

/// `format`, quoted when `text` would otherwise read as a formula.
fn quoted_if_needed<'a>(text: &str, format: &'a Format) -> std::borrow::Cow<'a, Format> {
    if text.starts_with(['=', '+', '-', '@']) {
        std::borrow::Cow::Owned(format.clone().set_quote_prefix())
    } else {
        std::borrow::Cow::Borrowed(format)
    }
}

impl TextCells for Worksheet {
    fn write_text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.write_string_with_format(row, col, text, &quoted_if_needed(text, format))
    }

    fn merge_text(
        &mut self,
        row: u32,
        first_col: u16,
        last_col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.merge_range(
            row,
            first_col,
            row,
            last_col,
            text,
            &quoted_if_needed(text, format),
        )
    }
}

const FONT: &str = "Times New Roman";
/// The first row of the table (after the title rows), 0-based.
const HEADER_ROW: u32 = 3;

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    number: Format,
    whole: Format,
    /// An area's line and the total: bold.
    area_text: Format,
    area_number: Format,
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
            text: cell.clone().set_text_wrap().set_align(FormatAlign::Top),
            number: cell
                .clone()
                .set_num_format("0.00")
                .set_align(FormatAlign::Top),
            whole: cell
                .clone()
                .set_num_format("0")
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::Top),
            area_text: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            area_number: cell
                .set_bold()
                .set_num_format("0.00")
                .set_align(FormatAlign::Top),
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

fn print_setup(sheet: &mut Worksheet, last_col: u16, last_row: u32) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0); // one page wide, as many tall as needed
    sheet.set_repeat_rows(0, HEADER_ROW)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 2)?;
    sheet.autofilter(HEADER_ROW, 0, last_row.max(HEADER_ROW), last_col)?;
    Ok(())
}

/// The ranking workbook of a round: the annex as it is signed (see [`annex`]). Not yet
/// saved: save it to a file to stream it.
pub fn build_ranking_workbook(
    results: &RoundResults,
    issuer: &str,
    annex: &annex::Annex,
) -> Result<Workbook, XlsxError> {
    annex::build_annex(results, issuer, annex)
}

/// The ranking workbook, in memory.
pub fn ranking_workbook(
    results: &RoundResults,
    issuer: &str,
    annex: &annex::Annex,
) -> Result<Vec<u8>, XlsxError> {
    build_ranking_workbook(results, issuer, annex)?.save_to_buffer()
}

/// The per-unit detail sheets alone, each in constant memory; not yet saved.
pub fn build_details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Workbook, XlsxError> {
    build_details_workbook_from(std::iter::once(Ok(details.to_vec())), issuer)
}

/// The per-unit detail sheets, written chunk by chunk as `chunks` reads them (a national
/// round's details are never held whole), each sheet in constant memory; not yet saved.
pub fn build_details_workbook_from(
    chunks: impl Iterator<Item = Result<Vec<UnitDetail>, XlsxError>>,
    issuer: &str,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let mut names = SheetNames::default();
    for chunk in chunks {
        for detail in chunk? {
            let name = names.unique(&format!("{} {}", detail.unit_code, detail.unit_name));
            detail_sheet(&mut workbook, &name, &detail, issuer, &formats, true)?;
        }
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

/// Lines a text takes in a column `width` characters wide, for row heights: neither Excel
/// nor LibreOffice grows a row to wrapped text written by a program, so a row too short
/// prints its text over the next ones.
fn lines(text: &str, width: f64) -> f64 {
    annex::lines(text, width)
}

/// The height of a row whose cells hold these texts in columns of these widths; Excel's
/// largest is 409 points.
fn row_height(cells: &[(&str, f64)]) -> f64 {
    let most = cells
        .iter()
        .map(|(text, width)| lines(text, *width))
        .fold(1.0, f64::max);
    (most * 16.0).min(409.0)
}

/// Leaf by leaf: code, text, maximum, the figures the unit entered, self-score (and, with
/// appraisal, the appraised score, the difference and the appraiser's note), the unit's
/// note and the evidence count; each area with its subtotal, then the total.
fn detail_sheet(
    workbook: &mut Workbook,
    name: &str,
    d: &UnitDetail,
    issuer: &str,
    f: &Formats,
    with_appraisal: bool,
) -> Result<(), XlsxError> {
    let columns: Vec<(&str, f64)> = if with_appraisal {
        vec![
            ("Mã", 7.0),
            ("Tiêu chí", 44.0),
            ("Điểm tối đa", 8.0),
            ("Số liệu", 11.0),
            ("Điểm tự chấm", 8.0),
            ("Điểm thẩm định", 9.0),
            ("Chênh lệch", 8.0),
            ("Ghi chú của đơn vị", 28.0),
            ("Ghi chú của thẩm định", 28.0),
            ("Số tài liệu kiểm chứng", 9.0),
        ]
    } else {
        vec![
            ("Mã", 7.0),
            ("Tiêu chí", 50.0),
            ("Điểm tối đa", 9.0),
            ("Số liệu", 13.0),
            ("Điểm tự chấm", 9.0),
            ("Giải thích, căn cứ chấm điểm", 44.0),
            ("Số tài liệu kiểm chứng", 10.0),
        ]
    };
    let width = |i: usize| columns[i].1;
    let last_col = (columns.len() - 1) as u16;
    // Rows are written in order, so each detail sheet streams to a temporary file instead of
    // staying in memory: a national round has thousands of them.
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name)?;
    for (col, (_, w)) in columns.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    sheet.merge_text(0, 0, last_col, &issuer.to_uppercase(), &f.title)?;
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
    sheet.merge_text(1, 0, last_col, &title, &f.title)?;
    sheet.merge_text(
        2,
        0,
        last_col,
        if d.submitted {
            ""
        } else {
            "(Chưa phê duyệt và gửi)"
        },
        &f.title,
    )?;
    let header_height = row_height(&columns.iter().map(|(h, w)| (*h, *w)).collect::<Vec<_>>());
    sheet.set_row_height(HEADER_ROW, header_height)?;
    for (col, (header, _)) in columns.iter().enumerate() {
        sheet.write_text(HEADER_ROW, col as u16, header, &f.header)?;
    }
    // Each area's subtotal: the points of its leaves that apply. Appraised, a leaf not yet
    // appraised counts with its self-score, as in the ranking.
    let sum = |area: &str, pick: fn(&crate::report::DetailRow) -> Option<Points>| {
        let prefix = format!("{area}.");
        let picked: Vec<Points> = d
            .rows
            .iter()
            .filter(|r| r.is_leaf && !r.not_applicable && r.code.starts_with(&prefix))
            .filter_map(pick)
            .collect();
        (!picked.is_empty()).then(|| picked.into_iter().fold(Points::default(), |a, b| a + b))
    };
    let (mut total_max, mut total_self, mut total_appraised) =
        (Points::default(), Points::default(), None::<Points>);
    let mut row = HEADER_ROW;
    for r in &d.rows {
        row += 1;
        let indent = "  ".repeat(r.depth.saturating_sub(1));
        let text = format!("{indent}{}", r.text);
        let notes_col = if with_appraisal { 7 } else { 5 };
        let mut cells = vec![
            (text.as_str(), width(1)),
            (r.unit_note.as_str(), width(notes_col)),
        ];
        if with_appraisal {
            cells.push((r.appraiser_note.as_str(), width(8)));
        }
        sheet.set_row_height(row, row_height(&cells))?;
        let area = r.depth == 1;
        let (text_format, number_format) = if area {
            (&f.area_text, &f.area_number)
        } else {
            (&f.text, &f.number)
        };
        sheet.write_text(row, 0, &r.code, text_format)?;
        sheet.write_text(row, 1, &text, text_format)?;
        sheet.write_number_with_format(row, 2, points(r.max), number_format)?;
        if !r.is_leaf {
            let (own, appraised) = if area {
                (
                    sum(&r.code, |r| r.self_points),
                    sum(&r.code, |r| r.appraised.or(r.self_points)),
                )
            } else {
                (None, None)
            };
            if area {
                total_max = total_max + r.max;
                total_self = total_self + own.unwrap_or_default();
                if let Some(a) = appraised {
                    total_appraised = Some(total_appraised.unwrap_or_default() + a);
                }
            }
            for col in 3..=last_col {
                sheet.write_blank(row, col, text_format)?;
            }
            if let Some(own) = own {
                sheet.write_number_with_format(row, 4, points(own), number_format)?;
            }
            if with_appraisal && let Some(a) = appraised {
                sheet.write_number_with_format(row, 5, points(a), number_format)?;
            }
            continue;
        }
        if area {
            // An area that is itself a leaf counts in the total as it is.
            total_max = total_max + r.max;
            if !r.not_applicable {
                total_self = total_self + r.self_points.unwrap_or_default();
                if let Some(a) = r.appraised.or(r.self_points) {
                    total_appraised = Some(total_appraised.unwrap_or_default() + a);
                }
            }
        }
        sheet.write_text(row, 3, &r.figures, &f.text)?;
        optional(sheet, row, 4, r.self_points, f)?;
        if with_appraisal {
            optional(sheet, row, 5, r.appraised, f)?;
            let difference = match (r.appraised, r.self_points) {
                // Survey points are the Department's alone: nothing to compare them with.
                _ if r.survey => None,
                (Some(a), s) => Some(a - s.unwrap_or_default()),
                _ => None,
            };
            optional(sheet, row, 6, difference, f)?;
            sheet.write_text(row, 7, &r.unit_note, &f.text)?;
            sheet.write_text(row, 8, &r.appraiser_note, &f.text)?;
            sheet.write_number_with_format(row, 9, r.evidence_count as f64, &f.whole)?;
        } else {
            sheet.write_text(row, 5, &r.unit_note, &f.text)?;
            sheet.write_number_with_format(row, 6, r.evidence_count as f64, &f.whole)?;
        }
    }
    row += 1;
    sheet.set_row_height(row, 16.0)?;
    sheet.write_text(row, 0, "", &f.area_text)?;
    sheet.write_text(row, 1, "TỔNG CỘNG", &f.area_text)?;
    sheet.write_number_with_format(row, 2, points(total_max), &f.area_number)?;
    sheet.write_blank(row, 3, &f.area_text)?;
    sheet.write_number_with_format(row, 4, points(total_self), &f.area_number)?;
    for col in 5..=last_col {
        sheet.write_blank(row, col, &f.area_text)?;
    }
    if with_appraisal && let Some(a) = total_appraised {
        sheet.write_number_with_format(row, 5, points(a), &f.area_number)?;
    }
    print_setup(sheet, last_col, row)?;
    sheet.set_footer("&C&\"Times New Roman\"&11Trang &P/&N");
    if !with_appraisal {
        // The signature block, as the head signs the paper form.
        sheet.merge_text(
            row + 2,
            last_col - 2,
            last_col,
            "THỦ TRƯỞNG ĐƠN VỊ",
            &f.title,
        )?;
        sheet.merge_text(
            row + 3,
            last_col - 2,
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
    }
}
