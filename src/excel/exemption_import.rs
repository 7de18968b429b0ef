//! Exemptions (giảm tiêu chí) from a workbook: a row per unit and node, with the reason,
//! as the province's guide lists them. The whole file is checked before anything is
//! written; every problem names its sheet, row and column as Excel shows them.

use std::collections::HashMap;
use std::sync::Arc;

use calamine::Reader;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::TextCells;
use super::directory_import::columns;
use super::sheet::SheetReader;
use crate::domain::CriteriaSet;
use crate::domain::text::limit;

pub const SHEET: &str = "Giảm tiêu chí";
const UNIT_CODE: &str = "Mã đơn vị";
const NODE_CODE: &str = "Mã tiêu chí";
const REASON: &str = "Lý do";
/// Read by people, not by the import.
const UNIT_NAME: &str = "Tên đơn vị";
const NODE_TEXT: &str = "Nội dung tiêu chí";

/// A unit of the round as the import sees it: its id, name, and the set it is scored on.
#[derive(Clone)]
pub struct ImportUnit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub set: Arc<CriteriaSet>,
}

/// One exemption the file asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExemptionRow {
    /// As Excel numbers it.
    pub row: usize,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub node_code: String,
    pub node_text: String,
    pub reason: String,
}

/// Reads the sheet «Giảm tiêu chí» (or the first sheet) against the round's units, keyed
/// by their codes in capitals: every row's unit must be one of them, its node one of its
/// set's, its reason given; a unit and node at most once.
pub fn read(
    bytes: &[u8],
    units: &HashMap<String, ImportUnit>,
) -> Result<Vec<ExemptionRow>, Vec<String>> {
    let mut book = super::sheet::open(bytes).map_err(|e| vec![e])?;
    let names = book.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == SHEET)
        .or(names.first())
        .cloned()
        .ok_or_else(|| vec!["Tệp Excel không có trang tính nào.".to_string()])?;
    let sheet = SheetReader::open(&mut book, &name).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let Some(cols) = columns(&sheet, &[UNIT_CODE, NODE_CODE, REASON], &mut errors) else {
        return Err(errors);
    };
    let mut rows = Vec::new();
    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    for r in 1..sheet.height() {
        if sheet.blank_row(r) {
            continue;
        }
        let before = errors.len();
        let code = sheet.text(r, cols[UNIT_CODE], &mut errors);
        let node = sheet.text(r, cols[NODE_CODE], &mut errors);
        let reason = sheet.text(r, cols[REASON], &mut errors);
        if errors.len() > before
            || sheet.breaks_rules(r, cols[REASON], &reason, limit::REASON, &mut errors)
        {
            continue;
        }
        let at = |c: &str| sheet.place(r, cols[c]);
        let Some(unit) = units.get(&code.trim().to_uppercase()) else {
            errors.push(if code.trim().is_empty() {
                format!("{}: thiếu mã đơn vị.", at(UNIT_CODE))
            } else {
                format!(
                    "{}: đơn vị mã «{}» không tham gia kỳ đánh giá này.",
                    at(UNIT_CODE),
                    code.trim()
                )
            });
            continue;
        };
        let node = node.trim();
        let Some(found) = unit.set.node(node) else {
            errors.push(if node.is_empty() {
                format!("{}: thiếu mã tiêu chí được giảm.", at(NODE_CODE))
            } else {
                format!(
                    "{}: bộ tiêu chí {} {} của {} không có tiêu chí «{node}».",
                    at(NODE_CODE),
                    unit.set.code,
                    unit.set.version,
                    unit.name
                )
            });
            continue;
        };
        if reason.trim().is_empty() {
            errors.push(format!(
                "{}: cần ghi lý do giảm tiêu chí {node} cho {}.",
                at(REASON),
                unit.name
            ));
            continue;
        }
        if let Some(first) = seen.insert((unit.id, found.code.clone()), sheet.row_number(r)) {
            errors.push(format!(
                "{}: {} và tiêu chí {node} đã có ở dòng {first}; mỗi cặp một dòng.",
                at(NODE_CODE),
                unit.name
            ));
            continue;
        }
        rows.push(ExemptionRow {
            row: sheet.row_number(r),
            unit_id: unit.id,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            node_code: found.code.clone(),
            node_text: found.text.clone(),
            reason: reason.trim().to_string(),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The template: the round's exemptions as they are (unit code and name, node code and
/// text, reason), to add rows to and import back.
pub fn template(rows: &[ExemptionRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_font_name("Times New Roman")
        .set_background_color("#DDEBF7");
    let plain = Format::new().set_font_name("Times New Roman");
    let text = plain.clone().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let headings = [UNIT_CODE, UNIT_NAME, NODE_CODE, NODE_TEXT, REASON];
    for (c, h) in headings.iter().enumerate() {
        sheet.write_text(0, c as u16, h, &bold)?;
    }
    for (r, e) in rows.iter().enumerate() {
        let r = 1 + r as u32;
        sheet.write_text(r, 0, &e.unit_code, &text)?;
        sheet.write_text(r, 1, &e.unit_name, &plain)?;
        sheet.write_text(r, 2, &e.node_code, &text)?;
        sheet.write_text(r, 3, &e.node_text, &plain)?;
        sheet.write_text(r, 4, &e.reason, &plain)?;
    }
    sheet.set_column_format(0, &text)?;
    sheet.set_column_format(2, &text)?;
    for (c, w) in [14.0, 40.0, 12.0, 50.0, 50.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}
