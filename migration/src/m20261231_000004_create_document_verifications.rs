//! Issue 23, part 2: every exported settlement workbook carries a verification code;
//! the server keeps one row per document with what it covers and the SHA-256 of the
//! file, answered without login by `GET /api/verify/{code}`.

use sea_orm_migration::prelude::*;

use crate::columns::{big, id, index, string, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum DocumentVerifications {
    Table,
    Id,
    Code,
    OrgId,
    OrgName,
    Kind,
    ActivityId,
    MerchantId,
    SubjectName,
    Period,
    VoucherCount,
    TotalFaceValueFen,
    GeneratedAt,
    Sha256,
    Size,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DocumentVerifications as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(id(D::Id))
                    .col(string(D::Code, 16))
                    .col(big(D::OrgId))
                    .col(string(D::OrgName, 200))
                    .col(string(D::Kind, 32))
                    .col(ColumnDef::new(D::ActivityId).big_integer().null())
                    .col(ColumnDef::new(D::MerchantId).big_integer().null())
                    .col(string(D::SubjectName, 200))
                    .col(string(D::Period, 100))
                    .col(big(D::VoucherCount))
                    .col(big(D::TotalFaceValueFen))
                    .col(timestamp(D::GeneratedAt))
                    .col(string(D::Sha256, 64))
                    .col(big(D::Size))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_document_verifications_code",
            D::Table,
            &[D::Code],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentVerifications::Table).to_owned())
            .await
    }
}
