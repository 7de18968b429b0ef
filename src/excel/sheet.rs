//! Reading one worksheet for an import: every cell by its place as Excel shows it
//! ("Trang «Đơn vị», dòng 5, cột C"), formulas refused (their cached value may be stale or
//! absent, and what the file says must be what is stored).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use unicode_normalization::UnicodeNormalization;

use super::survey_import::column_letter;
use crate::domain::text::{limit, multiline};

/// A cell as text, refusing formulas (their cached value may be stale or absent).
pub(crate) struct SheetReader {
    pub name: String,
    pub rows: Vec<Vec<Data>>,
    formulas: calamine::Range<String>,
    start: (u32, u32),
}

impl SheetReader {
    pub fn open(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<SheetReader, String> {
        let range = book
            .worksheet_range(name)
            .map_err(|_| format!("Thiếu trang «{name}»."))?;
        let formulas = book.worksheet_formula(name).unwrap_or_default();
        let start = range.start().unwrap_or((0, 0));
        Ok(SheetReader {
            name: name.into(),
            rows: range.rows().map(<[Data]>::to_vec).collect(),
            formulas,
            start,
        })
    }

    pub fn place(&self, row: usize, col: usize) -> String {
        format!(
            "Trang «{}», dòng {}, cột {}",
            self.name,
            self.start.0 as usize + row + 1,
            column_letter(self.start.1 + col as u32)
        )
    }

    pub fn text(&self, row: usize, col: usize, errors: &mut Vec<String>) -> String {
        let abs = (self.start.0 + row as u32, self.start.1 + col as u32);
        if self.formulas.get_value(abs).is_some_and(|f| !f.is_empty()) {
            errors.push(format!(
                "{}: ô chứa công thức; hãy dán giá trị thay cho công thức.",
                self.place(row, col)
            ));
            return String::new();
        }
        match self.rows.get(row).and_then(|r| r.get(col)) {
            None | Some(Data::Empty) => String::new(),
            // NFC: some Vietnamese keyboards type decomposed letters ("ệ" as e + two marks).
            Some(Data::String(s)) => {
                let text: String = s.trim().nfc().collect();
                // The rules of typed text hold for imported text too.
                if self.breaks_rules(row, col, &text, limit::TEXT, errors) {
                    return String::new();
                }
                text
            }
            Some(Data::Float(f)) => format!("{f}"),
            Some(Data::Int(i)) => format!("{i}"),
            Some(Data::Bool(b)) => {
                if *b {
                    "có".into()
                } else {
                    String::new()
                }
            }
            Some(other) => {
                errors.push(format!(
                    "{}: «{other}» không đọc được.",
                    self.place(row, col)
                ));
                String::new()
            }
        }
    }
}

impl SheetReader {
    /// Records why `text`, read from the cell, breaks the rules of typed text: longer than
    /// `max` characters, or holding a control character other than a line break.
    pub fn breaks_rules(
        &self,
        row: usize,
        col: usize,
        text: &str,
        max: u64,
        errors: &mut Vec<String>,
    ) -> bool {
        let length = text.chars().count() as u64;
        if length > max {
            errors.push(format!(
                "{}: dài {length} ký tự, tối đa {max} ký tự.",
                self.place(row, col)
            ));
            return true;
        }
        if multiline(text).is_err() {
            errors.push(format!(
                "{}: có ký tự điều khiển không được phép (chỉ được xuống dòng).",
                self.place(row, col)
            ));
            return true;
        }
        false
    }

    /// The row number Excel shows for row `row` of the range.
    pub fn row_number(&self, row: usize) -> usize {
        self.start.0 as usize + row + 1
    }

    /// Whether the cell holds a formula.
    pub fn is_formula(&self, row: usize, col: usize) -> bool {
        let abs = (self.start.0 + row as u32, self.start.1 + col as u32);
        self.formulas.get_value(abs).is_some_and(|f| !f.is_empty())
    }

    /// The cell as read, empty when outside the used range.
    pub fn cell(&self, row: usize, col: usize) -> &Data {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Data::Empty)
    }

    /// Whether every cell of the row is empty.
    pub fn blank_row(&self, row: usize) -> bool {
        self.rows.get(row).is_none_or(|r| {
            r.iter().all(|d| {
                matches!(d, Data::Empty) || matches!(d, Data::String(s) if s.trim().is_empty())
            })
        })
    }
}
