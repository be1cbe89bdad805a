//! The signed-in surfaces. Identity (accounts, organizations, roles) comes next;
//! until then these pages say what each surface is and show no private data.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn SurfacePage(
    title: &'static str,
    lede: &'static str,
    who: &'static str,
    items: &'static [&'static str],
) -> impl IntoView {
    view! {
        <Title text=title />
        <header class="page-header">
            <h1>{title}</h1>
            <p class="lede">{lede}</p>
        </header>
        <div class="alert info" role="status">
            "Sign in with an account of such an organization to work here; nothing private is shown without it. "
            {who}
        </div>
        <section class="section">
            <h2>"What you will do here"</h2>
            <ul>{items.iter().map(|i| view! { <li>{*i}</li> }).collect_view()}</ul>
        </section>
    }
}

/// What the console is, for people who are not signed in as operators.
#[component]
pub fn ConsoleIntro() -> impl IntoView {
    view! {
        <SurfacePage
            title="Operator console"
            lede="Where the marketplace's operators review, decide and enforce."
            who="For operator organizations (reviewer, security, trust and safety, legal, compliance, devrel, admin, auditor)."
            items=&[
                "Work review queues with SLAs; claim, decide, escalate.",
                "Read findings with their evidence and the diff against the live version.",
                "Triage abuse reports and act: warn, quarantine, suspend, delist, hold payouts.",
                "Author policy versions and read their impact before activation.",
                "Explore and verify the tamper-evident audit trail.",
            ]
        />
    }
}

#[component]
pub fn Tenant() -> impl IntoView {
    view! {
        <SurfacePage
            title="Tenant admin"
            lede="Where buyers install agents with the grants they choose."
            who="For tenant organizations (tenant admins and members)."
            items=&[
                "Install agents after reading every capability they ask for; grant all or a subset.",
                "Set tenant policy: maximum risk tier, blocked capabilities, admin approval.",
                "Accept new versions only after seeing what changed.",
                "See usage, spend and budgets; rate agents and report abuse.",
            ]
        />
    }
}
