//! The normalized manifest: what an agent's tools are, what it may reach and
//! what it needs, as the publisher declared them. Every input format (MCP
//! `server.json`, MCP `tools/list`, OpenAPI 3, a remote MCP server's own answer)
//! is read into this one model by the `ingest` crate; this module only reads a
//! `tools/list` result itself, because the model is that shape.

use serde::{Deserialize, Serialize};

/// MCP tool annotations as declared. Hints, not truth.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolAnnotations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// One tool of a manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default = "empty_object")]
    pub input_schema: serde_json::Value,
    #[serde(default)]
    pub annotations: ToolAnnotations,
    /// Permission scopes this tool needs (an OpenAPI operation's security
    /// requirement). Empty when the format does not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Where the tool comes from in its source document, e.g. `POST /v1/charges`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl Tool {
    /// Short words for what the publisher declared, for display.
    pub fn declared_hints(&self) -> Vec<&'static str> {
        let a = &self.annotations;
        let mut out = Vec::new();
        match (a.read_only_hint, a.destructive_hint) {
            (Some(true), _) => out.push("read-only"),
            (_, Some(true)) => out.push("destructive"),
            (Some(false), Some(false)) => out.push("writes"),
            _ => {}
        }
        if a.open_world_hint == Some(true) {
            out.push("open world");
        }
        out
    }
}

/// The input format a manifest was read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestFormat {
    /// An MCP registry `server.json`.
    McpServerJson,
    /// An MCP `tools/list` result.
    #[default]
    McpToolsList,
    /// An OpenAPI 3.0 or 3.1 document (JSON or YAML).
    #[serde(rename = "openapi")]
    OpenApi,
    /// What a remote MCP server answered to `initialize` and `tools/list`.
    McpRemote,
}

impl ManifestFormat {
    pub const ALL: [ManifestFormat; 4] = [
        ManifestFormat::McpServerJson,
        ManifestFormat::McpToolsList,
        ManifestFormat::OpenApi,
        ManifestFormat::McpRemote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ManifestFormat::McpServerJson => "mcp_server_json",
            ManifestFormat::McpToolsList => "mcp_tools_list",
            ManifestFormat::OpenApi => "openapi",
            ManifestFormat::McpRemote => "mcp_remote",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ManifestFormat::McpServerJson => "MCP server.json",
            ManifestFormat::McpToolsList => "MCP tools/list",
            ManifestFormat::OpenApi => "OpenAPI 3",
            ManifestFormat::McpRemote => "Remote MCP server",
        }
    }
}

/// Identity of the server as its document states it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
}

/// A permission scope the agent asks for (an OAuth scope, an API key's reach).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionScope {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it was declared, e.g. the OpenAPI security scheme name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Where a secret input is supplied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretLocation {
    Env,
    Header,
    Argument,
    Query,
    Cookie,
}

/// A credential or other secret the buyer must supply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInput {
    pub name: String,
    pub location: SecretLocation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// A distributable package (npm, PyPI, OCI image...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub registry_type: String,
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `stdio`, `streamable-http`, `sse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
}

/// A hosted endpoint the agent is reached at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    /// `streamable-http`, `sse`, or `https` for an OpenAPI server.
    pub transport: String,
    pub url: String,
}

/// A manifest reduced to what Steward reasons about.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub format: ManifestFormat,
    /// The schema or spec version the document declared (`$schema`, `openapi`,
    /// MCP `protocolVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    #[serde(default)]
    pub tools: Vec<Tool>,
    #[serde(default)]
    pub scopes: Vec<PermissionScope>,
    /// Hosts the agent reaches (lower-case, no scheme or port), sorted, unique.
    #[serde(default)]
    pub egress_hosts: Vec<String>,
    #[serde(default)]
    pub secret_inputs: Vec<SecretInput>,
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub remotes: Vec<Remote>,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid JSON: {0}")]
    Json(String),
    #[error("the manifest has no \"tools\" array")]
    NoTools,
    #[error("tool #{index} has no name")]
    UnnamedTool { index: usize },
    #[error("tool name \"{0}\" appears more than once")]
    DuplicateTool(String),
}

