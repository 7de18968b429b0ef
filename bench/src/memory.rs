//! What a process holds in memory, from /proc (Linux): its resident size and peak.

/// A figure of this process from /proc/self/status (Linux), in MiB.
pub fn status_mib(field: &str) -> Option<f64> {
    process_status_mib("self", field)
}

/// A figure of process `pid` ("self" for this one) from /proc/PID/status (Linux), in MiB.
pub fn process_status_mib(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak to the current resident size (Linux: write 5 to clear_refs).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
