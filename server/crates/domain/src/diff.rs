//! What changed between two versions of a listing: tools added, removed or
//! changed (description text, input schema, annotations, scopes), access widened
//! or narrowed (scopes, egress, secrets, capabilities) and price changes. The
//! publisher portal shows it before submitting; reviewers see it next to a
//! resubmission. Every list is sorted, so the same two versions always give the
//! same diff, and every type serializes so the diff can travel to the UI.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::manifest::{Manifest, Tool};
use crate::pricing::PricePlan;

/// At most this many schema changes are reported per tool.
pub const MAX_SCHEMA_CHANGES: usize = 50;
/// Schemas are compared at most this deep; below, a difference is one `Changed`.
pub const MAX_SCHEMA_DEPTH: usize = 16;
/// Texts with more differing tokens (words and whitespace runs, after the common
/// start and end are set aside) are shown as one replacement.
pub const MAX_TEXT_TOKENS: usize = 50_000;
/// Texts needing more token insertions and deletions than this are shown as one
/// replacement (bounds the diff's time and memory).
pub const MAX_TEXT_EDITS: usize = 1_000;

/// One side of a comparison: a version's manifest, price plans and the egress
/// hosts and capabilities the publisher declared in the form. Input only, so it
/// borrows and does not deserialize.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VersionSide<'a> {
    pub manifest: &'a Manifest,
    pub plans: &'a [PricePlan],
    pub declared_egress: &'a [String],
    pub declared_capabilities: &'a [String],
}

/// What changed from one version to the next.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionDiff {
    pub tools_added: Vec<ToolSummary>,
    pub tools_removed: Vec<ToolSummary>,
    /// Only tools whose content changed, sorted by name.
    pub tools_changed: Vec<ToolChange>,
    /// Scopes asked for now and not before (manifest scopes and all tools' scopes).
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// Hosts reached now and not before (manifest egress and declared egress).
    pub egress_added: Vec<String>,
    pub egress_removed: Vec<String>,
    /// Secret inputs by name.
    pub secrets_added: Vec<String>,
    pub secrets_removed: Vec<String>,
    pub capabilities_added: Vec<String>,
    pub capabilities_removed: Vec<String>,
    /// Packages as `registry:identifier@version`; a new version is one removed
    /// and one added.
    pub packages_added: Vec<String>,
    pub packages_removed: Vec<String>,
    /// Remote endpoints as `transport url`.
    pub remotes_added: Vec<String>,
    pub remotes_removed: Vec<String>,
    /// By plan name; a renamed plan is one removed and one added.
    pub price_changes: Vec<PriceChange>,
}

impl VersionDiff {
    /// Nothing changed that this diff looks at.
    pub fn is_empty(&self) -> bool {
        self.tools_added.is_empty()
            && self.tools_removed.is_empty()
            && self.tools_changed.is_empty()
            && self.scopes_added.is_empty()
            && self.scopes_removed.is_empty()
            && self.egress_added.is_empty()
            && self.egress_removed.is_empty()
            && self.secrets_added.is_empty()
            && self.secrets_removed.is_empty()
            && self.capabilities_added.is_empty()
            && self.capabilities_removed.is_empty()
            && self.packages_added.is_empty()
            && self.packages_removed.is_empty()
            && self.remotes_added.is_empty()
            && self.remotes_removed.is_empty()
            && self.price_changes.is_empty()
    }

    /// The new version can do more than the old: a tool, scope, egress host,
    /// secret or capability was added, a tool gained a scope, became destructive
    /// or is no longer read-only.
    pub fn widens_access(&self) -> bool {
        !self.tools_added.is_empty()
            || !self.scopes_added.is_empty()
            || !self.egress_added.is_empty()
            || !self.secrets_added.is_empty()
            || !self.capabilities_added.is_empty()
            || self
                .tools_changed
                .iter()
                .any(|t| t.became_destructive || t.lost_read_only || !t.scopes_added.is_empty())
    }
}

/// A tool added or removed, as a list row shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolSummary {
    pub name: String,
    /// The tool's title, or its annotations' title.
    pub title: Option<String>,
    /// [`Tool::declared_hints`], e.g. `["destructive"]`.
    pub hints: Vec<String>,
    /// Sorted, unique.
    pub scopes: Vec<String>,
}

impl ToolSummary {
    fn of(tool: &Tool) -> Self {
        ToolSummary {
            name: tool.name.clone(),
            title: display_title(tool),
            hints: tool
                .declared_hints()
                .into_iter()
                .map(String::from)
                .collect(),
            scopes: set(tool.scopes.iter().cloned()).into_iter().collect(),
        }
    }
}

/// How one tool present in both versions changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolChange {
    pub name: String,
    /// The description as a word diff; one `Same` span when it did not change.
    pub description: Vec<TextSpan>,
    pub description_changed: bool,
    /// `(before, after)` of the displayed title when it changed.
    pub title: Option<(Option<String>, Option<String>)>,
    /// `(before, after)` of the source operation (e.g. `POST /v1/charges`) when
    /// it changed.
    pub operation: Option<(Option<String>, Option<String>)>,
    /// Input schema changes, sorted by pointer, at most [`MAX_SCHEMA_CHANGES`].
    pub schema: Vec<SchemaChange>,
    /// More schema changes were found than are listed.
    pub schema_truncated: bool,
    /// Sorted by hint name.
    pub annotations: Vec<AnnotationChange>,
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// Now declared destructive (and not read-only); was not before.
    pub became_destructive: bool,
    /// Was declared read-only; no longer is.
    pub lost_read_only: bool,
}

/// A piece of a text diff. Concatenating `Same` and `Added` spans in order gives
/// the new text; `Same` and `Removed` the old. Adjacent spans differ in kind;
/// in a change, `Removed` comes before `Added`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSpan {
    Same(String),
    Added(String),
    Removed(String),
}

