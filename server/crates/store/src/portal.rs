//! The publisher portal's reads and writes: an organization's own listings,
//! versions (drafts included), source documents and price plans. Everything
//! here goes through [`OrgReader`] / [`OrgWriter`], so it is scoped to the
//! organization in the query and, on PostgreSQL, by row-level security.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use domain::listing::VersionState;
use domain::manifest::{Manifest, ManifestFormat};
use domain::pricing::{BillingPeriod, PlanKind, PricePlan};
use domain::{ListingId, PlanId, VersionId};

use crate::catalog::{listing_from, parse_id, version_from};
use crate::entities::*;
use crate::records::{Declared, Listing, Version, VersionDocument};
use crate::write::json;
use crate::{OrgReader, OrgWriter, Result, RowScope, StoreError};

fn document_from(m: version_document::Model) -> Result<VersionDocument> {
    Ok(VersionDocument {
        id: parse_id(&m.id)?,
        version_id: parse_id(&m.version_id)?,
        org_id: parse_id(&m.org_id)?,
        format: ManifestFormat::parse(&m.format)
            .ok_or_else(|| StoreError::Corrupt(format!("bad format {:?}", m.format)))?,
        normalized: serde_json::from_str(&m.normalized)
            .map_err(|e| StoreError::Corrupt(format!("document {}: {e}", m.id)))?,
        digest: m.digest,
        media_type: m.media_type,
        size_bytes: m.size_bytes as u64,
        source_url: m.source_url,
        created_at: m.created_at,
    })
}

fn plan_from(m: price_plan::Model) -> Result<PricePlan> {
    Ok(PricePlan {
        kind: PlanKind::parse(&m.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("bad plan kind {:?}", m.kind)))?,
        period: m.period.as_deref().and_then(BillingPeriod::parse),
        name: m.name,
        currency: m.currency,
        amount_minor: m.amount_minor,
        meter: m.meter,
        trial_days: m.trial_days.max(0) as u32,
    })
}

impl OrgReader<'_> {
    /// The organization's listings, by name.
    pub async fn listings(&self) -> Result<Vec<Listing>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing::Entity::find()
            .filter(listing::Column::OrgId.eq(self.org.to_string()))
            .order_by_asc(listing::Column::Name)
            .all(&tx)
            .await?
            .into_iter()
            .map(listing_from)
            .collect()
    }

    /// One of the organization's listings, published or not.
    pub async fn listing(&self, slug: &str) -> Result<Option<Listing>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing::Entity::find()
            .filter(listing::Column::OrgId.eq(self.org.to_string()))
            .filter(listing::Column::Slug.eq(slug))
            .one(&tx)
            .await?
            .map(listing_from)
            .transpose()
    }

    /// Every version of one of the organization's listings, newest first.
    pub async fn versions(&self, listing: ListingId) -> Result<Vec<Version>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing_version::Entity::find()
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .filter(listing_version::Column::ListingId.eq(listing.to_string()))
            .order_by_desc(listing_version::Column::CreatedAt)
            .order_by_desc(listing_version::Column::Id)
            .all(&tx)
            .await?
            .into_iter()
            .map(version_from)
            .collect()
    }

    pub async fn version_by_id(&self, id: VersionId) -> Result<Option<Version>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing_version::Entity::find_by_id(id.to_string())
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?
            .map(version_from)
            .transpose()
    }

    pub async fn version(&self, listing: ListingId, version: &str) -> Result<Option<Version>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing_version::Entity::find()
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .filter(listing_version::Column::ListingId.eq(listing.to_string()))
            .filter(listing_version::Column::Version.eq(version))
            .one(&tx)
            .await?
            .map(version_from)
            .transpose()
    }

    /// The source documents of a version, oldest first.
    pub async fn documents(&self, version: VersionId) -> Result<Vec<VersionDocument>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        version_document::Entity::find()
            .filter(version_document::Column::OrgId.eq(self.org.to_string()))
            .filter(version_document::Column::VersionId.eq(version.to_string()))
            .order_by_asc(version_document::Column::CreatedAt)
            .order_by_asc(version_document::Column::Id)
            .all(&tx)
            .await?
            .into_iter()
            .map(document_from)
            .collect()
    }

    /// The price plans of a version, in the publisher's order.
    pub async fn plans(&self, version: VersionId) -> Result<Vec<PricePlan>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        price_plan::Entity::find()
            .filter(price_plan::Column::OrgId.eq(self.org.to_string()))
            .filter(price_plan::Column::VersionId.eq(version.to_string()))
            .order_by_asc(price_plan::Column::Position)
            .all(&tx)
            .await?
            .into_iter()
            .map(plan_from)
            .collect()
    }
}

