//! Server functions of the review workflow: the operator console's queues,
//! workspace, decisions and enforcement, and the publisher's side of a
//! review. Each names the actor from the session, calls one service function
//! (which authorizes) and maps the result to a DTO.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use services::domain::audit::AuditEntry;
    use services::domain::review::DecisionKind;
    use services::domain::routing::Team;
    use services::records::{ReviewDecision, Version};

    use crate::dto::*;
    use crate::error::AppError;

    pub use crate::portal::ssr::{actor, format_date, services};

    pub fn parse_team(s: &str) -> Result<Team, AppError> {
        Team::parse(s).ok_or(AppError::NotFound)
    }

    pub fn team_label(t: Team) -> (String, String) {
        (t.as_str().to_owned(), t.label().to_owned())
    }

    pub fn history_row(e: &AuditEntry, name: Option<&String>) -> HistoryRow {
        let detail = if e.detail == "null" {
            String::new()
        } else if e.detail.chars().count() > 240 {
            format!("{}…", e.detail.chars().take(240).collect::<String>())
        } else {
            e.detail.clone()
        };
        HistoryRow {
            seq: e.seq,
            at: format_date(e.at_ms),
            action: e.action.clone(),
            actor: name.cloned().unwrap_or_else(|| e.actor.clone()),
            policy_version: e.policy_version.clone(),
            detail,
        }
    }

    pub fn decision_row(d: &ReviewDecision, by: String) -> DecisionRow {
        DecisionRow {
            kind: d.kind.as_str().to_owned(),
            kind_label: d.kind.label().to_owned(),
            by,
            team: d.team.map(|t| t.label().to_owned()).unwrap_or_default(),
            justification: d.justification.clone(),
            overrides: d
                .overrides
                .iter()
                .map(|o| (o.kind.clone(), o.reason.clone()))
                .collect(),
            policy_version: d.policy_version.clone(),
            at: format_date(d.created_at),
        }
    }

    pub fn message_row(m: &services::review::MessageView) -> MessageRow {
        MessageRow {
            side: m.message.side.as_str().to_owned(),
            author: m.author_name.clone(),
            body: m.message.body.clone(),
            at: format_date(m.message.created_at),
        }
    }

    pub fn findings_of(v: &Version) -> Vec<FindingRow> {
        let Some(s) = &v.screening else {
            return Vec::new();
        };
        s.report["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(index, f)| {
                        let severity = f["severity"].as_str().unwrap_or_default().to_owned();
                        FindingRow {
                            index,
                            blocks: matches!(severity.as_str(), "high" | "critical"),
                            severity,
                            kind: f["kind"].as_str().unwrap_or_default().to_owned(),
                            tool: f["tool"].as_str().map(str::to_owned),
                            message: f["message"].as_str().unwrap_or_default().to_owned(),
                            evidence: f["evidence"].as_str().unwrap_or_default().to_owned(),
                            source: f["source"].as_str().unwrap_or("rules").to_owned(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn decision_kind(s: &str) -> Result<DecisionKind, AppError> {
        match DecisionKind::parse(s) {
            Some(k) if k != DecisionKind::PolicyApprove => Ok(k),
            _ => Err(AppError::from(services::ServiceError::InvalidFields(vec![
                (
                    "kind".into(),
                    "choose approve, request changes, reject or escalate".into(),
                ),
            ]))),
        }
    }
}

/// Every team's queue at a glance.
#[server(endpoint = "review_queues")]
pub async fn review_queues() -> Result<Vec<QueueCountRow>, AppError> {
    use ssr::*;
    let counts = services()?.review_queues(&actor().await?).await?;
    Ok(counts
        .into_iter()
        .map(|c| QueueCountRow {
            team: c.team.as_str().to_owned(),
            team_label: c.team.label().to_owned(),
            open: c.open,
            unassigned: c.unassigned,
            breached: c.breached,
            oldest: c.oldest_opened_at.map(format_date),
        })
        .collect())
}

/// One team's queue, filtered (the filters are the page's query string).
#[server(endpoint = "review_queue")]
pub async fn review_queue(
    team: String,
    #[server(default)] risk: String,
    #[server(default)] finding_kind: String,
    #[server(default)] category: String,
    #[server(default)] min_age_hours: String,
    #[server(default)] mine: String,
    #[server(default)] unassigned: String,
) -> Result<QueuePage, AppError> {
    use ssr::*;
    let t = team_of(&team)?;
    let opt = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let min_age_hours = match opt(min_age_hours) {
        None => None,
        Some(h) => Some(h.parse::<i64>().ok().filter(|h| *h >= 0).ok_or_else(|| {
            AppError::from(services::ServiceError::InvalidFields(vec![(
                "min_age_hours".into(),
                "a whole number of hours".into(),
            )]))
        })?),
    };
    let filter = services::review::QueueFilter {
        risk: opt(risk),
        finding_kind: opt(finding_kind),
        category: opt(category),
        min_age_hours,
        mine: !mine.is_empty(),
        unassigned: !unassigned.is_empty(),
    };
    let a = actor().await?;
    let me = match &a {
        services::Actor::User(u) => Some(*u),
        _ => None,
    };
    let entries = services()?.review_queue(&a, t, &filter).await?;
    let now = services::records_now();
    Ok(QueuePage {
        team: t.as_str().to_owned(),
        team_label: t.label().to_owned(),
        rows: entries
            .into_iter()
            .map(|e| QueueRow {
                case_id: e.case.id.to_string(),
                row_version: e.case.row_version,
                listing_name: e.listing_name,
                version: e.version,
                publisher: e.publisher,
                risk: e.case.risk.clone(),
                finding_kinds: e.case.finding_kinds.clone(),
                category: e.case.category.clone(),
                teams: e.case.teams.iter().map(|t| t.label().to_owned()).collect(),
                approvals: e.approvals,
                approvals_needed: e.case.approvals_needed,
                opened: format_date(e.case.opened_at),
                due: format_date(e.case.sla_due_at),
                breached: e.case.sla_due_at < now,
                assignee: e.assignee_name,
                assigned_to_me: me.is_some() && e.case.assignee == me,
                appeal: e.case.appeal,
            })
            .collect(),
        categories: crate::portal::ssr::categories(),
        finding_kinds: services::classifier::FindingKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
    })
}

#[cfg(feature = "ssr")]
fn team_of(name: &str) -> Result<services::domain::routing::Team, AppError> {
    ssr::parse_team(name)
}

/// The review workspace of one case.
#[server(endpoint = "review_case")]
pub async fn review_case(case: String) -> Result<WorkspaceView, AppError> {
    use ssr::*;
    let w = services()?.review_workspace(&actor().await?, &case).await?;
    let now = services::records_now();
    let screening = w
        .version
        .screening
        .as_ref()
        .and_then(crate::portal::ssr::screening_view);
    let (screening, classes) = match screening {
        Some((s, c)) => (Some(s), c),
        None => (None, Vec::new()),
    };
    let teams_waiting = w
        .tally
        .teams_waiting
        .iter()
        .map(|t| t.label().to_owned())
        .collect();
    let escalate_to = services::domain::routing::Team::ALL
        .into_iter()
        .filter(|t| !w.case.teams.contains(t))
        .map(team_label)
        .collect();
    let diff = match (&w.compared_with, &w.diff) {
        (Some(old), Some(d)) => Some(crate::portal::ssr::diff_view(
            w.org.slug.clone(),
            w.listing.clone(),
            old.clone(),
            w.version.clone(),
            d.clone(),
            Vec::new(),
        )),
        _ => None,
    };
    Ok(WorkspaceView {
        case_id: w.case.id.to_string(),
        row_version: w.case.row_version,
        open: w.case.open,
        outcome: w.case.outcome.map(|o| o.as_str().to_owned()),
        appeal: w.case.appeal,
        teams: w.case.teams.iter().map(|t| team_label(*t)).collect(),
        approvals: w.tally.approvers,
        approvals_needed: w.tally.needed,
        teams_waiting,
        policy_version: w.case.policy_version.clone(),
        matched_rules: w.case.matched_rules.clone(),
        opened: format_date(w.case.opened_at),
        due: format_date(w.case.sla_due_at),
        breached: w.case.open && w.case.sla_due_at < now,
        assignee: w.assignee_name.clone(),
        assigned_to_me: w.case.assignee == Some(w.me),
        publisher: w.org.name.clone(),
        listing_name: w.listing.name.clone(),
        listing_slug: w.listing.slug.clone(),
        category: w.listing.category.clone(),
        version: w.version.version.clone(),
        state: w.version.state.as_str().to_owned(),
        state_label: w.version.state.label().to_owned(),
        manifest_digest: w.version.manifest_digest.clone(),
        findings: findings_of(&w.version),
        tools: crate::portal::ssr::tools_of(&w.version.manifest, &classes),
        manifest_json: serde_json::to_string_pretty(&w.version.manifest).unwrap_or_default(),
        screening,
        compared_with: w.compared_with.as_ref().map(|v| v.version.clone()),
        diff,
        decisions: w
            .decisions
            .iter()
            .map(|d| decision_row(&d.decision, d.reviewer_name.clone()))
            .collect(),
        messages: w.messages.iter().map(message_row).collect(),
        history: w
            .history
            .iter()
            .map(|e| history_row(e, w.actor_names.get(&e.actor)))
            .collect(),
        members: w
            .team_members
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone()))
            .collect(),
        escalate_to,
        can_decide: w.can_decide,
        can_enforce: w.can_enforce,
    })
}

/// Takes a case (`to` = "me"), releases it ("nobody") or assigns it (a user id).
#[server(endpoint = "assign_case")]
pub async fn assign_case(case: String, row_version: i32, to: String) -> Result<(), AppError> {
    use ssr::*;
    let to = match to.as_str() {
        "me" => services::review::Assign::Me,
        "nobody" => services::review::Assign::Nobody,
        id => services::review::Assign::Person(id.parse().map_err(|_| {
            AppError::from(services::ServiceError::InvalidFields(vec![(
                "assignee".into(),
                "choose someone from the list".into(),
            )]))
        })?),
    };
    services()?
        .assign_case(&actor().await?, &case, row_version, to)
        .await?;
    Ok(())
}

/// A reviewer's decision. `overrides[i]` is the reason for setting aside
/// finding `i` (empty: not overridden).
#[server(endpoint = "decide_case")]
pub async fn decide_case(
    case: String,
    row_version: i32,
    kind: String,
    #[server(default)] justification: String,
    #[server(default)] escalate_to: String,
    #[server(default)] overrides: Vec<String>,
) -> Result<String, AppError> {
    use ssr::*;
    let kind = decision_kind(&kind)?;
    let escalate_to = if escalate_to.is_empty() {
        None
    } else {
        Some(parse_team(&escalate_to).map_err(|_| {
            AppError::from(services::ServiceError::InvalidFields(vec![(
                "team".into(),
                "choose a team".into(),
            )]))
        })?)
    };
    let state = services()?
        .decide(
            &actor().await?,
            &case,
            services::review::DecisionInput {
                kind,
                justification,
                overrides: overrides.into_iter().enumerate().collect(),
                escalate_to,
                row_version,
            },
        )
        .await?;
    Ok(state.label().to_owned())
}

/// A reviewer writes to the publisher.
#[server(endpoint = "review_message")]
pub async fn review_message(case: String, body: String) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .reviewer_message(&actor().await?, &case, &body)
        .await?;
    Ok(())
}

