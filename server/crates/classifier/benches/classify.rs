//! Classification throughput on real manifests, against serde_json's parse
//! throughput of the same bytes (the bar: at least 25 % of it).
//! Reads the corpus (`STEWARD_CORPUS`, else `../shared/corpus` beside the
//! repository, else /work/shared/corpus); run with `cargo bench -p classifier`.

use std::path::PathBuf;

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Every live tools/list answer in the corpus, as bytes.
fn manifests() -> Vec<Vec<u8>> {
    let Some(dir) = common::corpus() else {
        eprintln!("corpus not found: nothing to benchmark (set STEWARD_CORPUS)");
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("mcp-tools/live-tools-list"))
        .expect("the live tools lists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn bench(c: &mut Criterion) {
    let docs = manifests();
    if docs.is_empty() {
        return;
    }
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let parsed: Vec<domain::manifest::Manifest> = docs
        .iter()
        .map(|d| domain::manifest::Manifest::from_tools_list_json(d).unwrap())
        .collect();
    let rules = classifier::default_ruleset();
    let mut g = c.benchmark_group("live tools lists");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("serde_json parse", |b| {
        b.iter(|| {
            for d in &docs {
                let v: serde_json::Value = serde_json::from_slice(d).unwrap();
                std::hint::black_box(v);
            }
        })
    });
    g.bench_function("classify", |b| {
        b.iter(|| {
            for m in &parsed {
                std::hint::black_box(classifier::classify(m, rules));
            }
        })
    });
    g.bench_function("screening report (classify + review + label)", |b| {
        b.iter(|| {
            for m in &parsed {
                std::hint::black_box(classifier::report(m, None, None, &[], None, rules));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
