//! Catalog search (issue #7): the denormalized search rows and the query the
//! catalog page makes.
//!
//! `catalog_entry` holds one row per listing with a published version: the
//! live (latest published) version's card, its overall risk tier, pricing
//! models and text; `catalog_facet` its capabilities (`cap:<name>`) and pricing
//! models (`price:<kind>`, `price:paid`). Full text is FTS5 (`catalog_fts`,
//! rowid = `doc`, ranked by bm25) on SQLite and a generated, GIN-indexed
//! `tsvector` (ranked by `ts_rank`) on PostgreSQL.
//!
//! The rows are derived data, kept in step by the store itself: every store
//! write that can change what a card shows or whether a listing is in the
//! catalog (inserting a published version, moving a version, new screening,
//! listing edits, price plans, publisher verification) calls
//! [`refresh_listings`] in its own transaction, so a suspension and the
//! listing's disappearance from search commit together.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};

use domain::listing::VersionState;
use domain::pricing::PlanKind;

use crate::catalog::parse_id;
use crate::entities::*;
use crate::records::{CatalogHit, CatalogPage, CatalogQuery, CatalogSort};
use crate::{Engine, Result, RowScope, Store, WriteTx};

/// Risk tiers, lowest first (the classifier's names).
pub const RISK_TIERS: [&str; 4] = ["low", "medium", "high", "critical"];

fn risk_rank(risk: &str) -> Option<i32> {
    RISK_TIERS.iter().position(|r| *r == risk).map(|i| i as i32)
}

/// The capabilities `catalog_entry.caps` has a bit for (bit `i` is the `i`th
/// name): the classifier's, in its order (services checks they are in step).
/// A capability not listed here is still a `cap:<name>` facet row and still
/// filters, through `catalog_facet`.
pub const CATALOG_CAPABILITIES: [&str; 11] = [
    "read_data",
    "write_data",
    "destructive",
    "external_communication",
    "financial",
    "code_execution",
    "filesystem",
    "credentials",
    "personal_data",
    "network_access",
    "identity",
];

/// The pricing models `catalog_entry.prices` has a bit for: the plan kinds,
/// then `paid` (any kind but free).
const PRICE_BITS: [&str; 5] = ["free", "flat", "per_seat", "usage", "paid"];

fn bit(names: &[&str], name: &str) -> Option<i64> {
    names.iter().position(|n| *n == name).map(|i| 1i64 << i)
}

/// Low bits of `catalog_entry.doc` for listings published in the same
/// millisecond (their place by listing id).
const TIE_BITS: u32 = 20;

/// The most room one listing placed after the last of its millisecond takes
/// (see [`place`]): the first listing of a millisecond leaves at least a
/// quarter of the room after it, so over 300 appends fit before the tail is
/// split in halves.
const TAIL_SHARE: i64 = 1 << 10;

/// The lowest `catalog_entry.doc` of listings published at `published_at`:
/// a listing's `doc` is this plus its place among the listings published in
/// the same millisecond, in listing id order ([`place`]), so `doc DESC` is
/// `published_at DESC, listing_id DESC`.
fn doc_key(published_at: i64) -> Result<i64> {
    if !(0..1i64 << (63 - TIE_BITS)).contains(&published_at) {
        return Err(crate::StoreError::Corrupt(format!(
            "a catalog row published at {published_at} has no place in the order"
        )));
    }
    Ok(published_at << TIE_BITS)
}

/// How a search picks what drives it. Every choice gives the same results;
/// these only decide which is cheaper.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct SearchTuning {
    /// A capability or pricing model held by at most this many listings
    /// drives a search without text (newest first through `catalog_facet`).
    pub facet_drive_max: u64,
    /// SQLite, text sorted by name, more than `COUNT_CAP` matches: the names
    /// are walked in order, each listing tested against the text, when that
    /// is expected to cost at most this many tests of the text for the page
    /// (else every match is sorted by name). `u64::MAX` always walks, 0
    /// never.
    pub name_walk_max: u64,
    /// SQLite, text sorted by name, when the names are not walked as above:
    /// `Some(true)` walks them testing each against the set of the text's
    /// matches (built first), `Some(false)` sorts every match, `None`
    /// chooses by the matches' number (see [`NamePlan`]).
    pub name_set_walk: Option<bool>,
}

impl Default for SearchTuning {
    fn default() -> Self {
        SearchTuning {
            facet_drive_max: 5_000,
            // A walked listing costs one FTS5 seek for the text: 6-9 µs in
            // an index merged into one b-tree, as bulk loads and the upkeep
            // keep it (20-45 µs in the dozens a bulk load leaves). Past this
            // the set walk is cheaper (BENCHMARKS.md).
            name_walk_max: 2_000,
            name_set_walk: None,
        }
    }
}

/// The longest FTS5 prefix index (`prefix = '2 3 4 5 6'`).
const FTS5_PREFIX_MAX: usize = 6;

/// At most this many words of a query are used.
const MAX_WORDS: usize = 8;
/// Longer words are cut (no real word is this long).
const MAX_WORD_CHARS: usize = 40;

/// The words of a search: runs of letters and digits, lower-cased. Everything
/// else (quotes, `*`, `-`, operators of either engine's query syntax) only
/// separates words, so any user text makes a valid query.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| {
            fold(w)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .take(MAX_WORD_CHARS)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .collect()
}

/// Lower case without accents (`Ünïcödé` → `unicode`): PostgreSQL's `simple`
/// configuration keeps accents, so the store folds the text it indexes and
/// the words it searches for (FTS5's `remove_diacritics` does the same).
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// The last word also matches as a prefix when it has two characters or more.
fn prefix_last(words: &[String]) -> bool {
    words.last().is_some_and(|w| w.chars().count() >= 2)
}

