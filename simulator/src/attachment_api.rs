//! The Attachment API (`/api/now/attachment`): metadata rows live in `sys_attachment`
//! (so `/__sim/tables/sys_attachment` shows them), the bytes beside them. Serves the
//! metadata list and one record, the file with its own Content-Type and
//! `X-Attachment-Metadata`, a raw `POST /file` upload and DELETE. Owns no auth.

use crate::access::{Account, WriteOp};
use crate::http::{Params, Request, Response};
use crate::query::{EncodedQuery, RecordView};
use crate::store::{is_sys_id, IdGenerator, Row, Store};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const TABLE: &str = "sys_attachment";
const DEFAULT_LIMIT: usize = 1000;
/// ServiceNow's default `com.glide.attachment.max_size` (1024 MB).
pub const MAX_SIZE_BYTES: usize = 1024 * 1024 * 1024;

/// One Attachment API route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentRoute {
    /// `GET /api/now/attachment`
    Collection,
    /// `POST /api/now/attachment/file`
    Upload,
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
            [id] => Some(AttachmentRoute::One(id.to_string())),
            [id, "file"] => Some(AttachmentRoute::File(id.to_string())),
            _ => None,
        }
    }

    fn allowed(&self) -> &'static [&'static str] {
        match self {
            AttachmentRoute::Collection | AttachmentRoute::File(_) => &["GET"],
            AttachmentRoute::Upload => &["POST"],
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
        let offset = params
            .get("sysparm_offset")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let limit = params
            .get("sysparm_limit")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_LIMIT);
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
        if !self.account.access.can_write(TABLE, WriteOp::Insert) {
            return Response::error(
                403,
                "Operation Failed",
                Some("ACL Exception Insert Failed due to security constraints"),
            );
        }
        let table_name = params.get("table_name").unwrap_or("").to_string();
        let table_sys_id = params.get("table_sys_id").unwrap_or("").to_string();
        let file_name = params.get("file_name").unwrap_or("").to_string();
        if table_name.is_empty() || table_sys_id.is_empty() || file_name.is_empty() {
            return Response::error(
                400,
                "Failed to create the attachment. File part might be missing in the request.",
                Some("table_name, table_sys_id and file_name are required query parameters"),
            );
        }
        if !is_sys_id(&table_sys_id) || !self.store.contains(&table_name, &table_sys_id) {
            return Response::error(
                400,
                "Invalid table name or table sys id",
                Some(&format!("No record {table_sys_id} in {table_name}")),
            );
        }
        let Some(content_type) = request.header("content-type").map(str::to_string) else {
            return Response::error(400, "Content-Type header is required", None);
        };
        if request.body.len() > MAX_SIZE_BYTES {
            return Response::error(400, "Attachment size exceeds the maximum allowed", None);
        }
        let id = self.ids.next_sys_id();
        let size = request.body.len().to_string();
        let hash = format!("{:x}", Sha256::digest(&request.body));
        let row: Row = [
            ("sys_id", id.as_str()),
            ("file_name", file_name.as_str()),
            ("content_type", content_type.as_str()),
            ("size_bytes", size.as_str()),
            ("size_compressed", size.as_str()),
            ("compressed", "false"),
            ("table_name", table_name.as_str()),
            ("table_sys_id", table_sys_id.as_str()),
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
        self.files.insert(id.clone(), request.body.clone());
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
