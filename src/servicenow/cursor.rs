//! The opaque `next_cursor` of list tools: base64url of a small JSON holding the next
//! offset and a short hash of the table and encoded query it belongs to.

use crate::crypto::sha256_hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Where the next page starts, and which query it continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListCursor {
    #[serde(rename = "o")]
    pub offset: u64,
    /// [`query_scope`] of the query this cursor continues.
    #[serde(rename = "q")]
    pub scope: String,
}

/// Why a cursor cannot be used; the text is what the model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorError {
    Malformed,
    OtherQuery,
}

impl CursorError {
    pub fn message(&self) -> &'static str {
        match self {
            CursorError::Malformed => {
                "next_cursor is not a cursor this tool returned; call the tool again without next_cursor to start from the first page"
            }
            CursorError::OtherQuery => {
                "next_cursor belongs to a different query or filters; repeat the call with exactly the query and filters that returned it, or call without next_cursor to restart from the first page"
            }
        }
    }
}

/// 16 hex characters identifying a table + encoded query (filters included).
pub fn query_scope(table: &str, encoded_query: &str) -> String {
    sha256_hex(&format!("{table}\n{encoded_query}"))[..16].to_string()
}

impl ListCursor {
    pub fn encode(&self) -> String {
        // Serializing two plain fields cannot fail; an empty cursor would only restart paging.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes `raw` and checks it continues the query identified by `scope`.
    pub fn decode(raw: &str, scope: &str) -> Result<ListCursor, CursorError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| CursorError::Malformed)?;
        let cursor: ListCursor =
            serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if cursor.scope != scope {
            return Err(CursorError::OtherQuery);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_for_the_same_query() {
        let scope = query_scope("incident", "active=true");
        let cursor = ListCursor {
            offset: 40,
            scope: scope.clone(),
        };
        let raw = cursor.encode();
        assert!(raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(ListCursor::decode(&raw, &scope), Ok(cursor));
    }

    #[test]
    fn cursor_is_refused_for_another_query_or_table() {
        let raw = ListCursor {
            offset: 20,
            scope: query_scope("incident", "active=true"),
        }
        .encode();
        for (table, query) in [
            ("incident", "active=false"),
            ("problem", "active=true"),
            ("incident", ""),
        ] {
            assert_eq!(
                ListCursor::decode(&raw, &query_scope(table, query)),
                Err(CursorError::OtherQuery),
                "{table} {query}"
            );
        }
    }

    #[test]
    fn garbage_cursors_are_malformed() {
        let scope = query_scope("incident", "");
        let cases = [
            "",
            "not base64 at all!",
            &URL_SAFE_NO_PAD.encode("[1,2]"),
            &URL_SAFE_NO_PAD.encode(r#"{"o":-1,"q":"x"}"#),
            &URL_SAFE_NO_PAD.encode(r#"{"o":1,"q":"x","extra":true}"#),
        ];
        for raw in cases {
            assert_eq!(
                ListCursor::decode(raw, &scope),
                Err(CursorError::Malformed),
                "{raw:?}"
            );
        }
    }
}
