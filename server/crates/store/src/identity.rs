//! People, memberships, invitations and API tokens.
//!
//! Org-owned rows (memberships, invitations, tokens) are reached only through
//! [`OrgReader`] and [`OrgWriter`], which carry the organization and put it in
//! every statement: there is no way to list another organization's members or
//! tokens by passing an id. The few global lookups are by secret (a token's or an
//! invitation's hash) or by the person themselves.

use std::collections::BTreeMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use domain::identity::{Role, Scope};
use domain::{OrgId, UserId};

use crate::entities::*;
use crate::records::{ApiToken, DomainCheck, Invitation, Member, Org, User};
use crate::{Result, RowScope, Store, StoreError, WriteTx};

fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

fn role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad role {s:?}")))
}

fn user_from(m: user_account::Model) -> Result<User> {
    Ok(User {
        id: parse_id(&m.id)?,
        email: m.email,
        display_name: m.display_name,
        password_hash: m.password_hash,
        disabled_at: m.disabled_at,
        created_at: m.created_at,
    })
}

fn invitation_from(m: invitation::Model) -> Result<Invitation> {
    Ok(Invitation {
        id: parse_id(&m.id)?,
        org_id: parse_id(&m.org_id)?,
        role: role(&m.role)?,
        email: m.email,
        token_hash: m.token_hash,
        invited_by: parse_id(&m.invited_by)?,
        created_at: m.created_at,
        expires_at: m.expires_at,
        accepted_at: m.accepted_at,
    })
}

fn token_from(m: api_token::Model) -> Result<ApiToken> {
    Ok(ApiToken {
        id: parse_id(&m.id)?,
        org_id: parse_id(&m.org_id)?,
        scopes: m
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| Scope::parse(s).ok_or_else(|| StoreError::Corrupt(format!("bad scope {s:?}"))))
            .collect::<Result<_>>()?,
        name: m.name,
        prefix: m.prefix,
        token_hash: m.token_hash,
        created_by: parse_id(&m.created_by)?,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

fn check_from(m: domain_verification::Model) -> Result<DomainCheck> {
    use domain::verification::{Method, Status};
    Ok(DomainCheck {
        org_id: parse_id(&m.org_id)?,
        method: Method::parse(&m.method)
            .ok_or_else(|| StoreError::Corrupt(format!("bad method {:?}", m.method)))?,
        status: Status::parse(&m.status)
            .ok_or_else(|| StoreError::Corrupt(format!("bad status {:?}", m.status)))?,
        domain: m.domain,
        token: m.token,
        created_at: m.created_at,
        checked_at: m.checked_at,
        verified_at: m.verified_at,
        last_error: m.last_error,
    })
}

impl Store {
    /// System job: verified domains last checked at or before `before`, across
    /// organizations (the scheduled re-check reads them; nothing else does).
    /// At or before: a re-check "due now" includes one made this millisecond.
    pub async fn verified_domains_checked_before(&self, before: i64) -> Result<Vec<DomainCheck>> {
        let tx = self.read_tx(RowScope::System).await?;
        domain_verification::Entity::find()
            .filter(
                domain_verification::Column::Status
                    .eq(domain::verification::Status::Verified.as_str()),
            )
            .filter(
                sea_orm::Condition::any()
                    .add(domain_verification::Column::CheckedAt.is_null())
                    .add(domain_verification::Column::CheckedAt.lte(before)),
            )
            .all(&tx)
            .await?
            .into_iter()
            .map(check_from)
            .collect()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        user_account::Entity::find()
            .filter(user_account::Column::Email.eq(email))
            .one(&self.db)
            .await?
            .map(user_from)
            .transpose()
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        user_account::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .map(user_from)
            .transpose()
    }

    /// The organizations a person belongs to, with their roles in each, by name.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<(Org, Vec<Role>)>> {
        let tx = self.read_tx(RowScope::User(user)).await?;
        let rows = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user.to_string()))
            .all(&tx)
            .await?;
        drop(tx);
        let mut by_org: BTreeMap<String, Vec<Role>> = BTreeMap::new();
        for r in rows {
            by_org.entry(r.org_id).or_default().push(role(&r.role)?);
        }
        let orgs = organization::Entity::find()
            .filter(organization::Column::Id.is_in(by_org.keys().cloned()))
            .order_by_asc(organization::Column::Name)
            .all(&self.db)
            .await?;
        orgs.into_iter()
            .map(|o| {
                let mut roles = by_org.remove(&o.id).unwrap_or_default();
                roles.sort();
                Ok((crate::catalog::org_from(o)?, roles))
            })
            .collect()
    }

    /// Authentication: the token whose hash this is, whatever its state.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>> {
        let tx = self.read_tx(RowScope::System).await?;
        api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash))
            .one(&tx)
            .await?
            .map(token_from)
            .transpose()
    }

    /// Notes a token's use. Telemetry, not a governance change: no audit entry.
    pub async fn record_token_use(&self, token: domain::TokenId, at: i64) -> Result<()> {
        let tx = self.read_tx(RowScope::System).await?;
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(api_token::Column::Id.eq(token.to_string()))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation whose token hashes to `hash`.
    pub async fn invitation_by_token_hash(&self, hash: &str) -> Result<Option<Invitation>> {
        let tx = self.read_tx(RowScope::System).await?;
        invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(hash))
            .one(&tx)
            .await?
            .map(invitation_from)
            .transpose()
    }

    /// Open invitations addressed to `email`, across organizations (the invitee's own view).
    pub async fn invitations_for_email(&self, email: &str, now: i64) -> Result<Vec<Invitation>> {
        let tx = self.read_tx(RowScope::System).await?;
        invitation::Entity::find()
            .filter(invitation::Column::Email.eq(email))
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(invitation::Column::ExpiresAt.gt(now))
            .all(&tx)
            .await?
            .into_iter()
            .map(invitation_from)
            .collect()
    }

    /// The account linked to `subject` at `provider`, if any.
    pub async fn user_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserId>> {
        auth_identity::Entity::find_by_id((provider.to_owned(), subject.to_owned()))
            .one(&self.db)
            .await?
            .map(|m| parse_id(&m.user_id))
            .transpose()
    }

    /// The providers a person has linked.
    pub async fn identities_of(&self, user: UserId) -> Result<Vec<String>> {
        Ok(auth_identity::Entity::find()
            .filter(auth_identity::Column::UserId.eq(user.to_string()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.provider)
            .collect())
    }

    /// Reads of one organization's own rows.
    pub fn in_org(&self, org: OrgId) -> OrgReader<'_> {
        OrgReader { store: self, org }
    }
}

