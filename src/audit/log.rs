//! The audit log in SQL: entries become one `INSERT` each (written as one batch), and
//! `GET /audit`'s query string becomes one `SELECT`, newest first, paged by row id.

use super::{Entry, Outcome};
use crate::http::HttpError;
use crate::ports::{SqlValue, Statement};
use crate::store::timestamps::parse_rfc3339;
use serde_json::{Map, Value};

/// The columns of `audit_log` an entry fills, in [`insert`]'s order.
const COLUMNS: &str = "at_ms, request_id, kind, server_id, account_id, user_id, client_name, \
     client_version, protocol_version, method, tool, argument_keys, arguments, outcome, \
     rpc_code, http_status, upstream_status, upstream_ms, upstream_requests, total_ms, \
     ratelimit_remaining, bytes_out";

pub const PAGE_DEFAULT: u32 = 100;
pub const PAGE_MAX: u32 = 1000;

fn int(n: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Values one row binds (the columns of [`COLUMNS`]).
const VALUES_PER_ROW: usize = 22;
/// Rows per `INSERT`: D1 binds at most 100 values per statement.
pub const ROWS_PER_INSERT: usize = 100 / VALUES_PER_ROW;

/// The entries as multi-row `INSERT`s of up to [`ROWS_PER_INSERT`] rows each (fewer
/// statements per batch: under `make load` one statement per row cost a measurable
/// share of the p50, docs/performance.md).
pub fn insert(entries: &[Entry]) -> Vec<Statement> {
    let one_row = format!("({})", ["?"; VALUES_PER_ROW].join(", "));
    entries
        .chunks(ROWS_PER_INSERT)
        .map(|chunk| {
            let rows = vec![one_row.as_str(); chunk.len()].join(", ");
            Statement::new(
                format!("INSERT INTO audit_log ({COLUMNS}) VALUES {rows}"),
                chunk.iter().flat_map(values).collect(),
            )
        })
        .collect()
}

fn values(e: &Entry) -> Vec<SqlValue> {
    let keys =
        (!e.argument_keys.is_empty()).then(|| Value::from(e.argument_keys.clone()).to_string());
    vec![
        int(e.at_ms),
        e.request_id.clone().into(),
        e.kind.into(),
        e.server_id.clone().into(),
        e.account_id.clone().into(),
        e.user_id.clone().into(),
        e.client_name.clone().into(),
        e.client_version.clone().into(),
        e.protocol_version.clone().into(),
        e.method.clone().into(),
        e.tool.clone().into(),
        keys.into(),
        e.arguments.as_ref().map(Value::to_string).into(),
        e.outcome.as_str().into(),
        e.rpc_code.into(),
        int(u64::from(e.http_status)),
        e.upstream_status
            .map(|s| int(u64::from(s)))
            .unwrap_or(SqlValue::Null),
        e.upstream_ms.map(int).unwrap_or(SqlValue::Null),
        int(u64::from(e.upstream_requests)),
        int(e.total_ms),
        e.ratelimit_remaining.map(int).unwrap_or(SqlValue::Null),
        int(e.bytes_out),
    ]
}

/// What `GET /audit` selects: every filter optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub server: Option<String>,
    pub account: Option<String>,
    pub tool: Option<String>,
    pub outcome: Option<Outcome>,
    pub kind: Option<&'static str>,
    /// Inclusive, milliseconds.
    pub since_ms: Option<u64>,
    /// Exclusive, milliseconds.
    pub until_ms: Option<u64>,
    /// Rows older than this id (the previous page's `next_cursor`).
    pub before_id: Option<i64>,
    pub limit: u32,
}

fn bad(parameter: &str, why: impl std::fmt::Display) -> HttpError {
    HttpError::new(
        400,
        "invalid_parameter",
        format!("query parameter `{parameter}`: {why}"),
    )
}

/// A time bound: RFC 3339 (`2026-12-08T10:00:00Z`) or UNIX milliseconds.
fn time_ms(parameter: &str, raw: &str) -> Result<u64, HttpError> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().map_err(|_| bad(parameter, "too large"));
    }
    parse_rfc3339(raw)
        .map(|secs| secs.saturating_mul(1000))
        .map_err(|e| bad(parameter, format!("{e}, or UNIX milliseconds")))
}

