//! The minutes of an appraisal round (biên bản thẩm định) as the council signs them: the
//! letterhead (the body above, the council; the national name and motto), the number and
//! the place and date of the meeting, the title, who sat on the council, then a table per
//! tier: each unit with its self-assessed and appraised totals and their difference, under
//! it the leaves the appraisal changed (the unit's score, the appraised one, the
//! appraiser's comment); the council's note; the secretary's and the chair's signatures.
//! Laid out as the other documents are: Times New Roman 12, A4 landscape at 100 %, the
//! header row on every page, pages broken by hand so the signatures keep the last rows
//! with them; «DỰ THẢO» on every page until the council has signed.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

use super::TextCells;
use super::annex::Annex;
use super::document::{self, Letterhead, Parts, Signature};
use super::layout::{self, FONT, Type};
use super::table::{Cell, Styles};
use crate::report::minutes::{ChangedLeaf, Minutes, MinutesUnit, Score};

/// The table's columns: heading and width, fitting the page at 12 pt (see the test).
const COLUMNS: [(&str, f64); 6] = [
    ("STT", 5.0),
    (
        "Cơ quan, đơn vị / tiêu chí thành phần được điều chỉnh",
        52.0,
    ),
    ("Điểm tự đánh giá", 8.0),
    ("Điểm thẩm định", 8.5),
    ("Chênh lệch", 8.0),
    ("Nhận xét của thẩm định", 38.0),
];

const SIZE: f64 = 12.0;
const GAP: f64 = 8.0;
/// What the council is called at the top of its minutes.
const COUNCIL: &str = "Hội đồng thẩm định Chỉ số CCHC";

/// A score as its cell prints it.
fn score(s: Score) -> Cell {
    match s {
        Score::Points(p) => Cell::points(p),
        Score::NotApplicable => Cell::Centred("Không áp dụng".into()),
        Score::Empty => Cell::Centred("—".into()),
    }
}

/// A line of the table: its cells, bold or not.
struct Line {
    cells: Vec<Cell>,
    bold: bool,
}

fn unit_line(number: usize, unit: &MinutesUnit) -> Line {
    let mut name = unit.unit_name.clone();
    if unit.not_submitted {
        name.push_str("\n(Không gửi tự đánh giá)");
    }
    let note = match unit.changed.len() {
        0 => "Giữ nguyên điểm tự đánh giá".to_string(),
        n => format!("Điều chỉnh {n} tiêu chí thành phần"),
    };
    Line {
        cells: vec![
            Cell::Whole(number as f64),
            Cell::Text(name),
            Cell::points(unit.self_total),
            Cell::points(unit.appraised_total),
            Cell::points(unit.difference),
            Cell::Note(note),
        ],
        bold: true,
    }
}

fn leaf_line(leaf: &ChangedLeaf) -> Line {
    let difference = match (leaf.self_score, leaf.appraised) {
        (Score::NotApplicable, _) | (_, Score::NotApplicable) => Cell::Blank,
        (mine, theirs) => Cell::points(theirs.counted() - mine.counted()),
    };
    Line {
        cells: vec![
            Cell::Blank,
            Cell::Text(match &leaf.figures {
                Some(figures) => format!("{}. {}\nSố liệu: {figures}", leaf.code, leaf.text),
                None => format!("{}. {}", leaf.code, leaf.text),
            }),
            score(leaf.self_score),
            score(leaf.appraised),
            difference,
            Cell::Text(leaf.comment.clone()),
        ],
        bold: false,
    }
}

/// The table's lines: per tier its name, then each unit and the leaves changed.
fn lines(minutes: &Minutes) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut number = 0;
    for tier in &minutes.tiers {
        let mut heading = vec![Cell::Blank; COLUMNS.len()];
        heading[1] = Cell::Text(tier.tier_name.to_uppercase());
        lines.push(Line {
            cells: heading,
            bold: true,
        });
        for unit in &tier.units {
            number += 1;
            lines.push(unit_line(number, unit));
            lines.extend(unit.changed.iter().map(leaf_line));
        }
    }
    lines
}

/// Text across the table's width, left-aligned and wrapped, each (text, bold): the
/// sentences before and after the table.
struct Paragraphs(Vec<(String, bool)>);

impl Paragraphs {
    fn kind(bold: bool) -> Type {
        if bold {
            Type::bold(SIZE)
        } else {
            Type::regular(SIZE)
        }
    }

    fn heights(&self, widths: &[f64]) -> Vec<f64> {
        (self.0.iter())
            .map(|(text, bold)| Self::kind(*bold).height_across(text, widths))
            .collect()
    }

    fn height(&self, widths: &[f64]) -> f64 {
        self.heights(widths).iter().sum()
    }

    /// Writes them from `row`; returns the row after them.
    fn write(&self, sheet: &mut Worksheet, row: u32, widths: &[f64]) -> Result<u32, XlsxError> {
        let format = |bold: bool| {
            let f = Format::new()
                .set_font_name(FONT)
                .set_font_size(SIZE)
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top)
                .set_text_wrap();
            if bold { f.set_bold() } else { f }
        };
        let last = (widths.len() - 1) as u16;
        for (i, ((text, bold), height)) in self.0.iter().zip(self.heights(widths)).enumerate() {
            let at = row + i as u32;
            sheet.set_row_height(at, height)?;
            sheet.merge_text(at, 0, last, text, &format(*bold))?;
        }
        Ok(row + self.0.len() as u32)
    }
}

/// «ngày 01 tháng 02 năm 2024».
fn spelled(date: NaiveDate) -> String {
    format!(
        "ngày {:02} tháng {:02} năm {}",
        date.day(),
        date.month(),
        date.year()
    )
}

