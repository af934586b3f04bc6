//! PostgreSQL: the statement that runs a batch of redemptions (see `batch_lanes`).
//!
//! Each request keeps the conditions of a redemption on its own
//! (`redemptions::redeem_one`): its voucher changes from `unused` to `redeemed` only
//! inside the window, only for the coupon's merchant or a granted one, only by an
//! enabled staff account of an online merchant, and only while its staff account is
//! not blocked for failed lookups. Two scans of one code never
//! share a batch, so of two phones scanning at once exactly one changes the row, as
//! before; the other's answer is found by the usual follow-up read.

use sea_orm::{DatabaseConnection, FromQueryResult, QueryResult};

use crate::error::ApiResult;
use crate::services::batch_lanes::{Batched, Lanes, column};
use crate::services::redemptions::{LOOKUP_SCOPE, MAX_FAILED_LOOKUPS, RedeemRequest, Redeemed};

#[derive(Debug)]
pub struct RedemptionBatch;

pub type RedemptionBatches = Lanes<RedemptionBatch>;

/// `req` holds the requests (numbered by position); `done` is the conditional update
/// of each request's voucher, found through the code's unique index.
const BATCH_SQL: &str = "\
WITH req AS MATERIALIZED (SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], \
    $4::bigint[], $5::bigint[]) WITH ORDINALITY AS r(code, at, merchant_id, staff_id, at_second, ix)), \
  done AS (UPDATE vouchers v SET status = 'redeemed', redeemed_at = r.at, \
      redeemed_by_merchant_id = r.merchant_id, redeemed_by_staff_id = r.staff_id \
    FROM req r \
    WHERE v.code = r.code AND v.status = 'unused' AND v.valid_from <= r.at AND v.valid_to > r.at \
    AND (EXISTS (SELECT 1 FROM coupons c WHERE c.id = v.coupon_id AND c.merchant_id = r.merchant_id) \
      OR EXISTS (SELECT 1 FROM coupon_grants g WHERE g.coupon_id = v.coupon_id \
        AND g.merchant_id = r.merchant_id)) \
    AND EXISTS (SELECT 1 FROM merchant_staff st JOIN merchants m ON m.id = st.merchant_id \
      WHERE st.id = r.staff_id AND st.merchant_id = r.merchant_id AND NOT st.disabled AND m.online) \
    AND NOT EXISTS (SELECT 1 FROM rate_limits l WHERE l.scope = $6 \
      AND l.subject = r.staff_id::text AND l.window_ends_at > r.at_second AND l.hits >= $7) \
    RETURNING r.ix AS done_ix, v.id, v.code, v.coupon_id, v.amount_fen, v.redeemed_at, \
      v.holder_name_masked) \
SELECT r.ix AS req_ix, d.* FROM req r LEFT JOIN done d ON d.done_ix = r.ix ORDER BY r.ix";

impl Batched for RedemptionBatch {
    type Request = RedeemRequest;
    /// The voucher changed, or `None` when nothing changed.
    type Answer = Option<Redeemed>;
    type Key = String;

    fn key(request: &RedeemRequest) -> Option<String> {
        Some(request.code.clone())
    }

    async fn execute(
        db: &DatabaseConnection,
        requests: &[&RedeemRequest],
    ) -> ApiResult<Vec<Option<Redeemed>>> {
        let rows = sea_orm::sqlx::query(BATCH_SQL)
            .bind(column(requests, |r| r.code.clone()))
            .bind(column(requests, |r| r.now))
            .bind(column(requests, |r| r.merchant_id))
            .bind(column(requests, |r| r.staff_id))
            .bind(column(requests, |r| r.now.timestamp()))
            .bind(LOOKUP_SCOPE)
            .bind(MAX_FAILED_LOOKUPS)
            .fetch_all(db.get_postgres_connection_pool())
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
