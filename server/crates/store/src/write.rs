use sea_orm::{
    DatabaseConnection, DatabaseTransaction, EntityTrait, Set, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use domain::ToolId;
use domain::audit::{AuditEntry, AuditRecord};
use domain::manifest::Tool;

use crate::entities::*;
use crate::records::{Listing, Org, Report, Version};
use crate::{Engine, Result, StoreError, audit, now_ms};

/// JSON text of a value that always serializes.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serializes")
}

/// An outbound event, written to the outbox with the change that caused it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub event_type: String,
    pub org_id: Option<domain::OrgId>,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: serde_json::Value,
}

/// A write transaction. Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx {
    pub(crate) tx: DatabaseTransaction,
    pub(crate) engine: Engine,
    /// Permission-relevant changes noted by the writes (see `authz_sync`).
    pub(crate) authz: std::sync::Mutex<Vec<crate::AuthzChange>>,
    sync: crate::authz_sync::SharedSync,
    db: DatabaseConnection,
}

impl WriteTx {
    pub(crate) async fn begin(
        db: &DatabaseConnection,
        engine: Engine,
        sync: crate::authz_sync::SharedSync,
    ) -> Result<WriteTx> {
        let options = TransactionOptions {
            sqlite_transaction_mode: match engine {
                Engine::Sqlite => Some(SqliteTransactionMode::Immediate),
                Engine::Postgres => None,
            },
            ..Default::default()
        };
        let tx = db.begin_with_options(options).await?;
        Ok(WriteTx {
            tx,
            engine,
            authz: Default::default(),
            sync,
            db: db.clone(),
        })
    }

    /// Appends the audit entry and the events, then commits, all or nothing.
    /// Returns the audit entry as sealed.
    pub async fn commit(self, record: AuditRecord, events: Vec<NewEvent>) -> Result<AuditEntry> {
        let mut entries = self.commit_all(vec![record], events).await?;
        Ok(entries.remove(0))
    }

