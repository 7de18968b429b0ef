//! The ranking workbook as the annex of a decision is signed and sent (Nghị định 30/2020
//! on administrative documents): the issuing body on the left, the national name and motto
//! on the right, each with its rule; the annex title in capitals, the line naming the
//! decision it comes with, the table, the place and date, the signer. A4 landscape at
//! 100 %, the header row on every page, the page number centred at the top from the second
//! page, each Phụ lục numbered from 1; a draft (unpublished) says «DỰ THẢO» on every page.
//! Pages are broken by hand ([`layout::Table`]) so the signature always shares its page
//! with the last rows of the table.
//!
//! «Phụ lục I.n»: one sheet per tier, the ranking. «Phụ lục II.n»: the component index of
//! every unit of tier n by area, the areas named. «Biểu đồ n»: the index of each unit of
//! tier n, charted, a page at a time.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Chart, ChartAxisCrossing, ChartDataLabel, ChartFont, ChartFormat, ChartSolidFill, ChartType,
    Workbook, Worksheet, XlsxError,
};

use super::document::{self, Letterhead, Parts, Signature};
use super::layout::{self, FONT, Type};
use super::table::{Cell, Styles};
use crate::domain::results::UnitResult;
use crate::report::{RoundResults, TierResults};

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
    /// The decision's symbol («QĐ-SNV»), from `[decision]`: the blank decision line names
    /// it, so the annex and its decision agree.
    #[serde(skip)]
    pub symbol: String,
}

impl Default for Annex {
    fn default() -> Self {
        Annex {
            parent: String::new(),
            decision: String::new(),
            place: String::new(),
            signer_title: "GIÁM ĐỐC".into(),
            signer_name: String::new(),
            symbol: "QĐ-SNV".into(),
        }
    }
}

/// The table's type: 12 pt, printed at 100 %.
const BODY: Type = Type::regular(12.0);
/// The empty row between the title and the table.
const GAP: f64 = 8.0;

struct Formats {
    parts: Parts,
    cells: Styles,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            parts: Parts::new(),
            cells: Styles::new(BODY, false),
        }
    }
}

/// "Khối sở, ban, ngành" → "SỞ, BAN, NGÀNH", for the title.
fn tier_title(tier_name: &str) -> String {
    tier_name
        .strip_prefix("Khối ")
        .unwrap_or(tier_name)
        .to_uppercase()
}

/// What every sheet of the annex shares: who issues and signs it, when, and whether it is
/// still a draft.
struct Context<'a> {
    results: &'a RoundResults,
    annex: &'a Annex,
    issuer: &'a str,
    /// The day it is printed to be signed, in Vietnam: its year goes on the date line.
    today: NaiveDate,
    draft: bool,
    f: Formats,
}

impl Context<'_> {
    fn letterhead(&self) -> Letterhead<'_> {
        Letterhead {
            parent: &self.annex.parent,
            issuer: self.issuer,
            number: None,
        }
    }

    /// «<what> NĂM 2023 CỦA CÁC SỞ, BAN, NGÀNH»: what a sheet shows of `tier`.
    fn subject(&self, what: &str, tier: &TierResults) -> String {
        format!(
            "{what} NĂM {} CỦA CÁC {}",
            self.results.year,
            tier_title(&tier.tier_name)
        )
    }

    /// The title lines under the letterhead: the annex's number, its subject, the decision
    /// it comes with, and a provisional result's note.
    fn title(&self, number: &str, subject: &str, provisional: bool) -> Vec<(String, bool)> {
        let decision = if self.annex.decision.trim().is_empty() {
            format!(
                "(Kèm theo Quyết định số          /{}  ngày       tháng       năm         của {})",
                self.annex.symbol, self.issuer
            )
        } else {
            self.annex.decision.clone()
        };
        let mut lines = vec![
            (number.to_string(), true),
            (subject.to_string(), true),
            (decision, false),
        ];
        if provisional {
            lines.push(("(Kết quả tạm tính, chưa công bố)".into(), false));
        }
        lines
    }

    fn signature(&self) -> Signature<'_> {
        Signature {
            date: Some(document::date_line(
                &self.annex.place,
                None,
                self.today.year(),
            )),
            title: &self.annex.signer_title,
            note: None,
            name: &self.annex.signer_name,
        }
    }
}

