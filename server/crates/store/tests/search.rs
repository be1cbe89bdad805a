//! Catalog search: the search rows follow every write that changes them, in
//! that write's transaction, and every filter, sort and page boundary holds,
//! on SQLite (FTS5) and PostgreSQL (tsvector).

use domain::audit::{Actor, AuditRecord};
use domain::listing::VersionState;
use domain::manifest::Manifest;
use domain::org::OrgKind;
use domain::pricing::{BillingPeriod, PlanKind, PricePlan};
use domain::{ListingId, OrgId, VersionId};
use store::bulk::Rng;
use store::records::{CatalogPage, CatalogQuery, CatalogSort, Listing, Org, Screening, Version};
use store::testing::engines;
use store::{Store, now_ms};

fn audit() -> AuditRecord {
    AuditRecord::new(Actor::System, "test", "test", "t1")
}

struct Tool<'a>(&'a str, &'a str, &'a [&'a str]);

struct Seed<'a> {
    slug: &'a str,
    name: &'a str,
    publisher: &'a str,
    verified: bool,
    category: &'a str,
    description: &'a str,
    tools: &'a [Tool<'a>],
    plans: &'a [PlanKind],
    published_at: i64,
}

struct Seeded {
    org: Org,
    listing: Listing,
    version: VersionId,
}

fn plan(kind: PlanKind) -> PricePlan {
    let paid = kind != PlanKind::Free;
    PricePlan {
        name: format!("{kind:?}"),
        kind,
        currency: paid.then(|| "USD".into()),
        amount_minor: if paid { 500 } else { 0 },
        period: matches!(kind, PlanKind::Flat | PlanKind::PerSeat).then_some(BillingPeriod::Month),
        meter: (kind == PlanKind::Usage).then(|| "call".into()),
        trial_days: 0,
    }
}

fn new_version(l: &Listing, v: &str, tools: &[Tool], state: VersionState, at: i64) -> Version {
    let list = serde_json::json!({
        "tools": tools.iter().map(|t| serde_json::json!({"name": t.0})).collect::<Vec<_>>()
    });
    let worst = tools
        .iter()
        .map(|t| store::RISK_TIERS.iter().position(|r| *r == t.1).unwrap())
        .max()
        .unwrap_or(0);
    Version {
        id: VersionId::new(),
        listing_id: l.id,
        org_id: l.org_id,
        version: v.into(),
        state,
        manifest_digest: None,
        manifest_format: "mcp_tools_list".into(),
        created_at: at,
        submitted_at: Some(at),
        published_at: (state == VersionState::Published).then_some(at),
        manifest: Manifest::from_tools_list_json(list.to_string().as_bytes()).unwrap(),
        declared: Default::default(),
        screening: Some(Screening {
            ruleset: "test".into(),
            risk: store::RISK_TIERS[worst].into(),
            report: serde_json::json!({
                "tools": tools.iter().map(|t| serde_json::json!({
                    "name": t.0, "risk": t.1, "capabilities": t.2
                })).collect::<Vec<_>>()
            }),
        }),
    }
}

async fn seed(s: &Store, x: &Seed<'_>) -> Seeded {
    let org = Org {
        id: OrgId::new(),
        slug: format!("pub-{}", x.slug),
        name: x.publisher.into(),
        kind: OrgKind::Publisher,
        verified_domain: x.verified.then(|| format!("{}.example", x.slug)),
        created_at: now_ms(),
        verification_lapsed_at: None,
    };
    let listing = Listing {
        id: ListingId::new(),
        org_id: org.id,
        slug: x.slug.into(),
        name: x.name.into(),
        category: x.category.into(),
        summary: "Helps your team.".into(),
        description: x.description.into(),
        homepage: None,
        support_contact: None,
        privacy_url: None,
        data_use: String::new(),
        capabilities: vec![],
        egress: vec![],
        created_at: now_ms(),
        updated_at: now_ms(),
    };
    let state = if x.published_at > 0 {
        VersionState::Published
    } else {
        VersionState::Draft
    };
    let v = new_version(&listing, "1.0.0", x.tools, state, x.published_at.max(1));
    let tx = s.begin_write().await.unwrap();
    tx.insert_org(&org).await.unwrap();
    tx.insert_listing(&listing).await.unwrap();
    tx.insert_version(&v).await.unwrap();
    let plans: Vec<PricePlan> = x.plans.iter().copied().map(plan).collect();
    tx.in_org(org.id).replace_plans(v.id, &plans).await.unwrap();
    tx.commit(audit(), vec![]).await.unwrap();
    Seeded {
        org,
        listing,
        version: v.id,
    }
}

