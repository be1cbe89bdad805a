//! Reads the manifest formats publishers already have into
//! [`domain::manifest::Manifest`].
//!
//! Three input formats are understood:
//!
//! - an MCP registry `server.json` ([`read_server_json`]), validated against
//!   the official registry JSON Schemas (embedded, see `schemas/SOURCES.md`);
//! - an MCP `tools/list` result ([`read_tools_list`]);
//! - an OpenAPI 3.0 or 3.1 document in JSON or YAML ([`read_openapi`]).
//!
//! [`detect`] tells them apart, [`read`] detects and reads, and
//! [`read_registry_export`] reads a whole MCP registry export (an array of
//! `server.json` entries), entry by entry.
//!
//! Everything here is a pure function over bytes: no file system, network or
//! clock. Errors are meant to be shown to the publisher as they are: each
//! [`IngestError`] displays as a sentence, and [`Problem`]s name the place in
//! the document (a JSON pointer) they are about.

mod openapi;
mod parse;
mod server_json;
mod tools_list;
mod util;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use domain::manifest::{Manifest, ManifestFormat};
pub use server_json::{RegistryEntry, read_registry_export, server_json_schema_versions};

/// At most this many problems are listed in one error; the rest are
/// summarised in one last problem ("… and N more problems").
pub const MAX_PROBLEMS: usize = 20;

/// A problem at a place in the document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// A JSON pointer (RFC 6901) such as `/packages/0/version`; empty for the
    /// document as a whole.
    pub pointer: String,
    /// What is wrong there, for the publisher.
    pub message: String,
}

impl Problem {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "at {}: {}", self.pointer, self.message)
        }
    }
}

/// Why a document could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The bytes are neither JSON nor YAML (the text says where and why).
    #[error("The file is not valid JSON or YAML: {0}.")]
    NotJsonOrYaml(String),
    /// The document is JSON or YAML but none of the accepted formats.
    #[error(
        "Could not tell what kind of manifest this is. Accepted formats are: an MCP server.json \
         (an object with \"name\" and \"packages\" or \"remotes\"), an MCP tools/list result \
         (an object with a \"tools\" array), or an OpenAPI 3.0/3.1 document (JSON or YAML)."
    )]
    UnknownFormat,
    /// A format or version that is recognised but not supported.
    #[error("{0}")]
    Unsupported(String),
    /// A `server.json` that does not follow the official schema.
    #[error(
        "The server.json does not follow the official MCP server.json schema (version {schema}): {}",
        ProblemList(problems)
    )]
    Schema {
        /// The schema version id, e.g. `2025-12-11`.
        schema: String,
        problems: Vec<Problem>,
    },
    /// A tools/list result or OpenAPI document that is structurally wrong.
    #[error("The manifest is not valid: {}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

impl IngestError {
    /// The problems listed in the error (empty for the kinds that have none).
    pub fn problems(&self) -> &[Problem] {
        match self {
            IngestError::Schema { problems, .. } | IngestError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

/// Displays problems as one sentence per problem.
struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "no details are available.");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{p}")?;
        }
        write!(f, ".")
    }
}

/// Keeps the first [`MAX_PROBLEMS`] distinct problems and says how many more
/// there were.
pub(crate) fn cap_problems(problems: Vec<Problem>) -> Vec<Problem> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Problem> = Vec::new();
    let mut more = 0usize;
    for p in problems {
        if !seen.insert(p.clone()) {
            continue;
        }
        if out.len() < MAX_PROBLEMS {
            out.push(p);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push(Problem::new(
            "",
            format!(
                "and {more} more problem{} not listed",
                if more == 1 { "" } else { "s" }
            ),
        ));
    }
    out
}