impl TextSpan {
    pub fn text(&self) -> &str {
        match self {
            TextSpan::Same(s) | TextSpan::Added(s) | TextSpan::Removed(s) => s,
        }
    }
}

/// One change in a tool's input schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemaChange {
    /// JSON pointer into the schema. A property's addition, removal or
    /// requiredness is reported at the property (`/properties/path`); a keyword's
    /// change at the keyword (`/properties/path/type`, `/properties/mode/enum`).
    pub pointer: String,
    pub kind: SchemaChangeKind,
    /// The value at `pointer` before and after; `None` when absent. Both `None`
    /// for requiredness changes.
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaChangeKind {
    PropertyAdded,
    PropertyRemoved,
    BecameRequired,
    NoLongerRequired,
    TypeChanged,
    /// Any other keyword's value changed, e.g. `enum`, `description`, `default`.
    Changed,
}

/// A declared MCP annotation hint that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnotationChange {
    /// `readOnlyHint`, `destructiveHint`, `idempotentHint` or `openWorldHint`.
    pub hint: String,
    pub before: Option<bool>,
    pub after: Option<bool>,
}

/// A price plan added, removed or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceChange {
    pub plan: String,
    pub kind: PriceChangeKind,
    /// [`PricePlan::describe`] before and after.
    pub before: Option<String>,
    pub after: Option<String>,
    /// For `Changed`: which of `amount`, `currency`, `kind`, `period`, `meter`,
    /// `trial_days` changed, in that order.
    pub fields: Vec<String>,
    /// When the amount changed in the same currency and plan kind: whether it went up.
    pub increase: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceChangeKind {
    Added,
    Removed,
    Changed,
}

/// Compares two versions of a listing.
pub fn diff_versions(old: VersionSide, new: VersionSide) -> VersionDiff {
    let mut diff = VersionDiff::default();

    let old_tools = tools_by_name(old.manifest);
    let new_tools = tools_by_name(new.manifest);
    for (name, tool) in &new_tools {
        match old_tools.get(name) {
            None => diff.tools_added.push(ToolSummary::of(tool)),
            Some(before) => {
                if let Some(change) = diff_tool(before, tool) {
                    diff.tools_changed.push(change);
                }
            }
        }
    }
    for (name, tool) in &old_tools {
        if !new_tools.contains_key(name) {
            diff.tools_removed.push(ToolSummary::of(tool));
        }
    }

    (diff.scopes_added, diff.scopes_removed) = added_removed(&all_scopes(old), &all_scopes(new));
    (diff.egress_added, diff.egress_removed) = added_removed(&egress(old), &egress(new));
    (diff.secrets_added, diff.secrets_removed) = added_removed(
        &set(old.manifest.secret_inputs.iter().map(|s| s.name.clone())),
        &set(new.manifest.secret_inputs.iter().map(|s| s.name.clone())),
    );
    (diff.capabilities_added, diff.capabilities_removed) = added_removed(
        &set(old.declared_capabilities.iter().cloned()),
        &set(new.declared_capabilities.iter().cloned()),
    );
    (diff.packages_added, diff.packages_removed) =
        added_removed(&packages(old.manifest), &packages(new.manifest));
    (diff.remotes_added, diff.remotes_removed) =
        added_removed(&remotes(old.manifest), &remotes(new.manifest));
    diff.price_changes = diff_plans(old.plans, new.plans);
    diff
}

// ---------------------------------------------------------------------------
// Sets

fn set(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

/// `(in new only, in old only)`, each sorted.
fn added_removed(old: &BTreeSet<String>, new: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        new.difference(old).cloned().collect(),
        old.difference(new).cloned().collect(),
    )
}

fn all_scopes(side: VersionSide) -> BTreeSet<String> {
    let m = side.manifest;
    set(m
        .scopes
        .iter()
        .map(|s| s.name.clone())
        .chain(m.tools.iter().flat_map(|t| t.scopes.iter().cloned())))
}

