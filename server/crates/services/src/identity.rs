//! Accounts, organizations, memberships, invitations and API tokens.

use domain::audit::AuditRecord;
use domain::identity::{Role, Scope, check_display_name, check_password, normalize_email};
use domain::org::{OrgKind, validate_slug};
use domain::{InvitationId, OrgId, TokenId, UserId};
use store::NewEvent;
use store::records::{ApiToken, Invitation, Member, Org, User};

use crate::secrets::{hash_password, new_secret, secret_hash, verify_password};
use crate::{Actor, Result, ServiceError, Services};

/// A signed-in person and where they belong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub memberships: Vec<(Org, Vec<Role>)>,
}

impl Principal {
    pub fn roles_in(&self, org: OrgId) -> &[Role] {
        self.memberships
            .iter()
            .find(|(o, _)| o.id == org)
            .map(|(_, r)| r.as_slice())
            .unwrap_or(&[])
    }
}

/// A verified API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPrincipal {
    pub id: TokenId,
    pub org: OrgId,
    pub scopes: Vec<Scope>,
    /// What kind of organization the token speaks for.
    pub kind: TokenOrgKind,
}

/// The kind of organization behind a token, as far as the decision point cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOrgKind {
    Tenant,
    /// An operator's token: a gateway that asks for any tenant.
    Operator,
    /// A publisher's.
    Other,
}

