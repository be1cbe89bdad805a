//! The review workflow's pages: the console's queues, the review workspace and
//! listing enforcement, and the review panel on a publisher's version page.
//! Every form is a plain POST without JavaScript; with it, pages refresh in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::ErrorNotice;
use super::account::SignInPrompt;
use super::auth::{FormError, field_error};
use crate::AppError;
use crate::dto::*;
use crate::review::*;

use super::portal::param;

/// Console pages: not signed in → sign in; not an operator → what the console is.
fn console_guarded<T, V: IntoView + 'static>(
    r: Result<T, AppError>,
    ok: impl FnOnce(T) -> V,
) -> AnyView {
    match r {
        Ok(v) => ok(v).into_any(),
        Err(AppError::Unauthorized) => view! { <SignInPrompt /> }.into_any(),
        Err(AppError::Forbidden) => view! { <super::surfaces::ConsoleIntro /> }.into_any(),
        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
    }
}

fn risk_badge(risk: String) -> impl IntoView {
    view! { <span class=format!("badge risk-{risk}")>{risk.clone()}</span> }
}

use super::portal::state_badge;

/// The console's sub-navigation.
#[component]
pub fn ConsoleNav() -> impl IntoView {
    view! {
        <nav class="subnav row" aria-label="Console">
            <a href="/console">"Organizations"</a>
            <a href="/console/queues">"Review queues"</a>
            <a href="/console/dashboard">"Dashboard"</a>
            <a href="/console/audit" id="console-audit-link">"Audit trail"</a>
        </nav>
    }
}

/// `/console/queues`: every team's queue at a glance.
#[component]
pub fn ReviewQueues() -> impl IntoView {
    let counts = Resource::new(|| (), |_| review_queues());
    view! {
        <Title text="Review queues · console" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                console_guarded(counts.await, |rows| view! {
                    <header class="page-header">
                        <h1>"Review queues"</h1>
                        <p class="lede">"Submitted versions, routed to teams by the active routing policy. Oldest due first."</p>
                        <ConsoleNav />
                    </header>
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="queues">
                            <thead><tr><th scope="col">"Team"</th><th scope="col" class="num">"Open"</th><th scope="col" class="num">"Unassigned"</th><th scope="col" class="num">"Past SLA"</th><th scope="col">"Oldest"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr data-team=r.team.clone()>
                                        <td><a href=format!("/console/queues/{}", r.team)>{r.team_label}</a></td>
                                        <td class="num">{r.open}</td>
                                        <td class="num">{r.unassigned}</td>
                                        <td class="num">{if r.breached > 0 { view! { <span class="badge risk-high">{r.breached}</span> }.into_any() } else { view! { "0" }.into_any() }}</td>
                                        <td>{r.oldest.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })
            })}
        </Suspense>
    }
}

/// `/console/queues/:team`: one team's open cases, filtered.
#[component]
pub fn ReviewQueue() -> impl IntoView {
    let team = param("team");
    let query = use_query_map();
    let q = move |k: &'static str| query.read().get(k).unwrap_or_default();
    let assign = ServerAction::<AssignCase>::new();
    let page = Resource::new(
        move || {
            (
                team(),
                q("risk"),
                q("finding_kind"),
                q("category"),
                q("min_age_hours"),
                q("mine"),
                q("unassigned"),
                assign.version().get(),
            )
        },
        |(t, r, f, c, a, m, u, _)| review_queue(t, r, f, c, a, m, u),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                console_guarded(page.await, move |p| view! { <QueueBody page=p assign filters=(q("risk"), q("finding_kind"), q("category"), q("min_age_hours")) /> })
            })}
        </Suspense>
    }
}

