//! In-memory rows per table, sys_id generation and number sequences. Knows nothing of
//! HTTP, ACLs or rendering: values are stored exactly as ServiceNow stores them (strings).
//! Records of a table hierarchy share one store (the root table's); a table sees the
//! records whose `sys_class_name` is that table or one of its children.

use crate::platform::{extends, root_table};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// One record: column name -> stored value (always a string, `""` when empty).
pub type Row = BTreeMap<String, String>;

/// The rows of one table in insertion order, indexed by sys_id.
#[derive(Debug, Clone, Default)]
pub struct TableRows {
    rows: Vec<Row>,
    index: HashMap<String, usize>,
}

impl TableRows {
    fn rebuild_index(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.get("sys_id").map(|id| (id.clone(), i)))
            .collect();
    }
}

/// Every table's rows plus the per-table number counters.
#[derive(Debug, Clone, Default)]
pub struct Store {
    tables: BTreeMap<String, TableRows>,
    numbers: BTreeMap<String, u64>,
}

/// ServiceNow's first number on a fresh instance is `<PREFIX>0010001`.
const FIRST_NUMBER: u64 = 10001;

fn class_of<'r>(row: &'r Row, storage: &'r str) -> &'r str {
    row.get("sys_class_name")
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .unwrap_or(storage)
}

