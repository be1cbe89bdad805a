//! Installs with consent and tenant policy: a tenant admin installs a
//! published version granting exactly the tools and scopes chosen (high and
//! critical tools only when ticked explicitly), within the tenant's policy; a
//! member's install waits for an admin; uninstalling revokes every grant.
//! Each change commits with its audit entry and outbound event.

use domain::audit::AuditRecord;
use domain::combined_risk::{CombinedRisk, GrantedTool, combined_risk, completes};
use domain::identity::Role;
use domain::listing::VersionState;
use domain::org::OrgKind;
use domain::{InstallId, OrgId};
use store::NewEvent;
use store::records::{Install, InstallStatus, Listing, Org, TenantPolicy, Version};

use crate::{Actor, Result, ServiceError, Services};

/// Risk tiers, ordered.
const TIERS: [&str; 4] = ["low", "medium", "high", "critical"];

pub(crate) fn tier(s: &str) -> usize {
    TIERS.iter().position(|t| *t == s).unwrap_or(TIERS.len())
}

pub(crate) fn field(name: &str, msg: impl Into<String>) -> (String, String) {
    (name.to_owned(), msg.into())
}

/// What a tenant admin chose on the consent screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstallChoice {
    /// A published version; the live one when `None`.
    pub version: Option<String>,
    pub tools: Vec<String>,
    pub scopes: Vec<String>,
    /// High and critical tools the admin ticked explicitly.
    pub confirmed: Vec<String>,
}

/// A tenant policy as an admin submits it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantPolicyInput {
    pub max_risk: String,
    pub blocked_capabilities: Vec<String>,
    pub blocked_categories: Vec<String>,
    pub members_request: bool,
}

/// One tool as the consent screen and the decision point see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolRisk {
    pub name: String,
    pub risk: String,
    pub capabilities: Vec<String>,
}

