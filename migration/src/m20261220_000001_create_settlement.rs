//! Issue 8: settlement statements (结算单) per paying union, merchant and period.
//!
//! A statement is a draft with live figures until it is confirmed (结算确认); confirming
//! copies every covered voucher into `settlement_statement_lines` in one transaction,
//! and from then on the statement is read from that snapshot only. The unique
//! `voucher_id` of the lines is what makes a voucher settled at most once, whatever
//! number of admins confirm overlapping statements at the same moment.

use sea_orm_migration::prelude::*;

use crate::columns::{big, counter, id, index, nullable_timestamp, string, timestamp, version};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SettlementStatements::Table)
                    .col(id(SettlementStatements::Id))
                    .col(big(SettlementStatements::OrgId))
                    .col(big(SettlementStatements::MerchantId))
                    .col(
                        ColumnDef::new(SettlementStatements::PeriodFrom)
                            .date()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::PeriodTo)
                            .date()
                            .not_null(),
                    )
                    .col(string(SettlementStatements::Status, 16))
                    .col(string(SettlementStatements::OrgName, 100))
                    .col(string(SettlementStatements::MerchantName, 100))
                    .col(counter(SettlementStatements::VoucherCount))
                    .col(counter(SettlementStatements::AmountFen))
                    .col(big(SettlementStatements::CreatedBy))
                    .col(string(SettlementStatements::CreatedByName, 64))
                    .col(
                        ColumnDef::new(SettlementStatements::ConfirmedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::ConfirmedByName)
                            .string_len(64)
                            .null(),
                    )
                    .col(nullable_timestamp(SettlementStatements::ConfirmedAt))
                    .col(version(SettlementStatements::Version))
                    .col(timestamp(SettlementStatements::CreatedAt))
                    .col(timestamp(SettlementStatements::UpdatedAt))
                    .check(
                        Expr::col(SettlementStatements::PeriodFrom)
                            .lte(Expr::col(SettlementStatements::PeriodTo)),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SettlementStatements::Table, SettlementStatements::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SettlementStatements::Table,
                                SettlementStatements::MerchantId,
                            )
                            .to(Merchants::Table, Merchants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_settlement_statements_org",
            SettlementStatements::Table,
            &[SettlementStatements::OrgId, SettlementStatements::Id],
            false,
        )
        .await?;
        index(
            manager,
            "idx_settlement_statements_merchant",
            SettlementStatements::Table,
            &[
                SettlementStatements::MerchantId,
                SettlementStatements::PeriodFrom,
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SettlementStatementLines::Table)
                    .col(id(SettlementStatementLines::Id))
                    .col(big(SettlementStatementLines::StatementId))
                    .col(big(SettlementStatementLines::VoucherId))
                    .col(big(SettlementStatementLines::ActivityId))
                    .col(string(SettlementStatementLines::ActivityTitle, 100))
                    .col(string(SettlementStatementLines::Code, 32))
                    .col(big(SettlementStatementLines::CouponId))
                    .col(string(SettlementStatementLines::CouponTitle, 100))
                    .col(big(SettlementStatementLines::FaceValueFen))
                    .col(timestamp(SettlementStatementLines::RedeemedAt))
                    .col(
                        ColumnDef::new(SettlementStatementLines::StaffName)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatementLines::MemberNameMasked)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatementLines::MemberPhoneMasked)
                            .string_len(20)
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SettlementStatementLines::Table,
                                SettlementStatementLines::StatementId,
                            )
                            .to(SettlementStatements::Table, SettlementStatements::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SettlementStatementLines::Table,
                                SettlementStatementLines::VoucherId,
                            )
                            .to(Vouchers::Table, Vouchers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A voucher is settled at most once: the database refuses a second line for it.
        index(
            manager,
            "idx_settlement_lines_voucher",
            SettlementStatementLines::Table,
            &[SettlementStatementLines::VoucherId],
            true,
        )
        .await?;
        index(
            manager,
            "idx_settlement_lines_statement",
            SettlementStatementLines::Table,
            &[
                SettlementStatementLines::StatementId,
                SettlementStatementLines::RedeemedAt,
            ],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(SettlementStatementLines::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SettlementStatements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Merchants {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Vouchers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum SettlementStatements {
    Table,
    Id,
    OrgId,
    MerchantId,
    PeriodFrom,
    PeriodTo,
    Status,
    OrgName,
    MerchantName,
    VoucherCount,
    AmountFen,
    CreatedBy,
    CreatedByName,
    ConfirmedBy,
    ConfirmedByName,
    ConfirmedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SettlementStatementLines {
    Table,
    Id,
    StatementId,
    VoucherId,
    ActivityId,
    ActivityTitle,
    Code,
    CouponId,
    CouponTitle,
    FaceValueFen,
    RedeemedAt,
    StaffName,
    MemberNameMasked,
    MemberPhoneMasked,
}
