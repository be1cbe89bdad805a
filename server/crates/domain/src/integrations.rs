//! Named integrations (issue #8): a webhook endpoint's `kind` says which
//! system sits behind it (billing, identity, trust and safety, a developer
//! portal, a policy system) or that it takes Steward's own events as they are
//! (`generic`). A named kind fixes which event types the endpoint can receive
//! ([`IntegrationKind::events`]; its admin may narrow them) and maps each event
//! to that system's documented payload ([`payload`]), a small JSON shape whose
//! `schema` field names the kind and version (`steward.identity.v1`).
//!
//! Everything here is a pure function of the stored event: the dispatcher
//! maps at delivery time, so the outbox and the event feed keep the generic
//! payload, and `docs/integrations.md` shows the same examples the snapshot
//! tests pin (a test compares them).

use serde_json::{Map, Value, json};

use crate::org::OrgKind;

/// The event a billing system gets once per install and hour of use.
pub const USAGE_SUMMARIZED: &str = "usage.summarized";

/// Events about a listing that also go to every tenant with an install of it
/// (each tenant's endpoints get them with that tenant's install attached), so
/// a tenant's identity provider can revoke, then restore, the agent's grants.
pub const INSTALLER_EVENTS: &[&str] = &[
    "listing.suspended",
    "listing.delisted",
    "listing.reinstated",
];

/// What sits behind a webhook endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntegrationKind {
    /// Every event (or those the admin names), with Steward's own payload.
    Generic,
    /// Subscriptions, usage and published prices.
    Billing,
    /// Grants to provision and revoke.
    Identity,
    /// Abuse reports and enforcement.
    TrustSafety,
    /// Version and listing status for publishers.
    DeveloperPortal,
    /// Policy activations.
    Policy,
}

const BILLING_EVENTS: &[&str] = &[
    "install.created",
    "install.approved",
    "install.upgraded",
    "install.removed",
    USAGE_SUMMARIZED,
    "listing_version.published",
];
const IDENTITY_EVENTS: &[&str] = &[
    "install.created",
    "install.approved",
    "install.upgraded",
    "install.grants_revoked",
    "listing.suspended",
    "listing.delisted",
    "listing.reinstated",
];
const TRUST_SAFETY_EVENTS: &[&str] = &[
    "report.filed",
    "listing.suspended",
    "listing.delisted",
    "listing.reinstated",
];
const DEVELOPER_PORTAL_EVENTS: &[&str] = &[
    "listing_version.submitted",
    "listing_version.in_review",
    "listing_version.approved",
    "listing_version.changes_requested",
    "listing_version.rejected",
    "listing_version.appealed",
    "listing_version.published",
    "listing.suspended",
    "listing.delisted",
    "listing.reinstated",
];
const POLICY_EVENTS: &[&str] = &["policy.activated"];

impl IntegrationKind {
    pub const ALL: [IntegrationKind; 6] = [
        IntegrationKind::Generic,
        IntegrationKind::Billing,
        IntegrationKind::Identity,
        IntegrationKind::TrustSafety,
        IntegrationKind::DeveloperPortal,
        IntegrationKind::Policy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationKind::Generic => "generic",
            IntegrationKind::Billing => "billing",
            IntegrationKind::Identity => "identity",
            IntegrationKind::TrustSafety => "trust_safety",
            IntegrationKind::DeveloperPortal => "developer_portal",
            IntegrationKind::Policy => "policy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            IntegrationKind::Generic => "Generic (every event, Steward's payload)",
            IntegrationKind::Billing => "Billing",
            IntegrationKind::Identity => "Identity provider",
            IntegrationKind::TrustSafety => "Trust and safety",
            IntegrationKind::DeveloperPortal => "Developer portal",
            IntegrationKind::Policy => "Policy system",
        }
    }

    /// The payload schema a named kind sends (`None` for generic).
    pub fn schema(self) -> Option<&'static str> {
        match self {
            IntegrationKind::Generic => None,
            IntegrationKind::Billing => Some("steward.billing.v1"),
            IntegrationKind::Identity => Some("steward.identity.v1"),
            IntegrationKind::TrustSafety => Some("steward.trust_safety.v1"),
            IntegrationKind::DeveloperPortal => Some("steward.developer_portal.v1"),
            IntegrationKind::Policy => Some("steward.policy.v1"),
        }
    }

    /// The event types a named kind receives; empty for generic (every one).
    pub fn events(self) -> &'static [&'static str] {
        match self {
            IntegrationKind::Generic => &[],
            IntegrationKind::Billing => BILLING_EVENTS,
            IntegrationKind::Identity => IDENTITY_EVENTS,
            IntegrationKind::TrustSafety => TRUST_SAFETY_EVENTS,
            IntegrationKind::DeveloperPortal => DEVELOPER_PORTAL_EVENTS,
            IntegrationKind::Policy => POLICY_EVENTS,
        }
    }

    /// Whether this kind takes events of this type at all.
    pub fn receives(self, event_type: &str) -> bool {
        self == IntegrationKind::Generic || self.events().contains(&event_type)
    }

    /// Which organizations may register an endpoint of this kind: operators
    /// any (marketplace-wide systems); publishers their developer portal;
    /// tenants their identity provider, billing and policy systems.
    pub fn available_to(self, org: OrgKind) -> bool {
        use IntegrationKind::*;
        match org {
            OrgKind::Operator => true,
            OrgKind::Publisher => matches!(self, Generic | DeveloperPortal),
            OrgKind::Tenant => matches!(self, Generic | Identity | Billing | Policy),
        }
    }
}

