//! The catalog search through HTTP: the page's GET form (no JavaScript), the
//! server function, and `GET /api/v1/listings` take the same parameters and
//! refuse invalid ones by name.

use crate::helpers::seeded_apps;

/// The listing slugs the page links to, in order.
fn card_slugs(html: &str) -> Vec<String> {
    html.split("class=\"listing-card\"")
        .skip(1)
        .filter_map(|card| {
            let at = card.find("href=\"/listings/")? + "href=\"/listings/".len();
            Some(card[at..].split('"').next()?.to_owned())
        })
        .collect()
}

async fn store_slugs(
    app: &crate::helpers::TestApp,
    params: services::CatalogParams,
) -> Vec<String> {
    app.services
        .search_catalog(&params)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.slug)
        .collect()
}

#[tokio::test]
async fn the_page_filters_sorts_and_pages_from_its_query_string() {
    for app in seeded_apps().await {
        let get = |path: String| {
            let c = app.client.clone();
            let url = app.url(&path);
            async move {
                let res = c.get(url).send().await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            }
        };
        // Risk tier "at most medium": the page shows what the service finds,
        // and that is less than the whole catalog.
        let (status, html) = get("/catalog?risk=medium&sort=name".into()).await;
        assert_eq!(status, 200);
        let expected = store_slugs(
            &app,
            services::CatalogParams {
                risk: Some("medium".into()),
                sort: Some("name".into()),
                ..Default::default()
            },
        )
        .await;
        let all = store_slugs(&app, Default::default()).await;
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "{expected:?}"
        );
        assert_eq!(card_slugs(&html), expected, "{:?}", app.engine());
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(expected, sorted, "by name (slugs follow names here)");
        assert!(html.contains("Medium risk") || html.contains("Low risk"));
        assert!(!html.contains(">Critical risk<"), "nothing above the tier");
        assert!(
            html.contains(r#"<option value="medium" selected"#),
            "the form keeps the filter"
        );

        // Full text over tool names: a tool of the Slack listing.
        let (_, html) = get("/catalog?q=slack_post_message".into()).await;
        let tools = app.services.store.published_listings(100).await.unwrap();
        assert!(tools.iter().any(|e| e.slug == "slack-messenger"));
        let found = card_slugs(&html);
        assert!(
            found.is_empty() || found == ["slack-messenger"],
            "{found:?}"
        );

        // Nothing matches: the empty state names the filters and clears them.
        let (status, html) = get("/catalog?q=slack&category=developer-tools".into()).await;
        assert_eq!(status, 200);
        assert!(card_slugs(&html).is_empty());
        assert!(html.contains("No listings match"));
        assert!(html.contains("text “slack”") && html.contains("category Developer tools"));
        assert!(
            html.contains(r#"href="/catalog?category=developer-tools""#),
            "drop the text"
        );
        assert!(
            html.contains(r#"href="/catalog?q=slack""#),
            "drop the category"
        );
        assert!(html.contains("Clear all filters"));

        // An invalid value is a field message, not ignored.
        let (status, html) = get("/catalog?risk=extreme&page=0".into()).await;
        assert_eq!(status, 422);
        assert!(html.contains("Choose low, medium, high or critical."));
        assert!(html.contains("Use a page number from 1 to 42."));
        assert!(card_slugs(&html).is_empty());

        // Pages: 60 more listings, 24 a page.
        store::testing::bulk_catalog(&app.services.store, 60, 3)
            .await
            .unwrap();
        let total = all.len() + 60;
        let (_, p1) = get("/catalog".into()).await;
        assert_eq!(card_slugs(&p1).len(), 24);
        assert!(p1.contains(&format!("{total} listings")), "the count");
        assert!(p1.contains(r#"href="/catalog?page=2" rel="next""#));
        assert!(!p1.contains(r#"rel="prev""#));
        let (_, p3) = get("/catalog?page=3".into()).await;
        assert_eq!(card_slugs(&p3).len(), total - 48);
        assert!(p3.contains(r#"href="/catalog?page=2" rel="prev""#));
        assert!(!p3.contains(r#"rel="next""#));
        let current = p3
            .split(r#"aria-current="page""#)
            .nth(1)
            .and_then(|rest| rest.split("</span>").next())
            .unwrap_or_default();
        assert!(
            current.ends_with('3'),
            "page 3 is the current one: {current:?}"
        );
        let mut seen: Vec<String> = [
            card_slugs(&p1),
            card_slugs(&get("/catalog?page=2".into()).await.1),
            card_slugs(&p3),
        ]
        .concat();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), total, "three pages show every listing once");
        // Filters survive in the page links.
        let (_, html) = get("/catalog?pricing=free&verified=true".into()).await;
        if html.contains(r#"rel="next""#) {
            assert!(html.contains(
                r#"href="/catalog?verified=true&amp;pricing=free&amp;page=2" rel="next""#
            ));
        }
    }
}

#[tokio::test]
async fn the_api_takes_the_same_parameters_and_refuses_bad_ones_with_400() {
    for app in seeded_apps().await {
        let res = app
            .client
            .get(app.url("/api/v1/listings?risk=high&verified=true&sort=name"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let total: u64 = res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        let items = body.as_array().unwrap();
        assert_eq!(items.len() as u64, total);
        assert!(!items.is_empty());
        for i in items {
            assert!(i["publisher_verified"].as_bool().unwrap());
            assert!(
                ["low", "medium", "high"].contains(&i["risk"].as_str().unwrap()),
                "{i}"
            );
            assert!(!i["pricing"].as_array().unwrap().is_empty());
        }

        for (query, field) in [
            ("risk=extreme", "risk"),
            ("capability=mind_control", "capability"),
            ("without=nope", "without"),
            ("pricing=cheap", "pricing"),
            ("sort=random", "sort"),
            ("page=0", "page"),
            ("page=abc", "page"),
            ("verified=maybe", "verified"),
            ("category=nope", "category"),
        ] {
            let res = app
                .client
                .get(app.url(&format!("/api/v1/listings?{query}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 400, "{query}");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
            let p: serde_json::Value = res.json().await.unwrap();
            assert_eq!(p["errors"][0]["field"], field, "{query}");
        }

        // Odd text is never a server error.
        for q in [
            "%22",
            "*",
            "NEAR(a%20b)",
            "-",
            "%27%3B",
            "a%26%21b",
            "%F0%9F%9A%80",
        ] {
            let res = app
                .client
                .get(app.url(&format!("/api/v1/listings?q={q}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{q}");
        }

        // Pages: a Link to the next one, and the count capped past 1,000.
        store::testing::bulk_catalog(&app.services.store, 1_030, 5)
            .await
            .unwrap();
        let res = app
            .client
            .get(app.url("/api/v1/listings?q=labs&page=2"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-total-count"], "1000");
        assert_eq!(res.headers()["x-total-count-capped"], "true");
        let link = res.headers()["link"].to_str().unwrap().to_owned();
        assert!(
            link.contains(r#"</api/v1/listings?q=labs&page=1>; rel="prev""#),
            "{link}"
        );
        assert!(
            link.contains(r#"</api/v1/listings?q=labs&page=3>; rel="next""#),
            "{link}"
        );
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 24);

        // Pages go as far as the count: page 42 (the first 1,008 matches) is
        // the last one, with no next page, and says so; 43 is refused.
        let res = app
            .client
            .get(app.url("/api/v1/listings?q=labs&page=42"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let link = res.headers()["link"].to_str().unwrap().to_owned();
        assert!(!link.contains(r#"rel="next""#), "{link}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 24);
        let res = app
            .client
            .get(app.url("/api/v1/listings?q=labs&page=43"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let problem = res.text().await.unwrap();
        assert!(
            problem.contains("Use a page number from 1 to 42."),
            "{problem}"
        );
        let html = app.text("/catalog?q=labs&page=42").await;
        assert!(html.contains("This is the last page: a search shows its first 1,008 listings."));
        assert!(!html.contains(r#"rel="next""#));
        let html = app.text("/catalog?q=labs&page=41").await;
        assert!(html.contains(r#"rel="next""#), "41 has a next page");
        assert!(!html.contains("catalog-last-page"));
    }
}

/// The upkeep `steward serve` runs on SQLite: nothing to do while the
/// full-text index is in few b-trees, merged into one (in steps) past that,
/// and the catalog finds the same before and after. PostgreSQL has nothing
/// to merge.
#[tokio::test]
async fn the_upkeep_merges_the_search_index_and_search_finds_the_same() {
    for app in seeded_apps().await {
        let s = &app.services;
        let searches = [
            services::CatalogParams::default(),
            services::CatalogParams {
                q: Some("files".into()),
                sort: Some("name".into()),
                ..Default::default()
            },
            services::CatalogParams {
                q: Some("read".into()),
                ..Default::default()
            },
        ];
        let mut before = Vec::new();
        for p in &searches {
            before.push(store_slugs(&app, p.clone()).await);
        }
        assert!(!before[1].is_empty(), "the search finds something");
        let segments = s.store.catalog_index_segments().await.unwrap();
        if app.engine() == store::Engine::Postgres {
            assert_eq!(segments, 0);
            assert_eq!(s.upkeep_catalog_index(0).await.unwrap(), 0);
            continue;
        }
        // The demo is published one listing per transaction.
        assert!(segments > 1, "{segments} b-trees");
        assert_eq!(s.upkeep_catalog_index(segments).await.unwrap(), 0);
        assert_eq!(s.store.catalog_index_segments().await.unwrap(), segments);
        assert!(s.upkeep_catalog_index(1).await.unwrap() >= 1);
        assert_eq!(s.store.catalog_index_segments().await.unwrap(), 1);
        for (p, want) in searches.iter().zip(&before) {
            assert_eq!(&store_slugs(&app, p.clone()).await, want, "{p:?}");
        }
    }
}
