//! `steward import PATH --publisher SLUG`: an MCP registry export into a
//! publisher's listings, with a progress bar and a per-entry report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use services::Services;
use services::portal::ImportOutcome;

/// One entry to import, with where it came from (for the report).
struct Labelled {
    label: String,
    entry: Result<ingest::RegistryEntry, String>,
}

/// Every entry of `path`: a file's entries, or each `*.json` file's entries
/// of a folder, in name order. A file that cannot be read at all becomes one
/// rejected line, not a failed import.
fn entries(path: &Path) -> Result<Vec<Labelled>, String> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read the folder {}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("{} holds no .json files", path.display()));
        }
        files
    } else {
        vec![path.to_owned()]
    };
    let single = files.len() == 1 && !path.is_dir();
    let mut out = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) if single => return Err(format!("cannot read {}: {e}", f.display())),
            Err(e) => {
                out.push(Labelled {
                    label: name,
                    entry: Err(format!("cannot read the file: {e}")),
                });
                continue;
            }
        };
        match ingest::read_registry_export(&bytes) {
            Ok(list) => {
                let many = list.len() > 1;
                for e in list {
                    let who = match (&e.name, &e.version) {
                        (Some(n), Some(v)) => format!("{n}@{v}"),
                        (Some(n), None) => n.clone(),
                        _ => "(unnamed)".into(),
                    };
                    let label = match (single, many) {
                        (true, _) => format!("#{} {who}", e.index + 1),
                        (false, true) => format!("{name}#{} {who}", e.index + 1),
                        (false, false) => format!("{name} {who}"),
                    };
                    out.push(Labelled {
                        label,
                        entry: Ok(e),
                    });
                }
            }
            Err(e) if single => return Err(format!("{}: {e}", f.display())),
            Err(e) => out.push(Labelled {
                label: name,
                entry: Err(e.to_string()),
            }),
        }
    }
    Ok(out)
}

pub async fn run(services: &Services, path: &Path, publisher: &str) -> ExitCode {
    let actor = services::Actor::System;
    let org = match services.import_target(&actor, publisher).await {
        Ok(o) => o,
        Err(services::ServiceError::NotFound) => {
            eprintln!("steward import: there is no organization called {publisher}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("steward import: {e}");
            return ExitCode::from(2);
        }
    };
    let list = match entries(path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("steward import: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = indicatif::ProgressBar::new(list.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {pos}/{len} {wide_msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let (mut imported, mut present) = (0usize, 0usize);
    let mut rejected = Vec::new();
    for item in &list {
        bar.set_message(item.label.clone());
        let outcome = match &item.entry {
            Err(reason) => ImportOutcome::Rejected(reason.clone()),
            Ok(entry) => match services.import_entry(&actor, &org, entry).await {
                Ok(o) => o,
                Err(e) => {
                    bar.abandon();
                    tracing::error!(error = ?e, entry = %item.label, "import failed");
                    eprintln!(
                        "steward import: stopped at {}: {e}; what was imported before it stays, \
                         and running the import again continues from here",
                        item.label
                    );
                    return ExitCode::FAILURE;
                }
            },
        };
        match outcome {
            ImportOutcome::Imported { .. } => imported += 1,
            ImportOutcome::AlreadyPresent { .. } => present += 1,
            ImportOutcome::Rejected(why) => rejected.push((item.label.clone(), why)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for (label, why) in &rejected {
        println!("rejected  {label}: {why}");
    }
    println!(
        "{} entries: {imported} imported, {present} already present, {} rejected (into {})",
        list.len(),
        rejected.len(),
        org.slug
    );
    ExitCode::SUCCESS
}
