//! `snmcp`: provisioning CLI for the ServiceNow MCP worker. Talks to the admin API, or
//! with `--offline` runs the worker's own admin logic in process over `wrangler kv`.
//! Errors are one line on stderr; exit 1 when an operation failed, 2 on usage errors.

mod args;
mod audit_stream;
mod call;
mod help;
mod output;
mod transport;
mod wrangler;
mod wrangler_d1;

use args::{Command, Offline, Parsed};
use call::Inputs;
use servicenow_mcp::config::Config;
use servicenow_mcp::crypto::{new_token, SealingKey};
use servicenow_mcp::ports::Clock;
use std::io::{BufRead, Write};
use transport::SystemClock;

const DEFAULT_ADMIN_URL: &str = "http://127.0.0.1:8787";

/// Why the CLI stops: a usage error (exit 2) or a failed operation (exit 1).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    Usage(String),
    Failed(String),
}

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let env = |name: &str| std::env::var(name).ok();
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout();
    let code = match run(&args, &env, &mut stdin, &mut stdout) {
        Ok(()) => 0,
        Err(Failure::Usage(message)) => {
            eprintln!("snmcp: {message}");
            2
        }
        Err(Failure::Failed(message)) => {
            eprintln!("snmcp: {message}");
            1
        }
    };
    std::process::exit(code);
}

fn run(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let invocation = match args::parse(args).map_err(|e| Failure::Usage(e.0))? {
        Parsed::Help(topic) => return print(stdout, help::help(topic)),
        Parsed::Version => return print(stdout, &format!("snmcp {}", env!("CARGO_PKG_VERSION"))),
        Parsed::Run(invocation) => invocation,
    };
    let env_value = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut inputs = Inputs {
        env: &env_value,
        stdin,
        now_secs: SystemClock.now_secs(),
    };
    let call = call::build(&invocation.command, &mut inputs).map_err(Failure::Failed)?;
    // How a call reaches the admin logic: the admin API, or the same logic in process.
    let offline = match &invocation.global.offline {
        None => None,
        Some(offline) => {
            let config = offline_config(offline, &env_value, &invocation.command)?;
            let kv = wrangler::WranglerKv::new(wrangler::program(env), offline);
            let db = wrangler_d1::WranglerD1::new(wrangler::program(env), offline);
            Some((config, kv, db))
        }
    };
    let online = match &offline {
        Some(_) => None,
        None => {
            let admin_url = invocation
                .global
                .admin_url
                .clone()
                .or_else(|| env_value("SNMCP_ADMIN_URL"))
                .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_string());
            let token = env_value("SNMCP_ADMIN_TOKEN").ok_or_else(|| {
                Failure::Failed(
                    "set SNMCP_ADMIN_TOKEN to the worker's ADMIN_TOKEN (or provision with --offline)".into(),
                )
            })?;
            Some((admin_url, token))
        }
    };
    let send = |call: &call::AdminCall| -> Result<transport::RawReply, Failure> {
        match (&online, &offline) {
            (Some((url, token)), _) => transport::online_raw(url, token, call),
            (None, Some((config, kv, db))) => {
                let base = config
                    .public_url
                    .clone()
                    .unwrap_or_else(|| "http://offline.invalid".into());
                transport::offline_raw(call, config, kv, db, &base)
            }
            (None, None) => Err("no admin API and no offline target".into()),
        }
        .map_err(Failure::Failed)
    };
    match &invocation.command {
        Command::AuditExport { filters, format } => {
            return audit_stream::export(&send, filters, *format, stdout)
        }
        Command::AuditTail {
            filters,
            follow_secs,
            interval_secs,
        } => return audit_stream::tail(&send, filters, *follow_secs, *interval_secs, stdout),
        _ => {}
    }
    let reply = send(&call)?
        .json(if online.is_some() {
            "the admin API"
        } else {
            "the admin logic"
        })
        .map_err(Failure::Failed)?;
    if reply.status >= 400 {
        return Err(Failure::Failed(output::error_line(
            reply.status,
            &reply.body,
        )));
    }
    if let Some(edge) = reply.body["edge"].as_str() {
        eprintln!("snmcp: warning: {}", edge.trim_start_matches("pending: "));
    }
    let text = if invocation.global.json {
        serde_json::to_string_pretty(&reply.body).unwrap_or_else(|_| reply.body.to_string())
    } else {
        output::summary(&invocation.command, reply.status, &reply.body)
    };
    print(stdout, text.trim_end())
}

/// The worker config the in-process admin logic runs with in offline mode.
fn offline_config(
    offline: &Offline,
    env: &dyn Fn(&str) -> Option<String>,
    command: &Command,
) -> Result<Config, Failure> {
    let sealing_key = match env("CREDENTIALS_KEY") {
        Some(secret) => Some(
            SealingKey::from_secret(&secret)
                .map_err(|e| Failure::Failed(format!("CREDENTIALS_KEY: {e}")))?,
        ),
        None if matches!(
            command,
            Command::AccountPut { .. } | Command::AccountGet { .. }
        ) =>
        {
            return Err(Failure::Failed(
                "offline account commands need CREDENTIALS_KEY: the same value as the worker's \
                 CREDENTIALS_KEY secret, or the worker cannot open the credentials"
                    .into(),
            ))
        }
        None => None,
    };
    let public_url = offline
        .public_url
        .clone()
        .or_else(|| env("SNMCP_PUBLIC_URL"))
        .map(|u| u.trim_end_matches('/').to_string());
    match &public_url {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => {
            return Err(Failure::Usage(format!(
                "--public-url `{url}` must start with https:// (the worker's public base URL)"
            )))
        }
        None if matches!(command, Command::ServerCreate { .. }) => {
            return Err(Failure::Usage(
                "offline `server create` needs --public-url (or SNMCP_PUBLIC_URL): the worker's \
                 public base URL, to print the MCP URL"
                    .into(),
            ))
        }
        _ => {}
    }
    Ok(Config {
        // The in-process handler authenticates every call; a fresh token per run.
        admin_token: Some(new_token().map_err(|e| Failure::Failed(e.to_string()))?),
        sealing_key,
        public_url,
        allow_http_upstream: offline.allow_http_upstream,
        ..Config::default()
    })
}

fn print(stdout: &mut dyn Write, text: &str) -> Result<(), Failure> {
    writeln!(stdout, "{text}").map_err(|e| Failure::Failed(format!("cannot write the output: {e}")))
}
