//! The audit trail made append-only, and its signed checkpoints.
//!
//! `audit_checkpoint` (both engines): each signed checkpoint of the chain's head
//! (seq, hash, time, the evidence blob it was written to, the signing key and
//! the signature). Global, like the chain itself.
//!
//! On PostgreSQL, triggers refuse every UPDATE, DELETE and TRUNCATE of
//! `audit_entry` and `audit_checkpoint`, whoever asks: the app role can only
//! append. Only a superuser can get past them (`SET session_replication_role =
//! replica` skips ordinary triggers), which is what the tests' tamper path does.
//! SQLite has no such guard; there the file's permissions are the line, and
//! `steward audit verify` the check.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Seq,
    Hash,
    AtMs,
    EvidenceDigest,
    PublicKey,
    Signature,
}

/// The tables the triggers keep append-only.
const APPEND_ONLY: [&str; 2] = ["audit_entry", "audit_checkpoint"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditCheckpoint::Table)
                .col(big_integer(AuditCheckpoint::Seq).primary_key())
                .col(string_len(AuditCheckpoint::Hash, 64))
                .col(big_integer(AuditCheckpoint::AtMs))
                .col(string_len(AuditCheckpoint::EvidenceDigest, 64))
                .col(string_len(AuditCheckpoint::PublicKey, 64))
                .col(string_len(AuditCheckpoint::Signature, 128))
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION steward_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                 USING ERRCODE = 'insufficient_privilege';
             END
             $$;",
        )
        .await?;
        for t in APPEND_ONLY {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
                   FOR EACH ROW EXECUTE FUNCTION steward_append_only();
                 CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
                   FOR EACH STATEMENT EXECUTE FUNCTION steward_append_only();"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            let db = m.get_connection();
            for t in APPEND_ONLY {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {t}_append_only ON {t};
                     DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};"
                ))
                .await?;
            }
            db.execute_unprepared("DROP FUNCTION IF EXISTS steward_append_only();")
                .await?;
        }
        m.drop_table(Table::drop().table(AuditCheckpoint::Table).to_owned())
            .await
    }
}
