//! Prints the classifier's quality figures over the shared corpus:
//! `cargo run -p classifier --example quality [CORPUS_DIR]`.
//!
//! The corpus is the argument, else `STEWARD_CORPUS`, else `shared/corpus`
//! beside the repository, else `/work/shared/corpus`. The library does no IO: this reads the files and
//! hands their contents to `classifier::quality_report`.

use std::path::PathBuf;

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let Some(root) = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(common::corpus)
        .filter(|p| p.is_dir())
    else {
        println!(
            "corpus not found (give it as the argument or in STEWARD_CORPUS): no quality figures"
        );
        return;
    };
    let mut files = Vec::new();
    for dir in [
        "mcp-tools/live-tools-list",
        "mcp-tools/github-mcp-server/toolsnaps",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            match std::fs::read_to_string(&p) {
                Ok(contents) => files.push((name, contents)),
                Err(e) => eprintln!("{name}: {e}"),
            }
        }
    }
    match classifier::quality_report(&files, classifier::default_ruleset()) {
        Ok(report) => print!("{report}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
