//! The publisher portal: listings, versions, manifests, price plans, diffs and
//! submission. Publishers (owners and developers; finance for prices) act on
//! their own organization's listings; an API token with `listings:write` acts
//! for its organization.

use bytes::Bytes;

use domain::audit::AuditRecord;
use domain::diff::{VersionDiff, VersionSide, diff_versions};
use domain::identity::{Role, Scope};
use domain::listing::{CATEGORIES, VersionState, validate_version};
use domain::manifest::{Manifest, ManifestFormat, Remote, ServerInfo};
use domain::org::{OrgKind, validate_slug};
use domain::pricing::{PricePlan, PricingRules, validate_plans};
use domain::{DocumentId, ListingId, VersionId};
use store::NewEvent;
use store::records::{Declared, Listing, Org, Version, VersionDocument};

use crate::{Actor, Result, ServiceError, Services};

/// The largest manifest accepted, uploaded or fetched (documented in README).
pub const MANIFEST_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Media type of the normalized manifest stored as evidence.
const NORMALIZED_MEDIA_TYPE: &str = "application/vnd.steward.manifest+json";

const MANIFEST_ROLES: &[Role] = &[Role::Owner, Role::Developer];
const PRICING_ROLES: &[Role] = &[Role::Owner, Role::Finance];

/// What a publisher fills in for a listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListingInput {
    pub slug: String,
    pub name: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub homepage: String,
    pub support_contact: String,
    pub privacy_url: String,
    pub data_use: String,
    /// One capability per line.
    pub capabilities: String,
    /// Hosts, separated by lines, commas or spaces.
    pub egress: String,
    /// When the listing was last changed, as the editor read it: an edit
    /// made over someone else's newer change is refused, not applied.
    pub seen_updated_at: Option<i64>,
}

/// Where a version's manifest comes from.
#[derive(Clone, Debug)]
pub enum ManifestSource {
    /// Uploaded or pasted bytes; `format` `None` means "tell from the content".
    Document {
        bytes: Bytes,
        format: Option<ManifestFormat>,
        media_type: String,
    },
    /// A remote MCP server (Streamable HTTP) Steward asks itself.
    Remote { url: String },
}

/// One of the organization's listings with its versions, newest first.
#[derive(Clone, Debug)]
pub struct PortalListing {
    pub org: Org,
    pub listing: Listing,
    pub versions: Vec<Version>,
    pub can_edit: bool,
}

/// A version as its publisher sees it.
#[derive(Clone, Debug)]
pub struct PortalVersion {
    pub org: Org,
    pub listing: Listing,
    pub version: Version,
    pub documents: Vec<VersionDocument>,
    pub plans: Vec<PricePlan>,
    /// The listing's other version numbers, newest first.
    pub other_versions: Vec<String>,
    pub can_edit: bool,
    pub can_price: bool,
}

/// Two versions of a listing and what changed between them.
#[derive(Clone, Debug)]
pub struct VersionComparison {
    pub listing: Listing,
    pub from: Version,
    pub to: Version,
    pub diff: VersionDiff,
    /// Every version number of the listing, newest first.
    pub versions: Vec<String>,
}

/// What happened to one entry of a bulk import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported { listing: String, version: String },
    AlreadyPresent { listing: String, version: String },
    Rejected(String),
}

fn field(name: &str, msg: impl Into<String>) -> (String, String) {
    (name.to_owned(), msg.into())
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn check_url(name: &str, v: &Option<String>, errs: &mut Vec<(String, String)>) {
    if let Some(u) = v {
        match url::Url::parse(u) {
            Ok(p) if p.scheme() == "https" || p.scheme() == "http" => {}
            _ => errs.push(field(
                name,
                "enter a full web address starting with https://",
            )),
        }
        if u.len() > 2048 {
            errs.push(field(name, "at most 2048 characters"));
        }
    }
}

/// A host name as a person may type it: `api.example.com`, no scheme, path or port.
fn normalize_host(h: &str) -> Option<String> {
    let h = h.trim().trim_end_matches('.').to_lowercase();
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
        });
    ok.then_some(h)
}

