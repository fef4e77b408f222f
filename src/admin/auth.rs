//! The admin credential: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.

use super::error::ApiError;
use crate::crypto::constant_time_eq;
use crate::http::HttpRequest;

/// Accepts the request only with `Authorization: Bearer <ADMIN_TOKEN>`.
pub fn require_admin(request: &HttpRequest, admin_token: &str) -> Result<(), ApiError> {
    match request.bearer_token() {
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
