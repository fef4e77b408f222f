//! Command-line parsing: argv → [`Invocation`], or a usage error. clap checks the
//! command words, option names and arity; the rules between options (contradictions,
//! ranges, what needs `--offline`) are this module's. Every flag is listed in `help.rs`.

use std::collections::BTreeMap;
use std::fmt;

/// A usage error: printed as one line, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<Invocation>),
    /// `--help`/`help`: the help text of a topic (`None` = the overview).
    Help(Option<Topic>),
    Version,
}

/// A command a help text exists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Account,
    AccountList,
    AccountPut,
    AccountGet,
    AccountDelete,
    Server,
    ServerCreate,
    ServerList,
    ServerGet,
    ServerUpdate,
    ServerDelete,
    ServerPreview,
    Token,
    TokenCreate,
    TokenList,
    TokenGet,
    TokenDelete,
    Audit,
    AuditList,
    AuditTail,
    AuditExport,
}

/// Which servers a new API token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenScope {
    /// `--account A`: every server of that account.
    Account(String),
    /// `--account A --servers S1,S2`: those servers of that account.
    Servers {
        account: String,
        servers: Vec<String>,
    },
    /// `--all-accounts`: every server of every account.
    AllAccounts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub global: Global,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Global {
    /// `--admin-url`; else env `SNMCP_ADMIN_URL`; else the local default.
    pub admin_url: Option<String>,
    pub json: bool,
    /// `--offline`: run the admin logic in process over `wrangler kv`.
    pub offline: Option<Offline>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offline {
    pub remote: bool,
    pub binding: String,
    /// `--d1-binding`: the D1 database binding (records are written there first).
    pub d1_binding: String,
    pub public_url: Option<String>,
    pub persist_to: Option<String>,
    pub wrangler_config: Option<String>,
    pub wrangler_env: Option<String>,
    pub allow_http_upstream: bool,
}

pub const DEFAULT_BINDING: &str = "MCP_STATE";
pub const DEFAULT_D1_BINDING: &str = "DB";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    Basic,
    Oauth2ClientCredentials,
    Oauth2Password,
    Bearer,
    ApiKey,
}

impl AuthKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match text.replace('_', "-").as_str() {
            "basic" => AuthKind::Basic,
            "oauth2-client-credentials" => AuthKind::Oauth2ClientCredentials,
            "oauth2-password" => AuthKind::Oauth2Password,
            "bearer" => AuthKind::Bearer,
            "api-key" => AuthKind::ApiKey,
            _ => return None,
        })
    }

    /// The `auth.type` the admin API takes.
    pub fn api_name(self) -> &'static str {
        match self {
            AuthKind::Basic => "basic",
            AuthKind::Oauth2ClientCredentials => "oauth2_client_credentials",
            AuthKind::Oauth2Password => "oauth2_password",
            AuthKind::Bearer => "bearer",
            AuthKind::ApiKey => "api_key",
        }
    }

    fn flag_name(self) -> &'static str {
        match self {
            AuthKind::Basic => "basic",
            AuthKind::Oauth2ClientCredentials => "oauth2-client-credentials",
            AuthKind::Oauth2Password => "oauth2-password",
            AuthKind::Bearer => "bearer",
            AuthKind::ApiKey => "api-key",
        }
    }

    fn needs_username(self) -> bool {
        matches!(self, AuthKind::Basic | AuthKind::Oauth2Password)
    }

    fn needs_client_id(self) -> bool {
        matches!(
            self,
            AuthKind::Oauth2ClientCredentials | AuthKind::Oauth2Password
        )
    }
}

/// When something expires: an absolute RFC 3339 time or a duration from now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    At(String),
    In(u64),
}

