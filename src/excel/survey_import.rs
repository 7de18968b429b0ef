//! Reading survey scores (điểm điều tra XHH) from a workbook: units × survey leaves. The
//! whole file is checked before anything is written, and every problem names the sheet,
//! row and column the way Excel shows them ("dòng 5, cột C").

use std::collections::{BTreeMap, HashMap, HashSet};

use super::TextCells;
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
    /// Its tier's name: the template has a sheet per tier.
    pub tier_name: String,
    /// Its survey scores as stored now, by leaf: the template is filled with them.
    pub scores: BTreeMap<String, Points>,
    /// The survey leaves' texts, by code, for the template's header.
    pub leaf_texts: BTreeMap<String, String>,
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

/// Checks a workbook and returns the scores it holds, or every problem found: every sheet
/// (the template has one per tier), a unit at most once in the whole file.
pub fn read(
    bytes: &[u8],
    units: &HashMap<String, ImportUnit>,
) -> Result<Vec<SurveyScore>, Vec<String>> {
    let mut workbook = super::sheet::open(bytes).map_err(|e| vec![e])?;
    let names = workbook.sheet_names();
    if names.is_empty() {
        return Err(vec!["Tệp Excel không có trang tính nào.".into()]);
    }
    let (mut scores, mut errors) = (Vec::new(), Vec::new());
    let mut seen: HashMap<String, (String, u32)> = HashMap::new();
    // Sheets that hold no scores (notes, instructions, an empty one) are passed over; the
    // file is refused only when none holds any, for the first sheet's reason.
    let (mut passed_over, mut read) = (Vec::new(), 0);
    for sheet in names {
        match read_sheet(&mut workbook, &sheet, units, &mut seen) {
            Ok(Sheet::Scores(found)) => {
                read += 1;
                scores.extend(found);
            }
            Ok(Sheet::NoScores(why)) => passed_over.push(why),
            Err(problems) => {
                read += 1;
                errors.extend(problems);
            }
        }
    }
    if read == 0 {
        return Err(passed_over.into_iter().take(1).collect());
    }
    if errors.is_empty() {
        Ok(scores)
    } else {
        Err(errors)
    }
}

/// What one sheet holds: scores, or nothing to import (and why, should no sheet hold any).
enum Sheet {
    Scores(Vec<SurveyScore>),
    NoScores(String),
}

/// One sheet of a survey workbook; `seen` holds the units of the sheets read before.
fn read_sheet(
    workbook: &mut calamine::Xlsx<std::io::Cursor<&[u8]>>,
    sheet: &str,
    units: &HashMap<String, ImportUnit>,
    seen: &mut HashMap<String, (String, u32)>,
) -> Result<Sheet, Vec<String>> {
    let sheet = sheet.to_string();
    let (range, formulas) = super::sheet::bounded(workbook, &sheet).map_err(|e| vec![e])?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut errors = Vec::new();
    let mut rows = range.rows().enumerate().map(|(i, r)| (row0 + i as u32, r));

    // The header row: the unit code column and one column per survey leaf.
    let Some((header_row, header)) = rows.next() else {
        return Ok(Sheet::NoScores(format!("Trang «{sheet}» trống.")));
    };
    let text = |d: &Data| match d {
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        _ => String::new(),
    };
    let code_col = header.iter().position(|d| text(d) == UNIT_CODE);
    let Some(code_col) = code_col else {
        return Ok(Sheet::NoScores(format!(
            "Trang «{sheet}», dòng {}: thiếu cột «{UNIT_CODE}».",
            header_row + 1
        )));
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
    // Unit codes are matched whatever their case ("snv" is "SNV").
    let by_key: HashMap<String, (&String, &ImportUnit)> = units
        .iter()
        .map(|(code, unit)| (code.to_uppercase(), (code, unit)))
        .collect();
    for (row, cells) in rows {
        let typed = cells.get(code_col).map(text).unwrap_or_default();
        // An empty row, or the template's line naming the leaves (right under the
        // header, without a unit and without numbers), is read by people only.
        let naming_line = row == header_row + 1
            && cells
                .iter()
                .all(|d| matches!(d, Data::Empty | Data::String(_)));
        if typed.is_empty() && (naming_line || cells.iter().all(|d| matches!(d, Data::Empty))) {
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
        if let Some((first_sheet, first)) = seen.insert(code.clone(), (sheet.clone(), row)) {
            let there = if first_sheet == sheet {
                String::new()
            } else {
                format!(" của trang «{first_sheet}»")
            };
            errors.push(format!(
                "{}: đơn vị «{code}» đã có ở dòng {}{there}; mỗi đơn vị một dòng.",
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
        Ok(Sheet::Scores(scores))
    } else {
        Err(errors)
    }
}

/// The template: a sheet per tier, a row per unit with its scores as stored now, a column
/// per survey leaf headed by its code, with its text and maximum in the line below.
pub fn template(units: &[(String, ImportUnit)]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_font_name("Times New Roman")
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let note = Format::new()
        .set_italic()
        .set_font_name("Times New Roman")
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let plain = Format::new().set_font_name("Times New Roman");
    let number = plain.clone().set_num_format("0.00");
    let mut names = super::SheetNames::default();
    let mut tiers: Vec<&str> = Vec::new();
    for (_, u) in units {
        if !tiers.contains(&u.tier_name.as_str()) {
            tiers.push(&u.tier_name);
        }
    }
    for tier in tiers {
        let members: Vec<&(String, ImportUnit)> =
            units.iter().filter(|(_, u)| u.tier_name == tier).collect();
        let Some((_, first)) = members.first() else {
            continue;
        };
        // A tier scored without a survey has nothing to fill in.
        if first.survey_leaves.is_empty() {
            continue;
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.unique(tier))?;
        sheet.write_text(0, 0, UNIT_CODE, &bold)?;
        sheet.write_text(0, 1, INFORMATIONAL[0], &bold)?;
        sheet.write_text(1, 0, "", &note)?;
        sheet.write_text(1, 1, "Tiêu chí (điểm tối đa)", &note)?;
        let leaves: Vec<(&String, &Points)> = first.survey_leaves.iter().collect();
        for (i, (leaf, max)) in leaves.iter().enumerate() {
            let col = 2 + i as u16;
            sheet.write_text(0, col, leaf.as_str(), &bold)?;
            let text = first.leaf_texts.get(*leaf).cloned().unwrap_or_default();
            let heading = format!("{text} (tối đa {})", max.to_vn());
            sheet.write_text(1, col, &heading, &note)?;
            sheet.set_column_width(col, 22)?;
        }
        sheet.set_row_height(1, 64)?;
        for (r, (code, unit)) in members.iter().enumerate() {
            let row = 2 + r as u32;
            sheet.write_text(row, 0, code, &plain)?;
            sheet.write_text(row, 1, &unit.name, &plain)?;
            for (i, (leaf, _)) in leaves.iter().enumerate() {
                if let Some(p) = unit.scores.get(*leaf) {
                    let value = p.hundredths() as f64 / 100.0;
                    sheet.write_number_with_format(row, 2 + i as u16, value, &number)?;
                }
            }
        }
        sheet.set_column_width(0, 12)?;
        sheet.set_column_width(1, 45)?;
        sheet.set_freeze_panes(2, 2)?;
    }
    if workbook.worksheets().is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(SHEET)?;
        sheet.write_text(0, 0, UNIT_CODE, &bold)?;
    }
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
