//! Help texts: the overview and one page per command, each documenting every flag.

use crate::args::Topic;

/// One usage line, used in usage errors.
pub fn usage(topic: Topic) -> &'static str {
    match topic {
        Topic::AccountList => "snmcp account list [--search TEXT] [--limit N] [--cursor CURSOR]",
        Topic::AuditList => "snmcp audit list [--server ID] [--account ID] [--tool NAME] [--outcome O] [--kind K] [--since TIME] [--until TIME] [--limit N] [--cursor CURSOR]",
        Topic::AuditTail => "snmcp audit tail [--server ID] [--account ID] [--tool NAME] [--outcome O] [--kind K] [--interval SECONDS] [--for SECONDS]",
        Topic::AuditExport => "snmcp audit export [--server ID] [--account ID] [--tool NAME] [--outcome O] [--kind K] [--since TIME] [--until TIME] [--format csv|jsonl]",
        Topic::Audit => "snmcp audit <list|tail|export> ...",
        Topic::AccountPut => "snmcp account put <id> --instance-url URL --auth TYPE [--username U] [--client-id ID] [--secret-stdin]",
        Topic::AccountGet => "snmcp account get <id>",
        Topic::AccountDelete => "snmcp account delete <id>",
        Topic::ServerCreate => "snmcp server create <account> --name NAME [--methods LIST] [--tags LIST] [--tool-mode MODE] [--expires-at TIME | --expires-in DURATION] [--require-api-token] [--rate-limit-response MODE] [--audit MODE]",
        Topic::ServerList => "snmcp server list <account> [--limit N] [--cursor CURSOR]",
        Topic::ServerGet => "snmcp server get <account> <mcp_id>",
        Topic::ServerUpdate => "snmcp server update <account> <mcp_id> [--name NAME] [--methods LIST | --all-methods] [--tags LIST | --all-tags] [--tool-mode MODE] [--expires-at TIME | --expires-in DURATION | --no-expiry] [--require-api-token | --no-require-api-token] [--rate-limit-response MODE] [--audit MODE]",
        Topic::ServerDelete => "snmcp server delete <account> <mcp_id>",
        Topic::ServerPreview => "snmcp server preview [--methods LIST] [--tags LIST] [--tool-mode MODE]",
        Topic::TokenCreate => "snmcp token create --name NAME (--account ACCOUNT [--servers LIST] | --all-accounts) [--expires-at TIME | --expires-in DURATION]",
        Topic::TokenList => "snmcp token list [--limit N] [--cursor CURSOR]",
        Topic::TokenGet => "snmcp token get <id>",
        Topic::TokenDelete => "snmcp token delete <id>",
        Topic::Account => "snmcp account <list|put|get|delete> ...",
        Topic::Server => "snmcp server <create|list|get|update|delete|preview> ...",
        Topic::Token => "snmcp token <create|list|get|delete> ...",
    }
}

pub const OVERVIEW: &str = "\
snmcp: provision the ServiceNow MCP worker (accounts, MCP server URLs, API tokens).

Usage: snmcp [GLOBAL OPTIONS] <COMMAND> [ARGS]

Commands:
  account list                 list registered accounts (--search by id or instance)
  account put <id>             register or replace a ServiceNow account
  account get <id>             show an account (never its secrets)
  account delete <id>          delete an account and revoke all its MCP servers
  server create <account>      mint an MCP server URL (shown once)
  server list <account>        list an account's live MCP servers
  server get <account> <id>    show one MCP server
  server update <account> <id> change name, tool filters, expiry or API-token requirement
  server delete <account> <id> revoke an MCP server URL
  server preview               the tools given filters expose, with client-limit warnings
  token create                 mint an API token for require-api-token servers (shown once)
  token list | get <id> | delete <id>
  audit list                   one page of the audit log, newest first (filters below)
  audit tail                   follow new audit entries as they arrive
  audit export                 every matching entry as CSV or JSONL on standard output
  help [COMMAND]               show the help of a command (also: COMMAND --help)