impl TokenPrincipal {
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// What an organization's managers see on its members page.
#[derive(Clone, Debug)]
pub struct OrgAdmin {
    pub org: Org,
    pub my_roles: Vec<Role>,
    pub can_manage: bool,
    pub members: Vec<Member>,
    pub invitations: Vec<Invitation>,
}

const INVITATION_DAYS: i64 = 7;
const DAY_MS: i64 = 86_400_000;
pub const TOKEN_MAX_DAYS: u32 = 365;

fn field(name: &str, msg: impl Into<String>) -> ServiceError {
    ServiceError::InvalidFields(vec![(name.to_owned(), msg.into())])
}

fn user_of(actor: &Actor) -> Result<UserId> {
    match actor {
        Actor::User(id) => Ok(*id),
        _ => Err(ServiceError::Unauthorized),
    }
}

impl Services {
    /// A new account with a password; the caller signs it in.
    pub async fn sign_up(
        &self,
        client: Option<&str>,
        email: &str,
        display_name: &str,
        password: &str,
    ) -> Result<User> {
        self.limits.sign_up(client)?;
        let mut errors = Vec::new();
        let email = normalize_email(email)
            .map_err(|m| errors.push(("email".to_owned(), m.to_owned())))
            .ok();
        let name = check_display_name(display_name)
            .map_err(|m| errors.push(("display_name".to_owned(), m.to_owned())))
            .ok();
        if let Err(m) = check_password(password, email.as_deref().unwrap_or_default()) {
            errors.push(("password".to_owned(), m));
        }
        let (Some(email), Some(name)) = (email, name) else {
            return Err(ServiceError::InvalidFields(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::InvalidFields(errors));
        }
        if self.store.user_by_email(&email).await?.is_some() {
            return Err(field(
                "email",
                "An account with this email already exists. Sign in instead.",
            ));
        }
        let hash = hash_password(password.to_owned())
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let user = User {
            id: UserId::new(),
            email,
            display_name: name,
            password_hash: Some(hash),
            disabled_at: None,
            created_at: store::now_ms(),
        };
        let tx = self.store.begin_write().await?;
        tx.insert_user(&user).await.map_err(|e| match e {
            store::StoreError::Conflict(_) => field(
                "email",
                "An account with this email already exists. Sign in instead.",
            ),
            e => e.into(),
        })?;
        tx.commit(
            AuditRecord::new(
                domain::audit::Actor::User(user.id.to_string()),
                "user.signed_up",
                "user",
                user.id,
            ),
            vec![],
        )
        .await?;
        Ok(user)
    }

    /// Checks an email and password. Failures say nothing about which part was
    /// wrong, and every attempt is audited.
    pub async fn sign_in(&self, client: Option<&str>, email: &str, password: &str) -> Result<User> {
        let email = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
        self.limits.sign_in(&email, client)?;
        let user = self.store.user_by_email(&email).await?;
        let ok = verify_password(
            user.as_ref().and_then(|u| u.password_hash.clone()),
            password.to_owned(),
        )
        .await;
        let active = user.as_ref().is_some_and(|u| u.disabled_at.is_none());
        let tx = self.store.begin_write().await?;
        let subject = user
            .as_ref()
            .map_or("unknown".to_owned(), |u| u.id.to_string());
        match (ok && active, user) {
            (true, Some(user)) => {
                tx.commit(
                    AuditRecord::new(
                        domain::audit::Actor::User(user.id.to_string()),
                        "user.signed_in",
                        "user",
                        &subject,
                    )
                    .detail(serde_json::json!({"method": "password"})),
                    vec![],
                )
                .await?;
                Ok(user)
            }
            _ => {
                let reason = if ok {
                    "account disabled"
                } else {
                    "bad credentials"
                };
                tx.commit(
                    AuditRecord::new(
                        domain::audit::Actor::Anonymous,
                        "user.sign_in_failed",
                        "user",
                        &subject,
                    )
                    .detail(serde_json::json!({"method": "password", "reason": reason})),
                    vec![],
                )
                .await?;
                Err(ServiceError::InvalidFields(vec![(
                    "password".into(),
                    "That email and password do not match an active account.".into(),
                )]))
            }
        }
    }

    pub async fn record_sign_out(&self, user: UserId) -> Result<()> {
        let tx = self.store.begin_write().await?;
        tx.commit(
            AuditRecord::new(
                domain::audit::Actor::User(user.to_string()),
                "user.signed_out",
                "user",
                user,
            ),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// The account behind a session, if it still exists and is active.
    pub async fn active_user(&self, user: UserId) -> Result<Option<User>> {
        Ok(self
            .store
            .user_by_id(user)
            .await?
            .filter(|u| u.disabled_at.is_none()))
    }

    /// The person behind a session, if their account still exists and is active.
    pub async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        let Some(user) = self.active_user(user).await? else {
            return Ok(None);
        };
        let memberships = self.store.memberships_of(user.id).await?;
        Ok(Some(Principal { user, memberships }))
    }

    /// A signed-in person creates a publisher or tenant organization and becomes its manager.
    pub async fn create_org(
        &self,
        actor: &Actor,
        kind: &str,
        name: &str,
        slug: &str,
    ) -> Result<Org> {
        let user = user_of(actor)?;
        let mut errors = Vec::new();
        let kind = match OrgKind::parse(kind) {
            Some(k @ (OrgKind::Publisher | OrgKind::Tenant)) => Some(k),
            _ => {
                errors.push(("kind".to_owned(), "Choose publisher or tenant.".to_owned()));
                None
            }
        };
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push((
                "name".to_owned(),
                "Give a name of 1 to 100 characters.".to_owned(),
            ));
        }
        let slug = slug.trim().to_lowercase();
        if let Err(m) = validate_slug(&slug) {
            errors.push(("slug".to_owned(), format!("The short name {m}.")));
        }
        let Some(kind) = kind else {
            return Err(ServiceError::InvalidFields(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::InvalidFields(errors));
        }
        let now = store::now_ms();
        let org = Org {
            id: OrgId::new(),
            slug: slug.clone(),
            name: name.to_owned(),
            kind,
            verified_domain: None,
            created_at: now,
            verification_lapsed_at: None,
        };
        let tx = self.store.begin_write().await?;
        tx.insert_org(&org).await.map_err(|e| match e {
            store::StoreError::Conflict(_) => field("slug", "That short name is taken."),
            e => e.into(),
        })?;
        tx.in_org(org.id)
            .grant(user, Role::manager_of(kind), now)
            .await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "org.created", "org", org.id)
                .org(org.id)
                .detail(serde_json::json!({"kind": kind.as_str(), "slug": slug})),
            vec![NewEvent {
                event_type: "org.created".into(),
                org_id: Some(org.id),
                subject_type: "org".into(),
                subject_id: org.id.to_string(),
                payload: serde_json::json!({"org_id": org.id, "kind": kind.as_str(), "slug": org.slug}),
            }],
        )
        .await?;
        Ok(org)
    }

