//! The permission-change record, on both engines: epochs move only with a
//! committed change, once per transaction, in commit order, and the record
//! of changes says when it no longer reaches back far enough.

use domain::audit::{Actor, AuditRecord};
use store::AuthzChange;
use store::testing::engines;

fn record() -> AuditRecord {
    AuditRecord::new(Actor::System, "test", "org", domain::OrgId::new())
}

#[tokio::test]
async fn epochs_move_with_committed_changes_only() {
    for db in engines().await {
        let s = &db.store;
        assert_eq!(s.authz_epoch().await.unwrap(), 0);

        // A commit without a permission change leaves the epoch alone.
        s.begin_write()
            .await
            .unwrap()
            .commit(record(), vec![])
            .await
            .unwrap();
        assert_eq!(s.authz_epoch().await.unwrap(), 0);

        // Rolled back: nothing recorded.
        let tx = s.begin_write().await.unwrap();
        tx.authz_changed(AuthzChange::All);
        drop(tx);
        assert_eq!(s.authz_epoch().await.unwrap(), 0);

        // One transaction, several changes (one noted twice): one epoch.
        let (org, version) = (domain::OrgId::new(), domain::VersionId::new());
        let mut local = s.authz_local_commits();
        let tx = s.begin_write().await.unwrap();
        tx.authz_changed(AuthzChange::Tenant(org));
        tx.authz_changed(AuthzChange::Version(version));
        tx.authz_changed(AuthzChange::Tenant(org));
        tx.commit(record(), vec![]).await.unwrap();
        assert_eq!(s.authz_epoch().await.unwrap(), 1);
        // This process's feed is woken with the epoch.
        assert!(local.has_changed().unwrap());
        assert_eq!(*local.borrow_and_update(), 1);

        let tx = s.begin_write().await.unwrap();
        tx.authz_changed(AuthzChange::Tokens(org));
        tx.commit(record(), vec![]).await.unwrap();
        let (changes, complete) = s.authz_changes(0, 2).await.unwrap();
        assert!(complete);
        let got: Vec<(i64, AuthzChange)> =
            changes.into_iter().map(|c| (c.epoch, c.change)).collect();
        assert_eq!(
            got,
            vec![
                (1, AuthzChange::Tenant(org)),
                (1, AuthzChange::Version(version)),
                (2, AuthzChange::Tokens(org)),
            ]
        );
        let (later, complete) = s.authz_changes(1, 2).await.unwrap();
        assert!(complete);
        assert_eq!(later.len(), 1);

        // Pruned past a reader's position: it must start again from nothing.
        s.authz_prune(store::now_ms() + 1).await.unwrap();
        let (gone, complete) = s.authz_changes(0, 2).await.unwrap();
        assert!(gone.is_empty());
        assert!(!complete);
        let (_, complete) = s.authz_changes(2, 2).await.unwrap();
        assert!(complete, "nothing to read is complete");
    }
}

#[tokio::test]
async fn a_writer_waits_for_live_processes_but_not_for_silent_ones() {
    for db in engines().await {
        let s = &db.store;
        // A process that stopped beating long ago is not waited for.
        s.authz_heartbeat("gone", 0, 0).await.unwrap();
        s.authz_prune(store::now_ms() + 1).await.unwrap();
        let started = std::time::Instant::now();
        let tx = s.begin_write().await.unwrap();
        tx.authz_changed(AuthzChange::All);
        tx.commit(record(), vec![]).await.unwrap();
        assert!(started.elapsed() < store::authz_sync_ack_timeout());

        // A live process that has not applied the epoch holds the writer until
        // it reports, here from another task after a moment.
        s.authz_heartbeat("live", 1, 0).await.unwrap();
        let reporter = {
            let s = s.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                s.authz_heartbeat("live", 2, 0).await.unwrap();
            })
        };
        let started = std::time::Instant::now();
        let tx = s.begin_write().await.unwrap();
        tx.authz_changed(AuthzChange::All);
        tx.commit(record(), vec![]).await.unwrap();
        let waited = started.elapsed();
        reporter.await.unwrap();
        assert_eq!(s.authz_epoch().await.unwrap(), 2);
        assert!(
            waited >= std::time::Duration::from_millis(140),
            "the writer returned before the live process reported ({waited:?})"
        );
        assert!(waited < store::authz_sync_ack_timeout(), "{waited:?}");
    }
}
