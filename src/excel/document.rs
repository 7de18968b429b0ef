//! The parts of an administrative document as Nghị định 30/2020/NĐ-CP sets them, for the
//! workbooks that are printed and signed (the ranking annex, a unit's score sheet, the
//! detail workbook): the body above the issuer and the issuer on the left, the national
//! name and motto on the right, each with its short rule beneath; the number and the place
//! and date; the signature block; the page number centred at the top from the second page.
//! Everything in Times New Roman, the workbook's default font too (see [`workbook`]).

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, FormatUnderline, Workbook, Worksheet, XlsxError};

use super::TextCells;
use super::layout::{self, FONT, Type};

/// The national name (quốc hiệu) and motto (tiêu ngữ).
pub const NATION: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

/// What prints at the top of every page of a draft.
pub const DRAFT: &str = "DỰ THẢO";

/// A workbook whose default font is Times New Roman 12: column widths are counted in its
/// digits (8 px), so they print as planned wherever Calibri is missing (LibreOffice
/// measures the default font it has, and Calibri's stand-in is wider).
pub fn workbook() -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let default = Format::new()
        .set_font_name(FONT)
        .set_font_size(layout::DEFAULT_SIZE);
    // Excel's metrics for Times New Roman 12: rows 21 px (15,75 pt), columns 72 px.
    workbook.set_default_format(&default, 21, 72)?;
    Ok(workbook)
}

/// Type sizes of the document's parts (Nghị định 30/2020, Phụ lục I).
const NATION_TYPE: Type = Type::bold(12.0);
const MOTTO_TYPE: Type = Type::bold(13.0);
const ISSUER_TYPE: Type = Type::bold(12.0);
const PARENT_TYPE: Type = Type::regular(12.0);
pub const TITLE_TYPE: Type = Type::bold(13.0);
const LINE_TYPE: Type = Type::regular(13.0);
/// The type of the line of spaces that draws a rule: small, so the rule sits close under
/// the text above it.
const RULE_TYPE: Type = Type::regular(7.0);

/// A rule about `points` long: no-break spaces, underlined. Excel and LibreOffice both
/// underline spaces, and a line of text is centred exactly under the text above it, which
/// a cell border, bound to the columns, is not.
fn rule(points: f64) -> String {
    let space = RULE_TYPE.width("\u{a0}");
    "\u{a0}".repeat((points / space).round().max(1.0) as usize)
}

/// The formats of the document's parts.
pub struct Parts {
    parent: Format,
    issuer: Format,
    nation: Format,
    motto: Format,
    /// The rule under the issuer and the motto: underlined spaces in small type.
    rule: Format,
    line: Format,
    italic: Format,
    pub title: Format,
    sign: Format,
    sign_note: Format,
}

impl Parts {
    pub fn new() -> Parts {
        let centred = |t: Type| {
            let f = Format::new()
                .set_font_name(FONT)
                .set_font_size(t.size)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap();
            if t.bold { f.set_bold() } else { f }
        };
        Parts {
            parent: centred(PARENT_TYPE),
            issuer: centred(ISSUER_TYPE),
            nation: centred(NATION_TYPE),
            motto: centred(MOTTO_TYPE),
            rule: Format::new()
                .set_font_name(FONT)
                .set_font_size(RULE_TYPE.size)
                .set_underline(FormatUnderline::Single),
            line: centred(LINE_TYPE),
            italic: centred(LINE_TYPE).set_italic(),
            title: centred(TITLE_TYPE),
            sign: centred(Type::bold(13.0)),
            sign_note: centred(Type::regular(12.0)).set_italic(),
        }
    }
}

/// Writes `text` across columns `from..=to` of `row` (merged when more than one).
fn across(
    sheet: &mut Worksheet,
    row: u32,
    (from, to): (usize, usize),
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if from == to {
        sheet.write_text(row, from as u16, text, format)?;
    } else {
        sheet.merge_text(row, from as u16, to as u16, text, format)?;
    }
    Ok(())
}