/// Checks a listing form; every problem at once.
fn listing_from_input(
    input: &ListingInput,
    org: &Org,
    existing: Option<&Listing>,
    now: i64,
) -> Result<Listing> {
    let mut errs = Vec::new();
    let slug = input.slug.trim().to_lowercase();
    if existing.is_none()
        && let Err(e) = validate_slug(&slug)
    {
        errs.push(field("slug", e));
    }
    let name = input.name.trim();
    if name.is_empty() {
        errs.push(field("name", "give the listing a name"));
    } else if name.chars().count() > 100 {
        errs.push(field("name", "at most 100 characters"));
    }
    if !CATEGORIES.iter().any(|(c, _)| *c == input.category) {
        errs.push(field("category", "choose a category from the list"));
    }
    let summary = input.summary.trim();
    if summary.is_empty() {
        errs.push(field("summary", "say in one line what the agent does"));
    } else if summary.chars().count() > 280 {
        errs.push(field("summary", "at most 280 characters"));
    }
    if input.description.chars().count() > 20_000 {
        errs.push(field("description", "at most 20,000 characters"));
    }
    let homepage = opt(&input.homepage);
    check_url("homepage", &homepage, &mut errs);
    let privacy_url = opt(&input.privacy_url);
    check_url("privacy_url", &privacy_url, &mut errs);
    let support_contact = opt(&input.support_contact);
    if let Some(s) = &support_contact {
        let looks_like_mail = s.contains('@') && !s.contains(char::is_whitespace);
        if !looks_like_mail && url::Url::parse(s).is_err() {
            errs.push(field(
                "support_contact",
                "enter an email address or a web address",
            ));
        } else if s.len() > 254 {
            errs.push(field("support_contact", "at most 254 characters"));
        }
    }
    if input.data_use.chars().count() > 5_000 {
        errs.push(field("data_use", "at most 5,000 characters"));
    }
    let capabilities: Vec<String> = input
        .capabilities
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if capabilities.len() > 50 || capabilities.iter().any(|c| c.chars().count() > 200) {
        errs.push(field(
            "capabilities",
            "at most 50 capabilities of 200 characters each",
        ));
    }
    let mut egress = Vec::new();
    for h in input
        .egress
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|h| !h.is_empty())
    {
        match normalize_host(h) {
            Some(h) => egress.push(h),
            None => {
                errs.push(field(
                    "egress",
                    format!(
                        "\"{h}\" is not a host name (write api.example.com, no https:// or path)"
                    ),
                ));
                break;
            }
        }
    }
    egress.sort();
    egress.dedup();
    if !errs.is_empty() {
        return Err(ServiceError::InvalidFields(errs));
    }
    Ok(Listing {
        id: existing.map_or_else(ListingId::new, |l| l.id),
        org_id: org.id,
        slug: existing.map_or(slug, |l| l.slug.clone()),
        name: name.to_owned(),
        category: input.category.clone(),
        summary: summary.to_owned(),
        description: input.description.trim().to_owned(),
        homepage,
        support_contact,
        privacy_url,
        data_use: input.data_use.trim().to_owned(),
        capabilities,
        egress,
        created_at: existing.map_or(now, |l| l.created_at),
        updated_at: now,
    })
}

/// What a version declares: as frozen at submission, or (for a draft) what
/// its listing declares now.
pub fn declared_for(v: &Version, listing: &Listing) -> Declared {
    if v.state.is_immutable() {
        v.declared.clone()
    } else {
        declared_of(listing)
    }
}

fn declared_of(l: &Listing) -> Declared {
    Declared {
        capabilities: l.capabilities.clone(),
        egress: l.egress.clone(),
        data_use: l.data_use.clone(),
    }
}

/// An ingest failure as form field messages under `manifest`.
fn ingest_error(e: ingest::IngestError) -> ServiceError {
    let mut fields = vec![field("manifest", e.to_string())];
    for p in e.problems().iter().take(20) {
        let at = if p.pointer.is_empty() {
            "(document)".to_owned()
        } else {
            p.pointer.clone()
        };
        fields.push(field("manifest", format!("{at}: {}", p.message)));
    }
    ServiceError::InvalidFields(fields)
}

fn remote_error(e: mcp_remote::FetchError) -> ServiceError {
    ServiceError::InvalidFields(vec![field(
        "url",
        format!("Steward could not read the tools of that server: {e}"),
    )])
}

/// A document read and ready to store: the bytes to keep and what they say.
struct ReadDocument {
    bytes: Bytes,
    media_type: String,
    source_url: Option<String>,
    manifest: Manifest,
}

impl Services {
    /// What changed from `a` to `b`, two versions of `listing`.
    pub(crate) async fn diff_of(
        &self,
        listing: &Listing,
        a: &Version,
        b: &Version,
    ) -> Result<domain::diff::VersionDiff> {
        let reader = self.store.in_org(listing.org_id);
        let (pa, pb) = (reader.plans(a.id).await?, reader.plans(b.id).await?);
        // A draft shows what the listing declares now; a submitted version what
        // it declared when submitted.
        let (da, db) = (declared_for(a, listing), declared_for(b, listing));
        Ok(diff_versions(
            VersionSide {
                manifest: &a.manifest,
                plans: &pa,
                declared_egress: &da.egress,
                declared_capabilities: &da.capabilities,
            },
            VersionSide {
                manifest: &b.manifest,
                plans: &pb,
                declared_egress: &db.egress,
                declared_capabilities: &db.capabilities,
            },
        ))
    }

    /// The publisher organization named `org_slug` (or the token's), if the
    /// actor may act there with one of `roles`. Non-members get `NotFound`.
    pub(crate) async fn publisher(
        &self,
        actor: &Actor,
        org_slug: Option<&str>,
        roles: &[Role],
    ) -> Result<(Org, Vec<Role>)> {
        let (org, my_roles) = match actor {
            Actor::Token(t) => {
                t.require(Scope::ListingsWrite)?;
                let org = self
                    .store
                    .org_by_id(t.org)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                if org_slug.is_some_and(|s| s != org.slug) {
                    return Err(ServiceError::NotFound);
                }
                // A token with `listings:write` does what a developer does.
                (org, vec![Role::Developer])
            }
            _ => {
                let slug = org_slug.ok_or(ServiceError::NotFound)?;
                self.member_org(actor, slug).await?
            }
        };
        if org.kind != OrgKind::Publisher {
            return Err(ServiceError::NotFound);
        }
        if !roles.is_empty() && !my_roles.iter().any(|r| roles.contains(r)) {
            return Err(ServiceError::Forbidden);
        }
        Ok((org, my_roles))
    }

