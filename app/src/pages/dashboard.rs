//! The review dashboard (operator console): queue depth over time, SLA
//! breaches, decisions by outcome and team, and time to decision. Every chart
//! is inline SVG rendered on the server, with its numbers in a table beside
//! it; the window is a GET form, so the page works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::ErrorNotice;
use super::account::SignInPrompt;
use crate::AppError;
use crate::dashboard::review_dashboard;
use crate::dto::*;

/// The windows offered, in days.
const WINDOWS: [u32; 3] = [7, 30, 90];

/// `5.5 h` (one decimal), or a dash when nothing was timed.
fn hours(ms: Option<i64>) -> String {
    match ms {
        None => "—".into(),
        Some(ms) if ms < 360_000 => "< 0.1 h".into(),
        Some(ms) => format!("{:.1} h", ms as f64 / 3_600_000.0),
    }
}

/// A round number at or above `v` for an axis's top: 1, 2, 5, 10, 20, 50, …
fn nice_max(v: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if v <= m * step {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// `11-26` of `2026-11-26`.
fn short_date(date: &str) -> &str {
    date.get(5..).unwrap_or(date)
}

#[component]
pub fn ConsoleDashboard() -> impl IntoView {
    let query = use_query_map();
    let days = move || {
        query
            .read()
            .get("days")
            .and_then(|d| d.trim().parse::<u32>().ok())
    };
    let data = Resource::new(days, review_dashboard);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Title text="Review dashboard" /> <DashboardBody d /> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <Title text="Review dashboard" /> <SignInPrompt /> }.into_any(),
                    Err(AppError::Forbidden) => view! { <super::surfaces::ConsoleIntro /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DashboardBody(d: DashboardView) -> impl IntoView {
    let days = d.days;
    let lede = format!(
        "Review queues, SLAs and decisions over the last {} days: {} to {} (UTC).",
        d.days, d.from, d.to
    );
    let content = if d.empty {
        view! {
            <div class="empty-state" id="dashboard-empty">
                <h2>{format!("No reviews in the last {} days", d.days)}</h2>
                <p>"Nothing waited in a review queue, closed or was decided in this window. Cases appear here once submitted versions are screened and routed to a team."</p>
            </div>
        }
        .into_any()
    } else {
        view! { <Charts d /> }.into_any()
    };
    view! {
        <header class="page-header">
            <h1>"Review dashboard"</h1>
            <p class="lede">{lede}</p>
            <super::review::ConsoleNav />
        </header>
        <WindowForm days />
        {content}
    }
}

#[component]
fn WindowForm(days: u32) -> impl IntoView {
    let mut windows = WINDOWS.to_vec();
    if !windows.contains(&days) {
        windows.push(days);
        windows.sort_unstable();
    }
    view! {
        <Form method="GET" action="/console/dashboard" attr:class="filters" attr:id="dashboard-window">
            <div class="field">
                <label for="dashboard-days">"Window"</label>
                <select id="dashboard-days" name="days">
                    {windows
                        .into_iter()
                        .map(|n| view! { <option value=n.to_string() selected={n == days}>{format!("Last {n} days")}</option> })
                        .collect_view()}
                </select>
            </div>
            <button class="button secondary" type="submit">"Show"</button>
        </Form>
    }
}

#[component]
fn Charts(d: DashboardView) -> impl IntoView {
    let open_now = d.depth.last().map_or(0, |p| p.total);
    let stats = view! {
        <dl class="stats" id="dashboard-stats">
            <div><dt>"Open now"</dt><dd id="stat-open">{open_now}</dd></div>
            <div><dt>"Open past due"</dt><dd id="stat-past-due">{d.sla.open_past_due}</dd></div>
            <div><dt>"Closed late"</dt><dd id="stat-closed-late">{d.sla.closed_late}</dd></div>
            <div><dt>"Decisions"</dt><dd id="stat-decisions">{d.decisions.total}</dd></div>
            <div><dt>"Median time to decision"</dt><dd id="stat-median">{hours(d.time.median_ms)}</dd></div>
        </dl>
    };
    view! {
        {stats}
        <DepthSection d=d.clone() />
        <DecisionSection d=d.clone() />
        <SlaSection d=d.clone() />
        <TimeSection d />
    }
}

// ---- queue depth -----------------------------------------------------------

#[component]
fn DepthSection(d: DashboardView) -> impl IntoView {
    // Teams with someone in their queue on some day: the others are all zero.
    let teams: Vec<(usize, String)> = d
        .teams
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            d.depth
                .iter()
                .any(|p| p.by_team.get(*i).copied().unwrap_or(0) > 0)
        })
        .map(|(i, (_, label))| (i, label.clone()))
        .collect();
    let totals: Vec<u64> = d.depth.iter().map(|p| p.total).collect();
    let rows = d
        .depth
        .iter()
        .rev()
        .map(|p| {
            let cells = teams
                .iter()
                .map(|(i, _)| view! { <td class="num">{p.by_team.get(*i).copied().unwrap_or(0)}</td> })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{p.date.clone()}</th>
                    <td class="num">{p.total}</td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let multiples = teams
        .iter()
        .map(|(i, label)| {
            let series: Vec<u64> = d
                .depth
                .iter()
                .map(|p| p.by_team.get(*i).copied().unwrap_or(0))
                .collect();
            view! { <Sparkline id=format!("depth-team-{i}") label=label.clone() values=series /> }
        })
        .collect_view();
    let heads = teams
        .iter()
        .map(|(_, l)| view! { <th scope="col" class="num">{l.clone()}</th> })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="depth-h">
            <h2 id="depth-h">"Queue depth"</h2>
            <p class="hint">"Open reviews at the end of each day (UTC); today is counted as of now. A case routed to several teams counts once in the total and once for each of its teams."</p>
            <div class="chart-pair">
                <div class="chart">
                    <DepthChart from=d.from.clone() to=d.to.clone() dates=d.depth.iter().map(|p| p.date.clone()).collect() values=totals />
                </div>
                <div class="table-wrap chart-table" tabindex="0">
                    <table class="data" id="dashboard-depth">
                        <caption>"Open reviews per day, newest first"</caption>
                        <thead><tr><th scope="col">"Day"</th><th scope="col" class="num">"All teams"</th>{heads}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </div>
            <div class="chart-multiples">{multiples}</div>
        </section>
    }
}

/// An area path and a line through `values`, evenly spaced across the box
/// `(left, top, width, height)`, scaled so that `max` is the top.
fn trace(
    values: &[u64],
    (left, top, width, height): (f64, f64, f64, f64),
    max: u64,
) -> (String, String, (f64, f64)) {
    let n = values.len();
    let x = |i: usize| {
        if n > 1 {
            left + width * i as f64 / (n - 1) as f64
        } else {
            left + width / 2.0
        }
    };
    let y = |v: u64| top + height - height * v as f64 / max.max(1) as f64;
    let base = top + height;
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (x(i), y(*v)))
        .collect();
    let line = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let area = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "M{:.1},{base:.1} L{} L{:.1},{base:.1} Z",
            first.0,
            points
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" L"),
            last.0
        ),
        _ => String::new(),
    };
    (area, line, points.last().copied().unwrap_or((left, base)))
}

