#![recursion_limit = "256"]
//! The `steward` binary's library: configuration, the CLI, the HTTP server.
//! Kept as a library so the integration tests start the real router in-process.

pub mod api_v1;
pub mod audit_export;
pub mod classify;
pub mod cli;
pub mod config;
pub mod guard;
pub mod hot_path;
pub mod http;
pub mod idempotency;
pub mod import;
pub mod observability;
pub mod oidc;
pub mod openapi;
pub mod probe;
