use domain::listing::VersionState;
use domain::pricing::PlanKind;
use store::records::{CatalogPage, CatalogQuery, CatalogSort, Listing, Org};

use crate::{Result, ServiceError, Services};

/// The public listing page.
#[derive(Clone, Debug)]
pub struct ListingPage {
    pub listing: Listing,
    pub publisher: Org,
    /// The latest published version: what a buyer would install.
    pub live: VersionSummary,
    /// Versions a buyer may see (published, suspended or delisted), newest
    /// first, each with what changed since the one published before it.
    pub history: Vec<VersionSummary>,
    /// Tenants' ratings, most recently written first (no tenant named).
    pub ratings: Vec<store::records::Rating>,
    /// The average rating (to one decimal) and how many there are.
    pub rating_average: Option<(f32, usize)>,
    pub tools: Vec<ToolView>,
    /// Automated screening of the live version (its disclosure label), if screened.
    pub screening: Option<store::records::Screening>,
    /// For buyers of the previous published version: what the live version's
    /// label adds or makes riskier, and that version's number.
    pub new_since: Option<(String, Vec<classifier::DisclosureItem>)>,
}

#[derive(Clone, Debug)]
pub struct VersionSummary {
    pub version: String,
    pub state: VersionState,
    pub published_at: Option<i64>,
    pub manifest_digest: Option<String>,
    /// What changed since the version published before this one (its
    /// number, and the diff), unless this is the first.
    pub changes: Option<(String, domain::diff::VersionDiff)>,
}

#[derive(Clone, Debug)]
pub struct ToolView {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    /// Plain words for the annotations the publisher declared.
    pub declared: Vec<&'static str>,
}

/// Results per catalog page.
pub const CATALOG_PAGE_SIZE: u32 = 24;
/// The last page one may ask for: as far as the count goes (the first
/// 1,000 matches and the rest of their page). Past that a person adds words
/// or filters; a search need not skip tens of thousands of matches in order
/// (BENCHMARKS.md: a common word by name, page 1000).
pub const CATALOG_MAX_PAGE: u32 = (CatalogPage::COUNT_CAP as u32).div_ceil(CATALOG_PAGE_SIZE);
/// The longest search text.
pub const CATALOG_MAX_TEXT: usize = 200;

/// A catalog search as a query string gives it (the page's GET form and
/// `GET /api/v1/listings` take the same names). Blank values are no filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogParams {
    pub q: Option<String>,
    pub category: Option<String>,
    /// The highest risk tier shown: `low`, `medium`, `high` or `critical`.
    pub risk: Option<String>,
    /// Only listings with this capability (e.g. `read_data`).
    pub capability: Option<String>,
    /// Only listings without this capability (e.g. `destructive`).
    pub without: Option<String>,
    /// `true`/`on`/`1`: only verified publishers.
    pub verified: Option<String>,
    /// `free`, `paid`, or a plan kind: `flat`, `per_seat`, `usage`.
    pub pricing: Option<String>,
    /// `relevance` (the default with text), `newest` (without), `name`.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<String>,
}

/// The pricing filter's values, with labels, in the order a form offers them.
pub const PRICING_FILTERS: &[(&str, &str)] = &[
    ("free", "Free"),
    ("paid", "Paid"),
    ("flat", "Flat subscription"),
    ("per_seat", "Per seat"),
    ("usage", "Usage-based"),
];

