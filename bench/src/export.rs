//! `parindex-bench export`: the ranking workbook of a synthetic national-scale round, and
//! its detail workbook, timed and measured beside rust_xlsxwriter writing the same cells
//! with nothing else.

use std::time::Instant;

use parindex::domain::results::{AreaResult, UnitResult};
use parindex::domain::{Percent, Points};
use parindex::excel;
use parindex::report::{AreaHeading, DetailRow, RoundResults, TierResults, UnitDetail};
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::memory::{reset_peak, status_mib};

/// Runs one step and prints its time, the resident peak during it, and how far that peak
/// rose above what was resident when the step began (what the step itself needed).
fn measure<T>(label: &str, f: impl FnOnce() -> Result<T, XlsxError>) -> Result<T, XlsxError> {
    reset_peak();
    let before = status_mib("VmRSS:");
    let start = Instant::now();
    let out = f()?;
    let elapsed = start.elapsed();
    let peak = status_mib("VmHWM:");
    let figures = match (peak, before) {
        (Some(p), Some(b)) => format!("đỉnh bộ nhớ {p:.0} MiB (+{:.0} MiB)", p - b),
        _ => "đỉnh bộ nhớ ?".to_string(),
    };
    println!("{label:<58} {:>8.2} s   {figures}", elapsed.as_secs_f64());
    Ok(out)
}

fn synthetic(units: usize, leaves: usize) -> (RoundResults, Vec<UnitDetail>) {
    let tiers = [
        "Khối sở, ban, ngành",
        "Khối UBND quận, huyện",
        "Khối UBND xã, phường, thị trấn",
    ];
    let areas: Vec<AreaHeading> = (1..=8)
        .map(|a| AreaHeading {
            code: a.to_string(),
            text: format!("Lĩnh vực {a}"),
            max: Points::whole(12),
        })
        .collect();
    let mut details = Vec::with_capacity(units);
    let mut tier_results: Vec<TierResults> = tiers
        .iter()
        .map(|t| TierResults {
            tier_code: t.to_string(),
            tier_name: t.to_string(),
            set_code: "CCHC".into(),
            set_version: "2025".into(),
            areas: areas.clone(),
            provisional: false,
            units: Vec::new(),
        })
        .collect();
    for i in 0..units {
        let index = 6000 + (i as i64 * 7919) % 4000; // 60,00% .. 99,99%
        let name = format!("UBND xã Thử Nghiệm số {i:05}");
        tier_results[i % 3].units.push(UnitResult {
            note: None,
            unit_id: i as i64,
            unit_code: format!("U{i:05}"),
            unit_name: name.clone(),
            self_total: Points::from_hundredths(index),
            appraised_total: Points::from_hundredths(index - 150),
            survey_total: Points::from_hundredths(2500),
            bonus: Points::ZERO,
            penalty: Points::ZERO,
            final_total: Points::from_hundredths(index),
            applicable_max: Points::whole(100),
            index: Percent::from_hundredths(index),
            areas: (1..=8)
                .map(|a| AreaResult {
                    code: a.to_string(),
                    points: Points::whole(10),
                    max: Points::whole(12),
                    index: Some(Percent::from_hundredths(8333)),
                })
                .collect(),
            provisional: false,
            rank: 0,
            classification: Some("Khá".into()),
        });
        let rows = (0..leaves)
            .map(|l| DetailRow {
                figures: String::new(),
                self_input: None,
                appraised_input: None,
                code: format!("{}.{}", l % 8 + 1, l / 8 + 1),
                text: format!("Tiêu chí thành phần số {l} về cải cách hành chính"),
                depth: 2,
                is_leaf: true,
                max: Points::whole(1),
                self_points: Some(Points::from_hundredths(75)),
                appraised: Some(Points::from_hundredths(50)),
                not_applicable: false,
                survey: false,
                unit_note: "Có tài liệu kiểm chứng".into(),
                appraiser_note: String::new(),
                evidence_count: 1,
            })
            .collect();
        details.push(UnitDetail {
            round_title: "Chỉ số CCHC năm 2025".into(),
            year: 2025,
            tier_code: tiers[i % 3].to_string(),
            tier_name: tiers[i % 3].to_string(),
            unit_code: format!("U{i:05}"),
            unit_name: name,
            submitted: true,
            submitted_at: None,
            submitted_by: None,
            result: tier_results[i % 3].units.last().cloned(),
            rows,
        });
    }
    // Tier by tier, as the server reads them for the detail workbook.
    details.sort_by_key(|d| tiers.iter().position(|t| *t == d.tier_code));
    for tier in &mut tier_results {
        parindex::domain::results::rank(&mut tier.units, Default::default(), |a, b| a.cmp(b));
    }
    let results = RoundResults {
        round_id: 0,
        year: 2025,
        title: "Chỉ số CCHC năm 2025".into(),
        published_at: None,
        tiers: tier_results,
    };
    (results, details)
}

