//! Reads: the public catalog and what the listing page shows.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use domain::listing::VersionState;
use domain::org::OrgKind;

use crate::entities::*;
use crate::records::*;
use crate::{Result, RowScope, Store, StoreError};

pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

pub(crate) fn org_from(m: organization::Model) -> Result<Org> {
    Ok(Org {
        id: parse_id(&m.id)?,
        kind: OrgKind::parse(&m.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("bad org kind {:?}", m.kind)))?,
        slug: m.slug,
        name: m.name,
        verified_domain: m.verified_domain,
        created_at: m.created_at,
        verification_lapsed_at: m.verification_lapsed_at,
    })
}

pub(crate) fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn listing_from(m: listing::Model) -> Result<Listing> {
    Ok(Listing {
        id: parse_id(&m.id)?,
        org_id: parse_id(&m.org_id)?,
        slug: m.slug,
        name: m.name,
        category: m.category,
        summary: m.summary,
        description: m.description,
        homepage: m.homepage,
        support_contact: m.support_contact,
        privacy_url: m.privacy_url,
        data_use: m.data_use,
        capabilities: json_list(&m.capabilities),
        egress: json_list(&m.egress),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn version_from(m: listing_version::Model) -> Result<Version> {
    Ok(Version {
        id: parse_id(&m.id)?,
        listing_id: parse_id(&m.listing_id)?,
        org_id: parse_id(&m.org_id)?,
        state: VersionState::parse(&m.state)
            .ok_or_else(|| StoreError::Corrupt(format!("bad state {:?}", m.state)))?,
        version: m.version,
        manifest_digest: m.manifest_digest,
        manifest_format: m.manifest_format,
        created_at: m.created_at,
        submitted_at: m.submitted_at,
        published_at: m.published_at,
        manifest: serde_json::from_str(&m.manifest)
            .map_err(|e| StoreError::Corrupt(format!("manifest of version {}: {e}", m.id)))?,
        declared: serde_json::from_str(&m.declared).unwrap_or_default(),
        screening: match (m.ruleset, m.risk) {
            (Some(ruleset), Some(risk)) => Some(crate::records::Screening {
                ruleset,
                risk,
                report: serde_json::from_str(&m.screening).map_err(|e| {
                    StoreError::Corrupt(format!("screening of version {}: {e}", m.id))
                })?,
            }),
            _ => None,
        },
    })
}

#[derive(FromQueryResult)]
struct ToolCount {
    version_id: String,
    n: i64,
}

impl Store {
    pub async fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        organization::Entity::find()
            .filter(organization::Column::Slug.eq(slug))
            .one(&self.db)
            .await?
            .map(org_from)
            .transpose()
    }

    /// Every organization, by name (names, kinds and slugs are not private).
    pub async fn all_orgs(&self) -> Result<Vec<Org>> {
        organization::Entity::find()
            .order_by_asc(organization::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(org_from)
            .collect()
    }

    pub async fn org_by_id(&self, id: domain::OrgId) -> Result<Option<Org>> {
        organization::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .map(org_from)
            .transpose()
    }

    pub async fn listing_by_slug(&self, slug: &str) -> Result<Option<Listing>> {
        let tx = self.read_tx(RowScope::Public).await?;
        listing::Entity::find()
            .filter(listing::Column::Slug.eq(slug))
            .one(&tx)
            .await?
            .map(listing_from)
            .transpose()
    }

    /// A listing the public may see, by id.
    pub async fn listing_by_id(&self, id: domain::ListingId) -> Result<Option<Listing>> {
        let tx = self.read_tx(RowScope::Public).await?;
        listing::Entity::find_by_id(id.to_string())
            .one(&tx)
            .await?
            .map(listing_from)
            .transpose()
    }

    /// Every version of a listing, newest first.
    pub async fn versions_of(&self, listing: domain::ListingId) -> Result<Vec<Version>> {
        let tx = self.read_tx(RowScope::Public).await?;
        listing_version::Entity::find()
            .filter(listing_version::Column::ListingId.eq(listing.to_string()))
            .order_by_desc(listing_version::Column::CreatedAt)
            .order_by_desc(listing_version::Column::Id)
            .all(&tx)
            .await?
            .into_iter()
            .map(version_from)
            .collect()
    }

    pub async fn tools_of(&self, version: domain::VersionId) -> Result<Vec<ToolRow>> {
        let tx = self.read_tx(RowScope::Public).await?;
        Ok(tool::Entity::find()
            .filter(tool::Column::VersionId.eq(version.to_string()))
            .order_by_asc(tool::Column::Position)
            .all(&tx)
            .await?
            .into_iter()
            .map(|t| ToolRow {
                annotations: serde_json::from_str(&t.annotations).unwrap_or_default(),
                name: t.name,
                title: t.title,
                description: t.description,
            })
            .collect())
    }

    /// Every published listing with its latest published version, most
    /// recently published first; at most `limit` (the screening's impersonation
    /// check compares a new listing with these). The catalog page searches with
    /// [`Store::search_catalog`].
    pub async fn published_listings(&self, limit: usize) -> Result<Vec<CatalogEntry>> {
        let tx = self.read_tx(RowScope::Public).await?;
        let listings: HashMap<String, listing::Model> = listing::Entity::find()
            .all(&tx)
            .await?
            .into_iter()
            .map(|l| (l.id.clone(), l))
            .collect();
        if listings.is_empty() {
            return Ok(Vec::new());
        }
        let versions = listing_version::Entity::find()
            .filter(listing_version::Column::State.eq(VersionState::Published.as_str()))
            .filter(listing_version::Column::ListingId.is_in(listings.keys().cloned()))
            .order_by_desc(listing_version::Column::PublishedAt)
            .order_by_desc(listing_version::Column::Id)
            .all(&tx)
            .await?;
        let mut seen = std::collections::HashSet::new();
        let live: Vec<_> = versions
            .into_iter()
            .filter(|v| seen.insert(v.listing_id.clone()))
            .take(limit)
            .collect();

        let org_ids: Vec<String> = live
            .iter()
            .filter_map(|v| listings.get(&v.listing_id).map(|l| l.org_id.clone()))
            .collect();
        let orgs: HashMap<String, organization::Model> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(org_ids))
            .all(&tx)
            .await?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        let counts: HashMap<String, i64> = tool::Entity::find()
            .select_only()
            .column(tool::Column::VersionId)
            .column_as(tool::Column::Id.count(), "n")
            .filter(tool::Column::VersionId.is_in(live.iter().map(|v| v.id.clone())))
            .group_by(tool::Column::VersionId)
            .into_model::<ToolCount>()
            .all(&tx)
            .await?
            .into_iter()
            .map(|c| (c.version_id, c.n))
            .collect();

        let mut out = Vec::with_capacity(live.len());
        for v in live {
            let Some(l) = listings.get(&v.listing_id) else {
                continue;
            };
            let Some(o) = orgs.get(&l.org_id) else {
                return Err(StoreError::Corrupt(format!(
                    "listing {} has no publisher",
                    l.id
                )));
            };
            out.push(CatalogEntry {
                listing_id: parse_id(&l.id)?,
                slug: l.slug.clone(),
                name: l.name.clone(),
                category: l.category.clone(),
                summary: l.summary.clone(),
                publisher_slug: o.slug.clone(),
                publisher_name: o.name.clone(),
                publisher_verified: o.verified_domain.is_some(),
                publisher_verification_lapsed: o.verification_lapsed_at.is_some(),
                version_id: parse_id(&v.id)?,
                tool_count: counts.get(&v.id).copied().unwrap_or(0) as u64,
                version: v.version,
                published_at: v.published_at.unwrap_or(v.created_at),
            });
        }
        Ok(out)
    }

    pub async fn report_by_id(&self, id: domain::ReportId) -> Result<Option<Report>> {
        let tx = self.read_tx(RowScope::System).await?;
        abuse_report::Entity::find_by_id(id.to_string())
            .one(&tx)
            .await?
            .map(crate::reports::report_from)
            .transpose()
    }

    /// Outbox events about one subject, oldest first.
    pub async fn outbox_for_subject(
        &self,
        subject_id: &str,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        Ok(outbox_event::Entity::find()
            .filter(outbox_event::Column::SubjectId.eq(subject_id))
            .order_by_asc(outbox_event::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| {
                let payload = serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
                (e.event_type, payload)
            })
            .collect())
    }

    pub async fn counts(&self) -> Result<Counts> {
        let tx = self.read_tx(RowScope::System).await?;
        Ok(Counts {
            organizations: organization::Entity::find().count(&tx).await?,
            listings: listing::Entity::find().count(&tx).await?,
            versions: listing_version::Entity::find().count(&tx).await?,
            reports: abuse_report::Entity::find().count(&tx).await?,
            audit_entries: audit_entry::Entity::find().count(&tx).await?,
            outbox_events: outbox_event::Entity::find().count(&tx).await?,
        })
    }
}
