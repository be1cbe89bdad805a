use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/" aria-label="Steward home">
                <svg class="logo-mark" viewBox="0 0 32 32" aria-hidden="true" width="28" height="28">
                    <path d="M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7L16 2z" fill="currentColor" />
                    <path d="m11 16 4 4 7-8" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
                <span>"Steward"</span>
            </a>
            <nav class="surfaces" aria-label="Surfaces">
                <A href="/catalog">"Catalog"</A>
                <A href="/portal">"Developer portal"</A>
                <A href="/console">"Operator console"</A>
                <A href="/tenant">"Tenant admin"</A>
            </nav>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p class="muted">
                "Steward: every automated judgement is a recommendation; people decide, and every decision is audited."
            </p>
        </footer>
    }
}
