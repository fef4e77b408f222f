//! Upstream rate-limit headers (ServiceNow's `X-RateLimit-*`, early IETF `RateLimit-*`,
//! `Retry-After`) become the lowercase IETF headers the MCP layer sends on. Pure: no I/O.

/// Above this a reset value is a UNIX epoch (2001-09-09), below it a delta in seconds.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;

/// Normalizes upstream rate-limit headers (names in any case) to, in this order:
/// `ratelimit-limit`, `ratelimit-remaining` (only when upstream sent one),
/// `ratelimit-reset` (delta seconds, never negative) and `retry-after` (delta seconds).
/// Values that do not parse are dropped, never guessed; nothing in gives nothing out.
pub fn normalize_rate_limit_headers(
    headers: &[(String, String)],
    now_secs: u64,
) -> Vec<(String, String)> {
    let limit = first_valid(
        headers,
        &["x-ratelimit-limit", "ratelimit-limit"],
        parse_count,
    );
    let remaining = first_valid(
        headers,
        &["x-ratelimit-remaining", "ratelimit-remaining"],
        parse_count,
    );
    let retry_after = first_valid(headers, &["retry-after"], |v| {
        parse_retry_after(v, now_secs)
    });
    let reset = retry_after.or_else(|| {
        first_valid(headers, &["x-ratelimit-reset", "ratelimit-reset"], |v| {
            parse_reset(v, now_secs)
        })
    });

    let mut out = Vec::new();
    let named = [
        ("ratelimit-limit", limit),
        ("ratelimit-remaining", remaining),
        ("ratelimit-reset", reset),
        ("retry-after", retry_after),
    ];
    for (name, value) in named {
        if let Some(v) = value {
            out.push((name.to_string(), v.to_string()));
        }
    }
    out
}

