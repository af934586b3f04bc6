//! PostgreSQL: the statement that runs a batch of redemptions (see `batch_lanes`).
//!
//! Each request keeps the conditions of a redemption on its own
//! (`redemptions::Redeemable`), per request. Two scans of one code never share a
//! batch, so of two phones scanning at once exactly one changes the row, as on its
//! own; the other's answer is found by the usual follow-up read.

use std::sync::OnceLock;

use sea_orm::sqlx::PgPool;
use sea_orm::{FromQueryResult, QueryResult};

use crate::error::ApiResult;
use crate::services::redemptions::{RedeemRequest, Redeemable, Redeemed};
use crate::services::store::batch_lanes::{Batched, Lanes, column};

#[derive(Debug)]
pub struct RedemptionBatch;

pub type RedemptionBatches = Lanes<RedemptionBatch>;

/// `req` holds the requests (numbered by position); `done` is the conditional update
/// of each request's voucher, found through the code's unique index.
fn batch_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let redeemable = Redeemable {
            voucher: "v",
            code: "r.code",
            at: "r.at",
            merchant_id: "r.merchant_id",
            staff_id: "r.staff_id",
            staff_subject: "r.staff_id::text",
            at_second: "r.at_second",
            key: "r.redeem_key",
            proven: "r.proven",
        };
        format!(
            "WITH req AS MATERIALIZED (SELECT * FROM unnest($1::text[], $2::timestamptz[], \
               $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bool[]) \
               WITH ORDINALITY AS r(code, at, merchant_id, staff_id, at_second, redeem_key, \
               proven, ix)), \
             done AS (UPDATE vouchers v SET {set} FROM req r WHERE {conditions} \
               RETURNING r.ix AS done_ix, v.id, v.code, v.coupon_id, v.amount_fen, \
               v.redeemed_at, v.holder_name_masked) \
             SELECT r.ix AS req_ix, d.* FROM req r LEFT JOIN done d ON d.done_ix = r.ix \
             ORDER BY r.ix",
            set = redeemable.assignments(),
            conditions = redeemable.conditions(),
        )
    })
}

impl Batched for RedemptionBatch {
    type Db = PgPool;
    type Request = RedeemRequest;
    /// The voucher changed, or `None` when nothing changed.
    type Answer = Option<Redeemed>;
    type Key = String;

    fn key(request: &RedeemRequest) -> Option<String> {
        Some(request.code.clone())
    }

    async fn execute(db: &PgPool, requests: &[&RedeemRequest]) -> ApiResult<Vec<Option<Redeemed>>> {
        let rows = sea_orm::sqlx::query(batch_sql())
            .bind(column(requests, |r| r.code.clone()))
            .bind(column(requests, |r| r.now))
            .bind(column(requests, |r| r.merchant_id))
            .bind(column(requests, |r| r.staff_id))
            .bind(column(requests, |r| r.now.timestamp()))
            .bind(column(requests, |r| r.key.clone()))
            .bind(column(requests, |r| r.proven))
            .fetch_all(db)
            .await?;
        rows.into_iter()
            .map(|row| {
                let row = QueryResult::from(row);
                Ok(match row.try_get::<Option<i64>>("", "done_ix")? {
                    Some(_) => Some(Redeemed::from_query_result(&row, "")?),
                    None => None,
                })
            })
            .collect()
    }
}
