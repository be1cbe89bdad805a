//! MCP registry `server.json`, validated against the official JSON Schemas.
//!
//! The schemas are copies of the ones published by the MCP registry project
//! (see `schemas/SOURCES.md`), embedded and compiled once, on first use.

use std::sync::OnceLock;

use domain::manifest::{Package, Remote, SecretInput, SecretLocation, ServerInfo};
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::util::{field, join_pointer, shorten, sorted_unique, str_field, substitute, url_host};
use crate::{IngestError, Manifest, ManifestFormat, Problem, cap_problems, parse};

/// One embedded schema.
struct SchemaDef {
    /// The version id reported in errors and in `Manifest::format_version`.
    version: &'static str,
    text: &'static str,
    /// Released schemas are tried, newest first, when a document names none.
    released: bool,
}

/// Oldest first. The legacy schema (before the dated releases) has no `$id`
/// and uses snake_case fields (`version_detail`, `registry_name`); the draft
/// is only used when a document names it in `$schema`.
const SCHEMAS: [SchemaDef; 8] = [
    SchemaDef {
        version: "pre-2025-07-09",
        text: include_str!("../schemas/server.schema.pre-2025-07-09.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-07-09",
        text: include_str!("../schemas/server.schema.2025-07-09.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-09-16",
        text: include_str!("../schemas/server.schema.2025-09-16.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-09-29",
        text: include_str!("../schemas/server.schema.2025-09-29.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-10-11",
        text: include_str!("../schemas/server.schema.2025-10-11.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-10-17",
        text: include_str!("../schemas/server.schema.2025-10-17.json"),
        released: true,
    },
    SchemaDef {
        version: "2025-12-11",
        text: include_str!("../schemas/server.schema.2025-12-11.json"),
        released: true,
    },
    SchemaDef {
        version: "draft-2026-07",
        text: include_str!("../schemas/server.schema.draft-2026-07.json"),
        released: false,
    },
];

const LEGACY: usize = 0;
/// The one release with snake_case fields.
const SNAKE_CASE: usize = 1;
/// The newest released schema.
const NEWEST: usize = 6;

const VERSIONS: [&str; 8] = [
    SCHEMAS[0].version,
    SCHEMAS[1].version,
    SCHEMAS[2].version,
    SCHEMAS[3].version,
    SCHEMAS[4].version,
    SCHEMAS[5].version,
    SCHEMAS[6].version,
    SCHEMAS[7].version,
];

/// The server.json schema versions this crate validates against, oldest
/// first: the legacy snake_case schema (`pre-2025-07-09`), the dated
/// releases, and the unreleased draft.
pub fn server_json_schema_versions() -> &'static [&'static str] {
    &VERSIONS
}

struct Compiled {
    schema: Value,
    id: Option<String>,
    validator: jsonschema::Validator,
}

static COMPILED: [OnceLock<Compiled>; 8] = [const { OnceLock::new() }; 8];

fn compiled(index: usize) -> &'static Compiled {
    COMPILED[index].get_or_init(|| {
        let def = &SCHEMAS[index];
        let schema: Value = serde_json::from_str(def.text)
            .unwrap_or_else(|e| panic!("embedded schema {} is not JSON: {e}", def.version));
        let validator = jsonschema::options()
            .build(&schema)
            .unwrap_or_else(|e| panic!("embedded schema {} does not compile: {e}", def.version));
        let id = schema
            .get("$id")
            .and_then(Value::as_str)
            .map(str::to_string);
        Compiled {
            schema,
            id,
            validator,
        }
    })
}

/// Compares schema URLs loosely: scheme (`http`/`https`), a trailing `#` and
/// surrounding blanks do not matter.
fn same_schema_url(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> &str {
        let s = s.trim().trim_end_matches('#');
        s.strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s)
    }
    norm(a).eq_ignore_ascii_case(norm(b))
}

fn schema_for_url(url: &str) -> Option<usize> {
    (0..SCHEMAS.len()).find(|&i| {
        compiled(i)
            .id
            .as_deref()
            .is_some_and(|id| same_schema_url(id, url))
    })
}

fn unsupported_schema(url: &str) -> IngestError {
    let known: Vec<String> = (0..SCHEMAS.len())
        .filter_map(|i| {
            compiled(i)
                .id
                .as_ref()
                .map(|id| format!("{} ({id})", SCHEMAS[i].version))
        })
        .collect();
    IngestError::Unsupported(format!(
        "The server.json names the schema \"{}\" in \"$schema\", which is not a server.json schema \
         Steward knows. Supported versions: {}. Use one of these URLs, or leave \"$schema\" out to \
         have the document checked against every released version.",
        shorten(url, 200),
        known.join(", ")
    ))
}

/// Does the document use the legacy snake_case shape?
fn is_legacy_shape(doc: &Value) -> bool {
    doc.get("version_detail").is_some()
        || doc
            .get("packages")
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(|p| p.get("registry_name").is_some()))
}

/// Does the document use the snake_case fields of the 2025-07-09 release
/// (`registry_type`, `website_url`)? Its problems are then reported against
/// that release rather than the newest, whose messages would be about the
/// camelCase names.
fn is_snake_case_shape(doc: &Value) -> bool {
    doc.get("website_url").is_some()
        || doc
            .get("packages")
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(|p| p.get("registry_type").is_some()))
}

