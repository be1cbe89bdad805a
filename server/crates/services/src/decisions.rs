//! The runtime permission check's memory: per-tenant compiled decision
//! structures and authenticated tokens, kept in step with the database by a
//! feed, and the decision counts and denials, written in batches.
//!
//! - **Cache.** A tenant's installs, grants, listing states and policy are
//!   compiled once (`authz::Compiled`) and reused for every call until a change
//!   names the tenant, one of its versions or listings, or everything. Tokens
//!   are kept by secret hash until their organization's tokens change.
//! - **Feed** ([`Services::spawn_decision_feed`], started by `steward serve`):
//!   polls the shared epoch (`store::authz_sync`) every [`POLL`] and at once
//!   when this process commits a change, drops what changed, and reports the
//!   epoch it applied with its heartbeat. A writer waits for every live
//!   process's report, so a suspension is in force everywhere when the
//!   operator sees it done.
//! - **Fail-safe.** The cache is used only while the feed has read the epoch
//!   within [`FRESH_MS`]; otherwise (no feed, database trouble) each call reads
//!   its facts from the database, as correct as before and slower.
//! - **Counting.** Each decision adds one to an in-memory counter per tenant,
//!   install, tool and outcome; denials are queued with their ids. A task
//!   writes both every [`FLUSH`] in one transaction, off the request path.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use domain::OrgId;
use store::{AuthzChange, DecisionCountRow, DenialRow};

use crate::identity::TokenPrincipal;
use crate::{Result, Services};

/// How often the feed reads the shared epoch.
pub const POLL: Duration = Duration::from_millis(20);
/// How long after the feed's last successful read the cache is still trusted.
pub const FRESH_MS: i64 = 1_000;
/// How often heartbeats are written when nothing changes.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often counts and denials are written.
pub const FLUSH: Duration = Duration::from_secs(2);
/// Distinct counters kept between two flushes; beyond this, new keys are
/// counted under the tool name `(other)` (a flood of made-up tool names must
/// not grow memory without bound).
const MAX_COUNTERS: usize = 50_000;
/// Denials kept between two flushes; beyond this they are counted, not kept.
const MAX_DENIALS: usize = 20_000;

/// One tenant's compiled facts.
#[derive(Debug)]
pub(crate) struct TenantEntry {
    /// The tenant's id as the compiled facts spell it.
    pub tenant: String,
    pub compiled: authz::Compiled,
    versions: HashSet<String>,
    listings: HashSet<String>,
}

impl TenantEntry {
    pub(crate) fn new(
        tenant: OrgId,
        snapshot: &authz::Snapshot,
        versions: HashSet<String>,
    ) -> TenantEntry {
        TenantEntry {
            tenant: tenant.to_string(),
            compiled: authz::Compiled::build(snapshot),
            versions,
            listings: snapshot.installs.iter().map(|i| i.agent.clone()).collect(),
        }
    }
}

/// An authenticated token, as remembered.
#[derive(Debug)]
pub(crate) struct CachedToken {
    pub principal: TokenPrincipal,
    pub expires_at: Option<i64>,
    pub last_used: AtomicI64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CountKey {
    org: OrgId,
    install: Box<str>,
    tool: Box<str>,
    outcome: &'static str,
}

/// A [`CountKey`] borrowed from the call: counting a key already there
/// allocates nothing. Its fields hash exactly as `CountKey`'s do.
#[derive(Hash)]
struct CountKeyRef<'a> {
    org: OrgId,
    install: &'a str,
    tool: &'a str,
    outcome: &'static str,
}

impl hashbrown::Equivalent<CountKey> for CountKeyRef<'_> {
    fn equivalent(&self, k: &CountKey) -> bool {
        self.org == k.org
            && self.outcome == k.outcome
            && self.install == &*k.install
            && self.tool == &*k.tool
    }
}

