//! Cross-field rules a set of resource specs must satisfy before tools are derived
//! (what JSON Schema alone cannot say): names, references between sections, method
//! shapes, tool-name uniqueness. Reports every problem; derives nothing.

use crate::naming::{
    is_identifier, is_valid_tool_name, tool_name, MAX_RESOURCE_NAME_LEN, MAX_TOOL_NAME_LEN,
};
use crate::spec::{
    Endpoint, FieldSpec, FieldType, FileTransfer, MethodKind, MethodSpec, ResourceSpec,
    ENDPOINT_PARAMS, ORDER_PROPERTIES, SYSTEM_FIELDS, UPLOAD_PROPERTIES,
};
use std::collections::{BTreeMap, BTreeSet};

/// Input property names every tool may carry besides documented fields; a field with
/// one of these names would be ambiguous.
pub const RESERVED_PROPERTIES: [&str; 6] = [
    "id",
    "query",
    "fields",
    "limit",
    "next_cursor",
    "display_value",
];

/// Filter keywords of `config.methods`; a custom method may not be called so.
const FILTER_KEYWORDS: [&str; 2] = ["read", "write"];

/// Every rule broken by `specs`, one line each, prefixed with the resource name.
pub fn check_specs(specs: &[ResourceSpec]) -> Vec<String> {
    let mut problems = Vec::new();
    for spec in specs {
        check_resource(spec, &mut problems);
    }
    check_across(specs, &mut problems);
    problems
}

fn check_resource(spec: &ResourceSpec, problems: &mut Vec<String>) {
    let r = &spec.resource;
    let mut report = |msg: String| problems.push(format!("{r}: {msg}"));

    if !is_identifier(r) || r.len() > MAX_RESOURCE_NAME_LEN {
        report(format!(
            "resource name must match ^[a-z][a-z0-9_]*$ and have at most \
             {MAX_RESOURCE_NAME_LEN} characters (got {} characters)",
            r.len()
        ));
    }
    if !is_identifier(&spec.table) {
        report(format!(
            "table {:?} must be a ServiceNow table name (^[a-z][a-z0-9_]*$)",
            spec.table
        ));
    }
    for (key, text) in [
        ("title", &spec.title),
        ("description", &spec.description),
        ("docs", &spec.docs),
    ] {
        if text.trim().is_empty() {
            report(format!("{key} must not be empty"));
        }
    }
    if spec.tags.is_empty() {
        report("tags must name at least one tag".into());
    }
    for tag in &spec.tags {
        if !is_identifier(tag) {
            report(format!("tag {tag:?} must match ^[a-z][a-z0-9_]*$"));
        }
    }
    if let Some(dup) = first_duplicate(&spec.tags) {
        report(format!("tag {dup:?} is listed twice"));
    }
    if let Some(prefix) = &spec.number_prefix {
        let ok = (2..=8).contains(&prefix.len())
            && prefix.starts_with(|c: char| c.is_ascii_uppercase())
            && prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            report(format!(
                "number_prefix {prefix:?} must be 2-8 uppercase letters or digits, \
                 starting with a letter (INC, PRB, RITM)"
            ));
        }
        if !spec.fields.contains_key("number") {
            report("number_prefix is set but no 'number' field is documented".into());
        }
    }
    if !spec.fields.contains_key(&spec.display_field)
        && !SYSTEM_FIELDS.contains(&spec.display_field.as_str())
    {
        report(format!(
            "display_field {:?} is not a documented field",
            spec.display_field
        ));
    }
    for name in &spec.lookup {
        let usable = spec.fields.get(name).is_some_and(|f| {
            matches!(
                f.field_type,
                FieldType::String | FieldType::Email | FieldType::Choice
            )
        });
        if !usable {
            report(format!(
                "lookup field {name:?} must be a documented string, email or choice field"
            ));
        }
    }
    if let Some(name) = &spec.row_table {
        let usable = spec
            .fields
            .get(name)
            .is_some_and(|f| f.field_type == FieldType::String);
        if !usable {
            report(format!(
                "row_table field {name:?} must be a documented string field"
            ));
        }
    }
    if let Some(dup) = first_duplicate(&spec.lookup) {
        report(format!("lookup lists {dup:?} twice"));
    }
    for (name, field) in &spec.fields {
        for msg in field_problems(name, field) {
            report(format!("field {name}: {msg}"));
        }
    }
    if spec.methods.is_empty() {
        report("methods must document at least one method".into());
    }
    for (key, method) in &spec.methods {
        for msg in method_problems(spec, key, method) {
            report(format!("method {key}: {msg}"));
        }
    }
}

