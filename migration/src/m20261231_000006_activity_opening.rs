//! Issue 22, opening: a big activity is opened by a background task (开启中 → 已开启);
//! the activity keeps the id of that task so the console can show its progress. The
//! status itself is a VARCHAR(16), so `opening` needs no schema change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nullable without a default: no table rewrite on PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE activities ADD COLUMN opening_task_id BIGINT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE activities DROP COLUMN opening_task_id")
            .await?;
        Ok(())
    }
}