/// A table of the annex: its columns (heading, width), its rows as they print.
struct AnnexTable<'a> {
    columns: &'a [(String, f64)],
    /// Each row: its cells and its height.
    rows: Vec<(Vec<Cell>, f64)>,
}

impl AnnexTable<'_> {
    fn widths(&self) -> Vec<f64> {
        self.columns.iter().map(|(_, w)| *w).collect()
    }

    fn headings(&self) -> Vec<(&str, f64)> {
        self.columns.iter().map(|(h, w)| (h.as_str(), *w)).collect()
    }

    /// Writes the sheet: letterhead, title, the table with the header row repeated on
    /// every page, the signature, the pages broken so that it follows the last rows.
    /// Returns the row of the table's first line.
    fn write(
        &self,
        sheet: &mut Worksheet,
        title: &[(String, bool)],
        cx: &Context<'_>,
    ) -> Result<u32, XlsxError> {
        let widths = self.widths();
        for (col, width) in widths.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        let f = &cx.f;
        let letterhead = cx.letterhead();
        let title: Vec<(&str, bool)> = title.iter().map(|(t, b)| (t.as_str(), *b)).collect();
        let row = letterhead.write(sheet, &widths, &f.parts)?;
        let row = document::title_rows(sheet, row, &widths, &title, &f.parts)?;
        sheet.set_row_height(row, GAP)?;
        let header = row + 1;
        let headings = self.headings();
        let header_height = f.cells.header_height(&headings);
        f.cells.write_header(sheet, header, &headings)?;
        for (i, (cells, height)) in self.rows.iter().enumerate() {
            f.cells
                .write_row(sheet, header + 1 + i as u32, cells, *height)?;
        }
        let signature = cx.signature();
        let last = widths.len() - 1;
        // On the right, about as wide as the motto above.
        let from = (0..=last)
            .rev()
            .find(|&c| layout::columns_points(widths[c..].iter().copied()) >= 270.0)
            .unwrap_or(0);
        let end = header + self.rows.len() as u32;
        signature.write(sheet, end + 1, (from, last), &f.parts)?;
        let heights: Vec<f64> = self.rows.iter().map(|(_, h)| *h).collect();
        let table = layout::Table {
            first: letterhead.height(&widths)
                + document::title_height(&widths, &title)
                + GAP
                + header_height,
            repeat: header_height,
            rows: &heights,
            tail: signature.height(),
            keep: 3,
        };
        let breaks: Vec<u32> = table
            .breaks(layout::page_height())
            .into_iter()
            .map(|i| header + 1 + i as u32)
            .collect();
        document::page_setup(sheet, cx.draft);
        sheet.set_repeat_rows(header, header)?;
        sheet.set_page_breaks(&breaks)?;
        sheet.set_freeze_panes(header + 1, 2)?;
        Ok(header + 1)
    }
}

/// The ranking's columns: heading and width in characters; they fit the page's width at
/// 12 pt (see the test below).
const RANKING_COLUMNS: [(&str, f64); 13] = [
    ("STT", 4.5),
    ("Tên cơ quan, đơn vị", 30.0),
    ("Điểm tự đánh giá", 7.0),
    ("Điểm thẩm định", 7.0),
    ("Điểm điều tra XHH", 7.0),
    ("Điểm thưởng", 6.5),
    ("Điểm trừ", 6.5),
    ("Tổng điểm", 7.0),
    ("Điểm tối đa áp dụng", 7.0),
    ("Chỉ số CCHC (%)", 7.0),
    ("Xếp hạng", 5.5),
    ("Xếp loại", 8.0),
    ("Ghi chú", 11.0),
];

