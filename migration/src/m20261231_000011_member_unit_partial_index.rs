//! The members' index by unit holds only the members placed in a unit
//! (`idx_members_in_unit`, `WHERE unit_id IS NOT NULL`, in place of `idx_members_unit`).
//!
//! The index serves the roster's filter by unit and the check before a unit is deleted,
//! both `unit_id = ?`, which both databases answer from the partial index (checked with
//! `EXPLAIN` on each, a bound parameter included). The members without a unit (every
//! member of a union without units, and the rows of a file without 所在单位) were all
//! entries under the same NULL key, which no query asks for: every insert went to the
//! index's rightmost page, where an import's four lanes queued on its lock. Measured on
//! 2026-12-04 with the 100,000-row import (no units): 1.56–2.02 s (median 1.78 s) against
//! 1.69–2.30 s (median 1.89 s) with the whole index, six runs each, alternated; a later
//! set of twelve pairs showed no difference beyond that day's noise, so the gain is
//! small. Kept for the work and the index size it saves.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Created under a new name before the old one goes: on SQLite, recreating the
        // dropped name failed when the api migrated ("index idx_members_unit already
        // exists"; its statements may go to different pooled connections).
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_members_in_unit ON members (unit_id) WHERE unit_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared("DROP INDEX idx_members_unit").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX idx_members_unit ON members (unit_id)")
            .await?;
        db.execute_unprepared("DROP INDEX idx_members_in_unit")
            .await?;
        Ok(())
    }
}
