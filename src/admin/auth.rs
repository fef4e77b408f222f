//! Bearer credentials: reading `Authorization: Bearer <token>` and checking the admin
//! token in constant time.

use super::error::ApiError;
use crate::crypto::constant_time_eq;
use crate::http::HttpRequest;

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or
/// None when the header is missing, uses another scheme, or carries no token.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request.header("authorization")?.trim();
    let (scheme, token) = value.split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Accepts the request only with `Authorization: Bearer <ADMIN_TOKEN>`.
pub fn require_admin(request: &HttpRequest, admin_token: &str) -> Result<(), ApiError> {
    match bearer_token(request) {
        None => Err(ApiError::unauthorized(
            "missing admin credentials: send `Authorization: Bearer <ADMIN_TOKEN>`",
        )),
        Some(given) if constant_time_eq(given.as_bytes(), admin_token.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::unauthorized(
            "the bearer token is not this deployment's ADMIN_TOKEN",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_reads_the_authorization_header() {
        let cases = [
            ("plain", Some("Bearer abc"), Some("abc")),
            ("lowercase scheme", Some("bearer abc"), Some("abc")),
            ("shouting scheme", Some("BEARER abc"), Some("abc")),
            ("extra spaces", Some("  Bearer   abc  "), Some("abc")),
            ("tab", Some("Bearer\tabc"), Some("abc")),
            ("missing header", None, None),
            ("basic scheme", Some("Basic YWJjOmRlZg=="), None),
            ("no token", Some("Bearer"), None),
            ("blank token", Some("Bearer   "), None),
        ];
        for (name, header, want) in cases {
            let mut request = HttpRequest::new("GET", "https://w.example/api-tokens");
            if let Some(h) = header {
                request = request.with_header("Authorization", h);
            }
            assert_eq!(bearer_token(&request), want, "{name}");
        }
    }

    #[test]
    fn admin_check_distinguishes_missing_from_wrong() {
        let request = HttpRequest::new("GET", "https://w.example/api-tokens");
        let missing = require_admin(&request, "s3cret").unwrap_err();
        assert!(missing.message.contains("missing"));
        let wrong = require_admin(
            &request.clone().with_header("authorization", "Bearer nope"),
            "s3cret",
        )
        .unwrap_err();
        assert_eq!(wrong.status, 401);
        assert!(!wrong.message.contains("s3cret"));
        assert!(require_admin(
            &request.with_header("authorization", "Bearer s3cret"),
            "s3cret"
        )
        .is_ok());
    }
}
