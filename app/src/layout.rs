use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::{SignOut, me};

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
            <UserMenu />
        </header>
    }
}

/// Sign-in link, or the person's menu: their organizations (the org switcher),
/// account, sign out. Works without JavaScript (a `<details>` disclosure).
#[component]
fn UserMenu() -> impl IntoView {
    let version = expect_context::<crate::AuthVersion>().0;
    let who = Resource::new(move || version.get(), |_| me());
    let sign_out = ServerAction::<SignOut>::new();
    crate::AuthVersion(version).bump_on_ok(sign_out.value());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match who.await {
                    Ok(Some(me)) => view! {
                        <details class="user-menu">
                            <summary id="user-menu-button">{me.name.clone()}</summary>
                            <div class="menu" role="group" aria-label="Your organizations and account">
                                <p class="muted"><small>{me.email.clone()}</small></p>
                                {(!me.orgs.is_empty()).then(|| view! {
                                    <p><small>"Switch organization"</small></p>
                                    <ul class="org-switcher">
                                        {me.orgs.into_iter().map(|o| view! {
                                            <li><a href=format!("/orgs/{}", o.slug)>{o.name}" "<span class="tag">{o.kind_label}</span></a></li>
                                        }).collect_view()}
                                    </ul>
                                })}
                                <p><a href="/account">"Your account"</a></p>
                                <ActionForm action=sign_out>
                                    <button class="button secondary" type="submit" id="sign-out">"Sign out"</button>
                                </ActionForm>
                            </div>
                        </details>
                    }.into_any(),
                    _ => view! { <a class="button secondary" href="/sign-in" id="sign-in-link">"Sign in"</a> }.into_any(),
                }
            })}
        </Transition>
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