impl Manifest {
    /// One manifest from a version's source documents: a server.json says how
    /// the agent is distributed, a tools list or OpenAPI document says what it
    /// does. Tools are concatenated (a name in two documents is refused); the
    /// server identity is the first document's that has one; scopes, egress,
    /// secrets, packages and remotes are unions.
    pub fn merge(parts: &[Manifest]) -> Result<Manifest, ManifestError> {
        let Some(first) = parts.first() else {
            return Ok(Manifest::default());
        };
        if parts.len() == 1 {
            return Ok(first.clone());
        }
        let lead = parts.iter().find(|p| !p.tools.is_empty()).unwrap_or(first);
        let mut out = Manifest {
            format: lead.format,
            format_version: lead.format_version.clone(),
            server: parts.iter().find_map(|p| p.server.clone()),
            ..Manifest::default()
        };
        let mut seen = std::collections::HashSet::new();
        for p in parts {
            for t in &p.tools {
                if !seen.insert(t.name.clone()) {
                    return Err(ManifestError::DuplicateTool(t.name.clone()));
                }
                out.tools.push(t.clone());
            }
            for s in &p.scopes {
                if !out.scopes.iter().any(|x| x.name == s.name) {
                    out.scopes.push(s.clone());
                }
            }
            for s in &p.secret_inputs {
                if !out
                    .secret_inputs
                    .iter()
                    .any(|x| x.name == s.name && x.location == s.location)
                {
                    out.secret_inputs.push(s.clone());
                }
            }
            for x in &p.packages {
                if !out.packages.contains(x) {
                    out.packages.push(x.clone());
                }
            }
            for x in &p.remotes {
                if !out.remotes.contains(x) {
                    out.remotes.push(x.clone());
                }
            }
            out.egress_hosts.extend(p.egress_hosts.iter().cloned());
        }
        out.egress_hosts.sort();
        out.egress_hosts.dedup();
        Ok(out)
    }

    /// Every scope named anywhere: declared scopes and each tool's, sorted.
    pub fn all_scopes(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .scopes
            .iter()
            .map(|s| s.name.clone())
            .chain(self.tools.iter().flat_map(|t| t.scopes.iter().cloned()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Reads an MCP `tools/list` result (`{"tools": [...]}`), or a bare array of tools.
    pub fn from_tools_list_json(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        let tools = match value {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut o) => match o.remove("tools") {
                Some(serde_json::Value::Array(items)) => items,
                _ => return Err(ManifestError::NoTools),
            },
            _ => return Err(ManifestError::NoTools),
        };
        let mut out = Vec::with_capacity(tools.len());
        let mut seen = std::collections::HashSet::new();
        for (index, t) in tools.into_iter().enumerate() {
            let tool: Tool =
                serde_json::from_value(t).map_err(|_| ManifestError::UnnamedTool { index })?;
            if tool.name.trim().is_empty() {
                return Err(ManifestError::UnnamedTool { index });
            }
            if !seen.insert(tool.name.clone()) {
                return Err(ManifestError::DuplicateTool(tool.name));
            }
            out.push(tool);
        }
        Ok(Manifest {
            format: ManifestFormat::McpToolsList,
            tools: out,
            ..Manifest::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tools_list_result() {
        let json =
            br#"{"tools":[{"name":"get_time","description":"Now","inputSchema":{"type":"object"},
            "annotations":{"readOnlyHint":true,"openWorldHint":false}},
            {"name":"delete_repo","annotations":{"destructiveHint":true}}]}"#;
        let m = Manifest::from_tools_list_json(json).unwrap();
        assert_eq!(m.tools.len(), 2);
        assert_eq!(m.tools[0].annotations.read_only_hint, Some(true));
        assert_eq!(m.tools[0].declared_hints(), vec!["read-only"]);
        assert_eq!(m.tools[1].declared_hints(), vec!["destructive"]);
    }

    #[test]
    fn merging_keeps_distribution_from_one_document_and_tools_from_another() {
        let server = Manifest {
            format: ManifestFormat::McpServerJson,
            server: Some(ServerInfo {
                name: "io.github.acme/files".into(),
                ..ServerInfo::default()
            }),
            egress_hosts: vec!["api.acme.dev".into()],
            ..Manifest::default()
        };
        let tools = Manifest::from_tools_list_json(br#"[{"name":"a"},{"name":"b"}]"#).unwrap();
        let m = Manifest::merge(&[server.clone(), tools.clone()]).unwrap();
        assert_eq!(m.format, ManifestFormat::McpToolsList);
        assert_eq!(m.server.unwrap().name, "io.github.acme/files");
        assert_eq!(m.tools.len(), 2);
        assert_eq!(m.egress_hosts, vec!["api.acme.dev"]);
        assert_eq!(
            Manifest::merge(&[tools.clone(), tools]),
            Err(ManifestError::DuplicateTool("a".into()))
        );
    }

    #[test]
    fn bad_manifests_say_why() {
        assert!(matches!(
            Manifest::from_tools_list_json(b"{"),
            Err(ManifestError::Json(_))
        ));
        assert_eq!(
            Manifest::from_tools_list_json(br#"{"servers":[]}"#),
            Err(ManifestError::NoTools)
        );
        assert_eq!(
            Manifest::from_tools_list_json(br#"[{"description":"x"}]"#),
            Err(ManifestError::UnnamedTool { index: 0 })
        );
        assert_eq!(
            Manifest::from_tools_list_json(br#"[{"name":"a"},{"name":"a"}]"#),
            Err(ManifestError::DuplicateTool("a".into()))
        );
    }
}
