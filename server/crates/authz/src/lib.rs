//! Runtime permission checks (issue #7): may this tenant's installed agent call this tool
//! with these scopes, now?
//!
//! Pure: no IO, no database, no clock. The caller (services, the HTTP API) loads a
//! [`Snapshot`] of installs, grants, listing states and tenant policies, and asks.
//!
//! Two implementations decide, and they decide identically (a property test checks it on
//! random snapshots and requests):
//!
//! - [`decide_reference`] / [`Reference`]: the marketplace rules and every tenant policy
//!   written as Cedar policies, evaluated by `cedar_policy::Authorizer::is_authorized`.
//!   Cedar is the reference for the allow/deny decision; the [`Reason`] of a deny is read
//!   from the ids of the policies that determined it.
//! - [`Compiled`]: the hot path. Hash maps built from the same snapshot, patched in place
//!   when an install, a grant, a listing state or a tenant policy changes
//!   ([`Compiled::upsert_install`], [`Compiled::remove_install`], [`Compiled::set_policy`]).
//!
//! # Semantics
//!
//! **Which install.** A request names its install by `install` id, or else by `agent`
//! (listing id) within its `tenant`. By id: the install with that id, which must belong to
//! the request's tenant; an install of another tenant is [`Reason::UnknownInstall`], exactly
//! as a missing one, so a cross-tenant request learns nothing. By agent: among the tenant's
//! installs of that listing, the Active one, else the Pending one, else the Removed one;
//! ties (several installs of one status) go to the smallest install id. When both `install`
//! and `agent` are given, `install` alone decides. A request with neither names no install.
//!
//! **Duplicates in a snapshot.** Install ids are unique in practice; if one repeats, the last
//! one counts, as if each install were [`Compiled::upsert_install`]ed in order. Likewise a
//! repeated tool name within an install (the last [`ToolFacts`] counts) and a repeated
//! tenant policy (the last one counts).
//!
//! **Checks,** in this order; the first that fails decides the reason, so it is
//! deterministic (see [`Reason::rank`]):
//!
//! 1. no such install for this tenant → [`Reason::UnknownInstall`]
//! 2. install status Removed → [`Reason::InstallRemoved`]
//! 3. install status Pending → [`Reason::InstallPending`]
//! 4. the installed version's listing is Delisted → [`Reason::ListingDelisted`]
//! 5. … is Suspended → [`Reason::ListingSuspended`]
//! 6. the tool is not among the installed version's tools → [`Reason::UnknownTool`]
//! 7. the tool is not among the granted tools → [`Reason::ToolNotGranted`]
//! 8. a requested scope is not among the granted scopes → [`Reason::ScopeNotGranted`]
//!    (no requested scope: nothing to check)
//! 9. the tenant policy's `max_risk` is below the tool's risk → [`Reason::RiskAboveTenantMax`]
//! 10. one of the tool's capabilities is blocked by the tenant policy →
//!     [`Reason::CapabilityBlocked`]
//! 11. the install's category is blocked by the tenant policy → [`Reason::CategoryBlocked`]
//! 12. otherwise allow, [`Reason::Granted`].
//!
//! A tenant without a policy has no tenant restrictions (checks 9–11 pass). String
//! comparisons are exact (case-sensitive, no normalization).
//!
//! **Policy version.** Every decision names the versions that decided it:
//! `"{marketplace_version}+{tenant policy version}"`, or `"{marketplace_version}+none"` for
//! a tenant without a policy. The tenant is the request's tenant (also on a deny).
//!
//! # Cedar model
//!
//! See [`reference`] for the entities and the generated policies.

mod compiled;
mod model;
pub mod reference;

pub use compiled::Compiled;
pub use model::{
    Decision, Install, InstallStatus, ListingState, Reason, Request, RequestRef, Risk, Snapshot,
    TenantPolicy, ToolFacts,
};
pub use reference::{Reference, decide_reference};

/// The policy version string for a marketplace version and a tenant's policy version.
pub fn policy_version(marketplace_version: &str, tenant_policy_version: Option<&str>) -> String {
    format!(
        "{marketplace_version}+{}",
        tenant_policy_version.unwrap_or("none")
    )
}
