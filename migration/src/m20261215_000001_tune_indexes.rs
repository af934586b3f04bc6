//! Index tuning measured under the benchmarks.
//!
//! 1. The expiry sweep's index is narrowed so that only the sweep can use it.
//!    `idx_vouchers_unused_valid_to (valid_to) WHERE status = 'unused'` was chosen by
//!    PostgreSQL's generic plan for the redemption UPDATE (`… AND status = 'unused' …`)
//!    whenever the statistics said there were few unused vouchers (as right after an
//!    activity opens, when every slot was still `available`): each redemption then
//!    filtered every unused voucher, 2 ms apiece under load instead of a primary-key
//!    lookup. With `expired_at IS NULL` in the predicate, a query can use the index only
//!    by stating that condition too, which the sweep does and redemption does not. For
//!    unused vouchers the two predicates hold for the same rows.
//!
//! 2. `idx_members_org_hash (org_id, id_number_hash)` served the import's former
//!    per-batch lookup; the import now loads the union's records once (by
//!    `idx_members_org_status`) and hash lookups use `idx_members_id_hash`. Keeping it
//!    cost 18% of a 100,000-row import's insert time.
//!
//! 3. A claim or a redemption changes indexed columns of the voucher row, so every index
//!    of `vouchers` gets a new entry (no HOT update): PostgreSQL's work per claim is
//!    mostly that and executor start-up. `idx_vouchers_claim` goes (a replayed claim
//!    finds its vouchers through the member's index) and `idx_vouchers_redeemed_by`
//!    is replaced by `idx_vouchers_redeemed`, which holds only redeemed vouchers (all the
//!    merchant's history and the statements ask for).

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
        db.execute_unprepared("DROP INDEX idx_members_org_hash")
            .await?;
        db.execute_unprepared("DROP INDEX idx_vouchers_claim")
            .await?;
        db.execute_unprepared("DROP INDEX idx_vouchers_redeemed_by")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_redeemed ON vouchers \
             (redeemed_by_merchant_id, redeemed_at) WHERE redeemed_by_merchant_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_vouchers_redeemed")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_vouchers_redeemed_by ON vouchers (redeemed_by_merchant_id, redeemed_at)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX idx_vouchers_claim ON vouchers (claim_id)")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_members_org_hash ON members (org_id, id_number_hash)",
        )
        .await?;
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
