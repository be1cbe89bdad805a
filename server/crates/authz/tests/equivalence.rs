//! The compiled hot path decides exactly as Cedar does: allow, reason and policy version,
//! on random snapshots and requests; and patching a `Compiled` equals rebuilding it.

use authz::{
    Compiled, Install, InstallStatus, ListingState, Request, Risk, Snapshot, TenantPolicy,
    ToolFacts, decide_reference,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};

// Small pools, so that random names collide often enough to matter; a few hold characters
// that need escaping in Cedar's policy text.
const TENANTS: &[&str] = &["t0", "t1", "t2", "t\"3\\"];
const AGENTS: &[&str] = &["a0", "a1", "a2"];
const IDS: &[&str] = &["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i/8", "9:i"];
const TOOLS: &[&str] = &["read", "write", "delete", "pay", "we/ird\"", ""];
const CAPS: &[&str] = &[
    "read_data",
    "write_data",
    "destructive",
    "financial",
    "net\\work",
];
const CATEGORIES: &[&str] = &["dev", "finance", "crypto"];
const SCOPES: &[&str] = &["s0", "s1", "s2", "s3"];

fn name(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(pool).prop_map(String::from)
}

fn names(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(pool), 0..=max)
}

fn risk() -> impl Strategy<Value = Risk> {
    prop_oneof![
        Just(Risk::Low),
        Just(Risk::Medium),
        Just(Risk::High),
        Just(Risk::Critical)
    ]
}

fn install() -> impl Strategy<Value = Install> {
    let tool =
        (name(TOOLS), risk(), names(CAPS, 3)).prop_map(|(name, risk, capabilities)| ToolFacts {
            name,
            risk,
            capabilities,
        });
    let status = prop_oneof![
        6 => Just(InstallStatus::Active),
        1 => Just(InstallStatus::Pending),
        1 => Just(InstallStatus::Removed),
    ];
    let listing = prop_oneof![
        6 => Just(ListingState::Published),
        1 => Just(ListingState::Suspended),
        1 => Just(ListingState::Delisted),
    ];
    (
        (name(IDS), name(TENANTS), name(AGENTS), name(CATEGORIES)),
        (status, listing),
        prop::collection::vec(tool, 0..5),
        // most of the version's tools granted, and maybe some other names
        (
            prop::collection::vec(prop::bool::weighted(0.75), 5),
            names(TOOLS, 1),
        ),
        names(SCOPES, 4),
    )
        .prop_map(
            |(
                (id, tenant, agent, category),
                (status, listing),
                tools,
                (mask, extra),
                granted_scopes,
            )| {
                let mut granted_tools: Vec<String> = tools
                    .iter()
                    .zip(mask)
                    .filter(|(_, granted)| *granted)
                    .map(|(t, _)| t.name.clone())
                    .collect();
                granted_tools.extend(extra);
                Install {
                    id,
                    tenant,
                    agent,
                    category,
                    status,
                    listing,
                    tools,
                    granted_tools,
                    granted_scopes,
                }
            },
        )
}

fn policy() -> impl Strategy<Value = TenantPolicy> {
    (
        name(TENANTS),
        name(&["v1", "v2", "v3"]),
        risk(),
        names(CAPS, 3),
        names(CATEGORIES, 2),
    )
        .prop_map(
            |(tenant, version, max_risk, blocked_capabilities, blocked_categories)| TenantPolicy {
                tenant,
                version,
                max_risk,
                blocked_capabilities,
                blocked_categories,
            },
        )
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        prop::collection::vec(install(), 0..10),
        prop::collection::vec(policy(), 0..6),
        name(&["m1", "m2"]),
    )
        .prop_map(|(installs, policies, marketplace_version)| Snapshot {
            installs,
            policies,
            marketplace_version,
        })
}

/// How to make a request against a snapshot, most of them aimed at one of its installs.
#[derive(Debug, Clone)]
struct Recipe {
    target: Index,
    /// 0–5: by the target's id; 6–7: by the target's agent; 8: by a random agent;
    /// 9: neither; 10: by a random id (and a random agent).
    how: u8,
    /// Ask as the target's tenant (else `tenant`).
    own_tenant: bool,
    tenant: String,
    /// Name one of the target's tools (else `tool`).
    own_tool: Option<Index>,
    tool: String,
    /// A part of the target's granted scopes, plus `extra`.
    granted_scopes: Vec<Index>,
    extra_scopes: Vec<String>,
    id: String,
    agent: String,
}

