-- The system of record: integrated accounts and MCP servers. KV keeps only
-- the edge copy an MCP request reads (written after the commit here; `edge_synced` = 0
-- until it is, and the cron job repairs any that stay 0). `version` is the optimistic
-- concurrency check: every write is `... WHERE version = ?` and answers 409/412 when
-- another write came first (docs/admin-api.md, "Concurrent writes").

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  -- The StoredAccount JSON (credentials sealed with CREDENTIALS_KEY; never in clear).
  record TEXT NOT NULL,
  instance_url TEXT NOT NULL,
  auth_type TEXT NOT NULL,
  -- 'live' or 'deleted' (kept until its edge copy is gone).
  state TEXT NOT NULL DEFAULT 'live',
  version INTEGER NOT NULL DEFAULT 1,
  edge_synced INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE mcp_servers (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  -- SHA-256 of the URL token (the token itself is never stored).
  token_hash TEXT NOT NULL UNIQUE,
  -- The McpServerRecord JSON, as KV holds it.
  record TEXT NOT NULL,
  name TEXT NOT NULL,
  -- 'url' (the URL is the credential) or 'api_token' (require_api_token_auth).
  auth_mode TEXT NOT NULL,
  expires_at_ms INTEGER,
  -- 'live', 'expired' (purged from KV by the cron job) or 'revoked'.
  state TEXT NOT NULL DEFAULT 'live',
  version INTEGER NOT NULL DEFAULT 1,
  edge_synced INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX mcp_servers_account ON mcp_servers (account_id, id);
CREATE INDEX mcp_servers_state_expiry ON mcp_servers (state, expires_at_ms);
CREATE INDEX mcp_servers_unsynced ON mcp_servers (edge_synced) WHERE edge_synced = 0;
CREATE INDEX accounts_unsynced ON accounts (edge_synced) WHERE edge_synced = 0;
