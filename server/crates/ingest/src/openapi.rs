//! OpenAPI 3.0 and 3.1 documents: one tool per operation.

use std::collections::{BTreeSet, HashSet};

use domain::manifest::{
    PermissionScope, SecretInput, SecretLocation, ServerInfo, Tool, ToolAnnotations,
};
use serde_json::{Map, Value, json};

use crate::util::{join_pointer, shorten, sorted_unique, str_field, substitute, url_host};
use crate::{IngestError, Manifest, ManifestFormat, Problem, cap_problems};

/// The operations of a path item, in the order the specification lists them.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The longest tool name MCP allows.
const MAX_TOOL_NAME: usize = 128;

/// How many `$ref`s deep a schema is expanded before a `{"$ref": …}` stub is
/// left in place.
const MAX_REF_DEPTH: usize = 5;

/// How many JSON values one tool's input schema may copy out of referenced
/// components; past it, further `$ref`s stay stubs. Keeps schemas of large
/// APIs (Stripe, GitHub) to a readable size.
const REF_BUDGET: usize = 3000;

/// Headers that OpenAPI says to ignore as parameters (they are set by the
/// content negotiation and the security schemes).
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// Reads an OpenAPI 3.0.x or 3.1.x document.
///
/// Each operation (a path × get/put/post/delete/options/head/patch/trace)
/// becomes a tool:
///
/// - `name`: the `operationId` with characters outside `[A-Za-z0-9_.-]`
///   replaced by `_`, at most 128 characters; without one, `{method}_{path}`
///   likewise; a name already taken gets `_2`, `_3`, … (paths in sorted order,
///   methods in specification order, so the result is deterministic);
/// - `title`: the summary; `description`: summary and description;
/// - `operation`: e.g. `GET /v1/charges`;
/// - `input_schema`: an object schema whose properties are the path, query and
///   header parameters (path-level ones included, the operation's overriding)
///   and, under `body`, the request body's `application/json` schema (else a
///   `+json` one, else the first). Local `$ref`s (`#/components/...`) are
///   expanded up to [`MAX_REF_DEPTH`] deep and [`REF_BUDGET`] values; a cycle
///   or a cut leaves a `{"$ref": "#/..."}` stub. Vendor extensions (`x-…`)
///   are dropped;
/// - `annotations`, from the HTTP method semantics of RFC 9110: GET, HEAD,
///   OPTIONS and TRACE are safe (`readOnlyHint: true`); DELETE is
///   `destructiveHint: true, idempotentHint: true`; PUT is
///   `idempotentHint: true`; PUT, POST, PATCH and DELETE are
///   `readOnlyHint: false`; every operation is `openWorldHint: true` (it calls
///   a remote API). What the API really does may differ: these are hints;
/// - `scopes`: the scopes of the operation's effective security requirement
///   (its own `security`, else the document's), the union over the
///   alternatives, sorted.
///
/// The manifest's `scopes` are the OAuth 2 scopes the security schemes
/// declare (source: the scheme name; a scope declared by several schemes is
/// listed once). `secret_inputs`: an `apiKey` scheme is its parameter (header,
/// query or cookie); an `http` scheme (bearer, basic, …) is the
/// `Authorization` header; such an input is `required` when some security
/// requirement names its scheme. `egress_hosts`: the hosts of the `servers`
/// URLs (document, path and operation level; variables replaced by their
/// defaults; relative URLs ignored). No `remotes`.
pub(crate) fn read_value(doc: &Value) -> Result<Manifest, IngestError> {
    let invalid =
        |pointer: &str, message: &str| IngestError::Invalid(vec![Problem::new(pointer, message)]);
    let Some(root) = doc.as_object() else {
        return Err(invalid("", "an OpenAPI document must be an object"));
    };
    if let Some(v) = root.get("swagger") {
        return Err(IngestError::Unsupported(format!(
            "This is a Swagger {} document. Steward reads OpenAPI 3.0 and 3.1: convert it to \
             OpenAPI 3 first (for example with swagger2openapi or the Swagger Editor) and upload \
             the result.",
            scalar_text(v).unwrap_or_else(|| "2.0".into())
        )));
    }
    let version = match root.get("openapi") {
        None => {
            return Err(invalid(
                "/openapi",
                "the document has no \"openapi\" field; an OpenAPI 3 document starts with \
                 \"openapi\": \"3.1.0\" (or 3.0.x)",
            ));
        }
        Some(v) => scalar_text(v).ok_or_else(|| {
            invalid(
                "/openapi",
                "\"openapi\" must be a version string such as \"3.1.0\"",
            )
        })?,
    };
    let mut parts = version.split('.');
    if !(parts.next() == Some("3") && matches!(parts.next(), Some("0" | "1"))) {
        return Err(IngestError::Unsupported(format!(
            "OpenAPI {} is not supported; Steward reads OpenAPI 3.0.x and 3.1.x documents.",
            shorten(&version, 40)
        )));
    }

    let security = Security::read(doc);
    let top_security = doc.get("security");
    let mut hosts = server_hosts(doc.get("servers"));
    let mut problems = Vec::new();
    let mut tools = Vec::new();
    let mut names = HashSet::new();

    match doc.get("paths") {
        None | Some(Value::Null) => {}
        Some(Value::Object(paths)) => {
            for (path, item) in crate::util::sorted(paths) {
                let at = join_pointer("/paths", path);
                let item = resolve(doc, item);
                let Some(item_obj) = item.as_object() else {
                    problems.push(Problem::new(at, "a path item must be an object"));
                    continue;
                };
                hosts.extend(server_hosts(item_obj.get("servers")));
                let path_params = item_obj.get("parameters");
                for method in METHODS {
                    let Some(op) = item_obj.get(method) else {
                        continue;
                    };
                    if !op.is_object() {
                        problems.push(Problem::new(
                            join_pointer(&at, method),
                            "an operation must be an object",
                        ));
                        continue;
                    }
                    hosts.extend(server_hosts(op.get("servers")));
                    let name = unique_name(&mut names, tool_name(op, method, path));
                    tools.push(Tool {
                        name,
                        title: str_field(op, "summary").map(str::to_string),
                        description: describe(op),
                        input_schema: input_schema(doc, path_params, op),
                        annotations: annotations(method),
                        scopes: operation_scopes(op.get("security").or(top_security)),
                        operation: Some(format!("{} {path}", method.to_ascii_uppercase())),
                    });
                }
            }
        }
        Some(_) => problems.push(Problem::new(
            "/paths",
            "\"paths\" must be an object mapping paths to their operations",
        )),
    }
    if !problems.is_empty() {
        return Err(IngestError::Invalid(cap_problems(problems)));
    }
    if tools.is_empty() {
        return Err(invalid(
            "/paths",
            "the document has no operations (get, post, put, delete, … under \"paths\"), so there \
             is no tool to offer",
        ));
    }

    let info = doc.get("info").unwrap_or(&Value::Null);
    Ok(Manifest {
        format: ManifestFormat::OpenApi,
        format_version: Some(version),
        server: Some(ServerInfo {
            name: str_field(info, "title").unwrap_or_default().to_string(),
            title: None,
            description: str_field(info, "description").map(str::to_string),
            version: info.get("version").and_then(scalar_text),
            website_url: doc
                .get("externalDocs")
                .and_then(|d| str_field(d, "url"))
                .map(str::to_string),
            repository_url: None,
        }),
        tools,
        scopes: security.scopes,
        egress_hosts: sorted_unique(hosts),
        secret_inputs: security.secrets,
        packages: Vec::new(),
        remotes: Vec::new(),
    })
}

