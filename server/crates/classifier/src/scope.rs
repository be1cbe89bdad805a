//! Permission scopes (OAuth scopes, API permissions), classified.
//!
//! A scope is a grant: its effect is the most it allows. In order:
//!
//! 1. a named rule of the ruleset (`https://mail.google.com/`, GitHub
//!    `repo`, `delete_repo`, `admin:org`, Slack `chat:write`...);
//! 2. the scope's own words: `readonly`/`ReadBasic` make it read-only;
//!    otherwise destructive markers (`delete`, `full`, `FullControl`,
//!    `admin` unless the scope also says read or write), write markers
//!    (`write`, `ReadWrite`, `send`, `manage`, `compose`...), read markers
//!    (`read`, `view`, `history`...), highest wins;
//! 3. the scope's description, when declared ("See, edit, create, and
//!    delete all of your Google Drive files" → destructive), raising 2 or
//!    standing in for it;
//! 4. a Google scope with no qualifier (`calendar`, `youtube`) is full
//!    access (destructive); anything else unknown is `write` at low
//!    confidence.
//!
//! Capabilities come from the scope's words (`mail` → personal data, and
//! external communication when it can write; `users`, `roles`, `directory`
//! → identity; `keys`, `secrets` → credentials...) and from the description
//! by the tool rules.

use std::collections::{BTreeSet, HashSet};

use domain::manifest::PermissionScope;

use crate::classify::{effect_capability, match_capabilities, risk_of, round2};
use crate::model::{Capability, Effect, Reason, ScopeClass};
use crate::ruleset::{Ruleset, Strength};
use crate::text::{sentences, words};

/// A bare scope string, e.g. `https://www.googleapis.com/auth/gmail.send`,
/// `chat:write`, `User.ReadWrite.All`.
pub fn classify_scope_name(name: &str, rules: &Ruleset) -> ScopeClass {
    classify(name, None, rules)
}

/// A declared scope; its description, when given, is evidence too.
pub fn classify_scope(scope: &PermissionScope, rules: &Ruleset) -> ScopeClass {
    classify(&scope.name, scope.description.as_deref(), rules)
}

