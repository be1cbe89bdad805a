//! Shared by the classifier's tests, example and benchmark.

use std::path::{Path, PathBuf};

/// The shared corpus of real public data: `$STEWARD_CORPUS`, else
/// `shared/corpus` beside the repository, else `/work/shared/corpus`; `None`
/// when none exists (callers say so plainly and skip).
pub fn corpus() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STEWARD_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}
