//! The review workflow: screening jobs (durable, resumable), routing policy
//! documents with their version ids, review cases and their decisions, the
//! reviewer–publisher message thread, and enforcement actions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoutingPolicy {
    Table,
    Version,
    Document,
    Digest,
    LoadedAt,
    LoadedBy,
    ActivatedAt,
}

#[derive(DeriveIden)]
enum ScreeningJob {
    Table,
    VersionId,
    OrgId,
    State,
    Attempts,
    LeaseOwner,
    LeaseUntil,
    SubmittedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewCase {
    Table,
    Id,
    VersionId,
    ListingId,
    OrgId,
    State,
    Outcome,
    PolicyVersion,
    Teams,
    ApprovalsNeeded,
    MatchedRules,
    Risk,
    FindingKinds,
    Category,
    SubmittedBy,
    Excluded,
    Appeal,
    Assignee,
    AssignedAt,
    OpenedAt,
    SlaDueAt,
    ClosedAt,
    RowVersion,
}

#[derive(DeriveIden)]
enum ReviewDecision {
    Table,
    Id,
    CaseId,
    VersionId,
    OrgId,
    Reviewer,
    Team,
    Kind,
    Justification,
    Overrides,
    PolicyVersion,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReviewMessage {
    Table,
    Id,
    VersionId,
    OrgId,
    Author,
    Side,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EnforcementAction {
    Table,
    Id,
    ListingId,
    OrgId,
    Action,
    Justification,
    Actor,
    PolicyVersion,
    CreatedAt,
}

/// Org-owned tables this migration adds (the publisher's organization owns
/// its versions' reviews), with the column naming the owner.
pub const REVIEW_TABLES: &[(&str, &str)] = &[
    ("screening_job", "org_id"),
    ("review_case", "org_id"),
    ("review_decision", "org_id"),
    ("review_message", "org_id"),
    ("enforcement_action", "org_id"),
];

fn id(col: impl IntoIden) -> ColumnDef {
    string_len(col, 36).primary_key().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RoutingPolicy::Table)
                .col(string_len(RoutingPolicy::Version, 100).primary_key())
                .col(text(RoutingPolicy::Document))
                .col(string_len(RoutingPolicy::Digest, 64))
                .col(big_integer(RoutingPolicy::LoadedAt))
                .col(string_len(RoutingPolicy::LoadedBy, 120))
                .col(big_integer_null(RoutingPolicy::ActivatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ScreeningJob::Table)
                .col(string_len(ScreeningJob::VersionId, 36).primary_key())
                .col(string_len(ScreeningJob::OrgId, 36))
                .col(string_len(ScreeningJob::State, 16))
                .col(integer(ScreeningJob::Attempts))
                .col(string_len_null(ScreeningJob::LeaseOwner, 36))
                .col(big_integer_null(ScreeningJob::LeaseUntil))
                .col(string_len(ScreeningJob::SubmittedBy, 120))
                .col(big_integer(ScreeningJob::CreatedAt))
                .col(big_integer(ScreeningJob::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_screening_job_state")
                .table(ScreeningJob::Table)
                .col(ScreeningJob::State)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReviewCase::Table)
                .col(id(ReviewCase::Id))
                .col(string_len(ReviewCase::VersionId, 36))
                .col(string_len(ReviewCase::ListingId, 36))
                .col(string_len(ReviewCase::OrgId, 36))
                .col(string_len(ReviewCase::State, 16))
                .col(string_len_null(ReviewCase::Outcome, 32))
                .col(string_len(ReviewCase::PolicyVersion, 100))
                .col(text(ReviewCase::Teams))
                .col(integer(ReviewCase::ApprovalsNeeded))
                .col(text(ReviewCase::MatchedRules))
                .col(string_len(ReviewCase::Risk, 16))
                .col(text(ReviewCase::FindingKinds))
                .col(string_len(ReviewCase::Category, 64))
                .col(string_len(ReviewCase::SubmittedBy, 120))
                .col(text(ReviewCase::Excluded))
                .col(boolean(ReviewCase::Appeal))
                .col(string_len_null(ReviewCase::Assignee, 36))
                .col(big_integer_null(ReviewCase::AssignedAt))
                .col(big_integer(ReviewCase::OpenedAt))
                .col(big_integer(ReviewCase::SlaDueAt))
                .col(big_integer_null(ReviewCase::ClosedAt))
                .col(integer(ReviewCase::RowVersion))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_review_case_state", ReviewCase::State),
            ("ix_review_case_version", ReviewCase::VersionId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(ReviewCase::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(ReviewDecision::Table)
                .col(id(ReviewDecision::Id))
                .col(string_len(ReviewDecision::CaseId, 36))
                .col(string_len(ReviewDecision::VersionId, 36))
                .col(string_len(ReviewDecision::OrgId, 36))
                .col(string_len(ReviewDecision::Reviewer, 120))
                .col(string_len_null(ReviewDecision::Team, 32))
                .col(string_len(ReviewDecision::Kind, 32))
                .col(text(ReviewDecision::Justification))
                .col(text(ReviewDecision::Overrides))
                .col(string_len(ReviewDecision::PolicyVersion, 100))
                .col(big_integer(ReviewDecision::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ReviewDecision::Table, ReviewDecision::CaseId)
                        .to(ReviewCase::Table, ReviewCase::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_review_decision_case")
                .table(ReviewDecision::Table)
                .col(ReviewDecision::CaseId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReviewMessage::Table)
                .col(id(ReviewMessage::Id))
                .col(string_len(ReviewMessage::VersionId, 36))
                .col(string_len(ReviewMessage::OrgId, 36))
                .col(string_len(ReviewMessage::Author, 120))
                .col(string_len(ReviewMessage::Side, 16))
                .col(text(ReviewMessage::Body))
                .col(big_integer(ReviewMessage::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_review_message_version")
                .table(ReviewMessage::Table)
                .col(ReviewMessage::VersionId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EnforcementAction::Table)
                .col(id(EnforcementAction::Id))
                .col(string_len(EnforcementAction::ListingId, 36))
                .col(string_len(EnforcementAction::OrgId, 36))
                .col(string_len(EnforcementAction::Action, 16))
                .col(text(EnforcementAction::Justification))
                .col(string_len(EnforcementAction::Actor, 120))
                .col(string_len(EnforcementAction::PolicyVersion, 100))
                .col(big_integer(EnforcementAction::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_enforcement_listing")
                .table(EnforcementAction::Table)
                .col(EnforcementAction::ListingId)
                .to_owned(),
        )
        .await?;

        crate::org_owned_rls(m, REVIEW_TABLES).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            EnforcementAction::Table.into_iden(),
            ReviewMessage::Table.into_iden(),
            ReviewDecision::Table.into_iden(),
            ReviewCase::Table.into_iden(),
            ScreeningJob::Table.into_iden(),
            RoutingPolicy::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
