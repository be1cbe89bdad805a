//! The disclosure label: what an agent can do, as Steward read it, in words a
//! buyer understands; and, for publishers and reviewers, the findings.

use leptos::prelude::*;

use crate::dto::ScreeningView;

fn risk_badge(risk: String) -> impl IntoView {
    let label = match risk.as_str() {
        "low" => "Low risk",
        "medium" => "Medium risk",
        "high" => "High risk",
        "critical" => "Critical risk",
        _ => "Risk unknown",
    };
    view! { <span class=format!("badge risk-{risk}")>{label}</span> }
}

/// The label; with `findings`, also what a reviewer should look at.
#[component]
pub fn DisclosureLabel(screening: ScreeningView, findings: bool) -> impl IntoView {
    let s = screening;
    let items = if s.items.is_empty() {
        view! { <p class="muted">"Steward found nothing this agent can do beyond reading what it is given."</p> }.into_any()
    } else {
        view! {
            <ul class="label-items" id="label-items">
                {s.items.into_iter().map(|i| {
                    let source = if i.source == "declared" { "declared by the publisher" } else { "inferred by Steward" };
                    view! {
                        <li class=format!("label-item risk-{}", i.risk)>
                            {risk_badge(i.risk.clone())}" "<strong>{i.text}</strong>
                            " "<small class="muted">{format!("{source} · {}", i.tools.join(", "))}</small>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let findings_view = findings.then(|| {
        if s.findings.is_empty() {
            view! { <p class="muted" id="no-findings">"No findings."</p> }.into_any()
        } else {
            view! {
                <h3>"Findings"</h3>
                <ul class="stack findings" id="findings">
                    {s.findings.into_iter().map(|(severity, kind, tool, message, evidence)| view! {
                        <li class=format!("finding severity-{severity}") data-kind=kind.clone()>
                            <span class=format!("badge risk-{}", if severity == "info" { "unknown".to_owned() } else { severity.clone() })>{severity.clone()}</span>" "
                            <code>{kind.replace('_', " ")}</code>
                            {tool.map(|t| view! { " · "<code>{t}</code> })}
                            <p>{message}</p>
                            <p class="muted evidence"><small>{evidence}</small></p>
                        </li>
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    });
    view! {
        <div class="disclosure" id="disclosure">
            <p class="label-summary">{risk_badge(s.risk.clone())}" "{s.summary}</p>
            {items}
            {findings_view}
            <p class="muted"><small>{format!("Automated reading (ruleset {}): a recommendation for people to check, not a verdict.", s.ruleset)}</small></p>
        </div>
    }
}