/// FTS5: every word as a quoted string (so `NEAR`, `AND`, `-` are words), the
/// last one with `*`.
fn fts5_query(words: &[String]) -> String {
    let prefix = prefix_last(words);
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if prefix && i + 1 == n {
                // The FTS5 prefix indexes go up to 6 characters (migration 13):
                // a longer prefix would merge the doclists of every term it
                // starts (hundreds of milliseconds for a common word).
                let cut: String = w.chars().take(FTS5_PREFIX_MAX).collect();
                format!("\"{}\"*", cut.replace('"', "\"\""))
            } else {
                format!("\"{}\"", w.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// PostgreSQL `to_tsquery('simple', …)`: the words joined by `&`, the last
/// one with `:*`. Words are letters and digits only, so no operator gets in.
fn ts_query(words: &[String]) -> String {
    let prefix = prefix_last(words);
    let mut q = words.join(" & ");
    if prefix {
        q.push_str(":*");
    }
    q
}

/// `e.search` matches `words` (PostgreSQL). With more than one word and a
/// prefix last, the GIN index is asked for the whole words only and the prefix
/// is checked on the rows it yields (`ts_match_vq` is `@@` as a function, which
/// the planner does not take to the index): a prefix is a partial match, which
/// GIN answers by collecting every matching entry of every term it starts,
/// tens of thousands for a common one, before intersecting.
fn push_ts_match(sql: &mut Sql, words: &[String]) {
    let n = words.len();
    if prefix_last(words) && n > 1 {
        sql.push("e.search @@ to_tsquery('simple', ")
            .bind(words[..n - 1].join(" & "))
            .push(") AND ts_match_vq(e.search, to_tsquery('simple', ")
            .bind(ts_query(words))
            .push("))");
    } else {
        sql.push("e.search @@ to_tsquery('simple', ")
            .bind(ts_query(words))
            .push(")");
    }
}

/// The full-text index's word for one facet of a listing (migration 21): a
/// capability (`cap`), a pricing model (`price`), the category or the
/// publisher being verified, as lowercase ASCII letters and digits after
/// `f` and the kind. On SQLite it goes in `catalog_fts.facets`, a column no
/// user text is matched against; on PostgreSQL it is `~` and the word, a
/// lexeme that no search word (letters and digits only) can be. Two values
/// may give one word: the words only narrow what the index yields, and the
/// filters still test the columns exactly.
fn facet_word(kind: &str, value: &str) -> String {
    let mut w = format!("f{kind}");
    w.extend(
        value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
    w
}

/// The facet words a listing must have to pass `q`'s filters: its
/// capability and pricing model and, with `columns`, its category and
/// verified publisher. PostgreSQL is not asked for the last two: they are
/// columns of an index in newest-first order, and the same condition twice
/// (as a word and as a column) made the planner expect a few dozen rows,
/// sort thousands and take 20–40 ms for `data` in one category.
fn facet_words(q: &CatalogQuery, columns: bool) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(c) = q.capability.as_deref() {
        words.push(facet_word("cap", c));
    }
    if let Some(p) = q.pricing.as_deref() {
        words.push(facet_word("price", p));
    }
    if !columns {
        return words;
    }
    if let Some(c) = q.category.as_deref() {
        words.push(facet_word("category", c));
    }
    if q.verified_only {
        words.push(facet_word("verified", "yes"));
    }
    words
}

/// An FTS5 query: `words` in the text columns and, if any, every one of
/// `facets` in the facet column.
fn fts5_match(words: &[String], facets: &[String]) -> String {
    let mut m = format!("{{name publisher tools body}} : ({})", fts5_query(words));
    if !facets.is_empty() {
        let all: Vec<String> = facets.iter().map(|f| format!("\"{f}\"")).collect();
        m.push_str(&format!(" AND facets : ({})", all.join(" AND ")));
    }
    m
}

/// A `tsquery` (written as the type's own text, not parsed by a text search
/// configuration) matching the lexemes of every one of `facets`.
fn facet_tsquery(facets: &[String]) -> String {
    facets
        .iter()
        .map(|f| format!("'~{f}'"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// SQL with `?` placeholders and their values; numbered (`$1`) for PostgreSQL.
#[derive(Default)]
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(v.into());
        self
    }

    /// `(?, ?, …)` for a list.
    fn bind_list(&mut self, items: &[String]) -> &mut Self {
        self.text.push('(');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(s.clone());
        }
        self.text.push(')');
        self
    }

    fn statement(&self, engine: Engine) -> Statement {
        match engine {
            Engine::Postgres => {
                let mut out = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for c in self.text.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    out,
                    self.values.clone(),
                )
            }
            Engine::Sqlite => Statement::from_sql_and_values(
                sea_orm::DbBackend::Sqlite,
                self.text.clone(),
                self.values.clone(),
            ),
        }
    }
}

/// A value as a PostgreSQL literal: numbers and booleans as they are, text
/// quoted with its quotes doubled (`standard_conforming_strings` is on, so a
/// backslash is just a backslash). `None` for anything else, or text with a
/// NUL (which no literal can hold).
fn pg_literal(v: &Value) -> Option<String> {
    match v {
        Value::Bool(Some(b)) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Value::Int(Some(i)) => Some(i.to_string()),
        Value::BigInt(Some(i)) => Some(i.to_string()),
        Value::String(Some(s)) if !s.contains('\0') => Some(format!("'{}'", s.replace('\'', "''"))),
        _ => None,
    }
}

impl Sql {
    /// The statement for a catalog read. On PostgreSQL the values are written
    /// into it as literals: bound, they are planned after a prepared
    /// statement's fifth run by a generic plan that cannot know whether a
    /// word is in ten listings or in seventy thousand. The plan for one then
    /// serves the other: a count of `data` asked the GIN index for all 73k
    /// matches to count the first thousand (18 ms against 1.5 ms for a scan
    /// that stops there), a count of `quokka` scanned every listing for its
    /// ten (90 ms against 0.4 ms through the index). The words are letters
    /// and digits only ([`search_words`]) and the other values the caller's
    /// checked filters, but every text value is quoted all the same.
    fn read_statement(&self, engine: Engine) -> Statement {
        if engine == Engine::Postgres
            && let Some(text) = self.inlined()
        {
            return Statement::from_string(sea_orm::DbBackend::Postgres, text);
        }
        self.statement(engine)
    }

    fn inlined(&self) -> Option<String> {
        let mut out = String::with_capacity(self.text.len() + 64);
        let mut values = self.values.iter();
        for c in self.text.chars() {
            if c == '?' {
                out.push_str(&pg_literal(values.next()?)?);
            } else {
                out.push(c);
            }
        }
        values.next().is_none().then_some(out)
    }
}

#[derive(FromQueryResult)]
struct HitRow {
    listing_id: String,
    slug: String,
    name: String,
    category: String,
    summary: String,
    publisher_slug: String,
    publisher_name: String,
    verified: bool,
    verification_lapsed: bool,
    version_id: String,
    version: String,
    risk: String,
    pricing: String,
    tool_count: i32,
    published_at: i64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// A count of full-text matches (up to a cap) with the span of `doc` they
/// lie in: how densely the matches sit among the listings.
#[derive(FromQueryResult)]
struct RawSample {
    n: i64,
    lo: Option<i64>,
    hi: Option<i64>,
}

/// [`RawSample`], counted.
#[derive(Clone, Default)]
struct Sample {
    n: u64,
    lo: Option<i64>,
    hi: Option<i64>,
}

const HIT_COLUMNS: &str = "SELECT e.listing_id, e.slug, e.name, e.category, e.summary, \
    e.publisher_slug, e.publisher_name, e.verified, e.verification_lapsed, e.version_id, \
    e.version, e.risk, e.pricing, e.tool_count, e.published_at";

/// The filters of `q` as `AND …` conditions on `e` (catalog_entry): column
/// tests, and a `catalog_facet` lookup only for a name without a bit.
fn push_filters(sql: &mut Sql, q: &CatalogQuery) {
    if let Some(c) = q.category.as_deref() {
        sql.push(" AND e.category = ").bind(c.to_owned());
    }
    if let Some(r) = q.max_risk.as_deref() {
        // An unknown tier (the caller validates) matches nothing.
        sql.push(" AND e.risk_rank <= ")
            .bind(risk_rank(r).unwrap_or(-1));
    }
    if q.verified_only {
        sql.push(" AND e.verified = ").bind(true);
    }
    let facet = |sql: &mut Sql, not: bool, value: String| {
        sql.push(if not {
            " AND NOT EXISTS"
        } else {
            " AND EXISTS"
        })
        .push(" (SELECT 1 FROM catalog_facet f WHERE f.facet = ")
        .bind(value)
        .push(" AND f.listing_id = e.listing_id)");
    };
    let mask = |sql: &mut Sql, column: &str, not: bool, bit: i64| {
        sql.push(&format!(" AND ({column} & "))
            .bind(bit)
            .push(if not { ") = 0" } else { ") <> 0" });
    };
    if let Some(c) = q.capability.as_deref() {
        match bit(&CATALOG_CAPABILITIES, c) {
            Some(b) => mask(sql, "e.caps", false, b),
            None => facet(sql, false, format!("cap:{c}")),
        }
    }
    if let Some(c) = q.without_capability.as_deref() {
        match bit(&CATALOG_CAPABILITIES, c) {
            Some(b) => mask(sql, "e.caps", true, b),
            None => facet(sql, true, format!("cap:{c}")),
        }
    }
    if let Some(p) = q.pricing.as_deref() {
        match bit(&PRICE_BITS, p) {
            Some(b) => mask(sql, "e.prices", false, b),
            None => facet(sql, false, format!("price:{p}")),
        }
    }
}

fn has_filters(q: &CatalogQuery) -> bool {
    q.category.is_some()
        || q.max_risk.is_some()
        || q.verified_only
        || q.capability.is_some()
        || q.without_capability.is_some()
        || q.pricing.is_some()
}

/// SQLite: how the page of a text sorted by name is found. FTS5 yields
/// the matches newest first only.
enum NamePlan {
    /// Every match read and sorted by name (~1 µs a match: 60-100 ms for a
    /// word in 73k of 100k listings).
    Sort,
    /// The names walked in order, each listing tested against the text (an
    /// FTS5 seek), until the page: early pages of a word in many listings.
    Walk,
    /// The text's matches (with the filters' facet words) gathered in a set
    /// first, then the names walked, each looked up in the set: deep pages
    /// of a word in many listings (~0.2 µs a match and ~0.3 µs a name).
    WalkSet,
}

/// What walks the catalog for a search's page and count.
enum Driver {
    /// The text's matches. On SQLite they come out of FTS5 newest first
    /// (rowid = `doc`), so a page stops early whatever the share of matches.
    /// With the filters' facet words (unranked searches only), the full-text
    /// index intersects the text with them: a common word with a rare
    /// capability reads the capability's few entries, not the word's many.
    Text(Vec<String>, Vec<String>),
    /// A rare facet's rows (`catalog_facet`, newest first by `(facet, doc)`).
    Facet(String),
    /// Every listing: newest first by `doc` (the SQLite rowid, the PostgreSQL
    /// primary key), by name through its index, or a category through its
    /// index, which carries every filter column.
    All,
}

/// `SELECT COUNT(*) AS n` over at most `cap` rows of `inner` (a `SELECT 1 AS
/// one …` without its LIMIT).
fn capped_count(inner: &Sql, cap: u64) -> Sql {
    let mut c = Sql::default();
    c.push("SELECT COUNT(*) AS n FROM (").push(&inner.text);
    c.values = inner.values.clone();
    c.push(" LIMIT ").bind(cap as i64).push(") t");
    c
}

impl Store {
    /// One page of the public catalog: listings whose live version matches
    /// `q`, with the number of matches (counted up to
    /// [`CatalogPage::COUNT_CAP`]) and whether another page follows.
    ///
    /// What drives the search is chosen so that it stops early: text counts
    /// its matches first (up to the cap: a word in more matches is not ranked
    /// but listed newest first, straight from the index); a capability or
    /// pricing model held by few listings (fewer than the text matches, and
    /// only when they are not ranked) drives through `catalog_facet`, the
    /// text tested on each; without either the listings are walked newest
    /// first (or by name), every filter a column test. On SQLite a common
    /// text sorted by name walks the names too, when its matches are dense
    /// enough for the page to come early ([`SearchTuning::name_walk_max`]).
    /// Then the page (one row more than a page, to know about the next) and
    /// the capped count, unless an earlier count already is the answer.
    pub async fn search_catalog(&self, q: &CatalogQuery) -> Result<CatalogPage> {
        self.search_catalog_tuned(q, SearchTuning::default()).await
    }

    /// [`Store::search_catalog`] with the thresholds that choose its plan
    /// (tests run every plan on the same data; the results do not change).
    #[doc(hidden)]
    pub async fn search_catalog_tuned(
        &self,
        q: &CatalogQuery,
        tuning: SearchTuning,
    ) -> Result<CatalogPage> {
        let page = q.page.max(1);
        let size = q.page_size.clamp(1, 100);
        let mut out = CatalogPage {
            page,
            page_size: size,
            ..Default::default()
        };
        let words = q
            .text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(search_words);
        if words.as_ref().is_some_and(|w| w.is_empty()) {
            // Text with no word in it (only punctuation) matches nothing.
            return Ok(out);
        }
        let pg = self.engine == Engine::Postgres;
        // No transaction and no scope: the catalog rows are public and read in
        // any scope (migration 17), so the statements go straight to the pool,
        // as they do on SQLite (two or three statements; a write between them
        // may show in one and not the other, as it may between two pages).
        let tx = crate::ReadConn::Pool(self.db.clone());
        let count_cap = CatalogPage::COUNT_CAP + 1;

        // The text alone, counted up to the cap. A text in more than COUNT_CAP
        // listings is "common": ranking every match would cost a pass over
        // all of them (bm25 / ts_rank for tens of thousands of rows), so it is
        // listed newest first instead.
        let mut text_count = None;
        // SQLite: the same count, with the span of its matches (for a walk
        // by name).
        let mut text_sample = None;
        let driver = match words {
            Some(w) => {
                let n = if pg {
                    let mut c = Sql::default();
                    c.push("SELECT 1 AS one FROM catalog_entry e WHERE ");
                    push_ts_match(&mut c, &w);
                    Count::find_by_statement(
                        capped_count(&c, count_cap).read_statement(self.engine),
                    )
                    .one(&tx)
                    .await?
                    .map_or(0, |c| c.n.max(0) as u64)
                } else {
                    let mut t = Sql::default();
                    t.push(" FROM catalog_fts WHERE catalog_fts MATCH ")
                        .bind(fts5_match(&w, &[]));
                    let sample = self.catalog_sample(&tx, &t).await?;
                    let n = sample.n;
                    text_sample = Some(sample);
                    n
                };
                text_count = Some(n);
                // Ranked matches (at most COUNT_CAP) are all read anyway;
                // else the index also narrows by the filters' facet words.
                let ranked = q.sort == CatalogSort::Relevance && n <= CatalogPage::COUNT_CAP;
                let facets = if ranked { vec![] } else { facet_words(q, !pg) };
                Driver::Text(w, facets)
            }
            None => {
                // The rarest of the capability and the pricing model asked
                // for, if it is rare enough.
                let max = tuning.facet_drive_max;
                let mut best: Option<(u64, String)> = None;
                let facets = [
                    q.capability.as_deref().map(|c| format!("cap:{c}")),
                    q.pricing.as_deref().map(|p| format!("price:{p}")),
                ];
                for f in facets.into_iter().flatten() {
                    let mut c = Sql::default();
                    c.push("SELECT 1 AS one FROM catalog_facet WHERE facet = ")
                        .bind(f.clone());
                    let n = Count::find_by_statement(
                        capped_count(&c, max + 1).read_statement(self.engine),
                    )
                    .one(&tx)
                    .await?
                    .map_or(0, |c| c.n.max(0) as u64);
                    if n <= max && best.as_ref().is_none_or(|(m, _)| n < *m) {
                        best = Some((n, f));
                    }
                }
                match best {
                    Some((_, f)) => Driver::Facet(f),
                    None => Driver::All,
                }
            }
        };
        let common = text_count.is_some_and(|n| n > CatalogPage::COUNT_CAP);
        out.ranked = text_count.is_some() && q.sort == CatalogSort::Relevance && !common;

        let mut from = Sql::default();
        // The expression "newest first" orders by, for this driver.
        let newest = match (&driver, pg) {
            (Driver::Text(w, facets), false) => {
                // FTS5 drives (its rowid is `doc`): newest first is the
                // index's own order, so a page of a common word reads only
                // the matches up to the page.
                from.push(
                    " FROM catalog_fts CROSS JOIN catalog_entry e ON e.doc = catalog_fts.rowid \
                     WHERE catalog_fts MATCH ",
                )
                .bind(fts5_match(w, facets));
                "catalog_fts.rowid DESC"
            }
            (Driver::Text(w, facets), true) => {
                // Inline (not a joined function scan), so the planner sees a
                // constant and can use the GIN index (migration 17 lets it
                // under row-level security).
                from.push(" FROM catalog_entry e WHERE ");
                if facets.is_empty() {
                    push_ts_match(&mut from, w);
                } else {
                    // The index is asked for the facet words and the whole
                    // words; a prefix (`data:*`: every term that starts
                    // with it, 11–14 ms for a common one) is checked on the
                    // rows it yields.
                    let n = w.len();
                    let whole = if prefix_last(w) { &w[..n - 1] } else { &w[..] };
                    from.push("e.search @@ ")
                        .bind(facet_tsquery(facets))
                        .push("::tsquery");
                    if !whole.is_empty() {
                        from.push(" AND e.search @@ to_tsquery('simple', ")
                            .bind(whole.join(" & "))
                            .push(")");
                    }
                    if whole.len() < n {
                        from.push(" AND ts_match_vq(e.search, to_tsquery('simple', ")
                            .bind(ts_query(w))
                            .push("))");
                    }
                }
                "e.doc DESC"
            }
            (Driver::Facet(f), _) => {
                if pg {
                    // Fenced (OFFSET 0), so the planner cannot turn the join
                    // around and walk every listing newest first, probing the
                    // facet for each.
                    from.push(" FROM (SELECT doc FROM catalog_facet WHERE facet = ")
                        .bind(f.clone())
                        .push(" OFFSET 0) d JOIN catalog_entry e ON e.doc = d.doc WHERE 1 = 1");
                } else {
                    from.push(
                        " FROM catalog_facet d CROSS JOIN catalog_entry e ON e.doc = d.doc \
                         WHERE d.facet = ",
                    )
                    .bind(f.clone());
                }
                "d.doc DESC"
            }
            (Driver::All, _) => {
                from.push(" FROM catalog_entry e WHERE 1 = 1");
                "e.doc DESC"
            }
        };
        push_filters(&mut from, q);
        if pg && matches!(driver, Driver::Text(..)) && !common {
            // At most COUNT_CAP matches: all of them from the GIN index, then
            // sorted. Fenced (OFFSET 0), so a planner that overestimates a
            // rare word cannot choose to walk every listing newest first
            // instead, testing each.
            let mut fenced = Sql::default();
            fenced
                .push(" FROM (SELECT e.*")
                .push(&from.text)
                .push(" OFFSET 0) e");
            fenced.values = std::mem::take(&mut from.values);
            from = fenced;
        }

        let order = match (q.sort, out.ranked, pg) {
            (CatalogSort::Relevance, true, false) => {
                // Weights follow the FTS5 columns: name, publisher, tools, body.
                format!(" ORDER BY bm25(catalog_fts, 10.0, 5.0, 3.0, 1.0), {newest}")
            }
            (CatalogSort::Relevance, true, true) => {
                format!(" ORDER BY ts_rank(e.search, to_tsquery('simple', ?)) DESC, {newest}")
            }
            (CatalogSort::Name, _, _) => " ORDER BY e.name_key, e.listing_id".to_owned(),
            _ => format!(" ORDER BY {newest}"),
        };

        let offset = i64::from(page - 1) * i64::from(size);
        // SQLite, text sorted by name: FTS5 yields the matches newest first
        // only, so a page sorts every match by name (~1 µs each: 180 ms for
        // a word in 73k of 100k listings). When the matches are dense enough
        // the names are walked in order instead, each listing tested
        // against the text, and the walk stops at the page.
        let mut known_count = None;
        let mut walk = None;
        if let (Driver::Text(w, facets), Some(text), CatalogSort::Name) =
            (&driver, &text_sample, q.sort)
        {
            let need = offset as u64 + u64::from(size) + 1;
            let (n, plan) = self
                .name_plan(&tx, &from, (w, facets), text, has_filters(q), need, tuning)
                .await?;
            known_count = n;
            let mut names = Sql::default();
            names.push(" FROM catalog_entry e INDEXED BY ix_catalog_entry_name WHERE 1 = 1");
            walk = match plan {
                NamePlan::Sort => None,
                NamePlan::Walk => {
                    push_filters(&mut names, q);
                    // Last, so SQLite tests the columns before it seeks the text.
                    names
                        .push(" AND EXISTS (SELECT 1 FROM catalog_fts WHERE catalog_fts MATCH ")
                        .bind(fts5_match(w, &[]))
                        .push(" AND catalog_fts.rowid = e.doc)");
                    Some(names)
                }
                NamePlan::WalkSet => {
                    // The set is built once; each name's `doc` (in the
                    // index entry) is looked up in it before its row is read.
                    names
                        .push(
                            " AND e.doc IN (SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH ",
                        )
                        .bind(fts5_match(w, facets))
                        .push(")");
                    push_filters(&mut names, q);
                    Some(names)
                }
            };
        }
        let page_from = walk.as_ref().unwrap_or(&from);
        let mut select = Sql::default();
        select.push(HIT_COLUMNS).push(&page_from.text).push(&order);
        select.values = page_from.values.clone();
        if let (true, true, Driver::Text(w, _)) = (pg, out.ranked, &driver) {
            // The ORDER BY's own to_tsquery placeholder comes last.
            select.values.push(ts_query(w).into());
        }
        select
            .push(" LIMIT ")
            .bind(i64::from(size) + 1)
            .push(" OFFSET ")
            .bind(offset);
        let rows = HitRow::find_by_statement(select.read_statement(self.engine))
            .all(&tx)
            .await?;

        // The count: the text's own count when nothing else filters.
        let n = match (known_count, text_count) {
            (Some(n), _) => n,
            (None, Some(n)) if !has_filters(q) => n,
            _ => {
                let mut inner = Sql::default();
                inner.push("SELECT 1 AS one").push(&from.text);
                inner.values = from.values.clone();
                Count::find_by_statement(
                    capped_count(&inner, count_cap).read_statement(self.engine),
                )
                .one(&tx)
                .await?
                .map_or(0, |c| c.n.max(0) as u64)
            }
        };
        tx.commit().await?;

        out.total_capped = n > CatalogPage::COUNT_CAP;
        out.total = n.min(CatalogPage::COUNT_CAP);
        out.has_next = rows.len() > size as usize;
        for r in rows.into_iter().take(size as usize) {
            out.hits.push(CatalogHit {
                listing_id: parse_id(&r.listing_id)?,
                version_id: parse_id(&r.version_id)?,
                slug: r.slug,
                name: r.name,
                category: r.category,
                summary: r.summary,
                publisher_slug: r.publisher_slug,
                publisher_name: r.publisher_name,
                publisher_verified: r.verified,
                publisher_verification_lapsed: r.verification_lapsed,
                version: r.version,
                risk: r.risk,
                pricing: r
                    .pricing
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                tool_count: r.tool_count.max(0) as u64,
                published_at: r.published_at,
            });
        }
        Ok(out)
    }

    /// SQLite, text sorted by name: how the page is found, and the number
    /// of matches of `from` (the full-text driven search with every filter,
    /// up to `COUNT_CAP` + 1) when it was counted on the way. `text` is the
    /// sample of the text alone; a set walk gathers the matches of `words`
    /// and the filters' `facets`.
    #[allow(clippy::too_many_arguments)]
    async fn name_plan(
        &self,
        tx: &crate::ReadConn,
        from: &Sql,
        (words, facets): (&[String], &[String]),
        text: &Sample,
        filtered: bool,
        need: u64,
        tuning: SearchTuning,
    ) -> Result<(Option<u64>, NamePlan)> {
        // Measured at 100k listings (BENCHMARKS.md): sorting costs ~1 µs a
        // match, building the set ~0.17 µs a match, walking past a name
        // ~0.3 µs. With n matches spread over the names, the set walk reads
        // need x listings / n names, so it pays once n^2 >= need x listings
        // x 0.3 / (1 - 0.17), about need x listings x SET_WALK_RATIO.
        const SET_WALK_RATIO: (u64, u64) = (1, 2);
        let max = tuning.name_walk_max;
        if max == u64::MAX {
            return Ok((None, NamePlan::Walk));
        }
        let mut n = None;
        if max > 0 {
            let (count, walk) = self
                .name_walk_pays(tx, from, text, filtered, need, max)
                .await?;
            if walk {
                return Ok((count, NamePlan::Walk));
            }
            n = count;
        }
        let few = |n: u64| n <= CatalogPage::COUNT_CAP;
        let set = match tuning.name_set_walk {
            Some(set) => set,
            // Sorting at most a sample's worth of matches is cheap.
            None if few(text.n) || n.is_some_and(few) => false,
            None => {
                let listings = Count::find_by_statement(Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "SELECT COUNT(*) AS n FROM catalog_entry",
                ))
                .one(tx)
                .await?
                .map_or(0, |c| c.n.max(0) as u64);
                let (num, den) = SET_WALK_RATIO;
                let min = (need.saturating_mul(listings).saturating_mul(num) / den)
                    .isqrt()
                    .max(CatalogPage::COUNT_CAP + 1);
                let mut c = Sql::default();
                c.push("SELECT 1 AS one FROM catalog_fts WHERE catalog_fts MATCH ")
                    .bind(fts5_match(words, facets));
                let matches =
                    Count::find_by_statement(capped_count(&c, min).statement(self.engine))
                        .one(tx)
                        .await?
                        .map_or(0, |c| c.n.max(0) as u64);
                matches >= min
            }
        };
        Ok((
            n,
            if set {
                NamePlan::WalkSet
            } else {
                NamePlan::Sort
            },
        ))
    }

    /// Whether walking the names for the page's first `need` matches of
    /// `from` is expected to cost at most `max` text tests, with the number
    /// of matches of `from` when counted (see [`Store::name_plan`]). A walk
    /// reads `need` / (share of listings that match everything) names, and
    /// tests the text (an FTS5 seek, 6-45 µs) on `need` / (share that match
    /// the text) of them; a name read costs about a twelfth of a test.
    async fn name_walk_pays(
        &self,
        tx: &crate::ReadConn,
        from: &Sql,
        text: &Sample,
        filtered: bool,
        need: u64,
        max: u64,
    ) -> Result<(Option<u64>, bool)> {
        const READS_PER_TEST: u64 = 12;
        // Without filters `from` finds what the text finds.
        let all = if filtered {
            self.catalog_sample(tx, from).await?
        } else {
            text.clone()
        };
        let n = Some(all.n);
        // Fewer than a sample (every match is in it: sorting them is cheap),
        // or spread wider than a walk may read.
        let Some(reads) = self
            .catalog_span(tx, &all, READS_PER_TEST.saturating_mul(max), need)
            .await?
        else {
            return Ok((n, false));
        };
        let tests = if filtered {
            match self.catalog_span(tx, text, max, need).await? {
                Some(tests) => tests,
                None => return Ok((n, false)),
            }
        } else {
            reads
        };
        Ok((n, tests.saturating_add(reads / READS_PER_TEST) <= max))
    }

    /// SQLite: the first `COUNT_CAP` + 1 full-text matches of `from` (a FROM
    /// clause naming `catalog_fts`), in the index's order: how many there
    /// are and the span of `doc`s they lie in.
    async fn catalog_sample(&self, tx: &crate::ReadConn, from: &Sql) -> Result<Sample> {
        let mut q = Sql::default();
        q.push("SELECT COUNT(*) AS n, MIN(doc) AS lo, MAX(doc) AS hi FROM (SELECT catalog_fts.rowid AS doc")
            .push(&from.text);
        q.values = from.values.clone();
        q.push(" LIMIT ")
            .bind((CatalogPage::COUNT_CAP + 1) as i64)
            .push(") t");
        let s = RawSample::find_by_statement(q.statement(self.engine))
            .one(tx)
            .await?;
        Ok(s.map_or_else(Sample::default, |s| Sample {
            n: s.n.max(0) as u64,
            lo: s.lo,
            hi: s.hi,
        }))
    }

    /// How many listings a walk by name reads to find `need` of a full
    /// sample's matches (the listings its `doc`s span, per match), if at
    /// most `max`. None: the sample holds every match (too few to walk for),
    /// or the walk is longer.
    async fn catalog_span(
        &self,
        tx: &crate::ReadConn,
        s: &Sample,
        max: u64,
        need: u64,
    ) -> Result<Option<u64>> {
        let (true, Some(lo), Some(hi)) = (s.n > CatalogPage::COUNT_CAP, s.lo, s.hi) else {
            return Ok(None);
        };
        // Counted only as far as the walk could still be short enough.
        let span_max = max.saturating_mul(s.n) / need + 1;
        let mut c = Sql::default();
        c.push("SELECT 1 AS one FROM catalog_entry WHERE doc BETWEEN ")
            .bind(lo)
            .push(" AND ")
            .bind(hi);
        let span = Count::find_by_statement(capped_count(&c, span_max).statement(self.engine))
            .one(tx)
            .await?
            .map_or(0, |c| c.n.max(0) as u64);
        let reads = need.saturating_mul(span) / s.n;
        Ok((span < span_max && reads <= max).then_some(reads))
    }

    /// Rebuilds every catalog row from the listings (a fresh migration on a
    /// database that already has published listings; bulk loads).
    pub async fn rebuild_catalog(&self) -> Result<u64> {
        use sea_orm::TransactionTrait;
        let tx = self.db.begin().await?;
        crate::set_row_scope(&tx, self.engine, RowScope::System).await?;
        let ids: Vec<String> = listing_version::Entity::find()
            .select_only()
            .column(listing_version::Column::ListingId)
            .distinct()
            .filter(listing_version::Column::State.eq(VersionState::Published.as_str()))
            .order_by_asc(listing_version::Column::ListingId)
            .into_tuple()
            .all(&tx)
            .await?;
        refresh_listings(&tx, self.engine, &ids).await?;
        tx.commit().await?;
        self.optimize_catalog_index().await?;
        Ok(ids.len() as u64)
    }

    /// SQLite: how many b-trees (segments) the catalog's full-text index is
    /// in. FTS5 writes one per transaction (more for a large one) and merges
    /// them only in part; testing a listing against a text seeks in each, so
    /// a catalog built by many publishes tests dearer than a merged one
    /// (BENCHMARKS.md). 0 on PostgreSQL.
    pub async fn catalog_index_segments(&self) -> Result<u64> {
        if self.engine != Engine::Sqlite {
            return Ok(0);
        }
        let n = Count::find_by_statement(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(DISTINCT segid) AS n FROM catalog_fts_idx",
        ))
        .one(&self.db)
        .await?;
        Ok(n.map_or(0, |c| c.n.max(0) as u64))
    }

    /// SQLite: merges the catalog's full-text index into one b-tree at once
    /// (seconds for 100k listings, other writers wait): after a rebuild or a
    /// bulk load. A running server merges in short steps instead
    /// ([`Store::merge_catalog_index`]).
    pub async fn optimize_catalog_index(&self) -> Result<()> {
        if self.engine == Engine::Sqlite {
            self.db
                .execute_unprepared("INSERT INTO catalog_fts(catalog_fts) VALUES('optimize')")
                .await?;
        }
        Ok(())
    }

    /// SQLite: one step towards a full-text index in one b-tree, writing
    /// about `pages` pages of it (a short write; nothing when it is in one
    /// already). Returns how many b-trees are left (0 on PostgreSQL, whose
    /// GIN index needs nothing of the kind).
    pub async fn merge_catalog_index(&self, pages: u32) -> Result<u64> {
        if self.engine != Engine::Sqlite {
            return Ok(0);
        }
        // A negative page count merges every b-tree, whatever its level.
        self.db
            .execute_unprepared(&format!(
                "INSERT INTO catalog_fts(catalog_fts, rank) VALUES('merge', -{})",
                pages.max(1)
            ))
            .await?;
        self.catalog_index_segments().await
    }
}

impl WriteTx {
    /// Brings a listing's catalog row in step with its live version, in this
    /// transaction (removes it when no version is published any more). The
    /// store's writes call this themselves.
    pub(crate) async fn refresh_catalog_entry(&self, listing: domain::ListingId) -> Result<()> {
        refresh_listings(&self.tx, self.engine, &[listing.to_string()]).await
    }

    /// [`WriteTx::refresh_catalog_entry`] for the listing a version belongs to.
    pub(crate) async fn refresh_catalog_of_version(
        &self,
        version: domain::VersionId,
    ) -> Result<()> {
        let listing: Option<String> = listing_version::Entity::find_by_id(version.to_string())
            .select_only()
            .column(listing_version::Column::ListingId)
            .into_tuple()
            .one(&self.tx)
            .await?;
        match listing {
            Some(l) => refresh_listings(&self.tx, self.engine, &[l]).await,
            None => Ok(()),
        }
    }

    /// Refreshes the catalog rows of every listing an organization has in the
    /// catalog (its name or verification shows on each card).
    pub(crate) async fn refresh_catalog_of_org(&self, org: domain::OrgId) -> Result<()> {
        let mut q = Sql::default();
        q.push("SELECT listing_id AS id FROM catalog_entry WHERE org_id = ")
            .bind(org.to_string());
        #[derive(FromQueryResult)]
        struct Id {
            id: String,
        }
        let ids: Vec<String> = Id::find_by_statement(q.statement(self.engine))
            .all(&self.tx)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        refresh_listings(&self.tx, self.engine, &ids).await
    }
}

#[derive(FromQueryResult)]
struct LiveRow {
    id: String,
    listing_id: String,
    version: String,
    created_at: i64,
    published_at: Option<i64>,
    risk: Option<String>,
    screening: String,
}

/// Rewrites the catalog rows of `listings` from their current state, through
/// `conn` (the caller's transaction and row scope).
pub(crate) async fn refresh_listings(
    conn: &impl ConnectionTrait,
    engine: Engine,
    listings: &[String],
) -> Result<()> {
    for chunk in listings.chunks(400) {
        refresh_chunk(conn, engine, chunk).await?;
    }
    Ok(())
}

async fn exec(conn: &impl ConnectionTrait, engine: Engine, q: &Sql) -> Result<()> {
    conn.execute_raw(q.statement(engine)).await?;
    Ok(())
}

/// The overall risk tier and the capabilities of a version, from its stored
/// screening (as the consent screen reads it: a tool the screening does not
/// name counts as high risk).
fn risk_and_capabilities(
    tools: &[String],
    risk: Option<&str>,
    screening: &str,
) -> (&'static str, BTreeSet<String>) {
    let report: serde_json::Value = serde_json::from_str(screening).unwrap_or_default();
    let classes = report["tools"].as_array();
    let mut rank = risk.and_then(risk_rank);
    let mut caps = BTreeSet::new();
    for name in tools {
        let class = classes.and_then(|a| a.iter().find(|c| c["name"] == name.as_str()));
        let r = class
            .and_then(|c| c["risk"].as_str())
            .and_then(risk_rank)
            .unwrap_or(2);
        rank = Some(rank.map_or(r, |x| x.max(r)));
        for c in class
            .and_then(|c| c["capabilities"].as_array())
            .into_iter()
            .flatten()
        {
            if let Some(c) = c.as_str() {
                caps.insert(c.to_owned());
            }
        }
    }
    // Nothing screened and no tools: not known to be safe.
    (RISK_TIERS[rank.unwrap_or(2) as usize], caps)
}

/// The live (latest published) version of each of `ids` that has one.
async fn live_versions(
    conn: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, LiveRow>> {
    let versions: Vec<LiveRow> = listing_version::Entity::find()
        .select_only()
        .columns([
            listing_version::Column::Id,
            listing_version::Column::ListingId,
            listing_version::Column::Version,
            listing_version::Column::CreatedAt,
            listing_version::Column::PublishedAt,
            listing_version::Column::Risk,
            listing_version::Column::Screening,
        ])
        .filter(listing_version::Column::ListingId.is_in(ids.iter().cloned()))
        .filter(listing_version::Column::State.eq(VersionState::Published.as_str()))
        .into_model::<LiveRow>()
        .all(conn)
        .await?;
    let mut live: HashMap<String, LiveRow> = HashMap::new();
    for v in versions {
        let key = |v: &LiveRow| (v.published_at(), v.id.clone());
        match live.get(&v.listing_id) {
            Some(cur) if key(cur) >= key(&v) => {}
            _ => {
                live.insert(v.listing_id.clone(), v);
            }
        }
    }
    Ok(live)
}

impl LiveRow {
    fn published_at(&self) -> i64 {
        self.published_at.unwrap_or(self.created_at)
    }
}

async fn refresh_chunk(conn: &impl ConnectionTrait, engine: Engine, ids: &[String]) -> Result<()> {
    // Out with the old rows.
    if engine == Engine::Sqlite {
        let mut q = Sql::default();
        q.push("DELETE FROM catalog_fts WHERE rowid IN (SELECT doc FROM catalog_entry WHERE listing_id IN ")
            .bind_list(ids)
            .push(")");
        exec(conn, engine, &q).await?;
    }
    for table in ["catalog_facet", "catalog_entry"] {
        let mut q = Sql::default();
        q.push(&format!("DELETE FROM {table} WHERE listing_id IN "))
            .bind_list(ids);
        exec(conn, engine, &q).await?;
    }
    let live = live_versions(conn, ids).await?;
    if live.is_empty() {
        return Ok(());
    }

    // Each listing's place in "newest first", among the catalog rows of
    // listings published in the same millisecond (rarely any).
    let mut by_time: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, v) in &live {
        by_time
            .entry(v.published_at())
            .or_default()
            .push(id.clone());
    }
    #[derive(FromQueryResult)]
    struct Placed {
        id: String,
        published_at: i64,
        doc: i64,
    }
    let mut q = Sql::default();
    q.push("SELECT listing_id AS id, published_at, doc FROM catalog_entry WHERE published_at IN (");
    for (i, t) in by_time.keys().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(*t);
    }
    q.push(")");
    let mut placed: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for p in Placed::find_by_statement(q.statement(engine))
        .all(conn)
        .await?
    {
        placed
            .entry(p.published_at)
            .or_default()
            .push((p.id, p.doc));
    }
    let mut docs: HashMap<String, i64> = HashMap::new();
    for (t, new) in by_time {
        let existing = placed.remove(&t).unwrap_or_default();
        docs.extend(place(t, existing, new)?);
    }

    let live_ids: Vec<String> = live.keys().cloned().collect();
    write_rows(conn, engine, &live_ids, &live, &docs).await
}

