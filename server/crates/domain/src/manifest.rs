//! The normalized manifest: what an agent's tools are, as the publisher declared
//! them. The publisher-portal issue adds server.json and OpenAPI inputs; today an
//! MCP `tools/list` result is read.

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

/// A manifest reduced to what Steward reasons about.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub tools: Vec<Tool>,
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
        Ok(Manifest { tools: out })
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
