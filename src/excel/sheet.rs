//! Reading one worksheet for an import: every cell by its place as Excel shows it
//! ("Trang «Đơn vị», dòng 5, cột C"), formulas refused (their cached value may be stale or
//! absent, and what the file says must be what is stored).

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Xlsx};
use unicode_normalization::UnicodeNormalization;

use super::survey_import::column_letter;
use crate::domain::text::{limit, multiline};

/// The most rows an import sheet may use (a national directory fits).
pub const MAX_ROWS: u32 = 50_000;
/// The most columns an import sheet may use.
pub const MAX_COLUMNS: u32 = 40;

/// The cells of a sheet holding formulas.
#[derive(Default)]
pub(crate) struct Formulas(HashSet<(u32, u32)>);

impl Formulas {
    /// Whether the cell at `(row, column)` (from the sheet's corner) holds a formula.
    pub fn at(&self, position: (u32, u32)) -> bool {
        self.0.contains(&position)
    }
}

/// Reads a sheet cell by cell, within [`MAX_ROWS`] and [`MAX_COLUMNS`]: a cell beyond is
/// refused as soon as it is met, and the grid is never sized from what the file declares
/// (a 9 KB file can declare a sheet to its last cell, XFD1048576).
pub(crate) fn bounded(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<(calamine::Range<Data>, Formulas), String> {
    let mut reader = book
        .worksheet_cells_reader(name)
        .map_err(|_| format!("Thiếu trang «{name}»."))?;
    let (mut cells, mut formulas) = (Vec::new(), Formulas::default());
    loop {
        let cell = reader.next_cell_with_formula().map_err(|_| {
            format!("Trang «{name}» không đọc được; hãy lưu lại tệp bằng Excel rồi gửi lại.")
        })?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.pos;
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(format!(
                "Trang «{name}» có dữ liệu ở ô {}{}, ngoài phạm vi nhận được ({MAX_ROWS} dòng, {MAX_COLUMNS} cột); hãy xóa các ô thừa rồi gửi lại.",
                column_letter(col),
                row + 1
            ));
        }
        if cell.formula.as_deref().is_some_and(|f| !f.is_empty()) {
            formulas.0.insert((row, col));
        }
        let value = Data::from(cell.value);
        if value != Data::Empty {
            cells.push(calamine::Cell::new((row, col), value));
        }
    }
    Ok((calamine::Range::from_sparse(cells), formulas))
}

/// A cell as text, refusing formulas (their cached value may be stale or absent).
pub(crate) struct SheetReader {
    pub name: String,
    pub rows: Vec<Vec<Data>>,
    formulas: Formulas,
    start: (u32, u32),
}

impl SheetReader {
    pub fn open(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<SheetReader, String> {
        let (range, formulas) = bounded(book, name)?;
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
        if self.formulas.at(abs) {
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
        self.formulas.at(abs)
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
