//! How well the rules agree with publishers: over real tools that carry MCP
//! annotations, the classifier's effect against the publisher's own hints.
//!
//! The figure that matters is computed with annotations **ignored**
//! ([`ClassifyOptions::WITHOUT_ANNOTATIONS`]); otherwise the classifier would
//! be graded on echoing its input. The figure with annotations is reported
//! beside it.
//!
//! # How a publisher's hints are read
//!
//! | hints                                   | declared       | agrees with       |
//! |-----------------------------------------|----------------|-------------------|
//! | `readOnlyHint: true`                    | read-only      | read_only         |
//! | `destructiveHint: true` (not read-only) | destructive    | destructive       |
//! | `destructiveHint: false` (not read-only)| write          | write             |
//! | `readOnlyHint: false`, no destructive   | not read-only  | write, destructive|
//!
//! The MCP specification defaults `destructiveHint` to true when a tool is
//! not read-only, so the last row is "destructive" to the letter; but
//! publishers leave the hint out of plain writes (`create_branch`,
//! `star_repository`), so the row is counted as "changes something", and
//! either write or destructive agrees. Tools with neither hint are not
//! counted.
//!
//! Two figures come out: **exact** (the effect agrees as above) and the
//! **read-only boundary** (both say read-only, or both say it changes
//! something). Publishers do not agree among themselves on what is
//! destructive (`update_*` is `destructiveHint: true` for some, `false` for
//! others, and browser automation servers differ on clicking), which caps
//! any exact figure; the boundary is the decision clients act on (read-only
//! tools are often allowed without asking).
//!
//! # Figures (ruleset `steward-classifier-2026.1`)
//!
//! Over the 1016 annotated tools of `shared/corpus` (`mcp-tools/
//! live-tools-list/*.json`, 42 servers, and the 117 GitHub MCP server
//! tool snapshots). Regenerate with `cargo test -p classifier --test quality
//! -- --nocapture` or `cargo run -p classifier --example quality`.
//!
//! Without annotations (the rules alone): **read-only boundary 97.0%**
//! (986/1016, asserted ≥ 95%); exact 88.0% (894/1016, held ≥ 86%).
//!
//! ```text
//! declared \ classified       read_only      write  destructive   total
//! read_only                         497          7            1     505
//! write                               8        228           13     249
//! destructive                         3         79          122     204
//! not_read_only                      11         43            4      58
//! ```
//!
//! With annotations: boundary 99.4% (1010/1016), exact 98.1% (997/1016);
//! what remains are annotations contradicted by a strong verb (`remove`,
//! `cancel`, `reset` declared `destructiveHint: false`; `start_search`
//! declared read-only).
//!
//! Most exact misses are `destructive` declared on in-place changes that the
//! rules call `write` (`update_*`, `move_*`, `edit_*`, browser clicks and
//! typing): `update_*` tools are `destructiveHint: true` 21 times and
//! `false` 46 times in the corpus, so no verb rule can match both.
//!
//! Also checked (tests `scopes` and `quality`): OpenAPI operations with the
//! HTTP method withheld agree with it on the read-only boundary 95.7% of the
//! time (1016 operations; Slack's GET-for-writes methods count against);
//! Microsoft Graph permissions read/write from the name 413/413; Slack
//! scopes 55/55; GitHub App permission levels 110/110; Google scopes marked
//! `readonly` 134/134 read-only, and the name alone against Google's own
//! description 90.5% (525 scopes).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use domain::manifest::{Tool, ToolAnnotations};
use serde_json::Value;

use crate::classify::{ClassifyOptions, classify_tool_with};
use crate::model::{Effect, Reason};
use crate::ruleset::Ruleset;

/// What a publisher's annotations say a tool does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclaredEffect {
    ReadOnly,
    Write,
    Destructive,
    /// `readOnlyHint: false` without `destructiveHint`.
    NotReadOnly,
}

impl DeclaredEffect {
    pub const ALL: [DeclaredEffect; 4] = [
        DeclaredEffect::ReadOnly,
        DeclaredEffect::Write,
        DeclaredEffect::Destructive,
        DeclaredEffect::NotReadOnly,
    ];

    /// The publisher's declaration, if the hints say one.
    pub fn of(a: &ToolAnnotations) -> Option<Self> {
        match (a.read_only_hint, a.destructive_hint) {
            (Some(true), _) => Some(DeclaredEffect::ReadOnly),
            (_, Some(true)) => Some(DeclaredEffect::Destructive),
            (_, Some(false)) => Some(DeclaredEffect::Write),
            (Some(false), None) => Some(DeclaredEffect::NotReadOnly),
            (None, None) => None,
        }
    }

    /// Whether a classified effect agrees.
    pub fn accepts(self, e: Effect) -> bool {
        match self {
            DeclaredEffect::ReadOnly => e == Effect::ReadOnly,
            DeclaredEffect::Write => e == Effect::Write,
            DeclaredEffect::Destructive => e == Effect::Destructive,
            DeclaredEffect::NotReadOnly => e != Effect::ReadOnly,
        }
    }

