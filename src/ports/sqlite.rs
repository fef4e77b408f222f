//! [`Database`] over an in-memory SQLite (the engine D1 runs), for native tests: the
//! repository's own migrations are applied, so a statement that D1 would refuse fails
//! here too. `down()` makes every batch fail, as an unavailable D1 does.

use super::database::{Database, DbError, Rows, SqlValue, Statement};
use futures::future::LocalBoxFuture;
use rusqlite::types::{Value as Sql, ValueRef};
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};

pub struct SqliteDb {
    connection: RefCell<rusqlite::Connection>,
    down: Cell<bool>,
    batches: Cell<u64>,
}

impl SqliteDb {
    /// A fresh database with every file of `migrations/` applied in name order.
    pub fn migrated() -> Self {
        let connection = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
        for (name, sql) in migrations() {
            connection
                .execute_batch(&sql)
                .unwrap_or_else(|e| panic!("migration {name} does not apply: {e}"));
        }
        SqliteDb {
            connection: RefCell::new(connection),
            down: Cell::new(false),
            batches: Cell::new(0),
        }
    }

    /// While `down`, every batch fails (and changes nothing).
    pub fn set_down(&self, down: bool) {
        self.down.set(down);
    }

    /// Batches run so far (successful or not).
    pub fn batches(&self) -> u64 {
        self.batches.get()
    }

    fn run(&self, statements: &[Statement]) -> Result<Vec<Rows>, DbError> {
        self.batches.set(self.batches.get() + 1);
        if self.down.get() {
            return Err(DbError("D1 is unavailable (test)".into()));
        }
        let mut connection = self.connection.borrow_mut();
        let transaction = connection.transaction().map_err(error)?;
        let mut answers = Vec::with_capacity(statements.len());
        for statement in statements {
            answers.push(run_one(&transaction, statement)?);
        }
        transaction.commit().map_err(error)?;
        Ok(answers)
    }
}

impl Database for SqliteDb {
    fn batch<'a>(
        &'a self,
        statements: Vec<Statement>,
    ) -> LocalBoxFuture<'a, Result<Vec<Rows>, DbError>> {
        let answer = self.run(&statements);
        Box::pin(async move { answer })
    }
}

fn error(e: rusqlite::Error) -> DbError {
    DbError(e.to_string())
}

fn run_one(connection: &rusqlite::Connection, statement: &Statement) -> Result<Rows, DbError> {
    let mut prepared = connection.prepare(&statement.sql).map_err(error)?;
    let params: Vec<Sql> = statement
        .params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Sql::Null,
            SqlValue::Integer(n) => Sql::Integer(*n),
            SqlValue::Text(t) => Sql::Text(t.clone()),
        })
        .collect();
    let names: Vec<String> = prepared
        .column_names()
        .into_iter()
        .map(String::from)
        .collect();
    if names.is_empty() {
        let changes = prepared
            .execute(rusqlite::params_from_iter(params))
            .map_err(error)?;
        return Ok(Rows {
            rows: Vec::new(),
            changes: changes as u64,
        });
    }
    let mut rows = Vec::new();
    let mut cursor = prepared
        .query(rusqlite::params_from_iter(params))
        .map_err(error)?;
    while let Some(row) = cursor.next().map_err(error)? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i).map_err(error)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Value::from(f),
                ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => Value::Null,
            };
            object.insert(name.clone(), value);
        }
        rows.push(object);
    }
    drop(cursor);
    Ok(Rows {
        rows,
        changes: connection.changes(),
    })
}

/// `migrations/*.sql` of this repository, in name order (as wrangler applies them).
fn migrations() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let sql = std::fs::read_to_string(&path).expect("a readable migration");
            (path.display().to_string(), sql)
        })
        .collect()
}
