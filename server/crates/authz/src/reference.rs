//! The reference: the rules as Cedar policies, decided by `Authorizer::is_authorized`.
//!
//! # Entities (namespace `Steward`, no schema needed; [`SCHEMA`] documents it)
//!
//! - `Steward::Tenant::"<tenant>"`: no attributes. One per tenant named by an install or a
//!   policy.
//! - `Steward::Install::"<install id>"`, parent its `Tenant`: `agent`, `category`,
//!   `status` (`"active"|"pending"|"removed"`), `listing`
//!   (`"published"|"suspended"|"delisted"`), `granted_tools` and `granted_scopes`
//!   (sets of strings).
//! - `Steward::Tool::"<len(install id)>:<install id>/<tool name>"`, parent its `Install`:
//!   `name`, `risk` (a Long: 0 Low … 3 Critical), `capabilities` (a set of strings). The
//!   length prefix keeps the id unambiguous whatever the install id holds.
//!
//! # Request
//!
//! principal: the resolved `Install` (by id: `Install::"<id>"` whether or not it exists;
//! by agent: the install the crate-level rules pick, or `Steward::Unresolved::""`, which
//! never exists); action `Steward::Action::"call_tool"`; resource the `Tool` of that
//! principal with the requested name (which may not exist); context
//! `{ tenant: Steward::Tenant::"<request tenant>", scopes: [<requested scopes>] }`.
//!
//! # Policies
//!
//! Each policy's id is `<reason code>` (marketplace rules) or `<reason code>#<n>` (tenant
//! rules, numbered in order), so a deny's reason is read from the ids of the policies that
//! determined it; if several did, the one whose check comes first ([`Reason::rank`]) is
//! the reason. Marketplace rules (9 policies):
//!
//! ```cedar
//! @id("granted") permit(principal is Steward::Install, action == Steward::Action::"call_tool", resource is Steward::Tool)
//!   when { resource in principal && principal.granted_tools.contains(resource.name) };
//! @id("unknown_install")  forbid(principal, action == …, resource) unless { principal in context.tenant };
//! @id("install_removed")  forbid(…) when { principal.status == "removed" };
//! @id("install_pending")  forbid(…) when { principal.status == "pending" };
//! @id("listing_delisted") forbid(…) when { principal.listing == "delisted" };
//! @id("listing_suspended") forbid(…) when { principal.listing == "suspended" };
//! @id("unknown_tool")     forbid(…) unless { resource in principal };
//! @id("tool_not_granted") forbid(…) unless { principal.granted_tools.contains(resource.name) };
//! @id("scope_not_granted") forbid(…) unless { principal.granted_scopes.containsAll(context.scopes) };
//! ```
//!
//! Per tenant policy, scoped to `principal in Steward::Tenant::"<tenant>"`: one
//! `risk_above_tenant_max#n` forbid `when { resource.risk > <max level> }` (unless the
//! maximum is Critical), one `capability_blocked#n` forbid
//! `when { resource.capabilities.contains("<cap>") }` per blocked capability, and one
//! `category_blocked#n` forbid `when { principal.category == "<category>" }` per blocked
//! category. So the policy count grows with tenants, as in a real deployment.
//!
//! A policy that reads an attribute of an entity that does not exist errors and is
//! skipped (Cedar's semantics); in every such case `unknown_install` or `unknown_tool`
//! determines the deny.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy, PolicyId,
    PolicySet, RestrictedExpression,
};

use crate::model::{Decision, Install, Reason, Request, Snapshot, TenantPolicy};

/// The Cedar schema of the entities and the action (documentation; the authorizer runs
/// without one, and a test validates the generated policies against it). A request whose
/// install does not resolve names the principal `Steward::Unresolved::""`, outside it.
pub const SCHEMA: &str = r#"
namespace Steward {
  entity Tenant;
  entity Install in [Tenant] {
    agent: String,
    category: String,
    status: String,
    listing: String,
    granted_tools: Set<String>,
    granted_scopes: Set<String>,
  };
  entity Tool in [Install] {
    name: String,
    risk: Long,
    capabilities: Set<String>,
  };
  action call_tool appliesTo {
    principal: [Install],
    resource: [Tool],
    context: { tenant: Tenant, scopes: Set<String> },
  };
}
"#;

