//! Reading one worksheet for an import: every cell by its place as Excel shows it
//! ("Trang «Đơn vị», dòng 5, cột C"), formulas refused (their cached value may be stale or
//! absent, and what the file says must be what is stored).
//!
//! A workbook is a zip of XML parts, and a small file can inflate to gigabytes; an import
//! reads one within bounds checked as it goes, so a hostile file is refused in seconds
//! with little memory: every part is measured inflated before calamine reads any
//! ([`open`]), then each sheet is read cell by cell within rows, columns, an area and an
//! amount of text ([`bounded`]), never as a grid sized from what the file declares.

use std::collections::HashSet;
use std::io::{Cursor, Read};

use calamine::{Data, Xlsx, open_workbook_from_rs};
use unicode_normalization::UnicodeNormalization;

use super::survey_import::column_letter;
use crate::domain::text::{limit, multiline};

/// The most rows an import sheet may use (a national directory fits).
pub const MAX_ROWS: u32 = 50_000;
/// The most columns an import sheet may use.
pub const MAX_COLUMNS: u32 = 40;
/// The largest area (rows × columns, from the first cell with data to the last) a sheet
/// may use: 50 000 units with 10 columns each.
pub const MAX_CELLS: u64 = 500_000;
/// The most text (UTF-8 bytes) all cells of a sheet may hold together.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// The largest any one part of a workbook may inflate to (a sheet's XML, say).
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// The largest the shared strings (the texts of every sheet, read whole on opening) may
/// inflate to.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 * 1024 * 1024;
/// The largest all parts together may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 128 * 1024 * 1024;
/// The most parts a workbook may have.
const MAX_PARTS: usize = 2_000;

const MIB: u64 = 1024 * 1024;

fn unreadable() -> String {
    "Tệp không đọc được như một tệp Excel (.xlsx). Hãy mở tệp bằng Excel, lưu lại dạng «Sổ làm việc Excel (.xlsx)» rồi gửi lại.".into()
}

fn too_big(what: &str, max: u64) -> String {
    format!(
        "Tệp Excel quá lớn khi giải nén: {what} vượt quá {} MB. Hãy xóa các trang, ô và định dạng thừa (hoặc tách thành nhiều tệp) rồi gửi lại.",
        max / MIB
    )
}

/// Measures every part of the workbook inflated, reading each as a stream (never whole),
/// and refuses at the first that passes its cap, whatever sizes the file declares.
pub(crate) fn check_inflated(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if archive.len() > MAX_PARTS {
        return Err(unreadable());
    }
    let mut total = 0u64;
    let mut buffer = vec![0; 64 * 1024];
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(|_| unreadable())?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        // calamine finds the shared strings wherever the workbook's relationships put
        // them, whatever the case and the slashes: so does the cap.
        let shared_strings = name
            .replace('\\', "/")
            .to_lowercase()
            .ends_with("sharedstrings.xml");
        let (cap, what) = if shared_strings {
            (
                MAX_SHARED_STRINGS_BYTES,
                "phần chữ dùng chung (sharedStrings)",
            )
        } else {
            (MAX_PART_BYTES, "một phần của tệp")
        };
        // What the file declares first (a quick refusal), then what it really holds.
        if part.size() > cap {
            return Err(too_big(what, cap));
        }
        let mut inflated = 0u64;
        loop {
            let n = part.read(&mut buffer).map_err(|_| unreadable())?;
            if n == 0 {
                break;
            }
            inflated += n as u64;
            total += n as u64;
            if inflated > cap {
                return Err(too_big(what, cap));
            }
            if total > MAX_INFLATED_BYTES {
                return Err(too_big("toàn bộ tệp", MAX_INFLATED_BYTES));
            }
        }
    }
    Ok(())
}

/// Opens an import workbook once its parts are within bounds ([`check_inflated`]).
pub(crate) fn open(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, String> {
    check_inflated(bytes)?;
    open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: calamine::XlsxError| {
        tracing::debug!(error = %e, "an import workbook calamine cannot open");
        unreadable()
    })
}