/// Reads scoped to one organization.
pub struct OrgReader<'a> {
    pub(crate) store: &'a Store,
    pub(crate) org: OrgId,
}

impl OrgReader<'_> {
    pub async fn roles_of(&self, user: UserId) -> Result<Vec<Role>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let mut roles = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(self.org.to_string()))
            .filter(membership::Column::UserId.eq(user.to_string()))
            .all(&tx)
            .await?
            .into_iter()
            .map(|m| role(&m.role))
            .collect::<Result<Vec<_>>>()?;
        roles.sort();
        Ok(roles)
    }

    /// Everyone in the organization, by name.
    pub async fn members(&self) -> Result<Vec<Member>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        let rows = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(self.org.to_string()))
            .all(&tx)
            .await?;
        let mut by_user: BTreeMap<String, Vec<Role>> = BTreeMap::new();
        for r in rows {
            by_user.entry(r.user_id).or_default().push(role(&r.role)?);
        }
        let users = user_account::Entity::find()
            .filter(user_account::Column::Id.is_in(by_user.keys().cloned()))
            .all(&tx)
            .await?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let mut roles = by_user.remove(&u.id).unwrap_or_default();
            roles.sort();
            out.push(Member {
                user_id: parse_id(&u.id)?,
                email: u.email,
                display_name: u.display_name,
                roles,
                disabled: u.disabled_at.is_some(),
            });
        }
        out.sort_by(|a, b| {
            a.display_name
                .to_lowercase()
                .cmp(&b.display_name.to_lowercase())
        });
        Ok(out)
    }

    /// Invitations not yet accepted, newest first (expired ones included, marked by time).
    pub async fn open_invitations(&self) -> Result<Vec<Invitation>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        invitation::Entity::find()
            .filter(invitation::Column::OrgId.eq(self.org.to_string()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .order_by_desc(invitation::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(invitation_from)
            .collect()
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        api_token::Entity::find()
            .filter(api_token::Column::OrgId.eq(self.org.to_string()))
            .order_by_desc(api_token::Column::CreatedAt)
            .all(&tx)
            .await?
            .into_iter()
            .map(token_from)
            .collect()
    }

    pub async fn domain_checks(&self) -> Result<Vec<DomainCheck>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        domain_verification::Entity::find()
            .filter(domain_verification::Column::OrgId.eq(self.org.to_string()))
            .order_by_asc(domain_verification::Column::Domain)
            .all(&tx)
            .await?
            .into_iter()
            .map(check_from)
            .collect()
    }

    pub async fn domain_check(&self, domain: &str) -> Result<Option<DomainCheck>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        domain_verification::Entity::find_by_id((self.org.to_string(), domain.to_owned()))
            .one(&tx)
            .await?
            .map(check_from)
            .transpose()
    }

    pub async fn token(&self, id: domain::TokenId) -> Result<Option<ApiToken>> {
        let tx = self.store.read_tx(RowScope::Org(self.org)).await?;
        api_token::Entity::find_by_id(id.to_string())
            .filter(api_token::Column::OrgId.eq(self.org.to_string()))
            .one(&tx)
            .await?
            .map(token_from)
            .transpose()
    }
}

