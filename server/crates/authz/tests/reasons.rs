//! Every reason, on both implementations.

use authz::{
    Compiled, Decision, Install, InstallStatus, ListingState, Reason, Reference, Request, Risk,
    Snapshot, TenantPolicy, ToolFacts, decide_reference,
};

fn tool(name: &str, risk: Risk, caps: &[&str]) -> ToolFacts {
    ToolFacts {
        name: name.into(),
        risk,
        capabilities: caps.iter().map(|c| c.to_string()).collect(),
    }
}

fn install(
    id: &str,
    tenant: &str,
    agent: &str,
    status: InstallStatus,
    listing: ListingState,
) -> Install {
    Install {
        id: id.into(),
        tenant: tenant.into(),
        agent: agent.into(),
        category: "productivity".into(),
        status,
        listing,
        tools: vec![
            tool("read_file", Risk::Low, &["read_data"]),
            tool("delete_file", Risk::High, &["destructive"]),
            tool("wire_money", Risk::Medium, &["financial"]),
            tool("nuke", Risk::Critical, &[]),
            tool("ungranted", Risk::Low, &[]),
        ],
        granted_tools: [
            "read_file",
            "delete_file",
            "wire_money",
            "nuke",
            "not_in_version",
        ]
        .map(String::from)
        .to_vec(),
        granted_scopes: vec!["files:read".into(), "files:write".into()],
    }
}

fn snapshot() -> Snapshot {
    use InstallStatus::*;
    use ListingState::*;
    let mut crypto = install("i-crypto", "acme", "coins", Active, Published);
    crypto.category = "crypto".into();
    Snapshot {
        installs: vec![
            install("i-active", "acme", "files", Active, Published),
            // sorts before i-active, but Removed: by agent, the Active one is preferred
            install("a-old", "acme", "files", Removed, Published),
            install("i-removed", "acme", "old", Removed, Delisted),
            install("i-pending", "acme", "new", Pending, Suspended),
            install("i-delisted", "acme", "gone", Active, Delisted),
            install("i-suspended", "acme", "paused", Active, Suspended),
            crypto,
            install("g-1", "globex", "files", Active, Published),
        ],
        policies: vec![TenantPolicy {
            tenant: "acme".into(),
            version: "p7".into(),
            max_risk: Risk::High,
            blocked_capabilities: vec!["financial".into()],
            blocked_categories: vec!["crypto".into()],
        }],
        marketplace_version: "m3".into(),
    }
}

