//! Server functions of the tenant admin: installs with consent, approvals,
//! uninstalls and the tenant's policy. Each names the actor from the session,
//! calls one service function (which checks membership and role in the tenant
//! organization) and maps the result to a DTO.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::portal::ssr::{actor, categories, format_date, services};

    pub fn tiers() -> [&'static str; 4] {
        ["low", "medium", "high", "critical"]
    }

    pub fn tier(s: &str) -> usize {
        tiers().iter().position(|t| *t == s).unwrap_or(4)
    }

    pub fn risk_view(
        r: &services::domain::combined_risk::CombinedRisk,
    ) -> crate::dto::CombinedRiskView {
        use services::domain::combined_risk::Leg;
        crate::dto::CombinedRiskView {
            complete: r.complete(),
            legs: Leg::ALL
                .into_iter()
                .map(|l| crate::dto::RiskLeg {
                    key: l.as_str().to_owned(),
                    label: l.label().to_owned(),
                    suppliers: r
                        .leg(l)
                        .iter()
                        .map(|s| format!("{}: {}", s.agent, s.tool))
                        .collect(),
                })
                .collect(),
        }
    }

    pub fn install_row(v: &services::installs::InstallView) -> crate::dto::InstallRow {
        crate::dto::InstallRow {
            id: v.install.id.to_string(),
            listing_name: v
                .listing
                .as_ref()
                .map(|l| l.name.clone())
                .unwrap_or_else(|| "(no longer listed)".into()),
            listing_slug: v
                .listing
                .as_ref()
                .map(|l| l.slug.clone())
                .unwrap_or_default(),
            version: v
                .version
                .as_ref()
                .map(|x| x.version.clone())
                .unwrap_or_default(),
            status: v.install.status.as_str().to_owned(),
            tools: v.install.granted_tools.clone(),
            scopes: v.install.granted_scopes.clone(),
            policy_version: v.install.policy_version.clone(),
            created: format_date(v.install.created_at),
            available: v.available.as_ref().map(|a| a.version.clone()),
        }
    }

    /// Why the tenant's policy forbids granting a tool, if it does.
    pub fn blocked_by(
        policy: Option<&services::records::TenantPolicy>,
        risk: &str,
        capabilities: &[String],
    ) -> Option<String> {
        policy.and_then(|p| {
            if tier(risk) > tier(&p.max_risk) {
                Some(format!(
                    "{} risk is above your policy's maximum ({})",
                    risk, p.max_risk
                ))
            } else {
                capabilities
                    .iter()
                    .find(|c| p.blocked_capabilities.contains(c))
                    .map(|c| format!("your policy blocks {}", c.replace('_', " ")))
            }
        })
    }
}

/// A tenant's installs and policy.
#[server(endpoint = "tenant_home")]
pub async fn tenant_home(org: String) -> Result<TenantHomeView, AppError> {
    use ssr::*;
    let h = services()?.tenant_home(&actor().await?, &org).await?;
    Ok(TenantHomeView {
        org_slug: h.org.slug,
        org_name: h.org.name,
        is_admin: h.is_admin,
        combined: risk_view(&h.combined),
        installs: h.installs.iter().map(install_row).collect(),
        policy: h.policy.map(|p| TenantPolicyView {
            version: p.version,
            max_risk: p.max_risk,
            blocked_capabilities: p.blocked_capabilities,
            blocked_categories: p.blocked_categories,
            members_request: p.members_request,
        }),
        capabilities: services::classifier::Capability::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.as_str().replace('_', " ")))
            .collect(),
        categories: categories(),
    })
}

