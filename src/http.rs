//! Plain HTTP request/response values shared by the transport, the admin API and the
//! upstream client. The worker shell converts to and from `worker::Request`/`Response`;
//! nothing else in the crate sees a runtime type.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// An HTTP request. Header names are stored lowercase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// Absolute URL (`https://host/path?query`).
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Shared, so a clone (a retried send, an upload handed on) never copies a file.
    pub body: bytes::Bytes,
}

/// An HTTP response. Header names are stored lowercase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl HttpRequest {
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        HttpRequest {
            method: method.to_string(),
            url: url.into(),
            ..Default::default()
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<bytes::Bytes>) -> Self {
        self.body = body.into();
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The path component of `url`, without query string.
    pub fn path(&self) -> &str {
        let after_scheme = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        path_and_query.split(['?', '#']).next().unwrap_or("/")
    }

    /// `scheme://host[:port]` of `url`.
    pub fn origin(&self) -> &str {
        match self.url.split_once("://") {
            Some((scheme, rest)) => {
                let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                &self.url[..scheme.len() + 3 + host_len]
            }
            None => "",
        }
    }

    /// The token of `Authorization: Bearer <token>` (scheme case-insensitive), if any.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once([' ', '\t'])?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }

    /// Decoded query parameters of `url`, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.url.split_once('?') else {
            return Vec::new();
        };
        let query = query.split('#').next().unwrap_or("");
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }
}

impl HttpResponse {
    pub fn new(status: u16) -> Self {
        HttpResponse {
            status,
            ..Default::default()
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// Sets a header, replacing any value it had.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.into()));
    }
}

/// The one HTTP-level error of the worker (admin API and MCP endpoint alike), answered
/// as `{"error": {"code": "<snake_case>", "message": "<clear text>"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For 405: the methods the path accepts.
    pub allow: Option<&'static str>,
}

impl HttpError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        HttpError {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    pub fn method_not_allowed(method: &str, allow: &'static str) -> Self {
        HttpError {
            allow: Some(allow),
            ..Self::new(
                405,
                "method_not_allowed",
                format!("{method} is not supported on this path; use one of: {allow}"),
            )
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::json(
            self.status,
            &serde_json::json!({ "error": { "code": self.code, "message": self.message } }),
        );
        if let Some(allow) = self.allow {
            response.set_header("allow", allow);
        }
        if self.status == 401 {
            response.set_header("www-authenticate", "Bearer");
        }
        response
    }
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything outside RFC 3986's unreserved set.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes and `+` (form encoding); invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> String {
    let plus_as_space = s.replace('+', " ");
    percent_decode_str(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_origin_are_split_from_the_url() {
        let r = HttpRequest::new("POST", "https://w.example.com:8443/mcp/abc?x=1");
        assert_eq!(r.path(), "/mcp/abc");
        assert_eq!(r.origin(), "https://w.example.com:8443");
        assert_eq!(HttpRequest::new("GET", "http://h").path(), "/");
    }

    #[test]
    fn bearer_token_reads_the_authorization_header() {
        let cases = [
            ("plain", Some("Bearer abc"), Some("abc")),
            ("lowercase scheme", Some("bearer abc"), Some("abc")),
            ("shouting scheme", Some("BEARER abc"), Some("abc")),
            ("extra spaces", Some("  Bearer   abc  "), Some("abc")),
            ("tab", Some("Bearer\tabc"), Some("abc")),
            ("missing header", None, None),
            ("basic scheme", Some("Basic YWJjOmRlZg=="), None),
            ("no token", Some("Bearer"), None),
            ("blank token", Some("Bearer   "), None),
        ];
        for (name, header, want) in cases {
            let mut request = HttpRequest::new("GET", "https://w.example/api-tokens");
            if let Some(h) = header {
                request = request.with_header("Authorization", h);
            }
            assert_eq!(request.bearer_token(), want, "{name}");
        }
    }

    #[test]
    fn http_errors_have_one_json_shape() {
        let r = HttpError::method_not_allowed("PUT", "GET, POST").into_response();
        assert_eq!(r.status, 405);
        assert_eq!(r.header("allow"), Some("GET, POST"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert!(body["error"]["message"].as_str().unwrap().contains("PUT"));
    }

    #[test]
    fn query_pairs_are_decoded() {
        let r = HttpRequest::new("GET", "http://h/p?a=1%202&b=x+y&c");
        assert_eq!(
            r.query_pairs(),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into())
            ]
        );
    }

    #[test]
    fn percent_encoding_round_trips() {
        let s = "active=true^short_descriptionLIKEORA-01033 ü&x";
        assert_eq!(percent_decode(&percent_encode(s)), s);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
