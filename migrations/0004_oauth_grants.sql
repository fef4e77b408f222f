-- The grant tables per-user OAuth (issue 24) writes: MCP clients, authorizations in
-- flight, grants (one signed-in ServiceNow user on one server through one client) and
-- their tokens. In D1 because rotation must be atomic: a refresh token is spent by one
-- conditional UPDATE (`... WHERE used_at IS NULL`), so two concurrent refreshes cannot
-- both succeed and a reused token is seen (and revokes its grant). Secrets never in
-- clear: tokens as SHA-256, ServiceNow's tokens sealed with CREDENTIALS_KEY.

-- Clients: registered by DCR (RFC 7591) or known by their metadata document (CIMD).
CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  -- 'dcr' or 'cimd'.
  source TEXT NOT NULL,
  -- The registration or metadata document as accepted (redirect_uris, client_name, ...).
  metadata TEXT NOT NULL,
  -- SHA-256 of a confidential client's secret; NULL for public clients.
  secret_hash TEXT,
  created_at_ms INTEGER NOT NULL,
  -- DCR registrations unused this long are purged; CIMD entries re-fetched.
  expires_at_ms INTEGER
);

-- An authorization between /authorize and the token exchange (or its expiry).
CREATE TABLE oauth_pending (
  -- SHA-256 of the state the worker sent to ServiceNow.
  upstream_state_hash TEXT PRIMARY KEY,
  server_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  -- The MCP client's own state, PKCE challenge (S256) and RFC 8707 resource.
  client_state TEXT,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  scope TEXT,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);

CREATE TABLE oauth_grants (
  id TEXT PRIMARY KEY,
  server_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  -- The ServiceNow user the tokens act as (user_name, and sys_id when known).
  servicenow_user TEXT NOT NULL,
  -- The user's ServiceNow access and refresh tokens, sealed; never sent to a client.
  upstream_sealed TEXT NOT NULL,
  upstream_expires_at_ms INTEGER,
  scope TEXT,
  -- 'live' or 'revoked' (by an admin, a deleted server or account, or refresh reuse).
  state TEXT NOT NULL DEFAULT 'live',
  -- Optimistic concurrency, as for records: the single-flight refresh of ServiceNow's
  -- token is an UPDATE ... WHERE version = ?.
  version INTEGER NOT NULL DEFAULT 1,
  created_at_ms INTEGER NOT NULL,
  last_used_at_ms INTEGER
);

CREATE INDEX oauth_grants_server ON oauth_grants (server_id, state);
CREATE INDEX oauth_grants_account ON oauth_grants (account_id, state);

-- Codes, access and refresh tokens the worker issues, as hashes, each bound to a grant
-- (and through it to one MCP server).
CREATE TABLE oauth_tokens (
  token_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES oauth_grants (id),
  -- 'code', 'access' or 'refresh'.
  kind TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  -- Set when a code or refresh token is spent; spending one twice is reuse.
  used_at_ms INTEGER,
  -- A code's PKCE challenge and redirect, checked at the exchange.
  code_challenge TEXT,
  redirect_uri TEXT
);

CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