/// A PATCH field: leave it, clear it (`null`), or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Registered accounts, from the system of record; `--search` matches id or instance.
    AccountList {
        search: Option<String>,
        page: PageArgs,
    },
    AccountPut {
        id: String,
        instance_url: String,
        auth: AuthKind,
        username: Option<String>,
        client_id: Option<String>,
        secret_stdin: bool,
    },
    AccountGet {
        id: String,
    },
    AccountDelete {
        id: String,
    },
    ServerCreate {
        account: String,
        name: String,
        methods: Option<Vec<String>>,
        tags: Option<Vec<String>>,
        tool_mode: Option<String>,
        expiry: Option<Expiry>,
        require_api_token: bool,
        /// `--rate-limit-response`: how a ServiceNow 429 reaches clients (the worker
        /// validates the value and names the accepted ones).
        rate_limit_response: Option<String>,
        /// `--audit metadata|arguments|off` (validated by the worker).
        audit: Option<String>,
    },
    ServerList {
        account: String,
        page: PageArgs,
    },
    ServerGet {
        account: String,
        id: String,
    },
    ServerUpdate {
        account: String,
        id: String,
        name: Option<String>,
        methods: Change<Vec<String>>,
        tags: Change<Vec<String>>,
        tool_mode: Option<String>,
        expiry: Change<Expiry>,
        require_api_token: Option<bool>,
        rate_limit_response: Option<String>,
        audit: Option<String>,
    },
    ServerDelete {
        account: String,
        id: String,
    },
    /// The tools a server with these filters would list, and client-limit warnings.
    ServerPreview {
        methods: Option<Vec<String>>,
        tags: Option<Vec<String>>,
        tool_mode: Option<String>,
    },
    TokenCreate {
        name: String,
        expiry: Option<Expiry>,
        scope: TokenScope,
    },
    TokenList {
        page: PageArgs,
    },
    TokenGet {
        id: String,
    },
    TokenDelete {
        id: String,
    },
    /// One page of the audit log, newest first.
    AuditList {
        filters: AuditFilters,
        page: PageArgs,
    },
    /// New audit entries as they arrive, oldest first, for `follow_secs` (or until
    /// interrupted), polling every `interval_secs`.
    AuditTail {
        filters: AuditFilters,
        follow_secs: Option<u64>,
        interval_secs: u64,
    },
    /// Every matching entry as CSV or JSONL on standard output, page by page.
    AuditExport {
        filters: AuditFilters,
        format: ExportFormat,
    },
}

