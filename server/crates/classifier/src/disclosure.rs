//! The label a buyer reads before installing: one line per capability, in
//! plain words, riskiest first, and a one-sentence summary.

use std::collections::{BTreeSet, HashMap, HashSet};

use domain::manifest::{Manifest, Tool};

use crate::classify::{effect_capability, match_capabilities};
use crate::model::{
    Capability, Classification, Disclosure, DisclosureItem, Effect, Risk, ScopeClass, Source,
    ToolClass,
};
use crate::ruleset::{Ruleset, Strength, default_ruleset};
use crate::text::{plural, words};

/// The label for a classification, with the default ruleset's keywords.
/// `declared_capabilities` is the publisher's free text ("Sends email on
/// your behalf"); a capability it names, or one the tools' annotations
/// declare, is [`Source::Declared`], any other [`Source::Inferred`].
pub fn disclosure(
    c: &Classification,
    manifest: &Manifest,
    declared_capabilities: &[String],
) -> Disclosure {
    disclosure_with(c, manifest, declared_capabilities, default_ruleset())
}

/// [`disclosure`] with a given ruleset.
pub fn disclosure_with(
    c: &Classification,
    manifest: &Manifest,
    declared_capabilities: &[String],
    rules: &Ruleset,
) -> Disclosure {
    let declared_text = declared_from_text(declared_capabilities, rules);
    let by_name: HashMap<&str, &Tool> = manifest
        .tools
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();

    let mut items = Vec::new();
    for cap in Capability::ALL {
        let tools: Vec<&ToolClass> = c
            .tools
            .iter()
            .filter(|t| t.capabilities.contains(&cap))
            .collect();
        let scopes: Vec<&ScopeClass> = c
            .scopes
            .iter()
            .filter(|s| s.capabilities.contains(&cap))
            .collect();
        if tools.is_empty() && scopes.is_empty() {
            continue;
        }
        let risk = tools
            .iter()
            .map(|t| item_risk(rules, cap, t.effect, &t.name, &t.reasons))
            .chain(
                scopes
                    .iter()
                    .map(|s| item_risk(rules, cap, s.effect, &s.name, &s.reasons)),
            )
            .max()
            .unwrap_or(Risk::Low);
        let declared = declared_text.contains(&cap)
            || tools
                .iter()
                .filter_map(|t| by_name.get(t.name.as_str()))
                .any(|t| annotations_declare(t, cap));
        let mut names: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
        names.extend(scopes.iter().map(|s| s.name.clone()));
        items.push(DisclosureItem {
            capability: cap,
            text: text_for(cap, &tools, &scopes, rules, &by_name),
            source: if declared {
                Source::Declared
            } else {
                Source::Inferred
            },
            risk,
            tools: names,
        });
    }
    items.sort_by_key(|i| (std::cmp::Reverse(i.risk), priority(i.capability)));
    let summary = summary(c.risk, &items);
    Disclosure { summary, items }
}

/// Items of `new` that a buyer of `old` has not agreed to: capabilities
/// that are new, or riskier than they were.
pub fn disclosure_changes(old: &Disclosure, new: &Disclosure) -> Vec<DisclosureItem> {
    new.items
        .iter()
        .filter(|n| {
            old.items
                .iter()
                .find(|o| o.capability == n.capability)
                .is_none_or(|o| n.risk > o.risk)
        })
        .cloned()
        .collect()
}

/// Specific capabilities before the generic read/write lines.
fn priority(c: Capability) -> u8 {
    match c {
        Capability::CodeExecution => 0,
        Capability::Financial => 1,
        Capability::Credentials => 2,
        Capability::Identity => 3,
        Capability::ExternalCommunication => 4,
        Capability::Destructive => 5,
        Capability::PersonalData => 6,
        Capability::Filesystem => 7,
        Capability::NetworkAccess => 8,
        Capability::WriteData => 9,
        Capability::ReadData => 10,
    }
}

fn item_risk(
    rules: &Ruleset,
    cap: Capability,
    effect: Effect,
    name: &str,
    reasons: &[crate::model::Reason],
) -> Risk {
    if cap == effect_capability(effect) {
        return rules.effect_risk(effect);
    }
    let mut keywords: HashSet<String> = words(name).into_iter().collect();
    for r in reasons {
        keywords.extend(words(&r.matched));
    }
    rules
        .capability_risk(cap, effect, &keywords)
        .map(|(r, _)| r)
        .unwrap_or_else(|| rules.effect_risk(effect))
}