/// The same cells as the ranking workbook (tier sheets), with rust_xlsxwriter alone.
fn plain_ranking(results: &RoundResults) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    for tier in &results.tiers {
        let sheet = workbook.add_worksheet();
        for (r, u) in tier.units.iter().enumerate() {
            let row = r as u32 + 4;
            sheet.write_number(row, 0, r as f64)?;
            sheet.write_string(row, 1, &u.unit_name)?;
            for c in 2..10 {
                sheet.write_number(row, c, u.index.hundredths() as f64 / 100.0)?;
            }
            sheet.write_string(row, 10, "Khá")?;
            for c in 11..19 {
                sheet.write_number(row, c, 83.33)?;
            }
        }
    }
    workbook.save_to_buffer()
}

/// The same cells as the detail workbook, with rust_xlsxwriter alone (constant memory, a
/// sheet per tier, the units one below the other).
fn plain_details(details: &[UnitDetail]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    for tier in details.chunk_by(|a, b| a.tier_code == b.tier_code) {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        let mut r = 0;
        for d in tier {
            r += 4;
            for row in &d.rows {
                sheet.write_string(r, 0, &row.code)?;
                sheet.write_string(r, 1, &row.text)?;
                for c in 2..6 {
                    sheet.write_number(r, c, 0.75)?;
                }
                sheet.write_string(r, 6, &row.unit_note)?;
                sheet.write_number(r, 8, 1.0)?;
                r += 1;
            }
        }
    }
    workbook.save_to_buffer()
}

/// Counts what would go to the client, keeping none of it.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Saves a workbook the way the server streams it; returns the size in bytes.
fn streamed(mut workbook: Workbook) -> Result<u64, XlsxError> {
    let mut sink = CountingSink(0);
    workbook.save_to_writer(&mut sink)?;
    Ok(sink.0)
}

/// The day the workbooks are dated, in Vietnam.
fn today() -> chrono::NaiveDate {
    parindex::domain::deadline::vn_date(chrono::Utc::now().timestamp())
}

/// Runs the benchmark and prints the figures.
pub fn run(units: usize, leaves: usize) -> Result<(), XlsxError> {
    println!("Kỳ đánh giá giả lập: {units} đơn vị trong 3 khối × {leaves} tiêu chí thành phần");
    let (results, details) = measure("Tạo dữ liệu giả lập", || {
        Ok(synthetic(units, leaves))
    })?;
    // Only the sizes are kept, so that one step's file does not weigh on the next.
    let ranking = measure(
        "Bảng xếp hạng (tổng hợp, 3 khối, biểu đồ) — parindex",
        || excel::ranking_workbook(&results, "Sở Nội vụ", &Default::default(), today()),
    )?
    .len();
    let plain = measure("Cùng các ô, chỉ rust_xlsxwriter", || {
        plain_ranking(&results)
    })?
    .len();
    let detail = measure(
        "Chi tiết từng đơn vị (tệp riêng) — parindex",
        || excel::details_workbook(&details, "Sở Nội vụ"),
    )?
    .len();
    let plain_detail = measure("Cùng các ô chi tiết, chỉ rust_xlsxwriter", || {
        plain_details(&details)
    })?
    .len();
    // What the server does: build, then stream the zip to the client as it is written.
    let streamed_ranking = measure(
        "Bảng xếp hạng — tải về (ghi thẳng ra luồng)",
        || {
            streamed(excel::build_ranking_workbook(
                &results,
                "Sở Nội vụ",
                &Default::default(),
                today(),
            )?)
        },
    )?;
    let streamed_detail = measure(
        "Chi tiết từng đơn vị — tải về (ghi thẳng ra luồng)",
        || streamed(excel::build_details_workbook(&details, "Sở Nội vụ")?),
    )?;
    println!(
        "Kích thước: xếp hạng {:.1} MB (thuần {:.1} MB, tải về {:.1} MB); chi tiết {:.1} MB (thuần {:.1} MB, tải về {:.1} MB)",
        ranking as f64 / 1e6,
        plain as f64 / 1e6,
        streamed_ranking as f64 / 1e6,
        detail as f64 / 1e6,
        plain_detail as f64 / 1e6,
        streamed_detail as f64 / 1e6
    );
    Ok(())
}
