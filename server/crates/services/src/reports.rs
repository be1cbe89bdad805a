use domain::audit::AuditRecord;
use domain::report::NewReport;
use domain::{ReportId, listing::VersionState};
use store::NewEvent;
use store::records::Report;

use crate::{Actor, Result, ServiceError, Services};

/// A report as acknowledged to the reporter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiledReport {
    pub id: ReportId,
    /// The audit entry that records it.
    pub audit_seq: i64,
}

impl Services {
    /// Anyone may report a published listing. The report, its audit entry and
    /// the `report.filed` event for trust and safety commit together.
    pub async fn file_report(
        &self,
        actor: &Actor,
        listing_slug: &str,
        reason: &str,
        details: &str,
        contact: &str,
    ) -> Result<FiledReport> {
        let report = NewReport::parse(reason, details, contact).map_err(|e| {
            let mut fields = Vec::new();
            for (name, msg) in [
                ("reason", e.reason),
                ("details", e.details),
                ("contact", e.contact),
            ] {
                if let Some(m) = msg {
                    fields.push((name.to_owned(), m));
                }
            }
            ServiceError::InvalidFields(fields)
        })?;
        let listing = self
            .store
            .listing_by_slug(listing_slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // Only what the public can see can be reported by the public.
        let public = self
            .store
            .versions_of(listing.id)
            .await?
            .iter()
            .any(|v| v.state == VersionState::Published);
        if !public {
            return Err(ServiceError::NotFound);
        }

        let row = Report {
            id: ReportId::new(),
            listing_id: listing.id,
            subject_org_id: listing.org_id,
            reason: report.reason.as_str().to_owned(),
            details: report.details,
            contact: report.contact,
            status: "open".into(),
            created_at: store::now_ms(),
            reporter_org_id: None,
            install_id: None,
            evidence_digest: None,
        };
        let tx = self.store.begin_write().await?;
        tx.insert_report(&row).await?;
        let entry = tx
            .commit(
                AuditRecord::new(actor.audit(), "report.filed", "listing", listing.id)
                    .org(listing.org_id)
                    .detail(serde_json::json!({
                        "report_id": row.id,
                        "reason": row.reason,
                    })),
                vec![NewEvent {
                    event_type: "report.filed".into(),
                    org_id: Some(listing.org_id),
                    subject_type: "listing".into(),
                    subject_id: listing.id.to_string(),
                    payload: serde_json::json!({
                        "report_id": row.id,
                        "listing_id": listing.id,
                        "listing_slug": listing.slug,
                        "reason": row.reason,
                    }),
                }],
            )
            .await?;
        tracing::info!(report_id = %row.id, listing = %listing.slug, reason = %row.reason, "abuse report filed");
        Ok(FiledReport {
            id: row.id,
            audit_seq: entry.seq,
        })
    }
}
