//! Files on their way up, through the Attachment API: the checks an upload passes
//! before anything is sent (name, type, size, encoding) and its decoding. Pure, and a
//! leaf of the ServiceNow room: the request builder calls in here.

use super::refusal::ArgumentError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

// The largest file an upload sends is `Config::upload_max_bytes` (var `UPLOAD_MAX_BYTES`,
// default 5 MiB after base64 decoding); the MCP endpoint lets a request to a server with
// the upload tool be large enough to carry it (`limits::upload_body_cap`).
// ServiceNow's own limits (`com.glide.attachment.max_size`, `glide.attachment.extensions`)
// are the instance's; a refusal by them is phrased by `errors::upload_refused`.

/// What an upload may be: a file name extension and the types it may be declared as
/// (besides `application/octet-stream`, which models often send for any file). Anything
/// else is refused, so programs, scripts and pages an instance would render (`html`,
/// `svg`, `xml`, `js`, executables) never reach it whatever type they are declared as.
pub const ALLOWED_UPLOADS: [(&str, &[&str]); 34] = [
    ("txt", &["text/plain"]),
    ("log", &["text/plain"]),
    ("md", &["text/markdown", "text/plain"]),
    ("csv", &["text/csv", "application/csv", "text/plain"]),
    ("tsv", &["text/tab-separated-values", "text/plain"]),
    ("json", &["application/json", "text/plain"]),
    (
        "yaml",
        &[
            "application/yaml",
            "application/x-yaml",
            "text/yaml",
            "text/plain",
        ],
    ),
    (
        "yml",
        &[
            "application/yaml",
            "application/x-yaml",
            "text/yaml",
            "text/plain",
        ],
    ),
    ("har", &["application/json"]),
    ("pdf", &["application/pdf"]),
    ("png", &["image/png"]),
    ("jpg", &["image/jpeg"]),
    ("jpeg", &["image/jpeg"]),
    ("gif", &["image/gif"]),
    ("webp", &["image/webp"]),
    ("bmp", &["image/bmp"]),
    ("tif", &["image/tiff"]),
    ("tiff", &["image/tiff"]),
    ("heic", &["image/heic"]),
    ("doc", &["application/msword"]),
    (
        "docx",
        &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ),
    ("xls", &["application/vnd.ms-excel"]),
    (
        "xlsx",
        &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ),
    ("ppt", &["application/vnd.ms-powerpoint"]),
    (
        "pptx",
        &["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
    ),
    ("odt", &["application/vnd.oasis.opendocument.text"]),
    ("ods", &["application/vnd.oasis.opendocument.spreadsheet"]),
    ("odp", &["application/vnd.oasis.opendocument.presentation"]),
    ("rtf", &["application/rtf", "text/rtf"]),
    ("zip", &["application/zip", "application/x-zip-compressed"]),
    ("gz", &["application/gzip", "application/x-gzip"]),
    ("eml", &["message/rfc822"]),
    ("msg", &["application/vnd.ms-outlook"]),
    ("pcap", &["application/vnd.tcpdump.pcap"]),
];

/// The declared type any allowed extension may carry.
const GENERIC_TYPE: &str = "application/octet-stream";

/// Checks that `file_name`'s extension is allowed and `content_type` (its essence,
/// lowercase) fits it. Err is the isError text.
pub fn check_allowed(file_name: &str, essence: &str) -> Result<(), ArgumentError> {
    let extension = file_name
        .trim()
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let allowed: Vec<&str> = ALLOWED_UPLOADS.iter().map(|(ext, _)| *ext).collect();
    let Some((_, types)) = ALLOWED_UPLOADS.iter().find(|(ext, _)| *ext == extension) else {
        return Err(ArgumentError(format!(
            "files named \"{}\" are not attached by this server: only documents, images, logs, data and archives are \
             (extensions {}); programs, scripts and pages an instance would render (html, svg, xml, js, ...) are refused. \
             Nothing was written",
            shown(file_name),
            allowed.join(", ")
        )));
    };
    if essence != GENERIC_TYPE && !types.contains(&essence) {
        return Err(ArgumentError(format!(
            "a .{extension} file is declared as {essence}; send it as {} (or {GENERIC_TYPE}). Nothing was written",
            types.join(" or ")
        )));
    }
    Ok(())
}

/// A file an upload sends, checked. The bytes are shared with the request that sends
/// them: the decoded file is the only copy in the worker's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub content_type: String,
    pub bytes: bytes::Bytes,
}

