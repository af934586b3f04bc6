//! The member app: app accounts (phone + password, WeChat openids, the certified
//! identity and the electronic member card), SMS codes, WeChat bind tokens,
//! real-name certification applications, and the shared rate-limit counters.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppAccounts::Table)
                    .col(id(AppAccounts::Id))
                    .col(
                        ColumnDef::new(AppAccounts::Phone)
                            .string_len(11)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::Region)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(timestamp(AppAccounts::AgreementAcceptedAt))
                    .col(
                        ColumnDef::new(AppAccounts::WechatUnionid)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::WechatAppOpenid)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::WechatMiniOpenid)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(AppAccounts::MemberId).big_integer().null())
                    .col(
                        ColumnDef::new(AppAccounts::CertifiedIdHash)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(AppAccounts::CardNo).string_len(32).null())
                    .col(
                        ColumnDef::new(AppAccounts::CardIssuedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::FailedLogins)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AppAccounts::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(AppAccounts::CreatedAt))
                    .col(timestamp(AppAccounts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppAccounts::Table, AppAccounts::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // NULLs never collide, so each of these allows any number of unset values and
        // at most one account per openid, unionid, member record, person and card.
        for (name, col) in [
            ("idx_app_accounts_unionid", AppAccounts::WechatUnionid),
            ("idx_app_accounts_app_openid", AppAccounts::WechatAppOpenid),
            (
                "idx_app_accounts_mini_openid",
                AppAccounts::WechatMiniOpenid,
            ),
            ("idx_app_accounts_member", AppAccounts::MemberId),
            (
                "idx_app_accounts_certified_id",
                AppAccounts::CertifiedIdHash,
            ),
            ("idx_app_accounts_card_no", AppAccounts::CardNo),
        ] {
            index(manager, name, AppAccounts::Table, &[col], true).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SmsCodes::Table)
                    .col(id(SmsCodes::Id))
                    .col(ColumnDef::new(SmsCodes::Phone).string_len(11).not_null())
                    .col(ColumnDef::new(SmsCodes::Purpose).string_len(16).not_null())
                    .col(ColumnDef::new(SmsCodes::CodeHash).string_len(64).not_null())
                    .col(
                        ColumnDef::new(SmsCodes::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(SmsCodes::CreatedAt))
                    .col(timestamp(SmsCodes::ExpiresAt))
                    .col(
                        ColumnDef::new(SmsCodes::ConsumedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sms_codes_phone_purpose",
            SmsCodes::Table,
            &[SmsCodes::Phone, SmsCodes::Purpose],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WechatBindTokens::Table)
                    .col(id(WechatBindTokens::Id))
                    .col(
                        ColumnDef::new(WechatBindTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(WechatBindTokens::Source)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WechatBindTokens::Openid)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WechatBindTokens::Unionid)
                            .string_len(64)
                            .null(),
                    )
                    .col(timestamp(WechatBindTokens::CreatedAt))
                    .col(timestamp(WechatBindTokens::ExpiresAt))
                    .col(
                        ColumnDef::new(WechatBindTokens::ConsumedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .col(id(Certifications::Id))
                    .col(
                        ColumnDef::new(Certifications::AccountId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::MemberId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::OrgId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::Name)
                            .string_len(50)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::IdNumberHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::IdNumberMasked)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::RejectReason)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::ReviewedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Certifications::ReviewedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(Certifications::CreatedAt))
                    .col(timestamp(Certifications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certifications::Table, Certifications::AccountId)
                            .to(AppAccounts::Table, AppAccounts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certifications::Table, Certifications::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certifications::Table, Certifications::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_certifications_org_status",
            Certifications::Table,
            &[Certifications::OrgId, Certifications::Status],
            false,
        )
        .await?;
        index(
            manager,
            "idx_certifications_account",
            Certifications::Table,
            &[Certifications::AccountId],
            false,
        )
        .await?;
        let db = manager.get_connection();
        // One open application per account, and one approval per roster record, even
        // when two requests race.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_certifications_one_pending ON certifications (account_id) WHERE status = 'pending'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_certifications_one_approved ON certifications (member_id) WHERE status = 'approved'",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(ColumnDef::new(RateLimits::Scope).string_len(32).not_null())
                    .col(
                        ColumnDef::new(RateLimits::Subject)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RateLimits::Hits).integer().not_null())
                    .col(
                        ColumnDef::new(RateLimits::WindowEndsAt)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RateLimits::Scope)
                            .col(RateLimits::Subject),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RateLimits::Table.into_iden(),
            Certifications::Table.into_iden(),
            WechatBindTokens::Table.into_iden(),
            SmsCodes::Table.into_iden(),
            AppAccounts::Table.into_iden(),
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
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum AppAccounts {
    Table,
    Id,
    Phone,
    PasswordHash,
    Region,
    AgreementAcceptedAt,
    WechatUnionid,
    WechatAppOpenid,
    WechatMiniOpenid,
    MemberId,
    CertifiedIdHash,
    CardNo,
    CardIssuedAt,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SmsCodes {
    Table,
    Id,
    Phone,
    Purpose,
    CodeHash,
    Attempts,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WechatBindTokens {
    Table,
    Id,
    TokenHash,
    Source,
    Openid,
    Unionid,
    CreatedAt,
    ExpiresAt,
    ConsumedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Certifications {
    Table,
    Id,
    AccountId,
    MemberId,
    OrgId,
    Name,
    IdNumberHash,
    IdNumberMasked,
    Status,
    RejectReason,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RateLimits {
    Table,
    Scope,
    Subject,
    Hits,
    WindowEndsAt,
}
