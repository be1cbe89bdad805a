//! Review decisions and the rules they keep: who may decide a case, what a
//! decision must carry, and when approvals are enough to publish.
//!
//! A *case* is one review of one submitted version, routed by the active
//! routing policy to one or more teams with a number of approvals needed.
//! Everything here is pure: the service loads the case and its decisions,
//! asks these functions, and writes what they allow in one transaction.

use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::routing::Team;

/// Longest justification or message kept.
pub const TEXT_MAX: usize = 4000;

impl Team {
    pub const ALL: [Team; 6] = [
        Team::Security,
        Team::TrustSafety,
        Team::Legal,
        Team::Compliance,
        Team::Devrel,
        Team::Marketplace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Team::Security => "security",
            Team::TrustSafety => "trust_safety",
            Team::Legal => "legal",
            Team::Compliance => "compliance",
            Team::Devrel => "devrel",
            Team::Marketplace => "marketplace",
        }
    }

    pub fn parse(s: &str) -> Option<Team> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Team::Security => "Security",
            Team::TrustSafety => "Trust & safety",
            Team::Legal => "Legal",
            Team::Compliance => "Compliance",
            Team::Devrel => "Developer relations",
            Team::Marketplace => "Marketplace operators",
        }
    }

    /// The operator role whose holders work this team's queue.
    pub fn role(self) -> Role {
        match self {
            Team::Security => Role::Security,
            Team::TrustSafety => Role::TrustSafety,
            Team::Legal => Role::Legal,
            Team::Compliance => Role::Compliance,
            Team::Devrel => Role::Devrel,
            Team::Marketplace => Role::Reviewer,
        }
    }

    /// The teams a person with `roles` reviews for.
    pub fn of_roles(roles: &[Role]) -> Vec<Team> {
        Self::ALL
            .into_iter()
            .filter(|t| roles.contains(&t.role()))
            .collect()
    }
}

/// What a reviewer (or the policy) decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approve,
    RequestChanges,
    Reject,
    /// Adds another team to the case; their approval is then needed too.
    Escalate,
    /// The routing policy approved a clean, low-risk case by itself.
    PolicyApprove,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 5] = [
        DecisionKind::Approve,
        DecisionKind::RequestChanges,
        DecisionKind::Reject,
        DecisionKind::Escalate,
        DecisionKind::PolicyApprove,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::RequestChanges => "request_changes",
            DecisionKind::Reject => "reject",
            DecisionKind::Escalate => "escalate",
            DecisionKind::PolicyApprove => "policy_approve",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::Approve => "Approved",
            DecisionKind::RequestChanges => "Requested changes",
            DecisionKind::Reject => "Rejected",
            DecisionKind::Escalate => "Escalated",
            DecisionKind::PolicyApprove => "Approved by policy",
        }
    }
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    ChangesRequested,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::ChangesRequested => "changes_requested",
            Outcome::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Approved,
            Outcome::ChangesRequested,
            Outcome::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A reviewer setting aside an automated finding, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The finding's position in the version's screening.
    pub finding: usize,
    /// Its kind, kept so the record reads on its own.
    pub kind: String,
    pub reason: String,
}

/// A finding as the review rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingRef {
    pub kind: String,
    pub severity: String,
}

impl FindingRef {
    /// High and critical findings stand in the way of approval until a
    /// reviewer overrides them with a reason.
    pub fn blocks_approval(&self) -> bool {
        matches!(self.severity.as_str(), "high" | "critical")
    }
}

/// The facts of a case that decide who may act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub teams: Vec<Team>,
    pub approvals_needed: u8,
    /// Who submitted the version (encoded actor): never a reviewer of it.
    pub submitted_by: String,
    /// People who may not decide this case (an appeal's earlier deciders).
    pub excluded: Vec<String>,
    pub open: bool,
}

/// An approval already recorded on the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub reviewer: String,
    pub team: Team,
}

/// What someone asks to decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub kind: DecisionKind,
    /// The deciding person (encoded actor).
    pub reviewer: String,
    /// The teams the person reviews for (from their roles).
    pub reviewer_teams: Vec<Team>,
    pub justification: String,
    pub overrides: Vec<Override>,
    /// For an escalation: the team to add.
    pub escalate_to: Option<Team>,
}

/// Why a decision is refused, in words for the reviewer. `field` names the
/// form field at fault, where there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: Option<&'static str>,
    pub message: String,
}

fn refuse(field: Option<&'static str>, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

/// Where approvals stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Distinct people who approved.
    pub approvers: usize,
    pub needed: u8,
    /// Routed teams with no approval from one of their members yet.
    pub teams_waiting: Vec<Team>,
}

impl Tally {
    pub fn satisfied(&self) -> bool {
        self.approvers >= self.needed as usize && self.teams_waiting.is_empty()
    }
}

