//! Each unit's detail, leaf by leaf: the detail workbook (every unit of a round, a sheet
//! per tier, streamed in constant memory) and a unit's own score sheet (Biểu tự chấm
//! điểm), which its head signs. Both end with the unit's figures as the ranking counts
//! them, print at 100 % on A4 landscape, and name the unit and repeat the column headings
//! on every page.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::annex::Annex;
use super::document::{self, Letterhead, Parts, Signature};
use super::layout::{self, Type};
use super::table::{Cell, Styles};
use super::{SheetNames, sheet_name};
use crate::domain::Points;
use crate::report::{DetailRow, UnitDetail};

/// Which of the two documents a unit's block is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The detail workbook: self-scores beside the appraised ones, 11 pt (it runs to many
    /// pages).
    Detail,
    /// The unit's score sheet: its self-scores and explanations, 12 pt.
    ScoreSheet,
}

/// The detail workbook's columns: heading and width, fitting the page at 11 pt.
const DETAIL_COLUMNS: [(&str, f64); 10] = [
    ("Mã", 6.0),
    ("Tiêu chí", 30.0),
    ("Điểm tối đa", 6.5),
    // Wide enough for «Thẩm định:» on a line, above the appraised figures.
    ("Số liệu", 10.0),
    ("Điểm tự chấm", 6.5),
    ("Điểm thẩm định", 7.0),
    ("Chênh lệch", 6.5),
    ("Ghi chú của đơn vị", 19.0),
    ("Ghi chú của thẩm định", 19.0),
    ("Số tài liệu kiểm chứng", 7.0),
];

/// The score sheet's columns, fitting the page at 12 pt.
const SCORE_COLUMNS: [(&str, f64); 7] = [
    ("Mã", 6.0),
    ("Tiêu chí", 42.0),
    ("Điểm tối đa", 7.0),
    ("Số liệu", 10.0),
    ("Điểm tự chấm", 7.0),
    ("Giải thích, căn cứ chấm điểm", 38.0),
    ("Số tài liệu kiểm chứng", 7.0),
];

impl Kind {
    fn columns(self) -> &'static [(&'static str, f64)] {
        match self {
            Kind::Detail => &DETAIL_COLUMNS,
            Kind::ScoreSheet => &SCORE_COLUMNS,
        }
    }

    fn widths(self) -> Vec<f64> {
        self.columns().iter().map(|(_, w)| *w).collect()
    }

    fn size(self) -> f64 {
        match self {
            Kind::Detail => 11.0,
            Kind::ScoreSheet => 12.0,
        }
    }
}

struct Formats {
    parts: Parts,
    /// Leaves: top-aligned, as their texts run to several lines.
    plain: Styles,
    /// Areas, sums and the figures that matter: bold.
    bold: Styles,
}

impl Formats {
    fn new(kind: Kind) -> Formats {
        Formats {
            parts: Parts::new(),
            plain: Styles::new(Type::regular(kind.size()), true),
            bold: Styles::new(Type::bold(kind.size()), true),
        }
    }
}

/// A row of a unit's table as it prints.
struct Line {
    cells: Vec<Cell>,
    bold: bool,
    height: f64,
}

impl Line {
    fn new(cells: Vec<Cell>, bold: bool, widths: &[f64], f: &Formats) -> Line {
        let styles = if bold { &f.bold } else { &f.plain };
        let height = styles.height(&cells, widths);
        Line {
            cells,
            bold,
            height,
        }
    }

    fn write(&self, sheet: &mut Worksheet, row: u32, f: &Formats) -> Result<(), XlsxError> {
        let styles = if self.bold { &f.bold } else { &f.plain };
        styles.write_row(sheet, row, &self.cells, self.height)
    }
}

/// What the leaves that apply add up to under a node: the maximum, the unit's points and
/// the appraised ones (none where no leaf has any).
#[derive(Clone, Copy, Default)]
struct Sums {
    max: Points,
    own: Option<Points>,
    appraised: Option<Points>,
}

fn add(sum: Option<Points>, p: Option<Points>) -> Option<Points> {
    match (sum, p) {
        (s, None) => s,
        (s, Some(p)) => Some(s.unwrap_or_default() + p),
    }
}

