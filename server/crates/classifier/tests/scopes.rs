//! Scope rules against real permission catalogues: Google OAuth scopes,
//! Microsoft Graph permissions, Slack Web API scopes and GitHub App
//! permissions (`shared/corpus/permissions/*.csv`, read here, in tests only).

mod common;

use std::path::Path;

use classifier::{
    Capability, Effect, Risk, ScopeClass, classify_scope, classify_scope_name, default_ruleset,
};
use domain::manifest::PermissionScope;

/// Rows of a CSV file (RFC 4180 quoting), header first.
fn csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn table(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let rows = csv(path);
    let header = rows[0].clone();
    rows[1..]
        .iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn pct(n: usize, d: usize) -> f64 {
    100.0 * n as f64 / d.max(1) as f64
}

fn has(c: &ScopeClass, cap: Capability) -> bool {
    c.capabilities.contains(&cap)
}

#[test]
fn named_scopes() {
    let r = default_ruleset();
    let g = |s: &str| classify_scope_name(&format!("https://www.googleapis.com/auth/{s}"), r);

    let send = g("gmail.send");
    assert_eq!(send.effect, Effect::Write);
    assert!(has(&send, Capability::ExternalCommunication));
    assert!(send.risk >= Risk::High);
    let read = g("gmail.readonly");
    assert_eq!(read.effect, Effect::ReadOnly);
    assert!(has(&read, Capability::PersonalData));
    assert!(!has(&read, Capability::ExternalCommunication));
    assert_eq!(read.risk, Risk::Medium);
    let mail = classify_scope_name("https://mail.google.com/", r);
    assert_eq!(mail.effect, Effect::Destructive);
    assert!(has(&mail, Capability::ExternalCommunication));
    let drive = g("drive");
    assert_eq!(drive.effect, Effect::Destructive);
    assert!(has(&drive, Capability::Filesystem));
    assert_eq!(g("drive.readonly").effect, Effect::ReadOnly);
    assert_eq!(g("cloud-platform").risk, Risk::Critical);
    assert_eq!(g("calendar.readonly").effect, Effect::ReadOnly);
    assert_eq!(
        g("calendar").effect,
        Effect::Destructive,
        "no qualifier: full access"
    );

    let chat = classify_scope_name("chat:write", r);
    assert_eq!(chat.effect, Effect::Write);
    assert!(has(&chat, Capability::ExternalCommunication));
    assert_eq!(
        classify_scope_name("channels:history", r).effect,
        Effect::ReadOnly
    );
    assert_eq!(
        classify_scope_name("admin.apps:read", r).effect,
        Effect::ReadOnly
    );
    let admin_users = classify_scope_name("admin.users:write", r);
    assert_eq!(admin_users.effect, Effect::Destructive);
    assert!(has(&admin_users, Capability::Identity));

    let delete_repo = classify_scope_name("delete_repo", r);
    assert_eq!(delete_repo.effect, Effect::Destructive);
    assert!(delete_repo.risk >= Risk::High);
    assert_eq!(classify_scope_name("repo", r).effect, Effect::Destructive);
    let admin_org = classify_scope_name("admin:org", r);
    assert_eq!(admin_org.risk, Risk::Critical);
    assert!(has(&admin_org, Capability::Identity));
    assert_eq!(classify_scope_name("read:org", r).effect, Effect::ReadOnly);
    assert!(has(
        &classify_scope_name("workflow", r),
        Capability::CodeExecution
    ));

    let mail_send = classify_scope_name("Mail.Send", r);
    assert_eq!(mail_send.effect, Effect::Write);
    assert!(has(&mail_send, Capability::ExternalCommunication));
    let users = classify_scope_name("User.ReadWrite.All", r);
    assert_eq!(users.effect, Effect::Write);
    assert!(has(&users, Capability::Identity));
    assert!(users.risk >= Risk::High);
    assert_eq!(
        classify_scope_name("User.Read.All", r).effect,
        Effect::ReadOnly
    );
    assert_eq!(
        classify_scope_name("Sites.FullControl.All", r).effect,
        Effect::Destructive
    );
    assert_eq!(
        classify_scope_name("RoleManagement.ReadWrite.Directory", r).risk,
        Risk::Critical
    );
    let secrets = classify_scope_name("secrets:write", r);
    assert!(has(&secrets, Capability::Credentials));

    // A description is evidence too.
    let described = classify_scope(
        &PermissionScope {
            name: "https://www.googleapis.com/auth/gmail.labels".into(),
            description: Some("See and edit your email labels".into()),
            source: None,
        },
        r,
    );
    assert_eq!(described.effect, Effect::Write);
    let graph = classify_scope(
        &PermissionScope {
            name: "Mail.ReadWrite".into(),
            description: Some(
                "Allows the app to create, read, update, and delete email in user mailboxes."
                    .into(),
            ),
            source: None,
        },
        r,
    );
    assert_eq!(graph.effect, Effect::Destructive);

    // Every result is explained.
    for c in [
        send,
        read,
        mail,
        delete_repo,
        mail_send,
        users,
        described,
        graph,
    ] {
        assert!(!c.reasons.is_empty(), "{}", c.name);
        assert!((0.0..=1.0).contains(&c.confidence));
    }
}

#[test]
fn scope_catalogues() {
    let Some(root) = common::corpus() else {
        println!(
            "corpus not found: skipping the scope catalogue figures (allowed only when the folder is absent)"
        );
        return;
    };
    let r = default_ruleset();
    let dir = root.join("permissions");

    // Google: the scope name alone against Google's own description.
    let mut seen = std::collections::BTreeMap::new();
    for row in table(&dir.join("google-oauth-scopes.csv")) {
        seen.entry(row["scope"].clone())
            .or_insert(row["description"].clone());
    }
    let (mut n, mut readonly_ok, mut readonly_n, mut boundary_ok) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for (scope, desc) in &seen {
        let c = classify_scope_name(scope, r);
        n += 1;
        if scope.contains("readonly") {
            readonly_n += 1;
            readonly_ok += usize::from(c.effect == Effect::ReadOnly);
        }
        let d = desc.to_lowercase();
        let says_change = [
            "edit",
            "manage",
            "create",
            "delete",
            "modify",
            "change",
            "send",
            "upload",
            "add",
            "update",
            "write",
            "compose",
            "insert",
            "administer",
            "move",
            "copy",
            "submit",
            "configure",
            "control",
            "publish",
            "post",
            "run",
            "execute",
            "index",
            "apply",
            "approve",
            "translate",
            "use",
            "make",
        ]
        .iter()
        .any(|w| {
            d.split(|ch: char| !ch.is_alphanumeric())
                .any(|x| x == *w || x == format!("{w}s"))
        });
        let ok = says_change == (c.effect != Effect::ReadOnly);
        boundary_ok += usize::from(ok);
        if !ok {
            misses.push(format!("{scope}: {:?} — {desc}", c.effect));
        }
    }
    println!(
        "Google: {n} scopes; `readonly` read-only {readonly_ok}/{readonly_n}; name-only read/change boundary vs Google's description {boundary_ok}/{n} = {:.1}%",
        pct(boundary_ok, n)
    );
    for m in &misses {
        println!("  google miss: {m}");
    }
    assert_eq!(readonly_ok, readonly_n);
    assert!(pct(boundary_ok, n) >= 85.0);

    // Microsoft Graph: Read vs ReadWrite, and Send.
    let mut graph_n = 0;
    let mut graph_ok = 0;
    let mut graph_desc_ok = 0;
    let mut graph_miss = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for row in table(&dir.join("msgraph-permissions-flat.csv")) {
        let name = row["permission"].clone();
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() < 2 {
            continue; // openid, email, profile, offline_access: sign-in scopes
        }
        let expect_read = parts.iter().any(|p| p.starts_with("Read"))
            && !parts.iter().any(|p| p.contains("Write"));
        let bare = classify_scope_name(&name, r);
        let described = classify_scope(
            &PermissionScope {
                name: name.clone(),
                description: Some(row["adminDescription"].clone()),
                source: None,
            },
            r,
        );
        if names.insert(name.clone()) {
            graph_n += 1;
            let ok = expect_read == (bare.effect == Effect::ReadOnly);
            graph_ok += usize::from(ok);
            let desc_ok = expect_read == (described.effect == Effect::ReadOnly);
            graph_desc_ok += usize::from(desc_ok);
            if !desc_ok {
                graph_miss.push(format!(
                    "{name} (described): {:?} — {}",
                    described.effect, row["adminDescription"]
                ));
            }
            if !ok {
                graph_miss.push(format!("{name}: {:?}", bare.effect));
            }
        }
        if name.ends_with(".Send") || name.contains(".Send.") {
            assert!(has(&bare, Capability::ExternalCommunication), "{name}");
        }
    }
    println!(
        "Microsoft Graph: {graph_n} permissions; read/write from the name {graph_ok}/{graph_n} = {:.1}%, with descriptions {graph_desc_ok}/{graph_n} = {:.1}%",
        pct(graph_ok, graph_n),
        pct(graph_desc_ok, graph_n)
    );
    for m in &graph_miss {
        println!("  graph miss: {m}");
    }
    assert!(pct(graph_ok, graph_n) >= 95.0);

    // Slack.
    let mut slack = std::collections::BTreeSet::new();
    for row in table(&dir.join("slack-method-scopes.csv")) {
        for s in row["oauth_scopes"].split_whitespace() {
            if s != "none" {
                slack.insert(s.to_string());
            }
        }
    }
    let (mut slack_n, mut slack_ok) = (0, 0);
    for s in &slack {
        let c = classify_scope_name(s, r);
        let expect = if s.ends_with(":read") || s.ends_with(":history") || s.ends_with(".email") {
            Some(true)
        } else if s.contains(":write") || s == "admin" {
            Some(false)
        } else {
            None
        };
        if let Some(read) = expect {
            slack_n += 1;
            let ok = read == (c.effect == Effect::ReadOnly);
            slack_ok += usize::from(ok);
            if !ok {
                println!("  slack miss: {s}: {:?}", c.effect);
            }
        }
        if s.starts_with("chat:write") {
            assert!(has(&c, Capability::ExternalCommunication), "{s}");
        }
    }
    println!(
        "Slack: {} scopes, {slack_ok}/{slack_n} with a read/write suffix agree",
        slack.len()
    );
    assert_eq!(slack_ok, slack_n);

    // GitHub App permissions, as `permission:level`.
    let (mut gh_n, mut gh_ok) = (0, 0);
    for row in table(&dir.join("github-app-permissions.csv")) {
        let perm = &row["permission"];
        for level in row["levels"].split('|') {
            let c = classify_scope_name(&format!("{perm}:{level}"), r);
            gh_n += 1;
            let ok = match level {
                "read" => c.effect == Effect::ReadOnly,
                _ => c.effect != Effect::ReadOnly,
            };
            gh_ok += usize::from(ok);
            if !ok {
                println!("  github miss: {perm}:{level}: {:?}", c.effect);
            }
        }
        if perm.contains("secrets")
            || perm.contains("keys")
            || perm.contains("personal_access_tokens")
        {
            assert!(
                has(
                    &classify_scope_name(&format!("{perm}:read"), r),
                    Capability::Credentials
                ),
                "{perm}"
            );
        }
        if matches!(
            perm.as_str(),
            "members" | "administration" | "organization_administration"
        ) {
            assert!(
                has(
                    &classify_scope_name(&format!("{perm}:write"), r),
                    Capability::Identity
                ),
                "{perm}"
            );
        }
    }
    println!("GitHub App permissions: {gh_ok}/{gh_n} levels agree");
    assert_eq!(gh_ok, gh_n);
}
