//! On PostgreSQL, `stored_files.data` is kept out of line without compression
//! (`STORAGE EXTERNAL`).
//!
//! Every stored file is compressed or encrypted already: workbooks are zip archives,
//! uploads are stored encrypted. PostgreSQL still tried to compress each one before
//! moving it out of line, and gave up only after the attempt: storing a 100,000-row
//! import's result workbook (4.8 MB) spent most of its time in `pglz_compress` (`perf`,
//! 2026-12-04). Rows stored before keep their form; both read the same. SQLite stores
//! blobs as they are.

use sea_orm_migration::prelude::*;

use crate::columns::on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &["ALTER TABLE stored_files ALTER COLUMN data SET STORAGE EXTERNAL"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &["ALTER TABLE stored_files ALTER COLUMN data SET STORAGE EXTENDED"],
        )
        .await
    }
}
