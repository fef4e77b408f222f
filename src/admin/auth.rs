//! The admin credential: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time,
//! and where a browser may send it from.

use super::error::ApiError;
use crate::crypto::constant_time_eq;
use crate::http::HttpRequest;
use crate::origin::OriginPolicy;

/// A browser may call the admin API only from the worker's own pages: a loopback origin
/// (the local demo and its dashboard), `PUBLIC_URL`'s origin, or the request's own origin
/// over https (TLS binds that name to this worker). A page whose DNS name was rebound to
/// 127.0.0.1 sends its own plain-http origin (and the same `Host`), so it is refused
/// before the token is even looked at. Requests without `Origin` (the CLI, curl) pass.
pub fn check_origin(request: &HttpRequest, public_url: Option<&str>) -> Result<(), ApiError> {
    let Some(origin) = request.header("origin") else {
        return Ok(());
    };
    let origin = origin.trim().trim_end_matches('/');
    let policy = OriginPolicy {
        allowed: &[],
        public_url,
    };
    let own_https = origin.starts_with("https://") && request.origin().eq_ignore_ascii_case(origin);
    if policy.allows(origin) || own_https {
        return Ok(());
    }
    Err(ApiError::new(
        403,
        "origin_not_allowed",
        format!(
            "the admin API does not answer pages from {}: only this worker's own origin (PUBLIC_URL, or loopback for a local run) may call it from a browser",
            origin.chars().take(100).collect::<String>()
        ),
    ))
}

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
    fn browsers_reach_the_admin_api_only_from_the_workers_own_origin() {
        let at = |url: &str, origin: Option<&str>| {
            let request = HttpRequest::new("POST", url);
            match origin {
                Some(o) => request.with_header("origin", o),
                None => request,
            }
        };
        let local = "http://127.0.0.1:8787/integrated-account/demo/mcp";
        let cases = [
            (at(local, None), None, true),
            (at(local, Some("http://127.0.0.1:8787")), None, true),
            (at(local, Some("http://localhost:8787")), None, true),
            // DNS rebinding: the rebound name is both Host and Origin, over plain http.
            (
                at(
                    "http://evil.example:8787/api-tokens",
                    Some("http://evil.example:8787"),
                ),
                None,
                false,
            ),
            (at(local, Some("http://evil.example:8787")), None, false),
            (at(local, Some("null")), None, false),
            (
                at("https://w.example/api-tokens", Some("https://w.example")),
                None,
                true,
            ),
            (
                at("https://w.example/api-tokens", Some("https://evil.example")),
                None,
                false,
            ),
            (
                at("http://10.0.0.5/api-tokens", Some("https://admin.example")),
                Some("https://admin.example/"),
                true,
            ),
        ];
        for (request, public_url, allowed) in cases {
            let got = check_origin(&request, public_url);
            assert_eq!(
                got.is_ok(),
                allowed,
                "{:?} {:?}",
                request.url,
                request.header("origin")
            );
            if let Err(e) = got {
                assert_eq!(e.status, 403);
            }
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
