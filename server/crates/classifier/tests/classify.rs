//! The classifier on hand-written tools: every effect and capability, names
//! in every spelling, annotations that agree and that lie, OpenAPI
//! operations, scopes, and determinism.

use classifier::{
    Capability, ClassifyOptions, Effect, Risk, ToolClass, classify, classify_tool,
    classify_tool_with, classify_tool_without_annotations, default_ruleset,
};
use domain::manifest::{Manifest, PermissionScope, Tool, ToolAnnotations};
use serde_json::{Value, json};

fn tool(name: &str, description: &str, props: &[&str]) -> Tool {
    let properties: serde_json::Map<String, Value> = props
        .iter()
        .map(|p| (p.to_string(), json!({"type": "string"})))
        .collect();
    Tool {
        name: name.into(),
        title: None,
        description: description.into(),
        input_schema: json!({"type": "object", "properties": properties}),
        annotations: ToolAnnotations::default(),
        scopes: Vec::new(),
        operation: None,
    }
}

fn op(name: &str, description: &str, operation: &str) -> Tool {
    Tool {
        operation: Some(operation.into()),
        ..tool(name, description, &[])
    }
}

fn hinted(mut t: Tool, read_only: Option<bool>, destructive: Option<bool>) -> Tool {
    t.annotations.read_only_hint = read_only;
    t.annotations.destructive_hint = destructive;
    t
}

fn c(t: &Tool) -> ToolClass {
    classify_tool(t, default_ruleset())
}

fn has(c: &ToolClass, cap: Capability) -> bool {
    c.capabilities.contains(&cap)
}

fn rules_fired(c: &ToolClass) -> Vec<&str> {
    c.reasons.iter().map(|r| r.rule.as_str()).collect()
}

#[test]
fn effects_from_names_in_every_spelling() {
    for (name, effect) in [
        ("get_issue", Effect::ReadOnly),
        ("listFiles", Effect::ReadOnly),
        ("search-users", Effect::ReadOnly),
        ("db-cluster-get", Effect::ReadOnly),
        ("gmail.users.drafts.list", Effect::ReadOnly),
        ("create_issue", Effect::Write),
        ("createPullRequest", Effect::Write),
        ("apps-create-app-from-spec", Effect::Write),
        ("calendar.calendarList.insert", Effect::Write),
        ("create_or_update_file", Effect::Write),
        ("delete_repository", Effect::Destructive),
        ("DeleteCustomersCustomer", Effect::Destructive),
        ("nfs-snapshot-delete", Effect::Destructive),
        ("drop-database", Effect::Destructive),
        ("kill_process", Effect::Destructive),
        ("find_and_delete_duplicates", Effect::Destructive),
    ] {
        let class = c(&tool(name, "", &[]));
        assert_eq!(class.effect, effect, "{name}: {:?}", class.reasons);
        assert!(
            class.confidence >= 0.85,
            "{name}: a verb in the name is strong evidence"
        );
        assert_eq!(class.reasons[0].field, "name", "{name}");
    }
    // The verb, not the noun: `get_commit` reads, `git_commit` writes.
    assert_eq!(c(&tool("get_commit", "", &[])).effect, Effect::ReadOnly);
    assert_eq!(
        c(&tool("git_commit", "Records changes", &[])).effect,
        Effect::Write
    );
    // `list_workflow_runs`: `runs` is a noun after the verb.
    assert_eq!(
        c(&tool("list_workflow_runs", "", &[])).effect,
        Effect::ReadOnly
    );
    // `jira_get_create_fields` reads the fields a create needs.
    assert_eq!(
        c(&tool("jira_get_create_fields", "", &[])).effect,
        Effect::ReadOnly
    );
}