/// The cells of a sheet holding formulas.
#[derive(Default)]
pub(crate) struct Formulas(HashSet<(u32, u32)>);

impl Formulas {
    /// Whether the cell at `(row, column)` (from the sheet's corner) holds a formula.
    pub fn at(&self, position: (u32, u32)) -> bool {
        self.0.contains(&position)
    }
}

/// Reads a sheet cell by cell, within [`MAX_ROWS`], [`MAX_COLUMNS`], [`MAX_CELLS`] and
/// [`MAX_TEXT_BYTES`], no text longer than [`limit::TEXT`]: what passes a bound is
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
    // The area used so far (first and last row and column with data) and its text.
    let (mut rows, mut columns) = ((u32::MAX, 0), (u32::MAX, 0));
    let mut text_bytes = 0;
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
        if value == Data::Empty {
            continue;
        }
        let place = || {
            format!(
                "Trang «{name}», dòng {}, cột {}",
                row + 1,
                column_letter(col)
            )
        };
        if let Data::String(s) = &value {
            let length = s.chars().count() as u64;
            if length > limit::TEXT {
                return Err(too_long(&place(), length, limit::TEXT));
            }
            if multiline(s).is_err() {
                return Err(format!(
                    "{}: có ký tự điều khiển không được phép (chỉ được xuống dòng).",
                    place()
                ));
            }
            text_bytes += s.len();
            if text_bytes > MAX_TEXT_BYTES {
                return Err(format!(
                    "Trang «{name}» chứa quá nhiều chữ (hơn {} MB, đến ô {}{}); hãy tách thành nhiều tệp.",
                    MAX_TEXT_BYTES as u64 / MIB,
                    column_letter(col),
                    row + 1
                ));
            }
        }
        rows = (rows.0.min(row), rows.1.max(row));
        columns = (columns.0.min(col), columns.1.max(col));
        let area = u64::from(rows.1 - rows.0 + 1) * u64::from(columns.1 - columns.0 + 1);
        if area > MAX_CELLS {
            return Err(format!(
                "Trang «{name}» dùng một vùng quá lớn (hơn {MAX_CELLS} ô, đến ô {}{}); hãy xóa các ô thừa hoặc tách thành nhiều tệp.",
                column_letter(col),
                row + 1
            ));
        }
        cells.push(calamine::Cell::new((row, col), value));
    }
    Ok((calamine::Range::from_sparse(cells), formulas))
}

/// A cell as text, refusing formulas (their cached value may be stale or absent).
pub(crate) struct SheetReader {
    pub name: String,
    range: calamine::Range<Data>,
    formulas: Formulas,
    start: (u32, u32),
}

impl SheetReader {
    pub fn open(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<SheetReader, String> {
        let (range, formulas) = bounded(book, name)?;
        let start = range.start().unwrap_or((0, 0));
        Ok(SheetReader {
            name: name.into(),
            range,
            formulas,
            start,
        })
    }

    /// Rows from the first with data to the last.
    pub fn height(&self) -> usize {
        self.range.height()
    }

    /// Columns from the first with data to the last.
    pub fn width(&self) -> usize {
        self.range.width()
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
        match self.range.get((row, col)) {
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

/// A cell's text longer than `max` characters, numbers written the Vietnamese way.
fn too_long(place: &str, length: u64, max: u64) -> String {
    use crate::domain::points::thousands;
    format!(
        "{place}: dài {} ký tự, tối đa {} ký tự.",
        thousands(length),
        thousands(max)
    )
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
            errors.push(too_long(&self.place(row, col), length, max));
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
        self.range.get((row, col)).unwrap_or(&Data::Empty)
    }

    /// Whether every cell of the row is empty.
    pub fn blank_row(&self, row: usize) -> bool {
        (0..self.width()).all(|col| match self.cell(row, col) {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        })
    }
}