/// Reads and checks a search; every refused value is a field message (never
/// silently ignored).
pub fn catalog_query(p: &CatalogParams) -> Result<CatalogQuery> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, message: String| errors.push((field.to_owned(), message));
    let text = given(&p.q).map(str::to_owned);
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > CATALOG_MAX_TEXT)
    {
        bad("q", format!("Use at most {CATALOG_MAX_TEXT} characters."));
    }
    let category = given(&p.category).map(str::to_owned);
    if let Some(c) = &category
        && domain::listing::category_label(c).is_none()
    {
        bad("category", "Choose one of the listed categories.".into());
    }
    let max_risk = given(&p.risk).map(str::to_owned);
    if let Some(r) = &max_risk
        && !store::RISK_TIERS.contains(&r.as_str())
    {
        bad("risk", "Choose low, medium, high or critical.".into());
    }
    let capability = given(&p.capability).map(str::to_owned);
    if let Some(c) = &capability
        && classifier::Capability::parse(c).is_none()
    {
        bad(
            "capability",
            "Choose one of the listed capabilities.".into(),
        );
    }
    let without_capability = given(&p.without).map(str::to_owned);
    if let Some(c) = &without_capability
        && classifier::Capability::parse(c).is_none()
    {
        bad("without", "Choose one of the listed capabilities.".into());
    }
    let verified_only = match given(&p.verified) {
        None | Some("false" | "0" | "off") => false,
        Some("true" | "1" | "on") => true,
        Some(_) => {
            bad("verified", "Use true or false.".into());
            false
        }
    };
    let pricing = given(&p.pricing).map(str::to_owned);
    if let Some(v) = &pricing
        && !PRICING_FILTERS.iter().any(|(k, _)| k == v)
    {
        bad(
            "pricing",
            "Choose free, paid, flat, per_seat or usage.".into(),
        );
    }
    let sort = match given(&p.sort) {
        None => {
            if text.is_some() {
                CatalogSort::Relevance
            } else {
                CatalogSort::Newest
            }
        }
        Some("relevance") => CatalogSort::Relevance,
        Some("newest") => CatalogSort::Newest,
        Some("name") => CatalogSort::Name,
        Some(_) => {
            bad("sort", "Choose relevance, newest or name.".into());
            CatalogSort::Newest
        }
    };
    let page = match given(&p.page).map(str::parse::<u32>) {
        None => 1,
        Some(Ok(n)) if (1..=CATALOG_MAX_PAGE).contains(&n) => n,
        Some(_) => {
            bad(
                "page",
                format!("Use a page number from 1 to {CATALOG_MAX_PAGE}."),
            );
            1
        }
    };
    if !errors.is_empty() {
        return Err(ServiceError::InvalidFields(errors));
    }
    // Pricing names are plan kinds or `paid`; keep the store's names in step.
    debug_assert!(
        PlanKind::ALL
            .iter()
            .all(|k| PRICING_FILTERS.iter().any(|(v, _)| *v == k.as_str()))
    );
    Ok(CatalogQuery {
        text,
        category,
        max_risk,
        capability,
        without_capability,
        verified_only,
        pricing,
        sort,
        page,
        page_size: CATALOG_PAGE_SIZE,
    })
}

impl Services {
    /// Public: one page of published listings matching the search.
    pub async fn search_catalog(&self, p: &CatalogParams) -> Result<CatalogPage> {
        let q = catalog_query(p)?;
        let mut page = self.store.search_catalog(&q).await?;
        if page.page >= CATALOG_MAX_PAGE && page.has_next {
            page.has_next = false;
            page.more_past_last_page = true;
        }
        Ok(page)
    }

