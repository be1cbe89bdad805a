//! Reads the shared corpus of real manifests: MCP registry schemas' examples
//! and seed exports, live tools/list answers, GitHub MCP tool snapshots, and
//! public OpenAPI documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use domain::manifest::SecretLocation;
use ingest::{IngestError, Manifest, ManifestFormat, Problem};
use serde_json::{Value, json};

/// The corpus: `$STEWARD_CORPUS`, else `shared/corpus` beside the repository,
/// else `/work/shared/corpus`. Missing, the tests fail (they never skip).
fn corpus() -> PathBuf {
    if let Ok(dir) = std::env::var("STEWARD_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "STEWARD_CORPUS={} is not a directory",
            dir.display()
        );
        return dir;
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/corpus");
    if beside.is_dir() {
        return beside;
    }
    let fixed = PathBuf::from("/work/shared/corpus");
    if fixed.is_dir() {
        return fixed;
    }
    panic!(
        "the test corpus was not found: set STEWARD_CORPUS, or put it at {} or /work/shared/corpus",
        beside.display()
    );
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = corpus().join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no .{ext} files in {}", dir.display());
    out
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn problem_at<'a>(e: &'a IngestError, pointer: &str) -> &'a Problem {
    e.problems()
        .iter()
        .find(|p| p.pointer == pointer)
        .unwrap_or_else(|| panic!("no problem at {pointer:?} in: {e}"))
}

// ---------------------------------------------------------------------------
// server.json

#[test]
fn official_valid_examples_are_read() {
    let mut seen = BTreeMap::new();
    for path in files("mcp-registry/examples-2025-12-11/valid", "json") {
        let b = bytes(&path);
        assert_eq!(
            ingest::detect(&b),
            Ok(ManifestFormat::McpServerJson),
            "{path:?}"
        );
        let m = ingest::read_server_json(&b).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert_eq!(m, ingest::read(&b, None).unwrap());
        assert_eq!(m.format, ManifestFormat::McpServerJson);
        assert_eq!(m.format_version.as_deref(), Some("2025-12-11"));
        assert!(m.tools.is_empty(), "a server.json lists no tools");
        seen.insert(file_name(&path), m);
    }
    assert_eq!(seen.len(), 3, "{:?}", seen.keys());

    let minimal = &seen["minimal.json"];
    let server = minimal.server.as_ref().unwrap();
    assert_eq!(server.name, "io.github.user/weather");
    assert_eq!(server.version.as_deref(), Some("1.0.2"));
    assert!(minimal.packages.is_empty() && minimal.remotes.is_empty());

    let package = &seen["with-package.json"];
    assert_eq!(package.packages.len(), 1);
    let p = &package.packages[0];
    assert_eq!(
        (
            p.registry_type.as_str(),
            p.identifier.as_str(),
            p.version.as_deref(),
            p.transport.as_deref()
        ),
        (
            "npm",
            "@modelcontextprotocol/server-weather",
            Some("1.0.0"),
            Some("stdio")
        )
    );
    assert_eq!(package.secret_inputs.len(), 1);
    let s = &package.secret_inputs[0];
    assert_eq!(
        (s.name.as_str(), s.location, s.required),
        ("API_KEY", SecretLocation::Env, true)
    );
    assert!(package.egress_hosts.is_empty());

    let remote = &seen["with-remote.json"];
    let server = remote.server.as_ref().unwrap();
    assert_eq!(server.title.as_deref(), Some("Remote Weather"));
    assert_eq!(
        server.website_url.as_deref(),
        Some("https://modelcontextprotocol.io/examples")
    );
    assert_eq!(
        server.repository_url.as_deref(),
        Some("https://github.com/modelcontextprotocol/servers")
    );
    assert_eq!(remote.remotes.len(), 1);
    assert_eq!(remote.remotes[0].transport, "streamable-http");
    assert_eq!(remote.remotes[0].url, "https://{host}/mcp");
    // `{host}` is replaced by its default.
    assert_eq!(remote.egress_hosts, ["api.example.com"]);
    let s = &remote.secret_inputs[0];
    assert_eq!(
        (s.name.as_str(), s.location, s.required),
        ("Authorization", SecretLocation::Header, true)
    );
}

