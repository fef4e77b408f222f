//! Who may call the simulator and what each account may see and change: accounts,
//! OAuth clients, API keys and per-account ACLs, all as data. Deciding only; the
//! Table API applies the answers.

use crate::query::EncodedQuery;
use crate::store::stable_sys_id;
use std::fmt;

/// A secret that never shows in Debug output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: &str) -> Secret {
        Secret(value.to_string())
    }

    /// Compares without short-circuiting on the first differing byte.
    pub fn matches(&self, candidate: &str) -> bool {
        let a = self.0.as_bytes();
        let b = candidate.as_bytes();
        let mut diff = a.len() ^ b.len();
        for (i, byte) in a.iter().enumerate() {
            diff |= usize::from(byte ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A write operation, named as ServiceNow names it in ACL errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOp {
    Insert,
    Update,
    Delete,
}

impl WriteOp {
    pub fn label(self) -> &'static str {
        match self {
            WriteOp::Insert => "Insert",
            WriteOp::Update => "Update",
            WriteOp::Delete => "Delete",
        }
    }
}

/// Rows of `table` matching `hidden_when` (an encoded query; empty hides every row)
/// are invisible: lists skip them, reads and writes by sys_id answer 404.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRule {
    pub table: String,
    pub hidden_when: String,
}

/// Writes of `ops` on `table` (`None`: every table) fail with 403.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRule {
    pub table: Option<String>,
    pub ops: Vec<WriteOp>,
}

/// An account's ACLs. Empty rules mean full access (admin).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessRules {
    /// `(table, column)` pairs the account may not read: dropped from records.
    pub hidden_fields: Vec<(String, String)>,
    pub hidden_rows: Vec<RowRule>,
    pub denied_writes: Vec<WriteRule>,
    /// Tables the account may not read at all (403), like `sys_dictionary` for a user
    /// without the admin or personalize_dictionary role.
    pub denied_tables: Vec<String>,
}

impl AccessRules {
    pub fn can_read_field(&self, table: &str, column: &str) -> bool {
        !self
            .hidden_fields
            .iter()
            .any(|(t, c)| t == table && c == column)
    }

    /// The parsed row rules for a table; a row matching any of them is hidden.
    pub fn row_filters(&self, table: &str) -> Vec<EncodedQuery> {
        self.hidden_rows
            .iter()
            .filter(|r| r.table == table)
            .map(|r| EncodedQuery::parse(&r.hidden_when))
            .collect()
    }

    pub fn can_read_table(&self, table: &str) -> bool {
        !self.denied_tables.iter().any(|t| t == table)
    }

    pub fn can_write(&self, table: &str, op: WriteOp) -> bool {
        !self
            .denied_writes
            .iter()
            .any(|rule| rule.table.as_deref().is_none_or(|t| t == table) && rule.ops.contains(&op))
    }
}

/// A ServiceNow user the simulator accepts credentials for.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user_name: String,
    pub password: Secret,
    /// The sys_id of the account's `sys_user` row (deterministic, seeded or not).
    pub sys_id: String,
    pub access: AccessRules,
}

/// An OAuth application registry entry (`oauth_entity`).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: Secret,
    /// The user a `client_credentials` grant acts as; `None` disables that grant.
    pub client_credentials_user: Option<String>,
}

/// An API key (`x-sn-apikey`) and the user it acts as.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub key: Secret,
    pub user_name: String,
}

/// Everyone who can authenticate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directory {
    pub accounts: Vec<Account>,
    pub oauth_clients: Vec<OAuthClient>,
    pub api_keys: Vec<ApiKey>,
}

/// The sys_id the demo seed gives the `sys_user` row of `user_name`.
pub fn user_sys_id(user_name: &str) -> String {
    stable_sys_id(&format!("sys_user:{user_name}"))
}

