//! Tools and manifests, classified: what a tool does to the world (effect),
//! what it can do (capabilities), how much that matters (risk), how sure the
//! rules are (confidence) and why (reasons: rule id, field, matched words).
//!
//! # How a tool's effect is decided
//!
//! Names and descriptions are cut into words (`snake_case`, `camelCase`,
//! `kebab-case`, dots; in a dotted name such as `gmail.users.messages.send`
//! the last segment, the method, comes first). Evidence is read in order of
//! strength; the first source that says something sets the effect, later
//! ones can only raise it:
//!
//! 1. a strong verb in the tool's **name**, in its plain form (`delete_file`,
//!    `apps-list`; `list_drafts` is a list, `drafts` being a noun), with the
//!    verbs coordinated with it (`create_or_update_file`);
//! 2. the same in the tool's **title**;
//! 3. the first strong verb of the **description**'s leading sentences
//!    ("Retrieves ...", "Manages labels: create, update, or delete");
//! 4. the HTTP method of the tool's **operation** (`DELETE /v1/customers/{id}`);
//! 5. a read-only phrase in the description ("this is a read-only search");
//! 6. a weak verb (often a noun: `commit`, `log`, `snapshot`) in the name,
//!    title or description;
//! 7. the verbs of an `action`/`method`/`operation` enum in the input schema;
//! 8. otherwise the ruleset's default, `write`, at low confidence: a tool
//!    nobody can read is assumed to change something (so it is never shown
//!    as harmless) but not to destroy anything (so the label does not cry
//!    wolf); the low confidence sends it to a reviewer.
//!
//! Raising: a `write` becomes `destructive` when the leading sentences name a
//! destructive verb ("Supports creating, updating, deleting"), or say
//! "cannot be undone"/"permanently"/"overwrite" (not negated: "does not
//! delete" deletes nothing), when an input property is a destructive switch
//! (`delete_contacts`, `clear_values`), when the action enum offers a
//! destructive verb, or when the operation is a `DELETE`. A tool that
//! executes code or commands is `destructive`: what it can do is unbounded.
//!
//! # Annotations
//!
//! MCP annotations are the publisher's declaration. A declaration that adds
//! risk is trusted (`destructiveHint: true` on `get_x` makes it destructive).
//! One that lowers risk is accepted only against weak evidence: against a
//! strong verb it is kept as a reason `annotation.contradicted`
//! (`readOnlyHint: true` on `delete_file` stays destructive). With
//! [`ClassifyOptions::use_annotations`] off, the hints are ignored entirely
//! (the annotation's `title`, being text, is still read), which is how the
//! quality figures measure the rules themselves.
//!
//! # Capabilities and risk
//!
//! Capabilities come from keyword rules of the ruleset over the name, title,
//! leading sentences and input property names (`send` + `email` →
//! external communication; a `password` property → credentials; `url` →
//! network access...), from the scopes the tool accepts (what every one of
//! them allows), and from `openWorldHint`. The tier is the highest the
//! ruleset gives the effect or any capability at that effect (a financial
//! write is critical, a financial read medium).

use std::collections::{BTreeSet, HashSet};

use domain::manifest::{Manifest, Tool};
use serde_json::Value;

use crate::model::{Capability, Classification, Effect, Reason, Risk, ToolClass};
use crate::ruleset::{CapabilityRule, Ruleset, Strength, VerbMatch};
use crate::scope::{classify_scope, classify_scope_name};
use crate::text::{Tok, find_phrase, first_sentences, squash, words};

/// How to classify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassifyOptions {
    /// Take the publisher's MCP annotations into account (the default).
    /// Off, the effect comes from the rules alone.
    pub use_annotations: bool,
}

impl Default for ClassifyOptions {
    fn default() -> Self {
        ClassifyOptions {
            use_annotations: true,
        }
    }
}

impl ClassifyOptions {
    /// The rules alone, annotations ignored.
    pub const WITHOUT_ANNOTATIONS: ClassifyOptions = ClassifyOptions {
        use_annotations: false,
    };
}

/// A whole manifest: every tool, every scope (declared, or named by a tool),
/// and the highest tier of them all.
pub fn classify(manifest: &Manifest, rules: &Ruleset) -> Classification {
    classify_with(manifest, rules, ClassifyOptions::default())
}

