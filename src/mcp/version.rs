//! Protocol revisions this server speaks and the two eras they belong to: legacy
//! (an `initialize` handshake, 2024-11-05 … 2025-11-25) and modern (per-request `_meta`,
//! 2026-07-28). The transport and the dispatcher read these; nothing here reads HTTP.

/// Revisions served statelessly by per-request metadata, newest first.
pub const MODERN_VERSIONS: [&str; 1] = ["2026-07-28"];

/// Revisions negotiated by `initialize`, newest first.
pub const LEGACY_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// The newest legacy revision: what `initialize` offers when the client's is unknown.
pub const LATEST_LEGACY_VERSION: &str = LEGACY_VERSIONS[0];

/// Every revision, modern first: `server/discover`'s `supportedVersions` and the
/// `supported` list of an unsupported-version error.
pub fn supported_versions() -> Vec<&'static str> {
    MODERN_VERSIONS
        .iter()
        .chain(&LEGACY_VERSIONS)
        .copied()
        .collect()
}

/// Which rules a request is served by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// `initialize`-negotiated revisions.
    Legacy,
    /// Per-request metadata (2026-07-28).
    Modern,
}

/// The era of a known revision; `None` for one this server does not speak.
pub fn era_of(version: &str) -> Option<Era> {
    if MODERN_VERSIONS.contains(&version) {
        Some(Era::Modern)
    } else if LEGACY_VERSIONS.contains(&version) {
        Some(Era::Legacy)
    } else {
        None
    }
}

/// The client's legacy version when we speak it, else our newest legacy one (the client
/// then decides). A modern revision is never the answer to `initialize`.
pub fn negotiate_legacy(requested: Option<&str>) -> &'static str {
    requested
        .and_then(|r| LEGACY_VERSIONS.iter().find(|v| **v == r))
        .copied()
        .unwrap_or(LATEST_LEGACY_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_negotiation_echoes_supported_versions_and_never_offers_modern() {
        for (requested, expected) in [
            (Some("2025-11-25"), "2025-11-25"),
            (Some("2025-06-18"), "2025-06-18"),
            (Some("2025-03-26"), "2025-03-26"),
            (Some("2024-11-05"), "2024-11-05"),
            (Some("2026-07-28"), LATEST_LEGACY_VERSION),
            (Some("2023-01-01"), LATEST_LEGACY_VERSION),
            (Some(""), LATEST_LEGACY_VERSION),
            (None, LATEST_LEGACY_VERSION),
        ] {
            assert_eq!(negotiate_legacy(requested), expected, "{requested:?}");
        }
    }

    #[test]
    fn eras_of_versions() {
        assert_eq!(era_of("2026-07-28"), Some(Era::Modern));
        for v in LEGACY_VERSIONS {
            assert_eq!(era_of(v), Some(Era::Legacy), "{v}");
        }
        assert_eq!(era_of("2099-01-01"), None);
        assert_eq!(era_of(" 2025-11-25"), None);
    }

    #[test]
    fn supported_versions_list_modern_first_then_legacy() {
        assert_eq!(
            supported_versions(),
            [
                "2026-07-28",
                "2025-11-25",
                "2025-06-18",
                "2025-03-26",
                "2024-11-05"
            ]
        );
    }
}