impl Directory {
    /// The documented accounts (docs/simulator.md): `admin`, `itil`, `readonly`, the
    /// OAuth client `mcp-demo-client` and the API key `sim-api-key-admin`.
    pub fn demo() -> Directory {
        let account = |name: &str, access: AccessRules| Account {
            user_name: name.to_string(),
            password: Secret::new(name),
            sys_id: user_sys_id(name),
            access,
        };
        let field = |t: &str, c: &str| (t.to_string(), c.to_string());
        let itil = AccessRules {
            hidden_fields: vec![
                field("sys_user", "phone"),
                field("sys_user", "mobile_phone"),
                field("incident", "close_notes"),
            ],
            hidden_rows: vec![RowRule {
                table: "incident".to_string(),
                hidden_when: "category=security".to_string(),
            }],
            denied_writes: vec![WriteRule {
                table: None,
                ops: vec![WriteOp::Delete],
            }],
            // No admin or personalize_dictionary role: the dictionary is not theirs.
            denied_tables: vec!["sys_dictionary".to_string()],
        };
        let readonly = AccessRules {
            denied_writes: vec![WriteRule {
                table: None,
                ops: vec![WriteOp::Insert, WriteOp::Update, WriteOp::Delete],
            }],
            ..AccessRules::default()
        };
        Directory {
            accounts: vec![
                account("admin", AccessRules::default()),
                account("itil", itil),
                account("readonly", readonly),
            ],
            oauth_clients: vec![OAuthClient {
                client_id: "mcp-demo-client".to_string(),
                client_secret: Secret::new("mcp-demo-secret"),
                client_credentials_user: Some("admin".to_string()),
            }],
            api_keys: vec![ApiKey {
                key: Secret::new("sim-api-key-admin"),
                user_name: "admin".to_string(),
            }],
        }
    }

    pub fn account(&self, user_name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.user_name == user_name)
    }

    /// The account for a user name and password (Basic auth, OAuth password grant).
    pub fn check_password(&self, user_name: &str, password: &str) -> Option<&Account> {
        self.account(user_name)
            .filter(|a| a.password.matches(password))
    }

    pub fn client(&self, client_id: &str, client_secret: &str) -> Option<&OAuthClient> {
        self.oauth_clients
            .iter()
            .find(|c| c.client_id == client_id && c.client_secret.matches(client_secret))
    }

    pub fn api_key_user(&self, key: &str) -> Option<&Account> {
        let entry = self.api_keys.iter().find(|k| k.key.matches(key))?;
        self.account(&entry.user_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accounts_have_the_documented_acls() {
        let d = Directory::demo();
        let admin = &d.account("admin").expect("admin").access;
        let itil = &d.account("itil").expect("itil").access;
        let readonly = &d.account("readonly").expect("readonly").access;
        let cases: [(&str, bool, bool, bool); 6] = [
            (
                "read sys_user.phone",
                admin.can_read_field("sys_user", "phone"),
                itil.can_read_field("sys_user", "phone"),
                readonly.can_read_field("sys_user", "phone"),
            ),
            (
                "read incident.close_notes",
                admin.can_read_field("incident", "close_notes"),
                itil.can_read_field("incident", "close_notes"),
                true,
            ),
            (
                "insert incident",
                admin.can_write("incident", WriteOp::Insert),
                itil.can_write("incident", WriteOp::Insert),
                readonly.can_write("incident", WriteOp::Insert),
            ),
            (
                "update problem",
                admin.can_write("problem", WriteOp::Update),
                itil.can_write("problem", WriteOp::Update),
                readonly.can_write("problem", WriteOp::Update),
            ),
            (
                "delete incident",
                admin.can_write("incident", WriteOp::Delete),
                itil.can_write("incident", WriteOp::Delete),
                readonly.can_write("incident", WriteOp::Delete),
            ),
            (
                "row filters on incident",
                admin.row_filters("incident").is_empty(),
                itil.row_filters("incident").is_empty(),
                readonly.row_filters("incident").is_empty(),
            ),
        ];
        let expected = [
            (true, false, true),
            (true, false, true),
            (true, true, false),
            (true, true, false),
            (true, false, false),
            (true, false, true),
        ];
        for ((name, a, i, r), want) in cases.into_iter().zip(expected) {
            assert_eq!((a, i, r), want, "{name}: admin, itil, readonly");
        }
    }

    #[test]
    fn credentials_are_checked_exactly() {
        let d = Directory::demo();
        assert!(d.check_password("itil", "itil").is_some());
        assert!(d.check_password("itil", "itil ").is_none());
        assert!(d.check_password("itil", "").is_none());
        assert!(d.check_password("nobody", "nobody").is_none());
        assert!(d.client("mcp-demo-client", "mcp-demo-secret").is_some());
        assert!(d.client("mcp-demo-client", "wrong").is_none());
        assert_eq!(
            d.api_key_user("sim-api-key-admin")
                .map(|a| a.user_name.as_str()),
            Some("admin")
        );
        assert!(d.api_key_user("sim-api-key-admi").is_none());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let rendered = format!("{:?}", Directory::demo());
        for secret in ["mcp-demo-secret", "sim-api-key-admin"] {
            assert!(!rendered.contains(secret), "{secret} leaked");
        }
    }
}