/// The filters `GET /audit` takes (the worker validates them and names a bad one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditFilters {
    pub server: Option<String>,
    pub account: Option<String>,
    pub tool: Option<String>,
    pub outcome: Option<String>,
    pub kind: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    pub fn api_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageArgs {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Every option: (name without `--`, takes a value).
const OPTIONS: &[(&str, bool)] = &[
    // global
    ("admin-url", true),
    ("json", false),
    ("offline", false),
    ("remote", false),
    ("binding", true),
    ("d1-binding", true),
    ("public-url", true),
    ("persist-to", true),
    ("wrangler-config", true),
    ("wrangler-env", true),
    ("allow-http-upstream", false),
    ("help", false),
    ("version", false),
    // commands
    ("instance-url", true),
    ("auth", true),
    ("username", true),
    ("client-id", true),
    ("secret-stdin", false),
    ("name", true),
    ("methods", true),
    ("all-methods", false),
    ("tags", true),
    ("all-tags", false),
    ("tool-mode", true),
    ("expires-at", true),
    ("expires-in", true),
    ("no-expiry", false),
    ("require-api-token", false),
    ("no-require-api-token", false),
    ("limit", true),
    ("cursor", true),
    ("rate-limit-response", true),
    ("account", true),
    ("servers", true),
    ("all-accounts", false),
    ("audit", true),
    ("search", true),
    ("server", true),
    ("tool", true),
    ("outcome", true),
    ("kind", true),
    ("since", true),
    ("until", true),
    ("for", true),
    ("interval", true),
    ("format", true),
];

const GLOBAL: &[&str] = &[
    "admin-url",
    "json",
    "offline",
    "remote",
    "binding",
    "d1-binding",
    "public-url",
    "persist-to",
    "wrangler-config",
    "wrangler-env",
    "allow-http-upstream",
    "help",
    "version",
];

/// Options that only mean something with `--offline`.
const OFFLINE_ONLY: &[&str] = &[
    "remote",
    "binding",
    "d1-binding",
    "public-url",
    "persist-to",
    "wrangler-config",
    "wrangler-env",
    "allow-http-upstream",
];

struct Options {
    values: BTreeMap<&'static str, Option<String>>,
}

impl Options {
    fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    fn value(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned().flatten()
    }
    fn require(&self, name: &str, usage: &str) -> Result<String, UsageError> {
        self.value(name)
            .ok_or_else(|| UsageError(format!("--{name} is required: {usage}")))
    }
}

/// The command tree clap checks argv against: every command with the options
/// [`command_options`] gives it, the [`GLOBAL`] ones everywhere, and its operands. Built
/// from those tables (clap's builder rather than derive) so the options of a command are
/// listed once, where the help tests read them too. clap's own help and version are off:
/// the texts are `help.rs`'s.
fn clap_command() -> clap::Command {
    use clap::{Arg, ArgAction, Command as Cmd};
    let option = |name: &'static str| {
        let takes_value = OPTIONS.iter().any(|(n, v)| *n == name && *v);
        let arg = Arg::new(name).long(name);
        let arg = match name {
            "help" => arg.short('h'),
            "version" => arg.short('V'),
            _ => arg,
        };
        if takes_value {
            arg.action(ArgAction::Set).allow_hyphen_values(true)
        } else {
            arg.action(ArgAction::SetTrue)
        }
    };
    let leaf = |name: &'static str, topic: Topic| {
        Cmd::new(name)
            .args(command_options(topic).iter().map(|n| option(n)))
            .arg(Arg::new("operands").num_args(0..).action(ArgAction::Append))
    };
    let group = |name: &'static str, leaves: Vec<(&'static str, Topic)>| {
        Cmd::new(name).subcommands(leaves.into_iter().map(|(n, t)| leaf(n, t)))
    };
    Cmd::new("snmcp")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args(GLOBAL.iter().map(|n| option(n).global(true)))
        .subcommand(group(
            "account",
            vec![
                ("list", Topic::AccountList),
                ("put", Topic::AccountPut),
                ("get", Topic::AccountGet),
                ("delete", Topic::AccountDelete),
            ],
        ))
        .subcommand(group(
            "server",
            vec![
                ("create", Topic::ServerCreate),
                ("list", Topic::ServerList),
                ("get", Topic::ServerGet),
                ("update", Topic::ServerUpdate),
                ("delete", Topic::ServerDelete),
                ("preview", Topic::ServerPreview),
            ],
        ))
        .subcommand(group(
            "token",
            vec![
                ("create", Topic::TokenCreate),
                ("list", Topic::TokenList),
                ("get", Topic::TokenGet),
                ("delete", Topic::TokenDelete),
            ],
        ))
        .subcommand(group(
            "audit",
            vec![
                ("list", Topic::AuditList),
                ("tail", Topic::AuditTail),
                ("export", Topic::AuditExport),
            ],
        ))
        .subcommand(
            Cmd::new("help").arg(Arg::new("operands").num_args(0..).action(ArgAction::Append)),
        )
}

/// argv checked by clap: the command words and operands, and the options given.
fn tokenize<S: AsRef<str>>(args: &[S]) -> Result<(Vec<String>, Options), UsageError> {
    let argv = std::iter::once("snmcp").chain(args.iter().map(AsRef::as_ref));
    let matches = clap_command()
        .try_get_matches_from(argv)
        .map_err(|e| usage_error(&e, args))?;
    let mut positionals = Vec::new();
    let mut deepest = &matches;
    while let Some((name, sub)) = deepest.subcommand() {
        positionals.push(name.to_string());
        deepest = sub;
    }
    if let Ok(Some(operands)) = deepest.try_get_many::<String>("operands") {
        positionals.extend(operands.cloned());
    }
    let mut options = Options {
        values: BTreeMap::new(),
    };
    for id in deepest.ids() {
        let Some(&(name, takes_value)) = OPTIONS.iter().find(|(n, _)| *n == id.as_str()) else {
            continue;
        };
        if deepest.value_source(name) != Some(clap::parser::ValueSource::CommandLine) {
            continue;
        }
        let value = if takes_value {
            deepest.get_one::<String>(name).cloned()
        } else {
            None
        };
        options.values.insert(name, value);
    }
    Ok((positionals, options))
}

