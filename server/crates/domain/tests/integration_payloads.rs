//! The documented payload of every named integration, pinned by insta
//! snapshots (`tests/snapshots/`), and `docs/integrations.md` held to the same
//! examples: each `<!-- example: NAME -->` block there must be exactly what
//! the mapping produces for the fixture of that name. To refresh the
//! documentation after changing a payload on purpose:
//! `STEWARD_UPDATE_DOCS=1 cargo test -p domain --test integration_payloads`
//! (then review the snapshots with `cargo insta review` or
//! `INSTA_UPDATE=always`).

use domain::integrations::{EventRef, IntegrationKind, payload, sorted};
use serde_json::{Value, json};

const TENANT: &str = "019ac0de-0000-7000-8000-00000000c0de";
const PUBLISHER: &str = "019ac0de-0000-7000-8000-0000000000b1";
const INSTALL: &str = "019ac0de-0000-7000-8000-0000000001a1";
const LISTING: &str = "019ac0de-0000-7000-8000-00000000a9e7";
const VERSION: &str = "019ac0de-0000-7000-8000-0000000000e1";

/// A fixture: the example's name, the endpoint's kind, the event as stored.
struct Example {
    name: &'static str,
    kind: IntegrationKind,
    event_type: &'static str,
    org_id: &'static str,
    data: Value,
    install: Option<Value>,
}

fn install_event(status: &str) -> Value {
    json!({
        "install_id": INSTALL,
        "listing_id": LISTING,
        "listing": "filesystem-access",
        "version_id": VERSION,
        "granted_tools": ["list_directory", "read_file"],
        "granted_scopes": [],
        "status": status,
    })
}

fn listing_event() -> Value {
    json!({
        "listing_id": LISTING,
        "slug": "filesystem-access",
        "justification": "Exfiltrates files to an undisclosed host (report 42).",
    })
}

fn tenant_install() -> Value {
    json!({
        "id": INSTALL,
        "tenant": TENANT,
        "listing_id": LISTING,
        "version_id": VERSION,
        "granted_tools": ["list_directory", "read_file"],
        "granted_scopes": [],
        "status": "active",
    })
}

fn examples() -> Vec<Example> {
    use IntegrationKind::*;
    vec![
        Example {
            name: "identity-install-created",
            kind: Identity,
            event_type: "install.created",
            org_id: TENANT,
            data: install_event("active"),
            install: None,
        },
        Example {
            name: "identity-uninstalled",
            kind: Identity,
            event_type: "install.grants_revoked",
            org_id: TENANT,
            data: install_event("removed"),
            install: None,
        },
        Example {
            name: "identity-listing-suspended",
            kind: Identity,
            event_type: "listing.suspended",
            org_id: PUBLISHER,
            data: listing_event(),
            install: Some(tenant_install()),
        },
        Example {
            name: "identity-listing-suspended-operator",
            kind: Identity,
            event_type: "listing.suspended",
            org_id: PUBLISHER,
            data: listing_event(),
            install: None,
        },
        Example {
            name: "billing-usage",
            kind: Billing,
            event_type: "usage.summarized",
            org_id: TENANT,
            data: json!({
                "install_id": INSTALL,
                "listing_id": LISTING,
                "listing": "filesystem-access",
                "version": "1.2.0",
                "period_start": "2026-11-26T13:00:00Z",
                "period_end": "2026-11-26T14:00:00Z",
                "allowed": 1204,
                "denied": 7,
            }),
            install: None,
        },
        Example {
            name: "billing-subscription-started",
            kind: Billing,
            event_type: "install.created",
            org_id: TENANT,
            data: install_event("active"),
            install: None,
        },
        Example {
            name: "billing-subscription-ended",
            kind: Billing,
            event_type: "install.removed",
            org_id: TENANT,
            data: install_event("removed"),
            install: None,
        },
        Example {
            name: "billing-plans-published",
            kind: Billing,
            event_type: "listing_version.published",
            org_id: PUBLISHER,
            data: json!({
                "listing_id": LISTING,
                "slug": "filesystem-access",
                "version": "1.2.0",
                "plans": [{
                    "name": "Team",
                    "kind": "per_seat",
                    "currency": "EUR",
                    "amount_minor": 900,
                    "period": "month",
                    "trial_days": 14,
                }],
            }),
            install: None,
        },
        Example {
            name: "trust-safety-report",
            kind: TrustSafety,
            event_type: "report.filed",
            org_id: PUBLISHER,
            data: json!({
                "report_id": "019ac0de-0000-7000-8000-0000000000a2",
                "listing_id": LISTING,
                "listing_slug": "filesystem-access",
                "reason": "malicious",
                "source": "install",
                "install_id": INSTALL,
                "evidence": "sha256:9f2c1e0d4b7a6c5e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
            }),
            install: None,
        },
        Example {
            name: "trust-safety-enforcement",
            kind: TrustSafety,
            event_type: "listing.delisted",
            org_id: PUBLISHER,
            data: listing_event(),
            install: None,
        },
        Example {
            name: "developer-portal-version",
            kind: DeveloperPortal,
            event_type: "listing_version.changes_requested",
            org_id: PUBLISHER,
            data: json!({"listing_id": LISTING, "slug": "filesystem-access", "version": "1.2.0"}),
            install: None,
        },
        Example {
            name: "developer-portal-listing",
            kind: DeveloperPortal,
            event_type: "listing.suspended",
            org_id: PUBLISHER,
            data: listing_event(),
            install: None,
        },
        Example {
            name: "policy-tenant",
            kind: Policy,
            event_type: "policy.activated",
            org_id: TENANT,
            data: json!({"kind": "tenant", "version": "tenant-3"}),
            install: None,
        },
        Example {
            name: "generic-listing-suspended-tenant",
            kind: Generic,
            event_type: "listing.suspended",
            org_id: PUBLISHER,
            data: listing_event(),
            install: Some(tenant_install()),
        },
    ]
}

