//! The buyer's label.

use classifier::{
    Capability, Risk, Source, classify, default_ruleset, disclosure, disclosure_changes,
};
use domain::manifest::{Manifest, Tool, ToolAnnotations};
use serde_json::json;

fn tool(name: &str, description: &str, props: &[&str]) -> Tool {
    let properties: serde_json::Map<String, serde_json::Value> = props
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

fn manifest(tools: Vec<Tool>) -> Manifest {
    Manifest {
        tools,
        ..Manifest::default()
    }
}

fn label(m: &Manifest, declared: &[&str]) -> classifier::Disclosure {
    let c = classify(m, default_ruleset());
    let declared: Vec<String> = declared.iter().map(|s| s.to_string()).collect();
    disclosure(&c, m, &declared)
}

fn item(d: &classifier::Disclosure, cap: Capability) -> &classifier::DisclosureItem {
    d.items
        .iter()
        .find(|i| i.capability == cap)
        .unwrap_or_else(|| panic!("no {cap:?} item in {:#?}", d.items))
}

#[test]
fn one_line_per_capability_riskiest_first() {
    let m = manifest(vec![
        tool(
            "send_gmail_message",
            "Sends an email using the user's Gmail account.",
            &["to", "subject", "body"],
        ),
        tool(
            "delete_repository",
            "Delete a repository.",
            &["owner", "repo"],
        ),
        tool("get_issue", "Get an issue.", &[]),
        tool("run_command", "Execute a shell command.", &["command"]),
    ]);
    let d = label(&m, &[]);
    for w in d.items.windows(2) {
        assert!(w[0].risk >= w[1].risk, "sorted by risk: {:?}", d.items);
    }
    let caps: Vec<Capability> = d.items.iter().map(|i| i.capability).collect();
    let mut unique = caps.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), caps.len(), "one item per capability");

    assert_eq!(d.items[0].capability, Capability::CodeExecution);
    assert_eq!(d.items[0].risk, Risk::Critical);
    assert!(
        d.items[0].text.starts_with("Can run commands"),
        "{}",
        d.items[0].text
    );
    assert_eq!(d.items[0].tools, ["run_command"]);

    let mail = item(&d, Capability::ExternalCommunication);
    assert_eq!(mail.text, "Can send email as you");
    assert_eq!(mail.tools, ["send_gmail_message"]);
    assert_eq!(mail.source, Source::Inferred);

    let delete = item(&d, Capability::Destructive);
    assert!(
        delete.text.starts_with("Can delete repositories"),
        "{}",
        delete.text
    );
    assert!(delete.tools.contains(&"delete_repository".to_string()));

    assert_eq!(item(&d, Capability::ReadData).text, "Can read issues");
    assert_eq!(item(&d, Capability::ReadData).risk, Risk::Low);

    assert!(
        d.summary.starts_with("Critical risk: it can run commands"),
        "{}",
        d.summary
    );
    assert!(d.summary.contains("send email as you"), "{}", d.summary);
    assert!(d.summary.ends_with('.'));
}

#[test]
fn texts_from_the_tools_behind_them() {
    // Object nouns from the names.
    let d = label(
        &manifest(vec![
            tool("delete_file", "", &["path"]),
            tool("drop_table", "", &[]),
        ]),
        &[],
    );
    assert_eq!(
        item(&d, Capability::Destructive).text,
        "Can delete files and tables"
    );
    // No noun to go on: the generic line names the tools.
    let d = label(
        &manifest(vec![tool("purge", "", &[]), tool("nuke", "", &[])]),
        &[],
    );
    assert_eq!(
        item(&d, Capability::Destructive).text,
        "Can delete or overwrite data (purge and nuke)"
    );
    // Slack messages and money.
    let d = label(
        &manifest(vec![
            tool(
                "slack_post_message",
                "Post a new message to a Slack channel",
                &["channel_id", "text"],
            ),
            tool("create_refund", "Refunds a charge.", &["charge", "amount"]),
            tool("list_invoices", "Lists invoices.", &[]),
        ]),
        &[],
    );
    assert_eq!(
        item(&d, Capability::ExternalCommunication).text,
        "Can send messages as you"
    );
    let money = item(&d, Capability::Financial);
    assert!(
        money.text.starts_with("Can make payments or move money"),
        "{}",
        money.text
    );
    assert_eq!(money.risk, Risk::Critical);
    assert_eq!(money.tools, ["create_refund", "list_invoices"]);
    // Reading billing only.
    let d = label(
        &manifest(vec![tool("list_invoices", "Lists invoices.", &[])]),
        &[],
    );
    assert!(
        item(&d, Capability::Financial)
            .text
            .starts_with("Can see billing")
    );
    assert_eq!(
        d.summary,
        "Medium risk: it can see billing and payment information and read invoices."
    );
    // Nothing at all.
    let d = label(&Manifest::default(), &[]);
    assert!(d.items.is_empty());
    assert_eq!(d.summary, "Low risk: it declares no tools or permissions.");
}

#[test]
fn declared_when_the_publisher_says_so() {
    let mut get = tool("get_issue", "Get an issue.", &[]);
    get.annotations.read_only_hint = Some(true);
    let m = manifest(vec![
        get,
        tool(
            "send_gmail_message",
            "Sends an email.",
            &["to", "subject", "body"],
        ),
        tool("list_contacts", "List contacts.", &[]),
    ]);
    let d = label(&m, &["Sends email on your behalf", "financial"]);
    assert_eq!(
        item(&d, Capability::ExternalCommunication).source,
        Source::Declared
    );
    assert_eq!(
        item(&d, Capability::ReadData).source,
        Source::Declared,
        "readOnlyHint"
    );
    assert_eq!(item(&d, Capability::PersonalData).source, Source::Inferred);
    // A declared capability no tool has is not invented.
    assert!(
        d.items
            .iter()
            .all(|i| i.capability != Capability::Financial)
    );
}

#[test]
fn what_changed_for_a_buyer_of_the_old_version() {
    let old = label(
        &manifest(vec![
            tool("get_issue", "Get an issue.", &[]),
            tool("list_contacts", "List contacts.", &[]),
        ]),
        &[],
    );
    let new = label(
        &manifest(vec![
            tool("get_issue", "Get an issue.", &[]),
            tool("list_contacts", "List contacts.", &[]),
            tool("delete_contact", "Delete a contact.", &[]),
            tool(
                "send_gmail_message",
                "Sends an email.",
                &["to", "subject", "body"],
            ),
        ]),
        &[],
    );
    let changes = disclosure_changes(&old, &new);
    let caps: Vec<Capability> = changes.iter().map(|i| i.capability).collect();
    assert!(caps.contains(&Capability::ExternalCommunication));
    assert!(caps.contains(&Capability::Destructive));
    assert!(
        caps.contains(&Capability::PersonalData),
        "riskier now: contacts can be deleted"
    );
    assert!(!caps.contains(&Capability::ReadData), "unchanged");
    assert!(disclosure_changes(&new, &new).is_empty());
    assert!(
        disclosure_changes(&new, &old).is_empty(),
        "less is not a change to agree to"
    );
}
