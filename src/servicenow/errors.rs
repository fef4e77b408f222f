//! What a model reads when a ServiceNow call fails: upstream status and ServiceNow's own
//! message, phrased so the model can correct itself (or knows it cannot). Pure text.

use super::request::{Payload, TableRequest};
use crate::http::HttpResponse;
use serde::Deserialize;
use snmcp_catalog::MethodKind;

/// Which step of a tool call was talking to ServiceNow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage<'a> {
    /// `POST /oauth_token.do`.
    Token,
    /// The list query that resolves a record number to its sys_id.
    NumberLookup,
    /// The list query that resolves a reference given by name (`caller_id` "Alice
    /// Johnson" in `sys_user`) to its sys_id.
    NameLookup {
        field: &'a str,
        value: &'a str,
        table: &'a str,
    },
    /// The tool's own Table API call.
    Call(MethodKind),
}

impl Stage<'_> {
    fn writes(self) -> bool {
        matches!(
            self,
            Stage::Call(MethodKind::Create | MethodKind::Update | MethodKind::Delete)
        )
    }
}

/// Which record(s) a failed call was about, for 404 phrasing.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Collection,
    Record {
        sys_id: &'a str,
        number: Option<&'a str>,
    },
    Number(&'a str),
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// ServiceNow's `error.message` and `error.detail`, when the body is its error JSON.
fn servicenow_error(body: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).ok()?;
    let clean = |s: Option<String>| {
        s.map(|s| clip(s.trim(), MAX_DETAIL_CHARS))
            .filter(|s| !s.is_empty())
    };
    Some((clean(envelope.error.message), clean(envelope.error.detail)))
}

/// True for bodies that are HTML pages (SSO proxies, sleeping instances, load balancers).
pub fn is_html(response: &HttpResponse) -> bool {
    let typed_html = response
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"));
    typed_html
        || String::from_utf8_lossy(&response.body)
            .trim_start()
            .starts_with('<')
}

/// Bytes of a body looked at for an excerpt: an error page's gist is at its start, and
/// a bound keeps a multi-megabyte answer from costing more than a glance.
const EXCERPT_SCAN_BYTES: usize = 64 * 1024;

