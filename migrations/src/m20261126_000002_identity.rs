//! People, memberships, invitations, API tokens and sessions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    DisabledAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    OrgId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    OrgId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    OrgId,
    Name,
    Prefix,
    TokenHash,
    Scopes,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum TowerSession {
    Table,
    Id,
    UserId,
    Data,
    ExpiryDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserAccount::Table)
                .col(string_len(UserAccount::Id, 36).primary_key())
                .col(string_len_uniq(UserAccount::Email, 254))
                .col(string_len(UserAccount::DisplayName, 200))
                .col(string_len_null(UserAccount::PasswordHash, 200))
                .col(big_integer_null(UserAccount::DisabledAt))
                .col(big_integer(UserAccount::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Membership::Table)
                .col(string_len(Membership::OrgId, 36))
                .col(string_len(Membership::UserId, 36))
                .col(string_len(Membership::Role, 32))
                .col(big_integer(Membership::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Membership::OrgId)
                        .col(Membership::UserId)
                        .col(Membership::Role),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Membership::Table, Membership::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Membership::Table, Membership::UserId)
                        .to(UserAccount::Table, UserAccount::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_membership_user")
                .table(Membership::Table)
                .col(Membership::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invitation::Table)
                .col(string_len(Invitation::Id, 36).primary_key())
                .col(string_len(Invitation::OrgId, 36))
                .col(string_len(Invitation::Email, 254))
                .col(string_len(Invitation::Role, 32))
                .col(string_len_uniq(Invitation::TokenHash, 64))
                .col(string_len(Invitation::InvitedBy, 36))
                .col(big_integer(Invitation::CreatedAt))
                .col(big_integer(Invitation::ExpiresAt))
                .col(big_integer_null(Invitation::AcceptedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Invitation::Table, Invitation::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_invitation_org")
                .table(Invitation::Table)
                .col(Invitation::OrgId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiToken::Table)
                .col(string_len(ApiToken::Id, 36).primary_key())
                .col(string_len(ApiToken::OrgId, 36))
                .col(string_len(ApiToken::Name, 100))
                .col(string_len(ApiToken::Prefix, 16))
                .col(string_len_uniq(ApiToken::TokenHash, 64))
                .col(string_len(ApiToken::Scopes, 200))
                .col(string_len(ApiToken::CreatedBy, 36))
                .col(big_integer(ApiToken::CreatedAt))
                .col(big_integer_null(ApiToken::ExpiresAt))
                .col(big_integer_null(ApiToken::LastUsedAt))
                .col(big_integer_null(ApiToken::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiToken::Table, ApiToken::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_token_org")
                .table(ApiToken::Table)
                .col(ApiToken::OrgId)
                .to_owned(),
        )
        .await?;

        // tower-sessions records; `user_id` is lifted out of the data so all of a
        // person's sessions can be ended at once.
        m.create_table(
            Table::create()
                .table(TowerSession::Table)
                .col(string_len(TowerSession::Id, 64).primary_key())
                .col(string_len_null(TowerSession::UserId, 36))
                .col(text(TowerSession::Data))
                .col(big_integer(TowerSession::ExpiryDate))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tower_session_user")
                .table(TowerSession::Table)
                .col(TowerSession::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_tower_session_expiry")
                .table(TowerSession::Table)
                .col(TowerSession::ExpiryDate)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            TowerSession::Table.into_iden(),
            ApiToken::Table.into_iden(),
            Invitation::Table.into_iden(),
            Membership::Table.into_iden(),
            UserAccount::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
