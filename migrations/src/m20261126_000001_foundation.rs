use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    VerifiedDomain,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Listing {
    Table,
    Id,
    OrgId,
    Slug,
    Name,
    Category,
    Summary,
    Description,
    Homepage,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ListingVersion {
    Table,
    Id,
    ListingId,
    OrgId,
    Version,
    State,
    ManifestDigest,
    ManifestFormat,
    CreatedAt,
    SubmittedAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Tool {
    Table,
    Id,
    VersionId,
    OrgId,
    Position,
    Name,
    Title,
    Description,
    Annotations,
    InputSchema,
}

#[derive(DeriveIden)]
enum Evidence {
    Table,
    OrgId,
    Digest,
    MediaType,
    SizeBytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AbuseReport {
    Table,
    Id,
    ListingId,
    SubjectOrgId,
    Reason,
    Details,
    Contact,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    Seq,
    AtMs,
    Actor,
    OrgId,
    Action,
    SubjectType,
    SubjectId,
    PolicyVersion,
    Evidence,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Seq,
    Id,
    OrgId,
    EventType,
    SubjectType,
    SubjectId,
    Payload,
    CreatedAt,
}

fn id(col: impl IntoIden) -> ColumnDef {
    string_len(col, 36).primary_key().take()
}

fn ref_id(col: impl IntoIden) -> ColumnDef {
    string_len(col, 36)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organization::Table)
                .col(id(Organization::Id))
                .col(string_len_uniq(Organization::Slug, 64))
                .col(string_len(Organization::Name, 200))
                .col(string_len(Organization::Kind, 16))
                .col(string_len_null(Organization::VerifiedDomain, 253))
                .col(big_integer(Organization::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Listing::Table)
                .col(id(Listing::Id))
                .col(ref_id(Listing::OrgId))
                .col(string_len_uniq(Listing::Slug, 64))
                .col(string_len(Listing::Name, 200))
                .col(string_len(Listing::Category, 64))
                .col(string_len(Listing::Summary, 300))
                .col(text(Listing::Description))
                .col(string_len_null(Listing::Homepage, 2048))
                .col(big_integer(Listing::CreatedAt))
                .col(big_integer(Listing::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Listing::Table, Listing::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_listing_org")
                .table(Listing::Table)
                .col(Listing::OrgId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ListingVersion::Table)
                .col(id(ListingVersion::Id))
                .col(ref_id(ListingVersion::ListingId))
                .col(ref_id(ListingVersion::OrgId))
                .col(string_len(ListingVersion::Version, 64))
                .col(string_len(ListingVersion::State, 32))
                .col(string_len_null(ListingVersion::ManifestDigest, 64))
                .col(string_len(ListingVersion::ManifestFormat, 32))
                .col(big_integer(ListingVersion::CreatedAt))
                .col(big_integer_null(ListingVersion::SubmittedAt))
                .col(big_integer_null(ListingVersion::PublishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ListingVersion::Table, ListingVersion::ListingId)
                        .to(Listing::Table, Listing::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ListingVersion::Table, ListingVersion::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_listing_version")
                .table(ListingVersion::Table)
                .col(ListingVersion::ListingId)
                .col(ListingVersion::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_listing_version_state")
                .table(ListingVersion::Table)
                .col(ListingVersion::State)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Tool::Table)
                .col(id(Tool::Id))
                .col(ref_id(Tool::VersionId))
                .col(ref_id(Tool::OrgId))
                .col(integer(Tool::Position))
                .col(string_len(Tool::Name, 200))
                .col(string_len_null(Tool::Title, 300))
                .col(text(Tool::Description))
                .col(text(Tool::Annotations))
                .col(text(Tool::InputSchema))
                .foreign_key(
                    ForeignKey::create()
                        .from(Tool::Table, Tool::VersionId)
                        .to(ListingVersion::Table, ListingVersion::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_tool_version_name")
                .table(Tool::Table)
                .col(Tool::VersionId)
                .col(Tool::Name)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Evidence::Table)
                .col(ref_id(Evidence::OrgId))
                .col(string_len(Evidence::Digest, 64))
                .col(string_len(Evidence::MediaType, 100))
                .col(big_integer(Evidence::SizeBytes))
                .col(big_integer(Evidence::CreatedAt))
                .primary_key(Index::create().col(Evidence::OrgId).col(Evidence::Digest))
                .foreign_key(
                    ForeignKey::create()
                        .from(Evidence::Table, Evidence::OrgId)
                        .to(Organization::Table, Organization::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AbuseReport::Table)
                .col(id(AbuseReport::Id))
                .col(ref_id(AbuseReport::ListingId))
                .col(ref_id(AbuseReport::SubjectOrgId))
                .col(string_len(AbuseReport::Reason, 32))
                .col(text(AbuseReport::Details))
                .col(string_len_null(AbuseReport::Contact, 254))
                .col(string_len(AbuseReport::Status, 16))
                .col(big_integer(AbuseReport::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(AbuseReport::Table, AbuseReport::ListingId)
                        .to(Listing::Table, Listing::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_abuse_report_listing")
                .table(AbuseReport::Table)
                .col(AbuseReport::ListingId)
                .to_owned(),
        )
        .await?;

        // The audit chain: `seq` is assigned by the single writer (1, 2, 3, ...),
        // never by the database, so a gap is evidence of a deletion.
        m.create_table(
            Table::create()
                .table(AuditEntry::Table)
                .col(big_integer(AuditEntry::Seq).primary_key())
                .col(big_integer(AuditEntry::AtMs))
                .col(string_len(AuditEntry::Actor, 120))
                .col(string_len_null(AuditEntry::OrgId, 36))
                .col(string_len(AuditEntry::Action, 100))
                .col(string_len(AuditEntry::SubjectType, 64))
                .col(string_len(AuditEntry::SubjectId, 200))
                .col(string_len_null(AuditEntry::PolicyVersion, 100))
                .col(text(AuditEntry::Evidence))
                .col(text(AuditEntry::Detail))
                .col(string_len(AuditEntry::PrevHash, 64))
                .col(string_len(AuditEntry::Hash, 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_subject")
                .table(AuditEntry::Table)
                .col(AuditEntry::SubjectType)
                .col(AuditEntry::SubjectId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_org")
                .table(AuditEntry::Table)
                .col(AuditEntry::OrgId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OutboxEvent::Table)
                .col(big_pk_auto(OutboxEvent::Seq))
                .col(string_len_uniq(OutboxEvent::Id, 36))
                .col(string_len_null(OutboxEvent::OrgId, 36))
                .col(string_len(OutboxEvent::EventType, 100))
                .col(string_len(OutboxEvent::SubjectType, 64))
                .col(string_len(OutboxEvent::SubjectId, 200))
                .col(text(OutboxEvent::Payload))
                .col(big_integer(OutboxEvent::CreatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OutboxEvent::Table.into_iden(),
            AuditEntry::Table.into_iden(),
            AbuseReport::Table.into_iden(),
            Evidence::Table.into_iden(),
            Tool::Table.into_iden(),
            ListingVersion::Table.into_iden(),
            Listing::Table.into_iden(),
            Organization::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
