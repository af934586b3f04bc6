//! One-time initial passwords and lock-outs per client.
//!
//! 1. Admin and merchant staff accounts get `initial_password_expires_at`: an account
//!    still on its one-time password (`must_change_password`) can log in with it only
//!    until then. Accounts created before this migration have none, which counts as
//!    expired: they carried the old shared initial password and need a new one from an
//!    admin (the bootstrap admin gets one at the next start).
//! 2. The per-account failure counters (`failed_logins`, `locked_until`) of admin, staff
//!    and member accounts go: wrong passwords are now counted in `rate_limits`, per
//!    (login name, client IP) and per login name, by `api::services::login_guard`.

use sea_orm_migration::prelude::*;

use crate::columns::nullable_timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AdminAccounts {
    Table,
    InitialPasswordExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MerchantStaff {
    Table,
    InitialPasswordExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AppAccounts {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Counter {
    FailedLogins,
    LockedUntil,
}

fn counter_tables() -> [DynIden; 3] {
    [
        AdminAccounts::Table.into_iden(),
        MerchantStaff::Table.into_iden(),
        AppAccounts::Table.into_iden(),
    ]
}

/// SQLite alters one column per statement.
async fn alter(manager: &SchemaManager<'_>, stmt: &mut TableAlterStatement) -> Result<(), DbErr> {
    manager.alter_table(stmt.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        alter(
            manager,
            Table::alter()
                .table(AdminAccounts::Table)
                .add_column(nullable_timestamp(AdminAccounts::InitialPasswordExpiresAt)),
        )
        .await?;
        alter(
            manager,
            Table::alter()
                .table(MerchantStaff::Table)
                .add_column(nullable_timestamp(MerchantStaff::InitialPasswordExpiresAt)),
        )
        .await?;
        for table in counter_tables() {
            for column in [Counter::FailedLogins, Counter::LockedUntil] {
                alter(
                    manager,
                    Table::alter().table(table.clone()).drop_column(column),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in counter_tables() {
            alter(
                manager,
                Table::alter().table(table.clone()).add_column(
                    ColumnDef::new(Counter::FailedLogins)
                        .integer()
                        .not_null()
                        .default(0),
                ),
            )
            .await?;
            alter(
                manager,
                Table::alter()
                    .table(table)
                    .add_column(nullable_timestamp(Counter::LockedUntil)),
            )
            .await?;
        }
        alter(
            manager,
            Table::alter()
                .table(AdminAccounts::Table)
                .drop_column(AdminAccounts::InitialPasswordExpiresAt),
        )
        .await?;
        alter(
            manager,
            Table::alter()
                .table(MerchantStaff::Table)
                .drop_column(MerchantStaff::InitialPasswordExpiresAt),
        )
        .await
    }
}
