//! Hostile import workbooks, as an attacker or an unlucky user would send them: small
//! files that declare a sheet to its last cell, inflate to hundreds of megabytes, use a
//! huge area, or hold texts and characters no one may type. `parindex-bench import`
//! measures what reading them costs; the test suite sends them to every import.

use std::io::{Cursor, Read, Write};

use rust_xlsxwriter::{Formula, Workbook, Worksheet, XlsxError};
use zip::write::SimpleFileOptions;

const MIB: usize = 1024 * 1024;

/// A hostile workbook and a fragment of the refusal it must get.
pub struct Hostile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub refusal: &'static str,
}

/// What an import reads: its sheets (the first is the one filled) and the header row
/// that sheet needs.
#[derive(Clone, Copy)]
pub struct Layout {
    pub sheets: &'static [&'static str],
    pub header: &'static [&'static str],
}

/// The three imports: units and users, a criteria set, survey scores.
pub const DIRECTORY: Layout = Layout {
    sheets: &["Đơn vị", "Người dùng"],
    header: &["Mã đơn vị", "Tên đơn vị", "Mã khối"],
};
pub const CRITERIA: Layout = Layout {
    sheets: &["Thông tin", "Tiêu chí"],
    header: &["Mã bộ", "CCHC-XA"],
};
pub const SURVEY: Layout = Layout {
    sheets: &["Điều tra XHH"],
    header: &["Mã đơn vị", "8.1"],
};

/// A workbook of `layout`: its header row, then what `fill` puts in the first sheet.
fn workbook(
    layout: Layout,
    fill: impl FnOnce(&mut Worksheet) -> Result<(), XlsxError>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let mut fill = Some(fill);
    for name in layout.sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name)?;
        for (col, head) in layout.header.iter().enumerate() {
            sheet.write_string(0, col as u16, *head)?;
        }
        if let Some(fill) = fill.take() {
            fill(sheet)?;
        }
    }
    book.save_to_buffer()
}

/// `bytes` with the part `part` written anew by `write`, given its XML; every other part
/// copied as it is.
fn rewritten(
    bytes: &[u8],
    part: &str,
    write: impl FnOnce(&str, &mut dyn Write) -> std::io::Result<()>,
) -> zip::result::ZipResult<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut write = Some(write);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        match write.take_if(|_| name == part) {
            None => out.raw_copy_file(file)?,
            Some(write) => {
                let mut xml = String::new();
                file.read_to_string(&mut xml)?;
                out.start_file(name, options)?;
                write(&xml, &mut out)?;
            }
        }
    }
    Ok(out.finish()?.into_inner())
}

/// `bytes` with the part `part` grown by `inflate` bytes of `filler` inserted before
/// `before` (the part's closing tag): a file a few hundred kilobytes long that inflates
/// past every cap.
fn inflated(
    bytes: &[u8],
    part: &str,
    before: &str,
    filler: &[u8],
    inflate: usize,
) -> zip::result::ZipResult<Vec<u8>> {
    rewritten(bytes, part, |xml, out| {
        let at = xml.rfind(before).unwrap_or(xml.len());
        out.write_all(&xml.as_bytes()[..at])?;
        let block = filler.repeat(MIB / filler.len());
        for _ in 0..inflate / block.len() {
            out.write_all(&block)?;
        }
        out.write_all(&xml.as_bytes()[at..])
    })
}

/// `bytes` with `from` replaced by `to` in the part `part` (texts rust_xlsxwriter refuses
/// to write, as another program could).
fn replaced(bytes: &[u8], part: &str, from: &str, to: &str) -> zip::result::ZipResult<Vec<u8>> {
    rewritten(bytes, part, |xml, out| {
        out.write_all(xml.replace(from, to).as_bytes())
    })
}

/// The hostile workbooks for an import of `layout`.
pub fn workbooks(names: Layout) -> anyhow::Result<Vec<Hostile>> {
    let mut all = vec![
        Hostile {
            name: "một ô ở XFD1048576",
            bytes: workbook(names, |s| {
                s.write_string(1_048_575, 16_383, "cuối").map(|_| ())
            })?,
            refusal: "XFD1048576",
        },
        Hostile {
            name: "hai ô cách xa (vùng 50 000 × 40)",
            bytes: workbook(names, |s| {
                s.write_number(49_999, 39, 1)?;
                Ok(())
            })?,
            refusal: "vùng quá lớn",
        },
        Hostile {
            name: "600 000 ô số trong phạm vi",
            bytes: workbook(names, |s| {
                for row in 1..15_001 {
                    for col in 0..40 {
                        s.write_number(row, col, f64::from(row))?;
                    }
                }
                Ok(())
            })?,
            refusal: "vùng quá lớn",
        },
        Hostile {
            name: "chữ 40 000 ký tự",
            bytes: replaced(
                &workbook(names, |s| {
                    s.write_string(1, 0, "X01")?;
                    s.write_string(1, 1, "CHỮ-DÀI")?;
                    Ok(())
                })?,
                "xl/sharedStrings.xml",
                "CHỮ-DÀI",
                &"ạ".repeat(40_000),
            )?,
            refusal: "40.000 ký tự",
        },
        Hostile {
            name: "ký tự NUL và điều khiển",
            bytes: workbook(names, |s| {
                s.write_string(1, 0, "X01")?;
                s.write_string(1, 1, "UBND\u{0}phường\u{7}")?;
                Ok(())
            })?,
            refusal: "ký tự điều khiển",
        },
        Hostile {
            name: "công thức",
            bytes: workbook(names, |s| {
                s.write_formula(1, 0, Formula::new("=1+1"))?;
                s.write_formula(1, 1, Formula::new("=A2&\"x\""))?;
                Ok(())
            })?,
            refusal: "công thức",
        },
    ];
    // The same strings referenced again and again would cost nothing to refuse; an
    // attacker inflates the part itself.
    let base = workbook(names, |s| {
        s.write_string(1, 0, "X01")?;
        s.write_string(1, 1, "UBND phường An Khánh")?;
        Ok(())
    })?;
    all.push(Hostile {
        name: "chữ dùng chung phình ra 256 MiB",
        bytes: inflated(
            &base,
            "xl/sharedStrings.xml",
            "</sst>",
            b"<si><t>UBND phuong An Khanh</t></si>",
            256 * MIB,
        )?,
        refusal: "sharedStrings",
    });
    all.push(Hostile {
        name: "trang tính phình ra 1 GiB",
        bytes: inflated(
            &base,
            "xl/worksheets/sheet1.xml",
            "</sheetData>",
            b"                                ",
            1024 * MIB,
        )?,
        refusal: "giải nén",
    });
    Ok(all)
}
