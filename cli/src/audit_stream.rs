//! `snmcp audit export` and `snmcp audit tail`: the audit log read page after page.
//! Export writes every matching entry (following `x-next-cursor`); tail prints new
//! entries as they arrive, oldest first, polling at an interval for a bounded time.

use crate::args::{AuditFilters, ExportFormat};
use crate::call::audit_page;
use crate::output;
use crate::transport::RawReply;
use crate::Failure;
use serde_json::Value;
use std::io::Write;
use std::time::{Duration, Instant};

type Send<'a> = dyn Fn(&crate::call::AdminCall) -> Result<RawReply, Failure> + 'a;

/// The error line of a refused page (the worker's JSON error).
fn refused(reply: RawReply) -> Failure {
    let body = serde_json::from_str(&reply.text).unwrap_or(Value::Null);
    Failure::Failed(output::error_line(reply.status, &body))
}

fn write_out(stdout: &mut dyn Write, text: &str) -> Result<(), Failure> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Failed(format!("cannot write to standard output: {e}")))
}

pub fn export(
    send: &Send<'_>,
    filters: &AuditFilters,
    format: ExportFormat,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let mut cursor: Option<String> = None;
    let mut first = true;
    loop {
        let reply = send(&audit_page(
            filters,
            Some(format.api_name()),
            cursor.as_deref(),
            1000,
        ))?;
        if reply.status >= 400 {
            return Err(refused(reply));
        }
        let text = if first || format == ExportFormat::Jsonl {
            reply.text.as_str()
        } else {
            // Every CSV page starts with the header line; the file keeps the first.
            reply.text.split_once("\r\n").map_or("", |(_, rest)| rest)
        };
        write_out(stdout, text)?;
        first = false;
        match reply.next_cursor {
            // A cursor that does not move would loop forever.
            Some(next) if cursor.as_deref() == Some(next.as_str()) => {
                return Err(Failure::Failed(
                    "the worker returned the same cursor twice".into(),
                ))
            }
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// Entries newer than `after_id` (at most ten pages back), oldest first.
fn newer(send: &Send<'_>, filters: &AuditFilters, after_id: i64) -> Result<Vec<Value>, Failure> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let reply = send(&audit_page(filters, None, cursor.as_deref(), 1000))?;
        if reply.status >= 400 {
            return Err(refused(reply));
        }
        let body: Value = serde_json::from_str(&reply.text)
            .map_err(|e| Failure::Failed(format!("the audit page is not JSON: {e}")))?;
        let entries = body["entries"].as_array().cloned().unwrap_or_default();
        let reached = entries
            .iter()
            .any(|e| e["id"].as_i64().unwrap_or(0) <= after_id);
        found.extend(
            entries
                .into_iter()
                .filter(|e| e["id"].as_i64().unwrap_or(0) > after_id),
        );
        cursor = body["next_cursor"].as_str().map(String::from);
        if reached || cursor.is_none() {
            break;
        }
    }
    found.reverse();
    Ok(found)
}

pub fn tail(
    send: &Send<'_>,
    filters: &AuditFilters,
    follow_secs: Option<u64>,
    interval_secs: u64,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let deadline = follow_secs.map(|s| Instant::now() + Duration::from_secs(s));
    // Start with the last ten entries, as `tail` does.
    let reply = send(&audit_page(filters, None, None, 10))?;
    if reply.status >= 400 {
        return Err(refused(reply));
    }
    let body: Value = serde_json::from_str(&reply.text)
        .map_err(|e| Failure::Failed(format!("the audit page is not JSON: {e}")))?;
    let mut recent = body["entries"].as_array().cloned().unwrap_or_default();
    recent.reverse();
    let mut last_id = 0;
    for entry in &recent {
        write_out(stdout, &format!("{}\n", output::audit_line(entry)))?;
        last_id = last_id.max(entry["id"].as_i64().unwrap_or(0));
    }
    loop {
        let pause = Duration::from_secs(interval_secs);
        match deadline {
            Some(end) if Instant::now() + pause > end => return Ok(()),
            _ => std::thread::sleep(pause),
        }
        for entry in newer(send, filters, last_id)? {
            write_out(stdout, &format!("{}\n", output::audit_line(&entry)))?;
            last_id = last_id.max(entry["id"].as_i64().unwrap_or(0));
        }
    }
}
