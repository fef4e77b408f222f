//! Attachment uploads through `Simulator::handle`: the raw `/file` and the multipart
//! `/upload` store the same rows and bytes; bad multipart bodies, extensions outside
//! `glide.attachment.extensions` and files over `com.glide.attachment.max_size` are
//! refused with ServiceNow's error body and leave no row.

use serde_json::Value;
use servicenow_simulator::attachment_api::AttachmentPolicy;
use servicenow_simulator::{Request, Response};

mod common;
use common::Harness;

const BOUNDARY: &str = "----sim-boundary-7MA4YWxk";

fn demo(policy: AttachmentPolicy) -> Harness {
    let Harness { sim, .. } = Harness::repository();
    Harness::over(sim.with_attachment_policy(policy))
}

fn send(sim: &mut Harness, request: Request) -> Response {
    sim.send_as("admin", request)
}

fn incident(sim: &mut Harness) -> String {
    let r = send(
        sim,
        Request::new(
            "GET",
            "/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id",
        ),
    );
    r.body_json().unwrap()["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn attachments(sim: &mut Harness) -> Vec<Value> {
    let r = send(sim, Request::new("GET", "/api/now/attachment"));
    r.body_json().unwrap()["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn raw_upload(sim: &mut Harness, record: &str, file_name: &str, bytes: &[u8]) -> Response {
    let mut request = Request::new(
        "POST",
        &format!("/api/now/attachment/file?table_name=incident&table_sys_id={record}&file_name={file_name}"),
    )
    .with_header("Content-Type", "application/octet-stream");
    request.body = bytes.to_vec();
    send(sim, request)
}

/// A multipart body: the form fields, then the file part when given.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, Option<&str>, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((file_name, content_type, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"uploadFile\"; filename=\"{file_name}\"\r\n").as_bytes(),
        );
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn multipart_upload(sim: &mut Harness, body: Vec<u8>) -> Response {
    let mut request = Request::new("POST", "/api/now/attachment/upload").with_header(
        "Content-Type",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    request.body = body;
    send(sim, request)
}

fn error_message(response: &Response) -> String {
    let body = response.body_json().unwrap_or(Value::Null);
    assert_eq!(body["status"], "failure", "{body}");
    format!("{} {}", body["error"]["message"], body["error"]["detail"])
}

#[test]
fn a_multipart_upload_stores_what_a_raw_one_does() {
    let mut sim = demo(AttachmentPolicy::default());
    let record = incident(&mut sim);
    let bytes = b"line 1\r\nline 2\x00\xff binary tail";
    let raw = raw_upload(&mut sim, &record, "a.log", bytes);
    assert_eq!(raw.status, 201, "{}", String::from_utf8_lossy(&raw.body));
    let body = multipart(
        &[("table_name", "incident"), ("table_sys_id", &record)],
        Some(("b.log", Some("text/plain"), bytes)),
    );
    let r = multipart_upload(&mut sim, body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(r
        .headers
        .iter()
        .any(|(k, v)| k == "Location" && v.contains("/api/now/attachment/")));
    let created = r.body_json().unwrap()["result"].clone();
    assert_eq!(created["file_name"], "b.log");
    assert_eq!(created["content_type"], "text/plain");
    assert_eq!(created["table_sys_id"], record.as_str());
    assert_eq!(created["size_bytes"], bytes.len().to_string());
    let raw_row = raw.body_json().unwrap()["result"].clone();
    assert_eq!(created["hash"], raw_row["hash"], "same bytes, same hash");
    let id = created["sys_id"].as_str().unwrap();
    let file = send(
        &mut sim,
        Request::new("GET", &format!("/api/now/attachment/{id}/file")),
    );
    assert_eq!(file.status, 200);
    assert_eq!(file.body, bytes);
}

#[test]
fn bad_multipart_bodies_get_servicenows_error_and_write_nothing() {
    let mut sim = demo(AttachmentPolicy::default());
    let record = incident(&mut sim);
    let before = attachments(&mut sim).len();
    let fields = [
        ("table_name", "incident"),
        ("table_sys_id", record.as_str()),
    ];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "no file part",
            multipart(&fields, None),
            "File part might be missing",
        ),
        (
            "no table fields",
            multipart(&[], Some(("a.txt", Some("text/plain"), b"x"))),
            "table_name and table_sys_id",
        ),
        (
            "a file with no Content-Type",
            multipart(&fields, Some(("a.txt", None, b"x"))),
            "Content-Type",
        ),
        ("not multipart at all", b"hello".to_vec(), "malformed"),
        (
            "an unknown record",
            multipart(
                &[
                    ("table_name", "incident"),
                    ("table_sys_id", &"0".repeat(32)),
                ],
                Some(("a.txt", Some("text/plain"), b"x")),
            ),
            "Invalid table name or table sys id",
        ),
    ];
    for (case, body, expected) in cases {
        let r = multipart_upload(&mut sim, body);
        assert_eq!(r.status, 400, "{case}");
        let message = error_message(&r);
        assert!(message.contains(expected), "{case}: {message}");
    }
    // A file part that is not the last one.
    let mut body = multipart(&[], Some(("a.txt", Some("text/plain"), b"x")));
    body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
    body.extend_from_slice(&multipart(&fields, None));
    let r = multipart_upload(&mut sim, body);
    assert_eq!(r.status, 400);
    assert!(error_message(&r).contains("last part"));
    // Not multipart/form-data.
    let mut request = Request::new("POST", "/api/now/attachment/upload")
        .with_header("Content-Type", "application/json");
    request.body = b"{}".to_vec();
    assert_eq!(send(&mut sim, request).status, 400);
    assert_eq!(attachments(&mut sim).len(), before);
}

#[test]
fn extensions_outside_the_property_are_refused_on_both_routes() {
    let mut sim = demo(AttachmentPolicy {
        extensions: vec!["txt".into(), "png".into()],
        ..AttachmentPolicy::default()
    });
    let record = incident(&mut sim);
    let before = attachments(&mut sim).len();
    for name in ["setup.exe", "README", "notes.txt.sh"] {
        let r = raw_upload(&mut sim, &record, name, b"x");
        assert_eq!(r.status, 400, "{name}");
        let message = error_message(&r);
        assert!(message.contains("extension"), "{name}: {message}");
        assert!(message.contains("glide.attachment.extensions"), "{message}");
    }
    let fields = [
        ("table_name", "incident"),
        ("table_sys_id", record.as_str()),
    ];
    let r = multipart_upload(
        &mut sim,
        multipart(
            &fields,
            Some(("tool.exe", Some("application/octet-stream"), b"MZ")),
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(attachments(&mut sim).len(), before);
    assert_eq!(
        raw_upload(&mut sim, &record, "Shot.PNG", b"png").status,
        201
    );
    assert_eq!(raw_upload(&mut sim, &record, "a.txt", b"x").status, 201);
}

#[test]
fn files_over_the_size_property_are_refused_and_at_it_are_stored() {
    let mut sim = demo(AttachmentPolicy {
        max_size_mb: 1,
        ..AttachmentPolicy::default()
    });
    let record = incident(&mut sim);
    let before = attachments(&mut sim).len();
    let r = raw_upload(&mut sim, &record, "big.bin", &vec![0u8; 1024 * 1024 + 1]);
    assert_eq!(r.status, 400);
    let message = error_message(&r);
    assert!(message.contains("size exceeds"), "{message}");
    assert!(
        message.contains("com.glide.attachment.max_size is 1 MB"),
        "{message}"
    );
    let fields = [
        ("table_name", "incident"),
        ("table_sys_id", record.as_str()),
    ];
    let big = vec![1u8; 1024 * 1024 + 1];
    let r = multipart_upload(
        &mut sim,
        multipart(
            &fields,
            Some(("big.bin", Some("application/octet-stream"), &big)),
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(attachments(&mut sim).len(), before);
    let r = raw_upload(&mut sim, &record, "max.bin", &vec![0u8; 1024 * 1024]);
    assert_eq!(r.status, 201);
}
