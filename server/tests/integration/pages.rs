//! Server-rendered pages: readable without JavaScript, correct status codes.

use crate::helpers::seeded_apps;

#[tokio::test]
async fn pages_render_on_the_server_with_the_demo_data() {
    for app in seeded_apps().await {
        let res = app.client.get(app.url("/catalog")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        for name in [
            "Filesystem Access",
            "GitHub Repositories",
            "Slack Messenger",
        ] {
            assert!(html.contains(name), "{name} missing on {:?}", app.engine());
        }
        assert!(
            !html.contains("Headless Browser"),
            "a draft leaked into the catalog"
        );
        assert!(
            html.contains("/pkg/steward.js"),
            "hydration scripts missing"
        );

        let html = app.text("/listings/git-repository-tools").await;
        assert!(html.contains("git_status"));
        assert!(html.contains("Tools (12)"));
    }
}

#[tokio::test]
async fn missing_things_are_404_pages() {
    for app in seeded_apps().await {
        for path in [
            "/nowhere",
            "/listings/no-such-listing",
            "/listings/kubernetes-operator",
        ] {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 404, "{path} on {:?}", app.engine());
            let html = res.text().await.unwrap();
            assert!(html.contains("We could not find that page"), "{path}");
        }
    }
}

#[tokio::test]
async fn search_works_without_javascript() {
    for app in seeded_apps().await {
        let html = app.text("/catalog?q=TIMEZONE").await;
        assert!(html.contains("Time and Timezones"));
        assert!(!html.contains("Filesystem Access"));
        assert!(html.contains("1 listing<"), "count shown");
    }
}
