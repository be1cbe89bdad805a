//! Synthetic published listings in bulk, for the catalog search benchmark
//! (`examples/bench_catalog.rs`), load tests (`steward seed --bulk-listings`)
//! and tests of big catalogs. Not marketplace data: every listing is made up.

use crate::Store;

/// A deterministic generator (splitmix64) for bulk and randomized test data:
/// the same seed gives the same catalog on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Skewed towards the front of a list (word frequencies).
    fn zipf(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b).min(self.below(n))
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

const ADJECTIVES: &[&str] = &[
    "Swift", "Open", "Cloud", "Smart", "Secure", "Rapid", "Quiet", "Bright", "Simple", "Global",
    "Modern", "Native", "Solid", "Clever", "Agile", "Handy", "Prime", "Steady", "Lucid", "Nimble",
];
const NOUNS: &[&str] = &[
    "Slack",
    "Github",
    "Postgres",
    "Calendar",
    "Invoice",
    "Ticket",
    "Browser",
    "Drive",
    "Mail",
    "Notes",
    "Search",
    "Weather",
    "Maps",
    "Payments",
    "Kubernetes",
    "Files",
    "Metrics",
    "Logs",
    "Contacts",
    "Docs",
    "Sheets",
    "Tasks",
    "Chat",
    "Storage",
    "Billing",
    "Translate",
    "Vision",
    "Queue",
    "Cache",
    "Deploy",
];
const SUFFIXES: &[&str] = &[
    "Tools",
    "Bridge",
    "Connector",
    "Assistant",
    "Server",
    "Agent",
    "Kit",
];
/// Description words, most frequent first ("data" is the common word).
const WORDS: &[&str] = &[
    "data",
    "records",
    "team",
    "reports",
    "files",
    "customers",
    "projects",
    "messages",
    "events",
    "users",
    "orders",
    "accounts",
    "documents",
    "tickets",
    "issues",
    "changes",
    "queries",
    "tables",
    "alerts",
    "metrics",
    "schedules",
    "invoices",
    "payments",
    "repositories",
    "branches",
    "commits",
    "channels",
    "threads",
    "contacts",
    "leads",
    "deals",
    "pipelines",
    "clusters",
    "pods",
    "buckets",
    "objects",
    "images",
    "videos",
    "transcripts",
    "notes",
    "calendars",
    "meetings",
    "forms",
    "surveys",
    "tasks",
    "boards",
    "sprints",
    "releases",
    "builds",
    "tests",
    "secrets",
    "keys",
    "domains",
    "certificates",
    "webhooks",
    "integrations",
    "workflows",
    "approvals",
    "budgets",
];
const VERBS: &[(&str, &str, &[&str])] = &[
    ("get", "low", &["read_data"]),
    ("list", "low", &["read_data"]),
    ("search", "low", &["read_data"]),
    ("create", "medium", &["write_data"]),
    ("update", "medium", &["write_data"]),
    ("send", "medium", &["external_communication"]),
    ("fetch", "medium", &["network_access"]),
    ("delete", "high", &["destructive", "write_data"]),
    ("run", "critical", &["code_execution"]),
    ("refund", "critical", &["financial"]),
];
const KINDS: &[&str] = &["free", "flat", "per_seat", "usage"];

