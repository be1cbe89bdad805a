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
        <CombinedRiskPanel risk=h.combined.clone() />
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
                                            <td><a href=format!("/tenant/{}/installs/{}", org, i.id)>{i.listing_name}</a></td>
                                            <td>
                                                {i.version}
                                                {i.available.clone().filter(|_| live && !pending).map(|v| view! {
                                                    <br /><a class="badge risk-medium upgrade-available" href=format!("/tenant/{}/installs/{}/upgrade", org, i.id)>{format!("version {v} available")}</a>
                                                })}
                                            </td>
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
        {c.completes.clone().map(|r| view! {
            <div class="alert warning" role="status" id="completes-risk">
                <p><strong>"This install would complete a dangerous combination. "</strong>"With the tools ticked for you, your organization's agents together could read private data, take in content an attacker may control, and send data out: a page or message could steer them into leaking the data."</p>
                <RiskLegs risk=r />
            </div>
        })}
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

/// The legs of the combined risk and who supplies each.
#[component]
fn RiskLegs(risk: CombinedRiskView) -> impl IntoView {
    view! {
        <ul class="risk-legs">
            {risk.legs.into_iter().map(|l| view! {
                <li data-leg=l.key.clone()>
                    <strong>{l.label}</strong>": "
                    {if l.suppliers.is_empty() { "none".to_owned() } else { l.suppliers.join(", ") }}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The tenant dashboard's combined-risk flag.
#[component]
fn CombinedRiskPanel(risk: CombinedRiskView) -> impl IntoView {
    let complete = risk.complete;
    view! {
        <section class="section" aria-labelledby="combined-h" id="combined-risk" data-complete=complete.to_string()>
            <h2 id="combined-h">"Combined risk"</h2>
            {if complete {
                view! { <div class="alert warning" role="status"><strong>"Dangerous combination: "</strong>"together, your active agents can read private data, take in untrusted content and send data out. Content an attacker controls could steer them into leaking your data. Consider removing one leg."</div> }.into_any()
            } else {
                view! { <p class="muted">"No dangerous combination: your active agents do not together read private data, take in untrusted content and send data out."</p> }.into_any()
            }}
            <RiskLegs risk />
        </section>
    }
}

/// `/tenant/:org/installs/:id`: one installed agent: its facts, a newer
/// version to accept, the tenant's rating and a report of abuse.
#[component]
pub fn TenantInstallDetail() -> impl IntoView {
    let org = param("org");
    let id = param("id");
    let rate = ServerAction::<RateAgent>::new();
    let page = Resource::new(
        move || (org(), id(), rate.version().get()),
        |(o, i, _)| install_page(o, i),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <InstallDetailBody p rate /> })
            })}
        </Suspense>
    }
}

#[component]
fn InstallDetailBody(p: InstallPageView, rate: ServerAction<RateAgent>) -> impl IntoView {
    let i = p.install.clone();
    let value = rate.value();
    let err = move |f| field_error(value, f);
    let (stars, review) = p
        .rating
        .clone()
        .map(|(s, r, _)| (s, r))
        .unwrap_or((0, String::new()));
    let active = i.status == "active";
    view! {
        <Title text=format!("{} · {}", i.listing_name, p.org_name) />
        <header class="page-header">
            <h1>{i.listing_name.clone()}</h1>
            <p class="lede">{format!("Installed in {} · version {} · {}", p.org_name, i.version, i.status)}</p>
            <p><a href=format!("/tenant/{}", p.org_slug)>"All installed agents"</a>" · "<a href=format!("/listings/{}", i.listing_slug)>"Public listing"</a></p>
        </header>
        {i.available.clone().filter(|_| active).map(|v| view! {
            <div class="alert info" role="status" id="upgrade-available">
                {format!("Version {v} is available. This install stays on {} until an admin accepts it. ", i.version)}
                <a href=format!("/tenant/{}/installs/{}/upgrade", p.org_slug, i.id)>"Review what it changes"</a>
            </div>
        })}
        <section class="section" aria-labelledby="grants-h">
            <h2 id="grants-h">"Granted"</h2>
            <dl class="meta" id="install-facts">
                <dt>"Tools"</dt><dd>{i.tools.join(", ")}</dd>
                <dt>"Scopes"</dt><dd>{if i.scopes.is_empty() { "—".to_owned() } else { i.scopes.join(" ") }}</dd>
                <dt>"Policy"</dt><dd>{i.policy_version.clone()}</dd>
                <dt>"Since"</dt><dd>{i.created.clone()}</dd>
            </dl>
        </section>
        {(p.is_admin && active).then(|| { let (org, id) = (p.org_slug.clone(), i.id.clone()); view! {
            <section class="section" aria-labelledby="rate-h">
                <h2 id="rate-h">"Rate this agent"</h2>
                <p class="muted">{match &p.rating { Some((_, _, d)) => format!("Your organization rated it on {d}; saving again replaces that rating."), None => "One rating per organization, shown on the public listing without your organization's name.".to_owned() }}</p>
                {move || value.with(|r| matches!(r, Some(Ok(_)))).then(|| view! { <div class="alert success" role="status" id="rating-saved">"Rating saved."</div> })}
                <FormError value />
                <ActionForm action=rate attr:class="form" attr:id="rate-form">
                    <input type="hidden" name="org" value=org />
                    <input type="hidden" name="id" value=id />
                    <fieldset class="field">
                        <legend>"Stars"</legend>
                        <div class="row">
                            {(1..=5u8).map(|n| view! {
                                <label class="check"><input type="radio" name="rating" value=n.to_string() checked=stars == n />" "{format!("{n} star{}", if n == 1 { "" } else { "s" })}</label>
                            }).collect_view()}
                        </div>
                        <p class="field-error">{err("rating")}</p>
                    </fieldset>
                    <div class="field">
                        <label for="rate-review">"Review (optional)"</label>
                        <textarea id="rate-review" name="review" rows="3" maxlength="2000">{review}</textarea>
                        <p class="field-error">{err("review")}</p>
                    </div>
                    <div class="form-actions"><button class="button primary" type="submit">"Save rating"</button></div>
                </ActionForm>
            </section>
        }})}
        <ReportAgentForm org=p.org_slug.clone() id=i.id.clone() reasons=p.report_reasons.clone() />
    }
}