fn annotations_declare(tool: &Tool, cap: Capability) -> bool {
    let a = &tool.annotations;
    match cap {
        Capability::ReadData => a.read_only_hint == Some(true),
        Capability::Destructive => {
            a.read_only_hint != Some(true) && a.destructive_hint == Some(true)
        }
        Capability::WriteData => a.read_only_hint == Some(false),
        Capability::NetworkAccess => a.open_world_hint == Some(true),
        _ => false,
    }
}

/// The capabilities the publisher's free text names.
fn declared_from_text(declared: &[String], rules: &Ruleset) -> BTreeSet<Capability> {
    let mut out = BTreeSet::new();
    for d in declared {
        let squashed: String = d
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        if let Some(c) = Capability::parse(&squashed) {
            out.insert(c);
            continue;
        }
        let ws = words(d);
        for w in &ws {
            if let Some(m) = rules.verb(w, true)
                && m.verb.strength == Strength::Strong
            {
                out.insert(effect_capability(m.verb.effect));
            }
        }
        // Keyword rules at the highest effect, so none is filtered out.
        for m in match_capabilities(rules, Effect::Destructive, &[("declared", &ws, false)], &[]) {
            out.insert(m.capability);
        }
    }
    out
}

// ---- plain-language lines --------------------------------------------------

fn display_noun(w: &str) -> &str {
    match w {
        "repo" | "repos" => "repository",
        "db" | "dbs" => "database",
        "dir" | "dirs" => "directory",
        "msg" | "msgs" => "message",
        "doc" | "docs" => "document",
        "pr" | "prs" => "pull request",
        other => other,
    }
}

const NOT_OBJECTS: &[&str] = &[
    "a", "an", "the", "by", "for", "to", "from", "in", "of", "on", "with", "all", "multiple",
    "many", "batch", "bulk", "new", "existing", "specific", "single", "id", "ids", "info",
    "details", "api", "mcp", "or", "and", "v1", "v2", "v3", "one", "my", "your", "current",
    "latest", "async", "sync",
];

const PREPOSITIONS: &[&str] = &[
    "with", "by", "for", "from", "in", "into", "on", "to", "as", "of", "at", "via",
];

/// What a tool's name does to what: its leading verb (in its plain form)
/// and the head noun of its object (`delete_pull_request` → ("delete",
/// "pull request"), `db-cluster-delete` → ("delete", "cluster")). None when
/// the name does not say.
fn verb_object(name: &str, rules: &Ruleset) -> Option<(String, String)> {
    let ws = crate::classify::name_words(name);
    let vi = ws.iter().position(|w| {
        rules
            .base_verb(w)
            .is_some_and(|m| m.verb.strength == Strength::Strong)
    })?;
    let verb = ws[vi].clone();
    let strong_verb = |w: &str| {
        rules
            .base_verb(w)
            .is_some_and(|m| m.verb.strength == Strength::Strong)
    };
    // The object ends at a preposition: `list_directory_with_sizes`.
    let after: Vec<&str> = ws[vi + 1..]
        .iter()
        .map(String::as_str)
        .take_while(|w| !PREPOSITIONS.contains(w))
        .filter(|w| !NOT_OBJECTS.contains(w) && w.chars().any(char::is_alphabetic))
        .filter(|w| !strong_verb(w))
        .collect();
    if let Some(last) = after.last() {
        let noun = display_noun(last);
        if after.len() >= 2 && matches!(*last, "request" | "requests") {
            let pair = format!("{} {}", display_noun(after[after.len() - 2]), noun);
            return Some((verb, pair));
        }
        return Some((verb, noun.to_string()));
    }
    if vi >= 2 {
        let w = ws[vi - 1].as_str();
        if !NOT_OBJECTS.contains(&w) {
            return Some((verb, display_noun(w).to_string()));
        }
    }
    None
}

/// The verb a label uses: every way of deleting is "delete".
fn label_verb(cap: Capability, verb: &str) -> String {
    match (cap, verb) {
        (Capability::ReadData, _) => "read".into(),
        (
            Capability::Destructive,
            "remove" | "drop" | "destroy" | "purge" | "wipe" | "erase" | "trash" | "truncate"
            | "prune" | "cleanup" | "expunge" | "shred" | "nuke" | "obliterate" | "discard",
        ) => "delete".into(),
        (Capability::Destructive, "kill" | "terminate" | "abort") => "stop".into(),
        (Capability::Destructive, "overwrite") => "overwrite".into(),
        (_, v) => v.to_string(),
    }
}

