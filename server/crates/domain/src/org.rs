//! Organizations and their kinds.

use serde::{Deserialize, Serialize};

/// What an organization is to the marketplace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Runs the marketplace: reviews, decides, enforces.
    Operator,
    /// Lists agents.
    Publisher,
    /// Buys and installs agents.
    Tenant,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Operator, OrgKind::Publisher, OrgKind::Tenant];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Operator => "operator",
            OrgKind::Publisher => "publisher",
            OrgKind::Tenant => "tenant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A slug: lowercase ASCII letters, digits and single hyphens, 2–64 characters,
/// starting with a letter. Used for organizations and listings in URLs.
pub fn validate_slug(slug: &str) -> Result<(), &'static str> {
    let len = slug.len();
    if !(2..=64).contains(&len) {
        return Err("must be 2 to 64 characters long");
    }
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lowercase letter");
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("may contain only lowercase letters, digits and hyphens");
    }
    if slug.ends_with('-') || slug.contains("--") {
        return Err("may not end with a hyphen or contain two in a row");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrgKind::parse("admin"), None);
    }

    #[test]
    fn slugs() {
        assert!(validate_slug("acme-tools").is_ok());
        assert!(validate_slug("a1").is_ok());
        assert!(validate_slug("a").is_err());
        assert!(validate_slug("1abc").is_err());
        assert!(validate_slug("Acme").is_err());
        assert!(validate_slug("acme--x").is_err());
        assert!(validate_slug("acme-").is_err());
        assert!(validate_slug("acme tools").is_err());
        assert!(validate_slug(&"a".repeat(65)).is_err());
    }
}
