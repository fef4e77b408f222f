//! The SQL port: Cloudflare D1 (SQLite at the edge), reduced to what the product needs:
//! a batch of parameterised statements run atomically, each answering its rows as JSON
//! objects and the number of rows it changed. Object-safe (boxed futures), so the
//! services carry it as `&dyn Database` without one more generic on every signature: a
//! D1 query takes milliseconds, the box nanoseconds.

use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

/// A value bound to a `?` placeholder. D1 passes numbers as JavaScript numbers, so an
/// integer keeps its exact value only up to 2^53 (every integer the product binds is a
/// time in milliseconds, a count or a status), and D1 may bind it as REAL: SQL that
/// needs integer arithmetic on a parameter casts it (`CAST(? AS INTEGER)`); comparisons
/// and integer columns are unaffected.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(text: &str) -> Self {
        SqlValue::Text(text.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(text: String) -> Self {
        SqlValue::Text(text)
    }
}

impl From<i64> for SqlValue {
    fn from(n: i64) -> Self {
        SqlValue::Integer(n)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// One statement: SQL text with `?` placeholders and their values, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, params: Vec<SqlValue>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// What one statement answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// One object per row, column name to value (integers as JSON integers).
    pub rows: Vec<Map<String, Value>>,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database error: {0}")]
pub struct DbError(pub String);

/// A SQL database with D1's guarantees: [`Database::batch`] runs its statements in one
/// transaction (all or none), in order.
pub trait Database {
    fn batch<'a>(
        &'a self,
        statements: Vec<Statement>,
    ) -> LocalBoxFuture<'a, Result<Vec<Rows>, DbError>>;
}

/// One statement on its own.
pub async fn query(db: &dyn Database, statement: Statement) -> Result<Rows, DbError> {
    db.batch(vec![statement])
        .await?
        .pop()
        .ok_or_else(|| DbError("the database answered no result".into()))
}

/// A database that is not there (no D1 binding): every statement fails with `why`.
pub struct Unbound(pub &'static str);

impl Database for Unbound {
    fn batch<'a>(
        &'a self,
        _statements: Vec<Statement>,
    ) -> LocalBoxFuture<'a, Result<Vec<Rows>, DbError>> {
        Box::pin(async move { Err(DbError(self.0.to_string())) })
    }
}
