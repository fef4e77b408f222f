//! Validation of admin inputs: ids, instance URLs, names, expiry times, paging. Each
//! error says what was wrong and what a valid value looks like.

use super::body::clip;
use super::error::ApiError;
use crate::http::HttpRequest;
use crate::store::timestamps::{format_rfc3339, parse_rfc3339};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Minimum lifetime of anything that expires (Workers KV's floor for `expiration`).
pub const MIN_LIFETIME_SECS: u64 = 60;
pub const MAX_NAME_CHARS: usize = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 100;

/// `^[A-Za-z0-9_-]{1,64}$`.
pub fn account_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_account_id",
            format!(
                "account id `{}` is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, `_` and `-`",
                clip(id)
            ),
        ))
    }
}

/// Whether `id` has the shape `<prefix>_<20 lowercase hex>` that `crypto::new_id` makes.
pub fn is_generated_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| {
            hex.len() == 20 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

/// A ServiceNow instance root, normalized to `scheme://host[:port]` (lowercase, no
/// trailing slash). `http://` only when `allow_http` (local demo and tests).
/// `raw` with any `user:password@` of its authority masked, so an error can quote it.
fn without_userinfo(raw: &str) -> String {
    let (scheme, rest) = raw.split_once("://").unwrap_or(("", raw));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let prefix = if raw.contains("://") {
                format!("{scheme}://")
            } else {
                String::new()
            };
            format!("{prefix}***@{}", &rest[at + 1..])
        }
        None => raw.to_string(),
    }
}

pub fn instance_url(raw: &str, allow_http: bool) -> Result<String, ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(
            "invalid_instance_url",
            format!(
                "instance_url `{}` {why}; expected the instance root, like https://acme.service-now.com",
                clip(&without_userinfo(raw))
            ),
        )
    };
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains spaces or control characters"));
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err(bad("is not an absolute URL"));
    };
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(bad(
                "uses plain http://, which would send credentials unencrypted: use https:// \
                 (http:// is accepted only when the worker var ALLOW_HTTP_UPSTREAM=true, for local demos)",
            ))
        }
        _ => return Err(bad("must start with https://")),
    }
    if rest.contains(['?', '#']) {
        return Err(bad("must not have a query or a fragment"));
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    if !path.is_empty() && path != "/" {
        return Err(bad("must not have a path"));
    }
    if authority.contains('@') {
        return Err(bad(
            "must not contain credentials (user@host): send them in `auth`",
        ));
    }
    let (host, port) = split_host_port(authority).ok_or_else(|| bad("has no valid host"))?;
    if let Some(port) = port {
        if !port.parse::<u16>().is_ok_and(|p| p > 0) {
            return Err(bad("has an invalid port"));
        }
    }
    let host = host.to_ascii_lowercase();
    Ok(match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    })
}

/// `host[:port]` or `[v6][:port]`, with a syntactically valid host.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']')?;
        let literal = &v6[..end];
        if literal.is_empty()
            || !literal
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        let after = &v6[end + 1..];
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (&authority[..end + 2], port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return None;
        }
        (host, port)
    };
    Some((host, port))
}

/// A display name: 1 to 200 characters, not blank, no control characters.
pub fn name(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    let count = trimmed.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("`name` must be 1 to {MAX_NAME_CHARS} characters without control characters (got {count})"),
        ));
    }
    Ok(trimmed.to_string())
}

/// An `expires_at`: RFC 3339, at least [`MIN_LIFETIME_SECS`] after `now_secs`. Returns
/// it normalized (UTC, whole seconds) and as UNIX seconds.
pub fn expires_at(raw: &str, now_secs: u64) -> Result<(String, u64), ApiError> {
    let unix = parse_rfc3339(raw)
        .map_err(|e| ApiError::bad_request("invalid_expires_at", format!("`expires_at`: {e}")))?;
    check_lifetime(unix, now_secs)?;
    let normalized = format_rfc3339(unix)
        .map_err(|e| ApiError::bad_request("invalid_expires_at", format!("`expires_at`: {e}")))?;
    Ok((normalized, unix))
}

