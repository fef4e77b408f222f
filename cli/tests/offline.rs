//! Offline mode end to end against a fake `wrangler` put first on PATH: the fake keeps a
//! file-backed KV and records every call, so the test can prove which `kv key` calls the
//! CLI made, with which `--expiration`, and that the values are the worker's records
//! (credentials sealed, tokens only as hashes).

use serde_json::Value;
use servicenow_mcp::crypto::{sha256_hex, SealingKey};
use servicenow_mcp::store::{accounts, AccountAuth, McpServerRecord, StoredAccount, TokenHashRef};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

const CREDENTIALS_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const PASSWORD: &str = "offline-pw-5c1e0b";

/// Records each call (one argument per line, then `--end--`) and serves a KV from files.
/// Remote `get` of a missing key fails like the Cloudflare API does.
const FAKE_WRANGLER: &str = r#"#!/usr/bin/env bash
set -u
dir="$FAKE_WRANGLER_DIR"
{ for a in "$@"; do printf '%s\n' "$a"; done; echo "--end--"; } >> "$dir/calls.log"
if [ "$1 $2" = "d1 execute" ]; then
  if [ "${FAKE_WRANGLER_FAIL:-}" = "d1" ]; then echo "✘ [ERROR] A request to the Cloudflare API failed: Authentication error [code: 10000]" >&2; exit 1; fi
  prev=""; sql=""; for a in "$@"; do [ "$prev" = "--command" ] && sql="$a"; prev="$a"; done
  exec python3 - "$sql" <<'PY'
import json, os, sqlite3, sys
path = os.path.join(os.environ["FAKE_WRANGLER_DIR"], "d1.sqlite")
fresh = not os.path.exists(path)
db = sqlite3.connect(path, isolation_level=None)
if fresh:
    folder = os.environ["FAKE_MIGRATIONS"]
    for name in sorted(os.listdir(folder)):
        db.executescript(open(os.path.join(folder, name)).read())
statements, buf = [], ""
for ch in sys.argv[1]:
    buf += ch
    if ch == ";" and sqlite3.complete_statement(buf):
        statements.append(buf); buf = ""
if buf.strip():
    statements.append(buf)
db.execute("BEGIN")
out = []
try:
    for statement in statements:
        cur = db.execute(statement)
        names = [d[0] for d in cur.description or []]
        out.append({"results": [dict(zip(names, row)) for row in cur.fetchall()], "success": True, "meta": {"duration": 0}})
    db.execute("COMMIT")
except sqlite3.Error as e:
    db.execute("ROLLBACK")
    print(json.dumps({"error": {"text": str(e)}}))
    sys.exit(1)
