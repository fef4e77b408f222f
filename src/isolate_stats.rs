//! A line per isolate at its first request and every [`REPORT_EVERY`] requests after it:
//! a random isolate id, the requests it has served, its wasm memory and the JS values it
//! holds (wasm-bindgen's live references; a leak of them grows the JS heap, not wasm's). A load run reads
//! these to tell a restarted isolate (a second id) or a growing heap apart from failures
//! of the local dev proxy in front of the runtime.

/// How often (in requests served by one isolate) the line is written after the first.
pub const REPORT_EVERY: u64 = 1000;

/// Whether the `served`-th request of an isolate reports.
pub fn report_due(served: u64) -> bool {
    served == 1 || (served > 0 && served.is_multiple_of(REPORT_EVERY))
}

/// The line, in a fixed format `scripts/load.mjs` parses.
pub fn line(isolate_id: &str, served: u64, memory_bytes: u64, js_refs: u32) -> String {
    format!(
        "isolate {isolate_id}: {served} requests served, wasm memory {} KiB, {js_refs} live JS references",
        memory_bytes / 1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_first_request_then_every_thousandth() {
        let due: Vec<u64> = (0..=3000).filter(|&n| report_due(n)).collect();
        assert_eq!(due, vec![1, 1000, 2000, 3000]);
    }

    #[test]
    fn the_line_names_isolate_count_and_memory_in_kib() {
        assert_eq!(
            line("a1b2c3d4", 2000, 3 * 1024 * 1024, 17),
            "isolate a1b2c3d4: 2000 requests served, wasm memory 3072 KiB, 17 live JS references"
        );
    }
}