#[derive(Debug)]
pub struct DecisionCache {
    /// Tells this cache's entries apart from another's in a thread's copy
    /// (tests run several servers in one process).
    id: u64,
    tenants: RwLock<HashMap<OrgId, Arc<TenantEntry>>>,
    /// By the SHA-256 of the secret.
    tokens: RwLock<HashMap<[u8; 32], Arc<CachedToken>>>,
    /// Bumped by every invalidation: a fill that read the database before an
    /// invalidation must not store what it read.
    generation: AtomicU64,
    fresh_until: AtomicI64,
    seen: AtomicI64,
    counts: Mutex<hashbrown::HashMap<CountKey, i64>>,
    denials: Mutex<Vec<DenialRow>>,
    dropped: AtomicU64,
}

fn now() -> i64 {
    store::now_ms()
}

impl Default for DecisionCache {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        DecisionCache {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            tenants: Default::default(),
            tokens: Default::default(),
            generation: Default::default(),
            fresh_until: Default::default(),
            seen: Default::default(),
            counts: Default::default(),
            denials: Default::default(),
            dropped: Default::default(),
        }
    }
}

/// Entries a worker thread has read, so that a hit touches nothing another
/// thread writes: no lock and no reference count shared between cores, only
/// the generation (read, rarely written). Any invalidation bumps the
/// generation, and a thread drops its copy at its next lookup.
#[derive(Default)]
struct Local {
    cache: u64,
    generation: u64,
    tokens: HashMap<[u8; 32], Arc<CachedToken>>,
    tenants: HashMap<OrgId, Arc<TenantEntry>>,
}

/// Entries one thread keeps at most (past this, lookups go to the shared map).
const LOCAL_MAX: usize = 4_096;

thread_local! {
    static LOCAL: std::cell::RefCell<Local> = std::cell::RefCell::new(Local::default());
}