/// One line in this tool's words for what clap refused.
fn usage_error<S: AsRef<str>>(error: &clap::Error, args: &[S]) -> UsageError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        _ => String::new(),
    };
    // `--name <name>` or `--json`: the option's name without dashes.
    let invalid = context(ContextKind::InvalidArg);
    let option = invalid
        .split(['=', ' '])
        .next()
        .unwrap_or_default()
        .trim_start_matches('-')
        .to_string();
    let words = command_words(args);
    UsageError(match error.kind() {
        ErrorKind::UnknownArgument
            if OPTIONS.iter().any(|(n, _)| *n == option) && words.len() >= 2 =>
        {
            let command = words[..2].join(" ");
            format!(
                "--{option} is not an option of `snmcp {command}`; see `snmcp {command} --help`"
            )
        }
        ErrorKind::UnknownArgument => {
            format!(
                "unknown option `{}`; see `snmcp --help`",
                invalid.split('=').next().unwrap_or_default()
            )
        }
        ErrorKind::InvalidSubcommand => format!(
            "unknown command `{}`; see `snmcp --help`",
            words.iter().take(2).cloned().collect::<Vec<_>>().join(" ")
        ),
        ErrorKind::ArgumentConflict => format!("--{option} is given more than once"),
        ErrorKind::TooManyValues | ErrorKind::NoEquals => {
            format!("--{option} takes no value")
        }
        ErrorKind::InvalidValue if context(ContextKind::InvalidValue).is_empty() => {
            format!("--{option} needs a value")
        }
        _ => error
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string(),
    })
}

/// The words of argv that are not options or option values (for error messages).
fn command_words<S: AsRef<str>>(args: &[S]) -> Vec<String> {
    let mut words = Vec::new();
    let mut args = args.iter().map(AsRef::as_ref);
    while let Some(arg) = args.next() {
        match arg.strip_prefix("--") {
            Some(name) if !name.contains('=') && OPTIONS.iter().any(|(n, v)| *n == name && *v) => {
                args.next();
            }
            Some(_) => {}
            None if arg.starts_with('-') && arg.len() > 1 => {}
            None => words.push(arg.to_string()),
        }
    }
    words
}

