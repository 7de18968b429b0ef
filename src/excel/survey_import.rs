//! Reading survey scores (điểm điều tra XHH) from a workbook: units × survey leaves. The
//! whole file is checked before anything is written, and every problem names the sheet,
//! row and column the way Excel shows them ("dòng 5, cột C").

use std::collections::{BTreeMap, HashMap, HashSet};

use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::domain::Points;

/// The column that holds the unit codes.
pub const UNIT_CODE: &str = "Mã đơn vị";
/// Columns read by people, not by the import (the template has the unit's name).
const INFORMATIONAL: [&str; 3] = ["Tên đơn vị", "STT", "Ghi chú"];
pub const SHEET: &str = "Điều tra XHH";

/// A unit of the round as the import sees it: its survey leaves and their maxima.
#[derive(Clone, Debug)]
pub struct ImportUnit {
    pub id: i64,
    pub name: String,
    pub survey_leaves: BTreeMap<String, Points>,
}

/// One score to write.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SurveyScore {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub leaf_code: String,
    pub points: Points,
}

/// "C" for column index 2.
pub fn column_letter(mut col: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (col % 26) as u8) as char);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s
}

fn place(sheet: &str, row: u32, col: u32) -> String {
    format!(
        "Trang «{sheet}», dòng {}, cột {}",
        row + 1,
        column_letter(col)
    )
}