/// Adds the sheet `name` («Phụ lục I.1»), titled `name` in capitals and `subject`, with a
/// table of `columns` and a row per unit of `tier`: its number, its name, the cells
/// `figures` gives it, its note. Returns the row of the table's first line.
fn units_sheet(
    workbook: &mut Workbook,
    (name, subject): (&str, &str),
    (tier, columns): (&TierResults, &[(String, f64)]),
    figures: impl Fn(&UnitResult) -> Vec<Cell>,
    cx: &Context<'_>,
) -> Result<u32, XlsxError> {
    let widths: Vec<f64> = columns.iter().map(|(_, w)| *w).collect();
    let rows = tier
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut cells = vec![Cell::Whole((i + 1) as f64), Cell::Text(u.unit_name.clone())];
            cells.extend(figures(u));
            cells.push(Cell::Note(u.note.clone().unwrap_or_default()));
            // As tall as its name, class and note wrap.
            let height = cx.f.cells.height(&cells, &widths);
            (cells, height)
        })
        .collect();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let title = cx.title(&name.to_uppercase(), subject, tier.provisional);
    AnnexTable { columns, rows }.write(sheet, &title, cx)
}

/// «Phụ lục I.n»: the ranking of tier n. Returns the row of its first unit.
fn ranking_sheet(
    workbook: &mut Workbook,
    (number, tier): (usize, &TierResults),
    cx: &Context<'_>,
) -> Result<u32, XlsxError> {
    let columns: Vec<(String, f64)> = RANKING_COLUMNS
        .iter()
        .map(|(h, w)| (h.to_string(), *w))
        .collect();
    let subject = cx.subject("KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH", tier);
    let figures = |u: &UnitResult| {
        let mut cells: Vec<Cell> = [
            u.self_total,
            u.appraised_total,
            u.survey_total,
            u.bonus,
            u.penalty,
            u.final_total,
            u.applicable_max,
        ]
        .map(Cell::points)
        .into();
        cells.push(Cell::percent(u.index));
        // Not ranked (nothing applies to it): its note says why.
        cells.push(if u.rank > 0 {
            Cell::Whole(f64::from(u.rank))
        } else {
            Cell::Centred("—".into())
        });
        cells.push(Cell::Centred(u.classification.clone().unwrap_or_default()));
        cells
    };
    let name = format!("Phụ lục I.{number}");
    units_sheet(workbook, (&name, &subject), (tier, &columns), figures, cx)
}

/// The columns of «Phụ lục II.n»: STT, the name, an area each sharing what is left of the
/// page, and a note.
fn area_columns(tier: &TierResults) -> Vec<(String, f64)> {
    let fixed = [("STT", 4.5), ("Tên cơ quan, đơn vị", 28.0)];
    let note = ("Ghi chú", 10.0);
    let areas = tier.areas.len().max(1);
    let taken = layout::columns_points(fixed.iter().chain([&note]).map(|(_, w)| *w));
    // Each area column: its share of the rest, in whole and half characters.
    let share = (layout::page_width() - taken) / areas as f64;
    let width = (((share / 0.75 - 5.0) / 8.0) * 2.0).floor() / 2.0;
    let mut columns: Vec<(String, f64)> = fixed.iter().map(|(h, w)| (h.to_string(), *w)).collect();
    columns.extend(
        tier.areas
            .iter()
            .map(|a| (format!("{}. {}", a.code, a.text), width.clamp(6.5, 24.0))),
    );
    columns.push((note.0.to_string(), note.1));
    columns
}

/// «Phụ lục II.n»: every unit of tier n with its component index by area, the areas named
/// in the header; the unit that never submitted noted.
fn areas_sheet(
    workbook: &mut Workbook,
    (number, tier): (usize, &TierResults),
    cx: &Context<'_>,
) -> Result<(), XlsxError> {
    let columns = area_columns(tier);
    let what = "CHỈ SỐ THÀNH PHẦN THEO TỪNG LĨNH VỰC CẢI CÁCH HÀNH CHÍNH";
    let subject = format!("{} (%)", cx.subject(what, tier));
    // Each area under its own heading, found by its code: «10» is not before «2».
    let figures = |u: &UnitResult| {
        tier.areas
            .iter()
            .map(|heading| {
                let area = u.areas.iter().find(|a| a.code == heading.code);
                match area.map(|a| a.index) {
                    Some(Some(index)) => Cell::percent(index),
                    Some(None) => Cell::Centred("—".into()),
                    None => Cell::Blank,
                }
            })
            .collect()
    };
    let name = format!("Phụ lục II.{number}");
    units_sheet(workbook, (&name, &subject), (tier, &columns), figures, cx)?;
    Ok(())
}

