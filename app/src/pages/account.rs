//! The signed-in person's pages: account, organizations, members, tokens, invitations.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::ErrorNotice;
use super::auth::{FormError, field_error};
use crate::AppError;
use crate::auth::*;
use crate::dto::*;

/// Shown instead of a page that needs sign-in.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    let here = leptos_router::hooks::use_location();
    let next = move || {
        let q = here.search.get();
        let path = here.pathname.get();
        let full = if q.is_empty() {
            path
        } else {
            format!("{path}?{q}")
        };
        format!("/sign-in?next={}", urlencode(&full))
    };
    view! {
        <div class="empty-state">
            <h2>"Sign in to continue"</h2>
            <p><a class="button primary" href=next>"Sign in"</a>" or "<a href="/sign-up">"create an account"</a>"."</p>
        </div>
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Renders a load result; sign-in errors become the sign-in prompt.
pub(crate) fn guarded<T, V: IntoView + 'static>(
    r: Result<T, AppError>,
    ok: impl FnOnce(T) -> V,
) -> AnyView {
    match r {
        Ok(v) => ok(v).into_any(),
        Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
    }
}

#[component]
pub fn Account() -> impl IntoView {
    let create = ServerAction::<CreateOrg>::new();
    let version = expect_context::<crate::AuthVersion>().0;
    let me_res = Resource::new(move || version.get(), |_| me());
    let invites = Resource::new(move || version.get(), |_| my_invitations());
    let value = create.value();
    let err = move |f| field_error(value, f);
    view! {
        <Title text="Your account" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me_res.await {
                    Ok(None) | Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(Some(me)) => {
                        let invitations = invites.await.unwrap_or_default();
                        view! {
                            <header class="page-header">
                                <h1>"Your account"</h1>
                                <p class="lede">{format!("Signed in as {} ({})", me.name, me.email)}</p>
                            </header>
                            <section class="section" aria-labelledby="orgs-h">
                                <h2 id="orgs-h">"Your organizations"</h2>
                                {if me.orgs.is_empty() {
                                    view! { <p class="muted" id="no-orgs">"You do not belong to any organization yet. Create one below, or accept an invitation."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="stack" id="my-orgs">
                                            {me.orgs.into_iter().map(|o| view! {
                                                <li>
                                                    <a href=format!("/orgs/{}", o.slug)>{o.name}</a>" "
                                                    <span class="tag">{o.kind_label}</span>" "
                                                    <small class="muted">{o.roles.join(", ")}</small>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <LinkedProviders linked=me.linked_providers.clone() />
                            {(!invitations.is_empty()).then(|| view! {
                                <section class="section" aria-labelledby="inv-h">
                                    <h2 id="inv-h">"Invitations for you"</h2>
                                    <ul>
                                        {invitations.into_iter().map(|i| view! {
                                            <li>{format!("{} invited you as {} (open the link you were given; expires {})", i.org_name, i.role, i.expires)}</li>
                                        }).collect_view()}
                                    </ul>
                                </section>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
        <section class="section" aria-labelledby="new-org-h">
            <h2 id="new-org-h">"Create an organization"</h2>
            <FormError value />
            <ActionForm action=create attr:class="form" attr:id="create-org-form">
                <fieldset>
                    <legend>"Kind"</legend>
                    <label><input type="radio" name="kind" value="publisher" checked />" Publisher: I list agents"</label>
                    <label><input type="radio" name="kind" value="tenant" />" Tenant: my company installs agents"</label>
                    <p class="field-error">{err("kind")}</p>
                </fieldset>
                <div class="field">
                    <label for="org-name">"Name"</label>
                    <input id="org-name" name="name" required maxlength="100" aria-invalid=move || err("name")().map(|_| "true") />
                    <p class="field-error">{err("name")}</p>
                </div>
                <div class="field">
                    <label for="org-slug">"Short name (for addresses)"</label>
                    <input id="org-slug" name="slug" required maxlength="64" pattern="[a-z][a-z0-9-]*"
                        aria-invalid=move || err("slug")().map(|_| "true") aria-describedby="org-slug-hint" />
                    <p class="hint" id="org-slug-hint">"Lowercase letters, digits and hyphens, e.g. acme-tools."</p>
                    <p class="field-error">{err("slug")}</p>
                </div>
                <div class="form-actions">
                    <button class="button primary" type="submit">"Create organization"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// Which external sign-ins this account can use, and links to add the others.
#[component]
fn LinkedProviders(linked: Vec<String>) -> impl IntoView {
    let options = Resource::new(|| (), |_| sign_in_options());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let linked = linked.clone();
                Suspend::new(async move {
                    let providers = options.await.unwrap_or_default();
                    (!providers.is_empty()).then(|| view! {
                        <section class="section" aria-labelledby="linked-h">
                            <h2 id="linked-h">"Sign-in providers"</h2>
                            <ul id="linked-providers">
                                {providers.into_iter().map(|(name, label)| {
                                    if linked.contains(&name) {
                                        view! { <li>{format!("{label}: linked")}</li> }.into_any()
                                    } else {
                                        view! { <li><a rel="external" href=format!("/auth/oidc/{name}/start?link=1&next=/account")>{format!("Link {label}")}</a></li> }.into_any()
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    })
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn OrgMembers() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let invite = ServerAction::<Invite>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    let page = Resource::new(
        move || {
            (
                slug(),
                invite.version().get(),
                set_role.version().get(),
                remove.version().get(),
                withdraw.version().get(),
            )
        },
        |(s, ..)| org_page(s),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <OrgBody page=p invite set_role remove withdraw /> })
            })}
        </Suspense>
    }
}

#[component]
fn OrgBody(
    page: OrgView,
    invite: ServerAction<Invite>,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
    withdraw: ServerAction<WithdrawInvitation>,
) -> impl IntoView {
    let p = page;
    let slug = p.slug.clone();
    let roles = p.roles.clone();
    let manage = p.can_manage;
    let invite_value = invite.value();
    let err = move |f| field_error(invite_value, f);
    let members = p
        .members
        .into_iter()
        .map(|m| {
            let slug = slug.clone();
            let roles = roles.clone();
            let current = m.roles.first().cloned().unwrap_or_default();
            let uid = m.user_id.clone();
            let (slug2, uid2) = (slug.clone(), uid.clone());
            view! {
                <tr>
                    <td>{m.name}{m.disabled.then_some(" (disabled)")}</td>
                    <td>{m.email}</td>
                    <td>{m.role_labels.join(", ")}</td>
                    {manage.then(move || view! {
                        <td><div class="row">
                            <ActionForm action=set_role attr:class="row">
                                <input type="hidden" name="slug" value=slug.clone() />
                                <input type="hidden" name="user_id" value=uid.clone() />
                                <label class="visually-hidden" for=format!("role-{uid}")>"Role"</label>
                                <select name="role" id=format!("role-{uid}")>
                                    {roles.iter().map(|(r, l)| view! { <option value=r.clone() selected=*r == current>{l.clone()}</option> }).collect_view()}
                                </select>
                                <button class="button secondary" type="submit">"Change"</button>
                            </ActionForm>
                            <ActionForm action=remove>
                                <input type="hidden" name="slug" value=slug2 />
                                <input type="hidden" name="user_id" value=uid2 />
                                <button class="button danger" type="submit">"Remove"</button>
                            </ActionForm>
                        </div></td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let no_invitations = p.invitations.is_empty();
    let invitations = p
        .invitations
        .into_iter()
        .map(|i| {
            let slug = slug.clone();
            view! {
                <li>
                    {format!("{} as {} (expires {}{})", i.email, i.role, i.expires, if i.expired { ", expired" } else { "" })}
                    <ActionForm action=withdraw attr:class="row">
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="id" value=i.id />
                        <button class="button secondary" type="submit">"Withdraw"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <Title text=p.name.clone() />
        <header class="page-header">
            <h1>{p.name.clone()}</h1>
            <p class="lede">{format!("{} organization · your roles: {}", p.kind_label, p.my_roles.join(", "))}</p>
            {manage.then(|| view! { <p><a href=format!("/orgs/{}/tokens", p.slug)>"API tokens"</a></p> })}
        </header>
        <FormError value=set_role.value() />
        <FormError value=remove.value() />
        <section class="section" aria-labelledby="members-h">
            <h2 id="members-h">"Members"</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data" id="members">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Roles"</th>
                        {manage.then(|| view! { <th scope="col">"Manage"</th> })}
                    </tr></thead>
                    <tbody>{members}</tbody>
                </table>
            </div>
        </section>
        {(manage && p.is_publisher).then(|| view! { <DomainVerification slug=p.slug.clone() /> })}
        {manage.then(move || view! {
            <section class="section" aria-labelledby="invite-h">
                <h2 id="invite-h">"Invite someone"</h2>
                <p class="muted">"Steward does not send email yet: copy the link and send it yourself. It works once, for that email address, for 7 days."</p>
                <FormError value=invite_value />
                {move || invite_value.with(|r| match r {
                    Some(Ok(res)) => Some(view! {
                        <div class="alert success" role="status" id="invite-result">
                            {format!("Invitation for {} created. Send them this link (shown once): ", res.email)}
                            <code id="invite-link">{res.link.clone()}</code>
                        </div>
                    }),
                    _ => None,
                })}
                <ActionForm action=invite attr:class="form" attr:id="invite-form">
                    <input type="hidden" name="slug" value=p.slug.clone() />
                    <div class="field">
                        <label for="inv-email">"Email"</label>
                        <input id="inv-email" type="email" name="email" required aria-invalid=move || err("email")().map(|_| "true") />
                        <p class="field-error">{err("email")}</p>
                    </div>
                    <div class="field">
                        <label for="inv-role">"Role"</label>
                        <select id="inv-role" name="role">
                            {p.roles.iter().map(|(r, l)| view! { <option value=r.clone()>{l.clone()}</option> }).collect_view()}
                        </select>
                        <p class="field-error">{err("role")}</p>
                    </div>
                    <div class="form-actions"><button class="button primary" type="submit">"Create invitation"</button></div>
                </ActionForm>
                <h3>"Open invitations"</h3>
                {no_invitations.then(|| view! { <p class="muted">"No open invitations."</p> })}
                <ul id="open-invitations">{invitations}</ul>
            </section>
        })}
    }
    .into_any()
}

/// A publisher proves its domain: a challenge to publish, then "Check now".
#[component]
fn DomainVerification(slug: String) -> impl IntoView {
    let start = ServerAction::<StartDomainVerification>::new();
    let check = ServerAction::<CheckDomain>::new();
    let s2 = slug.clone();
    let s3 = slug.clone();
    let checks = Resource::new(
        move || (s2.clone(), start.version().get(), check.version().get()),
        |(s, ..)| domain_checks(s),
    );
    let value = start.value();
    let err = move |f| field_error(value, f);
    view! {
        <section class="section" aria-labelledby="verify-h">
            <h2 id="verify-h">"Domain verification"</h2>
            <p class="muted">"Buyers see a verified badge on your listings once you prove you control your domain. Steward checks again every day; if the proof disappears, your listings are flagged."</p>
            <FormError value />
            <FormError value=check.value() />
            <Transition fallback=|| ()>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        let list = checks.await.unwrap_or_default();
                        view! {
                            <ul class="stack" id="domain-checks">
                                {list.into_iter().map(|c| {
                                    let slug = slug.clone();
                                    let domain = c.domain.clone();
                                    view! {
                                        <li class="card">
                                            <p>
                                                <strong>{c.domain.clone()}</strong>" "
                                                <span class=format!("badge domain-{}", c.status)>{c.status.clone()}</span>
                                                " "<small class="muted">{format!("{} · last checked {}", c.method, c.checked)}</small>
                                            </p>
                                            {(c.status != "verified").then(|| view! {
                                                <p>"Publish this exact text as the "<strong>{c.location.clone()}</strong>":"</p>
                                                <pre class="token">{c.token.clone()}</pre>
                                            })}
                                            {c.last_error.clone().map(|e| view! { <p class="field-error">{e}</p> })}
                                            <ActionForm action=check>
                                                <input type="hidden" name="slug" value=slug />
                                                <input type="hidden" name="domain" value=domain />
                                                <button class="button secondary" type="submit">"Check now"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })
                }}
            </Transition>
            <ActionForm action=start attr:class="form" attr:id="verify-form">
                <input type="hidden" name="slug" value=s3 />
                <div class="field">
                    <label for="verify-domain">"Domain"</label>
                    <input id="verify-domain" name="domain" required placeholder="example.com"
                        aria-invalid=move || err("domain")().map(|_| "true") />
                    <p class="field-error">{err("domain")}</p>
                </div>
                <fieldset>
                    <legend>"Proof"</legend>
                    <label><input type="radio" name="method" value="dns_txt" checked />" A DNS TXT record"</label>
                    <label><input type="radio" name="method" value="https" />" A file on your HTTPS site"</label>
                    <p class="field-error">{err("method")}</p>
                </fieldset>
                <div class="form-actions"><button class="button primary" type="submit">"Get instructions"</button></div>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
pub fn OrgTokens() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let page = Resource::new(
        move || (slug(), create.version().get(), revoke.version().get()),
        |(s, ..)| tokens_page(s),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <TokensBody page=p create revoke /> })
            })}
        </Suspense>
    }
}

#[component]
fn TokensBody(
    page: TokensView,
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let p = page;
    let value = create.value();
    let err = move |f| field_error(value, f);
    let slug = p.org_slug.clone();
    let no_tokens = p.tokens.is_empty();
    let rows = p
        .tokens
        .into_iter()
        .map(|t| {
            let active = t.status == "active";
            let slug = slug.clone();
            view! {
                <tr>
                    <td>{t.name}</td>
                    <td><code>{format!("{}…", t.prefix)}</code></td>
                    <td>{t.scopes.join(" ")}</td>
                    <td>{t.created}</td>
                    <td>{t.expires}</td>
                    <td>{t.last_used}</td>
                    <td><span class=format!("badge token-{}", t.status)>{t.status.clone()}</span></td>
                    <td>{active.then(|| view! {
                        <ActionForm action=revoke>
                            <input type="hidden" name="slug" value=slug.clone() />
                            <input type="hidden" name="token_id" value=t.id.clone() />
                            <button class="button danger" type="submit">"Revoke"</button>
                        </ActionForm>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("API tokens · {}", p.org_name) />
        <header class="page-header">
            <h1>"API tokens"</h1>
            <p class="lede">{format!("Service identities of {} for agent gateways and integrations. ", p.org_name)}
                <a href=format!("/orgs/{}", p.org_slug)>"Back to members"</a></p>
        </header>
        <FormError value=revoke.value() />
        <section class="section" aria-labelledby="new-token-h">
            <h2 id="new-token-h">"Create a token"</h2>
            <FormError value />
            {move || value.with(|r| match r {
                Some(Ok(t)) => Some(view! {
                    <div class="alert success" role="status" id="new-token">
                        {format!("Token \"{}\" created. Copy it now: it will not be shown again. ", t.name)}
                        <code id="new-token-secret">{t.secret.clone()}</code>
                    </div>
                }),
                _ => None,
            })}
            <ActionForm action=create attr:class="form" attr:id="create-token-form">
                <input type="hidden" name="slug" value=p.org_slug.clone() />
                <div class="field">
                    <label for="tok-name">"Name"</label>
                    <input id="tok-name" name="name" required maxlength="100" aria-invalid=move || err("name")().map(|_| "true") />
                    <p class="field-error">{err("name")}</p>
                </div>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {p.scopes.iter().map(|(s, d)| view! {
                        <label><input type="checkbox" name="scopes[]" value=s.clone() />" "<code>{s.clone()}</code>": "{d.clone()}</label>
                    }).collect_view()}
                    <p class="field-error">{err("scopes")}</p>
                </fieldset>
                <div class="field">
                    <label for="tok-exp">"Expires"</label>
                    <select id="tok-exp" name="expires_in_days">
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                        <option value="never">"never"</option>
                    </select>
                    <p class="field-error">{err("expires_in_days")}</p>
                </div>
                <div class="form-actions"><button class="button primary" type="submit">"Create token"</button></div>
            </ActionForm>
        </section>
        <section class="section" aria-labelledby="tokens-h">
            <h2 id="tokens-h">"Tokens"</h2>
            {no_tokens.then(|| view! { <p class="empty-state" id="no-tokens">"No tokens yet. Create one above for each gateway or integration, so each can be revoked on its own."</p> })}
            <div class="table-wrap" tabindex="0" hidden=no_tokens>
                <table class="data" id="tokens">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Token"</th><th scope="col">"Scopes"</th>
                        <th scope="col">"Created"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let token = move || use_query_map().read().get("token").unwrap_or_default();
    let accept = ServerAction::<AcceptInvitation>::new();
    let version = expect_context::<crate::AuthVersion>().0;
    let me_res = Resource::new(move || version.get(), |_| me());
    crate::AuthVersion(version).bump_on_ok(accept.value());
    view! {
        <Title text="Invitation" />
        <header class="page-header"><h1>"Join an organization"</h1></header>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me_res.await {
                    Ok(Some(me)) => view! {
                        <p>{format!("Signed in as {}. Accept the invitation to join with the role it names.", me.email)}</p>
                        <FormError value=accept.value() />
                        <ActionForm action=accept attr:id="accept-form">
                            <input type="hidden" name="token" value=token />
                            <button class="button primary" type="submit">"Accept invitation"</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! { <SignInPrompt /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
