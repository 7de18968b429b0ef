//! A criteria set as a workbook, in the layout a Department of Home Affairs publishes
//! (Mã, Nội dung, Điểm tối đa, Hướng dẫn chấm, Tài liệu kiểm chứng) with the method and its
//! parameters in columns of their own; and back. Export then import gives the same set
//! (the same content hash): the workbook is turned into the TOML format of `criteria/` and
//! checked by the same rules.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, XlsxError};

use super::TextCells;
use super::sheet::SheetReader;
use crate::domain::criteria::{CriteriaSet, Method};
use crate::domain::criteria_file;

pub const INFO: &str = "Thông tin";
pub const NODES: &str = "Tiêu chí";
pub const EXTRAS: &str = "Thưởng, trừ";

const NODE_COLUMNS: [&str; 15] = [
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Phương pháp",
    "Mức tỷ lệ (tỷ lệ tối thiểu %: phần điểm)",
    "Bước điểm",
    "Điểm trừ mỗi lần",
    "Nhãn số lần",
    "Tử số",
    "Mẫu số",
    "Được khai báo không áp dụng",
    "Ghi chú không áp dụng",
    "Hướng dẫn chấm điểm",
    "Tài liệu kiểm chứng",
    // The method's code, for the import; the method is named in Vietnamese in column D.
    "Mã phương pháp",
];

/// The column of the method's code.
const METHOD_CODE: usize = 14;

/// A method as column D names it, or its code: the code.
fn method_code(text: &str) -> String {
    const METHODS: [(&str, &str); 6] = [
        ("yes_no", "Đạt / không đạt"),
        ("tiered", "Theo mức tỷ lệ"),
        ("proportional", "Theo tỷ lệ"),
        ("judged", "Đánh giá theo bước điểm"),
        ("deduction", "Trừ điểm theo số lần"),
        ("survey", "Điều tra xã hội học"),
    ];
    METHODS
        .iter()
        .find(|(code, label)| label.to_lowercase() == text.to_lowercase() || *code == text)
        .map_or(text.to_string(), |(code, _)| code.to_string())
}

/// A number of points as the cell holds it: a number, read back as the same points.
fn number(p: crate::domain::Points) -> f64 {
    p.hundredths() as f64 / 100.0
}