/// [`classify`] with options.
pub fn classify_with(
    manifest: &Manifest,
    rules: &Ruleset,
    opts: ClassifyOptions,
) -> Classification {
    let tools: Vec<ToolClass> = manifest
        .tools
        .iter()
        .map(|t| classify_tool_with(t, rules, opts))
        .collect();
    let mut scopes: Vec<_> = manifest
        .scopes
        .iter()
        .map(|s| classify_scope(s, rules))
        .collect();
    let declared: HashSet<&str> = manifest.scopes.iter().map(|s| s.name.as_str()).collect();
    let mut extra: Vec<&String> = manifest
        .tools
        .iter()
        .flat_map(|t| t.scopes.iter())
        .filter(|s| !declared.contains(s.as_str()))
        .collect();
    extra.sort();
    extra.dedup();
    scopes.extend(extra.into_iter().map(|s| classify_scope_name(s, rules)));
    let risk = tools
        .iter()
        .map(|t| t.risk)
        .chain(scopes.iter().map(|s| s.risk))
        .max()
        .unwrap_or(Risk::Low);
    Classification {
        ruleset: rules.id().to_string(),
        risk,
        tools,
        scopes,
    }
}

/// One tool, annotations taken into account.
pub fn classify_tool(tool: &Tool, rules: &Ruleset) -> ToolClass {
    classify_tool_with(tool, rules, ClassifyOptions::default())
}

/// One tool, by the rules alone: annotations are ignored.
pub fn classify_tool_without_annotations(tool: &Tool, rules: &Ruleset) -> ToolClass {
    classify_tool_with(tool, rules, ClassifyOptions::WITHOUT_ANNOTATIONS)
}

/// Where a piece of effect evidence came from, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EvidenceSource {
    NameVerb,
    TitleVerb,
    DescriptionVerb,
    Operation,
    ReadOnlyPhrase,
    NameWeakVerb,
    TitleWeakVerb,
    DescriptionWeakVerb,
    ActionValues,
    Default,
}

struct Evidence {
    effect: Effect,
    source: EvidenceSource,
    confidence: f32,
    reasons: Vec<Reason>,
}

/// The words of a tool, prepared once.
pub(crate) struct ToolText<'a> {
    pub name: Vec<String>,
    pub title: Vec<String>,
    /// The leading sentences of the description.
    pub sentences: Vec<Vec<Tok>>,
    pub description: Vec<String>,
    pub props: Vec<(&'a str, String, &'a Value)>,
}

impl<'a> ToolText<'a> {
    pub(crate) fn new(tool: &'a Tool, rules: &Ruleset) -> Self {
        let title = tool
            .title
            .as_deref()
            .or(tool.annotations.title.as_deref())
            .map(words)
            .unwrap_or_default();
        let sentences: Vec<Vec<Tok>> =
            first_sentences(&tool.description, rules.description_sentences);
        let description = sentences
            .iter()
            .flatten()
            .filter_map(|t| t.word().map(str::to_string))
            .collect();
        let props = tool
            .input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| (k.as_str(), squash(k), v)).collect())
            .unwrap_or_default();
        ToolText {
            name: name_words(&tool.name),
            title,
            sentences,
            description,
            props,
        }
    }
}

/// The words of a tool name. In a dotted name the last segment is the
/// method (`gmail.users.messages.send`, `calendar.calendarList.insert`,
/// `pins.list`), so it comes first.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    match name.rsplit_once('.') {
        Some((rest, last)) if !last.is_empty() => {
            let mut out = words(last);
            out.extend(words(rest));
            out
        }
        _ => words(name),
    }
}

fn word_toks(words: &[String]) -> Vec<Tok> {
    words.iter().cloned().map(Tok::Word).collect()
}

