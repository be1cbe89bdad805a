//! MCP `tools/list` results.

use std::collections::HashMap;

use domain::manifest::{ServerInfo, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::util::{join_pointer, shorten, str_field};
use crate::{IngestError, Manifest, ManifestFormat, Problem, cap_problems};

/// The longest tool name MCP allows.
const MAX_TOOL_NAME: usize = 128;

/// Reads `{"tools": [...]}`, a JSON-RPC response carrying it in `result`, or a
/// bare array of tools.
///
/// When the document also carries `protocolVersion` and `serverInfo` (an
/// `initialize` result merged in, as recorders commonly save it), they become
/// [`Manifest::format_version`] and [`Manifest::server`].
///
/// Each tool needs a non-blank `name` of at most 128 characters (any
/// characters are accepted), unique in the list; `inputSchema` must be a JSON
/// object whose `type`, when given, is `"object"` (a missing `inputSchema` is
/// read as `{"type": "object"}`, a tool without parameters); annotation hints
/// must be booleans. Every problem found is reported, not only the first.
pub(crate) fn read_value(doc: &Value) -> Result<Manifest, IngestError> {
    let (envelope, tools, base) = locate_tools(doc)?;

    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(tools.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, raw) in tools.iter().enumerate() {
        let at = join_pointer(&base, index);
        if let Some(tool) = read_tool(raw, &at, &mut problems) {
            if let Some(first) = seen.get(&tool.name) {
                problems.push(Problem::new(
                    join_pointer(&at, "name"),
                    format!(
                        "the tool name \"{}\" is already used by tool #{first}; tool names must be unique",
                        shorten(&tool.name, 80)
                    ),
                ));
                continue;
            }
            seen.insert(tool.name.clone(), index);
            out.push(tool);
        }
    }
    if !problems.is_empty() {
        return Err(IngestError::Invalid(cap_problems(problems)));
    }

    let (format_version, server) = match envelope {
        Some(e) => (
            str_field(e, "protocolVersion").map(str::to_string),
            e.get("serverInfo").and_then(server_info),
        ),
        None => (None, None),
    };
    Ok(Manifest {
        format: ManifestFormat::McpToolsList,
        format_version,
        server,
        tools: out,
        ..Manifest::default()
    })
}

/// Finds the tools array: returns the object that holds it (if any), the
/// array, and its JSON pointer.
fn locate_tools(doc: &Value) -> Result<(Option<&Value>, &Vec<Value>, String), IngestError> {
    let no_tools =
        |pointer: &str, message: &str| IngestError::Invalid(vec![Problem::new(pointer, message)]);
    match doc {
        Value::Array(items) => Ok((None, items, String::new())),
        Value::Object(o) => {
            if let Some(tools) = o.get("tools") {
                return match tools {
                    Value::Array(items) => Ok((Some(doc), items, "/tools".into())),
                    _ => Err(no_tools("/tools", "\"tools\" must be an array of tools")),
                };
            }
            if let Some(error) = o.get("error") {
                let message = str_field(error, "message").unwrap_or("no message");
                return Err(no_tools(
                    "/error",
                    &format!(
                        "this is a JSON-RPC error response (\"{}\"), not a tools/list result",
                        shorten(message, 200)
                    ),
                ));
            }
            if let Some(result) = o.get("result") {
                return match result.get("tools") {
                    Some(Value::Array(items)) => Ok((Some(result), items, "/result/tools".into())),
                    Some(_) => Err(no_tools(
                        "/result/tools",
                        "\"tools\" must be an array of tools",
                    )),
                    None => Err(no_tools(
                        "/result",
                        "the JSON-RPC result has no \"tools\" array; is this the answer to tools/list?",
                    )),
                };
            }
            Err(no_tools(
                "",
                "the document has no \"tools\" array; expected a tools/list result such as {\"tools\": [...]}",
            ))
        }
        _ => Err(no_tools(
            "",
            "expected a tools/list result: an object with a \"tools\" array",
        )),
    }
}

fn read_tool(raw: &Value, at: &str, problems: &mut Vec<Problem>) -> Option<Tool> {
    let before = problems.len();
    let Some(obj) = raw.as_object() else {
        problems.push(Problem::new(at, "each tool must be a JSON object"));
        return None;
    };

    let name = match obj.get("name") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            problems.push(Problem::new(
                join_pointer(at, "name"),
                "the tool name is empty; every tool needs a name",
            ));
            None
        }
        Some(Value::String(s)) if s.chars().count() > MAX_TOOL_NAME => {
            problems.push(Problem::new(
                join_pointer(at, "name"),
                format!(
                    "the tool name is {} characters long; MCP allows at most {MAX_TOOL_NAME}",
                    s.chars().count()
                ),
            ));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(Problem::new(
                join_pointer(at, "name"),
                "the tool name must be a string",
            ));
            None
        }
        None => {
            problems.push(Problem::new(
                at,
                "the tool has no \"name\"; every tool needs a name",
            ));
            None
        }
    };

    let description = optional_string(obj.get("description"), at, "description", problems);
    let title = optional_string(obj.get("title"), at, "title", problems);

    let input_schema = match obj.get("inputSchema") {
        None | Some(Value::Null) => json!({"type": "object"}),
        Some(schema @ Value::Object(s)) => {
            if let Some(t) = s.get("type")
                && t != "object"
            {
                problems.push(Problem::new(
                    join_pointer(&join_pointer(at, "inputSchema"), "type"),
                    format!(
                        "a tool's inputSchema must describe an object (\"type\": \"object\"), not {}",
                        shorten(&t.to_string(), 60)
                    ),
                ));
            }
            schema.clone()
        }
        Some(_) => {
            problems.push(Problem::new(
                join_pointer(at, "inputSchema"),
                "a tool's inputSchema must be a JSON Schema object such as {\"type\": \"object\"}",
            ));
            Value::Null
        }
    };

    let annotations = match obj.get("annotations") {
        None | Some(Value::Null) => ToolAnnotations::default(),
        Some(Value::Object(a)) => {
            let at = join_pointer(at, "annotations");
            let mut hint = |key: &str| match a.get(key) {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => {
                    problems.push(Problem::new(
                        join_pointer(&at, key),
                        format!("the annotation \"{key}\" must be true or false"),
                    ));
                    None
                }
            };
            let read_only_hint = hint("readOnlyHint");
            let destructive_hint = hint("destructiveHint");
            let idempotent_hint = hint("idempotentHint");
            let open_world_hint = hint("openWorldHint");
            ToolAnnotations {
                title: a
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                read_only_hint,
                destructive_hint,
                idempotent_hint,
                open_world_hint,
            }
        }
        Some(_) => {
            problems.push(Problem::new(
                join_pointer(at, "annotations"),
                "a tool's annotations must be an object",
            ));
            ToolAnnotations::default()
        }
    };

    if problems.len() > before {
        return None;
    }
    Some(Tool {
        name: name?,
        // The 2025-06-18 `title` wins; older servers put it in the annotations.
        title: title.or_else(|| annotations.title.clone()),
        description: description.unwrap_or_default(),
        input_schema,
        annotations,
        scopes: Vec::new(),
        operation: None,
    })
}

