//! Table-driven tests of argument parsing: each row is argv and what it must parse to.

use super::*;

fn run(args: &[&str]) -> Invocation {
    match parse(args) {
        Ok(Parsed::Run(invocation)) => *invocation,
        other => panic!("{args:?} parsed to {other:?}"),
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn commands_parse_to_their_calls() {
    let cases: Vec<(&[&str], Command)> = vec![
        (
            &[
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
            Command::AccountPut {
                id: s("acme"),
                instance_url: s("https://acme.service-now.com"),
                auth: AuthKind::Basic,
                username: Some(s("svc")),
                client_id: None,
                secret_stdin: false,
            },
        ),
        (
            &[
                "account",
                "put",
                "acme",
                "--instance-url=https://a.service-now.com",
                "--auth=oauth2_password",
                "--client-id",
                "cid",
                "--username",
                "u",
                "--secret-stdin",
            ],
            Command::AccountPut {
                id: s("acme"),
                instance_url: s("https://a.service-now.com"),
                auth: AuthKind::Oauth2Password,
                username: Some(s("u")),
                client_id: Some(s("cid")),
                secret_stdin: true,
            },
        ),
        (
            &[
                "account",
                "put",
                "acme",
                "--auth",
                "api-key",
                "--instance-url",
                "https://a.service-now.com",
            ],
            Command::AccountPut {
                id: s("acme"),
                instance_url: s("https://a.service-now.com"),
                auth: AuthKind::ApiKey,
                username: None,
                client_id: None,
                secret_stdin: false,
            },
        ),
        (
            &["account", "get", "acme"],
            Command::AccountGet { id: s("acme") },
        ),
        (
            &["account", "delete", "acme"],
            Command::AccountDelete { id: s("acme") },
        ),
        (
            &[
                "server",
                "create",
                "acme",
                "--name",
                "ITSM agent",
                "--methods",
                "read, write",
                "--tags",
                "incident,problem",
                "--expires-in",
                "7d",
                "--require-api-token",
                "--rate-limit-response",
                "tool_error",
            ],
            Command::ServerCreate {
                account: s("acme"),
                name: s("ITSM agent"),
                methods: Some(vec![s("read"), s("write")]),
                tags: Some(vec![s("incident"), s("problem")]),
                tool_mode: None,
                expiry: Some(Expiry::In(7 * 86_400)),
                require_api_token: true,
                rate_limit_response: Some(s("tool_error")),
                audit: None,
            },
        ),
        (
            &[
                "server",
                "create",
                "acme",
                "--name",
                "x",
                "--expires-at",
                "2026-12-31T23:59:59Z",
            ],
            Command::ServerCreate {
                account: s("acme"),
                name: s("x"),
                methods: None,
                tags: None,
                tool_mode: None,
                expiry: Some(Expiry::At(s("2026-12-31T23:59:59Z"))),
                require_api_token: false,
                rate_limit_response: None,
                audit: None,
            },
        ),
        (
            &["server", "list", "acme", "--limit", "10", "--cursor", "abc"],
            Command::ServerList {
                account: s("acme"),
                page: PageArgs {
                    limit: Some(10),
                    cursor: Some(s("abc")),
                },
            },
        ),
        (
            &["server", "get", "acme", "mcp_1"],
            Command::ServerGet {
                account: s("acme"),
                id: s("mcp_1"),
            },
        ),
        (
            &[
                "server",
                "update",
                "acme",
                "mcp_1",
                "--all-methods",
                "--tags",
                "users",
                "--no-expiry",
                "--no-require-api-token",
            ],
            Command::ServerUpdate {
                account: s("acme"),
                id: s("mcp_1"),
                name: None,
                methods: Change::Clear,
                tags: Change::Set(vec![s("users")]),
                tool_mode: None,
                expiry: Change::Clear,
                require_api_token: Some(false),
                rate_limit_response: None,
                audit: None,
            },
        ),
        (
            &[
                "server",
                "update",
                "acme",
                "mcp_1",
                "--name",
                "n",
                "--expires-in",
                "12h",
            ],
            Command::ServerUpdate {
                account: s("acme"),
                id: s("mcp_1"),
                name: Some(s("n")),
                methods: Change::Keep,
                tags: Change::Keep,
                tool_mode: None,
                expiry: Change::Set(Expiry::In(43_200)),
                require_api_token: None,
                rate_limit_response: None,
                audit: None,
            },
        ),
        (
            &["server", "delete", "acme", "mcp_1"],
            Command::ServerDelete {
                account: s("acme"),
                id: s("mcp_1"),
            },
        ),
        (
            &[
                "token",
                "create",
                "--name",
                "ci",
                "--expires-in",
                "30d",
                "--account",
                "acme",
            ],
            Command::TokenCreate {
                name: s("ci"),
                expiry: Some(Expiry::In(30 * 86_400)),
                scope: TokenScope::Account(s("acme")),
            },
        ),
        (
            &[
                "token",
                "create",
                "--name",
                "ci",
                "--account",
                "acme",
                "--servers",
                "mcp_1,mcp_2",
            ],
            Command::TokenCreate {
                name: s("ci"),
                expiry: None,
                scope: TokenScope::Servers {
                    account: s("acme"),
                    servers: vec![s("mcp_1"), s("mcp_2")],
                },
            },
        ),
        (
            &["token", "create", "--name", "ci", "--all-accounts"],
            Command::TokenCreate {
                name: s("ci"),
                expiry: None,
                scope: TokenScope::AllAccounts,
            },
        ),
        (
            &["token", "list"],
            Command::TokenList {
                page: PageArgs::default(),
            },
        ),
        (
            &[
                "server",
                "preview",
                "--tags",
                "incident",
                "--tool-mode",
                "tools",
            ],
            Command::ServerPreview {
                methods: None,
                tags: Some(vec![s("incident")]),
                tool_mode: Some(s("tools")),
            },
        ),
        (
            &["token", "get", "tok_1"],
            Command::TokenGet { id: s("tok_1") },
        ),
        (
            &["token", "delete", "tok_1"],
            Command::TokenDelete { id: s("tok_1") },
        ),
    ];
    for (args, want) in cases {
        assert_eq!(run(args).command, want, "{args:?}");
    }
}

#[test]
fn global_options_go_anywhere_and_offline_options_need_offline() {
    let online = run(&[
        "--json",
        "token",
        "list",
        "--admin-url",
        "https://w.example",
    ]);
    assert_eq!(
        online.global,
        Global {
            admin_url: Some(s("https://w.example")),
            json: true,
            offline: None
        }
    );
    let offline = run(&["token", "list", "--offline"]);
    assert_eq!(
        offline.global.offline,
        Some(Offline {
            remote: false,
            binding: s(DEFAULT_BINDING),
            d1_binding: s(DEFAULT_D1_BINDING),
            public_url: None,
            persist_to: None,
            wrangler_config: None,
            wrangler_env: None,
            allow_http_upstream: false,
        })
    );
    let full = run(&[
        "--offline",
        "--remote",
        "--binding",
        "STATE",
        "--d1-binding",
        "RECORDS",
        "--public-url",
        "https://mcp.example",
        "--persist-to",
        "/tmp/s",
        "--wrangler-config",
        "w.toml",
        "--wrangler-env",
        "prod",
        "--allow-http-upstream",
        "token",
        "list",
    ]);
    assert_eq!(
        full.global.offline,
        Some(Offline {
            remote: true,
            binding: s("STATE"),
            d1_binding: s("RECORDS"),
            public_url: Some(s("https://mcp.example")),
            persist_to: Some(s("/tmp/s")),
            wrangler_config: Some(s("w.toml")),
            wrangler_env: Some(s("prod")),
            allow_http_upstream: true,
        })
    );
}

#[test]
fn usage_errors_say_what_is_wrong() {
    let cases: [(&[&str], &str); 29] = [
        (&[], "no command given"),
        (&["token", "create", "--name", "ci"], "scoped to"),
        (
            &["token", "create", "--name", "ci", "--servers", "mcp_1"],
            "--servers needs --account",
        ),
        (
            &[
                "token",
                "create",
                "--name",
                "ci",
                "--account",
                "a",
                "--all-accounts",
            ],
            "contradict",
        ),
        (&["accounts", "list"], "unknown command `accounts list`"),
        (&["account"], "unknown command `account`"),
        (&["account", "get"], "expected <id>, got 0"),
        (&["account", "get", "a", "b"], "expected <id>, got 2"),
        (
            &["account", "put", "a", "--auth", "basic", "--username", "u"],
            "--instance-url is required",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--username",
                "u",
            ],
            "--auth is required",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--auth",
                "ntlm",
            ],
            "`ntlm` is not supported",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--auth",
                "basic",
            ],
            "--username is required with --auth basic",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--auth",
                "bearer",
                "--username",
                "u",
            ],
            "--username does not apply",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--auth",
                "oauth2-client-credentials",
            ],
            "--client-id is required",
        ),
        (
            &[
                "account",
                "put",
                "a",
                "--instance-url",
                "https://x",
                "--auth",
                "basic",
                "--username",
                "u",
                "--password",
                "p",
            ],
            "unknown option `--password`",
        ),
        (&["server", "create", "acme"], "--name is required"),
        (
            &["server", "create", "acme", "--name"],
            "--name needs a value",
        ),
        (
            &[
                "server",
                "create",
                "acme",
                "--name",
                "x",
                "--methods",
                " , ",
            ],
            "--methods needs at least one entry",
        ),
        (
            &[
                "server",
                "create",
                "acme",
                "--name",
                "x",
                "--expires-in",
                "7 days",
            ],
            "not a duration",
        ),
        (
            &[
                "server",
                "create",
                "acme",
                "--name",
                "x",
                "--expires-in",
                "1d",
                "--expires-at",
                "2030-01-01T00:00:00Z",
            ],
            "either --expires-at or --expires-in",
        ),
        (
            &["server", "create", "acme", "--name", "x", "--no-expiry"],
            "not an option of `snmcp server create`",
        ),
        (&["server", "update", "acme", "mcp_1"], "nothing to update"),
        (
            &[
                "server",
                "update",
                "acme",
                "mcp_1",
                "--tags",
                "a",
                "--all-tags",
            ],
            "contradict",
        ),
        (
            &[
                "server",
                "update",
                "acme",
                "mcp_1",
                "--no-expiry",
                "--expires-in",
                "1d",
            ],
            "--no-expiry cannot be combined",
        ),
        (
            &["server", "list", "acme", "--limit", "500"],
            "--limit must be an integer from 1 to 100",
        ),
        (
            &["token", "list", "--remote"],
            "--remote only applies with --offline",
        ),
        (
            &["token", "list", "--offline", "--admin-url", "https://x"],
            "--admin-url does not apply with --offline",
        ),
        (
            &["token", "list", "--json", "--json"],
            "given more than once",
        ),
        (&["token", "list", "--json=yes"], "takes no value"),
    ];
    for (args, fragment) in cases {
        match parse(args) {
            Err(UsageError(message)) => assert!(message.contains(fragment), "{args:?}: {message}"),
            other => panic!("{args:?} parsed to {other:?}"),
        }
    }
}

