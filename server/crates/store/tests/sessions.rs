//! Session store tests: each runs on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.

use std::collections::HashMap;

use serde_json::{Value, json};
use store::testing::engines;
use time::{Duration, OffsetDateTime};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::Error;
use tower_sessions_core::{ExpiredDeletion, SessionStore as _};

/// Now, to the whole second (the store keeps expiry in Unix seconds).
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

fn record(data: Value, expiry_date: OffsetDateTime) -> Record {
    let data: HashMap<String, Value> = serde_json::from_value(data).unwrap();
    Record {
        id: Id::default(),
        data,
        expiry_date,
    }
}

fn live(data: Value) -> Record {
    record(data, now() + Duration::hours(1))
}

fn expired(data: Value) -> Record {
    record(data, now() - Duration::minutes(5))
}

#[tokio::test]
async fn create_then_load_round_trips() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut r = live(json!({
            "user_id": "0193a4b2-0000-7000-8000-000000000001",
            "csrf": "tok",
            "n": 3,
            "nested": {"a": [1, 2, null], "b": true},
        }));
        let id = r.id;
        s.create(&mut r).await.unwrap();
        assert_eq!(r.id, id, "{:?}: no collision, id kept", db.engine());
        let loaded = s.load(&r.id).await.unwrap();
        assert_eq!(loaded, Some(r), "{:?}", db.engine());
        assert_eq!(s.load(&Id::default()).await.unwrap(), None);
    }
}

#[tokio::test]
async fn expiry_is_kept_to_the_second() {
    for db in engines().await {
        let s = db.store.session_store();
        let exact = now() + Duration::hours(2);
        let mut r = record(json!({}), exact + Duration::milliseconds(750));
        s.create(&mut r).await.unwrap();
        let loaded = s.load(&r.id).await.unwrap().unwrap();
        assert_eq!(loaded.expiry_date, exact, "{:?}", db.engine());
    }
}

#[tokio::test]
async fn save_overwrites_data_and_expiry() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut r = live(json!({"step": 1, "keep": "me"}));
        s.create(&mut r).await.unwrap();

        let mut changed = r.clone();
        changed.data = serde_json::from_value(json!({"step": 2})).unwrap();
        changed.expiry_date = now() + Duration::days(3);
        s.save(&changed).await.unwrap();
        let loaded = s.load(&r.id).await.unwrap().unwrap();
        assert_eq!(loaded, changed, "{:?}", db.engine());
        assert_ne!(loaded.data, r.data);
        assert_ne!(loaded.expiry_date, r.expiry_date);

        // Saving a record that was never created inserts it.
        let fresh = live(json!({"via": "save"}));
        s.save(&fresh).await.unwrap();
        assert_eq!(s.load(&fresh.id).await.unwrap(), Some(fresh));
    }
}

#[tokio::test]
async fn save_updates_the_user_id_column() {
    for db in engines().await {
        let s = db.store.session_store();
        // Anonymous at first: not one of alice's sessions.
        let mut r = live(json!({"csrf": "x"}));
        s.create(&mut r).await.unwrap();
        assert_eq!(s.delete_sessions_of_user("alice").await.unwrap(), 0);
        assert!(s.load(&r.id).await.unwrap().is_some());

        // Signs in: now it is.
        r.data.insert("user_id".into(), json!("alice"));
        s.save(&r).await.unwrap();
        assert_eq!(
            s.delete_sessions_of_user("alice").await.unwrap(),
            1,
            "{:?}",
            db.engine()
        );
        assert_eq!(s.load(&r.id).await.unwrap(), None);

        // A session that changes hands (alice out, bob in) is bob's only.
        let mut shared = live(json!({"user_id": "alice"}));
        s.create(&mut shared).await.unwrap();
        shared.data.insert("user_id".into(), json!("bob"));
        s.save(&shared).await.unwrap();
        assert_eq!(s.delete_sessions_of_user("alice").await.unwrap(), 0);
        assert!(s.load(&shared.id).await.unwrap().is_some());

        // Signs out (user_id removed): nobody's.
        shared.data.remove("user_id");
        s.save(&shared).await.unwrap();
        assert_eq!(
            s.delete_sessions_of_user("bob").await.unwrap(),
            0,
            "{:?}",
            db.engine()
        );
        assert_eq!(s.load(&shared.id).await.unwrap(), Some(shared));
    }
}

