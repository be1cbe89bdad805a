//! `steward classify`: the classifier for publishers' own CI. Needs no
//! database and no configuration: it reads files and prints.
//!
//! Contract (keep it stable): `steward classify [--previous FILE] [--catalog FILE]
//! [--format json|text] [--fail-on RISK] FILE`. Exit 0; 3 when `--fail-on` is
//! met; 2 with a clear message when an input cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use classifier::{CatalogEntry, ListingInfo, Report, Risk, Severity};
use domain::manifest::Manifest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// An MCP tools/list result, a JSON array of tools, an MCP server.json, an
    /// OpenAPI 3 document (JSON or YAML), or a listing bundle
    /// {"listing": {...}, "tools"|"server"|"openapi": ...}.
    pub file: PathBuf,
    /// The previous version (same formats): report what it adds.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// A JSON array of {"name", "publisher"}: listings to check impersonation against.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Exit 3 when the overall risk, or a finding's severity, is at least this.
    #[arg(long, value_parser = parse_risk)]
    pub fail_on: Option<Risk>,
}

fn parse_risk(s: &str) -> Result<Risk, String> {
    Risk::parse(s)
        .ok_or_else(|| format!("{s:?} is not a risk tier: use low, medium, high or critical"))
}

/// A manifest and, for a bundle, what the listing says.
pub struct Input {
    pub manifest: Manifest,
    pub listing: Option<ListingInfo>,
}

/// Reads any accepted input. Errors are one line a publisher can act on.
pub fn read_input(bytes: &[u8]) -> Result<Input, String> {
    let value: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    if let Some(serde_json::Value::Object(o)) = &value
        && let Some(listing) = o.get("listing")
    {
        let listing: ListingInfo = serde_json::from_value(listing.clone())
            .map_err(|e| format!("the bundle's \"listing\" is not usable: {e}"))?;
        let part = |key: &str| {
            o.get(key)
                .map(|v| serde_json::to_vec(v).unwrap_or_default())
        };
        let manifest = if let Some(tools) = o.get("tools") {
            let doc = serde_json::json!({ "tools": tools });
            ingest::read_tools_list(&serde_json::to_vec(&doc).unwrap_or_default())
        } else if let Some(server) = part("server") {
            ingest::read_server_json(&server)
        } else if let Some(openapi) = part("openapi") {
            ingest::read_openapi(&openapi)
        } else {
            return Err(
                "a bundle needs \"tools\", \"server\" or \"openapi\" next to \"listing\"".into(),
            );
        }
        .map_err(|e| e.to_string())?;
        return Ok(Input {
            manifest,
            listing: Some(listing),
        });
    }
    let manifest = ingest::read(bytes, None).map_err(|e| {
        let mut msg = e.to_string();
        if let Some(p) = e.problems().first() {
            msg.push_str(&format!(" ({p})"));
        }
        msg
    })?;
    Ok(Input {
        manifest,
        listing: None,
    })
}

/// Classifies, reviews and labels one input (the whole of `steward classify`
/// but the reading and printing).
pub fn report(input: &Input, previous: Option<&Manifest>, catalog: &[CatalogEntry]) -> Report {
    classifier::report(
        &input.manifest,
        input.listing.as_ref(),
        previous,
        catalog,
        None,
        classifier::default_ruleset(),
    )
}

fn severity_risk(s: Severity) -> Option<Risk> {
    match s {
        Severity::Info => None,
        Severity::Low => Some(Risk::Low),
        Severity::Medium => Some(Risk::Medium),
        Severity::High => Some(Risk::High),
        Severity::Critical => Some(Risk::Critical),
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

fn text(r: &Report) -> String {
    let mut out = format!(
        "{}\nrisk: {} (ruleset {})\n",
        r.disclosure.summary,
        r.risk.as_str(),
        r.ruleset
    );
    if !r.disclosure.items.is_empty() {
        out.push_str("\nwhat it can do:\n");
        for i in &r.disclosure.items {
            out.push_str(&format!(
                "  [{}] {} ({}; {})\n",
                i.risk.as_str(),
                i.text,
                i.source.as_str(),
                i.tools.join(", ")
            ));
        }
    }
    out.push_str("\ntools:\n");
    for t in &r.tools {
        out.push_str(&format!(
            "  {:<40} {:<11} {:<8} {}\n",
            t.name,
            t.effect.as_str(),
            t.risk.as_str(),
            t.capabilities
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if !r.findings.is_empty() {
        out.push_str("\nfindings:\n");
        for f in &r.findings {
            out.push_str(&format!(
                "  {:?} {:?}{}: {}\n    evidence: {}\n",
                f.severity,
                f.kind,
                f.tool
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
                f.message,
                f.evidence
            ));
        }
    }
    out
}

pub fn run(args: &ClassifyArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("steward classify: {msg}");
        ExitCode::from(2)
    };
    let input = match read(&args.file, "the manifest")
        .and_then(|b| read_input(&b).map_err(|e| format!("{}: {e}", args.file.display())))
    {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let previous = match &args.previous {
        None => None,
        Some(p) => match read(p, "the previous version")
            .and_then(|b| read_input(&b).map_err(|e| format!("{}: {e}", p.display())))
        {
            Ok(i) => Some(i.manifest),
            Err(e) => return fail(e),
        },
    };
    let catalog: Vec<CatalogEntry> = match &args.catalog {
        None => Vec::new(),
        Some(p) => match read(p, "the catalog").and_then(|b| {
            serde_json::from_slice(&b).map_err(|e| {
                format!(
                    "{}: not a JSON array of {{\"name\", \"publisher\"}}: {e}",
                    p.display()
                )
            })
        }) {
            Ok(c) => c,
            Err(e) => return fail(e),
        },
    };
    let r = report(&input, previous.as_ref(), &catalog);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&r) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(format!("cannot write the report: {e}")),
        },
        Format::Text => print!("{}", text(&r)),
    }
    if let Some(threshold) = args.fail_on {
        let worst_finding = r
            .findings
            .iter()
            .filter_map(|f| severity_risk(f.severity))
            .max();
        if r.risk >= threshold || worst_finding.is_some_and(|w| w >= threshold) {
            return ExitCode::from(3);
        }
    }
    ExitCode::SUCCESS
}