#[component]
fn QueueBody(
    page: QueuePage,
    assign: ServerAction<AssignCase>,
    filters: (String, String, String, String),
) -> impl IntoView {
    let p = page;
    let (risk, kind, category, age) = filters;
    let empty = p.rows.is_empty();
    view! {
        <Title text=format!("{} queue · console", p.team_label) />
        <header class="page-header">
            <h1>{format!("{} queue", p.team_label)}</h1>
            <p class="lede">"Open reviews for this team, the one due soonest first."</p>
            <ConsoleNav />
        </header>
        <form method="get" class="row filters" id="queue-filters" aria-label="Filter the queue">
            <label for="f-risk">"Risk"</label>
            <select id="f-risk" name="risk">
                <option value="">"Any"</option>
                {["low", "medium", "high", "critical"].into_iter().map(|r| view! { <option value=r selected=risk == r>{r}</option> }).collect_view()}
            </select>
            <label for="f-kind">"Finding"</label>
            <select id="f-kind" name="finding_kind">
                <option value="">"Any"</option>
                {p.finding_kinds.iter().map(|k| view! { <option value=k.clone() selected=kind == *k>{k.replace('_', " ")}</option> }).collect_view()}
            </select>
            <label for="f-category">"Category"</label>
            <select id="f-category" name="category">
                <option value="">"Any"</option>
                {p.categories.iter().map(|(v, l)| view! { <option value=v.clone() selected=category == *v>{l.clone()}</option> }).collect_view()}
            </select>
            <label for="f-age">"Open at least (hours)"</label>
            <input id="f-age" name="min_age_hours" inputmode="numeric" size="4" value=age />
            <label><input type="checkbox" name="mine" value="1" />" Mine"</label>
            <label><input type="checkbox" name="unassigned" value="1" />" Unassigned"</label>
            <button class="button" type="submit">"Filter"</button>
        </form>
        <FormError value=assign.value() />
        {if empty {
            view! { <p class="empty muted" id="queue-empty">"Nothing waiting here. New submissions routed to this team will appear as soon as screening finishes."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0">
                    <table class="data" id="queue">
                        <thead><tr><th scope="col">"Listing"</th><th scope="col">"Publisher"</th><th scope="col">"Risk"</th><th scope="col">"Findings"</th><th scope="col">"Approvals"</th><th scope="col">"Due"</th><th scope="col">"Assignee"</th><th></th></tr></thead>
                        <tbody>
                            {p.rows.into_iter().map(|r| {
                                let case = r.case_id.clone();
                                view! {
                                    <tr data-case=r.case_id.clone()>
                                        <td><a href=format!("/console/reviews/{}", r.case_id)>{format!("{} {}", r.listing_name, r.version)}</a>
                                            {r.appeal.then(|| view! { " "<span class="tag">"appeal"</span> })}</td>
                                        <td>{r.publisher}</td>
                                        <td>{risk_badge(r.risk)}</td>
                                        <td><small>{if r.finding_kinds.is_empty() { "none".to_owned() } else { r.finding_kinds.join(", ").replace('_', " ") }}</small></td>
                                        <td class="num">{format!("{} / {}", r.approvals, r.approvals_needed)}</td>
                                        <td>{r.due}{r.breached.then(|| view! { " "<span class="badge risk-high">"past SLA"</span> })}</td>
                                        <td>{r.assignee.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>
                                            <ActionForm action=assign>
                                                <input type="hidden" name="case" value=case />
                                                <input type="hidden" name="row_version" value=r.row_version />
                                                {if r.assigned_to_me {
                                                    view! { <input type="hidden" name="to" value="nobody" /><button class="button" type="submit">"Release"</button> }.into_any()
                                                } else {
                                                    view! { <input type="hidden" name="to" value="me" /><button class="button" type="submit">"Claim"</button> }.into_any()
                                                }}
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// `/console/reviews/:case`: the review workspace.
#[component]
pub fn ReviewCase() -> impl IntoView {
    let case = param("case");
    let decide = ServerAction::<DecideCase>::new();
    let assign = ServerAction::<AssignCase>::new();
    let message = ServerAction::<ReviewMessage>::new();
    let page = Resource::new(
        move || {
            (
                case(),
                decide.version().get(),
                assign.version().get(),
                message.version().get(),
            )
        },
        |(c, ..)| review_case(c),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                console_guarded(page.await, move |w| view! { <Workspace w decide assign message /> })
            })}
        </Suspense>
    }
}

fn history_table(id: &'static str, rows: Vec<HistoryRow>) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0">
            <table class="data" id=id>
                <thead><tr><th scope="col">"#"</th><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Policy"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|h| view! {
                        <tr><td class="num">{h.seq}</td><td>{h.at}</td><td><code>{h.action}</code></td><td>{h.actor}</td>
                            <td><small>{h.policy_version.unwrap_or_default()}</small></td><td><small class="detail">{h.detail}</small></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn thread(messages: Vec<MessageRow>) -> impl IntoView {
    if messages.is_empty() {
        view! { <p class="muted" id="no-messages">"No messages yet."</p> }.into_any()
    } else {
        view! {
            <ol class="thread" id="messages">
                {messages.into_iter().map(|m| view! {
                    <li class=format!("message from-{}", m.side)>
                        <p class="muted"><strong>{m.author}</strong>{format!(" · {}", m.at)}</p>
                        <p class="body">{m.body}</p>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any()
    }
}

fn decisions_table(rows: Vec<DecisionRow>) -> impl IntoView {
    if rows.is_empty() {
        view! { <p class="muted" id="no-decisions">"No decisions yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap" tabindex="0">
                <table class="data" id="decisions">
                    <thead><tr><th scope="col">"Decision"</th><th scope="col">"By"</th><th scope="col">"Team"</th><th scope="col">"Justification"</th><th scope="col">"Overrides"</th><th scope="col">"When"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|d| view! {
                            <tr data-decision=d.kind.clone()><td>{d.kind_label}</td><td>{d.by}</td><td>{d.team}</td><td>{d.justification}</td>
                                <td><small>{d.overrides.into_iter().map(|(k, r)| format!("{k}: {r}")).collect::<Vec<_>>().join("; ")}</small></td>
                                <td>{d.at}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any()
    }
}

#[component]
fn Workspace(
    w: WorkspaceView,
    decide: ServerAction<DecideCase>,
    assign: ServerAction<AssignCase>,
    message: ServerAction<ReviewMessage>,
) -> impl IntoView {
    let decided = decide.value();
    let derr = move |f| field_error(decided, f);
    let case = w.case_id.clone();
    let rv = w.row_version;
    let hidden = {
        let case = case.clone();
        move || view! { <input type="hidden" name="case" value=case.clone() /><input type="hidden" name="row_version" value=rv /> }
    };
    let findings = w.findings.clone();
    let has_blocking = findings.iter().any(|f| f.blocks);
    let assign_form = {
        let hidden = hidden.clone();
        let members = w.members.clone();
        let mine = w.assigned_to_me;
        view! {
            <ActionForm action=assign attr:class="row" attr:id="assign-form">
                {hidden()}
                <label for="assign-to">"Assign to"</label>
                <select id="assign-to" name="to">
                    <option value="me" selected=!mine>"Me"</option>
                    <option value="nobody" selected=mine>"Nobody (release)"</option>
                    {members.into_iter().map(|(id, n)| view! { <option value=id>{n}</option> }).collect_view()}
                </select>
                <button class="button" type="submit">"Assign"</button>
            </ActionForm>
        }
    };
    view! {
        <Title text=format!("Review: {} {} · console", w.listing_name, w.version) />
        <header class="page-header">
            <h1>{format!("{} {}", w.listing_name, w.version)}" "{state_badge(w.state.clone(), w.state_label.clone())}
                {w.appeal.then(|| view! { " "<span class="tag">"appeal"</span> })}</h1>
            <p class="lede">{format!("{} · {}", w.publisher, w.category)}" · "<a href=format!("/console/listings/{}", w.listing_slug)>"Listing and enforcement"</a></p>
            <ConsoleNav />
        </header>
        <section class="section" aria-labelledby="case-h">
            <h2 id="case-h">"This review"</h2>
            <dl class="meta" id="case-meta">
                <dt>"Teams"</dt><dd>{w.teams.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>().join(", ")}</dd>
                <dt>"Approvals"</dt><dd id="approvals">{format!("{} of {} from different people", w.approvals, w.approvals_needed)}
                    {(!w.teams_waiting.is_empty()).then(|| format!(" · waiting for {}", w.teams_waiting.join(", ")))}</dd>
                <dt>"Routed by"</dt><dd><code>{w.policy_version.clone()}</code>{(!w.matched_rules.is_empty()).then(|| format!(" · rules: {}", w.matched_rules.join(", ")))}</dd>
                <dt>"Opened"</dt><dd>{w.opened.clone()}</dd>
                <dt>"Due"</dt><dd>{w.due.clone()}{w.breached.then(|| view! { " "<span class="badge risk-high">"past SLA"</span> })}</dd>
                <dt>"Status"</dt><dd id="case-status">{if w.open { "Open".to_owned() } else { format!("Closed: {}", w.outcome.clone().unwrap_or_default().replace('_', " ")) }}</dd>
                <dt>"Assignee"</dt><dd id="assignee">{w.assignee.clone().unwrap_or_else(|| "nobody".into())}</dd>
            </dl>
            <FormError value=assign.value() />
            {w.open.then_some(assign_form)}
        </section>
        {w.screening.clone().map(|s| view! {
            <section class="section" aria-labelledby="label-h">
                <h2 id="label-h">"Disclosure label"</h2>
                <super::label::DisclosureLabel screening=s findings=false />
            </section>
        })}
        <section class="section" aria-labelledby="findings-h">
            <h2 id="findings-h">{format!("Findings ({})", findings.len())}</h2>
            {if findings.is_empty() {
                view! { <p class="muted">"Screening found nothing to flag."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="findings">
                            <thead><tr><th scope="col">"Severity"</th><th scope="col">"Kind"</th><th scope="col">"Tool"</th><th scope="col">"What"</th><th scope="col">"Evidence"</th><th scope="col">"Source"</th></tr></thead>
                            <tbody>
                                {findings.clone().into_iter().map(|f| view! {
                                    <tr data-kind=f.kind.clone()><td>{risk_badge(f.severity)}</td><td>{f.kind.replace('_', " ")}</td>
                                        <td><code>{f.tool.unwrap_or_default()}</code></td><td>{f.message}</td>
                                        <td><small class="evidence">{f.evidence}</small></td><td>{f.source}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        {w.can_decide.then(|| {
            let hidden = hidden.clone();
            let findings = findings.clone();
            let escalate = w.escalate_to.clone();
            view! {
                <section class="section" aria-labelledby="decide-h">
                    <h2 id="decide-h">"Decide"</h2>
                    <FormError value=decided />
                    <ActionForm action=decide attr:class="form" attr:id="decide-form">
                        {hidden()}
                        <fieldset class="field">
                            <legend>"Decision"</legend>
                            <label><input type="radio" name="kind" value="approve" required />" Approve"</label>
                            <label><input type="radio" name="kind" value="request_changes" />" Request changes"</label>
                            <label><input type="radio" name="kind" value="reject" />" Reject"</label>
                            <label><input type="radio" name="kind" value="escalate" />" Escalate to another team"</label>
                            <p class="field-error">{derr("kind")}</p>
                        </fieldset>
                        <div class="field">
                            <label for="justification">"Justification"</label>
                            <textarea id="justification" name="justification" rows="3" required maxlength="4000" aria-describedby="justification-hint"></textarea>
                            <p class="hint" id="justification-hint">"Every decision records why. Requesting changes or rejecting sends this to the publisher."</p>
                            <p class="field-error">{derr("justification")}</p>
                        </div>
                        <div class="field">
                            <label for="escalate-to">"Escalate to (for an escalation)"</label>
                            <select id="escalate-to" name="escalate_to">
                                <option value="">"—"</option>
                                {escalate.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                            </select>
                            <p class="field-error">{derr("team")}</p>
                        </div>
                        {(!findings.is_empty()).then(|| view! {
                            <fieldset class="field" id="overrides">
                                <legend>"Overrides"</legend>
                                <p class="hint">{if has_blocking { "Approving sets aside the high and critical findings: give a reason for each (recorded as an override)." } else { "Optional: a reason for setting aside a finding is recorded as an override." }}</p>
                                {findings.into_iter().map(|f| {
                                    let id = format!("override-{}", f.index);
                                    let name = format!("overrides[{}]", f.index);
                                    view! {
                                        <div class="field">
                                            <label for=id.clone()>{format!("{} {}{}", f.severity, f.kind.replace('_', " "), f.tool.map(|t| format!(" ({t})")).unwrap_or_default())}</label>
                                            <input id=id name=name maxlength="4000" placeholder=if f.blocks { "reason (needed to approve)" } else { "reason (optional)" } />
                                        </div>
                                    }
                                }).collect_view()}
                                <p class="field-error">{derr("overrides")}</p>
                            </fieldset>
                        })}
                        <div class="form-actions"><button class="button primary" type="submit">"Record decision"</button></div>
                    </ActionForm>
                </section>
            }
        })}
        {(!w.can_decide && w.open).then(|| view! {
            <div class="alert info" role="status" id="cannot-decide">"You can read this review but not decide it: it is for another team, you submitted it, or it is an appeal of your own decision."</div>
        })}
        <section class="section" aria-labelledby="decisions-h">
            <h2 id="decisions-h">"Decisions"</h2>
            {decisions_table(w.decisions.clone())}
        </section>
        <section class="section" aria-labelledby="messages-h">
            <h2 id="messages-h">"Messages with the publisher"</h2>
            {thread(w.messages.clone())}
            <FormError value=message.value() />
            {w.open.then(|| { let case = case.clone(); view! {
                <ActionForm action=message attr:class="form" attr:id="reviewer-message-form">
                    <input type="hidden" name="case" value=case />
                    <div class="field">
                        <label for="reviewer-message">"Write to the publisher"</label>
                        <textarea id="reviewer-message" name="body" rows="2" required maxlength="4000"></textarea>
                    </div>
                    <div class="form-actions"><button class="button" type="submit">"Send"</button></div>
                </ActionForm>
            }})}
        </section>
        <section class="section" aria-labelledby="diff-h">
            <h2 id="diff-h">{match &w.compared_with { Some(v) => format!("Changes since {v} (live or last approved)"), None => "Changes".to_owned() }}</h2>
            {match w.diff.clone() {
                Some(d) => view! { <super::portal::DiffBody diff=d /> }.into_any(),
                None => view! { <p class="muted">"First version of this listing: nothing to compare with."</p> }.into_any(),
            }}
        </section>
        <section class="section" aria-labelledby="tools-h">
            <h2 id="tools-h">{format!("Tools ({})", w.tools.len())}</h2>
            <div class="table-wrap" tabindex="0">
                <table class="data" id="tools">
                    <thead><tr><th scope="col">"Tool"</th><th scope="col">"Steward's reading"</th><th scope="col">"Declared"</th><th scope="col">"Description"</th></tr></thead>
                    <tbody>
                        {w.tools.iter().cloned().map(|t| view! {
                            <tr><td><code>{t.name}</code></td>
                                <td>{(!t.effect.is_empty()).then(|| view! { <span class=format!("badge risk-{}", t.risk)>{t.effect.clone()}</span> })}</td>
                                <td><small>{t.hints.join(", ")}</small></td><td><small>{t.description}</small></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <details>
                <summary>{format!("Manifest as stored{}", w.manifest_digest.clone().map(|d| format!(" (sha256 {d})")).unwrap_or_default())}</summary>
                <pre class="manifest" tabindex="0"><code>{w.manifest_json.clone()}</code></pre>
            </details>
        </section>
        <section class="section" aria-labelledby="history-h">
            <h2 id="history-h">"History (audit trail)"</h2>
            {history_table("history", w.history.clone())}
        </section>
    }
}

/// `/console/listings/:slug`: a listing's versions and enforcement.
#[component]
pub fn ConsoleListing() -> impl IntoView {
    let slug = param("slug");
    let enforce = ServerAction::<EnforceListing>::new();
    let page = Resource::new(
        move || (slug(), enforce.version().get()),
        |(s, _)| console_listing(s),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                console_guarded(page.await, move |l| view! { <ListingEnforcement l enforce /> })
            })}
        </Suspense>
    }
}

#[component]
fn ListingEnforcement(
    l: ConsoleListingView,
    enforce: ServerAction<EnforceListing>,
) -> impl IntoView {
    let value = enforce.value();
    let err = move |f| field_error(value, f);
    let actions: Vec<(&'static str, &'static str, bool)> = vec![
        ("suspend", "Suspend", l.can_suspend),
        ("reinstate", "Reinstate", l.can_reinstate),
        ("delist", "Delist", l.can_delist),
    ];
    let any = actions.iter().any(|(_, _, ok)| *ok);
    view! {
        <Title text=format!("{} · console", l.name) />
        <header class="page-header">
            <h1>{l.name.clone()}</h1>
            <p class="lede">{format!("by {}", l.publisher)}" · "<a href=format!("/listings/{}", l.slug)>"Public page"</a></p>
            <ConsoleNav />
        </header>
        <section class="section" aria-labelledby="versions-h">
            <h2 id="versions-h">"Versions"</h2>
            <ul id="listing-versions">
                {l.versions.into_iter().map(|(v, s, label)| view! { <li><code>{v}</code>" "{state_badge(s, label)}</li> }).collect_view()}
            </ul>
        </section>
        {any.then(|| { let slug = l.slug.clone(); view! {
            <section class="section" aria-labelledby="enforce-h">
                <h2 id="enforce-h">"Enforcement"</h2>
                <p class="muted">"Suspending takes every live version out of the catalog at once; reinstating puts them back; delisting is final. The publisher sees the action and your justification."</p>
                <FormError value />
                <ActionForm action=enforce attr:class="form" attr:id="enforce-form">
                    <input type="hidden" name="slug" value=slug />
                    <fieldset class="field">
                        <legend>"Action"</legend>
                        {actions.into_iter().filter(|(_, _, ok)| *ok).map(|(v, label, _)| view! {
                            <label><input type="radio" name="action" value=v required />{format!(" {label}")}</label>
                        }).collect_view()}
                        <p class="field-error">{err("action")}</p>
                    </fieldset>
                    <div class="field">
                        <label for="enforce-justification">"Justification"</label>
                        <textarea id="enforce-justification" name="justification" rows="3" required maxlength="4000"></textarea>
                        <p class="field-error">{err("justification")}</p>
                    </div>
                    <div class="form-actions"><button class="button danger" type="submit">"Apply"</button></div>
                </ActionForm>
            </section>
        }})}
        {(!l.can_enforce).then(|| view! { <p class="muted">"Enforcement needs the admin or trust & safety role."</p> })}
        <section class="section" aria-labelledby="reports-h">
            <h2 id="reports-h">"Abuse reports"</h2>
            {if l.reports.is_empty() {
                view! { <p class="muted" id="no-reports">"No reports."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="listing-reports">
                            <thead><tr><th scope="col">"Reason"</th><th scope="col">"What happened"</th><th scope="col">"Source"</th><th scope="col">"Evidence"</th><th scope="col">"Status"</th><th scope="col">"When"</th></tr></thead>
                            <tbody>
                                {l.reports.into_iter().map(|r| view! {
                                    <tr data-report=r.id.clone()>
                                        <td>{r.reason}</td>
                                        <td>{r.details}</td>
                                        <td>{r.source}{r.install_id.map(|i| view! { <br /><small class="muted">{format!("install {i}")}</small> })}</td>
                                        <td>{r.evidence.map(|d| view! { <code title=d.clone()>{format!("{}…", d.chars().take(19).collect::<String>())}</code> })}</td>
                                        <td>{r.status}</td>
                                        <td>{r.date}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="section" aria-labelledby="actions-h">
            <h2 id="actions-h">"Enforcement history"</h2>
            {if l.actions.is_empty() {
                view! { <p class="muted" id="no-actions">"No enforcement actions."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0">
                        <table class="data" id="actions">
                            <thead><tr><th scope="col">"Action"</th><th scope="col">"Justification"</th><th scope="col">"By"</th><th scope="col">"When"</th></tr></thead>
                            <tbody>
                                {l.actions.into_iter().map(|(a, j, by, at)| view! { <tr><td>{a}</td><td>{j}</td><td>{by}</td><td>{at}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The review on a publisher's version page: status, what reviewers said,
/// the answer form, the appeal form and the timeline.
///
/// Its resource and actions are made by the page, at its top level: a
/// resource created inside another `<Suspense>`'s content can leave the
/// server's stream waiting forever (leptos-rs/leptos#4851, #4866).
#[component]
pub fn ReviewPanel(
    org: String,
    listing: String,
    version: String,
    page: Resource<Result<PublisherReviewView, AppError>>,
    write: ServerAction<PublisherMessage>,
    appeal: ServerAction<AppealVersion>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the review…"</p> }>
            {move || {
                let (org, listing, version) = (org.clone(), listing.clone(), version.clone());
                Suspend::new(async move {
                    match page.await {
                        Ok(r) if r.submitted => view! { <ReviewPanelBody r org listing version write appeal /> }.into_any(),
                        _ => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ReviewPanelBody(
    r: PublisherReviewView,
    org: String,
    listing: String,
    version: String,
    write: ServerAction<PublisherMessage>,
    appeal: ServerAction<AppealVersion>,
) -> impl IntoView {
    let hidden = move || {
        view! {
            <input type="hidden" name="org" value=org.clone() />
            <input type="hidden" name="listing" value=listing.clone() />
            <input type="hidden" name="version" value=version.clone() />
        }
    };
    let status = if r.screening_pending {
        "Steward is screening this version; it goes to reviewers as soon as that finishes."
            .to_owned()
    } else {
        match r.state.as_str() {
            "in_review" => format!(
                "In review by {}{}: {} of {} approvals.",
                r.teams.join(", "),
                if r.appeal { " (appeal, decided by different reviewers)" } else { "" },
                r.approvals,
                r.approvals_needed
            ),
            "changes_requested" => "Reviewers asked for changes (see their message below). Edit this version, then submit it again.".into(),
            "rejected" => "Rejected. You can appeal: a different reviewer decides the appeal.".into(),
            "published" => "Approved and published in the catalog.".into(),
            "suspended" => "Suspended by the marketplace: it is out of the catalog (see the enforcement note).".into(),
            "delisted" => "Delisted by the marketplace.".into(),
            _ => r.state_label.clone(),
        }
    };
    view! {
        <section class="section" aria-labelledby="review-h" id="review-panel">
            <h2 id="review-h">"Review"</h2>
            <div class="alert info" role="status" id="review-status">{status}</div>
            {(!r.enforcement.is_empty()).then(|| view! {
                <div class="alert warning" role="status" id="enforcement-note">
                    <ul>{r.enforcement.iter().cloned().map(|(a, j, at)| view! { <li><strong>{a}</strong>{format!(" on {at}: {j}")}</li> }).collect_view()}</ul>
                </div>
            })}
            <h3>"Messages"</h3>
            {thread(r.messages.clone())}
            <FormError value=write.value() />
            {r.can_write.then(|| { let hidden = hidden.clone(); view! {
                <ActionForm action=write attr:class="form" attr:id="publisher-message-form">
                    {hidden()}
                    <div class="field">
                        <label for="publisher-message">"Answer the reviewers"</label>
                        <textarea id="publisher-message" name="body" rows="2" required maxlength="4000"></textarea>
                    </div>
                    <div class="form-actions"><button class="button" type="submit">"Send"</button></div>
                </ActionForm>
            }})}
            {r.can_appeal.then(|| { let hidden = hidden.clone(); view! {
                <h3>"Appeal"</h3>
                <FormError value=appeal.value() />
                <ActionForm action=appeal attr:class="form" attr:id="appeal-form">
                    {hidden()}
                    <div class="field">
                        <label for="appeal-reason">"Why the rejection should be reconsidered"</label>
                        <textarea id="appeal-reason" name="reason" rows="3" required maxlength="4000"></textarea>
                    </div>
                    <div class="form-actions"><button class="button primary" type="submit">"Appeal"</button></div>
                </ActionForm>
            }})}
            <h3>"Decisions"</h3>
            {decisions_table(r.decisions.clone())}
            <details>
                <summary>"Timeline"</summary>
                {history_table("timeline", r.timeline.clone())}
            </details>
        </section>
    }
}