/// `doc` values for the listings `new`, all published at `t`, among the rows
/// `existing` (listing id, doc) already published at `t`: in listing id order,
/// between their neighbours, spread over the free room (spaced, and offset
/// within the middle half of each one's share by a hash of the id, so two
/// transactions that each place one listing in the same millisecond hardly
/// ever pick the same value, and a placement leaves at least a quarter of its
/// share free on either side). After the last existing row (if any) a share is
/// at most
/// [`TAIL_SHARE`]: listings are mostly placed one at a time in id order (ids
/// grow with time), and each such append then uses a little of the tail
/// instead of up to all of it.
/// Existing rows keep their value (they may belong to another organization,
/// which this transaction may not write). Rows of the old numbering (a catalog
/// being rebuilt) are ignored: they are rewritten in the same rebuild.
fn place(t: i64, existing: Vec<(String, i64)>, mut new: Vec<String>) -> Result<Vec<(String, i64)>> {
    let base = doc_key(t)?;
    let room = 1i64 << TIE_BITS;
    let mut existing: Vec<(String, i64)> = existing
        .into_iter()
        .filter(|(_, d)| (base..base + room).contains(d))
        .map(|(id, d)| (id, d - base))
        .collect();
    existing.sort();
    new.sort();
    let mut out = Vec::with_capacity(new.len());
    let mut rest = new.as_slice();
    // The gaps: before the first existing row, between two, after the last.
    for i in 0..=existing.len() {
        let lo = if i == 0 { -1 } else { existing[i - 1].1 };
        let hi = existing.get(i).map_or(room, |e| e.1);
        let n = match existing.get(i) {
            Some((next, _)) => rest.iter().take_while(|id| *id < next).count(),
            None => rest.len(),
        };
        let (here, after) = rest.split_at(n);
        rest = after;
        if here.is_empty() {
            continue;
        }
        let free = hi - lo - 1;
        let mut share = free / here.len() as i64;
        if i == existing.len() && i > 0 {
            share = share.min(TAIL_SHARE);
        }
        if share < 1 {
            return Err(crate::StoreError::Corrupt(format!(
                "no room left in the catalog order for listings published at {t}"
            )));
        }
        for (k, id) in here.iter().enumerate() {
            let jitter = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            }) % (share as u64 / 2).max(1);
            let offset = share / 4 + jitter as i64;
            out.push((id.clone(), base + lo + 1 + k as i64 * share + offset));
        }
    }
    Ok(out)
}

