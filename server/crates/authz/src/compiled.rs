//! The hot path: the snapshot compiled into hash maps, so a decision is a few lookups.
//!
//! Per install it keeps the install-level verdict (removed, pending, delisted, suspended)
//! and, per tool of the installed version, whether it is granted and the tenant policy's
//! verdict on it (risk, capability, category), all computed when the install or the
//! tenant's policy changes. `decide` then costs one lookup for the install (two more when
//! found by agent), one for the tool and one per requested scope, and allocates nothing
//! but the returned [`Decision`] (whose `policy_version` is a shared `Arc<str>`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::model::{
    Decision, Install, InstallStatus, ListingState, Reason, Request, RequestRef, Risk, Snapshot,
    TenantPolicy,
};

type Map<K, V> = HashMap<K, V, RandomState>;
type Set<K> = HashSet<K, RandomState>;

/// The decision structure for one snapshot. See the crate docs for the semantics.
#[derive(Debug, Clone)]
pub struct Compiled {
    marketplace_version: Arc<str>,
    /// `"{marketplace_version}+none"`: the version of a tenant without a policy.
    no_policy_version: Arc<str>,
    installs: Map<Box<str>, CompiledInstall>,
    tenants: Map<Box<str>, CompiledTenant>,
}

#[derive(Debug, Clone)]
struct CompiledTenant {
    policy: Option<TenantRules>,
    version: Arc<str>,
    /// agent → the tenant's installs of it, best first (Active, Pending, Removed; then id).
    by_agent: Map<Box<str>, Vec<(u8, Box<str>)>>,
}

#[derive(Debug, Clone)]
struct TenantRules {
    max_risk: Risk,
    blocked_capabilities: Set<Box<str>>,
    blocked_categories: Set<Box<str>>,
}

impl TenantRules {
    fn new(p: &TenantPolicy) -> TenantRules {
        TenantRules {
            max_risk: p.max_risk,
            blocked_capabilities: p
                .blocked_capabilities
                .iter()
                .map(|c| c.as_str().into())
                .collect(),
            blocked_categories: p
                .blocked_categories
                .iter()
                .map(|c| c.as_str().into())
                .collect(),
        }
    }