    async fn own_listing(&self, org: &Org, slug: &str) -> Result<Listing> {
        self.store
            .in_org(org.id)
            .listing(slug)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn own_version(&self, org: &Org, listing: &Listing, version: &str) -> Result<Version> {
        self.store
            .in_org(org.id)
            .version(listing.id, version)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// A version the actor may still change (a draft, or one with changes
    /// requested), with its organization and listing.
    async fn editable_version(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        roles: &[Role],
    ) -> Result<(Org, Listing, Version)> {
        let (org, _) = self.publisher(actor, Some(org_slug), roles).await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let v = self.own_version(&org, &listing, version).await?;
        if v.state.is_immutable() {
            return Err(immutable(&v));
        }
        Ok((org, listing, v))
    }

    /// The organization's listings with their versions.
    pub async fn portal_listings(
        &self,
        actor: &Actor,
        org_slug: &str,
    ) -> Result<(Org, Vec<(Listing, Vec<Version>)>, bool)> {
        let (org, roles) = self.publisher(actor, Some(org_slug), &[]).await?;
        let reader = self.store.in_org(org.id);
        let mut out = Vec::new();
        for l in reader.listings().await? {
            let versions = reader.versions(l.id).await?;
            out.push((l, versions));
        }
        let can_edit = roles.iter().any(|r| MANIFEST_ROLES.contains(r));
        Ok((org, out, can_edit))
    }

    pub async fn portal_listing(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
    ) -> Result<PortalListing> {
        let (org, roles) = self.publisher(actor, Some(org_slug), &[]).await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let versions = self.store.in_org(org.id).versions(listing.id).await?;
        Ok(PortalListing {
            org,
            listing,
            versions,
            can_edit: roles.iter().any(|r| MANIFEST_ROLES.contains(r)),
        })
    }

    pub async fn create_listing(
        &self,
        actor: &Actor,
        org_slug: &str,
        input: &ListingInput,
    ) -> Result<Listing> {
        let (org, _) = self
            .publisher(actor, Some(org_slug), MANIFEST_ROLES)
            .await?;
        let listing = listing_from_input(input, &org, None, store::now_ms())?;
        let tx = self.store.begin_write().await?;
        match tx.insert_listing(&listing).await {
            Err(store::StoreError::Conflict(_)) => {
                return Err(ServiceError::InvalidFields(vec![field(
                    "slug",
                    format!("\"{}\" is taken; choose another short name", listing.slug),
                )]));
            }
            r => r?,
        }
        tx.commit(
            AuditRecord::new(actor.audit(), "listing.created", "listing", listing.id)
                .org(org.id)
                .detail(serde_json::json!({ "slug": listing.slug })),
            vec![],
        )
        .await?;
        Ok(listing)
    }

    pub async fn update_listing(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        input: &ListingInput,
    ) -> Result<Listing> {
        let (org, _) = self
            .publisher(actor, Some(org_slug), MANIFEST_ROLES)
            .await?;
        let existing = self.own_listing(&org, listing_slug).await?;
        let stale = || {
            ServiceError::Conflict(
                "someone changed this listing since you opened it; reload to see their changes"
                    .into(),
            )
        };
        if input
            .seen_updated_at
            .is_some_and(|seen| seen != existing.updated_at)
        {
            return Err(stale());
        }
        // Strictly later than what it replaces, so the next editor's check is exact.
        let now = store::now_ms().max(existing.updated_at + 1);
        let listing = listing_from_input(input, &org, Some(&existing), now)?;
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .update_listing(&listing, existing.updated_at)
            .await?
        {
            return Err(stale());
        }
        tx.commit(
            AuditRecord::new(actor.audit(), "listing.updated", "listing", listing.id).org(org.id),
            vec![],
        )
        .await?;
        Ok(listing)
    }

    /// Reads a manifest source into a normalized manifest. Remote servers are
    /// asked here, outside any transaction.
    async fn read_source(&self, source: ManifestSource) -> Result<ReadDocument> {
        match source {
            ManifestSource::Document {
                bytes,
                format,
                media_type,
            } => {
                if bytes.len() > MANIFEST_MAX_BYTES {
                    return Err(ServiceError::TooLarge {
                        limit: MANIFEST_MAX_BYTES,
                    });
                }
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return Err(ServiceError::InvalidFields(vec![field(
                        "manifest",
                        "upload a file or paste a manifest",
                    )]));
                }
                if format == Some(ManifestFormat::McpRemote) {
                    return Err(ServiceError::InvalidFields(vec![field(
                        "format",
                        "a remote server is read from its URL, not uploaded",
                    )]));
                }
                let manifest = ingest::read(&bytes, format).map_err(ingest_error)?;
                Ok(ReadDocument {
                    bytes,
                    media_type,
                    source_url: None,
                    manifest,
                })
            }
            ManifestSource::Remote { url } => {
                let url = url.trim().to_owned();
                let policy = mcp_remote::FetchPolicy {
                    allow_private: self.remote_allow_private,
                    timeout: std::time::Duration::from_secs(15),
                    max_response_bytes: MANIFEST_MAX_BYTES,
                };
                let capture = mcp_remote::fetch_tools(&url, &policy)
                    .await
                    .map_err(remote_error)?;
                let tools_json = serde_json::to_vec(&capture.tools)
                    .map_err(|e| ServiceError::Internal(e.into()))?;
                let mut manifest = ingest::read_tools_list(&tools_json).map_err(|e| {
                    ServiceError::InvalidFields(vec![field(
                        "url",
                        format!("the server's tools/list answer is not usable: {e}"),
                    )])
                })?;
                manifest.format = ManifestFormat::McpRemote;
                manifest.format_version = capture.protocol_version.clone();
                let info = &capture.server_info;
                manifest.server =
                    info.get("name")
                        .and_then(|n| n.as_str())
                        .map(|name| ServerInfo {
                            name: name.to_owned(),
                            title: info
                                .get("title")
                                .and_then(|t| t.as_str())
                                .map(str::to_owned),
                            version: info
                                .get("version")
                                .and_then(|t| t.as_str())
                                .map(str::to_owned),
                            ..ServerInfo::default()
                        });
                manifest.remotes = vec![Remote {
                    transport: "streamable-http".into(),
                    url: url.clone(),
                }];
                if let Some(host) = url::Url::parse(&url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_lowercase))
                {
                    manifest.egress_hosts = vec![host];
                }
                Ok(ReadDocument {
                    bytes: Bytes::from(capture.raw),
                    media_type: "application/json".into(),
                    source_url: Some(url),
                    manifest,
                })
            }
        }
    }

