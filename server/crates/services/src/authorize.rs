//! The runtime permission check: may this tenant's agent call this tool now?
//!
//! Deny by default. Each call reads the tenant's install, its grants, the
//! installed version's state and the tenant's policy from the database, so a
//! suspension, an uninstall or a revoked grant takes effect on the very next
//! call on every server process; `authz` (Cedar as the reference, the compiled
//! structure deciding) turns those facts into the decision. Caching the
//! compiled structure between calls is the next step for speed (see the notes
//! on the issue).

use domain::identity::Scope;
use domain::listing::VersionState;
use domain::org::OrgKind;
use domain::{InstallId, ListingId};
use store::records::{Install, InstallStatus};

use crate::installs::tool_risks;
use crate::{Actor, Result, ServiceError, Services};

/// What a gateway asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub install_id: Option<String>,
    /// The listing id (the agent's stable identity).
    pub agent_id: Option<String>,
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
    /// Decides one tool call for the token's tenant. Only a tenant's token
    /// with the `authorize` scope may ask, and only about its own installs.
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
        let tenant = self
            .store
            .org_by_id(token.org)
            .await?
            .filter(|o| o.kind == OrgKind::Tenant)
            .ok_or(ServiceError::Forbidden)?;
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
        if !errs.is_empty() {
            return Err(ServiceError::InvalidFields(errs));
        }
        let reader = self.store.in_org(tenant.id);
        // The installs the question can be about; an id that is not this
        // tenant's (or not an id at all) finds none, and the answer is deny.
        let installs: Vec<Install> = match (&req.install_id, &req.agent_id) {
            (Some(id), _) => match id.parse::<InstallId>() {
                Ok(id) => reader.install(id).await?.into_iter().collect(),
                Err(_) => Vec::new(),
            },
            (None, Some(agent)) => match agent.parse::<ListingId>() {
                Ok(l) => reader
                    .installs()
                    .await?
                    .into_iter()
                    .filter(|i| i.listing_id == l)
                    .collect(),
                Err(_) => Vec::new(),
            },
            (None, None) => Vec::new(),
        };
        let mut facts = Vec::with_capacity(installs.len());
        for i in installs {
            let listing = self.store.listing_by_id(i.listing_id).await?;
            let version = match &listing {
                Some(l) => self
                    .store
                    .versions_of(l.id)
                    .await?
                    .into_iter()
                    .find(|v| v.id == i.version_id),
                None => None,
            };
            let state = match version.as_ref().map(|v| v.state) {
                Some(VersionState::Published) => authz::ListingState::Published,
                Some(VersionState::Suspended) => authz::ListingState::Suspended,
                // Delisted, or gone from what the public may see.
                _ => authz::ListingState::Delisted,
            };
            facts.push(authz::Install {
                id: i.id.to_string(),
                tenant: tenant.id.to_string(),
                agent: i.listing_id.to_string(),
                category: listing.map(|l| l.category).unwrap_or_default(),
                status: match i.status {
                    InstallStatus::Active => authz::InstallStatus::Active,
                    InstallStatus::Pending => authz::InstallStatus::Pending,
                    InstallStatus::Removed => authz::InstallStatus::Removed,
                },
                listing: state,
                tools: version
                    .as_ref()
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
                tenant: tenant.id.to_string(),
                version: p.version,
                max_risk: risk(&p.max_risk),
                blocked_capabilities: p.blocked_capabilities,
                blocked_categories: p.blocked_categories,
            })
            .into_iter()
            .collect();
        let snapshot = authz::Snapshot {
            installs: facts,
            policies,
            marketplace_version: self.active_policy().await?.version,
        };
        let decision = authz::Compiled::build(&snapshot).decide(&authz::Request {
            tenant: tenant.id.to_string(),
            install: req.install_id.clone(),
            agent: req.agent_id.clone(),
            tool: tool.to_owned(),
            scopes: req.scopes.clone(),
        });
        let decision_id = uuid::Uuid::now_v7().to_string();
        if !decision.allow {
            // Kept for abuse monitoring: ids and the reason code only.
            tracing::info!(
                target: "steward::authorize",
                decision_id,
                tenant = %tenant.id,
                install = req.install_id.as_deref().unwrap_or(""),
                agent = req.agent_id.as_deref().unwrap_or(""),
                reason = decision.reason.code(),
                "tool call denied"
            );
        }
        Ok(AuthorizeOutcome {
            decision,
            decision_id,
        })
    }
}
