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

use std::collections::{BTreeSet, HashMap};

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

const HIT_COLUMNS: &str = "SELECT e.listing_id, e.slug, e.name, e.category, e.summary, \
    e.publisher_slug, e.publisher_name, e.verified, e.verification_lapsed, e.version_id, \
    e.version, e.risk, e.pricing, e.tool_count, e.published_at";

/// The filters of `q` as `AND …` conditions on `e` (catalog_entry).
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
    if let Some(c) = q.capability.as_deref() {
        facet(sql, false, format!("cap:{c}"));
    }
    if let Some(c) = q.without_capability.as_deref() {
        facet(sql, true, format!("cap:{c}"));
    }
    if let Some(p) = q.pricing.as_deref() {
        facet(sql, false, format!("price:{p}"));
    }
}

impl Store {
    /// One page of the public catalog: listings whose live version matches
    /// `q`, with the number of matches (counted up to
    /// [`CatalogPage::COUNT_CAP`]) and whether another page follows. Two
    /// statements: the page (one row more than a page, to know about the next)
    /// and the capped count.
    pub async fn search_catalog(&self, q: &CatalogQuery) -> Result<CatalogPage> {
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
        let tx = self.read_tx(RowScope::Public).await?;

        // A word in more than COUNT_CAP listings (first statement: the text
        // alone, counted up to the cap) is "common": ranking every match would
        // cost a full scan of its matches (bm25 / ts_rank for tens of
        // thousands of rows), so such searches walk the listings newest first
        // and test each for the text instead, stopping at the page.
        let common = match &words {
            None => false,
            Some(w) => {
                let mut c = Sql::default();
                if pg {
                    c.push("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM catalog_entry WHERE search @@ to_tsquery('simple', ")
                        .bind(ts_query(w))
                        .push(")");
                } else {
                    c.push("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM catalog_fts WHERE catalog_fts MATCH ")
                        .bind(fts5_query(w));
                }
                c.push(" LIMIT ")
                    .bind(CatalogPage::COUNT_CAP as i64 + 1)
                    .push(") t");
                let n = Count::find_by_statement(c.statement(self.engine))
                    .one(&tx)
                    .await?
                    .map_or(0, |c| c.n);
                n > CatalogPage::COUNT_CAP as i64
            }
        };
        out.ranked = words.is_some() && q.sort == CatalogSort::Relevance && !common;

        let mut from = Sql::default();
        match (&words, pg, common) {
            (Some(w), false, false) => {
                // Few matches: the full-text match drives the join.
                from.push(
                    " FROM catalog_fts CROSS JOIN catalog_entry e ON e.doc = catalog_fts.rowid \
                     WHERE catalog_fts MATCH ",
                )
                .bind(fts5_query(w));
            }
            (Some(w), false, true) => {
                // Many matches: the listings' order drives; each is probed.
                from.push(
                    " FROM catalog_entry e WHERE EXISTS (SELECT 1 FROM catalog_fts \
                     WHERE catalog_fts MATCH ",
                )
                .bind(fts5_query(w))
                .push(" AND catalog_fts.rowid = e.doc)");
            }
            (Some(w), true, _) => {
                // The query inline (not a joined function scan), so the
                // planner sees a constant and can use the GIN index.
                from.push(" FROM catalog_entry e WHERE e.search @@ to_tsquery('simple', ")
                    .bind(ts_query(w))
                    .push(")");
            }
            (None, _, _) => {
                from.push(" FROM catalog_entry e WHERE 1 = 1");
            }
        }
        push_filters(&mut from, q);
        // The count walks the text's matches (stopping at the cap) even when
        // the page walks the listings (a common word on SQLite): probing the
        // index per listing until a thousand match costs more than joining
        // from the matches.
        let count_from = match (&words, pg, common) {
            (Some(w), false, true) => {
                let mut c = Sql::default();
                c.push(
                    " FROM catalog_fts CROSS JOIN catalog_entry e ON e.doc = catalog_fts.rowid \
                     WHERE catalog_fts MATCH ",
                )
                .bind(fts5_query(w));
                push_filters(&mut c, q);
                c
            }
            _ => Sql {
                text: from.text.clone(),
                values: from.values.clone(),
            },
        };

        let order = match (q.sort, out.ranked, pg) {
            (CatalogSort::Relevance, true, false) => {
                // Weights follow the FTS5 columns: name, publisher, tools, body.
                " ORDER BY bm25(catalog_fts, 10.0, 5.0, 3.0, 1.0), e.published_at DESC, e.listing_id DESC"
            }
            (CatalogSort::Relevance, true, true) => {
                " ORDER BY ts_rank(e.search, to_tsquery('simple', ?)) DESC, e.published_at DESC, e.listing_id DESC"
            }
            (CatalogSort::Name, _, _) => " ORDER BY e.name_key, e.listing_id",
            _ => " ORDER BY e.published_at DESC, e.listing_id DESC",
        };

        let offset = i64::from(page - 1) * i64::from(size);
        let mut select = Sql::default();
        select.push(HIT_COLUMNS).push(&from.text).push(order);
        select.values = from.values.clone();
        if pg && out.ranked && q.sort == CatalogSort::Relevance {
            // The ORDER BY's own to_tsquery placeholder comes last.
            select
                .values
                .push(ts_query(words.as_deref().unwrap_or_default()).into());
        }
        select
            .push(" LIMIT ")
            .bind(i64::from(size) + 1)
            .push(" OFFSET ")
            .bind(offset);

        let mut count = Sql::default();
        count
            .push("SELECT COUNT(*) AS n FROM (SELECT 1 AS one")
            .push(&count_from.text);
        count.values = count_from.values;
        count
            .push(" LIMIT ")
            .bind(CatalogPage::COUNT_CAP as i64 + 1)
            .push(") t");

        let rows = HitRow::find_by_statement(select.statement(self.engine))
            .all(&tx)
            .await?;
        let n = Count::find_by_statement(count.statement(self.engine))
            .one(&tx)
            .await?
            .map_or(0, |c| c.n.max(0) as u64);
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
        Ok(ids.len() as u64)
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

    // The live version of each listing: its latest published one.
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
        let key = |v: &LiveRow| (v.published_at.unwrap_or(v.created_at), v.id.clone());
        match live.get(&v.listing_id) {
            Some(cur) if key(cur) >= key(&v) => {}
            _ => {
                live.insert(v.listing_id.clone(), v);
            }
        }
    }
    if live.is_empty() {
        return Ok(());
    }
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(live.keys().cloned()))
        .all(conn)
        .await?;
    let orgs: HashMap<String, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(listings.iter().map(|l| l.org_id.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let version_ids: Vec<String> = live.values().map(|v| v.id.clone()).collect();
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
         version, risk, risk_rank, pricing, tool_count, tool_names, published_at",
    );
    entries.push(if pg { ", search) VALUES " } else { ") VALUES " });
    let mut facets = Sql::default();
    facets.push("INSERT INTO catalog_facet (facet, listing_id, org_id) VALUES ");
    let (mut n_entries, mut n_facets) = (0, 0);
    for l in &listings {
        let (Some(v), Some(o)) = (live.get(&l.id), orgs.get(&l.org_id)) else {
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
            .bind(o.verified_domain.is_some())
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
            .bind(v.published_at.unwrap_or(v.created_at));
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
                .push(")");
        };
        for c in &caps {
            add(format!("cap:{c}"));
        }
        for p in &pricing {
            add(format!("price:{p}"));
        }
        if pricing.iter().any(|p| *p != PlanKind::Free.as_str()) {
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
    if engine == Engine::Sqlite {
        let mut q = Sql::default();
        q.push(
            "INSERT INTO catalog_fts (rowid, name, publisher, tools, body) \
             SELECT doc, name, publisher_name, tool_names, summary || ' ' || description \
             FROM catalog_entry WHERE listing_id IN ",
        )
        .bind_list(ids);
        exec(conn, engine, &q).await?;
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
