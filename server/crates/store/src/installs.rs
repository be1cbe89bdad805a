//! Installs and tenant policies, owned by the tenant's organization and
//! reached only through its [`OrgReader`] / [`OrgWriter`]. Status changes are
//! compare-and-set, so an uninstall and an approval cannot both win.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use domain::listing::VersionState;
use domain::{InstallId, ListingId, VersionId};

use crate::catalog::parse_id;
use crate::entities::{install, listing_version, tenant_policy};
use crate::records::{Install, InstallStatus, TenantPolicy};
use crate::review::from_json;
use crate::write::json;
use crate::{Engine, OrgReader, OrgWriter, Result, RowScope, StoreError};

fn install_from(m: install::Model) -> Result<Install> {
    Ok(Install {
        id: parse_id(&m.id)?,
        org_id: parse_id(&m.org_id)?,
        listing_id: parse_id(&m.listing_id)?,
        version_id: parse_id(&m.version_id)?,
        status: InstallStatus::parse(&m.status)
            .ok_or_else(|| StoreError::Corrupt(format!("bad install status {:?}", m.status)))?,
        granted_tools: from_json("granted tools", &m.granted_tools)?,
        granted_scopes: from_json("granted scopes", &m.granted_scopes)?,
        requested_by: m.requested_by,
        approved_by: m.approved_by,
        policy_version: m.policy_version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        removed_at: m.removed_at,
    })
}

fn policy_from(m: tenant_policy::Model) -> Result<TenantPolicy> {
    Ok(TenantPolicy {
        org_id: parse_id(&m.org_id)?,
        blocked_capabilities: from_json("blocked capabilities", &m.blocked_capabilities)?,
        blocked_categories: from_json("blocked categories", &m.blocked_categories)?,
        version: m.version,
        max_risk: m.max_risk,
        members_request: m.members_request,
        updated_at: m.updated_at,
        updated_by: m.updated_by,
    })
}

impl OrgReader<'_> {
    /// The tenant's installs, newest first (removed ones included).
    pub async fn installs(&self) -> Result<Vec<Install>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        install::Entity::find()
            .filter(install::Column::OrgId.eq(self.org.to_string()))
            .order_by_desc(install::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(install_from)
            .collect()
    }

    pub async fn install(&self, id: InstallId) -> Result<Option<Install>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        install::Entity::find_by_id(id.to_string())
            .filter(install::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?
            .map(install_from)
            .transpose()
    }

    /// The tenant's live (active or pending) install of a listing, if any.
    pub async fn live_install_of(&self, listing: ListingId) -> Result<Option<Install>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        install::Entity::find()
            .filter(install::Column::OrgId.eq(self.org.to_string()))
            .filter(install::Column::ListingId.eq(listing.to_string()))
            .filter(install::Column::Status.ne(InstallStatus::Removed.as_str()))
            .one(&tx)
            .await?
            .map(install_from)
            .transpose()
    }

    pub async fn tenant_policy(&self) -> Result<Option<TenantPolicy>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        tenant_policy::Entity::find_by_id(self.org.to_string())
            .one(&tx)
            .await?
            .map(policy_from)
            .transpose()
    }
}

