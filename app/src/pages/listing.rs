use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::ErrorNotice;
use crate::api::{FileReport, get_listing};
use crate::dto::ListingView;

#[component]
pub fn Listing() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let listing = Resource::new(slug, get_listing);

    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(l) => view! { <ListingBody listing=l /> }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListingBody(listing: ListingView) -> impl IntoView {
    let l = listing;
    let tool_count = l.tools.len();
    let history = view! { <History history=l.history /> }.into_any();
    let ratings =
        view! { <Ratings average=l.rating_average count=l.rating_count reviews=l.reviews /> }
            .into_any();
    let aside = view! {
        <Facts
            publisher=l.publisher
            verified_domain=l.publisher_verified_domain
            lapsed=l.publisher_lapsed
            category_label=l.category_label
            version=l.version
            published=l.published
            digest=l.manifest_digest.unwrap_or_default()
        />
    }
    .into_any();
    let new_since = l.new_since.clone();
    let label = l.screening.clone().map(|s| {
        view! {
            <section class="section" aria-labelledby="can-do-h">
                <h2 id="can-do-h">"What it can do"</h2>
                <super::label::DisclosureLabel screening=s findings=false />
                {new_since.map(|(v, items)| if items.is_empty() {
                    view! { <p class="muted" id="new-since">{format!("Nothing new since {v}: it asks for no more than that version did.")}</p> }.into_any()
                } else {
                    view! {
                        <div class="alert warning" id="new-since">
                            <p><strong>{format!("New since {v}")}</strong>{format!(" (if you installed {v}, this is what the update adds):")}</p>
                            <ul>{items.into_iter().map(|i| view! { <li>{i.text}" "<small>{format!("({})", i.tools.join(", "))}</small></li> }).collect_view()}</ul>
                        </div>
                    }.into_any()
                })}
            </section>
        }
    });
    view! {
        <Title text=l.name.clone() />
        <header class="page-header">
            <h1>{l.name.clone()}</h1>
            <p class="lede">{l.summary.clone()}</p>
            <p><a class="button primary" id="install-link" href=format!("/tenant?install={}", l.slug)>"Install in your organization"</a></p>
        </header>
        <div class="two-col">
            <div class="stack">
                {label}
                <section class="section" aria-labelledby="about-h">
                    <h2 id="about-h">"About"</h2>
                    {l.description.split("\n\n").map(|p| view! { <p>{p.to_owned()}</p> }).collect_view()}
                </section>
                <section class="section" aria-labelledby="tools-h">
                    <h2 id="tools-h">{format!("Tools ({tool_count})")}</h2>
                    <p class="muted">
                        "What the publisher's manifest declares. Annotations are hints from the publisher, \
                         not verified behaviour; Steward's own reading is the label above."
                    </p>
                    <ul class="tools">
                        {l.tools.into_iter().map(|t| view! {
                            <li class="tool">
                                <code>{t.name}</code>
                                <span class="chips row">
                                    {t.declared.into_iter().map(|d| {
                                        let warn = d == "destructive";
                                        view! { <span class="chip" class:warn=warn>{format!("{d} (declared)")}</span> }
                                    }).collect_view()}
                                </span>
                                <p class="muted">{t.title.map(|x| format!("{x}: ")).unwrap_or_default()}{t.description}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
                {history}
                {ratings}
                <ReportForm slug=l.slug.clone() reasons=l.report_reasons />
            </div>
            {aside}
        </div>
    }
}

#[component]
fn History(history: Vec<crate::dto::VersionItem>) -> impl IntoView {
    view! {
                <section class="section" aria-labelledby="history-h">
                    <h2 id="history-h">"Version history"</h2>
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="version-history">
                            <thead><tr><th scope="col">"Version"</th><th scope="col">"State"</th><th scope="col">"Published"</th><th scope="col">"What changed"</th></tr></thead>
                            <tbody>
                                {history.into_iter().map(|v| { let key = v.version.clone(); view! {
                                    <tr data-version=key>
                                        <td><code>{v.version}</code></td>
                                        <td><span class=format!("badge status-{}", v.state)>{v.state_label}</span></td>
                                        <td>{v.published}</td>
                                        <td><Changes changes=v.changes /></td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
    }
}

/// What a version changed since the one published before it, in short.
#[component]
fn Changes(changes: Option<crate::dto::VersionChanges>) -> impl IntoView {
    let Some(c) = changes else {
        return view! { <small class="muted">"First published version"</small> }.into_any();
    };
    if c.empty {
        return view! { <small class="muted">{format!("No change in tools or access since {}", c.since)}</small> }.into_any();
    }
    let line = |label: &'static str, items: Vec<String>, warn: bool| {
        (!items.is_empty()).then(|| {
            view! {
                <li class:warn=warn>{format!("{label}: {}", items.join(", "))}</li>
            }
        })
    };
    view! {
        <ul class="changes">
            <li class="muted">{format!("Since {}{}", c.since, if c.widens { ", can do more:" } else { ":" })}</li>
            {line("Tools added", c.tools_added, true)}
            {line("Tools removed", c.tools_removed, false)}
            {line("Tools changed", c.tools_changed, false)}
            {line("Capabilities added", c.capabilities_added.iter().map(|x| x.replace('_', " ")).collect(), true)}
            {line("Capabilities removed", c.capabilities_removed.iter().map(|x| x.replace('_', " ")).collect(), false)}
            {line("Scopes added", c.scopes_added, true)}
            {line("Scopes removed", c.scopes_removed, false)}
        </ul>
    }
    .into_any()
}

/// Tenants' ratings: the average, the count and the reviews.
#[component]
fn Ratings(
    average: Option<String>,
    count: usize,
    reviews: Vec<crate::dto::ReviewItem>,
) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby="ratings-h" id="ratings">
            <h2 id="ratings-h">"Ratings"</h2>
            {match average {
                None => view! { <p class="muted" id="rating-summary">"No ratings yet. Organizations that install this agent can rate it."</p> }.into_any(),
                Some(a) => view! { <p id="rating-summary"><strong>{format!("{a} out of 5")}</strong>{format!(" from {count} organization{}", if count == 1 { "" } else { "s" })}</p> }.into_any(),
            }}
            <ul class="stack" id="reviews">
                {reviews.into_iter().map(|r| {
                    let stars = format!("{}{}", "★".repeat(r.stars as usize), "☆".repeat(5 - r.stars as usize));
                    view! {
                        <li>
                            <span aria-label=format!("{} out of 5", r.stars)>{stars}</span>" "<small class="muted">{r.date}</small>
                            {(!r.review.is_empty()).then(|| view! { <p>{r.review}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Facts(
    publisher: String,
    verified_domain: Option<String>,
    lapsed: bool,
    category_label: String,
    version: String,
    published: String,
    digest: String,
) -> impl IntoView {
    let short_digest = digest.chars().take(12).collect::<String>();
    view! {
            <aside class="aside" aria-label="Listing facts">
                <dl class="meta">
                    <dt>"Publisher"</dt>
                    <dd>
                        {publisher}
                        {lapsed.then(|| view! { <br /><span class="badge risk-high">"domain verification lapsed"</span> })}
                        {verified_domain.map(|d| view! {
                            <br /><span class="badge risk-low">"verified"</span>" "<small>{d}</small>
                        })}
                    </dd>
                    <dt>"Category"</dt>
                    <dd><span class="tag">{category_label}</span></dd>
                    <dt>"Version"</dt>
                    <dd><code>{version}</code></dd>
                    <dt>"Published"</dt>
                    <dd>{published}</dd>
                    <dt>"Manifest"</dt>
                    <dd><code title=digest>{format!("sha256:{short_digest}…")}</code></dd>
                </dl>
            </aside>
    }
}

#[component]
fn ReportForm(slug: String, reasons: Vec<(String, String)>) -> impl IntoView {
    let report = ServerAction::<FileReport>::new();
    let result = report.value();
    let error = move |field: &'static str| {
        result.with(|r| match r {
            Some(Err(e)) => e.field(field),
            _ => None,
        })
    };
    view! {
        <section class="section" aria-labelledby="report-h">
            <h2 id="report-h">"Report this listing"</h2>
            <p class="muted">"Tell the marketplace's trust and safety team about abuse, deception or a listing that does not work. Reports are reviewed by people."</p>
            {move || result.with(|r| match r {
                Some(Ok(receipt)) => Some(view! {
                    <div class="alert success" role="status" id="report-receipt">
                        "Thank you. Your report was received. Reference: "
                        <span class="correlation">{receipt.reference.clone()}</span>
                    </div>
                }.into_any()),
                Some(Err(e)) if !matches!(e, crate::AppError::Invalid { .. }) => Some(view! {
                    <div class="alert error" role="alert">{e.to_string()}</div>
                }.into_any()),
                _ => None,
            })}
            <ActionForm action=report attr:class="form" attr:id="report-form">
                <input type="hidden" name="slug" value=slug />
                <div class="field">
                    <label for="report-reason">"Reason"</label>
                    <select id="report-reason" name="reason" required
                        aria-invalid=move || error("reason").map(|_| "true")
                        aria-describedby="report-reason-error">
                        <option value="">"Choose a reason"</option>
                        {reasons.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="report-reason-error">{move || error("reason")}</p>
                </div>
                <div class="field">
                    <label for="report-details">"What happened"</label>
                    <textarea id="report-details" name="details" rows="4" required minlength="10" maxlength="4000"
                        aria-invalid=move || error("details").map(|_| "true")
                        aria-describedby="report-details-error report-details-hint"></textarea>
                    <p class="hint" id="report-details-hint">"At least 10 characters. Do not include passwords or secrets."</p>
                    <p class="field-error" id="report-details-error">{move || error("details")}</p>
                </div>
                <div class="field">
                    <label for="report-contact">"Your email (optional)"</label>
                    <input id="report-contact" type="email" name="contact" maxlength="254" autocomplete="email"
                        aria-invalid=move || error("contact").map(|_| "true")
                        aria-describedby="report-contact-error" />
                    <p class="field-error" id="report-contact-error">{move || error("contact")}</p>
                </div>
                <div class="form-actions">
                    <button class="button danger" type="submit" disabled=move || report.pending().get()>
                        "Send report"
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
