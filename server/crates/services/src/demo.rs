//! `steward seed --demo`: a small, real-looking marketplace built from real MCP
//! tool lists (see demo/LICENSES.md). The publishers and tenants are fictional.

use bytes::Bytes;

use domain::audit::{Actor as AuditActor, AuditRecord};
use domain::identity::Role;
use domain::listing::VersionState;
use domain::manifest::Manifest;
use domain::org::OrgKind;
use domain::{ListingId, OrgId, UserId, VersionId};
use store::NewEvent;
use store::records::{Listing, Org, User, Version};

use crate::{Result, ServiceError, Services};

/// The operator org's slug; its presence means the demo was seeded.
pub const OPERATOR_SLUG: &str = "steward-ops";

/// Development only: every demo account's password.
pub const DEMO_PASSWORD: &str = "steward-demo-password";

/// (email, name, what they are) of the demo accounts.
pub const DEMO_USERS: [(&str, &str, &str); 8] = [
    ("ops@steward.example", "Olivia Ops", "operator admin"),
    (
        "reviewer@steward.example",
        "Rafael Reviewer",
        "operator reviewer and security",
    ),
    (
        "owner@northwind.example",
        "Nadia Northwind",
        "publisher owner, Northwind Labs",
    ),
    (
        "owner@fabrikam.example",
        "Felix Fabrikam",
        "publisher owner, Fabrikam Tools",
    ),
    (
        "admin@contoso.example",
        "Carla Contoso",
        "tenant admin, Contoso Health",
    ),
    (
        "admin@tailspin.example",
        "Tomas Tailspin",
        "tenant admin, Tailspin Retail",
    ),
    (
        "security@steward.example",
        "Sofia Security",
        "operator reviewer and security (the second approver)",
    ),
    (
        "trust@steward.example",
        "Tariq Trust",
        "operator trust & safety and legal",
    ),
];

struct DemoListing {
    slug: &'static str,
    name: &'static str,
    publisher: usize,
    category: &'static str,
    summary: &'static str,
    /// (version, state, fixture)
    versions: &'static [(&'static str, VersionState, &'static [u8])],
    package: &'static str,
}

macro_rules! fixture {
    ($f:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/", $f))
    };
}

const PUBLISHERS: [(&str, &str, Option<&str>); 2] = [
    (
        "northwind-labs",
        "Northwind Labs",
        Some("northwind.example"),
    ),
    ("fabrikam-tools", "Fabrikam Tools", None),
];

const TENANTS: [(&str, &str); 2] = [
    ("contoso-health", "Contoso Health"),
    ("tailspin-retail", "Tailspin Retail"),
];

use VersionState::*;

