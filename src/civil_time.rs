//! UTC calendar arithmetic for the few timestamp shapes the worker reads and writes:
//! RFC 3339 (admin API, records) and IMF-fixdate (`Retry-After`). Hand-written rather
//! than pulling a date crate into the wasm bundle (size budget); proleptic Gregorian,
//! years 1970..=9999.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn number(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// UNIX seconds of a validated UTC date and time; `None` when any part is out of range.
fn unix_secs(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 61; // a leap second is read as the next second
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second)
    })
}

/// Parses an RFC 3339 date-time (`2026-12-31T23:59:59Z`, any offset, optional fraction,
/// `t`/`z` in either case) to UNIX seconds; sub-seconds are dropped. `None` otherwise.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let year = i64::from(number(text.get(0..4)?, 4)?);
    let month = number(text.get(5..7)?, 2)?;
    let day = number(text.get(8..10)?, 2)?;
    let hour = number(text.get(11..13)?, 2)?;
    let minute = number(text.get(14..16)?, 2)?;
    let second = number(text.get(17..19)?, 2)?;
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = fraction.get(digits..)?;
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            // `get`, not `[..]`: the text is untrusted and may not split on a char boundary.
            let oh = number(rest.get(1..3)?, 2)?;
            let om = number(rest.get(4..6)?, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * i64::from(oh * 3600 + om * 60)
        }
    };
    Some(unix_secs(year, month, day, hour, minute, second)? - offset_secs)
}

/// Formats UNIX seconds as `YYYY-MM-DDTHH:MM:SSZ`; `None` past year 9999.
pub fn format_rfc3339(unix_secs: u64) -> Option<String> {
    let secs = i64::try_from(unix_secs).ok()?;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    if year > 9999 {
        return None;
    }
    let rem = secs.rem_euclid(86_400);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110) to UNIX seconds.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let mut parts = text.split(' ');
    let weekday = parts.next()?.strip_suffix(',')?;
    let day = number(parts.next()?, 2)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let year = i64::from(number(parts.next()?, 4)?);
    let clock = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() || clock.len() != 8 {
        return None;
    }
    // Byte checks and `get`: the header is untrusted and may hold multi-byte characters.
    if !clock.is_ascii() || clock.as_bytes()[2] != b':' || clock.as_bytes()[5] != b':' {
        return None;
    }
    let hour = number(clock.get(0..2)?, 2)?;
    let minute = number(clock.get(3..5)?, 2)?;
    let second = number(clock.get(6..8)?, 2)?;
    let secs = unix_secs(year, month, day, hour, minute, second)?;
    // 1970-01-01 was a Thursday (index 3 from Monday).
    let expected = WEEKDAYS[(secs.div_euclid(86_400) + 3).rem_euclid(7) as usize];
    (weekday == expected).then_some(secs)
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
