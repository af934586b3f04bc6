//! Issue 23, part 3: expiry reminders. One `voucher_reminders` row per voucher a
//! reminder went out for, inserted (claimed) before the SMS is sent: its primary key
//! is what makes two job runners never both send. Members switch reminders off on
//! their app account (`app_accounts.expiry_reminders`).

use sea_orm_migration::prelude::*;

use crate::columns::{big, timestamp};

#[derive(DeriveIden)]
enum VoucherReminders {
    Table,
    VoucherId,
    MemberId,
    SentAt,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VoucherReminders::Table)
                    .col(big(VoucherReminders::VoucherId).primary_key())
                    .col(big(VoucherReminders::MemberId))
                    .col(timestamp(VoucherReminders::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VoucherReminders::Table, VoucherReminders::VoucherId)
                            .to(Vouchers::Table, Vouchers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A constant default: no table rewrite on PostgreSQL 11+.
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE app_accounts ADD COLUMN expiry_reminders BOOLEAN NOT NULL DEFAULT TRUE",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE app_accounts DROP COLUMN expiry_reminders")
            .await?;
        manager
            .drop_table(Table::drop().table(VoucherReminders::Table).to_owned())
            .await?;
        Ok(())
    }
}
