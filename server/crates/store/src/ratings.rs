//! Ratings and reviews: one per tenant per listing (a unique index; writing
//! again replaces it). Written in the tenant's scope; read publicly for the
//! listing page (which names no tenant).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use domain::ListingId;

use crate::catalog::parse_id;
use crate::entities::listing_rating;
use crate::records::Rating;
use crate::{OrgReader, OrgWriter, Result, RowScope, Store, StoreError};

fn rating_from(m: listing_rating::Model) -> Result<Rating> {
    Ok(Rating {
        id: parse_id(&m.id)?,
        org_id: parse_id(&m.org_id)?,
        listing_id: parse_id(&m.listing_id)?,
        install_id: parse_id(&m.install_id)?,
        version_id: parse_id(&m.version_id)?,
        rating: u8::try_from(m.rating)
            .ok()
            .filter(|r| (1..=5).contains(r))
            .ok_or_else(|| StoreError::Corrupt(format!("bad rating {}", m.rating)))?,
        review: m.review,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

impl Store {
    /// Every tenant's rating of a listing, most recently written first.
    pub async fn ratings_of(&self, listing: ListingId) -> Result<Vec<Rating>> {
        let tx = self.read_tx(RowScope::Public).await?;
        listing_rating::Entity::find()
            .filter(listing_rating::Column::ListingId.eq(listing.to_string()))
            .order_by_desc(listing_rating::Column::UpdatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(rating_from)
            .collect()
    }
}

impl OrgReader<'_> {
    /// The tenant's own rating of a listing, if it wrote one.
    pub async fn rating_of(&self, listing: ListingId) -> Result<Option<Rating>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        listing_rating::Entity::find()
            .filter(listing_rating::Column::OrgId.eq(self.org.to_string()))
            .filter(listing_rating::Column::ListingId.eq(listing.to_string()))
            .one(&tx)
            .await?
            .map(rating_from)
            .transpose()
    }
}

impl OrgWriter<'_> {
    /// Writes the tenant's rating of a listing, replacing its earlier one
    /// (which keeps its id and creation time).
    pub async fn put_rating(&self, r: &Rating) -> Result<()> {
        self.scoped().await?;
        listing_rating::Entity::insert(listing_rating::ActiveModel {
            id: Set(r.id.to_string()),
            org_id: Set(self.org.to_string()),
            listing_id: Set(r.listing_id.to_string()),
            install_id: Set(r.install_id.to_string()),
            version_id: Set(r.version_id.to_string()),
            rating: Set(i32::from(r.rating)),
            review: Set(r.review.clone()),
            created_by: Set(r.created_by.clone()),
            created_at: Set(r.created_at),
            updated_at: Set(r.updated_at),
        })
        .on_conflict(
            OnConflict::columns([
                listing_rating::Column::OrgId,
                listing_rating::Column::ListingId,
            ])
            .update_columns([
                listing_rating::Column::InstallId,
                listing_rating::Column::VersionId,
                listing_rating::Column::Rating,
                listing_rating::Column::Review,
                listing_rating::Column::CreatedBy,
                listing_rating::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }
}
