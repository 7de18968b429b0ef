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

/// The detail workbook alone, in constant memory; not yet saved. `details` come tier by
/// tier, as [`build_details_workbook_from`] needs them.
pub fn build_details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Workbook, XlsxError> {
    build_details_workbook_from(std::iter::once(Ok(details.to_vec())), issuer)
}

/// Units on one tier sheet at most: each unit after the first starts a new page with a
/// manual break, and Excel allows 1 023 of them on a sheet.
const UNITS_PER_SHEET: usize = 1000;

/// The tier sheet being written.
struct TierSheet {
    index: usize,
    tier_code: String,
    /// 1 for the tier's first sheet, 2 for «… (2)», …
    part: usize,
    units: usize,
    next_row: u32,
    /// The first row of every unit's block but the first: each starts a page.
    breaks: Vec<u32>,
}

impl TierSheet {
    fn finish(self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        if !self.breaks.is_empty() {
            workbook
                .worksheet_from_index(self.index)?
                .set_page_breaks(&self.breaks)?;
        }
        Ok(())
    }
}

/// The detail workbook: a sheet per tier, in the order the details come (the round's tier
/// order, ranking order within a tier), each unit's block below the previous one and
/// starting a printed page; a tier of more than [`UNITS_PER_SHEET`] units goes on over
/// «<tier> (2)», «(3)», …. Written chunk by chunk as `chunks` reads them (a national
/// round's details are never held whole), each sheet in constant memory: a handful of
/// sheets, not one per unit; not yet saved.
pub fn build_details_workbook_from(
    chunks: impl Iterator<Item = Result<Vec<UnitDetail>, XlsxError>>,
    issuer: &str,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    let columns = detail_columns(true);
    let mut names = SheetNames::default();
    let mut current: Option<TierSheet> = None;
    for chunk in chunks {
        for detail in chunk? {
            let same_tier = current
                .as_ref()
                .is_some_and(|s| s.tier_code == detail.tier_code);
            if !same_tier || current.as_ref().is_some_and(|s| s.units >= UNITS_PER_SHEET) {
                let part = match &current {
                    Some(s) if same_tier => s.part + 1,
                    _ => 1,
                };
                if let Some(done) = current.take() {
                    done.finish(&mut workbook)?;
                }
                let name = names.unique(&part_name(&detail.tier_name, part));
                let sheet = workbook.add_worksheet_with_constant_memory()?;
                sheet.set_name(&name)?;
                set_columns(sheet, &columns)?;
                page_setup(sheet)?;
                current = Some(TierSheet {
                    index: workbook.worksheets().len() - 1,
                    tier_code: detail.tier_code.clone(),
                    part,
                    units: 0,
                    next_row: 0,
                    breaks: Vec::new(),
                });
            }
            let Some(tier) = current.as_mut() else {
                unreachable!("a tier sheet was just opened");
            };
            let first = if tier.units == 0 {
                0
            } else {
                // A row left empty between two units, for whoever reads it on screen.
                let first = tier.next_row + 1;
                tier.breaks.push(first);
                first
            };
            let sheet = workbook.worksheet_from_index(tier.index)?;
            tier.next_row = detail_block(sheet, first, &detail, issuer, &formats, true)? + 1;
            tier.units += 1;
        }
    }
    if let Some(done) = current.take() {
        done.finish(&mut workbook)?;
    }
    Ok(workbook)
}

/// The name of a tier's `part`-th sheet: its name, then «<name> (2)», … within 31 characters.
fn part_name(tier_name: &str, part: usize) -> String {
    let base = match sheet_name(tier_name) {
        name if name.trim().is_empty() => "Khối".to_string(),
        name => name,
    };
    if part == 1 {
        return base;
    }
    let suffix = format!(" ({part})");
    let room = 31 - suffix.chars().count();
    format!("{}{suffix}", base.chars().take(room).collect::<String>())
}

/// The detail workbook alone, in memory.
pub fn details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Vec<u8>, XlsxError> {
    build_details_workbook(details, issuer)?.save_to_buffer()
}

/// A unit's own score sheet (Biểu tự chấm điểm), as its head signs it.
pub fn self_assessment_workbook(detail: &UnitDetail, issuer: &str) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let columns = detail_columns(false);
    let last_col = (columns.len() - 1) as u16;
    let mut workbook = Workbook::new();
    let name = sheet_name(&format!("{} {}", detail.unit_code, detail.unit_name));
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(&name)?;
    set_columns(sheet, &columns)?;
    let total_row = detail_block(sheet, 0, detail, issuer, &f, false)?;
    print_setup(sheet, last_col, total_row)?;
    sheet.set_footer(FOOTER);
    // The signature block, as the head signs the paper form.
    sheet.merge_text(
        total_row + 2,
        last_col - 2,
        last_col,
        "THỦ TRƯỞNG ĐƠN VỊ",
        &f.title,
    )?;
    sheet.merge_text(
        total_row + 3,
        last_col - 2,
        last_col,
        "(Ký, ghi rõ họ tên và đóng dấu)",
        &f.title,
    )?;
    workbook.save_to_buffer()
}