    /// Public: a listing with a published version. Listings that were never
    /// published are `NotFound`, as if they did not exist.
    pub async fn listing_page(&self, slug: &str) -> Result<ListingPage> {
        let listing = self
            .store
            .listing_by_slug(slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let versions = self.store.versions_of(listing.id).await?;
        let live = versions
            .iter()
            .filter(|v| v.state == VersionState::Published)
            .max_by_key(|v| v.published_at)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let publisher = self
            .store
            .org_by_id(listing.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let tools = self
            .store
            .tools_of(live.id)
            .await?
            .into_iter()
            .map(|t| {
                let tool = domain::manifest::Tool {
                    name: t.name,
                    title: t.title,
                    description: t.description,
                    input_schema: serde_json::Value::Null,
                    annotations: t.annotations,
                    scopes: Vec::new(),
                    operation: None,
                };
                ToolView {
                    declared: tool.declared_hints(),
                    name: tool.name,
                    title: tool.title,
                    description: tool.description,
                }
            })
            .collect();
        let summary = |v: &store::records::Version| VersionSummary {
            version: v.version.clone(),
            state: v.state,
            published_at: v.published_at,
            manifest_digest: v.manifest_digest.clone(),
            changes: None,
        };
        // Oldest first to diff each against the one before, then newest first.
        let mut shown: Vec<&store::records::Version> = versions
            .iter()
            .filter(|v| {
                matches!(
                    v.state,
                    VersionState::Published | VersionState::Suspended | VersionState::Delisted
                )
            })
            .collect();
        shown.sort_by_key(|v| (v.published_at, v.created_at));
        let mut history = Vec::with_capacity(shown.len());
        for (n, v) in shown.iter().enumerate() {
            let mut s = summary(v);
            if let Some(prev) = n.checked_sub(1).map(|p| shown[p]) {
                s.changes = Some((prev.version.clone(), self.diff_of(&listing, prev, v).await?));
            }
            history.push(s);
        }
        history.reverse();
        let ratings = self.store.ratings_of(listing.id).await?;
        let stars: Vec<u8> = ratings.iter().map(|r| r.rating).collect();
        Ok(ListingPage {
            history,
            rating_average: domain::rating::average(&stars),
            ratings,
            new_since: new_since(&versions, &live),
            live: summary(&live),
            screening: live.screening.clone(),
            listing,
            publisher,
            tools,
        })
    }
}

/// What the live version's label adds over the newest earlier version a buyer
/// may have installed (published, suspended or delisted), if both were screened.
fn new_since(
    versions: &[store::records::Version],
    live: &store::records::Version,
) -> Option<(String, Vec<classifier::DisclosureItem>)> {
    let label = |v: &store::records::Version| -> Option<classifier::Disclosure> {
        let r: classifier::Report =
            serde_json::from_value(v.screening.as_ref()?.report.clone()).ok()?;
        Some(r.disclosure)
    };
    let older = versions
        .iter()
        .filter(|v| v.id != live.id)
        .filter(|v| {
            matches!(
                v.state,
                VersionState::Published | VersionState::Suspended | VersionState::Delisted
            )
        })
        .filter(|v| v.published_at <= live.published_at)
        .max_by_key(|v| v.published_at)?;
    let changes = classifier::disclosure_changes(&label(older)?, &label(live)?);
    Some((older.version.clone(), changes))
}

/// SQLite: the catalog's full-text index is merged once it is in more
/// b-trees than this. Each write of it adds one (a publish makes about
/// three) and FTS5 merges them only in part; testing a listing against a
/// text reads every one (past 8 the tests cost twice as much, BENCHMARKS.md).
pub const CATALOG_INDEX_MAX_SEGMENTS: u64 = 8;
/// Index pages one merge step writes: a write of ~9 ms (p50; 100k listings,
/// a 186 MB index merged in ~340 steps, BENCHMARKS.md), so a publish waits
/// no longer than that.
const CATALOG_MERGE_PAGES: u32 = 64;
/// At most this many steps per upkeep pass (the next pass goes on).
const CATALOG_MERGE_STEPS: u32 = 4096;

impl Services {
    /// SQLite: merges the catalog's full-text index into one b-tree, in short
    /// steps with pauses between them, once it is in more than
    /// `max_segments`. Returns the steps taken (0: nothing to do, and always
    /// on PostgreSQL).
    pub async fn upkeep_catalog_index(&self, max_segments: u64) -> Result<u32> {
        let mut segments = self.store.catalog_index_segments().await?;
        if segments <= max_segments {
            return Ok(0);
        }
        let mut steps = 0;
        while segments > 1 && steps < CATALOG_MERGE_STEPS {
            segments = self.store.merge_catalog_index(CATALOG_MERGE_PAGES).await?;
            steps += 1;
            // Other writers go between the steps.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Ok(steps)
    }

    /// Starts the catalog index upkeep (`steward serve` on SQLite).
    pub fn spawn_catalog_index_upkeep(
        &self,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match services
                    .upkeep_catalog_index(CATALOG_INDEX_MAX_SEGMENTS)
                    .await
                {
                    Ok(0) => {}
                    Ok(steps) => tracing::info!(steps, "catalog search index merged"),
                    Err(e) => tracing::warn!(error = ?e, "catalog index upkeep failed; retrying"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    /// The store keeps a bit per capability in the catalog rows: its list is
    /// the classifier's, in the same order (a capability missing there would
    /// still filter, only through a slower lookup).
    #[test]
    fn the_store_has_a_bit_for_every_capability() {
        let classifier: Vec<&str> = classifier::Capability::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(
            store::CATALOG_CAPABILITIES.as_slice(),
            classifier.as_slice()
        );
    }
}