/// Parses `args` (without the program name).
pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<Parsed, UsageError> {
    let (positionals, options) = tokenize(args)?;

    if positionals.first().map(String::as_str) == Some("help") {
        return topic(&positionals[1..]).map(Parsed::Help);
    }
    if options.flag("help") {
        return topic(&positionals).map(Parsed::Help);
    }
    if options.flag("version") {
        return Ok(Parsed::Version);
    }
    let Some(command_topic) = exact_topic(&positionals) else {
        return Err(match positionals.first() {
            None => UsageError("no command given; see `snmcp --help`".into()),
            Some(_) => UsageError(format!(
                "unknown command `{}`; see `snmcp --help`",
                positionals
                    .iter()
                    .take(2)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        });
    };
    let allowed = command_options(command_topic);
    for name in options.values.keys() {
        if !GLOBAL.contains(name) && !allowed.contains(name) {
            return Err(UsageError(format!(
                "--{name} is not an option of `snmcp {}`; see `snmcp {} --help`",
                positionals[..2].join(" "),
                positionals[..2].join(" ")
            )));
        }
    }
    let global = global(&options)?;
    let operands = &positionals[2..];
    let command = command(command_topic, operands, &options)?;
    Ok(Parsed::Run(Box::new(Invocation { global, command })))
}

fn global(options: &Options) -> Result<Global, UsageError> {
    let offline = options.flag("offline");
    if !offline {
        if let Some(name) = OFFLINE_ONLY.iter().find(|n| options.flag(n)) {
            return Err(UsageError(format!("--{name} only applies with --offline")));
        }
    }
    if offline && options.flag("admin-url") {
        return Err(UsageError(
            "--admin-url does not apply with --offline (records are written through wrangler)"
                .into(),
        ));
    }
    Ok(Global {
        admin_url: options.value("admin-url"),
        json: options.flag("json"),
        offline: offline.then(|| Offline {
            remote: options.flag("remote"),
            binding: options
                .value("binding")
                .unwrap_or_else(|| DEFAULT_BINDING.to_string()),
            d1_binding: options
                .value("d1-binding")
                .unwrap_or_else(|| DEFAULT_D1_BINDING.to_string()),
            public_url: options.value("public-url"),
            persist_to: options.value("persist-to"),
            wrangler_config: options.value("wrangler-config"),
            wrangler_env: options.value("wrangler-env"),
            allow_http_upstream: options.flag("allow-http-upstream"),
        }),
    })
}

fn exact_topic(positionals: &[String]) -> Option<Topic> {
    let first = positionals.first()?.as_str();
    let second = positionals.get(1).map(String::as_str)?;
    Some(match (first, second) {
        ("account", "list") => Topic::AccountList,
        ("account", "put") => Topic::AccountPut,
        ("account", "get") => Topic::AccountGet,
        ("account", "delete") => Topic::AccountDelete,
        ("server", "create") => Topic::ServerCreate,
        ("server", "list") => Topic::ServerList,
        ("server", "get") => Topic::ServerGet,
        ("server", "update") => Topic::ServerUpdate,
        ("server", "delete") => Topic::ServerDelete,
        ("server", "preview") => Topic::ServerPreview,
        ("token", "create") => Topic::TokenCreate,
        ("token", "list") => Topic::TokenList,
        ("token", "get") => Topic::TokenGet,
        ("token", "delete") => Topic::TokenDelete,
        ("audit", "list") => Topic::AuditList,
        ("audit", "tail") => Topic::AuditTail,
        ("audit", "export") => Topic::AuditExport,
        _ => return None,
    })
}

fn topic(positionals: &[String]) -> Result<Option<Topic>, UsageError> {
    if let Some(t) = exact_topic(positionals) {
        return Ok(Some(t));
    }
    match positionals.first().map(String::as_str) {
        None => Ok(None),
        Some("account") => Ok(Some(Topic::Account)),
        Some("server") => Ok(Some(Topic::Server)),
        Some("token") => Ok(Some(Topic::Token)),
        Some("audit") => Ok(Some(Topic::Audit)),
        Some(other) => Err(UsageError(format!(
            "no help for `{other}`: commands are account, server, token and audit"
        ))),
    }
}

fn command_options(topic: Topic) -> &'static [&'static str] {
    match topic {
        Topic::AccountPut => &[
            "instance-url",
            "auth",
            "username",
            "client-id",
            "secret-stdin",
        ],
        Topic::ServerCreate => &[
            "name",
            "methods",
            "tags",
            "tool-mode",
            "expires-at",
            "expires-in",
            "require-api-token",
            "rate-limit-response",
            "audit",
        ],
        Topic::ServerUpdate => &[
            "name",
            "methods",
            "all-methods",
            "tags",
            "all-tags",
            "tool-mode",
            "expires-at",
            "expires-in",
            "no-expiry",
            "require-api-token",
            "no-require-api-token",
            "rate-limit-response",
            "audit",
        ],
        Topic::ServerList | Topic::TokenList => &["limit", "cursor"],
        Topic::AccountList => &["search", "limit", "cursor"],
        Topic::AuditList => &[
            "server", "account", "tool", "outcome", "kind", "since", "until", "limit", "cursor",
        ],
        Topic::AuditTail => &[
            "server", "account", "tool", "outcome", "kind", "interval", "for",
        ],
        Topic::AuditExport => &[
            "server", "account", "tool", "outcome", "kind", "since", "until", "format",
        ],
        Topic::ServerPreview => &["methods", "tags", "tool-mode"],
        Topic::TokenCreate => &[
            "name",
            "expires-at",
            "expires-in",
            "account",
            "servers",
            "all-accounts",
        ],
        _ => &[],
    }
}

fn operands<'a, const N: usize>(
    operands: &'a [String],
    names: [&str; N],
    usage: &str,
) -> Result<[&'a str; N], UsageError> {
    if operands.len() != N {
        let wanted = names.map(|n| format!("<{n}>")).join(" ");
        return Err(UsageError(format!(
            "expected {wanted}, got {} argument(s): usage: {usage}",
            operands.len()
        )));
    }
    Ok(std::array::from_fn(|i| operands[i].as_str()))
}