const LISTINGS: &[DemoListing] = &[
    DemoListing {
        slug: "filesystem-access",
        name: "Filesystem Access",
        publisher: 0,
        category: "utilities",
        summary: "Read, write, move and search files inside the directories you allow.",
        versions: &[("1.0.0", Published, fixture!("server-filesystem.json"))],
        package: "@modelcontextprotocol/server-filesystem",
    },
    DemoListing {
        slug: "git-repository-tools",
        name: "Git Repository Tools",
        publisher: 0,
        category: "developer-tools",
        summary: "Inspect status, diffs and history of a local Git repository, and commit changes.",
        versions: &[("2.1.0", Published, fixture!("mcp-server-git.json"))],
        package: "mcp-server-git",
    },
    DemoListing {
        slug: "web-fetch",
        name: "Web Fetch",
        publisher: 1,
        category: "search-and-web",
        summary: "Fetch a web page and hand it to the model as Markdown.",
        versions: &[("1.4.2", Published, fixture!("mcp-server-fetch.json"))],
        package: "mcp-server-fetch",
    },
    DemoListing {
        slug: "time-and-timezones",
        name: "Time and Timezones",
        publisher: 1,
        category: "utilities",
        summary: "Current time in any timezone, and conversions between timezones.",
        versions: &[("1.0.0", Published, fixture!("mcp-server-time.json"))],
        package: "mcp-server-time",
    },
    DemoListing {
        slug: "knowledge-graph-memory",
        name: "Knowledge Graph Memory",
        publisher: 0,
        category: "productivity",
        summary: "A persistent memory of entities, relations and observations across conversations.",
        versions: &[("0.6.3", Published, fixture!("server-memory.json"))],
        package: "@modelcontextprotocol/server-memory",
    },
    DemoListing {
        slug: "slack-messenger",
        name: "Slack Messenger",
        publisher: 1,
        category: "communication",
        summary: "Read channels and threads, post messages and add reactions in your Slack workspace.",
        versions: &[("1.0.0", Published, fixture!("server-slack.json"))],
        package: "@modelcontextprotocol/server-slack",
    },
    DemoListing {
        slug: "github-repositories",
        name: "GitHub Repositories",
        publisher: 0,
        category: "developer-tools",
        summary: "Search code, manage issues and pull requests, and push files to GitHub repositories.",
        versions: &[
            ("0.6.2", Published, fixture!("server-github.json")),
            ("0.7.0", InReview, fixture!("server-github.json")),
        ],
        package: "@modelcontextprotocol/server-github",
    },
    DemoListing {
        slug: "postgres-read-only",
        name: "PostgreSQL Read-only Query",
        publisher: 1,
        category: "data-and-databases",
        summary: "Run read-only SQL against a PostgreSQL database and inspect its schema.",
        versions: &[("0.1.0", Published, fixture!("server-postgres.json"))],
        package: "@modelcontextprotocol/server-postgres",
    },
    DemoListing {
        slug: "brave-web-search",
        name: "Brave Web Search",
        publisher: 1,
        category: "search-and-web",
        summary: "Web and local business search through the Brave Search API.",
        versions: &[("0.1.0", InReview, fixture!("server-brave-search.json"))],
        package: "@modelcontextprotocol/server-brave-search",
    },
    DemoListing {
        slug: "kubernetes-operator",
        name: "Kubernetes Operator",
        publisher: 0,
        category: "cloud-and-infrastructure",
        summary: "Inspect and change Kubernetes resources, install Helm charts and run commands in pods.",
        versions: &[("4.1.7", Submitted, fixture!("mcp-server-kubernetes.json"))],
        package: "mcp-server-kubernetes",
    },
    DemoListing {
        slug: "crm-contacts-and-deals",
        name: "CRM Contacts and Deals",
        publisher: 1,
        category: "sales-and-crm",
        summary: "Search, create and update CRM contacts, companies and deals.",
        versions: &[(
            "0.4.0",
            ChangesRequested,
            fixture!("hubspot-mcp-server.json"),
        )],
        package: "@hubspot/mcp-server",
    },
    DemoListing {
        slug: "headless-browser",
        name: "Headless Browser",
        publisher: 0,
        category: "search-and-web",
        summary: "Drive a headless browser: navigate, click, fill forms, take screenshots, run scripts.",
        versions: &[("0.1.0", Draft, fixture!("server-puppeteer.json"))],
        package: "@modelcontextprotocol/server-puppeteer",
    },
    DemoListing {
        slug: "serverless-postgres-admin",
        name: "Serverless Postgres Admin",
        publisher: 1,
        category: "data-and-databases",
        summary: "Create projects and branches, run migrations and queries on serverless Postgres.",
        versions: &[("0.3.7", Suspended, fixture!("neon-mcp.json"))],
        package: "@neondatabase/mcp-server-neon",
    },
];

/// What seeding did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    Seeded {
        organizations: usize,
        listings: usize,
        versions: usize,
        tools: usize,
    },
    /// The demo data was already there; nothing was written.
    AlreadySeeded,
}