const SLACK: Seed<'static> = Seed {
    slug: "slack-messenger",
    name: "Slack Messenger",
    publisher: "Chatty Corp",
    verified: true,
    category: "communication",
    description: "Posts messages and can fetch channel history.",
    tools: &[
        Tool("post_message", "medium", &["external_communication"]),
        Tool("read_channel", "low", &["read_data"]),
    ],
    plans: &[PlanKind::Usage],
    published_at: 1_000,
};
const FETCH: Seed<'static> = Seed {
    slug: "web-fetch",
    name: "Web Fetch",
    publisher: "Fetchers",
    verified: false,
    category: "search-and-web",
    description: "Retrieves pages from the open web.",
    tools: &[Tool("fetch_url", "high", &["network_access"])],
    plans: &[],
    published_at: 2_000,
};
const PAY: Seed<'static> = Seed {
    slug: "payments-bridge",
    name: "Payments Bridge",
    publisher: "Moneybags",
    verified: true,
    category: "sales-and-crm",
    description: "Settles invoices. Ünïcödé tolerated.",
    tools: &[
        Tool("refund_payment", "critical", &["financial"]),
        Tool("list_invoices", "low", &["read_data"]),
    ],
    plans: &[PlanKind::Flat, PlanKind::Free],
    published_at: 3_000,
};
const DRAFT: Seed<'static> = Seed {
    slug: "secret-draft",
    name: "Secret Slack Draft",
    publisher: "Hidden",
    verified: true,
    category: "communication",
    description: "Not public.",
    tools: &[Tool("post_message", "low", &[])],
    plans: &[],
    published_at: 0,
};

fn q() -> CatalogQuery {
    CatalogQuery {
        page: 1,
        page_size: 24,
        ..Default::default()
    }
}

async fn slugs(s: &Store, query: CatalogQuery) -> Vec<String> {
    let page = s.search_catalog(&query).await.unwrap();
    assert!(
        page.total as usize >= page.hits.len(),
        "the count covers the page"
    );
    page.hits.into_iter().map(|h| h.slug).collect()
}

fn text(t: &str) -> CatalogQuery {
    CatalogQuery {
        text: Some(t.into()),
        ..q()
    }
}

