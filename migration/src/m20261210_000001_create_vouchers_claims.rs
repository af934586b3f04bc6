//! Issue 7: voucher slots and vouchers, claims with the per-member limit keys.
//!
//! Every unit of a prize's quantity is one `vouchers` row, created when the activity is
//! opened with `member_id NULL` (a free slot) and its code already drawn. A claim takes
//! a free slot with one conditional update (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and
//! inserts a `claims` row in the same transaction; the unique keys on `claims` are the
//! per-member limit and the idempotency key.

use sea_orm_migration::prelude::*;

use crate::columns::{big, id, index, nullable_timestamp, string, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Claims::Table)
                    .col(id(Claims::Id))
                    .col(big(Claims::ActivityId))
                    .col(big(Claims::MemberId))
                    .col(big(Claims::AppAccountId))
                    .col(string(Claims::DayKey, 10))
                    .col(ColumnDef::new(Claims::Seq).integer().not_null())
                    .col(ColumnDef::new(Claims::IdempotencyKey).string_len(64).null())
                    .col(timestamp(Claims::CreatedAt))
                    .check(Expr::col(Claims::Seq).gte(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Claims::Table, Claims::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Claims::Table, Claims::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The member's limit: seq runs 1..=N within one Beijing day (per_day) or within
        // the constant day key `once`.
        index(
            manager,
            "idx_claims_limit",
            Claims::Table,
            &[
                Claims::ActivityId,
                Claims::MemberId,
                Claims::DayKey,
                Claims::Seq,
            ],
            true,
        )
        .await?;
        // A retried request with the same Idempotency-Key finds the first claim.
        index(
            manager,
            "idx_claims_idempotency",
            Claims::Table,
            &[Claims::MemberId, Claims::IdempotencyKey],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Vouchers::Table)
                    .col(id(Vouchers::Id))
                    .col(big(Vouchers::ActivityId))
                    .col(big(Vouchers::PrizeId))
                    .col(big(Vouchers::CouponId))
                    .col(string(Vouchers::Code, 32))
                    .col(string(Vouchers::Status, 16))
                    .col(ColumnDef::new(Vouchers::MemberId).big_integer().null())
                    .col(ColumnDef::new(Vouchers::ClaimId).big_integer().null())
                    .col(
                        ColumnDef::new(Vouchers::HolderNameMasked)
                            .string_len(50)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Vouchers::HolderPhoneMasked)
                            .string_len(20)
                            .null(),
                    )
                    .col(timestamp(Vouchers::ValidFrom))
                    .col(timestamp(Vouchers::ValidTo))
                    .col(nullable_timestamp(Vouchers::ClaimedAt))
                    .col(nullable_timestamp(Vouchers::RedeemedAt))
                    .col(
                        ColumnDef::new(Vouchers::RedeemedByMerchantId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Vouchers::RedeemedByStaffId)
                            .big_integer()
                            .null(),
                    )
                    .col(nullable_timestamp(Vouchers::ExpiredAt))
                    .col(timestamp(Vouchers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vouchers::Table, Vouchers::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vouchers::Table, Vouchers::PrizeId)
                            .to(ActivityPrizes::Table, ActivityPrizes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vouchers::Table, Vouchers::CouponId)
                            .to(Coupons::Table, Coupons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_vouchers_code",
            Vouchers::Table,
            &[Vouchers::Code],
            true,
        )
        .await?;
        index(
            manager,
            "idx_vouchers_member",
            Vouchers::Table,
            &[Vouchers::MemberId, Vouchers::Id],
            false,
        )
        .await?;
        index(
            manager,
            "idx_vouchers_claim",
            Vouchers::Table,
            &[Vouchers::ClaimId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_vouchers_activity_status",
            Vouchers::Table,
            &[Vouchers::ActivityId, Vouchers::Status],
            false,
        )
        .await?;
        index(
            manager,
            "idx_vouchers_redeemed_by",
            Vouchers::Table,
            &[Vouchers::RedeemedByMerchantId, Vouchers::RedeemedAt],
            false,
        )
        .await?;
        // Partial indexes (same syntax on both backends):
        // - free slots of a prize in id order: a claim probes from a random id, so the
        //   lookup stays O(1) however many slots are already taken;
        // - unused vouchers by end of window: what the expiry sweep walks.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_free_slots ON vouchers (prize_id, id) \
             WHERE member_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_unused_valid_to ON vouchers (valid_to) \
             WHERE status = 'unused'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Vouchers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Claims::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Activities {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActivityPrizes {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Coupons {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Claims {
    Table,
    Id,
    ActivityId,
    MemberId,
    AppAccountId,
    DayKey,
    Seq,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Vouchers {
    Table,
    Id,
    ActivityId,
    PrizeId,
    CouponId,
    Code,
    Status,
    MemberId,
    ClaimId,
    HolderNameMasked,
    HolderPhoneMasked,
    ValidFrom,
    ValidTo,
    ClaimedAt,
    RedeemedAt,
    RedeemedByMerchantId,
    RedeemedByStaffId,
    ExpiredAt,
    CreatedAt,
}