fn field_problems(name: &str, field: &FieldSpec) -> Vec<String> {
    let mut out = Vec::new();
    if !is_identifier(name) {
        out.push("name must match ^[a-z][a-z0-9_]*$".to_string());
    }
    if SYSTEM_FIELDS.contains(&name) {
        out.push("system fields are implicit; remove it from fields".to_string());
    }
    if RESERVED_PROPERTIES.contains(&name) {
        out.push(format!(
            "the name is reserved for a tool parameter ({})",
            RESERVED_PROPERTIES.join(", ")
        ));
    }
    if field.description.trim().is_empty() {
        out.push("description must not be empty".to_string());
    }
    match (field.field_type, &field.reference) {
        (FieldType::Reference, None) => {
            out.push("a reference field must name its target table in 'reference'".to_string())
        }
        (FieldType::Reference, Some(table)) if !is_identifier(table) => {
            out.push(format!("reference {table:?} is not a table name"))
        }
        (FieldType::Reference, Some(_)) | (_, None) => {}
        (_, Some(_)) => out.push("'reference' is only for type reference".to_string()),
    }
    if field.field_type == FieldType::Choice {
        if field.choices.is_empty() {
            out.push("a choice field must list its choices".to_string());
        }
        let values: Vec<&String> = field.choices.iter().map(|c| &c.value).collect();
        if let Some(dup) = first_duplicate(&values) {
            out.push(format!("choice value {dup:?} is listed twice"));
        }
        if field
            .choices
            .iter()
            .any(|c| c.value.is_empty() || c.label.trim().is_empty())
        {
            out.push("choice values and labels must not be empty".to_string());
        }
    } else if !field.choices.is_empty() {
        out.push("'choices' is only for type choice".to_string());
    }
    if let Some(max) = field.max_length {
        let textual = matches!(
            field.field_type,
            FieldType::String
                | FieldType::Html
                | FieldType::Journal
                | FieldType::Url
                | FieldType::Email
        );
        if !textual {
            out.push(
                "max_length applies only to string, html, journal, url and email fields"
                    .to_string(),
            );
        }
        if max == 0 {
            out.push("max_length must be at least 1".to_string());
        }
    }
    out
}