#[tokio::test]
async fn every_filter_and_sort_on_both_engines() {
    for db in engines().await {
        let s = &db.store;
        for x in [&SLACK, &FETCH, &PAY, &DRAFT] {
            seed(s, x).await;
        }
        let e = db.engine();

        // No filter: published only, newest first.
        let all = s.search_catalog(&q()).await.unwrap();
        assert_eq!(
            all.hits.iter().map(|h| h.slug.as_str()).collect::<Vec<_>>(),
            ["payments-bridge", "web-fetch", "slack-messenger"],
            "{e:?}"
        );
        assert_eq!(
            (all.total, all.total_capped, all.has_next),
            (3, false, false)
        );
        let pay = &all.hits[0];
        assert_eq!(pay.risk, "critical", "the highest tool tier");
        assert_eq!(pay.pricing, ["free", "flat"]);
        assert_eq!(pay.tool_count, 2);
        assert!(pay.publisher_verified);
        assert_eq!(all.hits[1].pricing, ["free"], "no plan shows as free");

        // Full text: name, publisher, description, tool names; every word must
        // match; the last one also as a prefix; case and accents do not matter.
        assert_eq!(slugs(s, text("SLACK")).await, ["slack-messenger"], "{e:?}");
        assert_eq!(slugs(s, text("chatty")).await, ["slack-messenger"]);
        assert_eq!(
            slugs(s, text("refund")).await,
            ["payments-bridge"],
            "tool name"
        );
        assert_eq!(slugs(s, text("refund_payment")).await, ["payments-bridge"]);
        assert_eq!(
            slugs(s, text("invoic")).await,
            ["payments-bridge"],
            "prefix"
        );
        assert_eq!(
            slugs(s, text("unicode")).await,
            ["payments-bridge"],
            "accents"
        );
        assert_eq!(slugs(s, text("messenger slack")).await, ["slack-messenger"]);
        assert!(
            slugs(s, text("slack fetchers")).await.is_empty(),
            "all words"
        );
        assert!(slugs(s, text("zzzz")).await.is_empty());
        assert!(
            slugs(s, text("draft")).await.is_empty(),
            "a draft is not found"
        );
        // Relevance: a name match outranks a description match.
        assert_eq!(
            slugs(s, text("fetch")).await,
            ["web-fetch", "slack-messenger"],
            "{e:?}"
        );
        let newest_first = CatalogQuery {
            sort: CatalogSort::Newest,
            ..text("fetch")
        };
        assert_eq!(
            slugs(s, newest_first).await,
            ["web-fetch", "slack-messenger"]
        );
        let by_name = CatalogQuery {
            sort: CatalogSort::Name,
            ..q()
        };
        assert_eq!(
            slugs(s, by_name).await,
            ["payments-bridge", "slack-messenger", "web-fetch"]
        );

        let cat = CatalogQuery {
            category: Some("communication".into()),
            ..q()
        };
        assert_eq!(slugs(s, cat).await, ["slack-messenger"]);

        let risk = |r: &str| CatalogQuery {
            max_risk: Some(r.into()),
            ..q()
        };
        assert!(slugs(s, risk("low")).await.is_empty());
        assert_eq!(slugs(s, risk("medium")).await, ["slack-messenger"]);
        assert_eq!(
            slugs(s, risk("high")).await,
            ["web-fetch", "slack-messenger"]
        );
        assert_eq!(slugs(s, risk("critical")).await.len(), 3);

        let can = CatalogQuery {
            capability: Some("financial".into()),
            ..q()
        };
        assert_eq!(slugs(s, can).await, ["payments-bridge"]);
        let cannot = CatalogQuery {
            without_capability: Some("network_access".into()),
            ..q()
        };
        assert_eq!(
            slugs(s, cannot).await,
            ["payments-bridge", "slack-messenger"]
        );
        let both = CatalogQuery {
            capability: Some("read_data".into()),
            without_capability: Some("financial".into()),
            ..q()
        };
        assert_eq!(slugs(s, both).await, ["slack-messenger"]);

        let verified = CatalogQuery {
            verified_only: true,
            ..q()
        };
        assert_eq!(
            slugs(s, verified).await,
            ["payments-bridge", "slack-messenger"]
        );

        let pricing = |p: &str| CatalogQuery {
            pricing: Some(p.into()),
            ..q()
        };
        assert_eq!(
            slugs(s, pricing("free")).await,
            ["payments-bridge", "web-fetch"]
        );
        assert_eq!(
            slugs(s, pricing("paid")).await,
            ["payments-bridge", "slack-messenger"]
        );
        assert_eq!(slugs(s, pricing("usage")).await, ["slack-messenger"]);
        assert_eq!(slugs(s, pricing("flat")).await, ["payments-bridge"]);
        assert!(slugs(s, pricing("per_seat")).await.is_empty());

        // Filters combine with text.
        let combined = CatalogQuery {
            max_risk: Some("medium".into()),
            ..text("fetch")
        };
        assert_eq!(slugs(s, combined).await, ["slack-messenger"]);
    }
}

#[tokio::test]
async fn pages_and_their_boundaries() {
    for db in engines().await {
        let s = &db.store;
        for (i, x) in [&SLACK, &FETCH, &PAY].into_iter().enumerate() {
            seed(s, x).await;
            for k in 0..2 {
                let slug: &'static str = Box::leak(format!("{}-{k}", x.slug).into_boxed_str());
                let name: &'static str = Box::leak(format!("{} {k}", x.name).into_boxed_str());
                seed(
                    s,
                    &Seed {
                        slug,
                        name,
                        published_at: 10_000 + (i * 10 + k) as i64,
                        ..*x
                    },
                )
                .await;
            }
        }
        // 9 listings, 4 per page: 4, 4, 1, then nothing.
        let page = |n: u32| CatalogQuery {
            page: n,
            page_size: 4,
            ..q()
        };
        let mut seen = Vec::new();
        for (n, len, next) in [(1, 4, true), (2, 4, true), (3, 1, false)] {
            let p: CatalogPage = s.search_catalog(&page(n)).await.unwrap();
            assert_eq!(
                (p.hits.len(), p.has_next, p.total, p.page),
                (len, next, 9, n),
                "page {n} on {:?}",
                db.engine()
            );
            seen.extend(p.hits.into_iter().map(|h| h.slug));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 9, "pages neither overlap nor skip");
        let past = s.search_catalog(&page(4)).await.unwrap();
        assert!(past.hits.is_empty() && !past.has_next);
        assert_eq!(past.total, 9, "the count does not depend on the page");
        // Exactly a page's worth: no next page.
        let exact = s
            .search_catalog(&CatalogQuery {
                page_size: 9,
                ..q()
            })
            .await
            .unwrap();
        assert_eq!((exact.hits.len(), exact.has_next), (9, false));
        // Text results page the same way.
        let t = CatalogQuery {
            page_size: 2,
            ..text("slack")
        };
        let p1 = s.search_catalog(&t).await.unwrap();
        assert_eq!((p1.hits.len(), p1.has_next, p1.total), (2, true, 3));
        let p2 = s
            .search_catalog(&CatalogQuery { page: 2, ..t })
            .await
            .unwrap();
        assert_eq!((p2.hits.len(), p2.has_next), (1, false));
    }
}