/// The minutes of an appraisal round. `today` (in Vietnam) dates a draft's blank date line.
pub fn minutes_workbook(
    minutes: &Minutes,
    issuer: &str,
    annex: &Annex,
    today: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = document::workbook()?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("Biên bản lần {}", minutes.appraisal_round))?;
    let n = minutes.appraisal_round;
    let widths: Vec<f64> = COLUMNS.iter().map(|(_, w)| *w).collect();
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let parts = Parts::new();
    let plain = Styles::new(Type::regular(SIZE), true);
    let bold = Styles::new(Type::bold(SIZE), true);
    let signed = minutes.signed.as_ref();
    let date = document::date_line(
        &annex.place,
        signed.map(|c| c.signed_on),
        signed.map_or(today.year(), |c| c.signed_on.year()),
    );
    let parent = if annex.parent.trim().is_empty() {
        issuer
    } else {
        annex.parent.as_str()
    };
    let letterhead = Letterhead {
        parent,
        issuer: COUNCIL,
        number: Some(("Số:        /BB-HĐTĐ", &date)),
    };
    let mut title = vec![
        ("BIÊN BẢN".to_string(), true),
        (
            format!(
                "Thẩm định lần {n} kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {}",
                minutes.year
            ),
            true,
        ),
    ];
    if signed.is_none() {
        title.push((
            "(Dự thảo: Hội đồng thẩm định chưa ký biên bản)".into(),
            false,
        ));
    }
    let titles: Vec<(&str, bool)> = title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    let mut before = vec![(
        match signed {
            Some(c) => format!(
                "Hôm nay, {}, {COUNCIL} họp thẩm định lần {n} kết quả tự đánh giá, chấm điểm của các cơ quan, đơn vị ({}).",
                spelled(c.signed_on),
                minutes.title
            ),
            None => format!(
                "Hôm nay, ngày …… tháng …… năm {}, {COUNCIL} họp thẩm định lần {n} kết quả tự đánh giá, chấm điểm của các cơ quan, đơn vị ({}).",
                today.year(),
                minutes.title
            ),
        },
        false,
    )];
    before.push(("Thành phần Hội đồng:".into(), true));
    match signed {
        Some(c) => before.extend(c.members.iter().enumerate().map(|(i, m)| {
            let role = if m.role.is_empty() {
                String::new()
            } else {
                format!(" — {}", m.role)
            };
            (format!("{}. {}{role}", i + 1, m.name), false)
        })),
        None => before.push(("(Ghi khi Hội đồng ký biên bản.)".into(), false)),
    }
    before.push((
        "Kết quả thẩm định (điểm các tiêu chí thành phần do đơn vị tự chấm, chưa kể điểm điều tra xã hội học, điểm thưởng, điểm trừ):".into(),
        false,
    ));
    let before = Paragraphs(before);
    let after = Paragraphs(match signed {
        Some(c) if !c.note.is_empty() => vec![(format!("Ý kiến của Hội đồng: {}", c.note), false)],
        _ => Vec::new(),
    });
    let secretary = signed.and_then(|c| c.secretary()).map(|m| m.name.clone());
    let chair = signed.and_then(|c| c.chair()).map(|m| m.name.clone());
    let left = Signature {
        date: None,
        title: "THƯ KÝ HỘI ĐỒNG",
        note: None,
        name: secretary.as_deref().unwrap_or_default(),
    };
    let right = Signature {
        date: None,
        title: "CHỦ TỊCH HỘI ĐỒNG",
        note: None,
        name: chair.as_deref().unwrap_or_default(),
    };

    let lines = lines(minutes);
    let style = |line: &Line| if line.bold { &bold } else { &plain };
    let heights: Vec<f64> = (lines.iter())
        .map(|l| style(l).height(&l.cells, &widths))
        .collect();
    let header_height = plain.header_height(&COLUMNS);
    let table = layout::Table {
        first: letterhead.height(&widths)
            + GAP
            + document::title_height(&widths, &titles)
            + before.height(&widths)
            + header_height,
        repeat: header_height,
        rows: &heights,
        tail: after.height(&widths) + right.height(),
        keep: 3,
    };
    let row = letterhead.write(sheet, &widths, &parts)?;
    sheet.set_row_height(row, GAP)?;
    let row = document::title_rows(sheet, row + 1, &widths, &titles, &parts)?;
    let header = before.write(sheet, row, &widths)?;
    plain.write_header(sheet, header, &COLUMNS)?;
    let first = header + 1;
    for (i, (line, height)) in lines.iter().zip(&heights).enumerate() {
        style(line).write_row(sheet, first + i as u32, &line.cells, *height)?;
    }
    let end = after.write(sheet, first + lines.len() as u32, &widths)?;
    // The secretary on the left, the chair on the right, side by side.
    left.write(sheet, end, (0, 1), &parts)?;
    right.write(sheet, end, (3, COLUMNS.len() - 1), &parts)?;
    let breaks: Vec<u32> = (table.breaks(layout::page_height()).into_iter())
        .map(|i| first + i as u32)
        .collect();
    document::page_setup(sheet, signed.is_none());
    sheet.set_repeat_rows(header, header)?;
    sheet.set_page_breaks(&breaks)?;
    sheet.set_freeze_panes(first, 2)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::COLUMNS;
    use crate::excel::layout;

    #[test]
    fn the_columns_fit_the_page_width() {
        let total = layout::columns_points(COLUMNS.iter().map(|(_, w)| *w));
        assert!(total <= layout::page_width(), "{total}");
        assert!(total > 0.9 * layout::page_width(), "{total}");
    }
}