/// The sums under every node, by code, and under "" (the whole set). A leaf not yet
/// appraised counts with its self-score among the appraised, as in the ranking; survey
/// points are the Department's: appraised, and on the score sheet the unit's column.
fn sums(rows: &[DetailRow], kind: Kind) -> HashMap<String, Sums> {
    let mut sums: HashMap<String, Sums> = HashMap::new();
    for r in rows.iter().filter(|r| r.is_leaf && !r.not_applicable) {
        let own = match (r.survey, kind) {
            (true, Kind::ScoreSheet) => r.appraised,
            (true, Kind::Detail) => None,
            (false, _) => r.self_points,
        };
        let appraised = r.appraised.or(r.self_points);
        let ancestors = r
            .code
            .match_indices('.')
            .map(|(i, _)| &r.code[..i])
            .chain([r.code.as_str(), ""]);
        for code in ancestors {
            let s = sums.entry(code.to_string()).or_default();
            s.max = s.max + r.max;
            s.own = add(s.own, own);
            s.appraised = add(s.appraised, appraised);
        }
    }
    sums
}

/// The «Số liệu» cell: the unit's figures and, where the appraisers corrected them, theirs
/// on a line below («111/125», «Thẩm định: 110/125»).
fn figures_text(r: &DetailRow) -> String {
    match r.corrected_figures() {
        Some(appraised) if r.figures.is_empty() => format!("Thẩm định: {appraised}"),
        Some(appraised) => format!("{}\nThẩm định: {appraised}", r.figures),
        None => r.figures.clone(),
    }
}

fn optional(p: Option<Points>) -> Cell {
    p.map_or(Cell::Blank, Cell::points)
}

/// The tree, node by node, then the sum of the areas.
fn tree_lines(d: &UnitDetail, kind: Kind, f: &Formats) -> Vec<Line> {
    let widths = kind.widths();
    let sums = sums(&d.rows, kind);
    let blanks = |n: usize| std::iter::repeat_n(Cell::Blank, n);
    let mut lines: Vec<Line> = d
        .rows
        .iter()
        .map(|r| {
            let indent = "  ".repeat(r.depth.saturating_sub(1));
            let mut cells = vec![
                Cell::Text(r.code.clone()),
                Cell::Text(format!("{indent}{}", r.text)),
            ];
            let s = sums.get(&r.code).copied().unwrap_or_default();
            if !r.is_leaf {
                // A node's maximum is what applies of it: not-applicable leaves are out.
                cells.extend([Cell::points(s.max), Cell::Blank, optional(s.own)]);
                if kind == Kind::Detail {
                    cells.push(optional(s.appraised));
                }
                let filled = cells.len();
                cells.extend(blanks(widths.len() - filled));
                return Line::new(cells, r.depth == 1, &widths, f);
            }
            cells.extend([Cell::points(r.max), Cell::Text(figures_text(r))]);
            match kind {
                Kind::Detail => {
                    // Survey points are the Department's alone: nothing to compare them with.
                    let difference = match (r.appraised, r.self_points) {
                        _ if r.survey => None,
                        (Some(a), s) => Some(a - s.unwrap_or_default()),
                        _ => None,
                    };
                    cells.extend([
                        optional(r.self_points),
                        optional(r.appraised),
                        optional(difference),
                        Cell::Text(r.unit_note.clone()),
                        Cell::Text(r.appraiser_note.clone()),
                        Cell::Whole(r.evidence_count as f64),
                    ]);
                }
                Kind::ScoreSheet => {
                    let own = if r.survey { r.appraised } else { r.self_points };
                    cells.extend([
                        optional(own),
                        Cell::Text(r.unit_note.clone()),
                        Cell::Whole(r.evidence_count as f64),
                    ]);
                }
            }
            Line::new(cells, r.depth == 1, &widths, f)
        })
        .collect();
    let total = sums.get("").copied().unwrap_or_default();
    let mut cells = vec![
        Cell::Blank,
        Cell::Text("Cộng điểm các lĩnh vực".into()),
        Cell::points(total.max),
        Cell::Blank,
        optional(total.own),
    ];
    if kind == Kind::Detail {
        cells.push(optional(total.appraised));
    }
    let filled = cells.len();
    cells.extend(blanks(widths.len() - filled));
    lines.push(Line::new(cells, true, &widths, f));
    lines
}