#[tokio::test]
async fn the_full_text_index_merges_in_steps_and_finds_the_same() {
    for db in engines().await {
        let s = &db.store;
        // One publish per transaction: FTS5 writes a b-tree for each.
        for i in 0..24 {
            let slug: &'static str = Box::leak(format!("merge-{i}").into_boxed_str());
            let name: &'static str = Box::leak(format!("Merge Bot {i:02}").into_boxed_str());
            let x = [&SLACK, &FETCH, &PAY][i % 3];
            seed(
                s,
                &Seed {
                    slug,
                    name,
                    published_at: 1_000 + i as i64,
                    ..*x
                },
            )
            .await;
        }
        let queries = [
            text("slack"),
            text("merge"),
            CatalogQuery {
                sort: CatalogSort::Name,
                ..text("bot")
            },
            CatalogQuery {
                sort: CatalogSort::Newest,
                page: 2,
                page_size: 5,
                ..text("mer")
            },
        ];
        let mut before = Vec::new();
        for query in &queries {
            before.push(slugs(s, query.clone()).await);
        }
        assert_eq!(before[1].len(), 24, "every listing is found");
        let segments = s.catalog_index_segments().await.unwrap();
        if db.engine() == store::Engine::Postgres {
            // A GIN index: nothing to merge.
            assert_eq!(segments, 0);
            assert_eq!(s.merge_catalog_index(1).await.unwrap(), 0);
            continue;
        }
        assert!(segments > 1, "{segments} b-trees");
        // A page per step (a merge under way writes its output as one more
        // b-trees): more than one step, one b-tree at the end.
        let mut steps = 0;
        let mut left = segments;
        while left > 1 {
            left = s.merge_catalog_index(1).await.unwrap();
            steps += 1;
            assert!(steps < 1_000, "the merge ends");
        }
        assert!(steps > 1, "merged in {steps} steps");
        assert_eq!(s.catalog_index_segments().await.unwrap(), 1);
        // Merged: another step has nothing to do.
        assert_eq!(s.merge_catalog_index(1).await.unwrap(), 1);
        for (query, want) in queries.iter().zip(&before) {
            assert_eq!(&slugs(s, query.clone()).await, want, "{query:?}");
        }
        // A new publish adds b-trees; optimizing merges all at once.
        seed(
            s,
            &Seed {
                slug: "merge-late",
                name: "Merge Bot Late",
                published_at: 5_000,
                ..SLACK
            },
        )
        .await;
        assert!(s.catalog_index_segments().await.unwrap() > 1);
        s.optimize_catalog_index().await.unwrap();
        assert_eq!(s.catalog_index_segments().await.unwrap(), 1);
        let newest = CatalogQuery {
            sort: CatalogSort::Newest,
            ..text("merge")
        };
        let found = s.search_catalog(&newest).await.unwrap();
        assert_eq!(
            (found.total, found.hits[0].slug.as_str()),
            (25, "merge-late")
        );
    }
}

