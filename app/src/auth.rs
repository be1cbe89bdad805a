//! Server functions for accounts, organizations, invitations and tokens.
//! Every one of them names its actor from the session; none trusts an id it is
//! sent without asking the service whether this actor may touch it.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod session {
    //! The session: who is signed in, since when.

    use services::domain::UserId;
    use services::{Actor, Principal, ServiceError, Services};
    use tower_sessions::Session;

    use crate::error::AppError;

    pub const USER_KEY: &str = "user_id";
    pub const SIGNED_IN_KEY: &str = "signed_in_at";
    /// However active a session is, it ends this long after sign-in.
    pub const ABSOLUTE_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

    fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::from(ServiceError::Internal(e.to_string().into()))
    }

    pub fn services() -> Result<Services, AppError> {
        crate::api::ssr::services()
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(internal)
    }

    /// The client's address, for rate limits.
    pub async fn client() -> Option<String> {
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .ok()
            .map(|c| c.0.ip().to_string())
    }

    /// Signs `user` in: a new session id (no fixation), then the identity.
    pub async fn sign_in(user: UserId) -> Result<(), AppError> {
        let s = session().await?;
        s.cycle_id().await.map_err(internal)?;
        s.insert(USER_KEY, user.to_string())
            .await
            .map_err(internal)?;
        s.insert(SIGNED_IN_KEY, services::records_now())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The signed-in account, checked live: a disabled or deleted account, or a
    /// session past its absolute lifetime, is signed out here.
    async fn session_user() -> Result<Option<services::records::User>, AppError> {
        user_of(&session().await?, &services()?).await
    }

    /// The actor of a session, for a plain axum handler outside Leptos (the
    /// audit export): the same live checks as [`actor`].
    pub async fn actor_of(s: &Session, services: &Services) -> Result<Actor, AppError> {
        Ok(match user_of(s, services).await? {
            Some(u) => Actor::User(u.id),
            None => Actor::Anonymous,
        })
    }

    async fn user_of(
        s: &Session,
        services: &Services,
    ) -> Result<Option<services::records::User>, AppError> {
        let Some(user) = s.get::<String>(USER_KEY).await.map_err(internal)? else {
            return Ok(None);
        };
        let since = s
            .get::<i64>(SIGNED_IN_KEY)
            .await
            .map_err(internal)?
            .unwrap_or(0);
        let expired = services::records_now() - since > ABSOLUTE_LIFETIME_MS;
        let found = match user.parse::<UserId>() {
            Ok(id) if !expired => services.active_user(id).await?,
            _ => None,
        };
        if found.is_none() {
            s.flush().await.map_err(internal)?;
        }
        Ok(found)
    }

    /// The signed-in person with their memberships (for what the header shows).
    pub async fn principal() -> Result<Option<Principal>, AppError> {
        match session_user().await? {
            Some(u) => Ok(services()?.principal(u.id).await?),
            None => Ok(None),
        }
    }

    /// The actor for a service call: a person, or anonymous. Only the account
    /// is checked here; the service looks up the memberships it needs.
    pub async fn actor() -> Result<Actor, AppError> {
        Ok(match session_user().await? {
            Some(u) => Actor::User(u.id),
            None => Actor::Anonymous,
        })
    }
}

#[cfg(feature = "ssr")]
fn org_ref(org: &services::records::Org, roles: &[services::domain::identity::Role]) -> OrgRef {
    OrgRef {
        slug: org.slug.clone(),
        name: org.name.clone(),
        kind: org.kind.as_str().to_owned(),
        kind_label: match org.kind {
            services::domain::org::OrgKind::Operator => "Operator",
            services::domain::org::OrgKind::Publisher => "Publisher",
            services::domain::org::OrgKind::Tenant => "Tenant",
        }
        .to_owned(),
        roles: roles.iter().map(|r| r.label().to_owned()).collect(),
    }
}

/// The external sign-in providers configured on this server: (name, label).
#[derive(Clone, Debug, Default)]
pub struct ExternalProviders(pub Vec<(String, String)>);

/// Public: which "Sign in with …" buttons to show.
#[server(endpoint = "sign_in_options")]
pub async fn sign_in_options() -> Result<Vec<(String, String)>, AppError> {
    Ok(use_context::<ExternalProviders>().unwrap_or_default().0)
}

#[cfg(feature = "ssr")]
fn member_item(m: services::records::Member) -> MemberItem {
    MemberItem {
        user_id: m.user_id.to_string(),
        name: m.display_name,
        email: m.email,
        roles: m.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        role_labels: m.roles.iter().map(|r| r.label().to_owned()).collect(),
        disabled: m.disabled,
    }
}