/// Whether `event_type` matches `pattern` (an exact type or `prefix.*`).
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => event_type.starts_with(prefix),
        None => pattern == event_type,
    }
}

/// One stored event as the mapping sees it.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    pub event_type: &'a str,
    /// The organization the event belongs to (a tenant's for its installs'
    /// and usage events, a publisher's for its listings').
    pub org_id: Option<&'a str>,
    /// The event's generic payload (what the feed shows).
    pub data: &'a Value,
    /// For a listing event fanned out to a tenant ([`INSTALLER_EVENTS`]): that
    /// tenant's install of the listing, as the fan-out saw it in the event's
    /// transaction (`id`, `tenant`, `listing_id`, `version_id`,
    /// `granted_tools`, `granted_scopes`, `status`).
    pub install: Option<&'a Value>,
}

fn s(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(x) if !x.is_null() => x.clone(),
        _ => Value::Null,
    }
}

fn first(v: &Value, keys: &[&str]) -> Value {
    keys.iter()
        .map(|k| s(v, k))
        .find(|x| !x.is_null())
        .unwrap_or(Value::Null)
}

fn suffix(event_type: &str) -> &str {
    event_type.rsplit_once('.').map_or(event_type, |(_, k)| k)
}

fn with_schema(kind: IntegrationKind, body: Value) -> Value {
    let mut out = Map::new();
    out.insert("schema".into(), json!(kind.schema()));
    if let Value::Object(m) = body {
        out.extend(m);
    }
    Value::Object(out)
}