#[test]
fn help_and_version_are_found_anywhere() {
    let cases: [(&[&str], Parsed); 7] = [
        (&["--help"], Parsed::Help(None)),
        (&["-h"], Parsed::Help(None)),
        (&["help"], Parsed::Help(None)),
        (
            &["help", "server", "create"],
            Parsed::Help(Some(Topic::ServerCreate)),
        ),
        (
            &["server", "create", "--help"],
            Parsed::Help(Some(Topic::ServerCreate)),
        ),
        (&["token", "--help"], Parsed::Help(Some(Topic::Token))),
        (&["-V"], Parsed::Version),
    ];
    for (args, want) in cases {
        assert_eq!(parse(args), Ok(want), "{args:?}");
    }
    // Unknown options are refused even next to --help.
    assert!(parse(&["account", "put", "--bogus", "-h"]).is_err());
}

#[test]
fn every_option_is_documented_in_some_help_page() {
    let topics = [
        None,
        Some(Topic::AccountPut),
        Some(Topic::ServerCreate),
        Some(Topic::ServerList),
        Some(Topic::ServerUpdate),
        Some(Topic::TokenCreate),
        Some(Topic::TokenList),
        Some(Topic::AccountList),
        Some(Topic::AuditList),
        Some(Topic::AuditTail),
        Some(Topic::AuditExport),
    ];
    let all: String = topics.iter().map(|t| crate::help::help(*t)).collect();
    for (name, _) in OPTIONS {
        assert!(
            all.contains(&format!("--{name}")),
            "--{name} is not in any help page"
        );
    }
    for (topic, options) in [
        (Topic::AccountPut, command_options(Topic::AccountPut)),
        (Topic::ServerCreate, command_options(Topic::ServerCreate)),
        (Topic::ServerUpdate, command_options(Topic::ServerUpdate)),
        (Topic::TokenCreate, command_options(Topic::TokenCreate)),
        (Topic::ServerList, command_options(Topic::ServerList)),
        (Topic::ServerPreview, command_options(Topic::ServerPreview)),
    ] {
        let page = crate::help::help(Some(topic));
        for name in options {
            assert!(
                page.contains(&format!("--{name}")),
                "--{name} missing from {topic:?} help"
            );
        }
    }
}

