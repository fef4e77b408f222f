//! The simulator's state and its one entry point, `Simulator::handle(request, now)`:
//! routes a request to the OAuth token endpoint, the Table API (after authentication
//! and rate limiting) or the `/__sim/` control endpoints, and logs API requests.
//! No sockets here: the server module moves bytes.

use crate::access::{Account, Directory};
use crate::attachment_api::{AttachmentCall, AttachmentPolicy, AttachmentRoute};
use crate::auth::{self, AuthError, Principal, TokenStore};
use crate::catalog_api::{CatalogCall, CatalogRoute};
use crate::cmdb_api::{CmdbCall, CmdbRoute};
use crate::control;
use crate::http::{Params, Request, Response};
use crate::platform::format_datetime;
use crate::ratelimit::{RateDecision, RateLimit, RateLimiter};
use crate::render::Renderer;
use crate::request_log::{LogRecord, RequestLog};
use crate::schema::Schema;
use crate::seed::{self, SeedKind};
use crate::store::{IdGenerator, Store};
use crate::table_api::{self, TableCall};
use crate::{knowledge_api, stats_api};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// Run-time settings (`--rate-limit`, `--rate-window`, `--token-ttl`, `POST /__sim/config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub rate_limit: Option<RateLimit>,
    pub delay_ms: u64,
    pub token_ttl_secs: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            rate_limit: None,
            delay_ms: 0,
            token_ttl_secs: auth::DEFAULT_ACCESS_TTL,
        }
    }
}

/// Everything one simulated instance holds.
#[derive(Debug)]
/// The REST API a request is for.
enum Route {
    Table(table_api::TableRoute),
    Attachment(AttachmentRoute),
    Cmdb(CmdbRoute),
    Catalog(CatalogRoute),
    Answers(AnswersRoute),
}

pub struct Simulator {
    pub(crate) schema: Schema,
    pub(crate) seed: SeedKind,
    pub(crate) store: Store,
    pub(crate) directory: Directory,
    pub(crate) tokens: TokenStore,
    pub(crate) limiter: RateLimiter,
    pub(crate) delay_ms: u64,
    pub(crate) token_ttl_secs: u64,
    pub(crate) log: RequestLog,
    pub(crate) ids: IdGenerator,
    /// Seed tables the specs do not document (skipped when seeding).
    pub(crate) unseeded: Vec<String>,
    /// Attachment bytes by `sys_attachment` sys_id (the metadata rows are in `store`).
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    /// Armed by `POST /__sim/faults`: the next Table API requests fail on purpose.
    pub(crate) fault: Option<crate::faults::Fault>,
    /// Whether the Knowledge API plugin is "installed" (`knowledge_api` in `/__sim/config`).
    pub(crate) knowledge_api: bool,
    /// `glide.attachment.extensions` and `com.glide.attachment.max_size` for uploads
    /// (`--attachment-extensions`, `--attachment-max-size-mb`, `/__sim/config`).
    pub(crate) attachment_policy: AttachmentPolicy,
}

impl Simulator {
    pub fn new(mut schema: Schema, seed_kind: SeedKind, settings: Settings) -> Simulator {
        let mut seeded = seed::build(seed_kind, &schema);
        // The instance's own schema tables, generated from the simulator's (after the
        // seed: they hold no demo data of their own).
        crate::dictionary::install(&mut schema, &mut seeded.store);
        Simulator {
            schema,
            seed: seed_kind,
            store: seeded.store,
            directory: Directory::demo(),
            tokens: TokenStore::default(),
            limiter: RateLimiter::new(settings.rate_limit),
            delay_ms: settings.delay_ms,
            token_ttl_secs: settings.token_ttl_secs,
            log: RequestLog::default(),
            ids: IdGenerator::random(),
            unseeded: seeded.skipped_tables,
            files: BTreeMap::new(),
            fault: None,
            knowledge_api: true,
            attachment_policy: AttachmentPolicy::default(),
        }
    }

