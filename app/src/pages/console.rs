//! The operator console: what exists so far is the organization directory and
//! the audited cross-organization view of members.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::ErrorNotice;
use super::account::SignInPrompt;
use crate::AppError;
use crate::auth::{console_org, console_orgs};

#[component]
pub fn Console() -> impl IntoView {
    let version = expect_context::<crate::AuthVersion>().0;
    let orgs = Resource::new(move || version.get(), |_| console_orgs());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match orgs.await {
                    Ok(list) => view! {
                        <Title text="Operator console" />
                        <header class="page-header">
                            <h1>"Operator console"</h1>
                            <p class="lede">"Organizations on the marketplace. Opening one shows private data, and is recorded in the audit trail."</p>
                            <p class="actions"><a class="button secondary" href="/console/dashboard">"Review dashboard"</a></p>
                        </header>
                        <div class="table-wrap" tabindex="0">
                            <table class="data" id="console-orgs">
                                <thead><tr><th scope="col">"Organization"</th><th scope="col">"Kind"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|o| view! {
                                        <tr>
                                            <td><a href=format!("/console/orgs/{}", o.slug)>{o.name}</a></td>
                                            <td><span class="tag">{o.kind_label}</span></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                    Err(AppError::Unauthorized) | Err(AppError::Forbidden) => view! { <super::surfaces::ConsoleIntro /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ConsoleOrg() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let org = Resource::new(slug, console_org);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match org.await {
                    Ok(o) => view! {
                        <Title text=format!("{} · console", o.name) />
                        <header class="page-header">
                            <h1>{o.name.clone()}</h1>
                            <p class="lede">{format!("{} organization", o.kind_label)}</p>
                        </header>
                        <div class="alert info" role="status">"You are viewing another organization's private data. This view was recorded in the audit trail."</div>
                        <div class="table-wrap" tabindex="0">
                            <table class="data" id="console-members">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Roles"</th></tr></thead>
                                <tbody>
                                    {o.members.into_iter().map(|m| view! {
                                        <tr><td>{m.name}</td><td>{m.email}</td><td>{m.role_labels.join(", ")}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <p><a href="/console">"All organizations"</a></p>
                    }
                    .into_any(),
                    Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