fn id_text(parameter: &str, raw: &str) -> Result<String, HttpError> {
    if raw.is_empty() || raw.chars().count() > 200 || raw.chars().any(char::is_control) {
        return Err(bad(
            parameter,
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(raw.to_string())
}

impl Filters {
    /// Reads the query string's pairs (already percent-decoded). Unknown parameters are
    /// refused, so a misspelt filter never silently widens the answer. `extra` names
    /// parameters the caller handles itself (`format`).
    pub fn parse(pairs: &[(String, String)], extra: &[&str]) -> Result<Filters, HttpError> {
        let mut filters = Filters {
            limit: PAGE_DEFAULT,
            ..Filters::default()
        };
        for (name, raw) in pairs {
            let raw = raw.trim();
            match name.as_str() {
                "server" => filters.server = Some(id_text(name, raw)?),
                "account" => filters.account = Some(id_text(name, raw)?),
                "tool" => filters.tool = Some(id_text(name, raw)?),
                "outcome" => {
                    let found = Outcome::NAMES
                        .iter()
                        .position(|n| *n == raw)
                        .ok_or_else(|| {
                            bad(name, format!("one of {}", Outcome::NAMES.join(", ")))
                        })?;
                    filters.outcome = Some(
                        [
                            Outcome::Ok,
                            Outcome::ToolError,
                            Outcome::RpcError,
                            Outcome::HttpError,
                        ][found],
                    );
                }
                "kind" => {
                    filters.kind = Some(match raw {
                        "mcp" => "mcp",
                        "admin" => "admin",
                        _ => return Err(bad(name, "mcp or admin")),
                    })
                }
                "since" => filters.since_ms = Some(time_ms(name, raw)?),
                "until" => filters.until_ms = Some(time_ms(name, raw)?),
                "cursor" => {
                    let id = raw
                        .parse::<i64>()
                        .ok()
                        .filter(|id| *id > 0)
                        .ok_or_else(|| bad(name, "not a cursor this API returned (next_cursor)"))?;
                    filters.before_id = Some(id);
                }
                "limit" => {
                    filters.limit = raw
                        .parse::<u32>()
                        .ok()
                        .filter(|l| (1..=PAGE_MAX).contains(l))
                        .ok_or_else(|| bad(name, format!("an integer from 1 to {PAGE_MAX}")))?;
                }
                other if extra.contains(&other) => {}
                other => {
                    return Err(bad(
                        other,
                        "unknown; filters are server, account, tool, outcome, kind, since, until, \
                         cursor, limit",
                    ))
                }
            }
        }
        if let (Some(since), Some(until)) = (filters.since_ms, filters.until_ms) {
            if since >= until {
                return Err(bad("until", "must be after `since`"));
            }
        }
        Ok(filters)
    }

    /// The `WHERE` clause (without the cursor) and its parameters.
    fn conditions(&self) -> (String, Vec<SqlValue>) {
        let mut clauses: Vec<&str> = Vec::new();
        let mut params = Vec::new();
        let mut text = |clause, value: &Option<String>| {
            if let Some(v) = value {
                clauses.push(clause);
                params.push(SqlValue::Text(v.clone()));
            }
        };
        text("server_id = ?", &self.server);
        text("account_id = ?", &self.account);
        text("tool = ?", &self.tool);
        if let Some(outcome) = self.outcome {
            clauses.push("outcome = ?");
            params.push(outcome.as_str().into());
        }
        if let Some(kind) = self.kind {
            clauses.push("kind = ?");
            params.push(kind.into());
        }
        if let Some(since) = self.since_ms {
            clauses.push("at_ms >= ?");
            params.push(int(since));
        }
        if let Some(until) = self.until_ms {
            clauses.push("at_ms < ?");
            params.push(int(until));
        }
        let sql = if clauses.is_empty() {
            "1 = 1".to_string()
        } else {
            clauses.join(" AND ")
        };
        (sql, params)
    }

    /// One page, newest first: `limit + 1` rows are read to know whether more follow.
    pub fn page(&self) -> Statement {
        let (mut sql, mut params) = self.conditions();
        if let Some(before) = self.before_id {
            sql.push_str(" AND id < ?");
            params.push(SqlValue::Integer(before));
        }
        params.push(SqlValue::Integer(i64::from(self.limit) + 1));
        Statement::new(
            format!("SELECT id, {COLUMNS} FROM audit_log WHERE {sql} ORDER BY id DESC LIMIT ?"),
            params,
        )
    }

    /// Calls, tool errors, JSON-RPC errors and 429s per server per time bucket (the
    /// dashboard's chart), oldest bucket first.
    pub fn series(&self, bucket_ms: u64) -> Statement {
        let (sql, mut params) = self.conditions();
        let mut all = vec![int(bucket_ms), int(bucket_ms)];
        all.append(&mut params);
        Statement::new(
            format!(
                "SELECT server_id, (at_ms / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket_ms, COUNT(*) AS calls, \
                 SUM(outcome = 'tool_error') AS tool_errors, SUM(outcome = 'rpc_error') AS rpc_errors, \
                 SUM(http_status = 429) AS rate_limited FROM audit_log WHERE kind = 'mcp' AND {sql} \
                 GROUP BY server_id, bucket_ms ORDER BY bucket_ms, server_id LIMIT 5000"
            ),
            all,
        )
    }
}

/// A page of rows as the API shows them (JSON columns parsed back) and the cursor of
/// the next page.
pub fn page_of(
    mut rows: Vec<Map<String, Value>>,
    limit: u32,
) -> (Vec<Map<String, Value>>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().and_then(|r| r.get("id")).map(Value::to_string))
        .flatten();
    for row in &mut rows {
        for column in ["argument_keys", "arguments"] {
            if let Some(Value::String(text)) = row.get(column) {
                let parsed = serde_json::from_str(text).unwrap_or(Value::Null);
                row.insert(column.into(), parsed);
            }
        }
        if let Some(at) = row.get("at_ms").and_then(Value::as_u64) {
            let at = crate::store::timestamps::format_rfc3339(at / 1000).unwrap_or_default();
            row.insert("at".into(), Value::String(at));
        }
    }
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn filters_parse_and_bad_ones_name_their_parameter() {
        let f = Filters::parse(
            &pairs(&[
                ("server", "mcp_1"),
                ("outcome", "tool_error"),
                ("since", "2026-12-08T00:00:00Z"),
                ("until", "1796774400001"),
                ("limit", "5"),
                ("cursor", "42"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(f.server.as_deref(), Some("mcp_1"));
        assert_eq!(f.outcome, Some(Outcome::ToolError));
        assert_eq!(f.since_ms, Some(1_796_688_000_000));
        assert_eq!(f.until_ms, Some(1_796_774_400_001));
        assert_eq!((f.limit, f.before_id), (5, Some(42)));
        for (name, raw) in [
            ("outcome", "fine"),
            ("since", "yesterday"),
            ("until", "2026-13-01T00:00:00Z"),
            ("cursor", "abc"),
            ("cursor", "-1"),
            ("limit", "0"),
            ("limit", "1001"),
            ("kind", "robot"),
            ("server", ""),
            ("tools", "x"),
        ] {
            let error = Filters::parse(&pairs(&[(name, raw)]), &[]).unwrap_err();
            assert_eq!(error.status, 400, "{name}={raw}");
            assert!(
                error.message.contains(&format!("`{name}`")),
                "{name}={raw}: {}",
                error.message
            );
        }
        let error =
            Filters::parse(&pairs(&[("since", "2000"), ("until", "1000")]), &[]).unwrap_err();
        assert!(error.message.contains("`until`"));
        assert!(Filters::parse(&pairs(&[("format", "csv")]), &["format"]).is_ok());
    }

    #[test]
    fn inserts_carry_up_to_four_rows_and_stay_within_d1s_hundred_values() {
        let request =
            crate::http::HttpRequest::new("DELETE", "https://w.example/integrated-account/a");
        let entries: Vec<Entry> = (0..9)
            .map(|i| {
                super::super::capture::admin_entry(
                    i,
                    i,
                    &request,
                    &crate::http::HttpResponse::new(200),
                )
            })
            .collect();
        let statements = insert(&entries);
        let rows: Vec<usize> = statements
            .iter()
            .map(|s| s.params.len() / VALUES_PER_ROW)
            .collect();
        assert_eq!(rows, [4, 4, 1]);
        for statement in &statements {
            assert!(statement.params.len() <= 100);
            assert_eq!(statement.sql.matches('?').count(), statement.params.len());
        }
        assert!(insert(&[]).is_empty());
    }

    #[test]
    fn a_page_statement_binds_every_filter_and_reads_one_row_more() {
        let f = Filters {
            account: Some("acme".into()),
            before_id: Some(10),
            limit: 3,
            ..Filters::default()
        };
        let statement = f.page();
        assert!(
            statement
                .sql
                .contains("account_id = ? AND id < ? ORDER BY id DESC LIMIT ?"),
            "{}",
            statement.sql
        );
        assert_eq!(
            statement.params,
            vec![
                SqlValue::Text("acme".into()),
                SqlValue::Integer(10),
                SqlValue::Integer(4)
            ]
        );
    }
}