/// Each tool of a version with Steward's reading of it (from the stored
/// screening; a tool the screening does not know reads as `high`).
pub fn tool_risks(v: &Version) -> Vec<ToolRisk> {
    let report = v.screening.as_ref().map(|s| &s.report);
    v.manifest
        .tools
        .iter()
        .map(|t| {
            let class = report
                .and_then(|r| r["tools"].as_array())
                .and_then(|a| a.iter().find(|c| c["name"] == t.name.as_str()));
            ToolRisk {
                name: t.name.clone(),
                risk: class
                    .and_then(|c| c["risk"].as_str())
                    .unwrap_or("high")
                    .to_owned(),
                capabilities: class
                    .and_then(|c| c["capabilities"].as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Checks what a tenant admin chose against the version and the tenant's
/// policy, naming every problem by field; returns the sorted, unique tools and
/// scopes to grant. High and critical tools need an explicit tick unless they
/// are in `already` (granted before, at the same or a higher risk: an upgrade
/// keeps such grants without asking again).
pub(crate) fn check_grants(
    listing: &Listing,
    version: &Version,
    policy: Option<&TenantPolicy>,
    choice: &InstallChoice,
    already: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let tools = tool_risks(version);
    let scopes = version.manifest.all_scopes();
    let mut errs = Vec::new();
    let mut granted_tools: Vec<String> = choice.tools.iter().map(|t| t.trim().to_owned()).collect();
    granted_tools.sort();
    granted_tools.dedup();
    let mut granted_scopes: Vec<String> =
        choice.scopes.iter().map(|s| s.trim().to_owned()).collect();
    granted_scopes.sort();
    granted_scopes.dedup();
    if granted_tools.is_empty() {
        errs.push(field("tools", "grant at least one tool"));
    }
    for name in &granted_tools {
        let Some(t) = tools.iter().find(|t| &t.name == name) else {
            errs.push(field(
                "tools",
                format!("{name} is not a tool of version {}", version.version),
            ));
            continue;
        };
        if tier(&t.risk) >= tier("high")
            && !choice.confirmed.contains(name)
            && !already.contains(name)
        {
            errs.push(field(
                "confirmed",
                format!("{name} is {} risk: tick it explicitly to grant it", t.risk),
            ));
        }
        if let Some(p) = policy {
            if tier(&t.risk) > tier(&p.max_risk) {
                errs.push(field(
                    "tools",
                    format!(
                        "{name} is {} risk; your policy allows at most {}",
                        t.risk, p.max_risk
                    ),
                ));
            }
            for c in &t.capabilities {
                if p.blocked_capabilities.contains(c) {
                    errs.push(field(
                        "tools",
                        format!(
                            "{name} can {}, which your policy blocks",
                            c.replace('_', " ")
                        ),
                    ));
                }
            }
        }
    }
    for s in &granted_scopes {
        if !scopes.contains(s) {
            errs.push(field(
                "scopes",
                format!("{s} is not a scope this version asks for"),
            ));
        }
    }
    if let Some(p) = policy
        && p.blocked_categories.contains(&listing.category)
    {
        errs.push(field(
            "listing",
            "your policy blocks agents of this category",
        ));
    }
    if !errs.is_empty() {
        return Err(ServiceError::InvalidFields(errs));
    }
    Ok((granted_tools, granted_scopes))
}

pub(crate) fn install_event(kind: &str, i: &Install, slug: Option<&str>) -> NewEvent {
    NewEvent {
        event_type: format!("install.{kind}"),
        org_id: Some(i.org_id),
        subject_type: "install".into(),
        subject_id: i.id.to_string(),
        payload: serde_json::json!({
            "install_id": i.id,
            "listing_id": i.listing_id,
            "listing": slug,
            "version_id": i.version_id,
            "granted_tools": i.granted_tools,
            "granted_scopes": i.granted_scopes,
            "status": i.status.as_str(),
        }),
    }
}

/// An install with what it refers to, for the tenant's pages.
#[derive(Clone, Debug)]
pub struct InstallView {
    pub install: Install,
    pub listing: Option<Listing>,
    pub version: Option<Version>,
    /// The listing's live version when it is newer than the pinned one: the
    /// install stays on `version` until an admin accepts this one.
    pub available: Option<Version>,
}

/// The tenant's home: its installs and policy, and whether the viewer administers it.
#[derive(Clone, Debug)]
pub struct TenantHome {
    pub org: Org,
    pub is_admin: bool,
    pub installs: Vec<InstallView>,
    pub policy: Option<TenantPolicy>,
    /// Combined risk over the active installs' granted tools.
    pub combined: CombinedRisk,
}

/// What the consent screen shows before an install.
#[derive(Clone, Debug)]
pub struct ConsentScreen {
    pub org: Org,
    pub is_admin: bool,
    pub listing: Listing,
    pub publisher: Option<Org>,
    pub version: Version,
    pub tools: Vec<ToolRisk>,
    pub scopes: Vec<String>,
    pub policy: Option<TenantPolicy>,
    pub installed: bool,
    /// Combined risk over the tenant's active installs now.
    pub combined: CombinedRisk,
    /// Set when this install, with the tools the screen ticks for you (low
    /// and medium risk, not blocked by policy), would complete the dangerous
    /// combination.
    pub completes: Option<CombinedRisk>,
}

/// The tools granted across active installs, with Steward's reading of each
/// (as of the version each install is pinned to).
pub fn granted_across(installs: &[InstallView]) -> Vec<GrantedTool> {
    installs
        .iter()
        .filter(|v| v.install.status == InstallStatus::Active)
        .flat_map(|v| {
            let agent = v
                .listing
                .as_ref()
                .map_or_else(|| v.install.listing_id.to_string(), |l| l.name.clone());
            let risks = v.version.as_ref().map(tool_risks).unwrap_or_default();
            v.install
                .granted_tools
                .iter()
                .map(|name| GrantedTool {
                    agent: agent.clone(),
                    tool: name.clone(),
                    capabilities: risks
                        .iter()
                        .find(|t| &t.name == name)
                        .map(|t| t.capabilities.clone())
                        .unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Services {
    /// The tenant's installs, newest first, each with its listing, the
    /// version it is pinned to and a newer live version if there is one.
    pub(crate) async fn install_views(&self, org: OrgId) -> Result<Vec<InstallView>> {
        let mut installs = Vec::new();
        for i in self.store.in_org(org).installs().await? {
            installs.push(self.install_view(i).await?);
        }
        Ok(installs)
    }

    pub(crate) async fn install_view(&self, i: Install) -> Result<InstallView> {
        let listing = self.store.listing_by_id(i.listing_id).await?;
        let versions = match &listing {
            Some(l) => self.store.versions_of(l.id).await?,
            None => Vec::new(),
        };
        let version = versions.iter().find(|v| v.id == i.version_id).cloned();
        let pinned_at = version.as_ref().and_then(|v| v.published_at);
        let available = versions
            .into_iter()
            .filter(|v| v.state == VersionState::Published)
            .max_by_key(|v| v.published_at)
            .filter(|live| live.id != i.version_id && live.published_at > pinned_at);
        Ok(InstallView {
            install: i,
            listing,
            version,
            available,
        })
    }

    /// The tenant's installs (with their listings and versions) and policy.
    pub async fn tenant_home(&self, actor: &Actor, tenant_slug: &str) -> Result<TenantHome> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let reader = self.store.in_org(org.id);
        let installs = self.install_views(org.id).await?;
        Ok(TenantHome {
            is_admin: roles.contains(&Role::TenantAdmin),
            policy: reader.tenant_policy().await?,
            combined: combined_risk(&granted_across(&installs)),
            installs,
            org,
        })
    }

    /// Everything a tenant admin reads before installing `listing_slug`.
    pub async fn consent_screen(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        listing_slug: &str,
    ) -> Result<ConsentScreen> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let (listing, version) = self.installable(listing_slug, None).await?;
        let reader = self.store.in_org(org.id);
        let policy = reader.tenant_policy().await?;
        let tools = tool_risks(&version);
        let existing = granted_across(&self.install_views(org.id).await?);
        // What the screen ticks for you: low and medium risk, not blocked.
        let preticked: Vec<GrantedTool> = tools
            .iter()
            .filter(|t| tier(&t.risk) < tier("high"))
            .filter(|t| {
                policy.as_ref().is_none_or(|p| {
                    tier(&t.risk) <= tier(&p.max_risk)
                        && !t
                            .capabilities
                            .iter()
                            .any(|c| p.blocked_capabilities.contains(c))
                })
            })
            .map(|t| GrantedTool {
                agent: listing.name.clone(),
                tool: t.name.clone(),
                capabilities: t.capabilities.clone(),
            })
            .collect();
        Ok(ConsentScreen {
            is_admin: roles.contains(&Role::TenantAdmin),
            publisher: self.store.org_by_id(listing.org_id).await?,
            combined: combined_risk(&existing),
            completes: completes(&existing, &preticked),
            tools,
            scopes: version.manifest.all_scopes(),
            policy,
            installed: reader.live_install_of(listing.id).await?.is_some(),
            org,
            listing,
            version,
        })
    }

    /// The tenant organization `slug`, if the actor is a member (else 404).
    pub(crate) async fn tenant(&self, actor: &Actor, slug: &str) -> Result<(Org, Vec<Role>)> {
        let (org, roles) = self.member_org(actor, slug).await?;
        if org.kind != OrgKind::Tenant {
            return Err(ServiceError::NotFound);
        }
        Ok((org, roles))
    }

    /// The policy versions a decision for `tenant` is made under.
    pub(crate) async fn policy_versions(&self, tenant: OrgId) -> Result<String> {
        let marketplace = self.active_policy().await?.version;
        let tenant = self
            .store
            .in_org(tenant)
            .tenant_policy()
            .await?
            .map_or_else(|| "none".to_owned(), |p| p.version);
        Ok(format!("{marketplace}+{tenant}"))
    }

    /// A published listing and the version to install (the live one by default).
    pub(crate) async fn installable(
        &self,
        listing_slug: &str,
        version: Option<&str>,
    ) -> Result<(Listing, Version)> {
        let listing = self
            .store
            .listing_by_slug(listing_slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let versions = self.store.versions_of(listing.id).await?;
        let v = match version {
            Some(n) => versions
                .into_iter()
                .find(|v| v.version == n && v.state == VersionState::Published),
            None => versions
                .into_iter()
                .filter(|v| v.state == VersionState::Published)
                .max_by_key(|v| v.published_at),
        }
        .ok_or(ServiceError::NotFound)?;
        Ok((listing, v))
    }

    /// Installs a published version into the tenant with exactly the grants
    /// chosen. A tenant admin's install is active at once; a member's waits
    /// for an admin when the tenant's policy says so (the default).
    pub async fn install(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        listing_slug: &str,
        choice: &InstallChoice,
    ) -> Result<Install> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let (listing, version) = self
            .installable(listing_slug, choice.version.as_deref())
            .await?;
        let reader = self.store.in_org(org.id);
        let policy = reader.tenant_policy().await?;
        let (granted_tools, granted_scopes) =
            check_grants(&listing, &version, policy.as_ref(), choice, &[])?;
        if reader.live_install_of(listing.id).await?.is_some() {
            return Err(ServiceError::Conflict(
                "this agent is already installed (or requested) in your organization".into(),
            ));
        }
        let admin = roles.contains(&Role::TenantAdmin);
        let members_request = policy.as_ref().is_none_or(|p| p.members_request);
        let status = if admin || !members_request {
            InstallStatus::Active
        } else {
            InstallStatus::Pending
        };
        let now = store::now_ms();
        let who = actor.audit().encode();
        let install = Install {
            id: InstallId::new(),
            org_id: org.id,
            listing_id: listing.id,
            version_id: version.id,
            status,
            granted_tools,
            granted_scopes,
            requested_by: who.clone(),
            approved_by: (status == InstallStatus::Active).then_some(who),
            policy_version: self.policy_versions(org.id).await?,
            created_at: now,
            updated_at: now,
            removed_at: None,
        };
        let tx = self.store.begin_write().await?;
        // Checked again where it counts: a suspension that committed since
        // `installable` wins; one that has not waits for this install.
        if !tx
            .in_org(org.id)
            .hold_published(listing.id, version.id)
            .await?
        {
            return Err(ServiceError::Conflict(
                "this version is no longer published; reload and try again".into(),
            ));
        }
        tx.in_org(org.id).insert_install(&install).await?;
        let mut r = AuditRecord::new(
            actor.audit(),
            if status == InstallStatus::Active {
                "install.created"
            } else {
                "install.requested"
            },
            "install",
            install.id,
        )
        .org(org.id)
        .detail(serde_json::json!({
            "listing": listing.slug,
            "version": version.version,
            "granted_tools": install.granted_tools,
            "granted_scopes": install.granted_scopes,
            "confirmed": choice.confirmed,
        }));
        if let Some(d) = &version.manifest_digest {
            r = r.evidence(d.clone());
        }
        r.policy_version = Some(install.policy_version.clone());
        let kind = if status == InstallStatus::Active {
            "created"
        } else {
            "requested"
        };
        tx.commit(r, vec![install_event(kind, &install, Some(&listing.slug))])
            .await?;
        Ok(install)
    }

    /// A tenant admin approves a member's install request.
    pub async fn approve_install(&self, actor: &Actor, tenant_slug: &str, id: &str) -> Result<()> {
        self.change_install(
            actor,
            tenant_slug,
            id,
            InstallStatus::Pending,
            InstallStatus::Active,
        )
        .await
    }

    /// Uninstalls (or withdraws a request): every grant is revoked at once.
    pub async fn uninstall(&self, actor: &Actor, tenant_slug: &str, id: &str) -> Result<()> {
        let (org, _) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, id).await?;
        self.change_install(actor, tenant_slug, id, i.status, InstallStatus::Removed)
            .await
    }

    pub(crate) async fn own_install(&self, org: &Org, id: &str) -> Result<Install> {
        let id: InstallId = id.parse().map_err(|_| ServiceError::NotFound)?;
        self.store
            .in_org(org.id)
            .install(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn change_install(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        id: &str,
        from: InstallStatus,
        to: InstallStatus,
    ) -> Result<()> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, id).await?;
        let mine = i.requested_by == actor.audit().encode();
        // Admins approve and uninstall; a member may withdraw their own request.
        let allowed = roles.contains(&Role::TenantAdmin)
            || (to == InstallStatus::Removed && from == InstallStatus::Pending && mine);
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        if from == InstallStatus::Removed || i.status != from {
            return Err(ServiceError::Conflict(format!(
                "this install is {}; reload to see it",
                i.status.as_str()
            )));
        }
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        // An approval grants: not while the listing is suspended or delisted
        // (its fan-out already told the tenant's systems to revoke). Held as
        // an install holds it, so a suspension racing this waits or wins.
        if to == InstallStatus::Active
            && !tx
                .in_org(org.id)
                .hold_published(i.listing_id, i.version_id)
                .await?
        {
            return Err(ServiceError::Conflict(
                "this agent's listing is suspended or delisted; it can be approved once it is reinstated"
                    .into(),
            ));
        }
        if !tx
            .in_org(org.id)
            .move_install(i.id, from, to, &actor.audit().encode(), now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "this install changed meanwhile; reload to see it".into(),
            ));
        }
        let after = Install {
            status: to,
            ..i.clone()
        };
        let (action, kinds): (&str, &[&str]) = match to {
            InstallStatus::Active => ("install.approved", &["approved"]),
            _ => ("install.removed", &["removed", "grants_revoked"]),
        };
        let mut r = AuditRecord::new(actor.audit(), action, "install", i.id)
            .org(org.id)
            .detail(serde_json::json!({
                "from": from.as_str(),
                "revoked_tools": if to == InstallStatus::Removed { i.granted_tools.clone() } else { Vec::new() },
            }));
        r.policy_version = Some(self.policy_versions(org.id).await?);
        tx.commit(
            r,
            kinds
                .iter()
                .map(|k| install_event(k, &after, None))
                .collect(),
        )
        .await?;
        Ok(())
    }

    /// The tenant's installs, newest first.
    pub async fn tenant_installs(&self, actor: &Actor, tenant_slug: &str) -> Result<Vec<Install>> {
        let (org, _) = self.tenant(actor, tenant_slug).await?;
        Ok(self.store.in_org(org.id).installs().await?)
    }

    /// A tenant admin sets the tenant's policy; it gets the next version id.
    pub async fn set_tenant_policy(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        input: &TenantPolicyInput,
    ) -> Result<TenantPolicy> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        if !roles.contains(&Role::TenantAdmin) {
            return Err(ServiceError::Forbidden);
        }
        let mut errs = Vec::new();
        let max_risk = input.max_risk.trim().to_lowercase();
        if !TIERS.contains(&max_risk.as_str()) {
            errs.push(field("max_risk", "choose low, medium, high or critical"));
        }
        let caps: Vec<String> = input
            .blocked_capabilities
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        for c in &caps {
            if classifier::Capability::parse(c).is_none() {
                errs.push(field(
                    "blocked_capabilities",
                    format!("{c} is not a capability Steward knows"),
                ));
            }
        }
        let cats: Vec<String> = input
            .blocked_categories
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        for c in &cats {
            if !domain::listing::CATEGORIES.iter().any(|(s, _)| s == c) {
                errs.push(field(
                    "blocked_categories",
                    format!("{c} is not a category"),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(ServiceError::InvalidFields(errs));
        }
        let reader = self.store.in_org(org.id);
        let next = reader
            .tenant_policy()
            .await?
            .and_then(|p| {
                p.version
                    .strip_prefix("tenant-v")
                    .and_then(|n| n.parse::<u32>().ok())
            })
            .unwrap_or(0)
            + 1;
        let now = store::now_ms();
        let p = TenantPolicy {
            org_id: org.id,
            version: format!("tenant-v{next}"),
            max_risk,
            blocked_capabilities: caps,
            blocked_categories: cats,
            members_request: input.members_request,
            updated_at: now,
            updated_by: actor.audit().encode(),
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).put_tenant_policy(&p).await?;
        let mut r = AuditRecord::new(actor.audit(), "policy.activated", "tenant_policy", org.id)
            .org(org.id)
            .detail(serde_json::json!({
                "max_risk": p.max_risk,
                "blocked_capabilities": p.blocked_capabilities,
                "blocked_categories": p.blocked_categories,
                "members_request": p.members_request,
            }));
        r.policy_version = Some(p.version.clone());
        tx.commit(
            r,
            vec![NewEvent {
                event_type: "policy.activated".into(),
                org_id: Some(org.id),
                subject_type: "tenant_policy".into(),
                subject_id: org.id.to_string(),
                payload: serde_json::json!({ "kind": "tenant", "version": p.version }),
            }],
        )
        .await?;
        Ok(p)
    }
}