/// A string, or a number/boolean as text (YAML's unquoted `openapi: 3.0`).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Names, texts, annotations

fn sanitize(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn tool_name(op: &Value, method: &str, path: &str) -> String {
    if let Some(id) = str_field(op, "operationId") {
        let name = sanitize(id);
        if name.chars().any(|c| c.is_ascii_alphanumeric()) {
            return truncate(name, MAX_TOOL_NAME);
        }
    }
    // `get_/v1/charges/{charge}` → `get_v1_charges_charge`
    let mut name = String::new();
    for c in sanitize(&format!("{method}_{path}")).chars() {
        if !(c == '_' && name.ends_with('_')) {
            name.push(c);
        }
    }
    truncate(name.trim_end_matches('_').to_string(), MAX_TOOL_NAME)
}

/// Names are ASCII after [`sanitize`], so byte truncation is safe.
fn truncate(mut s: String, max: usize) -> String {
    s.truncate(max);
    s
}

fn unique_name(taken: &mut HashSet<String>, base: String) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    for n in 2.. {
        let suffix = format!("_{n}");
        let candidate = format!(
            "{}{suffix}",
            truncate(base.clone(), MAX_TOOL_NAME - suffix.len())
        );
        if taken.insert(candidate.clone()) {
            return candidate;
        }
    }
    unreachable!("some suffix is free")
}