/// Counts approvals: one per person, however many times they approved, and
/// never the submitter's; every routed team needs one of its own.
pub fn tally(case: &CaseFacts, approvals: &[Approval]) -> Tally {
    let mut people: Vec<&str> = approvals
        .iter()
        .filter(|a| a.reviewer != case.submitted_by && !case.excluded.contains(&a.reviewer))
        .map(|a| a.reviewer.as_str())
        .collect();
    people.sort_unstable();
    people.dedup();
    let teams_waiting = case
        .teams
        .iter()
        .copied()
        .filter(|t| {
            !approvals
                .iter()
                .any(|a| a.team == *t && a.reviewer != case.submitted_by)
        })
        .collect();
    Tally {
        approvers: people.len(),
        needed: case.approvals_needed,
        teams_waiting,
    }
}

/// Checks a proposed decision against the case and what is already decided.
/// Returns the team the decision is made for.
pub fn check(
    case: &CaseFacts,
    approvals: &[Approval],
    findings: &[FindingRef],
    p: &Proposal,
) -> Result<Team, Refusal> {
    if !case.open {
        return Err(refuse(None, "this review is closed"));
    }
    if p.kind == DecisionKind::PolicyApprove {
        return Err(refuse(None, "only the routing policy approves by itself"));
    }
    if p.reviewer == case.submitted_by {
        return Err(refuse(
            None,
            "you submitted this version, so you cannot review it",
        ));
    }
    if case.excluded.contains(&p.reviewer) {
        return Err(refuse(
            None,
            "this is an appeal of your decision; a different reviewer decides it",
        ));
    }
    // A reviewer on several of the case's teams approves for one still waiting.
    let mine: Vec<Team> = case
        .teams
        .iter()
        .copied()
        .filter(|t| p.reviewer_teams.contains(t))
        .collect();
    let waiting = |t: &Team| !approvals.iter().any(|a| a.team == *t);
    let Some(team) = mine
        .iter()
        .copied()
        .find(waiting)
        .or_else(|| mine.first().copied())
    else {
        let names: Vec<&str> = case.teams.iter().map(|t| t.label()).collect();
        return Err(refuse(
            None,
            format!(
                "this review is for {}; you are not on that team",
                names.join(", ")
            ),
        ));
    };
    let justification = p.justification.trim();
    if justification.is_empty() {
        return Err(refuse(
            Some("justification"),
            "every decision needs a justification",
        ));
    }
    if justification.chars().count() > TEXT_MAX {
        return Err(refuse(
            Some("justification"),
            format!("at most {TEXT_MAX} characters"),
        ));
    }
    for o in &p.overrides {
        if findings.get(o.finding).is_none() {
            return Err(refuse(Some("overrides"), "no such finding"));
        }
        if o.reason.trim().is_empty() {
            return Err(refuse(
                Some("overrides"),
                "overriding a finding needs a reason",
            ));
        }
    }
    match p.kind {
        DecisionKind::Approve => {
            if approvals.iter().any(|a| a.reviewer == p.reviewer) {
                return Err(refuse(
                    None,
                    "you have already approved this version; the next approval must come from someone else",
                ));
            }
            let missing: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(i, f)| {
                    f.blocks_approval() && !p.overrides.iter().any(|o| o.finding == *i)
                })
                .map(|(i, _)| i)
                .collect();
            if !missing.is_empty() {
                return Err(refuse(
                    Some("overrides"),
                    format!(
                        "approving sets aside {} high or critical finding(s); give a reason for each",
                        missing.len()
                    ),
                ));
            }
        }
        DecisionKind::Escalate => match p.escalate_to {
            None => return Err(refuse(Some("team"), "choose a team to escalate to")),
            Some(t) if case.teams.contains(&t) => {
                return Err(refuse(Some("team"), "that team already reviews this case"));
            }
            Some(_) => {}
        },
        DecisionKind::RequestChanges | DecisionKind::Reject | DecisionKind::PolicyApprove => {}
    }
    Ok(team)
}