#[component]
fn DepthChart(from: String, to: String, dates: Vec<String>, values: Vec<u64>) -> impl IntoView {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    let (left, right, top, bottom) = (44.0, 16.0, 12.0, 30.0);
    let (pw, ph) = (W - left - right, H - top - bottom);
    let peak = values.iter().copied().max().unwrap_or(0);
    let now = values.last().copied().unwrap_or(0);
    let max = nice_max(peak.max(1));
    let step = if max <= 5 { 1 } else { max / 2 };
    let (area, line, (lx, ly)) = trace(&values, (left, top, pw, ph), max);
    let ticks = (0..=max)
        .step_by(step as usize)
        .map(|t| {
            let y = top + ph - ph * t as f64 / max as f64;
            view! {
                <line class="grid" x1=left.to_string() x2=(W - right).to_string() y1=format!("{y:.1}") y2=format!("{y:.1}") />
                <text class="axis" x=(left - 6.0).to_string() y=format!("{y:.1}") text-anchor="end" dominant-baseline="middle">{t}</text>
            }
        })
        .collect_view();
    let n = dates.len();
    let labels = [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .enumerate()
        .filter(|(k, i)| match k {
            0 => *i < n,
            1 => *i > 0 && *i + 1 < n,
            _ => *i > 0,
        })
        .map(|(k, i)| {
            let x = if n > 1 {
                left + pw * i as f64 / (n - 1) as f64
            } else {
                left + pw / 2.0
            };
            let anchor = ["start", "middle", "end"][k];
            view! {
                <text class="axis" x=format!("{x:.1}") y=(H - 10.0).to_string() text-anchor=anchor>{short_date(&dates[i]).to_owned()}</text>
            }
        })
        .collect_view();
    let title = format!(
        "Open reviews at the end of each day, {from} to {to}: {now} open now, at most {peak} on one day."
    );
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby="depth-chart-title">
            <title id="depth-chart-title">{title}</title>
            {ticks}
            <path class="area" d=area />
            <polyline class="line" points=line />
            <circle class="dot" cx=format!("{lx:.1}") cy=format!("{ly:.1}") r="4" />
            {labels}
        </svg>
    }
}