fn describe(op: &Value) -> String {
    let summary = str_field(op, "summary");
    let description = str_field(op, "description");
    match (summary, description) {
        (Some(s), Some(d)) if d.starts_with(s) => d.to_string(),
        (Some(s), Some(d)) => format!("{s}\n\n{d}"),
        (Some(s), None) => s.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => String::new(),
    }
}

/// Hints from RFC 9110 method semantics (see [`read_value`]).
fn annotations(method: &str) -> ToolAnnotations {
    let mut a = ToolAnnotations {
        open_world_hint: Some(true),
        ..ToolAnnotations::default()
    };
    match method {
        "get" | "head" | "options" | "trace" => a.read_only_hint = Some(true),
        "delete" => {
            a.read_only_hint = Some(false);
            a.destructive_hint = Some(true);
            a.idempotent_hint = Some(true);
        }
        "put" => {
            a.read_only_hint = Some(false);
            a.idempotent_hint = Some(true);
        }
        _ => a.read_only_hint = Some(false),
    }
    a
}

// ---------------------------------------------------------------------------
// Input schemas

fn input_schema(doc: &Value, path_params: Option<&Value>, op: &Value) -> Value {
    let mut expander = Expander {
        root: doc,
        budget: REF_BUDGET,
    };

    // Operation parameters override path-level ones with the same name and location.
    let mut params: Vec<(String, String, &Value)> = Vec::new();
    for list in [path_params, op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(doc, p);
            let (Some(name), Some(location)) = (str_field(p, "name"), str_field(p, "in")) else {
                continue;
            };
            let key = (name.to_string(), location.to_ascii_lowercase());
            params.retain(|(n, l, _)| (n, l) != (&key.0, &key.1));
            params.push((key.0, key.1, p));
        }
    }

    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, location, p) in params {
        if !matches!(location.as_str(), "path" | "query" | "header") {
            continue;
        }
        if location == "header" && IGNORED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let schema = p
            .get("schema")
            .or_else(|| first_media_schema(p.get("content")));
        let mut schema =
            schema.map_or_else(|| json!({}), |s| expander.expand(s, &mut Vec::new(), false));
        add_description(&mut schema, p);
        let key = if properties.contains_key(&name) {
            format!("{location}:{name}")
        } else {
            name
        };
        if location == "path" || p.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(Value::String(key.clone()));
        }
        properties.insert(key, schema);
    }

    if let Some(body) = op.get("requestBody") {
        let body = resolve(doc, body);
        if let Some(schema) = first_media_schema(body.get("content")) {
            let mut schema = expander.expand(schema, &mut Vec::new(), false);
            add_description(&mut schema, body);
            if body.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(Value::String("body".into()));
            }
            properties.insert("body".into(), schema);
        }
    }

    let mut out = Map::new();
    out.insert("type".into(), Value::String("object".into()));
    out.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    Value::Object(out)
}