/// Who is signed in (nothing if nobody).
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<MeView>, AppError> {
    let Some(p) = session::principal().await? else {
        return Ok(None);
    };
    let linked_providers = session::services()?
        .store
        .identities_of(p.user.id)
        .await
        .map_err(|e| AppError::from(services::ServiceError::from(e)))?;
    Ok(Some(MeView {
        linked_providers,
        name: p.user.display_name,
        email: p.user.email,
        orgs: p.memberships.iter().map(|(o, r)| org_ref(o, r)).collect(),
    }))
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let client = session::client().await;
    let user = session::services()?
        .sign_up(client.as_deref(), &email, &display_name, &password)
        .await?;
    session::sign_in(user.id).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let client = session::client().await;
    let user = session::services()?
        .sign_in(client.as_deref(), &email, &password)
        .await?;
    session::sign_in(user.id).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    if let Some(p) = session::principal().await? {
        session::services()?.record_sign_out(p.user.id).await?;
    }
    let s = session::session().await?;
    s.delete()
        .await
        .map_err(|e| AppError::from(services::ServiceError::Internal(e.to_string().into())))?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Only same-site paths: an open redirect would make phishing easy.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/account".to_owned(),
    }
}

#[server(endpoint = "create_org")]
pub async fn create_org(kind: String, name: String, slug: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let org = session::services()?
        .create_org(&actor, &kind, &name, &slug)
        .await?;
    leptos_axum::redirect(&format!("/orgs/{}", org.slug));
    Ok(())
}

#[server(endpoint = "my_invitations")]
pub async fn my_invitations() -> Result<Vec<InvitationItem>, AppError> {
    let actor = session::actor().await?;
    let now = services::records_now();
    Ok(session::services()?
        .my_invitations(&actor)
        .await?
        .into_iter()
        .map(|(inv, org)| InvitationItem {
            id: inv.id.to_string(),
            org_name: org.name,
            email: inv.email,
            role: inv.role.label().to_owned(),
            expires: services::format_date(inv.expires_at),
            expired: inv.expires_at <= now,
        })
        .collect())
}

#[server(endpoint = "org")]
pub async fn org_page(slug: String) -> Result<OrgView, AppError> {
    let actor = session::actor().await?;
    let a = session::services()?.org_admin(&actor, &slug).await?;
    let now = services::records_now();
    let kind_label = org_ref(&a.org, &[]).kind_label;
    Ok(OrgView {
        roles: services::domain::identity::Role::for_kind(a.org.kind)
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
        slug: a.org.slug,
        kind_label,
        name: a.org.name.clone(),
        can_manage: a.can_manage,
        is_publisher: a.org.kind == services::domain::org::OrgKind::Publisher,
        my_roles: a.my_roles.iter().map(|r| r.label().to_owned()).collect(),
        members: a.members.into_iter().map(member_item).collect(),
        invitations: a
            .invitations
            .into_iter()
            .map(|i| InvitationItem {
                id: i.id.to_string(),
                org_name: String::new(),
                email: i.email,
                role: i.role.label().to_owned(),
                expires: services::format_date(i.expires_at),
                expired: i.expires_at <= now,
            })
            .collect(),
    })
}

#[server(endpoint = "invite")]
pub async fn invite(slug: String, email: String, role: String) -> Result<InviteResult, AppError> {
    let actor = session::actor().await?;
    let (inv, secret) = session::services()?
        .invite(&actor, &slug, &email, &role)
        .await?;
    Ok(InviteResult {
        email: inv.email,
        link: format!("/invitations/accept?token={secret}"),
    })
}

#[server(endpoint = "withdraw_invitation")]
pub async fn withdraw_invitation(slug: String, id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .withdraw_invitation(&actor, &slug, &id)
        .await?;
    Ok(())
}

#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    let org = session::services()?
        .accept_invitation(&actor, &token)
        .await?;
    leptos_axum::redirect(&format!("/orgs/{}", org.slug));
    Ok(())
}