pub(crate) fn read_value(doc: &Value) -> Result<Manifest, IngestError> {
    if !doc.is_object() {
        return Err(IngestError::Invalid(vec![Problem::new(
            "",
            "a server.json must be a JSON object",
        )]));
    }
    if let Some(url) = doc.get("$schema").and_then(Value::as_str) {
        let index = schema_for_url(url).ok_or_else(|| unsupported_schema(url))?;
        let problems = check(index, doc);
        return if problems.is_empty() {
            Ok(normalize(doc, index))
        } else {
            Err(schema_error(index, problems))
        };
    }
    for index in (0..SCHEMAS.len()).rev().filter(|&i| SCHEMAS[i].released) {
        if passes(index, doc) {
            return Ok(normalize(doc, index));
        }
    }
    let index = if is_legacy_shape(doc) {
        LEGACY
    } else if is_snake_case_shape(doc) {
        SNAKE_CASE
    } else {
        NEWEST
    };
    Err(schema_error(index, check(index, doc)))
}

fn schema_error(index: usize, problems: Vec<Problem>) -> IngestError {
    IngestError::Schema {
        schema: SCHEMAS[index].version.to_string(),
        problems: cap_problems(problems),
    }
}

fn passes(index: usize, doc: &Value) -> bool {
    compiled(index).validator.is_valid(doc) && extra_checks(doc).is_empty()
}

/// Every problem with the document under one schema, the extra rules included.
fn check(index: usize, doc: &Value) -> Vec<Problem> {
    let c = compiled(index);
    let mut out = Vec::new();
    for error in c.validator.iter_errors(doc) {
        explain(&error, &c.schema, &mut out);
    }
    out.extend(extra_checks(doc));
    out
}

// ---------------------------------------------------------------------------
// Rules the schemas cannot (all) express

const LATEST_MESSAGE: &str =
    "must be a specific version such as \"1.0.2\"; the floating tag \"latest\" is not allowed";

const RANGE_MESSAGE: &str = "must be a specific version; version ranges such as \"^1.2.3\", \
     \"~1.2.3\", \">=1.2.3\", \"1.x\" or \"1.*\" are not allowed";

/// Rules of the official registry that not every schema version states:
///
/// - a package version must not be `"latest"` (the released schemas say so
///   with `"not": {"const": "latest"}`; the legacy one does not);
/// - server and package versions must be specific versions, not ranges. The
///   schemas' own descriptions say "Version ranges are rejected (e.g.
///   '^1.2.3', '~1.2.3', '>=1.2.3', '1.x', '1.*')", a rule the registry
///   enforces in code, not in the schema.
fn extra_checks(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    let (version, version_at) = match doc.get("version_detail") {
        Some(d) => (d.get("version"), "/version_detail/version"),
        None => (doc.get("version"), "/version"),
    };
    if let Some(v) = version.and_then(Value::as_str)
        && is_version_range(v)
    {
        out.push(Problem::new(version_at, RANGE_MESSAGE));
    }
    if let Some(packages) = doc.get("packages").and_then(Value::as_array) {
        for (i, p) in packages.iter().enumerate() {
            let Some(v) = p.get("version").and_then(Value::as_str) else {
                continue;
            };
            let at = format!("/packages/{i}/version");
            if v.trim().eq_ignore_ascii_case("latest") {
                out.push(Problem::new(at, LATEST_MESSAGE));
            } else if is_version_range(v) {
                out.push(Problem::new(at, RANGE_MESSAGE));
            }
        }
    }
    out
}