/// A chart sheet's columns: ten, as wide as the tables.
const CHART_COLUMNS: usize = 10;
const CHART_COLUMN: f64 = 11.5;
/// Every row of a chart sheet is this high: charts are placed and paged by rows.
const CHART_ROW: f64 = 15.0;
/// A chart's height: its frame and axis, and a bar per unit, in pixels. A bar's band is
/// tall enough for a name on two lines of 11 pt.
const CHART_FRAME: u32 = 90;
const CHART_BAR: u32 = 30;

/// «Biểu đồ n»: the index of each unit of tier n in rank order, as horizontal bars with
/// their value, on an axis from 0 to 100; under the letterhead and the title, a chart per
/// page, each as tall as its units need and never taller than its page.
fn chart_sheet(
    workbook: &mut Workbook,
    (number, tier): (usize, &TierResults),
    first_unit_row: u32,
    cx: &Context<'_>,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(format!("Biểu đồ {number}"))?;
    let widths = vec![CHART_COLUMN; CHART_COLUMNS];
    for col in 0..CHART_COLUMNS {
        sheet.set_column_width(col as u16, CHART_COLUMN)?;
    }
    let f = &cx.f;
    let letterhead = cx.letterhead();
    let subject = cx.subject("BIỂU ĐỒ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH", tier);
    let mut title = vec![(subject.as_str(), true)];
    if tier.provisional {
        title.push(("(Kết quả tạm tính, chưa công bố)", false));
    }
    let row = letterhead.write(sheet, &widths, &f.parts)?;
    let row = document::title_rows(sheet, row, &widths, &title, &f.parts)?;
    let above = letterhead.height(&widths) + document::title_height(&widths, &title);
    let page = layout::page_height();
    // Rows of the first page left under the title, and of a whole page.
    let first_rows = ((page - above) / CHART_ROW).floor() as u32;
    let page_rows = (page / CHART_ROW).floor() as u32;
    let px_per_row = (CHART_ROW / 0.75) as u32;
    // A chart leaves a row free above and below it: it never touches the page's edge,
    // which LibreOffice would print on both pages.
    let bars = |rows: u32| {
        ((rows.saturating_sub(2) * px_per_row).saturating_sub(CHART_FRAME) / CHART_BAR).max(1)
            as usize
    };
    let data = format!("Phụ lục I.{number}");
    let highest = tier
        .units
        .iter()
        .map(|u| u.index.hundredths())
        .max()
        .unwrap_or(0);
    // 0 to 100, or to the next ten above a bonus-lifted index.
    let axis_max = (((highest + 999) / 1000) * 10).max(100) as f64;
    let (mut at, mut start, mut breaks) = (row, 0usize, Vec::new());
    let mut rows_here = first_rows;
    while start < tier.units.len() {
        let count = bars(rows_here).min(tier.units.len() - start);
        let end = start + count;
        let height = CHART_FRAME + CHART_BAR * count as u32;
        let name = if start == 0 && end == tier.units.len() {
            format!("Chỉ số CCHC năm {} — {}", cx.results.year, tier.tier_name)
        } else {
            format!(
                "Chỉ số CCHC năm {} — {} (đơn vị thứ {}–{})",
                cx.results.year,
                tier.tier_name,
                start + 1,
                end
            )
        };
        let mut chart = bar_chart(
            &name,
            (
                &data,
                first_unit_row + start as u32,
                first_unit_row + end as u32 - 1,
            ),
            axis_max,
        );
        chart
            .set_width((layout::columns_points(widths.iter().copied()) / 0.75) as u32 - 8)
            .set_height(height);
        sheet.insert_chart(at + 1, 0, &chart)?;
        start = end;
        if start < tier.units.len() {
            at += rows_here;
            breaks.push(at);
            rows_here = page_rows;
        } else {
            at += height.div_ceil(px_per_row) + 2;
        }
    }
    for r in row..at {
        sheet.set_row_height(r, CHART_ROW)?;
    }
    sheet.set_print_area(0, 0, at, (CHART_COLUMNS - 1) as u16)?;
    document::page_setup(sheet, cx.draft);
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

/// A bar chart of the indexes in `rows` of the ranking sheet `data`, names on the left,
/// the first rank on top, each bar with its value.
fn bar_chart(name: &str, (data, first, last): (&str, u32, u32), axis_max: f64) -> Chart {
    let font = |size: f64, bold: bool| {
        let mut font = ChartFont::new();
        font.set_name(FONT).set_size(size);
        if bold {
            font.set_bold();
        }
        font
    };
    let mut chart = Chart::new(ChartType::Bar);
    chart.title().set_name(name).set_font(&font(13.0, true));
    let mut label = ChartDataLabel::new();
    label
        .show_value()
        .set_num_format("0.00")
        .set_font(&font(11.0, false));
    chart
        .add_series()
        .set_name("Chỉ số CCHC (%)")
        .set_categories((data, first, 1, last, 1))
        .set_values((data, first, 9, last, 9))
        .set_data_label(&label)
        .set_gap(60)
        .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color("#2F5597")));
    // The categories (units) from the top down, every one named; the values below them.
    chart
        .y_axis()
        .set_reverse()
        .set_crossing(ChartAxisCrossing::Max)
        .set_label_interval(1)
        .set_font(&font(11.0, false));
    chart
        .x_axis()
        .set_min(0.0)
        .set_max(axis_max)
        .set_major_unit(10.0)
        .set_num_format("0")
        .set_font(&font(11.0, false));
    chart.legend().set_hidden();
    chart
}

