//! The runtime permission check: may this tenant's agent call this tool now?
//!
//! Deny by default. The facts (the tenant's installs, their grants, the
//! installed versions' listing state and tools, the tenant's policy) are
//! compiled per tenant into an `authz::Compiled` (Cedar is the reference it
//! is held to) and kept in memory by [`crate::decisions`] until a change
//! names them; every process applies a change before the change returns to
//! whoever made it, so a suspension, an uninstall or a revoked grant takes
//! effect on the very next call everywhere. Without a live feed each call
//! reads its facts from the database.
//!
//! Who may ask: a tenant's token with the `authorize` scope, about its own
//! installs; or a gateway token (an operator organization's token with that
//! scope), naming the tenant.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use domain::identity::Scope;
use domain::listing::VersionState;
use domain::org::OrgKind;
use domain::{ListingId, OrgId};
use store::records::{Install, InstallStatus, Listing, Version};

use crate::decisions::TenantEntry;
use crate::identity::TokenOrgKind;
use crate::installs::tool_risks;
use crate::{Actor, Result, ServiceError, Services};

/// What a gateway asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub install_id: Option<String>,
    /// The listing id (the agent's stable identity).
    pub agent_id: Option<String>,
    /// The tenant (id or short name): required with a gateway token; a
    /// tenant's token may only name itself.
    pub tenant: Option<String>,
    pub tool: String,
    pub scopes: Vec<String>,
}

/// The decision, with an id for the gateway's logs and the audit of abuse.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizeOutcome {
    pub decision: authz::Decision,
    pub decision_id: String,
}

fn risk(s: &str) -> authz::Risk {
    match s {
        "low" => authz::Risk::Low,
        "medium" => authz::Risk::Medium,
        "high" => authz::Risk::High,
        // Unknown is treated as the worst.
        _ => authz::Risk::Critical,
    }
}

impl Services {
    /// Decides one tool call. Only a token with the `authorize` scope may ask:
    /// a tenant's, about its own installs, or a gateway (operator) token,
    /// about the tenant the request names.
    pub async fn authorize(
        &self,
        actor: &Actor,
        req: &AuthorizeRequest,
    ) -> Result<AuthorizeOutcome> {
        let Actor::Token(token) = actor else {
            return Err(match actor {
                Actor::Anonymous => ServiceError::Unauthorized,
                _ => ServiceError::Forbidden,
            });
        };
        token.require(Scope::Authorize)?;
        let mut errs = Vec::new();
        let tool = req.tool.trim();
        if tool.is_empty() || tool.len() > 200 {
            errs.push((
                "tool".to_owned(),
                "name the tool (1 to 200 characters)".to_owned(),
            ));
        }
        if req.install_id.is_none() == req.agent_id.is_none() {
            errs.push((
                "install_id".to_owned(),
                "give either install_id or agent_id".to_owned(),
            ));
        }
        if req.scopes.len() > 100 {
            errs.push(("scopes".to_owned(), "at most 100 scopes".to_owned()));
        }
        let tenant = match token.kind {
            TokenOrgKind::Tenant => match req.tenant.as_deref() {
                // A tenant's token speaks for its own tenant only.
                Some(t) if t != token.org.to_string() && !self.is_slug_of(t, token.org).await? => {
                    return Err(ServiceError::Forbidden);
                }
                _ => Some(token.org),
            },
            TokenOrgKind::Operator => match req.tenant.as_deref().map(str::trim) {
                None | Some("") => {
                    errs.push((
                        "tenant".to_owned(),
                        "a gateway token names the tenant (its id or short name)".to_owned(),
                    ));
                    None
                }
                Some(t) => match self.tenant_id(t).await? {
                    Some(id) => Some(id),
                    None => {
                        errs.push(("tenant".to_owned(), "no such tenant".to_owned()));
                        None
                    }
                },
            },
            TokenOrgKind::Other => return Err(ServiceError::Forbidden),
        };
        if !errs.is_empty() {
            return Err(ServiceError::InvalidFields(errs));
        }
        let tenant = tenant.ok_or(ServiceError::Forbidden)?;
        let decide = |e: &TenantEntry| {
            e.compiled.decide_ref(&authz::RequestRef {
                tenant: &e.tenant,
                install: req.install_id.as_deref(),
                agent: req.agent_id.as_deref(),
                tool,
                scopes: &req.scopes,
            })
        };
        let decision = match self.decisions.with_tenant(tenant, decide) {
            Some(d) => d,
            None => {
                let generation = self.decisions.generation();
                let (snapshot, versions) = self.tenant_snapshot(tenant).await?;
                let e = Arc::new(TenantEntry::new(tenant, &snapshot, versions));
                // Rare once warm: each is a tenant's facts read from the database.
                metrics::counter!("steward_authz_tenant_loads_total").increment(1);
                self.decisions.put_tenant(tenant, e.clone(), generation);
                decide(&e)
            }
        };
        let decision_id = uuid::Uuid::now_v7().to_string();
        let install = req.install_id.as_deref().unwrap_or("");
        let agent = req.agent_id.as_deref().unwrap_or("");
        if decision.allow {
            self.decisions
                .count(tenant, install, agent, tool, "allow", None);
        } else {
            self.decisions.count(
                tenant,
                install,
                agent,
                tool,
                decision.reason.code(),
                Some(&decision_id),
            );
        }
        Ok(AuthorizeOutcome {
            decision,
            decision_id,
        })
    }

