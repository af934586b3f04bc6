//! Issue 23, part 4: an activity may make its vouchers screenshot-proof (动态券码): the
//! merchant then accepts only a short-lived signed payload, or the static code with the
//! 6-digit number of the current time step.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE activities ADD COLUMN dynamic_code BOOLEAN NOT NULL DEFAULT FALSE",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE activities DROP COLUMN dynamic_code")
            .await?;
        Ok(())
    }
}