/// A short, tag-stripped, single-line excerpt of a body for messages. Linear in the
/// (bounded) input: every search starts where the previous one ended, and a closing
/// tag that is absent is looked for once.
pub fn excerpt(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_SCAN_BYTES)]);
    // ASCII lowering keeps every byte offset, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut pos = 0;
    let mut unclosed: Vec<&str> = Vec::new();
    // Drop script and style contents, then every tag.
    while let Some(found) = text.get(pos..).and_then(|rest| rest.find('<')) {
        let start = pos + found;
        out.push_str(text.get(pos..start).unwrap_or_default());
        out.push(' ');
        let tag = lower.get(start..).unwrap_or_default();
        let closing = [("<script", "</script>"), ("<style", "</style>")]
            .into_iter()
            .find(|(open, close)| tag.starts_with(open) && !unclosed.contains(close))
            .map(|(_, close)| close);
        let after_closing = closing.and_then(|c| match tag.find(c) {
            Some(i) => Some(start + i + c.len()),
            None => {
                unclosed.push(c);
                None
            }
        });
        pos = match after_closing {
            Some(after) => after,
            None => match tag.find('>') {
                Some(end) => start + end + 1,
                None => text.len(),
            },
        };
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    clip(
        &decoded.split_whitespace().collect::<Vec<_>>().join(" "),
        MAX_CHARS,
    )
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

/// Characters of ServiceNow's own `error.message` / `error.detail` quoted in a message.
const MAX_DETAIL_CHARS: usize = 300;

/// ServiceNow's explanation of a failed answer: `message: detail`, else a body excerpt.
fn describe(response: &HttpResponse) -> String {
    match servicenow_error(&response.body) {
        Some((Some(m), Some(d))) if m != d => format!("{m}: {d}"),
        Some((Some(m), _)) => m,
        Some((None, Some(d))) => d,
        _ if response.body.iter().all(u8::is_ascii_whitespace) => {
            "no explanation in the answer".into()
        }
        _ if is_html(response) => format!(
            "an HTML page instead of JSON: \"{}\"",
            excerpt(&response.body)
        ),
        _ => format!("\"{}\"", excerpt(&response.body)),
    }
}

/// The isError text for a non-2xx, non-429 Table API answer.
pub fn error_message(
    response: &HttpResponse,
    request: &TableRequest,
    stage: Stage<'_>,
    subject: Subject<'_>,
) -> String {
    let status = response.status;
    let why = describe(response);
    if matches!(request.payload, Payload::File(_)) {
        if let Some(message) = upload_refused(status, &why, request) {
            return message;
        }
    }
    let check_writes = if stage.writes() {
        format!(
            " For create/update/delete, check with {} or {} whether the change was applied before repeating it.",
            request.get_tool(),
            request.list_tool()
        )
    } else {
        String::new()
    };
    match status {
        400 => format!(
            "HTTP 400 from ServiceNow: {why}. Check field names and values against this tool's input schema, correct them and call again."
        ),
        401 => format!(
            "HTTP 401 from ServiceNow: the credentials of the integrated account were rejected ({why}). An administrator must fix the account's credentials; retrying will not help."
        ),
        403 => {
            let lower = why.to_ascii_lowercase();
            let what_to_do = if lower.contains("data policy") || lower.contains("mandatory") {
                "A ServiceNow data policy refused the values: give the mandatory fields it names (for example the resolution code and notes when resolving) or change the values it rejects, then call again."
            } else {
                "The integrated account's access controls (ACLs) do not allow this operation on this record; do not repeat the same call. Choose another record or operation, or ask a ServiceNow administrator to grant the needed role."
            };
            format!("HTTP 403 from ServiceNow: {why}. {what_to_do}")
        }
        404 => match subject {
            Subject::Record { sys_id, number } => {
                let from = number.map(|n| format!(" (the record numbered {n})")).unwrap_or_default();
                format!(
                    "HTTP 404 from ServiceNow: no {} with sys_id {sys_id}{from}, or access controls hide it; find it with {}.",
                    request.title,
                    request.list_tool()
                )
            }
            Subject::Number(number) => no_record_with_number(request, number),
            Subject::Collection => format!(
                "HTTP 404 from ServiceNow: {why}. The table {} may not exist on this instance or the integrated account may not read it.",
                request.table
            ),
        },
        500..=599 => format!(
            "HTTP {status} from ServiceNow: the instance had an internal error ({why}); you may retry later.{check_writes}"
        ),
        _ => format!("HTTP {status} from ServiceNow: {why}.{check_writes}"),
    }
}

/// Why an instance refused an upload, when its answer says: the file's extension is not
/// in `glide.attachment.extensions`, or the file is over `com.glide.attachment.max_size`.
/// Such a refusal creates no attachment, so the message says nothing was written.
fn upload_refused(status: u16, why: &str, request: &TableRequest) -> Option<String> {
    if !(400..600).contains(&status) || matches!(status, 401 | 404 | 429) {
        return None;
    }
    let lower = why.to_ascii_lowercase();
    let name = request
        .mapped
        .iter()
        .find(|(param, _)| param == "file_name")
        .map(|(_, name)| name.as_str())
        .unwrap_or_default();
    if lower.contains("extension") || lower.contains("file type") {
        let extension = match name.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() => format!("files with the extension .{ext}"),
            _ => "files without an extension".to_string(),
        };
        return Some(format!(
            "HTTP {status} from ServiceNow: {why}. The instance does not accept {extension} (its glide.attachment.extensions property lists the extensions it allows); nothing was written. Attach the content under an allowed extension only if it really is of that type, or ask a ServiceNow administrator to allow this one."
        ));
    }
    if status == 413
        || lower.contains("size")
        || lower.contains("too large")
        || lower.contains("exceed")
    {
        return Some(format!(
            "HTTP {status} from ServiceNow: {why}. The file is larger than the instance accepts (its com.glide.attachment.max_size property, in MB); nothing was written. Send a smaller file (compressed or split), or ask a ServiceNow administrator to raise the limit."
        ));
    }
    None
}

/// A record number that matched nothing.
pub fn no_record_with_number(request: &TableRequest, number: &str) -> String {
    format!(
        "No {} with number {number} (or access controls hide it); use {} to search.",
        request.title,
        request.list_tool()
    )
}

