//! Command-line options of `servicenow-sim` and where the tool specs are found.
//! Pure parsing; main.rs does the I/O.

use crate::attachment_api::AttachmentPolicy;
use crate::auth::DEFAULT_ACCESS_TTL;
use crate::ratelimit::{RateLimit, DEFAULT_WINDOW_SECS};
use crate::seed::SeedKind;
use crate::simulator::Settings;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Parser};
use std::error::Error as _;
use std::path::{Path, PathBuf};

pub const USAGE: &str = "\
servicenow-sim: an in-memory ServiceNow Table API for demos and tests

USAGE:
    servicenow-sim [OPTIONS]

OPTIONS:
    --host HOST          address to bind (default 127.0.0.1)
    --port PORT          port to bind; 0 picks a free one (default 0)
    --specs DIR          tool-spec directory (default tool-specs/servicenow in the
                         current directory, else in the repository of the executable)
    --seed demo|empty    data set to start with (default demo)
    --rate-limit N       Table API requests allowed per user per window (default off)
    --rate-window SECS   rate-limit window in seconds (default 3600)
    --token-ttl SECS     OAuth access-token lifetime (default 1799)
    --attachment-extensions LIST
                         glide.attachment.extensions: file extensions uploads may
                         have, comma-separated without dots (default empty: all)
    --attachment-max-size-mb MB
                         com.glide.attachment.max_size: largest upload in MB,
                         1 to 1024 (default 1024)
    --port-file PATH     write the bound port to PATH once listening
    -h, --help           print this help

On start it prints one line: servicenow-sim listening on http://127.0.0.1:<port>
Accounts: admin/admin, itil/itil, readonly/readonly; OAuth client
mcp-demo-client/mcp-demo-secret; API key sim-api-key-admin. See docs/simulator.md.";

/// Parsed options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub specs: Option<PathBuf>,
    pub seed: SeedKind,
    pub rate_limit: Option<u32>,
    pub rate_window: u64,
    pub token_ttl: u64,
    pub port_file: Option<PathBuf>,
    pub attachment_policy: AttachmentPolicy,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            host: "127.0.0.1".to_string(),
            port: 0,
            specs: None,
            seed: SeedKind::Demo,
            rate_limit: None,
            rate_window: DEFAULT_WINDOW_SECS,
            token_ttl: DEFAULT_ACCESS_TTL,
            port_file: None,
            attachment_policy: AttachmentPolicy::default(),
        }
    }
}

impl Options {
    pub fn settings(&self) -> Settings {
        Settings {
            rate_limit: self.rate_limit.map(|limit| RateLimit {
                limit,
                window_secs: self.rate_window,
            }),
            delay_ms: 0,
            token_ttl_secs: self.token_ttl,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    Help,
}

/// The command line as clap reads it; [`parse_args`] turns it into [`Command`]. The help
/// text stays [`USAGE`] (clap's own help and version flags are off).
#[derive(Debug, Parser)]
#[command(
    name = "servicenow-sim",
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 0, value_parser = at_least::<u16, 0>("--port"), allow_hyphen_values = true)]
    port: u16,
    #[arg(long)]
    specs: Option<PathBuf>,
    #[arg(long, default_value = "demo", value_parser = seed)]
    seed: SeedKind,
    #[arg(long, value_parser = at_least::<u32, 0>("--rate-limit"), allow_hyphen_values = true)]
    rate_limit: Option<u32>,
    #[arg(long, default_value_t = DEFAULT_WINDOW_SECS, value_parser = at_least::<u64, 1>("--rate-window"), allow_hyphen_values = true)]
    rate_window: u64,
    #[arg(long, default_value_t = DEFAULT_ACCESS_TTL, value_parser = at_least::<u64, 1>("--token-ttl"), allow_hyphen_values = true)]
    token_ttl: u64,
    #[arg(long)]
    port_file: Option<PathBuf>,
    #[arg(long, value_parser = extensions)]
    attachment_extensions: Option<Extensions>,
    #[arg(long, value_parser = max_size_mb, allow_hyphen_values = true)]
    attachment_max_size_mb: Option<u64>,
    #[arg(short = 'h', long = "help", action = ArgAction::SetTrue)]
    help: bool,
}

/// A parsed extension list (a newtype: clap would read a `Vec` as repeated values).
#[derive(Debug, Clone)]
struct Extensions(Vec<String>);

/// A parser of whole numbers of at least `MIN` for `flag`, naming both when it fails.
fn at_least<T, const MIN: u64>(
    flag: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + TryFrom<u64> + PartialOrd + Send + Sync + 'static,
{
    move |value: &str| match (value.parse::<T>(), T::try_from(MIN)) {
        (Ok(n), Ok(min)) if n >= min => Ok(n),
        _ => Err(format!(
            "{flag} takes a whole number of at least {MIN}, got '{value}'"
        )),
    }
}

fn seed(value: &str) -> Result<SeedKind, String> {
    SeedKind::parse(value).ok_or_else(|| format!("--seed takes demo or empty, got '{value}'"))
}

fn extensions(value: &str) -> Result<Extensions, String> {
    AttachmentPolicy::parse_extensions(value)
        .map(Extensions)
        .map_err(|e| format!("--attachment-extensions: {e}"))
}

fn max_size_mb(value: &str) -> Result<u64, String> {
    let mb = at_least::<u64, 1>("--attachment-max-size-mb")(value)?;
    AttachmentPolicy::check_max_size_mb(mb).map_err(|e| format!("--attachment-max-size-mb: {e}"))
}

/// Parses the arguments after the program name (`--flag value` or `--flag=value`).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let program = std::iter::once("servicenow-sim".to_string());
    let args = Args::try_parse_from(program.chain(args)).map_err(|e| usage_error(&e))?;
    if args.help {
        return Ok(Command::Help);
    }
    let mut attachment_policy = AttachmentPolicy::default();
    if let Some(Extensions(list)) = args.attachment_extensions {
        attachment_policy.extensions = list;
    }
    if let Some(mb) = args.attachment_max_size_mb {
        attachment_policy.max_size_mb = mb;
    }
    Ok(Command::Run(Options {
        host: args.host,
        port: args.port,
        specs: args.specs,
        seed: args.seed,
        rate_limit: args.rate_limit,
        rate_window: args.rate_window,
        token_ttl: args.token_ttl,
        port_file: args.port_file,
        attachment_policy,
    }))
}

