//! `tools/list` answers serialised once per isolate: a URL's list depends only on its
//! server record (name, filters), the era and the cursor, so the JSON text is kept and
//! reused instead of rebuilding and re-serialising every tool definition per request.
//! For clients that accept gzip (Node's fetch, browsers, most MCP clients), the result
//! and the frame's closing bytes are also kept deflated, so the ~160 KB answer crosses
//! the network as ~20 KB without compressing it per request (`crate::gzip`).
//! Bounded by bytes; an isolate that fills it starts over.

use super::version::Era;
use crate::gzip::DeflatedTail;
use crate::store::McpServerRecord;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Most bytes of cached answers one isolate keeps (Workers isolates have 128 MB).
const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Cache {
    answers: HashMap<String, Rc<str>>,
    /// Keyed by the answer's key and the frame's tail (JSON or SSE).
    deflated: HashMap<(String, &'static str), Rc<DeflatedTail>>,
    bytes: usize,
}

impl Cache {
    /// Makes room for `more` bytes: past the bound, everything goes.
    fn reserve(&mut self, more: usize) {
        if self.bytes + more > MAX_BYTES {
            self.answers.clear();
            self.deflated.clear();
            self.bytes = 0;
        }
        self.bytes += more;
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// What identifies one `tools/list` answer, or `None` when the request is not one the
/// cache can answer (params other than `cursor` and `_meta`, a non-string cursor).
pub fn key(era: Era, server: &McpServerRecord, params: Option<&Value>) -> Option<String> {
    let cursor = match params {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => {
            if p.keys().any(|k| k != "cursor" && k != "_meta") {
                return None;
            }
            match p.get("cursor") {
                None | Some(Value::Null) => None,
                Some(Value::String(c)) => Some(c.as_str()),
                Some(_) => return None,
            }
        }
        Some(_) => return None,
    };
    let filters = serde_json::to_string(&server.config).ok()?;
    let name = serde_json::to_string(&server.name).ok()?;
    Some(format!(
        "{era:?}\n{name}\n{filters}\n{}",
        cursor.unwrap_or("")
    ))
}

/// The cached result JSON for `key`.
pub fn get(key: &str) -> Option<Rc<str>> {
    CACHE.with(|c| c.borrow().answers.get(key).cloned())
}

/// Keeps `result` (JSON text) for `key`.
pub fn put(key: String, result: Rc<str>) {
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        cache.reserve(result.len());
        if let Some(old) = cache.answers.insert(key, result) {
            cache.bytes -= old.len();
        }
    });
}

/// `result` followed by `tail`, deflated: the one kept for `key`, or compressed now and
/// kept (once per isolate, answer and frame).
pub fn deflated(key: &str, tail: &'static str, result: &str) -> Rc<DeflatedTail> {
    let slot = (key.to_string(), tail);
    if let Some(found) = CACHE.with(|c| c.borrow().deflated.get(&slot).cloned()) {
        return found;
    }
    let mut text = String::with_capacity(result.len() + tail.len());
    text.push_str(result);
    text.push_str(tail);
    let compressed = Rc::new(DeflatedTail::new(text.as_bytes()));
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        cache.reserve(compressed.compressed_len());
        if let Some(old) = cache.deflated.insert(slot, Rc::clone(&compressed)) {
            cache.bytes -= old.compressed_len();
        }
    });
    compressed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use snmcp_catalog::ToolFilter;

    fn server(name: &str, methods: Option<Vec<&str>>) -> McpServerRecord {
        McpServerRecord {
            id: "s".into(),
            account_id: "a".into(),
            name: name.into(),
            config: ToolFilter {
                methods: methods.map(|m| m.into_iter().map(String::from).collect()),
                ..ToolFilter::default()
            },
            expires_at: None,
            expires_at_unix: None,
            require_api_token_auth: false,
            rate_limit_response: Default::default(),
            audit: Default::default(),
            created_at: "2026-01-01T00:00:00Z".into(),
            account_generation: None,
            revoked: false,
        }
    }

    #[test]
    fn keys_differ_by_era_name_filters_and_cursor_but_not_client_meta() {
        let read = server("Desk", Some(vec!["read"]));
        let base = key(Era::Legacy, &read, None).unwrap();
        assert_eq!(key(Era::Legacy, &read, Some(&json!({}))).unwrap(), base);
        let meta = json!({"_meta": {"io.modelcontextprotocol/clientInfo": {"name": "x"}}});
        assert_ne!(key(Era::Modern, &read, Some(&meta)).unwrap(), base);
        assert_eq!(
            key(Era::Modern, &read, Some(&meta)),
            key(Era::Modern, &read, Some(&json!({"_meta": {}})))
        );
        assert_ne!(
            key(Era::Legacy, &server("Other", Some(vec!["read"])), None).unwrap(),
            base
        );
        assert_ne!(key(Era::Legacy, &server("Desk", None), None).unwrap(), base);
        assert_ne!(
            key(Era::Legacy, &read, Some(&json!({"cursor": "c1"}))).unwrap(),
            base
        );
    }

    #[test]
    fn requests_the_cache_cannot_answer_have_no_key() {
        let s = server("Desk", None);
        assert_eq!(key(Era::Legacy, &s, Some(&json!({"cursor": 5}))), None);
        assert_eq!(key(Era::Legacy, &s, Some(&json!({"extra": true}))), None);
        assert_eq!(key(Era::Legacy, &s, Some(&json!([1]))), None);
    }

    #[test]
    fn answers_are_kept_and_the_cache_is_bounded() {
        put("k1".into(), Rc::from("{\"tools\":[]}"));
        assert_eq!(get("k1").as_deref(), Some("{\"tools\":[]}"));
        let big: Rc<str> = Rc::from("x".repeat(MAX_BYTES / 2 + 1));
        put("big1".into(), big.clone());
        put("big2".into(), big);
        CACHE.with(|c| assert!(c.borrow().bytes <= MAX_BYTES));
        assert_eq!(get("k1"), None, "filling the cache starts over");
        assert!(get("big2").is_some());
    }

    #[test]
    fn deflated_answers_are_compressed_once_per_key_and_tail() {
        let first = deflated("d1", "}", "{\"tools\":[]}");
        assert!(Rc::ptr_eq(&first, &deflated("d1", "}", "ignored: kept")));
        assert!(!Rc::ptr_eq(
            &first,
            &deflated("d1", "}\n\n", "{\"tools\":[]}")
        ));
        assert!(!Rc::ptr_eq(&first, &deflated("d2", "}", "{\"tools\":[]}")));
        CACHE.with(|c| {
            let cache = c.borrow();
            let held: usize = cache.answers.values().map(|a| a.len()).sum::<usize>()
                + cache
                    .deflated
                    .values()
                    .map(|d| d.compressed_len())
                    .sum::<usize>();
            assert_eq!(cache.bytes, held, "bytes counted for both kinds");
        });
    }
}