impl WriteTx {
    pub async fn insert_user(&self, u: &User) -> Result<()> {
        user_account::Entity::insert(user_account::ActiveModel {
            id: Set(u.id.to_string()),
            email: Set(u.email.clone()),
            display_name: Set(u.display_name.clone()),
            password_hash: Set(u.password_hash.clone()),
            disabled_at: Set(u.disabled_at),
            created_at: Set(u.created_at),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    pub async fn set_user_disabled(&self, user: UserId, at: Option<i64>) -> Result<()> {
        let Some(m) = user_account::Entity::find_by_id(user.to_string())
            .one(&self.tx)
            .await?
        else {
            return Err(StoreError::NotFound);
        };
        let mut am = m.into_active_model();
        am.disabled_at = Set(at);
        am.update(&self.tx).await?;
        Ok(())
    }

    pub async fn set_password_hash(&self, user: UserId, hash: &str) -> Result<()> {
        let Some(m) = user_account::Entity::find_by_id(user.to_string())
            .one(&self.tx)
            .await?
        else {
            return Err(StoreError::NotFound);
        };
        let mut am = m.into_active_model();
        am.password_hash = Set(Some(hash.to_owned()));
        am.update(&self.tx).await?;
        Ok(())
    }

    /// Links an external identity to an account.
    pub async fn link_identity(
        &self,
        provider: &str,
        subject: &str,
        user: UserId,
        email: Option<&str>,
        at: i64,
    ) -> Result<()> {
        auth_identity::Entity::insert(auth_identity::ActiveModel {
            provider: Set(provider.to_owned()),
            subject: Set(subject.to_owned()),
            user_id: Set(user.to_string()),
            email: Set(email.map(str::to_owned)),
            created_at: Set(at),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Writes scoped to one organization.
    pub fn in_org(&self, org: OrgId) -> OrgWriter<'_> {
        OrgWriter { tx: self, org }
    }
}

/// Writes scoped to one organization.
pub struct OrgWriter<'a> {
    pub(crate) tx: &'a WriteTx,
    pub(crate) org: OrgId,
}

impl OrgWriter<'_> {
    /// Grants a role (idempotent).
    pub async fn grant(&self, user: UserId, role: Role, at: i64) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        membership::Entity::insert(membership::ActiveModel {
            org_id: Set(self.org.to_string()),
            user_id: Set(user.to_string()),
            role: Set(role.as_str().to_owned()),
            created_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                membership::Column::OrgId,
                membership::Column::UserId,
                membership::Column::Role,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Removes every role `user` holds here; returns how many were removed.
    pub async fn remove_member(&self, user: UserId) -> Result<u64> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        Ok(membership::Entity::delete_many()
            .filter(membership::Column::OrgId.eq(self.org.to_string()))
            .filter(membership::Column::UserId.eq(user.to_string()))
            .exec(&self.tx.tx)
            .await?
            .rows_affected)
    }

    /// Roles of `user` here, inside this transaction (for last-manager checks).
    pub async fn roles_of(&self, user: UserId) -> Result<Vec<Role>> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        membership::Entity::find()
            .filter(membership::Column::OrgId.eq(self.org.to_string()))
            .filter(membership::Column::UserId.eq(user.to_string()))
            .all(&self.tx.tx)
            .await?
            .into_iter()
            .map(|m| role(&m.role))
            .collect()
    }

    /// How many people hold `role` here, inside this transaction.
    pub async fn count_with_role(&self, role: Role) -> Result<u64> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        use sea_orm::PaginatorTrait;
        Ok(membership::Entity::find()
            .filter(membership::Column::OrgId.eq(self.org.to_string()))
            .filter(membership::Column::Role.eq(role.as_str()))
            .count(&self.tx.tx)
            .await?)
    }

    pub async fn insert_invitation(&self, i: &Invitation) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        if i.org_id != self.org {
            return Err(StoreError::Corrupt(
                "invitation for another organization".into(),
            ));
        }
        invitation::Entity::insert(invitation::ActiveModel {
            id: Set(i.id.to_string()),
            org_id: Set(self.org.to_string()),
            email: Set(i.email.clone()),
            role: Set(i.role.as_str().to_owned()),
            token_hash: Set(i.token_hash.clone()),
            invited_by: Set(i.invited_by.to_string()),
            created_at: Set(i.created_at),
            expires_at: Set(i.expires_at),
            accepted_at: Set(i.accepted_at),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Marks an open invitation accepted; false if it was not open (already used).
    pub async fn accept_invitation(&self, id: domain::InvitationId, at: i64) -> Result<bool> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        let res = invitation::Entity::update_many()
            .col_expr(
                invitation::Column::AcceptedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(invitation::Column::Id.eq(id.to_string()))
            .filter(invitation::Column::OrgId.eq(self.org.to_string()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .exec(&self.tx.tx)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Withdraws an open invitation; false if there was none.
    pub async fn delete_invitation(&self, id: domain::InvitationId) -> Result<bool> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        let res = invitation::Entity::delete_many()
            .filter(invitation::Column::Id.eq(id.to_string()))
            .filter(invitation::Column::OrgId.eq(self.org.to_string()))
            .filter(invitation::Column::AcceptedAt.is_null())
            .exec(&self.tx.tx)
            .await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn insert_token(&self, t: &ApiToken) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        if t.org_id != self.org {
            return Err(StoreError::Corrupt("token for another organization".into()));
        }
        api_token::Entity::insert(api_token::ActiveModel {
            id: Set(t.id.to_string()),
            org_id: Set(self.org.to_string()),
            name: Set(t.name.clone()),
            prefix: Set(t.prefix.clone()),
            token_hash: Set(t.token_hash.clone()),
            scopes: Set(t
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ")),
            created_by: Set(t.created_by.to_string()),
            created_at: Set(t.created_at),
            expires_at: Set(t.expires_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .exec_without_returning(&self.tx.tx)
        .await
        .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Creates or replaces this organization's check of one domain.
    pub async fn put_domain_check(&self, c: &DomainCheck) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        if c.org_id != self.org {
            return Err(StoreError::Corrupt("check for another organization".into()));
        }
        let am = domain_verification::ActiveModel {
            org_id: Set(self.org.to_string()),
            domain: Set(c.domain.clone()),
            method: Set(c.method.as_str().to_owned()),
            token: Set(c.token.clone()),
            status: Set(c.status.as_str().to_owned()),
            created_at: Set(c.created_at),
            checked_at: Set(c.checked_at),
            verified_at: Set(c.verified_at),
            last_error: Set(c.last_error.clone()),
        };
        domain_verification::Entity::insert(am)
            .on_conflict(
                OnConflict::columns([
                    domain_verification::Column::OrgId,
                    domain_verification::Column::Domain,
                ])
                .update_columns([
                    domain_verification::Column::Method,
                    domain_verification::Column::Token,
                    domain_verification::Column::Status,
                    domain_verification::Column::CheckedAt,
                    domain_verification::Column::VerifiedAt,
                    domain_verification::Column::LastError,
                ])
                .to_owned(),
            )
            .exec_without_returning(&self.tx.tx)
            .await
            .map_err(StoreError::from_db)?;
        Ok(())
    }

    /// Sets (or clears) the organization's verified domain, and its lapse flag.
    pub async fn set_verified_domain(
        &self,
        domain: Option<&str>,
        lapsed_at: Option<i64>,
    ) -> Result<()> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        organization::Entity::update_many()
            .col_expr(
                organization::Column::VerifiedDomain,
                sea_orm::sea_query::Expr::value(domain.map(str::to_owned)),
            )
            .col_expr(
                organization::Column::VerificationLapsedAt,
                sea_orm::sea_query::Expr::value(lapsed_at),
            )
            .filter(organization::Column::Id.eq(self.org.to_string()))
            .exec(&self.tx.tx)
            .await?;
        // Every card of this publisher shows its verification.
        self.tx.refresh_catalog_of_org(self.org).await
    }

    /// Revokes a live token of this organization; false if none matched.
    pub async fn revoke_token(&self, id: domain::TokenId, at: i64) -> Result<bool> {
        crate::set_row_scope(&self.tx.tx, self.tx.engine, RowScope::Org(self.org)).await?;
        self.tx.authz_changed(crate::AuthzChange::Tokens(self.org));
        let res = api_token::Entity::update_many()
            .col_expr(
                api_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(api_token::Column::Id.eq(id.to_string()))
            .filter(api_token::Column::OrgId.eq(self.org.to_string()))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&self.tx.tx)
            .await?;
        Ok(res.rows_affected == 1)
    }
}