fn render(e: &Example) -> String {
    let p = payload(
        e.kind,
        &EventRef {
            event_type: e.event_type,
            org_id: Some(e.org_id),
            data: &e.data,
            install: e.install.as_ref(),
        },
    )
    .unwrap_or_else(|| panic!("{} maps", e.name));
    serde_json::to_string_pretty(&sorted(&p)).unwrap()
}

#[test]
fn every_named_payload_is_pinned() {
    for e in examples() {
        insta::assert_snapshot!(e.name, render(&e));
    }
}

#[test]
fn the_tenant_view_of_a_listing_event_leaves_out_the_justification() {
    for e in examples().iter().filter(|e| e.install.is_some()) {
        assert!(!render(e).contains("justification"), "{}", e.name);
        assert!(render(e).contains(TENANT), "{}", e.name);
    }
}

fn docs_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../docs/integrations.md")
}

/// Replaces (or checks) the block after each `<!-- example: NAME -->`.
fn docs_with_examples(doc: &str, examples: &[Example]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(doc.len());
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let mut lines = doc.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(name) = line
            .trim()
            .strip_prefix("<!-- example: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let Some(e) = examples.iter().find(|e| e.name == name) else {
            problems.push(format!("{name}: no such example"));
            continue;
        };
        seen.push(name.to_owned());
        if lines.peek().map(|l| l.trim()) != Some("```json") {
            problems.push(format!("{name}: no ```json block after the marker"));
            continue;
        }
        lines.next();
        let mut block = String::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        let want = render(e);
        if block.trim_end() != want {
            problems.push(format!("{name}: the documented payload differs"));
        }
        out.push_str("```json\n");
        out.push_str(&want);
        out.push_str("\n```\n");
    }
    for e in examples {
        if !seen.iter().any(|s| s == e.name) {
            problems.push(format!("{}: not documented", e.name));
        }
    }
    (out, problems)
}

#[test]
fn the_documentation_shows_exactly_these_payloads() {
    let path = docs_path();
    let doc = std::fs::read_to_string(&path).expect("docs/integrations.md");
    let (updated, problems) = docs_with_examples(&doc, &examples());
    if std::env::var_os("STEWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert!(
        problems.is_empty(),
        "docs/integrations.md is out of date (run with STEWARD_UPDATE_DOCS=1):\n{}",
        problems.join("\n")
    );
}
