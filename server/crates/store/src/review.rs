//! The review workflow's rows: routing policies (global), screening jobs,
//! review cases, decisions, messages and enforcement actions (owned by the
//! publisher's organization).
//!
//! The queues read cases across organizations in the system scope
//! ([`Store::review_cases`]); the service lets only operators with a review
//! role get there. Everything about one version or listing goes through
//! [`OrgReader`]/[`OrgWriter`] with the publisher's organization. Every change
//! to a case names the `row_version` it read, so a stale change is refused.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use domain::review::{DecisionKind, Outcome, Override};
use domain::routing::{RoutingPolicy, Team};
use domain::{CaseId, ListingId, VersionId};

use crate::catalog::parse_id;
use crate::entities::*;
use crate::records::{
    Enforcement, EnforcementAction, JobState, ReviewCase, ReviewDecision, ReviewMessage,
    ScreeningJob, Side, StoredPolicy,
};
use crate::write::json;
use crate::{OrgReader, OrgWriter, Result, RowScope, Store, StoreError, WriteTx};

fn corrupt(what: &str, v: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("bad {what} {v:?}"))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn policy_from(m: routing_policy::Model) -> Result<StoredPolicy> {
    Ok(StoredPolicy {
        policy: RoutingPolicy::from_json(&m.document).map_err(|e| corrupt("policy", e))?,
        version: m.version,
        digest: m.digest,
        loaded_at: m.loaded_at,
        loaded_by: m.loaded_by,
        activated_at: m.activated_at,
    })
}

fn job_from(m: screening_job::Model) -> Result<ScreeningJob> {
    Ok(ScreeningJob {
        version_id: parse_id(&m.version_id)?,
        org_id: parse_id(&m.org_id)?,
        state: JobState::parse(&m.state).ok_or_else(|| corrupt("job state", &m.state))?,
        attempts: m.attempts,
        lease_owner: m.lease_owner,
        lease_until: m.lease_until,
        submitted_by: m.submitted_by,
        created_at: m.created_at,
    })
}

fn case_from(m: review_case::Model) -> Result<ReviewCase> {
    let teams: Vec<String> = from_json("teams", &m.teams)?;
    Ok(ReviewCase {
        id: parse_id(&m.id)?,
        version_id: parse_id(&m.version_id)?,
        listing_id: parse_id(&m.listing_id)?,
        org_id: parse_id(&m.org_id)?,
        open: m.state == "open",
        outcome: match &m.outcome {
            None => None,
            Some(o) => Some(Outcome::parse(o).ok_or_else(|| corrupt("outcome", o))?),
        },
        policy_version: m.policy_version,
        teams: teams
            .iter()
            .map(|t| Team::parse(t).ok_or_else(|| corrupt("team", t)))
            .collect::<Result<_>>()?,
        approvals_needed: m.approvals_needed.clamp(0, 255) as u8,
        matched_rules: from_json("matched rules", &m.matched_rules)?,
        risk: m.risk,
        finding_kinds: from_json("finding kinds", &m.finding_kinds)?,
        category: m.category,
        submitted_by: m.submitted_by,
        excluded: from_json("excluded", &m.excluded)?,
        appeal: m.appeal,
        assignee: m.assignee.as_deref().map(parse_id).transpose()?,
        assigned_at: m.assigned_at,
        opened_at: m.opened_at,
        sla_due_at: m.sla_due_at,
        closed_at: m.closed_at,
        row_version: m.row_version,
    })
}

fn teams_json(teams: &[Team]) -> String {
    json(&teams.iter().map(|t| t.as_str()).collect::<Vec<_>>())
}

fn decision_from(m: review_decision::Model) -> Result<ReviewDecision> {
    Ok(ReviewDecision {
        id: parse_id(&m.id)?,
        case_id: parse_id(&m.case_id)?,
        version_id: parse_id(&m.version_id)?,
        org_id: parse_id(&m.org_id)?,
        reviewer: m.reviewer,
        team: match &m.team {
            None => None,
            Some(t) => Some(Team::parse(t).ok_or_else(|| corrupt("team", t))?),
        },
        kind: DecisionKind::parse(&m.kind).ok_or_else(|| corrupt("decision", &m.kind))?,
        justification: m.justification,
        overrides: from_json::<Vec<Override>>("overrides", &m.overrides)?,
        policy_version: m.policy_version,
        created_at: m.created_at,
    })
}