/// The first verb of `toks` (strong ones only, or any) and the verbs
/// coordinated with it ("create, update, or delete"; `create_or_update`).
///
/// Identifiers are imperative (`list_drafts`, `stars_list`): in them only
/// the plain form of a verb counts (`drafts` is a noun), so `inflected` is
/// false for names and enum values, true for prose ("Retrieves ...").
fn leading_verbs(
    rules: &Ruleset,
    toks: &[Tok],
    strong_only: bool,
    inflected: bool,
) -> Option<Vec<(String, VerbMatch)>> {
    let accept = |m: &VerbMatch| !strong_only || m.verb.strength == Strength::Strong;
    let verb = |w: &str| {
        if inflected {
            rules.verb(w, false)
        } else {
            rules.base_verb(w)
        }
    };
    let (start, first) = toks.iter().enumerate().find_map(|(i, t)| {
        let w = t.word()?;
        let m = verb(w)?;
        accept(&m).then(|| (i, (w.to_string(), m)))
    })?;
    let mut out = vec![first];
    let mut j = start + 1;
    loop {
        let mut k = j;
        let mut connector = false;
        while k < toks.len()
            && (toks[k] == Tok::Sep || matches!(toks[k].word(), Some("or" | "and")))
        {
            connector = true;
            k += 1;
        }
        if !connector || k >= toks.len() {
            break;
        }
        match toks[k].word().and_then(|w| verb(w).map(|m| (w, m))) {
            Some((w, m)) => {
                out.push((w.to_string(), m));
                j = k + 1;
            }
            None => break,
        }
    }
    Some(out)
}

fn verbs_evidence(
    found: Vec<(String, VerbMatch)>,
    source: EvidenceSource,
    field: &str,
    confidence: f32,
) -> Evidence {
    let effect = found
        .iter()
        .map(|(_, m)| m.verb.effect)
        .max()
        .unwrap_or(Effect::Write);
    let reasons = found
        .into_iter()
        .map(|(w, m)| Reason {
            rule: format!("verb.{}", m.base),
            field: field.into(),
            matched: w,
        })
        .collect();
    Evidence {
        effect,
        source,
        confidence,
        reasons,
    }
}

fn description_strong(rules: &Ruleset, text: &ToolText) -> Option<Vec<(String, VerbMatch)>> {
    text.sentences
        .iter()
        .find_map(|s| leading_verbs(rules, s, true, true))
}

fn operation_method<'t>(rules: &Ruleset, tool: &'t Tool) -> Option<(&'t str, Effect)> {
    let op = tool.operation.as_deref()?;
    let method = op.split_whitespace().next()?;
    let effect = rules.http_methods.get(&method.to_ascii_uppercase())?;
    Some((op, *effect))
}

fn negated(rules: &Ruleset, words: &[String], at: usize) -> bool {
    words[at.saturating_sub(2)..at]
        .iter()
        .any(|w| rules.negations.contains(w))
}

fn phrase_in(rules: &Ruleset, words: &[String], phrases: &[Vec<String>]) -> Option<String> {
    phrases.iter().find_map(|p| {
        find_phrase(words, p)
            .into_iter()
            .find(|&i| !negated(rules, words, i))
            .map(|_| p.join(" "))
    })
}

/// The effect of the values of an action-like enum property: `action:
/// [create, update, delete]` → destructive.
fn action_values(rules: &Ruleset, text: &ToolText) -> Option<Evidence> {
    let mut best: Option<Evidence> = None;
    for (name, squashed, schema) in &text.props {
        if !rules.action_fields.contains(squashed) {
            continue;
        }
        let values = schema
            .get("enum")
            .or_else(|| schema.get("items").and_then(|i| i.get("enum")))
            .and_then(Value::as_array);
        for v in values.into_iter().flatten().filter_map(Value::as_str) {
            let toks = word_toks(&words(v));
            if let Some(found) = leading_verbs(rules, &toks, false, false) {
                let e = verbs_evidence(
                    found,
                    EvidenceSource::ActionValues,
                    &format!("inputSchema.properties.{name}"),
                    rules.confidence.action_values,
                );
                if best.as_ref().is_none_or(|b| e.effect > b.effect) {
                    best = Some(e);
                }
            }
        }
    }
    best
}