/// Tells which format a document is in.
///
/// The rules, in order: an object with an `"openapi"` or `"swagger"` key is
/// [`ManifestFormat::OpenApi`]; an object with a `"tools"` array (or a JSON-RPC
/// response whose `result.tools` is an array), or an array of objects that have
/// a `"name"` and an `"inputSchema"` or `"description"` (and none of the
/// keys only a server.json has: `packages`, `remotes`, `version_detail`,
/// `repository`, `$schema`), is
/// [`ManifestFormat::McpToolsList`]; an object with a `"name"` and one of
/// `"packages"`, `"remotes"`, `"version_detail"`, `"description"` or a
/// `"$schema"` naming modelcontextprotocol is [`ManifestFormat::McpServerJson`].
/// Never returns [`ManifestFormat::McpRemote`].
pub fn detect(bytes: &[u8]) -> Result<ManifestFormat, IngestError> {
    let doc = parse::parse_document(bytes)?;
    detect_value(&doc).ok_or(IngestError::UnknownFormat)
}

pub(crate) fn detect_value(doc: &serde_json::Value) -> Option<ManifestFormat> {
    use serde_json::Value;
    match doc {
        Value::Object(o) => {
            if o.contains_key("openapi") || o.contains_key("swagger") {
                return Some(ManifestFormat::OpenApi);
            }
            let tools_array = o.get("tools").is_some_and(Value::is_array)
                || o.get("result")
                    .and_then(|r| r.get("tools"))
                    .is_some_and(Value::is_array);
            if tools_array {
                return Some(ManifestFormat::McpToolsList);
            }
            let has_name = o.contains_key("name");
            let mcp_schema = o
                .get("$schema")
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains("modelcontextprotocol"));
            let server_keys = ["packages", "remotes", "version_detail", "description"]
                .iter()
                .any(|k| o.contains_key(*k));
            if has_name && (server_keys || mcp_schema) {
                return Some(ManifestFormat::McpServerJson);
            }
            None
        }
        Value::Array(items) => {
            let looks_like_tool = |t: &Value| {
                t.as_object().is_some_and(|t| {
                    t.contains_key("name")
                        && (t.contains_key("inputSchema") || t.contains_key("description"))
                })
            };
            // Registry exports are arrays of server.json entries, which also
            // have a name and a description: those are not tools.
            let looks_like_server = |t: &Value| {
                [
                    "packages",
                    "remotes",
                    "version_detail",
                    "repository",
                    "$schema",
                ]
                .iter()
                .any(|k| t.get(*k).is_some())
            };
            if !items.is_empty()
                && items.iter().all(looks_like_tool)
                && !items.iter().any(looks_like_server)
            {
                Some(ManifestFormat::McpToolsList)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Reads a document in the given format, or in the detected one when `format`
/// is `None`. [`ManifestFormat::McpRemote`] is not a document format: it is
/// refused as [`IngestError::Unsupported`].
pub fn read(bytes: &[u8], format: Option<ManifestFormat>) -> Result<Manifest, IngestError> {
    let doc = parse::parse_document(bytes)?;
    let format = match format {
        Some(f) => f,
        None => detect_value(&doc).ok_or(IngestError::UnknownFormat)?,
    };
    match format {
        ManifestFormat::McpServerJson => server_json::read_value(&doc),
        ManifestFormat::McpToolsList => tools_list::read_value(&doc),
        ManifestFormat::OpenApi => openapi::read_value(&doc),
        ManifestFormat::McpRemote => Err(IngestError::Unsupported(
            "A remote MCP server is read by connecting to it, not from a file; upload its \
             server.json or tools/list result instead."
                .into(),
        )),
    }
}

/// Reads an MCP registry `server.json` (JSON or YAML).
///
/// The document is validated against the official schema its `$schema` names;
/// without `$schema`, against each released schema, newest first, and the
/// first that accepts it is the one reported in
/// [`Manifest::format_version`]. When none accepts it, the problems are
/// reported against the newest release (against the legacy schema for a
/// legacy snake_case document with `version_detail` or `registry_name`, and
/// against 2025-07-09 for one with its `registry_type`/`website_url`). An
/// unknown `$schema` is [`IngestError::Unsupported`]. On top of the schemas,
/// versions must be specific: no `"latest"` package version and no version
/// ranges (`^1.2`, `1.x`, …), as the registry requires. See
/// [`server_json_schema_versions`].
pub fn read_server_json(bytes: &[u8]) -> Result<Manifest, IngestError> {
    server_json::read_value(&parse::parse_document(bytes)?)
}

/// Reads an MCP `tools/list` result: `{"tools": [...]}`, a JSON-RPC response
/// whose `result` is that, or a bare array of tools.
pub fn read_tools_list(bytes: &[u8]) -> Result<Manifest, IngestError> {
    tools_list::read_value(&parse::parse_document(bytes)?)
}

/// Reads an OpenAPI 3.0.x or 3.1.x document, JSON or YAML: one tool per
/// operation.
pub fn read_openapi(bytes: &[u8]) -> Result<Manifest, IngestError> {
    openapi::read_value(&parse::parse_document(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_capped_and_deduplicated() {
        let many: Vec<Problem> = (0..30)
            .flat_map(|i| {
                let p = Problem::new(format!("/x/{i}"), "bad");
                [p.clone(), p]
            })
            .collect();
        let capped = cap_problems(many);
        assert_eq!(capped.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            capped.last().unwrap().message,
            "and 10 more problems not listed"
        );
    }

    #[test]
    fn errors_display_as_sentences() {
        let e = IngestError::Invalid(vec![
            Problem::new("/tools/1/name", "a tool needs a name"),
            Problem::new("", "something else"),
        ]);
        assert_eq!(
            e.to_string(),
            "The manifest is not valid: at /tools/1/name: a tool needs a name; something else."
        );
        assert_eq!(e.problems().len(), 2);
        assert!(
            IngestError::UnknownFormat
                .to_string()
                .contains("OpenAPI 3.0/3.1")
        );
        assert!(IngestError::UnknownFormat.problems().is_empty());
    }

    #[test]
    fn detects_each_format() {
        let cases: [(&str, Option<ManifestFormat>); 11] = [
            (r#"{"openapi":"3.1.0"}"#, Some(ManifestFormat::OpenApi)),
            (r#"{"swagger":"2.0"}"#, Some(ManifestFormat::OpenApi)),
            (
                "openapi: 3.0.3\ninfo: {title: x}\n",
                Some(ManifestFormat::OpenApi),
            ),
            (r#"{"tools":[]}"#, Some(ManifestFormat::McpToolsList)),
            (
                r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#,
                Some(ManifestFormat::McpToolsList),
            ),
            (
                r#"[{"name":"a","inputSchema":{"type":"object"}}]"#,
                Some(ManifestFormat::McpToolsList),
            ),
            (
                r#"{"name":"io.github.a/b","packages":[]}"#,
                Some(ManifestFormat::McpServerJson),
            ),
            (
                r#"{"name":"x","$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"}"#,
                Some(ManifestFormat::McpServerJson),
            ),
            (r#"{"name":"x"}"#, None),
            (r#"[1,2]"#, None),
            (r#"[{"name":"a/b","description":"d","packages":[]}]"#, None),
        ];
        for (doc, want) in cases {
            let got = detect(doc.as_bytes());
            match want {
                Some(f) => assert_eq!(got, Ok(f), "{doc}"),
                None => assert_eq!(got, Err(IngestError::UnknownFormat), "{doc}"),
            }
        }
    }

    #[test]
    fn read_refuses_the_remote_format() {
        let e = read(br#"{"tools":[]}"#, Some(ManifestFormat::McpRemote)).unwrap_err();
        assert!(matches!(e, IngestError::Unsupported(_)));
    }

    #[test]
    fn read_with_an_explicit_format_uses_it() {
        let e = read(br#"{"tools":[]}"#, Some(ManifestFormat::OpenApi)).unwrap_err();
        assert!(matches!(e, IngestError::Invalid(_)), "{e}");
        let m = read(br#"{"tools":[]}"#, None).unwrap();
        assert_eq!(m.format, ManifestFormat::McpToolsList);
    }
}
