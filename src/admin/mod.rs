//! Provisioning API: integrated accounts, MCP servers and API tokens over JSON/HTTP.