fn message_from(m: review_message::Model) -> Result<ReviewMessage> {
    Ok(ReviewMessage {
        id: parse_id(&m.id)?,
        version_id: parse_id(&m.version_id)?,
        org_id: parse_id(&m.org_id)?,
        author: m.author,
        side: match m.side.as_str() {
            "reviewer" => Side::Reviewer,
            "publisher" => Side::Publisher,
            other => return Err(corrupt("side", other)),
        },
        body: m.body,
        created_at: m.created_at,
    })
}

fn action_from(m: enforcement_action::Model) -> Result<EnforcementAction> {
    Ok(EnforcementAction {
        id: parse_id(&m.id)?,
        listing_id: parse_id(&m.listing_id)?,
        org_id: parse_id(&m.org_id)?,
        action: Enforcement::parse(&m.action).ok_or_else(|| corrupt("action", &m.action))?,
        justification: m.justification,
        actor: m.actor,
        policy_version: m.policy_version,
        created_at: m.created_at,
    })
}

/// Which cases a queue read returns.
#[derive(Clone, Debug, Default)]
pub struct CaseScope {
    /// Only cases still open.
    pub open_only: bool,
    /// Only cases opened at or after this time.
    pub opened_since: Option<i64>,
    pub limit: u64,
}

impl Store {
    /// Every routing policy loaded, newest first.
    pub async fn routing_policies(&self) -> Result<Vec<StoredPolicy>> {
        routing_policy::Entity::find()
            .order_by_desc(routing_policy::Column::LoadedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(policy_from)
            .collect()
    }

    /// The policy routing uses now: the one activated last.
    pub async fn active_routing_policy(&self) -> Result<Option<StoredPolicy>> {
        routing_policy::Entity::find()
            .filter(routing_policy::Column::ActivatedAt.is_not_null())
            .order_by_desc(routing_policy::Column::ActivatedAt)
            .one(&self.db)
            .await?
            .map(policy_from)
            .transpose()
    }

    /// Screening jobs to run now: pending, or running under a lease that
    /// expired (its worker died). Oldest first.
    pub async fn due_screening_jobs(&self, now: i64, limit: u64) -> Result<Vec<ScreeningJob>> {
        let tx = self.read_tx(RowScope::System).await?;
        screening_job::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(screening_job::Column::State.eq("pending"))
                    .add(
                        sea_orm::Condition::all()
                            .add(screening_job::Column::State.eq("running"))
                            .add(screening_job::Column::LeaseUntil.lt(now)),
                    ),
            )
            .order_by_asc(screening_job::Column::CreatedAt)
            .limit(limit)
            .all(&tx)
            .await?
            .into_iter()
            .map(job_from)
            .collect()
    }

    /// Review cases across organizations (the queues and dashboards), newest
    /// first. Only operators with a review role reach this (the service checks).
    pub async fn review_cases(&self, scope: &CaseScope) -> Result<Vec<ReviewCase>> {
        let tx = self.read_tx(RowScope::System).await?;
        let mut q = review_case::Entity::find();
        if scope.open_only {
            q = q.filter(review_case::Column::State.eq("open"));
        }
        if let Some(since) = scope.opened_since {
            q = q.filter(review_case::Column::OpenedAt.gte(since));
        }
        q.order_by_desc(review_case::Column::OpenedAt)
            .limit(scope.limit.max(1))
            .all(&tx)
            .await?
            .into_iter()
            .map(case_from)
            .collect()
    }

