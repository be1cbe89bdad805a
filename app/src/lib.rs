//! Steward's web application: the shell, the routes, the pages and the server
//! functions they call. Builds with `ssr` for the server and with `hydrate` for
//! the browser, never both.
//!
//! Invariants: server functions are thin (actor, one service call, a DTO); no
//! server function returns a store record or database model, only the types in
//! [`dto`]; every error that leaves a server function is an [`AppError`] with a
//! user-safe message.
#![recursion_limit = "256"]

pub mod api;
pub mod audit;
pub mod auth;
pub mod dashboard;
pub mod dto;
pub mod error;
pub mod integrations;
mod layout;
mod pages;
pub mod portal;
pub mod review;
pub mod tenant;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    path,
};

pub use error::AppError;

/// Bumped when someone signs in or out, so views that show who is signed in
/// (the header, the account page) load again.
#[derive(Clone, Copy)]
pub struct AuthVersion(pub RwSignal<u32>);

impl AuthVersion {
    /// Bumps the version each time `value` (an action's result) turns `Ok`.
    pub fn bump_on_ok<T, S>(self, value: S)
    where
        T: Send + Sync + 'static,
        S: leptos::prelude::With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    {
        Effect::new(move |_| {
            if value.with(|r| matches!(r, Some(Ok(_)))) {
                self.0.update(|v| *v += 1);
            }
        });
    }
}

/// The HTML document around the app (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Steward: the governance control plane for AI agent marketplaces." />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(AuthVersion(RwSignal::new(0)));
    // Runs in the browser only: marks the document once the WASM has taken over,
    // so tests (and curious people) can tell a hydrated page from a static one.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="steward" href="/pkg/steward.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Steward".to_owned() } else { format!("{page} · Steward") }
        } />
        <Router>
            <layout::Header />
            <main id="main" class="page">
                <Routes fallback=pages::NotFound>
                    <Route path=StaticSegment("") view=pages::Home />
                    <Route path=path!("/catalog") view=pages::Catalog ssr=SsrMode::Async />
                    <Route path=path!("/listings/:slug") view=pages::Listing ssr=SsrMode::Async />
                    <Route path=path!("/portal") view=pages::Portal ssr=SsrMode::Async />
                    <Route path=path!("/portal/:org") view=pages::PortalOrg ssr=SsrMode::Async />
                    <Route path=path!("/portal/:org/:listing") view=pages::PortalListing ssr=SsrMode::Async />
                    <Route path=path!("/portal/:org/:listing/v/:version") view=pages::PortalVersion ssr=SsrMode::Async />
                    <Route path=path!("/portal/:org/:listing/diff") view=pages::PortalDiff ssr=SsrMode::Async />
                    <Route path=path!("/console") view=pages::Console ssr=SsrMode::Async />
                    <Route path=path!("/console/orgs/:slug") view=pages::ConsoleOrg ssr=SsrMode::Async />
                    <Route path=path!("/console/queues") view=pages::ReviewQueues ssr=SsrMode::Async />
                    <Route path=path!("/console/queues/:team") view=pages::ReviewQueue ssr=SsrMode::Async />
                    <Route path=path!("/console/reviews/:case") view=pages::ReviewCase ssr=SsrMode::Async />
                    <Route path=path!("/console/listings/:slug") view=pages::ConsoleListing ssr=SsrMode::Async />
                    <Route path=path!("/console/audit") view=pages::ConsoleAudit ssr=SsrMode::Async />
                    <Route path=path!("/console/dashboard") view=pages::ConsoleDashboard ssr=SsrMode::Async />
                    <Route path=path!("/tenant") view=pages::TenantPage ssr=SsrMode::Async />
                    <Route path=path!("/tenant/:org") view=pages::TenantOrg ssr=SsrMode::Async />
                    <Route path=path!("/tenant/:org/install/:listing") view=pages::TenantInstall ssr=SsrMode::Async />
                    <Route path=path!("/tenant/:org/installs/:id") view=pages::TenantInstallDetail ssr=SsrMode::Async />
                    <Route path=path!("/tenant/:org/installs/:id/upgrade") view=pages::TenantUpgrade ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=pages::SignIn />
                    <Route path=path!("/sign-up") view=pages::SignUp />
                    <Route path=path!("/account") view=pages::Account ssr=SsrMode::Async />
                    <Route path=path!("/orgs/:slug") view=pages::OrgMembers ssr=SsrMode::Async />
                    <Route path=path!("/orgs/:slug/tokens") view=pages::OrgTokens ssr=SsrMode::Async />
                    <Route path=path!("/orgs/:slug/integrations") view=pages::OrgIntegrations ssr=SsrMode::Async />
                    <Route path=path!("/invitations/accept") view=pages::AcceptInvitationPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <layout::Footer />
        </Router>
    }
}
