//! `/orgs/{slug}/integrations`: an organization's webhook endpoints, with
//! their delivery counts, last errors, delivery log, replay, pause/resume,
//! secret rotation and a test ping.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::account::guarded;
use super::auth::{FormError, field_error};
use crate::dto::*;
use crate::integrations::*;

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateWebhookEndpoint>,
    pause: ServerAction<PauseWebhookEndpoint>,
    resume: ServerAction<ResumeWebhookEndpoint>,
    rotate: ServerAction<RotateWebhookSecret>,
    ping: ServerAction<PingWebhookEndpoint>,
    replay: ServerAction<ReplayWebhookDelivery>,
}

#[component]
pub fn OrgIntegrations() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let a = Actions {
        create: ServerAction::new(),
        pause: ServerAction::new(),
        resume: ServerAction::new(),
        rotate: ServerAction::new(),
        ping: ServerAction::new(),
        replay: ServerAction::new(),
    };
    let page = Resource::new(
        move || {
            (
                slug(),
                a.create.version().get(),
                a.pause.version().get(),
                a.resume.version().get(),
                a.rotate.version().get(),
                a.ping.version().get(),
                a.replay.version().get(),
            )
        },
        |(s, ..)| integrations_page(s),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                guarded(page.await, move |p| view! { <IntegrationsBody page=p a /> })
            })}
        </Suspense>
    }
}

/// A one-button form that acts on one endpoint.
macro_rules! endpoint_button {
    ($action:expr, $slug:expr, $id:expr, $label:expr, $class:expr) => {{
        let (slug, id): (String, String) = ($slug, $id);
        view! {
            <ActionForm action=$action>
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="endpoint_id" value=id />
                <button class=$class type="submit">{$label}</button>
            </ActionForm>
        }
    }};
}

