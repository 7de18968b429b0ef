//! Units and users (đơn vị, người dùng) from a workbook: the sheet «Đơn vị» (code, name,
//! tier) and the sheet «Người dùng» (username, full name, role, unit, valid until). Either
//! sheet may be left out. Columns are found by their headings, so their order is free.
//!
//! The whole file is checked before anything is written; every problem names the sheet,
//! row and column. The template is the current directory itself, so "download, edit,
//! upload" is the way to change many units or accounts at once.

use std::collections::HashMap;

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};

use super::TextCells;
use super::sheet::SheetReader;
use crate::domain::access::{Role, valid_username};
use crate::domain::text::limit;

pub const UNITS: &str = "Đơn vị";
pub const USERS: &str = "Người dùng";

const UNIT_CODE: &str = "Mã đơn vị";
const UNIT_NAME: &str = "Tên đơn vị";
const TIER: &str = "Mã khối";
/// Optional: the codes of the units a unit was formed from, separated by commas.
const PREDECESSORS: &str = "Đơn vị tiền thân";
const USERNAME: &str = "Tên đăng nhập";
const FULL_NAME: &str = "Họ và tên";
const ROLE: &str = "Vai trò";
const VALID_UNTIL: &str = "Hiệu lực đến";
/// Optional: where the account's notices are e-mailed.
const EMAIL: &str = "Thư điện tử";

/// A unit as the file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRow {
    /// 1-based, as Excel shows it.
    pub row: usize,
    pub code: String,
    pub name: String,
    pub tier_code: String,
    /// The codes of the units it was formed from (as stored), where the file says; `None`
    /// where it has no such column or leaves the cell empty (what is recorded stays).
    pub predecessors: Option<Vec<String>>,
}

/// An account as the file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub row: usize,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit of an officer or head; an appraiser's department (cơ quan thẩm định).
    pub unit_code: Option<String>,
    /// The last day the account may be used (Vietnam time).
    pub valid_until: Option<NaiveDate>,
    /// Where notices are e-mailed, where the file says; `None` where it has no such
    /// column or leaves the cell empty (what is recorded stays).
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub units: Vec<UnitRow>,
    pub users: Vec<UserRow>,
}

/// What the file is checked against: the tiers and the units already stored.
pub struct Known {
    pub tier_codes: Vec<String>,
    /// Every stored unit by its code in capitals: its code as stored, and whether it is
    /// still active. Codes are matched whatever their case, so "snv" is the stored "SNV".
    pub units: HashMap<String, (String, bool)>,
}

fn key(code: &str) -> String {
    code.to_uppercase()
}

