//! The review dashboards: queue depth over time, SLA breaches, decisions by
//! outcome and team, and time to decision.
//!
//! [`compute`] is a pure function of the cases and decisions it is given and
//! the time now; [`Services::review_dashboard`] authorizes the operator, reads
//! what the window needs and calls it.
//!
//! The window is `days` calendar days in UTC, ending with today (the day `now`
//! falls in, up to `now`). A case counts for every team it is routed to now
//! (an escalated case counts for the team it was escalated to as well), so the
//! per-team numbers can add up to more than the total. Cases the routing policy
//! approved by itself never waited in a queue: they are counted as decisions
//! (by the policy) but left out of the SLA and time-to-decision figures.

use std::collections::HashSet;

use domain::review::DecisionKind;
use domain::routing::Team;
use store::records::{ReviewCase, ReviewDecision};

use crate::{Actor, Result, Services};

/// One day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
/// The shortest, default and longest windows, in days.
pub const MIN_DAYS: u32 = 7;
pub const DEFAULT_DAYS: u32 = 30;
pub const MAX_DAYS: u32 = 90;

/// The queues at the end of one day (for today: now).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepthPoint {
    /// Midnight (UTC) starting the day.
    pub day_start: i64,
    /// The instant counted: the day's last millisecond, or now for today.
    pub at: i64,
    /// Cases open at `at`.
    pub total: usize,
    /// Per team, in [`Team::ALL`] order.
    pub by_team: Vec<(Team, usize)>,
}

/// SLA figures, for all cases or one team's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlaCounts {
    /// Open now and past their due time.
    pub open_past_due: usize,
    /// Closed in the window after their due time.
    pub closed_late: usize,
    /// Closed in the window by their due time.
    pub closed_on_time: usize,
}

/// Decisions made in the window by one team (`None`: by the routing policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRow {
    pub team: Option<Team>,
    /// Per kind, in [`DecisionKind::ALL`] order.
    pub by_kind: Vec<(DecisionKind, usize)>,
    pub total: usize,
}

/// How long cases closed in the window took, opened to closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// Cases timed.
    pub decided: usize,
    pub median_ms: Option<i64>,
    /// The 90th percentile (nearest rank).
    pub p90_ms: Option<i64>,
}

/// Everything the review dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    pub days: u32,
    pub now: i64,
    /// Midnight (UTC) starting the window's first day.
    pub window_start: i64,
    /// Cases that were open at some time in the window or closed in it.
    pub cases: usize,
    /// One point per day, oldest first.
    pub depth: Vec<DepthPoint>,
    pub sla: SlaCounts,
    /// Per team, in [`Team::ALL`] order.
    pub sla_by_team: Vec<(Team, SlaCounts)>,
    /// All decisions in the window, per kind in [`DecisionKind::ALL`] order.
    pub decisions_by_kind: Vec<(DecisionKind, usize)>,
    pub decisions_total: usize,
    /// Every team in [`Team::ALL`] order, then the policy's row if it decided
    /// anything.
    pub decisions_by_team: Vec<DecisionRow>,
    pub time_to_decision: Timing,
    /// Per team, in [`Team::ALL`] order.
    pub time_by_team: Vec<(Team, Timing)>,
    /// Cases closed in the window by the routing policy alone (not timed).
    pub closed_by_policy: usize,
}

impl Dashboard {
    /// Nothing happened in the window: no case waited or closed, nobody decided.
    pub fn is_empty(&self) -> bool {
        self.cases == 0 && self.decisions_total == 0
    }
}

/// Midnight (UTC) starting the first of `days` days that end with today.
pub fn window_start(now: i64, days: u32) -> i64 {
    let today = now.div_euclid(DAY_MS) * DAY_MS;
    today - (i64::from(days.max(1)) - 1) * DAY_MS
}

