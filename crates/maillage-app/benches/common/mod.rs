//! What the benchmark binaries share: timing one step, and the process's peak resident
//! memory, read from Linux's `/proc/self/status` (NaN elsewhere).

use std::time::Instant;

/// Runs one step of a benchmark: its result and the seconds it took.
pub fn timed<T>(step: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let result = step();
    (result, start.elapsed().as_secs_f64())
}

/// The peak resident set size so far (`VmHWM`), in MB.
pub fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
