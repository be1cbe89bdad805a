//! The tenant admin: the tenant organizations you belong to, each one's
//! installs and policy, and the consent screen before an install. Every form
//! works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::account::guarded;
use super::auth::{FormError, field_error};
use crate::AppError;
use crate::auth::me;
use crate::dto::*;
use crate::tenant::*;

use super::portal::param;

/// `/tenant`: your tenant organizations (or what the tenant admin is).
/// With `?install=SLUG`, each links to that listing's consent screen.
#[component]
pub fn TenantPage() -> impl IntoView {
    let me_res = Resource::new(|| (), |_| me());
    let query = use_query_map();
    let install = move || query.read().get("install").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me_res.await {
                    Ok(None) | Err(AppError::Unauthorized) => view! { <super::surfaces::Tenant /> }.into_any(),
                    Err(e) => view! { <super::ErrorNotice error=e /> }.into_any(),
                    Ok(Some(me)) => {
                        let orgs: Vec<_> = me.orgs.into_iter().filter(|o| o.kind == "tenant").collect();
                        let slug = install();
                        if orgs.is_empty() {
                            view! { <super::surfaces::Tenant /> }.into_any()
                        } else {
                            view! {
                                <Title text="Tenant admin" />
                                <header class="page-header">
                                    <h1>"Tenant admin"</h1>
                                    <p class="lede">{if slug.is_empty() { "Your organizations' agents and policy.".to_owned() } else { format!("Install {slug} into which organization?") }}</p>
                                </header>
                                <ul class="stack" id="tenant-orgs">
                                    {orgs.into_iter().map(|o| {
                                        let href = if slug.is_empty() { format!("/tenant/{}", o.slug) } else { format!("/tenant/{}/install/{}", o.slug, slug) };
                                        view! { <li><a href=href>{o.name}</a>" "<small class="muted">{o.roles.join(", ")}</small></li> }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                }
            })}
        </Suspense>
    }
}

/// `/tenant/:org`: installs (approve, uninstall) and the tenant's policy.
#[component]
pub fn TenantOrg() -> impl IntoView {
    let org = param("org");
    let approve = ServerAction::<ApproveInstall>::new();
    let uninstall = ServerAction::<UninstallAgent>::new();
    let policy = ServerAction::<SaveTenantPolicy>::new();
    let page = Resource::new(
        move || {
            (
                org(),
                approve.version().get(),
                uninstall.version().get(),
                policy.version().get(),
            )
        },
        |(o, ..)| tenant_home(o),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |h| view! { <TenantBody h approve uninstall policy /> })
            })}
        </Suspense>
    }
}

