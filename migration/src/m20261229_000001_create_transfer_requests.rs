//! Issue 16: transfer requests (转会申请). A union that wants a person active in another
//! union asks for them by ID number and name, without learning which union holds them;
//! that union (or an organisation above both) approves, which moves the member, or
//! rejects. One pending request per person: a partial unique index, as for the one
//! active membership per person.

use sea_orm_migration::prelude::*;

use crate::columns::{big, id, index, nullable_timestamp, string, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let optional =
            |col: TransferRequests, len: u32| ColumnDef::new(col).string_len(len).null().to_owned();
        let org = |col: TransferRequests| {
            ForeignKey::create()
                .from(TransferRequests::Table, col)
                .to(Organisations::Table, Organisations::Id)
                .to_owned()
        };
        let member = |col: TransferRequests| {
            ForeignKey::create()
                .from(TransferRequests::Table, col)
                .to(Members::Table, Members::Id)
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(TransferRequests::Table)
                    .col(id(TransferRequests::Id))
                    .col(big(TransferRequests::ToOrgId))
                    .col(big(TransferRequests::FromOrgId))
                    .col(big(TransferRequests::MemberId))
                    .col(
                        ColumnDef::new(TransferRequests::NewMemberId)
                            .big_integer()
                            .null(),
                    )
                    .col(string(TransferRequests::Name, 50))
                    .col(string(TransferRequests::IdNumberHash, 64))
                    .col(string(TransferRequests::IdNumberMasked, 32))
                    .col(string(TransferRequests::Status, 16))
                    .col(optional(TransferRequests::Reason, 200))
                    .col(optional(TransferRequests::RejectReason, 200))
                    .col(big(TransferRequests::RequestedBy))
                    .col(
                        ColumnDef::new(TransferRequests::ReviewedBy)
                            .big_integer()
                            .null(),
                    )
                    .col(nullable_timestamp(TransferRequests::ReviewedAt))
                    .col(timestamp(TransferRequests::CreatedAt))
                    .col(timestamp(TransferRequests::UpdatedAt))
                    .foreign_key(&mut org(TransferRequests::ToOrgId))
                    .foreign_key(&mut org(TransferRequests::FromOrgId))
                    .foreign_key(&mut member(TransferRequests::MemberId))
                    .foreign_key(&mut member(TransferRequests::NewMemberId))
                    .to_owned(),
            )
            .await?;
        // The lists: requests to a union (incoming) and from a union (outgoing).
        index(
            manager,
            "idx_transfer_requests_to",
            TransferRequests::Table,
            &[TransferRequests::ToOrgId, TransferRequests::Id],
            false,
        )
        .await?;
        index(
            manager,
            "idx_transfer_requests_from",
            TransferRequests::Table,
            &[TransferRequests::FromOrgId, TransferRequests::Id],
            false,
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_transfer_requests_one_pending \
                 ON transfer_requests (id_number_hash) WHERE status = 'pending'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TransferRequests::Table).to_owned())
            .await
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
enum TransferRequests {
    Table,
    Id,
    ToOrgId,
    FromOrgId,
    MemberId,
    NewMemberId,
    Name,
    IdNumberHash,
    IdNumberMasked,
    Status,
    Reason,
    RejectReason,
    RequestedBy,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}
