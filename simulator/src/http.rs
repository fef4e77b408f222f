//! Plain HTTP values the simulator's logic works on (no server types), query-string
//! decoding and ServiceNow's JSON error body.

use serde_json::{json, Value};

/// An incoming request, already read off the socket.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// Path and query as sent (`/api/now/table/incident?sysparm_limit=1`).
    pub url: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_string(),
            url: url.to_string(),
            ..Request::default()
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn with_body(mut self, body: &str) -> Request {
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn path(&self) -> &str {
        self.url
            .split_once('?')
            .map_or(self.url.as_str(), |(p, _)| p)
    }

    /// The raw query string (without `?`), as sent.
    pub fn query(&self) -> &str {
        self.url.split_once('?').map_or("", |(_, q)| q)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn params(&self) -> Params {
        Params::parse(self.query())
    }
}

/// Decoded query parameters in order. Lookups return the first occurrence, as a servlet's
/// `getParameter` does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(query: &str) -> Params {
        Params(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A paging offset: the parameter as a count, 0 when absent or not a number.
    pub fn offset(&self, name: &str) -> usize {
        self.get(name)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0)
    }

    /// A page size: the parameter as a positive count, else the API's `default`.
    pub fn limit(&self, name: &str, default: usize) -> usize {
        self.get(name)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    }

    /// `true` when the parameter is the string `true` (any case).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// First value per name, as a JSON object (for the request log).
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.0 {
            map.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        Value::Object(map)
    }
}

/// An outgoing response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// ServiceNow's JSON content type.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

impl Response {
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_string(), JSON_CONTENT_TYPE.to_string())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// ServiceNow's error shape: `{"error":{"message","detail"},"status":"failure"}`.
    pub fn error(status: u16, message: &str, detail: Option<&str>) -> Response {
        Response::json(
            status,
            &json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
        )
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_parameters_fall_back_when_absent_blank_zero_or_not_numbers() {
        let p = Params::parse("sysparm_offset=%2040&sysparm_limit=5&limit=0&offset=-3&n=x");
        assert_eq!(p.offset("sysparm_offset"), 40);
        assert_eq!(p.offset("offset"), 0);
        assert_eq!(p.offset("missing"), 0);
        assert_eq!(p.limit("sysparm_limit", 20), 5);
        assert_eq!(p.limit("limit", 20), 20);
        assert_eq!(p.limit("n", 30), 30);
        assert_eq!(p.limit("missing", 1000), 1000);
    }

    #[test]
    fn params_decode_plus_and_percent_and_keep_the_first_value() {
        let p =
            Params::parse("sysparm_query=short_descriptionLIKEvpn+reset%5EORnumber%3DINC1&a=1&a=2");
        assert_eq!(
            p.get("sysparm_query"),
            Some("short_descriptionLIKEvpn reset^ORnumber=INC1")
        );
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(
            p.to_json(),
            json!({"sysparm_query": "short_descriptionLIKEvpn reset^ORnumber=INC1", "a": "1"})
        );
        assert!(Params::parse("x=TRUE").flag("x"));
        assert!(!Params::parse("x=1").flag("x"));
    }

    #[test]
    fn error_bodies_have_servicenows_shape() {
        let r = Response::error(400, "Invalid table foo", None);
        assert_eq!(r.status, 400);
        assert_eq!(
            r.body_json(),
            Some(
                json!({"error": {"message": "Invalid table foo", "detail": null}, "status": "failure"})
            )
        );
        assert_eq!(r.header("content-type"), Some(JSON_CONTENT_TYPE));
    }

    #[test]
    fn request_splits_path_and_query() {
        let r =
            Request::new("GET", "/api/now/table/incident?sysparm_limit=1").with_header("Host", "h");
        assert_eq!(r.path(), "/api/now/table/incident");
        assert_eq!(r.query(), "sysparm_limit=1");
        assert_eq!(r.header("HOST"), Some("h"));
    }
}