/// The annex of a round: «Phụ lục I.n» per tier, «Phụ lục II.n» per tier, then
/// «Biểu đồ n» per tier. `today` is the day in Vietnam it is printed to be signed: the date
/// line carries its year. Not yet saved: save it to a file to stream it.
pub fn build_annex(
    results: &RoundResults,
    issuer: &str,
    annex: &Annex,
    today: NaiveDate,
) -> Result<Workbook, XlsxError> {
    let mut workbook = document::workbook()?;
    let cx = Context {
        results,
        annex,
        issuer,
        today,
        draft: results.published_at.is_none(),
        f: Formats::new(),
    };
    let mut first_rows = Vec::new();
    for (i, tier) in results.tiers.iter().enumerate() {
        first_rows.push(ranking_sheet(&mut workbook, (i + 1, tier), &cx)?);
    }
    for (i, tier) in results.tiers.iter().enumerate() {
        areas_sheet(&mut workbook, (i + 1, tier), &cx)?;
    }
    for (i, (tier, first)) in results.tiers.iter().zip(first_rows).enumerate() {
        if !tier.units.is_empty() {
            chart_sheet(&mut workbook, (i + 1, tier), first, &cx)?;
        }
    }
    Ok(workbook)
}

#[cfg(test)]
mod tests {
    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2025, 3, 1).expect("date")
    }

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
        let built = super::build_annex(&results, "Sở Nội vụ", &Default::default(), today());
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
        let bytes = super::build_annex(&results, "Sở Nội vụ", &Default::default(), today())
            .expect("built")
            .save_to_buffer()
            .expect("saved");
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
        let range = book.worksheet_range("Phụ lục II.1").expect("sheet");
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
    fn the_tables_fit_the_page_at_full_size() {
        use super::super::layout;
        let ranking = layout::columns_points(super::RANKING_COLUMNS.iter().map(|(_, w)| *w));
        assert!(ranking <= layout::page_width(), "{ranking} pt");
        let charts = layout::columns_points(vec![super::CHART_COLUMN; super::CHART_COLUMNS]);
        assert!(charts <= layout::page_width(), "{charts} pt");
    }
}