#[tokio::test]
async fn the_count_stops_at_its_cap() {
    for db in engines().await {
        let s = &db.store;
        store::testing::bulk_catalog(s, 1_010, 7).await.unwrap();
        let p = s.search_catalog(&q()).await.unwrap();
        assert_eq!(p.total, CatalogPage::COUNT_CAP, "{:?}", db.engine());
        assert!(p.total_capped && p.has_next);
        // Past the cap, pages still work: 1,010 = 42 pages of 24 and 2.
        let last = s
            .search_catalog(&CatalogQuery { page: 43, ..q() })
            .await
            .unwrap();
        assert_eq!((last.hits.len(), last.has_next), (2, false));
        // A rare word is counted exactly.
        let rare = s.search_catalog(&text("quokka")).await.unwrap();
        assert_eq!((rare.total, rare.total_capped), (1, false));
        // Every publisher's name ends in "Labs": a word that is everywhere.
        let common = s.search_catalog(&text("labs")).await.unwrap();
        assert!(common.total_capped && common.has_next);
        // Too many matches to rank: newest first, and the page says so.
        assert!(!common.ranked && rare.ranked);
        let newest = s.search_catalog(&q()).await.unwrap();
        assert_eq!(common.hits, newest.hits);
        // By name: on SQLite the matches are sorted, or the names walked and
        // each tested against the text or looked up in the set of matches;
        // every way gives the listings by name, as without the word.
        for (page, category) in [(1, None), (2, Some("utilities")), (43, None)] {
            let by_name = |text: Option<&str>| CatalogQuery {
                text: text.map(str::to_owned),
                sort: CatalogSort::Name,
                category: category.map(str::to_owned),
                page,
                ..q()
            };
            let want = s.search_catalog(&by_name(None)).await.unwrap();
            assert!(!want.hits.is_empty(), "page {page}");
            let sort = (0, Some(false));
            let set = (0, Some(true));
            let default = store::SearchTuning::default();
            let default = (default.name_walk_max, default.name_set_walk);
            for t in [sort, set, default, (u64::MAX, None)] {
                let tuning = store::SearchTuning {
                    name_walk_max: t.0,
                    name_set_walk: t.1,
                    ..Default::default()
                };
                let got = s
                    .search_catalog_tuned(&by_name(Some("labs")), tuning)
                    .await
                    .unwrap();
                let e = db.engine();
                assert_eq!(got.hits, want.hits, "page {page} plan {t:?} {e:?}");
                assert_eq!(
                    (got.total, got.total_capped, got.has_next),
                    (want.total, want.total_capped, want.has_next),
                    "page {page} plan {t:?} {e:?}"
                );
            }
        }
    }
}

