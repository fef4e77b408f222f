//! A page of audit rows as the caller asked: a JSON object (`entries`, `next_cursor`),
//! JSON Lines (one row per line) or CSV (RFC 4180, a header line, formula-safe cells).
//! JSONL and CSV carry the next page's cursor in the `x-next-cursor` header, so an
//! export streams page by page (`snmcp audit export` follows it).

use crate::http::HttpResponse;
use serde_json::{json, Map, Value};

/// The CSV columns, in order (every column of a row; `arguments` as JSON text).
const CSV_COLUMNS: [&str; 24] = [
    "id",
    "at",
    "at_ms",
    "request_id",
    "kind",
    "server_id",
    "account_id",
    "user_id",
    "client_name",
    "client_version",
    "protocol_version",
    "method",
    "tool",
    "argument_keys",
    "arguments",
    "outcome",
    "rpc_code",
    "http_status",
    "upstream_status",
    "upstream_ms",
    "upstream_requests",
    "total_ms",
    "ratelimit_remaining",
    "bytes_out",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> Result<Format, crate::http::HttpError> {
        match raw.map(str::trim) {
            None | Some("json") => Ok(Format::Json),
            Some("jsonl") => Ok(Format::Jsonl),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(crate::http::HttpError::bad_request(
                "invalid_parameter",
                "query parameter `format`: json, jsonl or csv",
            )),
        }
    }
}

pub fn render(
    format: Format,
    rows: &[Map<String, Value>],
    next_cursor: Option<&str>,
) -> HttpResponse {
    let mut response = match format {
        Format::Json => {
            return HttpResponse::json(200, &json!({ "entries": rows, "next_cursor": next_cursor }))
        }
        Format::Jsonl => {
            let mut body = String::new();
            for row in rows {
                body.push_str(&Value::Object(row.clone()).to_string());
                body.push('\n');
            }
            let mut response = HttpResponse::new(200);
            response.set_header("content-type", "application/x-ndjson; charset=utf-8");
            response.body = body.into_bytes();
            response
        }
        Format::Csv => {
            let mut body = CSV_COLUMNS.join(",");
            body.push_str("\r\n");
            for row in rows {
                let cells: Vec<String> = CSV_COLUMNS
                    .iter()
                    .map(|column| csv_cell(row.get(*column).unwrap_or(&Value::Null)))
                    .collect();
                body.push_str(&cells.join(","));
                body.push_str("\r\n");
            }
            let mut response = HttpResponse::new(200);
            response.set_header("content-type", "text/csv; charset=utf-8");
            response.set_header("content-disposition", "attachment; filename=\"audit.csv\"");
            response.body = body.into_bytes();
            response
        }
    };
    if let Some(cursor) = next_cursor {
        response.set_header("x-next-cursor", cursor.to_string());
    }
    response
}

/// One CSV cell: quoted when it holds a comma, quote or line break; a text starting with
/// `=`, `+`, `-`, `@` or a tab gets a leading `'` so a spreadsheet never runs it as a
/// formula (client names and tool arguments are caller-chosen).
fn csv_cell(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::String(s) => {
            if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{s}")
            } else {
                s.clone()
            }
        }
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell(&json!("plain")), "plain");
        assert_eq!(csv_cell(&json!("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_cell(&json!("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell(&json!(-32602)), "-32602");
        assert_eq!(csv_cell(&Value::Null), "");
        assert_eq!(csv_cell(&json!(["a", "b"])), "\"[\"\"a\"\",\"\"b\"\"]\"");
    }

    #[test]
    fn jsonl_and_csv_carry_the_cursor_in_a_header() {
        let row: Map<String, Value> = json!({"id": 7, "tool": "t", "http_status": 200})
            .as_object()
            .unwrap()
            .clone();
        let csv = render(Format::Csv, std::slice::from_ref(&row), Some("7"));
        assert_eq!(csv.header("x-next-cursor"), Some("7"));
        let text = String::from_utf8(csv.body).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("id,at,at_ms,"));
        assert!(lines[1].starts_with("7,,,"));
        let jsonl = render(Format::Jsonl, &[row.clone(), row], None);
        assert_eq!(jsonl.header("x-next-cursor"), None);
        assert_eq!(String::from_utf8(jsonl.body).unwrap().lines().count(), 2);
    }
}