/// The schema of `application/json`, else of a `+json`/`json` media type, else
/// of the first media type.
fn first_media_schema(content: Option<&Value>) -> Option<&Value> {
    let content = content?.as_object()?;
    let media = content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(k, _)| k.to_ascii_lowercase().contains("json"))
                .map(|(_, v)| v)
        })
        .or_else(|| content.values().next())?;
    media.get("schema")
}

fn add_description(schema: &mut Value, from: &Value) {
    if let (Value::Object(s), Some(d)) = (schema, str_field(from, "description"))
        && !s.contains_key("description")
    {
        s.insert("description".into(), Value::String(d.to_string()));
    }
}

/// Follows a chain of local `$ref`s (a parameter, request body or path item
/// that is only a reference). Stops on a cycle or an unresolvable reference
/// and returns the last value reached.
fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| lookup(root, r))
        {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// Resolves a local reference (`#/components/schemas/Pet`); the fragment may
/// be percent-encoded.
fn lookup<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(root);
    }
    root.pointer(&percent_decode(fragment))
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Copies a schema with its local `$ref`s expanded (see [`read_value`]).
struct Expander<'a> {
    root: &'a Value,
    budget: usize,
}

impl Expander<'_> {
    /// `names`: the keys of this object are names (of properties, definitions),
    /// not keywords, so `x-…` keys are kept.
    fn expand(&mut self, v: &Value, stack: &mut Vec<String>, names: bool) -> Value {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref")
                    && !names
                {
                    return self.expand_ref(r, o, stack);
                }
                let mut out = Map::new();
                for (k, child) in o {
                    if !names && k.starts_with("x-") {
                        continue;
                    }
                    let child_names = !names
                        && matches!(
                            k.as_str(),
                            "properties"
                                | "patternProperties"
                                | "definitions"
                                | "$defs"
                                | "dependentSchemas"
                        );
                    out.insert(k.clone(), self.expand(child, stack, child_names));
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|x| self.expand(x, stack, false)).collect())
            }
            other => other.clone(),
        }
    }

    fn expand_ref(&mut self, r: &str, at: &Map<String, Value>, stack: &mut Vec<String>) -> Value {
        let target =
            if self.budget == 0 || stack.len() >= MAX_REF_DEPTH || stack.iter().any(|s| s == r) {
                None
            } else {
                lookup(self.root, r)
            };
        let Some(target) = target else {
            return json!({ "$ref": r });
        };
        self.budget = self
            .budget
            .saturating_sub(count_values(target, self.budget));
        stack.push(r.to_string());
        let mut out = self.expand(target, stack, false);
        // OpenAPI 3.1 lets `description`, `summary` (and more) sit beside `$ref`.
        if let Value::Object(out) = &mut out {
            for (k, sibling) in at {
                if k != "$ref" && !k.starts_with("x-") {
                    let sibling = self.expand(sibling, stack, false);
                    out.insert(k.clone(), sibling);
                }
            }
        }
        stack.pop();
        out
    }
}

/// Counts the JSON values in `v`, stopping at `cap`.
fn count_values(v: &Value, cap: usize) -> usize {
    let mut n = 0;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        n += 1;
        if n >= cap {
            return cap;
        }
        match v {
            Value::Object(o) => todo.extend(o.values()),
            Value::Array(a) => todo.extend(a.iter()),
            _ => {}
        }
    }
    n
}

// ---------------------------------------------------------------------------
// Security and servers

#[derive(Default)]
struct Security {
    scopes: Vec<PermissionScope>,
    secrets: Vec<SecretInput>,
}