impl OrgWriter<'_> {
    /// Whether `version` of `listing` is still published, checked in the
    /// transaction that installs it and held until that transaction ends: a
    /// suspension or delisting (any move of the version) either committed
    /// first, and this is `false`, or waits for this transaction, and then
    /// its fan-out (`integrations::insert_events`) finds the install. Without
    /// it an install whose check ran before a suspension committed, and whose
    /// row committed after the suspension's fan-out read the installs, got
    /// no revoke. PostgreSQL: a `FOR SHARE` lock on the version's row, taken
    /// in the system scope (the row is the publisher's, and row-level
    /// security checks a row lock against the update policy); SQLite
    /// serializes write transactions, so the read is enough.
    pub async fn hold_published(&self, listing: ListingId, version: VersionId) -> Result<bool> {
        let engine = self.tx.engine;
        crate::set_row_scope(&self.tx.tx, engine, RowScope::System).await?;
        let mut q = listing_version::Entity::find()
            .select_only()
            .column(listing_version::Column::State)
            .filter(listing_version::Column::Id.eq(version.to_string()))
            .filter(listing_version::Column::ListingId.eq(listing.to_string()));
        if engine == Engine::Postgres {
            q = q.lock_shared();
        }
        let state: Option<String> = q.into_tuple().one(&self.tx.tx).await?;
        self.scoped().await?;
        Ok(state.as_deref() == Some(VersionState::Published.as_str()))
    }

    pub async fn insert_install(&self, i: &Install) -> Result<()> {
        self.scoped().await?;
        self.tx.authz_changed(crate::AuthzChange::Tenant(self.org));
        install::Entity::insert(install::ActiveModel {
            id: Set(i.id.to_string()),
            org_id: Set(self.org.to_string()),
            listing_id: Set(i.listing_id.to_string()),
            version_id: Set(i.version_id.to_string()),
            status: Set(i.status.as_str().to_owned()),
            granted_tools: Set(json(&i.granted_tools)),
            granted_scopes: Set(json(&i.granted_scopes)),
            requested_by: Set(i.requested_by.clone()),
            approved_by: Set(i.approved_by.clone()),
            policy_version: Set(i.policy_version.clone()),
            created_at: Set(i.created_at),
            updated_at: Set(i.updated_at),
            removed_at: Set(i.removed_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Moves an install from `from` to `to` if it is still in `from`.
    pub async fn move_install(
        &self,
        id: InstallId,
        from: InstallStatus,
        to: InstallStatus,
        by: &str,
        at: i64,
    ) -> Result<bool> {
        self.scoped().await?;
        self.tx.authz_changed(crate::AuthzChange::Tenant(self.org));
        let mut q = install::Entity::update_many()
            .col_expr(install::Column::Status, Expr::value(to.as_str()))
            .col_expr(install::Column::UpdatedAt, Expr::value(at));
        match to {
            InstallStatus::Active => {
                q = q.col_expr(install::Column::ApprovedBy, Expr::value(Some(by)));
            }
            InstallStatus::Removed => {
                q = q.col_expr(install::Column::RemovedAt, Expr::value(Some(at)));
            }
            InstallStatus::Pending => {}
        }
        let n = q
            .filter(install::Column::Id.eq(id.to_string()))
            .filter(install::Column::OrgId.eq(self.org.to_string()))
            .filter(install::Column::Status.eq(from.as_str()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Moves an active install from `from_version` to `to_version` with new
    /// grants, if it is still active on `from_version` (compare-and-set: a
    /// stale upgrade form, or one racing an uninstall, changes nothing).
    /// Like [`OrgWriter::move_install`], this changes what the decision point
    /// answers for the install.
    #[allow(clippy::too_many_arguments)]
    pub async fn repin_install(
        &self,
        id: InstallId,
        from_version: VersionId,
        to_version: VersionId,
        granted_tools: &[String],
        granted_scopes: &[String],
        policy_version: &str,
        at: i64,
    ) -> Result<bool> {
        self.scoped().await?;
        // The install's version and grants are decision facts.
        self.tx.authz_changed(crate::AuthzChange::Tenant(self.org));
        let n = install::Entity::update_many()
            .col_expr(
                install::Column::VersionId,
                Expr::value(to_version.to_string()),
            )
            .col_expr(
                install::Column::GrantedTools,
                Expr::value(json(&granted_tools)),
            )
            .col_expr(
                install::Column::GrantedScopes,
                Expr::value(json(&granted_scopes)),
            )
            .col_expr(install::Column::PolicyVersion, Expr::value(policy_version))
            .col_expr(install::Column::UpdatedAt, Expr::value(at))
            .filter(install::Column::Id.eq(id.to_string()))
            .filter(install::Column::OrgId.eq(self.org.to_string()))
            .filter(install::Column::Status.eq(InstallStatus::Active.as_str()))
            .filter(install::Column::VersionId.eq(from_version.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected;
        Ok(n == 1)
    }

    /// Sets the tenant's policy (one per tenant; a new version replaces it).
    pub async fn put_tenant_policy(&self, p: &TenantPolicy) -> Result<()> {
        self.scoped().await?;
        self.tx.authz_changed(crate::AuthzChange::Tenant(self.org));
        tenant_policy::Entity::insert(tenant_policy::ActiveModel {
            org_id: Set(self.org.to_string()),
            version: Set(p.version.clone()),
            max_risk: Set(p.max_risk.clone()),
            blocked_capabilities: Set(json(&p.blocked_capabilities)),
            blocked_categories: Set(json(&p.blocked_categories)),
            members_request: Set(p.members_request),
            updated_at: Set(p.updated_at),
            updated_by: Set(p.updated_by.clone()),
        })
        .on_conflict(
            OnConflict::column(tenant_policy::Column::OrgId)
                .update_columns([
                    tenant_policy::Column::Version,
                    tenant_policy::Column::MaxRisk,
                    tenant_policy::Column::BlockedCapabilities,
                    tenant_policy::Column::BlockedCategories,
                    tenant_policy::Column::MembersRequest,
                    tenant_policy::Column::UpdatedAt,
                    tenant_policy::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }
}
