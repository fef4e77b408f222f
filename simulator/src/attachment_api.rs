//! The Attachment API (`/api/now/attachment`): metadata rows live in `sys_attachment`
//! (so `/__sim/tables/sys_attachment` shows them), the bytes beside them. Serves the
//! metadata list and one record, the file with its own Content-Type and
//! `X-Attachment-Metadata`, a raw `POST /file` upload, a multipart `POST /upload` and
//! DELETE. Uploads obey the instance's attachment properties ([`AttachmentPolicy`]).
//! Owns no auth.

use crate::access::{Account, WriteOp};
use crate::http::{Params, Request, Response};
use crate::multipart;
use crate::query::{EncodedQuery, RecordView};
use crate::store::{is_sys_id, IdGenerator, Row, Store};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const TABLE: &str = "sys_attachment";
const DEFAULT_LIMIT: usize = 1000;
/// ServiceNow's default (and highest) `com.glide.attachment.max_size`, in MB.
pub const DEFAULT_MAX_SIZE_MB: u64 = 1024;

/// The instance's attachment properties that uploads obey, as on a base instance by
/// default: `glide.attachment.extensions` empty (every extension allowed) and
/// `com.glide.attachment.max_size` 1024 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentPolicy {
    /// Allowed file extensions, lowercase, without dots; empty allows all.
    pub extensions: Vec<String>,
    /// Largest file accepted, in MB (1 MB = 1,048,576 bytes).
    pub max_size_mb: u64,
}

impl Default for AttachmentPolicy {
    fn default() -> AttachmentPolicy {
        AttachmentPolicy {
            extensions: Vec::new(),
            max_size_mb: DEFAULT_MAX_SIZE_MB,
        }
    }
}

impl AttachmentPolicy {
    /// Reads `glide.attachment.extensions` as ServiceNow documents it: comma-separated,
    /// no dots (a leading dot is dropped), case-insensitive; blank allows all.
    pub fn parse_extensions(list: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let entry = entry.trim_start_matches('.').to_ascii_lowercase();
            if entry.is_empty()
                || !entry
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
            {
                return Err(format!(
                    "attachment extensions are comma-separated names such as txt,pdf,png; got '{list}'"
                ));
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// Checks `max_size_mb` against ServiceNow's range (1 to 1024 MB).
    pub fn check_max_size_mb(mb: u64) -> Result<u64, String> {
        if (1..=DEFAULT_MAX_SIZE_MB).contains(&mb) {
            Ok(mb)
        } else {
            Err(format!(
                "the attachment size limit is a whole number of MB from 1 to {DEFAULT_MAX_SIZE_MB}; got {mb}"
            ))
        }
    }

    fn max_size_bytes(&self) -> u64 {
        self.max_size_mb.saturating_mul(1024 * 1024)
    }

    /// The refusal of a file named `file_name` of `size` bytes, if the policy refuses it.
    fn refusal(&self, file_name: &str, size: usize) -> Option<Response> {
        if !self.extensions.is_empty() {
            let extension = file_name
                .rsplit_once('.')
                .map(|(_, ext)| ext.to_ascii_lowercase())
                .unwrap_or_default();
            if !self.extensions.contains(&extension) {
                let shown = if extension.is_empty() {
                    "(none)".to_string()
                } else {
                    extension
                };
                return Some(Response::error(
                    400,
                    "Attachment file extension is not allowed",
                    Some(&format!(
                        "The extension {shown} of {file_name} is not in glide.attachment.extensions ({})",
                        self.extensions.join(",")
                    )),
                ));
            }
        }
        if size as u64 > self.max_size_bytes() {
            return Some(Response::error(
                400,
                "Attachment size exceeds the maximum allowed",
                Some(&format!(
                    "The file is {size} bytes; com.glide.attachment.max_size is {} MB",
                    self.max_size_mb
                )),
            ));
        }
        None
    }
}

/// One Attachment API route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentRoute {
    /// `GET /api/now/attachment`
    Collection,
    /// `POST /api/now/attachment/file`
    Upload,
    /// `POST /api/now/attachment/upload` (multipart/form-data)
    MultipartUpload,
    /// `GET|DELETE /api/now/attachment/{sys_id}`
    One(String),
    /// `GET /api/now/attachment/{sys_id}/file`
    File(String),
}

impl AttachmentRoute {
    pub fn parse(path: &str) -> Option<AttachmentRoute> {
        let rest = path
            .strip_prefix("/api/now/v1/attachment")
            .or_else(|| path.strip_prefix("/api/now/attachment"))?;
        let parts: Vec<&str> = rest.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            [""] => Some(AttachmentRoute::Collection),
            ["file"] => Some(AttachmentRoute::Upload),
            ["upload"] => Some(AttachmentRoute::MultipartUpload),
            [id] => Some(AttachmentRoute::One(id.to_string())),
            [id, "file"] => Some(AttachmentRoute::File(id.to_string())),
            _ => None,
        }
    }

