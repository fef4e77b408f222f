//! Group commit of audit rows within an isolate. Each answered request adds its rows to
//! the isolate's queue; if no flush is running, that request's `waitUntil` becomes the
//! flusher and writes what is queued, one D1 batch (one transaction) per round, until
//! the queue is empty. Under load the rows of every request that finished during a
//! round go out together in the next: measured with `make load`, one transaction per
//! request cost 32% on the p50 (docs/performance.md). Every row is written by some
//! request's `waitUntil` (the flusher's), and a failed round is counted, never retried
//! into the answer path.

use super::Entry;
use std::cell::{Cell, RefCell};

/// The most rows one batch carries (22 bound values each; D1 runs a batch as one
/// transaction).
pub const MAX_ROWS_PER_BATCH: usize = 100;

/// A flush silent for this long is taken to be dead (its `waitUntil` cancelled by the
/// runtime) and the next request takes over, so rows never wait on a flush that ended.
pub const STALE_FLUSH_MS: u64 = 30_000;

#[derive(Debug, Default)]
pub struct GroupCommit {
    queued: RefCell<Vec<Entry>>,
    /// When the running flush last started a round; `None` when none runs.
    flushing: Cell<Option<u64>>,
}

impl GroupCommit {
    /// Queues `entries`; true when the caller must become the flusher (no live flush
    /// runs), false when a running flush will write them.
    pub fn enqueue(&self, entries: Vec<Entry>, now_ms: u64) -> bool {
        self.queued.borrow_mut().extend(entries);
        match self.flushing.get() {
            Some(at) if now_ms.saturating_sub(at) < STALE_FLUSH_MS => false,
            _ => {
                self.flushing.set(Some(now_ms));
                true
            }
        }
    }

    /// The flusher's next round (at most [`MAX_ROWS_PER_BATCH`] rows), or `None` when
    /// the queue is empty, which also ends the flush.
    pub fn next_round(&self, now_ms: u64) -> Option<Vec<Entry>> {
        let mut queued = self.queued.borrow_mut();
        if queued.is_empty() {
            self.flushing.set(None);
            return None;
        }
        self.flushing.set(Some(now_ms));
        let take = queued.len().min(MAX_ROWS_PER_BATCH);
        Some(queued.drain(..take).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HttpRequest, HttpResponse};

    fn entries(n: usize) -> Vec<Entry> {
        let request = HttpRequest::new("DELETE", "https://w.example/integrated-account/a");
        (0..n)
            .map(|i| {
                super::super::capture::admin_entry(
                    i as u64,
                    i as u64,
                    &request,
                    &HttpResponse::new(200),
                )
            })
            .collect()
    }

    #[test]
    fn one_flusher_at_a_time_writes_everything_queued_in_bounded_rounds() {
        let group = GroupCommit::default();
        assert!(group.enqueue(entries(1), 0), "the first request flushes");
        assert!(
            !group.enqueue(entries(2), 1),
            "a flush is running: it takes these"
        );
        assert!(!group.enqueue(entries(150), 2));
        let rounds: Vec<usize> =
            std::iter::from_fn(|| group.next_round(3).map(|r| r.len())).collect();
        assert_eq!(rounds, [100, 53]);
        // The flush ended with the queue: the next request flushes again.
        assert!(group.enqueue(entries(1), 4));
        assert_eq!(group.next_round(5).map(|r| r.len()), Some(1));
        assert!(
            !group.enqueue(entries(1), 6),
            "still flushing until a round finds nothing"
        );
        assert_eq!(group.next_round(7).map(|r| r.len()), Some(1));
        assert_eq!(group.next_round(8), None);
        assert!(group.enqueue(Vec::new(), 9));
        assert_eq!(group.next_round(10), None);
    }

    #[test]
    fn a_flush_silent_past_the_stale_limit_is_taken_over() {
        let group = GroupCommit::default();
        assert!(group.enqueue(entries(1), 1_000));
        // Its waitUntil was cancelled: it never asks for a round again.
        assert!(!group.enqueue(entries(1), 1_000 + STALE_FLUSH_MS - 1));
        assert!(
            group.enqueue(entries(1), 1_000 + STALE_FLUSH_MS),
            "the next request takes over"
        );
        assert_eq!(group.next_round(40_000).map(|r| r.len()), Some(3));
    }
}