/// The top of the first page: who issues the document and the national name, each with
/// its rule, then the number and the place and date when given.
pub struct Letterhead<'a> {
    /// The body above the issuer («UBND THÀNH PHỐ CẦN THƠ»); empty for none.
    pub parent: &'a str,
    pub issuer: &'a str,
    /// «Số:      /BC-…» under the issuer, and the place and date under the motto.
    pub number: Option<(&'a str, &'a str)>,
}

impl Letterhead<'_> {
    /// The column that ends the issuer's side: about two fifths of the width.
    fn split(widths: &[f64]) -> usize {
        let total = layout::columns_points(widths.iter().copied());
        (0..widths.len())
            .find(|&c| layout::columns_points(widths[..=c].iter().copied()) >= 0.4 * total)
            .unwrap_or(0)
            .min(widths.len().saturating_sub(2))
    }

    /// The rows it takes, each with its height: what [`Letterhead::write`] writes.
    fn rows(&self, widths: &[f64]) -> Vec<f64> {
        let split = Self::split(widths);
        let (left, right) = (&widths[..=split], &widths[split + 1..]);
        let parent = self.parent.to_uppercase();
        let issuer = self.issuer.to_uppercase();
        let mut rows = vec![
            PARENT_TYPE
                .height_across(&parent, left)
                .max(NATION_TYPE.height_across(NATION, right)),
            // With the rules under the issuer and the motto, a line of their own.
            ISSUER_TYPE
                .height_across(&issuer, left)
                .max(MOTTO_TYPE.height_across(MOTTO, right))
                + RULE_TYPE.line(),
            // A little air.
            6.0,
        ];
        if let Some((number, date)) = self.number {
            rows.push(
                LINE_TYPE
                    .height_across(number, left)
                    .max(LINE_TYPE.height_across(date, right)),
            );
        }
        rows
    }

    /// Its height, in points.
    pub fn height(&self, widths: &[f64]) -> f64 {
        self.rows(widths).iter().sum()
    }

    /// Writes it from the sheet's first row across the columns of `widths`; returns the
    /// row after it.
    pub fn write(
        &self,
        sheet: &mut Worksheet,
        widths: &[f64],
        f: &Parts,
    ) -> Result<u32, XlsxError> {
        let split = Self::split(widths);
        let last = widths.len() - 1;
        let (left, right) = ((0, split), (split + 1, last));
        for (row, height) in self.rows(widths).iter().enumerate() {
            sheet.set_row_height(row as u32, *height)?;
        }
        let issuer = self.issuer.to_uppercase();
        across(sheet, 0, left, &self.parent.to_uppercase(), &f.parent)?;
        across(sheet, 0, right, NATION, &f.nation)?;
        // The rules, a line under their text: under the issuer a third to a half of its
        // (last) line, under the motto as long as it is (Nghị định 30/2020).
        let issuer_line = ISSUER_TYPE.width(issuer.lines().last().unwrap_or_default());
        for (cols, text, format, points) in [
            (left, issuer.as_str(), &f.issuer, 0.4 * issuer_line),
            (right, MOTTO, &f.motto, MOTTO_TYPE.width(MOTTO)),
        ] {
            across(sheet, 1, cols, "", format)?;
            let cell = super::quoted_if_needed(text, format);
            let text = format!("{text}\n");
            let rule = rule(points);
            sheet.write_rich_string_with_format(
                1,
                cols.0 as u16,
                &[(format, text.as_str()), (&f.rule, rule.as_str())],
                &cell,
            )?;
        }
        let mut next = 3;
        if let Some((number, date)) = self.number {
            across(sheet, 3, left, number, &f.line)?;
            across(sheet, 3, right, date, &f.italic)?;
            next += 1;
        }
        Ok(next)
    }
}

/// Lines of the document's title, centred across the table, each (text, bold or italic).
pub fn title_rows(
    sheet: &mut Worksheet,
    row: u32,
    widths: &[f64],
    lines: &[(&str, bool)],
    f: &Parts,
) -> Result<u32, XlsxError> {
    let last = widths.len() - 1;
    for (i, (text, bold)) in lines.iter().enumerate() {
        let at = row + i as u32;
        let (kind, format) = if *bold {
            (TITLE_TYPE, &f.title)
        } else {
            (LINE_TYPE, &f.italic)
        };
        sheet.set_row_height(at, kind.height_across(text, widths))?;
        across(sheet, at, (0, last), text, format)?;
    }
    Ok(row + lines.len() as u32)
}

