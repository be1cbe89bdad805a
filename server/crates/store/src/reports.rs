//! Abuse reports about a listing, as the operator console lists them. A
//! report belongs to the listing's publisher (its `subject_org_id`), so it is
//! read in that organization's scope.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use domain::ListingId;

use crate::catalog::parse_id;
use crate::entities::abuse_report;
use crate::records::Report;
use crate::{OrgReader, Result, RowScope};

pub(crate) fn report_from(m: abuse_report::Model) -> Result<Report> {
    Ok(Report {
        id: parse_id(&m.id)?,
        listing_id: parse_id(&m.listing_id)?,
        subject_org_id: parse_id(&m.subject_org_id)?,
        reason: m.reason,
        details: m.details,
        contact: m.contact,
        status: m.status,
        created_at: m.created_at,
        reporter_org_id: m.reporter_org_id.as_deref().map(parse_id).transpose()?,
        install_id: m.install_id.as_deref().map(parse_id).transpose()?,
        evidence_digest: m.evidence_digest,
    })
}

impl OrgReader<'_> {
    /// Reports about one of the organization's listings, newest first.
    pub async fn reports_of(&self, listing: ListingId) -> Result<Vec<Report>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        abuse_report::Entity::find()
            .filter(abuse_report::Column::SubjectOrgId.eq(self.org.to_string()))
            .filter(abuse_report::Column::ListingId.eq(listing.to_string()))
            .order_by_desc(abuse_report::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(report_from)
            .collect()
    }
}
