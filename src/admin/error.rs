//! The admin API's one error type and its JSON form:
//! `{"error": {"code": "<snake_case>", "message": "<clear text>"}}`.

use crate::http::HttpResponse;
use crate::store::StoreError;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For 405: the methods the path accepts.
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    pub fn method_not_allowed(method: &str, allow: &'static str) -> Self {
        ApiError {
            allow: Some(allow),
            ..Self::new(
                405,
                "method_not_allowed",
                format!("{method} is not supported on this path; use one of: {allow}"),
            )
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::json(
            self.status,
            &json!({ "error": { "code": self.code, "message": self.message } }),
        );
        if let Some(allow) = self.allow {
            response.set_header("allow", allow);
        }
        if self.status == 401 {
            response.set_header("www-authenticate", "Bearer");
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Kv(_) => {
                return ApiError::new(503, "storage_unavailable", format!("{e}; retry shortly"))
            }
            StoreError::Corrupt { .. } => "corrupt_record",
            StoreError::Sealed { .. } => "credentials_unreadable",
            StoreError::Internal(_) => "internal_error",
        };
        ApiError::new(500, code, e.to_string())
    }
}
