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
                    .table(Units::Table)
                    .col(id(Units::Id))
                    .col(ColumnDef::new(Units::OrgId).big_integer().not_null())
                    .col(ColumnDef::new(Units::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Units::CreditCode).string_len(18).null())
                    .col(ColumnDef::new(Units::Leader).string_len(50).null())
                    .col(ColumnDef::new(Units::Phone).string_len(30).null())
                    .col(ColumnDef::new(Units::Nature).string_len(50).null())
                    .col(ColumnDef::new(Units::EconomicType).string_len(50).null())
                    .col(ColumnDef::new(Units::Industry).string_len(50).null())
                    .col(
                        ColumnDef::new(Units::CollectiveBargaining)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Units::ContractValidUntil).date().null())
                    .col(ColumnDef::new(Units::Address).string_len(200).null())
                    .col(counter(Units::EmployeeCount))
                    .col(counter(Units::MigrantWorkerCount))
                    .col(ColumnDef::new(Units::Remark).text().null())
                    .col(timestamp(Units::CreatedAt))
                    .col(timestamp(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Units::Table, Units::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_units_org_name",
            Units::Table,
            &[Units::OrgId, Units::Name],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(id(Members::Id))
                    .col(ColumnDef::new(Members::OrgId).big_integer().not_null())
                    .col(ColumnDef::new(Members::UnitId).big_integer().null())
                    .col(ColumnDef::new(Members::Name).string_len(50).not_null())
                    .col(ColumnDef::new(Members::Phone).string_len(11).not_null())
                    .col(ColumnDef::new(Members::IdType).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Members::IdNumberEnc)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Members::IdNumberHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Members::IdNumberMasked)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Members::Gender).string_len(8).null())
                    .col(ColumnDef::new(Members::BirthDate).date().null())
                    .col(
                        ColumnDef::new(Members::MigrantWorker)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Members::Position).string_len(50).null())
                    .col(ColumnDef::new(Members::JoinedOn).date().null())
                    .col(ColumnDef::new(Members::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Members::StatusReason).string_len(200).null())
                    .col(ColumnDef::new(Members::LeftOn).date().null())
                    .col(ColumnDef::new(Members::Remark).text().null())
                    .col(
                        ColumnDef::new(Members::Certified)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(Members::CreatedAt))
                    .col(timestamp(Members::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::OrgId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_members_org_status",
            Members::Table,
            &[Members::OrgId, Members::Status],
            false,
        )
        .await?;
        index(
            manager,
            "idx_members_id_hash",
            Members::Table,
            &[Members::IdNumberHash],
            false,
        )
        .await?;
        index(
            manager,
            "idx_members_phone",
            Members::Table,
            &[Members::Phone],
            false,
        )
        .await?;
        index(
            manager,
            "idx_members_unit",
            Members::Table,
            &[Members::UnitId],
            false,
        )
        .await?;
        // One active membership per person across the whole system; one row per person
        // per union (a re-import updates it rather than adding another).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_members_one_active ON members (id_number_hash) WHERE status = 'active'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberEvents::Table)
                    .col(id(MemberEvents::Id))
                    .col(
                        ColumnDef::new(MemberEvents::MemberId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MemberEvents::OrgId).big_integer().not_null())
                    .col(ColumnDef::new(MemberEvents::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(MemberEvents::OtherOrgId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(MemberEvents::Reason).string_len(200).null())
                    .col(
                        ColumnDef::new(MemberEvents::ActorAdminId)
                            .big_integer()
                            .null(),
                    )
                    .col(timestamp(MemberEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberEvents::Table, MemberEvents::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_member_events_member",
            MemberEvents::Table,
            &[MemberEvents::MemberId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MemberEvents::Table.into_iden(),
            Members::Table.into_iden(),
            Units::Table.into_iden(),
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
enum Units {
    Table,
    Id,
    OrgId,
    Name,
    CreditCode,
    Leader,
    Phone,
    Nature,
    EconomicType,
    Industry,
    CollectiveBargaining,
    ContractValidUntil,
    Address,
    EmployeeCount,
    MigrantWorkerCount,
    Remark,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Members {
    Table,
    Id,
    OrgId,
    UnitId,
    Name,
    Phone,
    IdType,
    IdNumberEnc,
    IdNumberHash,
    IdNumberMasked,
    Gender,
    BirthDate,
    MigrantWorker,
    Position,
    JoinedOn,
    Status,
    StatusReason,
    LeftOn,
    Remark,
    Certified,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MemberEvents {
    Table,
    Id,
    MemberId,
    OrgId,
    Kind,
    OtherOrgId,
    Reason,
    ActorAdminId,
    CreatedAt,
}
