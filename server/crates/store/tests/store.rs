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
            .tamper("UPDATE audit_entry SET action = 'step.forged' WHERE seq = 3")
            .await;
        assert_eq!(n, 1);
        let brk = db.store.verify_audit_chain().await.unwrap().unwrap_err();
        assert_eq!((brk.seq, brk.problem), (3, ChainProblem::Content));
    }
}

#[tokio::test]
async fn verify_names_a_deleted_row() {
    for db in engines().await {
        chain_of(&db, 5).await;
        assert_eq!(db.tamper("DELETE FROM audit_entry WHERE seq = 2").await, 1);
        let brk = db.store.verify_audit_chain().await.unwrap().unwrap_err();
        assert_eq!(brk.seq, 3);
        assert_eq!(brk.problem, ChainProblem::Gap { expected: 2 });
    }
}

#[tokio::test]
async fn the_app_role_cannot_rewrite_the_audit_trail_on_postgres() {
    for db in engines().await {
        if db.engine() != store::Engine::Postgres {
            continue;
        }
        chain_of(&db, 3).await;
        let signer =
            domain::audit::CheckpointSigner::from_secret(b"a test secret of 32 bytes or so");
        let c = signer.sign(
            3,
            &db.store.audit_head().await.unwrap().unwrap().hash,
            now_ms(),
        );
        let tx = db.store.begin_write().await.unwrap();
        tx.insert_audit_checkpoint(&c, &"d".repeat(64))
            .await
            .unwrap();
        tx.commit(audit("audit.checkpoint"), vec![]).await.unwrap();
        for sql in [
            "UPDATE audit_entry SET action = 'step.forged' WHERE seq = 2",
            "UPDATE audit_entry SET detail = '{}'",
            "DELETE FROM audit_entry WHERE seq = 4",
            "DELETE FROM audit_entry",
            "TRUNCATE audit_entry",
            "UPDATE audit_checkpoint SET seq = 2",
            "DELETE FROM audit_checkpoint",
            "TRUNCATE audit_checkpoint",
        ] {
            let err = db.store.execute_raw(sql).await;
            assert!(err.is_err(), "the app role could run {sql}");
        }
        // The trigger's own words, not just a missing grant.
        let err = db
            .store
            .execute_raw("DELETE FROM audit_entry WHERE seq = 4")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("append-only"), "{err}");
        assert_eq!(db.store.verify_audit_chain().await.unwrap(), Ok(4));
        assert_eq!(db.store.audit_checkpoints().await.unwrap().len(), 1);
        // Appending still works.
        chain_of(&db, 1).await;
        assert_eq!(db.store.verify_audit_chain().await.unwrap(), Ok(5));
    }
}

#[tokio::test]
async fn checkpoints_are_recorded_and_read_back() {
    for db in engines().await {
        let s = &db.store;
        assert_eq!(s.latest_audit_checkpoint().await.unwrap(), None);
        chain_of(&db, 2).await;
        let signer =
            domain::audit::CheckpointSigner::from_secret(b"a test secret of 32 bytes or so");
        let head = s.audit_head().await.unwrap().unwrap();
        assert_eq!(head.seq, 2);
        assert_eq!(s.audit_entry(2).await.unwrap(), Some(head.clone()));
        assert_eq!(s.audit_entry(9).await.unwrap(), None);
        let c = signer.sign(head.seq, &head.hash, now_ms());
        let tx = s.begin_write().await.unwrap();
        tx.insert_audit_checkpoint(&c, &"e".repeat(64))
            .await
            .unwrap();
        tx.commit(audit("audit.checkpoint"), vec![]).await.unwrap();
        let got = s.latest_audit_checkpoint().await.unwrap().unwrap();
        assert_eq!(got.checkpoint, c);
        assert_eq!(got.evidence_digest, "e".repeat(64));
        assert_eq!(s.audit_checkpoints().await.unwrap(), vec![got]);
        // Only the checkpoint's own entry came after it.
        assert!(!s.audit_moved_since(2, "audit.checkpoint").await.unwrap());
        chain_of(&db, 1).await;
        assert!(s.audit_moved_since(2, "audit.checkpoint").await.unwrap());
    }
}