/// A version's review as its publisher sees it.
#[server(endpoint = "publisher_review")]
pub async fn publisher_review(
    org: String,
    listing: String,
    version: String,
) -> Result<PublisherReviewView, AppError> {
    use services::domain::listing::VersionState;
    use ssr::*;
    let r = services()?
        .publisher_review(&actor().await?, &org, &listing, &version)
        .await?;
    let current = r.cases.first();
    let approvals = current.map_or(0, |c| {
        let mut people: Vec<&str> = r
            .decisions
            .iter()
            .filter(|d| {
                d.case_id == c.id && d.kind == services::domain::review::DecisionKind::Approve
            })
            .map(|d| d.reviewer.as_str())
            .collect();
        people.sort_unstable();
        people.dedup();
        people.len()
    });
    let state = r.version.state;
    Ok(PublisherReviewView {
        state: state.as_str().to_owned(),
        state_label: state.label().to_owned(),
        submitted: r.version.submitted_at.is_some(),
        screening_pending: matches!(state, VersionState::Submitted | VersionState::Screening),
        teams: current
            .map(|c| c.teams.iter().map(|t| t.label().to_owned()).collect())
            .unwrap_or_default(),
        approvals,
        approvals_needed: current.map_or(0, |c| c.approvals_needed),
        appeal: current.is_some_and(|c| c.appeal),
        decisions: r
            .decisions
            .iter()
            .map(|d| {
                let by = match d.team {
                    Some(t) => format!("{} reviewer", t.label()),
                    None => "Steward (routing policy)".into(),
                };
                decision_row(d, by)
            })
            .collect(),
        messages: r.messages.iter().map(message_row).collect(),
        enforcement: r
            .enforcement
            .iter()
            .map(|a| {
                (
                    a.action.as_str().to_owned(),
                    a.justification.clone(),
                    format_date(a.created_at),
                )
            })
            .collect(),
        timeline: r
            .timeline
            .iter()
            .map(|e| history_row(e, r.actor_names.get(&e.actor)))
            .collect(),
        can_write: r.version.submitted_at.is_some(),
        can_appeal: state == VersionState::Rejected && !r.cases.first().is_some_and(|c| c.appeal),
        can_resubmit: state == VersionState::ChangesRequested,
    })
}

