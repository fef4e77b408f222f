//! A `KvStore` over `wrangler kv key get/put/delete/list`, so offline provisioning writes
//! exactly the records the worker's admin API writes (same code, same bytes).

use crate::args::Offline;
use servicenow_mcp::ports::{KeyPage, KvStore, StoreError};
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub struct WranglerKv {
    /// The program and its leading arguments, e.g. `["npx", "wrangler"]`.
    program: Vec<String>,
    /// `--binding B --local|--remote [--persist-to D] [--config F] [--env E]`.
    target: Vec<String>,
}

/// How to run wrangler: `SNMCP_WRANGLER` (split on spaces), else `wrangler` when it is on
/// PATH, else `npx wrangler` (which finds a project-local install).
pub fn program(env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    if let Some(custom) = env("SNMCP_WRANGLER").filter(|v| !v.trim().is_empty()) {
        return custom.split_whitespace().map(String::from).collect();
    }
    let on_path = env("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| is_executable(&dir.join("wrangler")))
    });
    if on_path {
        vec!["wrangler".into()]
    } else {
        vec!["npx".into(), "wrangler".into()]
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The flags that aim a wrangler command where `--offline` says: `--local|--remote`,
/// then `--persist-to`, `--config` and `--env` when given (KV and D1 commands alike).
pub fn target_flags(offline: &Offline) -> Vec<String> {
    let mut flags = vec![if offline.remote {
        "--remote"
    } else {
        "--local"
    }
    .to_string()];
    for (flag, value) in [
        ("--persist-to", &offline.persist_to),
        ("--config", &offline.wrangler_config),
        ("--env", &offline.wrangler_env),
    ] {
        if let Some(value) = value {
            flags.push(flag.to_string());
            flags.push(value.clone());
        }
    }
    flags
}

impl WranglerKv {
    pub fn new(program: Vec<String>, offline: &Offline) -> Self {
        let mut target = vec!["--binding".to_string(), offline.binding.clone()];
        target.extend(target_flags(offline));
        WranglerKv { program, target }
    }

    fn run(&self, what: &str, args: Vec<String>) -> Result<Output, StoreError> {
        let Some((program, leading)) = self.program.split_first() else {
            return Err(StoreError("SNMCP_WRANGLER is empty".into()));
        };
        let output = Command::new(program)
            .args(leading)
            .args(&args)
            .args(&self.target)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                StoreError(format!(
                    "cannot run `{}`: {e}; install wrangler (`npm ci`) or set SNMCP_WRANGLER",
                    self.program.join(" ")
                ))
            })?;
        // `get` reports a missing key through its exit status; it reads the output itself.
        if output.status.success() || what == "get" {
            Ok(output)
        } else {
            Err(failure(what, &output))
        }
    }
}

/// One line saying which wrangler call failed and wrangler's own last words.
fn failure(what: &str, output: &Output) -> StoreError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stderr
        .lines()
        .chain(stdout.lines())
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no output");
    let code = output
        .status
        .code()
        .map_or("a signal".to_string(), |c| format!("exit status {c}"));
    StoreError(format!("`wrangler kv key {what}` failed ({code}): {last}"))
}

impl KvStore for WranglerKv {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let output = self.run(
            "get",
            vec!["kv".into(), "key".into(), "get".into(), key.into()],
        )?;
        let stdout = String::from_utf8(output.stdout.clone())
            .map_err(|_| StoreError(format!("the value of `{key}` is not UTF-8")))?;
        if output.status.success() {
            // Local mode prints this (exit 0) for a missing key; our values are JSON.
            if stdout.trim() == "Value not found" {
                return Ok(None);
            }
            return Ok(Some(stdout));
        }
        // Remote mode fails with the API's 404 for a missing key.
        let all = format!("{}{}", String::from_utf8_lossy(&output.stderr), stdout);
        if all.contains("404: Not Found") || all.contains("404 Not Found") {
            return Ok(None);
        }
        Err(failure("get", &output))
    }

    async fn put(&self, key: &str, value: &str, expires_at: Option<u64>) -> Result<(), StoreError> {
        let mut args = vec![
            "kv".to_string(),
            "key".into(),
            "put".into(),
            key.into(),
            value.into(),
        ];
        if let Some(at) = expires_at {
            args.push("--expiration".into());
            args.push(at.to_string());
        }
        self.run("put", args).map(|_| ())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run(
            "delete",
            vec!["kv".into(), "key".into(), "delete".into(), key.into()],
        )
        .map(|_| ())
    }

    async fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, StoreError> {
        let output = self.run(
            "list",
            vec![
                "kv".into(),
                "key".into(),
                "list".into(),
                "--prefix".into(),
                prefix.into(),
            ],
        )?;
        let mut names = parse_list(&String::from_utf8_lossy(&output.stdout))?;
        names.sort();
        // wrangler lists every page itself; page here by key order, like MemoryKv.
        let mut rest = names
            .into_iter()
            .filter(|k| k.starts_with(prefix) && cursor.is_none_or(|c| k.as_str() > c));
        let keys: Vec<String> = rest.by_ref().take(limit.max(1) as usize).collect();
        let more = rest.next().is_some();
        Ok(KeyPage {
            cursor: if more { keys.last().cloned() } else { None },
            keys,
        })
    }
}

/// The key names in `wrangler kv key list` output (a JSON array of `{name, ...}`).
fn parse_list(stdout: &str) -> Result<Vec<String>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Entry {
        name: String,
    }
    let start = stdout.find('[').ok_or_else(|| {
        StoreError(format!(
            "`wrangler kv key list` printed no JSON list: {}",
            stdout.trim()
        ))
    })?;
    let entries: Vec<Entry> = serde_json::from_str(stdout[start..].trim()).map_err(|e| {
        StoreError(format!(
            "`wrangler kv key list` printed an unreadable list: {e}"
        ))
    })?;
    Ok(entries.into_iter().map(|e| e.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_output_is_read_after_any_banner() {
        let out =
            "⛅️ wrangler 4.86.0\n[\n  {\"name\": \"a\", \"expiration\": 1}, {\"name\": \"b\"}\n]\n";
        assert_eq!(parse_list(out).unwrap(), ["a", "b"]);
        assert_eq!(parse_list("[]").unwrap(), Vec::<String>::new());
        assert!(parse_list("error").is_err());
    }

    #[test]
    fn the_program_comes_from_snmcp_wrangler_then_path_then_npx() {
        let custom = |k: &str| (k == "SNMCP_WRANGLER").then(|| "node /opt/wrangler.js".to_string());
        assert_eq!(program(&custom), ["node", "/opt/wrangler.js"]);
        let empty_path = |k: &str| (k == "PATH").then(|| "/nonexistent-dir".to_string());
        assert_eq!(program(&empty_path), ["npx", "wrangler"]);
    }

    #[test]
    fn the_target_flags_follow_the_offline_options() {
        let offline = Offline {
            remote: true,
            binding: "STATE".into(),
            d1_binding: "DB".into(),
            public_url: None,
            persist_to: None,
            wrangler_config: Some("wrangler.prod.toml".into()),
            wrangler_env: Some("production".into()),
            allow_http_upstream: false,
        };
        let kv = WranglerKv::new(vec!["wrangler".into()], &offline);
        assert_eq!(
            kv.target,
            [
                "--binding",
                "STATE",
                "--remote",
                "--config",
                "wrangler.prod.toml",
                "--env",
                "production"
            ]
        );
    }
}
