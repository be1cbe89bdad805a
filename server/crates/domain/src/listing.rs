//! Listings, versions and the version lifecycle.

use serde::{Deserialize, Serialize};

/// The state of one listing version (PRODUCT.md, "Listing version states").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Draft,
    Submitted,
    Screening,
    InReview,
    ChangesRequested,
    Approved,
    Published,
    Rejected,
    Suspended,
    Delisted,
}

impl VersionState {
    pub const ALL: [VersionState; 10] = [
        VersionState::Draft,
        VersionState::Submitted,
        VersionState::Screening,
        VersionState::InReview,
        VersionState::ChangesRequested,
        VersionState::Approved,
        VersionState::Published,
        VersionState::Rejected,
        VersionState::Suspended,
        VersionState::Delisted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::Submitted => "submitted",
            VersionState::Screening => "screening",
            VersionState::InReview => "in_review",
            VersionState::ChangesRequested => "changes_requested",
            VersionState::Approved => "approved",
            VersionState::Published => "published",
            VersionState::Rejected => "rejected",
            VersionState::Suspended => "suspended",
            VersionState::Delisted => "delisted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            VersionState::Draft => "Draft",
            VersionState::Submitted => "Submitted",
            VersionState::Screening => "Screening",
            VersionState::InReview => "In review",
            VersionState::ChangesRequested => "Changes requested",
            VersionState::Approved => "Approved",
            VersionState::Published => "Published",
            VersionState::Rejected => "Rejected",
            VersionState::Suspended => "Suspended",
            VersionState::Delisted => "Delisted",
        }
    }

    /// Whether the lifecycle allows going from `self` to `to`. Who may make the
    /// move is the service's concern; this is only the shape of the graph.
    pub fn can_move_to(self, to: VersionState) -> bool {
        use VersionState::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                | (Submitted, Screening)
                | (Screening, InReview)
                | (InReview, Approved)
                | (InReview, ChangesRequested)
                | (InReview, Rejected)
                | (Rejected, InReview)
                | (ChangesRequested, Submitted)
                | (Approved, Published)
                | (Published, Suspended)
                | (Suspended, Published)
                | (Suspended, Delisted)
                | (Published, Delisted)
        )
    }

    /// A published (or later) version never changes its manifest or pricing.
    pub fn is_immutable(self) -> bool {
        !matches!(self, VersionState::Draft | VersionState::ChangesRequested)
    }

    /// Visible in the public catalog.
    pub fn is_public(self) -> bool {
        matches!(self, VersionState::Published)
    }
}

/// The marketplace's categories (the policy issue makes this list policy data).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("developer-tools", "Developer tools"),
    ("data-and-databases", "Data and databases"),
    ("productivity", "Productivity"),
    ("communication", "Communication"),
    ("search-and-web", "Search and web"),
    ("sales-and-crm", "Sales and CRM"),
    ("cloud-and-infrastructure", "Cloud and infrastructure"),
    ("utilities", "Utilities"),
];

/// What agents of each category may be able to do (the classifier's
/// capability names). An agent that can do more gets an
/// `excessive_permission` finding for a reviewer to weigh; it is not refused.
/// The policy issue makes this policy data with versions.
pub const CATEGORY_CAPABILITIES: &[(&str, &[&str])] = &[
    (
        "developer-tools",
        &[
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "code_execution",
            "filesystem",
            "credentials",
            "personal_data",
            "network_access",
            "identity",
        ],
    ),
    (
        "data-and-databases",
        &[
            "read_data",
            "write_data",
            "destructive",
            "code_execution",
            "filesystem",
            "credentials",
            "personal_data",
            "network_access",
        ],
    ),
    (
        "productivity",
        &[
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "filesystem",
            "personal_data",
            "network_access",
            "identity",
        ],
    ),
    (
        "communication",
        &[
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "personal_data",
            "network_access",
            "identity",
        ],
    ),
    (
        "search-and-web",
        &["read_data", "write_data", "personal_data", "network_access"],
    ),
    (
        "sales-and-crm",
        &[
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "financial",
            "personal_data",
            "network_access",
        ],
    ),
    (
        "cloud-and-infrastructure",
        &[
            "read_data",
            "write_data",
            "destructive",
            "external_communication",
            "financial",
            "code_execution",
            "filesystem",
            "credentials",
            "personal_data",
            "network_access",
            "identity",
        ],
    ),
    (
        "utilities",
        &["read_data", "write_data", "filesystem", "network_access"],
    ),
];

/// The capabilities a category allows, if the category has a policy.
pub fn category_capabilities(slug: &str) -> Option<&'static [&'static str]> {
    CATEGORY_CAPABILITIES
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, c)| *c)
}

pub fn category_label(slug: &str) -> Option<&'static str> {
    CATEGORIES.iter().find(|(s, _)| *s == slug).map(|(_, l)| *l)
}

/// A version number must be semver (`1.2.3`, `1.0.0-beta.1`).
pub fn validate_version(v: &str) -> Result<semver::Version, String> {
    semver::Version::parse(v).map_err(|e| format!("not a semantic version ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use VersionState::*;

    #[test]
    fn states_round_trip() {
        for s in VersionState::ALL {
            assert_eq!(VersionState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn lifecycle_edges() {
        assert!(Draft.can_move_to(Submitted));
        assert!(InReview.can_move_to(ChangesRequested));
        assert!(ChangesRequested.can_move_to(Submitted));
        assert!(Published.can_move_to(Suspended));
        assert!(Suspended.can_move_to(Published));
        // No shortcuts around review.
        assert!(!Draft.can_move_to(Published));
        assert!(!Submitted.can_move_to(Approved));
        assert!(!Rejected.can_move_to(Published));
        assert!(!Delisted.can_move_to(Published));
    }

    #[test]
    fn only_drafts_and_changes_requested_are_editable() {
        let editable: Vec<_> = VersionState::ALL
            .into_iter()
            .filter(|s| !s.is_immutable())
            .collect();
        assert_eq!(editable, vec![Draft, ChangesRequested]);
    }

    #[test]
    fn versions_are_semver() {
        assert!(validate_version("1.2.3").is_ok());
        assert!(validate_version("0.1.0-beta.2").is_ok());
        assert!(validate_version("1.2").is_err());
        assert!(validate_version("latest").is_err());
    }

    #[test]
    fn every_category_has_a_capability_policy() {
        for (slug, _) in CATEGORIES {
            assert!(category_capabilities(slug).is_some(), "{slug}");
        }
        assert!(
            !category_capabilities("utilities")
                .unwrap()
                .contains(&"financial")
        );
    }

    #[test]
    fn categories_have_labels() {
        assert_eq!(category_label("utilities"), Some("Utilities"));
        assert_eq!(category_label("weapons"), None);
    }
}