const ACTION: &str = r#"Steward::Action::"call_tool""#;

/// The marketplace rules: (reason, policy text).
fn marketplace_policies() -> [(Reason, String); 9] {
    let scope = format!("(principal, action == {ACTION}, resource)");
    [
        (
            Reason::Granted,
            format!(
                "permit(principal is Steward::Install, action == {ACTION}, resource is Steward::Tool) \
                 when {{ resource in principal && principal.granted_tools.contains(resource.name) }};"
            ),
        ),
        (
            Reason::UnknownInstall,
            format!("forbid{scope} unless {{ principal in context.tenant }};"),
        ),
        (
            Reason::InstallRemoved,
            format!("forbid{scope} when {{ principal.status == \"removed\" }};"),
        ),
        (
            Reason::InstallPending,
            format!("forbid{scope} when {{ principal.status == \"pending\" }};"),
        ),
        (
            Reason::ListingDelisted,
            format!("forbid{scope} when {{ principal.listing == \"delisted\" }};"),
        ),
        (
            Reason::ListingSuspended,
            format!("forbid{scope} when {{ principal.listing == \"suspended\" }};"),
        ),
        (
            Reason::UnknownTool,
            format!("forbid{scope} unless {{ resource in principal }};"),
        ),
        (
            Reason::ToolNotGranted,
            format!("forbid{scope} unless {{ principal.granted_tools.contains(resource.name) }};"),
        ),
        (
            Reason::ScopeNotGranted,
            format!(
                "forbid{scope} unless {{ principal.granted_scopes.containsAll(context.scopes) }};"
            ),
        ),
    ]
}

/// A Cedar string literal (quotes included) holding exactly `s`.
fn lit(s: &str) -> String {
    format!("\"{}\"", s.escape_default())
}

/// A tenant policy's rules: (reason, policy text).
fn tenant_policies(p: &TenantPolicy) -> Vec<(Reason, String)> {
    let scope = format!(
        "(principal in Steward::Tenant::{}, action == {ACTION}, resource)",
        lit(&p.tenant)
    );
    let mut out = Vec::new();
    if p.max_risk.level() < crate::Risk::Critical.level() {
        out.push((
            Reason::RiskAboveTenantMax,
            format!(
                "forbid{scope} when {{ resource.risk > {} }};",
                p.max_risk.level()
            ),
        ));
    }
    for cap in &p.blocked_capabilities {
        out.push((
            Reason::CapabilityBlocked,
            format!(
                "forbid{scope} when {{ resource.capabilities.contains({}) }};",
                lit(cap)
            ),
        ));
    }
    for cat in &p.blocked_categories {
        out.push((
            Reason::CategoryBlocked,
            format!(
                "forbid{scope} when {{ principal.category == {} }};",
                lit(cat)
            ),
        ));
    }
    out
}

fn type_name(name: &str) -> EntityTypeName {
    name.parse().expect("a valid entity type name")
}

fn uid(ty: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name(ty), EntityId::new(id))
}

fn tenant_uid(tenant: &str) -> EntityUid {
    uid("Steward::Tenant", tenant)
}

fn install_uid(id: &str) -> EntityUid {
    uid("Steward::Install", id)
}

fn tool_uid(install: &str, tool: &str) -> EntityUid {
    uid(
        "Steward::Tool",
        &format!("{}:{install}/{tool}", install.len()),
    )
}

fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> RestrictedExpression {
    RestrictedExpression::new_set(
        items
            .into_iter()
            .map(|s| RestrictedExpression::new_string(s.clone())),
    )
}

