//! The analysis workbooks (Phân tích điểm bị trừ): a unit's points lost per area,
//! criterion and leaf with its figures beside last year's; the Sở Nội vụ's sheet per tier
//! of the criteria where most units lost points. Laid out as the other documents are: the
//! letterhead, a title, a ruled table in Times New Roman 12 at 100 % on A4 landscape, the
//! header row on every page, pages broken by hand from the rows' heights.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::annex::Annex;
use super::document::{self, Letterhead, Parts};
use super::layout::{self, Type};
use super::table::{Cell, Styles};
use crate::domain::points::{Percent, Points};
use crate::report::analysis::{CommonLoss, LostPoints, RoundAnalysis, UnitAnalysis};

/// A unit's table: heading and width, fitting the page at 12 pt.
const UNIT_COLUMNS: [(&str, f64); 7] = [
    ("Mã", 6.0),
    ("Lĩnh vực, tiêu chí", 40.0),
    ("Điểm tối đa áp dụng", 8.0),
    ("Điểm đạt", 7.5),
    ("Điểm bị trừ", 7.5),
    ("Bình quân khối bị trừ", 8.5),
    ("Nhận xét của thẩm định", 38.0),
];

/// The Sở's table per tier.
const TIER_COLUMNS: [(&str, f64); 8] = [
    ("Mã", 6.0),
    ("Tiêu chí", 50.0),
    ("Điểm tối đa", 7.5),
    ("Số đơn vị áp dụng", 9.0),
    ("Số đơn vị bị trừ điểm", 9.0),
    ("Tỷ lệ đơn vị bị trừ (%)", 9.0),
    ("Tổng điểm bị trừ", 9.0),
    ("Bình quân bị trừ", 9.0),
];

const SIZE: f64 = 12.0;
const GAP: f64 = 8.0;

/// One line of a table: its cells, in bold or not.
struct Line {
    cells: Vec<Cell>,
    bold: bool,
}

impl Line {
    fn plain(cells: Vec<Cell>) -> Line {
        Line { cells, bold: false }
    }

    fn bold(cells: Vec<Cell>) -> Line {
        Line { cells, bold: true }
    }
}

/// A line of `columns` cells: `text` in the second, `cells` at the given columns, the
/// rest blank.
fn spelled(columns: usize, text: String, cells: Vec<(usize, Cell)>) -> Vec<Cell> {
    let mut line = vec![Cell::Blank; columns];
    line[1] = Cell::Text(text);
    for (at, cell) in cells {
        line[at] = cell;
    }
    line
}

fn points_or_blank(p: Option<Points>) -> Cell {
    p.map(Cell::points).unwrap_or(Cell::Blank)
}

fn percent_or_dash(p: Option<Percent>) -> Cell {
    p.map(Cell::percent)
        .unwrap_or_else(|| Cell::Centred("—".into()))
}

/// Writes a sheet: the letterhead of `issuer` under `annex.parent`, the title `lines`,
/// the header naming `columns`, then `lines` broken into pages by hand.
fn write_sheet(
    sheet: &mut Worksheet,
    (issuer, annex): (&str, &Annex),
    title: &[(String, bool)],
    columns: &[(&str, f64)],
    lines: &[Line],
    draft: bool,
) -> Result<(), XlsxError> {
    let parts = Parts::new();
    let plain = Styles::new(Type::regular(SIZE), true);
    let bold = Styles::new(Type::bold(SIZE), true);
    let widths: Vec<f64> = columns.iter().map(|(_, w)| *w).collect();
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let letterhead = Letterhead {
        parent: &annex.parent,
        issuer,
        number: None,
    };
    let titles: Vec<(&str, bool)> = title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    let style = |line: &Line| if line.bold { &bold } else { &plain };
    let heights: Vec<f64> = (lines.iter())
        .map(|l| style(l).height(&l.cells, &widths))
        .collect();
    let header_height = plain.header_height(columns);
    let table = layout::Table {
        first: letterhead.height(&widths)
            + GAP
            + document::title_height(&widths, &titles)
            + header_height,
        repeat: header_height,
        rows: &heights,
        tail: 0.0,
        keep: 0,
    };
    let row = letterhead.write(sheet, &widths, &parts)?;
    sheet.set_row_height(row, GAP)?;
    let header = document::title_rows(sheet, row + 1, &widths, &titles, &parts)?;
    plain.write_header(sheet, header, columns)?;
    let first = header + 1;
    for (i, (line, height)) in lines.iter().zip(&heights).enumerate() {
        style(line).write_row(sheet, first + i as u32, &line.cells, *height)?;
    }
    let breaks: Vec<u32> = (table.breaks(layout::page_height()).into_iter())
        .map(|i| first + i as u32)
        .collect();
    document::page_setup(sheet, draft);
    sheet.set_repeat_rows(header, header)?;
    sheet.set_page_breaks(&breaks)?;
    sheet.set_freeze_panes(first, 2)?;
    Ok(())
}