    pub fn is_read_only(self) -> bool {
        self == DeclaredEffect::ReadOnly
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeclaredEffect::ReadOnly => "read_only",
            DeclaredEffect::Write => "write",
            DeclaredEffect::Destructive => "destructive",
            DeclaredEffect::NotReadOnly => "not_read_only",
        }
    }
}

/// A real tool and where it comes from (a file name, a server).
#[derive(Clone, Debug, PartialEq)]
pub struct AnnotatedTool {
    pub source: String,
    pub tool: Tool,
}

/// The tools of one corpus file that carry `readOnlyHint` or
/// `destructiveHint`: an MCP `tools/list` result (`{"tools": [...]}`, other
/// keys ignored), a bare array of tools, or one tool (a snapshot).
pub fn annotated_tools(source: &str, contents: &str) -> Result<Vec<AnnotatedTool>, String> {
    let value: Value =
        serde_json::from_str(contents).map_err(|e| format!("{source}: not JSON: {e}"))?;
    let items: Vec<Value> = match value {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("tools") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(format!("{source}: \"tools\" is not an array")),
            None if o.contains_key("name") => vec![Value::Object(o)],
            None => return Err(format!("{source}: neither a tools list nor a tool")),
        },
        _ => return Err(format!("{source}: neither a tools list nor a tool")),
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let tool: Tool =
            serde_json::from_value(item).map_err(|e| format!("{source}: tool #{i}: {e}"))?;
        if DeclaredEffect::of(&tool.annotations).is_some() {
            out.push(AnnotatedTool {
                source: source.to_string(),
                tool,
            });
        }
    }
    Ok(out)
}

/// A tool on which the classifier and the publisher differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    pub source: String,
    pub tool: String,
    pub declared: DeclaredEffect,
    pub classified: Effect,
    pub confidence: f32,
    /// The reasons for the classified effect, short.
    pub evidence: String,
    /// Why the publisher's annotation itself looks wrong, when it does.
    pub suspect: Option<String>,
}

/// Agreement over a set of tools.
#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    pub ruleset: String,
    pub use_annotations: bool,
    pub total: usize,
    /// Tools whose effect the declaration accepts.
    pub exact: usize,
    /// Tools on the same side of the read-only boundary.
    pub boundary: usize,
    /// `(declared, classified)` → count.
    pub confusion: BTreeMap<(DeclaredEffect, Effect), usize>,
    pub disagreements: Vec<Disagreement>,
}

impl Agreement {
    pub fn exact_rate(&self) -> f64 {
        rate(self.exact, self.total)
    }

    pub fn boundary_rate(&self) -> f64 {
        rate(self.boundary, self.total)
    }

    /// The confusion matrix and figures as text.
    pub fn render_matrix(&self) -> String {
        let mut s = String::new();
        let effects = [Effect::ReadOnly, Effect::Write, Effect::Destructive];
        let _ = writeln!(
            s,
            "{:<26}{:>11}{:>11}{:>13}{:>8}",
            "declared \\ classified", "read_only", "write", "destructive", "total"
        );
        for d in DeclaredEffect::ALL {
            let row: Vec<usize> = effects
                .iter()
                .map(|e| self.confusion.get(&(d, *e)).copied().unwrap_or(0))
                .collect();
            let total: usize = row.iter().sum();
            if total == 0 {
                continue;
            }
            let _ = writeln!(
                s,
                "{:<26}{:>11}{:>11}{:>13}{:>8}",
                d.as_str(),
                row[0],
                row[1],
                row[2],
                total
            );
        }
        let _ = writeln!(
            s,
            "exact agreement: {}/{} = {:.1}%; read-only boundary: {}/{} = {:.1}%",
            self.exact,
            self.total,
            100.0 * self.exact_rate(),
            self.boundary,
            self.total,
            100.0 * self.boundary_rate()
        );
        s
    }
}

fn rate(n: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 / total as f64
    }
}