#[test]
fn official_invalid_examples_are_rejected_with_their_reason() {
    let mut checked = 0;
    for path in files("mcp-registry/examples-2025-12-11/invalid", "json") {
        let name = file_name(&path);
        let e = ingest::read_server_json(&bytes(&path)).expect_err(&name);
        let IngestError::Schema { schema, .. } = &e else {
            panic!("{name}: expected a schema error, got {e:?}");
        };
        // No `$schema` in these: reported against the newest release.
        assert_eq!(schema, "2025-12-11", "{name}");
        let text = e.to_string();
        println!("{name}: {text}");
        assert!(text.starts_with("The server.json does not follow the official MCP server.json schema (version 2025-12-11): "));
        match name.as_str() {
            "bad-name-pattern.json" => {
                let p = problem_at(&e, "/name");
                assert!(
                    p.message
                        .contains("\"no-namespace-separator\" does not match the required pattern"),
                    "{p}"
                );
                assert!(p.message.contains("exactly one forward slash"), "{p}");
            }
            "description-too-long.json" => {
                let p = problem_at(&e, "/description");
                assert!(p.message.contains("at most 100"), "{p}");
                let raw: Value = serde_json::from_slice(&bytes(&path)).unwrap();
                let length = raw["description"].as_str().unwrap().chars().count();
                assert!(
                    p.message.contains(&format!("is {length} characters long")),
                    "{p}"
                );
            }
            "missing-name.json" => {
                let p = problem_at(&e, "/name");
                assert_eq!(p.message, "the required field \"name\" is missing");
            }
            "package-version-latest.json" => {
                let p = problem_at(&e, "/packages/0/version");
                assert!(p.message.contains("\"latest\" is not allowed"), "{p}");
            }
            "positional-argument-missing-value.json" => {
                let p = problem_at(&e, "/packages/0/packageArguments/0");
                assert_eq!(p.message, "must have \"valueHint\" or \"value\"");
            }
            other => panic!("no expectation for the invalid example {other}"),
        }
        // Each example has exactly the one fault it is named for.
        assert_eq!(e.problems().len(), 1, "{name}: {e}");
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn an_explicit_schema_url_is_honoured() {
    let path = corpus().join("mcp-registry/examples-2025-12-11/invalid/description-too-long.json");
    let mut doc: Value = serde_json::from_slice(&bytes(&path)).unwrap();
    doc["$schema"] =
        json!("https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json");
    let e = ingest::read_server_json(doc.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(&e, IngestError::Schema { schema, .. } if schema == "2025-09-29"),
        "{e}"
    );
    doc["$schema"] =
        json!("https://static.modelcontextprotocol.io/schemas/1999-01-01/server.schema.json");
    let e = ingest::read_server_json(doc.to_string().as_bytes()).unwrap_err();
    let IngestError::Unsupported(m) = &e else {
        panic!("{e:?}")
    };
    for v in [
        "2025-07-09",
        "2025-09-16",
        "2025-09-29",
        "2025-10-11",
        "2025-10-17",
        "2025-12-11",
    ] {
        assert!(m.contains(v), "{m}");
    }
}

// ---------------------------------------------------------------------------
// Registry exports

/// Counts rejected entries by their first problem's kind of message.
fn rejection_reasons(entries: &[ingest::RegistryEntry]) -> BTreeMap<String, usize> {
    let mut reasons = BTreeMap::new();
    for entry in entries {
        if let Err(e) = &entry.result {
            let first = e.problems().first().map_or_else(
                || e.to_string(),
                |p| {
                    // "/packages/3/registry_name" → "/packages/*/registry_name"
                    let pointer: Vec<String> = p
                        .pointer
                        .split('/')
                        .map(|s| {
                            if s.parse::<usize>().is_ok() {
                                "*".into()
                            } else {
                                s.to_string()
                            }
                        })
                        .collect();
                    let message: String = p.message.chars().take(60).collect();
                    format!("{} {message}", pointer.join("/"))
                },
            );
            *reasons.entry(first).or_default() += 1;
        }
    }
    reasons
}

/// Entries of the legacy seed that break the legacy schema: 302 name the
/// placeholder registry "unknown" (the schema allows npm, docker, pypi,
/// homebrew), 7 are blank (empty name, repository source ""), 2 have a
/// positional argument with a `value` but no `value_hint`; one entry has two
/// of these faults.
const REJECTED_LEGACY: usize = 310;
/// Entries of the 2025-09-29 seed whose description breaks the schema's
/// 1–100 characters: 65 are empty, 78 are longer.
const REJECTED_2025_09_29: usize = 143;

fn entries_with_problem(
    entries: &[ingest::RegistryEntry],
    test: impl Fn(&Problem) -> bool,
) -> usize {
    entries
        .iter()
        .filter(|e| {
            e.result
                .as_ref()
                .is_err_and(|err| err.problems().iter().any(&test))
        })
        .count()
}

fn check_export(path: &str, expect_entries: usize) -> Vec<ingest::RegistryEntry> {
    let path = corpus().join(path);
    let entries = ingest::read_registry_export(&bytes(&path)).unwrap();
    assert_eq!(entries.len(), expect_entries);
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry.index, i);
        let raw_name = entry.raw["name"].as_str().unwrap_or_default().trim();
        assert_eq!(
            entry.name.as_deref(),
            Some(raw_name).filter(|n| !n.is_empty()),
            "entry {i}"
        );
        match &entry.result {
            Ok(m) => {
                assert_eq!(m.format, ManifestFormat::McpServerJson);
                assert_eq!(m.server.as_ref().unwrap().name, raw_name);
            }
            Err(e) => {
                assert!(!e.to_string().trim().is_empty());
                assert!(!e.problems().is_empty(), "entry {i}: {e}");
            }
        }
    }
    let reasons = rejection_reasons(&entries);
    println!(
        "{}: {} entries, {} rejected; first problems: {reasons:#?}",
        path.display(),
        entries.len(),
        entries.iter().filter(|e| e.result.is_err()).count()
    );
    entries
}

