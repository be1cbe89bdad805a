//! Store tests: each runs on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.

use domain::audit::{Actor, AuditRecord, ChainProblem};
use domain::listing::VersionState;
use domain::manifest::Manifest;
use domain::org::OrgKind;
use domain::{ListingId, OrgId, ReportId, VersionId};
use store::records::{CatalogQuery, Listing, Org, Report, Version};
use store::testing::{TestDb, engines};
use store::{NewEvent, Store, StoreError, now_ms};

fn org(slug: &str, kind: OrgKind) -> Org {
    Org {
        id: OrgId::new(),
        slug: slug.into(),
        name: format!("{slug} Inc"),
        kind,
        verified_domain: None,
        created_at: now_ms(),
        verification_lapsed_at: None,
    }
}

fn listing(org: OrgId, slug: &str, name: &str) -> Listing {
    Listing {
        id: ListingId::new(),
        org_id: org,
        slug: slug.into(),
        name: name.into(),
        category: "utilities".into(),
        summary: format!("{name} does useful things"),
        description: "long".into(),
        homepage: None,
        support_contact: None,
        privacy_url: None,
        data_use: String::new(),
        capabilities: vec![],
        egress: vec![],
        created_at: now_ms(),
        updated_at: now_ms(),
    }
}

fn version(l: &Listing, v: &str, state: VersionState) -> Version {
    Version {
        id: VersionId::new(),
        listing_id: l.id,
        org_id: l.org_id,
        version: v.into(),
        state,
        manifest_digest: None,
        manifest_format: "mcp_tools_list".into(),
        created_at: now_ms(),
        submitted_at: None,
        published_at: (state == VersionState::Published).then(now_ms),
        manifest: Default::default(),
        declared: Default::default(),
        screening: None,
    }
}

fn audit(action: &str) -> AuditRecord {
    AuditRecord::new(Actor::System, action, "test", "t1")
}

async fn seed_listing(s: &Store, slug: &str, name: &str, state: VersionState) -> (Org, Listing) {
    let o = org(&format!("pub-{slug}"), OrgKind::Publisher);
    let l = listing(o.id, slug, name);
    let manifest = Manifest::from_tools_list_json(
        br#"{"tools":[{"name":"read_thing","annotations":{"readOnlyHint":true}},{"name":"drop_thing"}]}"#,
    )
    .unwrap();
    let tx = s.begin_write().await.unwrap();
    tx.insert_org(&o).await.unwrap();
    tx.insert_listing(&l).await.unwrap();
    tx.insert_version(&Version {
        manifest,
        ..version(&l, "1.0.0", state)
    })
    .await
    .unwrap();
    tx.commit(audit("listing.created"), vec![]).await.unwrap();
    (o, l)
}

#[tokio::test]
async fn commit_writes_change_audit_and_event_together() {
    for db in engines().await {
        let s = &db.store;
        let o = org("acme", OrgKind::Publisher);
        let tx = s.begin_write().await.unwrap();
        tx.insert_org(&o).await.unwrap();
        let entry = tx
            .commit(
                audit("org.created").org(o.id),
                vec![NewEvent {
                    event_type: "org.created".into(),
                    org_id: Some(o.id),
                    subject_type: "org".into(),
                    subject_id: o.id.to_string(),
                    payload: serde_json::json!({"slug": "acme"}),
                }],
            )
            .await
            .unwrap();
        assert_eq!(entry.seq, 1, "{:?}", db.engine());
        assert_eq!(s.org_by_slug("acme").await.unwrap().unwrap(), o);
        let events = s.outbox_for_subject(&o.id.to_string()).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1["slug"], "acme");
        assert_eq!(s.verify_audit_chain().await.unwrap(), Ok(1));
    }
}

#[tokio::test]
async fn a_failed_or_abandoned_transaction_leaves_nothing() {
    for db in engines().await {
        let s = &db.store;
        let o = org("dupe", OrgKind::Tenant);
        let tx = s.begin_write().await.unwrap();
        tx.insert_org(&o).await.unwrap();
        tx.commit(audit("org.created"), vec![]).await.unwrap();

        // Dropped without commit: rolled back.
        let other = org("abandoned", OrgKind::Tenant);
        {
            let tx = s.begin_write().await.unwrap();
            tx.insert_org(&other).await.unwrap();
        }
        assert!(s.org_by_slug("abandoned").await.unwrap().is_none());

        // A unique violation mid-transaction: nothing of it lands, no audit, no event.
        let tx = s.begin_write().await.unwrap();
        tx.insert_org(&org("fresh", OrgKind::Tenant)).await.unwrap();
        let mut clash = org("dupe", OrgKind::Tenant);
        clash.id = OrgId::new();
        let err = tx.insert_org(&clash).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        drop(tx);
        assert!(s.org_by_slug("fresh").await.unwrap().is_none());
        let c = s.counts().await.unwrap();
        assert_eq!(
            (c.organizations, c.audit_entries, c.outbox_events),
            (1, 1, 0)
        );
    }
}

