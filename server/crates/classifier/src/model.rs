//! The classifier's vocabulary. Serialized names are the CLI's JSON contract
//! (`steward classify`): keep them stable.

use serde::{Deserialize, Serialize};

/// What a tool does to the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    ReadOnly,
    Write,
    Destructive,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::ReadOnly => "read_only",
            Effect::Write => "write",
            Effect::Destructive => "destructive",
        }
    }
}

/// What a tool or scope can do, in the words of the disclosure label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    ReadData,
    WriteData,
    Destructive,
    /// Sends messages, email, posts on the user's behalf.
    ExternalCommunication,
    /// Payments, transfers, purchases, refunds.
    Financial,
    CodeExecution,
    Filesystem,
    /// Reads or handles secrets, keys, tokens.
    Credentials,
    PersonalData,
    /// Open-world fetch or browse.
    NetworkAccess,
    /// Acts as or administers users, permissions, roles.
    Identity,
}

impl Capability {
    pub const ALL: [Capability; 11] = [
        Capability::ReadData,
        Capability::WriteData,
        Capability::Destructive,
        Capability::ExternalCommunication,
        Capability::Financial,
        Capability::CodeExecution,
        Capability::Filesystem,
        Capability::Credentials,
        Capability::PersonalData,
        Capability::NetworkAccess,
        Capability::Identity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ReadData => "read_data",
            Capability::WriteData => "write_data",
            Capability::Destructive => "destructive",
            Capability::ExternalCommunication => "external_communication",
            Capability::Financial => "financial",
            Capability::CodeExecution => "code_execution",
            Capability::Filesystem => "filesystem",
            Capability::Credentials => "credentials",
            Capability::PersonalData => "personal_data",
            Capability::NetworkAccess => "network_access",
            Capability::Identity => "identity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Risk tiers, ordered: `Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Risk::Low, Risk::Medium, Risk::High, Risk::Critical]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Why a classification came out as it did: which rule fired on what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The rule's id in the ruleset, e.g. `verb.delete` or `annotation.destructive`.
    pub rule: String,
    /// Where it matched: `name`, `description`, `annotations.readOnlyHint`,
    /// `inputSchema.properties.command`, `scope`, `operation`.
    pub field: String,
    /// The words or value that matched.
    pub matched: String,
}

/// One tool, classified.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolClass {
    pub name: String,
    pub effect: Effect,
    /// Sorted, unique.
    pub capabilities: Vec<Capability>,
    pub risk: Risk,
    /// In [0, 1]: how sure the rules are of `effect` and `capabilities`.
    pub confidence: f32,
    pub reasons: Vec<Reason>,
}

/// One permission scope (OAuth scope, API permission), classified.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeClass {
    pub name: String,
    pub effect: Effect,
    pub capabilities: Vec<Capability>,
    pub risk: Risk,
    pub confidence: f32,
    pub reasons: Vec<Reason>,
}

/// A whole manifest, classified by one ruleset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The ruleset's version id.
    pub ruleset: String,
    /// The highest tier of any tool or scope.
    pub risk: Risk,
    pub tools: Vec<ToolClass>,
    pub scopes: Vec<ScopeClass>,
}

/// Who says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The publisher declared it (annotations, listing capabilities).
    Declared,
    /// Steward's rules inferred it.
    Inferred,
    /// The optional model-backed reviewer suggested it.
    Model,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Declared => "declared",
            Source::Inferred => "inferred",
            Source::Model => "model",
        }
    }
}

/// One line of the buyer's label, e.g. "Can send email as you".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisclosureItem {
    pub capability: Capability,
    pub text: String,
    pub source: Source,
    pub risk: Risk,
    /// The tools behind it, by name.
    pub tools: Vec<String>,
}

/// What a buyer reads before installing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Disclosure {
    /// One sentence: the overall tier and the headline capabilities.
    pub summary: String,
    pub items: Vec<DisclosureItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    ToolPoisoning,
    UndisclosedCapability,
    AnnotationMismatch,
    ExcessivePermission,
    Impersonation,
    CapabilityIncrease,
    SecretInput,
    OpenWorld,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl FindingKind {
    pub const ALL: [FindingKind; 8] = [
        FindingKind::ToolPoisoning,
        FindingKind::UndisclosedCapability,
        FindingKind::AnnotationMismatch,
        FindingKind::ExcessivePermission,
        FindingKind::Impersonation,
        FindingKind::CapabilityIncrease,
        FindingKind::SecretInput,
        FindingKind::OpenWorld,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::ToolPoisoning => "tool_poisoning",
            FindingKind::UndisclosedCapability => "undisclosed_capability",
            FindingKind::AnnotationMismatch => "annotation_mismatch",
            FindingKind::ExcessivePermission => "excessive_permission",
            FindingKind::Impersonation => "impersonation",
            FindingKind::CapabilityIncrease => "capability_increase",
            FindingKind::SecretInput => "secret_input",
            FindingKind::OpenWorld => "open_world",
        }
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Something a reviewer should look at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The tool concerned, if one.
    pub tool: Option<String>,
    pub message: String,
    /// What was seen: the matched text, the field, the other listing's name...
    pub evidence: String,
    pub source: Source,
    /// For model findings; rules leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// What the publisher says about the listing (the `listing` of a bundle).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListingInfo {
    pub name: String,
    pub publisher: String,
    pub category: String,
    pub description: String,
    pub declared_capabilities: Vec<String>,
}

/// A listing already in the marketplace (for impersonation checks).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub name: String,
    pub publisher: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the pages show are the names the JSON contract uses.
    #[test]
    fn as_str_is_the_serialized_name() {
        let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        for e in [Effect::ReadOnly, Effect::Write, Effect::Destructive] {
            assert_eq!(json(serde_json::to_value(e).unwrap()), e.as_str());
        }
        for s in [Source::Declared, Source::Inferred, Source::Model] {
            assert_eq!(json(serde_json::to_value(s).unwrap()), s.as_str());
        }
        for k in [
            FindingKind::ToolPoisoning,
            FindingKind::UndisclosedCapability,
            FindingKind::AnnotationMismatch,
            FindingKind::ExcessivePermission,
            FindingKind::Impersonation,
            FindingKind::CapabilityIncrease,
            FindingKind::SecretInput,
            FindingKind::OpenWorld,
        ] {
            assert_eq!(json(serde_json::to_value(k).unwrap()), k.as_str());
        }
        for s in [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            assert_eq!(json(serde_json::to_value(s).unwrap()), s.as_str());
        }
        for c in Capability::ALL {
            assert_eq!(json(serde_json::to_value(c).unwrap()), c.as_str());
        }
    }
}
