//! The operator console's audit explorer: the trail, newest first, filtered
//! by a plain GET form (so it works without JavaScript), paged by sequence
//! number, with a JSON-lines export of everything the filter matches.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::ErrorNotice;
use super::account::SignInPrompt;
use crate::AppError;
use crate::audit::audit_search;
use crate::dto::{AuditQuery, AuditRow};

#[component]
pub fn ConsoleAudit() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let m = params.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        AuditQuery {
            subject_type: get("subject_type"),
            subject_id: get("subject_id"),
            actor: get("actor"),
            action: get("action"),
            org: get("org"),
            from: get("from"),
            to: get("to"),
        }
    };
    let before = move || {
        params
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let results = Resource::new(move || (query(), before()), |(q, b)| audit_search(q, b));
    view! {
        <Title text="Audit trail · console" />
        <header class="page-header">
            <h1>"Audit trail"</h1>
            <p class="lede">"Every governance change, newest first. Each entry is sealed into a hash chain; "<code>"steward audit verify"</code>" recomputes it and checks the signed checkpoints of its head."</p>
            <super::review::ConsoleNav />
        </header>
        <Transition fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
            {move || Suspend::new(async move {
                let q = query();
                match results.await {
                    Ok(view) => {
                        let qs = q.to_query_string();
                        let export = if qs.is_empty() {
                            "/console/audit/export.jsonl".to_owned()
                        } else {
                            format!("/console/audit/export.jsonl?{qs}")
                        };
                        let next = view.next_before.map(|b| {
                            if qs.is_empty() {
                                format!("/console/audit?before={b}")
                            } else {
                                format!("/console/audit?{qs}&before={b}")
                            }
                        });
                        let n = view.rows.len();
                        view! {
                            <FilterForm query=q error=None />
                            <p class="actions">
                                <span class="muted" id="audit-count" aria-live="polite">
                                    {format!("{n} entr{}{}", if n == 1 { "y" } else { "ies" }, if next.is_some() { " on this page" } else { "" })}
                                </span>
                                <a class="button secondary" id="audit-export" href=export rel="external" download="">"Export as JSON lines"</a>
                            </p>
                            {if view.rows.is_empty() {
                                view! {
                                    <div class="empty-state">
                                        <h2>"No entries match"</h2>
                                        <p>"Try a wider filter, or "<a href="/console/audit">"clear it"</a>"."</p>
                                    </div>
                                }
                                .into_any()
                            } else {
                                view! { <AuditTable rows=view.rows /> }.into_any()
                            }}
                            {next.map(|href| view! { <p><a href=href id="audit-older">"Older entries"</a></p> })}
                        }
                        .into_any()
                    }
                    Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
                    Err(e @ AppError::Invalid { .. }) => view! {
                        <FilterForm query=q error=Some(e.clone()) />
                        <ErrorNotice error=e />
                    }
                    .into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn field(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    hint: &'static str,
    error: Option<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=name type="text" value=value placeholder=hint aria-invalid=error.is_some().then_some("true") />
            <p class="field-error">{error}</p>
        </div>
    }
}

#[component]
fn FilterForm(query: AuditQuery, error: Option<AppError>) -> impl IntoView {
    let err = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let inputs = vec![
        field(
            "audit-action",
            "action",
            "Action",
            query.action,
            "version. or org.created",
            err("action"),
        ),
        field(
            "audit-actor",
            "actor",
            "Actor",
            query.actor,
            "email or user:<id>",
            err("actor"),
        ),
        field(
            "audit-org",
            "org",
            "Organization",
            query.org,
            "short name or id",
            err("org"),
        ),
        field(
            "audit-subject-type",
            "subject_type",
            "Subject type",
            query.subject_type,
            "version",
            err("subject_type"),
        ),
        field(
            "audit-subject-id",
            "subject_id",
            "Subject id",
            query.subject_id,
            "",
            err("subject_id"),
        ),
        field(
            "audit-from",
            "from",
            "From",
            query.from,
            "2026-11-01",
            err("from"),
        ),
        field("audit-to", "to", "To", query.to, "2026-11-30", err("to")),
    ];
    view! {
        <Form method="GET" action="/console/audit" attr:class="filters" attr:id="audit-filter" attr:role="search">
            {inputs}
            <button class="button primary" type="submit">"Filter"</button>
        </Form>
    }
}

#[component]
fn AuditTable(rows: Vec<AuditRow>) -> impl IntoView {
    let filter_link = |k: &str, v: &str| format!("/console/audit?{k}={}", super::urlencode(v));
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="data" id="audit-entries">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Organization"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Policy"</th>
                        <th scope="col">"Evidence"</th>
                        <th scope="col">"Entry"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let actor_href = filter_link("actor", &r.actor_id);
                        let action_href = filter_link("action", &r.action);
                        let subject_href = format!(
                            "/console/audit?subject_type={}&subject_id={}",
                            super::urlencode(&r.subject_type),
                            super::urlencode(&r.subject_id)
                        );
                        let org = r.org_id.clone().zip(r.org.clone()).map(|(id, name)| {
                            let href = filter_link("org", &id);
                            view! { <a href=href title=id>{name}</a> }
                        });
                        view! {
                            <tr>
                                <td><small>{r.at}</small></td>
                                <td><a href=actor_href title=r.actor_id.clone()>{r.actor}</a></td>
                                <td>{org}</td>
                                <td><a href=action_href><code>{r.action}</code></a></td>
                                <td><a href=subject_href>{format!("{} {}", r.subject_type, r.subject_id)}</a></td>
                                <td>{r.policy_version}</td>
                                <td>{r.evidence.into_iter().map(|d| view! { <code title="sha256, first 12 hex digits">{d}</code>" " }).collect_view()}</td>
                                <td class="num"><span>{format!("#{}", r.seq)}</span>" "<code title="the entry's hash, first 12 hex digits">{r.hash_prefix}</code></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