#[test]
fn effects_from_descriptions_schemas_and_defaults() {
    let from_description = c(&tool(
        "jira_worklog",
        "Retrieves the worklog of an issue.",
        &[],
    ));
    assert_eq!(from_description.effect, Effect::ReadOnly);
    assert_eq!(from_description.reasons[0].field, "description");
    assert_eq!(from_description.reasons[0].rule, "verb.retrieve");

    // Coordinated verbs: the most a tool can do.
    let manage = c(&tool(
        "manage_gmail_label",
        "Manages Gmail labels: create, update, or delete labels.",
        &["action"],
    ));
    assert_eq!(manage.effect, Effect::Destructive);
    assert!(rules_fired(&manage).contains(&"verb.delete"));

    let overwrite = c(&tool(
        "write_file",
        "Create a new file or completely overwrite an existing file with new content.",
        &["path", "content"],
    ));
    assert_eq!(overwrite.effect, Effect::Destructive);

    // "does not delete" is not a delete.
    let negated = c(&tool(
        "archive_item",
        "Archives an item. It does not delete it.",
        &[],
    ));
    assert_eq!(negated.effect, Effect::Write);

    // An action enum says what a multi-purpose tool can do.
    let mut label_write = tool(
        "label_write",
        "Perform write operations on repository labels.",
        &[],
    );
    label_write.input_schema = json!({"type": "object", "properties": {
        "method": {"type": "string", "enum": ["create", "update", "delete"]}}});
    let lw = c(&label_write);
    assert_eq!(lw.effect, Effect::Destructive);
    assert!(
        lw.reasons
            .iter()
            .any(|r| r.field == "inputSchema.properties.method")
    );

    // A destructive switch among the inputs.
    let sheet = c(&tool(
        "modify_sheet_values",
        "Modifies values in a range.",
        &["clear_values"],
    ));
    assert_eq!(sheet.effect, Effect::Destructive);
    assert!(rules_fired(&sheet).contains(&"field.destructive_switch"));

    // Nothing to go on: write (never shown as harmless), low confidence.
    let unknown = c(&tool("frobnicate", "", &[]));
    assert_eq!(unknown.effect, Effect::Write);
    assert!(unknown.confidence <= 0.3);
    assert_eq!(unknown.reasons[0].rule, "default.effect");
    assert_eq!(unknown.risk, Risk::Medium);
}

