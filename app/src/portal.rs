//! Server functions of the publisher portal. Each names the actor from the
//! session, calls one service function (which checks membership and role in
//! the publisher organization) and maps the result to a DTO.

use leptos::prelude::*;

use crate::dto::*;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use services::domain;
    use services::domain::manifest::{Manifest, ManifestFormat};
    use services::records::{Listing, Version};

    use crate::dto::*;
    use crate::error::AppError;

    pub use crate::api::ssr::{category_label, services};
    pub use crate::auth::session::actor;
    pub use services::format_date;

    pub fn categories() -> Vec<(String, String)> {
        domain::listing::CATEGORIES
            .iter()
            .map(|(s, l)| ((*s).to_owned(), (*l).to_owned()))
            .collect()
    }

    pub fn fields_of(l: &Listing) -> ListingFields {
        ListingFields {
            slug: l.slug.clone(),
            name: l.name.clone(),
            category: l.category.clone(),
            summary: l.summary.clone(),
            description: l.description.clone(),
            homepage: l.homepage.clone().unwrap_or_default(),
            support_contact: l.support_contact.clone().unwrap_or_default(),
            privacy_url: l.privacy_url.clone().unwrap_or_default(),
            data_use: l.data_use.clone(),
            capabilities: l.capabilities.join("\n"),
            egress: l.egress.join("\n"),
            seen: l.updated_at.to_string(),
        }
    }

    pub fn input_of(f: ListingFields) -> services::portal::ListingInput {
        services::portal::ListingInput {
            slug: f.slug,
            name: f.name,
            category: f.category,
            summary: f.summary,
            description: f.description,
            homepage: f.homepage,
            support_contact: f.support_contact,
            privacy_url: f.privacy_url,
            data_use: f.data_use,
            capabilities: f.capabilities,
            egress: f.egress,
            seen_updated_at: f.seen.trim().parse().ok(),
        }
    }

    pub fn version_row(v: &Version) -> PortalVersionRow {
        PortalVersionRow {
            version: v.version.clone(),
            state: v.state.as_str().to_owned(),
            state_label: v.state.label().to_owned(),
            created: format_date(v.created_at),
            tools: v.manifest.tools.len(),
        }
    }

    /// The manifest source a form describes: a pasted or uploaded document,
    /// or a remote server's URL.
    pub fn source_of(
        format: String,
        manifest: String,
        url: String,
    ) -> Result<services::portal::ManifestSource, AppError> {
        let invalid = |field: &str, m: &str| {
            AppError::from(services::ServiceError::InvalidFields(vec![(
                field.to_owned(),
                m.to_owned(),
            )]))
        };
        let url = url.trim().to_owned();
        if !url.is_empty() {
            if !manifest.trim().is_empty() {
                return Err(invalid(
                    "url",
                    "give either a document or a server URL, not both",
                ));
            }
            return Ok(services::portal::ManifestSource::Remote { url });
        }
        let format = match format.trim() {
            "" | "auto" => None,
            f => {
                Some(ManifestFormat::parse(f).ok_or_else(|| invalid("format", "choose a format"))?)
            }
        };
        Ok(services::portal::ManifestSource::Document {
            bytes: manifest.into_bytes().into(),
            format,
            media_type: "text/plain".into(),
        })
    }

    fn input_names(schema: &serde_json::Value) -> Vec<String> {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(|r| r.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        schema
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|o| {
                o.keys()
                    .map(|k| {
                        if required.contains(&k.as_str()) {
                            format!("{k}*")
                        } else {
                            k.clone()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `classes`: (tool, effect, risk) from the version's screening.
    pub fn tools_of(m: &Manifest, classes: &[(String, String, String)]) -> Vec<ManifestToolRow> {
        m.tools
            .iter()
            .map(|t| ManifestToolRow {
                effect: classes
                    .iter()
                    .find(|c| c.0 == t.name)
                    .map(|c| c.1.replace('_', " "))
                    .unwrap_or_default(),
                risk: classes
                    .iter()
                    .find(|c| c.0 == t.name)
                    .map(|c| c.2.clone())
                    .unwrap_or_default(),
                name: t.name.clone(),
                title: t.title.clone().or_else(|| t.annotations.title.clone()),
                description: t.description.clone(),
                hints: t.declared_hints().into_iter().map(str::to_owned).collect(),
                scopes: t.scopes.clone(),
                operation: t.operation.clone(),
                inputs: input_names(&t.input_schema),
            })
            .collect()
    }

    /// Per tool: (name, effect, risk).
    pub type ToolReadings = Vec<(String, String, String)>;

    /// A stored screening as the pages show it (`None` if it cannot be read:
    /// a report from a future ruleset shape is not shown half-understood).
    pub fn screening_view(
        s: &services::records::Screening,
    ) -> Option<(ScreeningView, ToolReadings)> {
        let r: services::classifier::Report = serde_json::from_value(s.report.clone()).ok()?;
        let tools = r
            .tools
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.effect.as_str().to_owned(),
                    t.risk.as_str().to_owned(),
                )
            })
            .collect();
        Some((super::view_of_report(r), tools))
    }

    /// A comparison of two versions as the diff pages show it.
    pub fn diff_view(
        org: String,
        l: Listing,
        va: Version,
        vb: Version,
        d: services::domain::diff::VersionDiff,
        versions: Vec<String>,
    ) -> DiffView {
        use services::domain::diff::{PriceChangeKind, SchemaChangeKind, TextSpan};
        let tool_row = |t: &services::domain::diff::ToolSummary| DiffToolRow {
            name: t.name.clone(),
            hints: t.hints.clone(),
            scopes: t.scopes.clone(),
        };
        let pair = |p: &Option<(Option<String>, Option<String>)>| {
            p.as_ref().map(|(a, b)| {
                (
                    a.clone().unwrap_or_else(|| "—".into()),
                    b.clone().unwrap_or_else(|| "—".into()),
                )
            })
        };
        DiffView {
            org_slug: org,
            listing_slug: l.slug,
            listing_name: l.name,
            from: va.version,
            to: vb.version,
            from_state_label: va.state.label().to_owned(),
            to_state_label: vb.state.label().to_owned(),
            versions,
            empty: d.is_empty(),
            widens_access: d.widens_access(),
            tools_added: d.tools_added.iter().map(tool_row).collect(),
            tools_removed: d.tools_removed.iter().map(tool_row).collect(),
            tools_changed: d
                .tools_changed
                .iter()
                .map(|c| DiffToolChangeRow {
                    name: c.name.clone(),
                    description: c
                        .description
                        .iter()
                        .map(|span| {
                            let (kind, text) = match span {
                                TextSpan::Same(t) => ("same", t),
                                TextSpan::Added(t) => ("added", t),
                                TextSpan::Removed(t) => ("removed", t),
                            };
                            TextRun {
                                kind: kind.into(),
                                text: text.clone(),
                            }
                        })
                        .collect(),
                    description_changed: c.description_changed,
                    title: pair(&c.title),
                    operation: pair(&c.operation),
                    schema: c
                        .schema
                        .iter()
                        .map(|sc| {
                            let what = match sc.kind {
                                SchemaChangeKind::PropertyAdded => "input added",
                                SchemaChangeKind::PropertyRemoved => "input removed",
                                SchemaChangeKind::BecameRequired => "now required",
                                SchemaChangeKind::NoLongerRequired => "no longer required",
                                SchemaChangeKind::TypeChanged => "type changed",
                                SchemaChangeKind::Changed => "changed",
                            };
                            (
                                sc.pointer.clone(),
                                what.to_owned(),
                                json_text(&sc.before),
                                json_text(&sc.after),
                            )
                        })
                        .collect(),
                    annotations: c
                        .annotations
                        .iter()
                        .map(|a| (a.hint.clone(), hint(a.before), hint(a.after)))
                        .collect(),
                    scopes_added: c.scopes_added.clone(),
                    scopes_removed: c.scopes_removed.clone(),
                    became_destructive: c.became_destructive,
                    lost_read_only: c.lost_read_only,
                })
                .collect(),
            access: vec![
                (
                    "Permission scopes".into(),
                    d.scopes_added.clone(),
                    d.scopes_removed.clone(),
                ),
                (
                    "Network egress".into(),
                    d.egress_added.clone(),
                    d.egress_removed.clone(),
                ),
                (
                    "Secrets".into(),
                    d.secrets_added.clone(),
                    d.secrets_removed.clone(),
                ),
                (
                    "Declared capabilities".into(),
                    d.capabilities_added.clone(),
                    d.capabilities_removed.clone(),
                ),
                (
                    "Packages".into(),
                    d.packages_added.clone(),
                    d.packages_removed.clone(),
                ),
                (
                    "Remote endpoints".into(),
                    d.remotes_added.clone(),
                    d.remotes_removed.clone(),
                ),
            ]
            .into_iter()
            .filter(|(_, a, r)| !a.is_empty() || !r.is_empty())
            .collect(),
            price_changes: d
                .price_changes
                .iter()
                .map(|p| PriceChangeRow {
                    plan: p.plan.clone(),
                    kind: match p.kind {
                        PriceChangeKind::Added => "added",
                        PriceChangeKind::Removed => "removed",
                        PriceChangeKind::Changed => "changed",
                    }
                    .into(),
                    before: p.before.clone(),
                    after: p.after.clone(),
                    fields: p.fields.clone(),
                    increase: p.increase,
                })
                .collect(),
        }
    }

    pub fn size(n: u64) -> String {
        if n < 1024 {
            format!("{n} B")
        } else if n < 1024 * 1024 {
            format!("{:.1} KiB", n as f64 / 1024.0)
        } else {
            format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
        }
    }

    pub fn json_text(v: &Option<serde_json::Value>) -> String {
        match v {
            None => "—".into(),
            Some(v) => {
                let s = v.to_string();
                if s.chars().count() > 120 {
                    format!("{}…", s.chars().take(120).collect::<String>())
                } else {
                    s
                }
            }
        }
    }

    pub fn hint(v: Option<bool>) -> String {
        match v {
            None => "not declared".into(),
            Some(b) => b.to_string(),
        }
    }
}

/// One line of a label as the pages show it.
pub fn label_item(i: classifier::DisclosureItem) -> LabelItem {
    LabelItem {
        text: i.text,
        source: i.source.as_str().to_owned(),
        risk: i.risk.as_str().to_owned(),
        tools: i.tools,
    }
}

/// A report as the label component shows it (server pages and the editor's
/// in-browser preview use the same mapping).
pub fn view_of_report(r: classifier::Report) -> ScreeningView {
    ScreeningView {
        risk: r.risk.as_str().to_owned(),
        ruleset: r.ruleset,
        summary: r.disclosure.summary,
        items: r.disclosure.items.into_iter().map(label_item).collect(),
        findings: r
            .findings
            .into_iter()
            .map(|f| {
                (
                    f.severity.as_str().to_owned(),
                    f.kind.as_str().to_owned(),
                    f.tool,
                    f.message,
                    f.evidence,
                )
            })
            .collect(),
    }
}

/// The editor's preview: a pasted `tools/list` result classified in the
/// browser, no round trip. Other formats are read on upload.
pub fn preview(text: &str) -> Option<ScreeningView> {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let m = domain::manifest::Manifest::from_tools_list_json(t.as_bytes()).ok()?;
    if m.tools.is_empty() {
        return None;
    }
    Some(view_of_report(classifier::report(
        &m,
        None,
        None,
        &[],
        None,
        classifier::default_ruleset(),
    )))
}

/// A publisher organization's listings.
#[server(endpoint = "publisher_listings")]
pub async fn publisher_listings(org: String) -> Result<PortalHome, AppError> {
    use ssr::*;
    let (o, listings, can_edit) = services()?.portal_listings(&actor().await?, &org).await?;
    Ok(PortalHome {
        org_slug: o.slug,
        org_name: o.name,
        can_edit,
        listings: listings
            .into_iter()
            .map(|(l, versions)| {
                let latest = versions.first();
                PortalListingRow {
                    category_label: category_label(&l.category),
                    slug: l.slug,
                    name: l.name,
                    versions: versions.len(),
                    latest: latest.map(|v| v.version.clone()),
                    latest_state: latest.map(|v| v.state.as_str().to_owned()),
                    latest_state_label: latest.map(|v| v.state.label().to_owned()),
                }
            })
            .collect(),
        categories: categories(),
    })
}

/// Creates a listing; returns its slug.
#[server(endpoint = "create_listing")]
pub async fn create_listing(org: String, fields: ListingFields) -> Result<String, AppError> {
    use ssr::*;
    let l = services()?
        .create_listing(&actor().await?, &org, &input_of(fields))
        .await?;
    Ok(l.slug)
}

/// One of the organization's listings, with its versions.
#[server(endpoint = "publisher_listing")]
pub async fn publisher_listing(
    org: String,
    listing: String,
) -> Result<PortalListingView, AppError> {
    use ssr::*;
    let p = services()?
        .portal_listing(&actor().await?, &org, &listing)
        .await?;
    Ok(PortalListingView {
        org_slug: p.org.slug,
        org_name: p.org.name,
        fields: fields_of(&p.listing),
        can_edit: p.can_edit,
        public: p.versions.iter().any(|v| v.state.is_public()),
        versions: p.versions.iter().map(version_row).collect(),
        categories: categories(),
    })
}

#[server(endpoint = "update_listing")]
pub async fn update_listing(
    org: String,
    listing: String,
    fields: ListingFields,
) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .update_listing(&actor().await?, &org, &listing, &input_of(fields))
        .await?;
    Ok(())
}

/// Creates a draft version from a pasted/uploaded manifest or a remote
/// server's URL; returns the version.
#[server(endpoint = "create_version")]
pub async fn create_version(
    org: String,
    listing: String,
    version: String,
    #[server(default)] format: String,
    #[server(default)] manifest: String,
    #[server(default)] url: String,
) -> Result<String, AppError> {
    use ssr::*;
    let source = source_of(format, manifest, url)?;
    let (_, v) = services()?
        .create_version(
            &actor().await?,
            Some(&org),
            &listing,
            &version,
            source,
            false,
        )
        .await?;
    Ok(v.version)
}

/// A version as its publisher sees it: documents, normalized manifest, prices.
#[server(endpoint = "publisher_version")]
pub async fn publisher_version(
    org: String,
    listing: String,
    version: String,
) -> Result<PortalVersionView, AppError> {
    use ssr::*;
    let p = services()?
        .portal_version(&actor().await?, &org, &listing, &version)
        .await?;
    let m = &p.version.manifest;
    let declared = services::portal::declared_for(&p.version, &p.listing);
    let (screening, classes) = match p.version.screening.as_ref().and_then(screening_view) {
        Some((v, c)) => (Some(v), c),
        None => (None, Vec::new()),
    };
    Ok(PortalVersionView {
        screening,
        org_slug: p.org.slug,
        listing_slug: p.listing.slug,
        listing_name: p.listing.name,
        version: p.version.version.clone(),
        state: p.version.state.as_str().to_owned(),
        state_label: p.version.state.label().to_owned(),
        created: format_date(p.version.created_at),
        submitted: p.version.submitted_at.map(format_date),
        manifest_digest: p.version.manifest_digest.clone(),
        format_label: m.format.label().to_owned(),
        server_name: m.server.as_ref().map(|s| s.name.clone()),
        documents: p
            .documents
            .iter()
            .map(|d| DocumentRow {
                format_label: d.format.label().to_owned(),
                digest: d.digest.clone(),
                size: size(d.size_bytes),
                source_url: d.source_url.clone(),
                added: format_date(d.created_at),
            })
            .collect(),
        tools: tools_of(m, &classes),
        scopes: m
            .all_scopes()
            .into_iter()
            .map(|name| {
                let desc = m
                    .scopes
                    .iter()
                    .find(|s| s.name == name)
                    .and_then(|s| s.description.clone());
                (name, desc)
            })
            .collect(),
        egress: {
            let mut e: Vec<String> = m
                .egress_hosts
                .iter()
                .chain(declared.egress.iter())
                .cloned()
                .collect();
            e.sort();
            e.dedup();
            e
        },
        secrets: m
            .secret_inputs
            .iter()
            .map(|s| {
                format!(
                    "{} ({}{})",
                    s.name,
                    serde_json::to_value(s.location)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    if s.required { ", required" } else { "" }
                )
            })
            .collect(),
        packages: m
            .packages
            .iter()
            .map(|p| {
                format!(
                    "{} {}{}",
                    p.registry_type,
                    p.identifier,
                    p.version
                        .as_deref()
                        .map(|v| format!("@{v}"))
                        .unwrap_or_default()
                )
            })
            .collect(),
        remotes: m
            .remotes
            .iter()
            .map(|r| format!("{} {}", r.transport, r.url))
            .collect(),
        plans: p
            .plans
            .iter()
            .map(|pl| PlanRow {
                name: pl.name.clone(),
                kind_label: pl.kind.label().to_owned(),
                price: pl.describe(),
            })
            .collect(),
        can_edit: p.can_edit,
        can_price: p.can_price,
        can_submit: p.can_edit
            && p.version
                .state
                .can_move_to(services::domain::listing::VersionState::Submitted),
        other_versions: p.other_versions.clone(),
        currencies: services::domain::pricing::PricingRules::default().currencies,
    })
}

/// Adds a document (or replaces the one of the same format) to a draft.
#[server(endpoint = "add_document")]
pub async fn add_document(
    org: String,
    listing: String,
    version: String,
    #[server(default)] format: String,
    #[server(default)] manifest: String,
    #[server(default)] url: String,
) -> Result<(), AppError> {
    use ssr::*;
    let source = source_of(format, manifest, url)?;
    services()?
        .add_document(&actor().await?, &org, &listing, &version, source)
        .await?;
    Ok(())
}

/// Adds a price plan to a draft. `amount` is a decimal in the currency's
/// units ("0.02"); it is stored in minor units.
#[server(endpoint = "add_plan")]
pub async fn add_plan(
    org: String,
    listing: String,
    version: String,
    plan: PlanFields,
) -> Result<(), AppError> {
    use services::domain::pricing::{BillingPeriod, PlanKind, PricePlan, parse_amount};
    use ssr::*;
    let PlanFields {
        name,
        kind,
        currency,
        amount,
        period,
        meter,
        trial_days,
    } = plan;
    let mut fields = Vec::new();
    let kind = PlanKind::parse(&kind);
    if kind.is_none() {
        fields.push(("kind".to_owned(), "choose how the plan charges".to_owned()));
    }
    let free = kind == Some(PlanKind::Free);
    let currency = (!free && !currency.trim().is_empty()).then(|| currency.trim().to_uppercase());
    let amount_minor = if free {
        0
    } else {
        match parse_amount(&amount, currency.as_deref().unwrap_or("USD")) {
            Ok(a) => a,
            Err(e) => {
                fields.push(("amount".to_owned(), e));
                0
            }
        }
    };
    let trial_days = match trial_days.trim() {
        "" => 0,
        t => t.parse::<u32>().unwrap_or_else(|_| {
            fields.push(("trial_days".to_owned(), "a whole number of days".to_owned()));
            0
        }),
    };
    if !fields.is_empty() {
        return Err(services::ServiceError::InvalidFields(fields).into());
    }
    let kind = kind.unwrap_or(PlanKind::Free);
    let plan = PricePlan {
        name,
        kind,
        currency,
        amount_minor,
        period: matches!(kind, PlanKind::Flat | PlanKind::PerSeat)
            .then(|| BillingPeriod::parse(period.trim()))
            .flatten(),
        meter: (kind == PlanKind::Usage).then(|| meter.trim().to_owned()),
        trial_days,
    };
    services()?
        .add_plan(&actor().await?, &org, &listing, &version, plan)
        .await?;
    Ok(())
}

#[server(endpoint = "remove_plan")]
pub async fn remove_plan(
    org: String,
    listing: String,
    version: String,
    name: String,
) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .remove_plan(&actor().await?, &org, &listing, &version, &name)
        .await?;
    Ok(())
}

/// Submits a draft for review.
#[server(endpoint = "submit_version")]
pub async fn submit_version(org: String, listing: String, version: String) -> Result<(), AppError> {
    use ssr::*;
    services()?
        .submit_version(&actor().await?, &org, &listing, &version)
        .await?;
    Ok(())
}

/// What changed between two versions of a listing.
#[server(endpoint = "version_diff")]
pub async fn version_diff(
    org: String,
    listing: String,
    from: String,
    to: String,
) -> Result<DiffView, AppError> {
    use ssr::*;
    let c = services()?
        .version_diff(&actor().await?, &org, &listing, &from, &to)
        .await?;
    Ok(diff_view(org, c.listing, c.from, c.to, c.diff, c.versions))
}