    /// Sets the attachment properties uploads obey (see [`AttachmentPolicy`]).
    pub fn with_attachment_policy(mut self, policy: AttachmentPolicy) -> Simulator {
        self.attachment_policy = policy;
        self
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Seed tables that were skipped because no spec documents them.
    pub fn unseeded_tables(&self) -> &[String] {
        &self.unseeded
    }

    pub fn settings(&self) -> Settings {
        Settings {
            rate_limit: self.limiter.rule(),
            delay_ms: self.delay_ms,
            token_ttl_secs: self.token_ttl_secs,
        }
    }

    /// How long the server waits before sending the response to `request`
    /// (`delay_ms` applies to API requests, never to the control endpoints).
    pub fn delay_for(&self, request: &Request) -> Duration {
        if control::is_control_path(request.path()) {
            Duration::ZERO
        } else {
            Duration::from_millis(self.delay_ms)
        }
    }

    /// Restores the seed: data, number sequences, issued tokens and rate counters.
    /// Settings and the request log stay.
    pub fn reset(&mut self) {
        let seeded = seed::build(self.seed, &self.schema);
        self.store = seeded.store;
        self.unseeded = seeded.skipped_tables;
        self.files.clear();
        self.tokens = TokenStore::default();
        self.limiter.reset_counts();
    }

    /// Answers one request at `now` (UNIX seconds).
    pub fn handle(&mut self, request: &Request, now: i64) -> Response {
        let path = request.path();
        if control::is_control_path(path) {
            return control::handle(self, request);
        }
        let mut notes = Vec::new();
        let (response, principal) = if path == "/oauth_token.do" {
            self.token_endpoint(request, now)
        } else if let Some(fault) = self.take_fault(path) {
            notes.push(format!("fault injected: {}", fault.mode.name()));
            (crate::faults::answer(fault, request), None)
        } else if path.starts_with("/api/") {
            self.table_api(request, now, &mut notes)
        } else {
            (
                Response::error(
                    404,
                    "Not Found",
                    Some("The simulator serves /api/now/table/... and /oauth_token.do"),
                ),
                None,
            )
        };
        let time = format_datetime(now);
        self.log.push(LogRecord {
            request,
            principal: principal.as_ref(),
            status: response.status,
            time: &time,
            notes: &notes,
        });
        for note in &notes {
            eprintln!("servicenow-sim: {} {}: {note}", request.method, path);
        }
        response
    }

    fn token_endpoint(&mut self, request: &Request, now: i64) -> (Response, Option<Principal>) {
        if !request.method.eq_ignore_ascii_case("POST") {
            return (
                Response::error(
                    405,
                    "Method not Supported",
                    Some("Use POST with a form-encoded body"),
                )
                .with_header("Allow", "POST"),
                None,
            );
        }
        let form = Params::parse(&String::from_utf8_lossy(&request.body));
        let issued = auth::issue_token(
            &form,
            auth::basic_credentials(request),
            &self.directory,
            &mut self.tokens,
            &mut self.ids,
            self.token_ttl_secs,
            now,
        );
        match issued {
            Some((body, user_name)) => {
                let principal = Principal {
                    user_name,
                    scheme: auth::AuthScheme::Bearer,
                };
                (
                    Response::json(200, &body).with_header("Cache-Control", "no-store"),
                    Some(principal),
                )
            }
            None => (Response::json(401, &auth::oauth_failure_body()), None),
        }
    }

    fn table_api(
        &mut self,
        request: &Request,
        now: i64,
        notes: &mut Vec<String>,
    ) -> (Response, Option<Principal>) {
        let path = request.path();
        let route = table_api::parse_route(path)
            .map(Route::Table)
            .or_else(|| AttachmentRoute::parse(path).map(Route::Attachment))
            .or_else(|| CmdbRoute::parse(path).map(Route::Cmdb))
            .or_else(|| CatalogRoute::parse(path).map(Route::Catalog))
            .or_else(|| answers_route(path).map(Route::Answers));
        let Some(route) = route else {
            return (
                Response::error(400, "Requested URI does not represent any resource", None),
                None,
            );
        };
        let principal = match auth::authenticate(request, &self.directory, &self.tokens, now) {
            Ok(p) => p,
            Err(AuthError::Missing | AuthError::Rejected) => {
                let response = Response::error(
                    401,
                    "User Not Authenticated",
                    Some("Required to provide Auth information"),
                )
                .with_header("WWW-Authenticate", "Basic realm=\"Service-now\"");
                return (response, None);
            }
        };
        let rate_headers = match self.limiter.check(&principal.user_name, now) {
            RateDecision::NoRule => Vec::new(),
            RateDecision::Allowed(headers) => headers,
            RateDecision::Exceeded { headers, detail } => {
                let mut response = Response::error(429, "Rate limit exceeded", Some(&detail));
                response.headers.extend(headers);
                return (response, Some(principal));
            }
        };
        let mut response = match route {
            Route::Table(route) => self.table_call(request, &route, &principal, now, notes),
            Route::Attachment(route) => self.attachment_call(request, &route, &principal, now),
            Route::Cmdb(route) => self.cmdb_call(request, &route, &principal),
            Route::Catalog(route) => self.catalog_call(request, &route, &principal, now),
            Route::Answers(route) => self.answers_call(request, route, &principal),
        };
        response.headers.extend(rate_headers);
        (response, Some(principal))
    }

    fn table_call(
        &mut self,
        request: &Request,
        route: &table_api::TableRoute,
        principal: &Principal,
        now: i64,
        notes: &mut Vec<String>,
    ) -> Response {
        let method = request.method.to_ascii_uppercase();
        let allowed = table_api::allowed_methods(route);
        if !allowed.contains(&method.as_str()) {
            return Response::error(
                405,
                "Method not Supported",
                Some("Requested method is not supported by this API"),
            )
            .with_header("Allow", &allowed.join(", "));
        }
        let Some(table) = self.schema.table(&route.table) else {
            return Response::error(400, &format!("Invalid table {}", route.table), None);
        };
        if crate::dictionary::is_generated(&route.table) && method != "GET" {
            return Response::error(
                403,
                "Operation Failed",
                Some("The simulator's schema tables are generated from its tables and cannot be written"),
            );
        }
        let Some(account) = self.directory.account(&principal.user_name) else {
            return Response::error(
                401,
                "User Not Authenticated",
                Some("Required to provide Auth information"),
            )
            .with_header("WWW-Authenticate", "Basic realm=\"Service-now\"");
        };
        if !account.access.can_read_table(&route.table) {
            return Response::error(
                403,
                "User Not Authorized",
                Some(&format!(
                    "Security constraints prevent access to table {}",
                    route.table
                )),
            );
        }
        let base_url = base_url(request);
        let now_text = format_datetime(now);
        let mut call = TableCall {
            schema: &self.schema,
            store: &mut self.store,
            ids: &mut self.ids,
            account,
            base_url: &base_url,
            now: &now_text,
            notes,
        };
        call.run(table, route, request)
    }

    fn attachment_call(
        &mut self,
        request: &Request,
        route: &AttachmentRoute,
        principal: &Principal,
        now: i64,
    ) -> Response {
        let account = match caller(&self.directory, principal) {
            Ok(account) => account,
            Err(response) => return response,
        };
        let base_url = base_url(request);
        let now_text = format_datetime(now);
        AttachmentCall {
            store: &mut self.store,
            files: &mut self.files,
            ids: &mut self.ids,
            account,
            base_url: &base_url,
            now: &now_text,
            policy: &self.attachment_policy,
        }
        .run(route, request)
    }

    fn cmdb_call(&self, request: &Request, route: &CmdbRoute, principal: &Principal) -> Response {
        let account = match caller(&self.directory, principal) {
            Ok(account) => account,
            Err(response) => return response,
        };
        let base_url = base_url(request);
        CmdbCall {
            schema: &self.schema,
            store: &self.store,
            account,
            base_url: &base_url,
        }
        .run(route, request)
    }

    /// The Service Catalog API (catalog_api.rs).
    fn catalog_call(
        &mut self,
        request: &Request,
        route: &CatalogRoute,
        principal: &Principal,
        now: i64,
    ) -> Response {
        let account = match caller(&self.directory, principal) {
            Ok(account) => account,
            Err(response) => return response,
        };
        let now_text = format_datetime(now);
        CatalogCall {
            schema: &self.schema,
            store: &mut self.store,
            ids: &mut self.ids,
            account,
            now: &now_text,
        }
        .run(route, request)
    }

    /// The Knowledge and Aggregate APIs (knowledge_api.rs, stats_api.rs).
    fn answers_call(
        &mut self,
        request: &Request,
        route: AnswersRoute,
        principal: &Principal,
    ) -> Response {
        let account = match caller(&self.directory, principal) {
            Ok(account) => account,
            Err(response) => return response,
        };
        let base_url = base_url(request);
        let renderer = Renderer {
            schema: &self.schema,
            store: &self.store,
            base_url: &base_url,
            access: &account.access,
        };
        match route {
            AnswersRoute::Knowledge(_) if !self.knowledge_api => knowledge_api::plugin_absent(),
            AnswersRoute::Knowledge(route) => match self.schema.table("kb_knowledge") {
                Some(table) => knowledge_api::handle(&renderer, table, account, &route, request),
                None => knowledge_api::plugin_absent(),
            },
            AnswersRoute::Stats(table) => match self.schema.table(&table) {
                Some(table) => stats_api::handle(&self.schema, &renderer, table, account, request),
                None => Response::error(400, &format!("Invalid table {table}"), None),
            },
        }
    }

    pub(crate) fn set_settings(&mut self, settings: Settings) {
        if settings.rate_limit != self.limiter.rule() {
            self.limiter.set_rule(settings.rate_limit);
        }
        self.delay_ms = settings.delay_ms;
        self.token_ttl_secs = settings.token_ttl_secs;
    }

    /// The armed fault, counted down, when `path` is a Table API path.
    fn take_fault(&mut self, path: &str) -> Option<crate::faults::Fault> {
        let fault = self.fault.filter(|_| path.starts_with("/api/"))?;
        self.fault = (fault.remaining > 1).then_some(crate::faults::Fault {
            remaining: fault.remaining - 1,
            ..fault
        });
        Some(fault)
    }

    pub(crate) fn settings_json(&self) -> serde_json::Value {
        let settings = self.settings();
        json!({
            "rate_limit": settings.rate_limit,
            "delay_ms": settings.delay_ms,
            "token_ttl_secs": settings.token_ttl_secs,
            "seed": self.seed.as_str(),
            "knowledge_api": self.knowledge_api,
            "attachment_extensions": self.attachment_policy.extensions.join(","),
            "attachment_max_size_mb": self.attachment_policy.max_size_mb,
        })
    }
}

/// The non-Table APIs the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AnswersRoute {
    Knowledge(knowledge_api::KnowledgeRoute),
    Stats(String),
}

