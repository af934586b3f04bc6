//! Issue 6: stored files, merchants and their staff accounts, coupons and grants,
//! activities with prizes and their 处理轨迹.

use sea_orm_migration::prelude::*;

use crate::columns::{big, id, index, string, timestamp, version};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StoredFiles::Table)
                    .col(id(StoredFiles::Id))
                    .col(big(StoredFiles::OrgId))
                    .col(string(StoredFiles::Purpose, 32))
                    .col(string(StoredFiles::FileName, 255))
                    .col(string(StoredFiles::ContentType, 100))
                    .col(big(StoredFiles::Size))
                    .col(string(StoredFiles::Sha256, 64))
                    .col(ColumnDef::new(StoredFiles::Data).blob().not_null())
                    .col(ColumnDef::new(StoredFiles::UploadedBy).big_integer().null())
                    .col(timestamp(StoredFiles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StoredFiles::Table, StoredFiles::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_stored_files_org",
            StoredFiles::Table,
            &[StoredFiles::OrgId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Merchants::Table)
                    .col(id(Merchants::Id))
                    .col(big(Merchants::OrgId))
                    .col(string(Merchants::Name, 100))
                    .col(string(Merchants::ContactName, 50))
                    .col(string(Merchants::Phone, 11))
                    .col(ColumnDef::new(Merchants::Landline).string_len(30).null())
                    .col(string(Merchants::Kind, 16))
                    .col(ColumnDef::new(Merchants::ServiceType).string_len(50).null())
                    .col(ColumnDef::new(Merchants::Tags).text().not_null())
                    .col(
                        ColumnDef::new(Merchants::CompanyAddress)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(Merchants::Address).string_len(200).null())
                    .col(ColumnDef::new(Merchants::Intro).text().null())
                    .col(ColumnDef::new(Merchants::SettledOn).date().null())
                    .col(
                        ColumnDef::new(Merchants::LicenceFileId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Merchants::LogoFileId).big_integer().null())
                    .col(ColumnDef::new(Merchants::Longitude).double().null())
                    .col(ColumnDef::new(Merchants::Latitude).double().null())
                    .col(ColumnDef::new(Merchants::Online).boolean().not_null())
                    .col(version(Merchants::Version))
                    .col(timestamp(Merchants::CreatedAt))
                    .col(timestamp(Merchants::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Merchants::Table, Merchants::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Merchants::Table, Merchants::LicenceFileId)
                            .to(StoredFiles::Table, StoredFiles::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Merchants::Table, Merchants::LogoFileId)
                            .to(StoredFiles::Table, StoredFiles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One name per owning organisation, so an admin never has two "日照职工之家".
        index(
            manager,
            "idx_merchants_org_name",
            Merchants::Table,
            &[Merchants::OrgId, Merchants::Name],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MerchantStaff::Table)
                    .col(id(MerchantStaff::Id))
                    .col(big(MerchantStaff::MerchantId))
                    .col(string(MerchantStaff::Name, 50))
                    .col(string(MerchantStaff::Phone, 11).unique_key().to_owned())
                    .col(string(MerchantStaff::PasswordHash, 255))
                    .col(
                        ColumnDef::new(MerchantStaff::MustChangePassword)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MerchantStaff::Disabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(MerchantStaff::IsOwner)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(MerchantStaff::WxOpenid)
                            .string_len(64)
                            .null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(MerchantStaff::FailedLogins)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(MerchantStaff::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(MerchantStaff::CreatedAt))
                    .col(timestamp(MerchantStaff::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MerchantStaff::Table, MerchantStaff::MerchantId)
                            .to(Merchants::Table, Merchants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_merchant_staff_merchant",
            MerchantStaff::Table,
            &[MerchantStaff::MerchantId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Coupons::Table)
                    .col(id(Coupons::Id))
                    .col(big(Coupons::MerchantId))
                    .col(big(Coupons::OrgId))
                    .col(string(Coupons::Kind, 32))
                    .col(string(Coupons::Title, 100))
                    .col(string(Coupons::Name, 100))
                    .col(big(Coupons::Quantity))
                    .col(
                        ColumnDef::new(Coupons::Reserved)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(Coupons::ValidFrom))
                    .col(timestamp(Coupons::ValidTo))
                    .col(big(Coupons::AmountFen))
                    .col(ColumnDef::new(Coupons::Conditions).text().null())
                    .col(ColumnDef::new(Coupons::Description).text().null())
                    .col(ColumnDef::new(Coupons::Enabled).boolean().not_null())
                    .col(version(Coupons::Version))
                    .col(timestamp(Coupons::CreatedAt))
                    .col(timestamp(Coupons::UpdatedAt))
                    // The last line of defence behind the conditional updates.
                    .check(Expr::col(Coupons::Reserved).lte(Expr::col(Coupons::Quantity)))
                    .check(Expr::col(Coupons::Reserved).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Coupons::Table, Coupons::MerchantId)
                            .to(Merchants::Table, Merchants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Coupons::Table, Coupons::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_coupons_merchant",
            Coupons::Table,
            &[Coupons::MerchantId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_coupons_org",
            Coupons::Table,
            &[Coupons::OrgId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CouponGrants::Table)
                    .col(id(CouponGrants::Id))
                    .col(big(CouponGrants::CouponId))
                    .col(big(CouponGrants::MerchantId))
                    .col(big(CouponGrants::GrantedBy))
                    .col(timestamp(CouponGrants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponGrants::Table, CouponGrants::CouponId)
                            .to(Coupons::Table, Coupons::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponGrants::Table, CouponGrants::MerchantId)
                            .to(Merchants::Table, Merchants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_coupon_grants_pair",
            CouponGrants::Table,
            &[CouponGrants::CouponId, CouponGrants::MerchantId],
            true,
        )
        .await?;
        index(
            manager,
            "idx_coupon_grants_merchant",
            CouponGrants::Table,
            &[CouponGrants::MerchantId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(id(Activities::Id))
                    .col(big(Activities::OrgId))
                    .col(string(Activities::Title, 100))
                    .col(ColumnDef::new(Activities::CoverFileId).big_integer().null())
                    .col(ColumnDef::new(Activities::CoverUrl).string_len(500).null())
                    .col(string(Activities::ClaimLimitKind, 16))
                    .col(ColumnDef::new(Activities::ClaimLimitTimes).integer().null())
                    .col(big(Activities::ScopeOrgId))
                    .col(ColumnDef::new(Activities::ScopeUnitId).big_integer().null())
                    .col(timestamp(Activities::StartsAt))
                    .col(timestamp(Activities::EndsAt))
                    .col(ColumnDef::new(Activities::ContentHtml).text().not_null())
                    .col(
                        ColumnDef::new(Activities::BirthdayOnly)
                            .boolean()
                            .not_null(),
                    )
                    .col(string(Activities::Status, 16))
                    .col(string(Activities::ReviewStatus, 16))
                    .col(big(Activities::CreatedBy))
                    .col(ColumnDef::new(Activities::SubmittedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Activities::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Activities::ReviewedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Activities::ReviewedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Activities::ReviewComment).text().null())
                    .col(version(Activities::Version))
                    .col(timestamp(Activities::CreatedAt))
                    .col(timestamp(Activities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::ScopeOrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::CoverFileId)
                            .to(StoredFiles::Table, StoredFiles::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_activities_org_status",
            Activities::Table,
            &[Activities::OrgId, Activities::Status],
            false,
        )
        .await?;
        index(
            manager,
            "idx_activities_status",
            Activities::Table,
            &[Activities::Status],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityPrizes::Table)
                    .col(id(ActivityPrizes::Id))
                    .col(big(ActivityPrizes::ActivityId))
                    .col(big(ActivityPrizes::CouponId))
                    .col(big(ActivityPrizes::Quantity))
                    .col(timestamp(ActivityPrizes::CreatedAt))
                    .check(Expr::col(ActivityPrizes::Quantity).gt(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityPrizes::Table, ActivityPrizes::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityPrizes::Table, ActivityPrizes::CouponId)
                            .to(Coupons::Table, Coupons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_activity_prizes_pair",
            ActivityPrizes::Table,
            &[ActivityPrizes::ActivityId, ActivityPrizes::CouponId],
            true,
        )
        .await?;
        index(
            manager,
            "idx_activity_prizes_coupon",
            ActivityPrizes::Table,
            &[ActivityPrizes::CouponId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityTrails::Table)
                    .col(id(ActivityTrails::Id))
                    .col(big(ActivityTrails::ActivityId))
                    .col(string(ActivityTrails::Action, 16))
                    .col(
                        ColumnDef::new(ActivityTrails::FromStatus)
                            .string_len(16)
                            .null(),
                    )
                    .col(string(ActivityTrails::ToStatus, 16))
                    .col(big(ActivityTrails::ActorId))
                    .col(string(ActivityTrails::ActorName, 64))
                    .col(big(ActivityTrails::OrgId))
                    .col(string(ActivityTrails::OrgName, 100))
                    .col(ColumnDef::new(ActivityTrails::Comment).text().null())
                    .col(timestamp(ActivityTrails::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityTrails::Table, ActivityTrails::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_activity_trails_activity",
            ActivityTrails::Table,
            &[ActivityTrails::ActivityId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActivityTrails::Table.into_iden(),
            ActivityPrizes::Table.into_iden(),
            Activities::Table.into_iden(),
            CouponGrants::Table.into_iden(),
            Coupons::Table.into_iden(),
            MerchantStaff::Table.into_iden(),
            Merchants::Table.into_iden(),
            StoredFiles::Table.into_iden(),
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
enum StoredFiles {
    Table,
    Id,
    OrgId,
    Purpose,
    FileName,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Merchants {
    Table,
    Id,
    OrgId,
    Name,
    ContactName,
    Phone,
    Landline,
    Kind,
    ServiceType,
    Tags,
    CompanyAddress,
    Address,
    Intro,
    SettledOn,
    LicenceFileId,
    LogoFileId,
    Longitude,
    Latitude,
    Online,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MerchantStaff {
    #[sea_orm(iden = "merchant_staff")]
    Table,
    Id,
    MerchantId,
    Name,
    Phone,
    PasswordHash,
    MustChangePassword,
    Disabled,
    IsOwner,
    WxOpenid,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Coupons {
    Table,
    Id,
    MerchantId,
    OrgId,
    Kind,
    Title,
    Name,
    Quantity,
    Reserved,
    ValidFrom,
    ValidTo,
    AmountFen,
    Conditions,
    Description,
    Enabled,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CouponGrants {
    Table,
    Id,
    CouponId,
    MerchantId,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Activities {
    Table,
    Id,
    OrgId,
    Title,
    CoverFileId,
    CoverUrl,
    ClaimLimitKind,
    ClaimLimitTimes,
    ScopeOrgId,
    ScopeUnitId,
    StartsAt,
    EndsAt,
    ContentHtml,
    BirthdayOnly,
    Status,
    ReviewStatus,
    CreatedBy,
    SubmittedBy,
    SubmittedAt,
    ReviewedBy,
    ReviewedAt,
    ReviewComment,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActivityPrizes {
    Table,
    Id,
    ActivityId,
    CouponId,
    Quantity,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActivityTrails {
    Table,
    Id,
    ActivityId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    ActorName,
    OrgId,
    OrgName,
    Comment,
    CreatedAt,
}