/// The body's `data` for an event delivered to an endpoint of `kind`, or
/// `None` if the kind does not take this event (the fan-out never queues
/// one; the dispatcher marks such a delivery dead rather than guess).
///
/// Generic endpoints get the event's own payload, except a listing event
/// fanned out to a tenant, which names the tenant's install and leaves out
/// the operator's justification (that is for the publisher and trust and
/// safety).
pub fn payload(kind: IntegrationKind, e: &EventRef<'_>) -> Option<Value> {
    if !kind.receives(e.event_type) {
        return None;
    }
    let d = e.data;
    let tenant = || e.org_id.map_or(Value::Null, |o| json!(o));
    let body = match kind {
        IntegrationKind::Generic => {
            return Some(match e.install {
                None => d.clone(),
                Some(i) => json!({
                    "listing_id": s(d, "listing_id"),
                    "slug": s(d, "slug"),
                    "install": i,
                }),
            });
        }
        IntegrationKind::Identity => {
            let (action, reason) = match e.event_type {
                "install.created" => ("grant", "installed"),
                "install.approved" => ("grant", "request_approved"),
                "install.upgraded" => ("set_grants", "upgraded"),
                "install.grants_revoked" => ("revoke_grants", "uninstalled"),
                "listing.suspended" => ("revoke_grants", "listing_suspended"),
                "listing.delisted" => ("revoke_grants", "listing_delisted"),
                "listing.reinstated" => ("restore_grants", "listing_reinstated"),
                _ => return None,
            };
            if e.event_type.starts_with("install.") {
                json!({
                    "action": action,
                    "tenant": tenant(),
                    "install": s(d, "install_id"),
                    "agent": s(d, "listing_id"),
                    "listing": s(d, "listing"),
                    "tools": s(d, "granted_tools"),
                    "scopes": s(d, "granted_scopes"),
                    "reason": reason,
                })
            } else {
                // A listing event: with a tenant's install when fanned out to
                // that tenant; without one (an operator's endpoint) it is
                // about every install of the agent.
                let i = e.install.unwrap_or(&Value::Null);
                json!({
                    "action": action,
                    "tenant": s(i, "tenant"),
                    "install": s(i, "id"),
                    "agent": s(d, "listing_id"),
                    "listing": s(d, "slug"),
                    "tools": s(i, "granted_tools"),
                    "scopes": s(i, "granted_scopes"),
                    "reason": reason,
                })
            }
        }
        IntegrationKind::Billing => match e.event_type {
            USAGE_SUMMARIZED => json!({
                "action": "usage",
                "tenant": tenant(),
                "install": s(d, "install_id"),
                "agent": s(d, "listing_id"),
                "listing": s(d, "listing"),
                "version": s(d, "version"),
                "meter": "tool_call",
                "period_start": s(d, "period_start"),
                "period_end": s(d, "period_end"),
                "quantity": s(d, "allowed"),
                "denied": s(d, "denied"),
            }),
            "listing_version.published" => json!({
                "action": "plans_published",
                "publisher": tenant(),
                "agent": s(d, "listing_id"),
                "listing": s(d, "slug"),
                "version": s(d, "version"),
                "plans": d.get("plans").cloned().unwrap_or_else(|| json!([])),
            }),
            t => json!({
                "action": match t {
                    "install.created" | "install.approved" => "subscription_started",
                    "install.upgraded" => "subscription_changed",
                    _ => "subscription_ended",
                },
                "tenant": tenant(),
                "install": s(d, "install_id"),
                "agent": s(d, "listing_id"),
                "listing": s(d, "listing"),
                "version_id": s(d, "version_id"),
            }),
        },
        IntegrationKind::TrustSafety => match e.event_type {
            "report.filed" => json!({
                "action": "report_filed",
                "report": s(d, "report_id"),
                "agent": s(d, "listing_id"),
                "listing": s(d, "listing_slug"),
                "reason": s(d, "reason"),
                "source": d.get("source").cloned().unwrap_or_else(|| json!("public")),
                "install": s(d, "install_id"),
                "evidence": s(d, "evidence"),
            }),
            t => json!({
                "action": "enforcement",
                "enforcement": suffix(t),
                "publisher": tenant(),
                "agent": s(d, "listing_id"),
                "listing": s(d, "slug"),
                "justification": s(d, "justification"),
            }),
        },
        IntegrationKind::DeveloperPortal => {
            if e.event_type.starts_with("listing_version.") {
                json!({
                    "action": "version_status",
                    "publisher": tenant(),
                    "agent": s(d, "listing_id"),
                    "listing": first(d, &["slug", "listing"]),
                    "version": s(d, "version"),
                    "status": suffix(e.event_type),
                })
            } else {
                json!({
                    "action": "listing_status",
                    "publisher": tenant(),
                    "agent": s(d, "listing_id"),
                    "listing": s(d, "slug"),
                    "status": suffix(e.event_type),
                    "justification": s(d, "justification"),
                })
            }
        }
        IntegrationKind::Policy => {
            let scope = s(d, "kind");
            json!({
                "action": "policy_activated",
                "scope": scope,
                // A tenant's own policy names the tenant; the marketplace's
                // routing policy has none.
                "tenant": if scope == "tenant" { tenant() } else { Value::Null },
                "version": s(d, "version"),
            })
        }
    };
    Some(with_schema(kind, body))
}

/// `v` with every object's keys in sorted order, whichever map serde_json
/// was built with: what snapshots and the documentation print.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        x => x.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_generic_takes_everything() {
        for k in IntegrationKind::ALL {
            assert_eq!(IntegrationKind::parse(k.as_str()), Some(k));
            assert_eq!(k.schema().is_none(), k == IntegrationKind::Generic);
        }
        assert!(IntegrationKind::Generic.receives("anything.at_all"));
        assert!(!IntegrationKind::Policy.receives("install.created"));
        assert_eq!(IntegrationKind::parse("nope"), None);
    }

    #[test]
    fn a_named_kind_maps_only_its_own_events() {
        let data = json!({"install_id": "i", "listing_id": "l"});
        for k in IntegrationKind::ALL {
            for t in ["org.created", "webhook.ping", "rating.written"] {
                let e = EventRef {
                    event_type: t,
                    org_id: None,
                    data: &data,
                    install: None,
                };
                assert_eq!(
                    payload(k, &e).is_some(),
                    k == IntegrationKind::Generic,
                    "{k:?} {t}"
                );
            }
            for t in k.events() {
                let e = EventRef {
                    event_type: t,
                    org_id: Some("o"),
                    data: &data,
                    install: None,
                };
                let p = payload(k, &e).expect("a kind maps every event it takes");
                assert_eq!(p["schema"], json!(k.schema()));
                assert!(p["action"].is_string(), "{k:?} {t}");
            }
        }
    }

    #[test]
    fn who_may_register_which_kind() {
        use IntegrationKind::*;
        assert!(TrustSafety.available_to(OrgKind::Operator));
        assert!(!TrustSafety.available_to(OrgKind::Tenant));
        assert!(!Identity.available_to(OrgKind::Publisher));
        assert!(DeveloperPortal.available_to(OrgKind::Publisher));
        assert!(Identity.available_to(OrgKind::Tenant));
        for o in OrgKind::ALL {
            assert!(Generic.available_to(o));
        }
    }
}
