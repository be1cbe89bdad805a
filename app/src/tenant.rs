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
        installs: h
            .installs
            .into_iter()
            .map(|v| InstallRow {
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
            })
            .collect(),
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
                let blocked = policy.as_ref().and_then(|p| {
                    if tier(&t.risk) > tier(&p.max_risk) {
                        Some(format!(
                            "{} risk is above your policy's maximum ({})",
                            t.risk, p.max_risk
                        ))
                    } else {
                        t.capabilities
                            .iter()
                            .find(|c| p.blocked_capabilities.contains(c))
                            .map(|c| format!("your policy blocks {}", c.replace('_', " ")))
                    }
                });
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
