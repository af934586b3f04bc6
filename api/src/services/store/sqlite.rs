//! The embedded mode's implementation (SQLite, one writer at a time): every request
//! is its own statement on the main pool, a claim its own transaction.

use async_trait::async_trait;
use entity::{claim, voucher};
use jobs::database::stmt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, TransactionTrait, Value,
};

use super::{ClaimStore, RedemptionStore, TokenStore};
use crate::error::ApiResult;
use crate::services::claims::{Attempt, ClaimRequest, admission_sql, take_slot_sql};
use crate::services::redemptions::{RedeemRequest, Redeemable, Redeemed};
use crate::services::sessions::{
    MemberSession, SessionRow, StaffSession, TokenLookup, lookup_select,
};

pub struct SqliteStore {
    db: DatabaseConnection,
}

impl SqliteStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// One token lookup (`sessions::lookup_select`).
    async fn session<R: SessionRow>(&self, lookup: TokenLookup) -> ApiResult<Option<R>> {
        let select = lookup_select::<R>(Expr::val(lookup.digest), Expr::val(lookup.now));
        let backend = self.db.get_database_backend();
        match self.db.query_one_raw(backend.build(&select)).await? {
            Some(row) => Ok(Some(R::read(&row)?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl ClaimStore for SqliteStore {
    /// The claim in a transaction: insert the claim row with its sequence number ($7)
    /// if `admission_sql` holds (the unique key refuses a number already used), take
    /// one free slot per prize, roll back if none was free.
    async fn attempt(&self, c: ClaimRequest) -> ApiResult<Attempt> {
        let backend = self.db.get_database_backend();
        let values = || -> Vec<Value> {
            vec![
                c.activity_id.into(),
                c.member_id.into(),
                c.account_id.into(),
                c.day_key.clone().into(),
                c.idempotency_key.clone().into(),
                c.now.into(),
                c.seq.into(),
                c.name_masked.clone().into(),
                c.phone_masked.clone().into(),
            ]
        };
        let txn = self.db.begin().await?;
        let inserted = txn
            .query_one_raw(stmt(
                backend,
                &format!(
                    "INSERT INTO claims (activity_id, member_id, app_account_id, day_key, seq, \
                     idempotency_key, created_at) \
                     SELECT $1, $2, $3, $4, $7, $5, $6 WHERE {} \
                     ON CONFLICT DO NOTHING RETURNING id",
                    admission_sql("$1", "$2", "$3")
                ),
                values(),
            ))
            .await?;
        let Some(row) = inserted else {
            txn.rollback().await?;
            return Ok(Attempt::NotInserted { free_slots: true });
        };
        let claim_id: i64 = row.try_get("", "id")?;
        let take_slot = format!(
            "UPDATE vouchers SET {} \
             WHERE member_id IS NULL AND id = COALESCE(\
             (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
              AND id >= $12 ORDER BY id LIMIT 1), \
             (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
              AND id < $12 ORDER BY id DESC LIMIT 1)) \
             RETURNING *",
            take_slot_sql("$2", "$6", "$8", "$9", "$10")
        );
        let mut vouchers = Vec::with_capacity(c.probes.len());
        for (prize_id, start) in &c.probes {
            let mut values = values();
            values.extend([claim_id.into(), (*prize_id).into(), (*start).into()]);
            if let Some(row) = txn.query_one_raw(stmt(backend, &take_slot, values)).await? {
                vouchers.push(voucher::Model::from_query_result(&row, "")?);
            }
        }
        if vouchers.is_empty() {
            txn.rollback().await?;
            return Ok(Attempt::NotInserted { free_slots: false });
        }
        txn.commit().await?;
        Ok(Attempt::Claimed { claim_id, vouchers })
    }

    async fn claims_used(&self, activity_id: i64, member_id: i64, day_key: &str) -> ApiResult<u64> {
        Ok(claim::Entity::find()
            .filter(claim::Column::ActivityId.eq(activity_id))
            .filter(claim::Column::MemberId.eq(member_id))
            .filter(claim::Column::DayKey.eq(day_key))
            .count(&self.db)
            .await?)
    }
}

#[async_trait]
impl RedemptionStore for SqliteStore {
    async fn redeem(&self, r: RedeemRequest) -> ApiResult<Option<Redeemed>> {
        let redeemable = Redeemable {
            voucher: "vouchers",
            code: "$4",
            at: "$1",
            merchant_id: "$2",
            staff_id: "$3",
            staff_subject: "$5",
            at_second: "$6",
            key: "$7",
            proven: "$8",
        };
        Ok(Redeemed::find_by_statement(stmt(
            self.db.get_database_backend(),
            &format!(
                "UPDATE vouchers SET {} WHERE {} \
                 RETURNING id, code, coupon_id, amount_fen, redeemed_at, holder_name_masked",
                redeemable.assignments(),
                redeemable.conditions()
            ),
            vec![
                r.now.into(),
                r.merchant_id.into(),
                r.staff_id.into(),
                r.code.into(),
                r.staff_id.to_string().into(),
                r.now.timestamp().into(),
                r.key.into(),
                r.proven.into(),
            ],
        ))
        .one(&self.db)
        .await?)
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn member_session(&self, lookup: TokenLookup) -> ApiResult<Option<MemberSession>> {
        self.session(lookup).await
    }

    async fn staff_session(&self, lookup: TokenLookup) -> ApiResult<Option<StaffSession>> {
        self.session(lookup).await
    }
}