    /// Like [`WriteTx::commit`] for a change that is several governance facts
    /// at once (a decision that also publishes): the entries are appended in
    /// order, in the same transaction. `records` must not be empty.
    pub async fn commit_all(
        self,
        records: Vec<AuditRecord>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<AuditEntry>> {
        assert!(!records.is_empty(), "a commit needs its audit entry");
        let now = now_ms();
        // Before the chain's lock: the epoch row's lock orders permission
        // changes by commit on its own.
        let epoch = self.record_authz_changes().await?;
        let mut entries = Vec::with_capacity(records.len());
        for record in &records {
            entries.push(audit::append(&self.tx, self.engine, record, now).await?);
        }
        // After the append, under the chain's lock: outbox positions then grow
        // in commit order (see `integrations`), and each event's webhook
        // deliveries are written with it.
        crate::integrations::insert_events(&self.tx, self.engine, events, now).await?;
        let WriteTx {
            tx,
            engine,
            sync,
            db,
            ..
        } = self;
        tx.commit().await?;
        if let Some(epoch) = epoch {
            WriteTx::authz_committed(&sync, &db, engine, epoch).await;
        }
        Ok(entries)
    }

    pub async fn insert_org(&self, org: &Org) -> Result<()> {
        organization::Entity::insert(organization::ActiveModel {
            id: Set(org.id.to_string()),
            slug: Set(org.slug.clone()),
            name: Set(org.name.clone()),
            kind: Set(org.kind.as_str().to_owned()),
            verified_domain: Set(org.verified_domain.clone()),
            created_at: Set(org.created_at),
            verification_lapsed_at: Set(org.verification_lapsed_at),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    pub async fn insert_listing(&self, l: &Listing) -> Result<()> {
        crate::set_row_scope(&self.tx, self.engine, crate::RowScope::Org(l.org_id)).await?;
        listing::Entity::insert(listing::ActiveModel {
            id: Set(l.id.to_string()),
            org_id: Set(l.org_id.to_string()),
            slug: Set(l.slug.clone()),
            name: Set(l.name.clone()),
            category: Set(l.category.clone()),
            summary: Set(l.summary.clone()),
            description: Set(l.description.clone()),
            homepage: Set(l.homepage.clone()),
            created_at: Set(l.created_at),
            updated_at: Set(l.updated_at),
            support_contact: Set(l.support_contact.clone()),
            privacy_url: Set(l.privacy_url.clone()),
            data_use: Set(l.data_use.clone()),
            capabilities: Set(json(&l.capabilities)),
            egress: Set(json(&l.egress)),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Inserts a version and its manifest's tools (`v.manifest.tools`).
    pub async fn insert_version(&self, v: &Version) -> Result<()> {
        crate::set_row_scope(&self.tx, self.engine, crate::RowScope::Org(v.org_id)).await?;
        listing_version::Entity::insert(listing_version::ActiveModel {
            id: Set(v.id.to_string()),
            listing_id: Set(v.listing_id.to_string()),
            org_id: Set(v.org_id.to_string()),
            version: Set(v.version.clone()),
            state: Set(v.state.as_str().to_owned()),
            manifest_digest: Set(v.manifest_digest.clone()),
            manifest_format: Set(v.manifest_format.clone()),
            created_at: Set(v.created_at),
            submitted_at: Set(v.submitted_at),
            published_at: Set(v.published_at),
            manifest: Set(json(&v.manifest)),
            declared: Set(json(&v.declared)),
            screening: Set(v
                .screening
                .as_ref()
                .map_or_else(|| "{}".to_owned(), |s| s.report.to_string())),
            risk: Set(v.screening.as_ref().map(|s| s.risk.clone())),
            ruleset: Set(v.screening.as_ref().map(|s| s.ruleset.clone())),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        self.insert_tools(v.id, v.org_id, &v.manifest.tools).await?;
        if v.state == domain::listing::VersionState::Published {
            self.refresh_catalog_entry(v.listing_id).await?;
        }
        Ok(())
    }

    /// The tool rows of a version (the catalog and runtime read these).
    pub(crate) async fn insert_tools(
        &self,
        version: domain::VersionId,
        org: domain::OrgId,
        tools: &[Tool],
    ) -> Result<()> {
        if tools.is_empty() {
            return Ok(());
        }
        let rows = tools.iter().enumerate().map(|(i, t)| tool::ActiveModel {
            id: Set(ToolId::new().to_string()),
            version_id: Set(version.to_string()),
            org_id: Set(org.to_string()),
            position: Set(i as i32),
            name: Set(t.name.clone()),
            title: Set(t.title.clone().or_else(|| t.annotations.title.clone())),
            description: Set(t.description.clone()),
            annotations: Set(serde_json::to_string(&t.annotations).unwrap_or_else(|_| "{}".into())),
            input_schema: Set(t.input_schema.to_string()),
        });
        // Batches keep each statement well under both engines' parameter limits.
        let rows: Vec<_> = rows.collect();
        for chunk in rows.chunks(100) {
            tool::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&self.tx)
                .await
                .map_err(StoreError::from_db)?;
        }
        Ok(())
    }

    /// Records that an org holds a blob (idempotent).
    pub async fn insert_evidence_ref(
        &self,
        org: domain::OrgId,
        digest: &str,
        media_type: &str,
        size: u64,
    ) -> Result<()> {
        crate::set_row_scope(&self.tx, self.engine, crate::RowScope::Org(org)).await?;
        let existing = evidence::Entity::find_by_id((org.to_string(), digest.to_owned()))
            .one(&self.tx)
            .await?;
        if existing.is_some() {
            return Ok(());
        }
        evidence::Entity::insert(evidence::ActiveModel {
            org_id: Set(org.to_string()),
            digest: Set(digest.to_owned()),
            media_type: Set(media_type.to_owned()),
            size_bytes: Set(size as i64),
            created_at: Set(now_ms()),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Files a report against its subject organization (written in that
    /// organization's scope: a report belongs to the listing's publisher).
    pub async fn insert_report(&self, r: &Report) -> Result<()> {
        crate::set_row_scope(
            &self.tx,
            self.engine,
            crate::RowScope::Org(r.subject_org_id),
        )
        .await?;
        abuse_report::Entity::insert(abuse_report::ActiveModel {
            id: Set(r.id.to_string()),
            listing_id: Set(r.listing_id.to_string()),
            subject_org_id: Set(r.subject_org_id.to_string()),
            reason: Set(r.reason.clone()),
            details: Set(r.details.clone()),
            contact: Set(r.contact.clone()),
            status: Set(r.status.clone()),
            created_at: Set(r.created_at),
            reporter_org_id: Set(r.reporter_org_id.map(|o| o.to_string())),
            install_id: Set(r.install_id.map(|i| i.to_string())),
            evidence_digest: Set(r.evidence_digest.clone()),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }
}