/// The consent screen before installing `listing`.
#[server(endpoint = "consent_screen")]
pub async fn consent_screen(org: String, listing: String) -> Result<ConsentView, AppError> {
    use ssr::*;
    let c = services()?
        .consent_screen(&actor().await?, &org, &listing)
        .await?;
    let policy = c.policy.clone();
    Ok(ConsentView {
        completes: c.completes.as_ref().map(risk_view),
        org_slug: c.org.slug,
        org_name: c.org.name,
        is_admin: c.is_admin,
        listing_slug: c.listing.slug.clone(),
        listing_name: c.listing.name.clone(),
        publisher: c.publisher.map(|p| p.name).unwrap_or_default(),
        version: c.version.version.clone(),
        tools: c
            .tools
            .iter()
            .map(|t| {
                let blocked = blocked_by(policy.as_ref(), &t.risk, &t.capabilities);
                ConsentTool {
                    name: t.name.clone(),
                    description: c
                        .version
                        .manifest
                        .tools
                        .iter()
                        .find(|m| m.name == t.name)
                        .map(|m| m.description.clone())
                        .unwrap_or_default(),
                    needs_tick: tier(&t.risk) >= tier("high"),
                    risk: t.risk.clone(),
                    capabilities: t.capabilities.clone(),
                    blocked,
                }
            })
            .collect(),
        scopes: c.scopes,
        installed: c.installed,
        category_blocked: policy
            .as_ref()
            .is_some_and(|p| p.blocked_categories.contains(&c.listing.category)),
        policy_version: policy.map(|p| p.version),
    })
}

/// Installs with the grants ticked: `tools[]` (low and medium), `confirmed[]`
/// (high and critical, each ticked explicitly) and `scopes[]`.
#[server(endpoint = "install_agent")]
pub async fn install_agent(
    org: String,
    listing: String,
    #[server(default)] tools: Vec<String>,
    #[server(default)] confirmed: Vec<String>,
    #[server(default)] scopes: Vec<String>,
) -> Result<String, AppError> {
    use ssr::*;
    let mut all = tools;
    all.extend(confirmed.iter().cloned());
    let i = services()?
        .install(
            &actor().await?,
            &org,
            &listing,
            &services::installs::InstallChoice {
                version: None,
                tools: all,
                scopes,
                confirmed,
            },
        )
        .await?;
    Ok(i.status.as_str().to_owned())
}

/// A tenant admin approves a member's request.
#[server(endpoint = "approve_install")]
pub async fn approve_install(org: String, id: String) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .approve_install(&actor().await?, &org, &id)
        .await?;
    Ok(())
}

/// Uninstalls (every grant revoked) or withdraws a request.
#[server(endpoint = "uninstall_agent")]
pub async fn uninstall_agent(org: String, id: String) -> Result<(), AppError> {
    use ssr::*;
    services()?.uninstall(&actor().await?, &org, &id).await?;
    Ok(())
}

/// Sets the tenant's policy (a new version).
#[server(endpoint = "save_tenant_policy")]
pub async fn save_tenant_policy(
    org: String,
    max_risk: String,
    #[server(default)] blocked_capabilities: Vec<String>,
    #[server(default)] blocked_categories: Vec<String>,
    #[server(default)] members_request: String,
) -> Result<String, AppError> {
    use ssr::*;
    let p = services()?
        .set_tenant_policy(
            &actor().await?,
            &org,
            &services::installs::TenantPolicyInput {
                max_risk,
                blocked_capabilities,
                blocked_categories,
                members_request: !members_request.is_empty(),
            },
        )
        .await?;
    Ok(p.version)
}

/// An installed agent's page: its facts, the tenant's rating, a report form.
#[server(endpoint = "install_page")]
pub async fn install_page(org: String, id: String) -> Result<InstallPageView, AppError> {
    use ssr::*;
    let p = services()?.install_page(&actor().await?, &org, &id).await?;
    Ok(InstallPageView {
        org_slug: p.org.slug,
        org_name: p.org.name,
        is_admin: p.is_admin,
        install: install_row(&p.view),
        rating: p
            .rating
            .map(|r| (r.rating, r.review, format_date(r.updated_at))),
        report_reasons: services::domain::report::ReasonCode::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
    })
}