    /// Creates a version of one of the organization's listings from a first
    /// manifest document, as a draft or straight to `submitted`.
    pub async fn create_version(
        &self,
        actor: &Actor,
        org_slug: Option<&str>,
        listing_slug: &str,
        version: &str,
        source: ManifestSource,
        submit: bool,
    ) -> Result<(Org, Version)> {
        let (org, _) = self.publisher(actor, org_slug, MANIFEST_ROLES).await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let version = version.trim();
        self.check_new_version(&org, &listing, version).await?;
        let doc = self.read_source(source).await?;
        let v = self
            .insert_version(actor, &org, &listing, version, doc, submit)
            .await?;
        Ok((org, v))
    }

    /// Stores a new version's document and writes the version, its tools, the
    /// evidence references and the audit entry in one transaction.
    async fn insert_version(
        &self,
        actor: &Actor,
        org: &Org,
        listing: &Listing,
        version: &str,
        doc: ReadDocument,
        submit: bool,
    ) -> Result<Version> {
        if submit && doc.manifest.tools.is_empty() {
            return Err(no_tools());
        }
        let now = store::now_ms();
        let version_id = VersionId::new();
        let document = self.store_document(org, version_id, doc, now).await?;
        let manifest = document.normalized.clone();
        let normalized = self.store_normalized(org, &manifest).await?;
        let screening = self.screen(org, listing, &manifest, None).await?;
        let v = Version {
            id: version_id,
            listing_id: listing.id,
            org_id: org.id,
            version: version.to_owned(),
            state: VersionState::Draft,
            manifest_digest: Some(normalized.digest.clone()),
            manifest_format: manifest.format.as_str().to_owned(),
            created_at: now,
            submitted_at: None,
            published_at: None,
            manifest,
            declared: declared_of(listing),
            screening: Some(screening),
        };
        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        record_evidence(&tx, org.id, &document, &normalized).await?;
        match tx.insert_version(&v).await {
            Err(store::StoreError::Conflict(_)) => {
                return Err(ServiceError::InvalidFields(vec![field(
                    "version",
                    format!("{version} already exists"),
                )]));
            }
            r => r?,
        }
        w.put_document(&document).await?;
        let mut events = Vec::new();
        let mut state = VersionState::Draft;
        if submit {
            w.move_version(
                v.id,
                VersionState::Draft,
                VersionState::Submitted,
                now,
                None,
            )
            .await?;
            w.queue_screening(v.id, &actor.audit().encode(), now)
                .await?;
            state = VersionState::Submitted;
            events.push(submitted_event(org, listing, &v));
        }
        tx.commit(
            AuditRecord::new(actor.audit(), "version.created", "listing_version", v.id)
                .org(org.id)
                .evidence(document.digest.clone())
                .evidence(normalized.digest.clone())
                .detail(serde_json::json!({
                    "listing": listing.slug,
                    "version": v.version,
                    "format": document.format.as_str(),
                    "tools": v.manifest.tools.len(),
                    "submitted": submit,
                    "ruleset": v.screening.as_ref().map(|s| s.ruleset.clone()),
                    "risk": v.screening.as_ref().map(|s| s.risk.clone()),
                })),
            events,
        )
        .await?;
        self.spawn_model_review(org, listing, &v);
        if submit {
            self.wake_screening();
        }
        Ok(Version {
            state,
            submitted_at: submit.then_some(now),
            ..v
        })
    }

    /// Asks the model-backed reviewer, if one is configured, in the
    /// background: the request has answered already, and a timeout or error
    /// only means no model findings (logged, never blocking).
    fn spawn_model_review(&self, org: &Org, listing: &Listing, v: &Version) {
        let Some(cfg) = self.model.clone() else {
            return;
        };
        let this = self.clone();
        let (org_id, version_id) = (org.id, v.id);
        let manifest = v.manifest.clone();
        let info = classifier::ListingInfo {
            name: listing.name.clone(),
            publisher: org.name.clone(),
            category: listing.category.clone(),
            description: format!("{}\n{}", listing.summary, listing.description),
            declared_capabilities: listing.capabilities.clone(),
        };
        tokio::spawn(async move {
            match model_review::review(&cfg, &manifest, Some(&info)).await {
                Ok(findings) => {
                    if let Err(e) = this.add_model_findings(org_id, version_id, findings).await {
                        tracing::warn!(version = %version_id, error = %e, "model findings not recorded");
                    }
                }
                Err(e) => {
                    tracing::warn!(version = %version_id, error = %e, "model review failed; screening stands without it");
                }
            }
        });
    }

    /// Adds the model's findings to a version's screening, audited.
    async fn add_model_findings(
        &self,
        org: domain::OrgId,
        version: VersionId,
        findings: Vec<classifier::Finding>,
    ) -> Result<()> {
        let Some(v) = self.store.in_org(org).version_by_id(version).await? else {
            return Err(ServiceError::NotFound);
        };
        let Some(mut screening) = v.screening else {
            return Ok(());
        };
        let mut report: classifier::Report = serde_json::from_value(screening.report.clone())
            .map_err(|e| ServiceError::Internal(e.into()))?;
        report
            .findings
            .retain(|f| f.source != classifier::Source::Model);
        let n = findings.len();
        report.findings.extend(findings);
        classifier::sort_findings(&mut report.findings);
        screening.report =
            serde_json::to_value(&report).map_err(|e| ServiceError::Internal(e.into()))?;
        let tx = self.store.begin_write().await?;
        tx.in_org(org).set_screening(version, &screening).await?;
        tx.commit(
            AuditRecord::new(
                Actor::System.audit(),
                "version.model_reviewed",
                "listing_version",
                version,
            )
            .org(org)
            .detail(serde_json::json!({ "findings": n })),
            vec![],
        )
        .await?;
        Ok(())
    }

