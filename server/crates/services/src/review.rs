//! The review workflow: screening as a durable background job, routing by the
//! active policy, queues, decisions (with the two-person rule and overrides),
//! the publisher's side (messages, resubmission, appeal) and enforcement.
//!
//! Every change here commits with its audit entries and outbound events in one
//! transaction; every change to a case names the case's `row_version` as read,
//! so a stale form is refused, never applied over someone else's decision.

use std::collections::HashMap;

use domain::audit::AuditRecord;
use domain::identity::Role;
use domain::listing::VersionState;
use domain::org::OrgKind;
use domain::review::{self as rules, Approval, CaseFacts, DecisionKind, FindingRef, Outcome};
use domain::routing::{Case as RoutingCase, RoutingPolicy, Team};
use domain::{CaseId, DecisionId, MessageId, OrgId, UserId, VersionId};
use store::records::{
    Enforcement, EnforcementAction, JobState, Listing, Org, ReviewCase, ReviewDecision,
    ReviewMessage, ScreeningJob, Side, StoredPolicy, Version,
};
use store::{CaseChange, CaseScope, NewEvent};

use crate::{Actor, Result, ServiceError, Services};

/// How long a screening worker holds a job by default.
pub const SCREENING_LEASE_MS: i64 = 120_000;

/// Roles that may suspend, reinstate or delist a listing.
const ENFORCERS: &[Role] = &[Role::Admin, Role::TrustSafety];

/// A screening job taken by this worker.
#[derive(Debug)]
pub struct ScreeningLease {
    job: ScreeningJob,
    owner: String,
}

/// Who a case goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assign {
    Me,
    Nobody,
    Person(UserId),
}

/// A reviewer's decision as submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    pub justification: String,
    /// (finding position, reason); empty reasons are ignored.
    pub overrides: Vec<(usize, String)>,
    pub escalate_to: Option<Team>,
    /// The case's `row_version` when the reviewer read it.
    pub row_version: i32,
}

/// Queue filters (the query string of a queue page).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub risk: Option<String>,
    pub finding_kind: Option<String>,
    pub category: Option<String>,
    /// Only cases open at least this many hours.
    pub min_age_hours: Option<i64>,
    pub mine: bool,
    pub unassigned: bool,
}

/// One team's queue at a glance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueCount {
    pub team: Team,
    pub open: usize,
    pub unassigned: usize,
    pub breached: usize,
    pub oldest_opened_at: Option<i64>,
}

/// A case as a queue row.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueEntry {
    pub case: ReviewCase,
    pub listing_name: String,
    pub listing_slug: String,
    pub version: String,
    pub publisher: String,
    pub assignee_name: Option<String>,
    pub approvals: usize,
}

/// A decision with the reviewer's name.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionView {
    pub decision: ReviewDecision,
    pub reviewer_name: String,
}

/// A message with its author's name.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub message: ReviewMessage,
    pub author_name: String,
}

/// Everything a reviewer needs to decide a case.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub case: ReviewCase,
    pub org: Org,
    pub listing: Listing,
    pub version: Version,
    /// The version it is compared with: the live one, else the last approved.
    pub compared_with: Option<Version>,
    pub diff: Option<domain::diff::VersionDiff>,
    pub decisions: Vec<DecisionView>,
    pub messages: Vec<MessageView>,
    pub tally: rules::Tally,
    pub history: Vec<domain::audit::AuditEntry>,
    /// Names of the actors in `history` (encoded actor → name).
    pub actor_names: HashMap<String, String>,
    pub assignee_name: Option<String>,
    /// Operators who may take the case (for assigning).
    pub team_members: Vec<(UserId, String)>,
    /// What the viewer may do.
    pub can_decide: bool,
    pub can_enforce: bool,
    pub me: UserId,
}

/// The publisher's view of a version's review.
#[derive(Clone, Debug)]
pub struct PublisherReview {
    pub version: Version,
    pub cases: Vec<ReviewCase>,
    /// Decisions without reviewer names (the publisher sees the team).
    pub decisions: Vec<ReviewDecision>,
    pub messages: Vec<MessageView>,
    pub enforcement: Vec<EnforcementAction>,
    pub timeline: Vec<domain::audit::AuditEntry>,
    /// Who each timeline actor is, as the publisher may know it: their own
    /// people by name, Steward, or "Marketplace review".
    pub actor_names: HashMap<String, String>,
    pub screening_state: Option<JobState>,
}

/// A listing as the console shows it for enforcement.
#[derive(Clone, Debug)]
pub struct ConsoleListing {
    pub org: Org,
    pub listing: Listing,
    pub versions: Vec<Version>,
    pub actions: Vec<(EnforcementAction, String)>,
    pub can_enforce: bool,
    /// Abuse reports about the listing, newest first, each with the name of
    /// the tenant that filed it from an install (`None`: the public form).
    pub reports: Vec<(store::records::Report, Option<String>)>,
}

fn refusal(r: rules::Refusal) -> ServiceError {
    match r.field {
        Some(f) => ServiceError::InvalidFields(vec![(f.to_owned(), r.message)]),
        None => ServiceError::Invalid(r.message),
    }
}

fn stale() -> ServiceError {
    ServiceError::Conflict(
        "this review changed since you opened it (someone decided, claimed or escalated it); \
         reload to see the latest"
            .into(),
    )
}

fn check_text(field: &str, text: &str, what: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::InvalidFields(vec![(
            field.into(),
            format!("{what} cannot be empty"),
        )]));
    }
    if t.chars().count() > rules::TEXT_MAX {
        return Err(ServiceError::InvalidFields(vec![(
            field.into(),
            format!("at most {} characters", rules::TEXT_MAX),
        )]));
    }
    Ok(t.to_owned())
}

