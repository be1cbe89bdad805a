//! The developer portal: a publisher's listings, versions, manifests, prices,
//! diffs and submission. Every form works without JavaScript (a plain POST
//! that comes back to the page); with it, uploads read the chosen file into the
//! form and pages update in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::account::{SignInPrompt, guarded};
use super::auth::{FormError, field_error};
use crate::AppError;
use crate::auth::me;
use crate::dto::*;
use crate::portal::*;

/// Every message for one field (a manifest can fail in several places).
fn field_errors<T, S>(value: S, name: &'static str) -> impl Fn() -> Vec<String> + Copy
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|r| match r {
            Some(Err(AppError::Invalid { fields, .. })) => fields
                .iter()
                .filter(|(f, _)| f == name)
                .map(|(_, m)| m.clone())
                .collect(),
            _ => Vec::new(),
        })
    }
}

pub(super) fn param(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(key).unwrap_or_default()
}

pub(super) fn state_badge(state: String, label: String) -> impl IntoView {
    view! { <span class=format!("badge status-{state}")>{label}</span> }
}

/// `/portal`: the publisher organizations the signed-in person belongs to.
#[component]
pub fn Portal() -> impl IntoView {
    let me_res = Resource::new(|| (), |_| me());
    view! {
        <Title text="Developer portal" />
        <header class="page-header">
            <h1>"Developer portal"</h1>
            <p class="lede">"List your agents, upload their manifests, set prices and submit versions for review."</p>
        </header>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me_res.await {
                    Ok(None) | Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
                    Err(e) => view! { <super::ErrorNotice error=e /> }.into_any(),
                    Ok(Some(me)) => {
                        let orgs: Vec<_> = me.orgs.into_iter().filter(|o| o.kind == "publisher").collect();
                        if orgs.is_empty() {
                            view! {
                                <div class="empty-state" id="no-publisher">
                                    <h2>"You are not in a publisher organization yet"</h2>
                                    <p>"Create a publisher organization on "<a href="/account">"your account page"</a>
                                       ", or ask a publisher's owner to invite you."</p>
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <section class="section" aria-labelledby="pub-orgs-h">
                                    <h2 id="pub-orgs-h">"Your publisher organizations"</h2>
                                    <ul class="stack" id="publisher-orgs">
                                        {orgs.into_iter().map(|o| view! {
                                            <li><a href=format!("/portal/{}", o.slug)>{o.name}</a>" "
                                                <small class="muted">{o.roles.join(", ")}</small></li>
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }.into_any()
                        }
                    }
                }
            })}
        </Suspense>
    }
}

/// `/portal/:org`: the organization's listings and the new-listing form.
#[component]
pub fn PortalOrg() -> impl IntoView {
    let org = param("org");
    let create = ServerAction::<CreateListing>::new();
    let page = Resource::new(
        move || (org(), create.version().get()),
        |(o, _)| publisher_listings(o),
    );
    // With JavaScript, go straight to the new listing.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(slug)) = create.value().get() {
            navigate(&format!("/portal/{}/{}", org(), slug), Default::default());
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <OrgListings page=p create /> })
            })}
        </Suspense>
    }
}