/// Bulk-loads `n` published listings from `publishers` organizations (a third
/// of them verified), each with 2–7 tools, a screening and sometimes price
/// plans, then fills the catalog's search rows: what the catalog benchmark
/// and the count-cap tests search. About one listing in 10,000 carries the
/// rare word `quokka`. Batched inserts in one transaction per 2,000 listings,
/// then the full-text index merged.
pub async fn bulk_catalog(store: &Store, n: usize, seed: u64) -> Result<(), crate::StoreError> {
    use crate::entities::*;
    use sea_orm::{EntityTrait, TransactionTrait};

    let mut rng = Rng(seed);
    let seed = seed % 1_000_000;
    let now = crate::now_ms();
    let publishers = (n / 50).clamp(1, 2000);
    let orgs: Vec<organization::Model> = (0..publishers)
        .map(|i| organization::Model {
            id: uuid::Uuid::now_v7().to_string(),
            slug: format!("bulk-{seed}-pub-{i}"),
            name: format!("{} {} Labs", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
            kind: "publisher".into(),
            verified_domain: (i % 3 == 0).then(|| format!("pub{i}.example")),
            created_at: now,
            verification_lapsed_at: None,
        })
        .collect();
    let tx = store.db.begin().await?;
    crate::set_row_scope(&tx, store.engine, crate::RowScope::System).await?;
    for chunk in orgs.chunks(200) {
        organization::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(organization::ActiveModel::from)
                .collect::<Vec<_>>(),
        )
        .exec_without_returning(&tx)
        .await?;
    }
    tx.commit().await?;

    let empty_manifest = serde_json::to_string(&domain::manifest::Manifest::default())
        .expect("a manifest serializes");
    let mut start = 0;
    while start < n {
        let end = (start + 2000).min(n);
        let (mut listings, mut versions, mut tools, mut plans) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in start..end {
            let org = &orgs[rng.below(orgs.len())];
            let listing_id = uuid::Uuid::now_v7().to_string();
            let version_id = uuid::Uuid::now_v7().to_string();
            let name = format!(
                "{} {} {}",
                rng.pick(ADJECTIVES),
                rng.pick(NOUNS),
                rng.pick(SUFFIXES)
            );
            let mut words: Vec<&str> = (0..24).map(|_| WORDS[rng.zipf(WORDS.len())]).collect();
            if i % 10_000 == 7 {
                words.push("quokka");
            }
            let summary = format!("Work with your {} and {}.", words[0], words[1]);
            let description = words.join(" ");
            listings.push(listing::Model {
                id: listing_id.clone(),
                org_id: org.id.clone(),
                slug: format!("bulk-{seed}-{i}"),
                name,
                category: domain::listing::CATEGORIES[rng.below(domain::listing::CATEGORIES.len())]
                    .0
                    .to_owned(),
                summary,
                description,
                homepage: None,
                created_at: now,
                updated_at: now,
                support_contact: None,
                privacy_url: None,
                data_use: String::new(),
                capabilities: "[]".into(),
                egress: "[]".into(),
            });
            let n_tools = 2 + rng.below(6);
            let mut classes = Vec::new();
            let mut worst = 0;
            for t in 0..n_tools {
                let (verb, risk, caps) = VERBS[rng.zipf(VERBS.len())];
                let name = format!("{verb}_{}_{t}", WORDS[rng.below(WORDS.len())]);
                worst = worst.max(
                    crate::RISK_TIERS
                        .iter()
                        .position(|r| *r == risk)
                        .unwrap_or(0),
                );
                classes.push(serde_json::json!({"name": name, "risk": risk, "capabilities": caps}));
                tools.push(tool::Model {
                    id: uuid::Uuid::now_v7().to_string(),
                    version_id: version_id.clone(),
                    org_id: org.id.clone(),
                    position: t as i32,
                    name,
                    title: None,
                    description: format!("{verb} {}", words[t % words.len()]),
                    annotations: "{}".into(),
                    input_schema: "{}".into(),
                });
            }
            let published = now - (n - i) as i64 * 1000;
            versions.push(listing_version::Model {
                id: version_id.clone(),
                listing_id,
                org_id: org.id.clone(),
                version: "1.0.0".into(),
                state: "published".into(),
                manifest_digest: None,
                manifest_format: "mcp_tools_list".into(),
                created_at: published,
                submitted_at: Some(published),
                published_at: Some(published),
                manifest: empty_manifest.clone(),
                declared: "{}".into(),
                screening: serde_json::json!({ "tools": classes }).to_string(),
                risk: Some(crate::RISK_TIERS[worst].to_owned()),
                ruleset: Some("bulk".into()),
            });
            // Two listings in five have no plan (free); the rest one or two kinds.
            if rng.below(5) >= 2 {
                for (p, kind) in [KINDS[rng.below(4)], KINDS[rng.below(4)]]
                    .into_iter()
                    .enumerate()
                    .take(1 + rng.below(2))
                {
                    plans.push(price_plan::Model {
                        id: uuid::Uuid::now_v7().to_string(),
                        version_id: version_id.clone(),
                        org_id: org.id.clone(),
                        position: p as i32,
                        name: format!("Plan {p}"),
                        kind: kind.into(),
                        currency: (kind != "free").then(|| "USD".into()),
                        amount_minor: if kind == "free" { 0 } else { 900 },
                        period: matches!(kind, "flat" | "per_seat").then(|| "month".into()),
                        meter: (kind == "usage").then(|| "call".into()),
                        trial_days: 0,
                    });
                }
            }
        }
        let tx = store.db.begin().await?;
        crate::set_row_scope(&tx, store.engine, crate::RowScope::System).await?;
        macro_rules! insert_all {
            ($entity:ident, $rows:expr) => {
                for chunk in $rows.chunks(200) {
                    $entity::Entity::insert_many(
                        chunk
                            .iter()
                            .cloned()
                            .map($entity::ActiveModel::from)
                            .collect::<Vec<_>>(),
                    )
                    .exec_without_returning(&tx)
                    .await?;
                }
            };
        }
        insert_all!(listing, listings);
        insert_all!(listing_version, versions);
        insert_all!(tool, tools);
        insert_all!(price_plan, plans);
        let ids: Vec<String> = listings.iter().map(|l| l.id.clone()).collect();
        crate::search::refresh_listings(&tx, store.engine, &ids).await?;
        tx.commit().await?;
        start = end;
    }
    // 50 transactions for 100k listings leave the full-text index in dozens
    // of b-trees; a catalog that is searched is kept merged.
    store.optimize_catalog_index().await
}