/// The delay a client should wait, in seconds, from already-normalized headers:
/// `retry-after`, else `ratelimit-reset`.
pub fn retry_delay_secs(normalized: &[(String, String)]) -> Option<u64> {
    let get = |name: &str| {
        normalized
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    get("retry-after").or_else(|| get("ratelimit-reset"))
}

/// The first value that parses, trying `names` in priority order (any header case).
fn first_valid(
    headers: &[(String, String)],
    names: &[&str],
    parse: impl Fn(&str) -> Option<u64>,
) -> Option<u64> {
    names.iter().find_map(|name| {
        headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .find_map(|(_, v)| parse(v))
    })
}

/// Plain ASCII digits only: `str::parse` would also take `+5`.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A non-negative count; the IETF list form `100;w=60` or `100, 100;w=60` gives its first
/// item's number.
fn parse_count(raw: &str) -> Option<u64> {
    let first = raw.split([';', ',']).next().unwrap_or("");
    parse_digits(first.trim())
}

/// `Retry-After`: delta seconds or an HTTP-date (IMF-fixdate), as delta seconds.
fn parse_retry_after(raw: &str, now_secs: u64) -> Option<u64> {
    let raw = raw.trim();
    parse_digits(raw).or_else(|| parse_http_date(raw).map(|at| at.saturating_sub(now_secs)))
}

/// `X-RateLimit-Reset`: a UNIX epoch (ServiceNow) or a delta (early IETF drafts), possibly
/// with a fraction; rounded up so a client never comes back early.
fn parse_reset(raw: &str, now_secs: u64) -> Option<u64> {
    let raw = raw.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let whole = parse_digits(whole)?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || (raw.contains('.') && fraction.is_empty()) {
        return None;
    }
    let rounds_up = fraction.bytes().any(|b| b != b'0');
    if whole > EPOCH_THRESHOLD {
        Some(whole.saturating_sub(now_secs) + u64::from(rounds_up && whole >= now_secs))
    } else {
        Some(whole.saturating_add(u64::from(rounds_up)))
    }
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to UNIX seconds.
fn parse_http_date(raw: &str) -> Option<u64> {
    u64::try_from(crate::civil_time::parse_http_date(raw.trim())?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    type Pairs = &'static [(&'static str, &'static str)];

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn normalizes_rate_limit_headers() {
        // (case, upstream headers, expected normalized headers)
        let cases: &[(&str, Pairs, Pairs)] = &[
            ("nothing in gives nothing out", &[], &[]),
            (
                "unrelated headers are ignored",
                &[("content-type", "application/json"), ("x-total-count", "5")],
                &[],
            ),
            (
                "servicenow 429: retry-after wins over the epoch reset",
                &[
                    ("Retry-After", "120"),
                    ("X-RateLimit-Limit", "10"),
                    ("X-RateLimit-Reset", "1700003600"),
                    ("X-RateLimit-Rule", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
                ],
                &[
                    ("ratelimit-limit", "10"),
                    ("ratelimit-reset", "120"),
                    ("retry-after", "120"),
                ],
            ),
            (
                "epoch reset without retry-after becomes a delta",
                &[
                    ("X-RateLimit-Limit", "1000"),
                    ("X-RateLimit-Reset", "1700000900"),
                ],
                &[("ratelimit-limit", "1000"), ("ratelimit-reset", "900")],
            ),
            (
                "small reset is already a delta",
                &[("x-ratelimit-reset", "42")],
                &[("ratelimit-reset", "42")],
            ),
            (
                "epoch reset in the past (clock skew) clamps at zero",
                &[("X-RateLimit-Reset", "1699999990")],
                &[("ratelimit-reset", "0")],
            ),
            (
                "fractional epoch reset rounds up",
                &[("X-RateLimit-Reset", "1700000010.25")],
                &[("ratelimit-reset", "11")],
            ),
            (
                "http-date retry-after becomes delta seconds",
                &[("Retry-After", "Tue, 14 Nov 2023 22:13:27 GMT")],
                &[("ratelimit-reset", "7"), ("retry-after", "7")],
            ),
            (
                "http-date retry-after in the past clamps at zero",
                &[("Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT")],
                &[("ratelimit-reset", "0"), ("retry-after", "0")],
            ),
            (
                "remaining is passed on only when upstream sends it",
                &[("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "0")],
                &[("ratelimit-limit", "100"), ("ratelimit-remaining", "0")],
            ),
            (
                "ietf upstream headers in list form",
                &[
                    ("RateLimit-Limit", "100, 100;w=60"),
                    ("RateLimit-Remaining", "5"),
                    ("RateLimit-Reset", "30"),
                ],
                &[
                    ("ratelimit-limit", "100"),
                    ("ratelimit-remaining", "5"),
                    ("ratelimit-reset", "30"),
                ],
            ),
            (
                "servicenow headers win over ietf ones",
                &[("RateLimit-Limit", "5"), ("X-RateLimit-Limit", "10")],
                &[("ratelimit-limit", "10")],
            ),
            (
                "garbage values are dropped, not guessed",
                &[
                    ("X-RateLimit-Limit", "lots"),
                    ("X-RateLimit-Remaining", "-1"),
                    ("X-RateLimit-Reset", "soon"),
                    ("Retry-After", "tomorrow"),
                ],
                &[],
            ),
            (
                "signs, empty values and overflow are garbage",
                &[
                    ("X-RateLimit-Limit", "+5"),
                    ("X-RateLimit-Remaining", ""),
                    ("X-RateLimit-Reset", "99999999999999999999999"),
                    ("Retry-After", "1."),
                ],
                &[],
            ),
            (
                "garbage retry-after falls back to the epoch reset",
                &[
                    ("Retry-After", "later"),
                    ("X-RateLimit-Reset", "1700000060"),
                ],
                &[("ratelimit-reset", "60")],
            ),
            (
                "a later valid duplicate is used when the first is garbage",
                &[("x-ratelimit-limit", "n/a"), ("X-RATELIMIT-LIMIT", " 50 ")],
                &[("ratelimit-limit", "50")],
            ),
        ];
        for (case, input, expected) in cases {
            assert_eq!(
                normalize_rate_limit_headers(&h(input), NOW),
                h(expected),
                "case: {case}"
            );
        }
    }

    #[test]
    fn retry_delay_prefers_retry_after_then_reset() {
        let cases: &[(Pairs, Option<u64>)] = &[
            (
                &[("ratelimit-reset", "30"), ("retry-after", "20")],
                Some(20),
            ),
            (&[("ratelimit-reset", "30")], Some(30)),
            (&[("ratelimit-limit", "30")], None),
            (&[], None),
        ];
        for (input, expected) in cases {
            assert_eq!(retry_delay_secs(&h(input)), *expected, "{input:?}");
        }
    }
}
