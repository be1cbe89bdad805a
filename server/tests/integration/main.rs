//! Integration tests: the real router over real HTTP, on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL; and the real `steward` binary as a process.

mod audit;
mod boundary;
mod buyer;
mod catalog;
mod dashboard;
mod decisions;
mod helpers;
mod http_api;
mod identity;
mod installs;
mod integrations;
mod oidc;
mod pages;
mod portal;
mod process;
mod review;
mod server_fns;
mod verification;