/// The isError text for a 2xx answer that is not `{"result": ...}` of the expected shape.
pub fn unexpected_success_message(
    response: &HttpResponse,
    request: &TableRequest,
    stage: Stage<'_>,
) -> String {
    let status = response.status;
    let check = if stage.writes() {
        format!(
            " Check with {} or {} whether the change was applied before repeating it.",
            request.get_tool(),
            request.list_tool()
        )
    } else {
        String::new()
    };
    if is_html(response) {
        format!(
            "ServiceNow answered HTTP {status} with an HTML page instead of Table API JSON (\"{}\"). The instance is probably behind a single sign-on proxy or asleep (developer instances show a wake-up page); an administrator must check the integrated account's instance URL and that it can use the REST API.{check}",
            excerpt(&response.body)
        )
    } else {
        format!(
            "ServiceNow answered HTTP {status} without the expected {{\"result\": ...}} JSON (\"{}\"); the instance URL may point at something other than a ServiceNow instance.{check}",
            excerpt(&response.body)
        )
    }
}

/// A value the model gave, shortened for a message (60 characters at most).
fn short(value: &str) -> String {
    if value.chars().count() > 60 {
        format!("{}...", value.chars().take(60).collect::<String>())
    } else {
        value.to_string()
    }
}

/// Seconds for messages: `25 s`, `2.5 s`.
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// The isError text when ServiceNow did not answer in time.
pub fn timeout_message(after_ms: u64, request: &TableRequest, stage: Stage<'_>) -> String {
    let within = seconds(after_ms);
    match stage {
        Stage::Token => format!(
            "ServiceNow's OAuth token endpoint did not answer within {within}; nothing was sent to the Table API. Try again later."
        ),
        Stage::NumberLookup => format!(
            "ServiceNow did not answer within {within} while looking up the record number; nothing was changed. Try again later."
        ),
        Stage::NameLookup {
            field,
            value,
            table,
        } => format!(
            "ServiceNow did not answer within {within} while looking up {field} \"{}\" in {table}; nothing was changed. Try again later, or pass its sys_id instead.",
            short(value)
        ),
        Stage::Call(kind) if stage.writes() => format!(
            "ServiceNow did not answer within {within}; the {} may or may not have been applied — check with {} or {} before repeating it.",
            match kind {
                MethodKind::Create => "create",
                MethodKind::Delete => "delete",
                _ => "update",
            },
            request.get_tool(),
            request.list_tool()
        ),
        Stage::Call(_) => format!(
            "ServiceNow did not answer within {within}. Try again, or ask for less: a smaller limit, fewer fields or a narrower query."
        ),
    }
}

/// The isError text when ServiceNow could not be reached at all.
pub fn network_message(
    instance_url: &str,
    error: &str,
    request: &TableRequest,
    stage: Stage<'_>,
) -> String {
    let mut message = format!(
        "Could not reach ServiceNow at {instance_url} ({error}). The instance may be down or its URL in the integrated account wrong; try again later."
    );
    if stage.writes() {
        message.push_str(&format!(
            " Check with {} or {} whether the change was applied before repeating it.",
            request.get_tool(),
            request.list_tool()
        ));
    }
    message
}

/// The host (and port) of an absolute URL, or `None`; only the authority is ever shown,
/// never a path or query that could carry a token.
fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty() && host.len() <= 255).then_some(host)
}

/// The isError text for a 3xx: redirects are not followed, since following one would
/// send the account's credentials to wherever it points.
pub fn redirect_message(
    response: &HttpResponse,
    instance_url: &str,
    request: &TableRequest,
    stage: Stage<'_>,
) -> String {
    let what = match stage {
        Stage::Token => "the OAuth token request".to_string(),
        Stage::NumberLookup => "the record-number lookup".to_string(),
        Stage::NameLookup {
            field,
            value,
            table,
        } => format!("the lookup of {field} \"{}\" in {table}", short(value)),
        Stage::Call(_) => "the Table API request".to_string(),
    };
    let mut message = redirect_note(response, instance_url, &what);
    if stage.writes() {
        message.push_str(&format!(
            " Nothing was applied by the redirect; check with {} if unsure.",
            request.get_tool()
        ));
    }
    message
}

/// The isError text for a 3xx answer to `what` (a redirect is never followed).
pub fn redirect_note(response: &HttpResponse, instance_url: &str, what: &str) -> String {
    let status = response.status;
    let target = match response.header("location").map(str::trim) {
        Some(location) if location.starts_with('/') => url_host(instance_url)
            .map(|h| format!("another path on {h}"))
            .unwrap_or_else(|| "another path".into()),
        Some(location) => url_host(location)
            .map(|h| format!("the host {h}"))
            .unwrap_or_else(|| "an unreadable location".into()),
        None => "no location".into(),
    };
    format!(
        "ServiceNow answered {what} with an HTTP {status} redirect to {target}, which this server does not follow (it would send the account's credentials there). An administrator must check the integrated account's instance URL: it should be the instance root, like https://acme.service-now.com, not a single sign-on or vanity address."
    )
}

