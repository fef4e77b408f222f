-- The audit log: one row per MCP request that reaches a server, one per admin write.
-- Written off the response path (waitUntil); read by GET /audit. Never holds a
-- credential, a token or file contents; argument values only when the server's
-- `audit` setting is "arguments" (docs/audit.md).
CREATE TABLE audit_log (
  -- Insertion order: the cursor of GET /audit pages (newest first).
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  -- 'mcp' or 'admin'.
  kind TEXT NOT NULL,
  server_id TEXT,
  account_id TEXT,
  -- The signed-in user, once per-user OAuth exists.
  user_id TEXT,
  client_name TEXT,
  client_version TEXT,
  protocol_version TEXT,
  -- JSON-RPC method (mcp) or "<METHOD> <path>" (admin).
  method TEXT NOT NULL,
  tool TEXT,
  -- JSON array of argument names, sorted.
  argument_keys TEXT,
  -- JSON object, only under audit "arguments", with credentials and file contents removed.
  arguments TEXT,
  -- 'ok', 'tool_error', 'rpc_error' or 'http_error'.
  outcome TEXT NOT NULL,
  rpc_code INTEGER,
  http_status INTEGER NOT NULL,
  upstream_status INTEGER,
  upstream_ms INTEGER,
  upstream_requests INTEGER NOT NULL DEFAULT 0,
  total_ms INTEGER NOT NULL,
  ratelimit_remaining INTEGER,
  bytes_out INTEGER NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_server ON audit_log (server_id, id);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE INDEX audit_log_tool ON audit_log (tool, id);
