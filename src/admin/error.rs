//! The admin API's one error type and its JSON form:
//! `{"error": {"code": "<snake_case>", "message": "<clear text>"}}`.

use crate::store::StoreError;

/// The admin API answers with the worker's one HTTP error type.
pub use crate::http::HttpError as ApiError;

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
