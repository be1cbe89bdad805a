//! Webhook fan-out, leased claims and the event feed, on both engines.

use std::collections::HashSet;

use domain::OrgId;
use domain::audit::{Actor, AuditRecord};
use domain::org::OrgKind;
use store::records::{AttemptResult, DeliveryStatus, EndpointState, Org, WebhookEndpoint};
use store::testing::engines;
use store::{NewEvent, Store, now_ms};

async fn org(s: &Store, slug: &str, kind: OrgKind) -> Org {
    let org = Org {
        id: OrgId::new(),
        slug: slug.into(),
        name: slug.into(),
        kind,
        verified_domain: None,
        created_at: now_ms(),
        verification_lapsed_at: None,
    };
    let tx = s.begin_write().await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "test", "org", org.id),
        vec![],
    )
    .await
    .unwrap();
    org
}

async fn endpoint(s: &Store, org: &Org, types: &[&str]) -> WebhookEndpoint {
    let now = now_ms();
    let e = WebhookEndpoint {
        id: uuid::Uuid::now_v7().to_string(),
        org_id: org.id,
        url: "http://127.0.0.1:9/hook".into(),
        description: String::new(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        all_events: org.kind == OrgKind::Operator,
        kind: domain::integrations::IntegrationKind::Generic,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        previous_secret: None,
        previous_secret_until: None,
        state: EndpointState::Active,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    let tx = s.begin_write().await.unwrap();
    tx.in_org(org.id).insert_webhook_endpoint(&e).await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "test", "endpoint", &e.id),
        vec![],
    )
    .await
    .unwrap();
    e
}

fn event(org: Option<OrgId>, ty: &str, subject: &str, n: usize) -> NewEvent {
    NewEvent {
        event_type: ty.into(),
        org_id: org,
        subject_type: "listing".into(),
        subject_id: subject.into(),
        payload: serde_json::json!({ "n": n }),
    }
}