/// The unit's figures under «TỔNG CỘNG», as the annex has them: on the detail workbook
/// the ranking's (self-assessed, appraised, survey, bonus, penalty, total, applicable
/// maximum, index, rank, class), on the score sheet its own from its self-scores. A label
/// in the criteria column, the value beside it.
fn figure_lines(d: &UnitDetail, kind: Kind, f: &Formats) -> Vec<Line> {
    let Some(r) = &d.result else {
        return Vec::new();
    };
    let widths = kind.widths();
    let has_survey = d.rows.iter().any(|row| row.survey);
    let mut figures: Vec<(&str, Cell, bool)> =
        vec![("Điểm tự đánh giá", Cell::points(r.self_total), false)];
    if kind == Kind::Detail {
        figures.push(("Điểm thẩm định", Cell::points(r.appraised_total), false));
    }
    if has_survey || kind == Kind::Detail {
        figures.push(("Điểm điều tra XHH", Cell::points(r.survey_total), false));
    }
    figures.extend([
        ("Điểm thưởng", Cell::points(r.bonus), false),
        ("Điểm trừ", Cell::points(r.penalty), false),
        ("Tổng điểm", Cell::points(r.final_total), true),
        ("Điểm tối đa áp dụng", Cell::points(r.applicable_max), false),
        ("Chỉ số CCHC (%)", Cell::percent(r.index), true),
    ]);
    if kind == Kind::Detail {
        let rank = if r.rank > 0 {
            Cell::Whole(f64::from(r.rank))
        } else {
            Cell::Blank
        };
        figures.push(("Xếp hạng", rank, false));
        let class = r.classification.clone().unwrap_or_default();
        figures.push(("Xếp loại", Cell::Centred(class), false));
    }
    let mut lines = vec![Line::new(
        vec![Cell::Blank, Cell::Text("TỔNG CỘNG".into()), Cell::Blank],
        true,
        &widths,
        f,
    )];
    lines.extend(figures.into_iter().map(|(label, value, bold)| {
        Line::new(
            vec![Cell::Blank, Cell::Text(label.into()), value],
            bold,
            &widths,
            f,
        )
    }));
    lines
}

/// The empty row between the table and its figures, and above the table.
const GAP: f64 = 8.0;

/// A unit's block laid out for print: its title lines, its table and its figures, and
/// where its pages break.
struct Block {
    title: Vec<(String, bool)>,
    lines: Vec<Line>,
    figures: Vec<Line>,
    /// Before which lines a page begins.
    breaks: Vec<usize>,
}

impl Block {
    fn lay_out(
        d: &UnitDetail,
        kind: Kind,
        title: Vec<(String, bool)>,
        above: f64,
        tail: f64,
        f: &Formats,
    ) -> Block {
        let widths = kind.widths();
        let lines = tree_lines(d, kind, f);
        let figures = figure_lines(d, kind, f);
        let header = f.plain.header_height(kind.columns());
        let titles: Vec<(&str, bool)> = title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
        let heights: Vec<f64> = lines.iter().map(|l| l.height).collect();
        let table = layout::Table {
            first: above + document::title_height(&widths, &titles) + header,
            repeat: match kind {
                Kind::Detail => continued_height(&title[1].0, &widths) + header,
                Kind::ScoreSheet => header,
            },
            rows: &heights,
            tail: GAP + figures.iter().map(|l| l.height).sum::<f64>() + tail,
            keep: 3,
        };
        let breaks = table.breaks(layout::page_height());
        Block {
            title,
            lines,
            figures,
            breaks,
        }
    }

    /// Writes the table's lines from `row`, a page break and `continued` (which writes
    /// what a new page repeats, returning the row after it) before each line that begins
    /// a page; then the figures. Returns the row after them.
    fn write_lines(
        &self,
        sheet: &mut Worksheet,
        mut row: u32,
        f: &Formats,
        page_breaks: &mut Vec<u32>,
        mut continued: impl FnMut(&mut Worksheet, u32) -> Result<u32, XlsxError>,
    ) -> Result<u32, XlsxError> {
        for (i, line) in self.lines.iter().enumerate() {
            if self.breaks.contains(&i) {
                page_breaks.push(row);
                row = continued(sheet, row)?;
            }
            line.write(sheet, row, f)?;
            row += 1;
        }
        sheet.set_row_height(row, GAP)?;
        row += 1;
        for line in &self.figures {
            line.write(sheet, row, f)?;
            row += 1;
        }
        Ok(row)
    }
}