Global options:
  --admin-url URL        admin API base URL (env SNMCP_ADMIN_URL; default http://127.0.0.1:8787)
  --json                 print the API's raw JSON response instead of a summary
  --offline              no admin API: run the same admin logic in this process and write
                         the records with `wrangler d1 execute` (the system of record)
                         and `wrangler kv key ...` (the edge copy), for pipelines
  --remote               offline: write to the deployed KV namespace (default: --local)
  --binding NAME         offline: the KV binding in wrangler.toml (default MCP_STATE)
  --d1-binding NAME      offline: the D1 binding in wrangler.toml (default DB)
  --public-url URL       offline: the worker's public base URL, used to print minted MCP
                         URLs (env SNMCP_PUBLIC_URL; required by offline `server create`)
  --persist-to DIR       offline, local: wrangler's local state directory
  --wrangler-config FILE offline: wrangler configuration file (wrangler's --config)
  --wrangler-env NAME    offline: wrangler environment (wrangler's --env)
  --allow-http-upstream  offline: accept http:// instance URLs (local demos only; the
                         worker needs ALLOW_HTTP_UPSTREAM=true to call them)
  -h, --help             show help
  -V, --version          show the version

Environment:
  SNMCP_ADMIN_TOKEN      the worker's ADMIN_TOKEN (required unless --offline)
  SNMCP_ADMIN_URL        default for --admin-url
  CREDENTIALS_KEY        offline: the worker's CREDENTIALS_KEY secret, which seals credentials
  SNMCP_PUBLIC_URL       offline: default for --public-url
  SNMCP_WRANGLER         offline: command that runs wrangler (default: `wrangler` if on PATH,
                         else `npx wrangler`)
  SNMCP_PASSWORD, SNMCP_CLIENT_SECRET, SNMCP_TOKEN, SNMCP_API_KEY
                         ServiceNow secrets for `account put` (never passed as flags)

Exit status: 0 on success, 1 when the operation failed, 2 on a usage error.
Run `snmcp <command> <subcommand> --help` for each command's options.";

pub fn help(topic: Option<Topic>) -> &'static str {
    let Some(topic) = topic else {
        return OVERVIEW;
    };
    match topic {
        Topic::Account => "\
snmcp account: ServiceNow accounts the worker calls on behalf of MCP servers.

  snmcp account list           list registered accounts (see `snmcp account list --help`)
  snmcp account put <id> ...   register or replace (see `snmcp account put --help`)
  snmcp account get <id>       show it: instance URL, auth type and non-secret fields
  snmcp account delete <id>    delete it and revoke every MCP server of the account",
        Topic::AccountPut => "\
Usage: snmcp account put <id> --instance-url URL --auth TYPE [--username U] [--client-id ID] [--secret-stdin]

Registers a ServiceNow account, or replaces its URL and credentials (its MCP servers keep
working). <id> is 1-64 characters from A-Z a-z 0-9 _ -.

Options:
  --instance-url URL   the instance root, like https://acme.service-now.com
  --auth TYPE          basic | oauth2-client-credentials | oauth2-password | bearer | api-key
  --username U         basic, oauth2-password: the ServiceNow user
  --client-id ID       oauth2-client-credentials, oauth2-password: the OAuth client id
  --secret-stdin       read the secrets from standard input, one per line, instead of
                       the environment (oauth2-password: client secret, then password)

Secrets are never flags (shell history, process lists). From the environment:
  basic                      SNMCP_PASSWORD
  oauth2-client-credentials  SNMCP_CLIENT_SECRET
  oauth2-password            SNMCP_CLIENT_SECRET and SNMCP_PASSWORD
  bearer                     SNMCP_TOKEN
  api-key                    SNMCP_API_KEY",
        Topic::AccountGet => "\
Usage: snmcp account get <id>

Shows the account: instance URL, auth type, username/client id, timestamps. Secrets are
never shown.",
        Topic::AccountDelete => "\
Usage: snmcp account delete <id>

Deletes the account and revokes all of its MCP servers: their URLs answer 404 at once.",
        Topic::Server => "\
snmcp server: MCP servers (URLs an AI client connects to) of an account.

  snmcp server create <account> ...        mint one (see `snmcp server create --help`)
  snmcp server list <account>              list the live ones
  snmcp server get <account> <mcp_id>      show one
  snmcp server update <account> <mcp_id>   change it (see `snmcp server update --help`)
  snmcp server delete <account> <mcp_id>   revoke its URL
  snmcp server preview [--methods LIST] [--tags LIST] [--tool-mode MODE]
                                           the tools those filters expose, with warnings",
        Topic::ServerCreate => "\
Usage: snmcp server create <account> --name NAME [--methods LIST] [--tags LIST] [--tool-mode MODE]
                           [--expires-at TIME | --expires-in DURATION] [--require-api-token]
                           [--rate-limit-response MODE]

Mints an MCP server for the account and prints its URL on the last line. The URL carries
a secret token and is shown only this once; the worker keeps only its SHA-256.

Options:
  --name NAME            display name (1-200 characters)
  --methods LIST         comma-separated: read (get + list), write (create + update +
                         delete), or method names (list, get, create, update, delete,
                         custom ones such as resolve); default: every method
  --tags LIST            comma-separated resource tags (incident, problem, users, ...);
                         default: every tag
  --tool-mode MODE       tools (default: every kept tool is listed) or discovery (three
                         tools search, describe and call the kept tools; for large
                         catalogs)
  --expires-at TIME      RFC 3339 expiry, like 2026-12-31T23:59:59Z (at least 60 s ahead)
  --expires-in DURATION  expiry from now: a number with s, m, h, d or w, like 7d
  --require-api-token    clients must also send `Authorization: Bearer <API token>`
                         (see `snmcp token create`)
  --rate-limit-response MODE
                         how a ServiceNow 429 reaches clients: http_429 (default: HTTP
                         429 with Retry-After and ratelimit-* headers) or tool_error
                         (HTTP 200 with an isError result naming the delay, same headers;
                         for Python MCP SDK 1.x, LangChain adapters, OpenAI Agents)
  --audit MODE           what the audit log keeps of this server's requests: metadata
                         (default: tool, argument names, client, outcome), arguments
                         (also argument values, secrets redacted) or off",
        Topic::ServerList => "\
Usage: snmcp server list <account> [--limit N] [--cursor CURSOR]

Lists one page of the account's live MCP servers (expired ones are never shown; URLs are
never shown). When there are more, prints the command for the next page.

Options:
  --limit N        page size, 1-100 (default 50)
  --cursor CURSOR  the cursor printed with the previous page",
        Topic::ServerGet => "\
Usage: snmcp server get <account> <mcp_id>

Shows one live MCP server (its URL is not recoverable).",
        Topic::ServerUpdate => "\
Usage: snmcp server update <account> <mcp_id> [OPTIONS]

Changes a live MCP server; its URL stays the same. The result is validated again as a
whole (filters must leave a tool; a kept expiry must still be at least 60 s ahead).

Options:
  --name NAME              new display name
  --methods LIST           replace the method filter (read, write, or method names)
  --all-methods            remove the method filter (every method)
  --tags LIST              replace the tag filter
  --all-tags               remove the tag filter (every tag)
  --tool-mode MODE         tools (list every kept tool) or discovery (three tools)
  --expires-at TIME        new RFC 3339 expiry
  --expires-in DURATION    new expiry from now, like 12h or 7d
  --no-expiry              never expire
  --require-api-token      require `Authorization: Bearer <API token>` from clients
  --no-require-api-token   stop requiring an API token
  --rate-limit-response MODE
                         how a ServiceNow 429 reaches clients: http_429 (default: HTTP
                         429 with Retry-After and ratelimit-* headers) or tool_error
                         (HTTP 200 with an isError result naming the delay, same headers;
                         for Python MCP SDK 1.x, LangChain adapters, OpenAI Agents)
  --audit MODE           what the audit log keeps of this server's requests: metadata
                         (default: tool, argument names, client, outcome), arguments
                         (also argument values, secrets redacted) or off",
        Topic::ServerPreview => "\
Usage: snmcp server preview [--methods LIST] [--tags LIST] [--tool-mode MODE]

Lists the tools a server with these filters would expose (what tools/list returns), and
warns when they are more than a client uses: OpenAI's API takes at most 128 functions a
request, Cursor the first 40. Narrow with --tags or --methods, or use --tool-mode
discovery. Creates nothing.",
        Topic::ServerDelete => "\
Usage: snmcp server delete <account> <mcp_id>

Revokes the MCP server: its URL answers 404 from now on.",
        Topic::Token => "\
snmcp token: API tokens that servers created with --require-api-token demand.

  snmcp token create --name NAME (--account ACCOUNT [--servers LIST] | --all-accounts) [--expires-at TIME | --expires-in DURATION]
  snmcp token list [--limit N] [--cursor CURSOR]
  snmcp token get <id>
  snmcp token delete <id>",
        Topic::TokenCreate => "\
Usage: snmcp token create --name NAME (--account ACCOUNT [--servers LIST] | --all-accounts) [--expires-at TIME | --expires-in DURATION]

Mints an API token and prints it on the last line, only this once; the worker keeps only
its SHA-256. Clients send it as `Authorization: Bearer <token>`. A token opens only the
require-api-token servers it is scoped to: one account's, some servers of one account,
or (asked for explicitly) every account's.

Options:
  --name NAME            who holds the token (1-200 characters)
  --account ACCOUNT      open the servers of this account
  --servers LIST         with --account: only these MCP server ids (comma-separated)
  --all-accounts         open every account's servers
  --expires-at TIME      RFC 3339 expiry (at least 60 s ahead)
  --expires-in DURATION  expiry from now, like 30d",
        Topic::TokenList => "\
Usage: snmcp token list [--limit N] [--cursor CURSOR]

Lists one page of live API tokens (never the tokens themselves).

Options:
  --limit N        page size, 1-100 (default 50)
  --cursor CURSOR  the cursor printed with the previous page",
        Topic::TokenGet => "\
Usage: snmcp token get <id>

Shows an API token's name and dates (never the token).",
        Topic::TokenDelete => "\
Usage: snmcp token delete <id>

Revokes the API token at once.",
        Topic::AccountList => "\
Usage: snmcp account list [--search TEXT] [--limit N] [--cursor CURSOR]

Lists one page of registered accounts in id order: id, instance URL and auth type (never
a credential). When there are more, prints the command for the next page.

Options:
  --search TEXT    only accounts whose id or instance URL contains TEXT (any case)
  --limit N        page size, 1-100 (default 50)
  --cursor CURSOR  the cursor printed with the previous page",
        Topic::Audit => "\
snmcp audit: the worker's audit log (one entry per MCP request that reached a server and
per admin write; see docs/audit.md).

  snmcp audit list [FILTERS]        one page, newest first
  snmcp audit tail [FILTERS]        follow new entries
  snmcp audit export [FILTERS]      everything matching, as CSV or JSONL",
        Topic::AuditList => "\
Usage: snmcp audit list [FILTERS] [--since TIME] [--until TIME] [--limit N] [--cursor CURSOR]

Shows one page of audit entries, newest first: time, server, client, method, tool,
outcome and status. When there are more, prints the command for the next page.

Options:
  --server MCP_ID      one server's entries
  --account ACCOUNT    one account's entries
  --tool NAME          one tool's calls
  --outcome OUTCOME    ok | tool_error | rpc_error | http_error
  --kind KIND          mcp (requests to MCP servers) or admin (admin API writes)
  --since TIME         entries at or after TIME (RFC 3339, or UNIX milliseconds)
  --until TIME         entries before TIME
  --limit N            page size, 1-1000 (default 100)
  --cursor CURSOR      the cursor printed with the previous page",
        Topic::AuditTail => "\
Usage: snmcp audit tail [FILTERS] [--interval SECONDS] [--for SECONDS]

Prints new audit entries as they arrive, oldest first, one line each, polling the
worker. Stops after --for seconds, or when interrupted.

Options:
  --server MCP_ID      one server's entries
  --account ACCOUNT    one account's entries
  --tool NAME          one tool's calls
  --outcome OUTCOME    ok | tool_error | rpc_error | http_error
  --kind KIND          mcp (requests to MCP servers) or admin (admin API writes)
  --interval SECONDS   time between polls, 1-3600 (default 2)
  --for SECONDS        stop after this long, 1-86400 (default: never)",
        Topic::AuditExport => "\
Usage: snmcp audit export [FILTERS] [--since TIME] [--until TIME] [--format csv|jsonl]

Writes every matching entry to standard output, newest first, page by page (CSV with
one header line, or one JSON object per line). Redirect it to a file.

Options:
  --server MCP_ID      one server's entries
  --account ACCOUNT    one account's entries
  --tool NAME          one tool's calls
  --outcome OUTCOME    ok | tool_error | rpc_error | http_error
  --kind KIND          mcp (requests to MCP servers) or admin (admin API writes)
  --since TIME         entries at or after TIME (RFC 3339, or UNIX milliseconds)
  --until TIME         entries before TIME
  --format FORMAT      csv (default) or jsonl",
    }
}
