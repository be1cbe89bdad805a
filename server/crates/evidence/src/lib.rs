//! Evidence: content-addressed blobs, scoped to the organization they belong to.
//!
//! A blob lives at `orgs/<org id>/sha256/<first two hex>/<digest>`; the same bytes
//! stored by two organizations are two blobs, so no org can read another's
//! evidence by knowing its digest. Reads re-hash what they return. The local
//! store fsyncs each new blob and its directory before `put` returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};
use sha2::{Digest, Sha256};

use domain::OrgId;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("invalid STEWARD_EVIDENCE_URL: {0}")]
    BadUrl(String),
    #[error("no such evidence")]
    NotFound,
    #[error("evidence {0} does not match its digest")]
    Corrupt(String),
    #[error("evidence store: {0}")]
    Store(#[from] object_store::Error),
    #[error("evidence store IO: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = EvidenceError> = std::result::Result<T, E>;

/// A stored blob's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Lowercase hex sha256 of the bytes.
    pub digest: String,
    pub size: u64,
}

/// Hex sha256 of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64
        && d.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Clone, Debug)]
pub struct EvidenceStore {
    inner: Arc<dyn ObjectStore>,
    /// Set for the local file system store, whose writes we fsync.
    local_root: Option<PathBuf>,
}

impl EvidenceStore {
    /// `s3://bucket[/prefix]` (credentials and endpoint from the usual AWS_*
    /// variables), `file:///abs/dir`, or a plain directory path (created if absent).
    pub fn open(url: &str) -> Result<EvidenceStore> {
        let url = url.trim();
        if url.starts_with("s3://") {
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .build()
                .map_err(|e| EvidenceError::BadUrl(e.to_string()))?;
            let (_, prefix) = object_store::parse_url(
                &url::Url::parse(url).map_err(|e| EvidenceError::BadUrl(e.to_string()))?,
            )
            .map_err(|e| EvidenceError::BadUrl(e.to_string()))?;
            let inner: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            };
            return Ok(EvidenceStore {
                inner,
                local_root: None,
            });
        }
        let dir = if let Some(p) = url.strip_prefix("file://") {
            PathBuf::from(p)
        } else if url.contains("://") {
            return Err(EvidenceError::BadUrl(
                "expected a directory, file:///DIR or s3://BUCKET/PREFIX".into(),
            ));
        } else if url.is_empty() {
            return Err(EvidenceError::BadUrl("empty".into()));
        } else {
            PathBuf::from(url)
        };
        Self::local(&dir)
    }

    pub fn local(dir: &Path) -> Result<EvidenceStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| EvidenceError::BadUrl(format!("cannot create {}: {e}", dir.display())))?;
        let root = dir
            .canonicalize()
            .map_err(|e| EvidenceError::BadUrl(format!("{}: {e}", dir.display())))?;
        let fs = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| EvidenceError::BadUrl(e.to_string()))?;
        Ok(EvidenceStore {
            inner: Arc::new(fs),
            local_root: Some(root),
        })
    }

    fn path(org: OrgId, digest: &str) -> ObjectPath {
        ObjectPath::from(format!("orgs/{org}/sha256/{}/{digest}", &digest[..2]))
    }

    /// Stores `bytes` for `org`; storing the same bytes again is a no-op.
    pub async fn put(&self, org: OrgId, bytes: Bytes) -> Result<Stored> {
        let digest = digest_of(&bytes);
        let size = bytes.len() as u64;
        let path = Self::path(org, &digest);
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .inner
            .put_opts(&path, PutPayload::from(bytes), opts)
            .await
        {
            Ok(_) => {}
            Err(object_store::Error::AlreadyExists { .. }) => {
                return Ok(Stored { digest, size });
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(root) = &self.local_root {
            let file = root.join(path.as_ref());
            tokio::task::spawn_blocking(move || sync_file_and_dir(&file))
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??;
        }
        Ok(Stored { digest, size })
    }

    /// Reads a blob of `org`, checking it still hashes to `digest`.
    pub async fn get(&self, org: OrgId, digest: &str) -> Result<Bytes> {
        if !valid_digest(digest) {
            return Err(EvidenceError::NotFound);
        }
        let bytes = match self.inner.get(&Self::path(org, digest)).await {
            Ok(r) => r.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Err(EvidenceError::NotFound),
            Err(e) => return Err(e.into()),
        };
        if digest_of(&bytes) != digest {
            return Err(EvidenceError::Corrupt(digest.to_owned()));
        }
        Ok(bytes)
    }

    /// The digests of every blob `org` holds, in no particular order.
    pub async fn list(&self, org: OrgId) -> Result<Vec<String>> {
        use futures::TryStreamExt;
        let prefix = ObjectPath::from(format!("orgs/{org}/sha256"));
        let metas: Vec<_> = match self.inner.list(Some(&prefix)).try_collect().await {
            Ok(m) => m,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(metas
            .into_iter()
            .filter_map(|m| m.location.filename().map(str::to_owned))
            .filter(|d| valid_digest(d))
            .collect())
    }

    /// Whether the store answers (for readiness).
    /// One listing request proves the store is reachable.
    pub async fn ping(&self) -> Result<()> {
        let prefix = ObjectPath::from("orgs");
        match self.inner.list_with_delimiter(Some(&prefix)).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

fn sync_file_and_dir(file: &Path) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_round_trip_and_dedup() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::open(dir.path().to_str().unwrap()).unwrap();
        let org = OrgId::new();
        let a = store
            .put(org, Bytes::from_static(b"{\"tools\":[]}"))
            .await
            .unwrap();
        assert_eq!(a.digest, digest_of(b"{\"tools\":[]}"));
        assert_eq!(a.size, 12);
        let again = store
            .put(org, Bytes::from_static(b"{\"tools\":[]}"))
            .await
            .unwrap();
        assert_eq!(a, again);
        assert_eq!(
            &store.get(org, &a.digest).await.unwrap()[..],
            b"{\"tools\":[]}"
        );
        store.ping().await.unwrap();
        assert_eq!(store.list(org).await.unwrap(), vec![a.digest.clone()]);
        assert!(store.list(OrgId::new()).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn another_org_cannot_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::local(dir.path()).unwrap();
        let stored = store
            .put(OrgId::new(), Bytes::from_static(b"secret manifest"))
            .await
            .unwrap();
        assert!(matches!(
            store.get(OrgId::new(), &stored.digest).await,
            Err(EvidenceError::NotFound)
        ));
    }

    #[tokio::test]
    async fn tampered_blobs_and_bad_digests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::local(dir.path()).unwrap();
        let org = OrgId::new();
        let stored = store
            .put(org, Bytes::from_static(b"original"))
            .await
            .unwrap();
        let file = dir.path().join(format!(
            "orgs/{org}/sha256/{}/{}",
            &stored.digest[..2],
            stored.digest
        ));
        std::fs::write(&file, b"tampered").unwrap();
        assert!(matches!(
            store.get(org, &stored.digest).await,
            Err(EvidenceError::Corrupt(_))
        ));
        assert!(matches!(
            store.get(org, "../../etc/passwd").await,
            Err(EvidenceError::NotFound)
        ));
    }

    #[test]
    fn urls() {
        assert!(EvidenceStore::open("ftp://x").is_err());
        assert!(EvidenceStore::open("").is_err());
    }
}