fn egress(side: VersionSide) -> BTreeSet<String> {
    side.manifest
        .egress_hosts
        .iter()
        .chain(side.declared_egress)
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn packages(m: &Manifest) -> BTreeSet<String> {
    set(m.packages.iter().map(|p| match &p.version {
        Some(v) => format!("{}:{}@{v}", p.registry_type, p.identifier),
        None => format!("{}:{}", p.registry_type, p.identifier),
    }))
}

fn remotes(m: &Manifest) -> BTreeSet<String> {
    set(m
        .remotes
        .iter()
        .map(|r| format!("{} {}", r.transport, r.url)))
}

// ---------------------------------------------------------------------------
// Tools

/// Tools by name; should a name repeat (manifests are checked for that), the
/// first wins.
fn tools_by_name(m: &Manifest) -> BTreeMap<&str, &Tool> {
    let mut out = BTreeMap::new();
    for t in &m.tools {
        out.entry(t.name.as_str()).or_insert(t);
    }
    out
}

fn display_title(t: &Tool) -> Option<String> {
    t.title.clone().or_else(|| t.annotations.title.clone())
}

fn is_destructive(t: &Tool) -> bool {
    t.annotations.read_only_hint != Some(true) && t.annotations.destructive_hint == Some(true)
}

fn changed<T: PartialEq>(before: T, after: T) -> Option<(T, T)> {
    (before != after).then_some((before, after))
}

/// `None` when nothing shown in a [`ToolChange`] differs.
fn diff_tool(old: &Tool, new: &Tool) -> Option<ToolChange> {
    let (scopes_added, scopes_removed) = added_removed(
        &set(old.scopes.iter().cloned()),
        &set(new.scopes.iter().cloned()),
    );
    let (a, b) = (&old.annotations, &new.annotations);
    let annotations: Vec<AnnotationChange> = [
        ("destructiveHint", a.destructive_hint, b.destructive_hint),
        ("idempotentHint", a.idempotent_hint, b.idempotent_hint),
        ("openWorldHint", a.open_world_hint, b.open_world_hint),
        ("readOnlyHint", a.read_only_hint, b.read_only_hint),
    ]
    .into_iter()
    .filter(|(_, before, after)| before != after)
    .map(|(hint, before, after)| AnnotationChange {
        hint: hint.to_owned(),
        before,
        after,
    })
    .collect();
    let (schema, schema_truncated) = diff_schema(&old.input_schema, &new.input_schema);
    let change = ToolChange {
        name: new.name.clone(),
        description: diff_text(&old.description, &new.description),
        description_changed: old.description != new.description,
        title: changed(display_title(old), display_title(new)),
        operation: changed(old.operation.clone(), new.operation.clone()),
        schema,
        schema_truncated,
        annotations,
        scopes_added,
        scopes_removed,
        became_destructive: is_destructive(new) && !is_destructive(old),
        lost_read_only: a.read_only_hint == Some(true) && b.read_only_hint != Some(true),
    };
    let shows_something = change.description_changed
        || change.title.is_some()
        || change.operation.is_some()
        || !change.schema.is_empty()
        || !change.annotations.is_empty()
        || !change.scopes_added.is_empty()
        || !change.scopes_removed.is_empty();
    shows_something.then_some(change)
}

// ---------------------------------------------------------------------------
// Input schemas

/// Compares two JSON Schemas; returns the changes sorted by pointer and kind,
/// and whether more were found than [`MAX_SCHEMA_CHANGES`].
pub fn diff_schema(old: &Value, new: &Value) -> (Vec<SchemaChange>, bool) {
    let mut walk = SchemaWalk::default();
    walk.schema("", old, new, 0);
    let mut out = walk.out;
    out.sort_by(|a, b| (&a.pointer, a.kind).cmp(&(&b.pointer, b.kind)));
    (out, walk.truncated)
}

#[derive(Default)]
struct SchemaWalk {
    out: Vec<SchemaChange>,
    truncated: bool,
}

/// JSON pointer token escaping (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Keywords whose value is one subschema.
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
];
/// Keywords whose value is an array of subschemas.
const SUBSCHEMA_ARRAY: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// Keywords whose value maps names to subschemas (other than `properties`).
const SUBSCHEMA_MAP: &[&str] = &[
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

impl SchemaWalk {
    fn push(
        &mut self,
        pointer: String,
        kind: SchemaChangeKind,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        if self.out.len() >= MAX_SCHEMA_CHANGES {
            self.truncated = true;
            return;
        }
        self.out.push(SchemaChange {
            pointer,
            kind,
            before: before.cloned(),
            after: after.cloned(),
        });
    }

    /// Two (sub)schemas at `ptr`.
    fn schema(&mut self, ptr: &str, old: &Value, new: &Value, depth: usize) {
        if old == new || self.truncated {
            return;
        }
        match (old.as_object(), new.as_object()) {
            (Some(o), Some(n)) if depth < MAX_SCHEMA_DEPTH => {
                let keys: BTreeSet<&str> = o.keys().chain(n.keys()).map(String::as_str).collect();
                for key in keys {
                    self.keyword(ptr, key, o.get(key), n.get(key), depth);
                }
            }
            _ => self.push(
                ptr.to_owned(),
                SchemaChangeKind::Changed,
                Some(old),
                Some(new),
            ),
        }
    }

    /// One keyword of a schema object at `ptr`.
    fn keyword(
        &mut self,
        ptr: &str,
        key: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        depth: usize,
    ) {
        if old == new {
            return;
        }
        let kp = format!("{ptr}/{}", escape(key));
        match key {
            "properties" => self.schema_map(&kp, old, new, depth, true),
            "required" => self.required(ptr, &kp, old, new),
            "type" if !same_type(old, new) => {
                self.push(kp, SchemaChangeKind::TypeChanged, old, new)
            }
            "type" => {}
            k if SUBSCHEMA_MAP.contains(&k) => self.schema_map(&kp, old, new, depth, false),
            k if SUBSCHEMA.contains(&k) => match (old, new) {
                (Some(o), Some(n)) => self.schema(&kp, o, n, depth + 1),
                _ => self.push(kp, SchemaChangeKind::Changed, old, new),
            },
            k if SUBSCHEMA_ARRAY.contains(&k) => match (old, new) {
                (Some(Value::Array(o)), Some(Value::Array(n))) if o.len() == n.len() => {
                    for (i, (o, n)) in o.iter().zip(n).enumerate() {
                        self.schema(&format!("{kp}/{i}"), o, n, depth + 1);
                    }
                }
                _ => self.push(kp, SchemaChangeKind::Changed, old, new),
            },
            _ => self.push(kp, SchemaChangeKind::Changed, old, new),
        }
    }

    /// A keyword mapping names to subschemas at `kp`. For `properties`
    /// (`props`), names appearing or disappearing are properties added or removed,
    /// and a missing keyword counts as no properties.
    fn schema_map(
        &mut self,
        kp: &str,
        old: Option<&Value>,
        new: Option<&Value>,
        depth: usize,
        props: bool,
    ) {
        fn as_map<'v>(
            v: Option<&'v Value>,
            empty: &'v serde_json::Map<String, Value>,
            props: bool,
        ) -> Option<&'v serde_json::Map<String, Value>> {
            match v {
                Some(Value::Object(m)) => Some(m),
                None if props => Some(empty),
                _ => None,
            }
        }
        let empty = serde_json::Map::new();
        let (Some(o), Some(n)) = (as_map(old, &empty, props), as_map(new, &empty, props)) else {
            self.push(kp.to_owned(), SchemaChangeKind::Changed, old, new);
            return;
        };
        let (added, removed) = if props {
            (
                SchemaChangeKind::PropertyAdded,
                SchemaChangeKind::PropertyRemoved,
            )
        } else {
            (SchemaChangeKind::Changed, SchemaChangeKind::Changed)
        };
        let names: BTreeSet<&str> = o.keys().chain(n.keys()).map(String::as_str).collect();
        for name in names {
            let np = format!("{kp}/{}", escape(name));
            match (o.get(name), n.get(name)) {
                (Some(a), Some(b)) => self.schema(&np, a, b, depth + 1),
                (None, b @ Some(_)) => self.push(np, added, None, b),
                (a @ Some(_), None) => self.push(np, removed, a, None),
                (None, None) => {}
            }
        }
    }

    /// `required` of the schema at `ptr`: names that joined or left it, reported
    /// at `ptr/properties/<name>`. A `required` that is not an array of strings
    /// (draft 3) is compared as a plain keyword.
    fn required(&mut self, ptr: &str, kp: &str, old: Option<&Value>, new: Option<&Value>) {
        fn names(v: Option<&Value>) -> Option<BTreeSet<&str>> {
            match v {
                None => Some(BTreeSet::new()),
                Some(Value::Array(items)) => items.iter().map(Value::as_str).collect(),
                Some(_) => None,
            }
        }
        let (Some(o), Some(n)) = (names(old), names(new)) else {
            self.push(kp.to_owned(), SchemaChangeKind::Changed, old, new);
            return;
        };
        for name in n.difference(&o) {
            let p = format!("{ptr}/properties/{}", escape(name));
            self.push(p, SchemaChangeKind::BecameRequired, None, None);
        }
        for name in o.difference(&n) {
            let p = format!("{ptr}/properties/{}", escape(name));
            self.push(p, SchemaChangeKind::NoLongerRequired, None, None);
        }
    }
}