/// Refuses an expiry less than [`MIN_LIFETIME_SECS`] ahead (also on PATCH, for a kept one).
pub fn check_lifetime(expires_unix: u64, now_secs: u64) -> Result<(), ApiError> {
    if expires_unix >= now_secs.saturating_add(MIN_LIFETIME_SECS) {
        return Ok(());
    }
    let now = format_rfc3339(now_secs).unwrap_or_else(|_| now_secs.to_string());
    let at = format_rfc3339(expires_unix).unwrap_or_else(|_| expires_unix.to_string());
    Err(ApiError::bad_request(
        "invalid_expires_at",
        format!(
            "`expires_at` {at} must be at least {MIN_LIFETIME_SECS} seconds after now ({now}); \
             send a later time, or null for no expiry"
        ),
    ))
}

/// `?limit=&cursor=` of a listing: limit 1..=100 (default 50); the cursor is the opaque
/// `next_cursor` of the previous page.
pub fn page_params(request: &HttpRequest) -> Result<(u32, Option<String>), ApiError> {
    let mut limit = DEFAULT_PAGE_SIZE;
    let mut cursor = None;
    for (key, value) in request.query_pairs() {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "invalid_limit",
                            format!(
                                "`limit` must be an integer from 1 to {MAX_PAGE_SIZE}, got `{}`",
                                clip(&value)
                            ),
                        )
                    })?;
            }
            "cursor" if !value.is_empty() => cursor = Some(decode_cursor(&value)?),
            _ => {}
        }
    }
    Ok((limit, cursor))
}

/// Wraps a KV cursor so callers see one opaque, URL-safe token.
pub fn encode_cursor(kv_cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(kv_cursor.as_bytes())
}