fn by_id(tenant: &str, install: &str, tool: &str, scopes: &[&str]) -> Request {
    Request {
        tenant: tenant.into(),
        install: Some(install.into()),
        agent: None,
        tool: tool.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

fn by_agent(tenant: &str, agent: &str, tool: &str) -> Request {
    Request {
        tenant: tenant.into(),
        install: None,
        agent: Some(agent.into()),
        tool: tool.into(),
        scopes: vec![],
    }
}

/// Both implementations give `reason` (allow iff Granted) and `version`.
#[track_caller]
fn check(req: Request, reason: Reason, version: &str) {
    let s = snapshot();
    let want = Decision {
        allow: reason == Reason::Granted,
        reason,
        policy_version: version.into(),
    };
    assert_eq!(Compiled::build(&s).decide(&req), want, "compiled: {req:?}");
    assert_eq!(decide_reference(&s, &req), want, "cedar: {req:?}");
}

#[test]
fn granted() {
    check(
        by_id("acme", "i-active", "read_file", &["files:read"]),
        Reason::Granted,
        "m3+p7",
    );
    check(
        by_id("acme", "i-active", "delete_file", &[]),
        Reason::Granted,
        "m3+p7",
    );
    check(
        by_agent("acme", "files", "read_file"),
        Reason::Granted,
        "m3+p7",
    );
    // no tenant policy: no tenant restrictions
    check(
        by_id("globex", "g-1", "nuke", &[]),
        Reason::Granted,
        "m3+none",
    );
    check(
        by_id("globex", "g-1", "wire_money", &[]),
        Reason::Granted,
        "m3+none",
    );
}

#[test]
fn unknown_install() {
    check(
        by_id("acme", "nope", "read_file", &[]),
        Reason::UnknownInstall,
        "m3+p7",
    );
    check(
        by_agent("acme", "nobody", "read_file"),
        Reason::UnknownInstall,
        "m3+p7",
    );
    let mut neither = by_agent("acme", "files", "read_file");
    neither.agent = None;
    check(neither, Reason::UnknownInstall, "m3+p7");
    check(
        by_id("initech", "nope", "read_file", &[]),
        Reason::UnknownInstall,
        "m3+none",
    );
}

#[test]
fn cross_tenant_requests_learn_nothing() {
    // globex names acme's install: as if it did not exist, whatever its state
    for id in [
        "i-active",
        "i-removed",
        "i-pending",
        "i-delisted",
        "i-crypto",
    ] {
        check(
            by_id("globex", id, "read_file", &[]),
            Reason::UnknownInstall,
            "m3+none",
        );
        check(
            by_id("globex", id, "no_such_tool", &["x"]),
            Reason::UnknownInstall,
            "m3+none",
        );
    }
    // and acme names globex's
    check(
        by_id("acme", "g-1", "nuke", &[]),
        Reason::UnknownInstall,
        "m3+p7",
    );
    // by agent, only the tenant's own installs are candidates
    check(
        by_agent("initech", "files", "read_file"),
        Reason::UnknownInstall,
        "m3+none",
    );
}

#[test]
fn install_and_listing_states() {
    check(
        by_id("acme", "i-removed", "read_file", &[]),
        Reason::InstallRemoved,
        "m3+p7",
    );
    check(
        by_id("acme", "a-old", "read_file", &[]),
        Reason::InstallRemoved,
        "m3+p7",
    );
    check(
        by_agent("acme", "old", "read_file"),
        Reason::InstallRemoved,
        "m3+p7",
    );
    check(
        by_id("acme", "i-pending", "read_file", &[]),
        Reason::InstallPending,
        "m3+p7",
    );
    check(
        by_id("acme", "i-delisted", "read_file", &[]),
        Reason::ListingDelisted,
        "m3+p7",
    );
    check(
        by_id("acme", "i-suspended", "read_file", &[]),
        Reason::ListingSuspended,
        "m3+p7",
    );
    // the install's state comes before the tool
    check(
        by_id("acme", "i-suspended", "no_such_tool", &[]),
        Reason::ListingSuspended,
        "m3+p7",
    );
}

#[test]
fn tools_and_scopes() {
    check(
        by_id("acme", "i-active", "no_such_tool", &[]),
        Reason::UnknownTool,
        "m3+p7",
    );
    // granted, but not a tool of the installed version
    check(
        by_id("acme", "i-active", "not_in_version", &[]),
        Reason::UnknownTool,
        "m3+p7",
    );
    check(
        by_id("acme", "i-active", "ungranted", &[]),
        Reason::ToolNotGranted,
        "m3+p7",
    );
    check(
        by_id("acme", "i-active", "read_file", &["files:read", "admin"]),
        Reason::ScopeNotGranted,
        "m3+p7",
    );
    // not granted comes before scopes
    check(
        by_id("acme", "i-active", "ungranted", &["admin"]),
        Reason::ToolNotGranted,
        "m3+p7",
    );
}

#[test]
fn tenant_policy() {
    check(
        by_id("acme", "i-active", "nuke", &[]),
        Reason::RiskAboveTenantMax,
        "m3+p7",
    );
    check(
        by_id("acme", "i-active", "wire_money", &[]),
        Reason::CapabilityBlocked,
        "m3+p7",
    );
    check(
        by_id("acme", "i-crypto", "read_file", &[]),
        Reason::CategoryBlocked,
        "m3+p7",
    );
    // risk before capability before category
    check(
        by_id("acme", "i-crypto", "nuke", &[]),
        Reason::RiskAboveTenantMax,
        "m3+p7",
    );
    check(
        by_id("acme", "i-crypto", "wire_money", &[]),
        Reason::CapabilityBlocked,
        "m3+p7",
    );
    // scopes before the tenant policy
    check(
        by_id("acme", "i-crypto", "read_file", &["admin"]),
        Reason::ScopeNotGranted,
        "m3+p7",
    );
}

#[test]
fn patches() {
    let s = snapshot();
    let mut c = Compiled::build(&s);
    let req = by_id("acme", "i-active", "wire_money", &[]);
    assert_eq!(c.decide(&req).reason, Reason::CapabilityBlocked);
    let mut p = s.policies[0].clone();
    p.blocked_capabilities.clear();
    p.version = "p8".into();
    c.set_policy(p);
    let d = c.decide(&req);
    assert!(d.allow);
    assert_eq!(&*d.policy_version, "m3+p8");

    let mut i = s.installs[0].clone();
    i.status = InstallStatus::Pending;
    c.upsert_install(i);
    assert_eq!(c.decide(&req).reason, Reason::InstallPending);
    // by agent, the pending install now beats the removed one
    assert_eq!(
        c.decide(&by_agent("acme", "files", "read_file")).reason,
        Reason::InstallPending
    );
    c.remove_install("i-active");
    assert_eq!(c.decide(&req).reason, Reason::UnknownInstall);
    assert_eq!(
        c.decide(&by_agent("acme", "files", "read_file")).reason,
        Reason::InstallRemoved
    );
}

#[test]
fn codes_and_messages() {
    let mut codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 12);
    for r in Reason::ALL {
        assert_eq!(Reason::from_code(r.code()), Some(r));
        assert_eq!(serde_json_code(r), r.code());
        assert!(r.message().ends_with('.'));
    }
    assert_eq!(Reason::RiskAboveTenantMax.code(), "risk_above_tenant_max");
}

fn serde_json_code(r: Reason) -> String {
    serde_json::to_value(r)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn reference_reports_its_policy_count() {
    // 9 marketplace rules + acme's: risk max, one capability, one category
    assert_eq!(Reference::build(&snapshot()).policy_count(), 12);
}