#[test]
fn durations_take_a_unit() {
    let cases = [
        ("90s", Ok(90)),
        ("30m", Ok(1_800)),
        ("12h", Ok(43_200)),
        ("7d", Ok(604_800)),
        ("2w", Ok(1_209_600)),
        ("0d", Err(())),
        ("7", Err(())),
        ("d", Err(())),
        ("", Err(())),
        ("-1d", Err(())),
        ("99999999999999999999w", Err(())),
    ];
    for (text, want) in cases {
        assert_eq!(duration_secs(text).map_err(|_| ()), want, "{text:?}");
    }
}

#[test]
fn audit_and_account_listing_commands_parse_and_check_their_ranges() {
    let s = |v: &str| v.to_string();
    let list = run(&[
        "audit",
        "list",
        "--outcome",
        "tool_error",
        "--since",
        "2026-12-01T00:00:00Z",
        "--limit",
        "500",
    ]);
    assert_eq!(
        list.command,
        Command::AuditList {
            filters: AuditFilters {
                outcome: Some(s("tool_error")),
                since: Some(s("2026-12-01T00:00:00Z")),
                ..AuditFilters::default()
            },
            page: PageArgs {
                limit: Some(500),
                cursor: None
            },
        }
    );
    let tail = run(&[
        "audit",
        "tail",
        "--server",
        "mcp_1",
        "--for",
        "5",
        "--interval",
        "1",
    ]);
    assert_eq!(
        tail.command,
        Command::AuditTail {
            filters: AuditFilters {
                server: Some(s("mcp_1")),
                ..AuditFilters::default()
            },
            follow_secs: Some(5),
            interval_secs: 1,
        }
    );
    let export = run(&["audit", "export", "--format", "jsonl"]);
    assert_eq!(
        export.command,
        Command::AuditExport {
            filters: AuditFilters::default(),
            format: ExportFormat::Jsonl
        }
    );
    let accounts = run(&["account", "list", "--search", "acme"]);
    assert_eq!(
        accounts.command,
        Command::AccountList {
            search: Some(s("acme")),
            page: PageArgs::default()
        }
    );
    for bad in [
        &["audit", "list", "--limit", "1001"][..],
        &["audit", "tail", "--for", "0"],
        &["audit", "tail", "--interval", "9999"],
        &["audit", "export", "--format", "xml"],
        &["audit", "export", "extra"],
        &["audit", "tail", "--since", "x"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}