async fn emit(s: &Store, events: Vec<NewEvent>) {
    let tx = s.begin_write().await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "test", "batch", "x"),
        events,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn events_fan_out_by_organization_and_type_filter() {
    for db in engines().await {
        let s = &db.store;
        let op = org(s, "op", OrgKind::Operator).await;
        let a = org(s, "pub-a", OrgKind::Publisher).await;
        let b = org(s, "pub-b", OrgKind::Publisher).await;
        let op_all = endpoint(s, &op, &[]).await;
        let a_all = endpoint(s, &a, &[]).await;
        let a_versions = endpoint(s, &a, &["version.*"]).await;
        let b_all = endpoint(s, &b, &[]).await;
        emit(
            s,
            vec![
                event(Some(a.id), "listing.created", "l1", 0),
                event(Some(a.id), "version.submitted", "l1", 1),
                event(None, "marketplace.note", "m", 2),
            ],
        )
        .await;
        let count = |e: &WebhookEndpoint| {
            let (s, e) = (s.clone(), e.clone());
            async move {
                s.in_org(e.org_id)
                    .deliveries(&e.id, 100)
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count(&op_all).await, 3, "the operator gets everything");
        assert_eq!(count(&a_all).await, 2, "a publisher gets its own");
        assert_eq!(count(&a_versions).await, 1, "the filter narrows");
        assert_eq!(count(&b_all).await, 0, "nobody else's");
        // Another organization cannot even read a's deliveries.
        assert!(
            s.in_org(b.id)
                .deliveries(&a_all.id, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn two_claimers_never_get_the_same_delivery_and_subjects_go_in_order() {
    for db in engines().await {
        let s = &db.store;
        let a = org(s, "pub-a", OrgKind::Publisher).await;
        endpoint(s, &a, &[]).await;
        // 20 subjects × 5 events each.
        let events = (0..100)
            .map(|n| event(Some(a.id), "listing.updated", &format!("s{}", n % 20), n))
            .collect();
        emit(s, events).await;
        let now = now_ms();
        let (x, y) = tokio::join!(
            s.claim_deliveries("x", now, 60_000, 50),
            s.claim_deliveries("y", now, 60_000, 50)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        let xs: HashSet<_> = x.iter().map(|d| d.id.clone()).collect();
        let ys: HashSet<_> = y.iter().map(|d| d.id.clone()).collect();
        assert!(xs.is_disjoint(&ys), "a delivery was claimed twice");
        // Only the head of each subject is due: 20 in all, not 100.
        assert_eq!(xs.len() + ys.len(), 20);
        assert!(x.iter().chain(&y).all(|d| d.attempt == 1));
        // Nothing more is due until the heads are done.
        assert!(
            s.claim_deliveries("z", now, 60_000, 50)
                .await
                .unwrap()
                .is_empty()
        );
        let done: Vec<_> = x
            .iter()
            .map(|d| (d.id.clone(), AttemptResult::Delivered { status: 200 }))
            .collect();
        // Only the holder of the lease can record.
        assert!(s.record_attempts("y", &done, now).await.unwrap().is_empty());
        assert_eq!(
            s.record_attempts("x", &done, now).await.unwrap().len(),
            x.len()
        );
        let next = s.claim_deliveries("z", now, 60_000, 50).await.unwrap();
        assert_eq!(next.len(), x.len(), "the next of each finished subject");
        let payload = |p: &str| {
            serde_json::from_str::<serde_json::Value>(p).unwrap()["n"]
                .as_i64()
                .unwrap()
        };
        for d in &next {
            let head = x
                .iter()
                .find(|h| payload(&h.payload) % 20 == payload(&d.payload) % 20);
            assert_eq!(payload(&d.payload), payload(&head.unwrap().payload) + 20);
        }
    }
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_holder_records_nothing() {
    for db in engines().await {
        let s = &db.store;
        let a = org(s, "pub-a", OrgKind::Publisher).await;
        let ep = endpoint(s, &a, &[]).await;
        emit(s, vec![event(Some(a.id), "listing.updated", "l", 0)]).await;
        let t0 = now_ms();
        let first = s
            .claim_deliveries("dead-worker", t0, 1_000, 10)
            .await
            .unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            s.claim_deliveries("w2", t0 + 500, 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let taken = s
            .claim_deliveries("w2", t0 + 1_001, 1_000, 10)
            .await
            .unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].id, first[0].id, "the same webhook-id");
        assert_eq!(taken[0].attempt, 2);
        let late = [(
            first[0].id.clone(),
            AttemptResult::Delivered { status: 200 },
        )];
        assert!(
            s.record_attempts("dead-worker", &late, t0 + 1_100)
                .await
                .unwrap()
                .is_empty()
        );
        let retry = [(
            taken[0].id.clone(),
            AttemptResult::Retry {
                at: t0 + 5_000,
                status: Some(503),
                error: "the endpoint answered HTTP 503".into(),
            },
        )];
        assert_eq!(
            s.record_attempts("w2", &retry, t0 + 1_100)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            s.claim_deliveries("w3", t0 + 4_999, 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let log = s.in_org(a.id).deliveries(&ep.id, 10).await.unwrap();
        assert_eq!(log[0].status, DeliveryStatus::Failed);
        assert_eq!(log[0].last_status, Some(503));
        assert_eq!(
            s.claim_deliveries("w3", t0 + 5_000, 1_000, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn paused_endpoints_hold_deliveries_and_dead_ones_replay() {
    for db in engines().await {
        let s = &db.store;
        let a = org(s, "pub-a", OrgKind::Publisher).await;
        let ep = endpoint(s, &a, &[]).await;
        let tx = s.begin_write().await.unwrap();
        assert!(
            tx.in_org(a.id)
                .set_webhook_endpoint_state(
                    &ep.id,
                    &[EndpointState::Active],
                    EndpointState::Paused,
                    None,
                    now_ms()
                )
                .await
                .unwrap()
        );
        tx.commit(AuditRecord::new(Actor::System, "t", "e", &ep.id), vec![])
            .await
            .unwrap();
        emit(s, vec![event(Some(a.id), "listing.updated", "l", 0)]).await;
        let now = now_ms();
        assert!(
            s.claim_deliveries("w", now, 1_000, 10)
                .await
                .unwrap()
                .is_empty(),
            "paused holds"
        );
        let tx = s.begin_write().await.unwrap();
        tx.in_org(a.id)
            .set_webhook_endpoint_state(
                &ep.id,
                &[EndpointState::Paused],
                EndpointState::Active,
                None,
                now,
            )
            .await
            .unwrap();
        tx.commit(AuditRecord::new(Actor::System, "t", "e", &ep.id), vec![])
            .await
            .unwrap();
        let c = s.claim_deliveries("w", now, 1_000, 10).await.unwrap();
        assert_eq!(c.len(), 1);
        let dead = [(
            c[0].id.clone(),
            AttemptResult::Dead {
                status: Some(500),
                error: "x".into(),
            },
        )];
        s.record_attempts("w", &dead, now).await.unwrap();
        assert_eq!(
            s.in_org(a.id).delivery_counts(&ep.id).await.unwrap().dead,
            1
        );
        assert!(
            s.claim_deliveries("w", now, 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let tx = s.begin_write().await.unwrap();
        // Another organization cannot replay it.
        let other = OrgId::new();
        assert!(
            !tx.in_org(other)
                .replay_delivery(&c[0].id, now)
                .await
                .unwrap()
        );
        assert!(
            tx.in_org(a.id)
                .replay_delivery(&c[0].id, now)
                .await
                .unwrap()
        );
        tx.commit(AuditRecord::new(Actor::System, "t", "d", &c[0].id), vec![])
            .await
            .unwrap();
        let again = s.claim_deliveries("w", now, 1_000, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].id, c[0].id);
        assert_eq!(again[0].attempt, 1);
    }
}

#[tokio::test]
async fn the_feed_pages_in_order_per_organization_and_a_failed_change_leaves_no_event() {
    for db in engines().await {
        let s = &db.store;
        let a = org(s, "pub-a", OrgKind::Publisher).await;
        let b = org(s, "pub-b", OrgKind::Publisher).await;
        for n in 0..7 {
            let o = if n % 2 == 0 { a.id } else { b.id };
            emit(s, vec![event(Some(o), "listing.updated", "l", n)]).await;
        }
        let page1 = s.events_after(Some(a.id), 0, 3).await.unwrap();
        assert_eq!(page1.len(), 3);
        let page2 = s.events_after(Some(a.id), page1[2].seq, 3).await.unwrap();
        assert_eq!(page2.len(), 1);
        let ns: Vec<i64> = page1
            .iter()
            .chain(&page2)
            .map(|e| e.payload["n"].as_i64().unwrap())
            .collect();
        assert_eq!(ns, vec![0, 2, 4, 6]);
        assert_eq!(s.events_after(None, 0, 100).await.unwrap().len(), 7);

        // A transaction that fails after its change leaves neither the
        // change nor its event.
        let before = s.events_after(None, 0, 1000).await.unwrap().len();
        let tx = s.begin_write().await.unwrap();
        let dup = Org {
            id: OrgId::new(),
            ..a.clone()
        };
        assert!(tx.insert_org(&dup).await.is_err(), "same slug");
        drop(tx);
        // On PostgreSQL the event itself can be what fails: after the audit
        // append, an oversize subject aborts the whole commit.
        if db.engine() == store::Engine::Postgres {
            let tx = s.begin_write().await.unwrap();
            tx.insert_org(&Org {
                id: OrgId::new(),
                slug: "pub-c".into(),
                ..a.clone()
            })
            .await
            .unwrap();
            let mut bad = event(Some(a.id), "listing.updated", "l", 99);
            bad.subject_id = "x".repeat(500);
            assert!(
                tx.commit(AuditRecord::new(Actor::System, "t", "org", "c"), vec![bad])
                    .await
                    .is_err()
            );
            assert!(s.org_by_slug("pub-c").await.unwrap().is_none());
        }
        assert_eq!(s.events_after(None, 0, 1000).await.unwrap().len(), before);
    }
}

async fn install(s: &Store, tenant: &Org, listing: domain::ListingId) -> store::records::Install {
    let now = now_ms();
    let i = store::records::Install {
        id: domain::InstallId::new(),
        org_id: tenant.id,
        listing_id: listing,
        version_id: domain::VersionId::new(),
        status: store::records::InstallStatus::Active,
        granted_tools: vec!["read_file".into()],
        granted_scopes: vec![],
        requested_by: "test".into(),
        approved_by: Some("test".into()),
        policy_version: "p1".into(),
        created_at: now,
        updated_at: now,
        removed_at: None,
    };
    let tx = s.begin_write().await.unwrap();
    tx.in_org(tenant.id).insert_install(&i).await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "test", "install", i.id),
        vec![],
    )
    .await
    .unwrap();
    i
}

fn listing_event(publisher: &Org, ty: &str, listing: domain::ListingId, n: usize) -> NewEvent {
    NewEvent {
        event_type: ty.into(),
        org_id: Some(publisher.id),
        subject_type: "listing".into(),
        subject_id: listing.to_string(),
        payload: serde_json::json!({
            "listing_id": listing, "slug": "files", "justification": "bad", "n": n,
        }),
    }
}

/// A tenant's feed has the listing events fanned out to its installs, each
/// with its own install only, in position order with its own events, and a
/// page never splits one event's items; another tenant sees none of it.
#[tokio::test]
async fn a_tenants_feed_has_the_listing_events_fanned_out_to_its_installs() {
    for db in engines().await {
        let s = &db.store;
        let p = org(s, "pub", OrgKind::Publisher).await;
        let a = org(s, "tenant-a", OrgKind::Tenant).await;
        let b = org(s, "tenant-b", OrgKind::Tenant).await;
        let c = org(s, "tenant-c", OrgKind::Tenant).await;
        let files = domain::ListingId::new();
        let other = domain::ListingId::new();
        let mine = install(s, &a, files).await;
        let theirs = install(s, &c, files).await;
        install(s, &b, other).await;
        let start = |o: &Org| {
            let (s, o) = (s.clone(), o.id);
            async move { s.events_after(Some(o), 0, 500).await.unwrap() }
        };
        let after_setup = start(&a).await.last().map_or(0, |e| e.seq);

        emit(s, vec![event(Some(a.id), "tenant.note", "t", 0)]).await;
        emit(s, vec![listing_event(&p, "listing.suspended", files, 1)]).await;
        emit(s, vec![event(Some(a.id), "tenant.note", "t", 2)]).await;

        let feed = s.events_after(Some(a.id), after_setup, 100).await.unwrap();
        let types: Vec<&str> = feed.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["tenant.note", "listing.suspended", "tenant.note"]);
        assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
        let suspended = &feed[1];
        let ctx = suspended
            .context
            .as_ref()
            .expect("a fan-out has its install");
        assert_eq!(ctx["install"]["id"], mine.id.to_string());
        assert_eq!(ctx["install"]["tenant"], a.id.to_string());
        assert_eq!(
            ctx["install"]["granted_tools"],
            serde_json::json!(["read_file"])
        );
        assert_eq!(suspended.org_id, Some(p.id), "still the publisher's event");
        assert!(feed[0].context.is_none() && feed[2].context.is_none());
        let text = format!("{feed:?}");
        assert!(
            !text.contains(&theirs.id.to_string()),
            "another tenant's install"
        );
        assert!(!text.contains(&c.id.to_string()), "another tenant");
        // Tenant c has its own item (its own id), b (another listing) none.
        let c_feed = start(&c).await;
        let c_item = c_feed
            .iter()
            .find(|e| e.event_type == "listing.suspended")
            .unwrap();
        assert_eq!(
            c_item.context.as_ref().unwrap()["install"]["id"],
            theirs.id.to_string()
        );
        assert_eq!(c_item.seq, suspended.seq, "the event's position");
        assert_ne!(c_item.id, suspended.id, "one id per fan-out");
        assert!(
            start(&b)
                .await
                .iter()
                .all(|e| e.event_type != "listing.suspended")
        );
        // The publisher has the event itself, once, without a context; the
        // operator's feed too (no fan-outs there).
        for feed in [start(&p).await, s.events_after(None, 0, 500).await.unwrap()] {
            let got: Vec<_> = feed
                .iter()
                .filter(|e| e.event_type == "listing.suspended")
                .collect();
            assert_eq!(got.len(), 1);
            assert!(got[0].context.is_none());
        }

        // Resuming: one at a time from the start reaches the same items.
        let mut paged = Vec::new();
        let mut cursor = after_setup;
        loop {
            let page = s.events_after(Some(a.id), cursor, 1).await.unwrap();
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            paged.extend(page);
        }
        assert_eq!(paged, feed);

        // A second install of the listing (the services refuse one, but the
        // data allows it): a reinstatement reaches both, and a page of one
        // still carries both items of its position, so resuming skips none.
        let second = install(s, &a, files).await;
        let before = s.events_after(Some(a.id), 0, 500).await.unwrap();
        let cursor = before.last().unwrap().seq;
        emit(s, vec![listing_event(&p, "listing.reinstated", files, 3)]).await;
        emit(s, vec![event(Some(a.id), "tenant.note", "t", 4)]).await;
        let page = s.events_after(Some(a.id), cursor, 1).await.unwrap();
        assert_eq!(page.len(), 2, "{page:?}");
        assert_eq!(page[0].seq, page[1].seq);
        let mut ids: Vec<String> = page
            .iter()
            .map(|e| {
                e.context.as_ref().unwrap()["install"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        ids.sort();
        let mut want = vec![mine.id.to_string(), second.id.to_string()];
        want.sort();
        assert_eq!(ids, want);
        let next = s.events_after(Some(a.id), page[1].seq, 1).await.unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].payload["n"], 4);
        // A removed install gets nothing new.
        let tx = s.begin_write().await.unwrap();
        assert!(
            tx.in_org(a.id)
                .move_install(
                    second.id,
                    store::records::InstallStatus::Active,
                    store::records::InstallStatus::Removed,
                    "test",
                    now_ms(),
                )
                .await
                .unwrap()
        );
        tx.commit(
            AuditRecord::new(Actor::System, "t", "install", second.id),
            vec![],
        )
        .await
        .unwrap();
        let cursor = s
            .events_after(Some(a.id), 0, 500)
            .await
            .unwrap()
            .last()
            .unwrap()
            .seq;
        emit(s, vec![listing_event(&p, "listing.delisted", files, 5)]).await;
        let got = s.events_after(Some(a.id), cursor, 100).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].context.as_ref().unwrap()["install"]["id"],
            mine.id.to_string()
        );
    }
}

/// A publisher's listing with one published version.
async fn published_listing(
    s: &Store,
    p: &Org,
    slug: &str,
) -> (store::records::Listing, store::records::Version) {
    let now = now_ms();
    let l = store::records::Listing {
        id: domain::ListingId::new(),
        org_id: p.id,
        slug: slug.into(),
        name: slug.into(),
        category: "utilities".into(),
        summary: "does things".into(),
        description: "long".into(),
        homepage: None,
        support_contact: None,
        privacy_url: None,
        data_use: String::new(),
        capabilities: vec![],
        egress: vec![],
        created_at: now,
        updated_at: now,
    };
    let v = store::records::Version {
        id: domain::VersionId::new(),
        listing_id: l.id,
        org_id: p.id,
        version: "1.0.0".into(),
        state: domain::listing::VersionState::Published,
        manifest_digest: None,
        manifest_format: "mcp_tools_list".into(),
        created_at: now,
        submitted_at: None,
        published_at: Some(now),
        manifest: Default::default(),
        declared: Default::default(),
        screening: None,
    };
    let tx = s.begin_write().await.unwrap();
    tx.insert_listing(&l).await.unwrap();
    tx.insert_version(&v).await.unwrap();
    tx.commit(
        AuditRecord::new(Actor::System, "test", "listing", l.id),
        vec![],
    )
    .await
    .unwrap();
    (l, v)
}

/// What `Services::enforce` writes to suspend a listing's live version.
async fn suspend(s: Store, p: Org, l: store::records::Listing, v: store::records::Version) {
    use domain::listing::VersionState;
    let tx = s.begin_write().await.unwrap();
    assert!(
        tx.in_org(p.id)
            .move_version(
                v.id,
                VersionState::Published,
                VersionState::Suspended,
                now_ms(),
                None
            )
            .await
            .unwrap()
    );
    tx.commit(
        AuditRecord::new(Actor::System, "test", "listing", l.id),
        vec![listing_event(&p, "listing.suspended", l.id, 0)],
    )
    .await
    .unwrap();
}

/// An install and a suspension of its version at the same moment: the
/// suspension either committed first, and the install's transaction sees it
/// (`hold_published` is false), or it waits for the install's commit, and its
/// fan-out then has the install. Never an install the fan-out missed.
#[tokio::test]
async fn an_install_racing_a_suspension_is_refused_or_gets_the_fan_out() {
    for db in engines().await {
        let s = &db.store;
        let p = org(s, "pub", OrgKind::Publisher).await;
        let t = org(s, "tenant", OrgKind::Tenant).await;
        let new_install =
            |l: &store::records::Listing, v: &store::records::Version| store::records::Install {
                id: domain::InstallId::new(),
                org_id: t.id,
                listing_id: l.id,
                version_id: v.id,
                status: store::records::InstallStatus::Active,
                granted_tools: vec![],
                granted_scopes: vec![],
                requested_by: "test".into(),
                approved_by: None,
                policy_version: "p".into(),
                created_at: now_ms(),
                updated_at: now_ms(),
                removed_at: None,
            };

        // The install holds the version first: the suspension waits for it.
        let (l, v) = published_listing(s, &p, "first").await;
        let i = new_install(&l, &v);
        let tx = s.begin_write().await.unwrap();
        assert!(tx.in_org(t.id).hold_published(l.id, v.id).await.unwrap());
        tx.in_org(t.id).insert_install(&i).await.unwrap();
        let racing = tokio::spawn(suspend(s.clone(), p.clone(), l.clone(), v.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !racing.is_finished(),
            "the suspension waits for the install"
        );
        tx.commit(
            AuditRecord::new(Actor::System, "t", "install", i.id),
            vec![],
        )
        .await
        .unwrap();
        racing.await.unwrap();
        let feed = s.events_after(Some(t.id), 0, 100).await.unwrap();
        let got: Vec<_> = feed
            .iter()
            .filter(|e| e.event_type == "listing.suspended")
            .collect();
        assert_eq!(got.len(), 1, "{feed:?}");
        assert_eq!(
            got[0].context.as_ref().unwrap()["install"]["id"],
            i.id.to_string()
        );

        // The suspension committed first: the install's own check sees it.
        let (l, v) = published_listing(s, &p, "second").await;
        suspend(s.clone(), p.clone(), l.clone(), v.clone()).await;
        let tx = s.begin_write().await.unwrap();
        assert!(!tx.in_org(t.id).hold_published(l.id, v.id).await.unwrap());
        drop(tx);
        // Nor is a version of another listing taken for this one.
        let (other, _) = published_listing(s, &p, "third").await;
        let tx = s.begin_write().await.unwrap();
        assert!(
            !tx.in_org(t.id)
                .hold_published(other.id, v.id)
                .await
                .unwrap()
        );
    }
}