fn method_problems(spec: &ResourceSpec, key: &str, method: &MethodSpec) -> Vec<String> {
    let mut out = Vec::new();
    if !is_identifier(key) {
        out.push("method key must match ^[a-z][a-z0-9_]*$".into());
    }
    if FILTER_KEYWORDS.contains(&key) {
        out.push(format!(
            "'{key}' is a config.methods keyword and cannot name a custom method"
        ));
    }
    if method.description.trim().is_empty() {
        out.push("description must not be empty".into());
    }
    let standard = MethodKind::parse(key);
    let kind = match (standard, method.kind) {
        (Some(_), Some(_)) => {
            out.push("'kind' is only for custom methods; remove it".into());
            standard
        }
        (Some(k), None) => Some(k),
        (None, Some(k)) => Some(k),
        (None, None) => {
            out.push(
                "a custom method must say which standard method it runs as \
                 ('kind': list, get, create, update or delete)"
                    .into(),
            );
            None
        }
    };
    let custom = standard.is_none();
    match (custom, method.hints, kind) {
        (false, Some(_), _) => out.push(
            "'hints' is only for custom methods; standard methods take theirs from their kind"
                .into(),
        ),
        (true, None, _) => out.push(
            "a custom method must declare its 'hints' (read_only, destructive, idempotent)".into(),
        ),
        (true, Some(hints), Some(kind)) => {
            if hints.read_only != kind.is_read() {
                out.push(format!(
                    "hints.read_only must be {} for a method of kind {}",
                    kind.is_read(),
                    kind.as_str()
                ));
            }
            if hints.read_only && hints.destructive {
                out.push("a read-only method cannot be destructive".into());
            }
        }
        _ => {}
    }

    if kind != Some(MethodKind::List) && !method.filters.is_empty() {
        out.push("'filters' applies only to list methods".into());
    }
    let writes = matches!(kind, Some(MethodKind::Create | MethodKind::Update));
    if !writes && !method.body.is_empty() {
        out.push("'body' applies only to create and update methods".into());
    }
    let lists = kind == Some(MethodKind::List);
    let may_require = writes || (custom && lists);
    if !may_require && !method.required.is_empty() {
        out.push("'required' applies only to create, update and custom list methods".into());
    }
    if let Some(query) = &method.where_query {
        if !(custom && lists) {
            out.push("'where' applies only to custom list methods".into());
        }
        let start = query.trim_start().to_ascii_uppercase();
        if query.trim().is_empty()
            || query.chars().any(char::is_control)
            || start.starts_with("OR")
            || start.starts_with("NQ")
            || start.starts_with('^')
            || query.contains("^NQ")
        {
            out.push(format!(
                "'where' {query:?} must be one encoded query block (no leading OR, NQ or ^, no ^NQ, no control characters)"
            ));
        }
    }
    let may_return = custom && matches!(kind, Some(MethodKind::List | MethodKind::Get));
    if !may_return && !method.returns.is_empty() {
        out.push("'returns' applies only to custom list and get methods".into());
    }
    for name in &method.returns {
        if !spec.fields.contains_key(name) && !SYSTEM_FIELDS.contains(&name.as_str()) {
            out.push(format!(
                "returns field {name:?} is neither a documented field nor a system field"
            ));
        }
    }
    if !custom && !method.set.is_empty() {
        out.push("'set' applies only to custom methods".into());
    }
    if matches!(kind, Some(MethodKind::Get | MethodKind::Delete)) && !method.set.is_empty() {
        out.push("'set' applies only to custom list, create and update methods".into());
    }
    // An order's inputs are its own (variables, quantity), not body fields.
    let orders = method
        .endpoint
        .as_ref()
        .is_some_and(|e| e.content == Some(FileTransfer::Order));
    if writes && method.body.is_empty() && method.set.is_empty() && !orders {
        out.push(
            "a create or update method must accept body fields or 'set' values (or be an order)"
                .into(),
        );
    }

    for (list, what) in [
        (&method.filters, "filters"),
        (&method.body, "body"),
        (&method.required, "required"),
    ] {
        if let Some(dup) = first_duplicate(list) {
            out.push(format!("{what} lists {dup:?} twice"));
        }
    }
    for name in &method.filters {
        match spec.fields.get(name) {
            Some(field) if field.field_type == FieldType::Journal => out.push(format!(
                "filter {name:?} is a journal field, which ServiceNow cannot match exactly"
            )),
            Some(_) => {}
            None if SYSTEM_FIELDS.contains(&name.as_str()) => {}
            None => out.push(format!(
                "filter {name:?} is neither a documented field nor a system field"
            )),
        }
    }
    for name in &method.body {
        match spec.fields.get(name) {
            Some(field) if field.read_only => out.push(format!(
                "body field {name:?} is read_only and cannot be written"
            )),
            Some(_) => {}
            None if SYSTEM_FIELDS.contains(&name.as_str()) => out.push(format!(
                "body field {name:?} is a system field, which ServiceNow never writes"
            )),
            None => out.push(format!("body field {name:?} is not a documented field")),
        }
    }
    for name in &method.required {
        if lists {
            if !method.filters.contains(name) {
                out.push(format!("required filter {name:?} is not in filters"));
            }
        } else if !method.body.contains(name) {
            out.push(format!("required field {name:?} is not in body"));
        }
    }
    for (name, value) in &method.set {
        let Some(text) = value.as_str() else {
            out.push(format!(
                "set value of {name:?} must be a string, as ServiceNow stores it"
            ));
            continue;
        };
        let field = spec.fields.get(name);
        if field.is_none() && !SYSTEM_FIELDS.contains(&name.as_str()) {
            out.push(format!("set field {name:?} is not a documented field"));
        }
        if writes && SYSTEM_FIELDS.contains(&name.as_str()) {
            out.push(format!(
                "set field {name:?} is a system field, which ServiceNow never writes"
            ));
        }
        if let Some(field) = field {
            if writes && field.read_only {
                out.push(format!(
                    "set field {name:?} is read_only and cannot be written"
                ));
            }
            if field.field_type == FieldType::Choice
                && !field.choices.iter().any(|c| c.value == text)
            {
                out.push(format!(
                    "set value {text:?} of {name:?} is not one of its documented choices"
                ));
            }
        }
        if method.body.contains(name) || method.filters.contains(name) {
            out.push(format!(
                "set field {name:?} is fixed by the method and cannot also be an input"
            ));
        }
    }
    if let (Some(endpoint), Some(kind)) = (&method.endpoint, kind) {
        out.extend(endpoint_problems(method, endpoint, kind));
    }
    out
}

/// A path template: under /api/, literal segments or the `{sys_id}` / `{table}`
/// placeholders.
fn template_problems(path: &str, what: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !path.starts_with("/api/") {
        out.push(format!("endpoint {what} {path:?} must start with /api/"));
    }
    for segment in path.split('/').skip(1) {
        match segment {
            "{sys_id}" | "{table}" => {}
            s if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.') => {}
            s => out.push(format!(
                "endpoint {what} segment {s:?} must be letters, digits, _ - . or {{sys_id}} / {{table}}"
            )),
        }
    }
    out
}