/// A node's line and those of the nodes below it where points were lost; `depth` indents
/// the text.
/// The appraisers' word on a leaf: the figures they corrected, then their comment.
fn note(item: &LostPoints) -> Cell {
    let figures = crate::domain::criteria::corrected_figures(item.self_input, item.appraised_input)
        .map(|f| match item.self_input.and_then(|i| i.figures()) {
            Some(own) => format!("Số liệu thẩm định: {f} (đơn vị báo cáo {own})."),
            None => format!("Số liệu thẩm định: {f}."),
        });
    let text: Vec<String> = figures.into_iter().chain(item.note.clone()).collect();
    if text.is_empty() {
        Cell::Blank
    } else {
        Cell::Note(text.join("\n"))
    }
}

fn lost_lines(item: &LostPoints, depth: usize, lines: &mut Vec<Line>) {
    let text = format!(
        "{}{}{}",
        "    ".repeat(depth),
        item.text,
        if item.survey {
            " (điều tra XHH)"
        } else {
            ""
        }
    );
    let cells = vec![
        Cell::Text(item.code.clone()),
        Cell::Text(text),
        Cell::points(item.max),
        Cell::points(item.points),
        Cell::points(item.lost),
        points_or_blank(item.tier_average),
        note(item),
    ];
    lines.push(if depth == 0 {
        Line::bold(cells)
    } else {
        Line::plain(cells)
    });
    for below in &item.items {
        lost_lines(below, depth + 1, lines);
    }
}

/// A unit's analysis: a sheet with its points lost, most first, then its figures beside
/// last year's. «DỰ THẢO» until the round is published.
pub fn unit_analysis_workbook(
    analysis: &UnitAnalysis,
    issuer: &str,
    annex: &Annex,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = document::workbook()?;
    let sheet = workbook.add_worksheet();
    let unit = &analysis.unit;
    sheet.set_name(super::sheet_name(&format!(
        "{} {}",
        unit.unit_code, unit.unit_name
    )))?;
    let mut lines = Vec::new();
    for area in &analysis.areas {
        lost_lines(area, 0, &mut lines);
    }
    let columns = UNIT_COLUMNS.len();
    lines.push(Line::bold(spelled(
        columns,
        "TỔNG CỘNG (chưa kể điểm thưởng, điểm trừ)".into(),
        vec![
            (2, Cell::points(unit.applicable_max)),
            (3, Cell::points(unit.appraised_total + unit.survey_total)),
            (4, Cell::points(analysis.lost)),
            (5, points_or_blank(analysis.tier_average)),
        ],
    )));
    for (text, p) in [
        ("Điểm thưởng (tính riêng)", unit.bonus),
        ("Điểm trừ (tính riêng)", unit.penalty),
    ] {
        lines.push(Line::bold(spelled(
            columns,
            text.into(),
            vec![(4, Cell::points(p))],
        )));
    }
    let rank = if unit.rank > 0 {
        format!("; xếp hạng {}/{}", unit.rank, analysis.tier_units)
    } else {
        String::new()
    };
    lines.push(Line::bold(spelled(
        columns,
        format!(
            "Tổng điểm {}; Chỉ số CCHC {}%{rank}",
            unit.final_total.to_vn(),
            unit.index.to_vn(),
        ),
        Vec::new(),
    )));
    previous_lines(analysis, &mut lines);
    let mut title = vec![
        (
            format!(
                "PHÂN TÍCH ĐIỂM BỊ TRỪ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
                analysis.year
            ),
            true,
        ),
        (
            format!("{} — {}", unit.unit_name, analysis.tier_name),
            false,
        ),
    ];
    if analysis.provisional {
        title.push(("(Kết quả tạm tính)".into(), false));
    }
    write_sheet(
        sheet,
        (issuer, annex),
        &title,
        &UNIT_COLUMNS,
        &lines,
        analysis.published_at.is_none(),
    )?;
    workbook.save_to_buffer()
}