#[server(endpoint = "set_member_role")]
pub async fn set_member_role(slug: String, user_id: String, role: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .set_member_role(&actor, &slug, &user_id, &role)
        .await?;
    Ok(())
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(slug: String, user_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .remove_member(&actor, &slug, &user_id)
        .await?;
    Ok(())
}

#[server(endpoint = "tokens")]
pub async fn tokens_page(slug: String) -> Result<TokensView, AppError> {
    let actor = session::actor().await?;
    let (org, tokens) = session::services()?.tokens(&actor, &slug).await?;
    let now = services::records_now();
    let date = |t: Option<i64>, none: &str| {
        t.map(services::format_date)
            .unwrap_or_else(|| none.to_owned())
    };
    Ok(TokensView {
        org_slug: org.slug,
        org_name: org.name,
        tokens: tokens
            .into_iter()
            .map(|t| TokenItem {
                id: t.id.to_string(),
                status: if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at.is_some_and(|e| e <= now) {
                    "expired"
                } else {
                    "active"
                }
                .to_owned(),
                name: t.name,
                prefix: t.prefix,
                scopes: t.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
                created: services::format_date(t.created_at),
                expires: date(t.expires_at, "never"),
                last_used: date(t.last_used_at, "never"),
            })
            .collect(),
        scopes: services::domain::identity::Scope::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.describe().to_owned()))
            .collect(),
    })
}

#[server(endpoint = "create_token")]
pub async fn create_token(
    slug: String,
    name: String,
    #[server(default)] scopes: Vec<String>,
    expires_in_days: Option<String>,
) -> Result<NewToken, AppError> {
    let actor = session::actor().await?;
    let days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") | Some("never") => None,
        Some(d) => Some(d.parse::<u32>().map_err(|_| {
            AppError::from(services::ServiceError::InvalidFields(vec![(
                "expires_in_days".into(),
                "Give a number of days.".into(),
            )]))
        })?),
    };
    let (token, secret) = session::services()?
        .create_token(&actor, &slug, &name, &scopes, days)
        .await?;
    Ok(NewToken {
        name: token.name,
        secret,
    })
}

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(slug: String, token_id: String) -> Result<(), AppError> {
    let actor = session::actor().await?;
    session::services()?
        .revoke_token(&actor, &slug, &token_id)
        .await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn check_item(c: services::records::DomainCheck) -> DomainCheckItem {
    use services::domain::verification::{Method, WELL_KNOWN_PATH, txt_name};
    DomainCheckItem {
        location: match c.method {
            Method::Https => format!("https://{}{WELL_KNOWN_PATH}", c.domain),
            Method::DnsTxt => format!("TXT record at {}", txt_name(&c.domain)),
        },
        method: match c.method {
            Method::Https => "HTTPS file",
            Method::DnsTxt => "DNS TXT record",
        }
        .to_owned(),
        status: c.status.as_str().to_owned(),
        checked: c
            .checked_at
            .map(services::format_date)
            .unwrap_or_else(|| "not yet".into()),
        domain: c.domain,
        token: c.token,
        last_error: c.last_error,
    }
}

/// A publisher's domain checks (its managers only).
#[server(endpoint = "domain_checks")]
pub async fn domain_checks(slug: String) -> Result<Vec<DomainCheckItem>, AppError> {
    let actor = session::actor().await?;
    Ok(session::services()?
        .domain_checks(&actor, &slug)
        .await?
        .into_iter()
        .map(check_item)
        .collect())
}

#[server(endpoint = "start_domain_verification")]
pub async fn start_domain_verification(
    slug: String,
    domain: String,
    method: String,
) -> Result<DomainCheckItem, AppError> {
    let actor = session::actor().await?;
    Ok(check_item(
        session::services()?
            .start_domain_verification(&actor, &slug, &domain, &method)
            .await?,
    ))
}

#[server(endpoint = "check_domain")]
pub async fn check_domain(slug: String, domain: String) -> Result<DomainCheckItem, AppError> {
    let actor = session::actor().await?;
    Ok(check_item(
        session::services()?
            .check_domain_verification(&actor, &slug, &domain)
            .await?,
    ))
}

/// Console: all organizations (operators only).
#[server(endpoint = "console_orgs")]
pub async fn console_orgs() -> Result<Vec<OrgRef>, AppError> {
    let actor = session::actor().await?;
    Ok(session::services()?
        .console_orgs(&actor)
        .await?
        .iter()
        .map(|o| org_ref(o, &[]))
        .collect())
}

/// Console: one organization's members; the read is audited.
#[server(endpoint = "console_org")]
pub async fn console_org(slug: String) -> Result<ConsoleOrgView, AppError> {
    let actor = session::actor().await?;
    let (org, members) = session::services()?
        .console_org_members(&actor, &slug)
        .await?;
    Ok(ConsoleOrgView {
        kind_label: org_ref(&org, &[]).kind_label,
        name: org.name,
        slug: org.slug,
        members: members.into_iter().map(member_item).collect(),
    })
}
