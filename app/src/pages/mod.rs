mod account;
mod audit;
mod auth;
mod catalog;
mod console;
mod dashboard;
mod home;
mod integrations;
mod label;
mod listing;
mod not_found;
mod portal;
mod review;
pub(crate) mod surfaces;
mod tenant;

pub use account::{AcceptInvitationPage, Account, OrgMembers, OrgTokens, urlencode};
pub use audit::ConsoleAudit;
pub use auth::{SignIn, SignUp};
pub use catalog::Catalog;
pub use console::{Console, ConsoleOrg};
pub use dashboard::ConsoleDashboard;
pub use home::Home;
pub use integrations::OrgIntegrations;
pub use listing::Listing;
pub use not_found::NotFound;
pub use portal::{Portal, PortalDiff, PortalListing, PortalOrg, PortalVersion};
pub use review::{ConsoleListing, ReviewCase, ReviewQueue, ReviewQueues};
pub use tenant::{TenantInstall, TenantInstallDetail, TenantOrg, TenantPage, TenantUpgrade};

use leptos::prelude::*;

use crate::AppError;

/// How a failed load reads on a page.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::Internal { correlation_id } => view! {
            <section class="error-page" role="alert">
                <p class="code">"500"</p>
                <h1>"Something went wrong on our side"</h1>
                <p>"We have logged it. If it keeps happening, quote this reference:"</p>
                <p class="correlation">{correlation_id}</p>
                <p><a href="/">"Back to the home page"</a></p>
            </section>
        }
        .into_any(),
        other => view! {
            <div class="alert error" role="alert">{other.to_string()}</div>
        }
        .into_any(),
    }
}