#[tokio::test]
async fn an_expired_record_does_not_load() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut r = expired(json!({"user_id": "alice"}));
        s.create(&mut r).await.unwrap();
        assert_eq!(s.load(&r.id).await.unwrap(), None, "{:?}", db.engine());

        // The same row loads again once its expiry is in the future.
        let mut renewed = r.clone();
        renewed.expiry_date = now() + Duration::minutes(5);
        s.save(&renewed).await.unwrap();
        assert_eq!(s.load(&r.id).await.unwrap(), Some(renewed));
    }
}

#[tokio::test]
async fn delete_removes_the_record() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut a = live(json!({"k": "a"}));
        let mut b = live(json!({"k": "b"}));
        s.create(&mut a).await.unwrap();
        s.create(&mut b).await.unwrap();
        s.delete(&a.id).await.unwrap();
        assert_eq!(s.load(&a.id).await.unwrap(), None, "{:?}", db.engine());
        assert_eq!(s.load(&b.id).await.unwrap(), Some(b));
        // Deleting what is not there is not an error.
        s.delete(&a.id).await.unwrap();
        // The id is free again: create keeps it.
        let mut again = live(json!({"k": "again"}));
        again.id = a.id;
        s.create(&mut again).await.unwrap();
        assert_eq!(again.id, a.id);
    }
}

