//! The rules as data: verbs, capability keywords, scope patterns, HTTP
//! methods, risk tiers and confidence weights, read from JSON
//! (`rules/ruleset.json` is embedded as the default) and checked once.
//!
//! A ruleset has a version id; every classification names the ruleset that
//! produced it, so a stored result can be told apart from one a later
//! ruleset would give.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{Capability, Effect, Risk};
use crate::text::{squash, words};

const DEFAULT_RULESET: &str = include_str!("../rules/ruleset.json");

/// The ruleset shipped with Steward (`rules/ruleset.json`), parsed once.
pub fn default_ruleset() -> &'static Ruleset {
    static RULES: OnceLock<Ruleset> = OnceLock::new();
    RULES.get_or_init(|| {
        Ruleset::from_json(DEFAULT_RULESET).expect("the embedded rules/ruleset.json is valid")
    })
}

/// How strongly a verb says what a tool does. A strong verb is almost always
/// a verb when it leads a tool name (`delete`, `list`); a weak one is often a
/// noun (`commit`, `log`, `snapshot`) and only decides when nothing stronger
/// does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strength {
    Strong,
    Weak,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Verb {
    pub effect: Effect,
    pub strength: Strength,
}

/// A verb found in a word, with the dictionary form that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VerbMatch {
    pub verb: Verb,
    pub base: String,
}