    fn allowed(&self) -> &'static [&'static str] {
        match self {
            AttachmentRoute::Collection | AttachmentRoute::File(_) => &["GET"],
            AttachmentRoute::Upload | AttachmentRoute::MultipartUpload => &["POST"],
            AttachmentRoute::One(_) => &["GET", "DELETE"],
        }
    }
}

/// What one Attachment API call works on.
pub struct AttachmentCall<'a> {
    pub store: &'a mut Store,
    pub files: &'a mut BTreeMap<String, Vec<u8>>,
    pub ids: &'a mut IdGenerator,
    pub account: &'a Account,
    pub base_url: &'a str,
    pub now: &'a str,
    pub policy: &'a AttachmentPolicy,
}

/// An upload's file and the record it is for, from either upload route.
struct NewFile<'a> {
    table_name: &'a str,
    table_sys_id: &'a str,
    file_name: &'a str,
    content_type: &'a str,
    bytes: &'a [u8],
}

struct PlainRow<'r>(&'r Row);

impl RecordView for PlainRow<'_> {
    fn value(&self, path: &str) -> String {
        self.0.get(path).cloned().unwrap_or_default()
    }
    fn keyword_text(&self) -> Vec<String> {
        self.0.values().cloned().collect()
    }
}

fn not_found() -> Response {
    Response::error(
        404,
        "Record doesn't exist or ACL restricts the record retrieval",
        None,
    )
}

