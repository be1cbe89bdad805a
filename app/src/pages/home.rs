use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Governance for AI agent marketplaces"</h1>
            <p class="lede">
                "Steward is the control plane between the people who publish AI agents, the operators who \
                 run a marketplace, and the enterprises that install agents. It reads every tool an agent \
                 exposes, tells buyers plainly what an agent can do, routes risky cases to the right people, \
                 and answers agent gateways, call by call, whether a tool call is allowed."
            </p>
            <div class="actions row">
                <a class="button primary" href="/catalog">"Browse the catalog"</a>
                <a class="button secondary" href="/portal">"List an agent"</a>
            </div>
        </section>
        <section class="section" aria-labelledby="surfaces-h">
            <h2 id="surfaces-h">"Four surfaces, one record"</h2>
            <div class="surface-grid">
                <article class="surface-card surface-catalog">
                    <h3><a href="/catalog">"Catalog"</a></h3>
                    <p>"Buyers browse agents with honest permission disclosures: what each tool can do, on what data, at what risk; what the publisher declared and what Steward inferred."</p>
                </article>
                <article class="surface-card surface-portal">
                    <h3><a href="/portal">"Developer portal"</a></h3>
                    <p>"Publishers list agents, upload MCP and OpenAPI manifests, set pricing, submit versions for review and answer reviewers."</p>
                </article>
                <article class="surface-card surface-console">
                    <h3><a href="/console">"Operator console"</a></h3>
                    <p>"Reviewers, security, trust and safety, legal and compliance work their queues, decide with evidence, enforce, and read a tamper-evident audit trail."</p>
                </article>
                <article class="surface-card surface-tenant">
                    <h3><a href="/tenant">"Tenant admin"</a></h3>
                    <p>"Enterprises install agents with exactly the grants they choose, set tenant policy and budgets, and see usage and spend."</p>
                </article>
            </div>
        </section>
        <section class="section">
            <h2>"Automation recommends; people decide"</h2>
            <p>
                "Classification, abuse signals and an optional model reviewer only ever recommend. Policy sends \
                 uncertain, sensitive or high-impact cases to a person, and every decision records its evidence, \
                 the policy version it was made under, and an entry in a hash-chained audit trail."
            </p>
        </section>
    }
}