fn recipe() -> impl Strategy<Value = Recipe> {
    (
        (
            any::<Index>(),
            0u8..11,
            prop::bool::weighted(0.85),
            prop_oneof![name(TENANTS), Just("t9".to_string())],
        ),
        (
            prop::option::weighted(0.8, any::<Index>()),
            name(&["read", "pay", "nope", ""]),
        ),
        (
            prop::collection::vec(any::<Index>(), 0..3),
            prop::collection::vec(prop_oneof![name(SCOPES), Just("s9".to_string())], 0..2),
        ),
        (
            prop_oneof![name(IDS), Just("i99".to_string())],
            name(&["a0", "a1", "a9"]),
        ),
    )
        .prop_map(
            |(
                (target, how, own_tenant, tenant),
                (own_tool, tool),
                (granted_scopes, extra_scopes),
                (id, agent),
            )| {
                Recipe {
                    target,
                    how,
                    own_tenant,
                    tenant,
                    own_tool,
                    tool,
                    granted_scopes,
                    extra_scopes,
                    id,
                    agent,
                }
            },
        )
}

fn request(s: &Snapshot, r: &Recipe) -> Request {
    let target = (!s.installs.is_empty()).then(|| r.target.get(&s.installs));
    let tenant = match target {
        Some(t) if r.own_tenant => t.tenant.clone(),
        _ => r.tenant.clone(),
    };
    let (install, agent) = match (r.how, target) {
        (0..=5, Some(t)) => (Some(t.id.clone()), None),
        (6..=7, Some(t)) => (None, Some(t.agent.clone())),
        (8, _) => (None, Some(r.agent.clone())),
        (9, _) => (None, None),
        _ => (Some(r.id.clone()), Some(r.agent.clone())),
    };
    let tool = match (target, r.own_tool) {
        (Some(t), Some(i)) if !t.tools.is_empty() => i.get(&t.tools).name.clone(),
        _ => r.tool.clone(),
    };
    let mut scopes: Vec<String> = match target {
        Some(t) if !t.granted_scopes.is_empty() => r
            .granted_scopes
            .iter()
            .map(|i| i.get(&t.granted_scopes).clone())
            .collect(),
        _ => vec![],
    };
    scopes.extend(r.extra_scopes.iter().cloned());
    Request {
        tenant,
        install,
        agent,
        tool,
        scopes,
    }
}

#[derive(Debug, Clone)]
enum Patch {
    Upsert(Install),
    Remove(String),
    SetPolicy(TenantPolicy),
}

fn patch() -> impl Strategy<Value = Patch> {
    prop_oneof![
        2 => install().prop_map(Patch::Upsert),
        1 => name(IDS).prop_map(Patch::Remove),
        1 => policy().prop_map(Patch::SetPolicy),
    ]
}

/// What the patch does to a snapshot (the last of a repeated id or tenant counts).
fn apply(s: &mut Snapshot, p: &Patch) {
    match p {
        Patch::Upsert(i) => {
            s.installs.retain(|x| x.id != i.id);
            s.installs.push(i.clone());
        }
        Patch::Remove(id) => s.installs.retain(|x| x.id != *id),
        Patch::SetPolicy(p) => {
            s.policies.retain(|x| x.tenant != p.tenant);
            s.policies.push(p.clone());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn compiled_decides_as_cedar(s in snapshot(), recipes in prop::collection::vec(recipe(), 1..8)) {
        let compiled = Compiled::build(&s);
        for r in &recipes {
            let req = request(&s, r);
            prop_assert_eq!(compiled.decide(&req), decide_reference(&s, &req), "{:?}", req);
        }
    }

    #[test]
    fn patching_equals_rebuilding(
        s in snapshot(),
        patches in prop::collection::vec(patch(), 1..6),
        recipes in prop::collection::vec(recipe(), 1..8),
    ) {
        let mut patched = Compiled::build(&s);
        let mut s = s;
        for p in &patches {
            apply(&mut s, p);
            match p.clone() {
                Patch::Upsert(i) => patched.upsert_install(i),
                Patch::Remove(id) => patched.remove_install(&id),
                Patch::SetPolicy(p) => patched.set_policy(p),
            }
        }
        let rebuilt = Compiled::build(&s);
        let reference = authz::Reference::build(&s);
        for r in &recipes {
            let req = request(&s, r);
            let want = reference.decide(&req);
            prop_assert_eq!(rebuilt.decide(&req), want.clone(), "{:?}", req);
            prop_assert_eq!(patched.decide(&req), want, "{:?}", req);
        }
    }
}

/// The generators reach every reason (else the equivalence above proves less than it says).
#[test]
fn generated_requests_reach_every_reason() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let mut seen = std::collections::HashMap::new();
    for _ in 0..2000 {
        let s = snapshot().new_tree(&mut runner).unwrap().current();
        let r = recipe().new_tree(&mut runner).unwrap().current();
        let d = Compiled::build(&s).decide(&request(&s, &r));
        *seen.entry(d.reason).or_insert(0) += 1;
    }
    for reason in authz::Reason::ALL {
        assert!(
            seen.get(&reason).copied().unwrap_or(0) >= 5,
            "{reason:?} seen {seen:?}"
        );
    }
    eprintln!("{seen:?}");
}