/// Inserts the catalog rows of `ids` (each has a live version and a `doc`).
async fn write_rows(
    conn: &impl ConnectionTrait,
    engine: Engine,
    ids: &[String],
    live: &HashMap<String, LiveRow>,
    docs: &HashMap<String, i64>,
) -> Result<()> {
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids.iter().cloned()))
        .all(conn)
        .await?;
    let orgs: HashMap<String, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(listings.iter().map(|l| l.org_id.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let version_ids: Vec<String> = ids
        .iter()
        .filter_map(|id| live.get(id))
        .map(|v| v.id.clone())
        .collect();
    let mut tools: HashMap<String, Vec<String>> = HashMap::new();
    let tool_rows: Vec<(String, String)> = tool::Entity::find()
        .select_only()
        .columns([tool::Column::VersionId, tool::Column::Name])
        .filter(tool::Column::VersionId.is_in(version_ids.iter().cloned()))
        .order_by_asc(tool::Column::VersionId)
        .order_by_asc(tool::Column::Position)
        .into_tuple()
        .all(conn)
        .await?;
    for (v, name) in tool_rows {
        tools.entry(v).or_default().push(name);
    }
    let mut plans: HashMap<String, BTreeSet<String>> = HashMap::new();
    let plan_rows: Vec<(String, String)> = price_plan::Entity::find()
        .select_only()
        .columns([price_plan::Column::VersionId, price_plan::Column::Kind])
        .filter(price_plan::Column::VersionId.is_in(version_ids.iter().cloned()))
        .into_tuple()
        .all(conn)
        .await?;
    for (v, kind) in plan_rows {
        plans.entry(v).or_default().insert(kind);
    }

    let mut entries = Sql::default();
    let pg = engine == Engine::Postgres;
    entries.push(
        "INSERT INTO catalog_entry (listing_id, org_id, slug, name, name_key, category, summary, \
         description, publisher_slug, publisher_name, verified, verification_lapsed, version_id, \
         version, risk, risk_rank, pricing, tool_count, tool_names, published_at, doc, caps, \
         prices",
    );
    entries.push(if pg { ", search) VALUES " } else { ") VALUES " });
    let mut facets = Sql::default();
    facets.push("INSERT INTO catalog_facet (facet, listing_id, org_id, doc) VALUES ");
    let mut fts = Sql::default();
    fts.push("INSERT INTO catalog_fts (rowid, name, publisher, tools, body, facets) VALUES ");
    let (mut n_entries, mut n_facets) = (0, 0);
    for l in &listings {
        let (Some(v), Some(o), Some(doc)) = (
            live.get(&l.id),
            orgs.get(&l.org_id),
            docs.get(&l.id).copied(),
        ) else {
            continue;
        };
        let names = tools.get(&v.id).map(Vec::as_slice).unwrap_or_default();
        let (risk, caps) = risk_and_capabilities(names, v.risk.as_deref(), &v.screening);
        let kinds = plans.get(&v.id);
        // No plans shows as free; kinds in the marketplace's order.
        let pricing: Vec<&str> = match kinds {
            None => vec![PlanKind::Free.as_str()],
            Some(k) => PlanKind::ALL
                .iter()
                .map(|p| p.as_str())
                .filter(|p| k.contains(*p))
                .collect(),
        };
        let paid = pricing.iter().any(|p| *p != PlanKind::Free.as_str());
        let verified = o.verified_domain.is_some();
        let mut words: Vec<String> = caps.iter().map(|c| facet_word("cap", c)).collect();
        words.extend(pricing.iter().map(|p| facet_word("price", p)));
        if paid {
            words.push(facet_word("price", "paid"));
        }
        words.push(facet_word("category", &l.category));
        if verified {
            words.push(facet_word("verified", "yes"));
        }
        if !pg {
            if n_entries > 0 {
                fts.push(", ");
            }
            fts.push("(")
                .bind(doc)
                .push(", ")
                .bind(l.name.clone())
                .push(", ")
                .bind(o.name.clone())
                .push(", ")
                .bind(names.join(" "))
                .push(", ")
                .bind(format!("{} {}", l.summary, l.description))
                .push(", ")
                .bind(words.join(" "))
                .push(")");
        }
        if n_entries > 0 {
            entries.push(", ");
        }
        n_entries += 1;
        entries
            .push("(")
            .bind(l.id.clone())
            .push(", ")
            .bind(l.org_id.clone())
            .push(", ")
            .bind(l.slug.clone())
            .push(", ")
            .bind(l.name.clone())
            .push(", ")
            .bind(l.name.to_lowercase())
            .push(", ")
            .bind(l.category.clone())
            .push(", ")
            .bind(l.summary.clone())
            .push(", ")
            .bind(l.description.clone())
            .push(", ")
            .bind(o.slug.clone())
            .push(", ")
            .bind(o.name.clone())
            .push(", ")
            .bind(verified)
            .push(", ")
            .bind(o.verification_lapsed_at.is_some())
            .push(", ")
            .bind(v.id.clone())
            .push(", ")
            .bind(v.version.clone())
            .push(", ")
            .bind(risk.to_owned())
            .push(", ")
            .bind(risk_rank(risk).unwrap_or(2))
            .push(", ")
            .bind(pricing.join(","))
            .push(", ")
            .bind(names.len() as i32)
            .push(", ")
            .bind(names.join(" "))
            .push(", ")
            .bind(v.published_at())
            .push(", ")
            .bind(doc)
            .push(", ")
            .bind(
                caps.iter()
                    .filter_map(|c| bit(&CATALOG_CAPABILITIES, c))
                    .fold(0, |m, b| m | b),
            )
            .push(", ")
            .bind(
                pricing
                    .iter()
                    .filter_map(|p| bit(&PRICE_BITS, p))
                    .fold(0, |m, b| m | b)
                    | if paid {
                        bit(&PRICE_BITS, "paid").unwrap_or(0)
                    } else {
                        0
                    },
            );
        if pg {
            let body = format!("{} {}", l.summary, l.description);
            let tool_text = names.join(" ");
            for (i, (text, weight)) in [
                (l.name.as_str(), 'A'),
                (o.name.as_str(), 'B'),
                (tool_text.as_str(), 'C'),
                (body.as_str(), 'D'),
            ]
            .into_iter()
            .enumerate()
            {
                entries
                    .push(if i == 0 { ", " } else { " || " })
                    .push("setweight(to_tsvector('simple', ")
                    .bind(fold(text))
                    .push(&format!("), '{weight}')"));
            }
            // The facet words as lexemes, verbatim (see `facet_word`).
            let lexemes: Vec<String> = words.iter().map(|w| format!("~{w}")).collect();
            entries
                .push(" || array_to_tsvector(string_to_array(")
                .bind(lexemes.join(" "))
                .push(", ' '))");
        }
        entries.push(")");
        let mut add = |f: String| {
            if n_facets > 0 {
                facets.push(", ");
            }
            n_facets += 1;
            facets
                .push("(")
                .bind(f)
                .push(", ")
                .bind(l.id.clone())
                .push(", ")
                .bind(l.org_id.clone())
                .push(", ")
                .bind(doc)
                .push(")");
        };
        for c in &caps {
            add(format!("cap:{c}"));
        }
        for p in &pricing {
            add(format!("price:{p}"));
        }
        if paid {
            add("price:paid".to_owned());
        }
    }
    if n_entries == 0 {
        return Ok(());
    }
    exec(conn, engine, &entries).await?;
    if n_facets > 0 {
        exec(conn, engine, &facets).await?;
    }
    if !pg {
        exec(conn, engine, &fts).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_only() {
        assert_eq!(
            search_words(r#"  "Slack" NEAR(post* -message) ünïcode_Tool 42 "#),
            vec!["slack", "near", "post", "message", "unicode", "tool", "42"],
            "lower case, accents folded"
        );
        assert!(search_words(r#"*"-:&|!()'"#).is_empty());
        assert_eq!(search_words(&"w ".repeat(50)).len(), MAX_WORDS);
    }

    #[test]
    fn queries_quote_every_word_and_prefix_the_last() {
        let w = search_words("near AND fetch");
        assert_eq!(fts5_query(&w), r#""near" "and" "fetch"*"#);
        let long = search_words("timezones");
        assert_eq!(fts5_query(&long), r#""timezo"*"#, "cut to the prefix index");
        assert_eq!(ts_query(&w), "near & and & fetch:*");
        let one = search_words("x");
        assert_eq!(fts5_query(&one), r#""x""#, "one letter is no prefix");
        assert_eq!(ts_query(&one), "x");
    }

    #[test]
    fn postgres_reads_carry_their_values_as_literals() {
        let mut q = Sql::default();
        q.push("SELECT 1 FROM t WHERE a = ")
            .bind("o'brien \\ x".to_owned())
            .push(" AND b <= ")
            .bind(2)
            .push(" AND c = ")
            .bind(true)
            .push(" LIMIT ")
            .bind(1001i64);
        assert_eq!(
            q.inlined().as_deref(),
            Some(r"SELECT 1 FROM t WHERE a = 'o''brien \ x' AND b <= 2 AND c = TRUE LIMIT 1001"),
            "a quote cannot end the literal"
        );
        let mut nul = Sql::default();
        nul.push("SELECT ").bind("a\0b".to_owned());
        assert!(
            nul.inlined().is_none(),
            "no literal holds a NUL: bound instead"
        );
        let sqlite = q.read_statement(Engine::Sqlite);
        assert_eq!(
            sqlite.values.map(|v| v.0.len()),
            Some(4),
            "SQLite binds as before"
        );
    }

    #[test]
    fn places_keep_listing_id_order_and_leave_existing_rows_alone() {
        let ids = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let base = doc_key(5).unwrap();
        // Alone in its millisecond.
        let one = place(5, vec![], ids(&["m"])).unwrap();
        assert_eq!(one.len(), 1);
        assert!((base..base + (1 << TIE_BITS)).contains(&one[0].1));
        // Around existing rows (and ignoring rows of an old numbering).
        let existing = vec![
            ("d".to_owned(), one[0].1 - 7),
            ("p".to_owned(), one[0].1),
            ("x".to_owned(), 3),
        ];
        let new = place(5, existing.clone(), ids(&["z", "a", "n", "o", "e"])).unwrap();
        let mut all: Vec<(String, i64)> = existing[..2].iter().cloned().chain(new).collect();
        all.sort_by_key(|(_, d)| *d);
        assert_eq!(
            all.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            ["a", "d", "e", "n", "o", "p", "z"]
        );
        assert!(
            all.iter()
                .all(|(_, d)| (base..base + (1 << TIE_BITS)).contains(d))
        );
        // No room between two neighbours: an error, not a wrong order.
        let tight = vec![("a".to_owned(), base + 1), ("c".to_owned(), base + 2)];
        assert!(place(5, tight, ids(&["b"])).is_err());
        // One at a time, in id order (as listings are published): each
        // append leaves room for the next, far beyond a few dozen per
        // millisecond; so does each insertion in front of the first row.
        let mut rows: Vec<(String, i64)> = Vec::new();
        for n in 0..200 {
            let id = format!("k{n:04}");
            rows.extend(place(5, rows.clone(), vec![id]).unwrap());
        }
        for n in 0..12 {
            let id = format!("a{n:04}");
            rows.extend(place(5, rows.clone(), vec![id]).unwrap());
        }
        let mut order = rows.clone();
        order.sort_by_key(|(_, d)| *d);
        let mut by_id = rows;
        by_id.sort();
        assert_eq!(order, by_id, "doc order is listing id order");
        // Times the order cannot hold.
        assert!(doc_key(-1).is_err() && doc_key(1 << 43).is_err());
        assert_eq!(
            doc_key(1_795_000_000_000).unwrap() >> TIE_BITS,
            1_795_000_000_000
        );
    }

    #[test]
    fn risk_is_the_highest_tool_tier_and_unscreened_tools_count_high() {
        let screening = r#"{"tools":[
            {"name":"read","risk":"low","capabilities":["read_data"]},
            {"name":"pay","risk":"critical","capabilities":["financial","write_data"]}]}"#;
        let (r, caps) = risk_and_capabilities(&["read".into()], Some("low"), screening);
        assert_eq!(r, "low");
        assert_eq!(caps.into_iter().collect::<Vec<_>>(), vec!["read_data"]);
        let (r, caps) =
            risk_and_capabilities(&["read".into(), "pay".into()], Some("low"), screening);
        assert_eq!(r, "critical");
        assert_eq!(caps.len(), 3);
        let (r, _) = risk_and_capabilities(&["unknown".into()], None, "{}");
        assert_eq!(r, "high");
    }
}
