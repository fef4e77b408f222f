//! Optimistic concurrency on the admin API: every record carries a version, shown as
//! its `ETag` (`"<version>"`). A write names the version it read with `If-Match` (412
//! when the record has moved on) or, without one, is applied only if the record is
//! still at the version the handler read (409 when another write came between). Either
//! way no write is lost silently. D1 failures are 503s with nothing written.

use super::error::ApiError;
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::DbError;
use crate::records::WriteError;

/// The version `If-Match` names, if the header is present.
pub fn if_match(request: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(raw) = request.header("if-match") else {
        return Ok(None);
    };
    let raw = raw.trim();
    raw.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "`If-Match` must be the record's ETag as returned by GET, like \"3\"",
            )
        })
}

/// 412 when `If-Match` names another version than `current`.
pub fn check(wanted: Option<i64>, current: i64) -> Result<(), ApiError> {
    match wanted {
        Some(v) if v != current => Err(precondition_failed(current)),
        _ => Ok(()),
    }
}

fn precondition_failed(current: i64) -> ApiError {
    ApiError::new(
        412,
        "precondition_failed",
        format!(
            "the record changed since you read it: it is at ETag \"{current}\"; GET it again and re-apply your change"
        ),
    )
}

/// The answer to a failed conditional write.
pub fn write_failed(error: WriteError, wanted: Option<i64>) -> ApiError {
    match error {
        WriteError::Conflict if wanted.is_some() => ApiError::new(
            412,
            "precondition_failed",
            "the record changed since you read it; GET it again and re-apply your change",
        ),
        WriteError::Conflict => ApiError::new(
            409,
            "conflict",
            "another request changed this record at the same moment; nothing was written: GET it and retry",
        ),
        WriteError::Db(e) => unavailable(e),
    }
}

/// D1 could not be reached: a 503, nothing written.
pub fn unavailable(e: DbError) -> ApiError {
    ApiError::new(
        503,
        "database_unavailable",
        format!("the records database cannot be reached ({e}); nothing was changed: retry shortly"),
    )
}

/// `response` with the record's `ETag`.
pub fn with_etag(mut response: HttpResponse, version: i64) -> HttpResponse {
    response.set_header("etag", format!("\"{version}\""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_a_quoted_version_and_refuses_anything_else() {
        let with =
            |v: &str| HttpRequest::new("PATCH", "https://w.example/x").with_header("if-match", v);
        assert_eq!(
            if_match(&HttpRequest::new("PATCH", "https://w.example/x")).unwrap(),
            None
        );
        assert_eq!(if_match(&with("\"3\"")).unwrap(), Some(3));
        for bad in ["3", "\"x\"", "W/\"3\"", "\"0\"", "*"] {
            assert_eq!(if_match(&with(bad)).unwrap_err().status, 400, "{bad}");
        }
        assert!(check(Some(3), 3).is_ok() && check(None, 9).is_ok());
        assert_eq!(check(Some(2), 3).unwrap_err().status, 412);
        assert_eq!(write_failed(WriteError::Conflict, None).status, 409);
        assert_eq!(write_failed(WriteError::Conflict, Some(1)).status, 412);
        assert_eq!(
            write_failed(WriteError::Db(DbError("down".into())), None).status,
            503
        );
    }
}