/// "delete repositories and files, and cancel subscriptions", from the
/// tools' names; the tools whose names do not say are returned apart.
fn verb_phrases<'a>(
    cap: Capability,
    tools: &[&'a ToolClass],
    rules: &Ruleset,
) -> (Vec<String>, Vec<&'a ToolClass>) {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut rest = Vec::new();
    for t in tools {
        // A destructive tool that runs code deletes nothing by name.
        let by_name = t.reasons.first().is_some_and(|r| r.field == "name");
        let same_effect = |verb: &str| {
            rules
                .base_verb(verb)
                .is_some_and(|m| effect_capability(m.verb.effect) == cap)
        };
        match verb_object(&t.name, rules).filter(|(v, _)| by_name && same_effect(v)) {
            Some((verb, noun)) => {
                let verb = label_verb(cap, &verb);
                let noun = plural(&noun);
                match groups.iter_mut().find(|(v, _)| *v == verb) {
                    Some((_, nouns)) if !nouns.contains(&noun) => nouns.push(noun),
                    Some(_) => {}
                    None => groups.push((verb, vec![noun])),
                }
            }
            None => rest.push(*t),
        }
    }
    let phrases = groups
        .into_iter()
        .map(|(v, nouns)| format!("{v} {}", join_and(&nouns)))
        .collect();
    (phrases, rest)
}

/// "a, b and c".
fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// "(delete_file, drop_table and 3 more)".
fn names_in_brackets(tools: &[&ToolClass], scopes: &[&ScopeClass]) -> String {
    let mut names: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
    names.extend(scopes.iter().map(|s| format!("permission {}", s.name)));
    let shown = 3;
    if names.len() <= shown {
        format!("({})", join_and(&names))
    } else {
        format!(
            "({}, {} and {} more)",
            names[..shown - 1].join(", "),
            names[shown - 1],
            names.len() - shown
        )
    }
}

/// Every word the tools behind an item were matched on, and their names.
fn vocabulary(
    tools: &[&ToolClass],
    scopes: &[&ScopeClass],
    by_name: &HashMap<&str, &Tool>,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for t in tools {
        out.extend(words(&t.name));
        for r in &t.reasons {
            out.extend(words(&r.matched));
        }
        if let Some(tool) = by_name.get(t.name.as_str()) {
            out.extend(words(&tool.description).into_iter().take(40));
        }
    }
    for s in scopes {
        out.extend(words(&s.name));
        for r in &s.reasons {
            out.extend(words(&r.matched));
        }
    }
    out
}

fn has_any(v: &HashSet<String>, ws: &[&str]) -> bool {
    ws.iter().any(|w| v.contains(*w))
}