/// The SLA for a case routed to `teams`, in hours: the tightest team's.
pub fn sla_hours(teams: &[Team]) -> i64 {
    teams
        .iter()
        .map(|t| match t {
            Team::Security | Team::TrustSafety => 24,
            Team::Legal | Team::Compliance => 72,
            Team::Devrel | Team::Marketplace => 48,
        })
        .min()
        .unwrap_or(48)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(teams: &[Team], needed: u8) -> CaseFacts {
        CaseFacts {
            teams: teams.to_vec(),
            approvals_needed: needed,
            submitted_by: "user:pub".into(),
            excluded: vec![],
            open: true,
        }
    }

    fn approve(who: &str) -> Proposal {
        Proposal {
            kind: DecisionKind::Approve,
            reviewer: who.into(),
            reviewer_teams: vec![Team::Security],
            justification: "looked at every tool".into(),
            overrides: vec![],
            escalate_to: None,
        }
    }

    fn approval(who: &str, team: Team) -> Approval {
        Approval {
            reviewer: who.into(),
            team,
        }
    }

    #[test]
    fn the_same_person_twice_is_one_approval() {
        let c = case(&[Team::Security], 2);
        let t = tally(
            &c,
            &[
                approval("user:a", Team::Security),
                approval("user:a", Team::Security),
            ],
        );
        assert_eq!(t.approvers, 1);
        assert!(!t.satisfied());
        // And the second attempt is refused outright.
        let e = check(
            &c,
            &[approval("user:a", Team::Security)],
            &[],
            &approve("user:a"),
        )
        .unwrap_err();
        assert!(e.message.contains("someone else"), "{}", e.message);
        assert!(
            check(
                &c,
                &[approval("user:a", Team::Security)],
                &[],
                &approve("user:b")
            )
            .is_ok()
        );
        let t = tally(
            &c,
            &[
                approval("user:a", Team::Security),
                approval("user:b", Team::Security),
            ],
        );
        assert!(t.satisfied());
    }

    #[test]
    fn the_submitter_never_reviews_or_counts() {
        let c = case(&[Team::Security], 1);
        let e = check(&c, &[], &[], &approve("user:pub")).unwrap_err();
        assert!(e.message.contains("submitted"));
        assert!(!tally(&c, &[approval("user:pub", Team::Security)]).satisfied());
    }

    #[test]
    fn every_routed_team_approves() {
        let c = case(&[Team::Legal, Team::Security], 1);
        let t = tally(&c, &[approval("user:a", Team::Security)]);
        assert_eq!(t.teams_waiting, vec![Team::Legal]);
        assert!(!t.satisfied());
        let t = tally(
            &c,
            &[
                approval("user:a", Team::Security),
                approval("user:b", Team::Legal),
            ],
        );
        assert!(t.satisfied());
    }

    #[test]
    fn a_reviewer_on_two_teams_approves_for_the_one_still_waiting() {
        let c = case(&[Team::Security, Team::Marketplace], 1);
        let mut p = approve("user:b");
        p.reviewer_teams = vec![Team::Security, Team::Marketplace];
        let done = [approval("user:a", Team::Security)];
        assert_eq!(check(&c, &done, &[], &p), Ok(Team::Marketplace));
        assert_eq!(check(&c, &[], &[], &p), Ok(Team::Security));
    }

    #[test]
    fn only_the_routed_teams_decide() {
        let c = case(&[Team::Legal], 1);
        let e = check(&c, &[], &[], &approve("user:a")).unwrap_err();
        assert!(e.message.contains("Legal"), "{}", e.message);
    }

    #[test]
    fn decisions_need_a_justification_and_overrides_a_reason() {
        let c = case(&[Team::Security], 1);
        let mut p = approve("user:a");
        p.justification = "  ".into();
        assert_eq!(
            check(&c, &[], &[], &p).unwrap_err().field,
            Some("justification")
        );

        let findings = vec![
            FindingRef {
                kind: "tool_poisoning".into(),
                severity: "critical".into(),
            },
            FindingRef {
                kind: "open_world".into(),
                severity: "info".into(),
            },
        ];
        let p = approve("user:a");
        let e = check(&c, &[], &findings, &p).unwrap_err();
        assert_eq!(e.field, Some("overrides"));
        let mut p = approve("user:a");
        p.overrides = vec![Override {
            finding: 0,
            kind: "tool_poisoning".into(),
            reason: " ".into(),
        }];
        assert!(
            check(&c, &[], &findings, &p)
                .unwrap_err()
                .message
                .contains("reason")
        );
        p.overrides[0].reason = "the hidden text is a test fixture".into();
        assert!(check(&c, &[], &findings, &p).is_ok());
        // Asking for changes needs no override.
        let mut p = approve("user:a");
        p.kind = DecisionKind::RequestChanges;
        assert!(check(&c, &[], &findings, &p).is_ok());
    }

    #[test]
    fn appeals_go_to_someone_else_and_closed_cases_take_nothing() {
        let mut c = case(&[Team::Security], 1);
        c.excluded = vec!["user:a".into()];
        assert!(
            check(&c, &[], &[], &approve("user:a"))
                .unwrap_err()
                .message
                .contains("appeal")
        );
        assert!(check(&c, &[], &[], &approve("user:b")).is_ok());
        c.open = false;
        assert!(check(&c, &[], &[], &approve("user:b")).is_err());
    }

    #[test]
    fn escalation_names_a_new_team() {
        let c = case(&[Team::Security], 1);
        let mut p = approve("user:a");
        p.kind = DecisionKind::Escalate;
        assert_eq!(check(&c, &[], &[], &p).unwrap_err().field, Some("team"));
        p.escalate_to = Some(Team::Security);
        assert!(check(&c, &[], &[], &p).is_err());
        p.escalate_to = Some(Team::Legal);
        assert_eq!(check(&c, &[], &[], &p), Ok(Team::Security));
    }

    #[test]
    fn names_round_trip() {
        for t in Team::ALL {
            assert_eq!(Team::parse(t.as_str()), Some(t));
            assert_eq!(Team::of_roles(&[t.role()]), vec![t]);
        }
        for k in DecisionKind::ALL {
            assert_eq!(DecisionKind::parse(k.as_str()), Some(k));
        }
    }
}
