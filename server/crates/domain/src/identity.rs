//! People, roles, and service identities.

use serde::{Deserialize, Serialize};

use crate::org::OrgKind;

/// A role a person holds in one organization. Which roles exist depends on the
/// organization's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    // publisher
    Owner,
    Developer,
    Finance,
    // operator
    Reviewer,
    Security,
    TrustSafety,
    Legal,
    Compliance,
    Devrel,
    Admin,
    Auditor,
    // tenant
    TenantAdmin,
    Member,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::Owner,
        Role::Developer,
        Role::Finance,
        Role::Reviewer,
        Role::Security,
        Role::TrustSafety,
        Role::Legal,
        Role::Compliance,
        Role::Devrel,
        Role::Admin,
        Role::Auditor,
        Role::TenantAdmin,
        Role::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Developer => "developer",
            Role::Finance => "finance",
            Role::Reviewer => "reviewer",
            Role::Security => "security",
            Role::TrustSafety => "trust_safety",
            Role::Legal => "legal",
            Role::Compliance => "compliance",
            Role::Devrel => "devrel",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::TenantAdmin => "tenant_admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Developer => "Developer",
            Role::Finance => "Finance",
            Role::Reviewer => "Reviewer",
            Role::Security => "Security",
            Role::TrustSafety => "Trust and safety",
            Role::Legal => "Legal",
            Role::Compliance => "Compliance",
            Role::Devrel => "Developer relations",
            Role::Admin => "Admin",
            Role::Auditor => "Auditor",
            Role::TenantAdmin => "Tenant admin",
            Role::Member => "Member",
        }
    }

    /// The roles an organization of `kind` can grant.
    pub fn for_kind(kind: OrgKind) -> &'static [Role] {
        match kind {
            OrgKind::Publisher => &[Role::Owner, Role::Developer, Role::Finance],
            OrgKind::Operator => &[
                Role::Reviewer,
                Role::Security,
                Role::TrustSafety,
                Role::Legal,
                Role::Compliance,
                Role::Devrel,
                Role::Admin,
                Role::Auditor,
            ],
            OrgKind::Tenant => &[Role::TenantAdmin, Role::Member],
        }
    }

    pub fn fits(self, kind: OrgKind) -> bool {
        Self::for_kind(kind).contains(&self)
    }

    /// The role that manages an organization of `kind`: members, invitations, tokens.
    pub fn manager_of(kind: OrgKind) -> Role {
        match kind {
            OrgKind::Publisher => Role::Owner,
            OrgKind::Operator => Role::Admin,
            OrgKind::Tenant => Role::TenantAdmin,
        }
    }
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// Ask for runtime permission decisions.
    #[serde(rename = "authorize")]
    Authorize,
    /// Report usage events.
    #[serde(rename = "usage:write")]
    UsageWrite,
    /// Create listings and versions.
    #[serde(rename = "listings:write")]
    ListingsWrite,
    /// Read the event feed.
    #[serde(rename = "events:read")]
    EventsRead,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::Authorize,
        Scope::UsageWrite,
        Scope::ListingsWrite,
        Scope::EventsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Authorize => "authorize",
            Scope::UsageWrite => "usage:write",
            Scope::ListingsWrite => "listings:write",
            Scope::EventsRead => "events:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scope::Authorize => "ask whether an agent's tool call is allowed",
            Scope::UsageWrite => "report usage events for metering",
            Scope::ListingsWrite => "create listings and submit versions",
            Scope::EventsRead => "read the organization's event feed",
        }
    }
}

/// Lowercased, trimmed; refuses what cannot be an address.
pub fn normalize_email(raw: &str) -> Result<String, &'static str> {
    let e = raw.trim().to_lowercase();
    if e.is_empty() {
        return Err("Enter your email address.");
    }
    if e.len() > 254 {
        return Err("That email address is too long.");
    }
    let Some((local, domain)) = e.split_once('@') else {
        return Err("That does not look like an email address.");
    };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains('@')
        || e.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("That does not look like an email address.");
    }
    Ok(e)
}

pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 256;

/// Length is what matters (NIST 800-63B): at least 12 characters, and not the
/// email address itself.
pub fn check_password(password: &str, email: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!("Use at least {PASSWORD_MIN} characters."));
    }
    if n > PASSWORD_MAX {
        return Err(format!("Use at most {PASSWORD_MAX} characters."));
    }
    if password.trim().to_lowercase() == email.trim().to_lowercase() {
        return Err("Do not use your email address as your password.".into());
    }
    Ok(())
}

/// A display name: 1–100 characters after trimming, no control characters.
pub fn check_display_name(name: &str) -> Result<String, &'static str> {
    let n = name.trim();
    if n.is_empty() {
        return Err("Enter your name.");
    }
    if n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err("Use at most 100 ordinary characters.");
    }
    Ok(n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_belong_to_kinds() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            let kinds: Vec<_> = OrgKind::ALL.into_iter().filter(|k| r.fits(*k)).collect();
            assert_eq!(kinds.len(), 1, "{r:?} belongs to exactly one kind");
        }
        assert!(Role::Owner.fits(OrgKind::Publisher));
        assert!(!Role::Owner.fits(OrgKind::Tenant));
        for k in OrgKind::ALL {
            assert!(Role::manager_of(k).fits(k));
        }
    }

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Scope::parse("admin"), None);
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("correct horse battery", "a@b.co").is_ok());
        assert!(check_password("short", "a@b.co").is_err());
        assert!(check_password("someone@example.com", "someone@example.com").is_err());
        assert!(check_password(&"x".repeat(257), "a@b.co").is_err());
    }
}