impl DecisionCache {
    /// Whether the cache may be trusted now.
    pub(crate) fn fresh(&self) -> bool {
        now() < self.fresh_until.load(Ordering::Acquire)
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// This thread's copy, emptied if anything was invalidated since it was
    /// filled. `f` must not look anything up in the cache itself.
    fn with_local<R>(&self, f: impl FnOnce(&mut Local) -> R) -> R {
        LOCAL.with_borrow_mut(|l| {
            let generation = self.generation();
            if l.cache != self.id || l.generation != generation {
                l.tokens.clear();
                l.tenants.clear();
                l.cache = self.id;
                l.generation = generation;
            }
            f(l)
        })
    }

    /// `f` of the tenant's compiled facts, if they are in memory (and the
    /// cache is trusted).
    pub(crate) fn with_tenant<R>(
        &self,
        org: OrgId,
        f: impl FnOnce(&TenantEntry) -> R,
    ) -> Option<R> {
        if !self.fresh() {
            return None;
        }
        self.with_local(|l| {
            if let Some(e) = l.tenants.get(&org) {
                return Some(f(e));
            }
            let e = self
                .tenants
                .read()
                .expect("tenants lock")
                .get(&org)
                .cloned()?;
            let out = f(&e);
            if l.tenants.len() < LOCAL_MAX {
                l.tenants.insert(org, e);
            }
            Some(out)
        })
    }

    /// Stores a tenant's entry built from facts read at `generation`.
    pub(crate) fn put_tenant(&self, org: OrgId, entry: Arc<TenantEntry>, generation: u64) {
        let mut t = self.tenants.write().expect("tenants lock");
        if self.generation() == generation && self.fresh() {
            t.insert(org, entry);
        }
    }

    /// `f` of the remembered token with this secret hash, if any (and the
    /// cache is trusted).
    pub(crate) fn with_token<R>(
        &self,
        hash: &[u8; 32],
        f: impl FnOnce(&CachedToken) -> R,
    ) -> Option<R> {
        if !self.fresh() {
            return None;
        }
        self.with_local(|l| {
            if let Some(t) = l.tokens.get(hash) {
                return Some(f(t));
            }
            let t = self
                .tokens
                .read()
                .expect("tokens lock")
                .get(hash)
                .cloned()?;
            let out = f(&t);
            if l.tokens.len() < LOCAL_MAX {
                l.tokens.insert(*hash, t);
            }
            Some(out)
        })
    }

    pub(crate) fn put_token(&self, hash: [u8; 32], token: Arc<CachedToken>, generation: u64) {
        let mut t = self.tokens.write().expect("tokens lock");
        if self.generation() == generation && self.fresh() {
            t.insert(hash, token);
        }
    }

    fn invalidate(&self, change: &AuthzChange) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        match change {
            AuthzChange::Tenant(org) => {
                self.tenants.write().expect("tenants lock").remove(org);
            }
            AuthzChange::Version(v) => {
                let v = v.to_string();
                self.tenants
                    .write()
                    .expect("tenants lock")
                    .retain(|_, e| !e.versions.contains(&v));
            }
            AuthzChange::Listing(l) => {
                let l = l.to_string();
                self.tenants
                    .write()
                    .expect("tenants lock")
                    .retain(|_, e| !e.listings.contains(&l));
            }
            AuthzChange::Tokens(org) => {
                self.tokens
                    .write()
                    .expect("tokens lock")
                    .retain(|_, t| t.principal.org != *org);
            }
            AuthzChange::All => self.clear(),
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.tenants.write().expect("tenants lock").clear();
        self.tokens.write().expect("tokens lock").clear();
    }

    /// How many tenants are compiled in memory (for tests and metrics).
    pub fn tenants_cached(&self) -> usize {
        self.tenants.read().expect("tenants lock").len()
    }

    /// Counts one decision; queues a denial.
    pub(crate) fn count(
        &self,
        org: OrgId,
        install: &str,
        agent: &str,
        tool: &str,
        outcome: &'static str,
        denial_id: Option<&str>,
    ) {
        let subject = if install.is_empty() { agent } else { install };
        {
            let mut counts = self.counts.lock().expect("counts lock");
            let borrowed = CountKeyRef {
                org,
                install: subject,
                tool,
                outcome,
            };
            if let Some(n) = counts.get_mut(&borrowed) {
                *n += 1;
            } else {
                let tool = if counts.len() >= MAX_COUNTERS {
                    "(other)"
                } else {
                    tool
                };
                *counts
                    .entry(CountKey {
                        org,
                        install: subject.into(),
                        tool: tool.into(),
                        outcome,
                    })
                    .or_insert(0) += 1;
            }
        }
        if let Some(id) = denial_id {
            let mut d = self.denials.lock().expect("denials lock");
            if d.len() < MAX_DENIALS {
                d.push(DenialRow {
                    id: id.to_owned(),
                    org_id: org,
                    install_id: install.to_owned(),
                    agent_id: agent.to_owned(),
                    tool: tool.to_owned(),
                    reason: outcome.to_owned(),
                    at: now(),
                });
            } else {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn take_batch(&self) -> (Vec<DecisionCountRow>, Vec<DenialRow>) {
        let counts = std::mem::take(&mut *self.counts.lock().expect("counts lock"));
        let denials = std::mem::take(&mut *self.denials.lock().expect("denials lock"));
        let window = now() / 60_000 * 60_000;
        let rows = counts
            .into_iter()
            .map(|(k, n)| DecisionCountRow {
                org_id: k.org,
                install_id: k.install.into(),
                tool: k.tool.into(),
                outcome: k.outcome.to_owned(),
                window_start: window,
                n,
            })
            .collect();
        (rows, denials)
    }

    fn put_back(&self, counts: Vec<DecisionCountRow>, denials: Vec<DenialRow>) {
        let mut c = self.counts.lock().expect("counts lock");
        for r in counts {
            // Outcome codes are static strings; find ours again.
            let outcome = outcome_code(&r.outcome);
            *c.entry(CountKey {
                org: r.org_id,
                install: r.install_id.into(),
                tool: r.tool.into(),
                outcome,
            })
            .or_insert(0) += r.n;
        }
        let mut d = self.denials.lock().expect("denials lock");
        let room = MAX_DENIALS.saturating_sub(d.len());
        d.extend(denials.into_iter().take(room));
    }
}

fn outcome_code(s: &str) -> &'static str {
    if s == "allow" {
        return "allow";
    }
    authz::Reason::ALL
        .iter()
        .map(|r| r.code())
        .find(|c| *c == s)
        .unwrap_or("unknown")
}

impl Services {
    /// The decision cache (for tests and metrics).
    pub fn decision_cache(&self) -> &DecisionCache {
        &self.decisions
    }

    /// Applies the changes committed since the last poll; returns whether
    /// anything changed.
    async fn poll_authz(&self) -> Result<bool> {
        let cache = &self.decisions;
        let seen = cache.seen.load(Ordering::Acquire);
        let epoch = self.store.authz_epoch().await?;
        let changed = epoch > seen;
        if changed {
            let (changes, complete) = self.store.authz_changes(seen, epoch).await?;
            if complete {
                for c in &changes {
                    cache.invalidate(&c.change);
                }
            } else {
                cache.clear();
            }
            cache.seen.store(epoch, Ordering::Release);
        } else if epoch < seen {
            // The database was replaced under us: start again.
            cache.clear();
            cache.seen.store(epoch, Ordering::Release);
        }
        cache.fresh_until.store(now() + FRESH_MS, Ordering::Release);
        Ok(changed)
    }

    /// Starts the feed that keeps this process's decision cache in step with
    /// every other process's changes, and the task that writes decision
    /// counts and denials. Stops when `shutdown` fires; the process then
    /// leaves the set of processes writers wait for.
    pub fn spawn_decision_feed(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let s = self.clone();
        let flusher = {
            let s = self.clone();
            let mut shutdown = shutdown.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(FLUSH) => {}
                        _ = shutdown.changed() => {
                            s.flush_decisions().await;
                            return;
                        }
                    }
                    s.flush_decisions().await;
                }
            })
        };
        tokio::spawn(async move {
            let node = uuid::Uuid::now_v7().to_string();
            let started = now();
            let mut shutdown = shutdown;
            let mut local = s.store.authz_local_commits();
            let mut last_beat = tokio::time::Instant::now() - HEARTBEAT;
            let mut last_prune = tokio::time::Instant::now();
            let mut failing = false;
            loop {
                let changed = match s.poll_authz().await {
                    Ok(c) => {
                        if failing {
                            tracing::info!("permission change feed recovered");
                            failing = false;
                        }
                        c
                    }
                    Err(e) => {
                        if !failing {
                            tracing::warn!(error = %e, "permission change feed cannot read the database; deciding from the database per call");
                            failing = true;
                        }
                        false
                    }
                };
                if (changed || last_beat.elapsed() >= HEARTBEAT) && !failing {
                    let seen = s.decisions.seen.load(Ordering::Acquire);
                    match s.store.authz_heartbeat(&node, seen, started).await {
                        Ok(()) => last_beat = tokio::time::Instant::now(),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot write the permission feed heartbeat")
                        }
                    }
                }
                if last_prune.elapsed() >= Duration::from_secs(600) {
                    last_prune = tokio::time::Instant::now();
                    if let Err(e) = s.store.authz_prune(now() - 3_600_000).await {
                        tracing::warn!(error = %e, "cannot prune old permission changes");
                    }
                    // Idempotency keys past their 24 hours (housekeeping that
                    // every process may do; deleting twice is harmless).
                    if let Err(e) = s.store.prune_idempotency_keys().await {
                        tracing::warn!(error = %e, "cannot prune idempotency keys");
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    r = local.changed() => {
                        if r.is_err() {
                            // The store is gone; nothing left to follow.
                            return;
                        }
                    }
                    _ = shutdown.changed() => {
                        s.decisions.fresh_until.store(0, Ordering::Release);
                        if let Err(e) = s.store.authz_leave(&node).await {
                            tracing::warn!(error = %e, "cannot leave the permission feed");
                        }
                        let _ = flusher.await;
                        return;
                    }
                }
            }
        })
    }

    /// Writes the counted decisions and queued denials now (the feed does this
    /// every [`FLUSH`]); on failure they are kept for the next attempt.
    pub async fn flush_decisions(&self) {
        let (counts, denials) = self.decisions.take_batch();
        let dropped = self.decisions.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(dropped, "denials not kept: too many since the last flush");
        }
        if counts.is_empty() && denials.is_empty() {
            return;
        }
        if let Err(e) = self.store.record_decisions(&counts, &denials).await {
            tracing::warn!(error = %e, "cannot write decision counts; keeping them for the next flush");
            self.decisions.put_back(counts, denials);
        }
    }
}