/// One line saying what is wrong, in this tool's words.
fn usage_error(error: &clap::Error) -> String {
    let argument = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.split_whitespace().next().unwrap_or("").to_string(),
        _ => String::new(),
    };
    match error.kind() {
        ErrorKind::UnknownArgument => format!("unknown argument '{argument}'; see --help"),
        ErrorKind::InvalidValue
            if error
                .get(ContextKind::InvalidValue)
                .is_none_or(|v| matches!(v, ContextValue::String(s) if s.is_empty())) =>
        {
            format!("{argument} needs a value; see --help")
        }
        ErrorKind::ValueValidation => match error.source() {
            Some(cause) => cause.to_string(),
            None => error.to_string(),
        },
        _ => error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string(),
    }
}

const SPECS_SUBDIR: &str = "tool-specs/servicenow";

/// Where to read specs from: `--specs`, else `tool-specs/servicenow` under the current
/// directory, else under an ancestor of the executable (a checkout's `target/...`),
/// else under the repository this binary was built from.
pub fn resolve_specs_dir(
    explicit: Option<&Path>,
    cwd: &Path,
    exe: Option<&Path>,
) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return if dir.is_dir() {
            Ok(dir.to_path_buf())
        } else {
            Err(format!("--specs {} is not a directory", dir.display()))
        };
    }
    let mut candidates = vec![cwd.join(SPECS_SUBDIR)];
    if let Some(exe) = exe {
        candidates.extend(exe.ancestors().skip(1).map(|dir| dir.join(SPECS_SUBDIR)));
    }
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(SPECS_SUBDIR),
    );
    candidates.into_iter().find(|c| c.is_dir()).ok_or_else(|| {
        format!(
            "cannot find {SPECS_SUBDIR} in {} or above the executable; pass --specs DIR",
            cwd.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse_in_both_forms() {
        let expected = Options {
            port: 8089,
            specs: Some(PathBuf::from("/x")),
            seed: SeedKind::Empty,
            rate_limit: Some(10),
            rate_window: 60,
            port_file: Some(PathBuf::from("/tmp/p")),
            attachment_policy: AttachmentPolicy {
                extensions: vec!["txt".into(), "png".into()],
                max_size_mb: 2,
            },
            ..Options::default()
        };
        let cases: [&[&str]; 2] = [
            &[
                "--port",
                "8089",
                "--specs",
                "/x",
                "--seed",
                "empty",
                "--rate-limit",
                "10",
                "--rate-window",
                "60",
                "--port-file",
                "/tmp/p",
                "--attachment-extensions",
                "txt,PNG",
                "--attachment-max-size-mb",
                "2",
            ],
            &[
                "--port=8089",
                "--specs=/x",
                "--seed=empty",
                "--rate-limit=10",
                "--rate-window=60",
                "--port-file=/tmp/p",
                "--attachment-extensions=.txt, png",
                "--attachment-max-size-mb=2",
            ],
        ];
        for args in cases {
            assert_eq!(parse(args), Ok(Command::Run(expected.clone())), "{args:?}");
        }
        assert_eq!(parse(&[]), Ok(Command::Run(Options::default())));
        assert_eq!(parse(&["--port", "1", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        let cases: [(&[&str], &str); 9] = [
            (
                &["--attachment-max-size-mb", "0"],
                "--attachment-max-size-mb",
            ),
            (&["--attachment-max-size-mb", "4096"], "1 to 1024"),
            (
                &["--attachment-extensions", "a/b"],
                "--attachment-extensions",
            ),
            (&["--port", "99999"], "--port"),
            (&["--seed", "full"], "demo or empty"),
            (&["--rate-window", "0"], "--rate-window"),
            (&["--port"], "needs a value"),
            (&["--verbose"], "unknown argument"),
            (&["--rate-limit", "-3"], "--rate-limit"),
        ];
        for (args, needle) in cases {
            let err = parse(args).expect_err("must fail");
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn rate_limit_flags_become_settings() {
        let options = Options {
            rate_limit: Some(5),
            rate_window: 60,
            ..Options::default()
        };
        assert_eq!(
            options.settings().rate_limit,
            Some(RateLimit {
                limit: 5,
                window_secs: 60
            })
        );
        assert_eq!(Options::default().settings().rate_limit, None);
    }

    #[test]
    fn explicit_specs_dir_must_exist() {
        let missing = Path::new("/definitely/not/here");
        assert!(resolve_specs_dir(Some(missing), Path::new("/"), None).is_err());
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            resolve_specs_dir(Some(here), Path::new("/"), None),
            Ok(here.to_path_buf())
        );
    }
}