/// `^1.2`, `~1.2.3`, `>=1`, `<2`, `=1`, `1.x`, `1.*`, `*`, `1 - 2`, `1 || 2`.
fn is_version_range(v: &str) -> bool {
    let v = v.trim();
    v.starts_with(['^', '~', '>', '<', '='])
        || v.contains("||")
        || v.contains(" - ")
        || v.split('.').any(|part| matches!(part, "x" | "X" | "*"))
}

// ---------------------------------------------------------------------------
// Turning validation errors into problems a publisher understands

fn explain(error: &ValidationError<'_>, schema: &Value, out: &mut Vec<Problem>) {
    let at = error.instance_path().as_str().to_string();
    let instance: &Value = error.instance();
    let message = match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(Problem::new(
                join_pointer(&at, name),
                format!("the required field \"{name}\" is missing"),
            ));
            return;
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                out.push(Problem::new(
                    join_pointer(&at, name),
                    format!("\"{name}\" is not a field this schema allows here"),
                ));
            }
            return;
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            explain_alternatives(&at, context, schema, out);
            return;
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the allowed forms; it must match exactly one".to_string()
        }
        ValidationErrorKind::Type { .. } => {
            let expected = keyword_schema(error, schema)
                .and_then(|s| s.get("type"))
                .map(describe_types)
                .unwrap_or_else(|| "another type".into());
            format!("must be {expected}, not {}", describe_value_type(instance))
        }
        ValidationErrorKind::MinLength { limit } => {
            if *limit <= 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {limit} characters long")
            }
        }
        ValidationErrorKind::MaxLength { limit } => format!(
            "is {} characters long; at most {limit} are allowed",
            instance.as_str().map_or(0, |s| s.chars().count())
        ),
        ValidationErrorKind::Pattern { pattern } => {
            let mut m = format!(
                "\"{}\" does not match the required pattern {pattern}",
                shorten(instance.as_str().unwrap_or_default(), 80)
            );
            if let Some(d) = keyword_schema(error, schema).and_then(|s| str_field(s, "description"))
            {
                m.push_str(&format!(" ({d})"));
            }
            m
        }
        ValidationErrorKind::Enum { options } => format!(
            "must be one of {}, not {}",
            list_values(options.as_array().map(Vec::as_slice).unwrap_or_default()),
            shorten(&instance.to_string(), 80)
        ),
        ValidationErrorKind::Constant { expected_value } => {
            format!("must be {}", shorten(&expected_value.to_string(), 80))
        }
        ValidationErrorKind::Not { schema: not } => match not.get("const") {
            Some(Value::String(s)) if s == "latest" => LATEST_MESSAGE.to_string(),
            Some(c) => format!("must not be {}", shorten(&c.to_string(), 80)),
            None => "has a form this schema does not allow here".to_string(),
        },
        ValidationErrorKind::Format { format } => format!(
            "{} is not a valid {}",
            shorten(&instance.to_string(), 120),
            match format.as_str() {
                "uri" => "absolute URL (URI)",
                "date-time" => "date and time (RFC 3339, e.g. 2025-05-16T18:56:49Z)",
                other => other,
            }
        ),
        _ => error.masked().to_string(),
    };
    out.push(Problem::new(at, message));
}

/// The schema object holding the keyword that failed.
fn keyword_schema<'s>(error: &ValidationError<'_>, schema: &'s Value) -> Option<&'s Value> {
    let path = error.schema_path().as_str();
    let parent = &path[..path.rfind('/')?];
    schema.pointer(parent)
}