    /// The tenant's verdict on one tool of an install of `category`.
    fn verdict(&self, tool: &CompiledTool, category: &str) -> Option<Reason> {
        if tool.risk > self.max_risk {
            Some(Reason::RiskAboveTenantMax)
        } else if tool
            .capabilities
            .iter()
            .any(|c| self.blocked_capabilities.contains(c))
        {
            Some(Reason::CapabilityBlocked)
        } else if self.blocked_categories.contains(category) {
            Some(Reason::CategoryBlocked)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledInstall {
    tenant: Box<str>,
    agent: Box<str>,
    category: Box<str>,
    /// Removed, pending, delisted or suspended: the reason, whatever the tool.
    gate: Option<Reason>,
    /// The tenant's policy version.
    version: Arc<str>,
    tools: Map<Box<str>, CompiledTool>,
    granted_scopes: Set<Box<str>>,
}

#[derive(Debug, Clone)]
struct CompiledTool {
    granted: bool,
    risk: Risk,
    capabilities: Box<[Box<str>]>,
    /// The tenant policy's verdict (None: allowed, or no policy).
    policy: Option<Reason>,
}

impl Compiled {
    /// Compiles a snapshot (installs and policies applied in order: the last of a repeated
    /// id or tenant counts).
    pub fn build(snapshot: &Snapshot) -> Compiled {
        let mv: Arc<str> = snapshot.marketplace_version.as_str().into();
        let mut c = Compiled {
            no_policy_version: crate::policy_version(&mv, None).into(),
            marketplace_version: mv,
            installs: Map::default(),
            tenants: Map::default(),
        };
        for p in &snapshot.policies {
            c.set_policy(p.clone());
        }
        for i in &snapshot.installs {
            c.upsert_install(i.clone());
        }
        c
    }

    /// Decides `req`; no allocation beyond the returned decision.
    pub fn decide(&self, req: &Request) -> Decision {
        self.decide_ref(&req.as_ref())
    }

    /// [`Compiled::decide`] on borrowed parts.
    pub fn decide_ref(&self, req: &RequestRef<'_>) -> Decision {
        let install = match (req.install, req.agent) {
            (Some(id), _) => self.installs.get(id),
            (None, Some(agent)) => self
                .tenants
                .get(req.tenant)
                .and_then(|t| t.by_agent.get(agent))
                .and_then(|ids| ids.first())
                .and_then(|(_, id)| self.installs.get(id)),
            (None, None) => None,
        };
        let Some(install) = install.filter(|i| *i.tenant == *req.tenant) else {
            return Decision::new(Reason::UnknownInstall, self.version_of(req.tenant));
        };
        let deny = |r| Decision::new(r, install.version.clone());
        if let Some(r) = install.gate {
            return deny(r);
        }
        let Some(tool) = install.tools.get(req.tool) else {
            return deny(Reason::UnknownTool);
        };
        if !tool.granted {
            return deny(Reason::ToolNotGranted);
        }
        if !req
            .scopes
            .iter()
            .all(|s| install.granted_scopes.contains(s.as_str()))
        {
            return deny(Reason::ScopeNotGranted);
        }
        deny(tool.policy.unwrap_or(Reason::Granted))
    }

    /// Adds an install, or replaces the one with its id (its grants, status, listing
    /// state or version changed).
    pub fn upsert_install(&mut self, i: Install) {
        self.remove_install(&i.id);
        let tenant = self.tenant_mut(&i.tenant);
        let granted: HashSet<&str> = i.granted_tools.iter().map(String::as_str).collect();
        let mut tools = Map::default();
        for t in &i.tools {
            let mut tool = CompiledTool {
                granted: granted.contains(t.name.as_str()),
                risk: t.risk,
                capabilities: t.capabilities.iter().map(|c| c.as_str().into()).collect(),
                policy: None,
            };
            tool.policy = tenant
                .policy
                .as_ref()
                .and_then(|p| p.verdict(&tool, &i.category));
            tools.insert(t.name.as_str().into(), tool);
        }
        let gate = match (i.status, i.listing) {
            (InstallStatus::Removed, _) => Some(Reason::InstallRemoved),
            (InstallStatus::Pending, _) => Some(Reason::InstallPending),
            (_, ListingState::Delisted) => Some(Reason::ListingDelisted),
            (_, ListingState::Suspended) => Some(Reason::ListingSuspended),
            (InstallStatus::Active, ListingState::Published) => None,
        };
        let ids = tenant.by_agent.entry(i.agent.as_str().into()).or_default();
        ids.push((i.status.preference(), i.id.as_str().into()));
        ids.sort();
        let compiled = CompiledInstall {
            tenant: i.tenant.into(),
            agent: i.agent.into(),
            category: i.category.into(),
            gate,
            version: tenant.version.clone(),
            tools,
            granted_scopes: i.granted_scopes.iter().map(|s| s.as_str().into()).collect(),
        };
        self.installs.insert(i.id.into(), compiled);
    }

    /// Forgets an install (no effect if there is none with this id).
    pub fn remove_install(&mut self, id: &str) {
        let Some(old) = self.installs.remove(id) else {
            return;
        };
        if let Some(t) = self.tenants.get_mut(&*old.tenant)
            && let Some(ids) = t.by_agent.get_mut(&*old.agent)
        {
            ids.retain(|(_, i)| &**i != id);
            if ids.is_empty() {
                t.by_agent.remove(&*old.agent);
            }
        }
    }

    /// Sets (adds or replaces) a tenant's active policy and recomputes its installs.
    pub fn set_policy(&mut self, p: TenantPolicy) {
        let version: Arc<str> =
            crate::policy_version(&self.marketplace_version, Some(&p.version)).into();
        let rules = TenantRules::new(&p);
        let tenant = self.tenant_mut(&p.tenant);
        tenant.version = version.clone();
        let ids: Vec<Box<str>> = tenant
            .by_agent
            .values()
            .flatten()
            .map(|(_, id)| id.clone())
            .collect();
        for id in ids {
            if let Some(i) = self.installs.get_mut(&id) {
                i.version = version.clone();
                for tool in i.tools.values_mut() {
                    tool.policy = rules.verdict(tool, &i.category);
                }
            }
        }
        self.tenant_mut(&p.tenant).policy = Some(rules);
    }

    fn tenant_mut(&mut self, tenant: &str) -> &mut CompiledTenant {
        if !self.tenants.contains_key(tenant) {
            self.tenants.insert(
                tenant.into(),
                CompiledTenant {
                    policy: None,
                    version: self.no_policy_version.clone(),
                    by_agent: Map::default(),
                },
            );
        }
        self.tenants.get_mut(tenant).expect("just inserted")
    }

    fn version_of(&self, tenant: &str) -> Arc<str> {
        self.tenants
            .get(tenant)
            .map_or_else(|| self.no_policy_version.clone(), |t| t.version.clone())
    }
}
