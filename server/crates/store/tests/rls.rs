//! PostgreSQL row-level security lint and behaviour. Every test here runs as
//! the non-privileged app role that `store::testing::postgres()` connects as.

use domain::identity::{Role, Scope};
use domain::org::OrgKind;
use domain::{OrgId, TokenId, UserId};
use store::records::{ApiToken, Org, User};
use store::testing::{APP_ROLE, postgres, raw_count};
use store::{Store, now_ms};

async fn org_with_member_and_token(s: &Store, slug: &str) -> (Org, User, ApiToken) {
    let org = Org {
        id: OrgId::new(),
        slug: slug.into(),
        name: slug.into(),
        kind: OrgKind::Publisher,
        verified_domain: None,
        created_at: now_ms(),
        verification_lapsed_at: None,
    };
    let user = User {
        id: UserId::new(),
        email: format!("{slug}@example.com"),
        display_name: slug.into(),
        password_hash: None,
        disabled_at: None,
        created_at: now_ms(),
    };
    let token = ApiToken {
        id: TokenId::new(),
        org_id: org.id,
        name: format!("{slug}-token"),
        prefix: "stw_0000".into(),
        token_hash: format!("{slug:x>64}"),
        scopes: vec![Scope::Authorize],
        created_by: user.id,
        created_at: now_ms(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    };
    let tx = s.begin_write().await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.insert_user(&user).await.unwrap();
    tx.in_org(org.id)
        .grant(user.id, Role::Owner, now_ms())
        .await
        .unwrap();
    tx.in_org(org.id).insert_token(&token).await.unwrap();
    tx.commit(
        domain::audit::AuditRecord::new(domain::audit::Actor::System, "test", "org", org.id),
        vec![],
    )
    .await
    .unwrap();
    (org, user, token)
}

#[tokio::test]
async fn every_org_owned_table_has_row_level_security_forced() {
    let Some(db) = postgres().await else { return };
    let all: Vec<&str> = migrations::RLS_TABLES
        .iter()
        .copied()
        .chain(migrations::MARKETPLACE_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::PORTAL_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::REVIEW_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::INSTALL_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::AUTHZ_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::IDEMPOTENCY_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::BUYER_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::CATALOG_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::INTEGRATION_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::NAMED_INTEGRATION_TABLES.iter().map(|(t, _)| *t))
        .chain(migrations::FANOUT_TABLES.iter().map(|(t, _)| *t))
        .collect();
    for t in &all {
        let n = raw_count(
            &db.store,
            &format!(
                "SELECT count(*) FROM pg_class WHERE relname = '{t}' AND relrowsecurity AND relforcerowsecurity"
            ),
        )
        .await
        .unwrap();
        assert_eq!(n, 1, "{t} must have row-level security enabled and forced");
        let policies = raw_count(
            &db.store,
            &format!("SELECT count(*) FROM pg_policies WHERE tablename = '{t}'"),
        )
        .await
        .unwrap();
        assert!(policies >= 1, "{t} has no policy");
    }
    // Every table with an org_id column is either under RLS or on the reviewed list.
    // The audit chain and the outbox are global by design: one hash chain, one
    // delivery order. Their org_id says whom an entry concerns, not who owns it.
    let reviewed = ["audit_entry", "outbox_event"];
    let marketplace: Vec<&str> = migrations::MARKETPLACE_TABLES
        .iter()
        .chain(migrations::PORTAL_TABLES)
        .chain(migrations::REVIEW_TABLES)
        .chain(migrations::INSTALL_TABLES)
        .chain(migrations::AUTHZ_TABLES)
        .chain(migrations::IDEMPOTENCY_TABLES)
        .chain(migrations::BUYER_TABLES)
        .chain(migrations::CATALOG_TABLES)
        .chain(migrations::INTEGRATION_TABLES)
        .chain(migrations::NAMED_INTEGRATION_TABLES)
        .chain(migrations::FANOUT_TABLES)
        .map(|(t, _)| *t)
        .collect();
    let org_owned = raw_count(
        &db.store,
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' \
         AND column_name IN ('org_id', 'subject_org_id')",
    )
    .await
    .unwrap();
    assert!(org_owned >= 13, "found only {org_owned} org-owned tables");
    for t in reviewed
        .iter()
        .chain(migrations::RLS_TABLES)
        .chain(marketplace.iter())
    {
        let has = raw_count(
            &db.store,
            &format!(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name = '{t}' AND column_name IN ('org_id', 'subject_org_id')"
            ),
        )
        .await
        .unwrap();
        assert_eq!(has, 1, "{t} is expected to be org-owned");
    }
    let unreviewed = raw_count(
        &db.store,
        &format!(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' \
             AND column_name IN ('org_id', 'subject_org_id') AND table_name NOT IN ({})",
            reviewed
                .iter()
                .chain(migrations::RLS_TABLES)
                .chain(marketplace.iter())
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        unreviewed, 0,
        "a new org-owned table needs RLS or a reviewed exception"
    );
}

#[tokio::test]
async fn the_app_role_cannot_bypass_row_level_security() {
    let Some(db) = postgres().await else { return };
    let me = raw_count(
        &db.store,
        &format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = current_user AND rolname = '{APP_ROLE}' \
             AND NOT rolsuper AND NOT rolbypassrls"
        ),
    )
    .await
    .unwrap();
    assert_eq!(me, 1, "the app connects as a plain role");
    for t in migrations::RLS_TABLES
        .iter()
        .chain(migrations::MARKETPLACE_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::PORTAL_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::REVIEW_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::INSTALL_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::AUTHZ_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::IDEMPOTENCY_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::CATALOG_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::INTEGRATION_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::NAMED_INTEGRATION_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::FANOUT_TABLES.iter().map(|(t, _)| t))
    {
        let owns = raw_count(
            &db.store,
            &format!("SELECT count(*) FROM pg_tables WHERE tablename = '{t}' AND tableowner = current_user"),
        )
        .await
        .unwrap();
        assert_eq!(owns, 0, "the app role must not own {t}");
    }
}

#[tokio::test]
async fn with_no_scope_selects_return_nothing_and_writes_fail() {
    let Some(db) = postgres().await else { return };
    let s = &db.store;
    let (a, alice, a_token) = org_with_member_and_token(s, "rls-a").await;
    let (b, _bob, b_token) = org_with_member_and_token(s, "rls-b").await;

    // Raw SQL with no scope named sees nothing, whatever it asks.
    for t in migrations::RLS_TABLES
        .iter()
        .chain(migrations::MARKETPLACE_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::PORTAL_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::REVIEW_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::INSTALL_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::AUTHZ_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::IDEMPOTENCY_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::CATALOG_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::INTEGRATION_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::NAMED_INTEGRATION_TABLES.iter().map(|(t, _)| t))
        .chain(migrations::FANOUT_TABLES.iter().map(|(t, _)| t))
    {
        assert_eq!(
            raw_count(s, &format!("SELECT count(*) FROM {t}"))
                .await
                .unwrap(),
            0,
            "{t}"
        );
    }
    assert_eq!(
        raw_count(
            s,
            &format!("SELECT count(*) FROM api_token WHERE org_id = '{}'", a.id)
        )
        .await
        .unwrap(),
        0
    );
    let write = s
        .execute_raw(&format!(
            "INSERT INTO membership (org_id, user_id, role, created_at) VALUES ('{}', '{}', 'owner', 0)",
            b.id, alice.id
        ))
        .await;
    assert!(
        write.is_err(),
        "an unscoped write must be refused by the policy"
    );

    // Through the store's scopes, each organization sees exactly its own rows.
    let a_tokens = s.in_org(a.id).tokens().await.unwrap();
    assert_eq!(
        a_tokens.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![a_token.id]
    );
    let b_members = s.in_org(b.id).members().await.unwrap();
    assert_eq!(b_members.len(), 1);
    assert_ne!(b_members[0].user_id, alice.id);
    // A person sees their own memberships; authentication by hash works (system scope).
    assert_eq!(s.memberships_of(alice.id).await.unwrap()[0].0.id, a.id);
    assert_eq!(
        s.token_by_hash(&b_token.token_hash)
            .await
            .unwrap()
            .unwrap()
            .org_id,
        b.id
    );
}

#[tokio::test]
async fn the_public_sees_published_listings_only() {
    use domain::listing::VersionState;
    use domain::{ListingId, VersionId};
    use store::records::{CatalogQuery, Listing, Version};
    let Some(db) = postgres().await else { return };
    let s = &db.store;
    let (org, _, _) = org_with_member_and_token(s, "rls-pub").await;
    let tx = s.begin_write().await.unwrap();
    for (slug, state) in [
        ("shown", VersionState::Published),
        ("hidden", VersionState::Draft),
    ] {
        let l = Listing {
            id: ListingId::new(),
            org_id: org.id,
            slug: slug.into(),
            name: slug.into(),
            category: "utilities".into(),
            summary: "s".into(),
            description: "d".into(),
            homepage: None,
            support_contact: None,
            privacy_url: None,
            data_use: String::new(),
            capabilities: vec![],
            egress: vec![],
            created_at: now_ms(),
            updated_at: now_ms(),
        };
        tx.insert_listing(&l).await.unwrap();
        let manifest =
            domain::manifest::Manifest::from_tools_list_json(br#"[{"name":"t"}]"#).unwrap();
        tx.insert_version(&Version {
            id: VersionId::new(),
            listing_id: l.id,
            org_id: org.id,
            version: "1.0.0".into(),
            state,
            manifest_digest: None,
            manifest_format: "mcp_tools_list".into(),
            created_at: now_ms(),
            submitted_at: None,
            published_at: Some(now_ms()),
            manifest,
            declared: Default::default(),
            screening: None,
        })
        .await
        .unwrap();
    }
    tx.commit(
        domain::audit::AuditRecord::new(domain::audit::Actor::System, "test", "org", org.id),
        vec![],
    )
    .await
    .unwrap();
    // The public scope sees the published listing, its version and tools; not the draft.
    assert!(s.listing_by_slug("shown").await.unwrap().is_some());
    assert!(
        s.listing_by_slug("hidden").await.unwrap().is_none(),
        "a draft is invisible to the public"
    );
    let cat = s.published_listings(10).await.unwrap();
    assert_eq!(
        cat.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(),
        vec!["shown"]
    );
    assert_eq!(cat[0].tool_count, 1);
    // The search rows are public, and only the published listing has one.
    let found = s
        .search_catalog(&CatalogQuery {
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found
            .hits
            .iter()
            .map(|c| c.slug.as_str())
            .collect::<Vec<_>>(),
        vec!["shown"]
    );
    assert_eq!(found.total, 1);
    // The system scope (counts) sees both.
    assert_eq!(s.counts().await.unwrap().listings, 2);
}

/// The catalog's search rows are public by construction (only listings with a
/// published version have them), so they are readable in every scope: a
/// scope-dependent read condition would keep PostgreSQL off the full-text
/// index (migration 17). Writing them still takes the owner's or the system
/// scope.
#[tokio::test]
async fn catalog_rows_are_read_in_any_scope_and_written_only_by_their_owner() {
    let Some(db) = postgres().await else { return };
    let s = &db.store;
    store::testing::bulk_catalog(s, 3, 11).await.unwrap();
    let entries = "SELECT count(*) FROM catalog_entry";
    let facets = "SELECT count(*) FROM catalog_facet";
    // No scope named: every row reads.
    assert_eq!(raw_count(s, entries).await.unwrap(), 3);
    assert!(raw_count(s, facets).await.unwrap() >= 3);
    // No scope named: nothing changes, nothing is added.
    for sql in [
        "DELETE FROM catalog_entry",
        "DELETE FROM catalog_facet",
        "UPDATE catalog_entry SET name = 'defaced'",
        "UPDATE catalog_facet SET facet = 'cap:defaced'",
    ] {
        assert_eq!(s.execute_raw(sql).await.unwrap(), 0, "{sql}");
    }
    let insert = s
        .execute_raw(
            "INSERT INTO catalog_facet (facet, listing_id, org_id, doc) \
             VALUES ('cap:x', 'l', 'someone', 1)",
        )
        .await;
    assert!(insert.is_err(), "an unscoped insert is refused");
    assert_eq!(raw_count(s, entries).await.unwrap(), 3);
    assert_eq!(
        raw_count(
            s,
            "SELECT count(*) FROM catalog_entry WHERE name = 'defaced'"
        )
        .await
        .unwrap(),
        0
    );
}

/// A listing event fanned out to tenants' installs (`event_fanout`, the
/// tenant's feed): each tenant's scope holds its own install's row only, and
/// no scope at all holds none, whatever the SQL asks.
#[tokio::test]
async fn a_tenant_sees_only_its_own_fan_outs() {
    use domain::audit::{Actor, AuditRecord};
    use store::records::{Install, InstallStatus};
    let Some(db) = postgres().await else { return };
    let s = &db.store;
    let (publisher, _, _) = org_with_member_and_token(s, "rls-pub").await;
    let (a, _, _) = org_with_member_and_token(s, "rls-tenant-a").await;
    let (b, _, _) = org_with_member_and_token(s, "rls-tenant-b").await;
    let (c, _, _) = org_with_member_and_token(s, "rls-tenant-c").await;
    let listing = domain::ListingId::new();
    let mut installs = Vec::new();
    for tenant in [&a, &b] {
        let i = Install {
            id: domain::InstallId::new(),
            org_id: tenant.id,
            listing_id: listing,
            version_id: domain::VersionId::new(),
            status: InstallStatus::Active,
            granted_tools: vec![],
            granted_scopes: vec![],
            requested_by: "test".into(),
            approved_by: None,
            policy_version: "p".into(),
            created_at: now_ms(),
            updated_at: now_ms(),
            removed_at: None,
        };
        let tx = s.begin_write().await.unwrap();
        tx.in_org(tenant.id).insert_install(&i).await.unwrap();
        tx.commit(
            AuditRecord::new(Actor::System, "t", "install", i.id),
            vec![],
        )
        .await
        .unwrap();
        installs.push(i);
    }
    let tx = s.begin_write().await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "t", "listing", listing),
        vec![store::NewEvent {
            event_type: "listing.suspended".into(),
            org_id: Some(publisher.id),
            subject_type: "listing".into(),
            subject_id: listing.to_string(),
            payload: serde_json::json!({ "listing_id": listing }),
        }],
    )
    .await
    .unwrap();
    let all = "SELECT count(*) FROM event_fanout";
    assert_eq!(store::testing::system_count(s, all).await, 2);
    assert_eq!(raw_count(s, all).await.unwrap(), 0, "no scope, no rows");
    for (tenant, mine, theirs) in [
        (&a, &installs[0], &installs[1]),
        (&b, &installs[1], &installs[0]),
    ] {
        assert_eq!(store::testing::org_count(s, tenant.id, all).await, 1);
        let own = format!(
            "SELECT count(*) FROM event_fanout WHERE install_id = '{}'",
            mine.id
        );
        let other = format!(
            "SELECT count(*) FROM event_fanout WHERE install_id = '{}'",
            theirs.id
        );
        assert_eq!(store::testing::org_count(s, tenant.id, &own).await, 1);
        assert_eq!(store::testing::org_count(s, tenant.id, &other).await, 0);
    }
    assert_eq!(store::testing::org_count(s, c.id, all).await, 0);
    assert_eq!(store::testing::org_count(s, publisher.id, all).await, 0);
}