print(json.dumps(out))
PY
fi
[ "$1 $2" = "kv key" ] || { echo "fake wrangler: unexpected $*" >&2; exit 9; }
op="$3"
if [ "${FAKE_WRANGLER_FAIL:-}" = "$op" ]; then echo "✘ [ERROR] A request to the Cloudflare API failed: Authentication error [code: 10000]" >&2; exit 1; fi
remote=0; for a in "$@"; do [ "$a" = "--remote" ] && remote=1; done
mkdir -p "$dir/kv"
case "$op" in
  put) printf '%s' "$5" > "$dir/kv/$4"; echo "Writing the value to key \"$4\"." ;;
  get) if [ -f "$dir/kv/$4" ]; then cat "$dir/kv/$4";
       elif [ $remote = 1 ]; then echo "✘ [ERROR] Failed to fetch https://api.cloudflare.com/values/x - 404: Not Found);" >&2; exit 1;
       else echo "Value not found"; fi ;;
  delete) rm -f "$dir/kv/$4" ;;
  list) prefix=""; prev="";
        for a in "$@"; do [ "$prev" = "--prefix" ] && prefix="$a"; prev="$a"; done
        out="["; sep="";
        for f in "$dir/kv"/*; do [ -e "$f" ] || continue; n="$(basename "$f")";
          case "$n" in "$prefix"*) out="$out$sep{\"name\":\"$n\"}"; sep="," ;; esac; done
        echo "$out]" ;;
  *) echo "fake wrangler: unknown op $op" >&2; exit 9 ;;
esac
"#;

struct Fake {
    dir: PathBuf,
}

impl Fake {
    fn new(name: &str) -> Fake {
        let dir = std::env::temp_dir().join(format!("snmcp-offline-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).expect("temp dir");
        let script = dir.join("bin").join("wrangler");
        fs::write(&script, FAKE_WRANGLER).expect("fake wrangler");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Fake { dir }
    }

    fn snmcp(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new(env!("CARGO_BIN_EXE_snmcp"));
        command
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("FAKE_WRANGLER_DIR", &self.dir)
            .env(
                "FAKE_MIGRATIONS",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations"),
            )
            .env("CREDENTIALS_KEY", CREDENTIALS_KEY);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().expect("run snmcp")
    }

    /// Every recorded call, as its argument list.
    fn calls(&self) -> Vec<Vec<String>> {
        let log = fs::read_to_string(self.dir.join("calls.log")).unwrap_or_default();
        let mut calls = Vec::new();
        let mut current = Vec::new();
        for line in log.lines() {
            if line == "--end--" {
                calls.push(std::mem::take(&mut current));
            } else {
                current.push(line.to_string());
            }
        }
        calls
    }

    fn clear_calls(&self) {
        let _ = fs::remove_file(self.dir.join("calls.log"));
    }

    fn value(&self, key: &str) -> String {
        fs::read_to_string(self.dir.join("kv").join(key))
            .unwrap_or_else(|_| panic!("no KV value {key}"))
    }

    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = fs::read_dir(self.dir.join("kv"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        keys.sort();
        keys
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "snmcp failed ({:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The value after `flag` in a call.
fn flag<'a>(call: &'a [String], flag: &str) -> Option<&'a str> {
    call.iter()
        .position(|a| a == flag)
        .and_then(|i| call.get(i + 1))
        .map(String::as_str)
}

fn puts(calls: &[Vec<String>]) -> Vec<&Vec<String>> {
    calls
        .iter()
        .filter(|c| c.get(2).map(String::as_str) == Some("put"))
        .collect()
}

#[test]
fn offline_provisioning_writes_sealed_accounts_and_hashed_servers_with_expiration() {
    let fake = Fake::new("local");
    let put_account = fake.snmcp(
        &[
            "--offline",
            "account",
            "put",
            "acme",
            "--instance-url",
            "https://acme.service-now.com",
            "--auth",
            "basic",
            "--username",
            "svc",
        ],
        &[("SNMCP_PASSWORD", PASSWORD)],
    );
    assert!(ok(&put_account).starts_with("registered account acme"));
    let calls = fake.calls();
    let account_put = puts(&calls);
    assert_eq!(account_put.len(), 1, "{calls:?}");
    assert_eq!(
        account_put[0][..4].to_vec(),
        ["kv", "key", "put", "account:acme"]
            .map(String::from)
            .to_vec()
    );
    assert_eq!(flag(account_put[0], "--binding"), Some("MCP_STATE"));
    assert!(
        account_put[0].contains(&"--local".to_string())
            && !account_put[0].contains(&"--expiration".to_string())
    );
    // The stored account is the worker's record: sealed, and it opens with the worker's key.
    let stored: StoredAccount =
        serde_json::from_str(&fake.value("account:acme")).expect("a StoredAccount");
    assert!(
        stored.auth_sealed.starts_with("v2.") && !fake.value("account:acme").contains(PASSWORD)
    );
    let key = SealingKey::from_secret(CREDENTIALS_KEY).expect("key");
    let opened = accounts::open(&key, &stored).expect("opens with CREDENTIALS_KEY");
    assert_eq!(
        opened.auth,
        AccountAuth::Basic {
            username: "svc".into(),
            password: PASSWORD.into()
        }
    );

    fake.clear_calls();
    let before = now();
    let created = fake.snmcp(
        &[
            "--offline",
            "--public-url",
            "https://mcp.example.com/",
            "server",
            "create",
            "acme",
            "--name",
            "Agent",
            "--methods",
            "read",
            "--expires-in",
            "7d",
        ],
        &[],
    );
    let stdout = ok(&created);
    let url = stdout.lines().last().expect("a URL line");
    let token = url
        .strip_prefix("https://mcp.example.com/mcp/")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(token.len(), 43);
    let calls = fake.calls();
    let server_puts = puts(&calls);
    assert_eq!(server_puts.len(), 2, "{calls:?}");
    let server_key = format!("server:{}", sha256_hex(token));
    let server_put = server_puts
        .iter()
        .find(|c| c[3] == server_key)
        .expect("a put of server:<sha256(token)>");
    let index_put = server_puts
        .iter()
        .find(|c| c[3].starts_with("account-server:acme:mcp_"))
        .expect("an index put");
    let expiration: u64 = flag(server_put, "--expiration")
        .and_then(|e| e.parse().ok())
        .expect("--expiration");
    assert!(
        (before + 7 * 86_400..=now() + 7 * 86_400).contains(&expiration),
        "{expiration}"
    );
    assert_eq!(
        flag(index_put, "--expiration"),
        Some(expiration.to_string().as_str())
    );
    let record: McpServerRecord =
        serde_json::from_str(&fake.value(&server_key)).expect("a McpServerRecord");
    assert_eq!(
        (record.account_id.as_str(), record.expires_at_unix),
        ("acme", Some(expiration))
    );
    let reference: TokenHashRef =
        serde_json::from_str(&fake.value(&index_put[3])).expect("a TokenHashRef");
    assert_eq!(reference.token_hash, sha256_hex(token));
    // Neither the token nor the password was ever a wrangler argument or a stored value.
    let log = fs::read_to_string(fake.dir.join("calls.log")).unwrap_or_default();
    assert!(!log.contains(token) && !log.contains(PASSWORD));
    for key in fake.keys() {
        let value = fake.value(&key);
        assert!(!value.contains(token) && !value.contains(PASSWORD), "{key}");
    }

    let listed = ok(&fake.snmcp(&["--offline", "--json", "server", "list", "acme"], &[]));
    let listed: Value = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(listed["result"][0]["id"], Value::String(record.id.clone()));

    let deleted = fake.snmcp(&["--offline", "account", "delete", "acme"], &[]);
    assert!(ok(&deleted).contains("revoked 1 MCP server"));
    // Only the revoked server's tombstone is left at the edge (it expires by itself).
    assert_eq!(fake.keys(), std::slice::from_ref(&server_key));
    let tombstone: McpServerRecord =
        serde_json::from_str(&fake.value(&server_key)).expect("a McpServerRecord");
    assert!(tombstone.revoked);
}

#[test]
fn offline_remote_targets_the_binding_and_treats_a_404_as_missing() {
    let fake = Fake::new("remote");
    let out = fake.snmcp(
        &[
            "--offline",
            "--remote",
            "--binding",
            "PROD_STATE",
            "--d1-binding",
            "PROD_DB",
            "--wrangler-env",
            "production",
            "account",
            "get",
            "ghost",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("snmcp: no integrated account `ghost`")
            && stderr.contains("(HTTP 404, account_not_found)"),
        "{stderr}"
    );
    // The account is read from the system of record: one `d1 execute` on that binding.
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0][..3], ["d1", "execute", "PROD_DB"]);
    assert_eq!(flag(&calls[0], "--env"), Some("production"));
    assert!(
        calls[0].contains(&"--remote".to_string()) && !calls[0].contains(&"--local".to_string())
    );
}

#[test]
fn a_failing_wrangler_is_one_clear_line_and_exit_1() {
    let fake = Fake::new("fail");
    let out = fake.snmcp(
        &[
            "--offline",
            "token",
            "create",
            "--name",
            "ci",
            "--all-accounts",
        ],
        &[("FAKE_WRANGLER_FAIL", "d1")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "`wrangler d1 execute` failed: ✘ [ERROR] A request to the Cloudflare API failed"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(out.stdout.is_empty());
    // The record is saved in D1 but its KV copy fails: saved, with a warning that the
    // edge copy waits for the worker's scheduled reconcile.
    let out = fake.snmcp(
        &[
            "--offline",
            "token",
            "create",
            "--name",
            "ci",
            "--all-accounts",
        ],
        &[("FAKE_WRANGLER_FAIL", "put")],
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("snmcp: warning: saved, but not yet at the edge"),
        "{stderr}"
    );
}

type Precondition<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], i32, &'a str);

#[test]
fn offline_preconditions_are_checked_before_any_wrangler_call() {
    let fake = Fake::new("pre");
    // (arguments, extra environment, exit code, message fragment)
    let cases: [Precondition; 3] = [
        (
            &["--offline", "server", "create", "acme", "--name", "x"],
            &[],
            2,
            "needs --public-url",
        ),
        (
            &[
                "--offline",
                "account",
                "put",
                "a",
                "--instance-url",
                "https://a.service-now.com",
                "--auth",
                "bearer",
            ],
            &[("CREDENTIALS_KEY", "short"), ("SNMCP_TOKEN", "t")],
            1,
            "CREDENTIALS_KEY",
        ),
        (
            &[
                "--offline",
                "account",
                "put",
                "a",
                "--instance-url",
                "https://a.service-now.com",
                "--auth",
                "bearer",
            ],
            &[],
            1,
            "SNMCP_TOKEN",
        ),
    ];
    for (args, env, code, fragment) in cases {
        let out = fake.snmcp(args, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("snmcp: ") && stderr.contains(fragment),
            "{args:?}: {stderr}"
        );
    }
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    assert!(!Path::new(&fake.dir.join("kv")).exists());
}
