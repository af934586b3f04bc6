//! On PostgreSQL the hash index on the ID number's keyed hash covers only the members who
//! are not active (`idx_members_left_hash`, `WHERE status <> 'active'`).
//!
//! The active ones are found by the one-active unique index already, so a whole-table
//! index repeated that half. It also slowed every concurrent insert: each insert into a
//! hash index updates its metapage's row count under an exclusive lock, so an import's
//! four lanes queued on one page (`LWLock:BufferContent`, a third of the lanes' time
//! while an import was writing). The 100,000-row import was about 8% faster without it
//! (2.00–2.03 s against 2.12–2.20 s, alternated, 2026-12-04); a B-tree in its place
//! was no faster than the hash index. A lookup by ID hash whatever the status asks for
//! both halves (`(status = 'active' AND …) OR (status <> 'active' AND …)`), which
//! PostgreSQL answers from the two indexes. SQLite keeps its B-tree on the hash.

use sea_orm_migration::prelude::*;

use crate::columns::on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &[
                "DROP INDEX idx_members_id_hash_eq",
                "CREATE INDEX idx_members_left_hash ON members USING hash (id_number_hash) \
                 WHERE status <> 'active'",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &[
                "DROP INDEX idx_members_left_hash",
                "CREATE INDEX idx_members_id_hash_eq ON members USING hash (id_number_hash)",
            ],
        )
        .await
    }
}
