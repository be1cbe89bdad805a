//! `fetch_tools` against the real MCP reference server,
//! `@modelcontextprotocol/server-everything` (an end2end npm dev dependency),
//! run in Streamable HTTP mode on 127.0.0.1.

use mcp_remote::testing::Everything;

use mcp_remote::{FetchError, FetchPolicy, fetch_tools};
use serde_json::Value;

/// The tools server-everything registers for a client that declares no
/// capabilities (its `dist/tools/index.js`: the unconditional tools, plus
/// `simulate-research-query`, the one conditional tool that needs no client
/// capability). Update together with the pinned version in end2end/package.json.
const EXPECTED_TOOLS: [&str; 13] = [
    "echo",
    "get-annotated-message",
    "get-env",
    "get-resource-links",
    "get-resource-reference",
    "get-structured-content",
    "get-sum",
    "get-tiny-image",
    "gzip-file-as-resource",
    "simulate-research-query",
    "toggle-simulated-logging",
    "toggle-subscriber-updates",
    "trigger-long-running-operation",
];

fn test_policy() -> FetchPolicy {
    FetchPolicy {
        allow_private: true,
        ..FetchPolicy::default()
    }
}

fn tool_names(tools: &Value) -> Vec<String> {
    tools["tools"]
        .as_array()
        .expect("a tools array")
        .iter()
        .map(|t| t["name"].as_str().expect("a tool name").to_owned())
        .collect()
}

#[tokio::test]
async fn fetches_the_real_tool_list() {
    let server = Everything::start();
    let url = server.url("/mcp");
    let capture = fetch_tools(&url, &test_policy()).await.expect("fetch");

    assert_eq!(capture.url, url);
    assert_eq!(capture.protocol_version.as_deref(), Some("2025-06-18"));
    assert_eq!(capture.server_info["name"], "mcp-servers/everything");
    assert_eq!(capture.initialize_result["serverInfo"], capture.server_info);
    assert!(capture.initialize_result["capabilities"]["tools"].is_object());

    let mut names = tool_names(&capture.tools);
    for name in ["echo", "get-sum", "get-tiny-image"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
    names.sort();
    assert_eq!(
        names, EXPECTED_TOOLS,
        "the tools server-everything advertises"
    );
    let echo = capture.tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .unwrap();
    assert_eq!(echo["inputSchema"]["type"], "object");

    // raw: the exchange as received, round-tripping and deterministic.
    let raw: Value = serde_json::from_slice(&capture.raw).expect("raw is JSON");
    assert_eq!(raw["url"], url.as_str());
    assert!(raw.get("fetchedAt").is_none());
    assert_eq!(raw["initialize"]["jsonrpc"], "2.0");
    assert_eq!(raw["initialize"]["id"], 1);
    assert_eq!(raw["initialize"]["result"], capture.initialize_result);
    let pages = raw["toolsList"].as_array().expect("toolsList array");
    assert!(!pages.is_empty());
    let concatenated: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["result"]["tools"].as_array().unwrap().clone())
        .collect();
    assert_eq!(Value::Array(concatenated), capture.tools["tools"]);
    assert_eq!(serde_json::to_vec(&raw).unwrap(), capture.raw);

    // The session was ended (HTTP DELETE with its Mcp-Session-Id).
    assert_eq!(
        server
            .log()
            .matches("Received session termination request")
            .count(),
        1,
        "server log:\n{}",
        server.log()
    );

    // A second fetch (a new session) records the same bytes.
    let again = fetch_tools(&url, &test_policy())
        .await
        .expect("second fetch");
    assert_eq!(again.raw, capture.raw);
}

#[tokio::test]
async fn loopback_is_refused_in_production_policy() {
    let server = Everything::start();
    for url in [
        server.url("/mcp"),
        format!("http://localhost:{}/mcp", server.port),
    ] {
        let err = fetch_tools(&url, &FetchPolicy::default())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Refused(_)), "{url}: {err:?}");
        assert!(err.to_string().contains("private"), "{err}");
    }
}

#[tokio::test]
async fn wrong_path_is_a_clear_error() {
    let server = Everything::start();
    let err = fetch_tools(&server.url("/not-mcp"), &test_policy())
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Http(404));
    assert_eq!(err.to_string(), "the server answered with HTTP status 404");
}