fn text_for(
    cap: Capability,
    tools: &[&ToolClass],
    scopes: &[&ScopeClass],
    rules: &Ruleset,
    by_name: &HashMap<&str, &Tool>,
) -> String {
    let names = names_in_brackets(tools, scopes);
    let vocab = vocabulary(tools, scopes, by_name);
    let max_effect = tools
        .iter()
        .map(|t| t.effect)
        .chain(scopes.iter().map(|s| s.effect))
        .max()
        .unwrap_or(Effect::ReadOnly);
    // "Can delete repositories and files", or "Can delete data (a, b)".
    let with_objects = |generic: &str| {
        let (phrases, rest) = verb_phrases(cap, tools, rules);
        let nouns: usize = phrases
            .iter()
            .map(|p| p.matches(" and ").count() + p.matches(", ").count() + 1)
            .sum();
        if phrases.is_empty() || phrases.len() > 3 || nouns > 5 {
            return format!("Can {generic} {names}");
        }
        let mut text = format!("Can {}", join_and(&phrases));
        if !rest.is_empty() || !scopes.is_empty() {
            text.push_str(&format!(", and more {}", names_in_brackets(&rest, scopes)));
        }
        text
    };
    match cap {
        Capability::ReadData => with_objects("read data"),
        Capability::WriteData => with_objects("create and change data"),
        Capability::Destructive => with_objects("delete or overwrite data"),
        Capability::ExternalCommunication => {
            let mut channels = Vec::new();
            if has_any(
                &vocab,
                &["email", "emails", "mail", "gmail", "sendgrid", "inbox"],
            ) {
                channels.push("email");
            }
            if has_any(&vocab, &["sms", "mms", "twilio"]) {
                channels.push("text messages");
            }
            let chat = has_any(
                &vocab,
                &[
                    "slack", "chat", "teams", "discord", "telegram", "whatsapp", "dm", "im", "mpim",
                ],
            );
            let bare_messages = has_any(&vocab, &["message", "messages"]) && channels.is_empty();
            if chat || bare_messages {
                channels.push("messages");
            }
            if channels.is_empty() {
                if has_any(&vocab, &["tweet", "tweets", "post", "publish"]) {
                    return format!("Can post on your behalf {names}");
                }
                return format!("Can send messages on your behalf {names}");
            }
            let channels: Vec<String> = channels.into_iter().map(str::to_string).collect();
            format!("Can send {} as you", join_and(&channels))
        }
        Capability::Financial => {
            if max_effect >= Effect::Write {
                format!("Can make payments or move money {names}")
            } else {
                format!("Can see billing and payment information {names}")
            }
        }
        Capability::CodeExecution => {
            if has_any(
                &vocab,
                &rules
                    .shell_words
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ) {
                format!("Can run commands on the computer it runs on {names}")
            } else {
                format!("Can run code {names}")
            }
        }
        Capability::Filesystem => match max_effect {
            Effect::ReadOnly => format!("Can read files {names}"),
            Effect::Write => format!("Can read and change files {names}"),
            Effect::Destructive => format!("Can read, change and delete files {names}"),
        },
        Capability::Credentials => {
            format!("Can see or use passwords, keys and tokens {names}")
        }
        Capability::PersonalData => {
            let mut kinds: Vec<String> = Vec::new();
            let mut add = |cond: bool, k: &str| {
                if cond && !kinds.iter().any(|x| x == k) {
                    kinds.push(k.to_string());
                }
            };
            add(
                has_any(
                    &vocab,
                    &["email", "emails", "gmail", "inbox", "mailbox", "mail"],
                ),
                "email",
            );
            add(
                has_any(&vocab, &["contact", "contacts", "people"]),
                "contacts",
            );
            add(
                has_any(&vocab, &["phone", "phones", "phonenumber"]),
                "phone numbers",
            );
            add(
                has_any(&vocab, &["profile", "profiles", "userinfo"]),
                "profile",
            );
            add(
                has_any(
                    &vocab,
                    &[
                        "health",
                        "medical",
                        "patient",
                        "patients",
                        "diagnosis",
                        "fitness",
                    ],
                ),
                "health information",
            );
            if kinds.is_empty() {
                format!("Can see personal information {names}")
            } else {
                format!("Can see your {}", join_and(&kinds))
            }
        }
        Capability::NetworkAccess => {
            if has_any(
                &vocab,
                &[
                    "browser", "navigate", "browse", "webpage", "website", "scrape", "crawl",
                ],
            ) {
                format!("Can open and read any web page {names}")
            } else {
                format!("Can reach any address on the internet {names}")
            }
        }
        Capability::Identity => {
            if max_effect >= Effect::Write {
                format!("Can change users, roles and permissions {names}")
            } else {
                format!("Can see users, teams and permissions {names}")
            }
        }
    }
}

fn summary(risk: Risk, items: &[DisclosureItem]) -> String {
    let tier = match risk {
        Risk::Low => "Low risk",
        Risk::Medium => "Medium risk",
        Risk::High => "High risk",
        Risk::Critical => "Critical risk",
    };
    if items.is_empty() {
        return format!("{tier}: it declares no tools or permissions.");
    }
    let heads: Vec<String> = items
        .iter()
        .take(3)
        .map(|i| {
            let t = i.text.strip_prefix("Can ").unwrap_or(&i.text);
            // The bracketed tool list belongs to the item, not the sentence.
            let end = [t.find(", and more"), t.find(" (")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(t.len());
            t[..end].to_string()
        })
        .collect();
    let more = items.len().saturating_sub(3);
    let tail = if more > 0 {
        format!(" ({more} more on the label)")
    } else {
        String::new()
    };
    format!("{tier}: it can {}{tail}.", join_and(&heads))
}
