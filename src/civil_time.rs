//! The few timestamp shapes the worker reads and writes: RFC 3339 (admin API, records)
//! and IMF-fixdate (`Retry-After`), through the `time` crate; UTC, years 1970..=9999.
//! It replaced 150 hand-written lines of calendar arithmetic on 2026-12-07 for 14.3 KiB
//! gzip of bundle (585.6 against 571.3 KiB, `make bundle`): untrusted headers are parsed
//! by a well-kept parser, well inside the 1,024 KiB budget.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Parses an RFC 3339 date-time (`2026-12-31T23:59:59Z`, any offset, optional fraction,
/// `t`/`z` in either case) to UNIX seconds; sub-seconds are dropped. `None` otherwise.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    (1..=9999)
        .contains(&parsed.year())
        .then(|| parsed.unix_timestamp())
}

/// Formats UNIX seconds as `YYYY-MM-DDTHH:MM:SSZ`; `None` past year 9999.
pub fn format_rfc3339(unix_secs: u64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(unix_secs).ok()?).ok()?;
    if at.year() > 9999 {
        return None;
    }
    at.format(&Rfc3339).ok()
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110) to UNIX seconds.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let imf_fixdate = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = PrimitiveDateTime::parse(text, imf_fixdate).ok()?;
    // `time` reads the weekday without checking it against the date; a wrong one is no date.
    let weekday = parsed.weekday().to_string();
    text.starts_with(weekday.get(..3)?)
        .then(|| parsed.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_table() {
        for (text, want) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2026-12-31T23:59:59Z", Some(1_798_761_599)),
            ("2027-01-01T01:59:59+02:00", Some(1_798_761_599)),
            ("2026-12-31T18:59:59-05:00", Some(1_798_761_599)),
            ("2026-12-31T23:59:59.999Z", Some(1_798_761_599)),
            ("2026-12-31t23:59:59z", Some(1_798_761_599)),
            ("2024-02-29T12:00:00Z", Some(1_709_208_000)),
            ("2023-02-29T12:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-12-31T24:00:00Z", None),
            ("2026-12-31", None),
            ("2026-12-31 23:59:59", None),
            ("2026-12-31T23:59:59", None),
            ("2026-12-31T23:59:59.Z", None),
            ("2026-12-31T23:59:59+0200", None),
            ("tomorrow", None),
            ("", None),
            ("２026-12-31T23:59:59Z", None),
        ] {
            assert_eq!(parse_rfc3339(text), want, "{text}");
        }
    }

    #[test]
    fn formatting_round_trips_across_centuries() {
        for secs in [
            0u64,
            951_782_400,
            1_709_208_000,
            1_798_761_599,
            4_102_444_800,
            253_402_300_799,
        ] {
            let text = format_rfc3339(secs).unwrap();
            assert_eq!(parse_rfc3339(&text), Some(secs as i64), "{text}");
        }
        assert_eq!(
            format_rfc3339(1_798_761_599).as_deref(),
            Some("2026-12-31T23:59:59Z")
        );
        assert_eq!(format_rfc3339(253_402_300_800), None);
    }

    #[test]
    fn http_date_table() {
        for (text, want) in [
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(784_111_777)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Mon, 06 Nov 1994 08:49:37 GMT", None),
            ("Sunday, 06-Nov-94 08:49:37 GMT", None),
            ("Sun Nov  6 08:49:37 1994", None),
            ("Sun, 06 Nov 1994 08:49:37 UTC", None),
            ("Sun, 06 Nov 1994 08:49:37 GMT extra", None),
            ("", None),
        ] {
            assert_eq!(parse_http_date(text), want, "{text}");
        }
    }

    #[test]
    fn non_ascii_header_values_are_refused_not_sliced() {
        // Each of these has the right byte length for a fixed-width field but a
        // multi-byte character straddling a field boundary.
        for text in [
            "Sun, 06 Nov 1994 0é:49:3 GMT",
            "Sun, 06 Nov 1994 08:4é:3 GMT",
            "Sun, 06 Nov 1994 08é49:37 GMT",
            "Sun, 06 Nov 1994 €8:49:3 GMT",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
        for text in [
            "2026-12-31T23:59:59+0é:0",
            "2026-12-31T23:59:59+€:00",
            "2026-12-31T23:59:59-00€0",
            "2026-12-31T23:59:59.€",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    /// Valid dates with random characters (ASCII, 2-, 3- and 4-byte UTF-8) swapped in:
    /// every header parser must answer `None` or a value, never panic.
    #[test]
    fn header_parsers_survive_random_text() {
        let seeds = [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "2026-12-31T23:59:59.123+02:00",
            "2026-12-31T23:59:59Z",
            "1700000000.5",
        ];
        let alphabet = [
            "0", "9", ":", " ", ",", "+", "-", ".", "T", "Z", "é", "€", "😀", "\u{0}", "٣", "G",
        ];
        let mut rng = crate::test_rng::TestRng::new(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let seed = seeds[rng.below(seeds.len())];
            let mut chars: Vec<String> = seed.chars().map(String::from).collect();
            for _ in 0..=rng.below(4) {
                let at = rng.below(chars.len());
                let with = alphabet[rng.below(alphabet.len())].to_string();
                match rng.below(3) {
                    0 => chars[at] = with,
                    1 => chars.insert(at, with),
                    _ => {
                        chars.remove(at);
                    }
                }
                if chars.is_empty() {
                    break;
                }
            }
            let text: String = chars.concat();
            let _ = parse_http_date(&text);
            let _ = parse_rfc3339(&text);
            let headers: Vec<(String, String)> = [
                "retry-after",
                "x-ratelimit-reset",
                "x-ratelimit-limit",
                "ratelimit-remaining",
            ]
            .iter()
            .map(|name| (name.to_string(), text.clone()))
            .collect();
            let normalized = crate::servicenow::rate_limit::normalize_rate_limit_headers(
                &headers,
                1_700_000_000,
            );
            let _ = crate::servicenow::rate_limit::retry_delay_secs(&normalized);
        }
    }
}