/// The cursor of the page after one read from D1 in id order: the last id when the page
/// is full (another may follow), none when it is short.
pub fn next_cursor<'a>(ids: impl ExactSizeIterator<Item = &'a str>, limit: u32) -> Option<String> {
    let full = ids.len() == limit as usize;
    ids.last().filter(|_| full).map(encode_cursor)
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_cursor",
                "`cursor` is not a cursor this API returned: pass `next_cursor` from the previous page unchanged",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_url_errors_never_quote_userinfo() {
        for raw in [
            "http://admin:SECRET@host",
            "https://u:SECRET@acme.service-now.com/x?y",
            "ftp://SECRET@h",
        ] {
            let err = instance_url(raw, true).expect_err(raw);
            assert!(!err.message.contains("SECRET"), "{}", err.message);
            assert!(err.message.contains("***@"), "{}", err.message);
        }
    }

    #[test]
    fn account_ids_follow_the_documented_pattern() {
        let long = "a".repeat(65);
        let cases = [
            ("acme", true),
            ("Acme_prod-2", true),
            (&"a".repeat(64)[..], true),
            ("", false),
            (&long[..], false),
            ("acme:prod", false),
            ("acme prod", false),
            ("a/b", false),
            ("ünï", false),
        ];
        for (id, ok) in cases {
            assert_eq!(account_id(id).is_ok(), ok, "{id:?}");
        }
    }

    #[test]
    fn generated_ids_have_a_prefix_and_20_hex_digits() {
        assert!(is_generated_id("mcp_0123456789abcdef0123", "mcp"));
        for id in [
            "mcp_0123456789abcdef012",
            "mcp_0123456789ABCDEF0123",
            "tok_0123456789abcdef0123",
            "mcp0123456789abcdef0123",
            "mcp_0123456789abcdef0123:x",
        ] {
            assert!(!is_generated_id(id, "mcp"), "{id}");
        }
    }

    #[test]
    fn instance_urls_are_validated_and_normalized() {
        let cases: [(&str, &str, bool, Result<&str, &str>); 16] = [
            (
                "https root",
                "https://acme.service-now.com",
                false,
                Ok("https://acme.service-now.com"),
            ),
            (
                "trailing slash stripped",
                "https://acme.service-now.com/",
                false,
                Ok("https://acme.service-now.com"),
            ),
            (
                "case folded",
                "HTTPS://Acme.Service-Now.com",
                false,
                Ok("https://acme.service-now.com"),
            ),
            (
                "port kept",
                "https://sn.example.com:8443",
                false,
                Ok("https://sn.example.com:8443"),
            ),
            (
                "http refused",
                "http://127.0.0.1:9000",
                false,
                Err("ALLOW_HTTP_UPSTREAM"),
            ),
            (
                "http allowed for demos",
                "http://127.0.0.1:9000",
                true,
                Ok("http://127.0.0.1:9000"),
            ),
            (
                "ipv6 literal",
                "http://[::1]:9000/",
                true,
                Ok("http://[::1]:9000"),
            ),
            (
                "other scheme",
                "ftp://acme.service-now.com",
                false,
                Err("https://"),
            ),
            (
                "no scheme",
                "acme.service-now.com",
                false,
                Err("absolute URL"),
            ),
            (
                "userinfo",
                "https://admin:pw@acme.service-now.com",
                false,
                Err("credentials"),
            ),
            (
                "path",
                "https://acme.service-now.com/api/now",
                false,
                Err("path"),
            ),
            (
                "query",
                "https://acme.service-now.com?x=1",
                false,
                Err("query"),
            ),
            (
                "fragment",
                "https://acme.service-now.com/#x",
                false,
                Err("fragment"),
            ),
            ("empty host", "https://", false, Err("host")),
            (
                "bad port",
                "https://acme.service-now.com:99999",
                false,
                Err("port"),
            ),
            (
                "space",
                "https://acme .service-now.com",
                false,
                Err("spaces"),
            ),
        ];
        for (name, raw, allow_http, want) in cases {
            match (instance_url(raw, allow_http), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{name}"),
                (Err(e), Err(fragment)) => {
                    assert_eq!(e.code, "invalid_instance_url", "{name}");
                    assert!(e.message.contains(fragment), "{name}: {}", e.message);
                }
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  ITSM agent ").unwrap(), "ITSM agent");
        assert!(name(&"n".repeat(200)).is_ok());
        for bad in ["", "   ", "a\nb", &"n".repeat(201)[..]] {
            assert_eq!(name(bad).unwrap_err().code, "invalid_name", "{bad:?}");
        }
    }

    #[test]
    fn expires_at_must_be_rfc3339_and_a_minute_ahead() {
        let now = 1_798_761_000; // 2026-12-31T23:50:00Z
        assert_eq!(
            expires_at("2027-01-01T01:59:59+02:00", now).unwrap(),
            ("2026-12-31T23:59:59Z".to_string(), 1_798_761_599)
        );
        assert_eq!(expires_at("2026-12-31T23:51:00Z", now).unwrap().1, now + 60);
        for bad in [
            "2026-12-31T23:50:59Z",
            "2020-01-01T00:00:00Z",
            "next week",
            "2026-12-31",
        ] {
            assert_eq!(
                expires_at(bad, now).unwrap_err().code,
                "invalid_expires_at",
                "{bad}"
            );
        }
    }

    #[test]
    fn page_params_default_bound_and_decode_cursors() {
        let req = |q: &str| HttpRequest::new("GET", format!("https://w/api-tokens{q}"));
        assert_eq!(page_params(&req("")).unwrap(), (DEFAULT_PAGE_SIZE, None));
        let cursor = encode_cursor("api-token-id:tok_1");
        assert_eq!(
            page_params(&req(&format!("?limit=2&cursor={cursor}"))).unwrap(),
            (2, Some("api-token-id:tok_1".to_string()))
        );
        for bad in ["?limit=0", "?limit=101", "?limit=x", "?cursor=%%%"] {
            assert_eq!(page_params(&req(bad)).unwrap_err().status, 400, "{bad}");
        }
    }
}
