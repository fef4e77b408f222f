//! RFC 3339 timestamps as the records and the admin API show them (`2026-12-31T23:59:59Z`,
//! always UTC, whole seconds), and their UNIX-seconds form used for KV expiration.

use crate::civil_time;

/// A date-time the records cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("`{0}` is not an RFC 3339 date-time such as 2026-12-31T23:59:59Z")]
    NotRfc3339(String),
    #[error("`{0}` is before 1970")]
    Before1970(String),
    #[error("{0} is outside the supported date range")]
    OutOfRange(u64),
}

/// Parses an RFC 3339 date-time (any offset) into UNIX seconds; sub-seconds are dropped.
pub fn parse_rfc3339(text: &str) -> Result<u64, TimestampError> {
    let secs = civil_time::parse_rfc3339(text)
        .ok_or_else(|| TimestampError::NotRfc3339(text.to_string()))?;
    u64::try_from(secs).map_err(|_| TimestampError::Before1970(text.to_string()))
}

/// Formats UNIX seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_rfc3339(unix_secs: u64) -> Result<String, TimestampError> {
    civil_time::format_rfc3339(unix_secs).ok_or(TimestampError::OutOfRange(unix_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parses_any_offset_to_unix_seconds() {
        let cases = [
            ("utc", "2026-12-31T23:59:59Z", 1_798_761_599),
            ("offset", "2027-01-01T01:59:59+02:00", 1_798_761_599),
            (
                "fraction dropped",
                "2026-12-31T23:59:59.999Z",
                1_798_761_599,
            ),
            (
                "lowercase separators",
                "2026-12-31t23:59:59z",
                1_798_761_599,
            ),
        ];
        for (name, text, want) in cases {
            assert_eq!(parse_rfc3339(text), Ok(want), "{name}");
        }
    }

    #[test]
    fn rfc3339_rejects_other_shapes_with_an_example() {
        for text in [
            "2026-12-31",
            "2026-12-31 23:59:59",
            "tomorrow",
            "",
            "1969-12-31T23:59:59Z",
        ] {
            let err = parse_rfc3339(text).unwrap_err();
            assert!(err.to_string().contains(text), "{err}");
        }
    }

    #[test]
    fn formatting_is_utc_whole_seconds_and_round_trips() {
        assert_eq!(format_rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(1_798_761_599).unwrap(),
            "2026-12-31T23:59:59Z"
        );
        assert_eq!(
            parse_rfc3339(&format_rfc3339(1_700_000_000).unwrap()),
            Ok(1_700_000_000)
        );
        assert!(format_rfc3339(u64::MAX).is_err());
    }
}
