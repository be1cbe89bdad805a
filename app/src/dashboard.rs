//! The review dashboard's server function (operator console): the actor from
//! the session, one service call (which refuses anyone who is not an
//! operator), the result as a DTO.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use services::dashboard::{Dashboard, SlaCounts, Timing};
    use services::domain::review::DecisionKind;
    use services::domain::routing::Team;
    use services::format_date;

    use crate::dto::*;

    const ALL: (&str, &str) = ("all", "All teams");

    fn sla((team, label): (&str, &str), s: &SlaCounts) -> DashboardSla {
        DashboardSla {
            team: team.to_owned(),
            label: label.to_owned(),
            open_past_due: s.open_past_due as u64,
            closed_late: s.closed_late as u64,
            closed_on_time: s.closed_on_time as u64,
        }
    }

    fn timing((team, label): (&str, &str), t: &Timing) -> DashboardTiming {
        DashboardTiming {
            team: team.to_owned(),
            label: label.to_owned(),
            decided: t.decided as u64,
            median_ms: t.median_ms,
            p90_ms: t.p90_ms,
        }
    }

    fn counts(by_kind: &[(DecisionKind, usize)]) -> Vec<u64> {
        by_kind.iter().map(|(_, n)| *n as u64).collect()
    }

    fn team(t: Team) -> (&'static str, &'static str) {
        (t.as_str(), t.label())
    }

    pub fn view_of(d: Dashboard) -> DashboardView {
        DashboardView {
            days: d.days,
            from: format_date(d.window_start),
            to: format_date(d.now),
            empty: d.is_empty(),
            cases: d.cases as u64,
            teams: Team::ALL
                .into_iter()
                .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
                .collect(),
            depth: d
                .depth
                .iter()
                .map(|p| DashboardDay {
                    date: format_date(p.day_start),
                    total: p.total as u64,
                    by_team: p.by_team.iter().map(|(_, n)| *n as u64).collect(),
                })
                .collect(),
            sla: sla(ALL, &d.sla),
            sla_by_team: d
                .sla_by_team
                .iter()
                .map(|(t, s)| sla(team(*t), s))
                .collect(),
            outcomes: DecisionKind::ALL
                .into_iter()
                .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
                .collect(),
            decisions: DashboardDecisions {
                team: ALL.0.to_owned(),
                label: ALL.1.to_owned(),
                counts: counts(&d.decisions_by_kind),
                total: d.decisions_total as u64,
            },
            decisions_by_team: d
                .decisions_by_team
                .iter()
                .map(|r| {
                    let (team, label) = r.team.map_or(("policy", "Routing policy"), team);
                    DashboardDecisions {
                        team: team.to_owned(),
                        label: label.to_owned(),
                        counts: counts(&r.by_kind),
                        total: r.total as u64,
                    }
                })
                .collect(),
            time: timing(ALL, &d.time_to_decision),
            time_by_team: d
                .time_by_team
                .iter()
                .map(|(t, x)| timing(team(*t), x))
                .collect(),
            closed_by_policy: d.closed_by_policy as u64,
        }
    }
}

/// Console: the review dashboard over the last `days` days (7 to 90; 30 when
/// not given). Operators only.
#[server(endpoint = "review_dashboard")]
pub async fn review_dashboard(days: Option<u32>) -> Result<DashboardView, AppError> {
    use services::dashboard::DEFAULT_DAYS;
    let actor = crate::auth::session::actor().await?;
    let d = crate::auth::session::services()?
        .review_dashboard(
            &actor,
            days.unwrap_or(DEFAULT_DAYS),
            services::records_now(),
        )
        .await?;
    Ok(ssr::view_of(d))
}
