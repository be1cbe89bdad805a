//! tower-sessions records in Steward's own database (table `tower_session`).
//!
//! One row per session:
//! - `id`: the session id as tower-sessions prints it (22 characters of
//!   URL-safe base64).
//! - `data`: the record's data map, and only that, as a JSON object
//!   (`serde_json`). The id and expiry live in their own columns and are not
//!   repeated here.
//! - `expiry_date`: Unix seconds. The sub-second part is dropped, so a loaded
//!   record's expiry is the saved one truncated to the second. A row whose
//!   `expiry_date <= now` is expired: [`load`](tower_sessions_core::SessionStore::load)
//!   does not return it and [`delete_expired`](ExpiredDeletion::delete_expired)
//!   removes it.
//! - `user_id`: the data's `"user_id"` entry when it is a JSON string, else NULL,
//!   so that all of one person's sessions can be ended at once
//!   ([`SessionStore::delete_sessions_of_user`]). The column holds at most 36
//!   characters; saving a longer `"user_id"` string fails with `Encode` rather
//!   than leaving a session that could not be ended that way.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ColumnTrait, EntityTrait, QueryFilter, TryInsertResult};
use serde_json::Value;
use time::OffsetDateTime;
use tower_sessions_core::ExpiredDeletion;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{self, Error};

use crate::{Result, Store};

mod tower_session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tower_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Option<String>,
        pub data: String,
        pub expiry_date: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The data key whose string value is copied into the `user_id` column.
const USER_ID_KEY: &str = "user_id";
/// Width of the `user_id` column (`VARCHAR(36)`).
const USER_ID_MAX_CHARS: usize = 36;
/// How many fresh ids `create` tries before giving up. A collision of random
/// 128-bit ids is already unheard of; this only bounds the loop.
const CREATE_ATTEMPTS: usize = 8;

/// A tower-sessions store on Steward's database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SessionStore {
    store: Store,
}

impl Store {
    /// The tower-sessions store backed by this database.
    pub fn session_store(&self) -> SessionStore {
        SessionStore {
            store: self.clone(),
        }
    }
}

impl SessionStore {
    /// Ends every session whose data names `user_id` (see the module docs);
    /// returns how many were deleted. Expired rows count too.
    pub async fn delete_sessions_of_user(&self, user_id: &str) -> Result<u64> {
        let res = tower_session::Entity::delete_many()
            .filter(tower_session::Column::UserId.eq(user_id))
            .exec(&self.store.db)
            .await?;
        Ok(res.rows_affected)
    }
}

fn backend(e: sea_orm::DbErr) -> Error {
    Error::Backend(e.to_string())
}

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The row for `record` (the id is set by the caller).
struct Row {
    user_id: Option<String>,
    data: String,
    expiry_date: i64,
}

impl Row {
    fn of(record: &Record) -> session_store::Result<Row> {
        let user_id = match record.data.get(USER_ID_KEY) {
            Some(Value::String(s)) if s.chars().count() > USER_ID_MAX_CHARS => {
                return Err(Error::Encode(format!(
                    "session {USER_ID_KEY} is longer than {USER_ID_MAX_CHARS} characters"
                )));
            }
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        Ok(Row {
            user_id,
            data,
            expiry_date: record.expiry_date.unix_timestamp(),
        })
    }

    fn active(&self, id: &Id) -> tower_session::ActiveModel {
        tower_session::ActiveModel {
            id: ActiveValue::Set(id.to_string()),
            user_id: ActiveValue::Set(self.user_id.clone()),
            data: ActiveValue::Set(self.data.clone()),
            expiry_date: ActiveValue::Set(self.expiry_date),
        }
    }
}

#[async_trait]
impl tower_sessions_core::SessionStore for SessionStore {
    /// Inserts the record; if its id is taken (by any row, expired or not),
    /// draws a fresh id and tries again.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let row = Row::of(record)?;
        for _ in 0..CREATE_ATTEMPTS {
            let res = tower_session::Entity::insert(row.active(&record.id))
                .on_conflict_do_nothing()
                .exec_without_returning(&self.store.db)
                .await
                .map_err(backend)?;
            match res {
                TryInsertResult::Inserted(n) if n > 0 => return Ok(()),
                _ => record.id = Id::default(),
            }
        }
        Err(Error::Backend(format!(
            "no free session id after {CREATE_ATTEMPTS} attempts"
        )))
    }

    /// Inserts or overwrites the row (data, user_id and expiry).
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = Row::of(record)?;
        tower_session::Entity::insert(row.active(&record.id))
            .on_conflict(
                OnConflict::column(tower_session::Column::Id)
                    .update_columns([
                        tower_session::Column::Data,
                        tower_session::Column::UserId,
                        tower_session::Column::ExpiryDate,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.store.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The record, unless it is missing or expired.
    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = tower_session::Entity::find_by_id(session_id.to_string())
            .filter(tower_session::Column::ExpiryDate.gt(now_secs()))
            .one(&self.store.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, Value> =
            serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.expiry_date)
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        tower_session::Entity::delete_by_id(session_id.to_string())
            .exec(&self.store.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    /// Deletes every row with `expiry_date <= now`.
    async fn delete_expired(&self) -> session_store::Result<()> {
        tower_session::Entity::delete_many()
            .filter(tower_session::Column::ExpiryDate.lte(now_secs()))
            .exec(&self.store.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
