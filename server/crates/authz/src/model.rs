//! The facts a decision is made from, the question, and the answer.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Where an install stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallStatus {
    Active,
    Pending,
    Removed,
}

impl InstallStatus {
    /// Preference when an install is found by agent: Active, then Pending, then Removed.
    pub(crate) fn preference(self) -> u8 {
        match self {
            InstallStatus::Active => 0,
            InstallStatus::Pending => 1,
            InstallStatus::Removed => 2,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InstallStatus::Active => "active",
            InstallStatus::Pending => "pending",
            InstallStatus::Removed => "removed",
        }
    }
}

/// The listing state of the installed version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingState {
    Published,
    Suspended,
    Delisted,
}

impl ListingState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ListingState::Published => "published",
            ListingState::Suspended => "suspended",
            ListingState::Delisted => "delisted",
        }
    }
}

/// A tool's risk, ordered `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    /// 0 (Low) to 3 (Critical): the Cedar `Long` a tool's `risk` attribute holds.
    pub fn level(self) -> i64 {
        match self {
            Risk::Low => 0,
            Risk::Medium => 1,
            Risk::High => 2,
            Risk::Critical => 3,
        }
    }
}

/// One tool of the installed version, as the classifier judged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolFacts {
    pub name: String,
    pub risk: Risk,
    /// Classifier capability names, e.g. `read_data`, `destructive`, `financial`.
    pub capabilities: Vec<String>,
}

/// A tenant's install of an agent (a listing), at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Install {
    pub id: String,
    pub tenant: String,
    /// The listing id.
    pub agent: String,
    pub category: String,
    pub status: InstallStatus,
    /// The installed version's listing state.
    pub listing: ListingState,
    /// Every tool of the installed version.
    pub tools: Vec<ToolFacts>,
    pub granted_tools: Vec<String>,
    pub granted_scopes: Vec<String>,
}

/// A tenant's active policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPolicy {
    pub tenant: String,
    pub version: String,
    /// Tools above this risk are denied.
    pub max_risk: Risk,
    pub blocked_capabilities: Vec<String>,
    pub blocked_categories: Vec<String>,
}

/// Everything a decision depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub installs: Vec<Install>,
    pub policies: Vec<TenantPolicy>,
    pub marketplace_version: String,
}

/// May `tenant`'s install (by id, or else by agent) call `tool` with `scopes`?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub tenant: String,
    pub install: Option<String>,
    pub agent: Option<String>,
    pub tool: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A [`Request`] that borrows its parts: what the hot path decides on, so a
/// call needs no copy of what the caller already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRef<'a> {
    pub tenant: &'a str,
    pub install: Option<&'a str>,
    pub agent: Option<&'a str>,
    pub tool: &'a str,
    pub scopes: &'a [String],
}

impl Request {
    pub fn as_ref(&self) -> RequestRef<'_> {
        RequestRef {
            tenant: &self.tenant,
            install: self.install.as_deref(),
            agent: self.agent.as_deref(),
            tool: &self.tool,
            scopes: &self.scopes,
        }
    }
}

/// Why a decision came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Granted,
    UnknownInstall,
    UnknownTool,
    ToolNotGranted,
    ScopeNotGranted,
    InstallPending,
    InstallRemoved,
    ListingSuspended,
    ListingDelisted,
    RiskAboveTenantMax,
    CapabilityBlocked,
    CategoryBlocked,
}

impl Reason {
    /// Every reason, in check order (see [`Reason::rank`]).
    pub const ALL: [Reason; 12] = [
        Reason::UnknownInstall,
        Reason::InstallRemoved,
        Reason::InstallPending,
        Reason::ListingDelisted,
        Reason::ListingSuspended,
        Reason::UnknownTool,
        Reason::ToolNotGranted,
        Reason::ScopeNotGranted,
        Reason::RiskAboveTenantMax,
        Reason::CapabilityBlocked,
        Reason::CategoryBlocked,
        Reason::Granted,
    ];

    /// The position of this reason's check in the order of checks (0 first; `Granted`
    /// last). When several checks fail, the one of lowest rank is the reason.
    pub fn rank(self) -> u8 {
        match self {
            Reason::UnknownInstall => 0,
            Reason::InstallRemoved => 1,
            Reason::InstallPending => 2,
            Reason::ListingDelisted => 3,
            Reason::ListingSuspended => 4,
            Reason::UnknownTool => 5,
            Reason::ToolNotGranted => 6,
            Reason::ScopeNotGranted => 7,
            Reason::RiskAboveTenantMax => 8,
            Reason::CapabilityBlocked => 9,
            Reason::CategoryBlocked => 10,
            Reason::Granted => 11,
        }
    }

    /// A stable snake_case code (also the serde form, and the Cedar policy id prefix).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Granted => "granted",
            Reason::UnknownInstall => "unknown_install",
            Reason::UnknownTool => "unknown_tool",
            Reason::ToolNotGranted => "tool_not_granted",
            Reason::ScopeNotGranted => "scope_not_granted",
            Reason::InstallPending => "install_pending",
            Reason::InstallRemoved => "install_removed",
            Reason::ListingSuspended => "listing_suspended",
            Reason::ListingDelisted => "listing_delisted",
            Reason::RiskAboveTenantMax => "risk_above_tenant_max",
            Reason::CapabilityBlocked => "capability_blocked",
            Reason::CategoryBlocked => "category_blocked",
        }
    }

    /// The reason for a code, if it is one.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// A sentence safe to show the caller: it names no other tenant's data.
    pub fn message(&self) -> &'static str {
        match self {
            Reason::Granted => "The tool is granted to this install.",
            Reason::UnknownInstall => "No such install for this tenant.",
            Reason::UnknownTool => "The installed version has no tool of that name.",
            Reason::ToolNotGranted => "The tool has not been granted to this install.",
            Reason::ScopeNotGranted => "A requested scope has not been granted to this install.",
            Reason::InstallPending => "The install is pending approval.",
            Reason::InstallRemoved => "The install has been removed.",
            Reason::ListingSuspended => "The installed agent's listing is suspended.",
            Reason::ListingDelisted => "The installed agent's listing has been delisted.",
            Reason::RiskAboveTenantMax => {
                "The tool's risk is above the maximum the tenant's policy allows."
            }
            Reason::CapabilityBlocked => "The tenant's policy blocks a capability of the tool.",
            Reason::CategoryBlocked => "The tenant's policy blocks the agent's category.",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The answer: allow or deny, why, and under which policy versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub allow: bool,
    pub reason: Reason,
    /// `"{marketplace_version}+{tenant policy version or 'none'}"`; shared, so a decision
    /// costs no allocation for it.
    pub policy_version: Arc<str>,
}

impl Decision {
    /// Allow when `reason` is `Granted`, deny otherwise.
    pub fn new(reason: Reason, policy_version: Arc<str>) -> Decision {
        Decision {
            allow: reason == Reason::Granted,
            reason,
            policy_version,
        }
    }
}