fn answers_route(path: &str) -> Option<AnswersRoute> {
    knowledge_api::parse_route(path)
        .map(AnswersRoute::Knowledge)
        .or_else(|| stats_api::parse_route(path).map(AnswersRoute::Stats))
}

/// The account of an authenticated caller of the Attachment, CMDB, Knowledge and
/// Aggregate APIs, or the 401 ServiceNow sends when there is none.
fn caller<'d>(directory: &'d Directory, principal: &Principal) -> Result<&'d Account, Response> {
    directory.account(&principal.user_name).ok_or_else(|| {
        Response::error(
            401,
            "User Not Authenticated",
            Some("Required to provide Auth information"),
        )
    })
}

/// The instance's base URL as the caller addressed it (for links in answers).
fn base_url(request: &Request) -> String {
    format!("http://{}", request.header("host").unwrap_or("127.0.0.1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::RowRule;

    const INCIDENT_SPEC: &str = r#"{"table": "incident", "title": "Incident", "number_prefix": "INC",
        "display_field": "number", "fields": {"short_description": {"type": "string", "description": ""}}}"#;

    fn simulator() -> Simulator {
        let schema = Schema::from_sources([("incident.json", INCIDENT_SPEC)]).unwrap_or_default();
        Simulator::new(schema, SeedKind::Empty, Settings::default())
    }

    fn as_user(user: &str, method: &str, url: &str, body: &str) -> Request {
        use base64::Engine;
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{user}"));
        Request::new(method, url)
            .with_header("Authorization", &format!("Basic {credentials}"))
            .with_body(body)
    }

    #[test]
    fn attachments_upload_read_list_and_delete_through_the_attachment_api() {
        let mut sim = simulator();
        let incident = sim.handle(
            &as_user(
                "admin",
                "POST",
                "/api/now/table/incident",
                r#"{"short_description": "x"}"#,
            ),
            0,
        );
        let incident_id = incident.body_json().unwrap()["result"]["sys_id"]
            .as_str()
            .unwrap()
            .to_string();
        let bytes = vec![0x89, b'P', b'N', b'G', 0, 0xff];
        let mut upload = as_user(
            "admin",
            "POST",
            &format!("/api/now/attachment/file?table_name=incident&table_sys_id={incident_id}&file_name=a.png"),
            "",
        )
        .with_header("Content-Type", "image/png");
        upload.body = bytes.clone();
        let created = sim.handle(&upload, 0);
        assert_eq!(created.status, 201);
        let meta = created.body_json().unwrap()["result"].clone();
        let id = meta["sys_id"].as_str().unwrap().to_string();
        assert_eq!(meta["size_bytes"], "6");
        assert_eq!(meta["table_sys_id"], incident_id.as_str());

        let file = sim.handle(
            &as_user(
                "admin",
                "GET",
                &format!("/api/now/attachment/{id}/file"),
                "",
            ),
            0,
        );
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-type"), Some("image/png"));
        assert_eq!(file.body, bytes);
        let described: serde_json::Value =
            serde_json::from_str(file.header("x-attachment-metadata").unwrap()).unwrap();
        assert_eq!(described["file_name"], "a.png");

        let query = format!("/api/now/attachment?sysparm_query=table_sys_id%3D{incident_id}");
        let listed = sim.handle(&as_user("admin", "GET", &query, ""), 0);
        assert_eq!(
            listed.body_json().unwrap()["result"][0]["sys_id"],
            id.as_str()
        );

        let mut orphan = as_user(
            "admin",
            "POST",
            "/api/now/attachment/file?table_name=incident&table_sys_id=0123456789abcdef0123456789abcdef&file_name=a.txt",
            "x",
        )
        .with_header("Content-Type", "text/plain");
        orphan.body = b"x".to_vec();
        assert_eq!(sim.handle(&orphan, 0).status, 400, "the record must exist");

        let gone = sim.handle(
            &as_user("admin", "DELETE", &format!("/api/now/attachment/{id}"), ""),
            0,
        );
        assert_eq!(gone.status, 204);
        let after = sim.handle(
            &as_user(
                "admin",
                "GET",
                &format!("/api/now/attachment/{id}/file"),
                "",
            ),
            0,
        );
        assert_eq!(after.status, 404);
        let wrong = sim.handle(&as_user("admin", "PUT", "/api/now/attachment/file", ""), 0);
        assert_eq!(wrong.status, 405);
    }

    #[test]
    fn a_table_without_read_access_answers_200_with_no_rows() {
        let mut sim = simulator();
        for n in 0..3 {
            let created = sim.handle(
                &as_user(
                    "admin",
                    "POST",
                    "/api/now/table/incident",
                    &format!("{{\"short_description\":\"{n}\"}}"),
                ),
                0,
            );
            assert_eq!(created.status, 201);
        }
        if let Some(itil) = sim
            .directory
            .accounts
            .iter_mut()
            .find(|a| a.user_name == "itil")
        {
            itil.access.hidden_rows.push(RowRule {
                table: "incident".to_string(),
                hidden_when: String::new(),
            });
        }
        let list = sim.handle(&as_user("itil", "GET", "/api/now/table/incident", ""), 0);
        assert_eq!(list.status, 200);
        assert_eq!(list.body_json(), Some(json!({"result": []})));
        assert_eq!(list.header("X-Total-Count"), Some("3"));
    }

    #[test]
    fn control_requests_are_neither_delayed_nor_logged() {
        let mut sim = simulator();
        sim.set_settings(Settings {
            delay_ms: 250,
            ..Settings::default()
        });
        let control = Request::new("GET", "/__sim/health");
        assert_eq!(sim.delay_for(&control), Duration::ZERO);
        assert_eq!(sim.handle(&control, 0).status, 200);
        let api = Request::new("GET", "/api/now/table/incident");
        assert_eq!(sim.delay_for(&api), Duration::from_millis(250));
        assert_eq!(sim.handle(&api, 0).status, 401);
        assert_eq!(sim.log.len(), 1, "only the API request is logged");
    }

    #[test]
    fn the_token_endpoint_only_takes_post() {
        let mut sim = simulator();
        let response = sim.handle(&Request::new("GET", "/oauth_token.do"), 0);
        assert_eq!(response.status, 405);
        assert_eq!(response.header("Allow"), Some("POST"));
    }
}