/// Capability keywords for tools.
#[derive(Clone, Debug)]
pub(crate) struct CapabilityRule {
    pub id: String,
    pub capability: Capability,
    /// The least effect a tool must have for the rule to apply (sending
    /// needs a write).
    pub min_effect: Option<Effect>,
    /// Words that say it anywhere (name, title, description).
    pub words: HashSet<String>,
    /// Words that say it only in the name or title (too common in prose).
    pub name_words: HashSet<String>,
    /// Both one of `any` and one of `with` must occur.
    pub pairs: Vec<(HashSet<String>, HashSet<String>)>,
    pub phrases: Vec<Vec<String>>,
    /// Input property names, squashed (`file_path` → `filepath`).
    pub fields: HashSet<String>,
    /// Every group must have one property present.
    pub field_groups: Vec<HashSet<String>>,
    /// Word sequences inside which a word does not count (`sort order`).
    pub exclude_phrases: Vec<Vec<String>>,
    /// When set, a property alone counts only if one of these words is in
    /// the name, title or description (a `path` is a file path only where
    /// files are spoken of).
    pub field_context: HashSet<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct ScopeRule {
    pub id: String,
    /// Exact scope names (compared case-sensitively after the prefix is
    /// stripped, and as given).
    pub names: HashSet<String>,
    pub effect: Effect,
    pub capabilities: Vec<Capability>,
}

#[derive(Clone, Debug)]
pub(crate) struct ScopeCapability {
    pub capability: Capability,
    pub min_effect: Option<Effect>,
    pub words: HashSet<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct ScopeRules {
    pub strip_prefixes: Vec<String>,
    pub full_access_prefixes: Vec<String>,
    pub rules: Vec<ScopeRule>,
    pub read_markers: HashSet<String>,
    pub write_markers: HashSet<String>,
    pub destructive_markers: HashSet<String>,
    pub read_overrides: HashSet<String>,
    pub default_effect: Effect,
    pub capabilities: Vec<ScopeCapability>,
}

#[derive(Clone, Debug)]
pub(crate) struct RiskRule {
    pub id: String,
    pub capability: Capability,
    pub min_effect: Option<Effect>,
    pub keywords_any: HashSet<String>,
    pub risk: Risk,
}

/// Confidence weights, each in [0, 1].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Confidence {
    pub name_verb: f32,
    pub title_verb: f32,
    pub description_verb: f32,
    pub name_weak_verb: f32,
    pub description_weak_verb: f32,
    pub action_values: f32,
    pub operation: f32,
    pub default: f32,
    pub corroboration: f32,
    pub annotation_agrees: f32,
    pub annotation_adopted: f32,
    pub annotation_contradicted: f32,
    pub scope_rule: f32,
    pub scope_marker: f32,
    pub scope_description: f32,
    pub scope_full_access: f32,
    pub scope_default: f32,
    /// Evidence at least this sure is not overridden by an annotation that
    /// lowers the effect.
    pub strong_evidence: f32,
    /// The most the rules alone claim, however much evidence agrees.
    pub max_inferred: f32,
}

/// A versioned set of classification rules.
#[derive(Clone, Debug)]
pub struct Ruleset {
    id: String,
    description: String,
    pub(crate) verbs: HashMap<String, Verb>,
    pub(crate) ing_exceptions: HashSet<String>,
    pub(crate) destructive_phrases: Vec<Vec<String>>,
    /// Phrases in which a destructive verb is not one ("drag and drop").
    pub(crate) benign_phrases: Vec<Vec<String>>,
    pub(crate) read_only_phrases: Vec<Vec<String>>,
    pub(crate) negations: HashSet<String>,
    pub(crate) action_fields: HashSet<String>,
    pub(crate) destructive_field_verbs: HashSet<String>,
    pub(crate) http_methods: HashMap<String, Effect>,
    pub(crate) default_effect: Effect,
    pub(crate) description_sentences: usize,
    pub(crate) code_execution_effect: Option<Effect>,
    pub(crate) shell_words: HashSet<String>,
    pub(crate) capabilities: Vec<CapabilityRule>,
    pub(crate) scopes: ScopeRules,
    pub(crate) risk_by_effect: BTreeMap<Effect, Risk>,
    pub(crate) risk_rules: Vec<RiskRule>,
    pub(crate) confidence: Confidence,
}

// ---- the JSON shape -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    #[serde(default)]
    description: String,
    effect: EffectFile,
    capabilities: Vec<CapabilityFile>,
    scopes: ScopesFile,
    risk: RiskFile,
    confidence: Confidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EffectFile {
    verbs: BTreeMap<Effect, VerbListsFile>,
    #[serde(default)]
    ing_exceptions: Vec<String>,
    #[serde(default)]
    destructive_phrases: Vec<String>,
    #[serde(default)]
    benign_phrases: Vec<String>,
    #[serde(default)]
    read_only_phrases: Vec<String>,
    #[serde(default)]
    negations: Vec<String>,
    #[serde(default)]
    action_fields: Vec<String>,
    #[serde(default)]
    destructive_field_verbs: Vec<String>,
    http_methods: BTreeMap<String, Effect>,
    default_effect: Effect,
    description_sentences: usize,
    #[serde(default)]
    code_execution_effect: Option<Effect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerbListsFile {
    strong: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CapabilityFile {
    id: String,
    capability: Capability,
    #[serde(default)]
    min_effect: Option<Effect>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    name_words: Vec<String>,
    #[serde(default)]
    pairs: Vec<PairFile>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    field_groups: Vec<Vec<String>>,
    #[serde(default)]
    exclude_phrases: Vec<String>,
    #[serde(default)]
    shell_words: Vec<String>,
    #[serde(default)]
    field_context: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairFile {
    any: Vec<String>,
    with: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesFile {
    #[serde(default)]
    strip_prefixes: Vec<String>,
    #[serde(default)]
    full_access_prefixes: Vec<String>,
    rules: Vec<ScopeRuleFile>,
    read_markers: Vec<String>,
    write_markers: Vec<String>,
    destructive_markers: Vec<String>,
    #[serde(default)]
    read_overrides: Vec<String>,
    default_effect: Effect,
    capabilities: Vec<ScopeCapabilityFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeRuleFile {
    id: String,
    names: Vec<String>,
    effect: Effect,
    capabilities: Vec<Capability>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeCapabilityFile {
    capability: Capability,
    #[serde(default)]
    min_effect: Option<Effect>,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskFile {
    by_effect: BTreeMap<Effect, Risk>,
    rules: Vec<RiskRuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskRuleFile {
    id: String,
    capability: Capability,
    #[serde(default)]
    min_effect: Option<Effect>,
    #[serde(default)]
    keywords_any: Vec<String>,
    risk: Risk,
}

fn lower_set(v: Vec<String>) -> HashSet<String> {
    v.into_iter().map(|s| s.to_lowercase()).collect()
}

fn phrase_list(v: Vec<String>) -> Vec<Vec<String>> {
    v.iter()
        .map(|p| words(p))
        .filter(|p| !p.is_empty())
        .collect()
}

impl Ruleset {
    /// Reads and checks a ruleset. Errors say what is wrong, in words.
    pub fn from_json(json: &str) -> Result<Ruleset, String> {
        let file: File =
            serde_json::from_str(json).map_err(|e| format!("the ruleset is not valid: {e}"))?;
        if file.id.trim().is_empty() {
            return Err("the ruleset has no id".into());
        }

        let mut verbs = HashMap::new();
        for (effect, lists) in file.effect.verbs {
            for (strength, list) in [
                (Strength::Strong, lists.strong),
                (Strength::Weak, lists.weak),
            ] {
                for word in list {
                    let word = word.to_lowercase();
                    if word.is_empty() || word.contains(|c: char| !c.is_alphanumeric()) {
                        return Err(format!("verb {word:?} must be one lower-case word"));
                    }
                    let verb = Verb { effect, strength };
                    if let Some(prev) = verbs.insert(word.clone(), verb)
                        && prev != verb
                    {
                        return Err(format!(
                            "verb {word:?} is listed twice with different meanings"
                        ));
                    }
                }
            }
        }
        if verbs.is_empty() {
            return Err("the ruleset lists no verbs".into());
        }

        let mut http_methods = HashMap::new();
        for (method, effect) in file.effect.http_methods {
            http_methods.insert(method.to_ascii_uppercase(), effect);
        }
        if file.effect.description_sentences == 0 {
            return Err("effect.description_sentences must be at least 1".into());
        }

        let mut shell_words = HashSet::new();
        let mut capabilities = Vec::new();
        for c in file.capabilities {
            shell_words.extend(lower_set(c.shell_words));
            capabilities.push(CapabilityRule {
                id: c.id,
                capability: c.capability,
                min_effect: c.min_effect,
                words: lower_set(c.words),
                name_words: lower_set(c.name_words),
                pairs: c
                    .pairs
                    .into_iter()
                    .map(|p| (lower_set(p.any), lower_set(p.with)))
                    .collect(),
                phrases: phrase_list(c.phrases),
                fields: c.fields.iter().map(|f| squash(f)).collect(),
                field_groups: c
                    .field_groups
                    .into_iter()
                    .map(|g| g.iter().map(|f| squash(f)).collect())
                    .collect(),
                exclude_phrases: phrase_list(c.exclude_phrases),
                field_context: lower_set(c.field_context),
            });
        }

        let s = file.scopes;
        let scopes = ScopeRules {
            strip_prefixes: s.strip_prefixes,
            full_access_prefixes: s.full_access_prefixes,
            rules: s
                .rules
                .into_iter()
                .map(|r| ScopeRule {
                    id: r.id,
                    names: r.names.into_iter().collect(),
                    effect: r.effect,
                    capabilities: r.capabilities,
                })
                .collect(),
            read_markers: lower_set(s.read_markers),
            write_markers: lower_set(s.write_markers),
            destructive_markers: lower_set(s.destructive_markers),
            read_overrides: lower_set(s.read_overrides),
            default_effect: s.default_effect,
            capabilities: s
                .capabilities
                .into_iter()
                .map(|c| ScopeCapability {
                    capability: c.capability,
                    min_effect: c.min_effect,
                    words: lower_set(c.words),
                })
                .collect(),
        };

        for effect in [Effect::ReadOnly, Effect::Write, Effect::Destructive] {
            if !file.risk.by_effect.contains_key(&effect) {
                return Err(format!("risk.by_effect has no tier for {effect:?}"));
            }
        }
        let risk_rules = file
            .risk
            .rules
            .into_iter()
            .map(|r| RiskRule {
                id: r.id,
                capability: r.capability,
                min_effect: r.min_effect,
                keywords_any: lower_set(r.keywords_any),
                risk: r.risk,
            })
            .collect();

        let c = &file.confidence;
        for (name, v) in [
            ("name_verb", c.name_verb),
            ("title_verb", c.title_verb),
            ("description_verb", c.description_verb),
            ("name_weak_verb", c.name_weak_verb),
            ("description_weak_verb", c.description_weak_verb),
            ("action_values", c.action_values),
            ("operation", c.operation),
            ("default", c.default),
            ("corroboration", c.corroboration),
            ("annotation_agrees", c.annotation_agrees),
            ("annotation_adopted", c.annotation_adopted),
            ("annotation_contradicted", c.annotation_contradicted),
            ("scope_rule", c.scope_rule),
            ("scope_marker", c.scope_marker),
            ("scope_description", c.scope_description),
            ("scope_full_access", c.scope_full_access),
            ("scope_default", c.scope_default),
            ("strong_evidence", c.strong_evidence),
            ("max_inferred", c.max_inferred),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("confidence.{name} must be in [0, 1], not {v}"));
            }
        }

        Ok(Ruleset {
            id: file.id,
            description: file.description,
            verbs,
            ing_exceptions: lower_set(file.effect.ing_exceptions),
            destructive_phrases: phrase_list(file.effect.destructive_phrases),
            benign_phrases: phrase_list(file.effect.benign_phrases),
            read_only_phrases: phrase_list(file.effect.read_only_phrases),
            negations: lower_set(file.effect.negations),
            action_fields: file
                .effect
                .action_fields
                .iter()
                .map(|f| squash(f))
                .collect(),
            destructive_field_verbs: file
                .effect
                .destructive_field_verbs
                .iter()
                .map(|f| squash(f))
                .collect(),
            http_methods,
            default_effect: file.effect.default_effect,
            description_sentences: file.effect.description_sentences,
            code_execution_effect: file.effect.code_execution_effect,
            shell_words,
            capabilities,
            scopes,
            risk_by_effect: file.risk.by_effect,
            risk_rules,
            confidence: file.confidence,
        })
    }

    /// The version id every result carries, e.g. `steward-classifier-2026.1`.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// The verb a word is in its plain form only (`delete`, not `deletes`).
    pub(crate) fn base_verb(&self, word: &str) -> Option<VerbMatch> {
        self.verbs.get(word).map(|v| VerbMatch {
            verb: *v,
            base: word.to_string(),
        })
    }

    /// The verb a word is, trying its plain forms: `deletes` → `delete`,
    /// `copies` → `copy`; with `gerunds`, also `deleting` → `delete`,
    /// `running` → `run` (not for the listed nouns such as `setting`).
    pub(crate) fn verb(&self, word: &str, gerunds: bool) -> Option<VerbMatch> {
        let hit = |w: &str| {
            self.verbs.get(w).map(|v| VerbMatch {
                verb: *v,
                base: w.to_string(),
            })
        };
        if let Some(m) = hit(word) {
            return Some(m);
        }
        if let Some(stem) = word.strip_suffix("ies")
            && let Some(m) = hit(&format!("{stem}y"))
        {
            return Some(m);
        }
        if let Some(stem) = word.strip_suffix('s')
            && stem.len() >= 2
            && !stem.ends_with('s')
            && let Some(m) = hit(stem)
        {
            return Some(m);
        }
        if let Some(stem) = word.strip_suffix("es")
            && stem.len() >= 2
            && let Some(m) = hit(stem)
        {
            return Some(m);
        }
        if gerunds
            && !self.ing_exceptions.contains(word)
            && let Some(stem) = word.strip_suffix("ing")
            && stem.len() >= 2
        {
            let mut candidates = vec![stem.to_string(), format!("{stem}e")];
            // A doubled last letter: running → run, cancelling → cancel.
            let mut last = stem.chars().rev();
            if let (Some(a), Some(b)) = (last.next(), last.next())
                && a == b
            {
                candidates.push(stem[..stem.len() - a.len_utf8()].to_string());
            }
            for c in candidates {
                if let Some(m) = hit(&c) {
                    return Some(m);
                }
            }
        }
        None
    }

    /// The tier a capability alone implies for a given effect and set of
    /// matched keywords, and the rule that says so.
    pub(crate) fn capability_risk(
        &self,
        capability: Capability,
        effect: Effect,
        keywords: &HashSet<String>,
    ) -> Option<(Risk, &str)> {
        self.risk_rules
            .iter()
            .filter(|r| r.capability == capability)
            .filter(|r| r.min_effect.is_none_or(|m| effect >= m))
            .filter(|r| {
                r.keywords_any.is_empty() || r.keywords_any.iter().any(|k| keywords.contains(k))
            })
            .map(|r| (r.risk, r.id.as_str()))
            .max_by_key(|(risk, _)| *risk)
    }

    pub(crate) fn effect_risk(&self, effect: Effect) -> Risk {
        self.risk_by_effect
            .get(&effect)
            .copied()
            .unwrap_or(Risk::Medium)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_ruleset_parses_and_is_named() {
        let r = default_ruleset();
        assert!(r.id().starts_with("steward-classifier-"));
        assert!(std::ptr::eq(r, default_ruleset()), "parsed once");
    }

    #[test]
    fn verbs_are_found_in_their_inflections() {
        let r = default_ruleset();
        let effect = |w: &str, g: bool| r.verb(w, g).map(|m| m.verb.effect);
        assert_eq!(effect("deletes", false), Some(Effect::Destructive));
        assert_eq!(effect("retrieves", false), Some(Effect::ReadOnly));
        assert_eq!(effect("searches", false), Some(Effect::ReadOnly));
        assert_eq!(effect("copies", false), Some(Effect::Write));
        assert_eq!(effect("deleting", false), None);
        assert_eq!(effect("deleting", true), Some(Effect::Destructive));
        assert_eq!(effect("cancelling", true), Some(Effect::Destructive));
        assert_eq!(effect("running", true), Some(Effect::Write));
        assert_eq!(effect("settings", true), None, "a noun, not `set`");
        assert_eq!(effect("process", false), None);
        assert_eq!(effect("undeleted", true), None);
        // Not a panic on multi-byte letters.
        assert_eq!(effect("\u{1041}\u{1041}ing", true), None);
        assert_eq!(effect("ééing", true), None);
    }

    #[test]
    fn bad_rulesets_are_refused_with_a_reason() {
        assert!(Ruleset::from_json("{").unwrap_err().contains("not valid"));
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_RULESET).unwrap();
        v["id"] = "".into();
        assert!(
            Ruleset::from_json(&v.to_string())
                .unwrap_err()
                .contains("no id")
        );
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_RULESET).unwrap();
        v["confidence"]["default"] = 1.5.into();
        assert!(
            Ruleset::from_json(&v.to_string())
                .unwrap_err()
                .contains("confidence.default")
        );
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_RULESET).unwrap();
        v["effect"]["verbs"]["read_only"]["strong"]
            .as_array_mut()
            .unwrap()
            .push("delete".into());
        assert!(
            Ruleset::from_json(&v.to_string())
                .unwrap_err()
                .contains("twice")
        );
    }
}
