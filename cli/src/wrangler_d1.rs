//! A `Database` over `wrangler d1 execute --json --command`, so offline provisioning
//! writes the system of record exactly as the worker's admin API does (same SQL).
//! `wrangler d1 execute` binds no parameters: values are written into the SQL as
//! literals (text quoted with `''` doubling, which is SQLite's only escape; integers in
//! decimal); a statement's row count comes from a `SELECT changes()` after it, since the
//! local answer carries none. One call runs the whole batch (atomically: a failing
//! statement rolls back those before it, as `batch()` does in the worker).

use crate::args::Offline;
use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};
use servicenow_mcp::ports::{Database, DbError, Rows, SqlValue, Statement};
use std::process::{Command, Stdio};

pub struct WranglerD1 {
    program: Vec<String>,
    /// `<binding> --local|--remote [--persist-to D] [--config F] [--env E]`.
    target: Vec<String>,
}

impl WranglerD1 {
    pub fn new(program: Vec<String>, offline: &Offline) -> Self {
        let mut target = vec![offline.d1_binding.clone()];
        target.extend(crate::wrangler::target_flags(offline));
        WranglerD1 { program, target }
    }

    fn execute(&self, statements: &[Statement]) -> Result<Vec<Rows>, DbError> {
        let mut sql = String::new();
        let mut writes = Vec::with_capacity(statements.len());
        for statement in statements {
            let text = inline(statement)?;
            let write = !text.trim_start().to_ascii_uppercase().starts_with("SELECT");
            sql.push_str(&text);
            sql.push_str(";\n");
            if write {
                sql.push_str("SELECT changes() AS changes;\n");
            }
            writes.push(write);
        }
        let Some((program, leading)) = self.program.split_first() else {
            return Err(DbError("SNMCP_WRANGLER is empty".into()));
        };
        let output = Command::new(program)
            .args(leading)
            .args(["d1", "execute"])
            .args(&self.target)
            .args(["--json", "--command", &sql])
            .env("CI", "true")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| DbError(format!("cannot run `{}`: {e}", self.program.join(" "))))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let why = serde_json::from_str::<Value>(&stdout)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/text")
                        .and_then(Value::as_str)
                        .map(String::from)
                })
                .or_else(|| {
                    stderr
                        .lines()
                        .chain(stdout.lines())
                        .map(str::trim)
                        .rfind(|l| !l.is_empty())
                        .map(String::from)
                })
                .unwrap_or_else(|| "no output".into());
            return Err(DbError(format!("`wrangler d1 execute` failed: {why}")));
        }
        let answers: Vec<Value> = serde_json::from_str(stdout.trim())
            .map_err(|e| DbError(format!("`wrangler d1 execute` answered no JSON list: {e}")))?;
        let mut answers = answers.into_iter();
        let rows_of = |answer: Option<Value>| -> Result<Vec<Map<String, Value>>, DbError> {
            let answer = answer
                .ok_or_else(|| DbError("`wrangler d1 execute` answered too few results".into()))?;
            Ok(answer
                .get("results")
                .and_then(Value::as_array)
                .map(|rows| rows.iter().filter_map(|r| r.as_object().cloned()).collect())
                .unwrap_or_default())
        };
        let mut out = Vec::with_capacity(writes.len());
        for write in writes {
            let rows = rows_of(answers.next())?;
            if write {
                let counted = rows_of(answers.next())?;
                let changes = counted
                    .first()
                    .and_then(|r| r.get("changes"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                out.push(Rows { rows, changes });
            } else {
                out.push(Rows { rows, changes: 0 });
            }
        }
        Ok(out)
    }
}

impl Database for WranglerD1 {
    fn batch<'a>(
        &'a self,
        statements: Vec<Statement>,
    ) -> LocalBoxFuture<'a, Result<Vec<Rows>, DbError>> {
        let answer = self.execute(&statements);
        Box::pin(async move { answer })
    }
}

/// The statement with its `?` placeholders replaced by literals (a `?` inside a quoted
/// literal of the SQL itself is left alone).
fn inline(statement: &Statement) -> Result<String, DbError> {
    let mut params = statement.params.iter();
    let mut out = String::with_capacity(statement.sql.len() + 64);
    let mut quoted = false;
    for c in statement.sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                let value = params
                    .next()
                    .ok_or_else(|| DbError("more placeholders than values".into()))?;
                out.push_str(&literal(value)?);
            }
            _ => out.push(c),
        }
    }
    if params.next().is_some() {
        return Err(DbError("more values than placeholders".into()));
    }
    Ok(out)
}

fn literal(value: &SqlValue) -> Result<String, DbError> {
    Ok(match value {
        SqlValue::Null => "NULL".into(),
        SqlValue::Integer(n) => n.to_string(),
        SqlValue::Text(t) if t.contains('\0') => {
            return Err(DbError("a text value holds a NUL character".into()))
        }
        SqlValue::Text(t) => format!("'{}'", t.replace('\'', "''")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_literals_and_quotes_are_doubled() {
        let statement = Statement::new(
            "UPDATE t SET a = ?, b = ?, c = ? WHERE d = 'x?' AND e = ?",
            vec![
                SqlValue::Text("it's; DROP TABLE t; --".into()),
                SqlValue::Integer(-7),
                SqlValue::Null,
                SqlValue::Text("?".into()),
            ],
        );
        assert_eq!(
            inline(&statement).unwrap(),
            "UPDATE t SET a = 'it''s; DROP TABLE t; --', b = -7, c = NULL WHERE d = 'x?' AND e = '?'"
        );
        let short = Statement::new("SELECT ?, ?", vec![SqlValue::Null]);
        assert!(inline(&short).is_err());
        let long = Statement::new("SELECT 1", vec![SqlValue::Null]);
        assert!(inline(&long).is_err());
        let nul = Statement::new("SELECT ?", vec![SqlValue::Text("a\0b".into())]);
        assert!(inline(&nul).is_err());
    }
}