/// Checks a workbook and returns the scores it holds, or every problem found.
pub fn read(
    bytes: &[u8],
    units: &HashMap<String, ImportUnit>,
) -> Result<Vec<SurveyScore>, Vec<String>> {
    let mut workbook = super::sheet::open(bytes).map_err(|e| vec![e])?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(vec!["Tệp Excel không có trang tính nào.".into()]);
    };
    let (range, formulas) = super::sheet::bounded(&mut workbook, &sheet).map_err(|e| vec![e])?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut errors = Vec::new();
    let mut rows = range.rows().enumerate().map(|(i, r)| (row0 + i as u32, r));

    // The header row: the unit code column and one column per survey leaf.
    let Some((header_row, header)) = rows.next() else {
        return Err(vec![format!("Trang «{sheet}» trống.")]);
    };
    let text = |d: &Data| match d {
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        _ => String::new(),
    };
    let code_col = header.iter().position(|d| text(d) == UNIT_CODE);
    let Some(code_col) = code_col else {
        return Err(vec![format!(
            "Trang «{sheet}», dòng {}: thiếu cột «{UNIT_CODE}».",
            header_row + 1
        )]);
    };
    let known_leaves: HashSet<&String> = units
        .values()
        .flat_map(|u| u.survey_leaves.keys())
        .collect();
    let leaf_cols: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let t = text(d);
            known_leaves.contains(&t).then_some((i, t))
        })
        .collect();
    if leaf_cols.is_empty() {
        errors.push(format!(
            "Trang «{sheet}», dòng {}: không có cột tiêu chí điều tra nào (ví dụ «8.1»).",
            header_row + 1
        ));
    }
    // A column whose heading is neither the unit, its name (as in the template) nor a
    // survey leaf of the round would be dropped unread: say so instead.
    for (i, d) in header.iter().enumerate() {
        let heading = text(d);
        let known = heading.is_empty()
            || i == code_col
            || INFORMATIONAL.contains(&heading.as_str())
            || known_leaves.contains(&heading);
        if !known {
            errors.push(format!(
                "{}: cột «{heading}» không phải tiêu chí điều tra xã hội học của kỳ đánh giá này; hãy sửa tiêu đề cho đúng mã tiêu chí (ví dụ «8.1») hoặc xóa cột.",
                place(&sheet, header_row, col0 + i as u32)
            ));
        }
    }

    let mut scores = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    // Unit codes are matched whatever their case ("snv" is "SNV").
    let by_key: HashMap<String, (&String, &ImportUnit)> = units
        .iter()
        .map(|(code, unit)| (code.to_uppercase(), (code, unit)))
        .collect();
    for (row, cells) in rows {
        let typed = cells.get(code_col).map(text).unwrap_or_default();
        if typed.is_empty() && cells.iter().all(|d| matches!(d, Data::Empty)) {
            continue;
        }
        let abs_col = |i: usize| col0 + i as u32;
        if formulas.at((row, abs_col(code_col))) {
            errors.push(format!(
                "{}: ô chứa công thức; hãy dán giá trị (Paste Values) thay cho công thức.",
                place(&sheet, row, abs_col(code_col))
            ));
            continue;
        }
        let Some((code, unit)) = by_key.get(&typed.to_uppercase()) else {
            let code = typed;
            errors.push(format!(
                "{}: mã đơn vị «{code}» không có trong kỳ đánh giá.",
                place(&sheet, row, abs_col(code_col))
            ));
            continue;
        };
        let code = (*code).clone();
        if let Some(first) = seen.insert(code.clone(), row) {
            errors.push(format!(
                "{}: đơn vị «{code}» đã có ở dòng {}; mỗi đơn vị một dòng.",
                place(&sheet, row, abs_col(code_col)),
                first + 1
            ));
            continue;
        }
        for (i, leaf) in &leaf_cols {
            let at = place(&sheet, row, abs_col(*i));
            let cell = cells.get(*i).unwrap_or(&Data::Empty);
            if formulas.at((row, abs_col(*i))) {
                errors.push(format!(
                    "{at}: ô chứa công thức; hãy dán giá trị (Paste Values) thay cho công thức."
                ));
                continue;
            }
            let value = match cell {
                Data::Empty => continue,
                Data::Float(f) => format!("{f}"),
                Data::Int(n) => format!("{n}"),
                Data::String(s) if s.trim().is_empty() => continue,
                Data::String(s) => s.trim().to_string(),
                other => {
                    errors.push(format!("{at}: «{other}» không phải là số điểm."));
                    continue;
                }
            };
            let Some(max) = unit.survey_leaves.get(leaf) else {
                errors.push(format!(
                    "{at}: tiêu chí {leaf} không thuộc bộ tiêu chí của {}.",
                    unit.name
                ));
                continue;
            };
            match value.parse::<Points>() {
                Err(e) => errors.push(format!("{at}: «{value}» {e}.")),
                Ok(p) if p < Points::ZERO => {
                    errors.push(format!(
                        "{at}: điểm {} là số âm; điểm điều tra từ 0 đến {} của tiêu chí {leaf}.",
                        p.to_vn(),
                        max.to_vn()
                    ));
                }
                Ok(p) if p > *max => {
                    errors.push(format!(
                        "{at}: điểm {} vượt quá điểm tối đa {} của tiêu chí {leaf}.",
                        p.to_vn(),
                        max.to_vn()
                    ));
                }
                Ok(points) => scores.push(SurveyScore {
                    unit_id: unit.id,
                    unit_code: code.clone(),
                    unit_name: unit.name.clone(),
                    leaf_code: leaf.clone(),
                    points,
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(scores)
    } else {
        Err(errors)
    }
}

/// The template: one row per unit of the round, one column per survey leaf.
pub fn template(units: &[(String, ImportUnit)]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let bold = Format::new().set_bold().set_font_name("Times New Roman");
    let plain = Format::new().set_font_name("Times New Roman");
    let leaves: std::collections::BTreeSet<&String> = units
        .iter()
        .flat_map(|(_, u)| u.survey_leaves.keys())
        .collect();
    sheet.write_string_with_format(0, 0, UNIT_CODE, &bold)?;
    sheet.write_string_with_format(0, 1, INFORMATIONAL[0], &bold)?;
    for (i, leaf) in leaves.iter().enumerate() {
        sheet.write_string_with_format(0, 2 + i as u16, leaf.as_str(), &bold)?;
    }
    for (r, (code, unit)) in units.iter().enumerate() {
        sheet.write_string_with_format(1 + r as u32, 0, code, &plain)?;
        sheet.write_string_with_format(1 + r as u32, 1, &unit.name, &plain)?;
    }
    sheet.set_column_width(1, 45)?;
    sheet.set_freeze_panes(1, 2)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(2), "C");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
    }
}