/// The isError text when ServiceNow's answer is over the size cap.
pub fn too_large_message(limit_bytes: usize, request: &TableRequest, stage: Stage<'_>) -> String {
    let limit = if limit_bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit_bytes / (1024 * 1024))
    } else {
        format!("{limit_bytes} bytes")
    };
    let mut message = format!(
        "ServiceNow's answer is larger than {limit}, more than this server reads. Ask for less: name only the columns you need in `fields`, pass a smaller `limit`, or narrow the `query`; then call again."
    );
    if stage.writes() {
        message.push_str(&format!(
            " The change itself may have been applied: check with {} before repeating it.",
            request.get_tool()
        ));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::request::tests::{args, incident_spec, raw_response, tool, SYS_ID};
    use serde_json::json;

    fn request(method: &str) -> TableRequest {
        let arguments = match method {
            "create" => json!({"short_description": "x"}),
            "list" => json!({}),
            "delete" | "get" => json!({"id": SYS_ID}),
            _ => json!({"id": SYS_ID, "state": "2"}),
        };
        TableRequest::from_tool(&tool(&incident_spec(), method), &args(arguments)).unwrap()
    }

    fn error(status: u16, message: &str, detail: Option<&str>) -> HttpResponse {
        HttpResponse::json(
            status,
            &json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
        )
    }

    #[test]
    fn error_statuses_are_phrased_for_a_model() {
        let record = Subject::Record {
            sys_id: SYS_ID,
            number: None,
        };
        let from_number = Subject::Record {
            sys_id: SYS_ID,
            number: Some("INC0010203"),
        };
        let html = raw_response(
            502,
            "<html><head><style>p{}</style></head><body><h1>Bad gateway</h1><script>x()</script></body></html>",
        )
        .with_header("content-type", "text/html");
        let not_found = format!(
            "HTTP 404 from ServiceNow: no Incident with sys_id {SYS_ID}, or access controls hide it; find it with list_all_service_now_incident."
        );
        // (case, response, method, subject, expected fragments)
        let cases: Vec<(&str, HttpResponse, &str, Subject, Vec<&str>)> = vec![
            (
                "400 names ServiceNow's message and points at the schema",
                error(400, "Invalid table foo", None),
                "list",
                Subject::Collection,
                vec!["HTTP 400 from ServiceNow: Invalid table foo.", "input schema"],
            ),
            (
                "401 says an administrator must fix the credentials",
                error(401, "User Not Authenticated", Some("Required to provide Auth information")),
                "list",
                Subject::Collection,
                vec!["HTTP 401", "User Not Authenticated: Required to provide Auth information", "administrator", "retrying will not help"],
            ),
            (
                "403 data policy names the mandatory fields",
                error(403, "Operation Failed", Some("Data Policy Exception: The following fields are mandatory: Resolution code, Resolution notes")),
                "update",
                record,
                vec!["HTTP 403", "Resolution code, Resolution notes", "mandatory fields"],
            ),
            (
                "403 acl says not to repeat",
                error(403, "Operation Failed", Some("ACL Exception Update Failed due to security constraints")),
                "update",
                record,
                vec!["HTTP 403", "ACL Exception Update Failed", "do not repeat"],
            ),
            (
                "404 by sys_id names the list tool",
                error(404, "No Record found", Some("Record doesn't exist or ACL restricts the record retrieval")),
                "update",
                record,
                vec![not_found.as_str()],
            ),
            (
                "404 of a record found by number mentions the number",
                error(404, "No Record found", None),
                "update",
                from_number,
                vec!["(the record numbered INC0010203)"],
            ),
            (
                "404 of a number lookup",
                error(404, "No Record found", None),
                "update",
                Subject::Number("INC0010203"),
                vec!["No Incident with number INC0010203 (or access controls hide it); use list_all_service_now_incident to search."],
            ),
            (
                "500 may be retried and writes are checked first",
                error(500, "Internal Server Error", None),
                "create",
                Subject::Collection,
                vec!["HTTP 500", "internal error (Internal Server Error)", "retry later", "get_single_service_now_incident_by_id"],
            ),
            (
                "html error pages become a tag-stripped excerpt",
                html,
                "list",
                Subject::Collection,
                vec!["HTTP 502", "an HTML page instead of JSON: \"Bad gateway\""],
            ),
            (
                "an empty body is said to be empty",
                HttpResponse::new(503),
                "list",
                Subject::Collection,
                vec!["HTTP 503", "no explanation"],
            ),
            (
                "other statuses keep ServiceNow's message",
                error(405, "Method not Supported", None),
                "delete",
                record,
                vec!["HTTP 405 from ServiceNow: Method not Supported."],
            ),
        ];
        for (case, response, method, subject, fragments) in cases {
            let request = request(method);
            let stage = Stage::Call(request.kind);
            let message = error_message(&response, &request, stage, subject);
            for fragment in fragments {
                assert!(message.contains(fragment), "{case}: {message}");
            }
            assert!(!message.contains("<"), "{case}: {message}");
        }
    }

    #[test]
    fn excerpts_strip_tags_scripts_and_entities_and_are_short() {
        let cases = [
            ("<p>Hello &amp; <b>welcome</b></p>", "Hello & welcome"),
            ("<SCRIPT>alert(1)</SCRIPT>Login required", "Login required"),
            ("plain   text\n\nlines", "plain text lines"),
            ("<unclosed", ""),
        ];
        for (body, expected) in cases {
            assert_eq!(excerpt(body.as_bytes()), expected, "{body}");
        }
        let long = "word ".repeat(200);
        let cut = excerpt(long.as_bytes());
        assert!(cut.chars().count() <= 201 && cut.ends_with('…'), "{cut}");
    }

    #[test]
    fn timeouts_say_whether_a_change_may_have_happened() {
        let cases = [
            (
                "create",
                Stage::Call(MethodKind::Create),
                "may or may not have been applied",
            ),
            (
                "update",
                Stage::Call(MethodKind::Update),
                "check with get_single_service_now_incident_by_id",
            ),
            ("list", Stage::Call(MethodKind::List), "smaller limit"),
            (
                "update",
                Stage::NumberLookup,
                "looking up the record number",
            ),
            (
                "create",
                Stage::NameLookup {
                    field: "caller_id",
                    value: "Alice Johnson",
                    table: "sys_user",
                },
                "while looking up caller_id \"Alice Johnson\" in sys_user; nothing was changed",
            ),
            ("list", Stage::Token, "OAuth token endpoint"),
        ];
        for (method, stage, expected) in cases {
            let message = timeout_message(25_000, &request(method), stage);
            assert!(message.contains("within 25 s"), "{message}");
            assert!(message.contains(expected), "{stage:?}: {message}");
        }
        assert!(
            timeout_message(2_500, &request("list"), Stage::Call(MethodKind::List))
                .contains("within 2.5 s")
        );
    }

    #[test]
    fn unexpected_success_bodies_mention_sso_for_html() {
        let page = raw_response(200, "<html><title>Sign in</title><body>Okta</body></html>");
        let message =
            unexpected_success_message(&page, &request("list"), Stage::Call(MethodKind::List));
        assert!(
            message.contains("single sign-on") && message.contains("Sign in Okta"),
            "{message}"
        );
        let odd = HttpResponse::json(200, &json!({"records": []}));
        let message =
            unexpected_success_message(&odd, &request("create"), Stage::Call(MethodKind::Create));
        assert!(
            message.contains("without the expected")
                && message.contains("whether the change was applied"),
            "{message}"
        );
    }

    #[test]
    fn excerpting_is_linear_in_the_body_even_with_many_unclosed_scripts() {
        for body in [
            "<script>".repeat(50_000),
            "<style x>".repeat(50_000),
            format!("{}tail", "<<<<".repeat(100_000)),
        ] {
            let started = std::time::Instant::now();
            let cut = excerpt(body.as_bytes());
            assert!(
                started.elapsed() < std::time::Duration::from_millis(500),
                "took {:?} for {} bytes",
                started.elapsed(),
                body.len()
            );
            assert!(cut.chars().count() <= 201, "{cut}");
        }
    }

    #[test]
    fn servicenow_error_detail_is_truncated() {
        let long = "detail ".repeat(20_000);
        let response = error(400, &"message ".repeat(20_000), Some(&long));
        let message = error_message(
            &response,
            &request("list"),
            Stage::Call(MethodKind::List),
            Subject::Collection,
        );
        assert!(message.len() < 2_000, "{} bytes", message.len());
        assert!(message.contains("message message"), "{message}");
    }
}