impl Security {
    fn read(doc: &Value) -> Security {
        let mut out = Security::default();
        let Some(schemes) = doc
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
            .and_then(Value::as_object)
        else {
            return out;
        };
        let used = used_schemes(doc);
        for (scheme_name, scheme) in crate::util::sorted(schemes) {
            let scheme = resolve(doc, scheme);
            let required = used.contains(scheme_name.as_str());
            let description = str_field(scheme, "description").map(str::to_string);
            match str_field(scheme, "type")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "oauth2" => {
                    let flows = scheme.get("flows").and_then(Value::as_object);
                    for flow in [
                        "implicit",
                        "password",
                        "clientCredentials",
                        "authorizationCode",
                    ] {
                        let scopes = flows
                            .and_then(|f| f.get(flow))
                            .and_then(|f| f.get("scopes"))
                            .and_then(Value::as_object);
                        for (scope, text) in scopes.into_iter().flat_map(crate::util::sorted) {
                            if out.scopes.iter().any(|s| &s.name == scope) {
                                continue;
                            }
                            out.scopes.push(PermissionScope {
                                name: scope.clone(),
                                description: text
                                    .as_str()
                                    .map(str::trim)
                                    .filter(|s| !s.is_empty())
                                    .map(str::to_string),
                                source: Some(scheme_name.clone()),
                            });
                        }
                    }
                }
                "apikey" => {
                    let location = match str_field(scheme, "in")
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                        .as_str()
                    {
                        "query" => SecretLocation::Query,
                        "cookie" => SecretLocation::Cookie,
                        _ => SecretLocation::Header,
                    };
                    if let Some(name) = str_field(scheme, "name") {
                        out.secret(
                            name,
                            location,
                            description.unwrap_or_else(|| format!("API key ({scheme_name})")),
                            required,
                        );
                    }
                }
                "http" => {
                    let kind = str_field(scheme, "scheme")
                        .unwrap_or("http")
                        .to_ascii_lowercase();
                    out.secret(
                        "Authorization",
                        SecretLocation::Header,
                        description
                            .unwrap_or_else(|| format!("HTTP {kind} credentials ({scheme_name})")),
                        required,
                    );
                }
                // openIdConnect lists its scopes elsewhere (the discovery
                // document); mutualTLS needs a client certificate, not a value.
                _ => {}
            }
        }
        out.scopes.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn secret(
        &mut self,
        name: &str,
        location: SecretLocation,
        description: String,
        required: bool,
    ) {
        if let Some(s) = self
            .secrets
            .iter_mut()
            .find(|s| s.name.eq_ignore_ascii_case(name) && s.location == location)
        {
            s.required |= required;
            return;
        }
        self.secrets.push(SecretInput {
            name: name.to_string(),
            location,
            description: Some(description),
            required,
        });
    }
}

/// The names of the security schemes some requirement (document or operation
/// level) names.
fn used_schemes(doc: &Value) -> BTreeSet<&str> {
    fn add<'a>(out: &mut BTreeSet<&'a str>, security: Option<&'a Value>) {
        for req in security.and_then(Value::as_array).into_iter().flatten() {
            out.extend(
                req.as_object()
                    .into_iter()
                    .flat_map(|o| o.keys().map(String::as_str)),
            );
        }
    }
    let mut out = BTreeSet::new();
    add(&mut out, doc.get("security"));
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        let item = resolve(doc, item);
        for method in METHODS {
            add(&mut out, item.get(method).and_then(|op| op.get("security")));
        }
    }
    out
}

