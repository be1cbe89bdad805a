use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::ErrorNotice;
use crate::api::search_catalog;
use crate::dto::CatalogCard;

#[component]
pub fn Catalog() -> impl IntoView {
    let query = use_query_map();
    let text = move || query.read().get("q").unwrap_or_default();
    let category = move || query.read().get("category").unwrap_or_default();
    let results = Resource::new(
        move || (text(), category()),
        |(q, c)| {
            search_catalog(
                (!q.trim().is_empty()).then_some(q),
                (!c.is_empty()).then_some(c),
            )
        },
    );

    view! {
        <Title text="Catalog" />
        <header class="page-header">
            <h1>"Catalog"</h1>
            <p class="lede">"Published agents, each with the tools it exposes and what its publisher declared about them."</p>
        </header>
        <Form method="GET" action="/catalog" attr:class="search-bar" attr:role="search">
            <label class="visually-hidden" for="catalog-q">"Search the catalog"</label>
            <input
                id="catalog-q"
                type="search"
                name="q"
                placeholder="Search by name, publisher or purpose"
                prop:value=text
                maxlength="200"
            />
            <label class="visually-hidden" for="catalog-category">"Category"</label>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let categories = results.await.map(|r| r.categories).unwrap_or_default();
                    let selected = category();
                    view! {
                        <select id="catalog-category" name="category">
                            <option value="" selected=selected.is_empty()>"All categories"</option>
                            {categories
                                .into_iter()
                                .map(|(slug, label)| {
                                    let is_selected = slug == selected;
                                    view! { <option value=slug selected=is_selected>{label}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
            </Suspense>
            <button class="button primary" type="submit">"Search"</button>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(r) if r.cards.is_empty() => view! {
                        <div class="empty-state">
                            <h2>"No listings match"</h2>
                            <p>"Try other words, or "<a href="/catalog">"clear the search"</a>"."</p>
                        </div>
                    }
                    .into_any(),
                    Ok(r) => {
                        let n = r.cards.len();
                        view! {
                            <p class="muted" id="result-count" aria-live="polite">
                                {format!("{n} listing{}", if n == 1 { "" } else { "s" })}
                            </p>
                            <div class="grid" id="catalog-results">
                                {r.cards.into_iter().map(|c| view! { <Card card=c /> }).collect_view()}
                            </div>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Card(card: CatalogCard) -> impl IntoView {
    let href = format!("/listings/{}", card.slug);
    let tools = format!(
        "{} tool{}",
        card.tool_count,
        if card.tool_count == 1 { "" } else { "s" }
    );
    view! {
        <article class="listing-card">
            <h3><a href=href>{card.name}</a></h3>
            <p class="publisher">
                "by "{card.publisher}
                {card.publisher_verified.then(|| view! { " " <span class="badge risk-low" title="The publisher proved control of its domain">"verified"</span> })}
                {card.publisher_lapsed.then(|| view! { " " <span class="badge risk-high" title="The publisher's domain proof stopped checking out">"verification lapsed"</span> })}
            </p>
            <p class="summary">{card.summary}</p>
            <div class="meta row">
                <span class="tag">{card.category_label}</span>
                <span class="chip">{tools}</span>
                <span class="muted"><small>{format!("v{} · {}", card.version, card.published)}</small></span>
            </div>
        </article>
    }
}
