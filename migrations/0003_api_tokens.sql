-- API tokens (for require_api_token_auth servers) in the system of record, as accounts
-- and servers are: the token's SHA-256 only, the record KV serves, state ('live' or
-- 'revoked'), version and whether the KV copy is written.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  record TEXT NOT NULL,
  name TEXT NOT NULL,
  expires_at_ms INTEGER,
  state TEXT NOT NULL DEFAULT 'live',
  version INTEGER NOT NULL DEFAULT 1,
  edge_synced INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE INDEX api_tokens_unsynced ON api_tokens (edge_synced) WHERE edge_synced = 0;
