//! Publisher domain verification: issue a challenge, check it, re-check it on
//! a schedule, and flag a lapse on the publisher's listings.
//!
//! The network work (DNS, HTTPS) is behind [`DomainProber`] and always happens
//! before, never inside, the transaction that records the result.

use std::sync::Arc;

use domain::audit::AuditRecord;
use domain::org::OrgKind;
use domain::verification::{self as v, Method, Status};
use store::records::{DomainCheck, Org};

use crate::secrets::new_secret;
use crate::{Actor, Result, ServiceError, Services};

/// Looks at what a domain publishes. The real one (DNS + HTTPS, no redirects,
/// no private addresses) lives in the server; tests point it at loopback.
#[async_trait::async_trait]
pub trait DomainProber: Send + Sync + std::fmt::Debug {
    /// The body of `https://DOMAIN/.well-known/steward-verification.txt`.
    async fn well_known(&self, domain: &str) -> Result<String, String>;
    /// The TXT strings at `name`.
    async fn txt(&self, name: &str) -> Result<Vec<String>, String>;
}

/// Used when nothing was configured: every check fails, saying so.
#[derive(Debug)]
pub struct NoProber;

#[async_trait::async_trait]
impl DomainProber for NoProber {
    async fn well_known(&self, _: &str) -> Result<String, String> {
        Err("domain verification is not configured on this server".into())
    }
    async fn txt(&self, _: &str) -> Result<Vec<String>, String> {
        Err("domain verification is not configured on this server".into())
    }
}

pub(crate) fn default_prober() -> Arc<dyn DomainProber> {
    Arc::new(NoProber)
}

/// Keeps an error message short and free of anything but plain text.
fn short(e: &str) -> String {
    e.chars().filter(|c| !c.is_control()).take(200).collect()
}

impl Services {
    /// Sets the prober (the server and tests do; the default refuses).
    pub fn with_prober(mut self, prober: Arc<dyn DomainProber>) -> Self {
        self.parts_mut().prober = prober;
        self
    }

    async fn managed_publisher(&self, actor: &Actor, slug: &str) -> Result<Org> {
        let org = self.managed_org(actor, slug).await?;
        if org.kind != OrgKind::Publisher {
            return Err(ServiceError::Invalid(
                "Only publisher organizations verify domains.".into(),
            ));
        }
        Ok(org)
    }