#[component]
fn Sparkline(id: String, label: String, values: Vec<u64>) -> impl IntoView {
    const W: f64 = 200.0;
    const H: f64 = 48.0;
    let peak = values.iter().copied().max().unwrap_or(0);
    let now = values.last().copied().unwrap_or(0);
    let (area, line, (lx, ly)) = trace(&values, (4.0, 4.0, W - 8.0, H - 8.0), peak.max(1));
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let title = format!("{label}: open reviews per day; {now} now, at most {peak} on one day.");
    view! {
        <div class="chart small">
            <svg class="chart-svg" viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{title}</title>
                <line class="grid" x1="4" x2=(W - 4.0).to_string() y1=(H - 4.0).to_string() y2=(H - 4.0).to_string() />
                <path class="area" d=area />
                <polyline class="line" points=line />
                <circle class="dot" cx=format!("{lx:.1}") cy=format!("{ly:.1}") r="3" />
            </svg>
            <p class="hint"><strong>{label}</strong>{format!(": {now} now, peak {peak}")}</p>
        </div>
    }
}

// ---- bar charts ------------------------------------------------------------

/// One row of a bar chart: its label, a value per series, and what to print.
struct BarRow {
    label: String,
    values: Vec<f64>,
    /// Printed after each bar (grouped) or after the row (stacked: the first).
    texts: Vec<String>,
}