/// The line that names the unit at the top of a page its block continues on.
fn continued_title(title: &str) -> String {
    format!("{title} (tiếp theo)")
}

fn continued_height(title: &str, widths: &[f64]) -> f64 {
    document::title_height(widths, &[(continued_title(title).as_str(), true)])
}

fn set_columns(sheet: &mut Worksheet, kind: Kind) -> Result<(), XlsxError> {
    for (col, (_, w)) in kind.columns().iter().enumerate() {
        sheet.set_column_width(col as u16, *w)?;
    }
    Ok(())
}

/// The title lines of a unit's block on the detail workbook.
fn detail_title(d: &UnitDetail, issuer: &str) -> Vec<(String, bool)> {
    let mut title = vec![
        (issuer.to_uppercase(), true),
        (
            format!(
                "KẾT QUẢ CHẤM ĐIỂM CHỈ SỐ CCHC NĂM {} — {}",
                d.year,
                d.unit_name.to_uppercase()
            ),
            true,
        ),
    ];
    if !d.submitted {
        title.push(("(Chưa phê duyệt và gửi)".into(), false));
    }
    title
}

/// Writes one unit's block of the detail workbook from `first`; a page break before each
/// line that begins a page, which then starts with the unit's name and the headings.
/// Returns the row after the block.
fn write_detail_block(
    sheet: &mut Worksheet,
    first: u32,
    block: &Block,
    f: &Formats,
    page_breaks: &mut Vec<u32>,
) -> Result<u32, XlsxError> {
    let kind = Kind::Detail;
    let widths = kind.widths();
    let titles: Vec<(&str, bool)> = block.title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    let header = document::title_rows(sheet, first, &widths, &titles, &f.parts)?;
    f.plain.write_header(sheet, header, kind.columns())?;
    let unit = continued_title(&block.title[1].0);
    block.write_lines(sheet, header + 1, f, page_breaks, |sheet, row| {
        let header = document::title_rows(sheet, row, &widths, &[(unit.as_str(), true)], &f.parts)?;
        f.plain.write_header(sheet, header, kind.columns())?;
        Ok(header + 1)
    })
}

/// The detail workbook alone, in constant memory; not yet saved. `details` come tier by
/// tier, as [`build_details_workbook_from`] needs them.
pub fn build_details_workbook(details: &[UnitDetail], issuer: &str) -> Result<Workbook, XlsxError> {
    build_details_workbook_from(std::iter::once(Ok(details.to_vec())), issuer)
}

/// Units on one tier sheet at most.
const UNITS_PER_SHEET: usize = 1000;
/// Manual page breaks Excel allows on a sheet: each unit starts a page, and a unit's block
/// breaks its own pages.
const BREAKS_PER_SHEET: usize = 1023;

/// The tier sheet being written.
struct TierSheet {
    index: usize,
    tier_code: String,
    /// 1 for the tier's first sheet, 2 for «… (2)», …
    part: usize,
    units: usize,
    next_row: u32,
    /// Where every page but the first begins.
    breaks: Vec<u32>,
}