/// An endpoint's path must be a clean template whose placeholders the call can fill,
/// its parameters standard ones, its query mappings inputs of the method.
fn endpoint_problems(method: &MethodSpec, endpoint: &Endpoint, kind: MethodKind) -> Vec<String> {
    let mut out = Vec::new();
    let path = &endpoint.path;
    out.extend(template_problems(path, "path"));
    let has_sys_id = path.split('/').any(|s| s == "{sys_id}");
    let addresses_record = matches!(
        kind,
        MethodKind::Get | MethodKind::Update | MethodKind::Delete
    );
    if addresses_record != has_sys_id {
        out.push(format!(
            "endpoint path of a {} method {} contain {{sys_id}}",
            kind.as_str(),
            if addresses_record { "must" } else { "must not" }
        ));
    }
    for param in &endpoint.params {
        if !ENDPOINT_PARAMS.contains(&param.as_str()) {
            out.push(format!(
                "endpoint param {param:?} is not one of {}",
                ENDPOINT_PARAMS.join(", ")
            ));
        }
    }
    for (param, field) in &endpoint.query {
        if !is_identifier(param) {
            out.push(format!(
                "endpoint query parameter {param:?} is not a parameter name"
            ));
        }
        if ENDPOINT_PARAMS.contains(&param.as_str()) {
            out.push(format!(
                "endpoint query parameter {param:?} is a standard parameter; list it in params"
            ));
        }
        if !method.filters.contains(field) && !method.body.contains(field) {
            out.push(format!(
                "endpoint query maps {param:?} to {field:?}, which is neither a filter nor a body field of the method"
            ));
        }
    }
    match endpoint.content {
        Some(FileTransfer::Download) if kind != MethodKind::Get => {
            out.push("endpoint content \"download\" applies only to get methods".into())
        }
        Some(FileTransfer::Upload) => {
            if kind != MethodKind::Create {
                out.push("endpoint content \"upload\" applies only to create methods".into());
            }
            if !method.body.iter().any(|f| f == "content_type") {
                out.push(
                    "an upload method needs a content_type body field (the file's Content-Type)"
                        .into(),
                );
            }
            for name in &method.body {
                let mapped = endpoint.query.values().any(|f| f == name);
                if name != "content_type" && !mapped {
                    out.push(format!(
                        "upload body field {name:?} must be mapped to a query parameter (the body is the file)"
                    ));
                }
            }
            for name in UPLOAD_PROPERTIES {
                if method.body.iter().any(|f| f == name) {
                    out.push(format!(
                        "body field {name:?} clashes with the upload's own {name:?} input"
                    ));
                }
            }
        }
        Some(FileTransfer::Variables) if kind != MethodKind::Get => {
            out.push("endpoint content \"variables\" applies only to get methods".into())
        }
        Some(FileTransfer::Order) => {
            if kind != MethodKind::Update {
                out.push("endpoint content \"order\" applies only to update-kind methods (the item's {sys_id} is in the path)".into());
            }
            match &endpoint.form {
                None => out.push("endpoint content \"order\" needs a form path (the GET whose result.variables the order is checked against)".into()),
                Some(form) => out.extend(template_problems(form, "form").into_iter().chain(
                    (!form.split('/').any(|s| s == "{sys_id}"))
                        .then(|| format!("endpoint form {form:?} must contain {{sys_id}}")),
                )),
            }
            for name in ORDER_PROPERTIES {
                if method.body.iter().any(|f| f == name) {
                    out.push(format!(
                        "body field {name:?} clashes with the order's own {name:?} input"
                    ));
                }
            }
        }
        _ => {}
    }
    if endpoint.form.is_some() && endpoint.content != Some(FileTransfer::Order) {
        out.push("endpoint form applies only with content \"order\"".into());
    }
    out.extend(order_input_problems(method, endpoint));
    if let Some(text) = &endpoint.text {
        if kind != MethodKind::List {
            out.push("endpoint text applies only to list methods".into());
        }
        if method.filters.iter().any(|f| f == "text") {
            out.push("filter \"text\" clashes with the search's own \"text\" input".into());
        }
        if !is_identifier(text) || ENDPOINT_PARAMS.contains(&text.as_str()) {
            out.push(format!(
                "endpoint text {text:?} must be a parameter name other than the standard ones"
            ));
        }
    }
    if let Some(follow) = &endpoint.follow {
        if !matches!(kind, MethodKind::Create | MethodKind::Update) {
            out.push("endpoint follow applies only to create and update kinds".into());
        }
        let names = [&follow.table, &follow.field, &follow.name]
            .into_iter()
            .chain(follow.fields.iter());
        for name in names {
            if !is_identifier(name) {
                out.push(format!(
                    "endpoint follow names {name:?}, which is not an identifier"
                ));
            }
        }
        if follow.fields.is_empty() {
            out.push("endpoint follow must list the fields it returns".into());
        }
    }
    let records = &endpoint.records;
    if records.split('.').any(|part| !is_identifier(part)) {
        out.push(format!(
            "endpoint records {records:?} must be a dot path of names (result, result.attributes)"
        ));
    }
    out
}

