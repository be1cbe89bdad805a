//! Typed ids. Every id is a UUID (v7 when generated here, so ids sort by creation
//! time) wrapped in a type per entity, so an `OrgId` can never be passed where a
//! `ListingId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| IdParseError)
            }
        }
    };
}

/// A string that is not a valid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct IdParseError;

typed_id!(
    /// An organization: operator, publisher or tenant.
    OrgId
);
typed_id!(
    /// A listing (the stable agent identity across versions).
    ListingId
);
typed_id!(
    /// One version of a listing.
    VersionId
);
typed_id!(
    /// A tool of a listing version's manifest.
    ToolId
);
typed_id!(
    /// An abuse report.
    ReportId
);
typed_id!(
    /// An outbound event in the outbox.
    EventId
);
typed_id!(
    /// A person's account.
    UserId
);
typed_id!(
    /// An invitation to join an organization.
    InvitationId
);
typed_id!(
    /// An API token (service identity).
    TokenId
);
typed_id!(
    /// A source document (uploaded or fetched manifest) of a version.
    DocumentId
);
typed_id!(
    /// A price plan of a version.
    PlanId
);
typed_id!(
    /// A review case: one review of one submitted version.
    CaseId
);
typed_id!(
    /// A decision on a review case.
    DecisionId
);
typed_id!(
    /// A message between reviewers and a publisher about a version.
    MessageId
);
typed_id!(
    /// An enforcement action on a listing.
    ActionId
);
typed_id!(
    /// A tenant's install of a listing version.
    InstallId
);
typed_id!(
    /// A tenant's rating and review of a listing.
    RatingId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ListingId::new();
        let parsed: ListingId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
    }

    #[test]
    fn garbage_is_not_an_id() {
        assert_eq!("nope".parse::<OrgId>(), Err(IdParseError));
        assert!("".parse::<OrgId>().is_err());
    }

    #[test]
    fn generated_ids_sort_by_creation() {
        let a = VersionId::new();
        let b = VersionId::new();
        assert!(a < b);
    }
}