fn infer_effect(tool: &Tool, text: &ToolText, rules: &Ruleset) -> Evidence {
    let c = &rules.confidence;
    let name_toks = word_toks(&text.name);
    let title_toks = word_toks(&text.title);

    let name_strong = leading_verbs(rules, &name_toks, true, false);
    let title_strong = leading_verbs(rules, &title_toks, true, true);
    let desc_strong = description_strong(rules, text);
    let operation = operation_method(rules, tool);

    // Strong sources, for corroboration.
    let strong_effects: Vec<(EvidenceSource, Effect)> = [
        name_strong
            .as_ref()
            .map(|f| (EvidenceSource::NameVerb, max_effect(f))),
        title_strong
            .as_ref()
            .map(|f| (EvidenceSource::TitleVerb, max_effect(f))),
        desc_strong
            .as_ref()
            .map(|f| (EvidenceSource::DescriptionVerb, max_effect(f))),
        operation.map(|(_, e)| (EvidenceSource::Operation, e)),
    ]
    .into_iter()
    .flatten()
    .collect();

    let mut ev = if let Some(f) = name_strong {
        verbs_evidence(f, EvidenceSource::NameVerb, "name", c.name_verb)
    } else if let Some(f) = title_strong {
        verbs_evidence(f, EvidenceSource::TitleVerb, "title", c.title_verb)
    } else if let Some(f) = desc_strong {
        verbs_evidence(
            f,
            EvidenceSource::DescriptionVerb,
            "description",
            c.description_verb,
        )
    } else if let Some((op, effect)) = operation {
        Evidence {
            effect,
            source: EvidenceSource::Operation,
            confidence: c.operation,
            reasons: vec![http_reason(op)],
        }
    } else if let Some(p) = phrase_in(rules, &text.description, &rules.read_only_phrases) {
        Evidence {
            effect: Effect::ReadOnly,
            source: EvidenceSource::ReadOnlyPhrase,
            confidence: c.description_verb,
            reasons: vec![Reason {
                rule: "phrase.read_only".into(),
                field: "description".into(),
                matched: p,
            }],
        }
    } else if let Some(f) = leading_verbs(rules, &name_toks, false, false) {
        verbs_evidence(f, EvidenceSource::NameWeakVerb, "name", c.name_weak_verb)
    } else if let Some(f) = leading_verbs(rules, &title_toks, false, true) {
        verbs_evidence(f, EvidenceSource::TitleWeakVerb, "title", c.name_weak_verb)
    } else if let Some(f) = text
        .sentences
        .iter()
        .find_map(|s| leading_verbs(rules, s, false, true))
    {
        verbs_evidence(
            f,
            EvidenceSource::DescriptionWeakVerb,
            "description",
            c.description_weak_verb,
        )
    } else if let Some(e) = action_values(rules, text) {
        e
    } else {
        Evidence {
            effect: rules.default_effect,
            source: EvidenceSource::Default,
            confidence: c.default,
            reasons: vec![Reason {
                rule: "default.effect".into(),
                field: "name".into(),
                matched: "no verb in the name, title or description".into(),
            }],
        }
    };

    for (source, effect) in &strong_effects {
        if *source == ev.source {
            continue;
        }
        if *effect == ev.effect {
            ev.confidence += c.corroboration;
        } else {
            ev.confidence -= c.corroboration;
        }
    }

    ev.confidence = ev.confidence.min(c.max_inferred);

    let strong_read = ev.effect == Effect::ReadOnly
        && matches!(
            ev.source,
            EvidenceSource::NameVerb | EvidenceSource::TitleVerb
        );

    // Raisers.
    if !strong_read
        && ev.source != EvidenceSource::ActionValues
        && let Some(a) = action_values(rules, text)
        && a.effect > ev.effect
    {
        ev.effect = a.effect;
        ev.reasons.extend(a.reasons);
    }
    if ev.effect == Effect::Write
        && let Some(r) = destructive_in_description(rules, text)
    {
        ev.effect = Effect::Destructive;
        ev.reasons.push(r);
    }
    if ev.effect == Effect::Write
        && let Some((name, _, _)) = text.props.iter().find(|(name, _, _)| {
            words(name)
                .iter()
                .any(|w| rules.destructive_field_verbs.contains(w))
        })
    {
        ev.effect = Effect::Destructive;
        ev.reasons.push(Reason {
            rule: "field.destructive_switch".into(),
            field: format!("inputSchema.properties.{name}"),
            matched: (*name).to_string(),
        });
    }
    if let Some((op, effect)) = operation
        && effect > ev.effect
        && (effect == Effect::Destructive || !strong_read)
        && ev.source != EvidenceSource::Operation
    {
        ev.effect = effect;
        ev.reasons.push(http_reason(op));
    }
    ev
}