/// For `anyOf`/`oneOf`: explains the alternative the document most likely
/// meant. Alternatives whose `type` discriminator (`"type": "stdio"`, …) or
/// JSON type does not match are set aside; of the rest, the one with the
/// fewest errors is explained. When only required fields are missing in every
/// alternative, the message lists the choices ("must have \"valueHint\" or
/// \"value\"").
fn explain_alternatives(
    at: &str,
    context: &[Vec<ValidationError<'static>>],
    schema: &Value,
    out: &mut Vec<Problem>,
) {
    let only_required = !context.is_empty()
        && context.iter().all(|branch| {
            !branch.is_empty()
                && branch.iter().all(|e| {
                    e.instance_path().as_str() == at
                        && matches!(e.kind(), ValidationErrorKind::Required { .. })
                })
        });
    if only_required {
        let choices: Vec<String> = context
            .iter()
            .map(|branch| {
                branch
                    .iter()
                    .filter_map(|e| match e.kind() {
                        ValidationErrorKind::Required { property } => {
                            Some(format!("\"{}\"", property.as_str().unwrap_or_default()))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        out.push(Problem::new(
            at,
            format!("must have {}", choices.join(" or ")),
        ));
        return;
    }

    let type_path = join_pointer(at, "type");
    let mismatched = |e: &ValidationError<'static>| {
        let p = e.instance_path().as_str();
        (p == type_path
            && matches!(
                e.kind(),
                ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. }
            ))
            || (p == at && matches!(e.kind(), ValidationErrorKind::Type { .. }))
    };
    let best = context
        .iter()
        .filter(|branch| !branch.iter().any(mismatched))
        .min_by_key(|branch| branch.len());
    if let Some(branch) = best {
        for e in branch {
            explain(e, schema, out);
        }
        return;
    }

    // No alternative fits: say which discriminator values would.
    let mut allowed = Vec::new();
    for e in context.iter().flatten() {
        if e.instance_path().as_str() != type_path {
            continue;
        }
        match e.kind() {
            ValidationErrorKind::Enum { options } => {
                allowed.extend(options.as_array().into_iter().flatten().cloned())
            }
            ValidationErrorKind::Constant { expected_value } => {
                allowed.push(expected_value.as_ref().clone())
            }
            _ => {}
        }
    }
    allowed.dedup();
    let wrong_type = context.iter().flatten().find(|e| {
        e.instance_path().as_str() == at && matches!(e.kind(), ValidationErrorKind::Type { .. })
    });
    if let (true, Some(e)) = (allowed.is_empty(), wrong_type) {
        explain(e, schema, out);
    } else if allowed.is_empty() {
        out.push(Problem::new(
            at,
            "does not match any of the allowed forms for this field",
        ));
    } else {
        out.push(Problem::new(
            type_path,
            format!("must be one of {}", list_values(&allowed)),
        ));
    }
}

fn list_values(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(|v| shorten(&v.to_string(), 60)).collect();
    items.join(", ")
}

fn describe_types(t: &Value) -> String {
    fn one(t: &str) -> String {
        match t {
            "object" => "an object".into(),
            "array" => "an array".into(),
            "integer" => "an integer".into(),
            "null" => "null".into(),
            other => format!("a {other}"),
        }
    }
    match t {
        Value::String(s) => one(s),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(one)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "another type".into(),
    }
}

fn describe_value_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------
// Normalizing a valid document

/// Secret-looking names for the legacy format: an environment variable of a
/// legacy (`pre-2025-07-09`) server.json that does not say `is_secret` is
/// taken as a secret when its name contains one of these words
/// (case-insensitive). The legacy seed data never sets `is_secret`, yet its
/// `..._API_KEY` variables are plainly credentials.
const SECRET_WORDS: [&str; 5] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"];

fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

fn flag(v: &Value, camel: &str, snake: &str) -> Option<bool> {
    field(v, &[camel, snake]).and_then(Value::as_bool)
}

/// Reads a validated server.json (any schema version) into the model.
///
/// - `server`: name, title, description, version (`version` or
///   `version_detail.version`), website (`websiteUrl`/`website_url`),
///   repository (`repository.url`);
/// - `packages`: registry type (`registryType`/`registry_type`/
///   `registry_name`), identifier (`identifier`/`name`), version, transport type;
/// - `remotes`: transport type (legacy `streamable` is `streamable-http`) and
///   URL as declared (a template stays a template);
/// - `secret_inputs`: package environment variables (Env), package and runtime
///   arguments (Argument) and remote headers (Header) marked `isSecret`, or
///   whose `variables` include one marked `isSecret`; secret variables of a
///   remote URL template are Query (they travel in the URL). For the legacy
///   format, see [`SECRET_WORDS`];
/// - `egress_hosts`: the hosts of the remotes' URLs, template variables
///   replaced by their `default` (or `value`); a host that stays a template
///   is left out;
/// - no tools: a server.json does not list them.
fn normalize(doc: &Value, index: usize) -> Manifest {
    let legacy = index == LEGACY;
    let text = |v: &Value, keys: &[&str]| {
        field(v, keys)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let server = ServerInfo {
        name: text(doc, &["name"]).unwrap_or_default(),
        title: text(doc, &["title"]),
        description: text(doc, &["description"]),
        version: text(doc, &["version"]).or_else(|| {
            doc.get("version_detail")
                .and_then(|d| text(d, &["version"]))
        }),
        website_url: text(doc, &["websiteUrl", "website_url"]),
        repository_url: doc.get("repository").and_then(|r| text(r, &["url"])),
    };

    let mut secrets = Secrets::default();
    let mut packages = Vec::new();
    for p in doc
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        packages.push(Package {
            registry_type: text(p, &["registryType", "registry_type", "registry_name"])
                .unwrap_or_default(),
            identifier: text(p, &["identifier", "name"]).unwrap_or_default(),
            version: text(p, &["version"]),
            transport: p.get("transport").and_then(|t| text(t, &["type"])),
        });
        let envs = field(p, &["environmentVariables", "environment_variables"]);
        for env in envs.and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = text(env, &["name"]) else {
                continue;
            };
            let declared = flag(env, "isSecret", "is_secret");
            let secret = match declared {
                Some(s) => s,
                None => legacy && looks_secret(&name),
            };
            secrets.input(env, name, SecretLocation::Env, secret);
        }
        for key in [
            ["packageArguments", "package_arguments"],
            ["runtimeArguments", "runtime_arguments"],
        ] {
            let args = field(p, &key).and_then(Value::as_array);
            for (i, arg) in args.into_iter().flatten().enumerate() {
                let name = text(arg, &["name", "valueHint", "value_hint"])
                    .unwrap_or_else(|| format!("argument #{}", i + 1));
                let secret = flag(arg, "isSecret", "is_secret") == Some(true);
                secrets.input(arg, name, SecretLocation::Argument, secret);
            }
        }
    }

    let mut remotes = Vec::new();
    let mut hosts = Vec::new();
    for r in doc
        .get("remotes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let transport = match text(r, &["type", "transport_type"]).as_deref() {
            Some("streamable") => "streamable-http".to_string(),
            Some(t) => t.to_string(),
            None => String::new(),
        };
        let url = text(r, &["url"]).unwrap_or_default();
        let variables = r.get("variables");
        let resolved = substitute(&url, |name| {
            let var = variables?.get(name)?;
            text(var, &["default", "value"])
        });
        hosts.extend(url_host(&resolved));
        for header in r
            .get("headers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = text(header, &["name"]) {
                let secret = flag(header, "isSecret", "is_secret") == Some(true);
                secrets.input(header, name, SecretLocation::Header, secret);
            }
        }
        if let Some(vars) = variables.and_then(Value::as_object) {
            for (name, var) in crate::util::sorted(vars) {
                if flag(var, "isSecret", "is_secret") == Some(true) {
                    secrets.push(name.clone(), SecretLocation::Query, var);
                }
            }
        }
        remotes.push(Remote { transport, url });
    }

    Manifest {
        format: ManifestFormat::McpServerJson,
        format_version: Some(SCHEMAS[index].version.to_string()),
        server: Some(server),
        tools: Vec::new(),
        scopes: Vec::new(),
        egress_hosts: sorted_unique(hosts),
        secret_inputs: secrets.0,
        packages,
        remotes,
    }
}

#[derive(Default)]
struct Secrets(Vec<SecretInput>);

impl Secrets {
    /// An input (env var, argument, header) that is secret itself or through
    /// one of its `variables`.
    fn input(&mut self, input: &Value, name: String, location: SecretLocation, secret: bool) {
        if secret {
            self.push(name, location, input);
            return;
        }
        let vars = input.get("variables").and_then(Value::as_object);
        if let Some((var_name, var)) = vars
            .into_iter()
            .flat_map(|m| m.iter())
            .find(|(_, v)| flag(v, "isSecret", "is_secret") == Some(true))
        {
            // `-e GITHUB_TOKEN={token}` is the secret GITHUB_TOKEN, not `-e`.
            let value = str_field(input, "value").unwrap_or_default();
            let placeholder = format!("{{{var_name}}}");
            let name = match value.split_once('=') {
                Some((key, rest)) if rest.contains(&placeholder) && !key.trim().is_empty() => {
                    key.trim().to_string()
                }
                _ if name.starts_with('-') || name.starts_with("argument #") => var_name.clone(),
                _ => name,
            };
            let mut decl = var.clone();
            if str_field(&decl, "description").is_none()
                && let (Some(d), Some(o)) = (str_field(input, "description"), decl.as_object_mut())
            {
                o.insert("description".into(), Value::String(d.to_string()));
            }
            self.push(name, location, &decl);
        }
    }

    fn push(&mut self, name: String, location: SecretLocation, decl: &Value) {
        if self
            .0
            .iter()
            .any(|s| s.name == name && s.location == location)
        {
            return;
        }
        self.0.push(SecretInput {
            name,
            location,
            description: str_field(decl, "description").map(str::to_string),
            required: flag(decl, "isRequired", "is_required").unwrap_or(false),
        });
    }
}

// ---------------------------------------------------------------------------
// Registry exports

/// One entry of an MCP registry export.
#[derive(Clone, Debug)]
pub struct RegistryEntry {
    /// Position in the export (0-based).
    pub index: usize,
    /// The entry's `name`, when it has one.
    pub name: Option<String>,
    /// Its `version` (or legacy `version_detail.version`).
    pub version: Option<String>,
    /// The entry as it is in the export (for a registry API response item,
    /// the inner `server` object).
    pub raw: Value,
    /// The entry read on its own; problem pointers are relative to the entry.
    pub result: Result<Manifest, IngestError>,
}

/// Reads an MCP registry export: a JSON (or YAML) array of server.json
/// entries, in the legacy snake_case seed format or the current camelCase
/// one, a registry API list response (`{"servers": [{"server": {...}}, ...]}`),
/// or a single server.json object (one entry).
///
/// Each entry is validated and normalized on its own (as by
/// [`crate::read_server_json`]); only a file that is unreadable, or neither an
/// array nor an object, is an error.
pub fn read_registry_export(bytes: &[u8]) -> Result<Vec<RegistryEntry>, IngestError> {
    let doc = parse::parse_document(bytes)?;
    let items: Vec<&Value> = match &doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) => match o.get("servers") {
            Some(Value::Array(items)) if !o.contains_key("name") => items.iter().collect(),
            _ => vec![&doc],
        },
        _ => {
            return Err(IngestError::Invalid(vec![Problem::new(
                "",
                "a registry export must be a JSON array of server.json entries, or one server.json object",
            )]));
        }
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            // A registry API item wraps the server.json in "server".
            let entry = match item.get("server") {
                Some(inner @ Value::Object(_)) if item.get("name").is_none() => inner,
                _ => item,
            };
            let version = str_field(entry, "version")
                .or_else(|| {
                    entry
                        .get("version_detail")
                        .and_then(|d| str_field(d, "version"))
                })
                .map(str::to_string);
            RegistryEntry {
                index,
                name: str_field(entry, "name").map(str::to_string),
                version,
                raw: entry.clone(),
                result: read_value(entry),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S1211: &str =
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

    fn schema_problems(doc: Value) -> (String, Vec<Problem>) {
        match read_value(&doc) {
            Err(IngestError::Schema { schema, problems }) => (schema, problems),
            other => panic!("expected a schema error, got {other:?}"),
        }
    }

    #[test]
    fn every_schema_compiles_and_has_an_id_but_the_legacy_one() {
        for (i, def) in SCHEMAS.iter().enumerate() {
            let c = compiled(i);
            assert_eq!(c.id.is_none(), i == LEGACY, "{}", def.version);
        }
        assert_eq!(server_json_schema_versions().len(), SCHEMAS.len());
        assert_eq!(SCHEMAS[NEWEST].version, "2025-12-11");
        assert!(SCHEMAS[NEWEST].released && !SCHEMAS[NEWEST + 1].released);
    }

    #[test]
    fn the_schema_url_picks_the_schema() {
        let m = read_value(
            &json!({"$schema": S1211, "name":"io.github.a/b","description":"d","version":"1.0.0"}),
        )
        .unwrap();
        assert_eq!(m.format_version.as_deref(), Some("2025-12-11"));
        let http = S1211.replace("https://", "http://");
        assert_eq!(schema_for_url(&http), Some(NEWEST));
        let draft = compiled(7).id.clone().unwrap();
        let m = read_value(&json!({"$schema": draft, "name":"io.github.a/b","description":"d","version":"1.0.0",
            "packages":[{"registryType":"cargo","identifier":"x","version":"1.0.0","transport":{"type":"stdio"}}]}))
        .unwrap();
        assert_eq!(m.format_version.as_deref(), Some("draft-2026-07"));
    }

    #[test]
    fn an_unknown_schema_url_is_unsupported_and_lists_the_known_ones() {
        let e =
            read_value(&json!({"$schema":"https://example.com/s.json","name":"a/b"})).unwrap_err();
        let IngestError::Unsupported(m) = &e else {
            panic!("{e:?}")
        };
        assert!(m.contains("https://example.com/s.json"), "{m}");
        assert!(m.contains("2025-12-11 (https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json)"), "{m}");
        assert!(m.contains("2025-07-09"), "{m}");
    }

    #[test]
    fn without_schema_the_newest_passing_release_is_used() {
        // snake_case 2025-07-09 shape: only that release accepts `registry_type`
        // with `additionalProperties: false` packages.
        let doc = json!({"name":"io.github.a/b","description":"d","version":"1.0.0",
            "packages":[{"registry_type":"npm","identifier":"x","version":"1.0.0","transport":{"type":"stdio"}}]});
        let m = read_value(&doc).unwrap();
        assert_eq!(m.format_version.as_deref(), Some("2025-07-09"));
        assert_eq!(m.packages[0].registry_type, "npm");
        let mut bad = doc.clone();
        bad["packages"][0]["version"] = json!("latest");
        let (schema, problems) = schema_problems(bad);
        assert_eq!(schema, "2025-07-09");
        assert_eq!(
            problems,
            [Problem::new("/packages/0/version", LATEST_MESSAGE)]
        );
        let m = read_value(&json!({"name":"io.github.a/b","description":"d","version":"1.0.0"}))
            .unwrap();
        assert_eq!(m.format_version.as_deref(), Some("2025-12-11"));
    }

    #[test]
    fn legacy_documents_are_checked_against_the_legacy_schema() {
        let doc = json!({"name":"io.github.a/b","description":"d",
            "version_detail":{"version":"0.1.0","release_date":"2025-05-16T18:56:49Z"},
            "packages":[{"registry_name":"npm","name":"@a/b","version":"0.1.0",
              "environment_variables":[{"name":"OPENAI_API_KEY","description":"key"},{"name":"LOG_LEVEL"},
                {"name":"PLAIN_TOKEN_NOT","is_secret":false}]}],
            "remotes":[{"transport_type":"streamable","url":"https://MCP.example.com:8443/mcp"}]});
        let m = read_value(&doc).unwrap();
        assert_eq!(m.format_version.as_deref(), Some("pre-2025-07-09"));
        assert_eq!(m.server.as_ref().unwrap().version.as_deref(), Some("0.1.0"));
        assert_eq!(m.packages[0].identifier, "@a/b");
        assert_eq!(m.packages[0].transport, None);
        let names: Vec<&str> = m.secret_inputs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["OPENAI_API_KEY"]);
        assert_eq!(m.remotes[0].transport, "streamable-http");
        assert_eq!(m.egress_hosts, ["mcp.example.com"]);

        let mut bad = doc.clone();
        bad["packages"][0]["registry_name"] = json!("unknown");
        let (schema, problems) = schema_problems(bad);
        assert_eq!(schema, "pre-2025-07-09");
        assert_eq!(problems[0].pointer, "/packages/0/registry_name");
        assert!(
            problems[0]
                .message
                .contains("\"npm\", \"docker\", \"pypi\", \"homebrew\""),
            "{problems:?}"
        );
    }

    #[test]
    fn secrets_come_from_env_arguments_headers_and_variables() {
        let doc = json!({"$schema": S1211, "name":"io.github.a/b","description":"d","version":"1.0.0",
            "packages":[{"registryType":"npm","identifier":"x","version":"1.0.0","transport":{"type":"stdio"},
              "environmentVariables":[{"name":"API_KEY","isSecret":true,"isRequired":true,"description":"the key"},
                {"name":"OTHER_KEY"},
                {"name":"AUTH","value":"Bearer {tok}","variables":{"tok":{"isSecret":true}}}],
              "packageArguments":[{"type":"named","name":"--token","isSecret":true},
                {"type":"positional","valueHint":"path"}]}],
            "remotes":[{"type":"sse","url":"https://{region}.example.com/sse?k={key}",
              "headers":[{"name":"X-Api-Key","isSecret":true},{"name":"X-Trace"}],
              "variables":{"region":{"default":"EU"},"key":{"isSecret":true}}},
              {"type":"streamable-http","url":"https://{tenant}.example.org/mcp","variables":{"tenant":{}}}]});
        let m = read_value(&doc).unwrap();
        let got: Vec<(String, SecretLocation, bool)> = m
            .secret_inputs
            .iter()
            .map(|s| (s.name.clone(), s.location, s.required))
            .collect();
        assert_eq!(
            got,
            [
                ("API_KEY".into(), SecretLocation::Env, true),
                ("AUTH".into(), SecretLocation::Env, false),
                ("--token".into(), SecretLocation::Argument, false),
                ("X-Api-Key".into(), SecretLocation::Header, false),
                ("key".into(), SecretLocation::Query, false),
            ]
        );
        assert_eq!(m.secret_inputs[0].description.as_deref(), Some("the key"));
        assert_eq!(m.egress_hosts, ["eu.example.com"]);
        assert_eq!(m.remotes[1].url, "https://{tenant}.example.org/mcp");
        assert!(m.tools.is_empty());
    }

    #[test]
    fn ranges_and_latest_are_refused_even_where_the_schema_allows_them() {
        let doc = json!({"name":"io.github.a/b","description":"d","version":"^1.0.0",
            "packages":[{"registryType":"npm","identifier":"x","version":"1.x","transport":{"type":"stdio"}}]});
        let (schema, problems) = schema_problems(doc);
        assert_eq!(schema, "2025-12-11");
        assert!(
            problems
                .iter()
                .any(|p| p.pointer == "/version" && p.message.contains("version ranges"))
        );
        assert!(problems.iter().any(|p| p.pointer == "/packages/0/version" && p.message.contains("version ranges")));
        // The legacy schema has no "latest" rule; the extra check has.
        let legacy = json!({"name":"a","description":"d",
            "version_detail":{"version":"1.0.0","release_date":"2025-05-16T18:56:49Z"},
            "packages":[{"registry_name":"npm","name":"x","version":"latest"}]});
        let (schema, problems) = schema_problems(legacy);
        assert_eq!(schema, "pre-2025-07-09");
        assert_eq!(
            problems,
            [Problem::new("/packages/0/version", LATEST_MESSAGE)]
        );
        assert!(!is_version_range("2.1.0-alpha"));
        assert!(!is_version_range("0.0.1-seed"));
        for r in ["~1.2.3", ">=1.2.3", "1.*", "*", "1 - 2", "1 || 2"] {
            assert!(is_version_range(r), "{r}");
        }
    }

    #[test]
    fn messages_explain_alternatives() {
        let base = |remote: Value| json!({"$schema": S1211, "name":"io.github.a/b","description":"d","version":"1.0.0","remotes":[remote]});
        let (_, p) = schema_problems(base(json!({"type":"http","url":"https://a.example"})));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].pointer, "/remotes/0/type");
        assert!(
            p[0].message.contains("\"streamable-http\", \"sse\""),
            "{p:?}"
        );
        let (_, p) = schema_problems(base(json!({"type":"sse"})));
        assert_eq!(
            p,
            [Problem::new(
                "/remotes/0/url",
                "the required field \"url\" is missing"
            )]
        );
        let (_, p) = schema_problems(base(json!({"type":"sse","url":"ftp://x"})));
        assert_eq!(p[0].pointer, "/remotes/0/url");
        assert!(
            p[0].message.contains("does not match the required pattern"),
            "{p:?}"
        );
        let (_, p) = schema_problems(base(json!("https://a.example")));
        assert_eq!(p[0].pointer, "/remotes/0");
        assert!(
            p[0].message.contains("must be an object, not a string"),
            "{p:?}"
        );
    }

    #[test]
    fn formats_are_checked() {
        let (_, p) = schema_problems(
            json!({"$schema": S1211, "name":"io.github.a/b","description":"d",
            "version":"1.0.0","websiteUrl":"example.com"}),
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].pointer, "/websiteUrl");
        assert!(
            p[0].message.contains("is not a valid absolute URL"),
            "{p:?}"
        );
    }

    #[test]
    fn a_registry_export_reads_entry_by_entry() {
        let export = json!([
            {"name":"io.github.a/b","description":"d","version":"1.0.0"},
            {"name":"bad name","description":"d","version":"1.0.0"},
            7
        ]);
        let entries = read_registry_export(export.to_string().as_bytes()).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(entries[0].result.is_ok());
        assert_eq!(entries[1].name.as_deref(), Some("bad name"));
        assert!(
            entries[1]
                .result
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("/name")
        );
        assert!(entries[2].result.is_err());
        let api = json!({"servers":[{"server":{"name":"io.github.a/b","description":"d","version":"2.0.0"},
            "_meta":{"io.modelcontextprotocol.registry/official":{"isLatest":true}}}],"metadata":{"count":1}});
        let entries = read_registry_export(api.to_string().as_bytes()).unwrap();
        assert_eq!(entries[0].version.as_deref(), Some("2.0.0"));
        assert!(entries[0].result.is_ok());
        assert!(matches!(
            read_registry_export(b"\"x\""),
            Err(IngestError::NotJsonOrYaml(_))
        ));
        assert!(matches!(
            read_registry_export(b"{"),
            Err(IngestError::NotJsonOrYaml(_))
        ));
    }
}