fn open_at(c: &ReviewCase, t: i64) -> bool {
    c.opened_at <= t && c.closed_at.is_none_or(|closed| closed > t)
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The `pct`th percentile of sorted values by nearest rank.
fn percentile(sorted: &[i64], pct: usize) -> Option<i64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (pct * n).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

fn timing(mut durations: Vec<i64>) -> Timing {
    durations.sort_unstable();
    Timing {
        decided: durations.len(),
        median_ms: median(&durations),
        p90_ms: percentile(&durations, 90),
    }
}

/// The dashboard of the `days` days ending with today (the day of `now`),
/// from the cases and decisions given (anything outside the window is
/// ignored, so callers may pass more).
pub fn compute(
    cases: &[ReviewCase],
    decisions: &[ReviewDecision],
    now: i64,
    days: u32,
) -> Dashboard {
    let days = days.max(1);
    let start = window_start(now, days);
    let in_window = |t: i64| start <= t && t <= now;

    let decisions: Vec<&ReviewDecision> = decisions
        .iter()
        .filter(|d| in_window(d.created_at))
        .collect();
    let by_policy: HashSet<_> = decisions
        .iter()
        .filter(|d| d.kind == DecisionKind::PolicyApprove)
        .map(|d| d.case_id)
        .collect();

    let touching: Vec<&ReviewCase> = cases
        .iter()
        .filter(|c| c.opened_at <= now && c.closed_at.is_none_or(|t| t >= start))
        .collect();

    let depth = (0..i64::from(days))
        .map(|i| {
            let day_start = start + i * DAY_MS;
            let at = (day_start + DAY_MS - 1).min(now);
            let open: Vec<&ReviewCase> = touching
                .iter()
                .copied()
                .filter(|c| open_at(c, at))
                .collect();
            DepthPoint {
                day_start,
                at,
                total: open.len(),
                by_team: Team::ALL
                    .into_iter()
                    .map(|t| (t, open.iter().filter(|c| c.teams.contains(&t)).count()))
                    .collect(),
            }
        })
        .collect();

    // Cases that waited in a queue: SLA and timing look at these only.
    let queued: Vec<&ReviewCase> = touching
        .iter()
        .copied()
        .filter(|c| !by_policy.contains(&c.id))
        .collect();
    let closed: Vec<&ReviewCase> = queued
        .iter()
        .copied()
        .filter(|c| c.closed_at.is_some_and(in_window))
        .collect();
    let sla_of = |team: Option<Team>| {
        let mine = |c: &ReviewCase| team.is_none_or(|t| c.teams.contains(&t));
        SlaCounts {
            open_past_due: queued
                .iter()
                .filter(|c| mine(c) && c.closed_at.is_none() && c.sla_due_at < now)
                .count(),
            closed_late: closed
                .iter()
                .filter(|c| mine(c) && c.closed_at.is_some_and(|t| t > c.sla_due_at))
                .count(),
            closed_on_time: closed
                .iter()
                .filter(|c| mine(c) && c.closed_at.is_some_and(|t| t <= c.sla_due_at))
                .count(),
        }
    };
    let time_of = |team: Option<Team>| {
        timing(
            closed
                .iter()
                .filter(|c| team.is_none_or(|t| c.teams.contains(&t)))
                .filter_map(|c| c.closed_at.map(|t| (t - c.opened_at).max(0)))
                .collect(),
        )
    };

    let count_kinds = |team: Option<Option<Team>>| {
        let mine: Vec<&ReviewDecision> = decisions
            .iter()
            .copied()
            .filter(|d| team.is_none_or(|t| d.team == t))
            .collect();
        let by_kind = DecisionKind::ALL
            .into_iter()
            .map(|k| (k, mine.iter().filter(|d| d.kind == k).count()))
            .collect();
        (by_kind, mine.len())
    };
    let (decisions_by_kind, decisions_total) = count_kinds(None);
    let mut decisions_by_team: Vec<DecisionRow> = Team::ALL
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None))
        .map(|team| {
            let (by_kind, total) = count_kinds(Some(team));
            DecisionRow {
                team,
                by_kind,
                total,
            }
        })
        .collect();
    decisions_by_team.retain(|r| r.team.is_some() || r.total > 0);

    Dashboard {
        days,
        now,
        window_start: start,
        cases: touching.len(),
        depth,
        sla: sla_of(None),
        sla_by_team: Team::ALL
            .into_iter()
            .map(|t| (t, sla_of(Some(t))))
            .collect(),
        decisions_by_kind,
        decisions_total,
        decisions_by_team,
        time_to_decision: time_of(None),
        time_by_team: Team::ALL
            .into_iter()
            .map(|t| (t, time_of(Some(t))))
            .collect(),
        closed_by_policy: touching
            .iter()
            .filter(|c| by_policy.contains(&c.id) && c.closed_at.is_some_and(in_window))
            .count(),
    }
}