fn max_effect(found: &[(String, VerbMatch)]) -> Effect {
    found
        .iter()
        .map(|(_, m)| m.verb.effect)
        .max()
        .unwrap_or(Effect::Write)
}

fn http_reason(op: &str) -> Reason {
    let method = op.split_whitespace().next().unwrap_or_default();
    Reason {
        rule: format!("http.{}", method.to_ascii_uppercase()),
        field: "operation".into(),
        matched: op.to_string(),
    }
}

/// A destructive verb or phrase in the leading sentences, not negated.
fn destructive_in_description(rules: &Ruleset, text: &ToolText) -> Option<Reason> {
    let words = &text.description;
    let benign = covered(words, &rules.benign_phrases);
    for (i, w) in words.iter().enumerate() {
        if benign[i] {
            continue;
        }
        if let Some(m) = rules.verb(w, true)
            && m.verb.effect == Effect::Destructive
            && m.verb.strength == Strength::Strong
            && !negated(rules, words, i)
        {
            return Some(Reason {
                rule: format!("verb.{}", m.base),
                field: "description".into(),
                matched: w.clone(),
            });
        }
    }
    phrase_in(rules, words, &rules.destructive_phrases).map(|p| Reason {
        rule: "phrase.destructive".into(),
        field: "description".into(),
        matched: p,
    })
}

fn annotation_field(name: &str) -> String {
    format!("annotations.{name}")
}

/// Applies the publisher's annotations to the inferred evidence.
fn apply_annotations(tool: &Tool, rules: &Ruleset, ev: &mut Evidence) {
    let c = &rules.confidence;
    let a = &tool.annotations;
    // (declared effect, is it only a floor, the hint that says it)
    let declared = match (a.read_only_hint, a.destructive_hint) {
        (Some(true), _) => Some((Effect::ReadOnly, false, "readOnlyHint", true)),
        (_, Some(true)) => Some((Effect::Destructive, false, "destructiveHint", true)),
        (_, Some(false)) => Some((Effect::Write, false, "destructiveHint", false)),
        // Not read-only, destructiveness unsaid: the MCP default would be
        // destructive, but publishers leave it out of plain writes; it is
        // read as "at least write".
        (Some(false), None) => Some((Effect::Write, true, "readOnlyHint", false)),
        (None, None) => None,
    };
    let Some((declared, floor, hint, value)) = declared else {
        return;
    };
    let reason = Reason {
        rule: format!(
            "annotation.{}",
            match declared {
                Effect::ReadOnly => "read_only",
                Effect::Write => "write",
                Effect::Destructive => "destructive",
            }
        ),
        field: annotation_field(hint),
        matched: value.to_string(),
    };
    let strong = ev.confidence >= c.strong_evidence;
    if declared == ev.effect || (floor && ev.effect > declared) {
        ev.confidence += c.annotation_agrees;
        ev.reasons.push(reason);
    } else if declared > ev.effect {
        // Adds risk: trusted.
        ev.effect = declared;
        ev.confidence = ev.confidence.min(c.annotation_adopted);
        ev.reasons.push(reason);
    } else if strong {
        // Lowers risk against strong evidence: kept as a contradiction.
        ev.confidence *= c.annotation_contradicted;
        let inferred = ev
            .reasons
            .first()
            .map(|r| r.matched.clone())
            .unwrap_or_default();
        ev.reasons.push(Reason {
            rule: "annotation.contradicted".into(),
            field: annotation_field(hint),
            matched: format!("{hint}={value} against \"{inferred}\""),
        });
    } else {
        ev.effect = declared;
        ev.confidence = c.annotation_adopted;
        ev.reasons.push(reason);
    }
}

/// A capability match: the rule and what it matched where.
pub(crate) struct CapMatch {
    pub capability: Capability,
    pub reason: Reason,
    pub keywords: Vec<String>,
}

/// Positions of `words` covered by one of the exclusion phrases.
fn covered(words: &[String], excludes: &[Vec<String>]) -> Vec<bool> {
    let mut out = vec![false; words.len()];
    for p in excludes {
        for i in find_phrase(words, p) {
            for flag in out.iter_mut().skip(i).take(p.len()) {
                *flag = true;
            }
        }
    }
    out
}