impl Services {
    /// Seeds the demo marketplace once; a second call changes nothing.
    pub async fn seed_demo(&self) -> Result<SeedOutcome> {
        if self.store.org_by_slug(OPERATOR_SLUG).await?.is_some() {
            return Ok(SeedOutcome::AlreadySeeded);
        }
        let now = store::now_ms();
        let day = 86_400_000;
        let mut orgs = vec![Org {
            id: OrgId::new(),
            slug: OPERATOR_SLUG.into(),
            name: "Steward Marketplace Operations".into(),
            kind: OrgKind::Operator,
            verified_domain: None,
            created_at: now - 90 * day,
            verification_lapsed_at: None,
        }];
        for (slug, name, domain) in PUBLISHERS {
            orgs.push(Org {
                id: OrgId::new(),
                slug: slug.into(),
                name: name.into(),
                kind: OrgKind::Publisher,
                verified_domain: domain.map(Into::into),
                created_at: now - 80 * day,
                verification_lapsed_at: None,
            });
        }
        for (slug, name) in TENANTS {
            orgs.push(Org {
                id: OrgId::new(),
                slug: slug.into(),
                name: name.into(),
                kind: OrgKind::Tenant,
                verified_domain: None,
                created_at: now - 70 * day,
                verification_lapsed_at: None,
            });
        }
        let publisher_ids = [orgs[1].id, orgs[2].id];

        // Blobs first (idempotent, content-addressed); rows and references after,
        // in one transaction, so a failure leaves no reference to a missing blob.
        let mut planned = Vec::new();
        for (i, l) in LISTINGS.iter().enumerate() {
            let org = publisher_ids[l.publisher];
            let mut versions = Vec::new();
            for (j, (version, state, bytes)) in l.versions.iter().enumerate() {
                let manifest = Manifest::from_tools_list_json(bytes)
                    .map_err(|e| ServiceError::Internal(Box::new(e)))?;
                let stored = self.evidence.put(org, Bytes::from_static(bytes)).await?;
                let created = now - (60 - i as i64 * 3 - j as i64) * day;
                let submitted = (*state != Draft).then_some(created + day / 2);
                let published = matches!(state, Published | Suspended).then_some(created + 2 * day);
                versions.push((
                    Version {
                        id: VersionId::new(),
                        listing_id: ListingId::new(),
                        org_id: org,
                        version: (*version).into(),
                        state: *state,
                        manifest_digest: Some(stored.digest.clone()),
                        manifest_format: "mcp_tools_list".into(),
                        created_at: created,
                        submitted_at: submitted,
                        published_at: published,
                        declared: Default::default(),
                        screening: Some(crate::portal::screening_of(classifier::report(
                            &manifest,
                            Some(&classifier::ListingInfo {
                                name: l.name.into(),
                                publisher: String::new(),
                                category: l.category.into(),
                                description: l.summary.into(),
                                declared_capabilities: Vec::new(),
                            }),
                            None,
                            &[],
                            None,
                            classifier::default_ruleset(),
                        ))?),
                        manifest: manifest.clone(),
                    },
                    manifest,
                    stored,
                ));
            }
            planned.push((l, org, versions));
        }

        // One hash for all demo accounts: they share a published password anyway.
        let hash = crate::secrets::hash_password(DEMO_PASSWORD.to_owned())
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?;
        let users: Vec<User> = DEMO_USERS
            .iter()
            .map(|(email, name, _)| User {
                id: UserId::new(),
                email: (*email).into(),
                display_name: (*name).into(),
                password_hash: Some(hash.clone()),
                disabled_at: None,
                created_at: now - 60 * day,
            })
            .collect();
        // (user index, org index, role)
        let grants = [
            (0, 0, Role::Admin),
            (0, 0, Role::Reviewer),
            (1, 0, Role::Reviewer),
            (1, 0, Role::Security),
            (2, 1, Role::Owner),
            (3, 2, Role::Owner),
            (4, 3, Role::TenantAdmin),
            (5, 4, Role::TenantAdmin),
            (6, 0, Role::Reviewer),
            (6, 0, Role::Security),
            (7, 0, Role::TrustSafety),
            (7, 0, Role::Legal),
        ];

        let tx = self.store.begin_write().await?;
        for o in &orgs {
            tx.insert_org(o).await?;
        }
        for u in &users {
            tx.insert_user(u).await?;
        }
        for (u, o, role) in grants {
            tx.in_org(orgs[o].id).grant(users[u].id, role, now).await?;
        }
        let (mut n_versions, mut n_tools) = (0, 0);
        let mut events = Vec::new();
        for (l, org, versions) in planned {
            let id = ListingId::new();
            let created = versions.first().map_or(now, |v| v.0.created_at);
            tx.insert_listing(&Listing {
                id,
                org_id: org,
                slug: l.slug.into(),
                name: l.name.into(),
                category: l.category.into(),
                summary: l.summary.into(),
                description: format!(
                    "{}\n\nDemo listing: its tools are the real tools/list answer of the open-source \
                     package {} (see the repository's demo/LICENSES.md). The publisher shown is fictional.",
                    l.summary, l.package
                ),
                homepage: None,
                support_contact: None,
                privacy_url: None,
                data_use: String::new(),
                capabilities: Vec::new(),
                egress: Vec::new(),
                created_at: created,
                updated_at: created,
            })
            .await?;
            for (mut v, manifest, stored) in versions {
                v.listing_id = id;
                tx.insert_evidence_ref(org, &stored.digest, "application/json", stored.size)
                    .await?;
                tx.insert_version(&v).await?;
                tx.in_org(org)
                    .put_document(&store::records::VersionDocument {
                        id: domain::DocumentId::new(),
                        version_id: v.id,
                        org_id: org,
                        format: manifest.format,
                        digest: stored.digest.clone(),
                        media_type: "application/json".into(),
                        size_bytes: stored.size,
                        source_url: None,
                        normalized: manifest.clone(),
                        created_at: v.created_at,
                    })
                    .await?;
                n_versions += 1;
                n_tools += manifest.tools.len();
                if v.state == Published {
                    events.push(NewEvent {
                        event_type: "listing_version.published".into(),
                        org_id: Some(org),
                        subject_type: "listing".into(),
                        subject_id: id.to_string(),
                        payload: serde_json::json!({
                            "listing_id": id, "slug": l.slug, "version": v.version,
                        }),
                    });
                }
            }
        }
        let outcome = SeedOutcome::Seeded {
            organizations: orgs.len(),
            listings: LISTINGS.len(),
            versions: n_versions,
            tools: n_tools,
        };
        tx.commit(
            AuditRecord::new(AuditActor::System, "demo.seeded", "marketplace", "demo").detail(
                serde_json::json!({
                    "organizations": orgs.len(),
                    "users": users.len(),
                    "listings": LISTINGS.len(),
                    "versions": n_versions,
                    "tools": n_tools,
                }),
            ),
            events,
        )
        .await?;
        Ok(outcome)
    }
}