impl TierSheet {
    /// Whether a unit of `pages` pages still goes on this sheet.
    fn has_room(&self, pages: usize) -> bool {
        self.units < UNITS_PER_SHEET && self.breaks.len() + pages <= BREAKS_PER_SHEET
    }

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
/// starting a printed page, each of its pages headed by its name and the column headings;
/// a tier too long for one sheet (more than [`UNITS_PER_SHEET`] units or
/// [`BREAKS_PER_SHEET`] page breaks) goes on over «<tier> (2)», «(3)», …. Written chunk
/// by chunk as `chunks` reads them (a national round's details are never held whole),
/// each sheet in constant memory: a handful of sheets, not one per unit; not yet saved.
pub fn build_details_workbook_from(
    chunks: impl Iterator<Item = Result<Vec<UnitDetail>, XlsxError>>,
    issuer: &str,
) -> Result<Workbook, XlsxError> {
    let mut workbook = document::workbook()?;
    let f = Formats::new(Kind::Detail);
    let mut names = SheetNames::default();
    let mut current: Option<TierSheet> = None;
    for chunk in chunks {
        for detail in chunk? {
            let block = Block::lay_out(
                &detail,
                Kind::Detail,
                detail_title(&detail, issuer),
                0.0,
                0.0,
                &f,
            );
            let pages = block.breaks.len() + 1;
            let same_tier = current
                .as_ref()
                .is_some_and(|s| s.tier_code == detail.tier_code);
            if !same_tier || current.as_ref().is_some_and(|s| !s.has_room(pages)) {
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
                set_columns(sheet, Kind::Detail)?;
                document::page_setup(sheet, false);
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
            tier.next_row = write_detail_block(sheet, first, &block, &f, &mut tier.breaks)?;
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

/// A unit's own score sheet (Biểu tự chấm điểm), as its head signs it: headed by the body
/// above the unit (`annex.parent`) and the unit, the national name and motto, a number to
/// fill in, the place and the date it was submitted (or `today`'s year with the day and
/// month blank); the title with the year; the criteria with area subtotals; the figures
/// «TỔNG CỘNG» (survey points where the set has them, bonus, penalty, applicable maximum,
/// index); the head's signature with the name of the account that submitted it. «DỰ THẢO»
/// on every page until it is submitted.
pub fn self_assessment_workbook(
    detail: &UnitDetail,
    annex: &Annex,
    today: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let kind = Kind::ScoreSheet;
    let f = Formats::new(kind);
    let widths = kind.widths();
    let mut workbook = document::workbook()?;
    let name = sheet_name(&format!("{} {}", detail.unit_code, detail.unit_name));
    // An ordinary sheet, not a streamed one: one unit's rows, and the letterhead's drawn
    // rules are placed by the heights of the rows above them.
    let sheet = workbook.add_worksheet();
    sheet.set_name(&name)?;
    set_columns(sheet, kind)?;
    let submitted_on = detail
        .submitted_at
        .map(|t| crate::domain::deadline::vn_date(t.timestamp()));
    let date = document::date_line(&annex.place, submitted_on, today.year());
    let letterhead = Letterhead {
        parent: &annex.parent,
        issuer: &detail.unit_name,
        number: Some(("Số:          /BC-……", &date)),
    };
    let mut title = vec![(
        format!(
            "BIỂU TỰ CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
            detail.year
        ),
        true,
    )];
    title.push((format!("({})", detail.round_title), false));
    if !detail.submitted {
        title.push(("(Chưa phê duyệt và gửi)".into(), false));
    }
    let signature = Signature {
        date: None,
        title: "THỦ TRƯỞNG ĐƠN VỊ",
        note: Some("(Ký, ghi rõ họ tên và đóng dấu)"),
        name: detail.submitted_by.as_deref().unwrap_or_default(),
    };
    let block = Block::lay_out(
        detail,
        kind,
        title,
        letterhead.height(&widths) + GAP,
        signature.height(),
        &f,
    );
    let row = letterhead.write(sheet, &widths, &f.parts)?;
    sheet.set_row_height(row, GAP)?;
    let titles: Vec<(&str, bool)> = block.title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    let header = document::title_rows(sheet, row + 1, &widths, &titles, &f.parts)?;
    f.plain.write_header(sheet, header, kind.columns())?;
    let mut breaks = Vec::new();
    // Every page repeats the header row by itself (one unit to the sheet).
    let end = block.write_lines(sheet, header + 1, &f, &mut breaks, |_, row| Ok(row))?;
    let last = widths.len() - 1;
    let from = (0..=last)
        .rev()
        .find(|&c| layout::columns_points(widths[c..].iter().copied()) >= 270.0)
        .unwrap_or(0);
    signature.write(sheet, end, (from, last), &f.parts)?;
    document::page_setup(sheet, !detail.submitted);
    sheet.set_repeat_rows(header, header)?;
    sheet.set_page_breaks(&breaks)?;
    sheet.set_freeze_panes(header + 1, 2)?;
    workbook.save_to_buffer()
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
            submitted_at: None,
            submitted_by: None,
            result: None,
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
    fn the_tables_fit_the_page_at_full_size() {
        use super::super::layout;
        for kind in [super::Kind::Detail, super::Kind::ScoreSheet] {
            let width = layout::columns_points(kind.widths());
            assert!(width <= layout::page_width(), "{width} pt");
        }
    }
}