impl Services {
    /// The review dashboard over the `days` days ending with today (clamped
    /// to 7..=90). Any operator may read it; anyone else is refused.
    pub async fn review_dashboard(&self, actor: &Actor, days: u32, now: i64) -> Result<Dashboard> {
        self.operator(actor).await?;
        let days = days.clamp(MIN_DAYS, MAX_DAYS);
        let start = window_start(now, days);
        let cases = self.store.review_cases_touching(start, now).await?;
        let decisions = self.store.review_decisions_since(start).await?;
        Ok(compute(&cases, &decisions, now, days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::review::Outcome;
    use domain::{CaseId, DecisionId, ListingId, OrgId, VersionId};

    const H: i64 = 3_600_000;
    /// A midnight (UTC): 2025-11-01.
    const MIDNIGHT: i64 = 20_393 * DAY_MS;

    fn case(teams: &[Team], opened_at: i64, closed_at: Option<i64>, sla_hours: i64) -> ReviewCase {
        ReviewCase {
            id: CaseId::new(),
            version_id: VersionId::new(),
            listing_id: ListingId::new(),
            org_id: OrgId::new(),
            open: closed_at.is_none(),
            outcome: closed_at.map(|_| Outcome::Approved),
            policy_version: "test".into(),
            teams: teams.to_vec(),
            approvals_needed: 1,
            matched_rules: vec![],
            risk: "low".into(),
            finding_kinds: vec![],
            category: "utilities".into(),
            submitted_by: "user:pub".into(),
            excluded: vec![],
            appeal: false,
            assignee: None,
            assigned_at: None,
            opened_at,
            sla_due_at: opened_at + sla_hours * H,
            closed_at,
            row_version: 0,
        }
    }

    fn decision(c: &ReviewCase, team: Option<Team>, kind: DecisionKind, at: i64) -> ReviewDecision {
        ReviewDecision {
            id: DecisionId::new(),
            case_id: c.id,
            version_id: c.version_id,
            org_id: c.org_id,
            reviewer: if team.is_some() { "user:r" } else { "system" }.into(),
            team,
            kind,
            justification: "because".into(),
            overrides: vec![],
            policy_version: "test".into(),
            created_at: at,
        }
    }

    fn depth(d: &Dashboard) -> Vec<usize> {
        d.depth.iter().map(|p| p.total).collect()
    }

    fn team_depth(d: &Dashboard, team: Team) -> Vec<usize> {
        d.depth
            .iter()
            .map(|p| p.by_team.iter().find(|(t, _)| *t == team).unwrap().1)
            .collect()
    }

    fn sla(d: &Dashboard, team: Team) -> SlaCounts {
        d.sla_by_team
            .iter()
            .find(|(t, _)| *t == team)
            .unwrap()
            .1
            .clone()
    }

    fn time(d: &Dashboard, team: Team) -> Timing {
        d.time_by_team
            .iter()
            .find(|(t, _)| *t == team)
            .unwrap()
            .1
            .clone()
    }

    #[test]
    fn the_window_is_whole_utc_days_ending_today() {
        let now = MIDNIGHT + 2 * DAY_MS + 5 * H;
        assert_eq!(window_start(now, 3), MIDNIGHT);
        assert_eq!(window_start(now, 1), MIDNIGHT + 2 * DAY_MS);
        // Exactly midnight is the first instant of its day.
        assert_eq!(window_start(MIDNIGHT + 2 * DAY_MS, 3), MIDNIGHT);
        let d = compute(&[], &[], now, 3);
        assert_eq!(d.depth.len(), 3);
        assert_eq!(d.depth[0].day_start, MIDNIGHT);
        assert_eq!(d.depth[0].at, MIDNIGHT + DAY_MS - 1);
        // Today is counted now, not at its (future) end.
        assert_eq!(d.depth[2].at, now);
    }

    #[test]
    fn depth_counts_what_is_open_at_the_end_of_each_day() {
        let now = MIDNIGHT + 2 * DAY_MS + 12 * H;
        let cases = [
            // Opened before the window, still open: every day.
            case(&[Team::Marketplace], MIDNIGHT - 5 * DAY_MS, None, 48),
            // Opened at the last millisecond of day 0: open at its end.
            case(&[Team::Security], MIDNIGHT + DAY_MS - 1, None, 24),
            // Opened at midnight starting day 1, closed at midnight starting
            // day 2: open at the end of day 1 only (closed after that instant).
            case(
                &[Team::Legal],
                MIDNIGHT + DAY_MS,
                Some(MIDNIGHT + 2 * DAY_MS),
                72,
            ),
            // Opened and closed within day 0: never open at a day's end.
            case(&[Team::Legal], MIDNIGHT + H, Some(MIDNIGHT + 2 * H), 72),
            // Closed before the window: not there at all.
            case(
                &[Team::Legal],
                MIDNIGHT - 9 * DAY_MS,
                Some(MIDNIGHT - 2 * DAY_MS),
                72,
            ),
            // Opened after now: not yet.
            case(&[Team::Legal], now + 1, None, 72),
            // Opened today before now: counted today.
            case(&[Team::Security, Team::Legal], now - H, None, 24),
        ];
        let d = compute(&cases, &[], now, 3);
        assert_eq!(depth(&d), vec![2, 3, 3]);
        assert_eq!(team_depth(&d, Team::Marketplace), vec![1, 1, 1]);
        assert_eq!(team_depth(&d, Team::Security), vec![1, 1, 2]);
        assert_eq!(team_depth(&d, Team::Legal), vec![0, 1, 1]);
        assert_eq!(team_depth(&d, Team::Compliance), vec![0, 0, 0]);
        // The one closed before the window and the one not yet opened are out.
        assert_eq!(d.cases, 5);
        assert!(!d.is_empty());
    }

    #[test]
    fn sla_separates_late_from_on_time_and_open_past_due() {
        let now = MIDNIGHT + 6 * DAY_MS;
        let cases = [
            // Closed 10 h after a 24 h SLA ran out: late.
            case(&[Team::Security], MIDNIGHT, Some(MIDNIGHT + 34 * H), 24),
            // Closed exactly at its due time: on time.
            case(&[Team::Security], MIDNIGHT, Some(MIDNIGHT + 24 * H), 24),
            // Open, due an hour ago: past due.
            case(&[Team::Legal, Team::Security], now - 73 * H, None, 72),
            // Open, due in an hour: fine.
            case(&[Team::Legal], now - 71 * H, None, 72),
            // Closed late, but before the window: not counted.
            case(
                &[Team::Legal],
                MIDNIGHT - 30 * DAY_MS,
                Some(MIDNIGHT - 20 * DAY_MS),
                72,
            ),
        ];
        let d = compute(&cases, &[], now, 7);
        assert_eq!(
            d.sla,
            SlaCounts {
                open_past_due: 1,
                closed_late: 1,
                closed_on_time: 1
            }
        );
        assert_eq!(
            sla(&d, Team::Security),
            SlaCounts {
                open_past_due: 1,
                closed_late: 1,
                closed_on_time: 1
            }
        );
        assert_eq!(
            sla(&d, Team::Legal),
            SlaCounts {
                open_past_due: 1,
                closed_late: 0,
                closed_on_time: 0
            }
        );
        assert_eq!(sla(&d, Team::Devrel), SlaCounts::default());
    }

    #[test]
    fn time_to_decision_takes_the_median_and_p90() {
        let now = MIDNIGHT + 6 * DAY_MS;
        let closed = |teams: &[Team], hours: i64| {
            case(
                teams,
                MIDNIGHT + DAY_MS,
                Some(MIDNIGHT + DAY_MS + hours * H),
                48,
            )
        };
        // Odd count: the middle one.
        let odd = [
            closed(&[Team::Marketplace], 1),
            closed(&[Team::Marketplace], 5),
            closed(&[Team::Marketplace], 30),
        ];
        let d = compute(&odd, &[], now, 7);
        assert_eq!(d.time_to_decision.decided, 3);
        assert_eq!(d.time_to_decision.median_ms, Some(5 * H));
        assert_eq!(d.time_to_decision.p90_ms, Some(30 * H));

        // Even count: the mean of the middle two; per team only its cases.
        let even = [
            closed(&[Team::Security], 2),
            closed(&[Team::Security, Team::Legal], 4),
            closed(&[Team::Security], 10),
            closed(&[Team::Security], 1),
        ];
        let d = compute(&even, &[], now, 7);
        assert_eq!(d.time_to_decision.median_ms, Some(3 * H));
        assert_eq!(time(&d, Team::Security).median_ms, Some(3 * H));
        assert_eq!(time(&d, Team::Security).p90_ms, Some(10 * H));
        assert_eq!(
            time(&d, Team::Legal),
            Timing {
                decided: 1,
                median_ms: Some(4 * H),
                p90_ms: Some(4 * H)
            }
        );
        assert_eq!(time(&d, Team::Devrel), Timing::default());

        // Nearest rank: the 9th of ten values is the 90th percentile.
        let ten: Vec<ReviewCase> = (1..=10).map(|h| closed(&[Team::Devrel], h)).collect();
        let t = compute(&ten, &[], now, 7).time_to_decision;
        assert_eq!(t.median_ms, Some(5 * H + H / 2));
        assert_eq!(t.p90_ms, Some(9 * H));
    }

    #[test]
    fn decisions_are_counted_by_outcome_and_team() {
        let now = MIDNIGHT + 6 * DAY_MS;
        let a = case(&[Team::Security], MIDNIGHT, Some(MIDNIGHT + 3 * H), 24);
        let b = case(&[Team::Marketplace, Team::Legal], MIDNIGHT, None, 48);
        let auto = case(&[Team::Marketplace], MIDNIGHT + H, Some(MIDNIGHT + H), 48);
        let decisions = [
            decision(
                &a,
                Some(Team::Security),
                DecisionKind::Approve,
                MIDNIGHT + 2 * H,
            ),
            decision(
                &a,
                Some(Team::Security),
                DecisionKind::Approve,
                MIDNIGHT + 3 * H,
            ),
            decision(
                &b,
                Some(Team::Marketplace),
                DecisionKind::Escalate,
                MIDNIGHT + H,
            ),
            decision(
                &b,
                Some(Team::Legal),
                DecisionKind::RequestChanges,
                MIDNIGHT + 4 * H,
            ),
            decision(&auto, None, DecisionKind::PolicyApprove, MIDNIGHT + H),
            // Before the window, and after now: not counted.
            decision(
                &b,
                Some(Team::Legal),
                DecisionKind::Reject,
                MIDNIGHT - 30 * DAY_MS,
            ),
            decision(&b, Some(Team::Legal), DecisionKind::Reject, now + 1),
        ];
        let d = compute(&[a, b, auto], &decisions, now, 7);
        assert_eq!(d.decisions_total, 5);
        let kind = |k| d.decisions_by_kind.iter().find(|(x, _)| *x == k).unwrap().1;
        assert_eq!(kind(DecisionKind::Approve), 2);
        assert_eq!(kind(DecisionKind::Reject), 0);
        assert_eq!(kind(DecisionKind::PolicyApprove), 1);
        let row = |t: Option<Team>| d.decisions_by_team.iter().find(|r| r.team == t).unwrap();
        assert_eq!(row(Some(Team::Security)).total, 2);
        assert_eq!(row(Some(Team::Legal)).total, 1);
        assert_eq!(row(Some(Team::Devrel)).total, 0);
        assert_eq!(row(None).total, 1);
        assert_eq!(d.decisions_by_team.len(), Team::ALL.len() + 1);
        // The policy's case never queued: no SLA, not timed, counted apart.
        assert_eq!(d.closed_by_policy, 1);
        assert_eq!(d.time_to_decision.decided, 1);
        assert_eq!(d.sla.closed_on_time, 1);
        assert_eq!(depth(&d).iter().max(), Some(&1));
    }

    #[test]
    fn an_empty_window_is_empty() {
        let now = MIDNIGHT + 40 * DAY_MS;
        let old = case(&[Team::Security], MIDNIGHT, Some(MIDNIGHT + H), 24);
        let decisions = [decision(
            &old,
            Some(Team::Security),
            DecisionKind::Approve,
            MIDNIGHT + H,
        )];
        let d = compute(&[old], &decisions, now, 30);
        assert!(d.is_empty());
        assert_eq!(d.cases, 0);
        assert_eq!(d.depth.len(), 30);
        assert!(d.depth.iter().all(|p| p.total == 0));
        assert_eq!(d.sla, SlaCounts::default());
        assert_eq!(d.time_to_decision, Timing::default());
        // No policy row when the policy decided nothing.
        assert_eq!(d.decisions_by_team.len(), Team::ALL.len());
        assert!(compute(&[], &[], now, 7).is_empty());
    }
}
