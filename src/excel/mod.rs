//! Excel (rust_xlsxwriter): the published ranking annex of a round, each unit's detail and
//! score sheet, built the way the Department of Home Affairs prints and signs them (A4
//! landscape at full size, Times New Roman, the parts of an administrative document,
//! header rows on every page, numbers stored as numbers); the criteria workbook; and the
//! imports (directory, survey, criteria).

pub mod analysis;
pub mod annex;
pub mod criteria_workbook;
mod detail;
pub mod directory_import;
pub(crate) mod document;
pub mod exemption_import;
pub(crate) mod layout;
pub mod minutes;
pub(crate) mod sheet;
pub mod survey_import;
pub(crate) mod table;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

pub use analysis::{round_analysis_workbook, unit_analysis_workbook};
pub use detail::{
    build_details_workbook, build_details_workbook_from, details_workbook, self_assessment_workbook,
};

use crate::report::RoundResults;

/// Writing text that a spreadsheet must never take for a formula: a cell whose text starts
/// with `=`, `+`, `-` or `@` (an explanation «=HYPERLINK(…)», a name «-» typed by a unit)
/// is marked quoted, as Excel marks text typed after an apostrophe. The text itself is
/// unchanged, so imports read back exactly what was written.
pub(crate) trait TextCells {
    fn write_text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError>;

    fn merge_text(
        &mut self,
        row: u32,
        first_col: u16,
        last_col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError>;
}

/// `format`, quoted when `text` would otherwise read as a formula.
pub(crate) fn quoted_if_needed<'a>(text: &str, format: &'a Format) -> std::borrow::Cow<'a, Format> {
    if text.starts_with(['=', '+', '-', '@']) {
        std::borrow::Cow::Owned(format.clone().set_quote_prefix())
    } else {
        std::borrow::Cow::Borrowed(format)
    }
}

impl TextCells for Worksheet {
    fn write_text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.write_string_with_format(row, col, text, &quoted_if_needed(text, format))
    }

    fn merge_text(
        &mut self,
        row: u32,
        first_col: u16,
        last_col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.merge_range(
            row,
            first_col,
            row,
            last_col,
            text,
            &quoted_if_needed(text, format),
        )
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
    clean.chars().take(31).collect()
}

/// Sheet names that Excel sees as different: it compares them ignoring case, and two
/// units' "code name" may agree in their first 31 characters.
#[derive(Default)]
struct SheetNames(std::collections::HashSet<String>);

impl SheetNames {
    fn unique(&mut self, wanted: &str) -> String {
        let base = sheet_name(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.0.insert(name.to_lowercase()) {
            let suffix = format!(" ({n})");
            let room = 31 - suffix.chars().count();
            name = format!("{}{suffix}", base.chars().take(room).collect::<String>());
            n += 1;
        }
        name
    }
}

/// The ranking workbook of a round: the annex as it is signed (see [`annex`]), dated in
/// the year of `today` (in Vietnam). Not yet saved: save it to a file to stream it.
pub fn build_ranking_workbook(
    results: &RoundResults,
    issuer: &str,
    annex: &annex::Annex,
    today: NaiveDate,
) -> Result<Workbook, XlsxError> {
    annex::build_annex(results, issuer, annex, today)
}

/// The ranking workbook, in memory.
pub fn ranking_workbook(
    results: &RoundResults,
    issuer: &str,
    annex: &annex::Annex,
    today: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    build_ranking_workbook(results, issuer, annex, today)?.save_to_buffer()
}

#[cfg(test)]
mod sheet_name_tests {
    #[test]
    fn names_excel_would_confuse_get_a_number() {
        let mut names = super::SheetNames::default();
        let long = "SO-01 Sở Thông tin và Truyền thông thành phố";
        assert_eq!(names.unique(long), "SO-01 Sở Thông tin và Truyền th");
        assert_eq!(names.unique(long), "SO-01 Sở Thông tin và Truyề (2)");
        assert_eq!(names.unique("a Phường 1"), "a Phường 1");
        assert_eq!(names.unique("A PHƯỜNG 1"), "A PHƯỜNG 1 (2)");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(
            super::sheet_name("Khối sở, ban, ngành"),
            "Khối sở, ban, ngành"
        );
        assert_eq!(
            super::sheet_name("Khối UBND xã, phường, thị trấn [2023]/A"),
            "Khối UBND xã, phường, thị trấn "
        );
    }
}
