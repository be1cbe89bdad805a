//! Steward's domain: the types and rules of the marketplace.
//!
//! Invariant: this crate does no IO (no database, network, file system or clock);
//! callers pass in time and randomness-derived ids. It builds for the server and is
//! meant to build for WASM as the classifier lands here.

pub mod audit;
pub mod combined_risk;
pub mod diff;
pub mod identity;
pub mod ids;
pub mod integrations;
pub mod listing;
pub mod manifest;
pub mod org;
pub mod pricing;
pub mod rating;
pub mod report;
pub mod review;
pub mod routing;
pub mod verification;

pub use ids::*;