/// The publisher answers the reviewers.
#[server(endpoint = "publisher_message")]
pub async fn publisher_message(
    org: String,
    listing: String,
    version: String,
    body: String,
) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .publisher_message(&actor().await?, &org, &listing, &version, &body)
        .await?;
    Ok(())
}

/// The publisher appeals a rejection.
#[server(endpoint = "appeal_version")]
pub async fn appeal_version(
    org: String,
    listing: String,
    version: String,
    reason: String,
) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .appeal(&actor().await?, &org, &listing, &version, &reason)
        .await?;
    Ok(())
}

/// A listing in the console, for enforcement.
#[server(endpoint = "console_listing")]
pub async fn console_listing(slug: String) -> Result<ConsoleListingView, AppError> {
    use services::domain::listing::VersionState;
    use ssr::*;
    let l = services()?.console_listing(&actor().await?, &slug).await?;
    let has = |s: VersionState| l.versions.iter().any(|v| v.state == s);
    Ok(ConsoleListingView {
        can_suspend: l.can_enforce && has(VersionState::Published),
        can_reinstate: l.can_enforce && has(VersionState::Suspended),
        can_delist: l.can_enforce && (has(VersionState::Published) || has(VersionState::Suspended)),
        can_enforce: l.can_enforce,
        reports: l
            .reports
            .iter()
            .map(|(r, tenant)| ConsoleReport {
                id: r.id.to_string(),
                reason: services::domain::report::ReasonCode::parse(&r.reason)
                    .map_or_else(|| r.reason.clone(), |c| c.label().to_owned()),
                details: r.details.clone(),
                source: match (r.reporter_org_id, tenant) {
                    (None, _) => "public form".to_owned(),
                    (Some(_), Some(t)) => format!("from an install, by {t}"),
                    (Some(_), None) => "from an install".to_owned(),
                },
                install_id: r.install_id.map(|i| i.to_string()),
                evidence: r.evidence_digest.clone(),
                status: r.status.clone(),
                date: format_date(r.created_at),
            })
            .collect(),
        slug: l.listing.slug,
        name: l.listing.name,
        publisher: l.org.name,
        versions: l
            .versions
            .iter()
            .map(|v| {
                (
                    v.version.clone(),
                    v.state.as_str().to_owned(),
                    v.state.label().to_owned(),
                )
            })
            .collect(),
        actions: l
            .actions
            .iter()
            .map(|(a, by)| {
                (
                    a.action.as_str().to_owned(),
                    a.justification.clone(),
                    by.clone(),
                    format_date(a.created_at),
                )
            })
            .collect(),
    })
}

/// Suspends, reinstates or delists a listing.
#[server(endpoint = "enforce_listing")]
pub async fn enforce_listing(
    slug: String,
    action: String,
    #[server(default)] justification: String,
) -> Result<usize, AppError> {
    use ssr::*;
    let action = services::records::Enforcement::parse(&action).ok_or_else(|| {
        AppError::from(services::ServiceError::InvalidFields(vec![(
            "action".into(),
            "choose suspend, reinstate or delist".into(),
        )]))
    })?;
    Ok(services()?
        .enforce(&actor().await?, &slug, action, &justification)
        .await?)
}
