//! Issue 23, part 1: the annual welfare budget per member (经费标准). An organisation
//! may set a yearly cap in fen (`organisations.welfare_cap_fen`, NULL: none); the cap of
//! the publishing union and of every organisation above it applies, the smallest
//! winning. `member_welfare_years` holds one row per member and Beijing calendar year:
//! a claim under a cap locks it and records the member's year total there, so
//! concurrent claims of one member are decided one after the other.

use sea_orm_migration::prelude::*;

use crate::columns::{big, timestamp};

#[derive(DeriveIden)]
enum MemberWelfareYears {
    Table,
    MemberId,
    Year,
    TotalFen,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Nullable, no default: no table rewrite on PostgreSQL.
        db.execute_unprepared("ALTER TABLE organisations ADD COLUMN welfare_cap_fen BIGINT NULL")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MemberWelfareYears::Table)
                    .col(big(MemberWelfareYears::MemberId))
                    .col(
                        ColumnDef::new(MemberWelfareYears::Year)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MemberWelfareYears::TotalFen)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(MemberWelfareYears::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MemberWelfareYears::MemberId)
                            .col(MemberWelfareYears::Year),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberWelfareYears::Table, MemberWelfareYears::MemberId)
                            .to(Members::Table, Members::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MemberWelfareYears::Table).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE organisations DROP COLUMN welfare_cap_fen")
            .await?;
        Ok(())
    }
}