#[test]
fn the_legacy_seed_export_is_read_entry_by_entry() {
    let entries = check_export("mcp-registry/seed/seed_2025_05_16.json", 471);
    let rejected: Vec<_> = entries.iter().filter(|e| e.result.is_err()).collect();
    assert_eq!(rejected.len(), REJECTED_LEGACY);
    for e in &rejected {
        let err = e.result.as_ref().unwrap_err();
        assert!(
            matches!(err, IngestError::Schema { schema, .. } if schema == "pre-2025-07-09"),
            "{err}"
        );
    }
    let unknown_registry = entries_with_problem(&entries, |p| {
        p.pointer.ends_with("/registry_name") && p.message.ends_with("not \"unknown\"")
    });
    assert_eq!(unknown_registry, 302);
    let blank = entries
        .iter()
        .filter(|e| e.name.is_none() && e.result.is_err())
        .count();
    assert_eq!(blank, 7);
    let no_value_hint = entries_with_problem(&entries, |p| p.pointer.ends_with("/value_hint"));
    assert_eq!(no_value_hint, 2);
    for e in entries.iter().filter_map(|e| e.result.as_ref().ok()) {
        assert_eq!(e.format_version.as_deref(), Some("pre-2025-07-09"));
    }
    // The legacy format has no isSecret: credential-looking names count.
    let magic = entries
        .iter()
        .find(|e| e.name.as_deref() == Some("io.github.21st-dev/magic-mcp"))
        .unwrap();
    let m = magic.result.as_ref().unwrap();
    assert_eq!(m.packages[0].registry_type, "npm");
    assert_eq!(m.secret_inputs[0].name, "API_KEY");
    assert_eq!(m.secret_inputs[0].location, SecretLocation::Env);
}

