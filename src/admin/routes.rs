//! Admin routes: (method, path) → [`Route`], or the 404/405 to answer. Path segments are
//! percent-decoded here; ids are validated by the handlers.

use super::error::ApiError;
use crate::http::percent_decode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    PutAccount(String),
    GetAccount(String),
    DeleteAccount(String),
    CreateServer(String),
    ListServers(String),
    GetServer(String, String),
    UpdateServer(String, String),
    DeleteServer(String, String),
    CreateApiToken,
    CreateAccountApiToken(String),
    ListApiTokens,
    GetApiToken(String),
    DeleteApiToken(String),
    Catalog,
    PreviewTools,
    Audit,
    AuditSeries,
    ListAccounts,
    ListAllServers,
    ImportKv,
}

/// True for every path the admin API owns (`/integrated-account...`, `/api-tokens...`,
/// `/catalog...`, `/audit...`).
pub fn is_admin_path(path: &str) -> bool {
    [
        "/integrated-account",
        "/integrated-accounts",
        "/mcp-servers",
        "/api-tokens",
        "/catalog",
        "/audit",
        "/import",
    ]
    .iter()
    .any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

const ROUTES_HINT: &str = "admin routes are /integrated-account/:id, /integrated-account/:id/mcp, \
     /integrated-account/:id/mcp/:mcp_id, /integrated-accounts, /mcp-servers, /api-tokens, /api-tokens/:id, /catalog, /catalog/preview, \
     /audit, /audit/series and /import/kv";

pub fn resolve(method: &str, path: &str) -> Result<Route, ApiError> {
    let segments: Vec<String> = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let not_found = || {
        ApiError::not_found(
            "route_not_found",
            format!("no admin route {path}: {ROUTES_HINT}"),
        )
    };
    if segments.iter().any(|s| s.is_empty()) {
        return Err(not_found());
    }
    let method = method.to_ascii_uppercase();
    let owned = |s: &str| s.to_string();
    match segments.as_slice() {
        ["integrated-account", id] => match method.as_str() {
            "PUT" => Ok(Route::PutAccount(owned(id))),
            "GET" => Ok(Route::GetAccount(owned(id))),
            "DELETE" => Ok(Route::DeleteAccount(owned(id))),
            _ => Err(ApiError::method_not_allowed(&method, "GET, PUT, DELETE")),
        },
        ["integrated-account", id, "mcp"] => match method.as_str() {
            "POST" => Ok(Route::CreateServer(owned(id))),
            "GET" => Ok(Route::ListServers(owned(id))),
            _ => Err(ApiError::method_not_allowed(&method, "GET, POST")),
        },
        ["integrated-account", id, "api-tokens"] => match method.as_str() {
            "POST" => Ok(Route::CreateAccountApiToken(owned(id))),
            _ => Err(ApiError::method_not_allowed(&method, "POST")),
        },
        ["integrated-account", id, "mcp", mcp_id] => match method.as_str() {
            "GET" => Ok(Route::GetServer(owned(id), owned(mcp_id))),
            "PATCH" => Ok(Route::UpdateServer(owned(id), owned(mcp_id))),
            "DELETE" => Ok(Route::DeleteServer(owned(id), owned(mcp_id))),
            _ => Err(ApiError::method_not_allowed(&method, "GET, PATCH, DELETE")),
        },
        ["api-tokens"] => match method.as_str() {
            "POST" => Ok(Route::CreateApiToken),
            "GET" => Ok(Route::ListApiTokens),
            _ => Err(ApiError::method_not_allowed(&method, "GET, POST")),
        },
        ["api-tokens", id] => match method.as_str() {
            "GET" => Ok(Route::GetApiToken(owned(id))),
            "DELETE" => Ok(Route::DeleteApiToken(owned(id))),
            _ => Err(ApiError::method_not_allowed(&method, "GET, DELETE")),
        },
        ["catalog"] => match method.as_str() {
            "GET" => Ok(Route::Catalog),
            _ => Err(ApiError::method_not_allowed(&method, "GET")),
        },
        ["catalog", "preview"] => match method.as_str() {
            "POST" => Ok(Route::PreviewTools),
            _ => Err(ApiError::method_not_allowed(&method, "POST")),
        },
        ["integrated-accounts"] => match method.as_str() {
            "GET" => Ok(Route::ListAccounts),
            _ => Err(ApiError::method_not_allowed(&method, "GET")),
        },
        ["mcp-servers"] => match method.as_str() {
            "GET" => Ok(Route::ListAllServers),
            _ => Err(ApiError::method_not_allowed(&method, "GET")),
        },
        ["import", "kv"] => match method.as_str() {
            "POST" => Ok(Route::ImportKv),
            _ => Err(ApiError::method_not_allowed(&method, "POST")),
        },
        ["audit"] => match method.as_str() {
            "GET" => Ok(Route::Audit),
            _ => Err(ApiError::method_not_allowed(&method, "GET")),
        },
        ["audit", "series"] => match method.as_str() {
            "GET" => Ok(Route::AuditSeries),
            _ => Err(ApiError::method_not_allowed(&method, "GET")),
        },
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_are_recognized_by_their_roots_only() {
        let cases = [
            ("/integrated-account", true),
            ("/integrated-account/acme", true),
            ("/integrated-account/acme/mcp/x", true),
            ("/api-tokens", true),
            ("/api-tokens/tok_1", true),
            ("/catalog", true),
            ("/catalog/preview", true),
            ("/catalogs", false),
            ("/integrated-accounts", true),
            ("/integrated-accountsx", false),
            ("/mcp-servers", true),
            ("/api-tokensx", false),
            ("/mcp/abc", false),
            ("/", false),
        ];
        for (path, want) in cases {
            assert_eq!(is_admin_path(path), want, "{path}");
        }
    }

    #[test]
    fn routes_resolve_by_method_and_path() {
        let s = |v: &str| v.to_string();
        let cases = [
            (
                "PUT",
                "/integrated-account/acme",
                Route::PutAccount(s("acme")),
            ),
            (
                "get",
                "/integrated-account/acme",
                Route::GetAccount(s("acme")),
            ),
            (
                "DELETE",
                "/integrated-account/acme",
                Route::DeleteAccount(s("acme")),
            ),
            (
                "POST",
                "/integrated-account/acme/mcp",
                Route::CreateServer(s("acme")),
            ),
            (
                "GET",
                "/integrated-account/acme/mcp",
                Route::ListServers(s("acme")),
            ),
            (
                "GET",
                "/integrated-account/acme/mcp/mcp_1",
                Route::GetServer(s("acme"), s("mcp_1")),
            ),
            (
                "PATCH",
                "/integrated-account/acme/mcp/mcp_1",
                Route::UpdateServer(s("acme"), s("mcp_1")),
            ),
            (
                "DELETE",
                "/integrated-account/acme/mcp/mcp_1",
                Route::DeleteServer(s("acme"), s("mcp_1")),
            ),
            ("POST", "/api-tokens", Route::CreateApiToken),
            ("GET", "/api-tokens", Route::ListApiTokens),
            ("GET", "/api-tokens/tok_1", Route::GetApiToken(s("tok_1"))),
            ("GET", "/catalog", Route::Catalog),
            ("POST", "/catalog/preview", Route::PreviewTools),
            (
                "DELETE",
                "/api-tokens/tok_1",
                Route::DeleteApiToken(s("tok_1")),
            ),
            (
                "GET",
                "/integrated-account/a%2Fb",
                Route::GetAccount(s("a/b")),
            ),
        ];
        for (method, path, want) in cases {
            assert_eq!(resolve(method, path), Ok(want), "{method} {path}");
        }
    }

    #[test]
    fn wrong_verbs_are_405_with_allow_and_unknown_paths_404() {
        let cases = [
            (
                "POST",
                "/integrated-account/acme",
                405,
                Some("GET, PUT, DELETE"),
            ),
            (
                "PUT",
                "/integrated-account/acme/mcp",
                405,
                Some("GET, POST"),
            ),
            (
                "PUT",
                "/integrated-account/acme/mcp/m",
                405,
                Some("GET, PATCH, DELETE"),
            ),
            ("DELETE", "/api-tokens", 405, Some("GET, POST")),
            ("PATCH", "/api-tokens/tok_1", 405, Some("GET, DELETE")),
            ("POST", "/catalog", 405, Some("GET")),
            ("GET", "/catalog/preview", 405, Some("POST")),
            ("GET", "/catalog/x", 404, None),
            ("GET", "/integrated-account", 404, None),
            ("GET", "/integrated-account/", 404, None),
            ("GET", "/integrated-account/acme/mcp/m/extra", 404, None),
            ("GET", "/integrated-account/acme/servers", 404, None),
            ("GET", "/api-tokens/", 404, None),
        ];
        for (method, path, status, allow) in cases {
            let err = resolve(method, path).unwrap_err();
            assert_eq!((err.status, err.allow), (status, allow), "{method} {path}");
        }
    }
}