/// Unit codes: letters, digits and "._-", no spaces.
fn valid_unit_code(s: &str) -> bool {
    (1..=32).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn role_from(text: &str) -> Option<Role> {
    let t = text.trim().to_lowercase();
    Role::ALL
        .into_iter()
        .find(|r| r.as_str() == t || r.label().to_lowercase() == t)
}

/// A sheet's heading row: the column of each heading, or a problem for each one missing.
pub(crate) fn columns(
    sheet: &SheetReader,
    wanted: &[&'static str],
    errors: &mut Vec<String>,
) -> Option<HashMap<&'static str, usize>> {
    let mut found = HashMap::new();
    let mut heading_errors = Vec::new();
    let width = sheet.width();
    for col in 0..width {
        let text = sheet.text(0, col, &mut heading_errors);
        if let Some(h) = wanted
            .iter()
            .find(|h| text.to_lowercase() == h.to_lowercase())
        {
            found.insert(*h, col);
        }
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|h| !found.contains_key(*h))
        .copied()
        .collect();
    errors.extend(heading_errors);
    if missing.is_empty() {
        Some(found)
    } else {
        errors.push(format!(
            "Trang «{}», dòng 1: thiếu cột {}.",
            sheet.name,
            missing
                .iter()
                .map(|m| format!("«{m}»"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        None
    }
}

/// A date cell: a real Excel date, or text written dd/mm/yyyy. Anything else is refused
/// with its own message, so "31/02/2024", "hết năm" or a bare number never becomes a date.
fn date_cell(sheet: &SheetReader, row: usize, col: usize) -> Result<Option<NaiveDate>, String> {
    let at = sheet.place(row, col);
    let not_a_date = |what: String| {
        format!("{at}: {what} không phải là ngày; nhập ngày dạng dd/mm/yyyy, ví dụ 31/12/2024.")
    };
    // A real Excel date obeys the same years as a typed one.
    let in_range = |date: NaiveDate| {
        if (2000..=2100).contains(&date.year()) {
            Ok(Some(date))
        } else {
            Err(format!(
                "{at}: ngày {} nằm ngoài các năm 2000–2100; kiểm tra lại năm.",
                date.format("%d/%m/%Y")
            ))
        }
    };
    let date = match sheet.cell(row, col) {
        Data::Empty => return Ok(None),
        Data::String(s) if s.trim().is_empty() => return Ok(None),
        Data::String(s) => {
            let t = s.trim();
            // "31/12/2024" or "1/7/2024"; a year of four digits in a sensible range, so that
            // "1/7/24" is not taken for the year 24.
            NaiveDate::parse_from_str(t, "%d/%m/%Y")
                .ok()
                .filter(|d| (2000..=2100).contains(&d.year()) && t.ends_with(&d.year().to_string()))
                .ok_or_else(|| not_a_date(format!("«{t}»")))
        }
        Data::DateTime(d) if !d.is_duration() => d
            .as_datetime()
            .map(|t| t.date())
            .ok_or_else(|| not_a_date(format!("giá trị {}", d.as_f64()))),
        Data::DateTimeIso(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map_err(|_| not_a_date(format!("«{s}»"))),
        Data::Float(f) => Err(not_a_date(format!(
            "số {} (ô chưa định dạng ngày)",
            f.to_string().replace('.', ",")
        ))),
        Data::Int(i) => Err(not_a_date(format!("số {i} (ô chưa định dạng ngày)"))),
        other => Err(not_a_date(format!("«{other}»"))),
    };
    in_range(date?)
}

/// Checks a workbook and returns the units and users it holds, or every problem found.
pub fn read(bytes: &[u8], known: &Known) -> Result<Directory, Vec<String>> {
    let mut book = super::sheet::open(bytes).map_err(|e| vec![e])?;
    let names = book.sheet_names();
    let has = |n: &str| names.iter().any(|s| s == n);
    if !has(UNITS) && !has(USERS) {
        return Err(vec![format!(
            "Tệp không có trang «{UNITS}» hay «{USERS}»; hãy dùng tệp mẫu."
        )]);
    }
    let mut errors = Vec::new();
    let mut dir = Directory::default();

    if has(UNITS) {
        let sheet = SheetReader::open(&mut book, UNITS).map_err(|e| vec![e])?;
        if let Some(cols) = columns(&sheet, &[UNIT_CODE, UNIT_NAME, TIER], &mut errors) {
            dir.units = read_units(&sheet, &cols, known, &mut errors);
            read_predecessors(&sheet, &cols, known, &mut dir.units, &mut errors);
        }
    }
    if has(USERS) {
        let sheet = SheetReader::open(&mut book, USERS).map_err(|e| vec![e])?;
        let wanted = [USERNAME, FULL_NAME, ROLE, UNIT_CODE, VALID_UNTIL];
        if let Some(cols) = columns(&sheet, &wanted, &mut errors) {
            // A user's unit: a stored one (None when it no longer operates) or one of the file.
            let mut units: HashMap<String, Option<String>> = known
                .units
                .iter()
                .map(|(k, (code, active))| (k.clone(), active.then(|| code.clone())))
                .collect();
            units.extend(
                dir.units
                    .iter()
                    .map(|u| (key(&u.code), Some(u.code.clone()))),
            );
            dir.users = read_users(&sheet, &cols, &units, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(dir)
    } else {
        Err(errors)
    }
}

fn read_units(
    sheet: &SheetReader,
    cols: &HashMap<&str, usize>,
    known: &Known,
    errors: &mut Vec<String>,
) -> Vec<UnitRow> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in 1..sheet.height() {
        if sheet.blank_row(r) {
            continue;
        }
        // A cell that could not be read (a formula, say) has its own message; the checks
        // that depend on it are skipped rather than piling up.
        let mut read = |c: &str| {
            let before = errors.len();
            let v = sheet.text(r, cols[c], errors);
            (errors.len() == before).then_some(v)
        };
        let (code, name, tier_code) = (read(UNIT_CODE), read(UNIT_NAME), read(TIER));
        let name = name.filter(|n| !sheet.breaks_rules(r, cols[UNIT_NAME], n, limit::NAME, errors));
        let at = |c: &str| sheet.place(r, cols[c]);
        let Some(code) = code else { continue };
        if code.is_empty() {
            errors.push(format!("{}: thiếu mã đơn vị.", at(UNIT_CODE)));
            continue;
        }
        if !valid_unit_code(&code) {
            errors.push(format!(
                "{}: mã đơn vị «{code}» chỉ được gồm chữ không dấu, chữ số và . _ - (không có khoảng trắng).",
                at(UNIT_CODE)
            ));
            continue;
        }
        if let Some(first) = seen.insert(key(&code), sheet.row_number(r)) {
            errors.push(format!(
                "{}: mã đơn vị «{code}» đã có ở dòng {first}; mỗi đơn vị một dòng.",
                at(UNIT_CODE)
            ));
            continue;
        }
        let code = match known.units.get(&key(&code)) {
            None => code,
            Some((stored, true)) => stored.clone(),
            Some((stored, false)) => {
                errors.push(format!(
                    "{}: đơn vị «{stored}» đã ngừng hoạt động; không sửa được qua tệp nhập.",
                    at(UNIT_CODE)
                ));
                continue;
            }
        };
        if name.as_deref() == Some("") {
            errors.push(format!("{}: thiếu tên đơn vị «{code}».", at(UNIT_NAME)));
        }
        if let Some(tier) = tier_code.as_ref().filter(|t| !known.tier_codes.contains(t)) {
            errors.push(format!(
                "{}: mã khối «{tier}» không có; các khối hiện có: {}.",
                at(TIER),
                known.tier_codes.join(", ")
            ));
        }
        if let (Some(name), Some(tier_code)) = (name, tier_code) {
            out.push(UnitRow {
                row: sheet.row_number(r),
                code,
                name,
                tier_code,
                predecessors: None,
            });
        }
    }
    out
}

/// The column of an optional heading, whatever the case of its letters.
fn optional_column(sheet: &SheetReader, heading: &str) -> Option<usize> {
    let mut ignored = Vec::new();
    (0..sheet.width())
        .find(|c| sheet.text(0, *c, &mut ignored).to_lowercase() == heading.to_lowercase())
}

/// The optional column «Đơn vị tiền thân»: each unit's predecessors, by code, each a unit
/// of the directory (retired ones too: merged units are) or of the file, never the unit
/// itself.
fn read_predecessors(
    sheet: &SheetReader,
    cols: &HashMap<&str, usize>,
    known: &Known,
    units: &mut [UnitRow],
    errors: &mut Vec<String>,
) {
    let Some(col) = optional_column(sheet, PREDECESSORS) else {
        return;
    };
    let in_file: HashMap<String, String> = units
        .iter()
        .map(|u| (key(&u.code), u.code.clone()))
        .collect();
    for r in 1..sheet.height() {
        if sheet.blank_row(r) {
            continue;
        }
        let mut cell_errors = Vec::new();
        let code = sheet.text(r, cols[UNIT_CODE], &mut cell_errors);
        let text = sheet.text(r, col, errors);
        let Some(unit) = units.iter_mut().find(|u| key(&u.code) == key(&code)) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let at = sheet.place(r, col);
        let mut codes = Vec::new();
        for p in text
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let stored = match known.units.get(&key(p)) {
                Some((stored, _)) => Some(stored.clone()),
                None => in_file.get(&key(p)).cloned(),
            };
            match stored {
                None => errors.push(format!(
                    "{at}: không có đơn vị mã «{p}» trong danh mục hay trong tệp."
                )),
                Some(stored) if key(&stored) == key(&unit.code) => errors.push(format!(
                    "{at}: đơn vị «{}» không thể là đơn vị tiền thân của chính nó.",
                    unit.code
                )),
                Some(stored) if !codes.contains(&stored) => codes.push(stored),
                Some(_) => {}
            }
        }
        unit.predecessors = Some(codes);
    }
}

fn read_users(
    sheet: &SheetReader,
    cols: &HashMap<&str, usize>,
    unit_codes: &HashMap<String, Option<String>>,
    errors: &mut Vec<String>,
) -> Vec<UserRow> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let role_list = Role::ALL
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ");
    let email_column = optional_column(sheet, EMAIL);
    for r in 1..sheet.height() {
        if sheet.blank_row(r) {
            continue;
        }
        let mut read = |c: &str| {
            let before = errors.len();
            let v = sheet.text(r, cols[c], errors);
            (errors.len() == before).then_some(v)
        };
        let typed = read(USERNAME);
        let display_name = read(FULL_NAME);
        let role_text = read(ROLE);
        let unit_code = read(UNIT_CODE);
        let display_name = display_name
            .filter(|n| !sheet.breaks_rules(r, cols[FULL_NAME], n, limit::NAME, errors));
        let valid_until = if sheet.is_formula(r, cols[VALID_UNTIL]) {
            errors.push(format!(
                "{}: ô chứa công thức; hãy dán giá trị thay cho công thức.",
                sheet.place(r, cols[VALID_UNTIL])
            ));
            None
        } else {
            date_cell(sheet, r, cols[VALID_UNTIL])
                .map_err(|e| errors.push(e))
                .unwrap_or(None)
        };
        let email = match email_column {
            None => None,
            Some(c) => {
                let before = errors.len();
                let text = sheet.text(r, c, errors);
                let text = text.trim();
                if errors.len() > before || text.is_empty() {
                    None
                } else if !crate::domain::text::is_email_address(text) {
                    errors.push(format!(
                        "{}: «{text}» không phải là địa chỉ thư điện tử (ví dụ: nguyenvana@cantho.gov.vn).",
                        sheet.place(r, c)
                    ));
                    None
                } else {
                    Some(text.to_string())
                }
            }
        };
        let at = |c: &str| sheet.place(r, cols[c]);
        let Some(typed) = typed else { continue };
        let username = typed.to_lowercase();
        if username.is_empty() {
            errors.push(format!("{}: thiếu tên đăng nhập.", at(USERNAME)));
            continue;
        }
        if !valid_username(&username) {
            errors.push(format!(
                "{}: tên đăng nhập «{typed}» cần 3–64 ký tự gồm chữ thường không dấu, chữ số và . _ - @.",
                at(USERNAME)
            ));
            continue;
        }
        if let Some(first) = seen.insert(username.clone(), sheet.row_number(r)) {
            errors.push(format!(
                "{}: tên đăng nhập «{typed}» đã có ở dòng {first}; mỗi người dùng một dòng.",
                at(USERNAME)
            ));
            continue;
        }
        if display_name.as_deref() == Some("") {
            errors.push(format!("{}: thiếu họ và tên của «{typed}».", at(FULL_NAME)));
        }
        let (Some(role_text), Some(unit_code), Some(display_name)) =
            (role_text, unit_code, display_name)
        else {
            continue;
        };
        let Some(role) = role_from(&role_text) else {
            errors.push(format!(
                "{}: vai trò «{role_text}» không có; chọn một trong: {role_list}.",
                at(ROLE)
            ));
            continue;
        };
        let unit_code = Some(unit_code).filter(|c| !c.is_empty());
        let stored_unit = unit_code.as_deref().map(|c| unit_codes.get(&key(c)));
        // An appraiser's unit is the appraising department they belong to (optional).
        let may_have_unit = role.is_unit_role() || role == Role::Appraiser;
        match (&unit_code, may_have_unit) {
            (Some(code), true) => match stored_unit.flatten() {
                None => errors.push(format!(
                    "{}: mã đơn vị «{code}» không có trong danh mục đơn vị.",
                    at(UNIT_CODE)
                )),
                Some(None) => errors.push(format!(
                    "{}: đơn vị «{code}» đã ngừng hoạt động; không gắn người dùng mới vào được.",
                    at(UNIT_CODE)
                )),
                Some(Some(_)) => {}
            },
            (None, true) if role.is_unit_role() => errors.push(format!(
                "{}: {} cần mã đơn vị.",
                at(UNIT_CODE),
                role.label()
            )),
            (Some(code), false) => errors.push(format!(
                "{}: {} không gắn với đơn vị nào; hãy để trống ô «{code}».",
                at(UNIT_CODE),
                role.label()
            )),
            _ => {}
        }
        out.push(UserRow {
            row: sheet.row_number(r),
            username,
            display_name,
            role,
            // As stored, whatever case the file used.
            unit_code: stored_unit.flatten().and_then(Clone::clone).or(unit_code),
            valid_until,
            email,
        });
    }
    out
}

/// A user for the template: their unit's code and the last day of their account.
pub struct TemplateUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub valid_until: Option<NaiveDate>,
    pub email: Option<String>,
}

/// The template: the current units and users, with lists to pick tiers and roles from and
/// a date column formatted dd/mm/yyyy.
/// A unit as the template lists it: code, name, tier code, and its predecessors' codes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TemplateUnit {
    pub code: String,
    pub name: String,
    pub tier_code: String,
    pub predecessors: Vec<String>,
}

pub fn template(
    tier_codes: &[String],
    units: &[TemplateUnit],
    users: &[TemplateUser],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_font_name("Times New Roman")
        .set_background_color("#DDEBF7");
    let plain = Format::new().set_font_name("Times New Roman");
    let text = plain.clone().set_num_format("@");
    let date = plain.clone().set_num_format("dd/mm/yyyy");
    const LAST: u32 = 10_000;

    let sheet = workbook.add_worksheet();
    sheet.set_name(UNITS)?;
    for (c, h) in [UNIT_CODE, UNIT_NAME, TIER, PREDECESSORS]
        .iter()
        .enumerate()
    {
        sheet.write_text(0, c as u16, h, &bold)?;
    }
    for (r, u) in units.iter().enumerate() {
        let r = 1 + r as u32;
        sheet.write_text(r, 0, &u.code, &text)?;
        sheet.write_text(r, 1, &u.name, &plain)?;
        sheet.write_text(r, 2, &u.tier_code, &text)?;
        if !u.predecessors.is_empty() {
            sheet.write_text(r, 3, &u.predecessors.join(", "), &text)?;
        }
    }
    sheet.set_column_format(0, &text)?;
    sheet.set_column_format(3, &text)?;
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 55)?;
    sheet.set_column_width(2, 10)?;
    sheet.set_column_width(3, 30)?;
    let tiers = DataValidation::new()
        .allow_list_strings(&tier_codes.iter().map(String::as_str).collect::<Vec<_>>())?
        .set_error_title("Mã khối")?
        .set_error_message("Chọn một mã khối trong danh sách.")?;
    sheet.add_data_validation(1, 2, LAST, 2, &tiers)?;
    sheet.set_freeze_panes(1, 0)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(USERS)?;
    for (c, h) in [USERNAME, FULL_NAME, ROLE, UNIT_CODE, VALID_UNTIL, EMAIL]
        .iter()
        .enumerate()
    {
        sheet.write_text(0, c as u16, h, &bold)?;
    }
    for (r, u) in users.iter().enumerate() {
        let r = 1 + r as u32;
        sheet.write_text(r, 0, &u.username, &text)?;
        sheet.write_text(r, 1, &u.display_name, &plain)?;
        sheet.write_text(r, 2, u.role.label(), &plain)?;
        if let Some(code) = &u.unit_code {
            sheet.write_text(r, 3, code, &text)?;
        }
        if let Some(d) = u.valid_until {
            sheet.write_date_with_format(r, 4, d, &date)?;
        }
        if let Some(email) = &u.email {
            sheet.write_text(r, 5, email, &text)?;
        }
    }
    sheet.set_column_format(0, &text)?;
    sheet.set_column_format(3, &text)?;
    sheet.set_column_format(4, &date)?;
    sheet.set_column_format(5, &text)?;
    for (c, w) in [(0, 22), (1, 32), (2, 24), (3, 14), (4, 14), (5, 32)] {
        sheet.set_column_width(c, w)?;
    }
    let labels: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
    let roles = DataValidation::new()
        .allow_list_strings(&labels)?
        .set_error_title("Vai trò")?
        .set_error_message("Chọn một vai trò trong danh sách.")?;
    sheet.add_data_validation(1, 2, LAST, 2, &roles)?;
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_by_label_or_code() {
        assert_eq!(role_from("Cán bộ đơn vị"), Some(Role::Officer));
        assert_eq!(role_from("  thủ trưởng đơn vị "), Some(Role::Head));
        assert_eq!(role_from("appraiser"), Some(Role::Appraiser));
        assert_eq!(role_from("Trưởng phòng"), None);
    }

    #[test]
    fn dates_as_people_type_them() {
        let book = |text: &str| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name(USERS).expect("name");
            sheet.write_string(0, 0, text).expect("write");
            workbook.save_to_buffer().expect("xlsx")
        };
        let read = |text: &str| {
            let bytes = book(text);
            let mut xlsx = crate::excel::sheet::open(&bytes).expect("xlsx");
            let sheet = SheetReader::open(&mut xlsx, USERS).expect("sheet");
            date_cell(&sheet, 0, 0)
        };
        assert_eq!(
            read("31/12/2024"),
            Ok(NaiveDate::from_ymd_opt(2024, 12, 31))
        );
        assert_eq!(read("1/7/2024"), Ok(NaiveDate::from_ymd_opt(2024, 7, 1)));
        for wrong in [
            "31/02/2024",
            "1/7/24",
            "01/07/0024",
            "2024-07-01",
            "hết năm",
        ] {
            assert!(read(wrong).is_err(), "{wrong}");
        }
        // Real Excel dates obey the same years as typed ones.
        let excel_date = |date: NaiveDate| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name(USERS).expect("name");
            let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            sheet
                .write_date_with_format(0, 0, date, &format)
                .expect("write");
            let bytes = workbook.save_to_buffer().expect("xlsx");
            let mut xlsx = crate::excel::sheet::open(&bytes).expect("xlsx");
            let sheet = SheetReader::open(&mut xlsx, USERS).expect("sheet");
            date_cell(&sheet, 0, 0)
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(excel_date(day(2025, 6, 30)), Ok(Some(day(2025, 6, 30))));
        for far in [day(1999, 12, 31), day(2101, 1, 1), day(1900, 3, 1)] {
            let refused = excel_date(far).expect_err("outside 2000–2100");
            assert!(refused.contains("ngoài các năm 2000–2100"), "{refused}");
        }
    }

    #[test]
    fn usernames_and_unit_codes() {
        assert!(valid_unit_code("SNV"));
        assert!(valid_unit_code("XA-01"));
        assert!(!valid_unit_code("Sở Nội vụ"));
    }
}