#[component]
fn ReportAgentForm(org: String, id: String, reasons: Vec<(String, String)>) -> impl IntoView {
    let report = ServerAction::<ReportAgent>::new();
    let value = report.value();
    let err = move |f| field_error(value, f);
    view! {
        <section class="section" aria-labelledby="report-agent-h">
            <h2 id="report-agent-h">"Report abuse"</h2>
            <p class="muted">"Tell the marketplace's trust and safety team what this agent did. The report carries this install's facts (version, grants) as evidence, and the decision ids you give from your gateway's log."</p>
            {move || value.with(|r| match r {
                Some(Ok(receipt)) => Some(view! {
                    <div class="alert success" role="status" id="report-agent-receipt">
                        "Report received. Reference: "<span class="correlation">{receipt.reference.clone()}</span>
                    </div>
                }),
                _ => None,
            })}
            <FormError value />
            <ActionForm action=report attr:class="form" attr:id="report-agent-form">
                <input type="hidden" name="org" value=org />
                <input type="hidden" name="id" value=id />
                <div class="field">
                    <label for="ra-reason">"Reason"</label>
                    <select id="ra-reason" name="reason">
                        <option value="">"Choose a reason"</option>
                        {reasons.into_iter().map(|(c, l)| view! { <option value=c>{l}</option> }).collect_view()}
                    </select>
                    <p class="field-error">{err("reason")}</p>
                </div>
                <div class="field">
                    <label for="ra-details">"What happened"</label>
                    <textarea id="ra-details" name="details" rows="4" maxlength="4000"></textarea>
                    <p class="hint">"At least 10 characters. Do not include passwords or secrets."</p>
                    <p class="field-error">{err("details")}</p>
                </div>
                <div class="field">
                    <label for="ra-decisions">"Decision ids (optional)"</label>
                    <input id="ra-decisions" name="decision_ids" placeholder="comma-separated, from your gateway's log" />
                    <p class="field-error">{err("decision_ids")}</p>
                </div>
                <div class="form-actions"><button class="button danger" type="submit">"Send report"</button></div>
            </ActionForm>
        </section>
    }
}

/// `/tenant/:org/installs/:id/upgrade`: accept a new version, seeing exactly
/// what it adds before granting anything new.
#[component]
pub fn TenantUpgrade() -> impl IntoView {
    let org = param("org");
    let id = param("id");
    let accept = ServerAction::<AcceptUpgrade>::new();
    let page = Resource::new(move || (org(), id()), |(o, i)| upgrade_screen(o, i));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = accept.value().get() {
            navigate(&format!("/tenant/{}", org()), Default::default());
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |u| view! { <UpgradeBody u accept /> })
            })}
        </Suspense>
    }
}