fn short(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .filter(|r| !r.rule.starts_with("capability.") && !r.rule.starts_with("risk."))
        .take(3)
        .map(|r| format!("{} {}={:?}", r.rule, r.field, r.matched))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compares the classifier with the publishers' hints over `tools`.
pub fn agreement(tools: &[AnnotatedTool], rules: &Ruleset, opts: ClassifyOptions) -> Agreement {
    // A publisher that gives every tool the same hint says little per tool.
    let mut per_source: BTreeMap<&str, (usize, BTreeMap<DeclaredEffect, usize>)> = BTreeMap::new();
    for t in tools {
        if let Some(d) = DeclaredEffect::of(&t.tool.annotations) {
            let e = per_source.entry(t.source.as_str()).or_default();
            e.0 += 1;
            *e.1.entry(d).or_default() += 1;
        }
    }
    let uniform = |source: &str, d: DeclaredEffect| {
        per_source
            .get(source)
            .is_some_and(|(n, m)| *n >= 4 && m.get(&d) == Some(n))
    };

    let mut out = Agreement {
        ruleset: rules.id().to_string(),
        use_annotations: opts.use_annotations,
        total: 0,
        exact: 0,
        boundary: 0,
        confusion: BTreeMap::new(),
        disagreements: Vec::new(),
    };
    for t in tools {
        let Some(declared) = DeclaredEffect::of(&t.tool.annotations) else {
            continue;
        };
        let class = classify_tool_with(&t.tool, rules, opts);
        out.total += 1;
        *out.confusion.entry((declared, class.effect)).or_default() += 1;
        if declared.is_read_only() == (class.effect == Effect::ReadOnly) {
            out.boundary += 1;
        }
        if declared.accepts(class.effect) {
            out.exact += 1;
            continue;
        }
        // The rules' own view, for judging the annotation: the name and,
        // separately, the description must both say the other side of the
        // read-only boundary.
        let own = classify_tool_with(&t.tool, rules, ClassifyOptions::WITHOUT_ANNOTATIONS);
        let lead = own.reasons.first();
        let by_name = own.confidence >= rules.confidence.strong_evidence
            && lead.is_some_and(|r| r.field == "name" || r.field == "title");
        let text_only = Tool {
            name: String::new(),
            title: None,
            annotations: ToolAnnotations::default(),
            ..t.tool.clone()
        };
        let by_text = classify_tool_with(&text_only, rules, ClassifyOptions::WITHOUT_ANNOTATIONS);
        let text_agrees = by_text
            .reasons
            .first()
            .is_some_and(|r| r.field == "description" && r.rule.starts_with("verb."))
            && (by_text.effect == Effect::ReadOnly) == (own.effect == Effect::ReadOnly);
        let suspect = if uniform(&t.source, declared) {
            Some(format!(
                "the publisher gives every annotated tool of {} the same hint ({})",
                t.source,
                declared.as_str()
            ))
        } else if by_name
            && text_agrees
            && declared.is_read_only() != (own.effect == Effect::ReadOnly)
        {
            let r = lead.expect("strong evidence has a reason");
            let d = by_text.reasons.first().expect("checked above");
            Some(format!(
                "declared {}, but the {} says \"{}\" and the description \"{}\"",
                declared.as_str(),
                r.field,
                r.matched,
                d.matched
            ))
        } else {
            None
        };
        out.disagreements.push(Disagreement {
            source: t.source.clone(),
            tool: t.tool.name.clone(),
            declared,
            classified: class.effect,
            confidence: class.confidence,
            evidence: short(&class.reasons),
            suspect,
        });
    }
    out
}

/// The quality figures over corpus files (name, contents), as a report: the
/// confusion matrices with and without annotations, the disagreements, and
/// the annotations that look wrong. No IO: the caller reads the files.
pub fn quality_report(files: &[(String, String)], rules: &Ruleset) -> Result<String, String> {
    let mut tools = Vec::new();
    for (name, contents) in files {
        tools.extend(annotated_tools(name, contents)?);
    }
    let without = agreement(&tools, rules, ClassifyOptions::WITHOUT_ANNOTATIONS);
    let with = agreement(&tools, rules, ClassifyOptions::default());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Classifier quality, ruleset {}: {} annotated tools from {} files.",
        rules.id(),
        without.total,
        files.len()
    );
    let _ = writeln!(
        s,
        "Declared effect from MCP hints: readOnlyHint true = read_only; destructiveHint true = \
         destructive; destructiveHint false = write; readOnlyHint false alone = not_read_only \
         (write or destructive agree)."
    );
    let _ = writeln!(s, "\nWithout annotations (the rules alone):");
    s.push_str(&without.render_matrix());
    let _ = writeln!(s, "\nWith annotations:");
    s.push_str(&with.render_matrix());

    let _ = writeln!(
        s,
        "\nDisagreements without annotations ({}):",
        without.disagreements.len()
    );
    for d in &without.disagreements {
        let _ = writeln!(
            s,
            "  {} {}: declared {}, classified {} ({:.2}) — {}",
            d.source,
            d.tool,
            d.declared.as_str(),
            crate::classify::effect_word(d.classified),
            d.confidence,
            d.evidence
        );
    }
    let suspects: Vec<&Disagreement> = without
        .disagreements
        .iter()
        .filter(|d| d.suspect.is_some())
        .collect();
    let _ = writeln!(
        s,
        "\nAnnotations worth a look (name and description both say the other side of the \
         read-only boundary, or the publisher gives every tool the same hint) ({}):",
        suspects.len()
    );
    for d in suspects {
        let _ = writeln!(
            s,
            "  {} {}: {}",
            d.source,
            d.tool,
            d.suspect.as_deref().unwrap_or_default()
        );
    }
    let _ = writeln!(
        s,
        "\nDisagreements that remain with annotations ({}):",
        with.disagreements.len()
    );
    for d in &with.disagreements {
        let _ = writeln!(
            s,
            "  {} {}: declared {}, classified {} — {}",
            d.source,
            d.tool,
            d.declared.as_str(),
            crate::classify::effect_word(d.classified),
            d.evidence
        );
    }
    Ok(s)
}