impl Store {
    /// The records of `table` (including child classes), in insertion order.
    pub fn rows(&self, table: &str) -> Vec<&Row> {
        let storage = root_table(table);
        self.tables
            .get(storage)
            .map(|t| {
                t.rows
                    .iter()
                    .filter(|r| extends(class_of(r, storage), table))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn get(&self, table: &str, sys_id: &str) -> Option<&Row> {
        let storage = root_table(table);
        let t = self.tables.get(storage)?;
        t.index
            .get(sys_id)
            .and_then(|i| t.rows.get(*i))
            .filter(|r| extends(class_of(r, storage), table))
    }

    pub fn contains(&self, table: &str, sys_id: &str) -> bool {
        self.get(table, sys_id).is_some()
    }

    /// Appends a row; a row with the sys_id of an existing one replaces it in place.
    /// A row without `sys_class_name` is a record of exactly `table`.
    pub fn insert(&mut self, table: &str, mut row: Row) {
        if row.get("sys_class_name").is_none_or(|c| c.is_empty()) {
            row.insert("sys_class_name".to_string(), table.to_string());
        }
        let t = self
            .tables
            .entry(root_table(table).to_string())
            .or_default();
        let sys_id = row.get("sys_id").cloned().unwrap_or_default();
        match t.index.get(&sys_id) {
            Some(i) => {
                if let Some(slot) = t.rows.get_mut(*i) {
                    *slot = row;
                }
            }
            None => {
                t.index.insert(sys_id, t.rows.len());
                t.rows.push(row);
            }
        }
    }

    /// Replaces an existing row of `table`; false when it has no row with that sys_id.
    pub fn replace(&mut self, table: &str, row: Row) -> bool {
        let sys_id = row.get("sys_id").cloned().unwrap_or_default();
        if !self.contains(table, &sys_id) {
            return false;
        }
        self.insert(table, row);
        true
    }

    pub fn delete(&mut self, table: &str, sys_id: &str) -> Option<Row> {
        if !self.contains(table, sys_id) {
            return None;
        }
        let t = self.tables.get_mut(root_table(table))?;
        let i = *t.index.get(sys_id)?;
        let removed = t.rows.remove(i);
        t.rebuild_index();
        Some(removed)
    }

    /// First row of `table` whose `column` equals `value` exactly.
    pub fn find_by(&self, table: &str, column: &str, value: &str) -> Option<&Row> {
        self.rows(table)
            .into_iter()
            .find(|r| r.get(column).map(String::as_str) == Some(value))
    }

    /// Next number of the table's sequence: `INC0010001`, `INC0010002`, ...
    pub fn next_number(&mut self, table: &str, prefix: &str) -> String {
        let counter = self
            .numbers
            .entry(table.to_string())
            .or_insert(FIRST_NUMBER);
        let number = format!("{prefix}{:07}", *counter);
        *counter += 1;
        number
    }
}

/// Produces 32-lowercase-hex sys_ids: SHA-256 over a per-process random key and a counter.
#[derive(Debug, Clone)]
pub struct IdGenerator {
    key: [u8; 16],
    counter: u64,
}

impl IdGenerator {
    /// A generator whose ids differ between runs (the key comes from std's per-process
    /// random hasher keys and the clock; sys_ids need uniqueness, not secrecy).
    pub fn random() -> IdGenerator {
        use std::hash::{BuildHasher, Hasher};
        let mut key = [0u8; 16];
        for chunk in key.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            hasher.write_u128(nanos);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
        IdGenerator { key, counter: 0 }
    }

    /// A generator with a fixed key, for reproducible tests.
    pub fn seeded(seed: &str) -> IdGenerator {
        let digest = Sha256::digest(seed.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        IdGenerator { key, counter: 0 }
    }

    pub fn next_sys_id(&mut self) -> String {
        self.counter += 1;
        let mut hasher = Sha256::new();
        hasher.update(self.key);
        hasher.update(self.counter.to_le_bytes());
        hex32(&hasher.finalize())
    }

    /// `len` characters from `[A-Za-z0-9]`, for OAuth tokens.
    pub fn next_token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut out = String::with_capacity(len);
        while out.len() < len {
            self.counter += 1;
            let mut hasher = Sha256::new();
            hasher.update(b"token");
            hasher.update(self.key);
            hasher.update(self.counter.to_le_bytes());
            for byte in hasher.finalize() {
                if out.len() == len {
                    break;
                }
                out.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
        out
    }
}

/// The deterministic sys_id of a stable key: the first 32 hex digits of its SHA-256.
pub fn stable_sys_id(key: &str) -> String {
    hex32(&Sha256::digest(key.as_bytes()))
}

fn hex32(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// True for a 32-character lowercase hex string.
pub fn is_sys_id(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str) -> Row {
        [("sys_id", id), ("name", name)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ci(id: &str, class: &str) -> Row {
        [("sys_id", id), ("sys_class_name", class)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn child_class_records_show_in_parent_tables_only() {
        let mut store = Store::default();
        store.insert("cmdb_ci", ci("s1", "cmdb_ci_linux_server"));
        store.insert("cmdb_ci_service", ci("p1", "cmdb_ci_service"));
        let ids = |table: &str| -> Vec<String> {
            store
                .rows(table)
                .iter()
                .filter_map(|r| r.get("sys_id").cloned())
                .collect()
        };
        assert_eq!(ids("cmdb_ci"), vec!["s1", "p1"]);
        assert_eq!(ids("cmdb_ci_server"), vec!["s1"]);
        assert_eq!(ids("cmdb_ci_service"), vec!["p1"]);
        assert!(store.get("cmdb_ci_server", "p1").is_none());
        assert!(store.get("cmdb_ci", "p1").is_some());
        assert!(store.delete("cmdb_ci_server", "p1").is_none());
        assert!(store.delete("cmdb_ci", "p1").is_some());
    }

    #[test]
    fn numbers_start_at_0010001_per_table() {
        let mut store = Store::default();
        assert_eq!(store.next_number("incident", "INC"), "INC0010001");
        assert_eq!(store.next_number("incident", "INC"), "INC0010002");
        assert_eq!(store.next_number("problem", "PRB"), "PRB0010001");
    }

    #[test]
    fn sys_ids_are_32_lowercase_hex_and_unique() {
        let mut ids = IdGenerator::random();
        let a = ids.next_sys_id();
        let b = ids.next_sys_id();
        assert!(is_sys_id(&a) && is_sys_id(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(is_sys_id(&stable_sys_id("user:alice")));
        assert!(!is_sys_id("ABCDEF0123456789ABCDEF0123456789"));
        assert!(!is_sys_id("global"));
    }

    #[test]
    fn delete_keeps_the_index_consistent() {
        let mut store = Store::default();
        store.insert("t", row("a", "A"));
        store.insert("t", row("b", "B"));
        store.insert("t", row("c", "C"));
        assert!(store.delete("t", "a").is_some());
        assert_eq!(
            store
                .get("t", "c")
                .and_then(|r| r.get("name"))
                .map(String::as_str),
            Some("C")
        );
        assert!(store.get("t", "a").is_none());
        assert!(store.replace("t", row("b", "B2")));
        assert!(!store.replace("t", row("z", "Z")));
        assert_eq!(store.rows("t").len(), 2);
        assert!(store.find_by("t", "name", "B2").is_some());
    }

    #[test]
    fn tokens_have_the_requested_length_and_alphabet() {
        let mut ids = IdGenerator::seeded("t");
        let token = ids.next_token(86);
        assert_eq!(token.len(), 86);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(token, ids.next_token(86));
    }
}
