//! The publication package (trọn bộ hồ sơ công bố): one zip with the draft decision, the
//! ranking annex and every unit's score sheet, written as a stream. The files in it are
//! zips already (.docx, .xlsx), so they are stored, not compressed again; only one unit's
//! score sheet, and one chunk of the units' details, is held at a time.
//!
//! Names inside the zip are plain ASCII («Bieu-tu-cham-diem/Khoi-so-ban-nganh/So-Noi-vu.xlsx»):
//! Windows' own zip folder, and older archivers, garble the Vietnamese letters of a name
//! even when the zip marks it UTF-8.

use std::collections::HashSet;
use std::io::Write;

use chrono::{DateTime, Utc};
use zip::write::SimpleFileOptions;

use super::decision::{Issuing, decision_docx};
use crate::report::{RoundResults, UnitDetail};

/// The folder of the units' score sheets, one sub-folder per tier.
pub const SHEETS: &str = "Bieu-tu-cham-diem";

/// The package's file name: «Hồ sơ công bố Chỉ số CCHC năm 2023.zip».
pub fn file_name(results: &RoundResults) -> String {
    format!("Hồ sơ công bố {}.zip", results.title)
}

/// A name readable on every system: «UBND phường An Khánh» → «UBND-phuong-An-Khanh»
/// (letters without their marks, anything else a dash), at most 80 characters.
pub fn plain_name(name: &str) -> String {
    let mut plain = String::new();
    for c in crate::domain::collation::without_marks(name).chars() {
        if c.is_ascii_alphanumeric() {
            plain.push(c);
        } else if !plain.is_empty() && !plain.ends_with('-') {
            plain.push('-');
        }
    }
    let plain: String = plain.trim_end_matches('-').chars().take(80).collect();
    match plain.trim_end_matches('-') {
        "" => "Don-vi".to_string(),
        p => p.to_string(),
    }
}

/// Writes the package of `results` to `out`: the decision (see [`decision_docx`]), the
/// annex workbook, then the score sheet of every unit whose details `details` yields,
/// chunk by chunk, each under its tier's folder. A failure of any part (or of `details`,
/// say the client left) stops the writing there.
pub fn write_package<W: Write>(
    out: W,
    results: &RoundResults,
    issuing: &Issuing,
    now: DateTime<Utc>,
    details: impl Iterator<Item = std::io::Result<Vec<UnitDetail>>>,
) -> std::io::Result<W> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let options = options(now);
    let decision = decision_docx(results, issuing, now)?;
    let name = plain_name(super::decision::file_name(results).trim_end_matches(".docx"));
    add(&mut zip, options, &format!("{name}.docx"), &decision)?;
    drop(decision);
    // Dated as the exports are: the day of making, in Vietnam.
    let today = crate::domain::deadline::vn_date(now.timestamp());
    let annex = crate::excel::ranking_workbook(results, issuing.issuer, issuing.annex, today)
        .map_err(std::io::Error::other)?;
    add(
        &mut zip,
        options,
        &format!(
            "Phu-luc-{}.xlsx",
            plain_name(&format!("Xếp hạng {}", results.title))
        ),
        &annex,
    )?;
    drop(annex);
    let mut taken = HashSet::new();
    for chunk in details {
        for detail in chunk? {
            let sheet = crate::excel::self_assessment_workbook(&detail, issuing.annex, today)
                .map_err(std::io::Error::other)?;
            add(&mut zip, options, &sheet_path(&detail, &mut taken), &sheet)?;
        }
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// «Bieu-tu-cham-diem/<tier>/<unit>.xlsx»; a unit whose plain name another unit of the tier
/// already took gets its code after it.
fn sheet_path(detail: &UnitDetail, taken: &mut HashSet<String>) -> String {
    let folder = format!("{SHEETS}/{}", plain_name(&detail.tier_name));
    let path = format!("{folder}/{}.xlsx", plain_name(&detail.unit_name));
    if taken.insert(path.to_lowercase()) {
        return path;
    }
    let path = format!(
        "{folder}/{}-{}.xlsx",
        plain_name(&detail.unit_name),
        plain_name(&detail.unit_code)
    );
    taken.insert(path.to_lowercase());
    path
}

/// How every file of the package is written: stored as it is (a .docx or .xlsx is a zip
/// already), dated when the package is made, in Vietnam's time as zip dates are local.
fn options(now: DateTime<Utc>) -> SimpleFileOptions {
    use chrono::{Datelike, Timelike};
    let t = now.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    // Every field fits its type; a year outside 1980–2107 keeps zip's default date.
    let made = zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).unwrap_or_default(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    );
    match made {
        Ok(made) => options.last_modified_time(made),
        Err(_) => options,
    }
}

/// One file of the package.
fn add<W: Write>(
    zip: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    options: SimpleFileOptions,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    zip.start_file(name, options)
        .map_err(std::io::Error::other)?;
    zip.write_all(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_plain_and_readable() {
        assert_eq!(
            super::plain_name("UBND phường An Khánh"),
            "UBND-phuong-An-Khanh"
        );
        assert_eq!(
            super::plain_name("Sở Văn hóa, Thể thao và Du lịch"),
            "So-Van-hoa-The-thao-va-Du-lich"
        );
        assert_eq!(super::plain_name("Đ/«»"), "D");
        assert_eq!(super::plain_name("«»"), "Don-vi");
    }
}
