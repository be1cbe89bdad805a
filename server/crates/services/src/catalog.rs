use domain::listing::VersionState;
use store::records::{CatalogEntry, CatalogQuery, Listing, Org};

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

pub const CATALOG_PAGE: usize = 60;

impl Services {
    /// Public: published listings matching the query.
    pub async fn search_catalog(&self, q: &CatalogQuery) -> Result<Vec<CatalogEntry>> {
        Ok(self.store.catalog(q, CATALOG_PAGE).await?)
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