    /// The organization named `slug`, if the actor belongs to it. Anyone else
    /// gets `NotFound`, whether or not it exists.
    pub(crate) async fn member_org(&self, actor: &Actor, slug: &str) -> Result<(Org, Vec<Role>)> {
        let user = user_of(actor)?;
        let org = self
            .store
            .org_by_slug(slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let roles = self.store.in_org(org.id).roles_of(user).await?;
        if roles.is_empty() {
            return Err(ServiceError::NotFound);
        }
        Ok((org, roles))
    }

    /// The organization named `slug`, if the actor manages it (404 if they are
    /// not a member, 403 if they are but do not manage it).
    pub(crate) async fn managed_org(&self, actor: &Actor, slug: &str) -> Result<Org> {
        let (org, roles) = self.member_org(actor, slug).await?;
        if !roles.contains(&Role::manager_of(org.kind)) {
            return Err(ServiceError::Forbidden);
        }
        Ok(org)
    }

    /// Members and open invitations of an organization the actor belongs to.
    pub async fn org_admin(&self, actor: &Actor, slug: &str) -> Result<OrgAdmin> {
        let (org, my_roles) = self.member_org(actor, slug).await?;
        let can_manage = my_roles.contains(&Role::manager_of(org.kind));
        let reader = self.store.in_org(org.id);
        let members = reader.members().await?;
        let invitations = if can_manage {
            reader.open_invitations().await?
        } else {
            Vec::new()
        };
        Ok(OrgAdmin {
            org,
            my_roles,
            can_manage,
            members,
            invitations,
        })
    }

    /// Invites someone by email. The returned secret is the invitation link's
    /// token, shown once to the inviter (no mail is sent yet).
    pub async fn invite(
        &self,
        actor: &Actor,
        slug: &str,
        email: &str,
        role: &str,
    ) -> Result<(Invitation, String)> {
        let org = self.managed_org(actor, slug).await?;
        let inviter = user_of(actor)?;
        let mut errors = Vec::new();
        let email = normalize_email(email)
            .map_err(|m| errors.push(("email".to_owned(), m.to_owned())))
            .ok();
        let role = Role::parse(role).filter(|r| r.fits(org.kind));
        if role.is_none() {
            errors.push((
                "role".to_owned(),
                "Choose one of this organization's roles.".to_owned(),
            ));
        }
        let (Some(email), Some(role)) = (email, role) else {
            return Err(ServiceError::InvalidFields(errors));
        };
        let secret = new_secret("inv");
        let now = store::now_ms();
        let inv = Invitation {
            id: InvitationId::new(),
            org_id: org.id,
            email,
            role,
            token_hash: secret_hash(&secret),
            invited_by: inviter,
            created_at: now,
            expires_at: now + INVITATION_DAYS * DAY_MS,
            accepted_at: None,
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).insert_invitation(&inv).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "member.invited", "invitation", inv.id)
                .org(org.id)
                .detail(serde_json::json!({"role": role.as_str()})),
            vec![],
        )
        .await?;
        // After the commit: a mail failure leaves the invitation (and its link) intact.
        let mail = crate::mail::Mail {
            to: inv.email.clone(),
            subject: format!("You are invited to {} on Steward", org.name),
            body: format!(
                "You were invited to join {} as {}.\n\nOpen /invitations/accept?token={} on your \
                 Steward server within 7 days, signed in as {}.",
                org.name,
                role.label(),
                secret,
                inv.email
            ),
        };
        if let Err(e) = self.mailer.send(mail).await {
            tracing::warn!(invitation = %inv.id, error = %e, "invitation mail not sent");
        }
        Ok((inv, secret))
    }