impl OrgWriter<'_> {
    async fn scope(&self) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await
    }

    /// Rewrites a listing's editable fields (not its slug or owner).
    /// Writes a listing's fields if it still carries `seen_updated_at` (the
    /// time of the change its editor read); `Ok(false)` if someone changed it
    /// since.
    pub async fn update_listing(&self, l: &Listing, seen_updated_at: i64) -> Result<bool> {
        self.scope().await?;
        // The category is a decision fact (tenants may block categories).
        self.tx.authz_changed(crate::AuthzChange::Listing(l.id));
        let n = listing::Entity::update_many()
            .col_expr(listing::Column::Name, Expr::value(l.name.clone()))
            .col_expr(listing::Column::Category, Expr::value(l.category.clone()))
            .col_expr(listing::Column::Summary, Expr::value(l.summary.clone()))
            .col_expr(
                listing::Column::Description,
                Expr::value(l.description.clone()),
            )
            .col_expr(listing::Column::Homepage, Expr::value(l.homepage.clone()))
            .col_expr(
                listing::Column::SupportContact,
                Expr::value(l.support_contact.clone()),
            )
            .col_expr(
                listing::Column::PrivacyUrl,
                Expr::value(l.privacy_url.clone()),
            )
            .col_expr(listing::Column::DataUse, Expr::value(l.data_use.clone()))
            .col_expr(
                listing::Column::Capabilities,
                Expr::value(json(&l.capabilities)),
            )
            .col_expr(listing::Column::Egress, Expr::value(json(&l.egress)))
            .col_expr(listing::Column::UpdatedAt, Expr::value(l.updated_at))
            .filter(listing::Column::Id.eq(l.id.to_string()))
            .filter(listing::Column::OrgId.eq(self.org.to_string()))
            .filter(listing::Column::UpdatedAt.eq(seen_updated_at))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        if n == 1 {
            self.tx.refresh_catalog_entry(l.id).await?;
        }
        Ok(n == 1)
    }

    /// Adds a source document to a version, replacing an earlier one of the
    /// same format (a draft's tools list can be uploaded again).
    pub async fn put_document(&self, d: &VersionDocument) -> Result<()> {
        self.scope().await?;
        version_document::Entity::delete_many()
            .filter(version_document::Column::OrgId.eq(self.org.to_string()))
            .filter(version_document::Column::VersionId.eq(d.version_id.to_string()))
            .filter(version_document::Column::Format.eq(d.format.as_str()))
            .exec(&self.tx.tx)
            .await?;
        version_document::Entity::insert(version_document::ActiveModel {
            id: Set(d.id.to_string()),
            version_id: Set(d.version_id.to_string()),
            org_id: Set(self.org.to_string()),
            format: Set(d.format.as_str().to_owned()),
            digest: Set(d.digest.clone()),
            media_type: Set(d.media_type.clone()),
            size_bytes: Set(d.size_bytes as i64),
            source_url: Set(d.source_url.clone()),
            normalized: Set(json(&d.normalized)),
            created_at: Set(d.created_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Sets a draft version's merged manifest (with its screening) and
    /// rewrites its tool rows.
    pub async fn set_manifest(
        &self,
        version: VersionId,
        manifest: &Manifest,
        digest: &str,
        screening: Option<&crate::records::Screening>,
    ) -> Result<()> {
        self.scope().await?;
        let n = listing_version::Entity::update_many()
            .col_expr(
                listing_version::Column::Screening,
                Expr::value(screening.map_or_else(|| "{}".to_owned(), |s| s.report.to_string())),
            )
            .col_expr(
                listing_version::Column::Risk,
                Expr::value(screening.map(|s| s.risk.clone())),
            )
            .col_expr(
                listing_version::Column::Ruleset,
                Expr::value(screening.map(|s| s.ruleset.clone())),
            )
            .col_expr(
                listing_version::Column::Manifest,
                Expr::value(json(manifest)),
            )
            .col_expr(
                listing_version::Column::ManifestDigest,
                Expr::value(Some(digest.to_owned())),
            )
            .col_expr(
                listing_version::Column::ManifestFormat,
                Expr::value(manifest.format.as_str()),
            )
            .filter(listing_version::Column::Id.eq(version.to_string()))
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        tool::Entity::delete_many()
            .filter(tool::Column::VersionId.eq(version.to_string()))
            .filter(tool::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?;
        self.tx
            .insert_tools(version, self.org, &manifest.tools)
            .await?;
        self.tx.refresh_catalog_of_version(version).await
    }

    /// Replaces a version's screening (the model-backed reviewer adds its
    /// findings after the fact; the version's state does not matter).
    pub async fn set_screening(
        &self,
        version: VersionId,
        screening: &crate::records::Screening,
    ) -> Result<()> {
        self.scope().await?;
        // Tool risks are decision facts, and this may be a published version.
        self.tx.authz_changed(crate::AuthzChange::Version(version));
        let n = listing_version::Entity::update_many()
            .col_expr(
                listing_version::Column::Screening,
                Expr::value(screening.report.to_string()),
            )
            .col_expr(
                listing_version::Column::Risk,
                Expr::value(Some(screening.risk.clone())),
            )
            .col_expr(
                listing_version::Column::Ruleset,
                Expr::value(Some(screening.ruleset.clone())),
            )
            .filter(listing_version::Column::Id.eq(version.to_string()))
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        // The live version's risk and capabilities show in the catalog.
        self.tx.refresh_catalog_of_version(version).await
    }

    /// Replaces a version's price plans.
    pub async fn replace_plans(&self, version: VersionId, plans: &[PricePlan]) -> Result<()> {
        self.scope().await?;
        price_plan::Entity::delete_many()
            .filter(price_plan::Column::VersionId.eq(version.to_string()))
            .filter(price_plan::Column::OrgId.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?;
        if !plans.is_empty() {
            self.insert_plans(version, plans).await?;
        }
        self.tx.refresh_catalog_of_version(version).await
    }

    async fn insert_plans(&self, version: VersionId, plans: &[PricePlan]) -> Result<()> {
        let rows: Vec<_> = plans
            .iter()
            .enumerate()
            .map(|(i, p)| price_plan::ActiveModel {
                id: Set(PlanId::new().to_string()),
                version_id: Set(version.to_string()),
                org_id: Set(self.org.to_string()),
                position: Set(i as i32),
                name: Set(p.name.trim().to_owned()),
                kind: Set(p.kind.as_str().to_owned()),
                currency: Set(p.currency.clone()),
                amount_minor: Set(p.amount_minor),
                period: Set(p.period.map(|x| x.as_str().to_owned())),
                meter: Set(p.meter.clone()),
                trial_days: Set(p.trial_days as i32),
            })
            .collect();
        price_plan::Entity::insert_many(rows)
            .exec_without_returning(&self.tx.tx)
            .await
            .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Whether a version is still in `state`, holding its row until the
    /// transaction ends (PostgreSQL locks it; SQLite writes are serialized
    /// anyway): a change to a draft checks this in the transaction that
    /// writes, so a concurrent submit wins cleanly.
    pub async fn still_in(&self, version: VersionId, state: VersionState) -> Result<bool> {
        self.scope().await?;
        let n = listing_version::Entity::update_many()
            .col_expr(listing_version::Column::State, Expr::value(state.as_str()))
            .filter(listing_version::Column::Id.eq(version.to_string()))
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .filter(listing_version::Column::State.eq(state.as_str()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Moves a version from `from` to `to` if it is still in `from` (a
    /// concurrent move makes this return `false`). Submitting freezes what the
    /// listing declared.
    pub async fn move_version(
        &self,
        version: VersionId,
        from: VersionState,
        to: VersionState,
        at: i64,
        declared: Option<&Declared>,
    ) -> Result<bool> {
        self.scope().await?;
        let live = |s: VersionState| {
            matches!(
                s,
                VersionState::Published | VersionState::Suspended | VersionState::Delisted
            )
        };
        if live(from) || live(to) {
            self.tx.authz_changed(crate::AuthzChange::Version(version));
        }
        let mut q = listing_version::Entity::update_many()
            .col_expr(listing_version::Column::State, Expr::value(to.as_str()));
        if to == VersionState::Submitted {
            q = q.col_expr(listing_version::Column::SubmittedAt, Expr::value(Some(at)));
        }
        if to == VersionState::Published {
            q = q.col_expr(listing_version::Column::PublishedAt, Expr::value(Some(at)));
        }
        if let Some(d) = declared {
            q = q.col_expr(listing_version::Column::Declared, Expr::value(json(d)));
        }
        let n = q
            .filter(listing_version::Column::Id.eq(version.to_string()))
            .filter(listing_version::Column::OrgId.eq(self.org.to_string()))
            .filter(listing_version::Column::State.eq(from.as_str()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        // Publishing, suspending, delisting or reinstating moves the listing
        // into or out of the catalog (or changes its live version) in this
        // same transaction.
        if n == 1 && (from == VersionState::Published || to == VersionState::Published) {
            self.tx.refresh_catalog_of_version(version).await?;
        }
        Ok(n == 1)
    }
}
