//! A decision on the hot path (`Compiled::decide`) against Cedar on the same policy set,
//! side by side, with ~10 and ~100 Cedar policies. Run with
//! `cargo bench -p authz --bench decide`.
//!
//! - `compiled`: `Compiled::decide` (what the HTTP handler will call).
//! - `cedar is_authorized`: `Authorizer::is_authorized` alone, policies, entities and the
//!   Cedar request prebuilt: the fair comparison.
//! - `reference`: `Reference::decide` on a prebuilt `Reference` (builds the Cedar request,
//!   authorizes, reads the reason).
//! - `decide_reference`: generates policies and entities from the snapshot, then decides.

use std::hint::black_box;

use authz::{
    Compiled, Install, InstallStatus, ListingState, Reference, Request, Risk, Snapshot,
    TenantPolicy, ToolFacts, decide_reference,
};
use cedar_policy::Authorizer;
use criterion::{Criterion, criterion_group, criterion_main};

/// `tenants` tenants with 3 installs of 5 tools each; every tenant has a policy. With
/// `rules_per_tenant` 1 (a risk maximum) or 3 (and one blocked capability and category).
fn snapshot(tenants: usize, rules_per_tenant: usize) -> Snapshot {
    let mut installs = Vec::new();
    let mut policies = Vec::new();
    for t in 0..tenants {
        let tenant = format!("tenant-{t:04}");
        for a in 0..3 {
            installs.push(Install {
                id: format!("0190a1b2-c3d4-7e5f-8a9b-{t:06}{a:06}"),
                tenant: tenant.clone(),
                agent: format!("listing-{a}"),
                category: ["productivity", "finance", "developer-tools"][a].into(),
                status: InstallStatus::Active,
                listing: ListingState::Published,
                tools: (0..5)
                    .map(|k| ToolFacts {
                        name: format!("tool_{k}"),
                        risk: [
                            Risk::Low,
                            Risk::Medium,
                            Risk::High,
                            Risk::Critical,
                            Risk::Low,
                        ][k],
                        capabilities: vec![
                            "read_data".into(),
                            ["network", "write_data"][k % 2].into(),
                        ],
                    })
                    .collect(),
                granted_tools: (0..4).map(|k| format!("tool_{k}")).collect(),
                granted_scopes: vec!["files:read".into(), "files:write".into()],
            });
        }
        policies.push(TenantPolicy {
            tenant,
            version: "7".into(),
            max_risk: Risk::High,
            blocked_capabilities: if rules_per_tenant >= 3 {
                vec!["financial".into()]
            } else {
                vec![]
            },
            blocked_categories: if rules_per_tenant >= 3 {
                vec!["crypto".into()]
            } else {
                vec![]
            },
        });
    }
    Snapshot {
        installs,
        policies,
        marketplace_version: "2026.05.1".into(),
    }
}

fn bench(c: &mut Criterion) {
    for (label, s) in [
        ("10 policies", snapshot(1, 1)),
        ("100 policies", snapshot(30, 3)),
    ] {
        let compiled = Compiled::build(&s);
        let reference = Reference::build(&s);
        // An allowed call: every check runs on both paths.
        let req = Request {
            tenant: "tenant-0000".into(),
            install: Some(s.installs[1].id.clone()),
            agent: None,
            tool: "tool_1".into(),
            scopes: vec!["files:read".into()],
        };
        let want = reference.decide(&req);
        assert!(want.allow);
        assert_eq!(compiled.decide(&req), want);
        eprintln!(
            "{label}: {} Cedar policies, {} installs",
            reference.policy_count(),
            s.installs.len()
        );
        let cedar_req = reference.cedar_request(&req);
        let authorizer = Authorizer::new();

        let mut g = c.benchmark_group(format!("decide/{label}"));
        g.bench_function("compiled", |b| b.iter(|| compiled.decide(black_box(&req))));
        g.bench_function("cedar is_authorized", |b| {
            b.iter(|| {
                authorizer.is_authorized(
                    black_box(&cedar_req),
                    reference.policies(),
                    reference.entities(),
                )
            })
        });
        g.bench_function("reference", |b| {
            b.iter(|| reference.decide(black_box(&req)))
        });
        g.bench_function("decide_reference", |b| {
            b.iter(|| decide_reference(black_box(&s), black_box(&req)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