    /// Withdraws an open invitation.
    pub async fn withdraw_invitation(&self, actor: &Actor, slug: &str, id: &str) -> Result<()> {
        let org = self.managed_org(actor, slug).await?;
        let id: InvitationId = id.parse().map_err(|_| ServiceError::NotFound)?;
        let tx = self.store.begin_write().await?;
        if !tx.in_org(org.id).delete_invitation(id).await? {
            return Err(ServiceError::NotFound);
        }
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "member.invitation_withdrawn",
                "invitation",
                id,
            )
            .org(org.id),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// The signed-in person accepts an invitation addressed to their email.
    pub async fn accept_invitation(&self, actor: &Actor, secret: &str) -> Result<Org> {
        let user_id = user_of(actor)?;
        let user = self
            .store
            .user_by_id(user_id)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        let inv = self
            .store
            .invitation_by_token_hash(&secret_hash(secret.trim()))
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = store::now_ms();
        if inv.accepted_at.is_some() || inv.expires_at <= now {
            return Err(ServiceError::Invalid(
                "This invitation has expired or was already used. Ask for a new one.".into(),
            ));
        }
        if inv.email != user.email {
            return Err(ServiceError::Invalid(
                "This invitation was sent to another email address. Sign in with that account."
                    .into(),
            ));
        }
        let org = self
            .store
            .org_by_id(inv.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let tx = self.store.begin_write().await?;
        let scoped = tx.in_org(org.id);
        if !scoped.accept_invitation(inv.id, now).await? {
            return Err(ServiceError::Invalid(
                "This invitation has expired or was already used. Ask for a new one.".into(),
            ));
        }
        scoped.grant(user.id, inv.role, now).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "member.joined", "user", user.id)
                .org(org.id)
                .detail(serde_json::json!({"role": inv.role.as_str(), "invitation_id": inv.id})),
            vec![],
        )
        .await?;
        Ok(org)
    }

    /// Open invitations for the signed-in person's email.
    pub async fn my_invitations(&self, actor: &Actor) -> Result<Vec<(Invitation, Org)>> {
        let user_id = user_of(actor)?;
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Err(ServiceError::Unauthorized);
        };
        let mut out = Vec::new();
        for inv in self
            .store
            .invitations_for_email(&user.email, store::now_ms())
            .await?
        {
            if let Some(org) = self.store.org_by_id(inv.org_id).await? {
                out.push((inv, org));
            }
        }
        Ok(out)
    }

    /// Replaces a member's roles with one role. The last manager cannot demote
    /// themselves.
    pub async fn set_member_role(
        &self,
        actor: &Actor,
        slug: &str,
        member: &str,
        role: &str,
    ) -> Result<()> {
        let org = self.managed_org(actor, slug).await?;
        let member: UserId = member.parse().map_err(|_| ServiceError::NotFound)?;
        let role = Role::parse(role)
            .filter(|r| r.fits(org.kind))
            .ok_or_else(|| field("role", "Choose one of this organization's roles."))?;
        let manager = Role::manager_of(org.kind);
        let tx = self.store.begin_write().await?;
        let scoped = tx.in_org(org.id);
        let before = scoped.roles_of(member).await?;
        if before.is_empty() {
            return Err(ServiceError::NotFound);
        }
        if before.contains(&manager)
            && role != manager
            && scoped.count_with_role(manager).await? <= 1
        {
            return Err(ServiceError::Conflict(format!(
                "The organization needs at least one {}.",
                manager.label().to_lowercase()
            )));
        }
        scoped.remove_member(member).await?;
        scoped.grant(member, role, store::now_ms()).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "member.role_changed", "user", member)
                .org(org.id)
                .detail(serde_json::json!({
                    "from": before.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                    "to": [role.as_str()],
                })),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// Removes a member (not the last manager).
    pub async fn remove_member(&self, actor: &Actor, slug: &str, member: &str) -> Result<()> {
        let org = self.managed_org(actor, slug).await?;
        let member: UserId = member.parse().map_err(|_| ServiceError::NotFound)?;
        let manager = Role::manager_of(org.kind);
        let tx = self.store.begin_write().await?;
        let scoped = tx.in_org(org.id);
        let before = scoped.roles_of(member).await?;
        if before.is_empty() {
            return Err(ServiceError::NotFound);
        }
        if before.contains(&manager) && scoped.count_with_role(manager).await? <= 1 {
            return Err(ServiceError::Conflict(format!(
                "The organization needs at least one {}.",
                manager.label().to_lowercase()
            )));
        }
        scoped.remove_member(member).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "member.removed", "user", member).org(org.id),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// Creates an API token; the secret is returned once and never stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        slug: &str,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<u32>,
    ) -> Result<(ApiToken, String)> {
        let org = self.managed_org(actor, slug).await?;
        let creator = user_of(actor)?;
        let mut errors = Vec::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push((
                "name".to_owned(),
                "Give the token a name of 1 to 100 characters.".to_owned(),
            ));
        }
        let mut parsed = Vec::new();
        for s in scopes {
            match Scope::parse(s) {
                Some(sc) if !parsed.contains(&sc) => parsed.push(sc),
                Some(_) => {}
                None => errors.push(("scopes".to_owned(), format!("Unknown scope {s:?}."))),
            }
        }
        if parsed.is_empty() && !errors.iter().any(|(f, _)| f == "scopes") {
            errors.push(("scopes".to_owned(), "Choose at least one scope.".to_owned()));
        }
        if let Some(d) = expires_in_days
            && (d == 0 || d > TOKEN_MAX_DAYS)
        {
            errors.push((
                "expires_in_days".to_owned(),
                format!("Choose between 1 and {TOKEN_MAX_DAYS} days."),
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::InvalidFields(errors));
        }
        parsed.sort();
        let secret = new_secret("stw");
        let now = store::now_ms();
        let token = ApiToken {
            id: TokenId::new(),
            org_id: org.id,
            name: name.to_owned(),
            prefix: secret[..12].to_owned(),
            token_hash: secret_hash(&secret),
            scopes: parsed,
            created_by: creator,
            created_at: now,
            expires_at: expires_in_days.map(|d| now + d as i64 * DAY_MS),
            last_used_at: None,
            revoked_at: None,
        };
        let tx = self.store.begin_write().await?;
        tx.in_org(org.id).insert_token(&token).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "token.created", "api_token", token.id)
                .org(org.id)
                .detail(serde_json::json!({
                    "name": token.name,
                    "scopes": token.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "expires_at": token.expires_at,
                })),
            vec![],
        )
        .await?;
        Ok((token, secret))
    }

    pub async fn tokens(&self, actor: &Actor, slug: &str) -> Result<(Org, Vec<ApiToken>)> {
        let org = self.managed_org(actor, slug).await?;
        let tokens = self.store.in_org(org.id).tokens().await?;
        Ok((org, tokens))
    }

    pub async fn revoke_token(&self, actor: &Actor, slug: &str, token: &str) -> Result<()> {
        let org = self.managed_org(actor, slug).await?;
        let id: TokenId = token.parse().map_err(|_| ServiceError::NotFound)?;
        let tx = self.store.begin_write().await?;
        if !tx.in_org(org.id).revoke_token(id, store::now_ms()).await? {
            // Unknown here, or already revoked: both read as "nothing to revoke".
            return Err(ServiceError::NotFound);
        }
        tx.commit(
            AuditRecord::new(actor.audit(), "token.revoked", "api_token", id).org(org.id),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// Bearer authentication for `/api/v1`. Tokens are remembered (by secret
    /// hash) while the decision feed is live; a revocation or any change to the
    /// organization's tokens drops them on every process before it returns.
    pub async fn authenticate_token(&self, bearer: &str) -> Result<TokenPrincipal> {
        let bearer = bearer.trim();
        if !bearer.starts_with("stw_") || bearer.len() != 52 {
            return Err(ServiceError::Unauthorized);
        }
        let digest = crate::secrets::secret_digest(bearer);
        let now = store::now_ms();
        let used = match self
            .decisions
            .with_token(&digest, |t| self.use_token(t, now))
        {
            Some(used) => used?,
            None => {
                let generation = self.decisions.generation();
                let token = self
                    .store
                    .token_by_hash(&hex::encode(digest))
                    .await?
                    .ok_or(ServiceError::Unauthorized)?;
                if token.revoked_at.is_some() {
                    return Err(ServiceError::Unauthorized);
                }
                let kind = match self.store.org_by_id(token.org_id).await?.map(|o| o.kind) {
                    Some(OrgKind::Tenant) => TokenOrgKind::Tenant,
                    Some(OrgKind::Operator) => TokenOrgKind::Operator,
                    Some(_) => TokenOrgKind::Other,
                    None => return Err(ServiceError::Unauthorized),
                };
                let t = std::sync::Arc::new(crate::decisions::CachedToken {
                    principal: TokenPrincipal {
                        id: token.id,
                        org: token.org_id,
                        scopes: token.scopes,
                        kind,
                    },
                    expires_at: token.expires_at,
                    last_used: std::sync::atomic::AtomicI64::new(token.last_used_at.unwrap_or(0)),
                });
                self.decisions.put_token(digest, t.clone(), generation);
                self.use_token(&t, now)?
            }
        };
        let (principal, record_use) = used;
        if record_use {
            self.store.record_token_use(principal.id, now).await?;
        }
        Ok(principal)
    }

    /// One use of a known token: refused once expired or over its rate;
    /// whether this call should write the token's last use (to the minute is
    /// enough, and spares a write per call: one caller per minute wins).
    fn use_token(
        &self,
        t: &crate::decisions::CachedToken,
        now: i64,
    ) -> Result<(TokenPrincipal, bool)> {
        use std::sync::atomic::Ordering;
        if t.expires_at.is_some_and(|e| e <= now) {
            return Err(ServiceError::Unauthorized);
        }
        self.limits.token(t.principal.id)?;
        let last = t.last_used.load(Ordering::Relaxed);
        let record = now - last > 60_000
            && t.last_used
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
        Ok((t.principal.clone(), record))
    }

    /// An operator admin disables an account; its sessions end at once.
    pub async fn disable_user(&self, actor: &Actor, user: UserId) -> Result<()> {
        self.require_operator(actor, Role::Admin).await?;
        let tx = self.store.begin_write().await?;
        tx.set_user_disabled(user, Some(store::now_ms())).await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "user.disabled", "user", user),
            vec![],
        )
        .await?;
        self.store
            .session_store()
            .delete_sessions_of_user(&user.to_string())
            .await?;
        Ok(())
    }

    /// The roles a person holds in operator organizations.
    pub(crate) async fn operator_roles(&self, user: UserId) -> Result<Vec<Role>> {
        Ok(self
            .store
            .memberships_of(user)
            .await?
            .into_iter()
            .filter(|(o, _)| o.kind == OrgKind::Operator)
            .flat_map(|(_, roles)| roles)
            .collect())
    }

    /// Holds `role` in an operator organization (the CLI, as System, always does).
    pub async fn require_operator(&self, actor: &Actor, role: Role) -> Result<()> {
        match actor {
            Actor::System => Ok(()),
            Actor::User(id) => {
                if self.operator_roles(*id).await?.contains(&role) {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden)
                }
            }
            _ => Err(ServiceError::Forbidden),
        }
    }

    /// `steward user create`: an account, optionally an admin of the operator
    /// organization (created if there is none yet).
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        operator_admin: bool,
    ) -> Result<User> {
        let email = normalize_email(email).map_err(|m| field("email", m))?;
        let name = check_display_name(display_name).map_err(|m| field("display_name", m))?;
        check_password(password, &email).map_err(|m| field("password", m))?;
        if self.store.user_by_email(&email).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "an account for {email} already exists"
            )));
        }
        let hash = hash_password(password.to_owned())
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let now = store::now_ms();
        let user = User {
            id: UserId::new(),
            email,
            display_name: name,
            password_hash: Some(hash),
            disabled_at: None,
            created_at: now,
        };
        let operator = if operator_admin {
            Some(self.store.org_by_slug(crate::demo::OPERATOR_SLUG).await?)
        } else {
            None
        };
        let tx = self.store.begin_write().await?;
        tx.insert_user(&user).await?;
        let mut record = AuditRecord::new(
            domain::audit::Actor::System,
            "user.created",
            "user",
            user.id,
        );
        if let Some(existing) = operator {
            let org = match existing {
                Some(o) => o,
                None => {
                    let o = Org {
                        id: OrgId::new(),
                        slug: crate::demo::OPERATOR_SLUG.into(),
                        name: "Marketplace Operations".into(),
                        kind: OrgKind::Operator,
                        verified_domain: None,
                        created_at: now,
                        verification_lapsed_at: None,
                    };
                    tx.insert_org(&o).await?;
                    o
                }
            };
            tx.in_org(org.id).grant(user.id, Role::Admin, now).await?;
            record = record
                .org(org.id)
                .detail(serde_json::json!({"roles": ["admin"]}));
        }
        tx.commit(record, vec![]).await?;
        Ok(user)
    }
}