    /// The tenant organization `t` names (its id or short name), if any.
    async fn tenant_id(&self, t: &str) -> Result<Option<OrgId>> {
        let org = match t.parse::<OrgId>() {
            Ok(id) => self.store.org_by_id(id).await?,
            Err(_) => self.store.org_by_slug(t).await?,
        };
        Ok(org.filter(|o| o.kind == OrgKind::Tenant).map(|o| o.id))
    }

    async fn is_slug_of(&self, t: &str, org: OrgId) -> Result<bool> {
        Ok(self
            .store
            .org_by_slug(t)
            .await?
            .is_some_and(|o| o.id == org))
    }

    /// Everything a tenant's decisions depend on, from the database, and the
    /// versions it names.
    async fn tenant_snapshot(&self, tenant: OrgId) -> Result<(authz::Snapshot, HashSet<String>)> {
        let reader = self.store.in_org(tenant);
        let installs: Vec<Install> = reader.installs().await?;
        let mut listings: HashMap<ListingId, (Option<Listing>, Vec<Version>)> = HashMap::new();
        let mut facts = Vec::with_capacity(installs.len());
        let mut versions = HashSet::new();
        for i in installs {
            if let std::collections::hash_map::Entry::Vacant(e) = listings.entry(i.listing_id) {
                let listing = self.store.listing_by_id(i.listing_id).await?;
                let vs = match &listing {
                    Some(l) => self.store.versions_of(l.id).await?,
                    None => Vec::new(),
                };
                e.insert((listing, vs));
            }
            let (listing, vs) = &listings[&i.listing_id];
            let version = vs.iter().find(|v| v.id == i.version_id);
            versions.insert(i.version_id.to_string());
            let state = match version.map(|v| v.state) {
                Some(VersionState::Published) => authz::ListingState::Published,
                Some(VersionState::Suspended) => authz::ListingState::Suspended,
                // Delisted, or gone from what the public may see.
                _ => authz::ListingState::Delisted,
            };
            facts.push(authz::Install {
                id: i.id.to_string(),
                tenant: tenant.to_string(),
                agent: i.listing_id.to_string(),
                category: listing
                    .as_ref()
                    .map(|l| l.category.clone())
                    .unwrap_or_default(),
                status: match i.status {
                    InstallStatus::Active => authz::InstallStatus::Active,
                    InstallStatus::Pending => authz::InstallStatus::Pending,
                    InstallStatus::Removed => authz::InstallStatus::Removed,
                },
                listing: state,
                tools: version
                    .map(|v| {
                        tool_risks(v)
                            .into_iter()
                            .map(|t| authz::ToolFacts {
                                risk: risk(&t.risk),
                                name: t.name,
                                capabilities: t.capabilities,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                granted_tools: i.granted_tools,
                granted_scopes: i.granted_scopes,
            });
        }
        let policies = reader
            .tenant_policy()
            .await?
            .map(|p| authz::TenantPolicy {
                tenant: tenant.to_string(),
                version: p.version,
                max_risk: risk(&p.max_risk),
                blocked_capabilities: p.blocked_capabilities,
                blocked_categories: p.blocked_categories,
            })
            .into_iter()
            .collect();
        Ok((
            authz::Snapshot {
                installs: facts,
                policies,
                marketplace_version: self.active_policy().await?.version,
            },
            versions,
        ))
    }
}
