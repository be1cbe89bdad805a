//! The buyer's side after an install: re-consent to a new version, ratings
//! and reviews, and abuse reports filed from an installed agent. Each change
//! commits with its audit entry and outbound event.
//!
//! Re-consent: an install stays pinned to its version (the decision point
//! reads the pinned version's tools) until a tenant admin accepts the live
//! one on the upgrade screen, which lists exactly what the new version adds
//! (tools, capabilities, scopes) and which tools became riskier. Accepting is
//! compare-and-set on the pinned version, so a stale form changes nothing.

use bytes::Bytes;
use domain::audit::AuditRecord;
use domain::combined_risk::{CombinedRisk, GrantedTool, combined_risk};
use domain::diff::VersionDiff;
use domain::identity::Role;
use domain::rating::NewRating;
use domain::report::NewReport;
use domain::{RatingId, ReportId};
use store::NewEvent;
use store::records::{Install, InstallStatus, Listing, Org, Rating, Report, TenantPolicy, Version};

use crate::installs::{
    InstallChoice, InstallView, ToolRisk, check_grants, field, granted_across, install_event, tier,
    tool_risks,
};
use crate::{Actor, FiledReport, Result, ServiceError, Services};

/// A tool whose risk tier went up from the pinned version to the new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskChange {
    pub tool: String,
    pub from: String,
    pub to: String,
    /// Whether the install grants it now.
    pub granted: bool,
}

/// What the upgrade screen shows: the pinned and the new version, and exactly
/// what accepting would change.
#[derive(Clone, Debug)]
pub struct UpgradeScreen {
    pub org: Org,
    pub is_admin: bool,
    pub install: Install,
    pub listing: Listing,
    pub from: Version,
    pub to: Version,
    pub diff: VersionDiff,
    /// Every tool of the new version, with its risk.
    pub tools: Vec<ToolRisk>,
    /// Tools only in the new version.
    pub added: Vec<ToolRisk>,
    /// Granted tools the new version no longer has (their grants end).
    pub dropped: Vec<String>,
    pub risk_changes: Vec<RiskChange>,
    /// Scopes the new version asks for that the pinned one did not.
    pub scopes_added: Vec<String>,
    /// Every scope the new version asks for.
    pub scopes: Vec<String>,
    pub policy: Option<TenantPolicy>,
    /// Set when keeping the current grants on the new version would complete
    /// the dangerous combination across the tenant's agents.
    pub completes: Option<CombinedRisk>,
}

/// An installed agent's page: its facts, the tenant's rating and an offer of
/// a newer version.
#[derive(Clone, Debug)]
pub struct InstallPage {
    pub org: Org,
    pub is_admin: bool,
    pub view: InstallView,
    pub rating: Option<Rating>,
}

impl UpgradeScreen {
    /// Granted tools that stay granted unasked: still in the new version at
    /// no higher risk.
    pub fn kept(&self) -> Vec<String> {
        self.install
            .granted_tools
            .iter()
            .filter(|t| !self.dropped.contains(t))
            .filter(|t| !self.risk_changes.iter().any(|r| &r.tool == *t))
            .cloned()
            .collect()
    }
}

fn upgrade_of(
    from: &Version,
    to: &Version,
    install: &Install,
) -> (Vec<ToolRisk>, Vec<String>, Vec<RiskChange>, Vec<String>) {
    let old = tool_risks(from);
    let new = tool_risks(to);
    let added = new
        .iter()
        .filter(|t| !old.iter().any(|o| o.name == t.name))
        .cloned()
        .collect();
    let dropped = install
        .granted_tools
        .iter()
        .filter(|g| !new.iter().any(|t| &t.name == *g))
        .cloned()
        .collect();
    let risk_changes = new
        .iter()
        .filter_map(|t| {
            let o = old.iter().find(|o| o.name == t.name)?;
            (tier(&t.risk) > tier(&o.risk)).then(|| RiskChange {
                tool: t.name.clone(),
                from: o.risk.clone(),
                to: t.risk.clone(),
                granted: install.granted_tools.contains(&t.name),
            })
        })
        .collect();
    let old_scopes = from.manifest.all_scopes();
    let scopes_added = to
        .manifest
        .all_scopes()
        .into_iter()
        .filter(|s| !old_scopes.contains(s))
        .collect();
    (added, dropped, risk_changes, scopes_added)
}

