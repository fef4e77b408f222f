//! Operator-only notes: details a caller must not see (store errors, key names) are
//! recorded here under a request id and written to the Worker's log by the shell after
//! each request. Bounded, so nothing grows where no shell drains it (native tests).

use std::cell::RefCell;

/// Notes kept at most between two drains; older ones are dropped first.
const CAPACITY: usize = 64;

thread_local! {
    static NOTES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records a note for the operator's log.
pub fn record(note: String) {
    NOTES.with(|notes| {
        let mut notes = notes.borrow_mut();
        if notes.len() == CAPACITY {
            notes.remove(0);
        }
        notes.push(note);
    });
}

/// Takes every note recorded since the last drain.
pub fn drain() -> Vec<String> {
    NOTES.with(|notes| std::mem::take(&mut *notes.borrow_mut()))
}

/// A short random id that ties a caller's error message to the operator's log line.
pub fn new_request_id() -> String {
    match crate::crypto::random_bytes(6) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Err(_) => "unavailable".into(),
    }
}

/// The caller's message for a failure whose detail is for the operator only: the detail
/// goes to the log under a fresh request id, the caller gets the id.
pub fn withheld(what_failed: &str, detail: &dyn std::fmt::Display) -> String {
    let id = new_request_id();
    record(format!("request {id}: {what_failed}: {detail}"));
    format!(
        "The server could not {what_failed} (request id {id}); retry shortly. If it persists, give this request id to your administrator."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_drained_once_and_bounded() {
        drain();
        for i in 0..CAPACITY + 5 {
            record(format!("n{i}"));
        }
        let notes = drain();
        assert_eq!(notes.len(), CAPACITY);
        assert_eq!(notes[0], "n5");
        assert!(drain().is_empty());
    }

    #[test]
    fn withheld_details_reach_the_log_not_the_caller() {
        drain();
        let message = withheld("read the server record", &"KV key server:abc failed");
        assert!(!message.contains("server:abc"));
        let notes = drain();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("server:abc"));
        let id = notes[0]
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches(':');
        assert!(message.contains(id), "{message} / {}", notes[0]);
    }

    #[test]
    fn request_ids_are_short_hex_and_differ() {
        let a = new_request_id();
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_request_id());
    }
}