fn optional_string(
    v: Option<&Value>,
    at: &str,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(_) => {
            problems.push(Problem::new(
                join_pointer(at, key),
                format!("the tool's \"{key}\" must be a string"),
            ));
            None
        }
    }
}

/// MCP `Implementation` (`serverInfo`): name, title, version, websiteUrl.
fn server_info(v: &Value) -> Option<ServerInfo> {
    let name = str_field(v, "name")?;
    let text = |k: &str| str_field(v, k).map(str::to_string);
    Some(ServerInfo {
        name: name.to_string(),
        title: text("title"),
        description: text("description"),
        version: text("version"),
        website_url: text("websiteUrl"),
        repository_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: Value) -> Result<Manifest, IngestError> {
        read_value(&doc)
    }

    fn problems(doc: Value) -> Vec<Problem> {
        match read(doc) {
            Err(IngestError::Invalid(p)) => p,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn reads_the_three_shapes() {
        let tool = json!({"name":"get_time","description":"Now","inputSchema":{"type":"object"},
            "annotations":{"readOnlyHint":true,"openWorldHint":false,"title":"Get time"}});
        let plain = read(json!({"tools":[tool.clone()]})).unwrap();
        let rpc = read(json!({"jsonrpc":"2.0","id":7,"result":{"tools":[tool.clone()]}})).unwrap();
        let bare = read(json!([tool])).unwrap();
        assert_eq!(plain, rpc);
        assert_eq!(plain, bare);
        let t = &plain.tools[0];
        assert_eq!(plain.format, ManifestFormat::McpToolsList);
        assert_eq!(t.name, "get_time");
        assert_eq!(t.title.as_deref(), Some("Get time"));
        assert_eq!(t.annotations.read_only_hint, Some(true));
        assert_eq!(t.annotations.open_world_hint, Some(false));
        assert_eq!(t.annotations.destructive_hint, None);
    }

    #[test]
    fn reads_server_info_and_protocol_version() {
        let m = read(json!({"protocolVersion":"2025-06-18",
            "serverInfo":{"name":"demo","title":"Demo","version":"1.2.0"},
            "tools":[{"name":"a","description":null}]}))
        .unwrap();
        assert_eq!(m.format_version.as_deref(), Some("2025-06-18"));
        let s = m.server.unwrap();
        assert_eq!(
            (s.name.as_str(), s.version.as_deref()),
            ("demo", Some("1.2.0"))
        );
        assert_eq!(m.tools[0].description, "");
        assert_eq!(m.tools[0].input_schema, json!({"type":"object"}));
    }

    #[test]
    fn an_empty_list_is_a_list() {
        assert!(read(json!({"tools": []})).unwrap().tools.is_empty());
    }

    #[test]
    fn structural_problems_are_all_reported() {
        let p = problems(json!({"tools":[
            {"name":"ok","inputSchema":{"type":"object"}},
            {"description":"no name"},
            {"name":"  "},
            {"name":"ok"},
            {"name":"s","inputSchema":{"type":"string"}},
            {"name":"t","inputSchema":[1]},
            {"name":"u","annotations":{"readOnlyHint":"yes"}},
            "not a tool",
            {"name": "x".repeat(129)}
        ]}));
        let find = |ptr: &str| {
            p.iter()
                .find(|x| x.pointer == ptr)
                .unwrap_or_else(|| panic!("no problem at {ptr}: {p:?}"))
                .message
                .clone()
        };
        assert!(find("/tools/1").contains("no \"name\""));
        assert!(find("/tools/2/name").contains("empty"));
        assert!(find("/tools/3/name").contains("\"ok\" is already used by tool #0"));
        assert!(find("/tools/4/inputSchema/type").contains("must describe an object"));
        assert!(find("/tools/5/inputSchema").contains("JSON Schema object"));
        assert!(find("/tools/6/annotations/readOnlyHint").contains("true or false"));
        assert!(find("/tools/7").contains("JSON object"));
        assert!(find("/tools/8/name").contains("129 characters"));
    }

    #[test]
    fn missing_tools_array_says_so() {
        let p = problems(json!({"servers":[]}));
        assert_eq!(p[0].pointer, "");
        assert!(p[0].message.contains("no \"tools\" array"));
        let p = problems(json!({"tools": {}}));
        assert_eq!(p[0].pointer, "/tools");
        let p = problems(
            json!({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}),
        );
        assert!(p[0].message.contains("Method not found"));
        let p = problems(json!({"jsonrpc":"2.0","id":1,"result":{}}));
        assert_eq!(p[0].pointer, "/result");
    }

    #[test]
    fn names_are_lenient_on_characters() {
        let m = read(json!([{"name":"résumé tool/v2","inputSchema":{}}])).unwrap();
        assert_eq!(m.tools[0].name, "résumé tool/v2");
    }
}
