//! Files on their way down: the answer of `GET /api/now/attachment/{sys_id}/file` read as
//! text, an image or a link with the metadata.

use super::request::{SysId, TableRequest};
use super::response::map_call_response;
use super::{CallOutcome, FileContent};
use crate::http::HttpResponse;
use crate::limits::DOWNLOAD_MAX_BYTES;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};

/// Maps the answer of a download (`GET /api/now/attachment/{sys_id}/file`): text types
/// come back as text in the result, images as an MCP image, anything else (or anything
/// over [`DOWNLOAD_MAX_BYTES`]) as a link to `file_url` with the metadata.
pub fn map_download(
    request: &TableRequest,
    sys_id: Option<&SysId>,
    response: &HttpResponse,
    now_secs: u64,
    file_url: &str,
) -> CallOutcome {
    if !(200..300).contains(&response.status) {
        return map_call_response(request, sys_id, None, response, now_secs);
    }
    let mime = response
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    // ServiceNow describes the file in X-Attachment-Metadata (JSON); it is optional.
    let mut record: Map<String, Value> = response
        .header("x-attachment-metadata")
        .and_then(|m| serde_json::from_str::<Value>(m).ok())
        .and_then(|m| match m {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    if let Some(id) = sys_id {
        record.insert("sys_id".into(), Value::String(id.as_str().into()));
    }
    record.insert("content_type".into(), Value::String(mime.clone()));
    record.insert("size_bytes".into(), Value::from(response.body.len()));
    let name = record
        .get("file_name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| sys_id.map(|id| id.as_str().to_string()))
        .unwrap_or_default();
    let link = |note: &str, record: &mut Map<String, Value>| {
        record.insert("returned_as".into(), Value::String("link".into()));
        record.insert("note".into(), Value::String(note.into()));
        Some(Box::new(FileContent::Link {
            uri: file_url.to_string(),
            name: name.clone(),
            mime_type: mime.clone(),
        }))
    };
    let file = if response.body.len() > DOWNLOAD_MAX_BYTES {
        link(
            &format!("larger than the {DOWNLOAD_MAX_BYTES}-byte read limit: open the link on the instance"),
            &mut record,
        )
    } else if is_text(&mime) {
        match std::str::from_utf8(&response.body) {
            Ok(text) => {
                record.insert("returned_as".into(), Value::String("text".into()));
                record.insert("text".into(), Value::String(text.into()));
                None
            }
            Err(_) => link(
                "typed as text but not UTF-8: open the link on the instance",
                &mut record,
            ),
        }
    } else if mime.starts_with("image/") && mime != "image/svg+xml" {
        record.insert("returned_as".into(), Value::String("image".into()));
        Some(Box::new(FileContent::Image {
            data: STANDARD.encode(&response.body),
            mime_type: mime.clone(),
        }))
    } else {
        link(
            "not text or an image: open the link on the instance",
            &mut record,
        )
    };
    let mut structured = Map::new();
    structured.insert("result".into(), Value::Object(record));
    CallOutcome::Success {
        structured: Value::Object(structured),
        rate_limit: super::normalize_rate_limit_headers(&response.headers, now_secs),
        link: None,
        file,
    }
}

/// Types read as text: `text/*` and the structured text formats.
fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json"
                | "application/xml"
                | "application/csv"
                | "application/x-yaml"
                | "application/yaml"
        )
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::request::tests::{args, attachment_spec, tool, SYS_ID};
    use crate::servicenow::request::Answer;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;

    fn download(content_type: &str, body: &[u8]) -> CallOutcome {
        let spec = attachment_spec();
        let request =
            TableRequest::from_tool(&tool(&spec, "read_file"), &args(json!({"id": SYS_ID})))
                .unwrap();
        assert_eq!(request.answer, Answer::File);
        let mut response = HttpResponse::new(200);
        response.body = body.to_vec();
        let response = response
            .with_header("content-type", content_type)
            .with_header(
                "x-attachment-metadata",
                r#"{"file_name": "shot.png", "table_name": "incident"}"#,
            );
        let id = SysId::parse(SYS_ID).unwrap();
        map_download(
            &request,
            Some(&id),
            &response,
            NOW,
            "https://i/api/now/attachment/x/file",
        )
    }

    #[test]
    fn downloads_come_back_as_text_image_or_link() {
        let CallOutcome::Success {
            structured, file, ..
        } = download("text/plain; charset=utf-8", b"log line")
        else {
            panic!("text");
        };
        assert_eq!(structured["result"]["text"], "log line");
        assert_eq!(structured["result"]["returned_as"], "text");
        assert_eq!(structured["result"]["file_name"], "shot.png");
        assert_eq!(file, None);

        let CallOutcome::Success {
            structured, file, ..
        } = download("image/png", b"\x89PNG")
        else {
            panic!("image");
        };
        assert_eq!(structured["result"]["returned_as"], "image");
        assert_eq!(structured["result"]["size_bytes"], 4);
        assert_eq!(
            file.as_deref(),
            Some(&FileContent::Image {
                data: STANDARD.encode(b"\x89PNG"),
                mime_type: "image/png".into()
            })
        );

        for (case, mime, body) in [
            ("a PDF", "application/pdf", b"%PDF".to_vec()),
            ("text that is not UTF-8", "text/plain", vec![0xff, 0xfe]),
            (
                "text over the read limit",
                "text/plain",
                vec![b'a'; DOWNLOAD_MAX_BYTES + 1],
            ),
        ] {
            let CallOutcome::Success {
                structured, file, ..
            } = download(mime, &body)
            else {
                panic!("{case}");
            };
            assert_eq!(structured["result"]["returned_as"], "link", "{case}");
            assert!(structured["result"].get("text").is_none(), "{case}");
            assert!(
                matches!(file.as_deref(), Some(FileContent::Link { uri, .. }) if uri.ends_with("/file")),
                "{case}"
            );
        }
    }

    #[test]
    fn a_failed_download_is_an_error_not_a_file() {
        let spec = attachment_spec();
        let request =
            TableRequest::from_tool(&tool(&spec, "read_file"), &args(json!({"id": SYS_ID})))
                .unwrap();
        let response = HttpResponse::json(
            404,
            &json!({"error": {"message": "Record doesn't exist"}, "status": "failure"}),
        );
        let id = SysId::parse(SYS_ID).unwrap();
        let outcome = map_download(&request, Some(&id), &response, NOW, "https://i/x");
        assert!(
            matches!(
                outcome,
                CallOutcome::Failure {
                    upstream_status: Some(404),
                    ..
                }
            ),
            "{outcome:?}"
        );
    }
}
