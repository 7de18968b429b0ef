//! The `parindex-bench` binary runs and prints its figures.

#[test]
fn the_export_benchmark_runs_and_prints_its_figures() {
    // A small run: the figures themselves are for people to read, never asserted.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_parindex-bench"))
        .args(["export", "--units", "30", "--leaves", "10"])
        .env("RUST_LOG", "error")
        .output()
        .expect("run parindex-bench");
    let out =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{out}");
    assert!(
        out.contains("Kỳ đánh giá giả lập: 30 đơn vị trong 3 khối × 10 tiêu chí thành phần"),
        "{out}"
    );
    for line in [
        "Bảng xếp hạng (tổng hợp, 3 khối, biểu đồ) — parindex",
        "Cùng các ô, chỉ rust_xlsxwriter",
        "Chi tiết từng đơn vị (tệp riêng) — parindex",
        "Kích thước: xếp hạng",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
}