/// The "accept new version" screen of an install.
#[server(endpoint = "upgrade_screen")]
pub async fn upgrade_screen(org: String, id: String) -> Result<UpgradeView, AppError> {
    use ssr::*;
    let u = services()?
        .upgrade_screen(&actor().await?, &org, &id)
        .await?;
    let kept = u.kept();
    let granted = &u.install.granted_tools;
    let policy = u.policy.as_ref();
    Ok(UpgradeView {
        tools: u
            .tools
            .iter()
            .map(|t| {
                let new = u.added.iter().any(|a| a.name == t.name);
                let is_kept = kept.contains(&t.name);
                let needs_tick = tier(&t.risk) >= tier("high") && !is_kept;
                let blocked = blocked_by(policy, &t.risk, &t.capabilities);
                UpgradeTool {
                    description: u
                        .to
                        .manifest
                        .tools
                        .iter()
                        .find(|m| m.name == t.name)
                        .map(|m| m.description.clone())
                        .unwrap_or_default(),
                    riskier: u
                        .risk_changes
                        .iter()
                        .find(|r| r.tool == t.name)
                        .map(|r| (r.from.clone(), r.to.clone())),
                    checked: blocked.is_none()
                        && (is_kept
                            || (new && !needs_tick)
                            || (granted.contains(&t.name) && !needs_tick)),
                    name: t.name.clone(),
                    risk: t.risk.clone(),
                    capabilities: t.capabilities.clone(),
                    new,
                    kept: is_kept,
                    needs_tick,
                    blocked,
                }
            })
            .collect(),
        scopes: u
            .scopes
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    u.install.granted_scopes.contains(s),
                    u.scopes_added.contains(s),
                )
            })
            .collect(),
        changes: crate::api::ssr::version_changes(u.from.version.clone(), &u.diff),
        completes: u.completes.as_ref().map(risk_view),
        dropped: u.dropped.clone(),
        org_slug: u.org.slug,
        org_name: u.org.name,
        is_admin: u.is_admin,
        install_id: u.install.id.to_string(),
        listing_name: u.listing.name,
        listing_slug: u.listing.slug,
        from_version: u.from.version,
        to_version: u.to.version,
    })
}

/// Accepts the new version with the grants ticked: `tools[]` (kept, low and
/// medium), `confirmed[]` (new high and critical, ticked explicitly),
/// `scopes[]`. `from_version`/`to_version` are what the form was read
/// against: if either moved, nothing changes.
#[server(endpoint = "accept_upgrade")]
pub async fn accept_upgrade(
    org: String,
    id: String,
    from_version: String,
    to_version: String,
    #[server(default)] tools: Vec<String>,
    #[server(default)] confirmed: Vec<String>,
    #[server(default)] scopes: Vec<String>,
) -> Result<String, AppError> {
    use ssr::*;
    let mut all = tools;
    all.extend(confirmed.iter().cloned());
    let i = services()?
        .accept_upgrade(
            &actor().await?,
            &org,
            &id,
            &from_version,
            &services::installs::InstallChoice {
                version: Some(to_version),
                tools: all,
                scopes,
                confirmed,
            },
        )
        .await?;
    // Without JavaScript the form would return to the upgrade screen, which
    // has nothing left to accept: go to the installs instead.
    leptos_axum::redirect(&format!("/tenant/{org}"));
    Ok(i.id.to_string())
}

/// A tenant admin rates (1 to 5) and reviews an installed agent.
#[server(endpoint = "rate_agent")]
pub async fn rate_agent(
    org: String,
    id: String,
    #[server(default)] rating: String,
    #[server(default)] review: String,
) -> Result<u8, AppError> {
    use ssr::*;
    let r = services()?
        .rate_install(&actor().await?, &org, &id, &rating, &review)
        .await?;
    Ok(r.rating)
}

/// A member of the tenant reports abuse by an installed agent.
#[server(endpoint = "report_agent")]
pub async fn report_agent(
    org: String,
    id: String,
    #[server(default)] reason: String,
    #[server(default)] details: String,
    #[server(default)] decision_ids: String,
) -> Result<ReportReceipt, AppError> {
    use ssr::*;
    let filed = services()?
        .report_install(&actor().await?, &org, &id, &reason, &details, &decision_ids)
        .await?;
    Ok(ReportReceipt {
        reference: filed.id.to_string(),
    })
}