#[component]
fn IntegrationsBody(page: IntegrationsView, a: Actions) -> impl IntoView {
    let p = page;
    let created = a.create.value();
    let rotated = a.rotate.value();
    let err = move |f| field_error(created, f);
    let slug = p.org_slug.clone();
    let kinds = p.kinds.clone();
    let none = p.endpoints.is_empty();
    let endpoints = p
        .endpoints
        .into_iter()
        .map(|e| endpoint_view(e, slug.clone(), a))
        .collect_view();
    let scope_note = if p.all_events {
        "Endpoints of the marketplace operator receive every organization's events."
    } else {
        "Endpoints receive this organization's events: its listings' and its installs'."
    };
    view! {
        <Title text=format!("Integrations · {}", p.org_name) />
        <header class="page-header">
            <h1>"Integrations"</h1>
            <p class="lede">{format!("Webhooks of {}, signed per Standard Webhooks. {scope_note} ", p.org_name)}
                <a href=format!("/orgs/{}/tokens", p.org_slug)>"API tokens"</a>" (scope "<code>"events:read"</code>" reads the same events from "<code>"GET /api/v1/events"</code>")."</p>
        </header>
        <FormError value=a.pause.value() />
        <FormError value=a.resume.value() />
        <FormError value=a.ping.value() />
        <FormError value=a.replay.value() />
        <FormError value=rotated />
        {move || rotated.with(|r| match r {
            Some(Ok(s)) => Some(view! {
                <div class="alert success" role="status" id="rotated-secret">
                    "New signing secret. Copy it now: it will not be shown again. The previous secret keeps signing for 24 hours. "
                    <code>{s.secret.clone()}</code>
                </div>
            }),
            _ => None,
        })}
        <section class="section" aria-labelledby="new-endpoint-h">
            <h2 id="new-endpoint-h">"Add an endpoint"</h2>
            <FormError value=created />
            {move || created.with(|r| match r {
                Some(Ok(s)) => Some(view! {
                    <div class="alert success" role="status" id="new-endpoint">
                        "Endpoint added. Its signing secret, shown once: "
                        <code id="new-endpoint-secret">{s.secret.clone()}</code>
                    </div>
                }),
                _ => None,
            })}
            <ActionForm action=a.create attr:class="form" attr:id="create-endpoint-form">
                <input type="hidden" name="slug" value=p.org_slug.clone() />
                <div class="field">
                    <label for="ep-url">"URL"</label>
                    <input id="ep-url" name="url" type="url" required placeholder="https://example.com/webhooks/steward"
                        aria-invalid=move || err("url")().map(|_| "true") />
                    <p class="field-error">{err("url")}</p>
                </div>
                <div class="field">
                    <label for="ep-kind">"Kind"</label>
                    <select id="ep-kind" name="kind" aria-describedby="ep-kind-help"
                        aria-invalid=move || err("kind")().map(|_| "true")>
                        {kinds.clone().into_iter().map(|k| view! {
                            <option value=k.value.clone() selected={k.value == "generic"}>{k.label.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p class="hint" id="ep-kind-help">"A named kind receives only its system's events, each mapped to that system's documented, versioned payload ("
                        <code>"docs/integrations.md"</code>" in the repository):"</p>
                    <ul class="hint kind-events">
                        {kinds.into_iter().filter(|k| !k.events.is_empty()).map(|k| view! {
                            <li><strong>{k.label}</strong>{format!(" ({}): ", k.schema.unwrap_or_default())}{k.events.join(", ")}</li>
                        }).collect_view()}
                    </ul>
                    <p class="field-error">{err("kind")}</p>
                </div>
                <div class="field">
                    <label for="ep-desc">"Description"</label>
                    <input id="ep-desc" name="description" maxlength="200" />
                    <p class="field-error">{err("description")}</p>
                </div>
                <div class="field">
                    <label for="ep-types">"Event types"</label>
                    <input id="ep-types" name="event_types" placeholder="listing.*, install.created"
                        aria-describedby="ep-types-help" aria-invalid=move || err("event_types")().map(|_| "true") />
                    <p class="help" id="ep-types-help">"Comma-separated types or patterns like listing.*; leave empty for every event the kind takes. A named kind can only be narrowed."</p>
                    <p class="field-error">{err("event_types")}</p>
                </div>
                <div class="form-actions"><button class="button primary" type="submit">"Add endpoint"</button></div>
            </ActionForm>
        </section>
        <section class="section" aria-labelledby="endpoints-h">
            <h2 id="endpoints-h">"Endpoints"</h2>
            {none.then(|| view! { <p class="empty-state" id="no-endpoints">"No endpoints yet. Add one above to receive events as they happen."</p> })}
            {endpoints}
        </section>
    }
    .into_any()
}

fn endpoint_view(e: EndpointItem, slug: String, a: Actions) -> impl IntoView {
    let (s, id) = (slug.clone(), e.id.clone());
    let toggle = if e.state == "active" {
        endpoint_button!(a.pause, s.clone(), id.clone(), "Pause", "button").into_any()
    } else {
        endpoint_button!(a.resume, s.clone(), id.clone(), "Resume", "button primary").into_any()
    };
    let heading = format!("endpoint-{}", e.id);
    let labelled_by = heading.clone();
    let errors = (!e.last_errors.is_empty()).then(|| {
        view! {
            <h4>"Last errors"</h4>
            <ul class="endpoint-errors">
                {e.last_errors.iter().map(|d| view! {
                    <li>{format!("{} · {} · {}", d.updated, d.event_type, d.last_error.clone().unwrap_or_default())}</li>
                }).collect_view()}
            </ul>
        }
    });
    let empty_log = e.log.is_empty();
    let rows = e
        .log
        .into_iter()
        .map(|d| {
            let (row_slug, row_id) = (slug.clone(), d.id.clone());
            let replay = d.replayable.then(move || {
                view! {
                    <ActionForm action=a.replay>
                        <input type="hidden" name="slug" value=row_slug />
                        <input type="hidden" name="delivery_id" value=row_id />
                        <button class="button" type="submit">"Replay"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr>
                    <td><code>{d.id}</code></td>
                    <td>{d.event_type}</td>
                    <td><span class=format!("badge delivery-{}", d.status)>{d.status.clone()}</span></td>
                    <td>{d.attempts}</td>
                    <td>{d.last_status.map(|s| s.to_string()).unwrap_or_default()}</td>
                    <td>{d.last_error.unwrap_or_default()}</td>
                    <td>{d.updated}</td>
                    <td>{replay}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <article class="card endpoint" aria-labelledby=labelled_by>
            <h3 id=heading>{e.url.clone()}</h3>
            <p>
                <span class=format!("badge endpoint-{}", e.state)>{e.state.clone()}</span>
                " "<span class="endpoint-kind">{e.kind.clone()}</span>
                {e.schema.clone().map(|s| view! { " "<code>{s}</code> })}
                " · "{e.description.clone()}" · "{e.event_types.clone()}
            </p>
            {e.disabled_reason.map(|r| view! { <p class="alert warning">{format!("Disabled: {r}. Resume it once the receiver accepts webhooks again.")}</p> })}
            {e.previous_secret_until.map(|u| view! { <p class="muted">{format!("The previous secret also signs until {u}.")}</p> })}
            <dl class="counts">
                <dt>"Pending"</dt><dd>{e.pending}</dd>
                <dt>"Delivered"</dt><dd>{e.delivered}</dd>
                <dt>"Failing"</dt><dd>{e.failed}</dd>
                <dt>"Dead"</dt><dd>{e.dead}</dd>
            </dl>
            <div class="form-actions">
                {toggle}
                {endpoint_button!(a.ping, s.clone(), id.clone(), "Send a test ping", "button")}
                {endpoint_button!(a.rotate, s.clone(), id.clone(), "Rotate secret", "button")}
            </div>
            {errors}
            <h4>"Delivery log"</h4>
            {empty_log.then(|| view! { <p class="empty-state">"Nothing delivered yet."</p> })}
            <div class="table-wrap" tabindex="0" hidden=empty_log>
                <table class="data">
                    <thead><tr>
                        <th scope="col">"Webhook id"</th><th scope="col">"Event"</th><th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th><th scope="col">"HTTP"</th><th scope="col">"Error"</th>
                        <th scope="col">"Updated"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </article>
    }
}