fn command(topic: Topic, args: &[String], o: &Options) -> Result<Command, UsageError> {
    use crate::help::usage;
    let u = usage(topic);
    Ok(match topic {
        Topic::AccountPut => {
            let [id] = operands(args, ["id"], u)?;
            let auth_text = o.require("auth", u)?;
            let auth = AuthKind::parse(&auth_text).ok_or_else(|| {
                UsageError(format!(
                    "--auth `{auth_text}` is not supported: use basic, oauth2-client-credentials, \
                     oauth2-password, bearer or api-key"
                ))
            })?;
            let username = o.value("username");
            let client_id = o.value("client-id");
            flag_fits_auth("username", auth.needs_username(), username.is_some(), auth)?;
            flag_fits_auth(
                "client-id",
                auth.needs_client_id(),
                client_id.is_some(),
                auth,
            )?;
            Command::AccountPut {
                id: id.into(),
                instance_url: o.require("instance-url", u)?,
                auth,
                username,
                client_id,
                secret_stdin: o.flag("secret-stdin"),
            }
        }
        Topic::AccountList => {
            operands(args, [], u)?;
            Command::AccountList {
                search: o.value("search"),
                page: page(o)?,
            }
        }
        Topic::AuditList => {
            operands(args, [], u)?;
            Command::AuditList {
                filters: audit_filters(o),
                page: audit_page(o)?,
            }
        }
        Topic::AuditTail => {
            operands(args, [], u)?;
            let seconds = |name: &str, range: std::ops::RangeInclusive<u64>| {
                o.value(name)
                    .map(|v| {
                        v.parse::<u64>()
                            .ok()
                            .filter(|n| range.contains(n))
                            .ok_or_else(|| {
                                UsageError(format!(
                                    "--{name} must be whole seconds from {} to {}, got `{v}`",
                                    range.start(),
                                    range.end()
                                ))
                            })
                    })
                    .transpose()
            };
            Command::AuditTail {
                filters: audit_filters(o),
                follow_secs: seconds("for", 1..=86_400)?,
                interval_secs: seconds("interval", 1..=3600)?.unwrap_or(2),
            }
        }
        Topic::AuditExport => {
            operands(args, [], u)?;
            let format = match o.value("format").as_deref() {
                None | Some("csv") => ExportFormat::Csv,
                Some("jsonl") => ExportFormat::Jsonl,
                Some(other) => {
                    return Err(UsageError(format!(
                        "--format must be csv or jsonl, got `{other}`"
                    )))
                }
            };
            Command::AuditExport {
                filters: audit_filters(o),
                format,
            }
        }
        Topic::AccountGet => Command::AccountGet {
            id: operands(args, ["id"], u)?[0].into(),
        },
        Topic::AccountDelete => Command::AccountDelete {
            id: operands(args, ["id"], u)?[0].into(),
        },
        Topic::ServerCreate => {
            let [account] = operands(args, ["account"], u)?;
            let (methods, tags) = filter_lists(o)?;
            Command::ServerCreate {
                account: account.into(),
                name: o.require("name", u)?,
                methods,
                tags,
                tool_mode: o.value("tool-mode"),
                expiry: expiry(o)?,
                require_api_token: o.flag("require-api-token"),
                rate_limit_response: o.value("rate-limit-response"),
                audit: o.value("audit"),
            }
        }
        Topic::ServerList => Command::ServerList {
            account: operands(args, ["account"], u)?[0].into(),
            page: page(o)?,
        },
        Topic::ServerGet => {
            let [account, id] = operands(args, ["account", "mcp_id"], u)?;
            Command::ServerGet {
                account: account.into(),
                id: id.into(),
            }
        }
        Topic::ServerPreview => {
            operands(args, [], u)?;
            let (methods, tags) = filter_lists(o)?;
            Command::ServerPreview {
                methods,
                tags,
                tool_mode: o.value("tool-mode"),
            }
        }
        Topic::ServerDelete => {
            let [account, id] = operands(args, ["account", "mcp_id"], u)?;
            Command::ServerDelete {
                account: account.into(),
                id: id.into(),
            }
        }
        Topic::ServerUpdate => {
            let [account, id] = operands(args, ["account", "mcp_id"], u)?;
            let methods = change(o, "methods", "all-methods")?;
            let tags = change(o, "tags", "all-tags")?;
            let expiry = match (expiry(o)?, o.flag("no-expiry")) {
                (Some(_), true) => {
                    return Err(UsageError(
                        "--no-expiry cannot be combined with --expires-at or --expires-in".into(),
                    ))
                }
                (Some(e), false) => Change::Set(e),
                (None, true) => Change::Clear,
                (None, false) => Change::Keep,
            };
            let require_api_token =
                match (o.flag("require-api-token"), o.flag("no-require-api-token")) {
                    (true, true) => {
                        return Err(UsageError(
                            "--require-api-token and --no-require-api-token contradict each other"
                                .into(),
                        ))
                    }
                    (true, false) => Some(true),
                    (false, true) => Some(false),
                    (false, false) => None,
                };
            let name = o.value("name");
            if name.is_none()
                && methods == Change::Keep
                && tags == Change::Keep
                && o.value("tool-mode").is_none()
                && expiry == Change::Keep
                && require_api_token.is_none()
                && o.value("rate-limit-response").is_none()
                && o.value("audit").is_none()
            {
                return Err(UsageError(format!("nothing to update: usage: {u}")));
            }
            Command::ServerUpdate {
                account: account.into(),
                id: id.into(),
                name,
                methods,
                tags,
                tool_mode: o.value("tool-mode"),
                expiry,
                require_api_token,
                rate_limit_response: o.value("rate-limit-response"),
                audit: o.value("audit"),
            }
        }
        Topic::TokenCreate => {
            operands(args, [], u)?;
            let scope = match (o.value("account"), o.value("servers"), o.flag("all-accounts")) {
                (Some(account), None, false) => TokenScope::Account(account),
                (Some(account), Some(servers), false) => TokenScope::Servers {
                    account,
                    servers: list("servers", &servers)?,
                },
                (None, None, true) => TokenScope::AllAccounts,
                (None, Some(_), _) => {
                    return Err(UsageError(format!(
                        "--servers needs --account (the servers' account): usage: {u}"
                    )))
                }
                (Some(_), _, true) => {
                    return Err(UsageError(format!(
                        "--account and --all-accounts contradict each other: usage: {u}"
                    )))
                }
                (None, None, false) => {
                    return Err(UsageError(format!(
                        "an API token opens only the servers it is scoped to: give --account ACCOUNT (optionally with --servers LIST), or --all-accounts: usage: {u}"
                    )))
                }
            };
            Command::TokenCreate {
                name: o.require("name", u)?,
                expiry: expiry(o)?,
                scope,
            }
        }
        Topic::TokenList => {
            operands(args, [], u)?;
            Command::TokenList { page: page(o)? }
        }
        Topic::TokenGet => Command::TokenGet {
            id: operands(args, ["id"], u)?[0].into(),
        },
        Topic::TokenDelete => Command::TokenDelete {
            id: operands(args, ["id"], u)?[0].into(),
        },
        Topic::Account | Topic::Server | Topic::Token | Topic::Audit => {
            return Err(UsageError(
                "a subcommand is required; see `snmcp --help`".into(),
            ))
        }
    })
}