#[tokio::test]
async fn audit_search_filters_newest_first_and_pages_by_seq() {
    use domain::audit::AuditFilter;
    for db in engines().await {
        let s = &db.store;
        let org_a = OrgId::new();
        let records = [
            AuditRecord::new(
                Actor::User("u1".into()),
                "version.submitted",
                "version",
                "v1",
            )
            .org(org_a),
            AuditRecord::new(
                Actor::User("u2".into()),
                "version.published",
                "version",
                "v1",
            )
            .org(org_a),
            AuditRecord::new(Actor::System, "org.created", "org", org_a),
            AuditRecord::new(Actor::User("u1".into()), "versionx.odd", "version", "v2"),
            AuditRecord::new(
                Actor::User("u1".into()),
                "version_submitted",
                "version",
                "v2",
            ),
            AuditRecord::new(Actor::Anonymous, "report.filed", "listing", "l1"),
        ];
        for r in records {
            let tx = s.begin_write().await.unwrap();
            tx.commit(r, vec![]).await.unwrap();
        }
        let all = s
            .audit_search(&AuditFilter::default(), 100, None)
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![6, 5, 4, 3, 2, 1]
        );
        let filters = [
            AuditFilter {
                action: Some("version.".into()),
                ..Default::default()
            },
            AuditFilter {
                action: Some("version_".into()),
                ..Default::default()
            },
            AuditFilter {
                action: Some("version.published".into()),
                ..Default::default()
            },
            AuditFilter {
                actor: Some("user:u1".into()),
                ..Default::default()
            },
            AuditFilter {
                subject_type: Some("version".into()),
                subject_id: Some("v2".into()),
                ..Default::default()
            },
            AuditFilter {
                org_id: Some(org_a.to_string()),
                ..Default::default()
            },
            AuditFilter {
                from_ms: Some(all[2].at_ms),
                to_ms: Some(all[0].at_ms),
                ..Default::default()
            },
            AuditFilter {
                to_ms: Some(0),
                ..Default::default()
            },
        ];
        for f in &filters {
            let got: Vec<i64> = s
                .audit_search(f, 100, None)
                .await
                .unwrap()
                .iter()
                .map(|e| e.seq)
                .collect();
            let want: Vec<i64> = all.iter().filter(|e| f.matches(e)).map(|e| e.seq).collect();
            assert_eq!(got, want, "{f:?} on {:?}", db.engine());
        }
        let prefix = AuditFilter {
            action: Some("version.".into()),
            ..Default::default()
        };
        let hits: Vec<i64> = s
            .audit_search(&prefix, 100, None)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(
            hits,
            vec![2, 1],
            "a prefix ends at its dot; '_' is no wildcard"
        );
        // Pages: newest first, then on from the last seq seen.
        let p1 = s
            .audit_search(&AuditFilter::default(), 4, None)
            .await
            .unwrap();
        let p2 = s
            .audit_search(&AuditFilter::default(), 4, Some(p1[3].seq))
            .await
            .unwrap();
        assert_eq!(
            p1.iter().chain(&p2).map(|e| e.seq).collect::<Vec<_>>(),
            vec![6, 5, 4, 3, 2, 1]
        );
    }
}

#[tokio::test]
async fn catalog_shows_published_listings_and_filters() {
    for db in engines().await {
        let s = &db.store;
        seed_listing(s, "time-tools", "Time Tools", VersionState::Published).await;
        seed_listing(s, "file-tools", "File_Tools 100%", VersionState::Published).await;
        seed_listing(s, "secret-draft", "Time Draft", VersionState::Draft).await;

        let all = s.published_listings(50).await.unwrap();
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
            page: 1,
            page_size: 50,
            ..Default::default()
        };
        let found = |t: &str| {
            let q = q(t);
            async move { s.search_catalog(&q).await.unwrap().hits }
        };
        let hits = found("TIME").await;
        assert_eq!(
            hits.len(),
            1,
            "case-insensitive, and the draft is not found"
        );
        assert_eq!(hits[0].slug, "time-tools");
        assert_eq!(hits[0].tool_count, 2);
        // Publisher name matches too.
        assert_eq!(found("pub-file-tools inc").await.len(), 1);
        // Wildcards and punctuation in user text are not operators.
        assert_eq!(found("100%").await.len(), 1);
        assert!(found("%").await.is_empty());
        let by_cat = CatalogQuery {
            category: Some("communication".into()),
            ..q("")
        };
        assert!(s.search_catalog(&by_cat).await.unwrap().hits.is_empty());
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
            reporter_org_id: None,
            install_id: None,
            evidence_digest: None,
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