#[test]
fn capabilities_each_with_its_reason() {
    let send = c(&tool(
        "send_gmail_message",
        "Sends an email using the user's Gmail account.",
        &["to", "subject", "body"],
    ));
    assert!(has(&send, Capability::ExternalCommunication));
    assert!(has(&send, Capability::PersonalData));
    assert_eq!(send.effect, Effect::Write);
    assert_eq!(send.risk, Risk::High);

    let slack = c(&tool(
        "slack_post_message",
        "Post a new message to a Slack channel",
        &["channel_id", "text"],
    ));
    assert!(has(&slack, Capability::ExternalCommunication));
    // Reading messages is not sending them.
    let read_mail = c(&tool(
        "get_gmail_message_content",
        "Retrieves the content of a Gmail message.",
        &[],
    ));
    assert!(!has(&read_mail, Capability::ExternalCommunication));
    assert!(has(&read_mail, Capability::PersonalData));
    assert_eq!(read_mail.risk, Risk::Medium);

    let refund = c(&tool(
        "create_refund",
        "Refunds a charge that was previously created.",
        &["charge", "amount"],
    ));
    assert!(has(&refund, Capability::Financial));
    assert_eq!(refund.risk, Risk::Critical, "money moves");
    let balance = c(&tool(
        "balance-get",
        "Get balance information for the user account",
        &[],
    ));
    assert!(has(&balance, Capability::Financial));
    assert_eq!(balance.risk, Risk::Medium);

    let shell = c(&tool(
        "run_command",
        "Execute a shell command on the host and return its output.",
        &["command"],
    ));
    assert!(has(&shell, Capability::CodeExecution));
    assert_eq!(shell.effect, Effect::Destructive, "a shell can do anything");
    assert_eq!(shell.risk, Risk::Critical);
    assert!(rules_fired(&shell).contains(&"effect.code_execution"));
    let js = c(&tool(
        "evaluate_script",
        "Evaluate JavaScript inside the target page.",
        &["function"],
    ));
    assert!(has(&js, Capability::CodeExecution));
    assert_eq!(js.risk, Risk::High);

    let read_file = c(&tool(
        "read_text_file",
        "Read the complete contents of a file from the file system.",
        &["path"],
    ));
    assert!(has(&read_file, Capability::Filesystem));
    assert_eq!(read_file.effect, Effect::ReadOnly);
    let write_file = c(&tool(
        "create_directory",
        "Create a new directory.",
        &["path"],
    ));
    assert!(has(&write_file, Capability::Filesystem));
    assert_eq!(write_file.risk, Risk::High);

    let secret = c(&tool(
        "get_secret",
        "Returns the value of a stored secret.",
        &["name"],
    ));
    assert!(has(&secret, Capability::Credentials));
    assert_eq!(secret.risk, Risk::High);
    let password_field = c(&tool(
        "connect_database",
        "Opens a connection.",
        &["host", "password"],
    ));
    assert!(has(&password_field, Capability::Credentials));
    // A page token is not a credential, nor an issue key.
    let paged = c(&tool(
        "list_issues",
        "Lists issues.",
        &["page_token", "issue_key"],
    ));
    assert!(!has(&paged, Capability::Credentials));
    assert_eq!(paged.risk, Risk::Low);

    let contacts = c(&tool(
        "list_contacts",
        "List contacts for the authenticated user.",
        &[],
    ));
    assert!(has(&contacts, Capability::PersonalData));

    let fetch = c(&tool(
        "fetch",
        "Fetches a URL from the internet and extracts its contents as markdown.",
        &["url"],
    ));
    assert!(has(&fetch, Capability::NetworkAccess));
    assert_eq!(fetch.effect, Effect::ReadOnly);
    assert_eq!(fetch.risk, Risk::Medium);

    let role = c(&tool(
        "set_user_role",
        "Sets the role of a member of the organization.",
        &["user", "role"],
    ));
    assert!(has(&role, Capability::Identity));
    assert_eq!(role.risk, Risk::Critical, "administers roles");
    let collaborators = c(&tool(
        "list_repository_collaborators",
        "List collaborators of a repository.",
        &[],
    ));
    assert!(has(&collaborators, Capability::Identity));
    assert_eq!(collaborators.effect, Effect::ReadOnly);
    let remove_member = c(&tool(
        "remove_org_member",
        "Remove a member from an organization.",
        &[],
    ));
    assert_eq!(remove_member.risk, Risk::Critical);

    // Every capability names its rule, field and words.
    for class in [
        send, refund, shell, read_file, secret, contacts, fetch, role,
    ] {
        let caps: Vec<_> = class
            .reasons
            .iter()
            .filter(|r| r.rule.starts_with("capability."))
            .collect();
        assert!(!caps.is_empty(), "{}", class.name);
        for r in caps {
            assert!(!r.field.is_empty() && !r.matched.is_empty(), "{r:?}");
        }
    }
}

#[test]
fn annotations_are_evidence_not_truth() {
    let rules = default_ruleset();

    // readOnlyHint on a tool whose name deletes: contradicted, stays destructive.
    let lying = hinted(
        tool("delete_file", "Delete a file.", &["path"]),
        Some(true),
        None,
    );
    let class = c(&lying);
    assert_eq!(class.effect, Effect::Destructive);
    let contradiction = class
        .reasons
        .iter()
        .find(|r| r.rule == "annotation.contradicted")
        .expect("the contradiction is a reason");
    assert_eq!(contradiction.field, "annotations.readOnlyHint");
    assert!(contradiction.matched.contains("delete"));
    assert!(class.confidence < c(&tool("delete_file", "Delete a file.", &["path"])).confidence);

    // destructiveHint on `get_x`: the publisher adds risk, trusted.
    let careful = hinted(tool("get_report", "Get a report.", &[]), None, Some(true));
    let class = c(&careful);
    assert_eq!(class.effect, Effect::Destructive);
    assert!(rules_fired(&class).contains(&"annotation.destructive"));

    // Weak evidence gives way to a declaration that lowers risk.
    let vague = hinted(tool("frobnicate", "", &[]), Some(true), None);
    let class = c(&vague);
    assert_eq!(class.effect, Effect::ReadOnly);
    assert!(rules_fired(&class).contains(&"annotation.read_only"));

    // Agreement raises confidence.
    let plain = tool("get_issue", "Get an issue.", &[]);
    let agreed = hinted(plain.clone(), Some(true), None);
    assert!(c(&agreed).confidence > c(&plain).confidence);

    // `readOnlyHint: false` alone: at least a write.
    let not_ro = hinted(tool("frobnicate", "", &[]), Some(false), None);
    assert_eq!(c(&not_ro).effect, Effect::Write);
    let not_ro_read = hinted(tool("get_issue", "", &[]), Some(false), None);
    assert_eq!(c(&not_ro_read).effect, Effect::Write);

    // openWorldHint: network access.
    let mut open = tool("get_issue", "", &[]);
    open.annotations.open_world_hint = Some(true);
    assert!(has(&c(&open), Capability::NetworkAccess));

    // Without annotations, none of it counts.
    let ignored = classify_tool_without_annotations(&careful, rules);
    assert_eq!(ignored.effect, Effect::ReadOnly);
    assert!(
        !ignored
            .reasons
            .iter()
            .any(|r| r.rule.starts_with("annotation."))
    );
    assert_eq!(
        classify_tool_with(&careful, rules, ClassifyOptions::WITHOUT_ANNOTATIONS),
        ignored
    );
    assert!(!has(
        &classify_tool_without_annotations(&open, rules),
        Capability::NetworkAccess
    ));
}