/// Writes a set to a workbook; `tier_name` names the set's tier beside its code.
pub fn export(set: &CriteriaSet, tier_name: Option<&str>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = super::document::workbook()?;
    let bold = Format::new()
        .set_bold()
        .set_font_name("Times New Roman")
        .set_font_size(12)
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let plain = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12)
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    // General: 10 shows as «10», 1.5 as «1,5» in vi-VN.
    let numeric = plain.clone();
    let code = Format::new().set_font_name("Times New Roman");
    let info = workbook.add_worksheet();
    info.set_name(INFO)?;
    let rows = [
        ("Mã bộ tiêu chí", set.code.clone()),
        ("Phiên bản", set.version.clone()),
        ("Tên bộ tiêu chí", set.title.clone()),
        ("Khối", set.tier.clone()),
        // For the reader: the import goes by the code above.
        ("Tên khối", tier_name.unwrap_or_default().to_string()),
        ("Tổng điểm", set.total.to_string()),
        ("Căn cứ ban hành", set.issued_by.clone().unwrap_or_default()),
        ("Điểm thưởng tối đa", set.bonus.cap.to_string()),
        ("Điểm trừ tối đa", set.penalty.cap.to_string()),
    ];
    for (r, (key, value)) in rows.iter().enumerate() {
        info.write_text(r as u32, 0, key, &bold)?;
        // Numbers stay numbers: the reader's settings show them (a comma in vi-VN).
        match NUMBER_KEYS
            .contains(key)
            .then(|| value.parse::<crate::domain::Points>())
        {
            Some(Ok(p)) => info.write_number_with_format(r as u32, 1, number(p), &numeric)?,
            _ => info.write_text(r as u32, 1, value, &plain)?,
        };
    }
    info.set_column_width(0, 24)?;
    info.set_column_width(1, 80)?;
    info.set_landscape();
    info.set_paper_size(9);
    info.set_print_fit_to_pages(1, 0);

    let sheet = workbook.add_worksheet();
    sheet.set_name(NODES)?;
    for (c, h) in NODE_COLUMNS.iter().enumerate() {
        sheet.write_text(0, c as u16, h, &bold)?;
    }
    for (i, n) in set.nodes.iter().enumerate() {
        let r = 1 + i as u32;
        let mut cells: Vec<String> = vec![n.code.clone(), n.text.clone(), String::new()];
        cells.resize(NODE_COLUMNS.len(), String::new());
        sheet.write_number_with_format(r, 2, number(n.max), &numeric)?;
        if let Some(leaf) = &n.leaf {
            cells[3] = leaf.method.label().to_string();
            cells[METHOD_CODE] = leaf.method.name().to_string();
            match &leaf.method {
                Method::Tiered {
                    numerator,
                    denominator,
                    tiers,
                } => {
                    cells[4] = tiers
                        .iter()
                        .map(|t| format!("{}: {}", t.min_rate, t.fraction))
                        .collect::<Vec<_>>()
                        .join("; ");
                    cells[8] = numerator.clone();
                    cells[9] = denominator.clone();
                }
                Method::Proportional {
                    numerator,
                    denominator,
                } => {
                    cells[8] = numerator.clone();
                    cells[9] = denominator.clone();
                }
                Method::Judged { step } => {
                    sheet.write_number_with_format(r, 5, number(*step), &numeric)?;
                }
                Method::Deduction {
                    per_occurrence,
                    occurrence,
                } => {
                    sheet.write_number_with_format(r, 6, number(*per_occurrence), &numeric)?;
                    cells[7] = occurrence.clone();
                }
                Method::YesNo | Method::Survey => {}
            }
            cells[10] = if leaf.na_allowed {
                "có".into()
            } else {
                String::new()
            };
            cells[11] = leaf.na_hint.clone().unwrap_or_default();
            cells[12] = leaf.guidance.clone();
            cells[13] = leaf.evidence.clone();
        }
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                // The hidden code column does not wrap: a code in a column printed with
                // no width would stack letter over letter.
                let format = if c == METHOD_CODE { &code } else { &plain };
                sheet.write_text(r, c as u16, v, format)?;
            }
        }
        // As tall as the longest wrapped text it prints: neither Excel nor LibreOffice
        // grows a row written by a program, and a short row prints over the next.
        let lines = [(1, 40.0), (12, 40.0), (13, 26.0)]
            .iter()
            .map(|(c, w)| super::layout::Type::regular(12.0).lines(&cells[*c], *w))
            .fold(1, usize::max);
        sheet.set_row_height(r, (lines as f64 * 16.0).min(409.0))?;
    }
    for (col, width) in [
        (0, 7.0),
        (1, 40.0),
        (2, 8.0),
        (3, 12.0),
        (4, 14.0),
        (5, 7.0),
        (6, 8.0),
        (7, 12.0),
        (8, 14.0),
        (9, 14.0),
        (10, 9.0),
        (11, 14.0),
        (12, 40.0),
        (13, 26.0),
        (14, 10.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    sheet.set_row_height(0, 32)?;
    sheet.set_freeze_panes(1, 2)?;
    // The method's parameters (E–L) and its code (O) in collapsed groups: a click on «+»
    // shows them for editing; printed, the sheet is what people read (code, text, maximum,
    // method, guidance, evidence) at a readable size.
    sheet.group_columns_collapsed(4, 11)?;
    sheet.group_columns_collapsed(METHOD_CODE as u16, METHOD_CODE as u16)?;
    // LibreOffice prints a lone collapsed last column: hidden outright as well.
    sheet.set_column_hidden(METHOD_CODE as u16)?;
    // Printed: A4 landscape, one page wide, the header on every page.
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_footer("&C&\"Times New Roman\"&10Trang &P/&N");

    let extras = workbook.add_worksheet();
    extras.set_name(EXTRAS)?;
    for (c, h) in ["Loại (thưởng/trừ)", "Mã", "Nội dung", "Điểm mỗi lần"]
        .iter()
        .enumerate()
    {
        extras.write_text(0, c as u16, h, &bold)?;
    }
    let mut r = 1;
    for (kind, group) in [("thưởng", &set.bonus), ("trừ", &set.penalty)] {
        for item in &group.items {
            extras.write_text(r, 0, kind, &plain)?;
            extras.write_text(r, 1, &item.code, &plain)?;
            extras.write_text(r, 2, &item.text, &plain)?;
            extras.write_number_with_format(r, 3, number(item.points), &numeric)?;
            // As tall as its text, which wraps (see above).
            let height = super::layout::Type::regular(12.0).height(&item.text, EXTRA_TEXT);
            extras.set_row_height(r, height)?;
            r += 1;
        }
    }
    extras.set_column_width(2, EXTRA_TEXT)?;
    workbook.save_to_buffer()
}

/// The width of a bonus or penalty item's text, in characters.
const EXTRA_TEXT: f64 = 70.0;

/// Keys of the information sheet whose values are numbers.
const NUMBER_KEYS: [&str; 3] = ["Tổng điểm", "Điểm thưởng tối đa", "Điểm trừ tối đa"];

/// Records why `value`, read from the cell, is not a number of points (with at most two
/// decimals, either decimal mark), naming the cell.
fn check_number(
    sheet: &SheetReader,
    row: usize,
    col: usize,
    value: &str,
    errors: &mut Vec<String>,
) {
    if value.is_empty() {
        return;
    }
    if let Err(e) = value.parse::<crate::domain::Points>() {
        errors.push(format!(
            "{}: «{value}» {e}; nhập một số, ví dụ 1,5.",
            sheet.place(row, col)
        ));
    }
}

/// Reads a criteria workbook into the TOML text of `criteria/` and the set it describes.
/// Problems name the sheet, row and column, or the node and the field.
pub fn import(file_name: &str, bytes: &[u8]) -> Result<(CriteriaSet, String), Vec<String>> {
    let mut book = super::sheet::open(bytes).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let info = SheetReader::open(&mut book, INFO).map_err(|e| vec![e])?;
    let nodes = SheetReader::open(&mut book, NODES).map_err(|e| vec![e])?;
    // The bonus and penalty sheet may be absent; present, it is read like the others (a
    // refusal there is a refusal of the file, never a set without its bonus items).
    let extras = if calamine::Reader::sheet_names(&book)
        .iter()
        .any(|n| n == EXTRAS)
    {
        Some(SheetReader::open(&mut book, EXTRAS).map_err(|e| vec![e])?)
    } else {
        None
    };

    let mut meta: HashMap<String, String> = HashMap::new();
    for r in 0..info.height() {
        let key = info.text(r, 0, &mut errors);
        let value = info.text(r, 1, &mut errors);
        if NUMBER_KEYS.contains(&key.as_str()) {
            check_number(&info, r, 1, &value, &mut errors);
        }
        meta.insert(key, value);
    }
    let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
    let mut doc = toml::Table::new();
    let mut set = toml::Table::new();
    for (key, field) in [
        ("Mã bộ tiêu chí", "code"),
        ("Phiên bản", "version"),
        ("Tên bộ tiêu chí", "title"),
        ("Khối", "tier"),
        ("Tổng điểm", "total"),
    ] {
        set.insert(field.into(), toml::Value::String(get(key)));
    }
    if !get("Căn cứ ban hành").is_empty() {
        set.insert(
            "issued_by".into(),
            toml::Value::String(get("Căn cứ ban hành")),
        );
    }
    doc.insert("set".into(), toml::Value::Table(set));

    let mut rows_of: HashMap<String, usize> = HashMap::new();
    let mut node_list = Vec::new();
    for r in 1..nodes.height() {
        let cell = |c: usize, errors: &mut Vec<String>| nodes.text(r, c, errors);
        let code = cell(0, &mut errors);
        if code.is_empty() {
            continue;
        }
        rows_of.insert(code.clone(), r);
        let mut node = toml::Table::new();
        node.insert("code".into(), toml::Value::String(code));
        node.insert("text".into(), toml::Value::String(cell(1, &mut errors)));
        let max = cell(2, &mut errors);
        check_number(&nodes, r, 2, &max, &mut errors);
        node.insert("max".into(), toml::Value::String(max));
        // Column D, a name or a code, is what people see and edit: it wins. The hidden
        // code column counts only where D is empty.
        let method = match cell(3, &mut errors) {
            named if !named.is_empty() => method_code(&named),
            _ => cell(METHOD_CODE, &mut errors),
        };
        if !method.is_empty() {
            node.insert("method".into(), toml::Value::String(method));
            let tiers = cell(4, &mut errors);
            if !tiers.is_empty() {
                let mut list = Vec::new();
                for part in tiers.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    match part.split_once(':') {
                        Some((rate, fraction)) => {
                            check_number(&nodes, r, 4, rate.trim(), &mut errors);
                            check_number(&nodes, r, 4, fraction.trim(), &mut errors);
                            let mut t = toml::Table::new();
                            t.insert("min_rate".into(), toml::Value::String(rate.trim().into()));
                            t.insert(
                                "fraction".into(),
                                toml::Value::String(fraction.trim().into()),
                            );
                            list.push(toml::Value::Table(t));
                        }
                        None => errors.push(format!(
                            "{}: mức «{part}» phải có dạng «tỷ lệ: phần điểm», ví dụ «80: 0.5».",
                            nodes.place(r, 4)
                        )),
                    }
                }
                node.insert("tiers".into(), toml::Value::Array(list));
            }
            for (c, field) in [
                (5, "step"),
                (6, "per_occurrence"),
                (7, "occurrence"),
                (8, "numerator"),
                (9, "denominator"),
                (11, "na_hint"),
                (12, "guidance"),
                (13, "evidence"),
            ] {
                let v = cell(c, &mut errors);
                if matches!(field, "step" | "per_occurrence") {
                    check_number(&nodes, r, c, &v, &mut errors);
                }
                if !v.is_empty() {
                    node.insert(field.into(), toml::Value::String(v));
                }
            }
            let na = cell(10, &mut errors).to_lowercase();
            if matches!(na.as_str(), "có" | "x" | "1" | "true") {
                node.insert("na_allowed".into(), toml::Value::Boolean(true));
            }
        }
        node_list.push(toml::Value::Table(node));
    }
    doc.insert("node".into(), toml::Value::Array(node_list));

    if let Some(extras) = extras {
        for (kind, cap_key, field) in [
            ("thưởng", "Điểm thưởng tối đa", "bonus"),
            ("trừ", "Điểm trừ tối đa", "penalty"),
        ] {
            let mut items = Vec::new();
            for r in 1..extras.height() {
                if extras.text(r, 0, &mut errors).to_lowercase() != kind {
                    continue;
                }
                let mut item = toml::Table::new();
                item.insert(
                    "code".into(),
                    toml::Value::String(extras.text(r, 1, &mut errors)),
                );
                item.insert(
                    "text".into(),
                    toml::Value::String(extras.text(r, 2, &mut errors)),
                );
                let points = extras.text(r, 3, &mut errors);
                check_number(&extras, r, 3, &points, &mut errors);
                item.insert("points".into(), toml::Value::String(points));
                items.push(toml::Value::Table(item));
            }
            let cap = get(cap_key);
            if !items.is_empty() || !matches!(cap.as_str(), "" | "0") {
                let mut group = toml::Table::new();
                group.insert("cap".into(), toml::Value::String(cap));
                group.insert("item".into(), toml::Value::Array(items));
                doc.insert(field.into(), toml::Value::Table(group));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text =
        toml::to_string(&doc).map_err(|e| vec![format!("Không tạo được bộ tiêu chí: {e}")])?;
    criteria_file::parse(file_name, &text)
        .map(|set| (set, text))
        .map_err(|problems| {
            problems
                .into_iter()
                .map(
                    |p| match p.node.as_ref().and_then(|code| rows_of.get(code)) {
                        Some(row) => format!(
                            "Trang «{NODES}», dòng {} (mục {}){}: {}",
                            row + 1,
                            p.node.clone().unwrap_or_default(),
                            p.field
                                .map(|f| format!(", trường «{f}»"))
                                .unwrap_or_default(),
                            p.message
                        ),
                        // Not one node's: a problem of the whole file, without the line
                        // of the text made from it (no one has seen that text).
                        None => format!(
                            "Tệp «{file_name}»: {}",
                            p.field
                                .map(|f| format!("trường «{f}»: {}", p.message))
                                .unwrap_or_else(|| if p.message.starts_with("không đọc được tệp") {
                                    "có ô không đọc được; kiểm tra các ô số (ví dụ 1,5) và các ô chữ rồi gửi lại.".to_string()
                                } else {
                                    p.message.clone()
                                })
                        ),
                    },
                )
                .collect()
        })
}
