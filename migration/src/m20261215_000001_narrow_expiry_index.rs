//! Narrows the expiry sweep's index so that only the sweep can use it.
//!
//! `idx_vouchers_unused_valid_to (valid_to) WHERE status = 'unused'` was chosen by
//! PostgreSQL's generic plan for the redemption UPDATE (`… AND status = 'unused' …`)
//! whenever the statistics said there were few unused vouchers (as right after an
//! activity opens, when every slot was still `available`): each redemption then
//! filtered every unused voucher, 2 ms apiece under load instead of a primary-key
//! lookup. With `expired_at IS NULL` in the predicate, a query can use the index only
//! by stating that condition too, which the sweep does and redemption does not. For
//! unused vouchers the two predicates hold for the same rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_vouchers_unused_valid_to")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_expiry_sweep ON vouchers (valid_to) \
             WHERE status = 'unused' AND expired_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_vouchers_expiry_sweep")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_unused_valid_to ON vouchers (valid_to) \
             WHERE status = 'unused'",
        )
        .await?;
        Ok(())
    }
}