/// `a,b,c` → entries, trimmed; at least one.
/// `--<flag>` must be given exactly when `auth` uses it.
fn flag_fits_auth(flag: &str, needed: bool, given: bool, auth: AuthKind) -> Result<(), UsageError> {
    match (needed, given) {
        (true, false) => Err(UsageError(format!(
            "--{flag} is required with --auth {}",
            auth.flag_name()
        ))),
        (false, true) => Err(UsageError(format!(
            "--{flag} does not apply to --auth {}",
            auth.flag_name()
        ))),
        _ => Ok(()),
    }
}

/// `--methods` and `--tags`, each a comma-separated list when given.
type FilterLists = (Option<Vec<String>>, Option<Vec<String>>);

fn filter_lists(o: &Options) -> Result<FilterLists, UsageError> {
    let methods = o
        .value("methods")
        .map(|v| list("methods", &v))
        .transpose()?;
    let tags = o.value("tags").map(|v| list("tags", &v)).transpose()?;
    Ok((methods, tags))
}

fn list(name: &str, value: &str) -> Result<Vec<String>, UsageError> {
    let entries: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if entries.is_empty() {
        return Err(UsageError(format!(
            "--{name} needs at least one entry (comma-separated)"
        )));
    }
    Ok(entries)
}

fn change(o: &Options, set: &str, clear: &str) -> Result<Change<Vec<String>>, UsageError> {
    match (o.value(set), o.flag(clear)) {
        (Some(_), true) => Err(UsageError(format!(
            "--{set} and --{clear} contradict each other"
        ))),
        (Some(v), false) => Ok(Change::Set(list(set, &v)?)),
        (None, true) => Ok(Change::Clear),
        (None, false) => Ok(Change::Keep),
    }
}

