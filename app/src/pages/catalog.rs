//! The public catalog: full-text search with filters (category, risk tier,
//! capability, verified publisher, pricing), sort and pages. A plain GET form,
//! so every search is a link and the page works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::ErrorNotice;
use crate::AppError;
use crate::api::search_catalog;
use crate::dto::{CatalogCard, CatalogFilter, CatalogResults};

const RISKS: &[(&str, &str)] = &[
    ("low", "Low only"),
    ("medium", "Medium or lower"),
    ("high", "High or lower"),
    ("critical", "Any tier, critical included"),
];

const PRICING: &[(&str, &str)] = &[
    ("free", "Free"),
    ("paid", "Paid"),
    ("flat", "Flat subscription"),
    ("per_seat", "Per seat"),
    ("usage", "Usage-based"),
];

const SORTS: &[(&str, &str)] = &[
    ("relevance", "Best match"),
    ("newest", "Newest"),
    ("name", "Name (A–Z)"),
];

/// `read_data` → "Read data".
fn capability_label(c: &str) -> String {
    let words = c.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn capabilities() -> Vec<(String, String)> {
    classifier::Capability::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), capability_label(c.as_str())))
        .collect()
}

fn categories() -> Vec<(String, String)> {
    domain::listing::CATEGORIES
        .iter()
        .map(|(s, l)| ((*s).to_owned(), (*l).to_owned()))
        .collect()
}

fn statics(options: &[(&str, &str)]) -> Vec<(String, String)> {
    options
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}

