//! Server functions: the browser's API. Each is public HTTP: it names the actor,
//! calls one service function, and maps the result to a DTO.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::AppError;
    pub use services::{Actor, Services, domain, format_date};

    pub fn services() -> Result<Services, AppError> {
        leptos::prelude::use_context::<Services>().ok_or_else(|| {
            tracing::error!("Services missing from the request context");
            AppError::Internal {
                correlation_id: "no-context".into(),
            }
        })
    }

    /// A version diff in short, as the listing history and upgrade screen show it.
    pub fn version_changes(
        since: String,
        d: &domain::diff::VersionDiff,
    ) -> crate::dto::VersionChanges {
        let named = |t: &domain::diff::ToolSummary| {
            if t.hints.is_empty() {
                t.name.clone()
            } else {
                format!("{} ({})", t.name, t.hints.join(", "))
            }
        };
        let empty = d.tools_added.is_empty()
            && d.tools_removed.is_empty()
            && d.tools_changed.is_empty()
            && d.capabilities_added.is_empty()
            && d.capabilities_removed.is_empty()
            && d.scopes_added.is_empty()
            && d.scopes_removed.is_empty();
        crate::dto::VersionChanges {
            since,
            tools_added: d.tools_added.iter().map(named).collect(),
            tools_removed: d.tools_removed.iter().map(named).collect(),
            tools_changed: d.tools_changed.iter().map(|c| c.name.clone()).collect(),
            capabilities_added: d.capabilities_added.clone(),
            capabilities_removed: d.capabilities_removed.clone(),
            scopes_added: d.scopes_added.clone(),
            scopes_removed: d.scopes_removed.clone(),
            widens: d.widens_access(),
            empty,
        }
    }

    pub fn category_label(slug: &str) -> String {
        domain::listing::category_label(slug)
            .unwrap_or(slug)
            .to_owned()
    }
}

/// Public: one page of the catalog for a search (text, filters, sort, page).
#[server(endpoint = "catalog")]
pub async fn search_catalog(filter: CatalogFilter) -> Result<CatalogResults, AppError> {
    use ssr::*;
    let given = |s: String| (!s.trim().is_empty()).then_some(s);
    let params = services::CatalogParams {
        q: given(filter.q),
        category: given(filter.category),
        risk: given(filter.risk),
        capability: given(filter.capability),
        without: given(filter.without),
        verified: given(filter.verified),
        pricing: given(filter.pricing),
        sort: given(filter.sort),
        page: given(filter.page),
    };
    let page = services()?.search_catalog(&params).await?;
    Ok(CatalogResults {
        cards: page
            .hits
            .into_iter()
            .map(|e| CatalogCard {
                category_label: category_label(&e.category),
                slug: e.slug,
                name: e.name,
                summary: e.summary,
                category: e.category,
                publisher: e.publisher_name,
                publisher_verified: e.publisher_verified,
                publisher_lapsed: e.publisher_verification_lapsed,
                version: e.version,
                tool_count: e.tool_count,
                published: format_date(e.published_at),
                risk: e.risk,
                pricing: e
                    .pricing
                    .iter()
                    .map(|k| {
                        domain::pricing::PlanKind::parse(k)
                            .map_or_else(|| k.clone(), |k| k.label().to_owned())
                    })
                    .collect(),
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
        page: page.page,
        page_size: page.page_size,
        has_next: page.has_next,
        more_past_last_page: page.more_past_last_page,
        ranked: page.ranked,
    })
}

/// Public: one published listing.
#[server(endpoint = "listing")]
pub async fn get_listing(slug: String) -> Result<ListingView, AppError> {
    use ssr::*;
    let page = services()?.listing_page(&slug).await?;
    Ok(ListingView {
        new_since: page.new_since.map(|(v, items)| {
            (
                v,
                items.into_iter().map(crate::portal::label_item).collect(),
            )
        }),
        screening: page
            .screening
            .as_ref()
            .and_then(crate::portal::ssr::screening_view)
            .map(|(v, _)| v),
        slug: page.listing.slug,
        name: page.listing.name,
        summary: page.listing.summary,
        description: page.listing.description,
        category_label: category_label(&page.listing.category),
        publisher: page.publisher.name,
        publisher_lapsed: page.publisher.verification_lapsed_at.is_some(),
        publisher_verified_domain: page.publisher.verified_domain,
        version: page.live.version,
        published: page.live.published_at.map(format_date).unwrap_or_default(),
        manifest_digest: page.live.manifest_digest,
        tools: page
            .tools
            .into_iter()
            .map(|t| ToolItem {
                name: t.name,
                title: t.title,
                description: t.description,
                declared: t.declared.into_iter().map(str::to_owned).collect(),
            })
            .collect(),
        history: page
            .history
            .into_iter()
            .map(|v| VersionItem {
                version: v.version,
                state: v.state.as_str().to_owned(),
                state_label: v.state.label().to_owned(),
                published: v.published_at.map(format_date).unwrap_or_default(),
                changes: v.changes.map(|(since, d)| version_changes(since, &d)),
            })
            .collect(),
        rating_average: page.rating_average.map(|(a, _)| format!("{a:.1}")),
        rating_count: page.ratings.len(),
        reviews: page
            .ratings
            .into_iter()
            .map(|r| ReviewItem {
                stars: r.rating,
                review: r.review,
                date: format_date(r.updated_at),
            })
            .collect(),
        report_reasons: domain::report::ReasonCode::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
    })
}

/// Public: anyone may report a published listing to trust and safety.
#[server(endpoint = "report")]
pub async fn file_report(
    slug: String,
    reason: String,
    details: String,
    contact: Option<String>,
) -> Result<ReportReceipt, AppError> {
    use ssr::*;
    let filed = services()?
        .file_report(
            &Actor::Anonymous,
            &slug,
            &reason,
            &details,
            contact.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(ReportReceipt {
        reference: filed.id.to_string(),
    })
}