/// Checks the file name: a plain name, no folders, no control characters.
pub fn check_file_name(name: &str) -> Result<(), ArgumentError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return Err("`file_name` must be a file name such as notes.txt".into());
    }
    if name.contains(['/', '\\']) {
        return Err(ArgumentError(format!(
            "`file_name` must be a plain file name without / or \\ (got \"{}\"); give only the last part, e.g. notes.txt",
            shown(name)
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(
            "`file_name` must not contain control characters (line breaks, tabs, NUL)".into(),
        );
    }
    Ok(())
}

/// `bytes` for a person: `5 MiB`, `700 KiB`, `1.5 MiB`.
pub fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB {
        let tenths = (bytes * 10 + MIB / 2) / MIB;
        match tenths % 10 {
            0 => format!("{} MiB", tenths / 10),
            t => format!("{}.{t} MiB", tenths / 10),
        }
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// Checks the content type (`type/subtype`, no parameters needed) against the file
/// name's extension ([`ALLOWED_UPLOADS`]) and decodes the file, refusing one over
/// `max_bytes` (checked on the base64 length first, so an oversized argument is never
/// decoded).
pub fn upload(
    file_name: &str,
    content_type: &str,
    content: &str,
    base64: bool,
    max_bytes: usize,
) -> Result<Upload, ArgumentError> {
    let content_type = content_type.trim().to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let well_formed = essence
        .split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub));
    if !well_formed || content_type.chars().any(char::is_control) {
        return Err(ArgumentError(format!(
            "`content_type` must be a MIME type such as text/plain, image/png or application/pdf (got \"{}\")",
            shown(&content_type)
        )));
    }
    check_allowed(file_name, essence)?;
    // Checked before decoding too, so an oversized argument is never decoded.
    let too_big = |size: usize| {
        format!(
            "the file is {size} bytes; this server attaches files up to {max_bytes} bytes ({}); nothing was written",
            human_size(max_bytes)
        )
    };
    let bytes = if base64 {
        // Line-wrapped base64 is compacted first; the usual unwrapped text is decoded as
        // it is (no copy of megabytes of base64).
        let compact: std::borrow::Cow<'_, str> = if content.bytes().any(|b| b.is_ascii_whitespace())
        {
            content
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect::<String>()
                .into()
        } else {
            content.into()
        };
        if compact.len() / 4 * 3 > max_bytes.saturating_add(3) {
            return Err(ArgumentError(too_big(compact.len() / 4 * 3)));
        }
        STANDARD.decode(compact.as_bytes()).map_err(|_| {
            "`content` is not valid base64 (standard alphabet, with padding); send text with encoding text instead".to_string()
        })?
    } else {
        content.as_bytes().to_vec()
    };
    if bytes.len() > max_bytes {
        return Err(ArgumentError(too_big(bytes.len())));
    }
    Ok(Upload {
        content_type,
        bytes: bytes.into(),
    })
}

/// At most 64 characters of a refused value, control characters shown as `?`.
fn shown(value: &str) -> String {
    value
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::request::tests::{args, attachment_spec, tool, INSTANCE, SYS_ID};
    use crate::servicenow::request::TableRequest;
    use serde_json::json;

    fn attach(arguments: serde_json::Value) -> Result<TableRequest, String> {
        TableRequest::from_tool(&tool(&attachment_spec(), "attach_file"), &args(arguments))
            .map_err(|e| e.0)
    }

    fn base(extra: serde_json::Value) -> serde_json::Value {
        let mut all = json!({"table_name": "incident", "table_sys_id": SYS_ID,
                             "file_name": "notes.txt", "content_type": "text/plain", "content": "hello"});
        for (k, v) in extra.as_object().unwrap() {
            all[k] = v.clone();
        }
        all
    }

    #[test]
    fn an_upload_sends_the_file_raw_with_its_type_and_the_record_in_the_query() {
        let http = attach(base(json!({})))
            .unwrap()
            .to_http(INSTANCE, None)
            .unwrap();
        assert_eq!(http.method, "POST");
        assert_eq!(
            http.url,
            format!("{INSTANCE}/api/now/attachment/file?file_name=notes.txt&table_name=incident&table_sys_id={SYS_ID}")
        );
        assert_eq!(http.header("content-type"), Some("text/plain"));
        assert_eq!(http.body, &b"hello"[..]);
        let png = attach(base(
            json!({"file_name": "shot.png", "content_type": "image/png", "content": "iVBORw0K\nGgo=", "encoding": "base64"}),
        ))
        .unwrap();
        assert_eq!(
            match png.payload {
                crate::servicenow::request::Payload::File(u) => Some(u.bytes),
                _ => None,
            },
            Some(bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n"))
        );
    }

    /// (case, arguments changed, words the refusal must carry)
    #[test]
    fn uploads_that_must_not_be_written_are_refused_before_any_request() {
        let cap = crate::limits::DEFAULT_UPLOAD_MAX_BYTES;
        let big = "a".repeat(cap + 1);
        let big64 = STANDARD.encode(vec![0u8; cap + 1]);
        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            (
                "a path in the name",
                json!({"file_name": "../etc/passwd"}),
                "without / or \\",
            ),
            (
                "a Windows path",
                json!({"file_name": "C:\\temp\\a.txt"}),
                "plain file name",
            ),
            (
                "a line break in the name",
                json!({"file_name": "a\nb.txt"}),
                "control characters",
            ),
            (
                "a NUL in the name",
                json!({"file_name": "a\u{0}.txt"}),
                "control characters",
            ),
            (
                "a name of dots",
                json!({"file_name": ".."}),
                "file name such as",
            ),
            (
                "an executable type",
                json!({"content_type": "application/x-msdownload"}),
                "declared as application/x-msdownload",
            ),
            (
                "HTML declared as such",
                json!({"content_type": "text/html; charset=utf-8"}),
                "declared as text/html",
            ),
            (
                "HTML declared as text",
                json!({"file_name": "notes.html"}),
                "not attached by this server",
            ),
            (
                "SVG declared as an image",
                json!({"file_name": "logo.svg", "content_type": "image/png"}),
                "not attached by this server",
            ),
            (
                "XML",
                json!({"file_name": "data.xml", "content_type": "application/octet-stream"}),
                "not attached by this server",
            ),
            (
                "JavaScript declared as text",
                json!({"file_name": "run.js"}),
                "not attached by this server",
            ),
            (
                "an executable declared as a generic file",
                json!({"file_name": "setup.EXE", "content_type": "application/octet-stream"}),
                "not attached by this server",
            ),
            (
                "a PNG named as a PDF",
                json!({"file_name": "shot.pdf", "content_type": "image/png"}),
                "send it as application/pdf",
            ),
            (
                "no extension",
                json!({"file_name": "README"}),
                "not attached by this server",
            ),
            (
                "not a MIME type",
                json!({"content_type": "text"}),
                "must be a MIME type",
            ),
            (
                "over 5 MiB of text",
                json!({"content": big}),
                "up to 5242880 bytes (5 MiB)",
            ),
            (
                "over 5 MiB in base64",
                json!({"content": big64, "encoding": "base64"}),
                "up to 5242880 bytes (5 MiB)",
            ),
            (
                "broken base64",
                json!({"content": "%%%", "encoding": "base64"}),
                "not valid base64",
            ),
        ];
        for (case, change, expected) in cases {
            match attach(base(change)) {
                Err(message) => assert!(message.contains(expected), "{case}: {message}"),
                Ok(r) => panic!(
                    "{case}: accepted ({} bytes)",
                    match r.payload {
                        crate::servicenow::request::Payload::File(u) => u.bytes.len(),
                        _ => 0,
                    }
                ),
            }
        }
    }

    #[test]
    fn sizes_read_as_kib_or_mib() {
        assert_eq!(human_size(716_800), "700 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5 MiB");
        assert_eq!(human_size(1536 * 1024), "1.5 MiB");
        assert_eq!(human_size(10), "1 KiB");
    }
}