#[test]
fn openapi_operations() {
    let delete = c(&op(
        "DeleteCustomersCustomer",
        "Permanently deletes a customer.",
        "DELETE /v1/customers/{customer}",
    ));
    assert_eq!(delete.effect, Effect::Destructive);

    // No verb in the id: the method decides.
    let by_method = c(&op(
        "customers_customer",
        "",
        "DELETE /v1/customers/{customer}",
    ));
    assert_eq!(by_method.effect, Effect::Destructive);
    assert_eq!(by_method.reasons[0].rule, "http.DELETE");
    assert_eq!(by_method.reasons[0].field, "operation");
    let get = c(&op("v1_balance", "", "GET /v1/balance"));
    assert_eq!(get.effect, Effect::ReadOnly);
    assert!(has(&get, Capability::Financial));

    // A search sent as POST is still a search.
    let search = c(&op(
        "SearchCharges",
        "Search for charges.",
        "POST /v1/charges/search",
    ));
    assert_eq!(search.effect, Effect::ReadOnly);

    // A DELETE raises a vaguer write.
    let raised = c(&op(
        "manage_webhook",
        "Manage a webhook.",
        "DELETE /v1/webhooks/{id}",
    ));
    assert_eq!(raised.effect, Effect::Destructive);
    assert!(rules_fired(&raised).contains(&"http.DELETE"));

    let charge = c(&op(
        "PostCharges",
        "Creates a new charge object.",
        "POST /v1/charges",
    ));
    assert_eq!(charge.effect, Effect::Write);
    assert!(has(&charge, Capability::Financial));
    assert_eq!(charge.risk, Risk::Critical);

    let mut sms = op(
        "CreateMessage",
        "Send a message from the account used to make the request",
        "POST /2010-04-01/Accounts/{AccountSid}/Messages.json",
    );
    sms.input_schema = json!({"type": "object", "properties": {"To": {}, "From": {}, "Body": {}}});
    assert!(has(&c(&sms), Capability::ExternalCommunication));

    // Google's ids: the method is the last segment.
    let gmail = c(&op(
        "gmail.users.messages.send",
        "Sends the specified message to the recipients in the To, Cc, and Bcc headers.",
        "POST /gmail/v1/users/{userId}/messages/send",
    ));
    assert_eq!(gmail.effect, Effect::Write);
    assert!(has(&gmail, Capability::ExternalCommunication));

    // The scopes a tool accepts (alternatives): what they all allow.
    let mut with_scopes = op(
        "gmail.users.messages.get",
        "Gets the specified message.",
        "GET /gmail/v1/users/{userId}/messages/{id}",
    );
    with_scopes.scopes = vec![
        "https://mail.google.com/".into(),
        "https://www.googleapis.com/auth/gmail.modify".into(),
        "https://www.googleapis.com/auth/gmail.readonly".into(),
    ];
    let class = c(&with_scopes);
    assert_eq!(class.effect, Effect::ReadOnly);
    assert!(has(&class, Capability::PersonalData));
    assert!(
        !has(&class, Capability::ExternalCommunication),
        "not every scope sends"
    );
}

