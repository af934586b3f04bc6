//! The embedded mode's implementation (SQLite, one writer at a time): every request
//! is its own statement on the main pool, a claim its own transaction.

use async_trait::async_trait;
use entity::claim;
use jobs::database::stmt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter,
};

use super::{ClaimStore, RedemptionStore, TokenStore};
use crate::error::ApiResult;
use crate::services::claims::{Attempt, ClaimRequest};
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
    /// The claim in a transaction (`claim_txn`).
    async fn attempt(&self, c: ClaimRequest) -> ApiResult<Attempt> {
        super::claim_txn::attempt(&self.db, c).await
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