    /// Screens a manifest of one of `org`'s listings: classification,
    /// findings (against the listing's own words, the newest other version
    /// and the published catalog) and the buyer's label. Pure computation
    /// over what the store already has; nothing external is asked.
    pub(crate) async fn screen(
        &self,
        org: &Org,
        listing: &Listing,
        manifest: &Manifest,
        this_version: Option<VersionId>,
    ) -> Result<store::records::Screening> {
        let previous = self
            .store
            .in_org(org.id)
            .versions(listing.id)
            .await?
            .into_iter()
            .filter(|v| Some(v.id) != this_version)
            .max_by(|a, b| {
                let key = |v: &Version| semver::Version::parse(&v.version).ok();
                key(a).cmp(&key(b))
            })
            .map(|v| v.manifest);
        let catalog: Vec<classifier::CatalogEntry> = self
            .store
            .published_listings(10_000)
            .await?
            .into_iter()
            .filter(|e| e.publisher_slug != org.slug)
            .map(|e| classifier::CatalogEntry {
                name: e.name,
                publisher: e.publisher_name,
            })
            .collect();
        let info = classifier::ListingInfo {
            name: listing.name.clone(),
            publisher: org.name.clone(),
            category: listing.category.clone(),
            description: format!(
                "{}\n{}\n{}",
                listing.summary, listing.description, listing.data_use
            ),
            declared_capabilities: listing.capabilities.clone(),
        };
        let allowed: Option<Vec<classifier::Capability>> =
            domain::listing::category_capabilities(&listing.category).map(|names| {
                names
                    .iter()
                    .filter_map(|n| classifier::Capability::parse(n))
                    .collect()
            });
        screening_of(classifier::report(
            manifest,
            Some(&info),
            previous.as_ref(),
            &catalog,
            allowed.as_deref(),
            classifier::default_ruleset(),
        ))
    }

    /// A new version number must be semver, new, and above every other.
    async fn check_new_version(&self, org: &Org, listing: &Listing, version: &str) -> Result<()> {
        let parsed = validate_version(version)
            .map_err(|e| ServiceError::InvalidFields(vec![field("version", e)]))?;
        let existing = self.store.in_org(org.id).versions(listing.id).await?;
        if existing.iter().any(|v| v.version == version) {
            return Err(ServiceError::InvalidFields(vec![field(
                "version",
                format!("{version} already exists; versions never change once created"),
            )]));
        }
        if let Some(newest) = existing
            .iter()
            .filter_map(|v| semver::Version::parse(&v.version).ok())
            .max()
            && parsed <= newest
        {
            return Err(ServiceError::InvalidFields(vec![field(
                "version",
                format!("must be greater than {newest}, the newest version"),
            )]));
        }
        Ok(())
    }