fn install_entities(i: &Install) -> Vec<Entity> {
    let me = install_uid(&i.id);
    let attrs: HashMap<String, RestrictedExpression> = [
        ("agent", RestrictedExpression::new_string(i.agent.clone())),
        (
            "category",
            RestrictedExpression::new_string(i.category.clone()),
        ),
        (
            "status",
            RestrictedExpression::new_string(i.status.as_str().into()),
        ),
        (
            "listing",
            RestrictedExpression::new_string(i.listing.as_str().into()),
        ),
        ("granted_tools", strings(&i.granted_tools)),
        ("granted_scopes", strings(&i.granted_scopes)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut out = vec![
        Entity::new(me.clone(), attrs, HashSet::from([tenant_uid(&i.tenant)]))
            .expect("install attributes are literals"),
    ];
    // A repeated tool name: the last one counts.
    let tools: BTreeMap<&str, &crate::ToolFacts> =
        i.tools.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in tools.values() {
        let attrs: HashMap<String, RestrictedExpression> = [
            ("name", RestrictedExpression::new_string(t.name.clone())),
            ("risk", RestrictedExpression::new_long(t.risk.level())),
            ("capabilities", strings(&t.capabilities)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        out.push(
            Entity::new(tool_uid(&i.id, &t.name), attrs, HashSet::from([me.clone()]))
                .expect("tool attributes are literals"),
        );
    }
    out
}

/// The reference decider built from one snapshot: the policy set, the entities, and what
/// it needs to resolve a request's install.
pub struct Reference {
    policies: PolicySet,
    entities: Entities,
    /// Deduplicated by id (the last one counts).
    installs: BTreeMap<String, Install>,
    /// tenant → its policy's version.
    versions: HashMap<String, String>,
    marketplace_version: String,
}

impl Reference {
    /// Generates the policies and entities for `snapshot`.
    pub fn build(snapshot: &Snapshot) -> Reference {
        let mut installs = BTreeMap::new();
        for i in &snapshot.installs {
            installs.insert(i.id.clone(), i.clone());
        }
        let mut by_tenant: BTreeMap<&str, &TenantPolicy> = BTreeMap::new();
        for p in &snapshot.policies {
            by_tenant.insert(p.tenant.as_str(), p);
        }

        let mut policies = PolicySet::new();
        for (reason, text) in marketplace_policies() {
            let p = Policy::parse(Some(PolicyId::new(reason.code())), &text)
                .expect("the marketplace policies parse");
            policies.add(p).expect("unique policy ids");
        }
        let mut n = 0usize;
        for p in by_tenant.values() {
            for (reason, text) in tenant_policies(p) {
                let id = PolicyId::new(format!("{}#{n}", reason.code()));
                n += 1;
                let p = Policy::parse(Some(id), &text).expect("generated tenant policies parse");
                policies.add(p).expect("unique policy ids");
            }
        }

        let tenants: std::collections::BTreeSet<&str> = installs
            .values()
            .map(|i| i.tenant.as_str())
            .chain(by_tenant.keys().copied())
            .collect();
        let mut entities: Vec<Entity> = tenants
            .into_iter()
            .map(|t| Entity::new_no_attrs(tenant_uid(t), HashSet::new()))
            .collect();
        for i in installs.values() {
            entities.extend(install_entities(i));
        }
        let entities = Entities::from_entities(entities, None).expect("entity ids are unique");

        Reference {
            policies,
            entities,
            versions: by_tenant
                .iter()
                .map(|(t, p)| (t.to_string(), p.version.clone()))
                .collect(),
            installs,
            marketplace_version: snapshot.marketplace_version.clone(),
        }
    }

    /// The generated policy set.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// How many policies the set holds.
    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    /// The generated entities.
    pub fn entities(&self) -> &Entities {
        &self.entities
    }

    /// The Cedar request for `req` (the install resolved as the crate docs say).
    pub fn cedar_request(&self, req: &Request) -> cedar_policy::Request {
        let (principal, install_id) = match (&req.install, &req.agent) {
            (Some(id), _) => (install_uid(id), id.as_str()),
            (None, Some(agent)) => match self
                .installs
                .values()
                .filter(|i| i.tenant == req.tenant && i.agent == *agent)
                .min_by(|a, b| (a.status.preference(), &a.id).cmp(&(b.status.preference(), &b.id)))
            {
                Some(i) => (install_uid(&i.id), i.id.as_str()),
                None => (uid("Steward::Unresolved", ""), ""),
            },
            (None, None) => (uid("Steward::Unresolved", ""), ""),
        };
        let context = Context::from_pairs([
            (
                "tenant".to_string(),
                RestrictedExpression::new_entity_uid(tenant_uid(&req.tenant)),
            ),
            ("scopes".to_string(), strings(&req.scopes)),
        ])
        .expect("a context of literals");
        cedar_policy::Request::new(
            principal,
            ACTION.parse().expect("the action uid"),
            tool_uid(install_id, &req.tool),
            context,
            None,
        )
        .expect("no schema, so no request validation")
    }

    /// The version string for the request's tenant.
    fn policy_version(&self, tenant: &str) -> Arc<str> {
        crate::policy_version(
            &self.marketplace_version,
            self.versions.get(tenant).map(String::as_str),
        )
        .into()
    }

    /// Decides `req` with Cedar.
    pub fn decide(&self, req: &Request) -> Decision {
        let response = Authorizer::new().is_authorized(
            &self.cedar_request(req),
            &self.policies,
            &self.entities,
        );
        let reason = match response.decision() {
            cedar_policy::Decision::Allow => Reason::Granted,
            cedar_policy::Decision::Deny => response
                .diagnostics()
                .reason()
                .filter_map(|id| reason_of(id.as_ref()))
                .filter(|r| *r != Reason::Granted)
                .min_by_key(|r| r.rank())
                // Nothing forbade and nothing permitted: cannot happen with these policies
                // (the forbids cover every case the permit does not); deny saying nothing.
                .unwrap_or(Reason::UnknownInstall),
        };
        Decision::new(reason, self.policy_version(&req.tenant))
    }
}

/// The reason a generated policy id encodes (`<code>` or `<code>#<n>`).
fn reason_of(policy_id: &str) -> Option<Reason> {
    Reason::from_code(policy_id.split('#').next().unwrap_or(policy_id))
}

/// Decides `req` against `snapshot` with Cedar: builds the policies and entities, then asks
/// `is_authorized`. For many requests against one snapshot, build a [`Reference`] once.
pub fn decide_reference(snapshot: &Snapshot, req: &Request) -> Decision {
    Reference::build(snapshot).decide(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_policies_validate_against_the_schema() {
        use cedar_policy::{Schema, ValidationMode, Validator};
        let schema: Schema = SCHEMA.parse().expect("the schema parses");
        let snapshot = Snapshot {
            installs: vec![],
            policies: vec![TenantPolicy {
                tenant: "t\"\\\n é".into(),
                version: "v1".into(),
                max_risk: crate::Risk::Medium,
                blocked_capabilities: vec!["financial".into(), "we\"ird\\".into()],
                blocked_categories: vec!["crypto".into()],
            }],
            marketplace_version: "m1".into(),
        };
        let r = Reference::build(&snapshot);
        assert_eq!(r.policy_count(), 9 + 4);
        let result = Validator::new(schema).validate(r.policies(), ValidationMode::Strict);
        assert!(
            result.validation_passed(),
            "{:?}",
            result.validation_errors().collect::<Vec<_>>()
        );
    }

    #[test]
    fn literals_round_trip() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "new\nline",
            "é ☃",
            "'",
            "\u{0}",
        ] {
            let mut set = PolicySet::new();
            let text = format!(
                "permit(principal, action, resource) when {{ context.s == {} }};",
                lit(s)
            );
            set.add(Policy::parse(None, &text).unwrap()).unwrap();
            let context = Context::from_pairs([(
                "s".to_string(),
                RestrictedExpression::new_string(s.to_string()),
            )])
            .unwrap();
            let u = uid("Steward::Tenant", "x");
            let req = cedar_policy::Request::new(u.clone(), u.clone(), u, context, None).unwrap();
            let response = Authorizer::new().is_authorized(&req, &set, &Entities::empty());
            assert_eq!(response.decision(), cedar_policy::Decision::Allow, "{s:?}");
        }
    }
}
