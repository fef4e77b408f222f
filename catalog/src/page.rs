//! tools/list pagination: pages over a filter's visible tools, with an opaque cursor
//! (base64url) bound to the catalog and the filter it was issued for.

use crate::ToolFilter;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use std::ops::Range;

/// Tools per tools/list page. Large enough for the whole builtin catalog to fit in one
/// page (a catalog test checks it does), because several MCP clients never follow
/// tools/list cursors and would silently miss tools.
pub const PAGE_SIZE: usize = 200;

const CURSOR_VERSION: &str = "v1";

/// One page of tool definitions for tools/list.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolPage<'a> {
    pub tools: Vec<&'a Value>,
    /// Set when more tools follow; pass it back as the tools/list `cursor`.
    pub next_cursor: Option<String>,
}

/// A tools/list cursor this server did not issue for this filter (tampered, from another
/// server or from an older deployment). Maps to JSON-RPC -32602.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tools/list cursor ({reason}); call tools/list without a cursor to start over")]
pub struct InvalidCursor {
    reason: &'static str,
}

impl InvalidCursor {
    /// Short machine-independent reason, for logs.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

fn invalid(reason: &'static str) -> InvalidCursor {
    InvalidCursor { reason }
}

/// FNV-1a 64: a stable, dependency-free fingerprint. Cursors are not secrets (they only
/// select an offset among tools the filter already allows), so no MAC is needed.
pub fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut hash = if seed == 0 {
        0xcbf2_9ce4_8422_2325
    } else {
        seed
    };
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Fingerprint of a filter over a catalog: order and duplicates of entries do not matter,
/// absent and empty lists differ.
pub fn filter_fingerprint(catalog_fingerprint: u64, filter: &ToolFilter) -> u64 {
    let canonical = |list: &Option<Vec<String>>| match list {
        None => "*".to_string(),
        Some(items) => {
            let mut items: Vec<&str> = items.iter().map(String::as_str).collect();
            items.sort_unstable();
            items.dedup();
            format!("[{}]", items.join("\u{1f}"))
        }
    };
    let text = format!(
        "methods={}\u{1e}tags={}",
        canonical(&filter.methods),
        canonical(&filter.tags)
    );
    fnv1a(catalog_fingerprint, text.as_bytes())
}

pub fn encode_cursor(offset: usize, fingerprint: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}.{offset}.{fingerprint:016x}"))
}

/// The offset a cursor points at, if it was issued for `fingerprint` and still points
/// inside the `total` visible tools.
pub fn decode_cursor(cursor: &str, fingerprint: u64, total: usize) -> Result<usize, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid("not base64url"))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("not a cursor"))?;
    let mut parts = text.split('.');
    let (Some(version), Some(offset), Some(fp), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("not a cursor"));
    };
    if version != CURSOR_VERSION {
        return Err(invalid("unknown cursor version"));
    }
    let offset: usize = offset.parse().map_err(|_| invalid("not a cursor"))?;
    let fp = u64::from_str_radix(fp, 16).map_err(|_| invalid("not a cursor"))?;
    if fp != fingerprint {
        return Err(invalid(
            "issued for another server configuration or catalog",
        ));
    }
    if offset == 0 || offset >= total {
        return Err(invalid("points outside the tool list"));
    }
    Ok(offset)
}

/// The index range of the page starting at the cursor's offset (or 0), `page_size`
/// (at least 1) long, out of `total` visible tools, and the cursor of the next page.
pub fn page(
    total: usize,
    cursor: Option<&str>,
    page_size: usize,
    fingerprint: u64,
) -> Result<(Range<usize>, Option<String>), InvalidCursor> {
    let start = match cursor {
        None => 0,
        Some(c) => decode_cursor(c, fingerprint, total)?,
    };
    let end = start.saturating_add(page_size.max(1)).min(total);
    let next_cursor = (end < total).then(|| encode_cursor(end, fingerprint));
    Ok((start..end, next_cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_its_offset() {
        let c = encode_cursor(7, 42);
        assert_eq!(decode_cursor(&c, 42, 10), Ok(7));
    }

    #[test]
    fn malformed_cursors_are_rejected_with_a_reason() {
        let cases = [
            ("", "not a cursor"),
            ("%%%", "not base64url"),
            (&URL_SAFE_NO_PAD.encode("v1.3"), "not a cursor"),
            (&URL_SAFE_NO_PAD.encode("v1.3.2a.x"), "not a cursor"),
            (
                &URL_SAFE_NO_PAD.encode("v2.3.000000000000002a"),
                "unknown cursor version",
            ),
            (
                &URL_SAFE_NO_PAD.encode("v1.x.000000000000002a"),
                "not a cursor",
            ),
            (&URL_SAFE_NO_PAD.encode("v1.3.zz"), "not a cursor"),
            (
                &URL_SAFE_NO_PAD.encode("v1.3.000000000000002b"),
                "issued for another server configuration or catalog",
            ),
            (
                &URL_SAFE_NO_PAD.encode("v1.0.000000000000002a"),
                "points outside the tool list",
            ),
            (
                &URL_SAFE_NO_PAD.encode("v1.10.000000000000002a"),
                "points outside the tool list",
            ),
        ];
        for (cursor, reason) in cases {
            let err = decode_cursor(cursor, 42, 10).expect_err(cursor);
            assert_eq!(err.reason(), reason, "{cursor:?}");
        }
    }

    #[test]
    fn filter_fingerprint_ignores_order_and_duplicates_but_not_absence() {
        let f = |m: Option<&[&str]>, t: Option<&[&str]>| ToolFilter {
            methods: m.map(|m| m.iter().map(|s| s.to_string()).collect()),
            tags: t.map(|t| t.iter().map(|s| s.to_string()).collect()),
            ..ToolFilter::default()
        };
        let a = filter_fingerprint(1, &f(Some(&["read", "write"]), None));
        let b = filter_fingerprint(1, &f(Some(&["write", "read", "read"]), None));
        assert_eq!(a, b);
        assert_ne!(
            a,
            filter_fingerprint(1, &f(Some(&["read", "write"]), Some(&[])))
        );
        assert_ne!(a, filter_fingerprint(2, &f(Some(&["read", "write"]), None)));
        assert_ne!(
            filter_fingerprint(1, &f(None, None)),
            filter_fingerprint(1, &f(Some(&[]), None))
        );
    }
}