fn user_of(actor: &Actor) -> Result<UserId> {
    match actor {
        Actor::User(u) => Ok(*u),
        Actor::Anonymous => Err(ServiceError::Unauthorized),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The findings of a screening, as the review rules see them.
fn finding_refs(v: &Version) -> Vec<FindingRef> {
    v.screening
        .as_ref()
        .and_then(|s| s.report.get("findings"))
        .and_then(|f| f.as_array())
        .map(|a| {
            a.iter()
                .map(|f| FindingRef {
                    kind: f["kind"].as_str().unwrap_or_default().to_owned(),
                    severity: f["severity"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn version_event(kind: &str, org: OrgId, listing: &Listing, v: &Version) -> NewEvent {
    NewEvent {
        event_type: format!("listing_version.{kind}"),
        org_id: Some(org),
        subject_type: "listing_version".into(),
        subject_id: v.id.to_string(),
        payload: serde_json::json!({
            "listing_id": listing.id, "slug": listing.slug, "version": v.version,
        }),
    }
}

impl Services {
    /// `listing_version.published`, with the version's price plans: for
    /// billing, a publication is when a listing's prices change. Plans are
    /// fixed once a version is submitted, so reading them here is exact.
    async fn published_event(
        &self,
        org: OrgId,
        listing: &Listing,
        v: &Version,
    ) -> Result<NewEvent> {
        let plans = self.store.in_org(org).plans(v.id).await?;
        let mut e = version_event("published", org, listing, v);
        e.payload["plans"] =
            serde_json::to_value(&plans).map_err(|e| ServiceError::Internal(Box::new(e)))?;
        Ok(e)
    }
}

fn teams_str(teams: &[Team]) -> Vec<&'static str> {
    teams.iter().map(|t| t.as_str()).collect()
}

impl Services {
    pub(crate) fn wake_screening(&self) {
        self.screening_wake.notify_one();
    }

    // ---- routing policy -------------------------------------------------

    /// The policy routing uses now: the last one activated, else the built-in
    /// default.
    pub async fn active_policy(&self) -> Result<RoutingPolicy> {
        Ok(match self.store.active_routing_policy().await? {
            Some(p) => p.policy,
            None => domain::routing::default_policy(),
        })
    }

    /// Loads a routing policy document (the CLI, or an operator admin).
    pub async fn load_routing_policy(
        &self,
        actor: &Actor,
        text: &str,
        activate: bool,
    ) -> Result<StoredPolicy> {
        self.require_operator(actor, Role::Admin).await?;
        let policy = RoutingPolicy::from_json(text).map_err(ServiceError::Invalid)?;
        if self
            .store
            .routing_policies()
            .await?
            .iter()
            .any(|p| p.version == policy.version)
        {
            return Err(ServiceError::Conflict(format!(
                "policy version {} is already loaded; a changed policy needs a new version",
                policy.version
            )));
        }
        let now = store::now_ms();
        let digest = evidence::digest_of(text.as_bytes());
        let stored = StoredPolicy {
            version: policy.version.clone(),
            policy,
            digest: digest.clone(),
            loaded_at: now,
            loaded_by: actor.audit().encode(),
            activated_at: activate.then_some(now),
        };
        let tx = self.store.begin_write().await?;
        tx.insert_routing_policy(&stored, text).await?;
        let mut records = vec![
            AuditRecord::new(
                actor.audit(),
                "policy.loaded",
                "routing_policy",
                &stored.version,
            )
            .evidence(digest.clone())
            .detail(serde_json::json!({ "rules": stored.policy.rules.len() })),
        ];
        let mut events = Vec::new();
        if activate {
            tx.activate_routing_policy(&stored.version, now).await?;
            let mut r = AuditRecord::new(
                actor.audit(),
                "policy.activated",
                "routing_policy",
                &stored.version,
            )
            .evidence(digest);
            r.policy_version = Some(stored.version.clone());
            records.push(r);
            events.push(policy_event(&stored.version));
        }
        tx.commit_all(records, events).await?;
        Ok(stored)
    }

    /// Makes a loaded policy the active one.
    pub async fn activate_routing_policy(&self, actor: &Actor, version: &str) -> Result<()> {
        self.require_operator(actor, Role::Admin).await?;
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        if !tx.activate_routing_policy(version, now).await? {
            return Err(ServiceError::NotFound);
        }
        let mut r = AuditRecord::new(actor.audit(), "policy.activated", "routing_policy", version);
        r.policy_version = Some(version.to_owned());
        tx.commit(r, vec![policy_event(version)]).await?;
        Ok(())
    }

    // ---- screening as a background job ----------------------------------

    /// Runs in the background for the life of the server: screens submitted
    /// versions as they arrive, and takes over jobs whose worker died.
    pub fn spawn_screening_worker(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let poll = std::time::Duration::from_millis(
                (this.screening_lease_ms / 4).clamp(50, 5_000) as u64,
            );
            loop {
                if let Err(e) = this.run_screenings().await {
                    tracing::warn!(error = %e, "screening worker: a pass failed; retrying");
                }
                tokio::select! {
                    _ = this.screening_wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        })
    }

    /// Screens every due job; returns how many completed.
    pub async fn run_screenings(&self) -> Result<usize> {
        let mut done = 0;
        while let Some(lease) = self.claim_screening().await? {
            let version = lease.job.version_id;
            match self.complete_screening(lease).await {
                Ok(()) => done += 1,
                Err(e) => {
                    tracing::warn!(%version, error = ?e, "screening failed; the job will be retried when its lease ends");
                }
            }
        }
        Ok(done)
    }

    /// Takes the next due screening job, moving its version to `screening`.
    /// A job whose worker died (lease expired) is taken over as it stands.
    pub async fn claim_screening(&self) -> Result<Option<ScreeningLease>> {
        let now = store::now_ms();
        for job in self.store.due_screening_jobs(now, 8).await? {
            let owner = uuid::Uuid::new_v4().to_string();
            let tx = self.store.begin_write().await?;
            if !tx
                .claim_screening_job(&job, &owner, now + self.screening_lease_ms, now)
                .await?
            {
                continue;
            }
            let w = tx.in_org(job.org_id);
            let resumed = job.state == JobState::Running;
            if !resumed {
                w.move_version(
                    job.version_id,
                    VersionState::Submitted,
                    VersionState::Screening,
                    now,
                    None,
                )
                .await?;
            }
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::System,
                    if resumed {
                        "screening.resumed"
                    } else {
                        "screening.started"
                    },
                    "listing_version",
                    job.version_id,
                )
                .org(job.org_id)
                .detail(serde_json::json!({ "attempt": job.attempts + 1 })),
                vec![],
            )
            .await?;
            return Ok(Some(ScreeningLease { job, owner }));
        }
        Ok(None)
    }

    /// Screens the leased version, stores the report as evidence, routes it
    /// by the active policy and opens its review (or, where the policy allows,
    /// approves it), all in one transaction that also ends the job.
    pub async fn complete_screening(&self, lease: ScreeningLease) -> Result<()> {
        let job = &lease.job;
        let org = self
            .store
            .org_by_id(job.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reader = self.store.in_org(org.id);
        let version = reader
            .version_by_id(job.version_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let listing = reader
            .listings()
            .await?
            .into_iter()
            .find(|l| l.id == version.listing_id)
            .ok_or(ServiceError::NotFound)?;
        let now = store::now_ms();
        if version.state != VersionState::Screening {
            // Withdrawn or moved by someone else meanwhile: nothing to screen.
            let tx = self.store.begin_write().await?;
            tx.finish_screening_job(version.id, &lease.owner, now)
                .await?;
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::System,
                    "screening.skipped",
                    "listing_version",
                    version.id,
                )
                .org(org.id)
                .detail(serde_json::json!({ "state": version.state.as_str() })),
                vec![],
            )
            .await?;
            return Ok(());
        }
        let screening = self
            .screen(&org, &listing, &version.manifest, Some(version.id))
            .await?;
        let report: classifier::Report = serde_json::from_value(screening.report.clone())
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let bytes =
            serde_json::to_vec(&screening.report).map_err(|e| ServiceError::Internal(e.into()))?;
        let stored = self.evidence.put(org.id, bytes::Bytes::from(bytes)).await?;
        let plans = reader.plans(version.id).await?;
        let mut capabilities: Vec<String> = report
            .tools
            .iter()
            .flat_map(|t| t.capabilities.iter())
            .chain(report.scopes.iter().flat_map(|s| s.capabilities.iter()))
            .map(|c| c.as_str().to_owned())
            .collect();
        capabilities.sort();
        capabilities.dedup();
        let mut finding_kinds: Vec<String> = report
            .findings
            .iter()
            .map(|f| f.kind.as_str().to_owned())
            .collect();
        finding_kinds.sort();
        finding_kinds.dedup();
        let case_in = RoutingCase {
            risk: screening.risk.clone(),
            finding_kinds: finding_kinds.clone(),
            category: listing.category.clone(),
            capabilities,
            plan_kinds: plans.iter().map(|p| p.kind.as_str().to_owned()).collect(),
        };
        let policy = self.active_policy().await?;
        let routing = policy.route(&case_in);
        let case = ReviewCase {
            id: CaseId::new(),
            version_id: version.id,
            listing_id: listing.id,
            org_id: org.id,
            open: !routing.auto_approved,
            outcome: routing.auto_approved.then_some(Outcome::Approved),
            policy_version: routing.policy_version.clone(),
            teams: routing.teams.clone(),
            approvals_needed: routing.approvals,
            matched_rules: routing.matched_rules.clone(),
            risk: screening.risk.clone(),
            finding_kinds,
            category: listing.category.clone(),
            submitted_by: job.submitted_by.clone(),
            excluded: vec![],
            appeal: false,
            assignee: None,
            assigned_at: None,
            opened_at: now,
            sla_due_at: now + rules::sla_hours(&routing.teams) * 3_600_000,
            closed_at: routing.auto_approved.then_some(now),
            row_version: 0,
        };

        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        tx.insert_evidence_ref(org.id, &stored.digest, "application/json", stored.size)
            .await?;
        if !tx
            .finish_screening_job(version.id, &lease.owner, now)
            .await?
        {
            // Our lease ran out and another worker took the job: it finishes it.
            return Err(ServiceError::Conflict(
                "the screening job was taken over".into(),
            ));
        }
        w.set_screening(version.id, &screening).await?;
        if !w
            .move_version(
                version.id,
                VersionState::Screening,
                VersionState::InReview,
                now,
                None,
            )
            .await?
        {
            return Err(ServiceError::Conflict(
                "the version moved during screening".into(),
            ));
        }
        w.insert_case(&case).await?;
        let mut screened = AuditRecord::new(
            domain::audit::Actor::System,
            "version.screened",
            "listing_version",
            version.id,
        )
        .org(org.id)
        .evidence(stored.digest.clone())
        .detail(serde_json::json!({
            "ruleset": screening.ruleset,
            "risk": screening.risk,
            "findings": report.findings.len(),
        }));
        screened.policy_version = Some(routing.policy_version.clone());
        let mut routed = AuditRecord::new(
            domain::audit::Actor::System,
            "review.routed",
            "listing_version",
            version.id,
        )
        .org(org.id)
        .evidence(stored.digest.clone())
        .detail(serde_json::json!({
            "case": case.id,
            "teams": teams_str(&routing.teams),
            "approvals": routing.approvals,
            "matched_rules": routing.matched_rules,
            "auto_approved": routing.auto_approved,
        }));
        routed.policy_version = Some(routing.policy_version.clone());
        let mut records = vec![screened, routed];
        let mut events = vec![version_event("in_review", org.id, &listing, &version)];
        if routing.auto_approved {
            w.insert_decision(&ReviewDecision {
                id: DecisionId::new(),
                case_id: case.id,
                version_id: version.id,
                org_id: org.id,
                reviewer: domain::audit::Actor::System.encode(),
                team: None,
                kind: DecisionKind::PolicyApprove,
                justification: format!(
                    "low risk with no findings: approved by routing policy {}",
                    routing.policy_version
                ),
                overrides: vec![],
                policy_version: routing.policy_version.clone(),
                created_at: now,
            })
            .await?;
            self.publish_in(&tx, &org, &version, now).await?;
            let mut r = AuditRecord::new(
                domain::audit::Actor::System,
                "version.published",
                "listing_version",
                version.id,
            )
            .org(org.id)
            .detail(serde_json::json!({ "decision": "policy_approve", "case": case.id }));
            r.policy_version = Some(routing.policy_version.clone());
            records.push(r);
            events.push(version_event("approved", org.id, &listing, &version));
            events.push(self.published_event(org.id, &listing, &version).await?);
        }
        tx.commit_all(records, events).await?;
        Ok(())
    }

    /// In-review → approved → published, inside `tx`.
    async fn publish_in(
        &self,
        tx: &store::WriteTx,
        org: &Org,
        version: &Version,
        now: i64,
    ) -> Result<()> {
        let w = tx.in_org(org.id);
        for (from, to) in [
            (VersionState::InReview, VersionState::Approved),
            (VersionState::Approved, VersionState::Published),
        ] {
            if !w.move_version(version.id, from, to, now, None).await? {
                return Err(stale());
            }
        }
        Ok(())
    }

    // ---- who is reviewing ------------------------------------------------

    /// The operator roles of a signed-in person; anyone else is refused.
    pub(crate) async fn operator(&self, actor: &Actor) -> Result<(UserId, Vec<Role>)> {
        let user = user_of(actor)?;
        let roles = self.operator_roles(user).await?;
        if roles.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        Ok((user, roles))
    }

    async fn names(&self, actors: Vec<String>) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for a in actors {
            let a = a.as_str();
            if out.contains_key(a) {
                continue;
            }
            let name = match a
                .strip_prefix("user:")
                .and_then(|id| id.parse::<UserId>().ok())
            {
                Some(id) => match self.store.user_by_id(id).await? {
                    Some(u) => u.display_name,
                    None => "a former user".into(),
                },
                None if a == "system" => "Steward".into(),
                None if a.starts_with("service:") => "API token".into(),
                None => a.to_owned(),
            };
            out.insert(a.to_owned(), name);
        }
        Ok(out)
    }

    /// Operators holding a role, with their names.
    async fn operators_with(&self, roles: &[Role]) -> Result<Vec<(UserId, String)>> {
        let mut out = Vec::new();
        for org in self.store.all_orgs().await? {
            if org.kind != OrgKind::Operator {
                continue;
            }
            for m in self.store.in_org(org.id).members().await? {
                if !m.disabled
                    && m.roles.iter().any(|r| roles.contains(r))
                    && !out.iter().any(|(id, _)| *id == m.user_id)
                {
                    out.push((m.user_id, m.display_name));
                }
            }
        }
        Ok(out)
    }

    async fn case_or_404(&self, id: &str) -> Result<ReviewCase> {
        let id: CaseId = id.parse().map_err(|_| ServiceError::NotFound)?;
        self.store
            .review_case(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn case_subject(&self, case: &ReviewCase) -> Result<(Org, Listing, Version)> {
        let org = self
            .store
            .org_by_id(case.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reader = self.store.in_org(org.id);
        let version = reader
            .version_by_id(case.version_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let listing = reader
            .listings()
            .await?
            .into_iter()
            .find(|l| l.id == case.listing_id)
            .ok_or(ServiceError::NotFound)?;
        Ok((org, listing, version))
    }

    fn facts(case: &ReviewCase) -> CaseFacts {
        CaseFacts {
            teams: case.teams.clone(),
            approvals_needed: case.approvals_needed,
            submitted_by: case.submitted_by.clone(),
            excluded: case.excluded.clone(),
            open: case.open,
        }
    }

    fn approvals_of(case: &ReviewCase, decisions: &[ReviewDecision]) -> Vec<Approval> {
        decisions
            .iter()
            .filter(|d| d.case_id == case.id && d.kind == DecisionKind::Approve)
            .filter_map(|d| {
                d.team.map(|team| Approval {
                    reviewer: d.reviewer.clone(),
                    team,
                })
            })
            .collect()
    }

    // ---- queues -----------------------------------------------------------

    /// Every team's queue at a glance.
    pub async fn review_queues(&self, actor: &Actor) -> Result<Vec<QueueCount>> {
        self.operator(actor).await?;
        let now = store::now_ms();
        let open = self
            .store
            .review_cases(&CaseScope {
                open_only: true,
                opened_since: None,
                limit: 10_000,
            })
            .await?;
        Ok(Team::ALL
            .into_iter()
            .map(|team| {
                let mine: Vec<&ReviewCase> =
                    open.iter().filter(|c| c.teams.contains(&team)).collect();
                QueueCount {
                    team,
                    open: mine.len(),
                    unassigned: mine.iter().filter(|c| c.assignee.is_none()).count(),
                    breached: mine.iter().filter(|c| c.sla_due_at < now).count(),
                    oldest_opened_at: mine.iter().map(|c| c.opened_at).min(),
                }
            })
            .collect())
    }

    /// One team's open cases, oldest first (the SLA order), filtered.
    pub async fn review_queue(
        &self,
        actor: &Actor,
        team: Team,
        filter: &QueueFilter,
    ) -> Result<Vec<QueueEntry>> {
        let (me, _) = self.operator(actor).await?;
        let now = store::now_ms();
        let mut cases: Vec<ReviewCase> = self
            .store
            .review_cases(&CaseScope {
                open_only: true,
                opened_since: None,
                limit: 10_000,
            })
            .await?
            .into_iter()
            .filter(|c| c.teams.contains(&team))
            .filter(|c| filter.risk.as_ref().is_none_or(|r| &c.risk == r))
            .filter(|c| {
                filter
                    .finding_kind
                    .as_ref()
                    .is_none_or(|k| c.finding_kinds.contains(k))
            })
            .filter(|c| filter.category.as_ref().is_none_or(|k| &c.category == k))
            .filter(|c| {
                filter
                    .min_age_hours
                    .is_none_or(|h| now - c.opened_at >= h * 3_600_000)
            })
            .filter(|c| !filter.mine || c.assignee == Some(me))
            .filter(|c| !filter.unassigned || c.assignee.is_none())
            .collect();
        cases.sort_by_key(|c| (c.sla_due_at, c.opened_at));
        let mut out = Vec::with_capacity(cases.len());
        let mut orgs: HashMap<OrgId, Org> = HashMap::new();
        for case in cases {
            if !orgs.contains_key(&case.org_id)
                && let Some(o) = self.store.org_by_id(case.org_id).await?
            {
                orgs.insert(o.id, o);
            }
            let (_, listing, version) = self.case_subject(&case).await?;
            let decisions = self
                .store
                .in_org(case.org_id)
                .decisions_of_version(case.version_id)
                .await?;
            let approvals =
                rules::tally(&Self::facts(&case), &Self::approvals_of(&case, &decisions)).approvers;
            let assignee_name = match case.assignee {
                Some(u) => self.store.user_by_id(u).await?.map(|u| u.display_name),
                None => None,
            };
            out.push(QueueEntry {
                publisher: orgs
                    .get(&case.org_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                listing_name: listing.name,
                listing_slug: listing.slug,
                version: version.version,
                assignee_name,
                approvals,
                case,
            });
        }
        Ok(out)
    }

    /// Claims, releases or assigns a case.
    pub async fn assign_case(
        &self,
        actor: &Actor,
        case_id: &str,
        row_version: i32,
        to: Assign,
    ) -> Result<()> {
        let (me, roles) = self.operator(actor).await?;
        let case = self.case_or_404(case_id).await?;
        let my_teams = Team::of_roles(&roles);
        let on_team = case.teams.iter().any(|t| my_teams.contains(t));
        if !on_team && !roles.contains(&Role::Admin) {
            return Err(ServiceError::Invalid(
                "only the case's teams (or an admin) can take or assign it".into(),
            ));
        }
        let (assignee, action) = match to {
            Assign::Me => {
                if !on_team {
                    return Err(ServiceError::Invalid(
                        "you are not on this case's teams".into(),
                    ));
                }
                (Some(me), "review.claimed")
            }
            Assign::Nobody => (None, "review.released"),
            Assign::Person(u) => {
                let team_roles: Vec<Role> = case.teams.iter().map(|t| t.role()).collect();
                if !self
                    .operators_with(&team_roles)
                    .await?
                    .iter()
                    .any(|(id, _)| *id == u)
                {
                    return Err(ServiceError::InvalidFields(vec![(
                        "assignee".into(),
                        "that person is not on this case's teams".into(),
                    )]));
                }
                (Some(u), "review.assigned")
            }
        };
        if assignee.is_some_and(|a| case.submitted_by == format!("user:{a}")) {
            return Err(ServiceError::Invalid(
                "the person who submitted a version cannot review it".into(),
            ));
        }
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(case.org_id)
            .update_case(
                case.id,
                row_version,
                &CaseChange {
                    assignee: Some(assignee),
                    at: now,
                    ..Default::default()
                },
            )
            .await?
        {
            return Err(stale());
        }
        let mut r = AuditRecord::new(actor.audit(), action, "review_case", case.id)
            .org(case.org_id)
            .detail(serde_json::json!({
                "version": case.version_id,
                "assignee": assignee.map(|a| format!("user:{a}")),
            }));
        r.policy_version = Some(case.policy_version.clone());
        tx.commit(r, vec![]).await?;
        Ok(())
    }

    // ---- the review workspace and decisions -------------------------------

    /// A case with everything needed to decide it.
    pub async fn review_workspace(&self, actor: &Actor, case_id: &str) -> Result<Workspace> {
        let (me, roles) = self.operator(actor).await?;
        let case = self.case_or_404(case_id).await?;
        let (org, listing, version) = self.case_subject(&case).await?;
        let reader = self.store.in_org(org.id);
        let versions = reader.versions(listing.id).await?;
        let compared_with = versions
            .iter()
            .filter(|v| v.id != version.id)
            .find(|v| v.state == VersionState::Published)
            .or_else(|| {
                versions
                    .iter()
                    .filter(|v| v.id != version.id)
                    .find(|v| matches!(v.state, VersionState::Approved | VersionState::Suspended))
            })
            .cloned();
        let diff = match &compared_with {
            Some(old) => Some(self.diff_of(&listing, old, &version).await?),
            None => None,
        };
        let decisions = reader.decisions_of_version(version.id).await?;
        let messages = reader.messages(version.id).await?;
        let names = self
            .names(
                decisions
                    .iter()
                    .map(|d| d.reviewer.clone())
                    .chain(messages.iter().map(|m| m.author.clone()))
                    .collect(),
            )
            .await?;
        let tally = rules::tally(&Self::facts(&case), &Self::approvals_of(&case, &decisions));
        let mut history = self
            .store
            .audit_for_subject("listing_version", &version.id.to_string(), 200)
            .await?;
        history.extend(
            self.store
                .audit_for_subject("review_case", &case.id.to_string(), 200)
                .await?,
        );
        history.sort_by_key(|e| std::cmp::Reverse(e.seq));
        let actor_names = self
            .names(history.iter().map(|e| e.actor.clone()).collect())
            .await?;
        let team_roles: Vec<Role> = case.teams.iter().map(|t| t.role()).collect();
        let assignee_name = match case.assignee {
            Some(u) => self.store.user_by_id(u).await?.map(|u| u.display_name),
            None => None,
        };
        let my_teams = Team::of_roles(&roles);
        Ok(Workspace {
            can_decide: case.open
                && case.teams.iter().any(|t| my_teams.contains(t))
                && case.submitted_by != format!("user:{me}")
                && !case.excluded.contains(&format!("user:{me}")),
            can_enforce: roles.iter().any(|r| ENFORCERS.contains(r)),
            team_members: self.operators_with(&team_roles).await?,
            decisions: decisions
                .into_iter()
                .map(|d| DecisionView {
                    reviewer_name: names.get(&d.reviewer).cloned().unwrap_or_default(),
                    decision: d,
                })
                .collect(),
            messages: messages
                .into_iter()
                .map(|m| MessageView {
                    author_name: names.get(&m.author).cloned().unwrap_or_default(),
                    message: m,
                })
                .collect(),
            tally,
            history,
            actor_names,
            assignee_name,
            compared_with,
            diff,
            case,
            org,
            listing,
            version,
            me,
        })
    }

    /// Records a reviewer's decision; the last approval needed publishes.
    pub async fn decide(
        &self,
        actor: &Actor,
        case_id: &str,
        input: DecisionInput,
    ) -> Result<VersionState> {
        let (me, roles) = self.operator(actor).await?;
        let case = self.case_or_404(case_id).await?;
        let (org, listing, version) = self.case_subject(&case).await?;
        let reader = self.store.in_org(org.id);
        let decisions = reader.decisions_of_version(version.id).await?;
        let approvals = Self::approvals_of(&case, &decisions);
        let findings = finding_refs(&version);
        let reviewer = format!("user:{me}");
        let overrides: Vec<rules::Override> = input
            .overrides
            .iter()
            .filter(|(_, reason)| !reason.trim().is_empty())
            .map(|(i, reason)| rules::Override {
                finding: *i,
                kind: findings.get(*i).map(|f| f.kind.clone()).unwrap_or_default(),
                reason: reason.trim().to_owned(),
            })
            .collect();
        let proposal = rules::Proposal {
            kind: input.kind,
            reviewer: reviewer.clone(),
            reviewer_teams: Team::of_roles(&roles),
            justification: input.justification.clone(),
            overrides: overrides.clone(),
            escalate_to: input.escalate_to,
        };
        let team =
            rules::check(&Self::facts(&case), &approvals, &findings, &proposal).map_err(refusal)?;
        let justification = input.justification.trim().to_owned();
        let now = store::now_ms();
        let mut change = CaseChange {
            at: now,
            ..Default::default()
        };
        let mut next = VersionState::InReview;
        match input.kind {
            DecisionKind::Approve => {
                let mut with_mine = approvals.clone();
                with_mine.push(Approval {
                    reviewer: reviewer.clone(),
                    team,
                });
                if rules::tally(&Self::facts(&case), &with_mine).satisfied() {
                    change.close = Some(Outcome::Approved);
                    next = VersionState::Published;
                }
            }
            DecisionKind::RequestChanges => {
                change.close = Some(Outcome::ChangesRequested);
                next = VersionState::ChangesRequested;
            }
            DecisionKind::Reject => {
                change.close = Some(Outcome::Rejected);
                next = VersionState::Rejected;
            }
            DecisionKind::Escalate => {
                let mut teams = case.teams.clone();
                teams.extend(input.escalate_to);
                teams.sort();
                teams.dedup();
                change.teams = Some(teams);
            }
            DecisionKind::PolicyApprove => unreachable!("refused by rules::check"),
        }

        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        if !w.update_case(case.id, input.row_version, &change).await? {
            return Err(stale());
        }
        let decision = ReviewDecision {
            id: DecisionId::new(),
            case_id: case.id,
            version_id: version.id,
            org_id: org.id,
            reviewer: reviewer.clone(),
            team: Some(team),
            kind: input.kind,
            justification: justification.clone(),
            overrides: overrides.clone(),
            policy_version: case.policy_version.clone(),
            created_at: now,
        };
        w.insert_decision(&decision).await?;
        let pv = Some(case.policy_version.clone());
        let mut decided = AuditRecord::new(
            actor.audit(),
            "review.decided",
            "listing_version",
            version.id,
        )
        .org(org.id)
        .detail(serde_json::json!({
            "case": case.id,
            "decision": input.kind.as_str(),
            "team": team.as_str(),
            "escalate_to": input.escalate_to.map(|t| t.as_str()),
            "justification": justification,
            "overrides": overrides.len(),
        }));
        if let Some(d) = &version.manifest_digest {
            decided = decided.evidence(d.clone());
        }
        decided.policy_version = pv.clone();
        let mut records = vec![decided];
        for o in &overrides {
            let mut r = AuditRecord::new(
                actor.audit(),
                "finding.overridden",
                "listing_version",
                version.id,
            )
            .org(org.id)
            .detail(serde_json::json!({
                "case": case.id,
                "finding": o.finding,
                "kind": o.kind,
                "reason": o.reason,
            }));
            r.policy_version = pv.clone();
            records.push(r);
        }
        let mut events = Vec::new();
        match next {
            VersionState::Published => {
                self.publish_in(&tx, &org, &version, now).await?;
                let mut r = AuditRecord::new(
                    actor.audit(),
                    "version.published",
                    "listing_version",
                    version.id,
                )
                .org(org.id)
                .detail(serde_json::json!({ "case": case.id, "approvers": case.approvals_needed }));
                r.policy_version = pv.clone();
                records.push(r);
                events.push(version_event("approved", org.id, &listing, &version));
                events.push(self.published_event(org.id, &listing, &version).await?);
            }
            VersionState::ChangesRequested | VersionState::Rejected => {
                if !w
                    .move_version(version.id, VersionState::InReview, next, now, None)
                    .await?
                {
                    return Err(stale());
                }
                w.insert_message(&ReviewMessage {
                    id: MessageId::new(),
                    version_id: version.id,
                    org_id: org.id,
                    author: reviewer.clone(),
                    side: Side::Reviewer,
                    body: justification.clone(),
                    created_at: now,
                })
                .await?;
                events.push(version_event(
                    if next == VersionState::Rejected {
                        "rejected"
                    } else {
                        "changes_requested"
                    },
                    org.id,
                    &listing,
                    &version,
                ));
            }
            _ => {}
        }
        tx.commit_all(records, events).await?;
        Ok(next)
    }

    /// A reviewer writes to the publisher about a case's version.
    pub async fn reviewer_message(&self, actor: &Actor, case_id: &str, body: &str) -> Result<()> {
        let (me, roles) = self.operator(actor).await?;
        let case = self.case_or_404(case_id).await?;
        let my_teams = Team::of_roles(&roles);
        if !case.teams.iter().any(|t| my_teams.contains(t)) {
            return Err(ServiceError::Invalid(
                "only the case's teams write to its publisher".into(),
            ));
        }
        let body = check_text("body", body, "a message")?;
        self.add_message(
            actor,
            case.org_id,
            case.version_id,
            format!("user:{me}"),
            Side::Reviewer,
            body,
        )
        .await
    }

    async fn add_message(
        &self,
        actor: &Actor,
        org: OrgId,
        version: VersionId,
        author: String,
        side: Side,
        body: String,
    ) -> Result<()> {
        let now = store::now_ms();
        let tx = self.store.begin_write().await?;
        tx.in_org(org)
            .insert_message(&ReviewMessage {
                id: MessageId::new(),
                version_id: version,
                org_id: org,
                author,
                side,
                body: body.clone(),
                created_at: now,
            })
            .await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "review.message", "listing_version", version)
                .org(org)
                .detail(
                    serde_json::json!({ "side": side.as_str(), "chars": body.chars().count() }),
                ),
            vec![],
        )
        .await?;
        Ok(())
    }

    // ---- the publisher's side ---------------------------------------------

    /// A version's review as its publisher sees it.
    pub async fn publisher_review(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
    ) -> Result<PublisherReview> {
        let (org, listing, v) = self
            .publisher_version_of(actor, org_slug, listing_slug, version, false)
            .await?;
        let reader = self.store.in_org(org.id);
        let messages = reader.messages(v.id).await?;
        let mut timeline = self
            .store
            .audit_for_subject("listing_version", &v.id.to_string(), 200)
            .await?;
        timeline.retain(|e| !e.action.starts_with("operator."));
        // The publisher knows its own people by name and sees which side wrote,
        // never which operator: one read of the members names them all.
        let members: HashMap<String, String> = reader
            .members()
            .await?
            .into_iter()
            .map(|m| (format!("user:{}", m.user_id), m.display_name))
            .collect();
        let name_of = |actor: &str| -> String {
            match members.get(actor) {
                Some(n) => n.clone(),
                None if actor == "system" => "Steward".into(),
                None if actor.starts_with("service:") => "API token".into(),
                None => "Marketplace review".into(),
            }
        };
        let mut names: HashMap<MessageId, String> = messages
            .iter()
            .map(|m| {
                let n = match m.side {
                    Side::Reviewer => "Marketplace review".to_owned(),
                    Side::Publisher => members
                        .get(&m.author)
                        .cloned()
                        .unwrap_or_else(|| "a former member".into()),
                };
                (m.id, n)
            })
            .collect();
        let actor_names: HashMap<String, String> = timeline
            .iter()
            .map(|e| (e.actor.clone(), name_of(&e.actor)))
            .collect();
        Ok(PublisherReview {
            actor_names,
            cases: reader.cases_of_version(v.id).await?,
            decisions: reader.decisions_of_version(v.id).await?,
            messages: messages
                .into_iter()
                .map(|m| MessageView {
                    author_name: names.remove(&m.id).unwrap_or_default(),
                    message: m,
                })
                .collect(),
            enforcement: reader.enforcement(listing.id).await?,
            screening_state: reader.screening_job(v.id).await?.map(|j| j.state),
            timeline,
            version: v,
        })
    }

    async fn publisher_version_of(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        write: bool,
    ) -> Result<(Org, Listing, Version)> {
        let roles: &[Role] = if write {
            &[Role::Owner, Role::Developer]
        } else {
            &[]
        };
        let (org, _) = self.publisher(actor, Some(org_slug), roles).await?;
        let reader = self.store.in_org(org.id);
        let listing = reader
            .listing(listing_slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let v = reader
            .version(listing.id, version)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((org, listing, v))
    }

    /// The publisher answers the reviewers.
    pub async fn publisher_message(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        body: &str,
    ) -> Result<()> {
        let (org, _, v) = self
            .publisher_version_of(actor, org_slug, listing_slug, version, true)
            .await?;
        if v.submitted_at.is_none() {
            return Err(ServiceError::Conflict(
                "this version has not been submitted; there is no review to write to".into(),
            ));
        }
        let body = check_text("body", body, "a message")?;
        self.add_message(
            actor,
            org.id,
            v.id,
            actor.audit().encode(),
            Side::Publisher,
            body,
        )
        .await
    }

    /// The publisher appeals a rejection: the version goes back into review
    /// with the same teams, and none of the people who decided the rejected
    /// review may decide the appeal.
    pub async fn appeal(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        reason: &str,
    ) -> Result<()> {
        let (org, listing, v) = self
            .publisher_version_of(actor, org_slug, listing_slug, version, true)
            .await?;
        let reason = check_text("reason", reason, "the reason for the appeal")?;
        if v.state != VersionState::Rejected {
            return Err(ServiceError::Conflict(format!(
                "only a rejected version can be appealed; this one is {}",
                v.state.label().to_lowercase()
            )));
        }
        let reader = self.store.in_org(org.id);
        let last = reader
            .cases_of_version(v.id)
            .await?
            .into_iter()
            .find(|c| c.outcome == Some(Outcome::Rejected))
            .ok_or_else(|| ServiceError::Conflict("there is no rejection to appeal".into()))?;
        if last.appeal {
            return Err(ServiceError::Conflict(
                "this rejection was already decided on appeal".into(),
            ));
        }
        let mut excluded: Vec<String> = reader
            .decisions_of_version(v.id)
            .await?
            .into_iter()
            .filter(|d| d.case_id == last.id)
            .map(|d| d.reviewer)
            .collect();
        excluded.sort();
        excluded.dedup();
        let now = store::now_ms();
        let policy_version = self.active_policy().await?.version;
        let case = ReviewCase {
            id: CaseId::new(),
            open: true,
            outcome: None,
            policy_version: policy_version.clone(),
            excluded,
            appeal: true,
            assignee: None,
            assigned_at: None,
            opened_at: now,
            sla_due_at: now + rules::sla_hours(&last.teams) * 3_600_000,
            closed_at: None,
            row_version: 0,
            ..last.clone()
        };
        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        if !w
            .move_version(
                v.id,
                VersionState::Rejected,
                VersionState::InReview,
                now,
                None,
            )
            .await?
        {
            return Err(ServiceError::Conflict(
                "the version changed meanwhile; reload and try again".into(),
            ));
        }
        w.insert_case(&case).await?;
        w.insert_message(&ReviewMessage {
            id: MessageId::new(),
            version_id: v.id,
            org_id: org.id,
            author: actor.audit().encode(),
            side: Side::Publisher,
            body: reason,
            created_at: now,
        })
        .await?;
        let mut r = AuditRecord::new(actor.audit(), "review.appealed", "listing_version", v.id)
            .org(org.id)
            .detail(serde_json::json!({
                "case": case.id,
                "appeal_of": last.id,
                "teams": teams_str(&case.teams),
                "excluded": case.excluded.len(),
            }));
        r.policy_version = Some(policy_version);
        tx.commit(r, vec![version_event("appealed", org.id, &listing, &v)])
            .await?;
        Ok(())
    }

    // ---- enforcement --------------------------------------------------------

    /// A listing as the console shows it (operators only).
    pub async fn console_listing(&self, actor: &Actor, slug: &str) -> Result<ConsoleListing> {
        let (_, roles) = self.operator(actor).await?;
        let owner = self
            .store
            .listing_owner(slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let org = self
            .store
            .org_by_id(owner)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let reader = self.store.in_org(org.id);
        let listing = reader.listing(slug).await?.ok_or(ServiceError::NotFound)?;
        let versions = reader.versions(listing.id).await?;
        let actions = reader.enforcement(listing.id).await?;
        let names = self
            .names(actions.iter().map(|a| a.actor.clone()).collect())
            .await?;
        let mut reports = Vec::new();
        for r in reader.reports_of(listing.id).await? {
            let tenant = match r.reporter_org_id {
                Some(o) => self.store.org_by_id(o).await?.map(|o| o.name),
                None => None,
            };
            reports.push((r, tenant));
        }
        Ok(ConsoleListing {
            reports,
            can_enforce: roles.iter().any(|r| ENFORCERS.contains(r)),
            actions: actions
                .into_iter()
                .map(|a| {
                    let n = names.get(&a.actor).cloned().unwrap_or_default();
                    (a, n)
                })
                .collect(),
            org,
            listing,
            versions,
        })
    }

    /// Suspends, reinstates or delists a listing's live versions.
    pub async fn enforce(
        &self,
        actor: &Actor,
        listing_slug: &str,
        action: Enforcement,
        justification: &str,
    ) -> Result<usize> {
        let (_, roles) = self.operator(actor).await?;
        if !roles.iter().any(|r| ENFORCERS.contains(r)) {
            return Err(ServiceError::Forbidden);
        }
        let justification = check_text("justification", justification, "the justification")?;
        let view = self.console_listing(actor, listing_slug).await?;
        let (from, to): (&[VersionState], VersionState) = match action {
            Enforcement::Suspend => (&[VersionState::Published], VersionState::Suspended),
            Enforcement::Reinstate => (&[VersionState::Suspended], VersionState::Published),
            Enforcement::Delist => (
                &[VersionState::Published, VersionState::Suspended],
                VersionState::Delisted,
            ),
        };
        let targets: Vec<&Version> = view
            .versions
            .iter()
            .filter(|v| from.contains(&v.state))
            .collect();
        if targets.is_empty() {
            return Err(ServiceError::Conflict(match action {
                Enforcement::Suspend => "no published version to suspend".into(),
                Enforcement::Reinstate => "no suspended version to reinstate".into(),
                Enforcement::Delist => "nothing live to delist".into(),
            }));
        }
        let now = store::now_ms();
        let policy_version = self.active_policy().await?.version;
        let tx = self.store.begin_write().await?;
        let w = tx.in_org(view.org.id);
        for v in &targets {
            if !w.move_version(v.id, v.state, to, now, None).await? {
                return Err(ServiceError::Conflict(
                    "the listing changed meanwhile; reload and try again".into(),
                ));
            }
        }
        let a = EnforcementAction {
            id: domain::ActionId::new(),
            listing_id: view.listing.id,
            org_id: view.org.id,
            action,
            justification: justification.clone(),
            actor: actor.audit().encode(),
            policy_version: policy_version.clone(),
            created_at: now,
        };
        w.insert_enforcement(&a).await?;
        let mut r = AuditRecord::new(
            actor.audit(),
            &format!("enforcement.{}", action.as_str()),
            "listing",
            view.listing.id,
        )
        .org(view.org.id)
        .detail(serde_json::json!({
            "slug": view.listing.slug,
            "versions": targets.iter().map(|v| v.version.clone()).collect::<Vec<_>>(),
            "justification": justification,
        }));
        r.policy_version = Some(policy_version);
        let past = match action {
            Enforcement::Suspend => "suspended",
            Enforcement::Reinstate => "reinstated",
            Enforcement::Delist => "delisted",
        };
        tx.commit(
            r,
            vec![NewEvent {
                event_type: format!("listing.{past}"),
                org_id: Some(view.org.id),
                subject_type: "listing".into(),
                subject_id: view.listing.id.to_string(),
                payload: serde_json::json!({
                    "listing_id": view.listing.id, "slug": view.listing.slug,
                    "justification": a.justification,
                }),
            }],
        )
        .await?;
        Ok(targets.len())
    }
}

fn policy_event(version: &str) -> NewEvent {
    NewEvent {
        event_type: "policy.activated".into(),
        org_id: None,
        subject_type: "routing_policy".into(),
        subject_id: version.to_owned(),
        payload: serde_json::json!({ "kind": "routing", "version": version }),
    }
}