    /// Review cases across organizations that were in a queue at some time in
    /// `[since, until]`: opened at or before `until`, and still open or closed
    /// at or after `since` (the dashboards). Oldest first; unbounded, so the
    /// caller keeps the window short. Operators only (the service checks).
    pub async fn review_cases_touching(&self, since: i64, until: i64) -> Result<Vec<ReviewCase>> {
        let tx = self.read_tx(RowScope::System).await?;
        review_case::Entity::find()
            .filter(review_case::Column::OpenedAt.lte(until))
            .filter(
                sea_orm::Condition::any()
                    .add(review_case::Column::ClosedAt.is_null())
                    .add(review_case::Column::ClosedAt.gte(since)),
            )
            .order_by_asc(review_case::Column::OpenedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(case_from)
            .collect()
    }

    /// One case, by id, across organizations (operators only).
    pub async fn review_case(&self, id: CaseId) -> Result<Option<ReviewCase>> {
        let tx = self.read_tx(RowScope::System).await?;
        review_case::Entity::find_by_id(id.to_string())
            .one(&tx)
            .await?
            .map(case_from)
            .transpose()
    }

    /// Decisions made since `since` across organizations (dashboards).
    pub async fn review_decisions_since(&self, since: i64) -> Result<Vec<ReviewDecision>> {
        let tx = self.read_tx(RowScope::System).await?;
        review_decision::Entity::find()
            .filter(review_decision::Column::CreatedAt.gte(since))
            .order_by_asc(review_decision::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(decision_from)
            .collect()
    }
}

impl OrgReader<'_> {
    /// Every review of a version, newest first.
    pub async fn cases_of_version(&self, version: VersionId) -> Result<Vec<ReviewCase>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        review_case::Entity::find()
            .filter(review_case::Column::OrgId.eq(self.org.to_string()))
            .filter(review_case::Column::VersionId.eq(version.to_string()))
            .order_by_desc(review_case::Column::OpenedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(case_from)
            .collect()
    }

    /// Every decision on a version's reviews, oldest first.
    pub async fn decisions_of_version(&self, version: VersionId) -> Result<Vec<ReviewDecision>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        review_decision::Entity::find()
            .filter(review_decision::Column::OrgId.eq(self.org.to_string()))
            .filter(review_decision::Column::VersionId.eq(version.to_string()))
            .order_by_asc(review_decision::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(decision_from)
            .collect()
    }

    /// The message thread about a version, oldest first.
    pub async fn messages(&self, version: VersionId) -> Result<Vec<ReviewMessage>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        review_message::Entity::find()
            .filter(review_message::Column::OrgId.eq(self.org.to_string()))
            .filter(review_message::Column::VersionId.eq(version.to_string()))
            .order_by_asc(review_message::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(message_from)
            .collect()
    }

    /// Enforcement actions on a listing, oldest first.
    pub async fn enforcement(&self, listing: ListingId) -> Result<Vec<EnforcementAction>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        enforcement_action::Entity::find()
            .filter(enforcement_action::Column::OrgId.eq(self.org.to_string()))
            .filter(enforcement_action::Column::ListingId.eq(listing.to_string()))
            .order_by_asc(enforcement_action::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(action_from)
            .collect()
    }

    /// The screening job of a version, if it was ever submitted.
    pub async fn screening_job(&self, version: VersionId) -> Result<Option<ScreeningJob>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        screening_job::Entity::find_by_id(version.to_string())
            .filter(screening_job::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?
            .map(job_from)
            .transpose()
    }
}

/// What a change to a case sets (besides bumping `row_version`).
#[derive(Clone, Debug, Default)]
pub struct CaseChange {
    /// `Some(None)` releases the case.
    pub assignee: Option<Option<domain::UserId>>,
    pub teams: Option<Vec<Team>>,
    /// Closes the case with this outcome.
    pub close: Option<Outcome>,
    pub at: i64,
}

impl WriteTx {
    /// Loads a routing policy document (not yet active).
    pub async fn insert_routing_policy(&self, p: &StoredPolicy, document: &str) -> Result<()> {
        routing_policy::Entity::insert(routing_policy::ActiveModel {
            version: Set(p.version.clone()),
            document: Set(document.to_owned()),
            digest: Set(p.digest.clone()),
            loaded_at: Set(p.loaded_at),
            loaded_by: Set(p.loaded_by.clone()),
            activated_at: Set(None),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Makes a loaded policy the active one.
    pub async fn activate_routing_policy(&self, version: &str, at: i64) -> Result<bool> {
        // Decisions name the marketplace policy version they were made under.
        self.authz_changed(crate::AuthzChange::All);
        let n = routing_policy::Entity::update_many()
            .col_expr(routing_policy::Column::ActivatedAt, Expr::value(Some(at)))
            .filter(routing_policy::Column::Version.eq(version))
            .exec(&self.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Takes a due job for `owner` until `lease_until`, if nobody took it
    /// since it was read (`seen` is the job as read). Moves it to running.
    pub async fn claim_screening_job(
        &self,
        seen: &ScreeningJob,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> Result<bool> {
        crate::set_row_scope(&self.tx, self.engine, RowScope::System).await?;
        let mut q = screening_job::Entity::update_many()
            .col_expr(screening_job::Column::State, Expr::value("running"))
            .col_expr(screening_job::Column::LeaseOwner, Expr::value(Some(owner)))
            .col_expr(
                screening_job::Column::LeaseUntil,
                Expr::value(Some(lease_until)),
            )
            .col_expr(
                screening_job::Column::Attempts,
                Expr::value(seen.attempts + 1),
            )
            .col_expr(screening_job::Column::UpdatedAt, Expr::value(now))
            .filter(screening_job::Column::VersionId.eq(seen.version_id.to_string()))
            .filter(screening_job::Column::State.eq(seen.state.as_str()))
            .filter(screening_job::Column::Attempts.eq(seen.attempts));
        q = match &seen.lease_owner {
            Some(o) => q.filter(screening_job::Column::LeaseOwner.eq(o.as_str())),
            None => q.filter(screening_job::Column::LeaseOwner.is_null()),
        };
        Ok(q.exec(&self.tx).await?.rows_affected == 1)
    }

    /// Marks a job done, if `owner` still holds it.
    pub async fn finish_screening_job(
        &self,
        version: VersionId,
        owner: &str,
        now: i64,
    ) -> Result<bool> {
        crate::set_row_scope(&self.tx, self.engine, RowScope::System).await?;
        let n = screening_job::Entity::update_many()
            .col_expr(screening_job::Column::State, Expr::value("done"))
            .col_expr(screening_job::Column::LeaseUntil, Expr::value(None::<i64>))
            .col_expr(screening_job::Column::UpdatedAt, Expr::value(now))
            .filter(screening_job::Column::VersionId.eq(version.to_string()))
            .filter(screening_job::Column::State.eq("running"))
            .filter(screening_job::Column::LeaseOwner.eq(owner))
            .exec(&self.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }
}

impl OrgWriter<'_> {
    pub(crate) async fn scoped(&self) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await
    }

    /// Queues a version's screening (again, after a resubmission).
    pub async fn queue_screening(
        &self,
        version: VersionId,
        submitted_by: &str,
        at: i64,
    ) -> Result<()> {
        self.scoped().await?;
        let n = screening_job::Entity::update_many()
            .col_expr(screening_job::Column::State, Expr::value("pending"))
            .col_expr(
                screening_job::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(screening_job::Column::LeaseUntil, Expr::value(None::<i64>))
            .col_expr(
                screening_job::Column::SubmittedBy,
                Expr::value(submitted_by),
            )
            .col_expr(screening_job::Column::CreatedAt, Expr::value(at))
            .col_expr(screening_job::Column::UpdatedAt, Expr::value(at))
            .filter(screening_job::Column::VersionId.eq(version.to_string()))
            .filter(screening_job::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        if n == 0 {
            screening_job::Entity::insert(screening_job::ActiveModel {
                version_id: Set(version.to_string()),
                org_id: Set(self.org.to_string()),
                state: Set("pending".into()),
                attempts: Set(0),
                lease_owner: Set(None),
                lease_until: Set(None),
                submitted_by: Set(submitted_by.to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
            })
            .exec_without_returning(&self.tx.tx)
            .await
            .map_err(StoreError::from_db)?;
        }
        Ok(())
    }

    pub async fn insert_case(&self, c: &ReviewCase) -> Result<()> {
        self.scoped().await?;
        review_case::Entity::insert(review_case::ActiveModel {
            id: Set(c.id.to_string()),
            version_id: Set(c.version_id.to_string()),
            listing_id: Set(c.listing_id.to_string()),
            org_id: Set(self.org.to_string()),
            state: Set(if c.open { "open" } else { "closed" }.into()),
            outcome: Set(c.outcome.map(|o| o.as_str().to_owned())),
            policy_version: Set(c.policy_version.clone()),
            teams: Set(teams_json(&c.teams)),
            approvals_needed: Set(c.approvals_needed as i32),
            matched_rules: Set(json(&c.matched_rules)),
            risk: Set(c.risk.clone()),
            finding_kinds: Set(json(&c.finding_kinds)),
            category: Set(c.category.clone()),
            submitted_by: Set(c.submitted_by.clone()),
            excluded: Set(json(&c.excluded)),
            appeal: Set(c.appeal),
            assignee: Set(c.assignee.map(|u| u.to_string())),
            assigned_at: Set(c.assigned_at),
            opened_at: Set(c.opened_at),
            sla_due_at: Set(c.sla_due_at),
            closed_at: Set(c.closed_at),
            row_version: Set(c.row_version),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Changes an open case if it is still at `row_version` (else `false`:
    /// someone changed it since it was read).
    pub async fn update_case(
        &self,
        case: CaseId,
        row_version: i32,
        change: &CaseChange,
    ) -> Result<bool> {
        self.scoped().await?;
        let mut q = review_case::Entity::update_many().col_expr(
            review_case::Column::RowVersion,
            Expr::value(row_version + 1),
        );
        if let Some(a) = &change.assignee {
            q = q
                .col_expr(
                    review_case::Column::Assignee,
                    Expr::value(a.map(|u| u.to_string())),
                )
                .col_expr(
                    review_case::Column::AssignedAt,
                    Expr::value(a.map(|_| change.at)),
                );
        }
        if let Some(t) = &change.teams {
            q = q.col_expr(review_case::Column::Teams, Expr::value(teams_json(t)));
        }
        if let Some(o) = change.close {
            q = q
                .col_expr(review_case::Column::State, Expr::value("closed"))
                .col_expr(review_case::Column::Outcome, Expr::value(Some(o.as_str())))
                .col_expr(review_case::Column::ClosedAt, Expr::value(Some(change.at)));
        }
        let n = q
            .filter(review_case::Column::Id.eq(case.to_string()))
            .filter(review_case::Column::OrgId.eq(self.org.to_string()))
            .filter(review_case::Column::State.eq("open"))
            .filter(review_case::Column::RowVersion.eq(row_version))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    pub async fn insert_decision(&self, d: &ReviewDecision) -> Result<()> {
        self.scoped().await?;
        review_decision::Entity::insert(review_decision::ActiveModel {
            id: Set(d.id.to_string()),
            case_id: Set(d.case_id.to_string()),
            version_id: Set(d.version_id.to_string()),
            org_id: Set(self.org.to_string()),
            reviewer: Set(d.reviewer.clone()),
            team: Set(d.team.map(|t| t.as_str().to_owned())),
            kind: Set(d.kind.as_str().to_owned()),
            justification: Set(d.justification.clone()),
            overrides: Set(json(&d.overrides)),
            policy_version: Set(d.policy_version.clone()),
            created_at: Set(d.created_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    pub async fn insert_message(&self, m: &ReviewMessage) -> Result<()> {
        self.scoped().await?;
        review_message::Entity::insert(review_message::ActiveModel {
            id: Set(m.id.to_string()),
            version_id: Set(m.version_id.to_string()),
            org_id: Set(self.org.to_string()),
            author: Set(m.author.clone()),
            side: Set(m.side.as_str().to_owned()),
            body: Set(m.body.clone()),
            created_at: Set(m.created_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    pub async fn insert_enforcement(&self, a: &EnforcementAction) -> Result<()> {
        self.scoped().await?;
        enforcement_action::Entity::insert(enforcement_action::ActiveModel {
            id: Set(a.id.to_string()),
            listing_id: Set(a.listing_id.to_string()),
            org_id: Set(self.org.to_string()),
            action: Set(a.action.as_str().to_owned()),
            justification: Set(a.justification.clone()),
            actor: Set(a.actor.clone()),
            policy_version: Set(a.policy_version.clone()),
            created_at: Set(a.created_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }
}

impl Store {
    /// Which organization owns the listing `slug` (slugs are unique across the
    /// marketplace). The console's only global lookup of a listing: what it
    /// then reads goes through that organization's scope.
    pub async fn listing_owner(&self, slug: &str) -> Result<Option<domain::OrgId>> {
        let tx = self.read_tx(RowScope::System).await?;
        listing::Entity::find()
            .filter(listing::Column::Slug.eq(slug))
            .one(&tx)
            .await?
            .map(|m| parse_id(&m.org_id))
            .transpose()
    }
}
