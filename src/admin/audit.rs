//! `GET /audit` (filtered, paged, as JSON, JSONL or CSV) and `GET /audit/series` (calls,
//! tool errors and 429s per server over time, for the dashboard's chart), read from D1.

use super::error::ApiError;
use super::json_response;
use crate::audit::export::{self, Format};
use crate::audit::log::{self, Filters};
use crate::http::{HttpRequest, HttpResponse};
use crate::ports::{query, Clock, Database, DbError};
use serde_json::{json, Value};

/// Shortest and longest chart bucket, in seconds.
const BUCKET_MIN_SECS: u64 = 60;
const BUCKET_MAX_SECS: u64 = 86_400;

fn unavailable(e: DbError) -> ApiError {
    ApiError::new(
        503,
        "database_unavailable",
        format!("the audit log cannot be read right now ({e}); retry shortly"),
    )
}

pub async fn list(request: &HttpRequest, db: &dyn Database) -> Result<HttpResponse, ApiError> {
    let pairs = request.query_pairs();
    let format = Format::parse(
        pairs
            .iter()
            .find(|(name, _)| name == "format")
            .map(|(_, v)| v.as_str()),
    )?;
    let filters = Filters::parse(&pairs, &["format"])?;
    let rows = query(db, filters.page()).await.map_err(unavailable)?;
    let (rows, next) = log::page_of(rows.rows, filters.limit);
    Ok(export::render(format, &rows, next.as_deref()))
}

/// Buckets of `bucket` seconds (default one hour) from `since` (default the last 24
/// hours) to `until`.
pub async fn series<C: Clock>(
    request: &HttpRequest,
    db: &dyn Database,
    clock: &C,
) -> Result<HttpResponse, ApiError> {
    let mut pairs = request.query_pairs();
    let bucket_secs = match pairs.iter().position(|(name, _)| name == "bucket") {
        None => 3600,
        Some(at) => {
            let (_, raw) = pairs.remove(at);
            raw.trim()
                .parse::<u64>()
                .ok()
                .filter(|b| (BUCKET_MIN_SECS..=BUCKET_MAX_SECS).contains(b))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_parameter",
                        format!(
                            "query parameter `bucket`: seconds from {BUCKET_MIN_SECS} to {BUCKET_MAX_SECS}"
                        ),
                    )
                })?
        }
    };
    let mut filters = Filters::parse(&pairs, &[])?;
    if filters.before_id.is_some() {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "query parameter `cursor`: a series is not paged",
        ));
    }
    if filters.since_ms.is_none() {
        filters.since_ms = Some(clock.now_ms().saturating_sub(86_400_000));
    }
    let rows = query(db, filters.series(bucket_secs * 1000))
        .await
        .map_err(unavailable)?;
    let points: Vec<Value> = rows.rows.into_iter().map(Value::Object).collect();
    Ok(json_response(
        200,
        json!({ "bucket_secs": bucket_secs, "since_ms": filters.since_ms, "until_ms": filters.until_ms, "points": points }),
    ))
}