#[component]
fn TenantBody(
    h: TenantHomeView,
    approve: ServerAction<ApproveInstall>,
    uninstall: ServerAction<UninstallAgent>,
    policy: ServerAction<SaveTenantPolicy>,
) -> impl IntoView {
    let org = h.org_slug.clone();
    let admin = h.is_admin;
    let value = policy.value();
    let err = move |f| field_error(value, f);
    let p = h.policy.clone();
    let max = p
        .as_ref()
        .map(|p| p.max_risk.clone())
        .unwrap_or_else(|| "critical".into());
    let blocked_caps = p
        .as_ref()
        .map(|p| p.blocked_capabilities.clone())
        .unwrap_or_default();
    let blocked_cats = p
        .as_ref()
        .map(|p| p.blocked_categories.clone())
        .unwrap_or_default();
    let members_request = p.as_ref().is_none_or(|p| p.members_request);
    view! {
        <Title text=format!("{} · Tenant admin", h.org_name) />
        <header class="page-header">
            <h1>{h.org_name.clone()}</h1>
            <p class="lede">"Agents installed here, with exactly what each was granted. "<a href="/catalog">"Find agents in the catalog"</a>"."</p>
        </header>
        <FormError value=approve.value() />
        <FormError value=uninstall.value() />
        <section class="section" aria-labelledby="installs-h">
            <h2 id="installs-h">"Installed agents"</h2>
            {if h.installs.is_empty() {
                view! { <p class="muted" id="no-installs">"Nothing installed yet. Open a listing in the catalog and choose “Install in your organization”."</p> }.into_any()
            } else {
                let org = org.clone();
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="installs">
                            <thead><tr><th scope="col">"Agent"</th><th scope="col">"Version"</th><th scope="col">"Status"</th><th scope="col">"Granted tools"</th><th scope="col">"Scopes"</th><th scope="col">"Policy"</th><th scope="col">"Since"</th><th></th></tr></thead>
                            <tbody>
                                {h.installs.into_iter().map(|i| {
                                    let org = org.clone();
                                    let id = i.id.clone();
                                    let live = i.status != "removed";
                                    let pending = i.status == "pending";
                                    view! {
                                        <tr data-install=i.id.clone()>
                                            <td><a href=format!("/listings/{}", i.listing_slug)>{i.listing_name}</a></td>
                                            <td>{i.version}</td>
                                            <td><span class=format!("badge install-{}", i.status)>{i.status.clone()}</span></td>
                                            <td><small>{i.tools.join(", ")}</small></td>
                                            <td><small>{if i.scopes.is_empty() { "—".to_owned() } else { i.scopes.join(" ") }}</small></td>
                                            <td><small>{i.policy_version}</small></td>
                                            <td>{i.created}</td>
                                            <td class="row">
                                                {(admin && pending).then(|| { let (org, id) = (org.clone(), id.clone()); view! {
                                                    <ActionForm action=approve>
                                                        <input type="hidden" name="org" value=org />
                                                        <input type="hidden" name="id" value=id />
                                                        <button class="button" type="submit">"Approve"</button>
                                                    </ActionForm>
                                                }})}
                                                {(admin && live).then(|| { let (org, id) = (org.clone(), id.clone()); view! {
                                                    <ActionForm action=uninstall>
                                                        <input type="hidden" name="org" value=org />
                                                        <input type="hidden" name="id" value=id />
                                                        <button class="button danger" type="submit">{if pending { "Decline" } else { "Uninstall" }}</button>
                                                    </ActionForm>
                                                }})}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="section" aria-labelledby="policy-h">
            <h2 id="policy-h">"Tenant policy"</h2>
            <p class="muted" id="policy-version">{match &p { Some(p) => format!("Active: {}.", p.version), None => "No policy yet: any risk may be granted, nothing is blocked, and members' installs wait for an admin.".to_owned() }}</p>
            {admin.then(|| { let org = org.clone(); view! {
                <FormError value />
                <ActionForm action=policy attr:class="form" attr:id="policy-form">
                    <input type="hidden" name="org" value=org />
                    <div class="field">
                        <label for="p-max">"Highest risk an agent's tool may have"</label>
                        <select id="p-max" name="max_risk">
                            {["low", "medium", "high", "critical"].into_iter().map(|t| view! { <option value=t selected=max == t>{t}</option> }).collect_view()}
                        </select>
                        <p class="field-error">{err("max_risk")}</p>
                    </div>
                    <fieldset class="field">
                        <legend>"Blocked capabilities"</legend>
                        {h.capabilities.into_iter().map(|(v, l)| { let checked = blocked_caps.contains(&v); view! {
                            <label class="check"><input type="checkbox" name="blocked_capabilities[]" value=v checked=checked />" "{l}</label>
                        }}).collect_view()}
                        <p class="field-error">{err("blocked_capabilities")}</p>
                    </fieldset>
                    <fieldset class="field">
                        <legend>"Blocked categories"</legend>
                        {h.categories.into_iter().map(|(v, l)| { let checked = blocked_cats.contains(&v); view! {
                            <label class="check"><input type="checkbox" name="blocked_categories[]" value=v checked=checked />" "{l}</label>
                        }}).collect_view()}
                        <p class="field-error">{err("blocked_categories")}</p>
                    </fieldset>
                    <label class="check"><input type="checkbox" name="members_request" value="1" checked=members_request />" Members may only request installs; an admin approves"</label>
                    <div class="form-actions"><button class="button primary" type="submit">"Save policy"</button></div>
                </ActionForm>
            }})}
        </section>
    }
}

/// `/tenant/:org/install/:listing`: the consent screen.
#[component]
pub fn TenantInstall() -> impl IntoView {
    let org = param("org");
    let listing = param("listing");
    let install = ServerAction::<InstallAgent>::new();
    let page = Resource::new(move || (org(), listing()), |(o, l)| consent_screen(o, l));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = install.value().get() {
            navigate(&format!("/tenant/{}", org()), Default::default());
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |c| view! { <Consent c install /> })
            })}
        </Suspense>
    }
}

#[component]
fn Consent(c: ConsentView, install: ServerAction<InstallAgent>) -> impl IntoView {
    let value = install.value();
    let err = move |f| field_error(value, f);
    let blocked_any = c.category_blocked;
    view! {
        <Title text=format!("Install {} · Tenant admin", c.listing_name) />
        <header class="page-header">
            <h1>{format!("Install {}", c.listing_name)}</h1>
            <p class="lede">{format!("Version {} by {}, into {}. Grant only what this organization needs: each agent can call exactly the tools ticked here.", c.version, c.publisher, c.org_name)}</p>
        </header>
        {c.installed.then(|| view! { <div class="alert info" role="status" id="already-installed">"This agent is already installed (or requested) here. "<a href=format!("/tenant/{}", c.org_slug)>"See your installs"</a>"."</div> })}
        {blocked_any.then(|| view! { <div class="alert warning" role="status">"Your tenant policy blocks agents of this category."</div> })}
        {(!c.is_admin).then(|| view! { <p class="muted" id="member-note">"You are a member: your install is a request that a tenant admin approves (unless your policy lets members install)."</p> })}
        <FormError value />
        <ActionForm action=install attr:class="form" attr:id="consent-form">
            <input type="hidden" name="org" value=c.org_slug.clone() />
            <input type="hidden" name="listing" value=c.listing_slug.clone() />
            <fieldset class="field">
                <legend>"Tools"</legend>
                <p class="hint">"Low and medium risk tools are ticked for you. High and critical ones are granted only if you tick them yourself."</p>
                <div class="table-wrap" tabindex="0">
                    <table class="data" id="consent-tools">
                        <thead><tr><th scope="col">"Grant"</th><th scope="col">"Tool"</th><th scope="col">"Risk"</th><th scope="col">"Can"</th><th scope="col">"Description"</th></tr></thead>
                        <tbody>
                            {c.tools.into_iter().map(|t| {
                                let id = format!("grant-{}", t.name);
                                let name = if t.needs_tick { "confirmed[]" } else { "tools[]" };
                                let disabled = t.blocked.is_some();
                                view! {
                                    <tr data-tool=t.name.clone()>
                                        <td><input type="checkbox" id=id.clone() name=name value=t.name.clone() checked=!t.needs_tick && !disabled disabled=disabled /></td>
                                        <td><label for=id><code>{t.name.clone()}</code></label>{t.blocked.map(|b| view! { <br /><small class="field-error">{b}</small> })}</td>
                                        <td><span class=format!("badge risk-{}", t.risk)>{t.risk.clone()}</span></td>
                                        <td><small>{t.capabilities.join(", ").replace('_', " ")}</small></td>
                                        <td><small>{t.description}</small></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="field-error">{err("tools")}</p>
                <p class="field-error">{err("confirmed")}</p>
            </fieldset>
            {(!c.scopes.is_empty()).then(|| view! {
                <fieldset class="field">
                    <legend>"Permission scopes"</legend>
                    {c.scopes.into_iter().map(|s| view! { <label class="check"><input type="checkbox" name="scopes[]" value=s.clone() />" "<code>{s}</code></label> }).collect_view()}
                    <p class="field-error">{err("scopes")}</p>
                </fieldset>
            })}
            <p class="field-error">{err("listing")}</p>
            <div class="form-actions"><button class="button primary" type="submit">"Install with these grants"</button></div>
        </ActionForm>
    }
}