/// `type` values equal, a list of types compared as a set.
fn same_type(old: Option<&Value>, new: Option<&Value>) -> bool {
    match (old, new) {
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            a.iter().all(|t| b.contains(t)) && b.iter().all(|t| a.contains(t))
        }
        _ => old == new,
    }
}

// ---------------------------------------------------------------------------
// Text

/// A word diff of two texts that keeps every character: words and runs of
/// whitespace are the tokens. Large or very different texts fall back to one
/// replacement of their differing middle.
pub fn diff_text(old: &str, new: &str) -> Vec<TextSpan> {
    diff_text_with_limits(old, new, MAX_TEXT_TOKENS, MAX_TEXT_EDITS)
}

fn diff_text_with_limits(
    old: &str,
    new: &str,
    max_tokens: usize,
    max_edits: usize,
) -> Vec<TextSpan> {
    if old == new {
        return if old.is_empty() {
            Vec::new()
        } else {
            vec![TextSpan::Same(old.to_owned())]
        };
    }
    let a = tokens(old);
    let b = tokens(new);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<(Op, &str)> = a[..prefix].iter().map(|t| (Op::Same, *t)).collect();
    let middle = if am.len() > max_tokens || bm.len() > max_tokens {
        None
    } else {
        myers(am, bm, max_edits)
    };
    match middle {
        Some(m) => ops.extend(m),
        None => {
            ops.extend(am.iter().map(|t| (Op::Removed, *t)));
            ops.extend(bm.iter().map(|t| (Op::Added, *t)));
        }
    }
    ops.extend(a[a.len() - suffix..].iter().map(|t| (Op::Same, *t)));
    spans(ops)
}

/// Words and whitespace runs, in order; concatenated they are the text.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|s| s != space) {
            out.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// Myers' shortest edit script over tokens; `None` when it needs more than
