//! ServiceNow upstream: a validated tool call becomes one Table API request; the answer
//! becomes an MCP tool result. Owns auth headers, record-number lookup, response and
//! error mapping, and rate-limit header normalization. No worker types.