    /// A publisher's manager asks to prove `domain`. Asking again for the same
    /// domain and method keeps the same token, so published proofs stay valid.
    pub async fn start_domain_verification(
        &self,
        actor: &Actor,
        slug: &str,
        domain: &str,
        method: &str,
    ) -> Result<DomainCheck> {
        let org = self.managed_publisher(actor, slug).await?;
        let mut errors = Vec::new();
        let domain = v::normalize_domain(domain)
            .map_err(|m| errors.push(("domain".to_owned(), m.to_owned())))
            .ok();
        let method = Method::parse(method);
        if method.is_none() {
            errors.push((
                "method".to_owned(),
                "Choose HTTPS file or DNS TXT record.".to_owned(),
            ));
        }
        let (Some(domain), Some(method)) = (domain, method) else {
            return Err(ServiceError::InvalidFields(errors));
        };
        let existing = self.store.in_org(org.id).domain_check(&domain).await?;
        if let Some(c) = &existing
            && c.method == method
            && c.status != Status::Lapsed
        {
            return Ok(c.clone());
        }
        let check = DomainCheck {
            org_id: org.id,
            domain: domain.clone(),
            method,
            token: format!("{}{}", v::TOKEN_PREFIX, &new_secret("v")[2..34]),
            status: Status::Pending,
            created_at: store::now_ms(),
            checked_at: None,
            verified_at: None,
            last_error: None,
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).put_domain_check(&check).await?;
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "org.domain_verification_started",
                "org",
                org.id,
            )
            .org(org.id)
            .detail(serde_json::json!({"domain": domain, "method": method.as_str()})),
            vec![],
        )
        .await?;
        Ok(check)
    }

    async fn probe(&self, c: &DomainCheck) -> std::result::Result<(), String> {
        match c.method {
            Method::Https => {
                let body = self.prober.well_known(&c.domain).await?;
                if v::proves(&body, &c.token) {
                    Ok(())
                } else {
                    Err("the file was found but does not contain the token".into())
                }
            }
            Method::DnsTxt => {
                let name = v::txt_name(&c.domain);
                let records = self.prober.txt(&name).await?;
                if records.iter().any(|r| v::proves(r, &c.token)) {
                    Ok(())
                } else if records.is_empty() {
                    Err(format!("no TXT record at {name}"))
                } else {
                    Err(format!(
                        "the TXT records at {name} do not contain the token"
                    ))
                }
            }
        }
    }

    /// Checks a domain now, records the result and, on success, marks the
    /// publisher verified.
    pub async fn check_domain_verification(
        &self,
        actor: &Actor,
        slug: &str,
        domain: &str,
    ) -> Result<DomainCheck> {
        let org = self.managed_publisher(actor, slug).await?;
        let domain = v::normalize_domain(domain).map_err(|_| ServiceError::NotFound)?;
        let check = self
            .store
            .in_org(org.id)
            .domain_check(&domain)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // Outside any transaction: this is network IO.
        let outcome = self.probe(&check).await;
        self.record_check(actor, &org, check, outcome).await
    }

    async fn record_check(
        &self,
        actor: &Actor,
        org: &Org,
        mut check: DomainCheck,
        outcome: std::result::Result<(), String>,
    ) -> Result<DomainCheck> {
        let now = store::now_ms();
        let was = check.status;
        check.checked_at = Some(now);
        let (action, verified_domain_change) = match &outcome {
            Ok(()) => {
                check.status = Status::Verified;
                check.verified_at = Some(now);
                check.last_error = None;
                ("org.domain_verified", Some(Some(check.domain.clone())))
            }
            Err(e) if was == Status::Verified => {
                check.status = Status::Lapsed;
                check.last_error = Some(short(e));
                let lapse = org.verified_domain.as_deref() == Some(check.domain.as_str());
                ("org.domain_lapsed", lapse.then_some(None))
            }
            Err(e) => {
                check.status = Status::Failed;
                check.last_error = Some(short(e));
                ("org.domain_check_failed", None)
            }
        };
        let tx = self.store.begin_write().await?;
        let scoped = tx.in_org(org.id);
        scoped.put_domain_check(&check).await?;
        match verified_domain_change {
            Some(Some(d)) => scoped.set_verified_domain(Some(&d), None).await?,
            Some(None) => scoped.set_verified_domain(None, Some(now)).await?,
            None => {}
        }
        tx.commit(
            AuditRecord::new(actor.audit(), action, "org", org.id)
                .org(org.id)
                .detail(serde_json::json!({
                    "domain": check.domain,
                    "method": check.method.as_str(),
                    "status": check.status.as_str(),
                    "error": check.last_error,
                })),
            vec![],
        )
        .await?;
        if check.status == Status::Lapsed {
            tracing::warn!(org = %org.slug, domain = %check.domain, "publisher domain verification lapsed");
        }
        Ok(check)
    }

    /// The scheduled job: re-checks every verified domain not checked in the
    /// last `max_age_ms`; returns (checked, lapsed).
    pub async fn recheck_verified_domains(&self, max_age_ms: i64) -> Result<(usize, usize)> {
        let due = self
            .store
            .verified_domains_checked_before(store::now_ms() - max_age_ms)
            .await?;
        let (mut checked, mut lapsed) = (0, 0);
        for check in due {
            let Some(org) = self.store.org_by_id(check.org_id).await? else {
                continue;
            };
            let outcome = self.probe(&check).await;
            let after = self
                .record_check(&Actor::System, &org, check, outcome)
                .await?;
            checked += 1;
            if after.status == Status::Lapsed {
                lapsed += 1;
            }
        }
        Ok((checked, lapsed))
    }

    /// A publisher's checks, for its managers.
    pub async fn domain_checks(&self, actor: &Actor, slug: &str) -> Result<Vec<DomainCheck>> {
        let org = self.managed_org(actor, slug).await?;
        if org.kind != OrgKind::Publisher {
            return Ok(Vec::new());
        }
        Ok(self.store.in_org(org.id).domain_checks().await?)
    }
}
