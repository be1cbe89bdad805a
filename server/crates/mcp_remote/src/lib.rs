//! A minimal MCP client: `initialize`, `notifications/initialized`, `tools/list`
//! over Streamable HTTP, returning the bytes the server really sent.