fn manifest() -> Manifest {
    Manifest {
        tools: vec![
            hinted(
                tool("get_issue", "Get an issue.", &["owner", "repo"]),
                Some(true),
                None,
            ),
            tool("create_issue", "Create an issue.", &["title", "body"]),
            hinted(
                tool("delete_repository", "Delete a repository.", &[]),
                None,
                Some(true),
            ),
            Tool {
                scopes: vec!["repo".into()],
                ..tool("merge_pull_request", "Merge a pull request.", &[])
            },
        ],
        scopes: vec![PermissionScope {
            name: "read:org".into(),
            description: Some("Read org and team membership".into()),
            source: Some("oauth".into()),
        }],
        ..Manifest::default()
    }
}

#[test]
fn a_manifest_takes_its_highest_tier() {
    let rules = default_ruleset();
    let m = manifest();
    let class = classify(&m, rules);
    assert_eq!(class.ruleset, rules.id());
    assert_eq!(class.tools.len(), 4);
    let scopes: Vec<&str> = class.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        scopes,
        ["read:org", "repo"],
        "declared, then named by tools"
    );
    assert_eq!(class.risk, Risk::High);
    assert_eq!(
        class.risk,
        class
            .tools
            .iter()
            .map(|t| t.risk)
            .chain(class.scopes.iter().map(|s| s.risk))
            .max()
            .unwrap()
    );
    assert_eq!(classify(&Manifest::default(), rules).risk, Risk::Low);
    for t in &class.tools {
        assert!((0.0..=1.0).contains(&t.confidence));
        assert!(!t.reasons.is_empty());
        let mut sorted = t.capabilities.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, t.capabilities, "sorted, unique");
    }
}

#[test]
fn the_same_input_gives_the_same_output() {
    let rules = default_ruleset();
    let m = manifest();
    let first = classify(&m, rules);
    for _ in 0..20 {
        assert_eq!(classify(&m, rules), first);
    }
    let json = serde_json::to_string(&first).unwrap();
    assert_eq!(serde_json::to_string(&classify(&m, rules)).unwrap(), json);
    // A ruleset parsed again is the same ruleset.
    let again = classifier::Ruleset::from_json(include_str!("../rules/ruleset.json")).unwrap();
    assert_eq!(serde_json::to_string(&classify(&m, &again)).unwrap(), json);
}

#[test]
fn odd_input_is_classified_not_a_panic() {
    let rules = default_ruleset();
    let mut odd = vec![
        tool("", "", &[]),
        tool(
            "\u{1041}\u{1041}ing",
            "\u{1041}\u{1041}ing ééing 🎯🎯 ...; ,,, --",
            &[],
        ),
        tool("DELETE", "e.g. 1. 2. a. ", &[]),
        tool("x.", ".", &[]),
        tool("...", "\n\n\n", &["", "_", "__"]),
        tool(
            "get_ünïcödé_データ",
            "データを取得します。Löscht alles.",
            &["パス"],
        ),
        op("weird", "", ""),
        op("weird", "", "FETCH /x"),
    ];
    let mut schema = tool("manage", "", &[]);
    schema.input_schema =
        json!({"properties": {"action": {"enum": [1, null, {"a": 2}, "delete"]}}});
    odd.push(schema);
    let mut not_object = tool("get_x", "", &[]);
    not_object.input_schema = json!("a string");
    odd.push(not_object);
    let mut props_array = tool("get_x", "", &[]);
    props_array.input_schema = json!({"properties": [1, 2]});
    odd.push(props_array);
    let mut scoped = tool("get_x", "", &[]);
    scoped.scopes = vec![
        String::new(),
        "::".into(),
        "https://www.googleapis.com/auth/".into(),
    ];
    odd.push(scoped);
    for t in &odd {
        let class = classify_tool(t, rules);
        assert!((0.0..=1.0).contains(&class.confidence), "{t:?}");
        assert!(!class.reasons.is_empty(), "{t:?}");
    }
    let m = Manifest {
        tools: odd,
        ..Manifest::default()
    };
    let d = classifier::disclosure(&classify(&m, rules), &m, &["".into(), "???".into()]);
    assert!(!d.summary.is_empty());
}