    /// Adds (or replaces, for the same format) a source document of a draft.
    pub async fn add_document(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        source: ManifestSource,
    ) -> Result<Version> {
        let (org, listing, v) = self
            .editable_version(actor, org_slug, listing_slug, version, MANIFEST_ROLES)
            .await?;
        let doc = self.read_source(source).await?;
        let now = store::now_ms();
        let document = self.store_document(&org, v.id, doc, now).await?;
        let mut parts: Vec<Manifest> = self
            .store
            .in_org(org.id)
            .documents(v.id)
            .await?
            .into_iter()
            .filter(|d| d.format != document.format)
            .map(|d| d.normalized)
            .collect();
        parts.push(document.normalized.clone());
        let manifest = Manifest::merge(&parts).map_err(|e| {
            ServiceError::InvalidFields(vec![field(
                "manifest",
                format!("{e}: it is already in another document of this version"),
            )])
        })?;
        let normalized = self.store_normalized(&org, &manifest).await?;
        let screening = self.screen(&org, &listing, &manifest, Some(v.id)).await?;
        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        record_evidence(&tx, org.id, &document, &normalized).await?;
        // Still a draft? A concurrent submit wins; this upload then fails whole.
        if !w.still_in(v.id, v.state).await? {
            return Err(ServiceError::Conflict(
                "the version changed while you uploaded; reload and try again".into(),
            ));
        }
        w.put_document(&document).await?;
        w.set_manifest(v.id, &manifest, &normalized.digest, Some(&screening))
            .await?;
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "version.document_added",
                "listing_version",
                v.id,
            )
            .org(org.id)
            .evidence(document.digest.clone())
            .evidence(normalized.digest.clone())
            .detail(serde_json::json!({
                "format": document.format.as_str(),
                "tools": manifest.tools.len(),
                "ruleset": screening.ruleset,
                "risk": screening.risk,
            })),
            vec![],
        )
        .await?;
        let v = Version {
            manifest_digest: Some(normalized.digest),
            manifest_format: manifest.format.as_str().to_owned(),
            manifest,
            screening: Some(screening),
            ..v
        };
        self.spawn_model_review(&org, &listing, &v);
        Ok(v)
    }

    /// Puts the document's bytes on the evidence store (content-addressed, so
    /// a retry stores nothing twice) and describes it. No row is written yet.
    async fn store_document(
        &self,
        org: &Org,
        version: VersionId,
        doc: ReadDocument,
        now: i64,
    ) -> Result<VersionDocument> {
        let stored = self.evidence.put(org.id, doc.bytes).await?;
        Ok(VersionDocument {
            id: DocumentId::new(),
            version_id: version,
            org_id: org.id,
            format: doc.manifest.format,
            digest: stored.digest,
            media_type: doc.media_type,
            size_bytes: stored.size,
            source_url: doc.source_url,
            normalized: doc.manifest,
            created_at: now,
        })
    }

    /// Stores the normalized manifest itself as evidence: what reviewers see
    /// is exactly what is stored under the version's digest.
    async fn store_normalized(&self, org: &Org, m: &Manifest) -> Result<evidence::Stored> {
        let bytes = serde_json::to_vec(m).map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(self.evidence.put(org.id, Bytes::from(bytes)).await?)
    }

    /// A version with its documents and plans.
    pub async fn portal_version(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
    ) -> Result<PortalVersion> {
        let (org, roles) = self.publisher(actor, Some(org_slug), &[]).await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let version = self.own_version(&org, &listing, version).await?;
        let reader = self.store.in_org(org.id);
        let documents = reader.documents(version.id).await?;
        let plans = reader.plans(version.id).await?;
        let other_versions = reader
            .versions(listing.id)
            .await?
            .into_iter()
            .filter(|v| v.id != version.id)
            .map(|v| v.version)
            .collect();
        let editable = !version.state.is_immutable();
        Ok(PortalVersion {
            other_versions,
            can_edit: editable && roles.iter().any(|r| MANIFEST_ROLES.contains(r)),
            can_price: editable && roles.iter().any(|r| PRICING_ROLES.contains(r)),
            org,
            listing,
            version,
            documents,
            plans,
        })
    }

    /// Replaces a draft's price plans after checking them against the rules.
    pub async fn set_plans(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        plans: Vec<PricePlan>,
    ) -> Result<Vec<PricePlan>> {
        self.change_plans(actor, org_slug, listing_slug, version, |_| Ok(plans))
            .await
    }

    /// Adds one plan to a draft's plans. Field errors name the new plan's
    /// fields plainly (`amount`, not `plans[2].amount`).
    pub async fn add_plan(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        plan: PricePlan,
    ) -> Result<Vec<PricePlan>> {
        let mut n = 0;
        self.change_plans(actor, org_slug, listing_slug, version, |mut plans| {
            n = plans.len();
            plans.push(plan);
            Ok(plans)
        })
        .await
        .map_err(|e| match e {
            ServiceError::InvalidFields(fields) => {
                let prefix = format!("plans[{n}].");
                ServiceError::InvalidFields(
                    fields
                        .into_iter()
                        .map(|(f, m)| match f.strip_prefix(&prefix) {
                            Some(rest) => (rest.to_owned(), m),
                            None if f == "plans" => ("name".to_owned(), m),
                            None => (f, m),
                        })
                        .collect(),
                )
            }
            e => e,
        })
    }

    /// Removes the plan called `name` from a draft.
    pub async fn remove_plan(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        name: &str,
    ) -> Result<Vec<PricePlan>> {
        self.change_plans(actor, org_slug, listing_slug, version, |plans| {
            let before = plans.len();
            let plans: Vec<_> = plans.into_iter().filter(|p| p.name != name).collect();
            if plans.len() == before {
                return Err(ServiceError::NotFound);
            }
            Ok(plans)
        })
        .await
    }

    /// The one way plans change: authorize, read the draft's plans, apply
    /// `change`, check the result against the rules, write it with its audit
    /// entry while the version is still editable.
    async fn change_plans(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
        change: impl FnOnce(Vec<PricePlan>) -> Result<Vec<PricePlan>>,
    ) -> Result<Vec<PricePlan>> {
        let (org, _, v) = self
            .editable_version(actor, org_slug, listing_slug, version, PRICING_ROLES)
            .await?;
        let current = self.store.in_org(org.id).plans(v.id).await?;
        let plans: Vec<PricePlan> = change(current)?
            .into_iter()
            .map(|mut p| {
                p.name = p.name.trim().to_owned();
                p.meter = p.meter.map(|m| m.trim().to_owned());
                p
            })
            .collect();
        validate_plans(&plans, &PricingRules::default()).map_err(ServiceError::InvalidFields)?;
        let tx = self.store.begin_write().await?;
        let w = tx.in_org(org.id);
        if !w.still_in(v.id, v.state).await? {
            return Err(ServiceError::Conflict(
                "the version changed meanwhile; reload and try again".into(),
            ));
        }
        w.replace_plans(v.id, &plans).await?;
        tx.commit(
            AuditRecord::new(
                actor.audit(),
                "version.pricing_set",
                "listing_version",
                v.id,
            )
            .org(org.id)
            .detail(serde_json::json!({ "plans": plans })),
            vec![],
        )
        .await?;
        Ok(plans)
    }

    /// Submits a draft (or a version that needed changes) for review. From
    /// here on its manifest and prices never change.
    pub async fn submit_version(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        version: &str,
    ) -> Result<Version> {
        let (org, _) = self
            .publisher(actor, Some(org_slug), MANIFEST_ROLES)
            .await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let v = self.own_version(&org, &listing, version).await?;
        if !v.state.can_move_to(VersionState::Submitted) {
            return Err(immutable(&v));
        }
        if v.manifest.tools.is_empty() {
            return Err(no_tools());
        }
        let now = store::now_ms();
        let declared = declared_of(&listing);
        let tx = self.store.begin_write().await?;
        if !tx
            .in_org(org.id)
            .move_version(v.id, v.state, VersionState::Submitted, now, Some(&declared))
            .await?
        {
            return Err(ServiceError::Conflict(
                "the version changed meanwhile; reload and try again".into(),
            ));
        }
        tx.in_org(org.id)
            .queue_screening(v.id, &actor.audit().encode(), now)
            .await?;
        tx.commit(
            AuditRecord::new(actor.audit(), "version.submitted", "listing_version", v.id)
                .org(org.id)
                .evidence(v.manifest_digest.clone().unwrap_or_default())
                .detail(serde_json::json!({ "listing": listing.slug, "version": v.version })),
            vec![submitted_event(&org, &listing, &v)],
        )
        .await?;
        self.wake_screening();
        Ok(Version {
            state: VersionState::Submitted,
            submitted_at: Some(now),
            declared,
            ..v
        })
    }

    /// What changed from version `from` to version `to` of a listing.
    pub async fn version_diff(
        &self,
        actor: &Actor,
        org_slug: &str,
        listing_slug: &str,
        from: &str,
        to: &str,
    ) -> Result<VersionComparison> {
        let (org, _) = self.publisher(actor, Some(org_slug), &[]).await?;
        let listing = self.own_listing(&org, listing_slug).await?;
        let a = self.own_version(&org, &listing, from).await?;
        let b = self.own_version(&org, &listing, to).await?;
        let diff = self.diff_of(&listing, &a, &b).await?;
        let versions = self
            .store
            .in_org(org.id)
            .versions(listing.id)
            .await?
            .into_iter()
            .map(|v| v.version)
            .collect();
        Ok(VersionComparison {
            listing,
            from: a,
            to: b,
            diff,
            versions,
        })
    }
}