#[test]
fn the_2025_09_29_seed_export_is_read_entry_by_entry() {
    let entries = check_export("mcp-registry/seed/seed_2025-09-29-format.json", 358);
    let rejected: Vec<_> = entries.iter().filter(|e| e.result.is_err()).collect();
    assert_eq!(rejected.len(), REJECTED_2025_09_29);
    for e in &rejected {
        let err = e.result.as_ref().unwrap_err();
        assert!(
            matches!(err, IngestError::Schema { schema, .. } if schema == "2025-12-11"),
            "{err}"
        );
        assert!(
            err.problems().iter().all(|p| p.pointer == "/description"),
            "{err}"
        );
    }
    let empty = entries_with_problem(&entries, |p| p.message == "must not be empty");
    let long = entries_with_problem(&entries, |p| p.message.ends_with("at most 100 are allowed"));
    assert_eq!((empty, long), (65, 78));
    let accepted: Vec<&Manifest> = entries
        .iter()
        .filter_map(|e| e.result.as_ref().ok())
        .collect();
    assert!(
        accepted
            .iter()
            .all(|m| m.format_version.as_deref() == Some("2025-12-11"))
    );
    assert!(accepted.iter().all(|m| !m.packages.is_empty()));
}

#[test]
fn a_single_server_json_is_a_one_entry_export() {
    let path = corpus().join("mcp-registry/examples-2025-12-11/valid/with-remote.json");
    let entries = ingest::read_registry_export(&bytes(&path)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].name.as_deref(),
        Some("io.github.user/remote-weather")
    );
    assert_eq!(entries[0].version.as_deref(), Some("2.1.0"));
    assert!(entries[0].result.is_ok());
}

// ---------------------------------------------------------------------------
// tools/list

#[test]
fn every_live_tools_list_is_read() {
    let mut counts = BTreeMap::new();
    for path in files("mcp-tools/live-tools-list", "json") {
        let name = file_name(&path);
        let b = bytes(&path);
        let raw: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(
            ingest::detect(&b),
            Ok(ManifestFormat::McpToolsList),
            "{name}"
        );
        let m = ingest::read_tools_list(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m, ingest::read(&b, None).unwrap());
        assert_eq!(
            m.tools.len(),
            raw["tools"].as_array().unwrap().len(),
            "{name}"
        );
        assert_eq!(
            m.format_version,
            raw["protocolVersion"].as_str().map(str::to_string),
            "{name}"
        );
        assert_eq!(
            m.server.as_ref().map(|s| s.name.as_str()),
            raw["serverInfo"]["name"].as_str(),
            "{name}"
        );
        for (t, r) in m.tools.iter().zip(raw["tools"].as_array().unwrap()) {
            assert_eq!(t.name, r["name"].as_str().unwrap());
            assert_eq!(
                t.annotations.read_only_hint,
                r["annotations"]["readOnlyHint"].as_bool()
            );
            assert_eq!(
                t.annotations.destructive_hint,
                r["annotations"]["destructiveHint"].as_bool()
            );
            assert!(t.input_schema.is_object());
        }
        counts.insert(name, m.tools.len());
    }
    println!("{counts:#?}");
    assert_eq!(counts.len(), 42);
    assert_eq!(counts["digitalocean-mcp.json"], 353);
    assert_eq!(counts["workspace-mcp.json"], 119);
    assert_eq!(counts["mcp-atlassian.json"], 98);
    assert_eq!(counts["server-everything.json"], 13);
    assert_eq!(counts["mcp-server-fetch.json"], 1);
    assert_eq!(counts.values().sum::<usize>(), 1069);
}

