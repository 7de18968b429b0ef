//! A printed table's cells and their formats: ruled, in Times New Roman of one size,
//! numbers stored as numbers; each row as tall as its wrapped text (see [`layout`]).

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use super::TextCells;
use super::layout::{self, FONT, Type};

/// A cell of a table row.
#[derive(Clone, Debug)]
pub enum Cell {
    Blank,
    Text(String),
    Centred(String),
    /// Italic text: a note.
    Note(String),
    /// Points or a percentage, to two decimals.
    Number(f64),
    /// A count or a rank.
    Whole(f64),
}

impl Cell {
    /// Points as a cell: a number to two decimals.
    pub fn points(p: crate::domain::Points) -> Cell {
        Cell::Number(p.hundredths() as f64 / 100.0)
    }

    /// A percentage (an index) as a cell: a number to two decimals.
    pub fn percent(p: crate::domain::Percent) -> Cell {
        Cell::Number(p.hundredths() as f64 / 100.0)
    }

    /// What it prints as text, for its row's height (numbers never wrap).
    fn text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Centred(t) | Cell::Note(t) => t,
            _ => "",
        }
    }
}

/// The formats of a table's cells in one type.
pub struct Styles {
    pub kind: Type,
    pub header: Format,
    text: Format,
    centred: Format,
    note: Format,
    number: Format,
    whole: Format,
}

impl Styles {
    /// Cells in `kind`; `top` aligns them at the top (long texts) instead of the middle.
    pub fn new(kind: Type, top: bool) -> Styles {
        let mut cell = Format::new()
            .set_font_name(FONT)
            .set_font_size(kind.size)
            .set_border(FormatBorder::Thin)
            .set_align(if top {
                FormatAlign::Top
            } else {
                FormatAlign::VerticalCenter
            });
        if kind.bold {
            cell = cell.set_bold();
        }
        Styles {
            kind,
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            text: cell.clone().set_text_wrap(),
            centred: cell.clone().set_text_wrap().set_align(FormatAlign::Center),
            note: cell.clone().set_italic().set_text_wrap(),
            number: cell.clone().set_num_format("0.00"),
            whole: cell.set_num_format("0").set_align(FormatAlign::Center),
        }
    }

    /// The height of a row of `cells` in columns `widths` wide.
    pub fn height(&self, cells: &[Cell], widths: &[f64]) -> f64 {
        let texts: Vec<(&str, f64, Type)> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| (c.text(), *w, self.kind))
            .collect();
        layout::row_height(self.kind, &texts)
    }

    /// The height of the header row naming `columns` (heading, width).
    pub fn header_height(&self, columns: &[(&str, f64)]) -> f64 {
        let bold = Type::bold(self.kind.size);
        let texts: Vec<(&str, f64, Type)> = columns.iter().map(|(h, w)| (*h, *w, bold)).collect();
        layout::row_height(bold, &texts)
    }

    /// Writes the header row naming `columns` at `row`, `height` high.
    pub fn write_header(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        columns: &[(&str, f64)],
    ) -> Result<(), XlsxError> {
        sheet.set_row_height(row, self.header_height(columns))?;
        for (col, (name, _)) in columns.iter().enumerate() {
            sheet.write_text(row, col as u16, name, &self.header)?;
        }
        Ok(())
    }

    /// Writes `cells` at `row`, `height` high.
    pub fn write_row(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        cells: &[Cell],
        height: f64,
    ) -> Result<(), XlsxError> {
        sheet.set_row_height(row, height)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Blank => sheet.write_blank(row, col, &self.text)?,
                Cell::Text(t) => sheet.write_text(row, col, t, &self.text)?,
                Cell::Centred(t) => sheet.write_text(row, col, t, &self.centred)?,
                Cell::Note(t) => sheet.write_text(row, col, t, &self.note)?,
                Cell::Number(n) => sheet.write_number_with_format(row, col, *n, &self.number)?,
                Cell::Whole(n) => sheet.write_number_with_format(row, col, *n, &self.whole)?,
            };
        }
        Ok(())
    }
}
