//! Issue 21: a redemption retried after a lost answer must get the first answer, not
//! `ALREADY_REDEEMED`. The redeeming statement stores the request's `Idempotency-Key`
//! on the voucher it changes; the key is unique per staff account, so a repeated key
//! finds its redemption and two different vouchers cannot share one key.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // A nullable column without a default: no table rewrite on PostgreSQL.
        db.execute_unprepared("ALTER TABLE vouchers ADD COLUMN redeem_key VARCHAR(64) NULL")
            .await?;
        // Partial: only redeemed vouchers with a key are indexed, so the index stays
        // small next to the millions of free and claimed rows.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_vouchers_redeem_key ON vouchers \
             (redeemed_by_staff_id, redeem_key) WHERE redeem_key IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_vouchers_redeem_key")
            .await?;
        db.execute_unprepared("ALTER TABLE vouchers DROP COLUMN redeem_key")
            .await?;
        Ok(())
    }
}