/// What an external provider vouched for, after Steward verified its ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalIdentity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

impl Services {
    /// Signs in with a verified external identity. Linking it to an existing
    /// account requires being signed in to that account (`linking`); an
    /// unknown identity whose email belongs to an account is refused rather
    /// than silently merged.
    pub async fn sign_in_external(
        &self,
        id: &ExternalIdentity,
        linking: Option<UserId>,
    ) -> Result<User> {
        let now = store::now_ms();
        let method = format!("oidc:{}", id.provider);
        if let Some(existing) = self
            .store
            .user_by_identity(&id.provider, &id.subject)
            .await?
        {
            if let Some(l) = linking
                && l != existing
            {
                return Err(ServiceError::Invalid(
                    "That identity is already linked to another Steward account.".into(),
                ));
            }
            let user = self
                .store
                .user_by_id(existing)
                .await?
                .filter(|u| u.disabled_at.is_none())
                .ok_or_else(|| ServiceError::Invalid("This account is disabled.".into()))?;
            let tx = self.store.begin_write().await?;
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::User(user.id.to_string()),
                    "user.signed_in",
                    "user",
                    user.id,
                )
                .detail(serde_json::json!({"method": method})),
                vec![],
            )
            .await?;
            return Ok(user);
        }
        if let Some(uid) = linking {
            let user = self
                .store
                .user_by_id(uid)
                .await?
                .filter(|u| u.disabled_at.is_none())
                .ok_or(ServiceError::Unauthorized)?;
            let tx = self.store.begin_write().await?;
            tx.link_identity(&id.provider, &id.subject, user.id, id.email.as_deref(), now)
                .await?;
            tx.commit(
                AuditRecord::new(
                    domain::audit::Actor::User(user.id.to_string()),
                    "user.identity_linked",
                    "user",
                    user.id,
                )
                .detail(serde_json::json!({"provider": id.provider})),
                vec![],
            )
            .await?;
            return Ok(user);
        }
        let email = match (&id.email, id.email_verified) {
            (Some(e), true) => normalize_email(e).map_err(|m| ServiceError::Invalid(m.into()))?,
            _ => {
                return Err(ServiceError::Invalid(
                    "The provider did not share a verified email address, which Steward needs for a new account."
                        .into(),
                ));
            }
        };
        if self.store.user_by_email(&email).await?.is_some() {
            return Err(ServiceError::Invalid(
                "An account with this email already exists. Sign in with your password, then link this \
                 provider from your account page."
                    .into(),
            ));
        }
        let name = id
            .name
            .as_deref()
            .and_then(|n| check_display_name(n).ok())
            .unwrap_or_else(|| email.split('@').next().unwrap_or("New user").to_owned());
        let user = User {
            id: UserId::new(),
            email,
            display_name: name,
            password_hash: None,
            disabled_at: None,
            created_at: now,
        };
        let tx = self.store.begin_write().await?;
        tx.insert_user(&user).await?;
        tx.link_identity(&id.provider, &id.subject, user.id, id.email.as_deref(), now)
            .await?;
        tx.commit(
            AuditRecord::new(
                domain::audit::Actor::User(user.id.to_string()),
                "user.signed_up",
                "user",
                user.id,
            )
            .detail(serde_json::json!({"method": method})),
            vec![],
        )
        .await?;
        Ok(user)
    }
}