impl AttachmentCall<'_> {
    pub fn run(&mut self, route: &AttachmentRoute, request: &Request) -> Response {
        let method = request.method.to_ascii_uppercase();
        let allowed = route.allowed();
        if !allowed.contains(&method.as_str()) {
            return Response::error(
                405,
                "Method not Supported",
                Some("Requested method is not supported by this API"),
            )
            .with_header("Allow", &allowed.join(", "));
        }
        let params = request.params();
        match (route, method.as_str()) {
            (AttachmentRoute::Collection, _) => self.list(&params),
            (AttachmentRoute::Upload, _) => self.upload(request, &params),
            (AttachmentRoute::MultipartUpload, _) => self.multipart_upload(request),
            (AttachmentRoute::One(id), "DELETE") => self.delete(id),
            (AttachmentRoute::One(id), _) => match self.store.get(TABLE, id) {
                Some(row) => Response::json(200, &json!({ "result": self.metadata(row) })),
                None => not_found(),
            },
            (AttachmentRoute::File(id), _) => self.file(id),
        }
    }

    /// The metadata as the Attachment API renders it: every column as text plus
    /// `download_link`.
    fn metadata(&self, row: &Row) -> Value {
        let mut out: Map<String, Value> = row
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let id = row.get("sys_id").cloned().unwrap_or_default();
        out.insert(
            "download_link".into(),
            Value::String(format!("{}/api/now/attachment/{id}/file", self.base_url)),
        );
        Value::Object(out)
    }

    fn list(&self, params: &Params) -> Response {
        let offset = params.offset("sysparm_offset");
        let limit = params.limit("sysparm_limit", DEFAULT_LIMIT);
        let query = EncodedQuery::parse(params.get("sysparm_query").unwrap_or(""));
        let matched: Vec<&Row> = self
            .store
            .rows(TABLE)
            .into_iter()
            .filter(|row| query.matches(&PlainRow(row)))
            .collect();
        let total = matched.len();
        let result: Vec<Value> = matched
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|row| self.metadata(row))
            .collect();
        Response::json(200, &json!({ "result": result }))
            .with_header("X-Total-Count", &total.to_string())
    }

    fn file(&self, id: &str) -> Response {
        let (Some(row), Some(bytes)) = (self.store.get(TABLE, id), self.files.get(id)) else {
            return not_found();
        };
        let content_type = row
            .get("content_type")
            .cloned()
            .unwrap_or_else(|| "application/octet-stream".into());
        let metadata = self.metadata(row).to_string();
        Response {
            status: 200,
            headers: vec![
                ("Content-Type".into(), content_type),
                ("X-Attachment-Metadata".into(), metadata),
            ],
            body: bytes.clone(),
        }
    }

    /// `POST /file?table_name=&table_sys_id=&file_name=`: the body is the file, typed by
    /// the request's Content-Type. The target record must exist.
    fn upload(&mut self, request: &Request, params: &Params) -> Response {
        let table_name = params.get("table_name").unwrap_or("");
        let table_sys_id = params.get("table_sys_id").unwrap_or("");
        let file_name = params.get("file_name").unwrap_or("");
        if table_name.is_empty() || table_sys_id.is_empty() || file_name.is_empty() {
            return Response::error(
                400,
                "Failed to create the attachment. File part might be missing in the request.",
                Some("table_name, table_sys_id and file_name are required query parameters"),
            );
        }
        let Some(content_type) = request.header("content-type") else {
            return Response::error(400, "Content-Type header is required", None);
        };
        self.store_file(NewFile {
            table_name,
            table_sys_id,
            file_name,
            content_type,
            bytes: &request.body,
        })
    }

    /// `POST /upload`, multipart/form-data: `table_name` and `table_sys_id` fields, then
    /// the file as the last part with its file name and Content-Type (ServiceNow docs:
    /// REST API reference > Attachment API > POST /now/attachment/upload).
    fn multipart_upload(&mut self, request: &Request) -> Response {
        let missing = |detail: &str| {
            Response::error(
                400,
                "Failed to create the attachment. File part might be missing in the request.",
                Some(detail),
            )
        };
        let Some(boundary) = request.header("content-type").and_then(multipart::boundary) else {
            return missing("the request must be multipart/form-data with a boundary");
        };
        let parts = match multipart::parse(&request.body, &boundary) {
            Ok(parts) => parts,
            Err(why) => return missing(&format!("the multipart body is malformed: {why}")),
        };
        let field = |name: &str| {
            parts
                .iter()
                .find(|p| p.name == name && p.file_name.is_none())
                .and_then(|p| std::str::from_utf8(&p.body).ok())
                .map(str::trim)
                .unwrap_or("")
        };
        let (table_name, table_sys_id) = (field("table_name"), field("table_sys_id"));
        let Some(file) = parts.last().filter(|p| p.file_name.is_some()) else {
            return missing("the last part must be the file (a part with a filename)");
        };
        if parts.iter().filter(|p| p.file_name.is_some()).count() > 1 {
            return missing("one file per request: only the last part may be a file");
        }
        if table_name.is_empty() || table_sys_id.is_empty() {
            return missing("table_name and table_sys_id are required form fields before the file");
        }
        let file_name = file.file_name.as_deref().unwrap_or_default();
        let Some(content_type) = file.content_type.as_deref() else {
            return Response::error(
                400,
                "Content-Type is required in the file part",
                Some("give the file's type in the Content-Type header of its part"),
            );
        };
        if file_name.is_empty() {
            return missing("the file part has an empty filename");
        }
        self.store_file(NewFile {
            table_name,
            table_sys_id,
            file_name,
            content_type,
            bytes: &file.body,
        })
    }

    /// Checks an upload (ACL, target record, the instance's extension and size
    /// properties) and stores its metadata row and bytes; 201 with the metadata.
    fn store_file(&mut self, file: NewFile<'_>) -> Response {
        if !self.account.access.can_write(TABLE, WriteOp::Insert) {
            return Response::error(
                403,
                "Operation Failed",
                Some("ACL Exception Insert Failed due to security constraints"),
            );
        }
        let NewFile {
            table_name,
            table_sys_id,
            file_name,
            content_type,
            bytes,
        } = file;
        if !is_sys_id(table_sys_id) || !self.store.contains(table_name, table_sys_id) {
            return Response::error(
                400,
                "Invalid table name or table sys id",
                Some(&format!("No record {table_sys_id} in {table_name}")),
            );
        }
        if let Some(refusal) = self.policy.refusal(file_name, bytes.len()) {
            return refusal;
        }
        let id = self.ids.next_sys_id();
        let size = bytes.len().to_string();
        let hash = format!("{:x}", Sha256::digest(bytes));
        let row: Row = [
            ("sys_id", id.as_str()),
            ("file_name", file_name),
            ("content_type", content_type),
            ("size_bytes", size.as_str()),
            ("size_compressed", size.as_str()),
            ("compressed", "false"),
            ("table_name", table_name),
            ("table_sys_id", table_sys_id),
            ("hash", hash.as_str()),
            ("image_width", ""),
            ("image_height", ""),
            ("sys_created_on", self.now),
            ("sys_created_by", self.account.user_name.as_str()),
            ("sys_updated_on", self.now),
            ("sys_updated_by", self.account.user_name.as_str()),
            ("sys_mod_count", "0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        self.store.insert(TABLE, row);
        self.files.insert(id.clone(), bytes.to_vec());
        match self.store.get(TABLE, &id) {
            Some(row) => Response::json(201, &json!({ "result": self.metadata(row) })).with_header(
                "Location",
                &format!("{}/api/now/attachment/{id}", self.base_url),
            ),
            None => Response::error(500, "The attachment could not be stored", None),
        }
    }

    fn delete(&mut self, id: &str) -> Response {
        if !self.account.access.can_write(TABLE, WriteOp::Delete) {
            return Response::error(
                403,
                "Operation Failed",
                Some("ACL Exception Delete Failed due to security constraints"),
            );
        }
        match self.store.delete(TABLE, id) {
            Some(_) => {
                self.files.remove(id);
                Response::empty(204)
            }
            None => not_found(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_cover_the_attachment_api() {
        let id = "0123456789abcdef0123456789abcdef";
        let cases = [
            ("/api/now/attachment", Some(AttachmentRoute::Collection)),
            ("/api/now/v1/attachment/", Some(AttachmentRoute::Collection)),
            ("/api/now/attachment/file", Some(AttachmentRoute::Upload)),
            (
                "/api/now/attachment/upload",
                Some(AttachmentRoute::MultipartUpload),
            ),
            (
                &format!("/api/now/attachment/{id}") as &str,
                Some(AttachmentRoute::One(id.into())),
            ),
            (
                &format!("/api/now/attachment/{id}/file") as &str,
                Some(AttachmentRoute::File(id.into())),
            ),
            ("/api/now/attachment/a/b/c", None),
            ("/api/now/table/incident", None),
        ];
        for (path, expected) in cases {
            assert_eq!(AttachmentRoute::parse(path), expected, "{path}");
        }
    }
}