impl Services {
    /// An installed agent's page for members of the tenant.
    pub async fn install_page(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        install_id: &str,
    ) -> Result<InstallPage> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, install_id).await?;
        let rating = self.store.in_org(org.id).rating_of(i.listing_id).await?;
        Ok(InstallPage {
            is_admin: roles.contains(&Role::TenantAdmin),
            view: self.install_view(i).await?,
            rating,
            org,
        })
    }

    /// What accepting the live version of an installed agent would change.
    /// `NotFound` when the install has no newer version to accept.
    pub async fn upgrade_screen(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        install_id: &str,
    ) -> Result<UpgradeScreen> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, install_id).await?;
        let views = self.install_views(org.id).await?;
        let view = views
            .iter()
            .find(|v| v.install.id == i.id)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let (Some(listing), Some(from), Some(to)) = (view.listing, view.version, view.available)
        else {
            return Err(ServiceError::NotFound);
        };
        let diff = self.diff_of(&listing, &from, &to).await?;
        let (added, dropped, risk_changes, scopes_added) = upgrade_of(&from, &to, &i);
        let tools = tool_risks(&to);
        // The other agents' grants, and this one's as it would be on the new
        // version with its current grants kept.
        let others: Vec<GrantedTool> = granted_across(
            &views
                .iter()
                .filter(|v| v.install.id != i.id)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let this: Vec<GrantedTool> = tools
            .iter()
            .filter(|t| i.granted_tools.contains(&t.name))
            .map(|t| GrantedTool {
                agent: listing.name.clone(),
                tool: t.name.clone(),
                capabilities: t.capabilities.clone(),
            })
            .collect();
        let before = combined_risk(&granted_across(&views));
        let after = combined_risk(&others.iter().chain(&this).cloned().collect::<Vec<_>>());
        let completes = (!before.complete() && after.complete()).then_some(after);
        Ok(UpgradeScreen {
            is_admin: roles.contains(&Role::TenantAdmin),
            policy: self.store.in_org(org.id).tenant_policy().await?,
            scopes: to.manifest.all_scopes(),
            install: i,
            org,
            listing,
            from,
            to,
            diff,
            tools,
            added,
            dropped,
            risk_changes,
            scopes_added,
            completes,
        })
    }

    /// A tenant admin accepts the live version for an install: the install
    /// moves from `from_version` (what the form was read against) to the live
    /// version with exactly the grants chosen. Tools granted before at no
    /// lower risk keep their grant without a new tick; new high and critical
    /// tools need one. If the install moved meanwhile, nothing changes.
    pub async fn accept_upgrade(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        install_id: &str,
        from_version: &str,
        choice: &InstallChoice,
    ) -> Result<Install> {
        let screen = self.upgrade_screen(actor, tenant_slug, install_id).await?;
        if !screen.is_admin {
            return Err(ServiceError::Forbidden);
        }
        if screen.install.status != InstallStatus::Active {
            return Err(ServiceError::Conflict(format!(
                "this install is {}; only an active install can move to a new version",
                screen.install.status.as_str()
            )));
        }
        if screen.from.version != from_version.trim()
            || choice
                .version
                .as_deref()
                .is_some_and(|v| v.trim() != screen.to.version)
        {
            return Err(ServiceError::Conflict(
                "this install or the listing changed meanwhile; reload to see it".into(),
            ));
        }
        let kept = screen.kept();
        let (granted_tools, granted_scopes) = check_grants(
            &screen.listing,
            &screen.to,
            screen.policy.as_ref(),
            choice,
            &kept,
        )?;
        let org = &screen.org;
        let i = &screen.install;
        let policy_version = self.policy_versions(org.id).await?;
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .repin_install(
                i.id,
                screen.from.id,
                screen.to.id,
                &granted_tools,
                &granted_scopes,
                &policy_version,
                now,
            )
            .await?
        {
            return Err(ServiceError::Conflict(
                "this install changed meanwhile; reload to see it".into(),
            ));
        }
        let after = Install {
            version_id: screen.to.id,
            granted_tools: granted_tools.clone(),
            granted_scopes: granted_scopes.clone(),
            policy_version: policy_version.clone(),
            updated_at: now,
            ..i.clone()
        };
        let added: Vec<&String> = granted_tools
            .iter()
            .filter(|t| !i.granted_tools.contains(t))
            .collect();
        let revoked: Vec<&String> = i
            .granted_tools
            .iter()
            .filter(|t| !granted_tools.contains(t))
            .collect();
        let mut r = AuditRecord::new(actor.audit(), "install.upgraded", "install", i.id)
            .org(org.id)
            .detail(serde_json::json!({
                "listing": screen.listing.slug,
                "from_version": screen.from.version,
                "to_version": screen.to.version,
                "granted_tools": granted_tools,
                "granted_scopes": granted_scopes,
                "added_tools": added,
                "revoked_tools": revoked,
                "confirmed": choice.confirmed,
            }));
        if let Some(d) = &screen.to.manifest_digest {
            r = r.evidence(d.clone());
        }
        r.policy_version = Some(policy_version);
        tx.commit(
            r,
            vec![install_event(
                "upgraded",
                &after,
                Some(&screen.listing.slug),
            )],
        )
        .await?;
        Ok(after)
    }

    /// A tenant admin rates and reviews an agent the tenant has installed
    /// (active). One rating per tenant per listing: writing again replaces it.
    pub async fn rate_install(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        install_id: &str,
        stars: &str,
        review: &str,
    ) -> Result<Rating> {
        let (org, roles) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, install_id).await?;
        if !roles.contains(&Role::TenantAdmin) {
            return Err(ServiceError::Forbidden);
        }
        let input = NewRating::parse(stars, review).map_err(ServiceError::InvalidFields)?;
        if i.status != InstallStatus::Active {
            return Err(ServiceError::InvalidFields(vec![field(
                "rating",
                "Only an agent installed and active here can be rated.",
            )]));
        }
        let listing = self
            .store
            .listing_by_id(i.listing_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reader = self.store.in_org(org.id);
        let before = reader.rating_of(listing.id).await?;
        let now = store::now_ms();
        let rating = Rating {
            id: before.as_ref().map_or_else(RatingId::new, |b| b.id),
            org_id: org.id,
            listing_id: listing.id,
            install_id: i.id,
            version_id: i.version_id,
            rating: input.stars,
            review: input.review,
            created_by: actor.audit().encode(),
            created_at: before.as_ref().map_or(now, |b| b.created_at),
            updated_at: now,
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).put_rating(&rating).await?;
        let action = if before.is_some() {
            "rating.replaced"
        } else {
            "rating.written"
        };
        tx.commit(
            AuditRecord::new(actor.audit(), action, "listing", listing.id)
                .org(org.id)
                .detail(serde_json::json!({
                    "rating_id": rating.id,
                    "listing": listing.slug,
                    "install_id": i.id,
                    "rating": rating.rating,
                    "previous": before.as_ref().map(|b| b.rating),
                })),
            vec![NewEvent {
                event_type: action.into(),
                org_id: Some(org.id),
                subject_type: "listing".into(),
                subject_id: listing.id.to_string(),
                payload: serde_json::json!({
                    "rating_id": rating.id,
                    "listing_id": listing.id,
                    "listing": listing.slug,
                    "rating": rating.rating,
                }),
            }],
        )
        .await?;
        Ok(rating)
    }

    /// A member of the tenant reports abuse by an installed agent. The report
    /// goes to trust and safety like a public one, with the tenant named and
    /// evidence: what the tenant says and the install's facts (version,
    /// grants, status, the decision ids given), stored as a JSON blob in the
    /// evidence store under the tenant's organization before the report row.
    pub async fn report_install(
        &self,
        actor: &Actor,
        tenant_slug: &str,
        install_id: &str,
        reason: &str,
        details: &str,
        decision_ids: &str,
    ) -> Result<FiledReport> {
        let (org, _) = self.tenant(actor, tenant_slug).await?;
        let i = self.own_install(&org, install_id).await?;
        let mut errs = Vec::new();
        let report = match NewReport::parse(reason, details, "") {
            Ok(r) => Some(r),
            Err(e) => {
                for (name, msg) in [("reason", e.reason), ("details", e.details)] {
                    if let Some(m) = msg {
                        errs.push(field(name, m));
                    }
                }
                None
            }
        };
        let mut decisions: Vec<String> = Vec::new();
        for d in decision_ids
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|d| !d.is_empty())
        {
            match uuid::Uuid::parse_str(d) {
                Ok(u) => decisions.push(u.to_string()),
                Err(_) => {
                    errs.push(field(
                        "decision_ids",
                        "Give decision ids as the gateway logged them (UUIDs), separated by commas.",
                    ));
                    break;
                }
            }
        }
        decisions.sort();
        decisions.dedup();
        if decisions.len() > 50 {
            errs.push(field("decision_ids", "Give at most 50 decision ids."));
        }
        let Some(report) = report.filter(|_| errs.is_empty()) else {
            return Err(ServiceError::InvalidFields(errs));
        };
        let view = self.install_view(i.clone()).await?;
        let listing = view.listing.ok_or(ServiceError::NotFound)?;
        let now = store::now_ms();
        let evidence = serde_json::json!({
            "kind": "install_abuse_report",
            "tenant_id": org.id,
            "install_id": i.id,
            "listing_id": listing.id,
            "listing": listing.slug,
            "version_id": i.version_id,
            "version": view.version.as_ref().map(|v| v.version.clone()),
            "manifest_digest": view.version.as_ref().and_then(|v| v.manifest_digest.clone()),
            "install_status": i.status.as_str(),
            "granted_tools": i.granted_tools,
            "granted_scopes": i.granted_scopes,
            "policy_version": i.policy_version,
            "decision_ids": decisions,
            "reason": report.reason.as_str(),
            "statement": report.details,
            "reported_at": now,
        });
        let bytes = Bytes::from(serde_json::to_vec(&evidence).expect("plain data serializes"));
        let size = bytes.len() as u64;
        let stored = self.evidence.put(org.id, bytes).await?;
        let row = Report {
            id: ReportId::new(),
            listing_id: listing.id,
            subject_org_id: listing.org_id,
            reason: report.reason.as_str().to_owned(),
            details: report.details,
            contact: None,
            status: "open".into(),
            created_at: now,
            reporter_org_id: Some(org.id),
            install_id: Some(i.id),
            evidence_digest: Some(stored.digest.clone()),
        };
        let tx = self.store.begin_write().await?;
        tx.insert_evidence_ref(org.id, &stored.digest, "application/json", size)
            .await?;
        tx.insert_report(&row).await?;
        let entry = tx
            .commit(
                AuditRecord::new(actor.audit(), "report.filed", "listing", listing.id)
                    .org(listing.org_id)
                    .evidence(stored.digest.clone())
                    .detail(serde_json::json!({
                        "report_id": row.id,
                        "reason": row.reason,
                        "source": "install",
                        "reporter_org_id": org.id,
                        "install_id": i.id,
                        "decision_ids": decisions.len(),
                    })),
                vec![NewEvent {
                    event_type: "report.filed".into(),
                    org_id: Some(listing.org_id),
                    subject_type: "listing".into(),
                    subject_id: listing.id.to_string(),
                    payload: serde_json::json!({
                        "report_id": row.id,
                        "listing_id": listing.id,
                        "listing_slug": listing.slug,
                        "reason": row.reason,
                        "source": "install",
                        "install_id": i.id,
                        "evidence": stored.digest,
                    }),
                }],
            )
            .await?;
        tracing::info!(report_id = %row.id, listing = %listing.slug, reason = %row.reason, "abuse report filed from an install");
        Ok(FiledReport {
            id: row.id,
            audit_seq: entry.seq,
        })
    }
}
