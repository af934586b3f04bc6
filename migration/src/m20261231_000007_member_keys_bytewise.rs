//! On PostgreSQL the two text keys of `members` that B-trees index, the ID number's
//! keyed hash and the phone, compare byte by byte (`COLLATE "C"`).
//!
//! Both hold ASCII only (hex digits, decimal digits) and are only ever compared for
//! equality or prefix, so a language's collation changes no answer; but every B-tree
//! step under a libc collation (even `C.UTF-8`, which PostgreSQL 15 does not treat as
//! `C`) goes through `strcoll`. The one-active unique index on the hash is consulted
//! and extended by every row an import inserts: the import's set-based insert of
//! 100,000 members took 3.68–3.71 s in psql before and 2.63–3.01 s after (2 cores,
//! 2026-12-03). Changing a column's collation rebuilds its indexes. SQLite compares
//! bytes already.

use sea_orm_migration::prelude::*;

use crate::columns::on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        collate(manager, "COLLATE \"C\"").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        collate(manager, "COLLATE \"default\"").await
    }
}

async fn collate(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    on_postgres(
        manager,
        &[&format!(
            "ALTER TABLE members \
             ALTER COLUMN id_number_hash TYPE varchar(64) {collation}, \
             ALTER COLUMN phone TYPE varchar(11) {collation}"
        )],
    )
    .await
}