const FOOTER: &str = "&C&\"Times New Roman\"&11Trang &P/&N";

/// A tier sheet's page: A4 landscape, one page wide, numbered at the foot. No repeated
/// rows, frozen panes or filter: each unit's block has its own title and header rows.
fn page_setup(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    // A fixed scale at which the ten columns fit across the page, not «fit to one page
    // wide»: Excel ignores manual page breaks under «fit to», and each unit's block must
    // start a page.
    sheet.set_print_scale(60);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_footer(FOOTER);
    Ok(())
}

/// The detail columns: heading and width. With appraisal (the detail workbook) or without
/// (a unit's own score sheet, with its explanations).
fn detail_columns(with_appraisal: bool) -> Vec<(&'static str, f64)> {
    if with_appraisal {
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
    }
}

fn set_columns(sheet: &mut Worksheet, columns: &[(&str, f64)]) -> Result<(), XlsxError> {
    for (col, (_, w)) in columns.iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    Ok(())
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

/// One unit's block from row `first` down: the issuer, the title, whether the unit has
/// sent its self-assessment, the header row, then leaf by leaf: code, text, maximum, the
/// figures the unit entered, self-score (and, with appraisal, the appraised score, the
/// difference and the appraiser's note), the unit's note and the evidence count; each area
/// with its subtotal, then the total. Rows are written top to bottom, each row's height set
/// before its cells, as a constant-memory sheet needs. Returns the row of the total.
fn detail_block(
    sheet: &mut Worksheet,
    first: u32,
    d: &UnitDetail,
    issuer: &str,
    f: &Formats,
    with_appraisal: bool,
) -> Result<u32, XlsxError> {
    let columns = detail_columns(with_appraisal);
    let width = |i: usize| columns[i].1;
    let last_col = (columns.len() - 1) as u16;
    sheet.merge_text(first, 0, last_col, &issuer.to_uppercase(), &f.title)?;
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
    sheet.merge_text(first + 1, 0, last_col, &title, &f.title)?;
    sheet.merge_text(
        first + 2,
        0,
        last_col,
        if d.submitted {
            ""
        } else {
            "(Chưa phê duyệt và gửi)"
        },
        &f.title,
    )?;
    let header_row = first + HEADER_ROW;
    let header_height = row_height(&columns.iter().map(|(h, w)| (*h, *w)).collect::<Vec<_>>());
    sheet.set_row_height(header_row, header_height)?;
    for (col, (header, _)) in columns.iter().enumerate() {
        sheet.write_text(header_row, col as u16, header, &f.header)?;
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
    let mut row = header_row;
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
    Ok(row)
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
    use crate::report::UnitDetail;

    fn unit(tier: &str, i: usize) -> UnitDetail {
        UnitDetail {
            round_title: "Chỉ số CCHC năm 2025".into(),
            year: 2025,
            tier_code: tier.into(),
            tier_name: match tier {
                "xa" => "Khối UBND xã, phường, thị trấn",
                _ => "Khối sở, ban, ngành",
            }
            .into(),
            unit_code: format!("U{i}"),
            unit_name: format!("UBND xã số {i}"),
            submitted: true,
            rows: Vec::new(),
        }
    }

    #[test]
    fn a_tier_of_more_than_a_thousand_units_goes_on_over_a_second_sheet() {
        let details: Vec<UnitDetail> = (0..1001)
            .map(|i| unit("xa", i))
            .chain((0..3).map(|i| unit("so", i)))
            .collect();
        let mut workbook = super::build_details_workbook(&details, "Sở Nội vụ").expect("build");
        let names: Vec<String> = workbook.worksheets().iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "Khối UBND xã, phường, thị trấn",
                "Khối UBND xã, phường, thị t (2)",
                "Khối sở, ban, ngành",
            ]
        );
        let bytes = workbook.save_to_buffer().expect("save");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let breaks: Vec<Option<String>> = (1..=3)
            .map(|n| {
                let mut xml = String::new();
                std::io::Read::read_to_string(
                    &mut zip
                        .by_name(&format!("xl/worksheets/sheet{n}.xml"))
                        .expect("sheet"),
                    &mut xml,
                )
                .expect("read");
                let (_, rest) = xml.split_once("<rowBreaks count=\"")?;
                rest.split('"').next().map(str::to_string)
            })
            .collect();
        assert_eq!(
            breaks,
            [Some("999".to_string()), None, Some("2".to_string())]
        );
    }

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