/// Roles that may read across organizations in the console.
const CROSS_ORG_READERS: [Role; 4] = [
    Role::Admin,
    Role::Auditor,
    Role::TrustSafety,
    Role::Security,
];

impl Services {
    /// The operator's explicit cross-organization path. Only operators with a
    /// reading role get here; every read of another organization's private data
    /// is an audit entry (who, which organization, why) written before the read.
    async fn operator_read(&self, actor: &Actor, org: &Org, what: &str) -> Result<()> {
        let Actor::User(user) = actor else {
            return Err(ServiceError::Unauthorized);
        };
        let roles = self.operator_roles(*user).await?;
        if !roles.iter().any(|r| CROSS_ORG_READERS.contains(r)) {
            return Err(ServiceError::NotFound);
        }
        let tx = self.store.begin_write().await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "operator.read", "org", org.id)
                .org(org.id)
                .detail(serde_json::json!({"what": what})),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// Console: every organization (names and kinds are not private).
    pub async fn console_orgs(&self, actor: &Actor) -> Result<Vec<Org>> {
        let Actor::User(user) = actor else {
            return Err(ServiceError::Unauthorized);
        };
        if self.operator_roles(*user).await?.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.all_orgs().await?)
    }

    /// Console: one organization's members, read across the boundary and audited.
    pub async fn console_org_members(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<(Org, Vec<Member>)> {
        user_of(actor)?;
        let org = self
            .store
            .org_by_slug(slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.operator_read(actor, &org, "members").await?;
        let members = self.store.in_org(org.id).members().await?;
        Ok((org, members))
    }
}