/// `max_edits` insertions and deletions.
fn myers<'t>(a: &[&'t str], b: &[&'t str], max_edits: usize) -> Option<Vec<(Op, &'t str)>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let limit = (a.len() + b.len()).min(max_edits) as isize;
    let off = limit + 1;
    // v[off + k]: furthest x reached on diagonal k = x - y.
    let mut v = vec![0isize; 2 * limit as usize + 3];
    // trace[d]: v before step d, for k in -d-1..=d+1 (index k + d + 1).
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'search: for d in 0..=limit {
        trace.push(v[(off - d - 1) as usize..=(off + d + 1) as usize].to_vec());
        let mut k = -d;
        while k <= d {
            let down = k == -d || (k != d && v[(off + k - 1) as usize] < v[(off + k + 1) as usize]);
            let mut x = if down {
                v[(off + k + 1) as usize]
            } else {
                v[(off + k - 1) as usize] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[(off + k) as usize] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'search;
            }
            k += 2;
        }
    }
    let d_end = found?;

    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=d_end).rev() {
        let vs = &trace[d as usize];
        let at = |k: isize| vs[(k + d + 1) as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = at(prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push((Op::Same, a[(x - 1) as usize]));
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                ops.push((Op::Added, b[(y - 1) as usize]));
            } else {
                ops.push((Op::Removed, a[(x - 1) as usize]));
            }
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    Some(ops)
}

/// A run of unchanged text, or a change (what went, what came).
enum Segment {
    Same(String),
    Change(String, String),
}

/// Token operations to merged spans. Whitespace alone between two changes joins
/// them into one change, so a rewritten sentence reads as one replacement
/// rather than word-by-word alternation.
fn spans(ops: Vec<(Op, &str)>) -> Vec<TextSpan> {
    let mut segs: Vec<Segment> = Vec::new();
    for (op, tok) in ops {
        match (op, segs.last_mut()) {
            (Op::Same, Some(Segment::Same(s))) => s.push_str(tok),
            (Op::Same, _) => segs.push(Segment::Same(tok.to_owned())),
            (_, Some(Segment::Change(removed, added))) => {
                if op == Op::Removed {
                    removed.push_str(tok)
                } else {
                    added.push_str(tok)
                }
            }
            (_, _) => {
                let gap_is_space = matches!(
                    segs.as_slice(),
                    [.., Segment::Change(..), Segment::Same(s)] if s.chars().all(char::is_whitespace)
                );
                if gap_is_space {
                    let Some(Segment::Same(space)) = segs.pop() else {
                        unreachable!("matched above")
                    };
                    let Some(Segment::Change(removed, added)) = segs.last_mut() else {
                        unreachable!("matched above")
                    };
                    removed.push_str(&space);
                    added.push_str(&space);
                    if op == Op::Removed {
                        removed.push_str(tok)
                    } else {
                        added.push_str(tok)
                    }
                } else if op == Op::Removed {
                    segs.push(Segment::Change(tok.to_owned(), String::new()));
                } else {
                    segs.push(Segment::Change(String::new(), tok.to_owned()));
                }
            }
        }
    }
    let mut out = Vec::with_capacity(segs.len() * 2);
    for seg in segs {
        match seg {
            Segment::Same(s) => out.push(TextSpan::Same(s)),
            Segment::Change(removed, added) => {
                if !removed.is_empty() {
                    out.push(TextSpan::Removed(removed));
                }
                if !added.is_empty() {
                    out.push(TextSpan::Added(added));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Prices

/// Plans matched by exact name; a repeated name (plans are checked for that)
/// keeps the first.
fn diff_plans(old: &[PricePlan], new: &[PricePlan]) -> Vec<PriceChange> {
    fn by_name(plans: &[PricePlan]) -> BTreeMap<&str, &PricePlan> {
        let mut out = BTreeMap::new();
        for p in plans {
            out.entry(p.name.as_str()).or_insert(p);
        }
        out
    }
    let (old, new) = (by_name(old), by_name(new));
    let names: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let mut out = Vec::new();
    for name in names {
        let change = match (old.get(name), new.get(name)) {
            (Some(a), Some(b)) => {
                let fields: Vec<String> = [
                    ("amount", a.amount_minor != b.amount_minor),
                    ("currency", a.currency != b.currency),
                    ("kind", a.kind != b.kind),
                    ("period", a.period != b.period),
                    ("meter", a.meter != b.meter),
                    ("trial_days", a.trial_days != b.trial_days),
                ]
                .into_iter()
                .filter(|(_, differs)| *differs)
                .map(|(f, _)| f.to_owned())
                .collect();
                if fields.is_empty() {
                    continue;
                }
                let comparable = a.amount_minor != b.amount_minor
                    && a.currency == b.currency
                    && a.kind == b.kind;
                PriceChange {
                    plan: name.to_owned(),
                    kind: PriceChangeKind::Changed,
                    before: Some(a.describe()),
                    after: Some(b.describe()),
                    fields,
                    increase: comparable.then_some(b.amount_minor > a.amount_minor),
                }
            }
            (None, Some(b)) => PriceChange {
                plan: name.to_owned(),
                kind: PriceChangeKind::Added,
                before: None,
                after: Some(b.describe()),
                fields: Vec::new(),
                increase: None,
            },
            (Some(a), None) => PriceChange {
                plan: name.to_owned(),
                kind: PriceChangeKind::Removed,
                before: Some(a.describe()),
                after: None,
                fields: Vec::new(),
                increase: None,
            },
            (None, None) => continue,
        };
        out.push(change);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PlanKind;
    use proptest::prelude::*;
    use serde_json::json;

    fn manifest(v: Value) -> Manifest {
        serde_json::from_value(v).expect("test manifest")
    }

    fn base() -> Manifest {
        manifest(json!({
            "tools": [
                {
                    "name": "list_repositories",
                    "description": "Lists the repositories of the signed-in user.",
                    "inputSchema": {
                        "type": "object",
                        "properties": {
                            "owner": {"type": "string", "description": "Account name"},
                            "page": {"type": "integer"}
                        },
                        "required": ["owner"]
                    },
                    "annotations": {"readOnlyHint": true},
                    "scopes": ["repo:read"]
                },
                {
                    "name": "read_file",
                    "description": "Reads a file.",
                    "inputSchema": {
                        "type": "object",
                        "properties": {"path": {"type": "string"}},
                        "required": ["path"]
                    },
                    "annotations": {"readOnlyHint": true}
                }
            ],
            "scopes": [{"name": "user:read"}],
            "egress_hosts": ["api.github.com"],
            "secret_inputs": [{"name": "GITHUB_TOKEN", "location": "env", "required": true}]
        }))
    }

    fn usage(name: &str, amount: i64) -> PricePlan {
        PricePlan {
            name: name.into(),
            kind: PlanKind::Usage,
            currency: Some("USD".into()),
            amount_minor: amount,
            period: None,
            meter: Some("tool_call".into()),
            trial_days: 0,
        }
    }

    fn side<'a>(
        manifest: &'a Manifest,
        plans: &'a [PricePlan],
        egress: &'a [String],
    ) -> VersionSide<'a> {
        VersionSide {
            manifest,
            plans,
            declared_egress: egress,
            declared_capabilities: &[],
        }
    }

    fn diff(old: &Manifest, new: &Manifest) -> VersionDiff {
        diff_versions(side(old, &[], &[]), side(new, &[], &[]))
    }

    fn tool_mut<'m>(m: &'m mut Manifest, name: &str) -> &'m mut Tool {
        m.tools.iter_mut().find(|t| t.name == name).unwrap()
    }

    fn old_text(spans: &[TextSpan]) -> String {
        spans
            .iter()
            .filter(|s| !matches!(s, TextSpan::Added(_)))
            .map(TextSpan::text)
            .collect()
    }

    fn new_text(spans: &[TextSpan]) -> String {
        spans
            .iter()
            .filter(|s| !matches!(s, TextSpan::Removed(_)))
            .map(TextSpan::text)
            .collect()
    }

    fn well_formed(spans: &[TextSpan]) -> bool {
        spans.iter().all(|s| !s.text().is_empty())
            && spans
                .windows(2)
                .all(|w| std::mem::discriminant(&w[0]) != std::mem::discriminant(&w[1]))
    }

    #[test]
    fn identical_versions_are_empty() {
        let m = base();
        let plans = [usage("Pay as you go", 2)];
        let egress = vec!["api.github.com".to_owned()];
        let d = diff_versions(side(&m, &plans, &egress), side(&m.clone(), &plans, &egress));
        assert!(d.is_empty(), "{d:?}");
        assert!(!d.widens_access());
        assert_eq!(d, VersionDiff::default());
    }

    #[test]
    fn a_new_destructive_tool_widens_access() {
        let old = base();
        let mut new = base();
        new.tools.push(
            manifest(json!({"tools": [{
                "name": "delete_repository",
                "title": "Delete a repository",
                "description": "Deletes a repository for good.",
                "annotations": {"destructiveHint": true},
                "scopes": ["repo:admin", "repo:admin"]
            }]}))
            .tools
            .remove(0),
        );
        let d = diff(&old, &new);
        assert_eq!(
            d.tools_added,
            vec![ToolSummary {
                name: "delete_repository".into(),
                title: Some("Delete a repository".into()),
                hints: vec!["destructive".into()],
                scopes: vec!["repo:admin".into()],
            }]
        );
        assert!(d.tools_removed.is_empty() && d.tools_changed.is_empty());
        assert_eq!(d.scopes_added, vec!["repo:admin"]);
        assert!(d.widens_access());
        assert!(!d.is_empty());

        // The other way round it is a removal, which narrows.
        let back = diff(&new, &old);
        assert_eq!(back.tools_removed[0].name, "delete_repository");
        assert_eq!(back.scopes_removed, vec!["repo:admin"]);
        assert!(!back.widens_access());
    }

    #[test]
    fn description_word_diff_keeps_every_character() {
        let old = "Lists the repositories of the signed-in user.";
        let new = "Lists  all repositories of the user,\nincluding archived ones.";
        let spans = diff_text(old, new);
        assert_eq!(old_text(&spans), old);
        assert_eq!(new_text(&spans), new);
        assert!(well_formed(&spans), "{spans:?}");
        assert_eq!(spans[0], TextSpan::Same("Lists".into()));

        let spans = diff_text("Reads a file.", "Reads a text file.");
        assert_eq!(
            spans,
            vec![
                TextSpan::Same("Reads a ".into()),
                TextSpan::Added("text ".into()),
                TextSpan::Same("file.".into()),
            ]
        );
        // A rewritten run reads as one replacement, not word-by-word.
        let spans = diff_text("The quick brown fox jumps", "The slow red dog jumps");
        assert_eq!(
            spans,
            vec![
                TextSpan::Same("The ".into()),
                TextSpan::Removed("quick brown fox".into()),
                TextSpan::Added("slow red dog".into()),
                TextSpan::Same(" jumps".into()),
            ]
        );
        assert_eq!(diff_text("", ""), vec![]);
        assert_eq!(diff_text("", "New"), vec![TextSpan::Added("New".into())]);
        assert_eq!(diff_text("Old", ""), vec![TextSpan::Removed("Old".into())]);
    }

    #[test]
    fn huge_or_very_different_texts_fall_back_to_one_replacement() {
        let old = "keep a b c d e f end";
        let new = "keep u v w x y z end";
        let spans = diff_text_with_limits(old, new, 5, 1_000);
        assert_eq!(
            spans,
            vec![
                TextSpan::Same("keep ".into()),
                TextSpan::Removed("a b c d e f".into()),
                TextSpan::Added("u v w x y z".into()),
                TextSpan::Same(" end".into()),
            ]
        );
        let spans = diff_text_with_limits("a b c d", "a x c y", 1_000, 2);
        assert_eq!(old_text(&spans), "a b c d");
        assert_eq!(new_text(&spans), "a x c y");
        assert_eq!(spans.len(), 3, "{spans:?}");
    }

    #[test]
    fn long_descriptions_diff_quickly() {
        let words: Vec<String> = (0..4_000).map(|i| format!("w{}", i % 97)).collect();
        let old = words.join(" ");
        let mut edited = words.clone();
        edited[10] = "inserted words here".into();
        edited.remove(2_000);
        edited[3_500] = "changed".into();
        let new = edited.join(" ");
        let spans = diff_text(&old, &new);
        assert_eq!(old_text(&spans), old);
        assert_eq!(new_text(&spans), new);
        assert!(spans.len() < 20, "{}", spans.len());

        // Unrelated texts of that size give up at the edit limit.
        let other: String = (0..4_000).map(|i| format!("v{i} ")).collect();
        let spans = diff_text(&old, &other);
        assert_eq!(spans.len(), 2);
        assert_eq!(new_text(&spans), other);
    }

    #[test]
    fn a_changed_description_is_reported_on_the_tool() {
        let old = base();
        let mut new = base();
        tool_mut(&mut new, "read_file").description = "Reads a text file.".into();
        let d = diff(&old, &new);
        assert_eq!(d.tools_changed.len(), 1);
        let c = &d.tools_changed[0];
        assert_eq!(c.name, "read_file");
        assert!(c.description_changed);
        assert_eq!(new_text(&c.description), "Reads a text file.");
        assert!(c.schema.is_empty() && c.annotations.is_empty() && c.title.is_none());
        assert!(!d.widens_access());
    }

    #[test]
    fn schema_changes_are_reported_at_the_property() {
        let old = base();
        let mut new = base();
        tool_mut(&mut new, "list_repositories").input_schema = json!({
            "type": "object",
            "properties": {
                "owner": {"type": "string", "description": "Account or organization name"},
                "visibility": {"type": "string", "enum": ["public", "private"]},
                "filter": {
                    "type": "object",
                    "properties": {"topic": {"type": "array", "items": {"type": "integer"}}}
                }
            },
            "required": ["visibility"]
        });
        let d = diff(&old, &new);
        let c = &d.tools_changed[0];
        let got: Vec<(&str, SchemaChangeKind)> = c
            .schema
            .iter()
            .map(|s| (s.pointer.as_str(), s.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/properties/filter", SchemaChangeKind::PropertyAdded),
                ("/properties/owner", SchemaChangeKind::NoLongerRequired),
                ("/properties/owner/description", SchemaChangeKind::Changed),
                ("/properties/page", SchemaChangeKind::PropertyRemoved),
                ("/properties/visibility", SchemaChangeKind::PropertyAdded),
                ("/properties/visibility", SchemaChangeKind::BecameRequired),
            ]
        );
        assert_eq!(c.schema[3].before, Some(json!({"type": "integer"})));
        assert_eq!(c.schema[3].after, None);
        assert_eq!(
            c.schema[2].after,
            Some(json!("Account or organization name"))
        );
        assert!(!c.schema_truncated);

        // Nested objects and array items are walked to the changed keyword.
        let mut newer = new.clone();
        tool_mut(&mut newer, "list_repositories").input_schema["properties"]["filter"]["properties"]
            ["topic"]["items"]["type"] = json!("string");
        let c = &diff(&new, &newer).tools_changed[0];
        assert_eq!(c.schema.len(), 1);
        assert_eq!(
            c.schema[0],
            SchemaChange {
                pointer: "/properties/filter/properties/topic/items/type".into(),
                kind: SchemaChangeKind::TypeChanged,
                before: Some(json!("integer")),
                after: Some(json!("string")),
            }
        );
    }

    #[test]
    fn schema_diff_is_quiet_on_reordering_and_bounded() {
        let a =
            json!({"type": ["string", "null"], "required": ["a", "b"], "properties": {"a/b~": {}}});
        let b = json!({"required": ["b", "a"], "type": ["null", "string"], "properties": {"a/b~": {"type": "string"}}});
        let (changes, truncated) = diff_schema(&a, &b);
        assert!(!truncated);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].pointer, "/properties/a~1b~0/type");

        let wide = |t: &str| {
            let props: serde_json::Map<String, Value> = (0..80)
                .map(|i| (format!("p{i:02}"), json!({"type": t})))
                .collect();
            json!({"type": "object", "properties": props})
        };
        let (changes, truncated) = diff_schema(&wide("string"), &wide("integer"));
        assert_eq!(changes.len(), MAX_SCHEMA_CHANGES);
        assert!(truncated);

        let mut deep_a = json!({"type": "string"});
        let mut deep_b = json!({"type": "integer"});
        for _ in 0..40 {
            deep_a = json!({"type": "object", "properties": {"x": deep_a}});
            deep_b = json!({"type": "object", "properties": {"x": deep_b}});
        }
        let (changes, _) = diff_schema(&deep_a, &deep_b);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, SchemaChangeKind::Changed);
        assert_eq!(
            changes[0].pointer.matches("/properties/x").count(),
            MAX_SCHEMA_DEPTH
        );
    }

    #[test]
    fn losing_read_only_is_flagged() {
        let old = base();
        let mut new = base();
        tool_mut(&mut new, "read_file").annotations.read_only_hint = Some(false);
        let d = diff(&old, &new);
        let c = &d.tools_changed[0];
        assert_eq!(
            c.annotations,
            vec![AnnotationChange {
                hint: "readOnlyHint".into(),
                before: Some(true),
                after: Some(false),
            }]
        );
        assert!(c.lost_read_only);
        assert!(!c.became_destructive);
        assert!(d.widens_access());

        tool_mut(&mut new, "read_file").annotations.destructive_hint = Some(true);
        let c = &diff(&old, &new).tools_changed[0];
        assert!(c.became_destructive && c.lost_read_only);
        assert_eq!(c.annotations.len(), 2);
        assert_eq!(c.annotations[0].hint, "destructiveHint");
    }

    #[test]
    fn scopes_added_to_a_tool_and_to_the_manifest() {
        let old = base();
        let mut new = base();
        tool_mut(&mut new, "read_file").scopes = vec!["contents:read".into()];
        new.scopes.push(crate::manifest::PermissionScope {
            name: "org:read".into(),
            description: None,
            source: None,
        });
        // Already asked for by another tool: not new at manifest level.
        tool_mut(&mut new, "list_repositories")
            .scopes
            .push("user:read".into());
        let d = diff(&old, &new);
        assert_eq!(d.scopes_added, vec!["contents:read", "org:read"]);
        assert!(d.scopes_removed.is_empty());
        let names: Vec<_> = d.tools_changed.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["list_repositories", "read_file"]);
        assert_eq!(d.tools_changed[1].scopes_added, vec!["contents:read"]);
        assert_eq!(d.tools_changed[0].scopes_added, vec!["user:read"]);
        assert!(d.widens_access());

        let back = diff(&new, &old);
        assert_eq!(back.scopes_removed, vec!["contents:read", "org:read"]);
        assert!(!back.widens_access());
    }

    #[test]
    fn egress_from_declared_hosts_secrets_and_capabilities() {
        let m = base();
        let old_egress = vec!["api.github.com".to_owned()];
        let new_egress = vec![
            "API.GitHub.com".to_owned(),
            " uploads.github.com ".to_owned(),
        ];
        let old_caps = vec!["network".to_owned()];
        let new_caps = vec!["filesystem".to_owned()];
        let mut new_m = base();
        new_m.secret_inputs.clear();
        let d = diff_versions(
            VersionSide {
                declared_capabilities: &old_caps,
                ..side(&m, &[], &old_egress)
            },
            VersionSide {
                declared_capabilities: &new_caps,
                ..side(&new_m, &[], &new_egress)
            },
        );
        assert_eq!(d.egress_added, vec!["uploads.github.com"]);
        assert!(d.egress_removed.is_empty());
        assert_eq!(d.secrets_removed, vec!["GITHUB_TOKEN"]);
        assert_eq!(d.capabilities_added, vec!["filesystem"]);
        assert_eq!(d.capabilities_removed, vec!["network"]);
        assert!(d.widens_access());
        assert!(d.tools_changed.is_empty());
    }

    #[test]
    fn packages_and_remotes() {
        let old = manifest(json!({
            "packages": [{"registry_type": "npm", "identifier": "@acme/mcp", "version": "1.0.0"}],
            "remotes": [{"transport": "sse", "url": "https://mcp.acme.dev/sse"}]
        }));
        let new = manifest(json!({
            "packages": [{"registry_type": "npm", "identifier": "@acme/mcp", "version": "1.1.0"}],
            "remotes": [{"transport": "sse", "url": "https://mcp.acme.dev/sse"}]
        }));
        let d = diff(&old, &new);
        assert_eq!(d.packages_added, vec!["npm:@acme/mcp@1.1.0"]);
        assert_eq!(d.packages_removed, vec!["npm:@acme/mcp@1.0.0"]);
        assert!(d.remotes_added.is_empty());
        assert!(!d.is_empty());
        assert!(!d.widens_access());
    }

    #[test]
    fn price_increase_names_the_amount() {
        let m = base();
        let old = [usage("Pay as you go", 2)];
        let new = [usage("Pay as you go", 3)];
        let d = diff_versions(side(&m, &old, &[]), side(&m, &new, &[]));
        assert_eq!(
            d.price_changes,
            vec![PriceChange {
                plan: "Pay as you go".into(),
                kind: PriceChangeKind::Changed,
                before: Some("USD 0.02 per tool_call".into()),
                after: Some("USD 0.03 per tool_call".into()),
                fields: vec!["amount".into()],
                increase: Some(true),
            }]
        );
        assert!(!d.widens_access());

        let back = diff_versions(side(&m, &new, &[]), side(&m, &old, &[]));
        assert_eq!(back.price_changes[0].increase, Some(false));

        // Another currency: the amounts are not comparable.
        let mut eur = usage("Pay as you go", 3);
        eur.currency = Some("EUR".into());
        eur.trial_days = 7;
        let d = diff_versions(side(&m, &old, &[]), side(&m, &[eur], &[]));
        assert_eq!(
            d.price_changes[0].fields,
            vec!["amount", "currency", "trial_days"]
        );
        assert_eq!(d.price_changes[0].increase, None);
    }

    #[test]
    fn a_renamed_plan_is_removed_and_added() {
        let m = base();
        let old = [usage("Pay as you go", 2)];
        let new = [usage("Metered", 2)];
        let d = diff_versions(side(&m, &old, &[]), side(&m, &new, &[]));
        let got: Vec<_> = d
            .price_changes
            .iter()
            .map(|c| {
                (
                    c.plan.as_str(),
                    c.kind,
                    c.before.as_deref(),
                    c.after.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Metered",
                    PriceChangeKind::Added,
                    None,
                    Some("USD 0.02 per tool_call")
                ),
                (
                    "Pay as you go",
                    PriceChangeKind::Removed,
                    Some("USD 0.02 per tool_call"),
                    None
                ),
            ]
        );
    }

    #[test]
    fn the_diff_travels_as_json() {
        let old = base();
        let mut new = base();
        tool_mut(&mut new, "read_file").description = "Reads a text file.".into();
        tool_mut(&mut new, "read_file").title = Some("Read".into());
        let d = diff_versions(
            side(&old, &[usage("A", 2)], &[]),
            side(&new, &[usage("A", 5)], &[]),
        );
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json["tools_changed"][0]["description"][1],
            json!({"added": "text "})
        );
        assert_eq!(json["tools_changed"][0]["title"], json!([null, "Read"]));
        assert_eq!(json["price_changes"][0]["kind"], json!("changed"));
        let back: VersionDiff = serde_json::from_value(json).unwrap();
        assert_eq!(back, d);
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec!["a", "b", "c", "tool", "reads", "file", "é", "x.y"]);
        let space = prop::sample::select(vec![" ", "  ", "\n", " \t", ""]);
        prop::collection::vec((word, space), 0..40)
            .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
    }

    proptest! {
        #[test]
        fn word_diff_reconstructs_both_texts(old in text_strategy(), new in text_strategy()) {
            let spans = diff_text(&old, &new);
            prop_assert_eq!(old_text(&spans), old.clone());
            prop_assert_eq!(new_text(&spans), new.clone());
            prop_assert!(well_formed(&spans), "{:?}", spans);
            let small = diff_text_with_limits(&old, &new, 1_000, 3);
            prop_assert_eq!(old_text(&small), old);
            prop_assert_eq!(new_text(&small), new);
            prop_assert!(well_formed(&small), "{:?}", small);
        }
    }
}