#[component]
fn UpgradeBody(u: UpgradeView, accept: ServerAction<AcceptUpgrade>) -> impl IntoView {
    let value = accept.value();
    let err = move |f| field_error(value, f);
    let c = u.changes.clone();
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    view! {
        <Title text=format!("Accept {} {} · Tenant admin", u.listing_name, u.to_version) />
        <header class="page-header">
            <h1>{format!("Accept {} {}", u.listing_name, u.to_version)}</h1>
            <p class="lede">{format!("{} is on {} in {}. It stays there, with the grants it has, until you accept {}.", u.listing_name, u.from_version, u.org_name, u.to_version)}</p>
        </header>
        {u.completes.clone().map(|r| view! {
            <div class="alert warning" role="status" id="completes-risk">
                <p><strong>"Accepting would complete a dangerous combination. "</strong>"With the grants kept, your organization's agents together could read private data, take in untrusted content and send data out."</p>
                <RiskLegs risk=r />
            </div>
        })}
        <section class="section" aria-labelledby="changes-h" id="upgrade-changes">
            <h2 id="changes-h">{format!("What {} changes since {}", u.to_version, u.from_version)}</h2>
            {c.widens.then(|| view! { <p class="alert warning" id="upgrade-widens">"This version can do more than the one installed."</p> })}
            <dl class="meta">
                <dt>"Tools added"</dt><dd id="tools-added">{list(c.tools_added)}</dd>
                <dt>"Tools removed"</dt><dd>{list(c.tools_removed)}</dd>
                <dt>"Tools changed"</dt><dd>{list(c.tools_changed)}</dd>
                <dt>"Capabilities added"</dt><dd id="capabilities-added">{list(c.capabilities_added.iter().map(|x| x.replace('_', " ")).collect())}</dd>
                <dt>"Scopes added"</dt><dd id="scopes-added">{list(c.scopes_added)}</dd>
                <dt>"Grants that end"</dt><dd id="grants-dropped">{list(u.dropped.clone())}</dd>
            </dl>
        </section>
        {(!u.is_admin).then(|| view! { <p class="muted" id="member-note">"Only a tenant admin can accept a new version."</p> })}
        <FormError value />
        <ActionForm action=accept attr:class="form" attr:id="upgrade-form">
            <input type="hidden" name="org" value=u.org_slug.clone() />
            <input type="hidden" name="id" value=u.install_id.clone() />
            <input type="hidden" name="from_version" value=u.from_version.clone() />
            <input type="hidden" name="to_version" value=u.to_version.clone() />
            <fieldset class="field">
                <legend>"Tools"</legend>
                <p class="hint">"Tools granted now stay ticked. New high and critical tools, and tools that became riskier, are granted only if you tick them yourself."</p>
                <div class="table-wrap" tabindex="0">
                    <table class="data" id="upgrade-tools">
                        <thead><tr><th scope="col">"Grant"</th><th scope="col">"Tool"</th><th scope="col">"Risk"</th><th scope="col">"Can"</th><th scope="col">"Description"</th></tr></thead>
                        <tbody>
                            {u.tools.into_iter().map(|t| {
                                let id = format!("grant-{}", t.name);
                                let name = if t.needs_tick { "confirmed[]" } else { "tools[]" };
                                let disabled = t.blocked.is_some();
                                view! {
                                    <tr data-tool=t.name.clone() data-new=t.new.to_string()>
                                        <td><input type="checkbox" id=id.clone() name=name value=t.name.clone() checked=t.checked disabled=disabled /></td>
                                        <td>
                                            <label for=id><code>{t.name.clone()}</code></label>
                                            {t.new.then(|| view! { " "<span class="badge risk-medium">"new"</span> })}
                                            {t.kept.then(|| view! { " "<small class="muted">"granted now"</small> })}
                                            {t.riskier.map(|(a, b)| view! { <br /><small class="field-error">{format!("riskier: {a} → {b}")}</small> })}
                                            {t.blocked.map(|b| view! { <br /><small class="field-error">{b}</small> })}
                                        </td>
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
            {(!u.scopes.is_empty()).then(|| view! {
                <fieldset class="field">
                    <legend>"Permission scopes"</legend>
                    {u.scopes.into_iter().map(|(s, granted, new)| view! {
                        <label class="check"><input type="checkbox" name="scopes[]" value=s.clone() checked=granted />" "<code>{s}</code>{new.then_some(" (new)")}</label>
                    }).collect_view()}
                    <p class="field-error">{err("scopes")}</p>
                </fieldset>
            })}
            <p class="field-error">{err("listing")}</p>
            <div class="form-actions">
                <button class="button primary" type="submit" disabled=!u.is_admin>{format!("Accept {} with these grants", u.to_version)}</button>
                " "<a href=format!("/tenant/{}", u.org_slug)>"Not now"</a>
            </div>
        </ActionForm>
    }
}