async fn suspend(tx: &store::WriteTx, x: &Seeded) {
    assert!(
        tx.in_org(x.org.id)
            .move_version(
                x.version,
                VersionState::Published,
                VersionState::Suspended,
                now_ms(),
                None
            )
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_suspension_leaves_search_in_its_own_transaction() {
    for db in engines().await {
        let s = &db.store;
        let x = seed(s, &SLACK).await;
        seed(s, &FETCH).await;
        // Rolled back: still found.
        let tx = s.begin_write().await.unwrap();
        suspend(&tx, &x).await;
        drop(tx);
        assert_eq!(slugs(s, text("slack")).await, ["slack-messenger"]);
        // Committed: gone, from text search and from the plain list.
        let tx = s.begin_write().await.unwrap();
        suspend(&tx, &x).await;
        tx.commit(audit(), vec![]).await.unwrap();
        assert!(
            slugs(s, text("slack")).await.is_empty(),
            "{:?}",
            db.engine()
        );
        assert_eq!(slugs(s, q()).await, ["web-fetch"]);
        // Reinstated: back.
        let tx = s.begin_write().await.unwrap();
        assert!(
            tx.in_org(x.org.id)
                .move_version(
                    x.version,
                    VersionState::Suspended,
                    VersionState::Published,
                    now_ms(),
                    None
                )
                .await
                .unwrap()
        );
        tx.commit(audit(), vec![]).await.unwrap();
        assert_eq!(slugs(s, text("slack")).await, ["slack-messenger"]);
    }
}

#[tokio::test]
async fn edits_plans_verification_and_new_versions_show_at_once() {
    for db in engines().await {
        let s = &db.store;
        let x = seed(s, &SLACK).await;
        seed(s, &FETCH).await;

        // A listing edit: the new name is found, the old one is not.
        let edited = Listing {
            name: "Workspace Courier".into(),
            updated_at: x.listing.updated_at + 1,
            ..x.listing.clone()
        };
        let tx = s.begin_write().await.unwrap();
        assert!(
            tx.in_org(x.org.id)
                .update_listing(&edited, x.listing.updated_at)
                .await
                .unwrap()
        );
        tx.commit(audit(), vec![]).await.unwrap();
        assert_eq!(slugs(s, text("courier")).await, ["slack-messenger"]);
        assert!(slugs(s, text("messenger")).await.is_empty());

        // Price plans: usage → per seat.
        let tx = s.begin_write().await.unwrap();
        tx.in_org(x.org.id)
            .replace_plans(x.version, &[plan(PlanKind::PerSeat)])
            .await
            .unwrap();
        tx.commit(audit(), vec![]).await.unwrap();
        let per_seat = CatalogQuery {
            pricing: Some("per_seat".into()),
            ..q()
        };
        assert_eq!(slugs(s, per_seat).await, ["slack-messenger"]);
        let usage = CatalogQuery {
            pricing: Some("usage".into()),
            ..q()
        };
        assert!(slugs(s, usage).await.is_empty());

        // Verification lapses: out of "verified only", flagged on the card.
        let tx = s.begin_write().await.unwrap();
        tx.in_org(x.org.id)
            .set_verified_domain(None, Some(now_ms()))
            .await
            .unwrap();
        tx.commit(audit(), vec![]).await.unwrap();
        let verified = CatalogQuery {
            verified_only: true,
            ..q()
        };
        assert!(slugs(s, verified).await.is_empty());
        let hit = s.search_catalog(&text("courier")).await.unwrap().hits;
        assert!(hit[0].publisher_verification_lapsed);

        // A newer published version becomes the card: its tools and risk.
        let v2 = new_version(
            &edited,
            "2.0.0",
            &[Tool("delete_workspace", "high", &["destructive"])],
            VersionState::Published,
            now_ms(),
        );
        let tx = s.begin_write().await.unwrap();
        tx.insert_version(&v2).await.unwrap();
        tx.commit(audit(), vec![]).await.unwrap();
        let hit = &s.search_catalog(&text("courier")).await.unwrap().hits[0];
        assert_eq!((hit.version.as_str(), hit.risk.as_str()), ("2.0.0", "high"));
        assert_eq!(
            slugs(s, text("delete_workspace")).await,
            ["slack-messenger"]
        );
        assert!(
            slugs(s, text("post_message")).await.is_empty(),
            "the old version's tools are not searched"
        );
    }
}

/// Text no engine should choke on: query syntax of FTS5 and tsquery, quotes,
/// wildcards, SQL, control characters, long and non-Latin input.
const NASTY: &[&str] = &[
    "\"",
    "\"\"",
    "'",
    "*",
    "**",
    "-",
    "-slack",
    "NOT",
    "slack NOT",
    "AND",
    "OR OR OR",
    "NEAR",
    "NEAR(slack fetch, 2)",
    "slack NEAR/2 fetch",
    "^slack",
    "name:slack",
    "{name}: slack",
    "slack*",
    "sl*ck",
    "(slack",
    "slack)",
    "!slack",
    "slack & !fetch",
    "slack | fetch",
    "slack <-> fetch",
    "slack:*",
    "slack:A",
    "'; DROP TABLE catalog_entry; --",
    "\\",
    "%",
    "_",
    "\u{0}",
    "\n\t\r",
    "🚀 emoji",
    "日本語の検索",
    "İstanbul",
    "ß",
    "a",
    "e_t",
    "100%",
    "?",
    "$1",
    ":",
    "  ",
];

#[tokio::test]
async fn odd_input_is_only_ever_words() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = proptest::string::string_regex(
        r#"[a-zA-Z0-9 "'*:()\-^{}!&|<>~%_\\$?;.,ÄéİßЖ日🚀\u{0}-\u{1f}]{0,60}"#,
    )
    .unwrap();
    let generated: Vec<String> = (0..150)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let long = "slack ".repeat(100);
    for db in engines().await {
        let s = &db.store;
        seed(s, &SLACK).await;
        for t in NASTY
            .iter()
            .map(|t| (*t).to_owned())
            .chain(generated.iter().cloned())
            .chain([long.clone()])
        {
            for sort in [CatalogSort::Relevance, CatalogSort::Newest] {
                let r = s.search_catalog(&CatalogQuery { sort, ..text(&t) }).await;
                assert!(r.is_ok(), "{t:?} on {:?}: {r:?}", db.engine());
            }
        }
        // Operators are words, not operators.
        assert_eq!(slugs(s, text("-slack")).await, ["slack-messenger"]);
        assert_eq!(slugs(s, text("slack NOT")).await, Vec::<String>::new());
        assert_eq!(slugs(s, text("\"slack\"")).await, ["slack-messenger"]);
        assert!(slugs(s, text("***")).await.is_empty(), "no word, no match");
    }
}

/// A listing of the random catalog, as the reference sees it.
#[derive(Clone, Debug)]
struct Spec {
    slug: String,
    name: String,
    publisher: String,
    verified: bool,
    category: &'static str,
    description: String,
    /// (name, risk, capabilities)
    tools: Vec<(String, &'static str, Vec<&'static str>)>,
    plans: Vec<PlanKind>,
    published_at: i64,
}

const VOCAB: &[&str] = &[
    "alpha", "bravo", "cargo", "delta", "echo", "fox", "golf", "hotel", "india", "jolt", "kilo",
    "lima", "mike", "nova", "oscar", "papa", "quokka",
];
const SPEC_CATEGORIES: &[&str] = &["communication", "productivity", "developer-tools"];
const SPEC_CAPS: &[&str] = &[
    "read_data",
    "write_data",
    "financial",
    "destructive",
    "telepathy",
];

fn random_catalog(rng: &mut Rng, n: usize) -> Vec<Spec> {
    (0..n)
        .map(|i| {
            let tools = (0..1 + rng.below(3))
                .map(|t| {
                    let caps = (0..rng.below(3)).map(|_| rng.pick(SPEC_CAPS)).collect();
                    (
                        format!("{}_{}{t}", rng.pick(VOCAB), rng.pick(VOCAB)),
                        rng.pick(&store::RISK_TIERS),
                        caps,
                    )
                })
                .collect();
            let mut plans: Vec<PlanKind> = Vec::new();
            for _ in 0..rng.below(3) {
                let k = rng.pick(&PlanKind::ALL);
                if !plans.contains(&k) {
                    plans.push(k);
                }
            }
            Spec {
                slug: format!("r-{i}"),
                name: format!("{} {}", rng.pick(VOCAB), rng.pick(VOCAB)),
                publisher: format!("{} Labs", rng.pick(VOCAB)),
                verified: rng.below(2) == 0,
                category: rng.pick(SPEC_CATEGORIES),
                description: (0..4)
                    .map(|_| rng.pick(VOCAB))
                    .collect::<Vec<_>>()
                    .join(" "),
                tools,
                plans,
                // Few distinct times: many listings share a millisecond.
                published_at: 1_000 + rng.below(8) as i64,
            }
        })
        .collect()
}

async fn seed_spec(s: &Store, x: &Spec) -> ListingId {
    let tools: Vec<Tool> = x.tools.iter().map(|t| Tool(&t.0, t.1, &t.2)).collect();
    let seed_x = Seed {
        slug: &x.slug,
        name: &x.name,
        publisher: &x.publisher,
        verified: x.verified,
        category: x.category,
        description: &x.description,
        tools: &tools,
        plans: &x.plans,
        published_at: x.published_at,
    };
    seed(s, &seed_x).await.listing.id
}

/// The words a spec is found by (what either engine's tokenizer makes of it).
fn tokens(x: &Spec) -> Vec<String> {
    let mut text = format!(
        "{} {} Helps your team. {}",
        x.name, x.publisher, x.description
    );
    for t in &x.tools {
        text.push(' ');
        text.push_str(&t.0);
    }
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The slugs a search must find, in order (newest or by name), by brute force.
fn reference(specs: &[(Spec, ListingId)], q: &CatalogQuery) -> Vec<String> {
    let words = q
        .text
        .as_deref()
        .map(store::search_words)
        .unwrap_or_default();
    let mut found: Vec<&(Spec, ListingId)> = specs
        .iter()
        .filter(|(x, _)| {
            let toks = tokens(x);
            let text = words.iter().enumerate().all(|(i, w)| {
                if i + 1 == words.len() && w.chars().count() >= 2 {
                    toks.iter().any(|t| t.starts_with(w.as_str()))
                } else {
                    toks.iter().any(|t| t == w)
                }
            });
            let caps: Vec<&str> = x.tools.iter().flat_map(|t| t.2.iter().copied()).collect();
            let risk = x
                .tools
                .iter()
                .map(|t| store::RISK_TIERS.iter().position(|r| *r == t.1).unwrap())
                .max()
                .unwrap();
            let mut pricing: Vec<&str> = if x.plans.is_empty() {
                vec!["free"]
            } else {
                x.plans.iter().map(|p| p.as_str()).collect()
            };
            if pricing.iter().any(|p| *p != "free") {
                pricing.push("paid");
            }
            text && q.category.as_deref().is_none_or(|c| c == x.category)
                && q.max_risk
                    .as_deref()
                    .is_none_or(|r| risk <= store::RISK_TIERS.iter().position(|t| *t == r).unwrap())
                && (!q.verified_only || x.verified)
                && q.capability.as_deref().is_none_or(|c| caps.contains(&c))
                && q.without_capability
                    .as_deref()
                    .is_none_or(|c| !caps.contains(&c))
                && q.pricing.as_deref().is_none_or(|p| pricing.contains(&p))
        })
        .collect();
    match q.sort {
        CatalogSort::Name => found.sort_by_key(|(x, id)| (x.name.to_lowercase(), id.to_string())),
        _ => found.sort_by_key(|(x, id)| std::cmp::Reverse((x.published_at, id.to_string()))),
    }
    found.into_iter().map(|(x, _)| x.slug.clone()).collect()
}

fn random_query(rng: &mut Rng) -> CatalogQuery {
    let maybe = |rng: &mut Rng, xs: &[&str]| (rng.below(3) == 0).then(|| rng.pick(xs).to_owned());
    let text = match rng.below(4) {
        0 => None,
        1 => Some(rng.pick(VOCAB).to_owned()),
        2 => {
            let w = rng.pick(VOCAB);
            Some(w[..2 + rng.below(w.len() - 1)].to_owned())
        }
        _ => Some(format!("{} {}", rng.pick(VOCAB), rng.pick(VOCAB))),
    };
    CatalogQuery {
        text,
        category: maybe(rng, SPEC_CATEGORIES),
        max_risk: maybe(rng, &store::RISK_TIERS),
        capability: maybe(rng, SPEC_CAPS),
        without_capability: maybe(rng, SPEC_CAPS),
        verified_only: rng.below(4) == 0,
        pricing: maybe(
            rng,
            &["free", "paid", "flat", "per_seat", "usage", "barter"],
        ),
        sort: rng.pick(&[
            CatalogSort::Relevance,
            CatalogSort::Newest,
            CatalogSort::Name,
        ]),
        page: 1 + rng.below(3) as u32,
        page_size: 1 + rng.below(6) as u32,
    }
}

/// Every plan a search can take (text, a rare facet driving, the listings
/// walked newest first or by name; ties in publication time) gives what a
/// brute-force reference gives on a random catalog, on both engines.
#[tokio::test]
async fn every_plan_finds_what_a_brute_force_reference_finds() {
    let mut rng = Rng(7);
    let catalog = random_catalog(&mut rng, 48);
    let queries: Vec<CatalogQuery> = (0..250).map(|_| random_query(&mut rng)).collect();
    let tuned = |facet_drive_max, name_walk_max, name_set_walk| store::SearchTuning {
        facet_drive_max,
        name_walk_max,
        name_set_walk,
    };
    // Each name plan forced: sorted, walked testing the text, walked
    // looking up the set of matches.
    let tunings = [
        store::SearchTuning::default(),
        tuned(0, 0, Some(false)),
        tuned(6, u64::MAX, None),
        tuned(6, 0, Some(true)),
    ];
    for db in engines().await {
        let s = &db.store;
        let mut specs = Vec::new();
        for x in &catalog {
            specs.push((x.clone(), seed_spec(s, x).await));
        }
        for q in &queries {
            let want = reference(&specs, q);
            let first = s.search_catalog(q).await.unwrap();
            for t in tunings {
                let page = s.search_catalog_tuned(q, t).await.unwrap();
                let e = db.engine();
                assert_eq!(page, first, "{q:?} with {t:?} on {e:?}");
                assert_eq!(page.total as usize, want.len(), "{q:?} on {e:?}");
                let from = ((q.page - 1) * q.page_size) as usize;
                let expected: Vec<&String> =
                    want.iter().skip(from).take(q.page_size as usize).collect();
                let got: Vec<&String> = page.hits.iter().map(|h| &h.slug).collect();
                if page.ranked {
                    // Ranked by bm25 / ts_rank: the reference knows the set only.
                    let mut all = s
                        .search_catalog(&CatalogQuery {
                            page: 1,
                            page_size: 100,
                            ..q.clone()
                        })
                        .await
                        .unwrap()
                        .hits
                        .into_iter()
                        .map(|h| h.slug)
                        .collect::<Vec<_>>();
                    all.sort();
                    let mut w = want.clone();
                    w.sort();
                    assert_eq!(all, w, "{q:?} on {e:?}");
                } else {
                    assert_eq!(got, expected, "{q:?} on {e:?}");
                }
                assert_eq!(
                    page.has_next,
                    want.len() > from + q.page_size as usize,
                    "{q:?}"
                );
            }
        }
    }
}