impl Services {
    /// The publisher organization a bulk import goes to (operators only: the
    /// CLI runs as the system).
    pub async fn import_target(&self, actor: &Actor, org_slug: &str) -> Result<Org> {
        if *actor != Actor::System {
            return Err(ServiceError::Forbidden);
        }
        let org = self
            .store
            .org_by_slug(org_slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if org.kind != OrgKind::Publisher {
            return Err(ServiceError::Invalid(format!(
                "{org_slug} is not a publisher organization"
            )));
        }
        Ok(org)
    }

    /// Imports one entry of an MCP registry export into `org` as a draft
    /// version of the listing named after the server. An entry whose version
    /// is already there is left alone, so running an import twice imports
    /// nothing twice.
    pub async fn import_entry(
        &self,
        actor: &Actor,
        org: &Org,
        entry: &ingest::RegistryEntry,
    ) -> Result<ImportOutcome> {
        if *actor != Actor::System {
            return Err(ServiceError::Forbidden);
        }
        let manifest = match &entry.result {
            Ok(m) => m.clone(),
            Err(e) => {
                let mut reason = e.to_string();
                if let Some(p) = e.problems().first() {
                    reason.push_str(&format!(" ({p})"));
                }
                return Ok(ImportOutcome::Rejected(reason));
            }
        };
        let Some(name) = manifest.server.as_ref().map(|s| s.name.clone()) else {
            return Ok(ImportOutcome::Rejected("the entry has no name".into()));
        };
        let Some(version) = entry.version.clone().filter(|v| !v.trim().is_empty()) else {
            return Ok(ImportOutcome::Rejected("the entry has no version".into()));
        };
        let slug = slug_for(&name);
        let listing = match self.store.in_org(org.id).listing(&slug).await? {
            Some(l) => l,
            None => {
                let description = manifest
                    .server
                    .as_ref()
                    .and_then(|s| s.description.clone())
                    .unwrap_or_default();
                let summary: String = description.chars().take(280).collect();
                let input = ListingInput {
                    slug: slug.clone(),
                    name: manifest
                        .server
                        .as_ref()
                        .and_then(|s| s.title.clone())
                        .unwrap_or_else(|| name.clone())
                        .chars()
                        .take(100)
                        .collect(),
                    // The registry has no categories; a reviewer or the
                    // publisher sets the real one.
                    category: "utilities".into(),
                    summary: if summary.trim().is_empty() {
                        name.clone()
                    } else {
                        summary
                    },
                    description: format!(
                        "{description}\n\nImported from an MCP registry export ({name})."
                    ),
                    homepage: manifest
                        .server
                        .as_ref()
                        .and_then(|s| s.website_url.clone().or(s.repository_url.clone()))
                        .unwrap_or_default(),
                    ..ListingInput::default()
                };
                let listing = match listing_from_input(&input, org, None, store::now_ms()) {
                    Ok(l) => l,
                    Err(ServiceError::InvalidFields(f)) => {
                        let why: Vec<String> = f.iter().map(|(k, m)| format!("{k}: {m}")).collect();
                        return Ok(ImportOutcome::Rejected(format!(
                            "cannot make a listing of it: {}",
                            why.join("; ")
                        )));
                    }
                    Err(e) => return Err(e),
                };
                let tx = self.store.begin_write().await?;
                match tx.insert_listing(&listing).await {
                    Err(store::StoreError::Conflict(_)) => {
                        return Ok(ImportOutcome::Rejected(format!(
                            "the listing name {slug} is taken by another publisher"
                        )));
                    }
                    r => r?,
                }
                tx.commit(
                    AuditRecord::new(actor.audit(), "listing.created", "listing", listing.id)
                        .org(org.id)
                        .detail(serde_json::json!({ "slug": listing.slug, "imported": name })),
                    vec![],
                )
                .await?;
                listing
            }
        };
        let existing = self
            .store
            .in_org(org.id)
            .version(listing.id, &version)
            .await?;
        if existing.is_some() {
            return Ok(ImportOutcome::AlreadyPresent {
                listing: slug,
                version,
            });
        }
        if let Err(e) = self.check_new_version(org, &listing, &version).await {
            return Ok(ImportOutcome::Rejected(match e {
                ServiceError::InvalidFields(f) => f
                    .into_iter()
                    .map(|(k, m)| format!("{k} {version}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                e => return Err(e),
            }));
        }
        let bytes =
            serde_json::to_vec_pretty(&entry.raw).map_err(|e| ServiceError::Internal(e.into()))?;
        let doc = ReadDocument {
            bytes: Bytes::from(bytes),
            media_type: "application/json".into(),
            source_url: None,
            manifest,
        };
        self.insert_version(actor, org, &listing, &version, doc, false)
            .await?;
        Ok(ImportOutcome::Imported {
            listing: slug,
            version,
        })
    }
}

/// A listing slug from a registry server name (`io.github.acme/files` →
/// `io-github-acme-files`): stable, so a re-run finds the same listing. Long
/// names keep a hash of the whole name so they stay distinct.
pub fn slug_for(name: &str) -> String {
    let mut s = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s = s.trim_end_matches('-').to_owned();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s.insert_str(0, "mcp-");
    }
    if s.len() > 64 {
        let hash = evidence::digest_of(name.as_bytes());
        s.truncate(55);
        let s = s.trim_end_matches('-').to_owned();
        return format!("{s}-{}", &hash[..8]);
    }
    s
}

/// References a version's source document and its normalized manifest as
/// the organization's evidence, inside the version's transaction.
async fn record_evidence(
    tx: &store::WriteTx,
    org: domain::OrgId,
    document: &VersionDocument,
    normalized: &evidence::Stored,
) -> Result<()> {
    tx.insert_evidence_ref(
        org,
        &document.digest,
        &document.media_type,
        document.size_bytes,
    )
    .await?;
    tx.insert_evidence_ref(
        org,
        &normalized.digest,
        NORMALIZED_MEDIA_TYPE,
        normalized.size,
    )
    .await?;
    Ok(())
}

/// A screening report as the store keeps it.
pub(crate) fn screening_of(report: classifier::Report) -> Result<store::records::Screening> {
    Ok(store::records::Screening {
        ruleset: report.ruleset.clone(),
        risk: report.risk.as_str().to_owned(),
        report: serde_json::to_value(&report).map_err(|e| ServiceError::Internal(e.into()))?,
    })
}

fn submitted_event(org: &Org, listing: &Listing, v: &Version) -> NewEvent {
    NewEvent {
        event_type: "listing_version.submitted".into(),
        org_id: Some(org.id),
        subject_type: "listing_version".into(),
        subject_id: v.id.to_string(),
        payload: serde_json::json!({
            "listing_id": listing.id,
            "listing": listing.slug,
            "version": v.version,
            "manifest_digest": v.manifest_digest,
        }),
    }
}

fn immutable(v: &Version) -> ServiceError {
    ServiceError::Conflict(format!(
        "version {} is {} and can no longer change; create a new version",
        v.version,
        v.state.label().to_lowercase()
    ))
}

fn no_tools() -> ServiceError {
    ServiceError::InvalidFields(vec![field(
        "manifest",
        "this version lists no tools yet: add a tools/list result, an OpenAPI document \
         or a remote server URL so reviewers can see what it does",
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_policies_name_real_capabilities() {
        for (category, names) in domain::listing::CATEGORY_CAPABILITIES {
            for n in *names {
                assert!(
                    classifier::Capability::parse(n).is_some(),
                    "{category}: {n} is not a capability"
                );
            }
        }
    }

    #[test]
    fn registry_names_become_stable_valid_slugs() {
        for (name, slug) in [
            (
                "io.github.21st-dev/magic-mcp",
                "io-github-21st-dev-magic-mcp",
            ),
            ("com.example/Weather_API", "com-example-weather-api"),
            ("42/answers", "mcp-42-answers"),
        ] {
            assert_eq!(slug_for(name), slug);
            assert!(validate_slug(&slug_for(name)).is_ok());
        }
        let long = format!("io.github.someone/{}", "very-long-name-".repeat(8));
        let a = slug_for(&long);
        assert!(a.len() <= 64 && validate_slug(&a).is_ok(), "{a}");
        assert_ne!(a, slug_for(&format!("{long}x")), "long names stay distinct");
    }

    #[test]
    fn listing_forms_name_every_bad_field() {
        let org = Org {
            id: domain::OrgId::new(),
            slug: "p".into(),
            name: "P".into(),
            kind: OrgKind::Publisher,
            verified_domain: None,
            created_at: 0,
            verification_lapsed_at: None,
        };
        let input = ListingInput {
            slug: "Bad Slug".into(),
            category: "weapons".into(),
            homepage: "javascript:alert(1)".into(),
            support_contact: "call me".into(),
            egress: "api.example.com, https://x.example/path".into(),
            ..ListingInput::default()
        };
        let Err(ServiceError::InvalidFields(f)) = listing_from_input(&input, &org, None, 0) else {
            panic!("accepted a bad listing");
        };
        let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "slug",
                "name",
                "category",
                "summary",
                "homepage",
                "support_contact",
                "egress"
            ]
        );
        let ok = ListingInput {
            slug: "files".into(),
            name: "Files".into(),
            category: "utilities".into(),
            summary: "Reads files".into(),
            egress: "API.Example.com\napi.example.com other.example".into(),
            capabilities: "Reads files\n\nLists folders".into(),
            ..ListingInput::default()
        };
        let l = listing_from_input(&ok, &org, None, 0).unwrap();
        assert_eq!(l.egress, ["api.example.com", "other.example"]);
        assert_eq!(l.capabilities, ["Reads files", "Lists folders"]);
    }
}