#[test]
fn live_tools_keep_their_declarations() {
    let path = corpus().join("mcp-tools/live-tools-list/server-filesystem.json");
    let m = ingest::read_tools_list(&bytes(&path)).unwrap();
    let read_file = m
        .tools
        .iter()
        .find(|t| t.name == "read_text_file")
        .expect("read_text_file");
    assert_eq!(read_file.annotations.read_only_hint, Some(true));
    assert_eq!(read_file.input_schema["type"], "object");
    assert!(!read_file.description.is_empty());
}

#[test]
fn github_tool_snapshots_read_as_one_list() {
    let paths = files("mcp-tools/github-mcp-server/toolsnaps", "json");
    let tools: Vec<Value> = paths
        .iter()
        .map(|p| serde_json::from_slice(&bytes(p)).unwrap())
        .collect();
    let doc = json!({ "tools": tools }).to_string();
    let m = ingest::read(doc.as_bytes(), None).unwrap();
    assert_eq!(m.format, ManifestFormat::McpToolsList);
    assert_eq!(m.tools.len(), paths.len());
    assert!(m.tools.iter().all(|t| t.input_schema["type"] == "object"));
    // As a JSON-RPC answer too.
    let rpc = json!({"jsonrpc":"2.0","id":2,"result":{"tools": tools}}).to_string();
    assert_eq!(
        ingest::read_tools_list(rpc.as_bytes()).unwrap().tools,
        m.tools
    );
    // One snapshot twice is a duplicate, named in the error.
    let dup = json!({"tools":[tools[0], tools[0]]}).to_string();
    let e = ingest::read_tools_list(dup.as_bytes()).unwrap_err();
    let name = tools[0]["name"].as_str().unwrap();
    assert!(
        problem_at(&e, "/tools/1/name")
            .message
            .contains(&format!("\"{name}\"")),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// OpenAPI

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Counts operations straight from the raw document.
fn count_operations(raw: &Value) -> usize {
    raw["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| METHODS.iter().filter(|m| item.get(**m).is_some()).count())
        .sum()
}

#[test]
fn every_openapi_document_is_read_or_refused_with_a_reason() {
    let mut read = BTreeMap::new();
    for path in files("openapi", "json") {
        let name = file_name(&path);
        let b = bytes(&path);
        let raw: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(ingest::detect(&b), Ok(ManifestFormat::OpenApi), "{name}");
        let result = ingest::read_openapi(&b);
        if raw.get("swagger").is_some() {
            let e = result.unwrap_err();
            let IngestError::Unsupported(m) = &e else {
                panic!("{name}: {e:?}")
            };
            assert!(m.contains("Swagger 2.0") && m.contains("OpenAPI 3"), "{m}");
            continue;
        }
        let m = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let largest = m
            .tools
            .iter()
            .map(|t| t.input_schema.to_string().len())
            .max()
            .unwrap_or(0);
        println!(
            "{name}: {} operations, {} scopes, {} secrets, hosts {:?}, largest input schema {largest} bytes",
            m.tools.len(),
            m.scopes.len(),
            m.secret_inputs.len(),
            m.egress_hosts
        );
        assert!(
            largest < 512 * 1024,
            "{name}: an input schema of {largest} bytes"
        );
        assert_eq!(m.format, ManifestFormat::OpenApi);
        assert_eq!(m.format_version.as_deref(), raw["openapi"].as_str());
        assert_eq!(
            m.server.as_ref().unwrap().name,
            raw["info"]["title"].as_str().unwrap()
        );
        assert_eq!(m.tools.len(), count_operations(&raw), "{name}");
        let mut names = std::collections::HashSet::new();
        for t in &m.tools {
            assert!(
                names.insert(t.name.clone()),
                "{name}: duplicate tool {}",
                t.name
            );
            assert!(!t.name.is_empty() && t.name.len() <= 128);
            assert!(
                t.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
                "{}",
                t.name
            );
            assert_eq!(t.input_schema["type"], "object");
            assert_eq!(t.annotations.open_world_hint, Some(true));
            assert!(t.operation.is_some());
        }
        assert!(!m.egress_hosts.is_empty(), "{name}");
        read.insert(name, m);
    }
    assert_eq!(read.len(), 8, "{:?}", read.keys());
    let count = |n: &str| read[n].tools.len();
    assert_eq!(count("gmail.v1.openapi.json"), 79);
    assert_eq!(count("stripe.subset.openapi.json"), 50);
    assert_eq!(count("github.api.subset.openapi.json"), 84);
    assert_eq!(count("twilio.api.v2010.openapi.json"), 195);
    assert_eq!(count("sendgrid.openapi.json"), 334);

    // Gmail: Google OAuth scopes, per tool and for the manifest.
    let gmail = &read["gmail.v1.openapi.json"];
    assert_eq!(gmail.egress_hosts, ["gmail.googleapis.com"]);
    assert_eq!(
        gmail.scopes.len(),
        14,
        "the two OAuth schemes declare the same 14 scopes"
    );
    assert!(
        gmail
            .scopes
            .iter()
            .all(|s| s.name.starts_with("https://") || s.name == "https://mail.google.com/")
    );
    let send = gmail
        .tools
        .iter()
        .find(|t| t.name == "gmail.users.messages.send")
        .unwrap();
    assert_eq!(
        send.operation.as_deref(),
        Some("POST /gmail/v1/users/{userId}/messages/send")
    );
    assert!(
        send.scopes
            .iter()
            .any(|s| s == "https://www.googleapis.com/auth/gmail.send"),
        "{:?}",
        send.scopes
    );
    assert!(gmail.tools.iter().all(|t| {
        !t.scopes.is_empty()
            && t.scopes.iter().all(|s| {
                s.starts_with("https://www.googleapis.com/auth/") || s == "https://mail.google.com/"
            })
    }));
    assert!(send.input_schema["properties"]["userId"].is_object());
    assert!(
        send.input_schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("userId"))
    );

    // Stripe: HTTP semantics and the shared Authorization header.
    let stripe = &read["stripe.subset.openapi.json"];
    let delete = stripe
        .tools
        .iter()
        .find(|t| t.operation.as_deref() == Some("DELETE /v1/customers/{customer}"))
        .unwrap();
    assert_eq!(delete.annotations.destructive_hint, Some(true));
    assert_eq!(delete.annotations.idempotent_hint, Some(true));
    assert_eq!(delete.declared_hints(), ["destructive", "open world"]);
    let list = stripe
        .tools
        .iter()
        .find(|t| t.operation.as_deref() == Some("GET /v1/customers"))
        .unwrap();
    assert_eq!(list.annotations.read_only_hint, Some(true));
    assert_eq!(stripe.egress_hosts, ["api.stripe.com"]);
    assert_eq!(stripe.secret_inputs.len(), 1);
    assert_eq!(stripe.secret_inputs[0].name, "Authorization");
    assert_eq!(stripe.secret_inputs[0].location, SecretLocation::Header);
    assert!(stripe.secret_inputs[0].required);

    // SendGrid: an apiKey scheme in a header.
    let sendgrid = &read["sendgrid.openapi.json"];
    assert!(
        sendgrid
            .secret_inputs
            .iter()
            .any(|s| s.name == "Authorization" && s.location == SecretLocation::Header)
    );

    // Twilio: servers at path level count as egress.
    let twilio = &read["twilio.api.v2010.openapi.json"];
    assert!(
        twilio.egress_hosts.contains(&"api.twilio.com".to_string()),
        "{:?}",
        twilio.egress_hosts
    );
}

#[test]
fn an_openapi_yaml_document_is_read() {
    let yaml = r#"
openapi: 3.0.3
info:
  title: Todo API
  version: "1.4"
  description: Keeps a list.
servers:
  - url: https://{env}.todo.example.com/v1
    variables:
      env:
        default: API
paths:
  /todos:
    get:
      operationId: listTodos
      summary: List todos
      parameters:
        - name: limit
          in: query
          schema: {type: integer, maximum: 100}
      security:
        - oauth: [todos.read]
      responses:
        200:
          description: The todos
    post:
      operationId: createTodo
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Todo'
      responses:
        '201': {description: Created}
  /todos/{id}:
    delete:
      summary: Delete a todo
      parameters:
        - {name: id, in: path, schema: {type: string}}
      responses:
        '204': {description: Deleted}
components:
  schemas:
    Todo:
      type: object
      required: [title]
      properties:
        title: {type: string}
        done: {type: boolean, default: false}
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.todo.example.com/token
          scopes:
            todos.read: Read todos
            todos.write: Write todos
    key:
      type: apiKey
      in: header
      name: X-API-Key
security:
  - oauth: [todos.write]
  - key: []
"#;
    assert_eq!(ingest::detect(yaml.as_bytes()), Ok(ManifestFormat::OpenApi));
    let m = ingest::read(yaml.as_bytes(), None).unwrap();
    assert_eq!(m.format_version.as_deref(), Some("3.0.3"));
    let server = m.server.as_ref().unwrap();
    assert_eq!(
        (server.name.as_str(), server.version.as_deref()),
        ("Todo API", Some("1.4"))
    );
    assert_eq!(m.egress_hosts, ["api.todo.example.com"]);
    let names: Vec<&str> = m.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["listTodos", "createTodo", "delete_todos_id"]);
    assert_eq!(m.tools[0].scopes, ["todos.read"]);
    assert_eq!(m.tools[1].scopes, ["todos.write"]);
    assert_eq!(
        m.tools[0].input_schema["properties"]["limit"],
        json!({"type":"integer","maximum":100})
    );
    assert_eq!(
        m.tools[1].input_schema,
        json!({"type":"object","properties":{"body":{"type":"object","required":["title"],
            "properties":{"title":{"type":"string"},"done":{"type":"boolean","default":false}}}},
            "required":["body"]})
    );
    assert_eq!(m.tools[2].title.as_deref(), Some("Delete a todo"));
    assert_eq!(m.tools[2].annotations.destructive_hint, Some(true));
    let scopes: Vec<&str> = m.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(scopes, ["todos.read", "todos.write"]);
    assert_eq!(m.secret_inputs.len(), 1);
    assert_eq!(m.secret_inputs[0].name, "X-API-Key");
    assert!(m.secret_inputs[0].required);
}

#[test]
fn unreadable_and_unknown_documents_say_why() {
    let e = ingest::read(b"{\"tools\": [\n  {\"name\": \"a\",}\n]}", None).unwrap_err();
    let IngestError::NotJsonOrYaml(m) = &e else {
        panic!("{e:?}")
    };
    assert!(m.starts_with("invalid JSON at line 2 column"), "{m}");
    assert!(
        e.to_string()
            .starts_with("The file is not valid JSON or YAML: invalid JSON at line 2")
    );
    let e = ingest::read(b"{\"hello\": 1}", None).unwrap_err();
    assert_eq!(e, IngestError::UnknownFormat);
    let seed = corpus().join("mcp-registry/seed/seed_2025-09-29-format.json");
    assert_eq!(
        ingest::detect(&bytes(&seed)),
        Err(IngestError::UnknownFormat)
    );
}

#[test]
fn secrets_behind_argument_variables_are_named_by_what_they_set() {
    let bytes = std::fs::read(corpus().join("mcp-tools/github-mcp-server/server.json")).unwrap();
    let m = ingest::read_server_json(&bytes).unwrap();
    let names: Vec<(&str, domain::manifest::SecretLocation)> = m
        .secret_inputs
        .iter()
        .map(|s| (s.name.as_str(), s.location))
        .collect();
    assert!(
        names.contains(&(
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            domain::manifest::SecretLocation::Argument
        )),
        "{names:?}"
    );
    assert!(names.contains(&("Authorization", domain::manifest::SecretLocation::Header)));
    assert!(!names.iter().any(|(n, _)| n.starts_with('-')), "{names:?}");
}
