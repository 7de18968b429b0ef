//! `parindex-bench import`: hostile workbooks ([`hostile`]) read by each import, each in a
//! process of its own, beside a legitimate directory read by calamine alone.

use std::time::Instant;

use rust_xlsxwriter::Workbook;

use crate::memory::{reset_peak, status_mib};
use crate::support::hostile;

/// What one child of `parindex-bench import` reads.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ImportKind {
    Directory,
    Criteria,
    Survey,
}

impl ImportKind {
    fn label(self) -> &'static str {
        match self {
            ImportKind::Directory => "đơn vị, người dùng",
            ImportKind::Criteria => "bộ tiêu chí",
            ImportKind::Survey => "điều tra XHH",
        }
    }

    fn layout(self) -> hostile::Layout {
        match self {
            ImportKind::Directory => hostile::DIRECTORY,
            ImportKind::Criteria => hostile::CRITERIA,
            ImportKind::Survey => hostile::SURVEY,
        }
    }
}

/// `parindex-bench import`: each hostile workbook ([`hostile`]) read by each import, each
/// in a process of its own (so that one's memory is not another's), with the time and
/// how far its resident memory rose; beside them, the floor: a legitimate directory of
/// 50 000 units read by calamine alone and by the import.
pub fn run_imports() -> anyhow::Result<()> {
    let folder = tempfile::tempdir()?;
    let exe = std::env::current_exe()?;
    let child = |file: &std::path::Path, kind: ImportKind, floor: bool| -> anyhow::Result<String> {
        let kind = format!("{kind:?}").to_lowercase();
        let mut command = std::process::Command::new(&exe);
        command
            .args(["import", "--import", &kind, "--file"])
            .arg(file);
        if floor {
            command.arg("--calamine-alone");
        }
        let out = command.output()?;
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    };
    println!(
        "{:<60} {:>9}   bộ nhớ tăng",
        "tệp (dung lượng) → nhập", "thời gian"
    );
    for kind in [
        ImportKind::Directory,
        ImportKind::Criteria,
        ImportKind::Survey,
    ] {
        for (i, hostile) in hostile::workbooks(kind.layout())?.into_iter().enumerate() {
            let file = folder.path().join(format!("{kind:?}-{i}.xlsx"));
            std::fs::write(&file, &hostile.bytes)?;
            let label = format!(
                "{} ({} KB) → {}",
                hostile.name,
                hostile.bytes.len() / 1024,
                kind.label()
            );
            println!("{label:<60} {}", child(&file, kind, false)?);
        }
    }
    // The floor: a directory at the import's size limits, legitimately.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Đơn vị")?;
    for (col, head) in hostile::DIRECTORY.header.iter().enumerate() {
        sheet.write_string(0, col as u16, *head)?;
    }
    for row in 1..50_000u32 {
        sheet.write_string(row, 0, format!("X{row:05}"))?;
        sheet.write_string(row, 1, format!("UBND xã số {row} huyện Phong Điền"))?;
        sheet.write_string(row, 2, "xa")?;
    }
    let bytes = book.save_to_buffer()?;
    let file = folder.path().join("floor.xlsx");
    std::fs::write(&file, &bytes)?;
    println!("mức sàn: 50 000 đơn vị hợp lệ ({} KB)", bytes.len() / 1024);
    let label = "  calamine một mình đọc cả trang";
    println!("{label:<60} {}", child(&file, ImportKind::Directory, true)?);
    let label = "  parindex kiểm tra cả tệp";
    println!(
        "{label:<60} {}",
        child(&file, ImportKind::Directory, false)?
    );
    Ok(())
}

/// One child of `parindex-bench import`: reads `file` with one import (or calamine alone)
/// and prints the time, how far resident memory rose, and the first problem found.
pub fn run_one_import(
    file: &std::path::Path,
    kind: ImportKind,
    calamine_alone: bool,
) -> anyhow::Result<()> {
    use parindex::excel::{criteria_workbook, directory_import, survey_import};
    let bytes = std::fs::read(file)?;
    let known = directory_import::Known {
        tier_codes: vec!["xa".into()],
        units: Default::default(),
    };
    reset_peak();
    let before = status_mib("VmRSS:").unwrap_or(f64::NAN);
    let started = Instant::now();
    let outcome: Result<String, Vec<String>> = if calamine_alone {
        use calamine::Reader;
        let mut xlsx: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.as_slice()))?;
        let range = xlsx.worksheet_range("Đơn vị")?;
        Ok(format!("{} dòng", range.height()))
    } else {
        match kind {
            ImportKind::Directory => {
                directory_import::read(&bytes, &known).map(|d| format!("{} đơn vị", d.units.len()))
            }
            ImportKind::Criteria => {
                criteria_workbook::import("x.xlsx", &bytes).map(|_| "đọc được".into())
            }
            ImportKind::Survey => survey_import::read(&bytes, &Default::default())
                .map(|s| format!("{} điểm", s.len())),
        }
    };
    let took = started.elapsed();
    let peak = status_mib("VmHWM:").unwrap_or(f64::NAN);
    let said = match outcome {
        Ok(read) => format!("nhận: {read}"),
        Err(problems) => problems.first().cloned().unwrap_or_default(),
    };
    println!(
        "{:>7.2} s   +{:.0} MiB\n      {}",
        took.as_secs_f64(),
        peak - before,
        said.chars().take(140).collect::<String>()
    );
    Ok(())
}