/// Horizontal bars, one row per team: stacked (parts of one whole) or
/// grouped (one bar per series). `series` are (CSS class, name).
#[component]
fn BarChart(
    id: &'static str,
    title: String,
    series: Vec<(&'static str, String)>,
    rows: Vec<BarRow>,
    stacked: bool,
) -> impl IntoView {
    const W: f64 = 640.0;
    let (left, right, top) = (176.0, 64.0, 8.0);
    let width = W - left - right;
    let per_row = if stacked {
        30.0
    } else {
        series.len() as f64 * 14.0 + 12.0
    };
    let height = top * 2.0 + per_row * rows.len() as f64;
    let max = rows
        .iter()
        .map(|r| {
            if stacked {
                r.values.iter().sum::<f64>()
            } else {
                r.values.iter().copied().fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { width / max } else { 0.0 };
    let bars = rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let y0 = top + per_row * r as f64;
            let mid = y0 + per_row / 2.0;
            let label = view! {
                <text class="label" x=(left - 8.0).to_string() y=format!("{mid:.1}") text-anchor="end" dominant-baseline="middle">{row.label.clone()}</text>
            };
            let parts = if stacked {
                let mut x = left;
                let segments = row
                    .values
                    .iter()
                    .zip(&series)
                    .filter(|(v, _)| **v > 0.0)
                    .map(|(v, (class, name))| {
                        let w = v * scale;
                        let at = x;
                        x += w;
                        let tip = format!("{}: {name} {v}", row.label);
                        view! {
                            <rect class=format!("bar {class}") x=format!("{at:.1}") y=format!("{:.1}", y0 + 6.0) width=format!("{w:.1}") height="18"><title>{tip}</title></rect>
                        }
                    })
                    .collect_view();
                let text = row.texts.first().cloned().unwrap_or_default();
                view! {
                    {segments}
                    <text class="value" x=format!("{:.1}", x + 6.0) y=format!("{mid:.1}") dominant-baseline="middle">{text}</text>
                }
                .into_any()
            } else {
                row.values
                    .iter()
                    .zip(&series)
                    .zip(&row.texts)
                    .enumerate()
                    .map(|(i, ((v, (class, name)), text))| {
                        let w = v * scale;
                        let y = y0 + 6.0 + 14.0 * i as f64;
                        let tip = format!("{}: {name} {text}", row.label);
                        view! {
                            <rect class=format!("bar {class}") x=left.to_string() y=format!("{y:.1}") width=format!("{w:.1}") height="12"><title>{tip}</title></rect>
                            <text class="value" x=format!("{:.1}", left + w + 6.0) y=format!("{:.1}", y + 6.0) dominant-baseline="middle">{text.clone()}</text>
                        }
                    })
                    .collect_view()
                    .into_any()
            };
            view! { {label} {parts} }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|(class, name)| view! { <li><span class=format!("swatch {class}") aria-hidden="true"></span>{name.clone()}</li> })
        .collect_view();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <div class="chart">
            <svg class="chart-svg" viewBox=format!("0 0 {W} {height}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{title}</title>
                <line class="axis-line" x1=left.to_string() x2=left.to_string() y1=top.to_string() y2=(height - top).to_string() />
                {bars}
            </svg>
            <ul class="chart-legend">{legend}</ul>
        </div>
    }
}

/// The CSS class colouring a decision outcome.
fn outcome_class(code: &str) -> &'static str {
    match code {
        "approve" => "s-approve",
        "request_changes" => "s-changes",
        "reject" => "s-reject",
        "escalate" => "s-escalate",
        _ => "s-policy",
    }
}

#[component]
fn DecisionSection(d: DashboardView) -> impl IntoView {
    let series: Vec<(&'static str, String)> = d
        .outcomes
        .iter()
        .map(|(code, label)| (outcome_class(code), label.clone()))
        .collect();
    let rows = d
        .decisions_by_team
        .iter()
        .map(|r| BarRow {
            label: r.label.clone(),
            values: r.counts.iter().map(|n| *n as f64).collect(),
            texts: vec![r.total.to_string()],
        })
        .collect();
    let summary = d
        .outcomes
        .iter()
        .zip(&d.decisions.counts)
        .filter(|(_, n)| **n > 0)
        .map(|((_, label), n)| format!("{n} {}", label.to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    let title = format!(
        "Decisions in the last {} days by team and outcome: {} in all{}{}.",
        d.days,
        d.decisions.total,
        if summary.is_empty() { "" } else { ": " },
        summary
    );
    let heads = d
        .outcomes
        .iter()
        .map(|(_, label)| view! { <th scope="col" class="num">{label.clone()}</th> })
        .collect_view();
    let row = |r: &DashboardDecisions| {
        let cells = r
            .counts
            .iter()
            .map(|n| view! { <td class="num">{*n}</td> })
            .collect_view();
        view! {
            <tr data-team=r.team.clone()>
                <th scope="row">{r.label.clone()}</th>
                {cells}
                <td class="num">{r.total}</td>
            </tr>
        }
    };
    let body = d.decisions_by_team.iter().map(row).collect_view();
    let foot = row(&d.decisions);
    view! {
        <section class="section" aria-labelledby="decisions-h">
            <h2 id="decisions-h">"Decisions by outcome and team"</h2>
            <p class="hint">"Every decision recorded in the window, by the team it was made for. Escalations add a team to a case; they do not close it."</p>
            <div class="chart-pair">
                <BarChart id="decisions-chart" title series rows stacked=true />
                <div class="table-wrap chart-table" tabindex="0">
                    <table class="data" id="dashboard-decisions">
                        <caption>"Decisions per team and outcome"</caption>
                        <thead><tr><th scope="col">"Team"</th>{heads}<th scope="col" class="num">"Total"</th></tr></thead>
                        <tbody>{body}</tbody>
                        <tfoot>{foot}</tfoot>
                    </table>
                </div>
            </div>
        </section>
    }
}

#[component]
fn SlaSection(d: DashboardView) -> impl IntoView {
    let series = vec![
        ("s-past-due", "Open past due".to_owned()),
        ("s-late", "Closed late".to_owned()),
    ];
    let rows = d
        .sla_by_team
        .iter()
        .map(|s| BarRow {
            label: s.label.clone(),
            values: vec![s.open_past_due as f64, s.closed_late as f64],
            texts: vec![s.open_past_due.to_string(), s.closed_late.to_string()],
        })
        .collect();
    let title = format!(
        "SLA breaches by team: {} open past due now, {} closed late in the last {} days ({} closed on time).",
        d.sla.open_past_due, d.sla.closed_late, d.days, d.sla.closed_on_time
    );
    let row = |s: &DashboardSla| {
        view! {
            <tr data-team=s.team.clone()>
                <th scope="row">{s.label.clone()}</th>
                <td class="num">{s.open_past_due}</td>
                <td class="num">{s.closed_late}</td>
                <td class="num">{s.closed_on_time}</td>
            </tr>
        }
    };
    let body = d.sla_by_team.iter().map(row).collect_view();
    let foot = row(&d.sla);
    view! {
        <section class="section" aria-labelledby="sla-h">
            <h2 id="sla-h">"SLA breaches"</h2>
            <p class="hint">"Open past due: waiting now beyond the case's due time. Closed late: decided in the window after it. Cases the routing policy approved by itself never waited and are left out."</p>
            <div class="chart-pair">
                <BarChart id="sla-chart" title series rows stacked=false />
                <div class="table-wrap chart-table" tabindex="0">
                    <table class="data" id="dashboard-sla">
                        <caption>"SLA per team"</caption>
                        <thead><tr>
                            <th scope="col">"Team"</th>
                            <th scope="col" class="num">"Open past due"</th>
                            <th scope="col" class="num">"Closed late"</th>
                            <th scope="col" class="num">"Closed on time"</th>
                        </tr></thead>
                        <tbody>{body}</tbody>
                        <tfoot>{foot}</tfoot>
                    </table>
                </div>
            </div>
        </section>
    }
}

#[component]
fn TimeSection(d: DashboardView) -> impl IntoView {
    let series = vec![
        ("s-median", "Median".to_owned()),
        ("s-p90", "90th percentile".to_owned()),
    ];
    let h = |ms: Option<i64>| ms.map_or(0.0, |ms| ms as f64 / 3_600_000.0);
    let rows = d
        .time_by_team
        .iter()
        .map(|t| BarRow {
            label: t.label.clone(),
            values: vec![h(t.median_ms), h(t.p90_ms)],
            texts: vec![hours(t.median_ms), hours(t.p90_ms)],
        })
        .collect();
    let title = format!(
        "Time from opening to decision, cases closed in the last {} days: median {}, 90th percentile {}, over {} cases.",
        d.days,
        hours(d.time.median_ms),
        hours(d.time.p90_ms),
        d.time.decided
    );
    let row = |t: &DashboardTiming| {
        view! {
            <tr data-team=t.team.clone()>
                <th scope="row">{t.label.clone()}</th>
                <td class="num">{t.decided}</td>
                <td class="num">{hours(t.median_ms)}</td>
                <td class="num">{hours(t.p90_ms)}</td>
            </tr>
        }
    };
    let body = d.time_by_team.iter().map(row).collect_view();
    let foot = row(&d.time);
    let policy = (d.closed_by_policy > 0).then(|| {
        view! {
            <p class="hint" id="dashboard-policy">{format!(
                "{} case{} approved by the routing policy alone {} not timed.",
                d.closed_by_policy,
                if d.closed_by_policy == 1 { "" } else { "s" },
                if d.closed_by_policy == 1 { "is" } else { "are" },
            )}</p>
        }
    });
    view! {
        <section class="section" aria-labelledby="time-h">
            <h2 id="time-h">"Time to decision"</h2>
            <p class="hint">"From a case opening to its closing decision, for cases closed in the window, in hours."</p>
            <div class="chart-pair">
                <BarChart id="time-chart" title series rows stacked=false />
                <div class="table-wrap chart-table" tabindex="0">
                    <table class="data" id="dashboard-time">
                        <caption>"Time to decision per team"</caption>
                        <thead><tr>
                            <th scope="col">"Team"</th>
                            <th scope="col" class="num">"Closed"</th>
                            <th scope="col" class="num">"Median"</th>
                            <th scope="col" class="num">"90th percentile"</th>
                        </tr></thead>
                        <tbody>{body}</tbody>
                        <tfoot>{foot}</tfoot>
                    </table>
                </div>
            </div>
            {policy}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(120), 200);
    }

    #[test]
    fn hours_read_well() {
        assert_eq!(hours(None), "—");
        assert_eq!(hours(Some(1_000)), "< 0.1 h");
        assert_eq!(hours(Some(5 * 3_600_000 + 1_800_000)), "5.5 h");
    }
}