fn expiry(o: &Options) -> Result<Option<Expiry>, UsageError> {
    match (o.value("expires-at"), o.value("expires-in")) {
        (Some(_), Some(_)) => Err(UsageError(
            "give either --expires-at or --expires-in, not both".into(),
        )),
        (Some(at), None) => Ok(Some(Expiry::At(at))),
        (None, Some(d)) => Ok(Some(Expiry::In(duration_secs(&d)?))),
        (None, None) => Ok(None),
    }
}

fn audit_filters(o: &Options) -> AuditFilters {
    AuditFilters {
        server: o.value("server"),
        account: o.value("account"),
        tool: o.value("tool"),
        outcome: o.value("outcome"),
        kind: o.value("kind"),
        since: o.value("since"),
        until: o.value("until"),
    }
}

/// The audit log pages up to 1,000 entries.
fn audit_page(o: &Options) -> Result<PageArgs, UsageError> {
    let limit = o
        .value("limit")
        .map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    UsageError(format!(
                        "--limit must be an integer from 1 to 1000, got `{v}`"
                    ))
                })
        })
        .transpose()?;
    Ok(PageArgs {
        limit,
        cursor: o.value("cursor"),
    })
}

fn page(o: &Options) -> Result<PageArgs, UsageError> {
    let limit = o
        .value("limit")
        .map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    UsageError(format!(
                        "--limit must be an integer from 1 to 100, got `{v}`"
                    ))
                })
        })
        .transpose()?;
    Ok(PageArgs {
        limit,
        cursor: o.value("cursor"),
    })
}

/// `90s`, `30m`, `12h`, `7d`, `2w` → seconds.
pub fn duration_secs(text: &str) -> Result<u64, UsageError> {
    let bad = || {
        UsageError(format!(
            "--expires-in `{text}` is not a duration: use a number with s, m, h, d or w, like 7d"
        ))
    };
    let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(unit_at);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).filter(|s| *s > 0).ok_or_else(bad)
}

#[cfg(test)]
#[path = "args_tests.rs"]
mod tests;