/// The capability rules that apply to some text at some effect. `name` and
/// `description` are word lists; `props` the squashed input property names.
pub(crate) fn match_capabilities(
    rules: &Ruleset,
    effect: Effect,
    texts: &[(&str, &[String], bool)],
    props: &[(&str, String)],
) -> Vec<CapMatch> {
    let mut out = Vec::new();
    for rule in &rules.capabilities {
        if rule.min_effect.is_some_and(|m| effect < m) {
            continue;
        }
        if let Some(m) = match_rule(rules, rule, texts, props) {
            out.push(m);
        }
    }
    out
}

fn match_rule(
    rules: &Ruleset,
    rule: &CapabilityRule,
    texts: &[(&str, &[String], bool)],
    props: &[(&str, String)],
) -> Option<CapMatch> {
    let cap = |field: &str, matched: String, keywords: Vec<String>| CapMatch {
        capability: rule.capability,
        reason: Reason {
            rule: rule.id.clone(),
            field: field.to_string(),
            matched,
        },
        keywords,
    };
    // Single words and phrases, field by field.
    for (field, ws, is_name) in texts {
        let cov = covered(ws, &rule.exclude_phrases);
        for (i, w) in ws.iter().enumerate() {
            if cov[i] {
                continue;
            }
            if rule.words.contains(w) || (*is_name && rule.name_words.contains(w)) {
                return Some(cap(field, w.clone(), vec![w.clone()]));
            }
        }
        for p in &rule.phrases {
            if find_phrase(ws, p).into_iter().any(|i| !cov[i]) {
                return Some(cap(field, p.join(" "), p.clone()));
            }
        }
    }
    // Pairs: a word of `any` and one of `with` close together in the same
    // text ("Sends an email", `send_gmail_message`); verbs compared in their
    // plain form.
    if !rule.pairs.is_empty() {
        const WINDOW: usize = 4;
        for (field, ws, _) in texts {
            let cov = covered(ws, &rule.exclude_phrases);
            let plain: Vec<Option<String>> = ws
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    (!cov[i]).then(|| {
                        rules
                            .verb(w, true)
                            .map(|m| m.base)
                            .unwrap_or_else(|| w.clone())
                    })
                })
                .collect();
            for (any, with) in &rule.pairs {
                for (i, a) in plain.iter().enumerate() {
                    let Some(a) = a.as_ref().filter(|a| any.contains(*a)) else {
                        continue;
                    };
                    let lo = i.saturating_sub(WINDOW);
                    let hi = (i + WINDOW).min(ws.len().saturating_sub(1));
                    let b = (lo..=hi)
                        .filter(|&j| j != i && !cov[j])
                        .map(|j| &ws[j])
                        .find(|w| with.contains(*w));
                    if let Some(b) = b {
                        return Some(cap(field, format!("{a} + {b}"), vec![a.clone(), b.clone()]));
                    }
                }
            }
        }
    }
    // Input properties.
    let in_context = rule.field_context.is_empty()
        || texts
            .iter()
            .any(|(_, ws, _)| ws.iter().any(|w| rule.field_context.contains(w)));
    if in_context
        && let Some((name, squashed)) = props.iter().find(|(_, s)| rule.fields.contains(s))
    {
        return Some(cap(
            &format!("inputSchema.properties.{name}"),
            (*name).to_string(),
            vec![squashed.clone()],
        ));
    }
    if !rule.field_groups.is_empty()
        && rule
            .field_groups
            .iter()
            .all(|g| props.iter().any(|(_, s)| g.contains(s)))
    {
        let names: Vec<&str> = props
            .iter()
            .filter(|(_, s)| rule.field_groups.iter().any(|g| g.contains(s)))
            .map(|(n, _)| *n)
            .collect();
        return Some(cap(
            "inputSchema.properties",
            names.join(", "),
            names.iter().map(|n| squash(n)).collect(),
        ));
    }
    None
}

pub(crate) fn effect_capability(effect: Effect) -> Capability {
    match effect {
        Effect::ReadOnly => Capability::ReadData,
        Effect::Write => Capability::WriteData,
        Effect::Destructive => Capability::Destructive,
    }
}

