use sea_orm_migration::prelude::*;

use crate::columns::{counter, id, index, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(id(Organisations::Id))
                    .col(ColumnDef::new(Organisations::ParentId).big_integer().null())
                    .col(
                        ColumnDef::new(Organisations::Path)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organisations::Depth).integer().not_null())
                    .col(
                        ColumnDef::new(Organisations::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::ShortName)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::CreditCode)
                            .string_len(18)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::Chairman)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::ContactName)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::ContactPhone)
                            .string_len(30)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::Address)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(Organisations::Postcode).string_len(6).null())
                    .col(ColumnDef::new(Organisations::FoundedOn).date().null())
                    .col(ColumnDef::new(Organisations::Description).text().null())
                    .col(timestamp(Organisations::CreatedAt))
                    .col(timestamp(Organisations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Organisations::Table, Organisations::ParentId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_organisations_path",
            Organisations::Table,
            &[Organisations::Path],
            false,
        )
        .await?;
        // Sibling names are unique so an admin never has two "第一工会" under one parent.
        index(
            manager,
            "idx_organisations_parent_name",
            Organisations::Table,
            &[Organisations::ParentId, Organisations::Name],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdminAccounts::Table)
                    .col(id(AdminAccounts::Id))
                    .col(
                        ColumnDef::new(AdminAccounts::OrgId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::Username)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::DisplayName)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::MustChangePassword)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::Disabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::FailedLogins)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(AdminAccounts::CreatedAt))
                    .col(timestamp(AdminAccounts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdminAccounts::Table, AdminAccounts::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_admin_accounts_org",
            AdminAccounts::Table,
            &[AdminAccounts::OrgId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id))
                    .col(
                        ColumnDef::new(Sessions::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Sessions::PrincipalKind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Sessions::PrincipalId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::ExpiresAt))
                    .col(
                        ColumnDef::new(Sessions::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sessions_principal",
            Sessions::Table,
            &[Sessions::PrincipalKind, Sessions::PrincipalId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_sessions_expires_at",
            Sessions::Table,
            &[Sessions::ExpiresAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLogs::Table)
                    .col(id(AuditLogs::Id))
                    .col(
                        ColumnDef::new(AuditLogs::ActorKind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLogs::ActorId).big_integer().not_null())
                    .col(ColumnDef::new(AuditLogs::OrgId).big_integer().null())
                    .col(ColumnDef::new(AuditLogs::Action).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditLogs::TargetType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLogs::TargetId).string_len(64).null())
                    .col(ColumnDef::new(AuditLogs::Detail).text().null())
                    .col(timestamp(AuditLogs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_logs_target",
            AuditLogs::Table,
            &[AuditLogs::TargetType, AuditLogs::TargetId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(id(Tasks::Id))
                    .col(ColumnDef::new(Tasks::OrgId).big_integer().not_null())
                    .col(ColumnDef::new(Tasks::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Tasks::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Tasks::FileName).string_len(255).null())
                    .col(ColumnDef::new(Tasks::SubmittedBy).big_integer().null())
                    .col(ColumnDef::new(Tasks::Params).text().null())
                    .col(
                        ColumnDef::new(Tasks::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Tasks::LeaseUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(counter(Tasks::Total))
                    .col(counter(Tasks::Processed))
                    .col(counter(Tasks::Inserted))
                    .col(counter(Tasks::Updated))
                    .col(counter(Tasks::Failed))
                    .col(ColumnDef::new(Tasks::Error).text().null())
                    .col(timestamp(Tasks::CreatedAt))
                    .col(timestamp(Tasks::UpdatedAt))
                    .col(
                        ColumnDef::new(Tasks::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_tasks_org_created",
            Tasks::Table,
            &[Tasks::OrgId, Tasks::CreatedAt],
            false,
        )
        .await?;
        index(
            manager,
            "idx_tasks_status",
            Tasks::Table,
            &[Tasks::Status],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(HousekeepingRuns::Table)
                    .col(id(HousekeepingRuns::Id))
                    .col(
                        ColumnDef::new(HousekeepingRuns::Worker)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(counter(HousekeepingRuns::SessionsPurged))
                    .col(counter(HousekeepingRuns::TasksRequeued))
                    .col(timestamp(HousekeepingRuns::RanAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            HousekeepingRuns::Table.into_iden(),
            Tasks::Table.into_iden(),
            AuditLogs::Table.into_iden(),
            Sessions::Table.into_iden(),
            AdminAccounts::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
    ParentId,
    Path,
    Depth,
    Kind,
    Name,
    ShortName,
    CreditCode,
    Chairman,
    ContactName,
    ContactPhone,
    Address,
    Postcode,
    FoundedOn,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AdminAccounts {
    Table,
    Id,
    OrgId,
    Username,
    DisplayName,
    PasswordHash,
    MustChangePassword,
    Disabled,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    PrincipalKind,
    PrincipalId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLogs {
    Table,
    Id,
    ActorKind,
    ActorId,
    OrgId,
    Action,
    TargetType,
    TargetId,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    Id,
    OrgId,
    Kind,
    Status,
    FileName,
    SubmittedBy,
    Params,
    Attempts,
    LeaseUntil,
    Total,
    Processed,
    Inserted,
    Updated,
    Failed,
    Error,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum HousekeepingRuns {
    Table,
    Id,
    Worker,
    SessionsPurged,
    TasksRequeued,
    RanAt,
}