#[tokio::test]
async fn delete_sessions_of_user_ends_only_that_users_sessions() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut alice1 = live(json!({"user_id": "alice", "device": "laptop"}));
        let mut alice2 = live(json!({"user_id": "alice", "device": "phone"}));
        let mut bob = live(json!({"user_id": "bob"}));
        let mut anon = live(json!({"csrf": "x"}));
        // Not a string: not lifted, so not anyone's session.
        let mut numeric = live(json!({"user_id": 42}));
        let mut null = live(json!({"user_id": null}));
        for r in [
            &mut alice1,
            &mut alice2,
            &mut bob,
            &mut anon,
            &mut numeric,
            &mut null,
        ] {
            s.create(r).await.unwrap();
        }

        assert_eq!(
            s.delete_sessions_of_user("alice").await.unwrap(),
            2,
            "{:?}",
            db.engine()
        );
        assert_eq!(s.load(&alice1.id).await.unwrap(), None);
        assert_eq!(s.load(&alice2.id).await.unwrap(), None);
        assert_eq!(s.load(&bob.id).await.unwrap(), Some(bob));
        assert_eq!(s.load(&anon.id).await.unwrap(), Some(anon));
        assert_eq!(s.load(&numeric.id).await.unwrap(), Some(numeric));
        assert_eq!(s.load(&null.id).await.unwrap(), Some(null));
        assert_eq!(s.delete_sessions_of_user("alice").await.unwrap(), 0);
        assert_eq!(s.delete_sessions_of_user("42").await.unwrap(), 0);
        assert_eq!(s.delete_sessions_of_user("").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn delete_expired_removes_only_expired_rows() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut old1 = expired(json!({"user_id": "alice"}));
        let mut old2 = expired(json!({"user_id": "alice"}));
        let mut old_anon = expired(json!({}));
        let mut current = live(json!({"user_id": "alice"}));
        let mut current_anon = live(json!({}));
        for r in [
            &mut old1,
            &mut old2,
            &mut old_anon,
            &mut current,
            &mut current_anon,
        ] {
            s.create(r).await.unwrap();
        }

        s.delete_expired().await.unwrap();

        assert_eq!(s.load(&current.id).await.unwrap(), Some(current.clone()));
        assert_eq!(
            s.load(&current_anon.id).await.unwrap(),
            Some(current_anon),
            "{:?}",
            db.engine()
        );
        // The expired anonymous row is gone: its id is free again.
        let mut reuse = live(json!({"reused": true}));
        reuse.id = old_anon.id;
        s.create(&mut reuse).await.unwrap();
        assert_eq!(reuse.id, old_anon.id, "{:?}", db.engine());
        // Of alice's three rows only the live one is left.
        assert_eq!(
            s.delete_sessions_of_user("alice").await.unwrap(),
            1,
            "{:?}",
            db.engine()
        );
        assert_eq!(s.load(&current.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn create_with_a_taken_id_draws_a_new_one() {
    for db in engines().await {
        let s = db.store.session_store();
        let mut first = live(json!({"who": "first"}));
        s.create(&mut first).await.unwrap();

        let mut second = live(json!({"who": "second"}));
        second.id = first.id;
        s.create(&mut second).await.unwrap();
        assert_ne!(second.id, first.id, "{:?}", db.engine());

        assert_eq!(s.load(&first.id).await.unwrap(), Some(first.clone()));
        assert_eq!(s.load(&second.id).await.unwrap(), Some(second));

        // An expired row still holds its id.
        let mut stale = expired(json!({"who": "stale"}));
        s.create(&mut stale).await.unwrap();
        let mut third = live(json!({"who": "third"}));
        third.id = stale.id;
        s.create(&mut third).await.unwrap();
        assert_ne!(third.id, stale.id);
        assert_eq!(s.load(&third.id).await.unwrap(), Some(third));
    }
}

#[tokio::test]
async fn a_user_id_too_long_for_its_column_is_refused() {
    for db in engines().await {
        let s = db.store.session_store();
        let fits = "u".repeat(36);
        let mut ok = live(json!({"user_id": fits}));
        s.create(&mut ok).await.unwrap();
        assert_eq!(s.delete_sessions_of_user(&fits).await.unwrap(), 1);

        let mut too_long = live(json!({"user_id": "u".repeat(37)}));
        let err = s.create(&mut too_long).await.unwrap_err();
        assert!(
            matches!(err, Error::Encode(_)),
            "{:?}: {err:?}",
            db.engine()
        );
        let err = s.save(&too_long).await.unwrap_err();
        assert!(
            matches!(err, Error::Encode(_)),
            "{:?}: {err:?}",
            db.engine()
        );
        assert_eq!(s.load(&too_long.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_corrupt_row_is_a_decode_error_not_a_panic() {
    use sea_orm::{ConnectionTrait, Database};
    for db in engines().await {
        let s = db.store.session_store();
        let mut bad_json = live(json!({"k": "v"}));
        let mut not_a_map = live(json!({"k": "v"}));
        let mut good = live(json!({"k": "v"}));
        for r in [&mut bad_json, &mut not_a_map, &mut good] {
            s.create(r).await.unwrap();
        }
        let raw = Database::connect(&db.url).await.unwrap();
        raw.execute_unprepared(&format!(
            "UPDATE tower_session SET data = 'not json' WHERE id = '{}'",
            bad_json.id
        ))
        .await
        .unwrap();
        raw.execute_unprepared(&format!(
            "UPDATE tower_session SET data = '[1,2]' WHERE id = '{}'",
            not_a_map.id
        ))
        .await
        .unwrap();
        raw.close().await.unwrap();

        for id in [bad_json.id, not_a_map.id] {
            let err = s.load(&id).await.unwrap_err();
            assert!(
                matches!(err, Error::Decode(_)),
                "{:?}: {err:?}",
                db.engine()
            );
        }
        assert_eq!(s.load(&good.id).await.unwrap(), Some(good));
    }
}