/// An order's further inputs: own names that clash with no other input, each sent as a
/// distinct `sysparm_` body member other than the quantity.
fn order_input_problems(method: &MethodSpec, endpoint: &Endpoint) -> Vec<String> {
    let mut out = Vec::new();
    if endpoint.inputs.is_empty() {
        return out;
    }
    if endpoint.content != Some(FileTransfer::Order) {
        out.push("endpoint inputs apply only with content \"order\"".into());
    }
    let mut params = BTreeSet::new();
    for (name, input) in &endpoint.inputs {
        let taken =
            name == "id" || ORDER_PROPERTIES.contains(&name.as_str()) || method.body.contains(name);
        if !is_identifier(name) || taken {
            out.push(format!(
                "endpoint input {name:?} must be an identifier other than id, variables, quantity and the body fields"
            ));
        }
        let param = &input.param;
        if !is_identifier(param) || !param.starts_with("sysparm_") || param == "sysparm_quantity" {
            out.push(format!(
                "endpoint input {name:?} sends {param:?}, which must be a sysparm_ name other than sysparm_quantity"
            ));
        }
        if !params.insert(param) {
            out.push(format!("endpoint inputs send {param:?} twice"));
        }
        if input.description.trim().is_empty() {
            out.push(format!("endpoint input {name:?} needs a description"));
        }
    }
    out
}

/// Rules across resources: unique resource names and tables, unique valid tool names.
fn check_across(specs: &[ResourceSpec], problems: &mut Vec<String>) {
    let mut resources = BTreeSet::new();
    let mut tables: BTreeMap<&str, &str> = BTreeMap::new();
    let mut tools: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for spec in specs {
        let r = spec.resource.as_str();
        if !resources.insert(r) {
            problems.push(format!("{r}: resource is documented twice"));
        }
        if let Some(other) = tables.insert(&spec.table, r) {
            if other != r {
                problems.push(format!(
                    "{r}: table {:?} is already documented by resource {other}",
                    spec.table
                ));
            }
        }
        for (key, method) in &spec.methods {
            if let Some(follow) = method.endpoint.as_ref().and_then(|e| e.follow.as_ref()) {
                let target = specs.iter().find(|s| s.table == follow.table);
                let documented = |f: &String| {
                    target.is_some_and(|t| {
                        t.fields.contains_key(f) || SYSTEM_FIELDS.contains(&f.as_str())
                    })
                };
                if target.is_none() {
                    problems.push(format!(
                        "{r}: method {key}: endpoint follow reads table {:?}, which no resource documents",
                        follow.table
                    ));
                } else if let Some(f) = std::iter::once(&follow.field)
                    .chain(follow.fields.iter())
                    .find(|f| !documented(f))
                {
                    problems.push(format!(
                        "{r}: method {key}: endpoint follow names field {f:?}, which {} does not document",
                        follow.table
                    ));
                }
            }
            let inputs = method.endpoint.iter().flat_map(|e| &e.inputs);
            for (input, spec) in inputs {
                if !specs.iter().any(|s| s.table == spec.reference) {
                    problems.push(format!(
                        "{r}: method {key}: endpoint input {input:?} references table {:?}, which no resource documents",
                        spec.reference
                    ));
                }
            }
            let name = tool_name(r, key);
            if !is_valid_tool_name(&name) {
                problems.push(format!(
                    "{r}: method {key}: tool name {name:?} must match ^[a-z0-9_]{{1,{MAX_TOOL_NAME_LEN}}}$"
                ));
            }
            if let Some((other, other_key)) = tools.get(&name) {
                problems.push(format!(
                    "{r}: method {key}: tool name {name:?} is already used by {other}.{other_key}"
                ));
            } else {
                tools.insert(name, (r, key.as_str()));
            }
        }
    }
}

fn first_duplicate<T: Ord + Clone>(items: &[T]) -> Option<T> {
    let mut seen = BTreeSet::new();
    items.iter().find(|item| !seen.insert(*item)).cloned()
}