/// Last year's figures under the table: a line per unit (the predecessors' for a merged
/// unit), then each area's component index this year beside last year's.
fn previous_lines(analysis: &UnitAnalysis, lines: &mut Vec<Line>) {
    let columns = UNIT_COLUMNS.len();
    let text_line = |text: String| Line::bold(spelled(columns, text, Vec::new()));
    let Some(previous) = &analysis.previous else {
        lines.push(text_line(
            "So với năm trước: chưa có kỳ đánh giá trước đã công bố để so sánh.".into(),
        ));
        return;
    };
    let names: Vec<&str> = analysis
        .predecessors
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let mut heading = format!("So với {}", previous.title);
    if previous.from_predecessors {
        heading.push_str(&format!(
            " (đơn vị hình thành từ {}; số liệu năm trước là của các đơn vị tiền thân)",
            names.join(", ")
        ));
    }
    if let Some(change) = previous.rank_change {
        heading.push_str(&format!("; {}", crate::report::analysis::movement(change)));
    }
    lines.push(text_line(heading));
    for u in &previous.units {
        let text = format!(
            "{} năm {}: Chỉ số CCHC {}%, xếp hạng {}/{} ({})",
            u.unit_name,
            previous.year,
            u.index.to_vn(),
            u.rank,
            u.tier_units,
            u.tier_name
        );
        let code = Cell::Text(u.unit_code.clone());
        lines.push(Line::plain(spelled(columns, text, vec![(0, code)])));
    }
    for area in &previous.areas {
        let before: Vec<String> = (area.previous.iter().zip(&previous.units))
            .map(|(p, u)| {
                let value = p.map_or("—".to_string(), |p| format!("{}%", p.to_vn()));
                if previous.units.len() > 1 {
                    format!("{}: {value}", u.unit_name)
                } else {
                    value
                }
            })
            .collect();
        let text = format!(
            "Chỉ số thành phần {}: năm {} {}; năm {} {}",
            area.text,
            analysis.year,
            area.index
                .map_or("—".to_string(), |p| format!("{}%", p.to_vn())),
            previous.year,
            before.join("; ")
        );
        let cells = vec![
            (0, Cell::Text(area.code.clone())),
            (2, percent_or_dash(area.index)),
        ];
        lines.push(Line::plain(spelled(columns, text, cells)));
    }
}

/// The Sở's analysis: a sheet per tier with the criteria where most units lost points,
/// each followed by its leaves.
pub fn round_analysis_workbook(
    analysis: &RoundAnalysis,
    issuer: &str,
    annex: &Annex,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = document::workbook()?;
    let mut names = super::SheetNames::default();
    for tier in &analysis.tiers {
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.unique(&tier.tier_name))?;
        let mut lines = Vec::new();
        for criterion in &tier.criteria {
            common_lines(criterion, 0, &mut lines);
        }
        if lines.is_empty() {
            let text = "Không đơn vị nào bị trừ điểm.".into();
            lines.push(Line::plain(spelled(TIER_COLUMNS.len(), text, Vec::new())));
        }
        let mut title = vec![
            (
                format!(
                    "TIÊU CHÍ CÓ NHIỀU ĐƠN VỊ BỊ TRỪ ĐIỂM — CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
                    analysis.year
                ),
                true,
            ),
            (format!("{} ({} đơn vị)", tier.tier_name, tier.units), false),
        ];
        if tier.provisional {
            title.push(("(Kết quả tạm tính)".into(), false));
        }
        write_sheet(
            sheet,
            (issuer, annex),
            &title,
            &TIER_COLUMNS,
            &lines,
            analysis.published_at.is_none(),
        )?;
    }
    if analysis.tiers.is_empty() {
        workbook.add_worksheet();
    }
    workbook.save_to_buffer()
}

fn common_lines(loss: &CommonLoss, depth: usize, lines: &mut Vec<Line>) {
    let share = Points::whole(loss.losing as i64).percent_of(Points::whole(loss.applicable as i64));
    let cells = vec![
        Cell::Text(loss.code.clone()),
        Cell::Text(format!("{}{}", "    ".repeat(depth), loss.text)),
        Cell::points(loss.max),
        Cell::Whole(loss.applicable as f64),
        Cell::Whole(loss.losing as f64),
        percent_or_dash(share),
        Cell::points(loss.lost),
        points_or_blank(loss.average),
    ];
    lines.push(if depth == 0 {
        Line::bold(cells)
    } else {
        Line::plain(cells)
    });
    for below in &loss.items {
        common_lines(below, depth + 1, lines);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tables_fit_the_page_at_full_size() {
        use super::super::layout;
        for columns in [&super::UNIT_COLUMNS[..], &super::TIER_COLUMNS[..]] {
            let width = layout::columns_points(columns.iter().map(|(_, w)| *w));
            assert!(width <= layout::page_width(), "{width} pt");
        }
    }
}
