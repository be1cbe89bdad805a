//! The review dashboard: cases opened and decided through the real workflow
//! (a publisher submits, the screening job routes, reviewers decide), then
//! read as an operator through the server function and the page; refused to
//! everyone else.

use serde_json::Value;
use services::Actor;
use services::demo::DEMO_PASSWORD;
use services::domain::review::DecisionKind;
use services::domain::routing::Team;
use services::review::{DecisionInput, QueueFilter};

use crate::helpers::{Browser, TestApp, seeded_apps};

const ORG: &str = "northwind-labs";
const HOUR: i64 = 3_600_000;

/// A plain read-only tool: screened low risk, routed to the marketplace team.
fn manifest(name: &str) -> String {
    serde_json::json!({
        "tools": [{
            "name": name,
            "description": "Returns the weather forecast for a city.",
            "inputSchema": {
                "type": "object",
                "properties": { "city": { "type": "string" } }
            },
            "annotations": { "readOnlyHint": true }
        }]
    })
    .to_string()
}

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let b = Browser::new(app);
    let res = b.sign_in(email, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200, "{email} signs in");
    b
}

async fn user(app: &TestApp, email: &str) -> Actor {
    Actor::User(
        app.services
            .store
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
}

/// The publisher submits `n` new listings' 1.0.0; the screening job opens
/// their cases.
async fn submit(app: &TestApp, n: usize) {
    let publisher = signed_in(app, "owner@northwind.example").await;
    for i in 0..n {
        let slug = format!("weather-{i}");
        let res = publisher
            .call(
                "create_listing",
                &[
                    ("org", ORG),
                    ("fields[slug]", &slug),
                    ("fields[name]", &format!("Weather {i}")),
                    ("fields[category]", "utilities"),
                    ("fields[summary]", "Forecasts"),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let res = publisher
            .call(
                "create_version",
                &[
                    ("org", ORG),
                    ("listing", &slug),
                    ("version", "1.0.0"),
                    ("manifest", &manifest(&format!("forecast_{i}"))),
                ],
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let res = publisher
            .call(
                "submit_version",
                &[("org", ORG), ("listing", &slug), ("version", "1.0.0")],
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    assert_eq!(app.services.run_screenings().await.unwrap(), n);
}

fn team_row<'a>(rows: &'a Value, team: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["team"] == team)
        .unwrap_or_else(|| panic!("no {team} row in {rows}"))
}

/// The count of an outcome in a decisions row.
fn count(d: &Value, row: &Value, outcome: &str) -> u64 {
    let i = d["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o[0] == outcome)
        .unwrap();
    row["counts"][i].as_u64().unwrap()
}

#[tokio::test]
async fn operators_see_queues_slas_and_decisions() {
    for app in seeded_apps().await {
        let engine = app.engine();
        let ops = signed_in(&app, "ops@steward.example").await;

        // Nothing reviewed yet: the empty state.
        let res = ops.call("review_dashboard", &[]).await;
        assert_eq!(res.status(), 200);
        let d: Value = res.json().await.unwrap();
        assert_eq!(d["days"], 30, "the default window");
        assert_eq!(d["empty"], true, "{d}");
        let html = ops
            .client
            .get(format!("{}/console/dashboard", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("No reviews in the last 30 days"),
            "empty state on {engine:?}"
        );

        // Three submissions: one approved, one sent back, one still waiting.
        submit(&app, 3).await;
        let reviewer = user(&app, "reviewer@steward.example").await;
        let queue = app
            .services
            .review_queue(&reviewer, Team::Marketplace, &QueueFilter::default())
            .await
            .unwrap();
        assert_eq!(queue.len(), 3, "all three routed to the marketplace team");
        for (entry, kind) in queue
            .iter()
            .zip([DecisionKind::Approve, DecisionKind::RequestChanges])
        {
            assert_eq!(entry.case.teams, vec![Team::Marketplace]);
            app.services
                .decide(
                    &reviewer,
                    &entry.case.id.to_string(),
                    DecisionInput {
                        kind,
                        justification: "checked the tool and its schema".into(),
                        overrides: vec![],
                        escalate_to: None,
                        row_version: entry.case.row_version,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{kind:?} on {engine:?}: {e:?}"));
        }

        // The server function, as an operator.
        let res = ops.call("review_dashboard", &[("days", "7")]).await;
        assert_eq!(res.status(), 200);
        let d: Value = res.json().await.unwrap();
        assert_eq!(d["days"], 7);
        assert_eq!(d["empty"], false);
        assert_eq!(d["cases"], 3, "{d}");
        let depth = d["depth"].as_array().unwrap();
        assert_eq!(depth.len(), 7);
        let today = depth.last().unwrap();
        assert_eq!(today["total"], 1, "one case still open: {d}");
        let marketplace = d["teams"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t[0] == "marketplace")
            .unwrap();
        assert_eq!(today["by_team"][marketplace], 1);
        assert_eq!(d["decisions"]["total"], 2);
        assert_eq!(count(&d, &d["decisions"], "approve"), 1);
        assert_eq!(count(&d, &d["decisions"], "request_changes"), 1);
        let row = team_row(&d["decisions_by_team"], "marketplace");
        assert_eq!(row["total"], 2);
        assert_eq!(count(&d, row, "approve"), 1);
        assert_eq!(team_row(&d["decisions_by_team"], "security")["total"], 0);
        assert_eq!(d["sla"]["open_past_due"], 0);
        assert_eq!(d["sla"]["closed_late"], 0);
        assert_eq!(d["sla"]["closed_on_time"], 2);
        assert_eq!(
            team_row(&d["sla_by_team"], "marketplace")["closed_on_time"],
            2
        );
        assert_eq!(d["time"]["decided"], 2);
        assert!(d["time"]["median_ms"].as_i64().unwrap() < HOUR, "{d}");
        assert_eq!(team_row(&d["time_by_team"], "marketplace")["decided"], 2);
        assert_eq!(
            team_row(&d["time_by_team"], "legal")["median_ms"],
            Value::Null
        );

        // A window out of range is clamped, not refused.
        let res = ops.call("review_dashboard", &[("days", "1000")]).await;
        assert_eq!(res.json::<Value>().await.unwrap()["days"], 90);

        // The page: charts with their numbers, in the HTML as served.
        let res = ops
            .client
            .get(format!("{}/console/dashboard?days=7", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert_eq!(
            html.matches("class=\"chart-svg\"").count(),
            5,
            "depth, one team, decisions, SLA, time"
        );
        assert!(html.contains("role=\"img\" aria-labelledby=\"depth-chart-title\""));
        assert!(
            html.contains("1 open now"),
            "depth chart title on {engine:?}"
        );
        assert!(
            html.contains("2 in all: 1 approved, 1 requested changes"),
            "decisions chart title on {engine:?}"
        );
        assert!(
            html.contains(
                "0 open past due now, 0 closed late in the last 7 days (2 closed on time)"
            )
        );
        assert!(
            html.contains("id=\"stat-decisions\">2<"),
            "the numbers beside"
        );
        assert!(html.contains("id=\"dashboard-decisions\""));
        assert!(html.contains("<caption>SLA per team</caption>"));
        assert!(
            html.contains("<option value=\"7\" selected"),
            "the window form"
        );
        assert!(!html.contains("No reviews in the last"));

        // Later: the open case is past its 48-hour SLA; much later, the
        // decided cases have left the window and only the open one remains.
        let later = services::records_now() + 3 * 24 * HOUR;
        let d = app
            .services
            .review_dashboard(&reviewer, 7, later)
            .await
            .unwrap();
        assert_eq!(d.sla.open_past_due, 1);
        assert_eq!(d.cases, 3);
        let much_later = services::records_now() + 100 * 24 * HOUR;
        let d = app
            .services
            .review_dashboard(&reviewer, 7, much_later)
            .await
            .unwrap();
        assert_eq!(d.cases, 1, "only the case still open touches the window");
        assert_eq!(d.decisions_total, 0);
        assert_eq!(
            d.depth.iter().map(|p| p.total).collect::<Vec<_>>(),
            vec![1; 7]
        );
        assert_eq!(d.time_to_decision.decided, 0);
    }
}

#[tokio::test]
async fn everyone_else_is_refused() {
    for app in seeded_apps().await {
        submit(&app, 1).await;
        let anonymous = Browser::new(&app);
        let res = anonymous.call("review_dashboard", &[]).await;
        assert_eq!(res.status(), 401);
        let res = anonymous
            .client
            .get(format!("{}/console/dashboard", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let html = res.text().await.unwrap();
        assert!(html.contains("Sign in to continue"));
        assert!(!html.contains("chart-svg"));

        for email in ["admin@contoso.example", "owner@northwind.example"] {
            let b = signed_in(&app, email).await;
            let res = b.call("review_dashboard", &[("days", "7")]).await;
            assert_eq!(res.status(), 403, "{email}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("depth"), "{email}: {body}");
            let res = b
                .client
                .get(format!("{}/console/dashboard", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{email}");
            let html = res.text().await.unwrap();
            assert!(
                html.contains("Where the marketplace&#x27;s operators review")
                    || html.contains("Where the marketplace's operators review"),
                "{email} sees the console's introduction"
            );
            assert!(!html.contains("chart-svg"), "{email}");
        }
    }
}