#[component]
fn OrgListings(page: PortalHome, create: ServerAction<CreateListing>) -> impl IntoView {
    let p = page;
    let org = p.org_slug.clone();
    let rows = if p.listings.is_empty() {
        view! {
            <div class="empty-state" id="no-listings">
                <h2>"No listings yet"</h2>
                <p>"A listing is your agent's page in the marketplace. Create one below, then upload its manifest."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="data" id="listings">
                    <thead><tr><th scope="col">"Listing"</th><th scope="col">"Category"</th><th scope="col">"Latest version"</th><th scope="col">"Versions"</th></tr></thead>
                    <tbody>
                        {p.listings.into_iter().map(|l| view! {
                            <tr>
                                <td><a href=format!("/portal/{}/{}", org, l.slug)>{l.name}</a>" "<small class="muted">{l.slug.clone()}</small></td>
                                <td>{l.category_label}</td>
                                <td>{match (l.latest, l.latest_state, l.latest_state_label) {
                                    (Some(v), Some(s), Some(label)) => view! { {v}" "{state_badge(s, label)} }.into_any(),
                                    _ => view! { <span class="muted">"none yet"</span> }.into_any(),
                                }}</td>
                                <td>{l.versions}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <Title text=format!("Listings · {}", p.org_name) />
        <header class="page-header">
            <h1>{format!("{}: listings", p.org_name)}</h1>
            <p class="lede"><a href="/portal">"Developer portal"</a>" · "<a href=format!("/orgs/{}", p.org_slug)>"Members and domain"</a>" · "<a href=format!("/orgs/{}/tokens", p.org_slug)>"API tokens"</a></p>
        </header>
        <section class="section" aria-labelledby="listings-h">
            <h2 id="listings-h">"Listings"</h2>
            {rows}
        </section>
        {p.can_edit.then(|| view! {
            <section class="section" aria-labelledby="new-listing-h">
                <h2 id="new-listing-h">"Create a listing"</h2>
                <ListingForm org=p.org_slug.clone() listing=None fields=ListingFields::default() categories=p.categories.clone() create=Some(create) update=None />
            </section>
        })}
    }
}

/// The listing form, for creating (`create`) or editing (`update`).
#[component]
fn ListingForm(
    org: String,
    listing: Option<String>,
    fields: ListingFields,
    categories: Vec<(String, String)>,
    create: Option<ServerAction<CreateListing>>,
    update: Option<ServerAction<UpdateListing>>,
) -> impl IntoView {
    let f = fields;
    let is_new = listing.is_none();
    let inner = move |err: Box<dyn Fn(&'static str) -> Option<String> + Send + Sync>| {
        let err = std::sync::Arc::new(err);
        let e = move |name: &'static str| {
            let err = err.clone();
            move || err(name)
        };
        view! {
            <input type="hidden" name="org" value=org.clone() />
            {listing.clone().map(|l| view! { <input type="hidden" name="listing" value=l /> })}
            {(!f.seen.is_empty()).then(|| view! { <input type="hidden" name="fields[seen]" value=f.seen.clone() /> })}
            <div class="two-col">
                <div class="field">
                    <label for="l-name">"Name"</label>
                    <input id="l-name" name="fields[name]" required maxlength="100" value=f.name.clone() />
                    <p class="field-error">{e("name")}</p>
                </div>
                <div class="field">
                    <label for="l-slug">"Short name (for addresses)"</label>
                    <input id="l-slug" name="fields[slug]" required=is_new maxlength="64" pattern="[a-z][a-z0-9-]*"
                        value=f.slug.clone() readonly=!is_new aria-describedby="l-slug-hint" />
                    <p class="hint" id="l-slug-hint">{if is_new { "Lowercase letters, digits and hyphens. It cannot change later." } else { "Fixed once created." }}</p>
                    <p class="field-error">{e("slug")}</p>
                </div>
            </div>
            <div class="field">
                <label for="l-category">"Category"</label>
                <select id="l-category" name="fields[category]" required>
                    <option value="" selected=f.category.is_empty()>"Choose…"</option>
                    {categories.iter().map(|(s, l)| view! { <option value=s.clone() selected=*s == f.category>{l.clone()}</option> }).collect_view()}
                </select>
                <p class="field-error">{e("category")}</p>
            </div>
            <div class="field">
                <label for="l-summary">"Summary (one line)"</label>
                <input id="l-summary" name="fields[summary]" required maxlength="280" value=f.summary.clone() />
                <p class="field-error">{e("summary")}</p>
            </div>
            <div class="field">
                <label for="l-description">"Description"</label>
                <textarea id="l-description" name="fields[description]" rows="5">{f.description.clone()}</textarea>
                <p class="field-error">{e("description")}</p>
            </div>
            <div class="two-col">
                <div class="field">
                    <label for="l-homepage">"Homepage"</label>
                    <input id="l-homepage" name="fields[homepage]" type="url" placeholder="https://" value=f.homepage.clone() />
                    <p class="field-error">{e("homepage")}</p>
                </div>
                <div class="field">
                    <label for="l-support">"Support contact (email or web address)"</label>
                    <input id="l-support" name="fields[support_contact]" value=f.support_contact.clone() />
                    <p class="field-error">{e("support_contact")}</p>
                </div>
            </div>
            <div class="field">
                <label for="l-privacy">"Privacy policy"</label>
                <input id="l-privacy" name="fields[privacy_url]" type="url" placeholder="https://" value=f.privacy_url.clone() />
                <p class="field-error">{e("privacy_url")}</p>
            </div>
            <div class="field">
                <label for="l-data-use">"What data it uses, and why"</label>
                <textarea id="l-data-use" name="fields[data_use]" rows="3">{f.data_use.clone()}</textarea>
                <p class="field-error">{e("data_use")}</p>
            </div>
            <div class="two-col">
                <div class="field">
                    <label for="l-capabilities">"Capabilities you declare (one per line)"</label>
                    <textarea id="l-capabilities" name="fields[capabilities]" rows="4">{f.capabilities.clone()}</textarea>
                    <p class="field-error">{e("capabilities")}</p>
                </div>
                <div class="field">
                    <label for="l-egress">"Network hosts it reaches (one per line)"</label>
                    <textarea id="l-egress" name="fields[egress]" rows="4" aria-describedby="l-egress-hint">{f.egress.clone()}</textarea>
                    <p class="hint" id="l-egress-hint">"Host names only, e.g. api.example.com."</p>
                    <p class="field-error">{e("egress")}</p>
                </div>
            </div>
            <div class="form-actions">
                <button class="button primary" type="submit">{if is_new { "Create listing" } else { "Save listing" }}</button>
            </div>
        }
    };
    match (create, update) {
        (Some(a), _) => {
            let value = a.value();
            view! {
                <FormError value />
                <ActionForm action=a attr:class="form" attr:id="listing-form">
                    {inner(Box::new(move |n| field_error(value, n)()))}
                </ActionForm>
            }
            .into_any()
        }
        (None, Some(a)) => {
            let value = a.value();
            view! {
                <FormError value />
                {move || matches!(value.get(), Some(Ok(()))).then(|| view! { <div class="alert success" role="status">"Saved."</div> })}
                <ActionForm action=a attr:class="form" attr:id="listing-form">
                    {inner(Box::new(move |n| field_error(value, n)()))}
                </ActionForm>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

/// The manifest inputs shared by "new version" and "add a document".
fn manifest_inputs<T, S>(value: S, id: &'static str) -> impl IntoView
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    let manifest_errors = field_errors(value, "manifest");
    let url_err = field_error(value, "url");
    let format_err = field_error(value, "format");
    let text_id = format!("{id}-manifest");
    let file_id = format!("{id}-file");
    let text_ref = NodeRef::<leptos::html::Textarea>::new();
    let file_status = RwSignal::new(String::new());
    // The buyer's label of a pasted tools list, computed here in the browser.
    let preview = RwSignal::new(None::<ScreeningView>);
    let on_text = move |ev: leptos::ev::Event| {
        preview.set(crate::portal::preview(&event_target_value(&ev)));
    };
    // With JavaScript, a chosen file is read into the text area.
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                let name = file.name();
                let size = file.size();
                if size > 4.0 * 1024.0 * 1024.0 {
                    file_status.set(format!("{name} is larger than the 4 MiB limit."));
                    return;
                }
                file_status.set(format!("Reading {name}…"));
                leptos::task::spawn_local(async move {
                    match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        Ok(text) => {
                            let text = text.as_string().unwrap_or_default();
                            preview.set(crate::portal::preview(&text));
                            if let Some(t) = text_ref.get_untracked() {
                                t.set_value(&text);
                            }
                            file_status.set(format!("{name} loaded ({} bytes).", size as u64));
                        }
                        Err(_) => file_status.set(format!("Could not read {name}.")),
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class="field">
            <label for=format!("{id}-format")>"Format"</label>
            <select id=format!("{id}-format") name="format">
                <option value="auto" selected>"Tell from the content"</option>
                <option value="mcp_server_json">"MCP server.json"</option>
                <option value="mcp_tools_list">"MCP tools/list result"</option>
                <option value="openapi">"OpenAPI 3.0 / 3.1 (JSON or YAML)"</option>
            </select>
            <p class="field-error">{format_err}</p>
        </div>
        <div class="field">
            <label for=file_id.clone()>"Upload a file"</label>
            <input id=file_id type="file" accept=".json,.yaml,.yml,application/json,application/yaml" on:change=on_file />
            <p class="hint" role="status">{move || file_status.get()}</p>
        </div>
        <div class="field">
            <label for=text_id.clone()>"…or paste the manifest"</label>
            <textarea id=text_id node_ref=text_ref name="manifest" rows="8" spellcheck="false" class="code"
                aria-describedby=format!("{id}-manifest-hint") on:input=on_text></textarea>
            <p class="hint" id=format!("{id}-manifest-hint")>"An MCP server.json, a tools/list result ({\"tools\": [...]}) or an OpenAPI document. At most 4 MiB."</p>
            <ul class="field-error" id=format!("{id}-manifest-errors")>
                {move || manifest_errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </div>
        <div class="preview" id=format!("{id}-preview") aria-live="polite">
            {move || match preview.get() {
                Some(s) => view! {
                    <h3>"Preview: what buyers will read"</h3>
                    <super::label::DisclosureLabel screening=s findings=true />
                }.into_any(),
                None => view! {
                    <p class="hint">"Paste or choose a tools/list result to preview, right here, what buyers will read and what reviewers will be shown (server.json and OpenAPI documents are read when you upload them)."</p>
                }.into_any(),
            }}
        </div>
        <div class="field">
            <label for=format!("{id}-url")>"…or the URL of a remote MCP server"</label>
            <input id=format!("{id}-url") name="url" type="url" placeholder="https://mcp.example.com/mcp" aria-describedby=format!("{id}-url-hint") />
            <p class="hint" id=format!("{id}-url-hint")>"Streamable HTTP. Steward calls initialize and tools/list itself and keeps what the server answered."</p>
            <p class="field-error">{url_err}</p>
        </div>
    }
}

/// `/portal/:org/:listing`: edit the listing, see its versions, add one.
#[component]
pub fn PortalListing() -> impl IntoView {
    let org = param("org");
    let listing = param("listing");
    let update = ServerAction::<UpdateListing>::new();
    let create = ServerAction::<CreateVersion>::new();
    let page = Resource::new(
        move || {
            (
                org(),
                listing(),
                update.version().get(),
                create.version().get(),
            )
        },
        |(o, l, ..)| publisher_listing(o, l),
    );
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(v)) = create.value().get() {
            navigate(
                &format!("/portal/{}/{}/v/{}", org(), listing(), v),
                Default::default(),
            );
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <ListingBody page=p update create /> })
            })}
        </Suspense>
    }
}

#[component]
fn ListingBody(
    page: PortalListingView,
    update: ServerAction<UpdateListing>,
    create: ServerAction<CreateVersion>,
) -> impl IntoView {
    let p = page;
    let org = p.org_slug.clone();
    let slug = p.fields.slug.clone();
    let value = create.value();
    let version_err = field_error(value, "version");
    let versions = p.versions.clone();
    let newest = versions.first().map(|v| v.version.clone());
    let base = format!("/portal/{org}/{slug}");
    let version_rows = if versions.is_empty() {
        view! { <p class="muted" id="no-versions">"No versions yet. Create the first one below from your manifest."</p> }.into_any()
    } else {
        let base = base.clone();
        view! {
            <div class="table-wrap">
                <table class="data" id="versions">
                    <thead><tr><th scope="col">"Version"</th><th scope="col">"State"</th><th scope="col">"Tools"</th><th scope="col">"Created"</th></tr></thead>
                    <tbody>
                        {versions.iter().cloned().map(|v| view! {
                            <tr>
                                <td><a href=format!("{base}/v/{}", v.version)>{v.version.clone()}</a></td>
                                <td>{state_badge(v.state, v.state_label)}</td>
                                <td>{v.tools}</td>
                                <td>{v.created}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let compare = (versions.len() >= 2).then(|| {
        let from = versions[1].version.clone();
        let to = versions[0].version.clone();
        let options = versions.iter().map(|v| v.version.clone()).collect::<Vec<_>>();
        let opts_from = options.clone();
        view! {
            <form method="get" action=format!("{base}/diff") class="row" id="compare-form">
                <label for="diff-from">"Compare"</label>
                <select id="diff-from" name="from">
                    {opts_from.into_iter().map(|v| { let sel = v == from; let label = v.clone(); view! { <option value=v selected=sel>{label}</option> } }).collect_view()}
                </select>
                <label for="diff-to">"with"</label>
                <select id="diff-to" name="to">
                    {options.into_iter().map(|v| { let sel = v == to; let label = v.clone(); view! { <option value=v selected=sel>{label}</option> } }).collect_view()}
                </select>
                <button class="button" type="submit">"Show changes"</button>
            </form>
        }
    });
    view! {
        <Title text=format!("{} · Developer portal", p.fields.name) />
        <header class="page-header">
            <h1>{p.fields.name.clone()}</h1>
            <p class="lede"><a href=format!("/portal/{org}")>{format!("{}: listings", p.org_name)}</a>
                {p.public.then(|| view! { " · "<a href=format!("/listings/{slug}")>"Public page"</a> })}</p>
        </header>
        <section class="section" aria-labelledby="versions-h">
            <h2 id="versions-h">"Versions"</h2>
            {version_rows}
            {compare}
        </section>
        {p.can_edit.then(|| { let org = org.clone(); let slug = slug.clone(); view! {
            <section class="section" aria-labelledby="new-version-h">
                <h2 id="new-version-h">"New version"</h2>
                <p class="muted">"A version starts as a draft: you can add documents and prices until you submit it. Submitted versions never change."</p>
                <FormError value />
                <ActionForm action=create attr:class="form" attr:id="new-version-form">
                    <input type="hidden" name="org" value=org.clone() />
                    <input type="hidden" name="listing" value=slug.clone() />
                    <div class="field">
                        <label for="nv-version">"Version number"</label>
                        <input id="nv-version" name="version" required maxlength="64" placeholder="1.0.0" aria-describedby="nv-version-hint" />
                        <p class="hint" id="nv-version-hint">{match newest.clone() { Some(n) => format!("Semantic version, greater than {n}."), None => "Semantic version, e.g. 1.0.0.".to_owned() }}</p>
                        <p class="field-error">{version_err}</p>
                    </div>
                    {manifest_inputs(value, "nv")}
                    <div class="form-actions">
                        <button class="button primary" type="submit">"Create draft version"</button>
                    </div>
                </ActionForm>
            </section>
        }})}
        <section class="section" aria-labelledby="listing-h">
            <h2 id="listing-h">"Listing details"</h2>
            {if p.can_edit {
                view! { <ListingForm org=org.clone() listing=Some(slug.clone()) fields=p.fields.clone() categories=p.categories.clone() create=None update=Some(update) /> }.into_any()
            } else {
                view! { <p class="muted">"Owners and developers can edit the listing."</p> }.into_any()
            }}
        </section>
    }
}

/// `/portal/:org/:listing/v/:version`: a version's manifest, documents and prices.
#[component]
pub fn PortalVersion() -> impl IntoView {
    let org = param("org");
    let listing = param("listing");
    let version = param("version");
    let add_doc = ServerAction::<AddDocument>::new();
    let add_plan = ServerAction::<AddPlan>::new();
    let remove_plan = ServerAction::<RemovePlan>::new();
    let submit = ServerAction::<SubmitVersion>::new();
    let page = Resource::new(
        move || {
            (
                org(),
                listing(),
                version(),
                add_doc.version().get(),
                add_plan.version().get(),
                remove_plan.version().get(),
                submit.version().get(),
            )
        },
        |(o, l, v, ..)| publisher_version(o, l, v),
    );
    // The review panel's data, loaded beside the page's (never created inside
    // the Suspense below: see `ReviewPanel`).
    let write = ServerAction::<crate::review::PublisherMessage>::new();
    let appeal = ServerAction::<crate::review::AppealVersion>::new();
    let review = Review {
        write,
        appeal,
        page: Resource::new(
            move || {
                (
                    org(),
                    listing(),
                    version(),
                    submit.version().get(),
                    write.version().get(),
                    appeal.version().get(),
                )
            },
            |(o, l, v, ..)| crate::review::publisher_review(o, l, v),
        ),
    };
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <VersionBody page=p add_doc add_plan remove_plan submit review /> })
            })}
        </Suspense>
    }
}

/// The review panel's resource and actions, made at the page's top level.
#[derive(Clone, Copy)]
struct Review {
    write: ServerAction<crate::review::PublisherMessage>,
    appeal: ServerAction<crate::review::AppealVersion>,
    page: Resource<Result<crate::dto::PublisherReviewView, AppError>>,
}

#[component]
fn VersionBody(
    page: PortalVersionView,
    add_doc: ServerAction<AddDocument>,
    add_plan: ServerAction<AddPlan>,
    remove_plan: ServerAction<RemovePlan>,
    submit: ServerAction<SubmitVersion>,
    review: Review,
) -> impl IntoView {
    let p = page;
    let base = format!("/portal/{}/{}", p.org_slug, p.listing_slug);
    let hidden = {
        let (o, l, v) = (
            p.org_slug.clone(),
            p.listing_slug.clone(),
            p.version.clone(),
        );
        move || {
            view! {
                <input type="hidden" name="org" value=o.clone() />
                <input type="hidden" name="listing" value=l.clone() />
                <input type="hidden" name="version" value=v.clone() />
            }
        }
    };
    let tool_count = p.tools.len();
    let tools = if p.tools.is_empty() {
        view! { <p class="muted" id="no-tools">"No tools yet. A server.json describes how the agent is installed; add a tools/list result, an OpenAPI document or a remote server URL so buyers and reviewers see what it does."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="data" id="tools">
                    <thead><tr><th scope="col">"Tool"</th><th scope="col">"Declared"</th><th scope="col">"Steward's reading"</th><th scope="col">"Inputs"</th><th scope="col">"Scopes"</th><th scope="col">"Description"</th></tr></thead>
                    <tbody>
                        {p.tools.into_iter().map(|t| { let key = t.name.clone(); view! {
                            <tr data-tool=key>
                                <td><code>{t.name}</code>{t.title.map(|x| view! { <br /><small>{x}</small> })}
                                    {t.operation.map(|o| view! { <br /><small class="muted"><code>{o}</code></small> })}</td>
                                <td>{if t.hints.is_empty() {
                                    view! { <span class="muted">"none declared"</span> }.into_any()
                                } else {
                                    t.hints.into_iter().map(|h| { let cls = format!("tag hint-{}", h.replace(' ', "-")); view! { <span class=cls>{h}</span>" " } }).collect_view().into_any()
                                }}</td>
                                <td>{(!t.effect.is_empty()).then(|| view! {
                                    <span class=format!("badge risk-{}", t.risk)>{t.effect.clone()}</span>
                                })}</td>
                                <td><small>{t.inputs.join(", ")}</small></td>
                                <td><small>{t.scopes.join(" ")}</small></td>
                                <td><small>{t.description}</small></td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let list = |id: &'static str, items: Vec<String>, empty: &'static str| {
        if items.is_empty() {
            view! { <p class="muted">{empty}</p> }.into_any()
        } else {
            view! { <ul id=id>{items.into_iter().map(|i| view! { <li><code>{i}</code></li> }).collect_view()}</ul> }.into_any()
        }
    };
    let plans_value = add_plan.value();
    let perr = move |f| field_error(plans_value, f);
    let compare = (!p.other_versions.is_empty()).then(|| {
        let base = base.clone();
        let this = p.version.clone();
        view! {
            <form method="get" action=format!("{base}/diff") class="row" id="compare-form">
                <label for="diff-from">"Compare with"</label>
                <select id="diff-from" name="from">
                    {p.other_versions.iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                </select>
                <input type="hidden" name="to" value=this />
                <button class="button" type="submit">"Show changes"</button>
            </form>
        }
    });
    view! {
        <Title text=format!("{} {} · Developer portal", p.listing_name, p.version) />
        <header class="page-header">
            <h1>{format!("{} {}", p.listing_name, p.version)}" "{state_badge(p.state.clone(), p.state_label.clone())}</h1>
            <p class="lede"><a href=base.clone()>{format!("Back to {}", p.listing_name)}</a>
                {format!(" · created {}", p.created)}
                {p.submitted.clone().map(|s| format!(" · submitted {s}"))}</p>
        </header>
        <FormError value=submit.value() />
        {p.can_submit.then(|| { let hidden = hidden.clone(); view! {
            <section class="section" aria-labelledby="submit-h">
                <h2 id="submit-h">"Submit for review"</h2>
                <p class="muted">"Submitting freezes this version: its manifest, documents and prices can no longer change. Reviewers see exactly what is stored under its digest."</p>
                <ActionForm action=submit attr:id="submit-form">
                    {hidden()}
                    <button class="button primary" type="submit">"Submit for review"</button>
                </ActionForm>
            </section>
        }})}
        <super::review::ReviewPanel org=p.org_slug.clone() listing=p.listing_slug.clone() version=p.version.clone() page=review.page write=review.write appeal=review.appeal />
        {compare}
        {p.screening.clone().map(|s| view! {
            <section class="section" aria-labelledby="reading-h">
                <h2 id="reading-h">"What buyers will read"</h2>
                <super::label::DisclosureLabel screening=s findings=true />
            </section>
        })}
        <section class="section" aria-labelledby="tools-h">
            <h2 id="tools-h">{format!("Tools ({tool_count})")}</h2>
            <p class="muted">{format!("Normalized from: {}", p.format_label)}{p.server_name.clone().map(|n| format!(" · server {n}"))}</p>
            {tools}
        </section>
        <section class="section two-col" aria-label="Access">
            <div>
                <h3>"Permission scopes"</h3>
                {if p.scopes.is_empty() {
                    view! { <p class="muted">"None declared."</p> }.into_any()
                } else {
                    view! { <ul id="scopes">{p.scopes.into_iter().map(|(s, d)| view! { <li><code>{s}</code>{d.map(|d| view! { " — "<small>{d}</small> })}</li> }).collect_view()}</ul> }.into_any()
                }}
                <h3>"Network egress"</h3>
                {list("egress", p.egress, "No hosts declared.")}
            </div>
            <div>
                <h3>"Secrets the buyer supplies"</h3>
                {list("secrets", p.secrets, "None.")}
                <h3>"Packages and endpoints"</h3>
                {list("packages", p.packages.into_iter().chain(p.remotes).collect(), "None declared.")}
            </div>
        </section>
        <section class="section" aria-labelledby="pricing-h">
            <h2 id="pricing-h">"Pricing"</h2>
            {if p.plans.is_empty() {
                view! { <p class="muted" id="no-plans">"No plans yet: the listing shows as free until you add one."</p> }.into_any()
            } else {
                let can = p.can_price;
                let hidden = hidden.clone();
                view! {
                    <div class="table-wrap">
                        <table class="data" id="plans">
                            <thead><tr><th scope="col">"Plan"</th><th scope="col">"Kind"</th><th scope="col">"Price"</th><th></th></tr></thead>
                            <tbody>
                                {p.plans.into_iter().map(|pl| {
                                    let hidden = hidden.clone();
                                    view! {
                                        <tr>
                                            <td>{pl.name.clone()}</td>
                                            <td>{pl.kind_label}</td>
                                            <td>{pl.price}</td>
                                            <td>{can.then(|| view! {
                                                <ActionForm action=remove_plan>
                                                    {hidden()}
                                                    <input type="hidden" name="name" value=pl.name.clone() />
                                                    <button class="button danger" type="submit">"Remove"</button>
                                                </ActionForm>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {p.can_price.then(|| {
                let hidden = hidden.clone();
                view! {
                <h3>"Add a plan"</h3>
                <FormError value=plans_value />
                <ActionForm action=add_plan attr:class="form" attr:id="plan-form">
                    {hidden()}
                    <div class="two-col">
                        <div class="field">
                            <label for="plan-name">"Plan name"</label>
                            <input id="plan-name" name="plan[name]" required maxlength="60" placeholder="Pay as you go" />
                            <p class="field-error">{perr("name")}</p>
                        </div>
                        <div class="field">
                            <label for="plan-kind">"How it charges"</label>
                            <select id="plan-kind" name="plan[kind]">
                                <option value="free">"Free"</option>
                                <option value="flat">"Flat subscription"</option>
                                <option value="per_seat">"Per seat"</option>
                                <option value="usage" selected>"Usage-based"</option>
                            </select>
                            <p class="field-error">{perr("kind")}</p>
                        </div>
                    </div>
                    <div class="two-col">
                        <div class="field">
                            <label for="plan-currency">"Currency"</label>
                            <select id="plan-currency" name="plan[currency]">
                                {p.currencies.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                            </select>
                            <p class="field-error">{perr("currency")}</p>
                        </div>
                        <div class="field">
                            <label for="plan-amount">"Price"</label>
                            <input id="plan-amount" name="plan[amount]" inputmode="decimal" placeholder="0.02" aria-describedby="plan-amount-hint" />
                            <p class="hint" id="plan-amount-hint">"Per period for subscriptions, per seat per period, or per unit of the meter."</p>
                            <p class="field-error">{perr("amount")}</p>
                        </div>
                    </div>
                    <div class="two-col">
                        <div class="field">
                            <label for="plan-period">"Billing period (subscriptions)"</label>
                            <select id="plan-period" name="plan[period]">
                                <option value="month">"Monthly"</option>
                                <option value="year">"Yearly"</option>
                            </select>
                            <p class="field-error">{perr("period")}</p>
                        </div>
                        <div class="field">
                            <label for="plan-meter">"Meter (usage-based)"</label>
                            <input id="plan-meter" name="plan[meter]" placeholder="tool_call" />
                            <p class="field-error">{perr("meter")}</p>
                        </div>
                    </div>
                    <div class="field">
                        <label for="plan-trial">"Trial days"</label>
                        <input id="plan-trial" name="plan[trial_days]" inputmode="numeric" placeholder="0" />
                        <p class="field-error">{perr("trial_days")}</p>
                    </div>
                    <div class="form-actions"><button class="button primary" type="submit">"Add plan"</button></div>
                </ActionForm>
            }})}
        </section>
        <section class="section" aria-labelledby="docs-h">
            <h2 id="docs-h">"Source documents (evidence)"</h2>
            <p class="muted">"Each document is stored as uploaded or fetched, content-addressed. "
                {p.manifest_digest.clone().map(|d| view! { "Normalized manifest: "<code id="manifest-digest">{d}</code> })}</p>
            <div class="table-wrap">
                <table class="data" id="documents">
                    <thead><tr><th scope="col">"Format"</th><th scope="col">"SHA-256"</th><th scope="col">"Size"</th><th scope="col">"Source"</th><th scope="col">"Added"</th></tr></thead>
                    <tbody>
                        {p.documents.into_iter().map(|d| view! {
                            <tr><td>{d.format_label}</td><td><code class="digest">{d.digest}</code></td><td>{d.size}</td>
                                <td>{d.source_url.unwrap_or_else(|| "upload".into())}</td><td>{d.added}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {p.can_edit.then(|| {
                let hidden = hidden.clone();
                let value = add_doc.value();
                view! {
                    <h3>"Add a document"</h3>
                    <p class="muted">"A document of a format this version already has replaces it."</p>
                    <FormError value />
                    <ActionForm action=add_doc attr:class="form" attr:id="add-document-form">
                        {hidden()}
                        {manifest_inputs(value, "ad")}
                        <div class="form-actions"><button class="button primary" type="submit">"Add document"</button></div>
                    </ActionForm>
                }
            })}
        </section>
    }
}

/// `/portal/:org/:listing/diff?from=&to=`: what changed between two versions.
#[component]
pub fn PortalDiff() -> impl IntoView {
    let org = param("org");
    let listing = param("listing");
    let query = use_query_map();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                org(),
                listing(),
                q.get("from").unwrap_or_default(),
                q.get("to").unwrap_or_default(),
            )
        },
        |(o, l, f, t)| version_diff(o, l, f, t),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |d| view! { <DiffBody diff=d /> })
            })}
        </Suspense>
    }
}

fn names(items: Vec<String>, class: &'static str) -> impl IntoView {
    items
        .into_iter()
        .map(|i| view! { <li class=class><code>{i}</code></li> })
        .collect_view()
}

#[component]
pub(crate) fn DiffBody(diff: DiffView) -> impl IntoView {
    let d = diff;
    let base = format!("/portal/{}/{}", d.org_slug, d.listing_slug);
    let summary = if d.empty {
        view! { <div class="alert info" role="status" id="diff-empty">"No differences in tools, access or prices."</div> }.into_any()
    } else if d.widens_access {
        view! { <div class="alert warning" role="status" id="diff-widens">{format!("{} asks for more than {}: reviewers will look closely at what was added.", d.to, d.from)}</div> }.into_any()
    } else {
        view! { <div class="alert info" role="status">{format!("{} asks for no more access than {}.", d.to, d.from)}</div> }.into_any()
    };
    let tool_list = |id: &'static str,
                     title: &'static str,
                     class: &'static str,
                     tools: Vec<DiffToolRow>| {
        (!tools.is_empty()).then(|| view! {
            <h3>{title}</h3>
            <ul id=id class="stack">
                {tools.into_iter().map(|t| view! {
                    <li class=class><code>{t.name}</code>" "
                        {t.hints.into_iter().map(|h| { let cls = format!("tag hint-{}", h.replace(' ', "-")); view! { <span class=cls>{h}</span>" " } }).collect_view()}
                        {(!t.scopes.is_empty()).then(|| view! { <small class="muted">{format!("scopes: {}", t.scopes.join(" "))}</small> })}
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <Title text=format!("{}: {} → {}", d.listing_name, d.from, d.to) />
        <header class="page-header">
            <h1>{format!("{}: {} → {}", d.listing_name, d.from, d.to)}</h1>
            <p class="lede"><a href=base.clone()>{format!("Back to {}", d.listing_name)}</a>
                {format!(" · {} is {}, {} is {}", d.from, d.from_state_label.to_lowercase(), d.to, d.to_state_label.to_lowercase())}</p>
        </header>
        {summary}
        <section class="section" aria-labelledby="diff-tools-h">
            <h2 id="diff-tools-h">"Tools"</h2>
            {tool_list("tools-added", "Added", "added", d.tools_added)}
            {tool_list("tools-removed", "Removed", "removed", d.tools_removed)}
            {(!d.tools_changed.is_empty()).then(|| view! {
                <h3>"Changed"</h3>
                <div id="tools-changed" class="stack">
                    {d.tools_changed.into_iter().map(|c| view! {
                        <article class="card tool-change" data-tool=c.name.clone()>
                            <h4><code>{c.name.clone()}</code>
                                {c.became_destructive.then(|| view! { " "<span class="tag hint-destructive">"now destructive"</span> })}
                                {c.lost_read_only.then(|| view! { " "<span class="tag hint-writes">"no longer read-only"</span> })}</h4>
                            {c.title.map(|(a, b)| view! { <p>"Title: "<del>{a}</del>" → "<ins>{b}</ins></p> })}
                            {c.operation.map(|(a, b)| view! { <p>"Operation: "<del>{a}</del>" → "<ins>{b}</ins></p> })}
                            {c.description_changed.then(|| view! {
                                <p class="text-diff">{c.description.into_iter().map(|r| match r.kind.as_str() {
                                    "added" => view! { <ins>{r.text}</ins> }.into_any(),
                                    "removed" => view! { <del>{r.text}</del> }.into_any(),
                                    _ => view! { <span>{r.text}</span> }.into_any(),
                                }).collect_view()}</p>
                            })}
                            {(!c.schema.is_empty()).then(|| view! {
                                <table class="data schema-changes">
                                    <thead><tr><th scope="col">"Input schema"</th><th scope="col">"Change"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                                    <tbody>{c.schema.into_iter().map(|(ptr, what, b, a)| view! {
                                        <tr><td><code>{ptr}</code></td><td>{what}</td><td><code>{b}</code></td><td><code>{a}</code></td></tr>
                                    }).collect_view()}</tbody>
                                </table>
                            })}
                            {(!c.annotations.is_empty()).then(|| view! {
                                <ul>{c.annotations.into_iter().map(|(h, b, a)| view! { <li><code>{h}</code>": "{b}" → "{a}</li> }).collect_view()}</ul>
                            })}
                            {(!c.scopes_added.is_empty() || !c.scopes_removed.is_empty()).then(|| view! {
                                <ul class="stack">{names(c.scopes_added, "added")}{names(c.scopes_removed, "removed")}</ul>
                            })}
                        </article>
                    }.into_any()).collect_view()}
                </div>
            })}
        </section>
        {(!d.access.is_empty()).then(|| view! {
            <section class="section" aria-labelledby="diff-access-h">
                <h2 id="diff-access-h">"Access"</h2>
                <div id="access-changes">
                    {d.access.into_iter().map(|(label, added, removed)| view! {
                        <h3>{label}</h3>
                        <ul>{names(added, "added")}{names(removed, "removed")}</ul>
                    }).collect_view()}
                </div>
            </section>
        })}
        {(!d.price_changes.is_empty()).then(|| view! {
            <section class="section" aria-labelledby="diff-price-h">
                <h2 id="diff-price-h">"Prices"</h2>
                <ul id="price-changes">
                    {d.price_changes.into_iter().map(|p| view! {
                        <li class=p.kind.clone()>
                            <strong>{p.plan}</strong>{format!(" ({}): ", p.kind)}
                            {p.before.map(|b| view! { <del>{b}</del> })}
                            {p.after.map(|a| view! { " → "<ins>{a}</ins> })}
                            {p.increase.map(|up| view! { " "<span class="tag">{if up { "price increase" } else { "price decrease" }}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <p class="legend muted"><ins>"added"</ins>" "<del>"removed"</del></p>
    }
}
