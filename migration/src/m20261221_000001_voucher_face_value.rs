//! Vouchers keep the face value they were issued with: `vouchers.amount_fen`, copied from
//! the coupon when the activity opens (as its window is), so editing a coupon's amount
//! afterwards changes no money already promised. Existing vouchers take their coupon's
//! current amount, the only value known for them.
//!
//! SQLite adds a NOT NULL column only with a default, and drops a default only by
//! rebuilding the table; so the column is added with default 0 and backfilled, and
//! PostgreSQL then drops the default so that an insert forgetting the amount fails. Every
//! insert sets it (`api::services::slots`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Vouchers::Table)
                    .add_column(
                        ColumnDef::new(Vouchers::AmountFen)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // UPDATE … FROM: PostgreSQL, and SQLite since 3.33.
        db.execute_unprepared(
            "UPDATE vouchers SET amount_fen = coupons.amount_fen FROM coupons \
             WHERE coupons.id = vouchers.coupon_id",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE vouchers ALTER COLUMN amount_fen DROP DEFAULT")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Vouchers::Table)
                    .drop_column(Vouchers::AmountFen)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    AmountFen,
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, FromQueryResult, Statement};

    use super::*;
    use crate::Migrator;

    #[derive(Debug, PartialEq, Eq, FromQueryResult)]
    struct Row {
        coupon_id: i64,
        amount_fen: i64,
    }

    #[tokio::test]
    async fn existing_vouchers_take_their_coupon_s_amount() {
        let db = Database::connect("sqlite::memory:").await.expect("db");
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name() == Migration.name())
            .expect("registered");
        Migrator::up(&db, Some(before as u32))
            .await
            .expect("earlier migrations");
        // Bare rows: the backfill reads only coupons.amount_fen through vouchers.coupon_id.
        for sql in [
            "PRAGMA foreign_keys = OFF",
            "INSERT INTO coupons (id, merchant_id, org_id, kind, title, name, quantity, \
             valid_from, valid_to, amount_fen, enabled, created_at, updated_at) VALUES \
             (1, 1, 1, 'union_activity', '蛋糕', '蛋糕', 10, '2026-01-01', '2026-02-01', 8850, \
              true, '2026-01-01', '2026-01-01'), \
             (2, 1, 1, 'union_activity', '月饼', '月饼', 10, '2026-01-01', '2026-02-01', 1234, \
              true, '2026-01-01', '2026-01-01')",
            "INSERT INTO vouchers (activity_id, prize_id, coupon_id, code, status, valid_from, \
             valid_to, created_at) VALUES \
             (1, 1, 1, 'A', 'available', '2026-01-01', '2026-02-01', '2026-01-01'), \
             (1, 2, 2, 'B', 'redeemed', '2026-01-01', '2026-02-01', '2026-01-01'), \
             (1, 1, 1, 'C', 'unused', '2026-01-01', '2026-02-01', '2026-01-01')",
        ] {
            db.execute_unprepared(sql).await.expect(sql);
        }
        Migrator::up(&db, None).await.expect("this migration");
        let rows = Row::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            "SELECT coupon_id, amount_fen FROM vouchers ORDER BY id",
        ))
        .all(&db)
        .await
        .expect("rows");
        let got: Vec<(i64, i64)> = rows.iter().map(|r| (r.coupon_id, r.amount_fen)).collect();
        assert_eq!(got, [(1, 8850), (2, 1234), (1, 8850)]);
    }
}