/// The union of the scopes of every alternative of a security requirement.
fn operation_scopes(security: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    for req in security.and_then(Value::as_array).into_iter().flatten() {
        for scopes in req.as_object().into_iter().flat_map(|o| o.values()) {
            out.extend(
                scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
        }
    }
    sorted_unique(out)
}

/// Hosts of a `servers` list, variables replaced by their defaults.
fn server_hosts(servers: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    for server in servers.and_then(Value::as_array).into_iter().flatten() {
        let Some(url) = str_field(server, "url") else {
            continue;
        };
        let variables = server.get("variables");
        let url = substitute(url, |name| {
            variables?.get(name)?.get("default").and_then(scalar_text)
        });
        out.extend(url_host(&url));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: Value) -> Manifest {
        read_value(&doc).unwrap()
    }

    #[test]
    fn names_are_sanitized_and_made_unique() {
        let doc = json!({"openapi":"3.0.3","info":{"title":"T","version":"1"},"paths":{
            "/a":{"get":{"operationId":"list items!"},"post":{"operationId":"list items?"}},
            "/b/{id}":{"delete":{}},
            "/c":{"get":{"operationId": "x".repeat(200)},"put":{"operationId": "x".repeat(200)}}
        }});
        let m = read(doc);
        let names: Vec<&str> = m.tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names[0], "list_items_");
        assert_eq!(names[1], "list_items__2");
        assert_eq!(names[2], "delete_b_id");
        assert_eq!(names[3].len(), 128);
        assert_eq!(names[4].len(), 128);
        assert!(names[4].ends_with("_2"));
        assert_eq!(m.tools[2].operation.as_deref(), Some("DELETE /b/{id}"));
    }

    #[test]
    fn parameters_and_body_become_the_input_schema() {
        let doc = json!({"openapi":"3.1.0","info":{"title":"Pets","version":"2.0"},
          "servers":[{"url":"https://{region}.pets.example:8443/v1","variables":{"region":{"default":"EU"}}},{"url":"/relative"}],
          "paths":{"/pets/{id}":{
            "parameters":[{"name":"id","in":"path","schema":{"type":"string"}},{"name":"trace","in":"header","schema":{"type":"string"}}],
            "put":{"summary":"Replace a pet","description":"Replaces it.",
              "parameters":[{"$ref":"#/components/parameters/Dry"},{"name":"Content-Type","in":"header"},
                {"name":"trace","in":"header","required":true,"schema":{"type":"boolean"}},
                {"name":"session","in":"cookie"}],
              "requestBody":{"$ref":"#/components/requestBodies/Pet"}}}},
          "components":{
            "parameters":{"Dry":{"name":"dry_run","in":"query","description":"Only check","schema":{"type":"boolean"}}},
            "requestBodies":{"Pet":{"required":true,"content":{"text/plain":{"schema":{"type":"string"}},
              "application/json":{"schema":{"$ref":"#/components/schemas/Pet"}}}}},
            "schemas":{"Pet":{"type":"object","x-internal":true,"properties":{"name":{"type":"string"},
              "x-tag":{"type":"string"},"parent":{"$ref":"#/components/schemas/Pet"}}}}}});
        let m = read(doc);
        assert_eq!(m.format_version.as_deref(), Some("3.1.0"));
        assert_eq!(m.egress_hosts, ["eu.pets.example"]);
        let t = &m.tools[0];
        assert_eq!(t.title.as_deref(), Some("Replace a pet"));
        assert_eq!(t.description, "Replace a pet\n\nReplaces it.");
        assert_eq!(t.annotations.idempotent_hint, Some(true));
        assert_eq!(t.annotations.read_only_hint, Some(false));
        assert_eq!(t.annotations.open_world_hint, Some(true));
        let s = &t.input_schema;
        assert_eq!(s["type"], "object");
        assert_eq!(s["properties"]["id"], json!({"type":"string"}));
        assert_eq!(s["properties"]["trace"], json!({"type":"boolean"}));
        assert_eq!(
            s["properties"]["dry_run"],
            json!({"type":"boolean","description":"Only check"})
        );
        assert!(s["properties"].get("Content-Type").is_none());
        assert!(s["properties"].get("session").is_none());
        let body = &s["properties"]["body"];
        assert_eq!(body["properties"]["name"], json!({"type":"string"}));
        assert!(body.get("x-internal").is_none());
        assert_eq!(body["properties"]["x-tag"], json!({"type":"string"}));
        // The cycle is cut with a stub.
        assert_eq!(
            body["properties"]["parent"],
            json!({"$ref":"#/components/schemas/Pet"})
        );
        assert_eq!(s["required"], json!(["id", "trace", "body"]));
    }

    #[test]
    fn deep_references_are_cut() {
        let mut schemas = Map::new();
        for i in 0..10 {
            schemas.insert(
                format!("S{i}"),
                json!({"type":"object","properties":{"next":{"$ref": format!("#/components/schemas/S{}", i + 1)}}}),
            );
        }
        let doc = json!({"openapi":"3.0.0","info":{"title":"T","version":"1"},
            "paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/S0"}}}}}}},
            "components":{"schemas":schemas}});
        let m = read(doc);
        let mut s = &m.tools[0].input_schema["properties"]["body"];
        let mut depth = 0;
        while s.get("$ref").is_none() {
            s = &s["properties"]["next"];
            depth += 1;
        }
        assert_eq!(depth, MAX_REF_DEPTH);
        assert_eq!(
            s,
            &json!({"$ref": format!("#/components/schemas/S{MAX_REF_DEPTH}")})
        );
    }

    #[test]
    fn security_gives_scopes_and_secrets() {
        let doc = json!({"openapi":"3.0.1","info":{"title":"T","version":"1"},
          "security":[{"oauth":["read"]}],
          "paths":{"/a":{"get":{},"delete":{"security":[{"oauth":["write","read"]},{"key":[]}]},
                   "post":{"security":[]}}},
          "components":{"securitySchemes":{
            "oauth":{"type":"oauth2","flows":{"authorizationCode":{"authorizationUrl":"https://a","tokenUrl":"https://t",
                "scopes":{"read":"Read things","write":"Write things"}},
              "implicit":{"authorizationUrl":"https://a","scopes":{"read":"Read things"}}}},
            "key":{"type":"apiKey","in":"query","name":"api_key"},
            "basic":{"type":"http","scheme":"basic"},
            "bearer":{"type":"http","scheme":"bearer","description":"A token"},
            "oidc":{"type":"openIdConnect","openIdConnectUrl":"https://o"}}}});
        let m = read(doc);
        let scopes: Vec<(&str, Option<&str>)> = m
            .scopes
            .iter()
            .map(|s| (s.name.as_str(), s.source.as_deref()))
            .collect();
        assert_eq!(scopes, [("read", Some("oauth")), ("write", Some("oauth"))]);
        let by_op = |op: &str| {
            m.tools
                .iter()
                .find(|t| t.operation.as_deref() == Some(op))
                .unwrap()
        };
        assert_eq!(by_op("GET /a").scopes, ["read"]);
        assert_eq!(by_op("DELETE /a").scopes, ["read", "write"]);
        assert!(by_op("POST /a").scopes.is_empty());
        let secrets: Vec<(&str, SecretLocation, bool)> = m
            .secret_inputs
            .iter()
            .map(|s| (s.name.as_str(), s.location, s.required))
            .collect();
        assert_eq!(
            secrets,
            [
                ("Authorization", SecretLocation::Header, false),
                ("api_key", SecretLocation::Query, true)
            ]
        );
    }

    #[test]
    fn refusals_say_why() {
        let e = read_value(&json!({"swagger":"2.0","paths":{}})).unwrap_err();
        assert!(
            matches!(&e, IngestError::Unsupported(m) if m.contains("Swagger 2.0") && m.contains("OpenAPI 3")),
            "{e}"
        );
        let e = read_value(&json!({"openapi":"4.0.0"})).unwrap_err();
        assert!(
            matches!(&e, IngestError::Unsupported(m) if m.contains("OpenAPI 4.0.0")),
            "{e}"
        );
        let e =
            read_value(&json!({"openapi":"3.1.0","info":{"title":"x"},"paths":{}})).unwrap_err();
        assert_eq!(e.problems()[0].pointer, "/paths");
        let e = read_value(&json!({"openapi":"3.1.0","paths":{"/a":[]}})).unwrap_err();
        assert_eq!(e.problems()[0].pointer, "/paths/~1a");
        let e = read_value(&json!({"tools":[]})).unwrap_err();
        assert_eq!(e.problems()[0].pointer, "/openapi");
    }

    #[test]
    fn percent_encoded_references_resolve() {
        assert_eq!(percent_decode("/paths/~1a~1%7Bid%7D"), "/paths/~1a~1{id}");
        assert_eq!(percent_decode("100%"), "100%");
        let root = json!({"components":{"schemas":{"A B":{"type":"string"}}}});
        assert_eq!(
            lookup(&root, "#/components/schemas/A%20B"),
            Some(&json!({"type":"string"}))
        );
        assert_eq!(lookup(&root, "other.json#/x"), None);
    }
}