/// The tier for an effect and capabilities, and the rule that set it.
pub(crate) fn risk_of(
    rules: &Ruleset,
    effect: Effect,
    capabilities: &[Capability],
    keywords: &HashSet<String>,
) -> (Risk, Option<Reason>) {
    let mut risk = rules.effect_risk(effect);
    let mut why = None;
    for cap in capabilities {
        if let Some((r, id)) = rules.capability_risk(*cap, effect, keywords)
            && r > risk
        {
            risk = r;
            why = Some(Reason {
                rule: id.to_string(),
                field: "capabilities".into(),
                matched: format!("{} ({})", cap.as_str(), effect_word(effect)),
            });
        }
    }
    (risk, why)
}

pub(crate) fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::ReadOnly => "read_only",
        Effect::Write => "write",
        Effect::Destructive => "destructive",
    }
}

/// One tool, with options.
pub fn classify_tool_with(tool: &Tool, rules: &Ruleset, opts: ClassifyOptions) -> ToolClass {
    let text = ToolText::new(tool, rules);
    let mut ev = infer_effect(tool, &text, rules);
    if opts.use_annotations {
        apply_annotations(tool, rules, &mut ev);
    }

    let props: Vec<(&str, String)> = text.props.iter().map(|(n, s, _)| (*n, s.clone())).collect();
    // The title is prose: name-only keywords match the identifier alone.
    let texts: [(&str, &[String], bool); 3] = [
        ("name", &text.name, true),
        ("title", &text.title, false),
        ("description", &text.description, false),
    ];
    let mut matches = match_capabilities(rules, ev.effect, &texts, &props);

    // A tool that executes code or commands can do anything. (A code
    // property alone, as in a tool that stores a function's source, does not
    // make it so.)
    if let Some(target) = rules.code_execution_effect
        && ev.effect < target
        && let Some(m) = matches.iter().find(|m| {
            m.capability == Capability::CodeExecution && !m.reason.field.starts_with("inputSchema")
        })
    {
        ev.effect = target;
        ev.reasons.push(Reason {
            rule: "effect.code_execution".into(),
            field: m.reason.field.clone(),
            matched: m.reason.matched.clone(),
        });
        // Capabilities that need a higher effect may apply now.
        matches = match_capabilities(rules, ev.effect, &texts, &props);
    }

    let mut capabilities: BTreeSet<Capability> = BTreeSet::new();
    capabilities.insert(effect_capability(ev.effect));
    let mut keywords: HashSet<String> = text.name.iter().cloned().collect();
    let mut cap_reasons = Vec::new();
    for m in matches {
        capabilities.insert(m.capability);
        keywords.extend(m.keywords);
        cap_reasons.push(m.reason);
    }

    // What every scope the tool accepts can do (the scopes are alternatives).
    if !tool.scopes.is_empty() {
        let classes: Vec<_> = tool
            .scopes
            .iter()
            .map(|s| classify_scope_name(s, rules))
            .collect();
        let common: Vec<Capability> = classes[0]
            .capabilities
            .iter()
            .copied()
            .filter(|c| {
                !matches!(
                    c,
                    Capability::ReadData | Capability::WriteData | Capability::Destructive
                )
            })
            .filter(|c| classes.iter().all(|s| s.capabilities.contains(c)))
            .collect();
        for cap in common {
            if capabilities.insert(cap) {
                cap_reasons.push(Reason {
                    rule: format!("scope.capability.{}", cap.as_str()),
                    field: "scopes".into(),
                    matched: tool.scopes.join(" "),
                });
            }
        }
    }

    if opts.use_annotations
        && tool.annotations.open_world_hint == Some(true)
        && capabilities.insert(Capability::NetworkAccess)
    {
        cap_reasons.push(Reason {
            rule: "annotation.open_world".into(),
            field: annotation_field("openWorldHint"),
            matched: "true".into(),
        });
    }

    let capabilities: Vec<Capability> = capabilities.into_iter().collect();
    let (risk, risk_reason) = risk_of(rules, ev.effect, &capabilities, &keywords);
    let mut reasons = ev.reasons;
    reasons.extend(cap_reasons);
    reasons.extend(risk_reason);
    ToolClass {
        name: tool.name.clone(),
        effect: ev.effect,
        capabilities,
        risk,
        confidence: round2(ev.confidence),
        reasons,
    }
}

pub(crate) fn round2(x: f32) -> f32 {
    (x.clamp(0.0, 1.0) * 100.0).round() / 100.0
}