#[tokio::test]
async fn concurrent_writers_produce_one_linear_chain() {
    for db in engines().await {
        let s = db.store.clone();
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let tx = s.begin_write().await.unwrap();
                    tx.insert_org(&org(&format!("org-{i}"), OrgKind::Tenant))
                        .await
                        .unwrap();
                    tx.commit(audit("org.created"), vec![]).await.unwrap().seq
                })
            })
            .collect();
        let mut seqs: Vec<i64> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        seqs.sort();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>(), "{:?}", db.engine());
        assert_eq!(s.verify_audit_chain().await.unwrap(), Ok(40));
    }
}

async fn chain_of(db: &TestDb, n: usize) {
    for i in 0..n {
        let tx = db.store.begin_write().await.unwrap();
        tx.commit(audit(&format!("step.{i}")), vec![])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn verify_names_an_edited_row() {
    for db in engines().await {
        chain_of(&db, 5).await;
        let n = db
            .store
            .execute_raw("UPDATE audit_entry SET action = 'step.forged' WHERE seq = 3")
            .await
            .unwrap();
        assert_eq!(n, 1);
        let brk = db.store.verify_audit_chain().await.unwrap().unwrap_err();
        assert_eq!((brk.seq, brk.problem), (3, ChainProblem::Content));
    }
}

#[tokio::test]
async fn verify_names_a_deleted_row() {
    for db in engines().await {
        chain_of(&db, 5).await;
        db.store
            .execute_raw("DELETE FROM audit_entry WHERE seq = 2")
            .await
            .unwrap();
        let brk = db.store.verify_audit_chain().await.unwrap().unwrap_err();
        assert_eq!(brk.seq, 3);
        assert_eq!(brk.problem, ChainProblem::Gap { expected: 2 });
    }
}

#[tokio::test]
async fn catalog_shows_published_listings_and_filters() {
    for db in engines().await {
        let s = &db.store;
        seed_listing(s, "time-tools", "Time Tools", VersionState::Published).await;
        seed_listing(s, "file-tools", "File_Tools 100%", VersionState::Published).await;
        seed_listing(s, "secret-draft", "Time Draft", VersionState::Draft).await;

        let all = s.catalog(&CatalogQuery::default(), 50).await.unwrap();
        let mut slugs: Vec<_> = all.iter().map(|e| e.slug.as_str()).collect();
        slugs.sort();
        assert_eq!(
            slugs,
            vec!["file-tools", "time-tools"],
            "drafts stay private"
        );
        assert!(all.iter().all(|e| e.tool_count == 2));

        let q = |t: &str| CatalogQuery {
            text: Some(t.into()),
            category: None,
        };
        let hits = s.catalog(&q("TIME"), 50).await.unwrap();
        assert_eq!(
            hits.len(),
            1,
            "case-insensitive, and the draft is not found"
        );
        assert_eq!(hits[0].slug, "time-tools");
        // Publisher name matches too.
        assert_eq!(
            s.catalog(&q("pub-file-tools inc"), 50).await.unwrap().len(),
            1
        );
        // LIKE wildcards in user text are literal.
        assert_eq!(s.catalog(&q("100%"), 50).await.unwrap().len(), 1);
        assert_eq!(s.catalog(&q("e_t"), 50).await.unwrap().len(), 1);
        assert_eq!(s.catalog(&q("%"), 50).await.unwrap().len(), 1);
        let by_cat = CatalogQuery {
            text: None,
            category: Some("communication".into()),
        };
        assert!(s.catalog(&by_cat, 50).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn reports_and_tools_round_trip() {
    for db in engines().await {
        let s = &db.store;
        let (o, l) = seed_listing(s, "reported", "Reported", VersionState::Published).await;
        let r = Report {
            id: ReportId::new(),
            listing_id: l.id,
            subject_org_id: o.id,
            reason: "spam".into(),
            details: "ünïcode details, quotes \" and ' and emoji 🚨".into(),
            contact: None,
            status: "open".into(),
            created_at: now_ms(),
        };
        let tx = s.begin_write().await.unwrap();
        tx.insert_report(&r).await.unwrap();
        tx.commit(audit("report.filed"), vec![]).await.unwrap();
        assert_eq!(s.report_by_id(r.id).await.unwrap().unwrap(), r);

        let v = &s.versions_of(l.id).await.unwrap()[0];
        let tools = s.tools_of(v.id).await.unwrap();
        assert_eq!(tools.len(), 2);
        assert_eq!(tools[0].name, "read_thing");
        assert_eq!(tools[0].annotations.read_only_hint, Some(true));
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_ready() {
    for db in engines().await {
        db.store.migrate().await.unwrap();
        assert!(db.store.ready().await.unwrap());
    }
}