/// The height of the title lines [`title_rows`] writes.
pub fn title_height(widths: &[f64], lines: &[(&str, bool)]) -> f64 {
    lines
        .iter()
        .map(|(text, bold)| {
            let kind = if *bold { TITLE_TYPE } else { LINE_TYPE };
            kind.height_across(text, widths)
        })
        .sum()
}

/// «Cần Thơ, ngày 05 tháng 01 năm 2024», or with the day and month left blank to fill in
/// by hand; dots where no place is configured.
pub fn date_line(place: &str, date: Option<NaiveDate>, year: i32) -> String {
    let place = if place.trim().is_empty() {
        "……………"
    } else {
        place.trim()
    };
    match date {
        Some(d) => format!(
            "{place}, ngày {:02} tháng {:02} năm {}",
            d.day(),
            d.month(),
            d.year()
        ),
        None => format!("{place}, ngày      tháng      năm {year}"),
    }
}

/// The signature block on the right: the place and date (if any), the signer's title (a
/// line per «/»: «KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC»), a note, room to sign and stamp, the name.
pub struct Signature<'a> {
    pub date: Option<String>,
    pub title: &'a str,
    pub note: Option<&'a str>,
    pub name: &'a str,
}

/// Rows of room to sign and stamp.
const SIGN_ROOM: usize = 4;
const SIGN_ROW: f64 = 18.0;

impl Signature<'_> {
    fn lines(&self) -> Vec<(String, u8)> {
        let mut lines = Vec::new();
        if let Some(date) = &self.date {
            lines.push((date.clone(), 0));
        }
        for title in self.title.split('/').map(str::trim) {
            lines.push((title.to_string(), 1));
        }
        if let Some(note) = self.note {
            lines.push((note.to_string(), 2));
        }
        for _ in 0..SIGN_ROOM {
            lines.push((String::new(), 3));
        }
        lines.push((self.name.to_string(), 1));
        lines
    }

    /// Its height, with the empty row above it, in points.
    pub fn height(&self) -> f64 {
        (self.lines().len() + 1) as f64 * SIGN_ROW
    }

    /// Writes it from `row` (after an empty row) across columns `cols`; returns the row
    /// after it.
    pub fn write(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        cols: (usize, usize),
        f: &Parts,
    ) -> Result<u32, XlsxError> {
        sheet.set_row_height(row, SIGN_ROW)?;
        let mut at = row + 1;
        for (text, kind) in self.lines() {
            sheet.set_row_height(at, SIGN_ROW)?;
            let format = match kind {
                0 => &f.italic,
                1 => &f.sign,
                2 => &f.sign_note,
                _ => {
                    at += 1;
                    continue;
                }
            };
            across(sheet, at, cols, &text, format)?;
            at += 1;
        }
        Ok(at)
    }
}

/// A4 landscape at 100 %, the margins of [`layout::MARGINS`], the page number centred at
/// the top from the second page, each sheet numbered from 1 (Nghị định 30/2020); a draft
/// says so at the top of every page.
pub fn page_setup(sheet: &mut Worksheet, draft: bool) {
    let (left, right, top, bottom, header, footer) = layout::MARGINS;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_margins(left, right, top, bottom, header, footer);
    sheet.set_print_scale(100);
    sheet.set_print_first_page_number(1);
    let mark = if draft {
        format!("&R&\"{FONT},Bold\"&12{DRAFT}")
    } else {
        String::new()
    };
    sheet.set_header(format!("&C&\"{FONT},Regular\"&13&P{mark}"));
    sheet.set_header_first_page(mark);
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn the_date_line_leaves_day_and_month_to_fill_in() {
        assert_eq!(
            super::date_line("Cần Thơ", None, 2025),
            "Cần Thơ, ngày      tháng      năm 2025"
        );
        assert_eq!(
            super::date_line("", NaiveDate::from_ymd_opt(2024, 1, 5), 2024),
            "……………, ngày 05 tháng 01 năm 2024"
        );
    }
}