fn classify(name: &str, description: Option<&str>, rules: &Ruleset) -> ScopeClass {
    let s = &rules.scopes;
    let c = &rules.confidence;
    let raw = name.trim();
    let stripped = s
        .strip_prefixes
        .iter()
        .find_map(|p| raw.strip_prefix(p.as_str()))
        .unwrap_or(raw);
    let full_access_family = s
        .full_access_prefixes
        .iter()
        .any(|p| raw.starts_with(p.as_str()) && raw.len() > p.len());
    let toks = words(stripped);
    let mut reasons = Vec::new();
    let mut caps: BTreeSet<Capability> = BTreeSet::new();
    let mut keywords: HashSet<String> = toks.iter().cloned().collect();

    let desc_sentences: Vec<Vec<String>> = description
        .map(|d| {
            sentences(d)
                .into_iter()
                .map(|s| {
                    s.iter()
                        .filter_map(|t| t.word().map(str::to_string))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    let desc_words: Vec<String> = desc_sentences.concat();
    let desc_effect = description_effect(rules, &desc_sentences);

    let rule = s
        .rules
        .iter()
        .find(|r| r.names.contains(raw) || r.names.contains(stripped));
    let (effect, confidence) = if let Some(rule) = rule {
        reasons.push(Reason {
            rule: rule.id.clone(),
            field: "scope".into(),
            matched: raw.to_string(),
        });
        caps.extend(rule.capabilities.iter().copied());
        (rule.effect, c.scope_rule)
    } else {
        let markers = marker_effect(rules, stripped);
        match (markers, &desc_effect) {
            (Some((e, m, explicit)), desc) => {
                reasons.push(Reason {
                    rule: format!("scope.marker.{m}"),
                    field: "scope".into(),
                    matched: m.clone(),
                });
                match desc {
                    // An explicit action (`Read`, `ReadWrite`) is only
                    // raised by a description that deletes.
                    Some((d, w))
                        if *d > e
                            && (!explicit || (e == Effect::Write && *d == Effect::Destructive)) =>
                    {
                        reasons.push(Reason {
                            rule: format!("verb.{w}"),
                            field: "description".into(),
                            matched: w.clone(),
                        });
                        (*d, c.scope_description)
                    }
                    _ => (e, c.scope_marker),
                }
            }
            (None, Some((d, w))) => {
                reasons.push(Reason {
                    rule: format!("verb.{w}"),
                    field: "description".into(),
                    matched: w.clone(),
                });
                (*d, c.scope_description)
            }
            (None, None) if full_access_family => {
                reasons.push(Reason {
                    rule: "scope.full_access".into(),
                    field: "scope".into(),
                    matched: format!("{stripped} (no read-only or narrower qualifier)"),
                });
                (Effect::Destructive, c.scope_full_access)
            }
            (None, None) => {
                reasons.push(Reason {
                    rule: "default.effect".into(),
                    field: "scope".into(),
                    matched: "no marker in the scope or its description".into(),
                });
                (s.default_effect, c.scope_default)
            }
        }
    };

    // Capabilities from the scope's words.
    for sc in &s.capabilities {
        if sc.min_effect.is_some_and(|m| effect < m) {
            continue;
        }
        if let Some(w) = toks.iter().find(|w| sc.words.contains(*w))
            && caps.insert(sc.capability)
        {
            reasons.push(Reason {
                rule: format!("scope.capability.{}", sc.capability.as_str()),
                field: "scope".into(),
                matched: w.clone(),
            });
        }
    }
    // And from the description, by the tool rules.
    if !desc_words.is_empty() {
        for m in match_capabilities(rules, effect, &[("description", &desc_words, false)], &[]) {
            keywords.extend(m.keywords);
            if caps.insert(m.capability) {
                reasons.push(m.reason);
            }
        }
    }
    caps.insert(effect_capability(effect));
    let capabilities: Vec<Capability> = caps.into_iter().collect();
    let (risk, why) = risk_of(rules, effect, &capabilities, &keywords);
    reasons.extend(why);
    ScopeClass {
        name: raw.to_string(),
        effect,
        capabilities,
        risk,
        confidence: round2(confidence),
        reasons,
    }
}

/// The effect the scope's own words say, the marker that decided, and
/// whether the scope states its action explicitly (an action segment or a
/// read-only marker).
///
/// A scope is made of segments (`User.ReadWrite.All`, `admin.users:write`,
/// `read:org`, `calendar.events.readonly`). A segment made only of markers
/// (`ReadWrite`, `write`, `read`, `readonly`) is the scope's action: when
/// there is one, only action segments count, so the resource's own name
/// (`ChannelSettings.Read.All`, `Owner.Read.Group`) does not.
fn marker_effect(rules: &Ruleset, stripped: &str) -> Option<(Effect, String, bool)> {
    let s = &rules.scopes;
    let is_marker = |w: &str| {
        s.read_markers.contains(w)
            || s.write_markers.contains(w)
            || s.destructive_markers.contains(w)
            || s.read_overrides.contains(w)
    };
    let segments: Vec<Vec<String>> = stripped
        .split(['.', ':', '/'])
        .map(words)
        .filter(|w| !w.is_empty())
        .collect();
    let action: Vec<&Vec<String>> = segments
        .iter()
        .filter(|seg| is_marker(&seg.concat()))
        .collect();
    let explicit = !action.is_empty();
    let chosen: Vec<&Vec<String>> = if action.is_empty() {
        segments.iter().collect()
    } else {
        action
    };
    // Words and adjacent pairs joined: read+write → readwrite,
    // read+only → readonly, full+control → fullcontrol.
    let mut all: Vec<String> = Vec::new();
    for seg in &chosen {
        all.extend(seg.iter().cloned());
        all.extend(seg.windows(2).map(|w| format!("{}{}", w[0], w[1])));
        if seg.len() > 2 {
            all.push(seg.concat());
        }
    }
    let admin = segments.iter().flatten().any(|w| w == "admin");
    if let Some(m) = all.iter().find(|w| s.read_overrides.contains(*w)) {
        return Some((Effect::ReadOnly, m.clone(), true));
    }
    let find = |set: &HashSet<String>, skip: &str| {
        all.iter()
            .rev()
            .find(|w| set.contains(*w) && w.as_str() != skip)
            .cloned()
    };
    let destructive = find(&s.destructive_markers, "admin");
    let write = find(&s.write_markers, "");
    let read = find(&s.read_markers, "");
    if let Some(m) = destructive {
        return Some((Effect::Destructive, m, explicit));
    }
    if let Some(m) = write {
        if admin {
            return Some((Effect::Destructive, format!("admin+{m}"), explicit));
        }
        return Some((Effect::Write, m, explicit));
    }
    if let Some(m) = read {
        return Some((Effect::ReadOnly, m, explicit));
    }
    if admin {
        return Some((Effect::Destructive, "admin".into(), explicit));
    }
    None
}

/// The highest effect any verb of a scope description names.
fn description_effect(rules: &Ruleset, desc: &[Vec<String>]) -> Option<(Effect, String)> {
    let mut best: Option<(Effect, String)> = None;
    // A sentence that says what the scope does not allow is skipped.
    let affirmative: Vec<&Vec<String>> = desc
        .iter()
        .filter(|s| !s.iter().any(|w| rules.negations.contains(w)))
        .collect();
    for w in affirmative.iter().copied().flatten() {
        if let Some(m) = rules.verb(w, true)
            && m.verb.strength == Strength::Strong
            && best.as_ref().is_none_or(|(e, _)| m.verb.effect > *e)
        {
            best = Some((m.verb.effect, m.base));
        }
    }
    if best.as_ref().is_none_or(|(e, _)| *e < Effect::Destructive)
        && rules.destructive_phrases.iter().any(|p| {
            affirmative
                .iter()
                .any(|s| !crate::text::find_phrase(s, p).is_empty())
        })
    {
        best = Some((Effect::Destructive, "permanently".into()));
    }
    best
}