#[component]
pub fn Catalog() -> impl IntoView {
    let params = use_query_map();
    let filter = move || {
        let m = params.read();
        let get = |k: &str| m.get(k).unwrap_or_default();
        CatalogFilter {
            q: get("q"),
            category: get("category"),
            risk: get("risk"),
            capability: get("capability"),
            without: get("without"),
            verified: get("verified"),
            pricing: get("pricing"),
            sort: get("sort"),
            page: get("page"),
        }
    };
    let results = Resource::new(filter, search_catalog);

    view! {
        <Title text="Catalog" />
        <header class="page-header">
            <h1>"Catalog"</h1>
            <p class="lede">"Published agents, each with the tools it exposes and what its publisher declared about them."</p>
        </header>
        <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
            {move || Suspend::new(async move {
                let f = filter();
                match results.await {
                    Ok(r) => view! {
                        <SearchForm filter=f.clone() error=None />
                        <Results filter=f results=r />
                    }
                    .into_any(),
                    Err(e @ AppError::Invalid { .. }) => view! {
                        <SearchForm filter=f error=Some(e.clone()) />
                        <div class="alert error" role="alert">"Some filters are not valid: see the messages above, or "<a href="/catalog">"clear them"</a>"."</div>
                    }
                    .into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn select(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(String, String)>,
    selected: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name aria-invalid=error.is_some().then_some("true") aria-describedby=error_id.clone()>
                <option value="" selected=selected.is_empty()>{any}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field-error" id=error_id>{error}</p>
        </div>
    }
}

#[component]
fn SearchForm(filter: CatalogFilter, error: Option<AppError>) -> impl IntoView {
    let err = move |name: &str| error.as_ref().and_then(|e| e.field(name));
    let q_error = err("q");
    let (category_error, risk_error, capability_error, without_error) = (
        err("category"),
        err("risk"),
        err("capability"),
        err("without"),
    );
    let (pricing_error, sort_error, verified_error, page_error) =
        (err("pricing"), err("sort"), err("verified"), err("page"));
    let verified = matches!(filter.verified.as_str(), "true" | "on" | "1");
    view! {
        <Form method="GET" action="/catalog" attr:class="catalog-search" attr:role="search" attr:id="catalog-search">
            <div class="search-bar">
                <label class="visually-hidden" for="catalog-q">"Search the catalog"</label>
                <input
                    id="catalog-q"
                    type="search"
                    name="q"
                    placeholder="Search by name, publisher, purpose or tool"
                    value=filter.q.clone()
                    maxlength="200"
                    aria-invalid=q_error.is_some().then_some("true")
                />
                <button class="button primary" type="submit">"Search"</button>
            </div>
            <p class="field-error" id="catalog-q-error">{q_error.clone()}</p>
            <div class="filters" id="catalog-filters">
                {select("catalog-category", "category", "Category", "All categories", categories(), filter.category.clone(), category_error)}
                {select("catalog-risk", "risk", "Risk tier", "Any risk", statics(RISKS), filter.risk.clone(), risk_error)}
                {select("catalog-capability", "capability", "Can", "Any capability", capabilities(), filter.capability.clone(), capability_error)}
                {select("catalog-without", "without", "Cannot", "No exclusion", capabilities(), filter.without.clone(), without_error)}
                {select("catalog-pricing", "pricing", "Pricing", "Any pricing", statics(PRICING), filter.pricing.clone(), pricing_error)}
                {select("catalog-sort", "sort", "Sort by", "Default order", statics(SORTS), filter.sort.clone(), sort_error)}
                <div class="field">
                    <label><input type="checkbox" id="catalog-verified" name="verified" value="true" checked=verified />" Verified publishers only"</label>
                    <p class="field-error">{verified_error}</p>
                </div>
                <p class="field-error" id="catalog-page-error">{page_error}</p>
            </div>
        </Form>
    }
}

/// What the active filters are, in words, each with a link that drops it.
fn active_filters(f: &CatalogFilter) -> Vec<(String, String)> {
    let label_of = |options: Vec<(String, String)>, v: &str| {
        options
            .into_iter()
            .find(|(k, _)| k == v)
            .map_or_else(|| v.to_owned(), |(_, l)| l)
    };
    f.pairs()
        .into_iter()
        .filter(|(k, _)| *k != "sort")
        .map(|(k, v)| {
            let text = match k {
                "q" => format!("text “{v}”"),
                "category" => format!("category {}", label_of(categories(), v)),
                "risk" => format!("risk {}", label_of(statics(RISKS), v).to_lowercase()),
                "capability" => format!("can {}", capability_label(v).to_lowercase()),
                "without" => format!("cannot {}", capability_label(v).to_lowercase()),
                "verified" => "verified publishers only".to_owned(),
                "pricing" => format!("pricing {}", label_of(statics(PRICING), v).to_lowercase()),
                _ => format!("{k} {v}"),
            };
            (text, f.without_field(k).href(1))
        })
        .collect()
}

#[component]
fn Results(filter: CatalogFilter, results: CatalogResults) -> impl IntoView {
    let r = results;
    if r.cards.is_empty() {
        let active = active_filters(&filter);
        let beyond = r.page > 1 && r.total > 0;
        return view! {
            <p class="muted" id="result-count" aria-live="polite">"0 listings"</p>
            <div class="empty-state" id="catalog-empty">
                <h2>"No listings match"</h2>
                {if beyond {
                    view! { <p>"This page is past the last result. "<a href=filter.href(1)>"Back to the first page"</a>"."</p> }.into_any()
                } else if active.is_empty() {
                    view! { <p>"Nothing is published yet."</p> }.into_any()
                } else {
                    view! {
                        <p>"Nothing matched all of these filters:"</p>
                        <ul class="active-filters">
                            {active.into_iter().map(|(text, href)| view! {
                                <li>{text}" · "<a href=href>"remove"</a></li>
                            }).collect_view()}
                        </ul>
                        <p><a class="button secondary" id="catalog-clear" href="/catalog">"Clear all filters"</a></p>
                    }
                    .into_any()
                }}
            </div>
        }
        .into_any();
    }
    let count = if r.total_capped {
        format!("{}+ listings", thousands(r.total))
    } else {
        format!(
            "{} listing{}",
            thousands(r.total),
            if r.total == 1 { "" } else { "s" }
        )
    };
    let page_note = (r.page > 1 || r.has_next).then(|| format!(" · page {}", r.page));
    let best_match_asked = matches!(filter.sort.as_str(), "" | "relevance");
    let unranked = (!filter.q.trim().is_empty() && best_match_asked && !r.ranked).then(|| {
        view! {
            <p class="muted" id="catalog-unranked">
                "More than 1,000 listings have these words, so they are shown newest first. Add words or a filter to sort by best match."
            </p>
        }
    });
    let last_page = r.more_past_last_page.then(|| {
        let shown = thousands(u64::from(r.page) * u64::from(r.page_size));
        view! {
            <p class="muted" id="catalog-last-page">
                {format!("This is the last page: a search shows its first {shown} listings. Add words or a filter to find the others.")}
            </p>
        }
    });
    view! {
        <p class="muted" id="result-count" aria-live="polite">{count}<span>{page_note}</span></p>
        {unranked}
        <div class="grid" id="catalog-results">
            {r.cards.into_iter().map(|c| view! { <Card card=c /> }).collect_view()}
        </div>
        {last_page}
        <Pages filter=filter page=r.page page_size=r.page_size total=r.total capped=r.total_capped has_next=r.has_next />
    }
    .into_any()
}

/// 1234 → "1,234".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Previous, numbered and next links. Page numbers run to the last page the
/// (capped) count knows of; past the cap, "next" goes on.
#[component]
fn Pages(
    filter: CatalogFilter,
    page: u32,
    page_size: u32,
    total: u64,
    capped: bool,
    has_next: bool,
) -> impl IntoView {
    let known_last = (total.div_ceil(u64::from(page_size.max(1))) as u32).max(page);
    if page == 1 && !has_next {
        return ().into_any();
    }
    // First, last known, and two either side of the current page.
    let mut numbers: Vec<u32> = (1..=known_last)
        .filter(|n| *n == 1 || *n == known_last || n.abs_diff(page) <= 2)
        .collect();
    numbers.dedup();
    let mut items = Vec::new();
    let mut prev_n = 0;
    for n in numbers {
        if n > prev_n + 1 {
            items.push(view! { <span class="gap" aria-hidden="true">"…"</span> }.into_any());
        }
        prev_n = n;
        if n == page {
            items.push(
                view! { <span class="current" aria-current="page">{n.to_string()}</span> }
                    .into_any(),
            );
        } else {
            let href = filter.href(n);
            let label = format!("Page {n}");
            items.push(view! { <a href=href aria-label=label>{n.to_string()}</a> }.into_any());
        }
    }
    if capped && has_next {
        items.push(view! { <span class="gap" aria-hidden="true">"…"</span> }.into_any());
    }
    let prev = (page > 1).then(|| {
        let href = filter.href(page - 1);
        view! { <a href=href rel="prev" id="catalog-prev">"← Previous"</a> }
    });
    let next = has_next.then(|| {
        let href = filter.href(page + 1);
        view! { <a href=href rel="next" id="catalog-next">"Next →"</a> }
    });
    view! {
        <nav class="pagination" aria-label="Catalog pages" id="catalog-pages">
            {prev}
            {items}
            {next}
        </nav>
    }
    .into_any()
}

#[component]
fn Card(card: CatalogCard) -> impl IntoView {
    let href = format!("/listings/{}", card.slug);
    let tools = format!(
        "{} tool{}",
        card.tool_count,
        if card.tool_count == 1 { "" } else { "s" }
    );
    let risk_label = match card.risk.as_str() {
        "low" => "Low risk",
        "medium" => "Medium risk",
        "high" => "High risk",
        "critical" => "Critical risk",
        _ => "Risk unknown",
    };
    let risk_class = format!("badge risk-{}", card.risk);
    let pricing = card.pricing.join(" · ");
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
                <span class=risk_class title="The highest risk tier among its tools, as Steward's screening read them">{risk_label}</span>
                <span class="chip pricing">{pricing}</span>
                <span class="tag">{card.category_label}</span>
                <span class="chip">{tools}</span>
                <span class="muted"><small>{format!("v{} · {}", card.version, card.published)}</small></span>
            </div>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn links_keep_the_filters_and_drop_one() {
        let f = CatalogFilter {
            q: "web fetch".into(),
            risk: "medium".into(),
            page: "3".into(),
            ..Default::default()
        };
        assert_eq!(f.href(1), "/catalog?q=web%20fetch&risk=medium");
        assert_eq!(f.href(2), "/catalog?q=web%20fetch&risk=medium&page=2");
        assert_eq!(f.without_field("risk").href(1), "/catalog?q=web%20fetch");
        let active = active_filters(&f);
        assert_eq!(active.len(), 2);
        assert_eq!(active[1].0, "risk medium or lower");
    }
}
